// memhp merge: the shards of a campaign judged as one run (props/merge.h,
// docs/campaigns.md).
//
// Each shard's `memhp check --shard I/N --json` object carries its counts
// and its counterexample as trace text, so the merged failure store is
// rebuilt from the results alone: the shards' own stores need not be
// collected (and may hold traces of other --mutant/--only runs).
#include <iostream>
#include <set>

#include "campaign.h"
#include "commands.h"
#include "failure_store.h"

namespace memhp::cli {

namespace {

void store(MergedReport& m, const std::string& dir) {
  for (MergedViolation& v : m.violations) {
    try {
      v.c.stored_as = store_failure(dir, v.c.trace, v.c.violation.invariant);
    } catch (const std::exception& e) {
      m.totals.store_notes.push_back(std::string("could not store the failure: ") + e.what());
    }
  }
}

std::string list(const std::vector<int>& v) {
  std::string out;
  for (int i : v) out += (out.empty() ? "" : ", ") + std::to_string(i);
  return out;
}

void print_text(std::ostream& out, const MergedReport& m, const std::string& who) {
  out << who << ": suite " << m.suite << ", campaign seed " << m.campaign_seed << ", " << m.count << " shard"
      << (m.count > 1 ? "s" : "") << (m.swarm ? " (swarm)" : "") << ", " << m.totals.cases << " cases, "
      << m.totals.steps << " steps\n";
  for (const ShardResult& s : m.shards) {
    out << "shard " << s.shard.spec.index << ": seed " << s.report.seed << ", " << s.report.cases << " cases, "
        << s.report.steps << " steps";
    if (s.shard.swarm) {
      out << ", swarm off:";
      for (const std::string& k : kinds_named(s.shard.kinds_off, true)) out << " " << k;
    }
    if (s.report.failure) out << ", found " << s.report.failure->violation.invariant;
    out << "\n";
  }
  for (const std::string& n : m.totals.store_notes) out << "store: " << n << "\n";
  print_counts(out, m.totals);
  for (const MergedViolation& v : m.violations) {
    out << "shard " << v.shard << "'s trace is the shortest of shards " << list(v.found_by) << ":\n";
    print_failure(out, v.c);
  }
  for (const std::string& gap : m.totals.coverage_gaps) out << "coverage: " << gap << "\n";
  out << (m.passed() ? "PASSED" : "FAILED") << "\n";
}

struct MergeArgs {
  std::vector<std::string> files;
  std::string store_dir;
  bool json = false;
  bool coverage = true;
};

int merge(const MergeArgs& a) {
  std::vector<NamedShard> shards;
  std::set<std::string> seen;
  for (const std::string& f : a.files) {
    if (!seen.insert(f).second) return usage_error("merge", f + ": given twice");
    auto in = read_input(f, std::cerr);
    if (!in) return kExitUsage;
    auto r = read_shard_result(in->text);
    if (auto* e = std::get_if<std::string>(&r)) return usage_error("merge", in->name + ": " + *e);
    shards.push_back(NamedShard{in->name, std::get<ShardResult>(std::move(r))});
  }
  auto merged = merge_shards(shards, a.coverage);
  if (auto* e = std::get_if<std::string>(&merged)) return usage_error("merge", *e);
  return report_merged(std::get<MergedReport>(merged), "memhp merge", a.json, a.store_dir);
}

}  // namespace

int report_merged(MergedReport& m, const std::string& who, bool json, const std::string& store_dir) {
  if (!store_dir.empty()) store(m, store_dir);
  if (json)
    std::cout << json_line(merged_json(m)) << "\n";
  else
    print_text(std::cout, m, who);
  return m.passed() ? kExitOk : kExitFailed;
}

Run setup_merge(CLI::App& app) {
  auto a = std::make_shared<MergeArgs>();
  app.add_option("FILE", a->files, "each shard's `memhp check --shard I/N --json` output, every shard once ('-': stdin)")
      ->required();
  app.add_option("--store", a->store_dir, "store each violation's shortest trace in this failure store")
      ->check(nonempty());
  app.add_flag_callback("--no-coverage", [a] { a->coverage = false; },
                        "do not fail a campaign that missed an op or a witness");
  app.add_flag("--json", a->json, "one JSON object (docs/json.md)");
  return [a](const Chatter&) { return merge(*a); };
}

}  // namespace memhp::cli
