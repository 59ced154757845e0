// mm/page_owner.c: the /proc/pagetypeinfo mixed-block count.
//
// pagetypeinfo_showmixedcount_print() walks a zone's whole span pageblock
// by pageblock, and a zone's span covers offline memory and holes. It may
// read a struct page only where pfn_to_online_page() gives one, and then
// skips pages of other zones. Before 5.4 it asked pfn_valid() and read the
// poisoned memmap of offline sections (a26ee565b6cd).
#include "internal.h"
#include "memhp/walkers.h"

namespace memhp {

/* mm/page_owner.c: pagetypeinfo_showmixedcount_print() */
std::vector<WalkedRun> pagetypeinfo_showmixedcount(const System& s, int nid, Zone zone) {
  const ZoneState& z = s.zone(nid, zone);
  const bool pfn_valid_only = injected(s, "page_owner_reads_offline_memmap");
  return k::walk_online_pages(s, z.zone_start_pfn, z.end_pfn(), zone, pfn_valid_only);
}

}  // namespace memhp
