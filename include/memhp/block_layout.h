// How drivers/base/memory.c splits a memory block between its vmemmap and
// the pages it onlines (memory_block_online(), memory_block_offline()),
// public so that the Z3 block encoding (smt/enc_block.h) can be held against
// it (tests/test_smt_block.cpp). model/memory.cpp uses the same functions.
#pragma once

#include "memhp/types.h"

namespace memhp::k {

// The first nr_vmemmap_pages of the block: mhp_init_memmap_on_memory()'s range.
PfnRange memory_block_vmemmap_range(Pfn start, u64 nr_vmemmap_pages);
// The rest: what online_pages() and offline_pages() get.
PfnRange memory_block_online_range(Pfn start, u64 nr_pages, u64 nr_vmemmap_pages);

}  // namespace memhp::k
