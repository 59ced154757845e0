// Invariants of SPARSEMEM sections and subsections (docs/kernel-reference.md
// INV-1, INV-3, INV-5a, INV-5b, INV-6, INV-34).
#include "inv_util.h"
#include "invariant_lists.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;



bool any_section(const System& s, bool (*pred)(const SectionState&)) {
  bool any = false;
  s.sections.for_each(0, RunMap<SectionState>::kEnd,
                      [&](u64, u64, const SectionState& ms) { any = any || pred(ms); });
  return any;
}

bool hot_added_valid(const SectionState& ms) { return ms.has_mem_map && !ms.early; }

// ---------------------------------------------------------------- INV-1 --
Msg valid_section_has_usage(const StateView& v) {
  return first_section(v.after, [](u64 a, u64, const SectionState& ms) -> Msg {
    if (ms.has_mem_map && ms.usage == UsageOrigin::None)
      return sec(a) + " has SECTION_HAS_MEM_MAP but no mem_section_usage";
    return std::nullopt;
  });
}
bool witness_hot_added_section(const StepView& v) { return any_section(v.after, hot_added_valid); }

// ---------------------------------------------------------------- INV-3 --
// The pfns of a non-early section have struct pages exactly where its
// subsection_map has bits.
Msg check_subsections(const System& s, u64 nr, const SectionState& ms) {
  const Geometry& g = s.geo;
  const u64 sub = g.pages_per_subsection();
  const Pfn start = g.section_start(nr);
  for (u64 i = 0; i < g.subsections_per_section(); ++i) {
    const u64 lo = start.v + i * sub, hi = lo + sub;
    const bool bit = ms.usage != UsageOrigin::None && ms.subsection_map.test(i);
    const bool ok = s.pages.all_of(lo, hi, [&](const PageState& p) {
      return bit ? p.kind != PageKind::Absent : p.kind == PageKind::Absent;
    });
    if (!ok)
      return sec(nr) + " subsection " + std::to_string(i) + ": bit " + (bit ? "set" : "clear") +
             " but " + pfn_range(lo, hi) + " is " + pages_desc(s, lo, hi);
  }
  return std::nullopt;
}

Msg subsection_map_matches_memmap(const StateView& v) {
  const System& s = v.after;
  const Geometry& g = s.geo;
  return first_section(s, [&](u64 a, u64 b, const SectionState& ms) -> Msg {
    // The map lives in ms->usage: a section without one has no bits, and a
    // usage section_activate() allocates starts empty (kzalloc).
    if (ms.usage == UsageOrigin::None && ms.subsection_map.any())
      return sec(a) + " has no usage but its subsection_map has " + std::to_string(ms.subsection_map.count()) +
             " bits (the map lives in ms->usage)";
    if (ms.early) return std::nullopt;
    const bool none = ms.usage == UsageOrigin::None || ms.subsection_map.none();
    const bool all = ms.usage != UsageOrigin::None &&
                     ms.subsection_map.count() == g.subsections_per_section();
    const u64 lo = g.section_start(a).v, hi = g.section_start(b).v;
    // Uniform runs are checked in one sweep, however many sections they hold.
    if (none || all) {
      const bool ok = s.pages.all_of(lo, hi, [&](const PageState& p) {
        return all ? p.kind != PageKind::Absent : p.kind == PageKind::Absent;
      });
      if (ok) return std::nullopt;
    }
    for (u64 nr = a; nr < b; ++nr)
      if (Msg m = check_subsections(s, nr, ms)) return m;
    return std::nullopt;
  });
}

// --------------------------------------------------------------- INV-5a --
Msg early_section_memmap_complete(const StateView& v) {
  const System& s = v.after;
  return first_section(s, [&](u64 a, u64 b, const SectionState& ms) -> Msg {
    if (!ms.early) return std::nullopt;
    if (!ms.has_mem_map || ms.usage != UsageOrigin::Boot)
      return sec(a) + " is early but not valid with its boot usage";
    const u64 lo = s.geo.section_start(a).v, hi = s.geo.section_start(b).v;
    if (!s.pages.all_of(lo, hi, [](const PageState& p) { return p.kind != PageKind::Absent; }))
      return "early " + pfn_range(lo, hi) + " has pfns without an initialised memmap (" +
             pages_desc(s, lo, hi) + ")";
    return std::nullopt;
  });
}
bool witness_boot_hole(const StepView& v) {
  return v.after.pages.count_if(0, RunMap<PageState>::kEnd,
                                [](const PageState& p) { return p.kind == PageKind::Hole; }) > 0;
}

// ---------------------------------------------------------------- INV-6 --
Msg early_section_has_boot_memmap(const StateView& v) {
  return first_section(v.after, [](u64 a, u64, const SectionState& ms) -> Msg {
    if (ms.early && (ms.memmap_buddy_pages || ms.memmap_altmap_pages))
      return sec(a) + " is EARLY but its memmap was populated by hotplug (" +
             std::to_string(ms.memmap_buddy_pages + ms.memmap_altmap_pages) + " pages)";
    return std::nullopt;
  });
}
bool witness_readded_boot_section(const StepView& v) {
  return any_section(v.after, [](const SectionState& ms) {
    return ms.usage == UsageOrigin::Boot && !ms.early && ms.has_mem_map;
  });
}

// ------------------------------------------------------ INV-5b (step) --
Msg boot_usage_never_freed(const StepView& v) {
  Msg out;
  v.before.sections.for_each(0, RunMap<SectionState>::kEnd,
                             [&](u64 a, u64 b, const SectionState& ms) {
                               if (out || ms.usage != UsageOrigin::Boot) return;
                               v.after.sections.for_each(a, b, [&](u64 x, u64, const SectionState& n) {
                                 if (!out && n.usage != UsageOrigin::Boot)
                                   out = sec(x) + ": its boot-allocated usage was freed";
                               });
                             });
  return out;
}
bool witness_boot_section_removed(const StepView& v) {
  return any_section(v.after, [](const SectionState& ms) {
    return ms.usage == UsageOrigin::Boot && !ms.present;
  });
}

// --------------------------------------------------------------- INV-34 --
// SECTION_IS_ONLINE is set by memory_present() at boot and by
// online_pages_range() / mhp_init_memmap_on_memory() for the pfns a block
// onlines, and cleared by __offline_isolated_pages() / the vmemmap deinit.
// memremap_pages() sets it nowhere: sparse_add_section() keeps the flag bits
// it finds (sparse_init_one_section()) and move_pfn_range_to_zone() for
// ZONE_DEVICE does not call online_mem_sections(). A section holding only
// device memory is therefore never online, even inside an online boot block
// (an fsdax namespace in a 2 GiB block whose boot RAM ends below it); such a
// block has a hole and can never be offlined again (offline_pages() refuses
// memory holes), so the section stays as memremap_pages() left it.
Msg section_online_iff_block_online(const StateView& v) {
  const System& s = v.after;
  const u64 spb = s.geo.sections_per_block();
  return first_section(s, [&](u64 a, u64 b, const SectionState& ms) -> Msg {
    if (!ms.present) return std::nullopt;
    Msg out;
    s.blocks.for_each(a / spb, (b - 1) / spb + 1, [&](u64 id, u64, const MemoryBlock& m) {
      const bool block_online = m.present && m.state == BlockState::Online;
      const u64 lo = std::max(a, id * spb), hi = std::min(b, (id + 1) * spb);
      // Without any pgmap pfn in the run, no section of it is device-only.
      const bool maybe_device =
          !ms.early && !s.pgmap_array.all_of(s.geo.section_start(lo).v, s.geo.section_start(hi).v,
                                             [](int pgmap) { return pgmap == 0; });
      for (u64 nr = lo; !out && nr < hi; ++nr) {
        const bool device = maybe_device && device_only_section(s, nr);
        if (device ? !ms.online : ms.online == block_online) {
          if (!maybe_device) break;  // the same verdict for the whole run
          continue;
        }
        out = sec(nr) + " is " + (ms.online ? "online" : "offline") + " but " +
              (device ? std::string("holds only ZONE_DEVICE memory")
                      : "memory block " + std::to_string(id) + " is " +
                            (m.present ? std::string(block_state_name(m.state)) : "absent"));
      }
    });
    return out;
  });
}

}  // namespace

std::vector<Invariant> section_invariants() {
  return {
      {"valid_section_has_usage", "INV-1",
       "A section with SECTION_HAS_MEM_MAP has a mem_section_usage.",
       "pfn_valid() / pfn_section_valid() dereference ms->usage", valid_section_has_usage,
       witness_hot_added_section},
      {"subsection_map_matches_memmap", "INV-3",
       "In a hot-added section, struct pages exist exactly for the subsections whose "
       "subsection_map bit is set; a section without a usage has no bits (the map lives in it).",
       "fill_subsection_map() / clear_subsection_map(); pfn_valid()", subsection_map_matches_memmap,
       witness_hot_added_section},
      {"early_section_memmap_complete", "INV-5a",
       "An early section is valid, keeps its boot usage, and has an initialised memmap for "
       "every pfn, holes included.",
       "pfn_valid() treats early sections as valid over their whole span",
       early_section_memmap_complete, witness_boot_hole},
      {"early_section_has_boot_memmap", "INV-6",
       "Hot-added sections, re-added boot sections included, are never EARLY.",
       "sparse_add_section() passes no flags; section_deactivate() frees no early memmap",
       early_section_has_boot_memmap, witness_readded_boot_section},
      {"boot_usage_never_freed", "INV-5b",
       "A boot-allocated mem_section_usage is kept when its section is removed.",
       "section_deactivate(): PageReserved(virt_to_page(ms->usage)) (bug B5)",
       boot_usage_never_freed, witness_boot_section_removed},
      {"section_online_iff_block_online", "INV-34",
       "A present section holding System RAM is online exactly when the memory block holding it is "
       "online; a section holding only ZONE_DEVICE memory is never online.",
       "online_mem_sections() / offline_mem_sections(); memremap_pages() never onlines a section",
       section_online_iff_block_online, witness_hot_added_online},
  };
}

}  // namespace memhp::inv
