// `memhp check`: RapidCheck stateful suites over the model, with every
// invariant checked after every step, shrunk counterexamples written as
// traces, and enforced coverage.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memhp/invariants.h"

namespace memhp {

// Where a run is, for a progress display: after each case, and after each
// accepted shrink step once a failure is being shrunk.
struct CheckProgress {
  int cases = 0, total = 0;  // cases done of --cases (more in top-up rounds)
  std::uint64_t steps = 0;
  double seconds = 0;
  double eta_seconds = 0;  // props/case_work.h; 0 once the cases asked for are done
  int shrinks = -1;        // accepted shrink steps while shrinking, else -1
};

struct CheckOptions {
  std::string suite = "ram";
  int cases = 100;        // successful cases to run (RapidCheck max_success)
  int steps = 60;         // longest operation sequence (RapidCheck max_size)
  std::optional<std::uint64_t> seed;  // default: RC_PARAMS, else RapidCheck's
  MutantSet mutants;      // run against a deliberately broken model
  std::string only;       // check just this invariant or sequence property
  std::string store_dir = ".memhp/failures";
  bool use_store = true;  // replay stored failures first, store new ones
  double shrink_seconds = 60;  // stop shrinking after this long
  std::function<void(const CheckProgress&)> on_progress;  // unset: no progress
  bool coverage = true;   // fail a passing run that missed an op or a witness
  std::uint32_t kinds_off = 0;  // swarm: step kinds switched off (SuiteConfig::kinds_off)
  // Every generated machine follows this kernel (`--profile`, a version with
  // optional with=/without= deltas); the generated parameters stay, and force
  // mode is drawn where it exists.
  std::optional<KernelSpec> version;
};

struct Counterexample {
  Trace trace;            // shrunk, replayable; headers name mutants and checks
  Violation violation;
  int shrinks = 0;        // accepted shrink steps
  double seconds_to_failure = 0;
  std::string stored_as;  // file in the store, if written
};

struct CheckReport {
  std::uint64_t seed = 0;
  int cases = 0;
  std::uint64_t steps = 0;
  double seconds = 0;
  // op -> result ("ok", "-EBUSY", ...) -> count
  std::map<std::string, std::map<std::string, std::uint64_t>> op_results;
  std::vector<std::pair<std::string, std::uint64_t>> witnesses;    // registry order
  std::vector<std::pair<std::string, std::uint64_t>> properties;   // sequence properties applied
  std::vector<std::string> coverage_gaps;
  int top_up_rounds = 0;  // extra rounds of cases run because a premise was not met yet
  std::vector<std::string> store_notes;  // stored failures replayed first
  std::optional<Counterexample> failure;
  bool passed() const { return !failure && coverage_gaps.empty(); }
};

// At most this many extra rounds of --cases cases when coverage is not met.
inline constexpr int kTopUpRounds = 4;

// Names of the suites `--suite` accepts, with one-line descriptions.
const std::vector<std::pair<std::string, std::string>>& check_suites();

CheckReport run_check(const CheckOptions& opts);

// The seed run_check() uses when CheckOptions::seed is unset: RC_PARAMS's,
// else the one RapidCheck drew for this process.
std::uint64_t default_seed();

// Replays the store as run_check() does first (CheckOptions::store_dir,
// mutants, only): the report of the first stored failure that still fails,
// or nullopt. Removes stored traces that no longer fail.
std::optional<CheckReport> replay_stored_failures(const CheckOptions& opts);

// What a passing run of `suite` (checking only `only`, if not empty) missed,
// judged from the counts of `counts` (op_results, witnesses, properties, by
// name): run_check() judges one run with it, `memhp merge` the union of a
// campaign's shards. `version`: the kernel the run followed (v6.1 if none).
std::vector<std::string> coverage_gaps(const std::string& suite, const std::string& only,
                                       const CheckReport& counts,
                                       const std::optional<KernelSpec>& version = std::nullopt);

}  // namespace memhp
