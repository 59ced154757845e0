// Invariants of memmap_on_memory and of where vmemmap comes from
// (docs/kernel-reference.md INV-20a, INV-20b, INV-21, INV-23b, INV-40).
#include <map>

#include "inv_util.h"
#include "invariant_lists.h"
#include "memhp/proven/domain.h"
#include "memhp/proven/geometry.h"
#include "memhp/proven/vmemmap.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;

// The vmemmap of a memmap_on_memory block is the first pages of that one
// block, so those checks go block by block, but only through runs of blocks
// that have one: each such block is a page run of its own already, and the
// cost stays with the number of runs.
template <class F>
Msg first_vmemmap_block(const System& s, F&& f) {
  return first_block_run(s, [&](u64 x, u64 y, const MemoryBlock& m) -> Msg {
    for (u64 id = x; id < y && m.nr_vmemmap_pages; ++id)
      if (Msg out = f(id, m, s.geo.block_start(id).v)) return out;
    return std::nullopt;
  });
}

// ------------------------------------------------------ INV-20a, INV-20b --
Msg vmemmap_never_in_buddy(const StateView& v) {
  const System& s = v.after;
  u64 in_ranges = 0;
  for_each_block_run(s, [&](u64 x, u64 y, const MemoryBlock& m) { in_ranges += m.nr_vmemmap_pages * (y - x); });
  Msg out = first_vmemmap_block(s, [&](u64 id, const MemoryBlock& m, u64 start) -> Msg {
    const u64 end = start + m.nr_vmemmap_pages;
    const PageKind want = m.state == BlockState::Online ? PageKind::Vmemmap : PageKind::Poisoned;
    if (!s.pages.all_of(start, end, [&](const PageState& p) { return p.kind == want; }))
      return blk(id) + " (" + std::string(block_state_name(m.state)) + ") vmemmap " +
             pfn_range(start, end) + " is " + pages_desc(s, start, end) + ", want " +
             std::string(page_kind_name(want));
    return std::nullopt;
  });
  if (out) return out;
  // A pgmap's altmap hosts ZONE_DEVICE memmap the same way; those pages are
  // never in the buddy allocator either (ZONE_DEVICE has none).
  const u64 vmemmap = s.pages.count_if(0, RunMap<PageState>::kEnd, [](const PageState& p) {
    return p.kind == PageKind::Vmemmap && p.zone != Zone::Device;
  });
  if (vmemmap > in_ranges)
    return std::to_string(vmemmap) + " pages are self-hosted vmemmap outside any block's vmemmap range";
  return std::nullopt;
}

Msg vmemmap_in_block_zone_unmovable(const StateView& v) {
  const System& s = v.after;
  return first_vmemmap_block(s, [&](u64 id, const MemoryBlock& m, u64 start) -> Msg {
    if (m.state != BlockState::Online || !m.zone) return std::nullopt;
    const u64 end = start + m.nr_vmemmap_pages;
    Msg bad;
    s.pages.for_each(start, end, [&](u64 a, u64 b, const PageState& p) {
      if (!bad && (p.zone != *m.zone || p.nid != m.nid || p.mt != Migratetype::Unmovable))
        bad = blk(id) + " vmemmap " + pfn_range(a, b) + " is in zone " + zone_label(p.nid, p.zone) +
              (p.mt == Migratetype::Unmovable ? "" : " with a movable pageblock") + ", block zone " +
              zone_label(m.nid, *m.zone);
    });
    return bad;
  });
}

// ---------------------------------------------------------------- INV-21 --
Msg vmemmap_range_is_block_memmap(const StateView& v) {
  const System& s = v.after;
  const Geometry& g = s.geo;
  return first_block_run(s, [&](u64 x, u64, const MemoryBlock& m) -> Msg {
    const u64 p = m.nr_vmemmap_pages;
    if (!p) return std::nullopt;
    const u64 want = g.memmap_pages(g.block_pages());
    if (p != want || !is_aligned(p, g.pageblock_pages()) || p >= g.block_pages())
      return blk(x) + " has " + std::to_string(p) + " vmemmap pages; a block's memmap is " +
             std::to_string(want) + " pages, pageblock-aligned and smaller than the block";
    if (!mhp_supports_memmap_on_memory(g, s.prof, g.block_bytes).supported)
      return blk(x) + " has self-hosted vmemmap, which this geometry and profile do not support";
    return std::nullopt;
  });
}
bool witness_vmemmap_block(const StepView& v) {
  return any_block_run(v.after, [](u64, u64, const MemoryBlock& m) { return m.nr_vmemmap_pages != 0; });
}

// ---------------------------------------------------------------- INV-40 --
Msg memmap_pages_accounted(const StateView& v) {
  const System& s = v.after;
  std::map<std::uint32_t, u64> held;  // PageState::owner -> memmap pages
  s.pages.for_each(0, RunMap<PageState>::kEnd, [&](u64 a, u64 b, const PageState& p) {
    if (p.kind == PageKind::Memmap) held[p.owner] += b - a;
  });
  Msg out;
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    for (u64 nr = a; nr < b && !out && (ms.memmap_buddy_pages || !held.empty()); ++nr) {
      const std::uint32_t owner = static_cast<std::uint32_t>(nr + 1);
      const u64 pages = held.count(owner) ? held[owner] : 0;
      held.erase(owner);
      if (!ms.present && (ms.memmap_buddy_pages || ms.memmap_altmap_pages || pages))
        out = "section " + std::to_string(nr) + " is not present but still holds " +
              std::to_string(ms.memmap_buddy_pages + ms.memmap_altmap_pages + pages) + " memmap pages";
      else if (pages != ms.memmap_buddy_pages)
        out = "section " + std::to_string(nr) + " accounts for " + std::to_string(ms.memmap_buddy_pages) +
              " vmemmap pages from the page allocator, but " + std::to_string(pages) +
              " pages hold its memmap";
    }
  });
  return out;
}
bool witness_buddy_memmap(const StepView& v) {
  bool any = false;
  v.after.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64, u64, const SectionState& ms) {
    any = any || ms.memmap_buddy_pages;
  });
  return any;
}

// ---------------------------------------------------------------- INV-40b --
// What /proc/vmstat's nr_memmap_pages and nr_memmap_boot_pages must read
// (delta memmap_accounting), derived from the sections and the pgmaps, not
// from the counters' own updates: the boot memmap of every early section,
// and DIV_ROUND_UP(nr_pages * sizeof(struct page), PAGE_SIZE) for the
// populated subsections of the others, except where a compound devmap's
// vmemmap is deduplicated: VMEMMAP_RESERVE_NR pages per compound page.
// Counted per subsection, which is exact where a subsection's memmap is
// whole pages (x86_64 and arm64-4k); elsewhere only whole sections can be
// judged, and a state with a partial one is not.
struct MemmapCounts {
  long hot = 0, boot = 0;
};
std::optional<MemmapCounts> expected_memmap_counts(const System& s) {
  const Geometry& g = s.geo;
  const u64 sub = g.pages_per_subsection(), pps = g.pages_per_section();
  const bool exact = g.memmap_pages(2 * sub) == 2 * g.memmap_pages(sub);
  MemmapCounts c;
  bool judged = true;
  auto hot_subsections = [&](u64 lo, u64 hi) {  // populated subsections of non-early sections in [lo, hi)
    u64 n = 0;
    s.sections.for_each(g.section_nr(Pfn{lo}), g.section_nr(Pfn{hi - 1}) + 1, [&](u64 a, u64 b, const SectionState& ms) {
      if (!ms.present || ms.early) return;
      for (u64 nr = a; nr < b; ++nr)
        for (u64 i = 0; i < g.subsections_per_section(); ++i) {
          const u64 p = g.section_start(nr).v + i * sub;
          n += p >= lo && p < hi && ms.subsection_map.test(i);
        }
    });
    return n;
  };
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    if (!ms.present) return;
    const long n = static_cast<long>(b - a);
    if (ms.early) {
      c.boot += n * static_cast<long>(g.memmap_pages(pps));
    } else if (ms.subsection_map.count() == g.subsections_per_section()) {
      c.hot += n * static_cast<long>(g.memmap_pages(pps));
    } else {
      judged = judged && exact;
      c.hot += n * static_cast<long>(ms.subsection_map.count() * g.memmap_pages(sub));
    }
  });
  const auto gw = proven::geometry_words<proven::Concrete>(g);
  for (const auto& [id, pgmap] : s.pgmaps) {
    if (!proven::compound_path(proven::Concrete{}, gw, pgmap.vmemmap_shift, pgmap.altmap.has_value())) continue;
    const u64 compound = u64{1} << pgmap.vmemmap_shift;
    for (const PfnRange& r : pgmap.ranges) {
      const u64 n = hot_subsections(r.start.v, r.end.v);
      c.hot -= static_cast<long>(n * g.memmap_pages(sub));
      // Compound pages no larger than a section: VMEMMAP_RESERVE_NR per
      // compound page of every chunk; larger ones: per head only.
      if (compound < pps)
        c.hot += static_cast<long>(proven::kDedupKeptPages * n * sub / compound);
      else
        for (u64 head = align_up(r.start.v, compound); head < r.end.v; head += compound)
          c.hot += static_cast<long>(proven::kDedupKeptPages * hot_subsections(head, head + 1));
    }
  }
  if (!judged) return std::nullopt;
  return c;
}

Msg memmap_vmstat_exact(const StateView& v) {
  const System& s = v.after;
  if (!s.prof.has(Delta::MemmapAccounting)) return std::nullopt;
  const std::optional<MemmapCounts> want = expected_memmap_counts(s);
  if (!want) return std::nullopt;
  if (s.vmstat.nr_memmap_pages != want->hot)
    return "vmstat nr_memmap_pages is " + std::to_string(s.vmstat.nr_memmap_pages) + ", but the hot-added "
           "sections' memmap is " + std::to_string(want->hot) + " pages";
  if (s.vmstat.nr_memmap_boot_pages != want->boot)
    return "vmstat nr_memmap_boot_pages is " + std::to_string(s.vmstat.nr_memmap_boot_pages) +
           ", but the early sections' boot memmap is " + std::to_string(want->boot) + " pages";
  return std::nullopt;
}
bool witness_memmap_vmstat(const StepView& v) {
  return v.after.prof.has(Delta::MemmapAccounting) && v.after.vmstat.nr_memmap_pages != 0;
}

// --------------------------------------------------------------- INV-23b --
// Vmemmap pages the sections of block id took from an altmap.
u64 block_altmap_pages(const System& s, u64 id) {
  const u64 spb = s.geo.sections_per_block();
  u64 altmap = 0;
  s.sections.for_each(id * spb, (id + 1) * spb, [&](u64 a, u64 b, const SectionState& ms) {
    altmap += ms.memmap_altmap_pages * (b - a);
  });
  return altmap;
}

Msg altmap_pages_match_block(const StateView& v) {
  const System& s = v.after;
  const u64 spb = s.geo.sections_per_block();
  u64 in_blocks = 0;
  auto mismatch = [&](u64 id, const MemoryBlock& m, u64 altmap) {
    return blk(id) + " records " + std::to_string(m.nr_vmemmap_pages) +
           " vmemmap pages but its sections took " + std::to_string(altmap) + " from the altmap";
  };
  Msg out = first_block_run(s, [&](u64 x, u64 y, const MemoryBlock& m) -> Msg {
    if (!m.nr_vmemmap_pages) {
      // Blocks without self-hosted vmemmap: their first section that took
      // altmap pages names the first block in error, if any.
      std::optional<u64> nr;
      s.sections.for_each_while(x * spb, y * spb, [&](u64 a, u64, const SectionState& ms) {
        if (ms.memmap_altmap_pages) nr = a;
        return !nr;
      });
      return nr ? Msg(mismatch(*nr / spb, m, block_altmap_pages(s, *nr / spb))) : std::nullopt;
    }
    for (u64 id = x; id < y; ++id) {
      const u64 altmap = block_altmap_pages(s, id);
      in_blocks += altmap;
      if (altmap != m.nr_vmemmap_pages) return mismatch(id, m, altmap);
    }
    return std::nullopt;
  });
  if (out) return out;
  u64 total = 0;
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    // Sections a failed __add_pages() left behind keep the vmemmap they
    // took, from an altmap too: nobody removes them (leaked_run()).
    if (ms.memmap_altmap_pages) total += ms.memmap_altmap_pages * (b - a - leaked_sections(s, a, b));
  });
  // The rest belongs to pgmap altmaps (device_altmap_balanced checks which).
  for (const auto& [id, pgmap] : s.pgmaps)
    if (pgmap.altmap) in_blocks += pgmap.altmap->alloc;
  if (total != in_blocks)
    return std::to_string(total - in_blocks) + " altmap vmemmap pages belong to no memory block or pgmap";
  return std::nullopt;
}

}  // namespace

std::vector<Invariant> memmap_invariants() {
  return {
      {"vmemmap_never_in_buddy", "INV-20a",
       "The self-hosted vmemmap pages of a block are VmemmapSelfHosted while it is online and "
       "poisoned while it is offline; they never reach the buddy allocator.",
       "mhp_init_memmap_on_memory(); online_pages() starts after the vmemmap",
       vmemmap_never_in_buddy, witness_vmemmap_online},
      {"vmemmap_in_block_zone_unmovable", "INV-20b",
       "An online block's vmemmap pages sit in the block's zone and node, in MIGRATE_UNMOVABLE "
       "pageblocks.",
       "mhp_init_memmap_on_memory(): move_pfn_range_to_zone(.., MIGRATE_UNMOVABLE)",
       vmemmap_in_block_zone_unmovable, witness_vmemmap_online},
      {"vmemmap_range_is_block_memmap", "INV-21",
       "A block's nr_vmemmap_pages is its whole memmap: pageblock-aligned, smaller than the "
       "block, and only where memmap_on_memory is supported.",
       "online_pages() / offline_pages() WARN_ON_ONCE alignment; mhp_supports_memmap_on_memory()",
       vmemmap_range_is_block_memmap, witness_vmemmap_block},
      {"memmap_pages_accounted", "INV-40",
       "Vmemmap pages from the page allocator are exactly those the present sections hold; "
       "removed sections hold none.",
       "depopulate_section_memmap() / vmemmap_free()", memmap_pages_accounted,
       witness_buddy_memmap},
      {"memmap_vmstat_exact", "INV-40b",
       "From 6.11, /proc/vmstat nr_memmap_boot_pages is the boot memmap of the early sections and "
       "nr_memmap_pages the memmap of the other present sections' populated subsections, a "
       "deduplicated compound devmap counting VMEMMAP_RESERVE_NR pages per compound page.",
       "section_activate() / section_deactivate() memmap_pages_add(), section_nr_vmemmap_pages(), "
       "memmap_boot_pages_add(); read by /proc/vmstat",
       memmap_vmstat_exact, witness_memmap_vmstat, Delta::MemmapAccounting},
      {"altmap_pages_match_block", "INV-23b",
       "The vmemmap pages a block's sections took from the altmap are the block's "
       "nr_vmemmap_pages.",
       "try_remove_memory() rebuilds the altmap from nr_vmemmap_pages; free_hugepage_table()",
       altmap_pages_match_block, witness_vmemmap_block},
  };
}

}  // namespace memhp::inv
