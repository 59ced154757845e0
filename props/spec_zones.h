// An independent specification of zone choice in Linux 6.1: which zone an
// online picks and what a memory block's valid_zones prints.
//
// The spec/implementation split of hyperkernel: model/ is the implementation
// (k::zone_for_pfn_range() and its helpers, valid_zones()); this file states
// the same kernel rules again, written from mm/memory_hotplug.c,
// include/linux/mmzone.h and drivers/base/memory.c, as pure functions of
// what can be observed of a System: each zone's span and present counts,
// which nodes are online, the memory groups' counters, the profile (the
// boot and module parameters) and the geometry. Nothing here calls the
// model; the invariant `zone_choice_matches_spec` (props/inv_zone_choice.cpp)
// compares the two after every step.
//
// The rules restated (each function names the kernel function it follows):
// zone_intersects(), default_kernel_zone_for_pfn(), default_zone_for_pfn()
// with movable_node, auto_movable_can_online_movable() and
// auto_movable_zone_for_pfn() with auto_movable_ratio and
// auto_movable_numa_aware, zone_for_pfn_range(), and valid_zones_show().
// Left out, because the model has none of it: CMA pages (counted as
// MOVABLE by the kernel) and dynamic memory groups (virtio-mem), which the
// spec refuses with an exception rather than guess.
#pragma once

#include <array>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "memhp/system.h"

namespace memhp::spec {

// What zone choice reads of one struct zone.
struct ZoneView {
  u64 start = 0, spanned = 0;  // zone_start_pfn, spanned_pages
  u64 present = 0;             // present_pages
  u64 present_early = 0;       // present_early_pages
};

// What zone choice reads of one struct memory_group.
struct GroupView {
  bool dynamic = false;
  u64 max_pages = 0;  // static groups: s.max_pages
  u64 present_kernel = 0, present_movable = 0;
};

// Everything zone choice depends on, read from a System's fields.
struct ZoneInputs {
  Profile prof;
  std::vector<bool> node_online;                     // N_ONLINE, by nid
  std::vector<std::array<ZoneView, kNrZones>> zones;  // by nid, then zone index
  std::map<int, GroupView> groups;                    // by mgid

  static ZoneInputs of(const System& s);
  const ZoneView& zone(int nid, Zone z) const { return zones.at(static_cast<std::size_t>(nid))[zone_idx(z)]; }

  // What onlining [start, start + nr) into zone z of node nid changes of the
  // inputs, so that the choices of an auto-online of several blocks can be
  // followed one block at a time: move_pfn_range_to_zone() grows the zone
  // span to cover the range (resize_zone_range()), and
  // adjust_present_page_count() adds the pages to the zone's and the
  // group's present counts (hot-added memory is never early).
  void onlined(int nid, Zone z, int group, u64 start, u64 nr);
};

// Which rule decided a zone: the spec's explanation, for messages and
// witnesses.
enum class Rule : std::uint8_t {
  Kernel,           // online_kernel: default_kernel_zone_for_pfn()
  Movable,          // online_movable
  SpanKernel,       // contig-zones: only the kernel zone spans the range
  SpanMovable,      // contig-zones: only ZONE_MOVABLE spans the range
  KernelByDefault,  // contig-zones: neither or both span it, no movable_node
  MovableNode,      // contig-zones: neither or both span it, movable_node
  RatioZero,        // auto-movable with auto_movable_ratio=0
  GroupHasKernel,   // auto-movable: the static group already has kernel pages
  RatioExceeded,    // auto-movable: the ratio would not hold (system or node)
  RatioHolds,       // auto-movable: the ratio holds, system-wide and per node
};
std::string_view rule_name(Rule r);

struct Choice {
  Zone zone;
  Rule rule;
  // Auto-movable: MOVABLE after this online would be exactly at the limit
  // the ratio sets (system-wide, or on the node): the boundary an
  // off-by-one would get wrong.
  bool at_limit = false;
};

// include/linux/mmzone.h: zone_intersects()
bool zone_intersects(const ZoneView& z, u64 start, u64 nr);

// mm/memory_hotplug.c: zone_for_pfn_range() for a block of node nid in
// memory group `group` (-1: none) covering [start, start + nr).
Choice zone_for_online(const ZoneInputs& in, OnlineType type, int nid, int group, u64 start, u64 nr);

// drivers/base/memory.c: valid_zones_show(), without the newline, for an
// offline block at [start, start + nr): the default zone first, then what
// online_kernel and online_movable would pick where they differ.
std::string valid_zones_offline(const ZoneInputs& in, const MemoryBlock& mem, u64 start, u64 nr);

// The (node, zone) pairs the initialised pages of a range are linked to
// (page_to_nid(), page_zone()), holes left out.
using PageZones = std::set<std::pair<int, Zone>>;
PageZones page_zones(const System& s, u64 lo, u64 hi);

// valid_zones_show() for an online block: mem->zone, which is the zone its
// pages are in, or "none" when they are in several (a boot block across a
// zone or node boundary, early_node_zone_for_memory_block()). Read off the
// pages, not off mem->zone: the pages are what the kernel's offline walks.
// For a boot block the kernel asks which zone *spans* of the block's node
// intersect the block; the two readings differ only for a block whose RAM
// is in one zone and whose hole lies in another zone's span, which none of
// the boot layouts the suites and explorer use has.
std::string valid_zones_online(const PageZones& zones);

// The block ids within [x, y) where the spec's answer for blocks of node
// nid in group `group` may change: zone choice looks at a block only through
// zone_intersects() of one of the node's zones with the block, or with the
// rest of its group (auto-movable's kernel-zone fallback), and each of those
// holds on one interval of block ids. Between two consecutive cuts (and x,
// y) every block gets the same answer. Sorted, without duplicates.
std::vector<u64> uniform_cuts(const ZoneInputs& in, const Geometry& g, int nid, int group, u64 x, u64 y);

}  // namespace memhp::spec
