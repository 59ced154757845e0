// System: every piece of kernel state the model tracks, as one value.
//
// Copying a System and comparing two with == are exact; the atomicity and
// round-trip properties depend on that. Per-pfn, per-section and per-block
// state is kept in RunMaps, so a 63 TiB machine costs what its number of
// distinct stretches costs, not what its number of pages would.
#pragma once

#include <array>
#include <bitset>
#include <map>
#include <string>
#include <vector>

#include "memhp/geometry.h"
#include "memhp/mutants.h"
#include "memhp/profile.h"
#include "memhp/run_map.h"
#include "memhp/types.h"

namespace memhp {

// ---------------------------------------------------------------- iomem --
// One entry of the iomem resource tree (kernel/resource.c). The model keeps
// the top level only, which is all hotplug ever requests regions in.
struct Resource {
  u64 start = 0, end = 0;  // bytes, [start, end); /proc/iomem prints end-1
  std::string name;        // "System RAM", "System RAM (kmem)", ...
  bool system_ram = false; // IORESOURCE_SYSTEM_RAM
  bool driver_managed = false;  // IORESOURCE_SYSRAM_DRIVER_MANAGED
  bool mergeable = false;       // IORESOURCE_SYSRAM_MERGEABLE (MHP_MERGE_RESOURCE)
  friend bool operator==(const Resource&, const Resource&) = default;
};

// ------------------------------------------------------------- sections --
// Where a section's mem_section_usage came from. A boot usage shares one
// memblock allocation with its neighbours and is never freed (INV-5b).
enum class UsageOrigin : std::uint8_t { None, Boot, Kzalloc };

inline constexpr unsigned kMaxSubsections = 256;  // arm64 64K: 2^(29-21)

struct SectionState {
  // section_mem_map flag bits (include/linux/mmzone.h).
  bool present = false;            // SECTION_MARKED_PRESENT
  bool has_mem_map = false;        // SECTION_HAS_MEM_MAP ("valid")
  bool online = false;             // SECTION_IS_ONLINE
  bool early = false;              // SECTION_IS_EARLY
  bool taint_zone_device = false;  // SECTION_TAINT_ZONE_DEVICE
  std::int16_t nid = kNoNode;      // set_section_nid() / early nid
  UsageOrigin usage = UsageOrigin::None;
  std::bitset<kMaxSubsections> subsection_map;  // usage->subsection_map
  // Memmap pages this (non-early) section holds, by where they came from.
  std::uint32_t memmap_buddy_pages = 0;   // vmemmap_alloc_block(): page allocator
  std::uint32_t memmap_altmap_pages = 0;  // altmap_alloc_block_buf()
  friend bool operator==(const SectionState&, const SectionState&) = default;
};

// --------------------------------------------------------------- blocks --
// struct memory_block (include/linux/memory.h, 6.1 layout).
struct MemoryBlock {
  bool present = false;  // a device is registered for this id
  BlockState state = BlockState::Offline;
  OnlineType online_type = OnlineType::Offline;
  int nid = kNoNode;
  std::optional<Zone> zone;  // mem->zone; nullopt is NULL
  // The self-hosted vmemmap: 6.1 stores the count the altmap handed out;
  // from 6.6 (delta altmap_in_block) the block keeps the altmap, whose free
  // count this is, and whose alloc count is altmap_alloc.
  u64 nr_vmemmap_pages = 0;
  u64 altmap_alloc = 0;
  int group = -1;            // mgid, -1 if none
  friend bool operator==(const MemoryBlock&, const MemoryBlock&) = default;
};

// struct memory_group (include/linux/memory.h).
struct MemoryGroup {
  int nid = kNoNode;
  bool is_dynamic = false;
  u64 max_pages = 0;   // static: s.max_pages; dynamic: d.unit_pages
  u64 present_kernel_pages = 0;
  u64 present_movable_pages = 0;
  friend bool operator==(const MemoryGroup&, const MemoryGroup&) = default;
};

// struct acpi_memory_device with its one acpi_memory_info, as a QEMU pc-dimm
// presents it (drivers/acpi/acpi_memhotplug.c).
struct AcpiMemoryDevice {
  u64 start = 0, size = 0;
  int nid = kNoNode;
  int mgid = -1;
  bool enabled = false;  // info->enabled: __add_memory returned 0 or -EEXIST
  friend bool operator==(const AcpiMemoryDevice&, const AcpiMemoryDevice&) = default;
};

// ---------------------------------------------------------------- pages --
// What a pfn's struct page says. zone and nid are meaningful only for
// initialised memmaps (Hole and everything after it).
enum class PageKind : std::uint8_t {
  Absent,     // no memmap: section or subsection not valid
  Poisoned,   // memmap present but uninitialised (page_init_poison)
  Hole,       // boot memmap of a non-RAM pfn (init_unavailable_range): Reserved
  Free,       // PageBuddy
  Movable,    // allocated, on the LRU: migratable
  Unmovable,  // allocated by the kernel
  Memmap,     // allocated by the kernel to hold a hot-added section's vmemmap
  Vmemmap,    // self-hosted vmemmap (an online block's, or a pgmap's altmap): Reserved
  Reserved,   // initialised by move_pfn_range_to_zone, not yet freed (transient)
  Device,     // ZONE_DEVICE page initialised by memmap_init_zone_device()
};
std::string_view page_kind_name(PageKind k);

// The migratetype of the pageblock a page sits in.
enum class Migratetype : std::uint8_t { Unmovable, Movable, Isolate };

struct PageState {
  PageKind kind = PageKind::Absent;
  Zone zone = Zone::DMA;
  std::int8_t nid = kNoNode;
  Migratetype mt = Migratetype::Movable;
  // For PageKind::Memmap: 1 + the number of the section whose vmemmap the
  // page holds, so that removing that section frees exactly these pages.
  std::uint32_t owner = 0;
  friend bool operator==(PageState, PageState) = default;

  bool initialised() const {
    return kind != PageKind::Absent && kind != PageKind::Poisoned;
  }
  static PageState absent() { return {}; }
  static PageState poisoned() { return {PageKind::Poisoned}; }
  static PageState in_zone(PageKind k, Zone z, int nid,
                           Migratetype mt = Migratetype::Movable) {
    return {k, z, static_cast<std::int8_t>(nid), mt, 0};
  }
};

// ---------------------------------------------------------- zones/nodes --
struct ZoneState {
  u64 zone_start_pfn = 0;
  u64 spanned_pages = 0;
  u64 present_pages = 0;
  u64 present_early_pages = 0;
  u64 managed_pages = 0;
  long nr_isolate_pageblock = 0;
  // zone->contiguous: every pageblock of the span passed
  // __pageblock_pfn_to_page() when set_zone_contiguous() last ran, so
  // compaction's scanners may take pfn_to_page() without checking.
  bool contiguous = false;
  friend bool operator==(const ZoneState&, const ZoneState&) = default;

  u64 end_pfn() const { return zone_start_pfn + spanned_pages; }  // zone_end_pfn()
  bool is_empty() const { return spanned_pages == 0; }            // zone_is_empty()
  bool populated() const { return present_pages != 0; }          // populated_zone()
  // zone_intersects()
  bool intersects(Pfn start, u64 nr) const {
    return !is_empty() && start.v < end_pfn() && start.v + nr > zone_start_pfn;
  }
};

struct NodeState {
  bool possible = false;           // node_possible_map
  bool online = false;             // N_ONLINE
  bool has_memory = false;         // N_MEMORY
  bool has_normal_memory = false;  // N_NORMAL_MEMORY
  bool has_cpu = false;            // a present CPU sits on the node
  u64 node_start_pfn = 0;
  u64 node_spanned_pages = 0;
  u64 node_present_pages = 0;
  std::array<ZoneState, kNrZones> zones{};
  friend bool operator==(const NodeState&, const NodeState&) = default;
  u64 node_end_pfn() const { return node_start_pfn + node_spanned_pages; }
};

// ---------------------------------------------------------- ZONE_DEVICE --
// enum memory_type (include/linux/memremap.h), the ones the model covers.
enum class PgmapType : std::uint8_t { Private, FsDax, Generic };
std::string_view pgmap_type_name(PgmapType t);  // "private", "fsdax", "generic"

// struct vmem_altmap of a pgmap: pfns at the start of range 0 that hold the
// range's memmap (reserve: left alone for the driver, free: for the memmap).
struct DevAltmap {
  u64 base_pfn = 0, reserve = 0, free = 0, align = 0, alloc = 0;
  friend bool operator==(const DevAltmap&, const DevAltmap&) = default;
};

// struct dev_pagemap (include/linux/memremap.h).
struct DevPagemap {
  PgmapType type = PgmapType::FsDax;
  int nid = 0;
  unsigned vmemmap_shift = 0;       // compound pages of 2^shift base pages
  std::vector<PfnRange> ranges;     // ranges[0..nr_range)
  std::optional<DevAltmap> altmap;  // PGMAP_ALTMAP_VALID
  friend bool operator==(const DevPagemap&, const DevPagemap&) = default;
  u64 vmemmap_nr() const { return u64{1} << vmemmap_shift; }  // pgmap_vmemmap_nr()
};

// A registered memory notifier that vetoes an event (drivers may do this,
// e.g. arm64 refuses to offline boot memory). 0 lets the event pass.
struct MemoryNotifier {
  int going_online_errno = 0;
  int going_offline_errno = 0;
  friend bool operator==(const MemoryNotifier&, const MemoryNotifier&) = default;
};

// --------------------------------------------------------------- system --
// The global /proc/vmstat items the model keeps: nr_memmap_pages and
// nr_memmap_boot_pages (delta memmap_accounting, 6.11; 0 before). Counters,
// updated where the kernel updates them rather than derived, so that a slip
// in the kernel's accounting (v6.19 after a failed populate) shows here.
struct Vmstat {
  long nr_memmap_pages = 0;
  long nr_memmap_boot_pages = 0;
  friend bool operator==(const Vmstat&, const Vmstat&) = default;
};

struct System {
  Geometry geo;
  Profile prof;
  MutantSet mutants;

  std::map<u64, Resource> iomem;  // keyed by start
  // keyed by section number. __highest_present_section_nr is not kept: it
  // only bounds loops, and because it never shrinks it would make a System
  // after add+remove differ from the one before for no observable reason.
  RunMap<SectionState> sections;
  RunMap<MemoryBlock> blocks;     // keyed by block id (memory_blocks xarray)
  std::map<int, MemoryGroup> groups;  // memory_groups xarray
  std::map<u64, AcpiMemoryDevice> dimms;  // keyed by start address
  std::vector<NodeState> nodes;   // indexed by nid, MAX_NUMNODES entries
  RunMap<PageState> pages;        // keyed by pfn
  MemoryNotifier notifier;
  std::map<int, DevPagemap> pgmaps;  // by the id the trace gives the device
  RunMap<int> pgmap_array;           // pfn -> 1 + pgmap id (the pgmap_array xarray), 0: none
  Vmstat vmstat;
  // mm/swap.c's lru_disable_count: lru_cache_disable() calls not yet undone
  // by lru_cache_enable(). Non-zero at rest means every LRU addition has
  // bypassed the per-cpu batches ever since (B13).
  int lru_disable_count = 0;

  // get_dev_pagemap(): the pgmap owning pfn, if any. The kernel's xarray
  // holds pointers that pageunmap_range() erases before the pgmap goes; an
  // entry naming no live pgmap can only be a model bug, which
  // pgmap_ranges_disjoint reports, so it reads as no pgmap here rather than
  // throwing out of the model.
  const DevPagemap* pgmap_of(Pfn p) const {
    const int id = pgmap_array.at(p.v) - 1;
    if (id < 0) return nullptr;
    const auto it = pgmaps.find(id);
    return it == pgmaps.end() ? nullptr : &it->second;
  }

  friend bool operator==(const System&, const System&) = default;

  NodeState& node(int nid) { return nodes.at(static_cast<std::size_t>(nid)); }
  const NodeState& node(int nid) const { return nodes.at(static_cast<std::size_t>(nid)); }
  ZoneState& zone(int nid, Zone z) { return node(nid).zones[zone_idx(z)]; }
  const ZoneState& zone(int nid, Zone z) const { return node(nid).zones[zone_idx(z)]; }
  bool node_possible(int nid) const {
    return nid >= 0 && static_cast<std::size_t>(nid) < nodes.size() &&
           nodes[static_cast<std::size_t>(nid)].possible;
  }
  const SectionState& section_of(Pfn p) const { return sections.at(geo.section_nr(p)); }
  const PageState& page(Pfn p) const { return pages.at(p.v); }
};

// MAX_NUMNODES in the model: node ids are 0..kMaxNodes-1.
inline constexpr int kMaxNodes = 8;

// Every field of System, by name, in declaration order: the one list that
// everything walking a System's fields derives from, so that a field added
// to System cannot be silently left out of any of them:
//   - diff_systems() (report/diff.cpp) and `memhp run --json`
//     (report/report.cpp): for_each_field(a, b, f), f(name, a.field, b.field);
//   - the explorer's state key (explore/explore_key.cpp): the encoder walks
//     for_each_field(s, f), f(name, s.field), and the decoder fills a System
//     with for_each_field(out, like, f), so both take the fields in one order;
//   - equality: `operator==` is defaulted, so the compiler derives it from
//     the struct itself.
// The guard below stops the build when System gains or loses a field.
namespace detail {
template <class F, class... S>  // S: one or two of System / const System
void system_fields(F&& f, S&... s) {
  f("geo", s.geo...);
  f("prof", s.prof...);
  f("mutants", s.mutants...);
  f("iomem", s.iomem...);
  f("sections", s.sections...);
  f("blocks", s.blocks...);
  f("groups", s.groups...);
  f("dimms", s.dimms...);
  f("nodes", s.nodes...);
  f("pages", s.pages...);
  f("notifier", s.notifier...);
  f("pgmaps", s.pgmaps...);
  f("pgmap_array", s.pgmap_array...);
  f("vmstat", s.vmstat...);
  f("lru_disable_count", s.lru_disable_count...);
}
}  // namespace detail

// f(name, a.field, b.field) for each field.
template <class F>
void for_each_field(const System& a, const System& b, F&& f) {
  detail::system_fields(f, a, b);
}
// f(name, out.field, like.field) for each field, with out's writable: f
// fills `out` field by field (from `like`, or from what else it reads).
template <class F>
void for_each_field(System& out, const System& like, F&& f) {
  detail::system_fields(f, out, like);
}
// f(name, s.field) for each field.
template <class F>
void for_each_field(const System& s, F&& f) {
  detail::system_fields(f, s);
}
inline constexpr std::size_t kSystemFieldCount = 15;  // the calls in detail::system_fields()

// Guard for the list above: a structured binding must name every field, so
// this stops compiling when System gains or loses one. Update
// detail::system_fields() and kSystemFieldCount together with it.
inline void system_field_count_guard(const System& s) {
  const auto& [geo, prof, mutants, iomem, sections, blocks, groups, dimms, nodes, pages, notifier,
               pgmaps, pgmap_array, vmstat, lru_disable_count] = s;
  (void)geo, (void)prof, (void)mutants, (void)iomem, (void)sections, (void)blocks, (void)groups,
      (void)dimms, (void)nodes, (void)pages, (void)notifier, (void)pgmaps, (void)pgmap_array,
      (void)vmstat, (void)lru_disable_count;
}

}  // namespace memhp
