// The checks of threaded runs: what must hold however the steps of two or
// three threads interleave (include/memhp/threads.h).
//
// Three judge a single step (judge_thread_step()), two a whole run or the
// whole search (the explorer and `memhp replay` apply them):
//   no_use_after_free                 a reader never dereferences a freed or NULL ms->usage
//   readers_see_initialised_memmap    a reader that followed its protocol is handed only
//                                     initialised struct pages
//   get_online_mems_sees_stable_state no step of another thread changes what a
//                                     get_online_mems() reader relies on
//   lock_order_acyclic                the lock order graph of all runs has no cycle
//   no_deadlock                       a state where no unfinished thread can step is not reached
//   interleavings_linearisable        a finished run ends where some sequential order of
//                                     the same ops ends, with the same return values
// At states where no op is half done, the invariant registry is judged too.
// The last three are the explorer's (explore/threads_explore.h). Nothing here
// reads what the model computed about itself: the stable view is read from
// the states, and the sequential orders run the sequential ops.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memhp/invariants.h"
#include "memhp/thread_trace.h"

namespace memhp {

struct ThreadCheck {
  std::string_view name;
  std::string_view statement;
  std::string_view kernel_ref;  // the kernel place that relies on it
};
const std::vector<ThreadCheck>& thread_checks();
const ThreadCheck* find_thread_check(std::string_view name);
// A defect aimed at a threaded check: only the threaded explorer can show it,
// so the sequential suites and explorer leave it to tests/test_threads.cpp.
bool aimed_at_threads(const MutantInfo& m);

// What get_online_mems() readers rely on not changing under them
// (Documentation/core-api/memory-hotplug.rst, "Locking Internals"): node and
// zone spans, present and managed counts, which sections are online, and the
// struct pages of online sections (initialised or not, zone, node).
struct HotplugStableView {
  std::vector<u64> numbers;
  std::vector<std::pair<u64, u64>> online_sections;
  std::vector<std::string> online_pages;
  friend bool operator==(const HotplugStableView&, const HotplugStableView&) = default;
};
HotplugStableView hotplug_stable_view(const System& s);

// The first violation of the step `out` that thread `tid` took from `before`
// to `after` (an op `a` of its program); `only` narrows to one check or
// invariant ("" = all).
std::optional<Violation> judge_thread_step(const ThreadedState& before, const ThreadedState& after, int tid,
                                           const StepArgs& a, const StepOutcome& out, std::string_view only);

}  // namespace memhp
