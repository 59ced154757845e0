// The RapidCheck stateful suites behind `memhp check`.
//
// Design. RapidCheck generates a machine configuration and a sequence of
// commands, each drawn from the state the previous ones produced
// (rc::state::gen::commands). A command is one operation, or a short
// sequence that a sequence property judges as a whole. The Harness runs the
// commands on the model, checks every invariant of the registry after every
// step, and stops at the first violation; RapidCheck then shrinks the
// sequence. The last failing run is the smallest one, so the harness keeps
// it as the counterexample and turns it into a trace that `memhp replay`
// reproduces: same steps, same diffs, same violation.
//
// Statistics (ops, errnos, witnesses) are counted only until the first
// failure, so that shrinking does not distort them. Shrinking stops after
// CheckOptions::shrink_seconds: from then on every candidate passes, and the
// smallest failure found so far stands.
#include "check.h"

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

#include "case_work.h"
#include "failure_store.h"
#include "gen.h"
#include "minimise.h"
#include "invariant_lists.h"
#include "replay.h"
#include "sequences.h"

namespace memhp {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// What `--only` leaves checked: everything, one invariant, or one sequence
// property.
struct Checked {
  const Invariant* only_inv = nullptr;
  const SequenceProperty* only_prop = nullptr;
  explicit Checked(const std::string& only)
      : only_inv(only.empty() ? nullptr : find_invariant(only)),
        only_prop(only.empty() ? nullptr : find_sequence_property(only)) {}
  bool checks_invariant(const Invariant& i) const { return !only_prop && (!only_inv || only_inv == &i); }
  bool checks_property(const SequenceProperty& p) const { return !only_inv && (!only_prop || only_prop == &p); }
};

// What one run_check() call accumulates across RapidCheck's invocations of
// the property.
struct RunState : Checked {
  const CheckOptions& opts;
  Clock::time_point start = Clock::now();
  Clock::time_point first_failure;
  bool failing = false;  // a failure was found; RapidCheck is shrinking
  int shrinks = 0;
  std::optional<Counterexample> last;
  // Statistics, counted until the first failure.
  int cases = 0;
  std::uint64_t steps = 0;
  std::map<std::string, std::map<std::string, std::uint64_t>> ops;
  std::vector<std::uint64_t> witness = std::vector<std::uint64_t>(invariant_registry().size());
  std::vector<std::uint64_t> premise = std::vector<std::uint64_t>(inv::coverage_premises().size());
  std::map<std::string, std::uint64_t> properties;

  explicit RunState(const CheckOptions& o) : Checked(o.only), opts(o) {}
};

std::string result_label(const Result& r) { return r.bug.empty() ? errno_name(r.err) : "BUG"; }

// Runs one test case's commands on the model and checks them.
class Harness {
 public:
  Harness(RunState& rs, const SuiteConfig& cfg, System s) : rs_(rs), cfg_(cfg), sys_(std::move(s)) {
    check(StepView{sys_, sys_, nullptr, nullptr});
  }

  // False once the case must stop: a violation, or a kernel BUG.
  bool run(const GenStep& g) {
    if (violation_) return false;
    std::optional<System> start;
    if (!g.property.empty()) start = sys_;
    for (const Op& op : g.ops) {
      auto [go_on, ok] = run_op(op);
      if (!go_on) return false;
      if (!ok) return true;  // the sequence did not happen: nothing to judge
    }
    if (g.property.empty()) return true;
    const SequenceProperty* p = find_sequence_property(g.property);
    if (!p->applies(*start, sys_)) return true;
    if (!rs_.failing) ++rs_.properties[std::string(p->name)];
    if (!rs_.checks_property(*p)) return true;
    if (auto msg = p->check(*start, sys_)) {
      violation_ = Violation{std::string(p->name), *msg};
      property_ = std::string(p->name);
      return false;
    }
    return true;
  }

  const std::optional<Violation>& violation() const { return violation_; }
  const System& state() const { return sys_; }

  Counterexample counterexample() const {
    Counterexample c;
    c.trace.geo = cfg_.geo;
    c.trace.prof = cfg_.prof;
    c.trace.boot = cfg_.boot;
    c.trace.mutants = rs_.opts.mutants;
    c.trace.steps = steps_;
    if (rs_.only_inv) c.trace.check_only = std::string(rs_.only_inv->name);
    if (rs_.only_prop)
      c.trace.check_only = std::string(rs_.only_prop->name);
    else if (!property_.empty())
      c.trace.check_property = property_;
    c.violation = *violation_;
    return c;
  }

 private:
  // {keep going, the op succeeded}
  // A model exception is a violation of its own (kModelException), shrunk
  // and replayed like any other: replay reports it the same way.
  std::pair<bool, bool> run_op(const Op& op) {
    const System before = sys_;
    const Result r = apply_guarded(sys_, op);
    steps_.push_back(TraceStep{0, op, std::nullopt});
    if (!rs_.failing) {
      ++rs_.steps;
      ++rs_.ops[op_name(op)][result_label(r)];
    }
    if (model_threw(r)) {
      violation_ = Violation{std::string(kModelException), r.bug};
      return {false, false};
    }
    check(StepView{before, sys_, &op, &r});
    return {!violation_ && r.bug.empty(), r.ok()};
  }

  void check(const StepView& v) {
    // A premise that throws is not counted; the invariant it belongs to
    // reports the exception.
    const std::vector<inv::Premise>& premises = inv::coverage_premises();
    for (std::size_t k = 0; k < premises.size() && !rs_.failing; ++k) {
      try {
        if (premises[k].occurred(v)) ++rs_.premise[k];
      } catch (const std::exception&) {
      }
    }
    const std::vector<Invariant>& reg = invariant_registry();
    for (std::size_t k = 0; k < reg.size(); ++k) {
      try {
        if (!rs_.failing && reg[k].witness(v)) ++rs_.witness[k];
        if (violation_ || !rs_.checks_invariant(reg[k])) continue;
        if (auto msg = reg[k].check(v)) violation_ = Violation{std::string(reg[k].name), *msg};
      } catch (const std::exception& e) {
        if (!violation_)
          violation_ = Violation{std::string(kModelException), std::string("an invariant check threw: ") + e.what()};
      }
    }
  }

  RunState& rs_;
  const SuiteConfig& cfg_;
  System sys_;
  std::vector<TraceStep> steps_;
  std::optional<Violation> violation_;
  std::string property_;
};

// One RapidCheck command: a GenStep drawn from the model state.
class StepCmd final : public rc::state::Command<System, Harness> {
 public:
  explicit StepCmd(GenStep g) : g_(std::move(g)) {}

  void checkPreconditions(const System& s) const override { RC_PRE(step_allowed(s, g_)); }
  // Guarded: the Harness reports a model exception when it runs the step.
  // Like the Harness, a step stops at its first failed op: the states the
  // later commands are drawn from must be the ones they run on, or the case
  // is discarded when one of them is not allowed there.
  void apply(System& s) const override {
    for (const Op& op : g_.ops)
      if (!apply_guarded(s, op).ok()) break;
  }
  void show(std::ostream& os) const override {
    for (std::size_t i = 0; i < g_.ops.size(); ++i) os << (i ? "; " : "") << print_op(g_.ops[i]);
  }
  const GenStep& step() const { return g_; }

 private:
  GenStep g_;
};

using CmdPtr = std::shared_ptr<const rc::state::Command<System, Harness>>;

// Progress, shrink counting.
class Listener final : public rc::detail::TestListener {
 public:
  explicit Listener(RunState& rs) : rs_(rs), work_(rs.opts.cases, rs.opts.steps) {}
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {
    if (rs_.failing) return;
    ++rs_.cases;
    progress(-1);
  }
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override {
    if (!accepted) return;
    ++rs_.shrinks;
    progress(rs_.shrinks);
  }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}

 private:
  void progress(int shrinks) const {
    if (!rs_.opts.on_progress) return;
    const double spent = since(rs_.start);
    rs_.opts.on_progress(CheckProgress{rs_.cases, rs_.opts.cases, rs_.steps, spent,
                                       spent * work_.remaining_ratio(rs_.cases), shrinks});
  }

  RunState& rs_;
  CaseWork work_;
};

// The property RapidCheck checks: a random machine, a random command
// sequence, every invariant after every step.
void property(RunState& rs) {
  if (rs.failing && since(rs.first_failure) > rs.opts.shrink_seconds) return;
  SuiteConfig cfg = *gen_config(rs.opts.suite);
  cfg.kinds_off = rs.opts.kinds_off;
  if (rs.opts.version) follow_version(cfg.prof, *rs.opts.version);
  auto booted = boot_system(cfg.geo, cfg.prof, cfg.boot, rs.opts.mutants);
  if (auto* err = std::get_if<std::string>(&booted)) RC_FAIL("boot failed: " + *err);
  const System init = std::get<System>(std::move(booted));
  const auto cmds = *rc::state::gen::commands(init, [cfg](const System& s) {
    auto state = std::make_shared<const GenContext>(make_gen_context(s));
    return rc::gen::exec([state, cfg]() -> CmdPtr {
      return std::make_shared<const StepCmd>(gen_step(*state, cfg));
    });
  });
  Harness h(rs, cfg, init);
  for (const CmdPtr& c : cmds) {
    const GenStep& step = static_cast<const StepCmd&>(*c).step();
    // While RapidCheck shrinks the machine (gen_config), it keeps the
    // command sequence drawn for the old one, unchecked: check it here.
    if (!step_allowed(h.state(), step)) RC_DISCARD("a shrunk machine makes this step disallowed");
    if (!h.run(step)) break;
  }
  if (!h.violation()) return;
  if (!rs.failing) {
    rs.failing = true;
    rs.first_failure = Clock::now();
  }
  rs.last = h.counterexample();
  RC_FAIL(h.violation()->invariant + ": " + h.violation()->message);
}

// Hypothesis-style: a stored failure that still fails is reported first.
bool replay_store(const CheckOptions& opts, CheckReport& report) {
  for (const StoredFailure& f : load_failures(opts.store_dir)) {
    if (!f.parse_error.empty()) {
      report.store_notes.push_back(f.parse_error + " (ignored)");
      continue;
    }
    if (!(f.trace.mutants == opts.mutants) ||
        (f.trace.check_only.empty() ? f.trace.check_property : f.trace.check_only) != opts.only)
      continue;
    const ReplayResult r = replay_trace(f.trace);
    if (r.violation) {
      report.store_notes.push_back(f.path + " still fails");
      Counterexample c;
      c.trace = f.trace;
      c.violation = *r.violation;
      c.stored_as = f.path;
      report.failure = c;
      return true;
    }
    remove_failure(f.path);
    report.store_notes.push_back(f.path + " no longer fails (removed)");
  }
  return false;
}

// The name a premise's count goes by in CheckReport::witnesses.
std::string premise_label(const inv::Premise& p) {
  return std::string(p.invariant) + ": " + std::string(p.name);
}

std::uint64_t count_of(const std::vector<std::pair<std::string, std::uint64_t>>& counts, const std::string& name) {
  for (const auto& [n, c] : counts)
    if (n == name) return c;
  return 0;
}

// Copies what the run counted into the report, by name.
void fill_counts(const RunState& rs, CheckReport& report) {
  report.cases = rs.cases;
  report.steps = rs.steps;
  report.op_results = rs.ops;
  report.witnesses.clear();
  const std::vector<Invariant>& reg = invariant_registry();
  for (std::size_t k = 0; k < reg.size(); ++k) report.witnesses.emplace_back(reg[k].name, rs.witness[k]);
  const std::vector<inv::Premise>& premises = inv::coverage_premises();
  for (std::size_t k = 0; k < premises.size(); ++k)
    report.witnesses.emplace_back(premise_label(premises[k]), rs.premise[k]);
  report.properties.clear();
  for (const SequenceProperty& p : sequence_properties()) {
    auto it = rs.properties.find(std::string(p.name));
    report.properties.emplace_back(p.name, it == rs.properties.end() ? 0 : it->second);
  }
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& check_suites() {
  static const std::vector<std::pair<std::string, std::string>> all = {
      {"ram", "System RAM hotplug on every geometry preset, random profiles"},
      {"x86", "System RAM hotplug on x86_64 layouts (QEMU 1 GiB, 256 MiB to 2 GiB, two nodes)"},
      {"device", "ZONE_DEVICE memremap_pages/memunmap_pages mixed with System RAM hotplug on x86_64"},
      {"quick", "the QEMU 1 GiB x86_64 guest only"},
  };
  return all;
}

// Coverage is per suite: the RAM suites must reach the premise of every
// RAM invariant, the device suite every ZONE_DEVICE one (it checks all of
// them after every step, but its machine is one x86_64 layout and cannot be
// asked to reach every RAM corner too).
std::vector<std::string> coverage_gaps(const std::string& suite, const std::string& only,
                                       const CheckReport& counts, const std::optional<KernelSpec>& version) {
  const Checked checked(only);
  Profile kernel;
  if (version) kernel.follow(*version);
  std::vector<std::string> gaps;
  const bool device = suite == "device";
  std::vector<const char*> ops = {"add_memory", "dimm_add", "dimm_remove", "online_block", "offline_block",
                                  "sysfs_write", "remove_memory", "alloc", "free", "memory_notifier"};
  if (device) ops.insert(ops.end(), {"memremap_pages", "memunmap_pages"});
  for (const char* op : ops) {
    auto it = counts.op_results.find(op);
    if (it == counts.op_results.end() || !it->second.count("ok") || it->second.at("ok") == 0)
      gaps.push_back(std::string("op '") + op + "' never succeeded");
  }
  for (const Invariant& i : invariant_registry())
    if (checked.checks_invariant(i) && count_of(counts.witnesses, std::string(i.name)) == 0 &&
        inv::is_device_invariant(i.name) == device && (!i.only_with || kernel.has(*i.only_with)))
      gaps.push_back("the premise of '" + std::string(i.name) + "' never occurred, so it was checked vacuously");
  for (const inv::Premise& p : inv::coverage_premises()) {
    const bool here = p.suites.empty() ? !device : std::find(p.suites.begin(), p.suites.end(), suite) != p.suites.end();
    if (here && count_of(counts.witnesses, premise_label(p)) == 0 && checked.checks_invariant(*find_invariant(p.invariant)))
      gaps.push_back("'" + std::string(p.invariant) + "' never met: " + std::string(p.name));
  }
  for (const SequenceProperty& p : sequence_properties())
    if (checked.checks_property(p) && count_of(counts.properties, std::string(p.name)) == 0 &&
        is_device_property(p.name) == device)
      gaps.push_back("sequence property '" + std::string(p.name) + "' never ran");
  return gaps;
}

namespace {

// RapidCheck announces its configuration on stderr the first time it is read
// ("Using configuration: seed=..."), with its own random seed even when
// --seed overrides it. The run prints the one seed that replays it, so that
// line is swallowed here.
const rc::detail::Configuration& rapidcheck_configuration() {
  static const rc::detail::Configuration& config = []() -> const rc::detail::Configuration& {
    std::ostringstream swallowed;
    std::streambuf* const cerr = std::cerr.rdbuf(swallowed.rdbuf());
    const rc::detail::Configuration& c = rc::detail::configuration();
    std::cerr.rdbuf(cerr);
    return c;
  }();
  return config;
}

}  // namespace

std::uint64_t default_seed() { return rapidcheck_configuration().testParams.seed; }

std::optional<CheckReport> replay_stored_failures(const CheckOptions& opts) {
  CheckReport report;
  if (replay_store(opts, report)) return report;
  return std::nullopt;
}

CheckReport run_check(const CheckOptions& opts) {
  CheckReport report;
  RunState rs(opts);
  if (opts.use_store && replay_store(opts, report)) return report;

  rc::detail::TestParams params = rapidcheck_configuration().testParams;
  if (opts.seed) params.seed = *opts.seed;
  params.maxSuccess = opts.cases;
  params.maxSize = opts.steps;
  report.seed = params.seed;
  rc::detail::TestMetadata meta;
  meta.id = "memhp check " + opts.suite;
  meta.description = meta.id;
  Listener listener(rs);
  rc::detail::TestResult result = rc::detail::checkTestable([&rs] { property(rs); }, meta, params, listener);
  // Coverage by case count: a passing run whose premises are not all met
  // yet gets up to kTopUpRounds more rounds of --cases cases. Their seeds
  // derive from the first, so --seed still replays the whole run. A rare
  // premise (one whose case has to draw a rare profile and layout) is met
  // by running longer, never by dropping it.
  rc::detail::SuccessResult success;
  while (opts.coverage && report.top_up_rounds < kTopUpRounds && result.match(success)) {
    CheckReport probe;
    fill_counts(rs, probe);
    if (coverage_gaps(opts.suite, opts.only, probe, opts.version).empty()) break;
    ++report.top_up_rounds;
    params.seed = report.seed ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(report.top_up_rounds));
    result = rc::detail::checkTestable([&rs] { property(rs); }, meta, params, listener);
  }

  fill_counts(rs, report);
  report.seconds = since(rs.start);

  rc::detail::FailureResult fail;
  rc::detail::GaveUpResult gave_up;
  if (result.match(fail) && rs.last) {
    Counterexample c = *rs.last;
    c.shrinks = rs.shrinks;
    c.trace = minimise_trace(c.trace, c.violation.invariant);
    if (auto r = replay_trace(c.trace); r.violation) c.violation = *r.violation;
    c.seconds_to_failure = std::chrono::duration<double>(rs.first_failure - rs.start).count();
    if (opts.use_store) {
      try {
        c.stored_as = store_failure(opts.store_dir, c.trace, c.violation.invariant);
      } catch (const std::exception& e) {
        report.store_notes.push_back(std::string("could not store the failure: ") + e.what());
      }
    }
    report.failure = c;
  } else if (result.match(fail)) {
    report.coverage_gaps.push_back("the suite failed outside the model: " + fail.description);
  } else if (result.match(gave_up)) {
    report.coverage_gaps.push_back("RapidCheck gave up: " + gave_up.description);
  } else if (opts.coverage) {
    report.coverage_gaps = coverage_gaps(opts.suite, opts.only, report, opts.version);
  }
  return report;
}

}  // namespace memhp
