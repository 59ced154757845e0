// `memhp merge`: the shards of a campaign (props/shard.h) judged as one run.
//
// Counts are summed; coverage is judged on the union, because a swarm shard
// leaves step kinds out on purpose and a single shard may legitimately miss
// an op or a premise; violations are deduplicated by invariant, keeping the
// shortest trace for each (ties: the trace text that sorts first, so that
// the result does not depend on the order the shards are given in).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "check_json.h"

namespace memhp {

// A shard's result with the name it came from (a file), for messages.
struct NamedShard {
  std::string name;
  ShardResult result;
};

struct MergedViolation {
  Counterexample c;           // the shortest trace any shard found for the invariant
  int shard = 0;              // the shard whose trace it is
  std::vector<int> found_by;  // every shard that reported the invariant, ascending
};

struct MergedReport {
  std::string suite, only;
  std::vector<std::string> mutants;
  int max_steps = 0;
  std::uint64_t campaign_seed = 0;
  int count = 0;
  bool swarm = false;
  std::vector<ShardResult> shards;  // by index
  // cases, steps, op_results, witnesses, properties: summed over the shards.
  // coverage_gaps: what the union missed, then what went wrong in a shard
  // outside the model ("shard 1: RapidCheck gave up: ...").
  // store_notes: each shard's, prefixed "shard I: ".
  CheckReport totals;
  std::vector<MergedViolation> violations;  // one per invariant, by invariant name
  bool passed() const { return violations.empty() && totals.coverage_gaps.empty(); }
};

// Merges every shard 0..N-1 of one campaign, each given once. An error
// names the offending input: a shard given twice, a missing shard, shards
// of different campaigns (suite, campaign seed, shard count, mutants,
// --only, --steps or swarm mode differ). `coverage`: judge the union's
// coverage (false: --no-coverage).
std::variant<MergedReport, std::string> merge_shards(const std::vector<NamedShard>& shards, bool coverage);

Json merged_json(const MergedReport& m);

}  // namespace memhp
