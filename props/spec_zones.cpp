// The zone-choice specification (props/spec_zones.h): the kernel's rules in
// our own words, over the observable inputs only. See the header for what
// is covered and what is left out.
#include "spec_zones.h"

#include <algorithm>
#include <stdexcept>

namespace memhp::spec {

namespace {

bool below_normal(Zone z) { return zone_idx(z) < zone_idx(Zone::Normal); }

const GroupView* group_of(const ZoneInputs& in, int group) {
  if (group < 0) return nullptr;
  const auto it = in.groups.find(group);
  if (it == in.groups.end()) throw std::logic_error("memory group " + std::to_string(group) + " does not exist");
  if (it->second.dynamic)
    throw std::logic_error("dynamic memory groups (virtio-mem) are outside the zone-choice spec");
  return &it->second;
}

/* mm/memory_hotplug.c: default_kernel_zone_for_pfn() */
Zone kernel_zone(const ZoneInputs& in, int nid, u64 start, u64 nr) {
  // The first zone below ZONE_NORMAL whose span the range touches; if there
  // is none, ZONE_NORMAL (even when it spans nothing).
  for (Zone z : kAllZones)
    if (below_normal(z) && zone_intersects(in.zone(nid, z), start, nr)) return z;
  return Zone::Normal;
}

/* mm/memory_hotplug.c: default_zone_for_pfn(), the contig-zones policy */
Choice contig_zones(const ZoneInputs& in, int nid, u64 start, u64 nr) {
  const Zone kernel = kernel_zone(in, nid, start, nr);
  const bool touches_kernel = zone_intersects(in.zone(nid, kernel), start, nr);
  const bool touches_movable = zone_intersects(in.zone(nid, Zone::Movable), start, nr);
  // Exactly one of the two spans the range: keep the zones contiguous.
  if (touches_kernel && !touches_movable) return {kernel, Rule::SpanKernel};
  if (touches_movable && !touches_kernel) return {Zone::Movable, Rule::SpanMovable};
  // Neither, or both: a kernel zone, unless the movable_node boot option
  // asks for ZONE_MOVABLE.
  if (in.prof.movable_node) return {Zone::Movable, Rule::MovableNode};
  return {kernel, Rule::KernelByDefault};
}

/* mm/memory_hotplug.c: auto_movable_can_online_movable(), with
   auto_movable_stats_account_zone() for every populated zone of the online
   nodes (nid < 0) or of node nid. CMA pages would count as MOVABLE and be
   taken off the kernel's early pages; the model has none. Dynamic groups
   would add to the kernel pages needed (walk_dynamic_memory_groups()); the
   spec refuses them (group_of()). */
struct RatioTest {
  bool allows = false;
  bool at_limit = false;  // MOVABLE after the online would be exactly the limit
};
RatioTest ratio_allows(const ZoneInputs& in, int nid, u64 nr) {
  u64 kernel_early = 0, movable = 0;
  for (std::size_t n = 0; n < in.zones.size(); ++n) {
    if (nid < 0 ? !in.node_online[n] : static_cast<int>(n) != nid) continue;
    for (Zone z : kAllZones) {
      const ZoneView& zv = in.zones[n][zone_idx(z)];
      if (zv.present == 0) continue;  // populated_zone()
      if (z == Zone::Movable)
        movable += zv.present;
      else
        kernel_early += zv.present_early;
    }
  }
  // No early kernel memory at all (a memory-less node): never MOVABLE.
  if (kernel_early == 0) return {};
  // After onlining nr more MOVABLE pages, MOVABLE may be at most ratio
  // percent of the early kernel memory. The kernel computes
  // ratio * kernel_early in unsigned long, so it wraps modulo 2^64 too.
  const u64 limit = u64{in.prof.auto_movable_ratio} * kernel_early / 100;
  return {movable + nr <= limit, movable + nr == limit};
}

/* mm/memory_hotplug.c: auto_movable_zone_for_pfn() */
Choice auto_movable(const ZoneInputs& in, int nid, int group, u64 start, u64 nr) {
  if (in.prof.auto_movable_ratio == 0) return {kernel_zone(in, nid, start, nr), Rule::RatioZero};
  // A static group (an ACPI memory device) is judged as a whole: what is
  // not yet online of it must fit the ratio, and once any of it is in a
  // kernel zone the rest follows. Without a group, just this block.
  u64 rest = nr;
  if (const GroupView* g = group_of(in, group)) {
    if (g->present_kernel) return {kernel_zone(in, nid, start, nr), Rule::GroupHasKernel};
    rest = g->max_pages - g->present_movable;
  }
  // The kernel-zone fallback looks at the rest of the group from the
  // block's first pfn, not at the block (the kernel reuses its nr_pages).
  const RatioTest all = ratio_allows(in, -1, rest);
  const RatioTest node = all.allows && in.prof.auto_movable_numa_aware ? ratio_allows(in, nid, rest) : all;
  const bool at_limit = all.at_limit || node.at_limit;
  if (!all.allows || !node.allows) return {kernel_zone(in, nid, start, rest), Rule::RatioExceeded, at_limit};
  return {Zone::Movable, Rule::RatioHolds, at_limit};
}

}  // namespace

ZoneInputs ZoneInputs::of(const System& s) {
  ZoneInputs in;
  in.prof = s.prof;
  for (const NodeState& n : s.nodes) {
    in.node_online.push_back(n.online);
    std::array<ZoneView, kNrZones> zs{};
    for (std::size_t z = 0; z < kNrZones; ++z)
      zs[z] = ZoneView{n.zones[z].zone_start_pfn, n.zones[z].spanned_pages, n.zones[z].present_pages,
                       n.zones[z].present_early_pages};
    in.zones.push_back(zs);
  }
  for (const auto& [mgid, g] : s.groups)
    in.groups[mgid] = GroupView{g.is_dynamic, g.max_pages, g.present_kernel_pages, g.present_movable_pages};
  return in;
}

void ZoneInputs::onlined(int nid, Zone z, int group, u64 start, u64 nr) {
  ZoneView& zv = zones.at(static_cast<std::size_t>(nid))[zone_idx(z)];
  if (zv.spanned == 0) {
    zv.start = start;
    zv.spanned = nr;
  } else {  // the hull of the old span and the range
    const u64 end = std::max(zv.start + zv.spanned, start + nr);
    zv.start = std::min(zv.start, start);
    zv.spanned = end - zv.start;
  }
  zv.present += nr;
  if (group >= 0) (z == Zone::Movable ? groups.at(group).present_movable : groups.at(group).present_kernel) += nr;
}

std::string_view rule_name(Rule r) {
  switch (r) {
    case Rule::Kernel: return "online_kernel: the first kernel zone spanning it, else Normal";
    case Rule::Movable: return "online_movable";
    case Rule::SpanKernel: return "contig-zones: only the kernel zone spans it";
    case Rule::SpanMovable: return "contig-zones: only Movable spans it";
    case Rule::KernelByDefault: return "contig-zones: neither or both zones span it, movable_node=0";
    case Rule::MovableNode: return "contig-zones: neither or both zones span it, movable_node=1";
    case Rule::RatioZero: return "auto-movable: auto_movable_ratio=0";
    case Rule::GroupHasKernel: return "auto-movable: its memory group has kernel pages";
    case Rule::RatioExceeded: return "auto-movable: MOVABLE would exceed the ratio";
    case Rule::RatioHolds: return "auto-movable: the ratio holds";
  }
  return "?";
}

bool zone_intersects(const ZoneView& z, u64 start, u64 nr) {
  // An empty zone touches nothing; otherwise the two ranges overlap.
  if (z.spanned == 0) return false;
  return start < z.start + z.spanned && z.start < start + nr;
}

Choice zone_for_online(const ZoneInputs& in, OnlineType type, int nid, int group, u64 start, u64 nr) {
  switch (type) {
    case OnlineType::OnlineKernel: return {kernel_zone(in, nid, start, nr), Rule::Kernel};
    case OnlineType::OnlineMovable: return {Zone::Movable, Rule::Movable};
    case OnlineType::Online:
    case OnlineType::Offline: break;  // MMOP_ONLINE: the policy decides
  }
  if (in.prof.online_policy == OnlinePolicy::AutoMovable) return auto_movable(in, nid, group, start, nr);
  return contig_zones(in, nid, start, nr);
}

PageZones page_zones(const System& s, u64 lo, u64 hi) {
  PageZones out;
  s.pages.for_each(lo, hi, [&](u64, u64, const PageState& p) {
    // A hole's page takes the zone of the memory after it
    // (init_unavailable_range() from memmap_init()), possibly on another
    // node; the kernel never asks a hole which zone it is in.
    if (p.initialised() && p.kind != PageKind::Hole) out.insert({p.nid, p.zone});
  });
  return out;
}

std::string valid_zones_online(const PageZones& zones) {
  return zones.size() == 1 ? std::string(zone_name(zones.begin()->second)) : "none";
}

std::string valid_zones_offline(const ZoneInputs& in, const MemoryBlock& mem, u64 start, u64 nr) {
  const Zone dflt = zone_for_online(in, OnlineType::Online, mem.nid, mem.group, start, nr).zone;
  std::string out(zone_name(dflt));
  for (OnlineType t : {OnlineType::OnlineKernel, OnlineType::OnlineMovable}) {
    const Zone z = zone_for_online(in, t, mem.nid, mem.group, start, nr).zone;
    if (z != dflt) out += " " + std::string(zone_name(z));
  }
  return out;
}

std::vector<u64> uniform_cuts(const ZoneInputs& in, const Geometry& g, int nid, int group, u64 x, u64 y) {
  const u64 block = g.block_pages();
  // The lengths a block is looked at with: itself, and for auto-movable the
  // rest of its static group.
  std::vector<u64> lengths = {block};
  if (group >= 0 && in.groups.count(group)) {
    const GroupView& gv = in.groups.at(group);
    if (gv.max_pages > gv.present_movable) lengths.push_back(gv.max_pages - gv.present_movable);
  }
  std::vector<u64> cuts;
  auto cut = [&](u64 id) {
    if (x < id && id < y) cuts.push_back(id);
  };
  for (const ZoneView& z : in.zones.at(static_cast<std::size_t>(nid))) {
    if (z.spanned == 0) continue;
    const u64 end = z.start + z.spanned;
    for (u64 len : lengths) {
      // zone_intersects(z, id * block, len) holds exactly for ids in
      // [lo, hi): id * block < end and id * block + len > z.start.
      cut(z.start < len ? 0 : (z.start - len) / block + 1);
      cut(end / block + (end % block != 0));
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

}  // namespace memhp::spec
