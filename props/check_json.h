// `memhp check --json`, written and read back: the object docs/json.md
// describes. The reading side is what `memhp merge` and `memhp check --jobs`
// take a shard's result through, so it checks every member it uses and
// names the first one that is missing or of the wrong type.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "check.h"
#include "report.h"
#include "shard.h"

namespace memhp {

// How a shard ran, recorded in its JSON (`shard` member).
struct ShardRun {
  ShardSpec spec;
  std::uint64_t campaign_seed = 0;
  bool swarm = false;
  std::uint32_t kinds_off = 0;  // the swarm choice; 0 without --swarm
};

Json check_json(const CheckOptions& o, const CheckReport& r, const std::optional<ShardRun>& shard);

// One shard's result, read back.
struct ShardResult {
  std::string suite, only;
  std::vector<std::string> mutants;
  int max_steps = 0;
  ShardRun shard;
  CheckReport report;  // counts, store notes, coverage_gaps, failure (trace parsed back)
};

// The shard result in `text`, or what is wrong with it ("not JSON: ...",
// "no 'shard' member: ...", "member 'ops' is not an object", ...).
std::variant<ShardResult, std::string> read_shard_result(const std::string& text);

}  // namespace memhp
