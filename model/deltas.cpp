// The delta registry: every upstream change between the kernels the profiles
// follow that the model mirrors, with where it came from. The model reads
// these through Profile::has(); `memhp deltas` and NOTES print this table.
#include "memhp/deltas.h"

#include <array>

namespace memhp {

namespace {

constexpr std::array<std::pair<KernelVersion, std::string_view>, 3> kVersionNames = {{
    {KernelVersion::V6_1, "v6.1"},
    {KernelVersion::V6_12, "v6.12"},
    {KernelVersion::V6_19, "v6.19"},
}};

}  // namespace

std::string_view version_name(KernelVersion v) {
  for (auto& [k, n] : kVersionNames)
    if (k == v) return n;
  return "?";
}

std::optional<KernelVersion> version_from_name(std::string_view name) {
  for (auto& [k, n] : kVersionNames)
    if (n == name) return k;
  return std::nullopt;
}

Release release_of(KernelVersion v) {
  switch (v) {
    case KernelVersion::V6_1: return {6, 1};
    case KernelVersion::V6_12: return {6, 12};
    case KernelVersion::V6_19: return {6, 19};
  }
  return {};
}

const std::vector<DeltaInfo>& delta_registry() {
  using D = Delta;
  using V = Visibility;
  static const std::vector<DeltaInfo> all = {
      {D::MomFallback, "mom_fallback", {6, 6},
       "85a2b4b08f20 mm/memory_hotplug: allow memmap on memory hotplug request to fallback",
       "an unsupported memmap_on_memory request adds the memory with a page-allocator memmap "
       "instead of failing with -EINVAL",
       V::Sequential, false, "source"},
      {D::MomForceMode, "mom_force_mode", {6, 6},
       "2d1f649c7c08 mm/memory_hotplug: support memmap_on_memory when memmap is not aligned to "
       "pageblocks",
       "memory_hotplug.memmap_on_memory takes force, which pads the vmemmap to whole pageblocks",
       V::Sequential, false, "source"},
      {D::MomPageAlignedCheck, "mom_page_aligned_check", {6, 6},
       "e3c2bfdd33a3 mm/memory_hotplug: allow architecture to override memmap on memory support "
       "check",
       "mhp_supports_memmap_on_memory() asks for a page-aligned vmemmap of whole pageblocks and "
       "leaves the PMD rule to arch_supports_memmap_on_memory()",
       V::Sequential, false, "source"},
      {D::AltmapInBlock, "altmap_in_block", {6, 6},
       "1a8c64e11043 mm/memory_hotplug: embed vmem_altmap details in memory block",
       "struct memory_block keeps the altmap; try_remove_memory() takes it from the blocks",
       V::Sequential, false, "source"},
      {D::MomPerBlock, "mom_per_block", {6, 8},
       "6b8f0798b85a mm/memory_hotplug: split memmap_on_memory requests across memblocks",
       "a multi-block add with memmap_on_memory gives every block its own altmap and "
       "self-hosted vmemmap",
       V::Sequential, false, "source"},
      {D::AcpiAlwaysAsksMom, "acpi_always_asks_mom", {6, 8},
       "6b8f0798b85a mm/memory_hotplug: split memmap_on_memory requests across memblocks",
       "acpi_memory_enable_device() passes MHP_MEMMAP_ON_MEMORY whatever the DIMM's size",
       V::Sequential, false, "source"},
      {D::AddErrorPathAltmap, "add_error_path_altmap", {6, 7},
       "f42ce5f087eb mm/memory_hotplug: fix error handling in add_memory_resource()",
       "a failed create_memory_block_devices() removes the sections with the altmap they were "
       "added with",
       V::ErrorPath, false, "source"},
      {D::HotplugLockVmemmap, "hotplug_lock_vmemmap", {6, 7},
       "001002e73712 mm/memory_hotplug: add missing mem_hotplug_lock",
       "memory_block_online()/offline() take mem_hotplug_lock around the vmemmap init and deinit",
       V::Concurrent, true, "source"},
      {D::UsageFreedAfterRcu, "usage_freed_after_rcu", {6, 8},
       "5ec8e8ea8b77 mm/sparsemem: fix race in accessing memory_section->usage",
       "section_deactivate() clears SECTION_HAS_MEM_MAP first and frees the usage after an RCU "
       "grace period",
       V::Concurrent, true, "source"},
      {D::MemmapAccounting, "memmap_accounting", {6, 11},
       "15995a352474 mm: report per-page metadata information",
       "vmstat counts the pages holding struct pages: nr_memmap_pages and nr_memmap_boot_pages",
       V::Sequential, false, "source"},
      {D::HotaddPageOffline, "hotadd_page_offline", {6, 11},
       "unverified mm/memory_hotplug: skip adjust_managed_page_count() for PageOffline() pages "
       "when offlining",
       "move_pfn_range_to_zone() leaves hot-added pages PageOffline, not PageReserved, until "
       "they are freed",
       V::Sequential, false, "source"},
      {D::ManagedAwareOffline, "managed_aware_offline", {6, 11},
       "unverified mm/memory_hotplug: skip adjust_managed_page_count() for PageOffline() pages "
       "when offlining",
       "offline_pages() subtracts the managed pages __offline_isolated_pages() took back, not "
       "nr_pages",
       V::Sequential, false, "source"},
      {D::NodeRegisteredFirst, "node_registered_first", {6, 19},
       "unverified mm/memory_hotplug: register the node before adding memory",
       "__try_online_node() registers a new node before the memory is added, and undoes it "
       "when the add fails",
       V::ErrorPath, false, "source"},
  };
  return all;
}

const DeltaInfo& delta_info(Delta d) {
  for (const DeltaInfo& i : delta_registry())
    if (i.delta == d) return i;
  return delta_registry().front();  // unreachable: tests/test_versions checks every delta is listed
}

std::optional<Delta> delta_from_name(std::string_view name) {
  for (const DeltaInfo& i : delta_registry())
    if (i.name == name) return i.delta;
  return std::nullopt;
}

DeltaSet deltas_of(KernelVersion v) {
  DeltaSet out;
  const Release r = release_of(v);
  for (const DeltaInfo& i : delta_registry()) {
    const bool released = i.release.major != 0 && i.release <= r;
    if (released || (v == KernelVersion::V6_1 && i.in_debian_6_1))
      out.set(static_cast<std::size_t>(i.delta));
  }
  return out;
}

}  // namespace memhp
