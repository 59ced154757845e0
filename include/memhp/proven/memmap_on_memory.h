// The memmap_on_memory arithmetic (mm/memory_hotplug.c): whether a hot-add
// may host its own memmap (mhp_supports_memmap_on_memory(), as 6.1 and as
// 6.6 onwards have it), and the range
// check online_pages() and offline_pages() WARN on. Single-source
// (domain.h): model/memory_hotplug.cpp runs these; smt/enc_geometry.cpp
// instantiates them for memmap_on_memory_geometry, over every geometry.
#pragma once

#include "memhp/proven/geometry.h"

namespace memhp::proven {

// Which check refuses, 0 for none: the order mhp_supports_memmap_on_memory()
// tests them in. The model turns the number into its reason text.
inline constexpr u64 kMomSupported = 0, kMomNoArch = 1, kMomParamOff = 2, kMomNotOneBlock = 3,
                     kMomVmemmapNotPmd = 4, kMomRestNotPageblock = 5,
                     // 6.6 onwards (delta mom_arch_check)
                     kMomVmemmapNotPage = 6, kMomPagesNotPageblock = 7, kMomWholeBlock = 8;

template <class D>
struct MemmapOnMemoryWords {
  typename D::Word refused;        // kMom*
  typename D::Word vmemmap_bytes;  // (size >> PAGE_SHIFT) * sizeof(struct page)
  typename D::Word vmemmap_pages;  // what the altmap hands out
  typename D::Word remaining;      // size - vmemmap_bytes
};

/* mm/memory_hotplug.c: mhp_supports_memmap_on_memory() (6.1) */
template <class D>
MemmapOnMemoryWords<D> mhp_supports_memmap_on_memory(const D& d, const GeometryWords<D>& g,
                                                    const typename D::Bool& param_on,
                                                    const typename D::Word& size) {
  const typename D::Word one = d.word(1);
  const typename D::Word vmemmap = d.shr(size, g.page_shift) * g.struct_page_size;
  const typename D::Word remaining = size - vmemmap;
  const typename D::Word pmd_size = d.shl(one, g.pmd_shift);
  const typename D::Word pageblock_bytes = d.shl(d.shl(one, g.pageblock_order), g.page_shift);
  const typename D::Word refused =
      d.ite(!g.arch_memmap_on_memory, d.word(kMomNoArch),
            d.ite(!param_on, d.word(kMomParamOff),
                  d.ite(size != g.block_bytes, d.word(kMomNotOneBlock),
                        d.ite(!word_aligned(d, vmemmap, pmd_size), d.word(kMomVmemmapNotPmd),
                              d.ite(!word_aligned(d, remaining, pageblock_bytes), d.word(kMomRestNotPageblock),
                                    d.word(kMomSupported))))));
  return {refused, vmemmap, d.shr(vmemmap, g.page_shift), remaining};
}

/* mm/memory_hotplug.c: mhp_supports_memmap_on_memory() (6.6 onwards) with
   memory_block_memmap_on_memory_pages(). The test is of one memory block,
   whatever the request's size; 6.6 and 6.7 still refused a request of more
   than one block, which `per_block` (delta mom_per_block, 6.8) drops. In
   force mode the vmemmap is padded to whole pageblocks. */
template <class D>
MemmapOnMemoryWords<D> mhp_supports_memmap_on_memory_v66(const D& d, const GeometryWords<D>& g,
                                                        const typename D::Bool& param_on,
                                                        const typename D::Bool& force,
                                                        const typename D::Bool& per_block,
                                                        const typename D::Word& size) {
  const typename D::Word one = d.word(1);
  const typename D::Word page_size = d.shl(one, g.page_shift);
  const typename D::Word vmemmap = d.shr(g.block_bytes, g.page_shift) * g.struct_page_size;
  const typename D::Word pages = d.shr(vmemmap + page_size - one, g.page_shift);  // PFN_UP
  const typename D::Word pageblock = d.shl(one, g.pageblock_order);
  const typename D::Word padded = d.shl(d.shr(pages + pageblock - one, g.pageblock_order), g.pageblock_order);
  const typename D::Word memmap_pages = d.ite(force, padded, pages);
  const typename D::Word pmd_size = d.shl(one, g.pmd_shift);
  const typename D::Word refused =
      d.ite(!g.arch_memmap_on_memory, d.word(kMomNoArch),
            d.ite(!param_on, d.word(kMomParamOff),
                  d.ite(!per_block && size != g.block_bytes, d.word(kMomNotOneBlock),
                        d.ite(!word_aligned(d, vmemmap, page_size), d.word(kMomVmemmapNotPage),
                              d.ite(!word_aligned(d, memmap_pages, pageblock), d.word(kMomPagesNotPageblock),
                                    d.ite(memmap_pages == d.shr(g.block_bytes, g.page_shift),
                                          d.word(kMomWholeBlock),
                                          d.ite(!word_aligned(d, vmemmap, pmd_size), d.word(kMomVmemmapNotPmd),
                                                d.word(kMomSupported))))))));
  return {refused, vmemmap, memmap_pages, g.block_bytes - d.shl(memmap_pages, g.page_shift)};
}

/* mm/memory_hotplug.c: online_pages() / offline_pages(): the WARN_ON_ONCE
   that refuses a range unless it is non-empty, starts pageblock-aligned and
   ends section-aligned. True when the WARN fires. */
template <class D>
typename D::Bool online_pages_range_warns(const D& d, const GeometryWords<D>& g, const typename D::Word& pfn,
                                          const typename D::Word& nr_pages) {
  const typename D::Word one = d.word(1);
  return nr_pages == d.word(0) || !word_aligned(d, pfn, d.shl(one, g.pageblock_order)) ||
         !word_aligned(d, pfn + nr_pages, d.shl(one, g.section_size_bits - g.page_shift));
}

}  // namespace memhp::proven
