// How many vmemmap pages one __populate_section_memmap() call allocates:
// the arch's vmemmap_populate() (PMD blocks or base pages, from an altmap or
// not) and, for ZONE_DEVICE compound pages, vmemmap_populate_compound_pages()
// with its tail-page dedup. Single-source (domain.h): model/arch_mm.cpp and
// model/sparse_vmemmap.cpp run these for every hot-add and memremap_pages()
// (and memmap_cost() for `memhp memmap-cost`); smt/enc_geometry.cpp
// instantiates them for vmemmap_dedup_arithmetic, over every geometry.
#pragma once

#include "memhp/proven/geometry.h"

namespace memhp::proven {

inline constexpr u64 kArchX86_64 = 0, kArchArm64 = 1, kArchPpc64 = 2;  // memhp::Arch's values

template <class D>
struct VmemmapPlanWords {
  typename D::Word pages;        // vmemmap pages allocated
  typename D::Word unit;         // allocation granule in pages (1: base pages)
  typename D::Bool uses_altmap;  // the arch hands the altmap down
};

/* arch/x86/mm/init_64.c, arch/arm64/mm/mmu.c, arch/powerpc/mm/init_64.c:
   vmemmap_populate(). x86 maps a whole section with PMD blocks (from the
   altmap when there is one) and anything smaller with base pages, ignoring
   the altmap; arm64 uses PMD blocks with 4K pages only; ppc64's 2 MiB
   mappings shared by many sections are approximated by base pages. An arch
   outside the three allocates nothing. */
template <class D>
VmemmapPlanWords<D> arch_vmemmap_plan(const D& d, const GeometryWords<D>& g, const typename D::Word& nr_pages,
                                      const typename D::Bool& have_altmap) {
  const typename D::Word one = d.word(1);
  const typename D::Word pmd = g.pmd_size(d);
  const typename D::Word pmd_blocks = d.shr((g.memmap_bytes(nr_pages) + pmd - one) & ~(pmd - one), g.page_shift);
  const typename D::Bool x86 = g.arch == d.word(kArchX86_64), arm64 = g.arch == d.word(kArchArm64);
  const typename D::Bool known = x86 || arm64 || g.arch == d.word(kArchPpc64);
  const typename D::Bool x86_base = x86 && d.ult(nr_pages, g.pages_per_section(d));
  const typename D::Bool uses_pmd = (x86 && !x86_base) || (arm64 && g.page_shift == d.word(12));
  return {d.ite(!known, d.word(0), d.ite(uses_pmd, pmd_blocks, g.memmap_pages(d, nr_pages))),
          d.ite(known && uses_pmd, d.shr(pmd, g.page_shift), one), known && !x86_base && have_altmap};
}

// Whether dedup saves anything: a compound page's memmap is more than the
// two vmemmap pages it keeps (VMEMMAP_RESERVE_NR). Both sides are powers of
// two, so "more than 2 pages" and include/linux/mm.h's
// "(nr * sizeof(struct page)) >> PAGE_SHIFT > 2" agree.
template <class D>
typename D::Bool dedup_saves(const D& d, const GeometryWords<D>& g, const typename D::Word& vmemmap_shift) {
  return d.ult(d.word(2) * g.page_size(d), g.memmap_bytes(d.shl(d.word(1), vmemmap_shift)));
}

/* include/linux/mm.h: vmemmap_can_optimize(), as Debian's 6.1.192 has it
   (the VMEMMAP_RESERVE_NR test came with the 6.4 fix for devdax probing,
   backported): whether __populate_section_memmap() sends a ZONE_DEVICE
   chunk to vmemmap_populate_compound_pages(): a power-of-two struct page,
   no altmap, and compound pages whose memmap is more than the two pages
   dedup keeps. Anything else is the arch's vmemmap_populate(). */
template <class D>
typename D::Bool compound_path(const D& d, const GeometryWords<D>& g, const typename D::Word& vmemmap_shift,
                               const typename D::Bool& have_altmap) {
  return !have_altmap && word_is_pow2(d, g.struct_page_size) && dedup_saves(d, g, vmemmap_shift);
}

// Vmemmap pages each compound page keeps: the head's and the first tails'.
inline constexpr u64 kDedupKeptPages = 2;

/* mm/sparse-vmemmap.c: vmemmap_populate_compound_pages() with
   reuse_compound_section(), on the compound path: the pages newly allocated
   for the chunk [offset, offset + nr_pages) of a range (offset from the
   range's start). `kept` is kDedupKeptPages; the proofs' tests pass other
   counts to show the dedup theorem refutes them. */
template <class D>
typename D::Word compound_chunk_pages(const D& d, const GeometryWords<D>& g, const typename D::Word& offset,
                                      const typename D::Word& nr_pages, const typename D::Word& vmemmap_shift,
                                      u64 kept = kDedupKeptPages) {
  const typename D::Word n = d.shl(d.word(1), vmemmap_shift);
  // A chunk that starts inside a compound page larger than a subsection
  // maps all its vmemmap onto the previous section's last tail page.
  const typename D::Bool reuse = !word_aligned(d, offset, n) && d.ult(g.pages_per_subsection(d), n);
  // A chunk inside one compound page keeps its head's pages; a chunk of
  // several keeps them for each.
  return d.ite(reuse, d.word(0),
               d.ite(d.ule(nr_pages, n), d.word(kept), d.word(kept) * d.shr(nr_pages, vmemmap_shift)));
}

}  // namespace memhp::proven
