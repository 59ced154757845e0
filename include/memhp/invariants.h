// The invariant catalogue: named, checkable statements about a System.
//
// Every checker iterates this one registry: the RapidCheck suites after every
// step, the explorer in every state, `memhp replay`, and `memhp invariants`.
// An invariant sees one step: the state before, the operation, its result and
// the state after. Most invariants only look at the state after; a few are
// about the step itself (a boot usage is never freed, an offline never loses
// an allocated page). At boot, before == after and there is no op.
//
// Each invariant comes with a witness: a condition meaning "the premise this
// invariant is about actually occurred" (e.g. a memmap_on_memory block is
// online). A suite that never sees an invariant's witness has checked
// nothing about it, and fails its coverage check.
#pragma once

#include <algorithm>
#include <array>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "memhp/trace.h"

namespace memhp {

namespace inv {
struct Census;  // per-zone page counts of a state (props/inv_util.h)
}

// What a state invariant may read: the state after the step, nothing else.
// A check written against StateView cannot see the state before, the op or
// its result, so the explorer may judge it once per distinct state instead
// of once per transition (the compiler, not a comment, says it is sound).
struct StateView {
  explicit StateView(const System& a) : after(a) {}
  const System& after;
  // Several invariants count the pages of `after` the same way; the first
  // one to ask computes the count for all of them.
  mutable std::shared_ptr<const inv::Census> census_after;
};

struct StepView : StateView {
  StepView(const System& b, const System& a, const Op* o, const Result* r)
      : StateView(a), before(b), op(o), result(r) {}
  const System& before;
  const Op* op;          // nullptr at boot
  const Result* result;  // nullptr at boot
  bool at_boot() const { return op == nullptr; }
};

using Msg = std::optional<std::string>;  // a message if violated

// An invariant's check: of a step (it reads the state before, the op or the
// result), of a state (it reads only the state after), or mixed: a part
// about the step and a part about the state after it alone, so that the
// explorer can judge the second once per distinct state. A mixed check
// judges its step part first.
class Check {
 public:
  using StepFn = Msg (*)(const StepView&);
  using StateFn = Msg (*)(const StateView&);
  Check(StepFn step) : step_(step) {}     // NOLINT: converts
  Check(StateFn state) : state_(state) {}  // NOLINT: converts
  Check(StepFn step, StateFn state) : step_(step), state_(state) {}
  bool of_state() const { return step_ == nullptr; }  // a state invariant, with no step part
  bool has_state_part() const { return state_ != nullptr; }
  bool has_step_part() const { return step_ != nullptr; }
  Msg operator()(const StepView& v) const {
    if (Msg m = step_part(v)) return m;
    return state_part(v);
  }
  Msg step_part(const StepView& v) const { return step_ ? step_(v) : std::nullopt; }
  Msg state_part(const StateView& v) const { return state_ ? state_(v) : std::nullopt; }

 private:
  StepFn step_ = nullptr;
  StateFn state_ = nullptr;
};

struct Violation {
  std::string invariant;  // the invariant's name
  std::string message;    // what was expected, what was found, where
};

struct Invariant {
  std::string_view name;        // what it says: vmemmap_never_in_buddy
  std::string_view id;          // docs/kernel-reference.md id: "INV-20a", or "GEN-1"
  std::string_view statement;   // one line of English
  std::string_view kernel_ref;  // the kernel place that relies on it
  Check check;                      // a message if violated
  bool (*witness)(const StepView&);  // the premise occurred
  // A premise only kernels with this delta can meet (the vmstat counters of
  // 6.11): coverage does not ask for it under a kernel without the delta.
  std::optional<Delta> only_with = std::nullopt;
  // The mutants that must make it fail are the registry entries that name
  // it (killers_of(name), include/memhp/mutants.h).
};

const std::vector<Invariant>& invariant_registry();
const Invariant* find_invariant(std::string_view name);

// The first invariant the step violates, in registry order. With `only`,
// just that invariant is checked (used to show that its mutant breaks it).
std::optional<Violation> check_invariants(const StepView& step, const Invariant* only = nullptr);

// Which checks a call judges: all, only the step invariants and the step
// parts of mixed ones (per transition), or only the state invariants and
// the state parts of mixed ones (once per distinct state).
enum class Judged : std::uint8_t { All, Steps, States };

// Whether an invariant's state part reads zone->contiguous, the one field of a
// state that the explorer's key leaves out unless the configuration
// compacts (explore/explore.cpp store_view()): the explorer judges those
// on every transition, like a step invariant.
bool reads_zone_contiguous(const Invariant& i);
std::optional<Violation> check_invariants(const StepView& step, const Invariant* only, Judged which);

}  // namespace memhp
