// The checks of threaded runs (thread_checks.h).
#include "thread_checks.h"

#include <algorithm>

namespace memhp {

const std::vector<ThreadCheck>& thread_checks() {
  static const std::vector<ThreadCheck> all = {
      {"no_use_after_free",
       "A lockless reader never dereferences a ms->usage that section_deactivate() has freed or set "
       "to NULL: the pointer it loaded is still allocated (or queued by kfree_rcu() behind a grace "
       "period it holds up) when it reads the subsection map.",
       "include/linux/mmzone.h pfn_valid(), pfn_section_valid(); mm/sparse.c section_deactivate()"},
      {"readers_see_initialised_memmap",
       "A pfn walker that follows its protocol (kmemleak_scan(): get_online_mems(), then "
       "pfn_to_online_page(); /proc/kpageflags and compaction's scanners: pfn_to_online_page() or the "
       "pageblock lookup) is handed only initialised struct pages, whichever step of another thread's "
       "op it runs after.",
       "mm/kmemleak.c kmemleak_scan(); fs/proc/page.c kpageflags_read(); mm/compaction.c; "
       "mm/memory_hotplug.c pfn_to_online_page()"},
      {"get_online_mems_sees_stable_state",
       "While a thread holds mem_hotplug_lock for read, no step of another thread changes a node or "
       "zone span, a present or managed count, which sections are online, or the struct pages of "
       "online sections.",
       "Documentation/core-api/memory-hotplug.rst \"Locking Internals\"; mm/kmemleak.c kmemleak_scan()"},
      {"lock_order_acyclic",
       "Along every run, the order in which the threads take device_hotplug_lock, mem_hotplug_lock "
       "and the RCU-sched read section has no cycle: lockdep's rule over one boot, where each order "
       "taken once is remembered.",
       "drivers/base/core.c lock_device_hotplug(); mm/memory_hotplug.c mem_hotplug_begin(); "
       "Documentation/core-api/memory-hotplug.rst"},
      {"no_deadlock",
       "No reachable state has an unfinished thread while no thread can take a step.",
       "the lock users above"},
      {"interleavings_linearisable",
       "Every interleaving that finishes ends in the state, and with the return values, of some "
       "sequential order of the same ops (each op's program order kept).",
       "drivers/base/memory.c state_store() (device_hotplug_lock); mm/memory_hotplug.c "
       "mem_hotplug_begin()"},
  };
  return all;
}

const ThreadCheck* find_thread_check(std::string_view name) {
  for (const ThreadCheck& c : thread_checks())
    if (c.name == name) return &c;
  return nullptr;
}

bool aimed_at_threads(const MutantInfo& m) { return find_thread_check(m.targets[0]) != nullptr; }

HotplugStableView hotplug_stable_view(const System& s) {
  HotplugStableView v;
  for (const NodeState& n : s.nodes) {
    v.numbers.insert(v.numbers.end(), {n.node_start_pfn, n.node_spanned_pages, n.node_present_pages});
    for (const ZoneState& z : n.zones)
      v.numbers.insert(v.numbers.end(), {z.zone_start_pfn, z.spanned_pages, z.present_pages, z.managed_pages});
  }
  s.sections.for_each(0, ~u64{0}, [&](u64 lo, u64 hi, const SectionState& ms) {
    if (!ms.online) return;
    if (!v.online_sections.empty() && v.online_sections.back().second == lo) v.online_sections.back().second = hi;
    else v.online_sections.emplace_back(lo, hi);
  });
  // Page runs merged by what a reader relies on, not by allocation state,
  // which changes without any hotplug lock.
  struct Run {
    u64 lo, hi;
    std::string what;
  };
  std::vector<Run> runs;
  for (const auto& [lo, hi] : v.online_sections)
    s.pages.for_each(s.geo.section_start(lo).v, s.geo.section_start(hi).v, [&](u64 a, u64 b, const PageState& p) {
      std::string what = p.initialised() ? std::string(zone_name(p.zone)) + " node " + std::to_string(p.nid)
                                         : std::string(page_kind_name(p.kind));
      if (!runs.empty() && runs.back().hi == a && runs.back().what == what) runs.back().hi = b;
      else runs.push_back({a, b, std::move(what)});
    });
  for (const Run& r : runs) v.online_pages.push_back(std::to_string(r.lo) + "-" + std::to_string(r.hi) + " " + r.what);
  return v;
}

namespace {

bool wanted(std::string_view only, std::string_view check) { return only.empty() || only == check; }

std::string changed_part(const HotplugStableView& a, const HotplugStableView& b) {
  if (a.numbers != b.numbers) return "a node or zone span, present or managed count";
  if (a.online_sections != b.online_sections) return "the online sections";
  return "the struct pages of online sections";
}

std::optional<Violation> judge_reader(const StepArgs& a, const StepOutcome& out, std::string_view only) {
  if (!out.result.bug.empty()) {
    const std::string_view name = a.kind == StepArgs::Kind::PfnValid ? "no_use_after_free" : "no_kernel_bug";
    if (wanted(only, name)) return Violation{std::string(name), out.result.bug};
  }
  // Any walker: kmemleak_scan()'s steps, and kpageflags and compact_node run
  // whole between other threads' steps.
  if (wanted(only, "readers_see_initialised_memmap"))
    for (const WalkedRun& w : out.result.walked)
      if (w.page && !w.page->initialised())
        return Violation{"readers_see_initialised_memmap",
                         out.name + " was handed the " + std::string(page_kind_name(w.page->kind)) +
                             " struct page of pfns " + std::to_string(w.lo) + "-" + std::to_string(w.hi)};
  return std::nullopt;
}

}  // namespace

std::optional<Violation> judge_thread_step(const ThreadedState& before, const ThreadedState& after, int tid,
                                           const StepArgs& a, const StepOutcome& out, std::string_view only) {
  if (auto bad = judge_reader(a, out, only)) return bad;
  const ThreadMask readers = before.locks.mem_hotplug_readers & after.locks.mem_hotplug_readers &
                             static_cast<ThreadMask>(~(1u << tid));
  if (readers && wanted(only, "get_online_mems_sees_stable_state")) {
    const HotplugStableView was = hotplug_stable_view(before.sys), is = hotplug_stable_view(after.sys);
    if (was != is) {
      int reader = 0;
      while (!(readers & (1u << reader))) ++reader;
      return Violation{"get_online_mems_sees_stable_state",
                       "thread " + std::to_string(tid + 1) + "'s " + out.name + " changed " + changed_part(was, is) +
                           " while thread " + std::to_string(reader + 1) + " held get_online_mems()"};
    }
  }
  if (!threads_quiescent(after) || find_thread_check(only)) return std::nullopt;
  const Invariant* inv = only.empty() ? nullptr : find_invariant(only);
  if (!only.empty() && !inv) return std::nullopt;
  return check_invariants(StepView(after.sys, after.sys, nullptr, nullptr), inv, Judged::States);
}

}  // namespace memhp
