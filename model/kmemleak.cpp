// mm/kmemleak.c: kmemleak_scan()'s walk over struct pages, as a reader of
// mem_hotplug_lock.
//
// Design. kmemleak_scan() is the reader 001002e73712 names: it takes
// get_online_mems(), reads each populated zone's span, and for every pfn of
// it asks pfn_to_online_page() and reads page_zone() and page_count() of
// the page it gets. It relies on mem_hotplug_lock for the spans and the
// struct pages to hold still while it walks. The walk between the lock
// steps is one step: within the read section no writer that keeps to the
// lock can run, so splitting it would only show the writers that do not,
// and the checker already catches those at the step that changes what the
// reader relies on (props/thread_checks.cpp).
#include "thread_steps.h"

namespace memhp::k {

namespace {

/* mm/kmemleak.c: kmemleak_scan(): for_each_populated_zone() → pfn_to_online_page() */
void kmemleak_walk(StepCtx& x) {
  const System& s = x.s();
  bool pfn_valid_only = false;
  if (injected(s, "kmemleak_scan_trusts_pfn_valid")) pfn_valid_only = true;
  for (Zone z : kAllZones) {
    const ZoneState& zs = s.zone(x.a.nid, z);
    if (!zs.populated()) continue;
    for (WalkedRun& w : walk_online_pages(s, zs.zone_start_pfn, zs.end_pfn(), z, pfn_valid_only))
      x.out.result.walked.push_back(w);
  }
}

}  // namespace

/* mm/kmemleak.c: kmemleak_scan(), the struct page scan, as steps */
std::vector<StepDef> kmemleak_scan_steps(const System&) {
  return {read_lock_step(),
          {"kmemleak_scan(): pfn_to_online_page(), page_zone(), page_count() over each populated zone",
           kmemleak_walk},
          read_unlock_step()};
}

}  // namespace memhp::k
