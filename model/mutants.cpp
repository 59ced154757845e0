// The mutant registry: each deliberate defect of the model, named as
// `--mutant NAME` takes it, and described as the kernel bug it imitates.
#include "memhp/mutants.h"

namespace memhp {

const std::vector<MutantInfo>& mutant_registry() {
  using M = Mutant;
  static const std::vector<MutantInfo> all = {
      {M::DeactivateKeepsMemMap, "deactivate_keeps_mem_map",
       "section_deactivate() frees the usage but leaves SECTION_HAS_MEM_MAP set (B4)"},
      {M::SubsectionMaskFirstOnly, "subsection_mask_first_only",
       "subsection_mask_set() sets only the first subsection's bit"},
      {M::MemmapInitSkipsTailHole, "memmap_init_skips_tail_hole",
       "memmap_init() leaves the memmap after the end of boot memory uninitialised (B2)"},
      {M::ReaddBootSectionEarly, "readd_boot_section_early",
       "sparse_add_section() marks a re-added boot section SECTION_IS_EARLY"},
      {M::DeactivateFreesBootUsage, "deactivate_frees_boot_usage",
       "section_deactivate() kfree()s a boot-allocated usage (B5)"},
      {M::OfflineKeepsSectionsOnline, "offline_keeps_sections_online",
       "__offline_isolated_pages() does not call offline_mem_sections()"},
      {M::ShrinkKeepsStart, "shrink_keeps_start",
       "shrink_zone_span() empties a zone but keeps its zone_start_pfn"},
      {M::OfflineSkipsPresent, "offline_skips_present",
       "offline_pages() does not adjust the present page count"},
      {M::VmemmapNotPresent, "vmemmap_not_present",
       "memory_block_online() does not account the vmemmap pages as present"},
      {M::OfflineKeepsManaged, "offline_keeps_managed",
       "offline_pages() does not adjust the managed page count"},
      {M::PresentEarlyForAll, "present_early_for_all",
       "adjust_present_page_count() counts hot-added pages as present_early"},
      {M::NodePresentNotAdjusted, "node_present_not_adjusted",
       "adjust_present_page_count() does not update node_present_pages"},
      {M::ResizeZoneKeepsEnd, "resize_zone_keeps_end",
       "resize_zone_range() never moves the end of a non-empty zone"},
      {M::ShrinkZoneSpanSkipped, "shrink_zone_span_skipped",
       "remove_pfn_range_from_zone() does not call shrink_zone_span()"},
      {M::PgdatSpanNotUpdated, "pgdat_span_not_updated",
       "remove_pfn_range_from_zone() does not call update_pgdat_span() (B1b)"},
      {M::OnlineSkipsIsolateFixup, "online_skips_isolate_fixup",
       "online_pages() does not add the isolated pageblocks to nr_isolate_pageblock"},
      {M::OfflineKeepsNMemory, "offline_keeps_n_memory",
       "offline_pages() never clears N_MEMORY / N_NORMAL_MEMORY"},
      {M::TryOfflineNodeIgnoresBlocks, "try_offline_node_ignores_blocks",
       "try_offline_node() offlines a node that memory blocks still link to (B1d)"},
      {M::VmemmapFreedToBuddy, "vmemmap_freed_to_buddy",
       "mhp_init_memmap_on_memory() hands the self-hosted vmemmap to the buddy allocator"},
      {M::VmemmapPageblockMovable, "vmemmap_pageblock_movable",
       "mhp_init_memmap_on_memory() initialises the vmemmap pageblocks MIGRATE_MOVABLE"},
      {M::BlockRecordsHalfVmemmap, "block_records_half_vmemmap",
       "the memory block records half of altmap.alloc as nr_vmemmap_pages"},
      {M::AltmapAllocNotRecorded, "altmap_alloc_not_recorded",
       "add_memory_resource() passes 0 vmemmap pages to create_memory_block_devices()"},
      {M::VmemmapFreeLeaksPages, "vmemmap_free_leaks_pages",
       "vmemmap_free() unmaps the memmap but does not free its pages"},
      {M::RemoveKeepsBlockDevices, "remove_keeps_block_devices",
       "try_remove_memory() does not remove the memory block devices"},
      {M::RemoveIgnoresOnlineBlocks, "remove_ignores_online_blocks",
       "try_remove_memory() removes memory whose blocks are online"},
      {M::FailedOfflineStaysGoingOffline, "failed_offline_stays_going_offline",
       "memory_block_change_state() leaves a block going-offline when offlining fails"},
      {M::OfflineKeepsBlockZone, "offline_keeps_block_zone",
       "memory_block_offline() does not reset mem->zone"},
      {M::OfflineSkipsPoison, "offline_skips_poison",
       "remove_pfn_range_from_zone() does not poison the struct pages"},
      {M::GroupPresentNotAdjusted, "group_present_not_adjusted",
       "adjust_present_page_count() does not update the memory group"},
      {M::DimmAddLeaksGroup, "dimm_add_leaks_group",
       "acpi_memory_device_add() keeps the memory group when adding the memory failed"},
      {M::RemoveKeepsResource, "remove_keeps_resource",
       "try_remove_memory() does not release the System RAM resource"},
      {M::IsolationIgnoresUnmovable, "isolation_ignores_unmovable",
       "has_unmovable_pages() and test_pages_isolated() both miss unmovable pages"},
      {M::OnlineFailureSkipsDeinit, "online_failure_skips_deinit",
       "memory_block_online() does not undo mhp_init_memmap_on_memory() when onlining fails"},
      {M::OfflineDropsMovablePages, "offline_drops_movable_pages",
       "offline_pages() frees movable pages instead of migrating them"},
      {M::FailedOnlineKeepsType, "failed_online_keeps_type",
       "memory_subsys_online() does not reset mem->online_type when onlining fails"},
      {M::AddFailureKeepsResource, "add_failure_keeps_resource",
       "__add_memory() does not release the System RAM resource when adding fails"},
      {M::EjectRollbackSkipsOnline, "eject_rollback_skips_online",
       "acpi_scan_try_to_offline() leaves offline the blocks it offlined when the eject fails"},
      {M::MemremapFailureKeepsRanges, "memremap_failure_keeps_ranges",
       "memremap_pages() does not unmap the ranges it mapped before the one that failed"},
      {M::PartialDeactivateClearsMemMap, "partial_deactivate_clears_mem_map",
       "section_deactivate() clears SECTION_HAS_MEM_MAP although subsections remain"},
      {M::DepopulateFreesWholeSection, "depopulate_frees_whole_section",
       "removing one subsection frees the whole section's memmap (B11)"},
      {M::NoVmemmapDedup, "no_vmemmap_dedup",
       "__populate_section_memmap() never takes the compound-page path: full vmemmap"},
      {M::NoZoneDeviceTaint, "no_zone_device_taint",
       "move_pfn_range_to_zone() does not taint a section ZONE_DEVICE shares (B8)"},
      {M::DeviceShrinksZone, "device_shrinks_zone",
       "remove_pfn_range_from_zone() shrinks ZONE_DEVICE spans (B1a)"},
      {M::UnmapWithoutAltmap, "unmap_without_altmap",
       "pageunmap_range() passes no altmap to arch_remove_memory()"},
      {M::MemremapSkipsRamCheck, "memremap_skips_ram_check",
       "the pgmap owner claims no iomem region and pagemap_range() skips region_intersects(): no "
       "guard against System RAM"},
      {M::ZoneDeviceInitSkipped, "zone_device_init_skipped",
       "memremap_pages() never calls memmap_init_zone_device()"},
      {M::DefaultZoneIgnoresMovableNode, "default_zone_ignores_movable_node",
       "default_zone_for_pfn() ignores movable_node: a block in no zone (or in both) goes to the "
       "kernel zone"},
      {M::ValidZonesKernelFirst, "valid_zones_kernel_first",
       "valid_zones_show() always lists the kernel zone first, also when the default zone is Movable"},
      {M::AutoMovableRatioExclusive, "auto_movable_ratio_exclusive",
       "auto_movable_can_online_movable() allows MOVABLE only below the ratio, not at it (off by one)"},
      {M::EarlyZoneIgnoresSpans, "early_zone_ignores_spans",
       "early_node_zone_for_memory_block() counts every populated zone of the node, not the ones whose "
       "span meets the block: a boot block on a node with two zones gets mem->zone NULL (valid_zones "
       "\"none\")"},
      {M::HotplugRangeIgnoresStart, "hotplug_range_ignores_start",
       "check_hotplug_memory_range() does not check that the start is block-aligned (a survivor of "
       "the mutation campaign)"},
      {M::RemoveBlocksPastRange, "remove_blocks_past_range",
       "remove_memory_block_devices() walks one block past the range and WARNs when that block is "
       "absent (a survivor of the mutation campaign)"},
      {M::AltmapRefusesExactFit, "altmap_refuses_exact_fit",
       "a section's vmemmap is refused (-ENOMEM) when it would fill the altmap to its last page "
       "(altmap_alloc_block_buf() off by one; a survivor of the mutation campaign)"},
      {M::StaticGroupPageMore, "static_group_page_more",
       "acpi_memory_enable_device() registers the DIMM's static memory group one page larger than "
       "the device (a survivor of the mutation campaign)"},
      {M::RemovePagesStopsAtInvalid, "remove_pages_stops_at_invalid",
       "__remove_pages() stops at the first run of sections without a memmap instead of skipping it "
       "(a survivor of the mutation campaign)"},
      {M::TaintAlignedBoundary, "taint_aligned_boundary",
       "move_pfn_range_to_zone() taints the sections of a ZONE_DEVICE range's start and end also when "
       "they are section-aligned (a survivor of the mutation campaign)"},
      {M::OnlinePageIgnoresDeviceTaint, "online_page_ignores_device_taint",
       "pfn_to_online_page() returns the page whenever the section is online and the subsection "
       "valid, without the pgmap lookup a ZONE_DEVICE-tainted section needs (the bug 1f90a3477df3 "
       "fixed in 5.12)"},
      {M::RemoveKeepsZoneContiguous, "remove_keeps_zone_contiguous",
       "remove_pfn_range_from_zone() neither clears nor rechecks zone->contiguous, so a zone that "
       "was contiguous keeps the flag over the hole an offline leaves, and compaction's scanners "
       "take pfn_to_page() there without a check"},
      {M::PageblockIgnoresZone, "pageblock_ignores_zone",
       "__pageblock_pfn_to_page() does not check that the pageblock's first page is in the zone: "
       "compaction of one zone scans a block of another zone inside its span"},
  };
  return all;
}

std::optional<Mutant> mutant_from_name(std::string_view name) {
  for (const MutantInfo& m : mutant_registry())
    if (m.name == name) return m.id;
  return std::nullopt;
}

std::string_view mutant_name(Mutant m) {
  for (const MutantInfo& info : mutant_registry())
    if (info.id == m) return info.name;
  return "?";
}

}  // namespace memhp
