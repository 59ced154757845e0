// A shard of a campaign: one `memhp check` run of N that together make one
// campaign (docs/campaigns.md). A shard is independent of the others: it
// derives its seed, and in swarm mode the step kinds it draws, from the
// campaign seed and its index alone, so that any engine (GNU parallel, a
// Slurm array, a Kubernetes Indexed Job, `memhp check --jobs`) can run it
// anywhere, and `memhp merge` judges the union.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memhp {

struct ShardSpec {
  int index = 0;  // 0-based, as SLURM_ARRAY_TASK_ID (with --array=0-N-1) and JOB_COMPLETION_INDEX
  int count = 1;
  bool operator==(const ShardSpec&) const = default;
};

inline constexpr int kMaxShards = 65536;

// "I/N" with 0 <= I < N <= kMaxShards, decimal without sign or spaces.
std::optional<ShardSpec> parse_shard_spec(std::string_view text);

// SplitMix64's output function (Steele, Lea and Flood, 2014).
std::uint64_t splitmix64_mix(std::uint64_t z);

// The seed shard `index` runs RapidCheck with: the (index+1)-th output of a
// SplitMix64 generator seeded with the campaign seed,
//   mix(campaign_seed + (index + 1) * 0x9e3779b97f4a7c15).
// It does not depend on the shard count, so shard 3 of 4 and of 8 run the
// same cases.
std::uint64_t shard_seed(std::uint64_t campaign_seed, int index);

// Swarm testing (Groce et al., ISSTA 2012): each shard draws from a random
// subset of the step kinds (gen.h step_kinds()). Kind k is on in shard I
// when bit k of mix(shard_seed + 0x9e3779b97f4a7c15) (the next SplitMix64
// output after the shard's seed) is set, or when k mod N == I: every kind
// is on in at least one shard of the campaign, and with N = 1 every kind is
// on. If that leaves no kind that always yields a step on, `walk` is
// switched on too. Returns the mask of kinds switched off (SuiteConfig::kinds_off).
std::uint32_t swarm_kinds_off(std::uint64_t shard_seed, ShardSpec spec);

// The names of the kinds a mask switches off and on, in step_kinds() order.
std::vector<std::string> kinds_named(std::uint32_t kinds_off, bool off);

// The mask of the named kinds; nullopt if a name is not a step kind.
std::optional<std::uint32_t> kinds_mask(const std::vector<std::string>& names);

}  // namespace memhp
