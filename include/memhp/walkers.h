// What the kernel's pfn walkers see.
//
// A pfn walker (the /proc/kpageflags reader, memory_failure(), compaction's
// scanners, page_owner) goes over raw pfns and may only touch a struct page
// that pfn_to_online_page() hands it: an online section, a populated
// subsection, and not a ZONE_DEVICE pfn in a section RAM shares. The
// 2019-2021 bug waves were walkers that got an uninitialised, poisoned or
// ZONE_DEVICE struct page through a weaker check. These functions answer
// with what the walker would be given, as runs, so that the contract can be
// checked over a 63 TiB machine as cheaply as over a 1 GiB one.
#pragma once

#include <optional>
#include <vector>

#include "memhp/ops.h"

namespace memhp {

// fs/proc/page.c: kpageflags_read() over pfns [pfn, pfn + count), capped at
// the end of the physical address space: for each pfn, the page
// pfn_to_online_page() returns, merged into maximal runs.
std::vector<WalkedRun> kpageflags_read(const System& s, u64 pfn, u64 count);

// mm/memory-failure.c: memory_failure(pfn)'s page, for every pfn of
// [pfn, pfn + count): what pfn_to_online_page() gives it.
std::vector<WalkedRun> memory_failure_lookup(const System& s, u64 pfn, u64 count);

// The zone scanners: every run names the zone. mm/page_owner.c:
// pagetypeinfo_showmixedcount_print() (/proc/pagetypeinfo), and
// mm/page_alloc.c: alloc_contig_pages()'s pfn_range_valid_contig() (the
// gigantic hugetlb allocation), each over the zone's span.
std::vector<WalkedRun> pagetypeinfo_showmixedcount(const System& s, int nid, Zone zone);
std::vector<WalkedRun> pfn_range_valid_contig(const System& s, int nid, Zone zone);

}  // namespace memhp
