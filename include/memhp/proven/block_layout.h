// How a memory block splits between its self-hosted vmemmap and the pages
// it onlines: drivers/base/memory.c memory_block_online() hands the first
// nr_vmemmap_pages to mhp_init_memmap_on_memory() (they never reach the
// buddy allocator) and the rest to online_pages(); memory_block_offline()
// splits the same way. Single-source (domain.h): model/memory.cpp runs it,
// smt/enc_block.cpp instantiates it for vmemmap_never_in_buddy_per_transition,
// memmap_on_memory_accounting and vmemmap_never_in_buddy_unbounded.
#pragma once

namespace memhp::proven {

template <class D>
struct WordRange {
  typename D::Word lo, hi;  // [lo, hi)
};

/* drivers/base/memory.c: memory_block_online(): mhp_init_memmap_on_memory()'s range */
template <class D>
WordRange<D> memory_block_vmemmap_range(const D&, const typename D::Word& start,
                                        const typename D::Word& nr_vmemmap_pages) {
  return {start, start + nr_vmemmap_pages};
}

/* drivers/base/memory.c: memory_block_online(): online_pages()'s range */
template <class D>
WordRange<D> memory_block_online_range(const D&, const typename D::Word& start,
                                       const typename D::Word& nr_pages,
                                       const typename D::Word& nr_vmemmap_pages) {
  return {start + nr_vmemmap_pages, start + nr_pages};
}

}  // namespace memhp::proven
