// Replay: execute a trace step by step, with the state diff of each step and
// the invariant catalogue checked after every one of them.
//
// `memhp run` answers "what would the kernel return"; replay answers "which
// invariant breaks, and where". It is the reader's end of a counterexample:
// the suites write a trace, replay shows it to a person. Execution stops at
// the first violation, because every later state already derives from a
// broken one and would only add noise.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diff.h"
#include "memhp/invariants.h"
#include "memhp/trace.h"

namespace memhp {

struct ReplayStep {
  int line = 0;
  Op op;
  Result result;
  std::vector<DiffEntry> diff;  // diff_entries(before, after)
  std::optional<int> expect;      // the step's `# expect:`, if any
};

struct ReplayResult {
  std::string boot_error;                   // non-empty: the trace did not boot
  std::optional<Violation> boot_violation;  // an invariant already broken at boot
  std::vector<ReplayStep> steps;            // executed steps, in order
  std::optional<Violation> violation;       // the first violation (a boot one too); execution stops there
  int violation_line = 0;                   // 0 at boot, or with no step to blame
  int expect_failures = 0;                  // steps whose `# expect:` did not hold
};

// Boots t, then applies its steps. With `check only=`, just that invariant
// is checked (at boot too); otherwise all of them. With `check property=`,
// that sequence property is evaluated after the last step over the last
// `ops` steps: a trace that does not end with the property's sequence is
// refused (boot_error), and a sequence one of whose ops failed is not judged. A step that BUG()s stops the replay and is a violation (of
// no_kernel_bug, unless an earlier invariant in registry order breaks first).
ReplayResult replay_trace(const Trace& t);

// apply_op(), with an exception from the model turned into a BUG result
// ("model threw: ..."), as replay and the explorer report it.
Result apply_guarded(System& s, const Op& op);
// Whether r is such a result. Replay and the suites report it as a
// violation of kModelException: a bug of the model, not of the kernel, and
// not a catalogue invariant.
bool model_threw(const Result& r);
inline constexpr std::string_view kModelException = "model_exception";
// check_invariants(), with an exception from a check reported as a
// kModelException violation.
std::optional<Violation> check_invariants_guarded(const StepView& v, const Invariant* only);

// The same step as a list of `# expect:` mismatches would count it.
bool expect_failed(const ReplayStep& s);

// Deterministic text for people; see cli/replay.cpp for the layout.
std::string format_replay(const ReplayResult& r, const std::string& file);

// The names a `check` header may give: the registry's invariants and the
// sequence properties. parse_trace(text, check_names()) refuses any other
// on its line, as the commands do.
const CheckNames& check_names();

// The catalogue entry behind a violation: "INV-20a: statement" and the
// kernel place, for an invariant or a sequence property; empty if unknown.
std::vector<std::string> describe_violation(const std::string& name);

}  // namespace memhp
