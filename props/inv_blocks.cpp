// Invariants of memory blocks, memory groups and the iomem resources that
// back them (docs/kernel-reference.md INV-29a, INV-29b, INV-30, INV-31,
// INV-32, INV-33a, INV-35a, INV-35b).
#include <algorithm>
#include <map>
#include <tuple>

#include "inv_util.h"
#include "invariant_lists.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;

// The first block of [x, y) none of whose sections is present. Each block
// lies inside one stretch of sections that are not present or it has a
// present one, so the stretches between present runs are all there is to
// look at.
std::optional<u64> first_block_without_present_section(const System& s, u64 x, u64 y) {
  const u64 spb = s.geo.sections_per_block();
  std::optional<u64> out;
  u64 gap = x * spb;  // start of the current stretch of absent sections
  auto stretch_ends = [&](u64 end) {
    const u64 id = (gap + spb - 1) / spb;
    if ((id + 1) * spb <= end) out = id;
  };
  s.sections.for_each_while(x * spb, y * spb, [&](u64 a, u64 b, const SectionState& ms) {
    if (!ms.present) return true;
    stretch_ends(a);
    gap = b;
    return !out;
  });
  if (!out) stretch_ends(y * spb);
  return out;
}

// --------------------------------------------------------------- INV-29a --
Msg block_exists_iff_memory_added(const StateView& v) {
  const System& s = v.after;
  const u64 spb = s.geo.sections_per_block();
  if (Msg m = first_block_run(s, [&](u64 x, u64 y, const MemoryBlock&) -> Msg {
        if (auto id = first_block_without_present_section(s, x, y))
          return blk(*id) + " exists but none of its sections is present";
        return std::nullopt;
      }))
    return m;
  Msg out;
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    if (out || !ms.present || leaked_run(s, a, b)) return;
    s.blocks.for_each(a / spb, (b - 1) / spb + 1, [&](u64 x, u64 y, const MemoryBlock& m) {
      for (u64 id = x; id < y && !out && !m.present; ++id)
        for (u64 nr = std::max(a, id * spb); nr < std::min(b, (id + 1) * spb) && !out; ++nr)
          if (!device_only_section(s, nr) && !leaked_by_failed_add(s, nr))
            out = "section " + std::to_string(nr) + " is present but " + blk(id) + " does not exist";
    });
  });
  return out;
}
bool witness_hot_added_block(const StepView& v) {
  return any_block_run(v.after, [&](u64 x, u64 y, const MemoryBlock&) {
    return first_hot_added(v.after, x, y).has_value();
  });
}

// ---------------------------------------------------------------- INV-30 --
Msg only_offline_memory_removed(const StepView& v) {
  const OpRemoveMemory* op = op_as<OpRemoveMemory>(v);
  if (!op || !step_ok(v)) return std::nullopt;
  const Geometry& g = v.before.geo;
  const u64 first = g.block_id(g.pfn_of(op->start)), end = g.block_id(g.pfn_of(op->start + op->size));
  Msg out;
  v.before.blocks.for_each(first, end, [&](u64 id, u64, const MemoryBlock& m) {
    if (!out && m.present && m.state != BlockState::Offline)
      out = "remove_memory succeeded although " + blk(id) + " was " +
            std::string(block_state_name(m.state));
  });
  return out;
}
bool witness_remove_ok(const StepView& v) {
  const OpRemoveMemory* op = op_as<OpRemoveMemory>(v);
  if (!op || !step_ok(v)) return false;
  const Geometry& g = v.before.geo;
  return v.before.blocks.at(g.block_id(g.pfn_of(op->start))).present;
}

// ---------------------------------------------------------------- INV-31 --
Msg block_state_at_rest(const StateView& v) {
  return first_block_run(v.after, [](u64 x, u64, const MemoryBlock& m) -> Msg {
    if (m.state == BlockState::GoingOffline) return blk(x) + " is still going-offline";
    return std::nullopt;
  });
}
bool witness_failed_offline(const StepView& v) { return op_as<OpOfflineBlock>(v) && step_failed(v); }

// The first page run of [lo, hi) that bad(a, b, page) flags, clipped to the
// block it starts in, as (block, a, b). Walking a run of blocks this way
// finds the same block a walk block by block finds first.
template <class Bad>
std::optional<std::tuple<u64, u64, u64>> first_bad_pages(const System& s, u64 lo, u64 hi, Bad&& bad) {
  std::optional<std::tuple<u64, u64, u64>> out;
  s.pages.for_each_while(lo, hi, [&](u64 a, u64 b, const PageState& p) {
    if (!bad(a, b, p)) return true;
    const u64 id = s.geo.block_id(Pfn{a});
    out = {id, a, std::min(b, s.geo.block_start(id + 1).v)};
    return false;
  });
  return out;
}

// ---------------------------------------------------------------- INV-32 --
Msg block_zone_iff_online_single_zone(const StateView& v) {
  const System& s = v.after;
  return first_block_run(s, [&](u64 x, u64 y, const MemoryBlock& m) -> Msg {
    if (m.zone && m.state != BlockState::Online)
      return blk(x) + " is " + std::string(block_state_name(m.state)) + " but mem->zone is " +
             std::string(zone_name(*m.zone));
    if (!m.zone) {
      const auto id = m.state == BlockState::Online ? first_hot_added(s, x, y) : std::nullopt;
      if (id) return "hot-added " + blk(*id) + " is online without mem->zone";
      return std::nullopt;
    }
    // Holes keep whatever node and zone memmap_init() gave them.
    const auto bad = first_bad_pages(s, s.geo.block_start(x).v, s.geo.block_start(y).v,
                                     [&](u64, u64, const PageState& p) {
                                       return counted(p.kind) && (p.zone != *m.zone || p.nid != m.nid);
                                     });
    if (!bad) return std::nullopt;
    const auto [id, a, b] = *bad;
    const PageState& p = s.page(Pfn{a});
    return blk(id) + " has mem->zone " + zone_label(m.nid, *m.zone) + " but " + pfn_range(a, b) +
           " is in " + zone_label(p.nid, p.zone);
  });
}

// --------------------------------------------------------------- INV-33a --
// The first pfn of [lo, hi) that pfn_to_online_page() may return, if any:
// pfns outside populated subsections (an early section's hole once device
// memory left it) and those a pgmap owns (an altmap's reserve, poisoned by
// sparse_add_section()) may have a poisoned memmap inside an online block.
std::optional<u64> first_online_reachable(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  for (u64 x = lo; x < hi; x = align_down(x, g.pages_per_subsection()) + g.pages_per_subsection())
    if (s.section_of(Pfn{x}).subsection_map.test(g.subsection_index(Pfn{x})) && !s.pgmap_of(Pfn{x}))
      return x;
  return std::nullopt;
}

Msg block_memmap_matches_state(const StateView& v) {
  const System& s = v.after;
  const Geometry& g = s.geo;
  return first_block_run(s, [&](u64 x, u64 y, const MemoryBlock& m) -> Msg {
    const bool online = m.state == BlockState::Online;
    std::optional<u64> bad_pfn;
    s.pages.for_each_while(g.block_start(x).v, g.block_start(y).v, [&](u64 a, u64 b, const PageState& p) {
      if (!online)
        bad_pfn = p.kind == PageKind::Poisoned || p.kind == PageKind::Absent ? std::nullopt
                                                                              : std::optional<u64>(a);
      else if (p.kind == PageKind::Poisoned)
        bad_pfn = first_online_reachable(s, a, b);
      else
        bad_pfn = p.kind == PageKind::Reserved ? std::optional<u64>(a) : std::nullopt;
      return !bad_pfn;
    });
    if (!bad_pfn) return std::nullopt;
    const u64 id = g.block_id(Pfn{*bad_pfn});
    return blk(id) + " is " + std::string(block_state_name(m.state)) + " but its pages are " +
           pages_desc(s, g.block_start(id).v, g.block_start(id + 1).v) +
           (online ? " (want initialised pages)" : " (want poisoned struct pages)");
  });
}
bool witness_offline_block(const StepView& v) {
  return any_block_run(v.after, [](u64, u64, const MemoryBlock& m) { return m.state == BlockState::Offline; });
}

// --------------------------------------------- INV-35a, INV-35b, INV-29b --
Msg group_present_accounting(const StateView& v) {
  const System& s = v.after;
  std::map<int, std::pair<u64, u64>> sums;  // mgid -> {kernel, movable}
  for_each_block_run(s, [&](u64 x, u64 y, const MemoryBlock& m) {
    if (m.group < 0 || m.state != BlockState::Online) return;
    s.pages.for_each(s.geo.block_start(x).v, s.geo.block_start(y).v, [&](u64 a, u64 b, const PageState& p) {
      if (!counted(p.kind)) return;
      (p.zone == Zone::Movable ? sums[m.group].second : sums[m.group].first) += b - a;
    });
  });
  for (const auto& [mgid, g] : s.groups) {
    const auto want = sums[mgid];
    if (g.present_kernel_pages != want.first || g.present_movable_pages != want.second)
      return "memory group " + std::to_string(mgid) + " counts " + std::to_string(g.present_kernel_pages) +
             " kernel and " + std::to_string(g.present_movable_pages) + " movable pages; its online " +
             "blocks hold " + std::to_string(want.first) + " and " + std::to_string(want.second);
  }
  return std::nullopt;
}
bool witness_group_online(const StepView& v) {
  return any_block_run(v.after, [](u64, u64, const MemoryBlock& m) {
    return m.group >= 0 && m.state == BlockState::Online;
  });
}

Msg groups_belong_to_devices(const StateView& v) {
  const System& s = v.after;
  std::map<int, int> owners;
  for (const auto& [start, d] : s.dimms) {
    if (!s.groups.count(d.mgid)) return "the DIMM at " + std::to_string(start) + " lost its memory group";
    ++owners[d.mgid];
    // acpi_memory_enable_device(): a static group of PFN_UP(total_length)
    // pages on the device's node.
    const MemoryGroup& g = s.groups.at(d.mgid);
    const u64 pages = (d.size + s.geo.page_size() - 1) >> s.geo.page_shift;
    if (g.is_dynamic || g.max_pages != pages || g.nid != d.nid)
      return "memory group " + std::to_string(d.mgid) + " of the DIMM at " + std::to_string(start) + " is " +
             (g.is_dynamic ? "dynamic" : "static") + " with " + std::to_string(g.max_pages) +
             " pages on node " + std::to_string(g.nid) + "; the DIMM registers a static group of " +
             std::to_string(pages) + " pages on node " + std::to_string(d.nid);
  }
  for (const auto& [mgid, g] : s.groups)
    if (owners[mgid] != 1)
      return "memory group " + std::to_string(mgid) + " belongs to " + std::to_string(owners[mgid]) +
             " devices";
  return first_block_run(s, [&](u64 x, u64, const MemoryBlock& m) -> Msg {
    if (m.group >= 0 && !s.groups.count(m.group))
      return blk(x) + " is in memory group " + std::to_string(m.group) + ", which does not exist";
    return std::nullopt;
  });
}
bool witness_dimm(const StepView& v) { return !v.after.dimms.empty(); }

// ------------------------------------------------------------- iomem --
// pfn_valid() for every pfn of [lo, hi): walks section runs, so a long run
// of identical sections costs one test.
bool all_pfn_valid(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  bool ok = true;
  s.sections.for_each(g.section_nr(Pfn{lo}), g.section_nr(Pfn{hi - 1}) + 1,
                      [&](u64 a, u64 b, const SectionState& ms) {
                        if (!ok) return;
                        if (!ms.has_mem_map) ok = false;
                        if (!ok || ms.early || ms.subsection_map.count() == g.subsections_per_section())
                          return;
                        const u64 x = std::max(lo, g.section_start(a).v);
                        const u64 y = std::min(hi, g.section_start(b).v);
                        for (u64 p = align_down(x, g.pages_per_subsection()); p < y && ok;
                             p += g.pages_per_subsection())
                          ok = ms.usage != UsageOrigin::None &&
                               ms.subsection_map.test(g.subsection_index(Pfn{p}));
                      });
  return ok;
}

// [lo, hi) lies inside System RAM resources.
bool covered_by_ram(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  auto it = s.iomem.upper_bound(g.phys_of(Pfn{lo}));
  if (it == s.iomem.begin()) return false;
  --it;
  // Adjacent resources may cover one range together.
  u64 covered = lo;
  for (; it != s.iomem.end() && covered < hi; ++it) {
    const Resource& r = it->second;
    const u64 a = (r.start + g.page_size() - 1) >> g.page_shift, b = r.end >> g.page_shift;
    if (!r.system_ram || a > covered) break;
    covered = std::max(covered, b);
  }
  return covered >= hi;
}

// Whether some System RAM resource overlaps pfns [lo, hi).
bool any_ram_in(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  const u64 start = g.phys_of(Pfn{lo}), end = g.phys_of(Pfn{hi});
  auto it = s.iomem.upper_bound(start);
  if (it != s.iomem.begin()) --it;
  for (; it != s.iomem.end() && it->second.start < end; ++it)
    if (it->second.system_ram && it->second.end > start) return true;
  return false;
}

}  // namespace

// 6.1's __add_pages() stops at the first section that fails (-ENOMEM for its
// memmap) and nobody removes the sections added before it: arch_add_memory()
// returns the error (arm64 only tears down the linear map, x86 add_pages()
// WARNs), __add_memory() releases the System RAM resource, pagemap_range()
// erases its pgmap_array entries, and no memory block is created. Those
// sections stay present and populated for good, covered by nothing. A
// section in no memory block none of whose populated subsections is System
// RAM or a pgmap's is such a leftover; any other section must be accounted.
bool leaked_by_failed_add(const System& s, u64 nr) {
  const Geometry& g = s.geo;
  const SectionState& ms = s.sections.at(nr);
  if (!ms.present || ms.early || ms.usage == UsageOrigin::None) return false;
  if (s.blocks.at(nr / g.sections_per_block()).present) return false;
  const u64 sub = g.pages_per_subsection();
  for (u64 i = 0; i < g.subsections_per_section(); ++i) {
    const u64 lo = g.section_start(nr).v + i * sub;
    if (!ms.subsection_map.test(i)) continue;
    if (!s.pgmap_array.all_of(lo, lo + sub, [](int id) { return id == 0; })) return false;
    if (covered_by_ram(s, lo, lo + sub)) return false;
  }
  return true;
}

// No System RAM resource and no pgmap reaches into the run and no block
// covers it: then every populated subsection of every section is
// uncovered, which is what leaked_by_failed_add() asks section by section.
// A failed hot-add of a large range leaves thousands of such sections, and
// the checks after every later step must not walk them one by one.
bool leaked_run(const System& s, u64 a, u64 b) {
  const Geometry& g = s.geo;
  const SectionState& ms = s.sections.at(a);
  if (!ms.present || ms.early || ms.usage == UsageOrigin::None) return false;
  const u64 spb = g.sections_per_block();
  if (!s.blocks.all_of(a / spb, (b - 1) / spb + 1, [](const MemoryBlock& m) { return !m.present; }))
    return false;
  const u64 lo = g.section_start(a).v, hi = g.section_start(b).v;
  return s.pgmap_array.all_of(lo, hi, [](int id) { return id == 0; }) && !any_ram_in(s, lo, hi);
}

u64 leaked_sections(const System& s, u64 a, u64 b) {
  if (leaked_run(s, a, b)) return b - a;
  const Geometry& g = s.geo;
  const u64 spb = g.sections_per_block();
  // A leaked section has no memory block: with every block present, none is.
  if (s.blocks.all_of(a / spb, (b - 1) / spb + 1, [](const MemoryBlock& m) { return m.present; })) return 0;
  std::vector<u64> cuts = {a, b};
  auto cut = [&](u64 nr) {
    if (a < nr && nr < b) cuts.push_back(nr);
  };
  // A section only partly covered is a piece of its own.
  auto cut_pfns = [&](u64 lo, u64 hi) {
    for (u64 nr : {g.section_nr(Pfn{lo}), g.section_nr(Pfn{hi - 1})}) cut(nr), cut(nr + 1);
  };
  s.blocks.for_each(a / spb, (b - 1) / spb + 1, [&](u64 x, u64 y, const MemoryBlock&) { cut(x * spb), cut(y * spb); });
  s.pgmap_array.for_each(g.section_start(a).v, g.section_start(b).v, [&](u64 x, u64 y, int) { cut_pfns(x, y); });
  for (const auto& [key, r] : s.iomem)
    if (r.end > r.start) cut_pfns(g.pfn_of(r.start).v, g.pfn_of(r.end - 1).v + 1);
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  u64 n = 0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
    if (leaked_run(s, cuts[i], cuts[i + 1])) n += cuts[i + 1] - cuts[i];
  return n;
}

namespace {

// A device's claim (a resource that is not System RAM) is exactly one range
// of a live pgmap, and each live pgmap range is claimed: the owner requests
// the region before memremap_pages() and releases it after memunmap_pages().
Msg device_resources_match_pgmaps(const System& s) {
  const Geometry& g = s.geo;
  std::size_t ranges = 0;
  for (const auto& [id, p] : s.pgmaps)
    for (const PfnRange& r : p.ranges) {
      ++ranges;
      auto it = s.iomem.find(g.phys_of(r.start));
      if (it == s.iomem.end() || it->second.system_ram || it->second.end != g.phys_of(r.end))
        return "pgmap " + std::to_string(id) + " range " + pfn_range(r.start.v, r.end.v) +
               " is not claimed by a device resource of its own";
    }
  std::size_t claims = 0;
  for (const auto& [key, res] : s.iomem) claims += res.system_ram ? 0 : 1;
  if (claims != ranges)
    return std::to_string(claims) + " device resources for " + std::to_string(ranges) + " pgmap ranges";
  return std::nullopt;
}

Msg ram_resources_match_memory(const StateView& v) {
  const System& s = v.after;
  const Geometry& g = s.geo;
  for (const auto& [key, res] : s.iomem) {
    if (!res.system_ram) continue;
    const u64 lo = (res.start + g.page_size() - 1) >> g.page_shift, hi = res.end >> g.page_shift;
    if (lo < hi && !all_pfn_valid(s, lo, hi))
      return "System RAM " + pfn_range(lo, hi) + " (" + res.name + ") has pfns without a valid memmap";
  }
  if (Msg m = device_resources_match_pgmaps(s)) return m;
  const u64 sub = g.pages_per_subsection();
  Msg out;
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    if (out || ms.early || !ms.has_mem_map) return;
    // Uniform runs of System RAM are checked in one sweep.
    if (ms.subsection_map.count() == g.subsections_per_section() &&
        covered_by_ram(s, g.section_start(a).v, g.section_start(b).v))
      return;
    // Device memory: populated subsections a pgmap owns (and its claim
    // covers, device_resources_match_pgmaps()).
    auto device = [&](u64 lo, u64 hi) { return s.pgmap_array.all_of(lo, hi, [](int id) { return id != 0; }); };
    if (device(g.section_start(a).v, g.section_start(b).v) || leaked_run(s, a, b)) return;
    for (u64 nr = a; nr < b && !out; ++nr)
      for (u64 i = 0; i < g.subsections_per_section() && !out; ++i) {
        const u64 lo = g.section_start(nr).v + i * sub;
        if (!ms.subsection_map.test(i) || covered_by_ram(s, lo, lo + sub) || device(lo, lo + sub)) continue;
        // A leftover of a failed hot-add is accounted as a whole section.
        if (leaked_by_failed_add(s, nr)) break;
        out = "section " + std::to_string(nr) + " subsection " + std::to_string(i) +
              " is populated but no System RAM resource or pgmap covers " + pfn_range(lo, lo + sub);
      }
  });
  return out;
}

}  // namespace

std::vector<Invariant> block_invariants() {
  return {
      {"block_exists_iff_memory_added", "INV-29a",
       "A memory block device exists exactly while memory of its range is added (sections a failed "
       "hot-add leaves behind, covered by no resource, block or pgmap, aside).",
       "create_memory_block_devices() after arch_add_memory(); remove_memory_block_devices() before "
       "arch_remove_memory(); __add_pages() keeps its sections on error",
       block_exists_iff_memory_added, witness_hot_added_block},
      {"only_offline_memory_removed", "INV-30", "remove_memory() succeeds only when every block is offline.",
       "try_remove_memory(): check_memblock_offlined_cb -EBUSY", only_offline_memory_removed,
       witness_remove_ok},
      {"block_state_at_rest", "INV-31", "Between operations a block is online or offline, never going-offline.",
       "memory_block_change_state(); WARN in state_show()", block_state_at_rest, witness_failed_offline},
      {"block_zone_iff_online_single_zone", "INV-32",
       "mem->zone is set only for online blocks, always for online hot-added ones, and all the "
       "block's memory (holes aside) is in that zone.",
       "memory_block_offline() -EINVAL without mem->zone; offline_pages() zone WARN (bug B12)",
       block_zone_iff_online_single_zone, witness_hot_added_online},
      {"block_memmap_matches_state", "INV-33a",
       "An online block has initialised struct pages; an offline block's struct pages are poisoned.",
       "page_init_poison() in sparse_add_section() and remove_pfn_range_from_zone()",
       block_memmap_matches_state, witness_offline_block},
      {"group_present_accounting", "INV-35a",
       "A memory group's present kernel and movable pages are those of its online blocks.",
       "adjust_present_page_count(); auto_movable_zone_for_pfn()", group_present_accounting,
       witness_group_online},
      {"groups_belong_to_devices", "INV-35b",
       "Every memory group belongs to exactly one ACPI memory device, a static group of the device's "
       "pages (PFN_UP of its length) on its node, and blocks only name live groups.",
       "acpi_memory_enable_device() -> memory_group_register_static(); acpi_memory_device_free() -> "
       "memory_group_unregister()", groups_belong_to_devices,
       witness_dimm},
      {"ram_resources_match_memory", "INV-29b",
       "iomem resources and populated subsections describe the same memory: System RAM has valid "
       "memmaps, each device resource is one live pgmap range's claim, and each populated "
       "subsection is System RAM or a pgmap's (sections a failed hot-add leaves behind aside).",
       "register_memory_resource() / release_mem_region_adjustable(); walk_system_ram_range(); "
       "devm_request_mem_region() before memremap_pages()",
       ram_resources_match_memory, witness_hot_added_block},
  };
}

}  // namespace memhp::inv
