// include/linux/mmzone.h: pfn_valid() as a lockless reader's steps.
//
// Design. pfn_valid() looks at a section without any hotplug lock: first
// valid_section() (SECTION_HAS_MEM_MAP), then, for a section that is not
// early, the subsection bit in ms->usage. section_deactivate() can free
// ms->usage between the two. The steps split exactly there, and the load of
// ms->usage from its dereference, because that is where the two CPUs of
// 5ec8e8ea8b77's report met: the reader found the section valid, the writer
// freed the usage, and the reader dereferenced it. Since that fix the
// reader sits in an RCU-sched read section and tests the pointer for NULL,
// and the writer clears HAS_MEM_MAP first and frees the usage by
// kfree_rcu(); before it, neither. Which one a run follows is
// usage_freed_after_rcu() (model/sparse.cpp). The sequential pfn_valid() is
// in model/sparse.cpp; this is the same function, cut at its loads.
#include "thread_steps.h"

namespace memhp::k {

namespace {

const SectionState& section_at(StepCtx& x) { return x.s().section_of(Pfn{x.a.pfn}); }

/* include/linux/mmzone.h: pfn_valid(), up to pfn_section_valid() */
void pfn_valid_section(StepCtx& x) {
  if (usage_freed_after_rcu(x.s())) rcu_read_lock_sched(x);
  if (x.a.pfn >= x.s().geo.max_pfn_limit()) return x.finish(0);
  const SectionState& ms = section_at(x);
  if (!valid_section(ms)) return x.finish(0);
  // Traditionally early sections always returned pfn_valid() for the whole section.
  if (ms.early) return x.finish(1);
}

/* include/linux/mmzone.h: pfn_section_valid(): the load of ms->usage */
void pfn_section_valid_load(StepCtx& x) {
  const SectionState& ms = section_at(x);
  UsageRef& u = x.f().usage;
  u.section = x.s().geo.section_nr(Pfn{x.a.pfn});
  u.life = ms.usage == UsageOrigin::None ? UsageLife::Null : UsageLife::Live;
}

/* include/linux/mmzone.h: pfn_section_valid(): test_bit() on the usage loaded */
void pfn_section_valid_test(StepCtx& x) {
  const UsageRef u = x.f().usage;
  if (u.life == UsageLife::Null) {
    // 5ec8e8ea8b77 reads the pointer once and tests it; before, ms->usage->... faulted.
    if (usage_freed_after_rcu(x.s())) return x.finish(0);
    x.out.result.bug = "NULL pointer dereference: pfn_valid(" + std::to_string(x.a.pfn) +
                       ") read ms->usage of section " + std::to_string(u.section) + " after section_deactivate() freed it";
    return x.finish(0);
  }
  if (u.life == UsageLife::Freed) {
    x.out.result.bug = "use-after-free: pfn_valid(" + std::to_string(x.a.pfn) + ") dereferenced the ms->usage of section " +
                       std::to_string(u.section) + " that section_deactivate() had freed";
    return x.finish(0);
  }
  // Live, or queued by kfree_rcu() and still allocated: the bits it holds
  // are the map clear_subsection_map() left, which the section still shows.
  x.finish(pfn_section_valid(x.s(), section_at(x), Pfn{x.a.pfn}) ? 1 : 0);
}

}  // namespace

/* include/linux/mmzone.h: pfn_valid(), as steps */
std::vector<StepDef> pfn_valid_steps(const System& s) {
  std::vector<StepDef> v = {{"pfn_valid(): valid_section(), early_section()", pfn_valid_section},
                            {"pfn_section_valid(): load ms->usage", pfn_section_valid_load},
                            {"pfn_section_valid(): test_bit(usage->subsection_map)", pfn_section_valid_test,
                             StepKind::Body}};
  if (usage_freed_after_rcu(s)) {
    v.front().name = "pfn_valid(): rcu_read_lock_sched(); valid_section(), early_section()";
    v[1].name = "pfn_section_valid(): READ_ONCE(ms->usage)";
    v.push_back(unlock_step(LockClass::RcuSched));
  }
  return v;
}

}  // namespace memhp::k
