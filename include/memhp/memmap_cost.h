// The vmemmap cost of a ZONE_DEVICE (device-dax) range, with and without the
// compound-page dedup of mm/sparse-vmemmap.c.
//
// A pure function of the geometry: it walks the range section by section as
// __add_pages() does and asks the model's own populate functions how many
// memmap pages each chunk costs, so `memhp memmap-cost` and the hot-add path
// cannot disagree. No altmap: dedup is disabled with one (NOTES.md "ZONE_DEVICE
// vmemmap cost").
#pragma once

#include <string>

#include "memhp/geometry.h"

namespace memhp {

struct MemmapCost {
  u64 size_bytes = 0;
  u64 align_bytes = 0;          // compound page size: 2^vmemmap_shift base pages
  u64 page_size = 0;
  unsigned vmemmap_shift = 0;
  u64 nr_pages = 0;             // base pages of the device
  u64 pfns_per_compound = 0;    // pgmap_vmemmap_nr()
  u64 nr_compound = 0;          // compound pages in the device
  // __populate_section_memmap() takes vmemmap_populate_compound_pages()
  // (vmemmap_can_optimize(): no altmap, power-of-two struct page, a compound
  // page's memmap more than two pages), so dedup saves pages; its vmemmap is
  // then PTE-mapped.
  bool compound_path = false;
  u64 vmemmap_span_bytes = 0;   // virtual span of the memmap: nr_pages * sizeof(struct page)

  // Vmemmap pages of one compound page.
  u64 compound_plain_pages = 0;
  u64 compound_dedup_pages = 0;
  // Vmemmap pages of the whole device, as the arch allocates them (x86_64
  // rounds whole sections up to PMD blocks).
  u64 plain_pages = 0;
  u64 dedup_pages = 0;
  // PTE tables mapping the vmemmap; each covers pmd_size() of virtual space
  // and takes pte_table_bytes (PTRS_PER_PTE entries of 8 bytes).
  u64 pte_table_bytes = 0;
  u64 plain_pte_tables = 0;
  u64 dedup_pte_tables = 0;
  // __init_zone_device_page() calls of memmap_init_zone_device().
  u64 init_plain = 0;
  u64 init_dedup = 0;

  u64 plain_bytes() const { return plain_pages * page_size; }
  u64 dedup_bytes() const { return dedup_pages * page_size; }
  u64 plain_table_bytes() const { return plain_pte_tables * pte_table_bytes; }
  u64 dedup_table_bytes() const { return dedup_pte_tables * pte_table_bytes; }
  u64 plain_total_bytes() const { return plain_bytes() + plain_table_bytes(); }
  u64 dedup_total_bytes() const { return dedup_bytes() + dedup_table_bytes(); }
};

// One __populate_section_memmap() call of a device range without altmap:
// the vmemmap pages it allocates for the chunk [offset, offset + nr_pages)
// (offset counted from the range start, which is aligned to a section and to
// a compound page of 2^vmemmap_shift pfns), and whether they are mapped with
// base pages, so that PTE tables map them. dedup = false is the arch's plain
// vmemmap_populate(), memmap_cost()'s "without dedup". memmap_cost() adds
// these up chunk by chunk; smt/enc_geometry.h encodes them.
struct ChunkVmemmap {
  u64 pages = 0;
  bool pte_mapped = false;
};
ChunkVmemmap device_chunk_vmemmap(const Geometry& g, u64 offset, u64 nr_pages,
                                  unsigned vmemmap_shift, bool dedup);

// Why (size, align) is not a device-dax range memmap_cost() accepts, or
// empty. Ranges are assumed to start at an address aligned to both a
// section and align.
std::string memmap_cost_error(const Geometry& g, u64 size_bytes, u64 align_bytes);

// Requires memmap_cost_error(g, size_bytes, align_bytes).empty().
MemmapCost memmap_cost(const Geometry& g, u64 size_bytes, u64 align_bytes);

// 17179869184 -> "16 GiB", 4328521728 -> "4.03 GiB", 100 -> "100 B".
std::string human_bytes(u64 bytes);

}  // namespace memhp
