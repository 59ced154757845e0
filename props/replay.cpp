// Replay: run a trace against the model with the invariant catalogue checked
// after every step (see replay.h).
#include "replay.h"
#include "thread_checks.h"

#include <exception>

#include "diff.h"
#include "report.h"
#include "sequences.h"

namespace memhp {

// A model that throws has a bug of its own; like `memhp run`, replay treats
// it as a kernel BUG so that the trace still gets a readable verdict.
namespace {
constexpr std::string_view kThrew = "model threw: ";
}  // namespace

Result apply_guarded(System& s, const Op& op) {
  try {
    return apply_op(s, op);
  } catch (const std::exception& e) {
    Result r;
    r.bug = std::string(kThrew) + e.what();
    return r;
  }
}

bool model_threw(const Result& r) { return r.bug.rfind(kThrew, 0) == 0; }

std::optional<Violation> check_invariants_guarded(const StepView& v, const Invariant* only) {
  try {
    return check_invariants(v, only);
  } catch (const std::exception& e) {
    return Violation{std::string(kModelException), std::string("an invariant check threw: ") + e.what()};
  }
}

namespace {


// Checks what the trace's headers ask for. The parser rejects unknown names
// when it is given check_names(), but a Trace parsed without them or built in
// code may carry one; checking everything instead would silently test
// something else, so that is an error.
// `check only=` names one invariant, or one sequence property (then no
// invariant is checked, as in a suite run aimed at that property).
struct Checks {
  const Invariant* only = nullptr;
  const SequenceProperty* property = nullptr;
  bool no_invariants = false;
  std::string error;
};

// A property judges the sequence the suites run as one command. A trace
// whose last steps are other ops asks a question the property does not
// answer: it is bad input, not a kernel state, and is refused. A trace
// shorter than the window holds no sequence at all: the property does not
// apply (Replayer::check_property), which is neither an error nor a
// violation, so a minimiser can never shrink a counterexample to nothing.
std::string window_error(const Trace& t, const SequenceProperty& p) {
  const std::string head = "check " + std::string(p.name) + ": the trace must end with ";
  if (t.steps.size() < p.ops) return {};
  std::vector<Op> window;
  for (std::size_t i = t.steps.size() - p.ops; i < t.steps.size(); ++i) window.push_back(t.steps[i].op);
  if (auto want = p.window_error(t.geo, window)) return head + *want;
  return {};
}

Checks resolve_checks(const Trace& t) {
  Checks c;
  if (!t.check_only.empty()) {
    c.only = find_invariant(t.check_only);
    if (!c.only && (c.property = find_sequence_property(t.check_only))) c.no_invariants = true;
    if (!c.only && !c.property) c.error = "unknown invariant '" + t.check_only + "'";
  }
  if (!t.check_property.empty() && !(c.property = find_sequence_property(t.check_property)))
    c.error = "unknown property '" + t.check_property + "'";
  if (c.property && c.error.empty()) c.error = window_error(t, *c.property);
  return c;
}

class Replayer {
 public:
  Replayer(const Trace& t, const Checks& c, System s, ReplayResult& out)
      : t_(t), checks_(c), s_(std::move(s)), out_(out) {}

  void run() {
    const std::size_t n = t_.steps.size();
    const std::size_t span = checks_.property ? checks_.property->ops : 0;
    for (std::size_t i = 0; i < n; ++i) {
      // The property compares the state before its window with the last one.
      if (checks_.property && n >= span && i == n - span) window_start_ = s_;
      if (!step(t_.steps[i])) return;
    }
    if (checks_.property) check_property(n, span);
  }

 private:
  // False when the replay must stop.
  bool step(const TraceStep& ts) {
    const System before = s_;
    ReplayStep rs{ts.line, ts.op, apply_guarded(s_, ts.op), {}, ts.expect};
    rs.diff = diff_entries(before, s_);
    if (expect_failed(rs)) ++out_.expect_failures;
    std::optional<Violation> v;
    // A model exception comes first: the state after it means nothing.
    if (model_threw(rs.result))
      v = Violation{std::string(kModelException), rs.result.bug};
    else if (!checks_.no_invariants)
      v = check_invariants_guarded(StepView{before, s_, &rs.op, &rs.result}, checks_.only);
    // Under `check only=` the BUG may not be that invariant's business, but
    // nothing after a BUG means anything, so it stops the replay regardless.
    if (!v && !rs.result.bug.empty())
      v = Violation{"no_kernel_bug", "the kernel would crash: " + rs.result.bug};
    out_.steps.push_back(std::move(rs));
    if (!v) return true;
    out_.violation = std::move(v);
    out_.violation_line = ts.line;
    return false;
  }

  // A trace shorter than the property's window has no sequence to judge:
  // the property does not apply (a violation there would let the minimiser
  // drop every step).
  void check_property(std::size_t n, std::size_t span) {
    const SequenceProperty& p = *checks_.property;
    if (n < span || !window_start_) return;
    // As in the suites: a sequence one of whose ops failed did not happen.
    for (std::size_t i = n - span; i < out_.steps.size(); ++i)
      if (!out_.steps[i].result.ok()) return;
    std::optional<std::string> msg;
    if (p.applies(*window_start_, s_)) msg = p.check(*window_start_, s_);
    if (!msg) return;
    out_.violation = Violation{std::string(p.name), std::move(*msg)};
    out_.violation_line = n ? t_.steps.back().line : 0;
  }

  const Trace& t_;
  const Checks& checks_;
  System s_;
  ReplayResult& out_;
  std::optional<System> window_start_;
};

std::string where(const std::string& file, int line) {
  return file + ":" + std::to_string(line) + ": ";
}

void format_step(std::string& out, const ReplayStep& s, const std::string& file) {
  out += where(file, s.line) + print_op(s.op) + " -> " + errno_name(s.result.err);
  if (!s.result.reason.empty()) out += " (" + s.result.reason + ")";
  out += '\n';
  for (const auto& d : s.diff) out += "    " + d.text() + '\n';
  for (const auto& w : describe_walk(s.result.walked)) out += "    saw " + w + '\n';
  for (const auto& w : s.result.warnings) out += "    WARNING: " + w + '\n';
  if (s.result.partial != Partial::None) out += "    " + partial_line(s.result.partial) + '\n';
  if (!s.result.bug.empty()) out += "    BUG: " + s.result.bug + '\n';
  if (expect_failed(s))
    out += "    EXPECTED: " + errno_name(*s.expect) + ", got " + errno_name(s.result.err) + '\n';
}

void format_violation(std::string& out, const std::string& head, const Violation& v) {
  out += head + "VIOLATION " + v.invariant + ": " + v.message + '\n';
  for (const auto& line : describe_violation(v.invariant)) out += "    " + line + '\n';
}

}  // namespace

bool expect_failed(const ReplayStep& s) { return s.expect && *s.expect != s.result.err; }

ReplayResult replay_trace(const Trace& t) {
  ReplayResult out;
  const Checks checks = resolve_checks(t);
  if (!checks.error.empty()) {
    out.boot_error = checks.error;
    return out;
  }
  auto booted = boot_trace(t);
  if (auto* msg = std::get_if<std::string>(&booted)) {
    out.boot_error = *msg;
    return out;
  }
  System& s = std::get<System>(booted);
  out.boot_violation = check_invariants_guarded(StepView{s, s, nullptr, nullptr}, checks.only);
  if (out.boot_violation) {
    out.violation = out.boot_violation;
    return out;
  }
  Replayer(t, checks, std::move(s), out).run();
  return out;
}

const CheckNames& check_names() {
  static const CheckNames names{
      [](std::string_view n) { return find_invariant(n) || find_sequence_property(n) || find_thread_check(n); },
      [](std::string_view n) { return find_sequence_property(n) != nullptr; }};
  return names;
}

std::vector<std::string> describe_violation(const std::string& name) {
  if (const Invariant* i = find_invariant(name))
    return {std::string(i->id) + ": " + std::string(i->statement),
            "kernel: " + std::string(i->kernel_ref)};
  if (const SequenceProperty* p = find_sequence_property(name))
    return {"property over the last " + std::to_string(p->ops) +
                " steps: " + std::string(p->statement),
            "kernel: " + std::string(p->kernel_ref)};
  return {};
}

std::string format_replay(const ReplayResult& r, const std::string& file) {
  std::string out;
  if (!r.boot_error.empty()) {
    out += file + ": boot failed: " + r.boot_error + '\n';
    return out + "0 steps replayed, boot failed\n";
  }
  if (r.boot_violation) format_violation(out, file + ": at boot: ", *r.boot_violation);
  for (const auto& s : r.steps) format_step(out, s, file);
  if (r.violation && !r.boot_violation)
    format_violation(out, where(file, r.violation_line), *r.violation);
  out += std::to_string(r.steps.size()) + " steps replayed, ";
  out += r.violation ? "violation: " + r.violation->invariant : std::string("no violation");
  return out + '\n';
}

}  // namespace memhp
