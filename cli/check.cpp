// memhp check: run the RapidCheck suites and report.
//
// stdout is deterministic for a given seed (it names the seed it used), so
// two runs can be diffed; timing goes to stderr.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

#include "campaign.h"
#include "check.h"
#include "check_json.h"
#include "commands.h"
#include "replay.h"
#include "report.h"
#include "sequences.h"
#include "shard.h"
#include "thread_checks.h"

namespace memhp::cli {

void print_counts(std::ostream& out, const CheckReport& r) {
  out << "ops (result: count):\n";
  for (const auto& [op, results] : r.op_results) {
    out << "  " << op << std::string(op.size() < 16 ? 16 - op.size() : 1, ' ');
    for (const auto& [res, n] : results) out << " " << res << ":" << n;
    out << "\n";
  }
  out << "witnesses (steps where the invariant's premise held):\n";
  for (const auto& [name, n] : r.witnesses)
    out << "  " << name << std::string(name.size() < 36 ? 36 - name.size() : 1, ' ') << n << "\n";
  out << "sequence properties (times run):\n";
  for (const auto& [name, n] : r.properties)
    out << "  " << name << std::string(name.size() < 36 ? 36 - name.size() : 1, ' ') << n << "\n";
}

void print_failure(std::ostream& out, const Counterexample& c) {
  out << "FAILED: " << c.violation.invariant << ": " << c.violation.message << "\n";
  if (!c.stored_as.empty()) out << "stored as " << c.stored_as << "\n";
  out << "counterexample, " << c.trace.steps.size() << " steps (" << c.shrinks
      << " shrink steps accepted):\n";
  std::istringstream lines(print_trace(c.trace));
  for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  out << "replayed:\n";
  // Replay from the printed text so that line numbers match the trace.
  auto parsed = parse_trace(print_trace(c.trace));
  if (const Trace* t = std::get_if<Trace>(&parsed)) {
    std::istringstream replay(format_replay(replay_trace(*t), "counterexample"));
    for (std::string line; std::getline(replay, line);) out << "  " << line << "\n";
  }
}

namespace {

void print_shard(std::ostream& out, const ShardRun& s) {
  out << "shard " << s.spec.index << "/" << s.spec.count << " of campaign seed " << s.campaign_seed
      << "; coverage is judged over the campaign by memhp merge\n";
  if (!s.swarm) return;
  out << "swarm: off:";
  for (const std::string& k : kinds_named(s.kinds_off, true)) out << " " << k;
  out << "\n";
}

void print_text(std::ostream& out, const CheckOptions& o, const CheckReport& r, const std::optional<ShardRun>& shard) {
  out << "memhp check: suite " << o.suite << ", seed " << r.seed << ", " << r.cases << " cases, "
      << r.steps << " steps";
  if (r.top_up_rounds)
    out << " (" << r.top_up_rounds << " more round" << (r.top_up_rounds > 1 ? "s" : "")
        << " of cases to meet every premise)";
  out << "\n";
  if (shard) print_shard(out, *shard);
  for (const std::string& n : r.store_notes) out << "store: " << n << "\n";
  print_counts(out, r);
  if (r.failure) print_failure(out, *r.failure);
  for (const std::string& gap : r.coverage_gaps) out << "coverage: " << gap << "\n";
  out << (r.passed() ? "PASSED" : "FAILED") << "\n";
}

struct CheckArgs {
  CheckOptions o;
  bool json = false;
  std::vector<std::string> mutants;
  std::vector<std::string> faults;  // --fault
  std::string shard;  // "I/N", empty without --shard
  int jobs = 0;       // 0 without --jobs
  bool swarm = false;
  CounterexampleOutputs outputs;  // --emit-test, --svg, --html
};

// The progress line: cases with their rate and ETA, then the shrinking.
void show(const Chatter& chatter, const CheckProgress& p) {
  char line[160];
  if (p.shrinks >= 0)
    std::snprintf(line, sizeof line, "memhp check: shrinking, %d steps accepted", p.shrinks);
  else
    std::snprintf(line, sizeof line, "memhp check: case %d/%d, %llu steps, %.0f steps/s, ETA %.0f s", p.cases,
                  p.total, static_cast<unsigned long long>(p.steps),
                  p.seconds > 0 ? static_cast<double>(p.steps) / p.seconds : 0.0, p.eta_seconds);
  chatter.update(line, p.shrinks < 0 && p.cases == p.total);
}

void print(const CheckOptions& o, const CheckReport& r, const std::optional<ShardRun>& shard, bool json) {
  if (json)
    std::cout << json_line(check_json(o, r, shard)) << "\n";
  else
    print_text(std::cout, o, r, shard);
}

// --jobs N: the stored failures first, as a single run replays them, then
// the shards in child processes.
int jobs(CheckArgs& a) {
  if (a.o.use_store)
    if (auto r = replay_stored_failures(a.o)) {
      print(a.o, *r, std::nullopt, a.json);
      return kExitFailed;
    }
  const std::uint64_t campaign = a.o.seed ? *a.o.seed : default_seed();
  return run_jobs(JobsRequest{a.o, a.mutants, campaign, a.jobs, a.swarm, a.json});
}

int check(CheckArgs& a, const Chatter& chatter) {
  CheckOptions& o = a.o;
  const bool json = a.json;
  for (const std::string& m : a.mutants) o.mutants.set(*mutant_from_name(m));
  apply_faults(a.faults, o.mutants, o.version);
  a.mutants.insert(a.mutants.end(), a.faults.begin(), a.faults.end());  // the --jobs shards take both
  for (const std::string& m : a.mutants)
    if (aimed_at_threads(mutant_from_name(m)->info()))
      return usage_error("check", m + " is a race, which the suites cannot show (they run one op at a time): "
                                  "run memhp explore --config race-... --fault " + m + " (memhp explore --list)");
  if (a.swarm && a.shard.empty() && !a.jobs) return usage_error("check", "--swarm needs --shard or --jobs");
  if (a.jobs && !(a.outputs.emit_dir.empty() && a.outputs.svg.empty() && a.outputs.html.empty()))
    return usage_error("check", "--emit-test, --svg and --html take one run's counterexample: use them without "
                                "--jobs, or on the trace the campaign stored (memhp replay)");
  if (a.jobs) return jobs(a);
  std::optional<ShardRun> shard;
  if (!a.shard.empty()) {
    // Validated by the option's check; --seed is required with it.
    if (!o.seed) return usage_error("check", "--shard needs --seed (the campaign's seed, the same in every shard)");
    shard = ShardRun{*parse_shard_spec(a.shard), *o.seed, a.swarm, 0};
    o.seed = shard_seed(shard->campaign_seed, shard->spec.index);
    if (a.swarm) shard->kinds_off = o.kinds_off = swarm_kinds_off(*o.seed, shard->spec);
    o.coverage = false;  // judged over the campaign by memhp merge
  }
  if (!json && chatter.progress()) o.on_progress = [&chatter](const CheckProgress& p) { show(chatter, p); };
  const CheckReport r = run_check(o);
  chatter.done();
  print(o, r, shard, json);
  if (r.failure &&
      !write_counterexample(r.failure->trace, "memhp check --suite " + o.suite + " --seed " + std::to_string(r.seed),
                            a.outputs))
    return kExitUsage;
  if (r.seconds > 0 && chatter.timing())
    std::fprintf(stderr, "memhp check: %llu steps in %.2f s (%.0f steps/s)\n",
                 static_cast<unsigned long long>(r.steps), r.seconds,
                 static_cast<double>(r.steps) / r.seconds);
  return r.passed() ? kExitOk : kExitFailed;
}

}  // namespace

Run setup_check(CLI::App& app) {
  auto a = std::make_shared<CheckArgs>();
  std::vector<std::string> suites;
  for (const auto& [name, description] : check_suites()) suites.push_back(name);
  app.add_option("--suite", a->o.suite, "the suite to run")->check(CLI::IsMember(suites))->capture_default_str();
  app.add_option("--cases", a->o.cases,
                 "successful cases to run (up to 4 more rounds of as many when a premise is not met yet)")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  app.add_option("--steps", a->o.steps, "longest operation sequence")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option_function<std::uint64_t>(
         "--seed", [a](const std::uint64_t& seed) { a->o.seed = seed; },
         "the RapidCheck seed, 0 to 2^64-1 (default: RC_PARAMS, else RapidCheck's)")
      ->check(unsigned_number());
  add_profile_option(app, a->o.version);
  app.add_option("--mutant", a->mutants, "run against a deliberately broken model (repeatable)")
      ->check(mutant_name());
  add_fault_option(app, a->faults);
  app.add_option("--only", a->o.only, "check only this invariant or sequence property")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return find_invariant(v) || find_sequence_property(v) ? "" : "unknown invariant '" + v + "'";
          },
          "INVARIANT"));
  auto* store = app.add_option("--store", a->o.store_dir, "the failure store")
                    ->check(nonempty())
                    ->capture_default_str();
  app.add_flag_callback("--no-store", [a] { a->o.use_store = false; }, "neither replay nor store failures")
      ->excludes(store);
  app.add_flag_callback("--no-coverage", [a] { a->o.coverage = false; },
                        "do not fail a passing run that missed an op or a witness");
  app.add_option("--shrink-seconds", a->o.shrink_seconds, "stop shrinking after this long")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_flag("--json", a->json, "one JSON object (docs/json.md)");
  auto* shard = app.add_option("--shard", a->shard,
                               "run shard I (0 to N-1) of a campaign of N, with --seed the campaign's seed; "
                               "coverage is left to memhp merge (docs/campaigns.md)")
                    ->check(CLI::Validator(
                        [](std::string& v) -> std::string {
                          return parse_shard_spec(v) ? "" : "'" + v + "' is not I/N with 0 <= I < N <= 65536";
                        },
                        "I/N"));
  app.add_option("--jobs", a->jobs, "run the campaign as N shards in N processes here and print the merged report")
      ->check(CLI::Range(1, 256))
      ->excludes(shard);
  add_counterexample_options(app, a->outputs);
  app.add_flag("--swarm", a->swarm, "swarm testing: each shard draws from its own subset of the step kinds");
  return [a](const Chatter& chatter) { return check(*a, chatter); };
}

}  // namespace memhp::cli
