// The catalogue of non-atomic kernel error paths (see residue.h).
//
// Every erase() below resets only places the path is documented to touch,
// and only to the values it can leave there; anything else a failed step
// changed stays visible to failed_op_changes_nothing.
#include "residue.h"

#include <cerrno>
#include <tuple>

#include "diff.h"
#include "inv_util.h"
#include "invariant_lists.h"

namespace memhp {

namespace {

using inv::op_as;
bool failed_with(const StepView& v, int err) { return v.result && v.result->err == err && v.result->bug.empty(); }

// after[lo, hi) := before[lo, hi).
template <class V>
void restore(RunMap<V>& after, const RunMap<V>& before, u64 lo, u64 hi) {
  before.for_each(lo, hi, [&](u64 a, u64 b, const V& x) { after.assign(a, b, x); });
}

// Pages that were free before and now are what taken() says: given back
// their state before. Collected first, because assigning splits and merges
// the runs being walked.
template <class Taken>
void restore_free(RunMap<PageState>& after, const RunMap<PageState>& before, Taken&& taken) {
  std::vector<std::tuple<u64, u64, PageState>> back;
  after.for_each(0, RunMap<PageState>::kEnd, [&](u64 a, u64 b, const PageState& p) {
    if (!taken(p)) return;
    before.for_each(a, b, [&](u64 x, u64 y, const PageState& q) {
      if (q.kind == PageKind::Free) back.emplace_back(x, y, q);
    });
  });
  for (const auto& [x, y, q] : back) after.assign(x, y, q);
}

// ------------------------------------------------------ online_type kept --
// drivers/base/memory.c: state_store() stores the requested type in
// mem->online_type before device_online(). device_online() returns at once
// for a block that is already online, so the type stays; otherwise
// memory_subsys_online() resets it to MMOP_OFFLINE whatever happened.
// A request to online a block, and the type it stores in mem->online_type:
// online_block; a sysfs_write of an online type to `state`; a sysfs_write
// of a true value (kstrtobool(): y, t, 1, on) to `online`, which stores none.
struct OnlineRequest {
  u64 block = 0;
  std::optional<OnlineType> type;
};
std::optional<OnlineRequest> online_request(const StepView& v) {
  if (const auto* o = op_as<OpOnlineBlock>(v)) return OnlineRequest{o->block, o->type};
  const auto* w = op_as<OpSysfsWrite>(v);
  if (!w || w->value.empty()) return std::nullopt;
  if (w->attr == BlockAttr::State) {
    const auto t = online_type_from_name(w->value);
    if (t && *t != OnlineType::Offline) return OnlineRequest{w->block, t};
    return std::nullopt;
  }
  const std::string_view x = w->value;
  const bool yes = std::string_view("yYtT1").find(x[0]) != std::string_view::npos ||
                   ((x[0] == 'o' || x[0] == 'O') && x.size() > 1 && (x[1] == 'n' || x[1] == 'N'));
  if (yes) return OnlineRequest{w->block, std::nullopt};
  return std::nullopt;
}

bool online_type_applies(const StepView& v) { return online_request(v) && v.result && !v.result->ok(); }
void online_type_erase(const StepView& v, System& before, System& after) {
  const OnlineRequest op = *online_request(v);
  const MemoryBlock& was = before.blocks.at(op.block);
  MemoryBlock now = after.blocks.at(op.block);
  if (!was.present || !now.present) return;
  const OnlineType left = was.state == BlockState::Online && op.type ? *op.type : OnlineType::Offline;
  if (now.online_type != left) return;
  now.online_type = was.online_type;
  after.blocks.assign(op.block, op.block + 1, now);
}

// ------------------------------------------------------- __add_pages leak --
// mm/memory_hotplug.c: __add_pages() stops at the first section whose memmap
// cannot be allocated (-ENOMEM) and does not remove the sections it added
// before it. What remains: those sections' mem_section state, their struct
// pages inside the range, and the vmemmap pages they took from the buddy
// allocator (free pages that now hold their memmap).
std::vector<std::pair<u64, u64>> added_ranges(const StepView& v) {
  if (const auto* a = op_as<OpAddMemory>(v)) return {{a->start, a->size}};
  if (const auto* d = op_as<OpDimmAdd>(v)) return {{d->start, d->size}};
  if (const auto* m = op_as<OpMemremap>(v)) return m->req.ranges;
  return {};
}
// The same leak on -EEXIST: add_memory() over a range where an earlier
// failed hot-add left sections behind gets past register_memory_resource()
// (that failure released its resource) and stops in fill_subsection_map()
// at the first leftover section, keeping the sections it added before it.
// Told from a resource conflict, which changes nothing, by the state before:
// no resource overlaps the range, and a section of it was already present.
bool add_hits_leftover(const StepView& v) {
  const auto* a = op_as<OpAddMemory>(v);
  if (!a || !failed_with(v, -EEXIST) || !a->size || a->start + a->size < a->start) return false;
  for (const auto& [key, r] : v.before.iomem)
    if (r.start < a->start + a->size && a->start < r.end) return false;
  const Geometry& g = v.before.geo;
  const u64 lo = g.section_nr(g.pfn_of(a->start)), hi = g.section_nr(g.pfn_of(a->start + a->size - 1)) + 1;
  return !v.before.sections.all_of(lo, hi, [](const SectionState& ms) { return !ms.present; });
}
// acpi_memory_enable_device() turns any __add_memory() error into -EINVAL.
bool add_pages_applies(const StepView& v) {
  return (failed_with(v, -ENOMEM) || (op_as<OpDimmAdd>(v) && failed_with(v, -EINVAL)) || add_hits_leftover(v)) &&
         !added_ranges(v).empty();
}
void add_pages_erase(const StepView& v, System& before, System& after) {
  const Geometry& g = v.before.geo;
  for (const auto& [start, size] : added_ranges(v)) {
    if (!size || start + size < start) continue;
    const u64 lo = g.pfn_of(start).v, hi = g.pfn_of(start + size - 1).v + 1;
    const u64 sec_lo = g.section_nr(Pfn{lo}), sec_hi = g.section_nr(Pfn{hi - 1}) + 1;
    restore(after.sections, before.sections, sec_lo, sec_hi);
    restore(after.pages, before.pages, lo, hi);
    // Vmemmap the added sections took from free pages elsewhere.
    restore_free(after.pages, before.pages, [&](const PageState& p) {
      return p.kind == PageKind::Memmap && p.owner != 0 && p.owner - 1 >= sec_lo && p.owner - 1 < sec_hi;
    });
  }
  // From 6.11 nr_memmap_pages counts the kept sections' memmap.
  after.vmstat.nr_memmap_pages = before.vmstat.nr_memmap_pages;
}

// ---------------------------------------------------- ACPI eject rollback --
// drivers/acpi/scan.c: acpi_scan_try_to_offline() offlines every block of
// the device, and when one cannot be offlined it onlines again the ones it
// did offline, through device_online() with no online_type: the default
// policy's zone, not necessarily the one they had. What remains: the
// device's online blocks may sit in another zone, so their pages, the
// node's zone and node spans and counters, and the memory group's counts may
// differ; movable pages they held were migrated to free pages elsewhere.
// Every block keeps its state (the refused eject leaves online what was),
// unless the memory notifier refuses MEM_GOING_ONLINE: then the blocks it
// offlined may stay offline.
const AcpiMemoryDevice* ejected_dimm(const StepView& v) {
  const auto* op = op_as<OpDimmRemove>(v);
  if (!op || !failed_with(v, -EBUSY)) return nullptr;
  const auto it = v.before.dimms.find(op->start);
  return it == v.before.dimms.end() ? nullptr : &it->second;
}
bool eject_applies(const StepView& v) { return ejected_dimm(v) != nullptr; }
void eject_erase(const StepView& v, System& before, System& after) {
  const AcpiMemoryDevice& d = *ejected_dimm(v);
  const Geometry& g = v.before.geo;
  const u64 lo = g.pfn_of(d.start).v, hi = g.pfn_of(d.start + d.size).v;
  // A MEM_GOING_ONLINE notifier that refuses makes the re-online fail too;
  // device_online()'s error is ignored and the block stays offline.
  const bool reonline_refused = before.notifier.going_online_errno != 0;
  std::vector<std::pair<u64, u64>> stayed_offline;
  before.blocks.for_each(g.block_id(Pfn{lo}), g.block_id(Pfn{hi - 1}) + 1,
                         [&](u64 a, u64 b, const MemoryBlock& was) {
                           if (was.state != BlockState::Online) return;
                           after.blocks.for_each(a, b, [&](u64 x, u64 y, const MemoryBlock& now) {
                             if (now.state == BlockState::Online || reonline_refused) stayed_offline.emplace_back(x, y);
                           });
                         });
  for (const auto& [x, y] : stayed_offline) {
    const MemoryBlock was = before.blocks.at(x);
    if (after.blocks.at(x).state != BlockState::Online)  // refused: its sections went offline too
      restore(after.sections, before.sections, x * g.sections_per_block(), y * g.sections_per_block());
    after.blocks.update(x, y, [&](MemoryBlock& now) {
      now.state = was.state;
      now.zone = was.zone;
      now.online_type = was.online_type;
    });
  }
  restore(after.pages, before.pages, lo, hi);
  // Migration targets: free pages that now hold the moved movable pages.
  restore_free(after.pages, before.pages, [](const PageState& p) { return p.kind == PageKind::Movable; });
  if (before.node_possible(d.nid)) {
    const NodeState& was = before.node(d.nid);
    NodeState& now = after.node(d.nid);
    now.zones = was.zones;
    now.node_start_pfn = was.node_start_pfn;
    now.node_spanned_pages = was.node_spanned_pages;
    now.node_present_pages = was.node_present_pages;
    now.has_normal_memory = was.has_normal_memory;
  }
  const auto g_was = before.groups.find(d.mgid);
  const auto g_now = after.groups.find(d.mgid);
  if (g_was != before.groups.end() && g_now != after.groups.end()) {
    g_now->second.present_kernel_pages = g_was->second.present_kernel_pages;
    g_now->second.present_movable_pages = g_was->second.present_movable_pages;
  }
}

// ------------------------------------------------- pagemap_range() unwind --
// mm/memremap.c: memremap_pages() on error calls pageunmap_range() for the
// ranges mapped so far, which gives back neither the ZONE_DEVICE zone and
// node span, nor the sections' zone-device taint, nor the boot memmap of an
// early section's hole that it poisoned; and the vmemmap it freed may come
// back on other pfns (diff.h, without_device_residue()).
bool pagemap_applies(const StepView& v) { return op_as<OpMemremap>(v) && v.result && !v.result->ok(); }
void pagemap_erase(const StepView& v, System& before, System& after) {
  before = without_device_residue(before, v.before);
  after = without_device_residue(after, v.before);
}

// ------------------------------------------- zone->contiguous rechecked --
// mm/memory_hotplug.c: a failed online undoes move_pfn_range_to_zone() with
// remove_pfn_range_from_zone() (online_pages()'s failed_addition; the eject
// rollback and an auto-online inside a hot-add go the same way), and that
// calls set_zone_contiguous() on the zone's span as it is again. It may find
// contiguous a zone the state before had flagged not contiguous (a flag
// 6.1's onlines leave clear); a set flag it cannot clear.
bool contiguous_applies(const StepView& v) {
  return v.result && !v.result->ok() &&
         (online_request(v) || op_as<OpDimmAdd>(v) || op_as<OpAddMemory>(v) || op_as<OpDimmRemove>(v));
}
void contiguous_erase(const StepView& v, System&, System& after) {
  after = without_contiguous_recheck(after, v.before);
}

}  // namespace

const std::vector<ResiduePath>& residue_catalogue() {
  static const std::vector<ResiduePath> paths = {
      {"state_store_keeps_online_type", "drivers/base/memory.c: state_store(), memory_subsys_online()",
       "mem->online_type of the block: the requested type if the block was already online, "
       "MMOP_OFFLINE otherwise",
       online_type_applies, online_type_erase},
      {"add_pages_keeps_added_sections", "mm/memory_hotplug.c: __add_pages()",
       "on -ENOMEM (-EINVAL from dimm_add), or on -EEXIST from add_memory over sections an earlier failure left, "
       "the sections of the range added before the failing one: their mem_section "
       "state, their struct pages, the free pages that took their vmemmap, and (6.11 on) the "
       "nr_memmap_pages that count it",
       add_pages_applies, add_pages_erase},
      {"acpi_eject_rollback_reonlines", "drivers/acpi/scan.c: acpi_scan_try_to_offline()",
       "on -EBUSY, the device's online blocks onlined again with the default policy: their zone, "
       "the pages of the device, the migration targets of its movable pages, the node's zone and "
       "node counters and spans, and the memory group's present counts; no block changes state "
       "unless the memory notifier refuses going online, when offlined blocks may stay offline",
       eject_applies, eject_erase},
      {"pagemap_range_unwind_keeps_span", "mm/memremap.c: memremap_pages(), pageunmap_range()",
       "the ZONE_DEVICE zone and node span, the sections' zone-device taint, the poison on an "
       "early section's hole, and which free pages hold vmemmap",
       pagemap_applies, pagemap_erase},
      {"failed_online_rechecks_contiguous", "mm/memory_hotplug.c: remove_pfn_range_from_zone(), set_zone_contiguous()",
       "zone->contiguous set on a zone that was flagged not contiguous, where a failed online's "
       "undo looked at the zone again; never a flag cleared",
       contiguous_applies, contiguous_erase},
  };
  return paths;
}

std::vector<std::string_view> residue_paths_for(const StepView& v) {
  std::vector<std::string_view> out;
  for (const ResiduePath& p : residue_catalogue())
    if (p.applies(v)) out.push_back(p.name);
  return out;
}

std::pair<System, System> without_known_residue(const StepView& v) {
  System before = v.before, after = v.after;
  for (const ResiduePath& p : residue_catalogue())
    if (p.applies(v)) p.erase(v, before, after);
  return {std::move(before), std::move(after)};
}

// A hot-add that ran out of memory for its memmap after adding some of its
// sections: the one path of the catalogue the suites reach only by
// exhausting memory first (gen_starved_add()).
const std::vector<inv::Premise>& inv::residue_premises() {
  static const std::vector<Premise> all = {
      {"failed_op_changes_nothing", "a hot-add that ran out of memory part-way (add_pages_keeps_added_sections)",
       [](const StepView& v) { return add_pages_applies(v) && !(v.after == v.before); }},
  };
  return all;
}

}  // namespace memhp
