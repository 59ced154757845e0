// One-step-at-a-time trace minimisation, after RapidCheck's shrinking.
//
// RapidCheck shrinks the command list it generated, but every candidate is
// re-generated against its own state, and steps that only matter for the
// generator (an alloc whose pages a later free takes back, a notifier that
// is dropped again) often survive. docs/design.md section 8 holds a suite's
// counterexample to the explorer's BFS-shortest length, so the trace is
// minimised once more at the level of the trace itself: drop a step, or two,
// replay, keep the drop if the same invariant still breaks. The result is
// 1- and 2-minimal: no single step and no pair of steps can go.
#pragma once

#include "memhp/trace.h"

namespace memhp {

// `t` with as many steps removed as possible while replay_trace() still
// reports a violation of `invariant`, but never all of them; every
// `# expect:` is rewritten to what the minimised trace's steps return. `t`
// itself if nothing can go.
Trace minimise_trace(const Trace& t, const std::string& invariant);

}  // namespace memhp
