// The delta registry: every upstream change between the kernels the profiles
// follow that the model mirrors, with where it came from. The model reads
// these through Profile::has(); `memhp deltas` and NOTES print this table.
#include "memhp/deltas.h"

#include <algorithm>
#include <array>
#include <string>

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

std::string_view visibility_name(Visibility v) {
  switch (v) {
    case Visibility::Sequential: return "sequential";
    case Visibility::ErrorPath: return "error-path";
    case Visibility::Concurrent: return "concurrent";
    case Visibility::Unmodelled: return "unmodelled";
  }
  return "?";
}

std::string release_name(Release r) {
  if (r.major == 0) return "after 6.19";
  return std::to_string(r.major) + "." + std::to_string(r.minor);
}

// Read from the three trees (NOTES.md "Kernel versions" has the file:line of
// each); commit ids confirmed against a published Fixes: tag or shortlog,
// "unverified" otherwise.
const std::vector<DeltaInfo>& delta_registry() {
  using D = Delta;
  using V = Visibility;
  constexpr std::uint8_t k612 = kIn612 | kIn619, kAll = kIn61 | kIn612 | kIn619;
  static const std::vector<DeltaInfo> all = {
      {D::MomFallback, "mom_fallback", {6, 6},
       "e3c2bfdd33a3 mm/memory_hotplug: allow memmap on memory hotplug request to fallback",
       "an unsupported memmap_on_memory request adds the memory with a page-allocator memmap "
       "instead of failing with -EINVAL",
       V::Sequential, k612, "add_memory_resource()"},
      {D::MomForceMode, "mom_force_mode", {6, 6},
       "2d1f649c7c08 mm/memory_hotplug: support memmap_on_memory when memmap is not aligned to "
       "pageblocks",
       "memory_hotplug.memmap_on_memory also takes force, which pads each block's vmemmap to "
       "whole pageblocks",
       V::Sequential, k612, "set_memmap_mode(), memory_block_memmap_on_memory_pages()"},
      {D::MomArchCheck, "mom_arch_check", {6, 6},
       "85a2b4b08f20 mm/memory_hotplug: allow architecture to override memmap on memory support "
       "check",
       "mhp_supports_memmap_on_memory() wants a page-aligned vmemmap of whole pageblocks, smaller "
       "than the block, and asks arch_supports_memmap_on_memory() for the PMD rule",
       V::Sequential, k612, "mhp_supports_memmap_on_memory()"},
      {D::AltmapInBlock, "altmap_in_block", {6, 6},
       "1a8c64e11043 mm/memory_hotplug: embed vmem_altmap details in memory block",
       "struct memory_block keeps its altmap; online and offline take altmap->free pages, not "
       "the altmap's alloc count",
       V::Sequential, k612, "add_memory_block(), memory_block_online()"},
      {D::MomPerBlock, "mom_per_block", {6, 8},
       "6b8f0798b85a mm/memory_hotplug: split memmap_on_memory requests across memblocks",
       "a memmap_on_memory add of several blocks gives each its own altmap and self-hosted "
       "vmemmap, and is removed block by block",
       V::Sequential, k612,
       "create_altmaps_and_memory_blocks(), remove_memory_blocks_and_altmaps()"},
      {D::AcpiAlwaysAsksMom, "acpi_always_asks_mom", {6, 8},
       "unverified (same series as 6b8f0798b85a) drivers/acpi: always request memmap_on_memory",
       "acpi_memory_enable_device() passes MHP_MEMMAP_ON_MEMORY whatever the DIMM's size",
       V::Sequential, k612, "acpi_memory_enable_device()"},
      {D::DefaultOnlineKconfig, "default_online_kconfig", {6, 14},
       "unverified mm/memory_hotplug: add MHP_DEFAULT_ONLINE_TYPE Kconfig",
       "the auto-online default is a Kconfig choice; Debian's 6.12 picks online "
       "(CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO), mainline's default is offline",
       V::Sequential, k612, "mhp_get_default_online_type()"},
      {D::MemmapAccounting, "memmap_accounting", {6, 11},
       "15995a352474 mm: report per-page metadata information",
       "/proc/vmstat counts the pages holding struct pages: nr_memmap_pages for hot-added "
       "sections (self-hosted or not), nr_memmap_boot_pages for boot ones",
       V::Sequential, k612, "section_activate(), section_deactivate()"},
      {D::MemmapExactAccounting, "memmap_exact_accounting", {0, 0},
       "unverified mm/sparse-vmemmap: fix vmemmap accounting (fixes 15995a352474; Debian "
       "6.12.118 has it, v6.19 not)",
       "nr_memmap_pages counts a range by section_nr_vmemmap_pages() (2 pages per deduplicated "
       "compound page), adds it before populate can fail, and an empty boot section gives back "
       "its whole memmap; v6.19 counts every range undeduplicated, adds only on success and "
       "subtracts in section_deactivate() even after a failed populate",
       V::Sequential, kIn612, "populate_section_memmap(), depopulate_section_memmap()"},
      {D::HotaddPageOffline, "hotadd_page_offline", {6, 11},
       "503b158fc30f (probable) mm/memory_hotplug: initialize memmap of !ZONE_DEVICE with "
       "PageOffline() instead of PageReserved()",
       "hot-added struct pages are PageOffline, not PageReserved, until they are freed; the "
       "self-hosted vmemmap pages are no longer PageReserved (the model names page states, not "
       "flag bits, so /proc/kpageflags' KPF_RESERVED on those pages is not modelled)",
       V::Unmodelled, k612, "memmap_init_range(), mhp_init_memmap_on_memory()"},
      {D::ManagedAwareOffline, "managed_aware_offline", {6, 11},
       "50625744220c (probable) mm/memory_hotplug: skip adjust_managed_page_count() for "
       "PageOffline() pages when offlining",
       "offline_pages() subtracts the managed pages __offline_isolated_pages() took back, not "
       "nr_pages; differs only for pages a driver kept PageOffline (virtio-mem, balloons)",
       V::Unmodelled, k612, "offline_pages(), __offline_isolated_pages()"},
      {D::NodeNotifier, "node_notifier", {6, 17},
       "unverified mm,memory_hotplug: implement numa node notifier",
       "hotplug no longer sets or clears N_NORMAL_MEMORY; onlining sets and offlining clears "
       "N_MEMORY only",
       V::Sequential, kIn619, "online_pages(), offline_pages()"},
      {D::NodeRegisteredFirst, "node_registered_first", {6, 19},
       "unverified mm/memory_hotplug: register the node before adding memory",
       "a new node is set online and registered before the memory is added, and undone if the "
       "add fails; the final state of a successful add is the same",
       V::ErrorPath, kIn619, "add_memory_resource()"},
      {D::AddErrorPathAltmap, "add_error_path_altmap", {6, 7},
       "f42ce5f087eb mm/memory_hotplug: fix error handling in add_memory_resource()",
       "a failed create_memory_block_devices() removes the sections with the altmap they were "
       "added with (Debian 6.1.192 has the backport)",
       V::ErrorPath, kAll, "add_memory_resource()"},
      {D::PerBlockErrorAltmap, "per_block_error_altmap", {0, 0},
       "unverified mm/memory_hotplug: fix incorrect altmap passing in error path (fixes "
       "6b8f0798b85a)",
       "create_altmaps_and_memory_blocks()'s error path passes the block's altmap, not NULL; "
       "in Debian 6.12.118 as a stable backport, not in v6.19",
       V::ErrorPath, kIn612, "create_altmaps_and_memory_blocks()"},
      {D::HotplugLockVmemmap, "hotplug_lock_vmemmap", {6, 7},
       "001002e73712 mm/memory_hotplug: add missing mem_hotplug_lock",
       "memory_block_online()/offline() hold mem_hotplug_lock around the vmemmap init and "
       "deinit (Debian 6.1.192 has the backport)",
       V::Concurrent, kAll, "memory_block_online(), memory_block_offline()"},
      {D::UsageFreedAfterRcu, "usage_freed_after_rcu", {6, 8},
       "5ec8e8ea8b77 mm/sparsemem: fix race in accessing memory_section->usage",
       "section_deactivate() clears SECTION_HAS_MEM_MAP before it frees the usage after an RCU "
       "grace period (Debian 6.1.192 has the backport)",
       V::Concurrent, kAll, "section_deactivate(), pfn_valid()"},
      {D::OnlineHwpoison, "online_hwpoison", {6, 2},
       "5033091de814 (unverified) mm/hwpoison: introduce per-memory_block hwpoison counter",
       "memory_block_online() fails with -EHWPOISON if the block has poisoned pages",
       V::Unmodelled, k612, "memory_block_online()"},
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
  const std::uint8_t bit = v == KernelVersion::V6_1 ? kIn61 : v == KernelVersion::V6_12 ? kIn612 : kIn619;
  DeltaSet out;
  for (const DeltaInfo& i : delta_registry())
    if (i.in & bit) out.set(static_cast<std::size_t>(i.delta));
  return out;
}

namespace {

std::optional<DeltaSet> delta_list(std::string_view list) {
  DeltaSet out;
  while (true) {
    const auto comma = list.find(',');
    const auto d = delta_from_name(list.substr(0, comma));
    if (!d) return std::nullopt;
    out.set(static_cast<std::size_t>(*d));
    if (comma == std::string_view::npos) return out;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

std::string version_names() {
  std::string out;
  for (KernelVersion v : kAllVersions) out += (out.empty() ? "" : ", ") + std::string(version_name(v));
  return out;
}

std::string delta_names(const DeltaSet& set) {
  std::string out;
  for (const DeltaInfo& i : delta_registry())
    if (set.test(static_cast<std::size_t>(i.delta))) out += (out.empty() ? "" : ",") + std::string(i.name);
  return out;
}

std::string print_kernel_spec(const KernelSpec& k) {
  std::string out(version_name(k.version));
  if (k.with.any()) out += " with=" + delta_names(k.with);
  if (k.without.any()) out += " without=" + delta_names(k.without);
  return out;
}

std::string parse_kernel_spec(std::string_view text, KernelSpec& out) {
  std::vector<std::string_view> words;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find(' ', at), text.size());
    if (end > at) words.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  if (words.empty() || !version_from_name(words[0])) return "want a version (" + version_names() + ") first";
  KernelSpec s(*version_from_name(words[0]));
  for (std::size_t i = 1; i < words.size(); ++i) {
    const bool with = words[i].rfind("with=", 0) == 0, without = words[i].rfind("without=", 0) == 0;
    const auto list = delta_list(words[i].substr(words[i].find('=') + 1));
    if ((!with && !without) || !list)
      return "'" + std::string(words[i]) + "': want with=DELTA,... or without=DELTA,... (memhp invariants --deltas)";
    (with ? s.with : s.without) |= *list;
  }
  if ((s.with & s.without).any()) return "a delta is both in 'with' and in 'without'";
  out = s;
  return {};
}

}  // namespace memhp
