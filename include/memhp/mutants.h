// Mutants: named, runtime-switchable defects in the model.
//
// A mutant makes one model function behave as a broken kernel would. The
// checkers must catch every mutant; an invariant that no mutant breaks is a
// defect of the catalogue, not a proof of the model. Names and descriptions
// are in the registry below (model/mutants.cpp): a mutant is part of the
// System, and its name is part of the trace language (`mutant NAME`). The
// invariant each mutant is aimed at names it in its `killed_by`
// (props/inv_*.cpp, `memhp invariants`). Each mutant is tested where it is
// used in model/ with `s.mutants.has(Mutant::...)`.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace memhp {

enum class Mutant : std::uint8_t {
  // mm/sparse.c
  DeactivateKeepsMemMap,      // frees usage, leaves SECTION_HAS_MEM_MAP (B4)
  SubsectionMaskFirstOnly,    // subsection_mask_set() sets one bit
  MemmapInitSkipsTailHole,    // boot memmap of the last section's tail left garbage (B2)
  ReaddBootSectionEarly,      // a re-added boot section is marked EARLY again
  DeactivateFreesBootUsage,   // kfree() of a boot-allocated usage (B5)
  OfflineKeepsSectionsOnline, // __offline_isolated_pages() skips offline_mem_sections()
  // zones and nodes
  ShrinkKeepsStart,           // an emptied zone keeps its zone_start_pfn
  OfflineSkipsPresent,        // offline_pages() forgets adjust_present_page_count()
  VmemmapNotPresent,          // memory_block_online() forgets the vmemmap pages
  OfflineKeepsManaged,        // offline_pages() forgets adjust_managed_page_count()
  PresentEarlyForAll,         // present_early_pages grows for hot-added memory too
  NodePresentNotAdjusted,     // node_present_pages not adjusted
  ResizeZoneKeepsEnd,         // resize_zone_range() never moves the zone end
  ShrinkZoneSpanSkipped,      // remove_pfn_range_from_zone() never shrinks
  PgdatSpanNotUpdated,        // update_pgdat_span() not called
  OnlineSkipsIsolateFixup,    // online_pages() skips nr_isolate_pageblock += n
  OfflineKeepsNMemory,        // N_MEMORY not cleared when a node empties
  TryOfflineNodeIgnoresBlocks,// try_offline_node() ignores blocks on the node
  // memmap_on_memory
  VmemmapFreedToBuddy,        // mhp_init_memmap_on_memory() frees the vmemmap pages
  VmemmapPageblockMovable,    // vmemmap pageblocks initialised MIGRATE_MOVABLE
  BlockRecordsHalfVmemmap,    // the block stores half of altmap.alloc
  AltmapAllocNotRecorded,     // create_memory_block_devices() gets 0 vmemmap pages
  VmemmapFreeLeaksPages,      // vmemmap_free() forgets to free buddy pages
  // memory blocks and devices
  RemoveKeepsBlockDevices,    // try_remove_memory() skips remove_memory_block_devices()
  RemoveIgnoresOnlineBlocks,  // try_remove_memory() skips the offline check
  FailedOfflineStaysGoingOffline,  // memory_block_change_state() keeps GOING_OFFLINE
  OfflineKeepsBlockZone,      // memory_block_offline() keeps mem->zone
  OfflineSkipsPoison,         // remove_pfn_range_from_zone() skips page_init_poison()
  GroupPresentNotAdjusted,    // adjust_present_page_count() skips the group
  DimmAddLeaksGroup,          // a failed dimm_add keeps its memory group
  RemoveKeepsResource,        // try_remove_memory() skips release_mem_region_adjustable()
  // error paths and migration
  IsolationIgnoresUnmovable,  // has_unmovable_pages() finds nothing
  OnlineFailureSkipsDeinit,   // memory_block_online() error path skips the vmemmap deinit
  OfflineDropsMovablePages,   // migration frees the pages instead of moving them
  // non-atomic error paths (props/residue.cpp): a residue of the wrong shape
  FailedOnlineKeepsType,      // memory_subsys_online() keeps mem->online_type after a failure
  AddFailureKeepsResource,    // __add_memory() keeps the System RAM resource on an error
  EjectRollbackSkipsOnline,   // acpi_scan_try_to_offline() does not online the blocks again
  MemremapFailureKeepsRanges, // memremap_pages() error path does not unmap the ranges it mapped
  // ZONE_DEVICE and subsections
  PartialDeactivateClearsMemMap,  // section_deactivate() clears HAS_MEM_MAP on a partial removal
  DepopulateFreesWholeSection,    // removing a subsection frees the section's whole memmap (B11)
  NoVmemmapDedup,                 // compound devmaps get a full memmap
  NoZoneDeviceTaint,              // move_pfn_range_to_zone() never taints a mixed section (B8)
  DeviceShrinksZone,              // remove_pfn_range_from_zone() shrinks ZONE_DEVICE (B1a)
  UnmapWithoutAltmap,             // pageunmap_range() passes no altmap to arch_remove_memory()
  MemremapSkipsRamCheck,          // no region claim, no region_intersects(System RAM)
  ZoneDeviceInitSkipped,          // memmap_init_zone_device() is not called
  // zone choice
  DefaultZoneIgnoresMovableNode,  // default_zone_for_pfn() never reads movable_node
  ValidZonesKernelFirst,          // valid_zones_show() lists the kernel zone first
  AutoMovableRatioExclusive,      // auto_movable_can_online_movable() wants movable < limit
  EarlyZoneIgnoresSpans,          // early_node_zone_for_memory_block() counts every populated zone
  HotplugRangeIgnoresStart,       // check_hotplug_memory_range() checks the size's alignment only
  RemoveBlocksPastRange,          // remove_memory_block_devices() also looks at the block after the range
  AltmapRefusesExactFit,          // the vmemmap allocation refuses the request that fills the altmap exactly
  StaticGroupPageMore,            // acpi_memory_enable_device() registers a static group one page larger
  RemovePagesStopsAtInvalid,      // __remove_pages() stops at the first run of sections without a memmap
  TaintAlignedBoundary,           // move_pfn_range_to_zone() taints a device range's boundary sections when aligned too
  // pfn walkers
  OnlinePageIgnoresDeviceTaint,   // pfn_to_online_page() skips the pgmap lookup (before 1f90a3477df3)
  RemoveKeepsZoneContiguous,      // remove_pfn_range_from_zone() neither clears nor rechecks zone->contiguous
  PageblockIgnoresZone,           // __pageblock_pfn_to_page() skips the page_zone() check
  kCount
};

struct MutantSet {
  std::uint64_t bits = 0;
  bool has(Mutant m) const { return bits >> static_cast<unsigned>(m) & 1; }
  void set(Mutant m) { bits |= std::uint64_t{1} << static_cast<unsigned>(m); }
  bool any() const { return bits != 0; }
  friend bool operator==(MutantSet, MutantSet) = default;
};

static_assert(static_cast<unsigned>(Mutant::kCount) <= 64);

// The registry: every mutant, named as `--mutant NAME` and `mutant NAME`
// take it.
struct MutantInfo {
  Mutant id;
  std::string_view name;         // --mutant NAME
  std::string_view description;  // the defect, in kernel terms
};
const std::vector<MutantInfo>& mutant_registry();
std::optional<Mutant> mutant_from_name(std::string_view name);
std::string_view mutant_name(Mutant m);

}  // namespace memhp
