// mm/sparse-vmemmap.c: populating and freeing a section's vmemmap.
//
// The vmemmap of a hot-added section comes from one of two places: an altmap
// (the memmap_on_memory case, and ZONE_DEVICE with a reserved area), whose
// pages are part of the hot-added range itself, or the page allocator, whose
// pages are ordinary kernel allocations somewhere else on the node. The model
// tracks both as counts on the section and, for the page allocator, as
// PageKind::Memmap pages in the page map, so that memory pressure makes a
// hot-add fail with -ENOMEM as it does on a real machine.
//
// Population is all-or-nothing in the model; the kernel may populate some
// PMDs before failing, but section_activate()'s error path frees them again,
// so the state after the failed call is the same.
#include <algorithm>

#include "internal.h"
#include "memhp/proven/vmemmap.h"
#include "proven_words.h"

namespace memhp::k {

namespace {

// vmem_altmap_next_pfn() / vmem_altmap_nr_free()
u64 altmap_next_pfn(const VmemAltmap& a) { return a.base_pfn + a.reserve + a.alloc + a.align; }
u64 altmap_nr_free(const VmemAltmap& a) {
  const u64 used = a.alloc + a.align;
  return a.free > used ? a.free - used : 0;
}

// `n` requests of `unit` pages each. After the first request the next pfn
// is unit-aligned and every request is unit-sized, so only the first can
// need padding: the whole loop is computed at once.
bool altmap_alloc_many(VmemAltmap& a, u64 unit, u64 n) {
  if (n == 0) return true;
  VmemAltmap t = a;
  if (!altmap_alloc_block_buf(t, unit)) return false;
  const u64 rest = (n - 1) * unit;
  if (rest > altmap_nr_free(t)) return false;
  t.alloc += rest;
  a = t;
  return true;
}

}  // namespace

/* mm/sparse-vmemmap.c: altmap_alloc_block_buf() */
bool altmap_alloc_block_buf(VmemAltmap& a, u64 nr_pfns) {
  const u64 pfn = altmap_next_pfn(a);
  const u64 natural = nr_pfns & (~nr_pfns + 1);  // 1 << find_first_bit(nr_pfns)
  const u64 nr_align = align_up(pfn, natural) - pfn;
  if (nr_pfns + nr_align > altmap_nr_free(a)) return false;
  a.alloc += nr_pfns;
  a.align += nr_align;
  return true;
}

/* mm/sparse-vmemmap.c: vmemmap_populate_compound_pages() with
   reuse_compound_section(), as a count of newly allocated pages */
std::optional<u64> compound_vmemmap_pages(const Geometry& g, Pfn pfn, u64 nr_pages,
                                          const MhpParams& params) {
  // __populate_section_memmap(): only a pgmap's range takes the compound
  // path, and only when vmemmap_can_optimize() (memhp/proven/vmemmap.h
  // says when, and counts the pages). Compound pages whose memmap is two
  // pages or less (ppc64-64k, vmemmap_shift 9..11) go to the arch's
  // vmemmap_populate() in Debian's 6.1.192, as in 6.4 on.
  const proven::Concrete d;
  const auto gw = geometry_words(g);
  if (!params.pgmap || !proven::compound_path(d, gw, params.pgmap->vmemmap_shift, params.altmap != nullptr))
    return std::nullopt;
  return proven::compound_chunk_pages(d, gw, pfn.v - params.range_start.v, nr_pages, params.pgmap->vmemmap_shift);
}

/* mm/sparse-vmemmap.c: __populate_section_memmap() */
int populate_section_memmap(System& s, Result& r, Pfn pfn, u64 nr_pages, int nid,
                            const MhpParams& params, u64& pages_out, bool& from_altmap) {
  const Geometry& g = s.geo;
  VmemAltmap* altmap = params.altmap;
  pages_out = 0;
  from_altmap = false;
  if (WARN(r, !is_aligned(pfn.v, g.pages_per_subsection()) ||
                  !is_aligned(nr_pages, g.pages_per_subsection()),
           "__populate_section_memmap: range not subsection aligned"))
    return -ENOMEM;

  VmemmapPlan plan = arch_vmemmap_plan(g, nr_pages, altmap != nullptr);
  auto compound = compound_vmemmap_pages(g, pfn, nr_pages, params);
  if (injected(s, "no_vmemmap_dedup")) compound.reset();
  if (compound) plan = VmemmapPlan{*compound, 1, false};  // base pages from the page allocator
  // An exhausted altmap is -ENOMEM on x86 and arm64 (no fallback), but
  // ppc64's vmemmap_populate() falls back to system memory ("altmap block
  // allocation failed, falling back to system memory"). The kernel decides
  // per vmemmap page; the model, whose ppc64 vmemmap is approximated by base
  // pages, decides per section.
  if (injected(s, "altmap_refuses_exact_fit") && plan.uses_altmap) {
    VmemAltmap t = *altmap;
    if (altmap_alloc_many(t, plan.unit, plan.pages / plan.unit) && altmap_nr_free(t) == 0) return -ENOMEM;
  }
  if (plan.uses_altmap && !altmap_alloc_many(*altmap, plan.unit, plan.pages / plan.unit)) {
    if (g.arch != Arch::Ppc64) return -ENOMEM;
    plan.uses_altmap = false;
  } else if (plan.uses_altmap) {
    from_altmap = true;
  }
  if (!plan.uses_altmap) {
    // vmemmap_alloc_block(): GFP_KERNEL on the node, falling back to others.
    AllocRequest req;
    req.nid = nid;
    req.highest = Zone::Normal;
    req.count = plan.pages;
    req.kind = PageKind::Memmap;
    req.owner = memmap_owner(g.section_nr(pfn));
    req.cursor = params.cursor;
    if (!alloc_pages_zonelist(s, req)) return -ENOMEM;
  }
  pages_out = plan.pages;
  return 0;
}

/* mm/sparse.c: depopulate_section_memmap() -> vmemmap_free() */
void depopulate_section_memmap(System& s, Result& r, Pfn pfn, u64 nr_pages,
                               const MhpParams& params) {
  VmemAltmap* altmap = params.altmap;
  const SectionState ms = s.section_of(pfn);
  const u64 sec = s.geo.section_nr(pfn);
  if (ms.memmap_altmap_pages > 0) {
    const VmemmapPlan plan = arch_vmemmap_plan(s.geo, nr_pages, true);
    const u64 pages = std::min<u64>(plan.pages, ms.memmap_altmap_pages);
    // free_hugepage_table(): PMD-mapped vmemmap goes back to the altmap it
    // came from. Without the altmap the kernel would hand these pages to the
    // page allocator (bug B14); 6.1's only such caller,
    // create_memory_block_devices() failing, cannot fail in the model.
    if (altmap) {
      WARN(r, altmap->alloc < pages, "vmem_altmap_free: freeing more than allocated");
      altmap->alloc -= std::min(altmap->alloc, pages);
    }
    s.sections.update(sec, sec + 1, [&](SectionState& x) {
      x.memmap_altmap_pages -= static_cast<std::uint32_t>(pages);
    });
    return;
  }
  u64 want = arch_vmemmap_plan(s.geo, nr_pages, false).pages;
  auto compound = compound_vmemmap_pages(s.geo, pfn, nr_pages, params);
  if (injected(s, "no_vmemmap_dedup")) compound.reset();
  if (compound) want = *compound;
  // B11-like: a partial removal that tears down the whole section's memmap.
  if (injected(s, "depopulate_frees_whole_section")) want = ms.memmap_buddy_pages;
  const u64 pages = std::min<u64>(want, ms.memmap_buddy_pages);
  if (!injected(s, "vmemmap_free_leaks_pages")) {
    const u64 freed = free_memmap_pages(s, sec, pages, ms.memmap_buddy_pages);
    WARN(r, freed != pages, "vmemmap_free: memmap pages missing from the page map");
  }
  s.sections.update(sec, sec + 1, [&](SectionState& x) {
    x.memmap_buddy_pages -= static_cast<std::uint32_t>(pages);
  });
}

}  // namespace memhp::k
