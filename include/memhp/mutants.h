// Mutants and historical faults: named, runtime-switchable defects in the
// model, in one registry.
//
// A mutant makes one model function behave as a broken kernel would. The
// checkers must catch every one: an invariant that no mutant breaks is a
// defect of the catalogue, not a proof of the model. Two kinds share the
// mechanism and are listed apart:
//   - engineered mutants, each written to break one check (its target);
//   - historical faults, each reinstating a bug that shipped in mainline,
//     with the commit that brought it, the commit that fixed it, and the
//     invariant the fix restored (`memhp faults`).
//
// The registry below is the only list. A defect is named by its registry
// name everywhere: `mutant NAME` in a trace, `--mutant NAME` / `--fault NAME`
// on the command line, and `Mutant("name")` in C++, which is checked at
// compile time (a misspelt name does not build). Its targets are the checks
// that must catch it; an invariant's killers are read from here
// (killers_of()), not written beside the invariant.
//
// In model/ a defect is switched at a fault point: one line of the form
//     if (injected(s, "name")) <what the broken kernel does instead>;
//     if (!injected(s, "name")) <the kernel statement the fault skips>;
// on its own, never inside a kernel condition, so that model/ read beside
// mm/ shows the kernel's code with these lines to skip. tests/test_faults.cpp
// holds every fault point to that shape and every registry entry to at least
// one point. docs/faults.md has the checklist for adding one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "memhp/deltas.h"

namespace memhp {

enum class MutantKind : std::uint8_t { Engineered, Historical };

// Where a historical fault comes from. Hashes are 12 hex digits and the
// subject; "unverified" where no source read confirmed it.
struct FaultHistory {
  std::string_view fixed_by;       // the fix
  Release fixed_in{};              // its first mainline release; {} while 6.19 still has the bug
  std::string_view introduced_by;  // the fix's Fixes: tag
  Release introduced_in{};         // its first mainline release
  std::uint8_t present_in = 0;     // VersionBit mask: trees the profiles follow that still have the bug
  std::string_view profile;        // the kernel it runs under ("v6.1", "v6.19 without=...")
  std::string_view note;           // why that profile, what the model cannot show
};

struct MutantInfo {
  std::string_view name;                    // snake_case: what the defect does
  std::array<std::string_view, 3> targets;  // the invariants, properties or residue paths that catch it
  std::string_view description;             // the defect, in kernel terms
  MutantKind kind = MutantKind::Engineered;
  FaultHistory history = {};                // historical faults only
};

// clang-format off
inline constexpr MutantInfo kMutantRegistry[] = {
    // mm/sparse.c
    {"deactivate_keeps_mem_map", {"valid_section_has_usage"},
     "section_deactivate() frees the usage but leaves SECTION_HAS_MEM_MAP set, for good (B4's "
     "kernel left it set only until the end of section_deactivate(), a window only a concurrent "
     "pfn_valid() sees)"},
    {"subsection_mask_first_only", {"subsection_map_matches_memmap"},
     "subsection_mask_set() sets only the first subsection's bit"},
    {"memmap_init_skips_tail_hole", {"early_section_memmap_complete"},
     "memmap_init() leaves the memmap after the end of boot memory uninitialised, in a section that "
     "is online and valid: /proc/kpageflags crashed in stable_page_flags()",
     MutantKind::Historical,
     {"e822969cab48 mm/page_alloc.c: fix uninitialized memmaps on a partially populated last section",
      {5, 6}, "f7f99100d8d9 mm: stop zeroing memory during allocation in vmemmap", {4, 16}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"readd_boot_section_early", {"early_section_has_boot_memmap"},
     "sparse_add_section() marks a re-added boot section SECTION_IS_EARLY"},
    {"deactivate_frees_boot_usage", {"boot_usage_never_freed"},
     "section_deactivate() kfree()s the memblock-allocated usage of an early section removed, "
     "re-added and removed again",
     MutantKind::Historical,
     {"(hash unverified) mm/memory_hotplug: don't free usage map when removing a re-added early section",
      {5, 5}, "(unverified) 326e1b8f83a4 mm/sparsemem: introduce a SECTION_IS_EARLY flag", {5, 3}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"offline_keeps_sections_online", {"section_online_iff_block_online"},
     "__offline_isolated_pages() does not call offline_mem_sections()"},
    // zones and nodes
    {"shrink_keeps_start", {"empty_zone_is_zero"},
     "shrink_zone_span() empties a zone but keeps its zone_start_pfn"},
    {"offline_skips_present", {"zone_counters_ordered", "offline_online_restores_zone_counters"},
     "offline_pages() does not adjust the present page count"},
    {"vmemmap_not_present", {"zone_present_counts_pages"},
     "memory_block_online() does not account the vmemmap pages as present"},
    {"offline_keeps_managed", {"zone_managed_counts_buddy_pages"},
     "offline_pages() does not adjust the managed page count"},
    {"present_early_for_all", {"present_early_counts_early_pages"},
     "adjust_present_page_count() counts hot-added pages as present_early"},
    {"node_present_not_adjusted", {"node_present_is_zone_sum"},
     "adjust_present_page_count() does not update node_present_pages"},
    {"resize_zone_keeps_end", {"zone_span_covers_its_pages"},
     "resize_zone_range() never moves the end of a non-empty zone"},
    {"shrink_zone_span_skipped", {"zone_span_ends_in_zone"},
     "remove_pfn_range_from_zone() does not call shrink_zone_span()"},
    {"pgdat_span_not_updated", {"node_span_is_zone_hull"},
     "remove_pfn_range_from_zone() does not call update_pgdat_span() (B1b)"},
    {"online_skips_isolate_fixup", {"no_isolation_at_rest"},
     "online_pages() does not add the isolated pageblocks to nr_isolate_pageblock"},
    {"offline_keeps_n_memory", {"node_states_match_present"},
     "offline_pages() never clears N_MEMORY / N_NORMAL_MEMORY"},
    {"try_offline_node_ignores_blocks", {"node_online_if_used"},
     "try_offline_node() offlines a node that memory blocks still link to: it looked at the nids "
     "of the memmap and skipped blocks never onlined",
     MutantKind::Historical,
     {"2c91f8fc6c99 mm/memory_hotplug: fix try_offline_node()", {5, 5},
      "60a5a19e7419 memory-hotplug: remove sysfs file of node (release unverified)", {3, 9}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    // memmap_on_memory
    {"vmemmap_freed_to_buddy", {"vmemmap_never_in_buddy"},
     "mhp_init_memmap_on_memory() hands the self-hosted vmemmap to the buddy allocator"},
    {"vmemmap_pageblock_movable", {"vmemmap_in_block_zone_unmovable"},
     "mhp_init_memmap_on_memory() initialises the vmemmap pageblocks MIGRATE_MOVABLE"},
    {"block_records_half_vmemmap", {"vmemmap_range_is_block_memmap"},
     "the memory block records half of altmap.alloc as nr_vmemmap_pages"},
    {"altmap_alloc_not_recorded", {"altmap_pages_match_block"},
     "add_memory_resource() passes 0 vmemmap pages to create_memory_block_devices()"},
    {"vmemmap_free_leaks_pages", {"memmap_pages_accounted", "add_remove_round_trip"},
     "vmemmap_free() unmaps the memmap but does not free its pages"},
    // memory blocks and devices
    {"remove_keeps_block_devices", {"block_exists_iff_memory_added"},
     "try_remove_memory() does not remove the memory block devices"},
    {"remove_ignores_online_blocks", {"only_offline_memory_removed"},
     "try_remove_memory() removes memory whose blocks are online"},
    {"failed_offline_stays_going_offline", {"block_state_at_rest"},
     "memory_block_change_state() leaves a block going-offline when offlining fails"},
    {"offline_keeps_block_zone", {"block_zone_iff_online_single_zone"},
     "memory_block_offline() does not reset mem->zone"},
    {"offline_skips_poison", {"block_memmap_matches_state"},
     "remove_pfn_range_from_zone() does not poison the struct pages"},
    {"group_present_not_adjusted", {"group_present_accounting"},
     "adjust_present_page_count() does not update the memory group"},
    {"dimm_add_leaks_group", {"groups_belong_to_devices"},
     "acpi_memory_device_add() keeps the memory group when adding the memory failed"},
    {"remove_keeps_resource", {"ram_resources_match_memory"},
     "try_remove_memory() does not release the System RAM resource"},
    // error paths and migration
    {"isolation_ignores_unmovable", {"no_kernel_bug"},
     "has_unmovable_pages() and test_pages_isolated() both miss unmovable pages"},
    {"online_failure_skips_deinit", {"failed_op_changes_nothing"},
     "memory_block_online() does not undo mhp_init_memmap_on_memory() when onlining fails"},
    {"offline_drops_movable_pages", {"allocations_conserved"},
     "offline_pages() frees movable pages instead of migrating them"},
    // non-atomic error paths (props/residue.cpp): a residue of the wrong shape
    {"failed_online_keeps_type", {"state_store_keeps_online_type"},
     "memory_subsys_online() does not reset mem->online_type when onlining fails"},
    {"add_failure_keeps_resource", {"add_pages_keeps_added_sections"},
     "__add_memory() does not release the System RAM resource when adding fails"},
    {"eject_rollback_skips_online", {"acpi_eject_rollback_reonlines"},
     "acpi_scan_try_to_offline() leaves offline the blocks it offlined when the eject fails"},
    {"memremap_failure_keeps_ranges", {"pagemap_range_unwind_keeps_span"},
     "memremap_pages() does not unmap the ranges it mapped before the one that failed"},
    // ZONE_DEVICE and subsections
    {"partial_deactivate_clears_mem_map", {"hotplug_section_valid_iff_subsections"},
     "section_deactivate() clears SECTION_HAS_MEM_MAP although subsections remain"},
    {"depopulate_frees_whole_section", {"depopulate_within_removed_subsections", "memremap_unmap_restores_sections"},
     "removing one subsection frees the whole section's memmap (B11)"},
    {"no_vmemmap_dedup", {"device_vmemmap_deduplicated"},
     "__populate_section_memmap() never takes the compound-page path: full vmemmap"},
    {"no_zone_device_taint", {"zone_device_taint"},
     "move_pfn_range_to_zone() does not taint a section ZONE_DEVICE shares (B8)"},
    {"device_shrinks_zone", {"zone_device_accounting"},
     "remove_pfn_range_from_zone() shrinks ZONE_DEVICE spans, reading the memmap of device pages "
     "memmap_init_zone_device() may still be initialising",
     MutantKind::Historical,
     {"7ce700bf11b5 (hash unverified) mm/memory_hotplug: don't access uninitialized memmaps in "
      "shrink_zone_span()",
      {5, 4}, "f1dd2cd13c4b mm, memory_hotplug: do not associate hotadded memory to zones until online",
      {4, 13}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted; the crash needed memmap_init_zone_device() "
      "running beside the shrink, so sequentially the model shows the span the unfixed kernel computed"}},
    {"unmap_without_altmap", {"device_altmap_balanced"},
     "pageunmap_range() passes no altmap to arch_remove_memory()"},
    {"memremap_skips_ram_check", {"pgmap_ranges_disjoint"},
     "the pgmap owner claims no iomem region and pagemap_range() skips region_intersects(): no "
     "guard against System RAM"},
    {"zone_device_init_skipped", {"device_memmap_initialised"},
     "memremap_pages() never calls memmap_init_zone_device()"},
    // zone choice
    {"default_zone_ignores_movable_node", {"zone_choice_matches_spec"},
     "default_zone_for_pfn() ignores movable_node: a block in no zone (or in both) goes to the "
     "kernel zone"},
    {"valid_zones_kernel_first", {"zone_choice_matches_spec"},
     "valid_zones_show() always lists the kernel zone first, also when the default zone is Movable"},
    {"auto_movable_ratio_exclusive", {"zone_choice_matches_spec"},
     "auto_movable_can_online_movable() allows MOVABLE only below the ratio, not at it (off by one)"},
    {"early_zone_ignores_spans", {"zone_choice_matches_spec"},
     "early_node_zone_for_memory_block() counts every populated zone of the node, not the ones whose "
     "span meets the block: a boot block on a node with two zones gets mem->zone NULL (valid_zones "
     "\"none\")"},
    {"hotplug_range_ignores_start", {"argument_errors_match_kernel"},
     "check_hotplug_memory_range() does not check that the start is block-aligned (a survivor of "
     "the mutation campaign)"},
    {"remove_blocks_past_range", {"warnings_match_kernel"},
     "remove_memory_block_devices() walks one block past the range and WARNs when that block is "
     "absent (a survivor of the mutation campaign)"},
    {"altmap_refuses_exact_fit", {"altmap_capacity_matches_kernel"},
     "a section's vmemmap is refused (-ENOMEM) when it would fill the altmap to its last page "
     "(altmap_alloc_block_buf() off by one; a survivor of the mutation campaign)"},
    {"static_group_page_more", {"groups_belong_to_devices"},
     "acpi_memory_enable_device() registers the DIMM's static memory group one page larger than "
     "the device (a survivor of the mutation campaign)"},
    {"remove_pages_stops_at_invalid", {"remove_clears_range"},
     "__remove_pages() stops at the first run of sections without a memmap instead of skipping it "
     "(a survivor of the mutation campaign)"},
    {"taint_aligned_boundary", {"zone_device_taint"},
     "move_pfn_range_to_zone() taints the sections of a ZONE_DEVICE range's start and end also when "
     "they are section-aligned (a survivor of the mutation campaign)"},
    // pfn walkers
    {"online_page_ignores_device_taint", {"walkers_see_initialised_memmap"},
     "pfn_to_online_page() returns the page whenever the section is online and the subsection "
     "valid, without the pgmap lookup a ZONE_DEVICE-tainted section needs: walkers took device "
     "pages sharing a section with RAM for buddy pages",
     MutantKind::Historical,
     {"1f90a3477df3 mm: teach pfn_to_online_page() about ZONE_DEVICE section collisions", {5, 12},
      "ba72b4c8cf60 mm/sparsemem: support sub-section hotplug", {5, 3}, 0, "v6.1", "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"remove_keeps_zone_contiguous", {"contiguous_zone_has_no_holes", "failed_online_rechecks_contiguous"},
     "remove_pfn_range_from_zone() neither clears nor rechecks zone->contiguous, so a zone that "
     "was contiguous keeps the flag over the hole an offline leaves, and compaction's scanners "
     "take pfn_to_page() there without a check"},
    {"pageblock_ignores_zone", {"compaction_stays_in_zone"},
     "__pageblock_pfn_to_page() does not check that the pageblock's first page is in the zone: "
     "compaction of one zone scans a block of another zone inside its span"},
    // historical faults without an engineered twin
    {"node_span_start_always_zero", {"node_span_is_zone_hull"},
     "update_pgdat_span() starts the node at pfn 0 and takes every zone, empty or not: after any "
     "shrink the node spans from 0",
     MutantKind::Historical,
     {"656d57119326 mm/memory_hotplug: fix updating the node span", {5, 4},
      "00d6c019b5bc mm/memory_hotplug: don't access uninitialized memmaps in shrink_pgdat_span()", {5, 4}, 0,
      "v6.1", "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"kpageflags_reads_offline_memmap", {"walkers_see_initialised_memmap"},
     "kpageflags_read() asks pfn_valid() where it must ask pfn_to_online_page(): it reads the "
     "poisoned memmap of offline memory",
     MutantKind::Historical,
     {"aad5f69bc161 fs/proc/page.c: don't access uninitialized memmaps in fs/proc/page.c", {5, 4},
      "f1dd2cd13c4b mm, memory_hotplug: do not associate hotadded memory to zones until online", {4, 13}, 0,
      "v6.1", "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"pfn_to_online_page_ignores_subsection", {"walkers_see_initialised_memmap"},
     "pfn_to_online_page() trusts the section's ONLINE bit without pfn_section_valid(): a pfn of an "
     "unpopulated subsection of an online section is handed out as an online page",
     MutantKind::Historical,
     {"9f9b02e5b346 mm: teach pfn_to_online_page() to consider subsection validity", {5, 12},
      "ba72b4c8cf60 mm/sparsemem: support sub-section hotplug", {5, 3}, 0, "v6.1", "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"memory_failure_reads_offline_memmap", {"walkers_see_initialised_memmap"},
     "memory_failure() takes pfn_to_page() of any pfn_valid() pfn: a machine check on offline "
     "memory reads its poisoned memmap",
     MutantKind::Historical,
     {"96c804a6ae8c mm/memory-failure.c: don't access uninitialized memmaps in memory_failure()", {5, 4},
      "f1dd2cd13c4b mm, memory_hotplug: do not associate hotadded memory to zones until online", {4, 13}, 0,
      "v6.1", "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"page_owner_reads_offline_memmap", {"walkers_see_initialised_memmap"},
     "pagetypeinfo_showmixedcount_print() asks pfn_valid() where it must ask pfn_to_online_page(): "
     "reading /proc/pagetypeinfo reads the poisoned memmap of offline memory in a zone's span",
     MutantKind::Historical,
     {"a26ee565b6cd mm/page_owner: don't access uninitialized memmaps when reading /proc/pagetypeinfo",
      {5, 4}, "f1dd2cd13c4b mm, memory_hotplug: do not associate hotadded memory to zones until online", {4, 13},
      0, "v6.1", "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"gigantic_scan_reads_offline_memmap", {"walkers_see_initialised_memmap"},
     "the gigantic-page range scan asks pfn_valid() where it must ask pfn_to_online_page(): "
     "allocating a gigantic hugetlb page reads page_zone() of offline memory in the zone's span",
     MutantKind::Historical,
     {"f231fe4235e2 hugetlbfs: don't access uninitialized memmaps in pfn_range_valid_gigantic()",
      {5, 4}, "f1dd2cd13c4b mm, memory_hotplug: do not associate hotadded memory to zones until online", {4, 13},
      0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted; the scan is pfn_range_valid_contig() in "
      "mm/page_alloc.c since 5.10"}},
    {"zone_shrink_at_remove", {"no_kernel_bug", "zone_span_ends_in_zone", "failed_op_changes_nothing"},
     "offline_pages() leaves the zone's span alone and __remove_pages() shrinks the zone it reads "
     "from the first page's memmap: the span covers offline memory until removal, and removing "
     "never-onlined memory reads a poisoned struct page",
     MutantKind::Historical,
     {"feee6b298916 mm/memory_hotplug: shrink zones when offlining memory", {5, 5},
      "d0dc12e86b31 mm/memory_hotplug: optimize memory hotplug", {4, 19}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted; the model poisons the memmap at offline "
      "(5.5's d33695b16a9f), so a removal after an offline reads a poisoned page too, where 5.4 read "
      "one only for never-onlined memory"}},
    {"offline_error_keeps_lru_disabled", {"failed_op_changes_nothing"},
     "offline_pages() returns from its error paths without lru_cache_enable(): one failed offline "
     "leaves the LRU caches disabled for good",
     MutantKind::Historical,
     {"946746d1ad92 mm/memory_hotplug: fix potential permanent lru cache disable", {5, 14},
      "d479960e44f2 mm: disable LRU pagevec during the migration temporarily", {5, 13}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted; the model keeps lru_disable_count for "
      "this bug alone"}},
    {"offline_leaks_isolate_count", {"no_isolation_at_rest"},
     "offline_pages() never takes the offlined pageblocks off zone->nr_isolate_pageblock: its "
     "undo_isolate_page_range() is a no-op on offline pages, so the count only grows",
     MutantKind::Historical,
     {"9b7ea46a82b3 (short hash) mm/hotplug: fix offline undo_isolate_page_range()", {5, 1},
      "2ce13640b3f4 mm: __first_valid_page skip over offline pages", {4, 13}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"early_partial_remove_frees_memmap", {"early_section_memmap_complete", "failed_op_changes_nothing"},
     "section_deactivate() frees the memmap of the removed subsections of an early section: the "
     "section stays early and valid, so its pfns still have struct pages that are gone",
     MutantKind::Historical,
     {"ef69bc9f689d mm/sparse: never partially remove memmap for early section", {5, 9},
      "ba72b4c8cf60 mm/sparsemem: support sub-section hotplug", {5, 3}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted"}},
    {"device_tail_pageblocks_unset", {"device_memmap_initialised"},
     "memmap_init_zone_device() sets a pageblock's migratetype only from the struct pages it writes: "
     "with a deduplicated vmemmap, every pageblock of a compound page after the first stays "
     "MIGRATE_UNMOVABLE (a 1 GiB devdax page has 511 such)",
     MutantKind::Historical,
     {"(mainline hash unverified; after 6.19) mm/mm_init: fix pageblock migratetype for ZONE_DEVICE compound "
      "pages",
      {}, "(unverified) c4386bd8ee3a mm/memremap: add ZONE_DEVICE support for compound pages", {5, 17}, kIn619,
      "v6.1",
      "still in mainline 6.19, fixed in Debian's 6.1.192 and 6.12.118; the v6.19 profile follows the fixed "
      "code, so the fault runs under v6.1 with the fix reverted; the releases are not verified"}},
    {"memunmap_reads_altmap_page", {"no_kernel_bug"},
     "memunmap_pages() reads the nid from the struct page of the range's first pfn, which with an "
     "altmap lies in the reserve whose struct pages were never initialised: destroying a pmem "
     "namespace BUGs",
     MutantKind::Historical,
     {"77e080e7680e mm/memunmap: don't access uninitialized memmap in memunmap_pages()", {5, 4},
      "2c2a5af6fed2 mm, memory_hotplug: add nid parameter to arch_remove_memory", {5, 0}, 0, "v6.1",
      "fixed before 6.1: runs under v6.1 with the fix reverted; the introducing release is unverified"}},
    {"memmap_accounted_on_failure", {"memmap_vmstat_exact"},
     "section_activate() leaves nr_memmap_pages counting a memmap whose allocation failed",
     MutantKind::Historical,
     {"ace0741a55e4 mm: don't account memmap on failure", {6, 11},
      "15995a352474 mm: report per-page metadata information", {6, 11}, 0, "v6.12",
      "introduced and fixed within the 6.11 merge window, so no release had it: runs under v6.12 (the "
      "first profile with the counters) with the fix reverted, as its effect: the failed populate "
      "stays counted"}},
    {"memmap_accounting_wrong_source", {"memmap_vmstat_exact"},
     "section_deactivate() takes every freed memmap off nr_memmap_pages, the boot memmap of an early "
     "section too, which nr_memmap_boot_pages counted: nr_memmap_pages goes below the hot-added memmap",
     MutantKind::Historical,
     {"c3576889d87b mm: fix accounting of memmap pages", {6, 17},
      "15995a352474 mm: report per-page metadata information", {6, 11}, 0, "v6.12",
      "in 6.12 before 6.12.48; runs under v6.12 (Debian's 6.12.118 has the fix) with it reverted"}},
    {"vmemmap_accounting_underflow", {"memmap_vmstat_exact"},
     "section_activate() counts the memmap only once populate worked, but its error path's "
     "section_deactivate() takes it off anyway: every failed populate lowers nr_memmap_pages",
     MutantKind::Historical,
     {"(mainline hash unverified; after 6.19) mm/sparse-vmemmap: fix vmemmap accounting underflow", {},
      "c3576889d87b mm: fix accounting of memmap pages", {6, 17}, kIn619, "v6.12",
      "still in mainline 6.19, whose profile has it (v6.19 without memmap_exact_accounting); Debian's "
      "6.12.118 has the fix, so the fault runs under v6.12 with it reverted"}},
    {"dax_vmemmap_accounting_ignores_dedup", {"memmap_vmstat_exact"},
     "nr_memmap_pages counts a compound devmap's whole memmap, although its vmemmap is deduplicated "
     "to VMEMMAP_RESERVE_NR pages per compound page",
     MutantKind::Historical,
     {"(mainline hash unverified; after 6.19) mm/sparse-vmemmap: fix DAX vmemmap accounting with "
      "optimization",
      {}, "15995a352474 mm: report per-page metadata information", {6, 11}, kIn619, "v6.12",
      "still in mainline 6.19, whose profile has it (v6.19 without memmap_exact_accounting); Debian's "
      "6.12.118 has the fix, so the fault runs under v6.12 with it reverted"}},
    // concurrency: the threaded steps (include/memhp/threads.h), caught by the
    // threaded explorer's checks (props/thread_checks.h)
    {"pfn_valid_usage_race", {"no_use_after_free"},
     "section_deactivate() kfree()s ms->usage while pfn_valid() reads it with no RCU read section "
     "and no NULL check: a pfn_valid() that found the section valid dereferences a freed or NULL "
     "usage (compaction against memunmap_pages(), CVE-2023-52489)",
     MutantKind::Historical,
     {"5ec8e8ea8b77 mm/sparsemem: fix race in accessing memory_section->usage", {6, 8},
      "f46edbd1b151 mm/sparsemem: add helpers track active portions of a section at boot", {5, 3}, 0, "v6.1",
      "Debian 6.1.192 has the backport (6.1.76): runs under v6.1 with it reverted"}},
    {"vmemmap_init_without_hotplug_lock", {"get_online_mems_sees_stable_state"},
     "memory_block_online()/offline() run the memmap_on_memory vmemmap init, deinit and present "
     "accounting outside mem_hotplug_lock, so a get_online_mems() reader such as kmemleak_scan() "
     "sees zone spans, present pages and struct pages change under it",
     MutantKind::Historical,
     {"001002e73712 mm/memory_hotplug: add missing mem_hotplug_lock", {6, 7},
      "a08a2ae34613 mm,memory_hotplug: allocate memmap from the added memory range", {5, 13}, 0, "v6.1",
      "Debian 6.1.192 has the backport (6.1.76): runs under v6.1 with it reverted"}},
    {"memremap_takes_device_hotplug_lock", {"lock_order_acyclic", "no_deadlock"},
     "memremap_pages()/memunmap_pages() take device_hotplug_lock inside mem_hotplug_lock, the "
     "reverse of state_store()'s order"},
    {"state_store_skips_device_hotplug_lock", {"interleavings_linearisable"},
     "state_store() sets mem->online_type and onlines without device_hotplug_lock, so a second "
     "writer's online type can be the one the first write onlines with"},
    {"kmemleak_scan_trusts_pfn_valid", {"readers_see_initialised_memmap"},
     "kmemleak_scan() takes any pfn_valid() pfn's struct page, not only pfn_to_online_page()'s"},
};
// clang-format on

inline constexpr std::size_t kMutantCount = std::size(kMutantRegistry);

// One registry entry, by position. Built from a name literal at compile time
// (`Mutant("shrink_keeps_start")`), or from a run-time name by
// mutant_from_name().
class Mutant {
 public:
  template <std::size_t N>
  consteval Mutant(const char (&name)[N]) : index_(index_of(std::string_view(name, N - 1))) {}  // NOLINT
  static constexpr Mutant at(std::size_t index) { return Mutant(static_cast<std::uint8_t>(index)); }
  constexpr std::size_t index() const { return index_; }
  constexpr const MutantInfo& info() const { return kMutantRegistry[index_]; }
  friend constexpr auto operator<=>(Mutant, Mutant) = default;

 private:
  constexpr explicit Mutant(std::uint8_t index) : index_(index) {}
  static consteval std::uint8_t index_of(std::string_view name) {
    for (std::size_t i = 0; i < kMutantCount; ++i)
      if (kMutantRegistry[i].name == name) return static_cast<std::uint8_t>(i);
    throw "not a mutant in kMutantRegistry";  // a compile error
  }
  std::uint8_t index_;
};

struct MutantSet {
  std::array<std::uint64_t, 2> words{};
  constexpr bool has(Mutant m) const { return words[m.index() / 64] >> (m.index() % 64) & 1; }
  constexpr void set(Mutant m) { words[m.index() / 64] |= std::uint64_t{1} << (m.index() % 64); }
  constexpr bool any() const { return words[0] != 0 || words[1] != 0; }
  friend constexpr auto operator<=>(const MutantSet&, const MutantSet&) = default;
};
static_assert(kMutantCount <= 128, "MutantSet holds 128 mutants");

// Names must be unique: mutant_from_name() and Mutant("...") find the first.
consteval bool registry_names_unique() {
  for (std::size_t i = 0; i < kMutantCount; ++i)
    for (std::size_t j = i + 1; j < kMutantCount; ++j)
      if (kMutantRegistry[i].name == kMutantRegistry[j].name) return false;
  return true;
}
static_assert(registry_names_unique(), "two registry entries share a name");

inline std::span<const MutantInfo> mutant_registry() { return kMutantRegistry; }
inline Mutant id_of(const MutantInfo& m) { return Mutant::at(static_cast<std::size_t>(&m - kMutantRegistry)); }
std::optional<Mutant> mutant_from_name(std::string_view name);
inline std::string_view mutant_name(Mutant m) { return m.info().name; }
// The registry entries whose targets name `check` (an invariant, a sequence
// property or a residue path), in registry order.
std::vector<Mutant> killers_of(std::string_view check);
// The kernel a historical fault runs under (its history's profile, parsed);
// nullopt for an engineered mutant, which runs under whatever it is given.
std::optional<KernelSpec> fault_kernel(const MutantInfo& m);

}  // namespace memhp
