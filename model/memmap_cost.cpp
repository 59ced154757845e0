// The vmemmap cost of a device-dax range (include/memhp/memmap_cost.h).
//
// Not an operation on a System: the same populate decisions as the hot-add
// path (compound_vmemmap_pages(), arch_vmemmap_plan()) applied to a range on
// its own, so the arithmetic of NOTES.md "ZONE_DEVICE vmemmap cost" is the
// model's arithmetic. Page-table pages are not modelled elsewhere; they are
// counted here from how the arch maps the vmemmap.
#include "memhp/memmap_cost.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <limits>

#include "internal.h"
#include "memhp/proven/vmemmap.h"
#include "proven_words.h"

namespace memhp {

namespace {

constexpr u64 kNone = std::numeric_limits<u64>::max();

// PMD-sized windows of vmemmap virtual space that one PTE table each maps.
// Consecutive chunks may share a window; `last` is the window counted last.
u64 new_pte_windows(u64 va_start, u64 va_end, u64 window, u64& last) {
  if (va_end <= va_start) return 0;
  const u64 first = va_start / window;
  const u64 final = (va_end - 1) / window;
  u64 n = final - first + 1;
  if (first == last) --n;
  last = final;
  return n;
}

// ilog2 of a power of two.
unsigned log2_pow2(u64 x) {
  unsigned s = 0;
  while (x > 1) {
    x >>= 1;
    ++s;
  }
  return s;
}

}  // namespace

std::string memmap_cost_error(const Geometry& g, u64 size_bytes, u64 align_bytes) {
  if (auto e = geometry_error(g); !e.empty()) return "geometry: " + e;
  if (size_bytes == 0) return "size must not be 0";
  const u64 max_bytes = u64{1} << g.max_physmem_bits;
  if (size_bytes > max_bytes)
    return "size " + human_bytes(size_bytes) + " exceeds the physical address space (" +
           human_bytes(max_bytes) + ", MAX_PHYSMEM_BITS " + std::to_string(g.max_physmem_bits) + ")";
  // mm/memremap.c: pagemap_range() -> __add_pages() -> check_pfn_span():
  // ZONE_DEVICE ranges only need subsection granularity.
  const u64 sub = u64{1} << g.subsection_shift;
  if (size_bytes % sub != 0)
    return "size " + human_bytes(size_bytes) + " is not a multiple of the subsection size (" +
           human_bytes(sub) + ")";
  if (!is_pow2(align_bytes)) return "align " + std::to_string(align_bytes) + " is not a power of two";
  if (align_bytes < g.page_size())
    return "align " + human_bytes(align_bytes) + " is smaller than the base page (" +
           human_bytes(g.page_size()) + ")";
  // drivers/dax/bus.c: a dax range must be a multiple of its align.
  if (size_bytes % align_bytes != 0)
    return "align " + human_bytes(align_bytes) + " does not divide size " + human_bytes(size_bytes);
  return {};
}

/* mm/sparse-vmemmap.c: __populate_section_memmap() for a device range:
   vmemmap_populate_compound_pages() or the arch's vmemmap_populate() */
ChunkVmemmap device_chunk_vmemmap(const Geometry& g, u64 offset, u64 nr_pages,
                                  unsigned vmemmap_shift, bool dedup) {
  if (dedup) {
    // The device as dax_pmem registers it: compound pages of align, no
    // altmap (dedup needs the memmap in RAM).
    DevPagemap pgmap;
    pgmap.type = PgmapType::Generic;  // MEMORY_DEVICE_GENERIC, as drivers/dax/device.c
    pgmap.vmemmap_shift = vmemmap_shift;
    k::MhpParams params;
    params.pgmap = &pgmap;
    params.range_start = Pfn{0};
    // With dedup, vmemmap_populate_compound_pages() maps every struct page
    // address with a base-page PTE, the deduplicated ones included.
    if (auto pages = k::compound_vmemmap_pages(g, Pfn{offset}, nr_pages, params))
      return {*pages, true};
  }
  // Without: the arch's vmemmap_populate(); PMD blocks need no PTE table,
  // base pages do.
  const k::VmemmapPlan plan = k::arch_vmemmap_plan(g, nr_pages, false);
  return {plan.pages, plan.unit == 1};
}

/* mm/memremap.c: pagemap_range() -> mm/memory_hotplug.c: __add_pages() ->
   mm/sparse-vmemmap.c: __populate_section_memmap(), then
   mm/page_alloc.c: memmap_init_zone_device() */
MemmapCost memmap_cost(const Geometry& g, u64 size_bytes, u64 align_bytes) {
  MemmapCost c;
  c.size_bytes = size_bytes;
  c.align_bytes = align_bytes;
  c.page_size = g.page_size();
  c.nr_pages = size_bytes >> g.page_shift;
  c.pfns_per_compound = align_bytes >> g.page_shift;
  c.vmemmap_shift = log2_pow2(c.pfns_per_compound);
  c.nr_compound = c.nr_pages / c.pfns_per_compound;
  c.vmemmap_span_bytes = g.memmap_bytes(c.nr_pages);
  // PTRS_PER_PTE entries of 8 bytes, one table per PMD entry.
  c.pte_table_bytes = (g.pmd_size() >> g.page_shift) * 8;

  // A range at pfn 0: aligned to a section and to align. No altmap: dax_pmem
  // registers none when it wants dedup.
  c.compound_path = proven::compound_path(proven::Concrete{}, k::geometry_words(g), c.vmemmap_shift, false);
  u64 plain_last = kNone, dedup_last = kNone;
  // __add_pages(): one call per section, or per part of one.
  for (u64 pfn = 0; pfn < c.nr_pages;) {
    const u64 sec_end = align_up(pfn + 1, g.pages_per_section());
    const u64 n = std::min(c.nr_pages, sec_end) - pfn;
    const u64 va0 = g.memmap_bytes(pfn), va1 = g.memmap_bytes(pfn + n);
    const ChunkVmemmap plain = device_chunk_vmemmap(g, pfn, n, c.vmemmap_shift, false);
    c.plain_pages += plain.pages;
    if (plain.pte_mapped) c.plain_pte_tables += new_pte_windows(va0, va1, g.pmd_size(), plain_last);
    const ChunkVmemmap dedup = device_chunk_vmemmap(g, pfn, n, c.vmemmap_shift, true);
    c.dedup_pages += dedup.pages;
    if (dedup.pte_mapped) c.dedup_pte_tables += new_pte_windows(va0, va1, g.pmd_size(), dedup_last);
    pfn += n;
  }

  // Per compound page (rounded up to whole pages when smaller than one). A
  // compound page whose memmap fits in the two kept pages never takes the
  // compound path (vmemmap_can_optimize()), so it saves nothing.
  c.compound_plain_pages = g.memmap_pages(c.pfns_per_compound);
  c.compound_dedup_pages = c.compound_path ? c.dedup_pages / c.nr_compound : c.compound_plain_pages;

  // memmap_init_zone_device(): the head, then compound_nr_pages() - 1 tails
  // (Debian 6.1.192 mm/mm_init.c: VMEMMAP_RESERVE_NR pages of struct pages
  // when vmemmap_can_optimize(), else every pfn of the compound page).
  c.init_plain = c.nr_pages;
  const u64 per = c.compound_path ? 2 * (g.page_size() / g.struct_page_size) : c.pfns_per_compound;
  c.init_dedup = c.nr_compound * per;
  return c;
}

std::string human_bytes(u64 bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  unsigned u = 0;
  while (u + 1 < std::size(kUnits) && bytes >= (u64{1} << (10 * (u + 1)))) ++u;
  const u64 unit = u64{1} << (10 * u);
  if (bytes % unit == 0) return std::to_string(bytes / unit) + " " + kUnits[u];
  // Two decimals, unless they would hide the remainder ("2.00 MiB" for
  // 2 MiB + 4 KiB): then the exact count in the next smaller unit.
  const u64 rest = bytes % unit;
  const bool hidden = rest < unit / 200 || unit - rest <= unit / 200;  // rounds to .00
  if (hidden && bytes % (unit >> 10) == 0)
    return std::to_string(bytes / (unit >> 10)) + " " + kUnits[u - 1];
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f %s", static_cast<double>(bytes) / static_cast<double>(unit),
                kUnits[u]);
  return buf;
}

}  // namespace memhp
