// The kernel's error paths that are not atomic, and what each may leave.
//
// A failed operation must leave the System as it was (failed_op_changes_nothing),
// except where the kernel itself does not undo its work. This catalogue names
// those paths and, for each, the exact residue it may leave. Whether a path
// applies is decided from outside the model: from the op, its errno and the
// state before the step. The model's own Result::partial flag is never read
// here: a checker that excused whatever the model said was partial could not
// catch a broken rollback.
//
// Each path erases its residue from a copy of both states; what is left must
// be equal. A residue of the wrong shape (a value the path cannot produce, or
// a change outside the places it may touch) survives the erasure and is
// reported. docs/kernel-reference.md lists the same paths (GEN-1).
#pragma once

#include <string_view>
#include <vector>

#include "memhp/invariants.h"

namespace memhp {

struct ResiduePath {
  std::string_view name;
  std::string_view kernel;   // the kernel function that leaves it
  std::string_view residue;  // what may remain, in words
  // The failed step is one this path covers (op, errno, state before).
  bool (*applies)(const StepView& v);
  // Reset in `after` (and, where both sides hold it, in `before`) what this
  // path may leave.
  void (*erase)(const StepView& v, System& before, System& after);
  // The mutant whose rollback leaves a residue of the wrong shape on this
  // path names it among its targets (killers_of(), tests/test_residue.cpp).
};

const std::vector<ResiduePath>& residue_catalogue();

// The catalogue paths that cover this failed step, by name.
std::vector<std::string_view> residue_paths_for(const StepView& v);

// (before, after) with the residue of every path that covers the step erased.
std::pair<System, System> without_known_residue(const StepView& v);

}  // namespace memhp
