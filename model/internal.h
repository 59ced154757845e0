// Kernel-internal functions of the model, shared between model/*.cpp.
//
// Each function is named after the kernel function it mirrors and lives in
// the model file named after that kernel file. They take the System by
// reference and a Result to which they append the WARN()s the kernel would
// print; the public operations in ops.h are the only entry points callers
// should use.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memhp/block_layout.h"
#include "memhp/ops.h"
#include "memhp/zone_span.h"

namespace memhp {

// A fault point (include/memhp/mutants.h): whether the registry entry `m`,
// named by its literal, is switched on in this System. Use it only as
//     if (injected(s, "name") ...) <what the broken kernel does>;
//     if (!injected(s, "name")) <the kernel statement it skips>;
// (or, for the Z3-shared functions that take a defect as a parameter,
// `const bool x = injected(s, "name");`): tests/test_faults.cpp checks.
inline bool injected(const System& s, Mutant m) { return s.mutants.has(m); }

}  // namespace memhp

namespace memhp::k {

// WARN(cond, msg): record msg when cond holds, and return cond, as the
// kernel macro does.
inline bool WARN(Result& r, bool cond, const std::string& msg) {
  if (cond) r.warnings.push_back(msg);
  return cond;
}

// A memblock range: the pfns [start, end) of node nid known at boot.
struct MemblockRange {
  int nid;
  Pfn start, end;
};

// struct vmem_altmap (include/linux/memremap.h).
struct VmemAltmap {
  u64 base_pfn = 0;
  u64 end_pfn = 0;
  u64 reserve = 0;
  u64 free = 0;
  u64 align = 0;
  u64 alloc = 0;
};
inline u64 vmem_altmap_offset(const VmemAltmap* a) {
  return a ? a->reserve + a->free : 0;
}

// struct mhp_params: what arch_add_memory() passes down. The remove path
// takes the same: there `pgmap` stands in for what vmemmap_free() reads from
// the page tables (which vmemmap pages are shared between compound pages).
struct AllocCursor;
struct MhpParams {
  VmemAltmap* altmap = nullptr;
  const DevPagemap* pgmap = nullptr;
  Pfn range_start{0};  // pgmap->ranges[pgmap->nr_range].start, the range being added
  // Not the kernel's: where the memmap allocations of this __add_pages()
  // call have got to (see AllocCursor). Null outside __add_pages().
  AllocCursor* cursor = nullptr;
};

// ------------------------------------------------------ mm/sparse.c --
inline bool valid_section(const SectionState& ms) { return ms.has_mem_map; }
inline bool online_section(const SectionState& ms) { return ms.has_mem_map && ms.online; }
bool pfn_section_valid(const System& s, const SectionState& ms, Pfn pfn);
bool pfn_valid(const System& s, Pfn pfn);
bool pfn_in_present_section(const System& s, Pfn pfn);
void online_mem_sections(System& s, Result& r, Pfn start, Pfn end);
void offline_mem_sections(System& s, Result& r, Pfn start, Pfn end);
int sparse_add_section(System& s, Result& r, int nid, Pfn start, u64 nr_pages,
                       const MhpParams& params);
void sparse_remove_section(System& s, Result& r, Pfn pfn, u64 nr_pages, const MhpParams& params);
void sparse_init(System& s, const std::vector<MemblockRange>& mem);

// ---------------------------------------------- mm/sparse-vmemmap.c --
int populate_section_memmap(System& s, Result& r, Pfn pfn, u64 nr_pages, int nid,
                            const MhpParams& params, u64& pages_out, bool& from_altmap);
void depopulate_section_memmap(System& s, Result& r, Pfn pfn, u64 nr_pages,
                               const MhpParams& params);
// vmemmap_populate_compound_pages(): memmap pages a chunk of a compound
// devmap allocates (2 per compound page, 0 for a chunk that only continues
// one), or nullopt when the chunk is not populated as compound pages.
std::optional<u64> compound_vmemmap_pages(const Geometry& g, Pfn pfn, u64 nr_pages,
                                          const MhpParams& params);
// altmap_alloc_block_buf(): nr_pfns naturally aligned; false if exhausted.
bool altmap_alloc_block_buf(VmemAltmap& a, u64 nr_pfns);

// ------------------------------------ arch/{x86,arm64,powerpc}/mm/ --
// Pages of vmemmap one populate call allocates, and in what unit the arch
// asks the allocator for them (PMD_SIZE blocks or base pages).
struct VmemmapPlan {
  u64 pages = 0;
  u64 unit = 1;             // allocation granule in pages
  bool uses_altmap = false; // the arch passes the altmap down
};
VmemmapPlan arch_vmemmap_plan(const Geometry& g, u64 nr_pages, bool have_altmap);
int arch_add_memory(System& s, Result& r, int nid, u64 start, u64 size, const MhpParams& params);
void arch_remove_memory(System& s, Result& r, u64 start, u64 size, const MhpParams& params);
// max_zone_pfns[] handed to free_area_init() by the arch's paging_init().
std::array<u64, kNrZones> arch_max_zone_pfns(const Geometry& g,
                                             const std::vector<MemblockRange>& mem);

// ----------------------------------------------- mm/memory_hotplug.c --
int check_pfn_span(const Geometry& g, Pfn pfn, u64 nr_pages);
bool pfn_to_online_page(const System& s, Pfn pfn);
int __add_pages(System& s, Result& r, int nid, Pfn pfn, u64 nr_pages, const MhpParams& params);
void __remove_pages(System& s, Result& r, Pfn pfn, u64 nr_pages, const MhpParams& params);
void section_taint_zone_device(System& s, Pfn pfn);
void move_pfn_range_to_zone(System& s, Result& r, int nid, Zone zone, Pfn start,
                            u64 nr_pages, Migratetype mt, const VmemAltmap* altmap = nullptr);
// `vouched`: whether the zone was flagged contiguous when the op began (by
// default: the flag now), which spares set_zone_contiguous() a walk when
// the range comes off the span's edge.
void remove_pfn_range_from_zone(System& s, Result& r, int nid, Zone zone, Pfn start,
                                u64 nr_pages, std::optional<bool> vouched = std::nullopt);
void adjust_present_page_count(System& s, Pfn page, int group, long nr_pages);
Zone zone_for_pfn_range(const System& s, OnlineType type, int nid, int group,
                        Pfn start, u64 nr_pages);
int mhp_init_memmap_on_memory(System& s, Result& r, Pfn pfn, u64 nr_pages, int nid,
                              Zone zone);
void mhp_deinit_memmap_on_memory(System& s, Result& r, Pfn pfn, u64 nr_pages,
                                 std::optional<bool> vouched = std::nullopt);
int online_pages(System& s, Result& r, Pfn pfn, u64 nr_pages, int nid, Zone zone,
                 int group);
int offline_pages(System& s, Result& r, Pfn pfn, u64 nr_pages, int nid, Zone zone,
                  int group);
int __add_memory(System& s, Result& r, int nid, u64 start, u64 size, unsigned flags,
                 const std::string& resource_name);
int try_remove_memory(System& s, Result& r, u64 start, u64 size);
bool mhp_range_allowed(const Geometry& g, u64 start, u64 size);
// online_memory_block(): auto-online of a hot-added block.
int online_memory_block(System& s, Result& r, u64 id, OnlineType type);
void try_offline_node(System& s, int nid);

// ----------------------------------------------------- mm/page_alloc.c --
// __pageblock_pfn_to_page() and pageblock_pfn_to_page(), as yes/no: whether
// the scanner gets the struct page of [start, end)'s first pfn for `zone`.
bool __pageblock_pfn_to_page(const System& s, Pfn start, Pfn end, int nid, Zone zone);
bool pageblock_pfn_to_page(const System& s, Pfn start, Pfn end, int nid, Zone zone);
// `changed`: the range the caller just moved into or out of the zone (asked
// first); `vouched`: the flag was set when the caller began (an offline).
void set_zone_contiguous(System& s, int nid, Zone zone, PfnRange changed, bool vouched);
void clear_zone_contiguous(System& s, int nid, Zone zone);
void page_alloc_init_late(System& s);
// The pageblocks of [lo, hi) that a scanner of `zone` is handed, merged into
// ranges: pageblock_pfn_to_page() true (fast_path: with the zone->contiguous
// shortcut; otherwise __pageblock_pfn_to_page(), as set_zone_contiguous() asks).
std::vector<PfnRange> handed_pageblocks(const System& s, u64 lo, u64 hi, int nid, Zone zone,
                                        bool fast_path);

// --------------------------------------------------------- fs/proc/page.c --
// Not the kernel's: the pfns in (lo, hi) where an input of
// pfn_to_online_page() or of a struct page read may change (section runs,
// the subsections of a partly populated section, page runs, pgmap runs),
// with lo and hi, sorted. Walkers ask one question per piece.
std::vector<u64> walker_pieces(const System& s, u64 lo, u64 hi);
// A walker's view of [lo, hi): per piece, the struct page it reads when
// pfn_to_online_page() gives it one (with `pfn_valid_only`, when pfn_valid()
// says the pfn has a memmap, the check the walkers of 2019 made), NULL
// otherwise, merged into maximal runs; every run names `zone` when the
// walker scans one.
std::vector<WalkedRun> walk_online_pages(const System& s, u64 lo, u64 hi, std::optional<Zone> zone,
                                         bool pfn_valid_only);

// ----------------------------------------------- drivers/base/memory.c --
// What a block keeps of the altmap it was added with (struct memory_block's
// nr_vmemmap_pages in 6.1, its altmap from 6.6).
struct BlockAltmap {
  u64 nr_vmemmap_pages = 0;  // the pages online/offline skip: alloc (6.1) or free (6.6)
  u64 alloc = 0;             // 6.6 on: altmap->alloc, what vmemmap_populate() took
};
int create_memory_block_devices(System& s, Result& r, u64 start, u64 size, BlockAltmap altmap, int group);
void remove_memory_block_devices(System& s, Result& r, u64 start, u64 size);
void register_memory_blocks_under_node(System& s, int nid, u64 start, u64 size);
int memory_group_register_static(System& s, int nid, u64 max_pages);
int memory_group_unregister(System& s, int mgid);
void memory_dev_init(System& s, const std::vector<MemblockRange>& mem);
// Blocks live in a RunMap, so they are read and written as values.
inline const MemoryBlock& memory_block(const System& s, u64 id) { return s.blocks.at(id); }
inline void set_memory_block(System& s, u64 id, const MemoryBlock& m) {
  s.blocks.assign(id, id + 1, m);
}
// drivers/base/core.c device_online()/device_offline() on a memory block:
// 1 if it already was in that state, else the bus callback's result.
int device_online(System& s, Result& r, u64 id);
int device_offline(System& s, Result& r, u64 id);

// -------------------------------------------------- mm/page_alloc.c --
void free_area_init(System& s, const std::vector<MemblockRange>& mem,
                    const std::array<u64, kNrZones>& max_zone_pfn);
void memmap_init(System& s, const std::vector<MemblockRange>& mem);
void memmap_init_range(System& s, u64 size, int nid, Zone zone, Pfn start,
                       Migratetype mt, const VmemAltmap* altmap = nullptr);
// memmap_init_zone_device(): struct pages of a pgmap range.
void memmap_init_zone_device(System& s, int nid, Pfn start, u64 nr_pages, const DevPagemap& pgmap);
// __free_pages_core() over a range: into the buddy, counted as managed.
void free_pages_core(System& s, Pfn start, u64 nr_pages);
void __offline_isolated_pages(System& s, Result& r, Pfn start, Pfn end);
void adjust_managed_page_count(System& s, Pfn page, long count);
// The allocator: take `count` free pages (lowest pfn first, zonelist order)
// and give them `kind`. All or nothing. `only` restricts the pfns used and
// `exclude` removes some. Returns false (and changes nothing) if short.
struct AllocRequest {
  int nid = 0;
  Zone highest = Zone::Normal;
  u64 count = 0;
  PageKind kind = PageKind::Unmovable;
  std::uint32_t owner = 0;  // PageState::owner of the allocated pages
  std::vector<int> nodes;  // allowed nodes in preference order; empty = all possible
  PfnRange only{Pfn{0}, Pfn{~u64{0}}};
  PfnRange exclude{Pfn{0}, Pfn{0}};
  AllocCursor* cursor = nullptr;  // used only when `only` and `exclude` are unset
};
// A resume point for a batch of allocations that frees nothing in between,
// such as the per-section memmap allocations of one __add_pages() call.
// Allocation takes the lowest free pfns, so once a request is served every
// pfn of a zone below where it stopped is taken: the next request of the
// batch starts there instead of walking again over the runs (one per
// section, as each holds its own owner) the batch has already allocated.
// Without it a hot-add costs the square of its sections.
struct AllocCursor {
  std::map<std::pair<int, Zone>, u64> floor;  // (nid, zone) -> no free pfn below
};
bool alloc_pages_zonelist(System& s, const AllocRequest& req);
// Node preference: nid first, then the other possible nodes by id.
std::vector<int> node_order(const System& s, int nid);
// The zonelist: for each node, zones from `highest` down (never ZONE_DEVICE).
std::vector<std::pair<int, Zone>> zonelist(const std::vector<int>& nodes, Zone highest);
// Free up to `count` memmap pages that hold section `section`'s vmemmap,
// the highest first; returns how many were found. `held` is how many the
// section holds (SectionState::memmap_buddy_pages): the search stops once it
// has seen that many.
u64 free_memmap_pages(System& s, u64 section, u64 count, u64 held);
inline std::uint32_t memmap_owner(u64 section) { return static_cast<std::uint32_t>(section + 1); }

// -------------------------------------------------- mm/page_isolation.c --
int start_isolate_page_range(System& s, Pfn start, Pfn end);
void undo_isolate_page_range(System& s, Pfn start, Pfn end);
bool test_pages_isolated(const System& s, Pfn start, Pfn end);

// ------------------------------------------------------ kernel/resource.c --
bool request_region(System& s, u64 start, u64 size, const std::string& name);
bool request_mem_region(System& s, u64 start, u64 size, const std::string& name);
void release_mem_region(System& s, u64 start, u64 size);
void release_resource(System& s, u64 start);
void release_mem_region_adjustable(System& s, u64 start, u64 size);
u64 walk_system_ram_range_pages(const System& s, Pfn start, u64 nr_pages);

}  // namespace memhp::k
