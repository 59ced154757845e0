// mm/memory-failure.c: the page memory_failure() acts on.
//
// memory_failure(pfn) is called with a raw pfn from a machine check, from
// GHES or from the hwpoison injector, so it is a pfn walker of one pfn at a
// time: the struct page it takes must come from pfn_to_online_page(), and a
// pfn that gives none is either ZONE_DEVICE (its own path, through the
// pgmap) or "memory outside kernel control" (-ENXIO). Before 5.4 it took
// pfn_to_page() of any pfn_valid() pfn and read the poisoned memmap of
// offline memory (96c804a6ae8c).
#include "internal.h"
#include "memhp/walkers.h"

namespace memhp {

/* mm/memory-failure.c: memory_failure(), the lookup of its page, for each
   pfn of [pfn, pfn + count) */
std::vector<WalkedRun> memory_failure_lookup(const System& s, u64 pfn, u64 count) {
  const u64 limit = s.geo.max_pfn_limit();
  const u64 lo = std::min(pfn, limit), hi = count > limit - lo ? limit : lo + count;
  const bool pfn_valid_only = injected(s, "memory_failure_reads_offline_memmap");
  return k::walk_online_pages(s, lo, hi, std::nullopt, pfn_valid_only);
}

}  // namespace memhp
