// What `memhp check --shard/--jobs` and `memhp merge` share
// (docs/campaigns.md).
#pragma once

#include <iosfwd>
#include <string>

#include "check.h"
#include "merge.h"

namespace memhp::cli {

// cli/check.cpp: a report's counts and a counterexample, as check prints them.
void print_counts(std::ostream& out, const CheckReport& r);
void print_failure(std::ostream& out, const Counterexample& c);

// cli/merge.cpp: stores each violation's trace in `store_dir` (none if
// empty), prints the merged report as `who` ("memhp merge", "memhp check
// --jobs") in text or JSON, and returns the exit status.
int report_merged(MergedReport& m, const std::string& who, bool json, const std::string& store_dir);

// cli/jobs.cpp: what `memhp check --jobs N` runs, N child processes of this
// binary, one per shard.
struct JobsRequest {
  CheckOptions o;                    // suite, cases, steps, only, shrink_seconds, coverage, store
  std::vector<std::string> mutants;  // by name, as the children take them
  std::uint64_t campaign_seed = 0;
  int jobs = 1;
  bool swarm = false;
  bool json = false;
};
int run_jobs(const JobsRequest& r);

}  // namespace memhp::cli
