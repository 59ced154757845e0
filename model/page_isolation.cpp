// mm/page_isolation.c: isolating pageblocks for offlining.
//
// Isolation only lives inside one offline_pages() or online_pages() call, so
// at rest no pageblock is MIGRATE_ISOLATE and every zone's
// nr_isolate_pageblock is back to zero. The model still performs each step,
// so that a mutant that forgets one shows up in the counters.
#include <tuple>

#include "internal.h"

namespace memhp::k {

namespace {

// has_unmovable_pages() with MEMORY_OFFLINE, for one page state.
bool unmovable(const PageState& p) {
  switch (p.kind) {
    case PageKind::Free:     // refcount 0, PageBuddy
    case PageKind::Movable:  // PageLRU
      return false;
    case PageKind::Unmovable:
    case PageKind::Memmap:
      // "If the zone is movable and we have ruled out all reserved pages
      // then it should be reasonably safe to assume the rest is movable."
      return p.zone != Zone::Movable;
    default:  // PageReserved (holes, vmemmap, just initialised) or garbage
      return true;
  }
}

// Pageblocks whose first pfn lies in [a, b): the migratetype of a pageblock
// is the one its first page was given.
u64 pageblock_starts(u64 a, u64 b, u64 pb) {
  if (b <= a) return 0;
  const u64 first = align_up(a, pb);
  return first >= b ? 0 : (b - 1 - first) / pb + 1;
}

// Add sign * (isolated pageblocks in [start, end)) to each zone's counter.
void count_isolated(System& s, Pfn start, Pfn end, long sign) {
  const u64 pb = s.geo.pageblock_pages();
  std::vector<std::tuple<int, Zone, u64>> per_zone;
  s.pages.for_each(start.v, end.v, [&](u64 a, u64 b, const PageState& p) {
    if (p.mt == Migratetype::Isolate) per_zone.emplace_back(p.nid, p.zone, pageblock_starts(a, b, pb));
  });
  for (auto [nid, zone, blocks] : per_zone)
    s.zone(nid, zone).nr_isolate_pageblock += sign * static_cast<long>(blocks);
}

}  // namespace

/* mm/page_isolation.c: start_isolate_page_range(), MEMORY_OFFLINE */
int start_isolate_page_range(System& s, Pfn start, Pfn end) {
  if (!injected(s, "isolation_ignores_unmovable"))
    if (!s.pages.all_of(start.v, end.v, [](const PageState& p) { return !unmovable(p); }))
      return -EBUSY;  // set_migratetype_isolate() undoes what it did
  s.pages.update(start.v, end.v, [](PageState& p) { p.mt = Migratetype::Isolate; });
  count_isolated(s, start, end, +1);
  return 0;
}

/* mm/page_isolation.c: undo_isolate_page_range(.., MIGRATE_MOVABLE) */
void undo_isolate_page_range(System& s, Pfn start, Pfn end) {
  count_isolated(s, start, end, -1);
  s.pages.update(start.v, end.v, [](PageState& p) {
    if (p.mt == Migratetype::Isolate) p.mt = Migratetype::Movable;
  });
}

/* mm/page_isolation.c: test_pages_isolated(), MEMORY_OFFLINE */
bool test_pages_isolated(const System& s, Pfn start, Pfn end) {
  if (injected(s, "isolation_ignores_unmovable"))
    return s.pages.all_of(start.v, end.v, [](const PageState& p) { return p.mt == Migratetype::Isolate; });
  return s.pages.all_of(start.v, end.v, [](const PageState& p) {
    return p.mt == Migratetype::Isolate && p.kind == PageKind::Free;
  });
}

}  // namespace memhp::k
