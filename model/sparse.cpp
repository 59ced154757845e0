// mm/sparse.c: SPARSEMEM sections, subsections and their memmaps.
//
// Design. A mem_section is a small record (flags, nid, usage and its
// subsection_map); the model keeps them in a RunMap keyed by section number
// so that a thousand identical hot-added sections are one run. The memmap
// itself is not stored: which pfns have struct pages, and what those struct
// pages say, is the page map (System::pages). This file keeps the two in
// step exactly where the kernel does: sparse_add_section() poisons the new
// struct pages, section_deactivate() frees them.
//
// Early (boot) sections are special in three ways that bugs B2, B5 and B7
// taught the kernel (docs/kernel-reference.md section 7): their memmap always
// covers the whole section, a partial hot-add reuses it, and their usage is
// a boot allocation that is never freed, even when the section is removed
// and later re-added (it is then no longer early). All three are mirrored.
#include <algorithm>

#include "thread_steps.h"
#include "memhp/subsection.h"

namespace memhp::k {

namespace {

using Bits = SubsectionMap;

// subsection_mask_set() with the System's geometry and mutants.
Bits subsection_mask(const System& s, Pfn pfn, u64 nr_pages) {
  // The defect is a parameter of the text the Z3 encoding shares.
  const bool first_only = injected(s, "subsection_mask_first_only");
  return subsection_mask_set(s.geo, pfn, nr_pages, first_only);
}

// Apply f to the section containing pfn.
template <class F>
void update_section(System& s, Pfn pfn, F&& f) {
  const u64 nr = s.geo.section_nr(pfn);
  s.sections.update(nr, nr + 1, std::forward<F>(f));
}

// Sections visited by a `for (pfn = start; pfn < end; pfn += PAGES_PER_SECTION)`
// loop, as a half-open range of section numbers.
std::pair<u64, u64> sections_stepped(const Geometry& g, Pfn start, Pfn end) {
  if (end <= start) return {0, 0};
  const u64 steps = (end - start - 1) / g.pages_per_section();
  const u64 first = g.section_nr(start);
  return {first, g.section_nr(start + steps * g.pages_per_section()) + 1};
}

// Set or clear SECTION_IS_ONLINE on the sections a range steps over,
// WARNing once for each run of sections without a valid memmap.
void set_sections_online(System& s, Result& r, Pfn start, Pfn end, bool online,
                         const char* fn) {
  auto [lo, hi] = sections_stepped(s.geo, start, end);
  s.sections.for_each(lo, hi, [&](u64 a, u64, const SectionState& ms) {
    WARN(r, !valid_section(ms),
         std::string(fn) + ": section " + std::to_string(a) + " not valid");
  });
  s.sections.update(lo, hi, [&](SectionState& ms) {
    if (valid_section(ms)) ms.online = online;
  });
}

/* mm/sparse-vmemmap.c: section_nr_vmemmap_pages() (Debian 6.12.118); v6.19
   counts DIV_ROUND_UP(nr_pages * sizeof(struct page), PAGE_SIZE) for every
   range, deduplicated or not */
long section_nr_vmemmap_pages(const System& s, Pfn pfn, u64 nr_pages, const MhpParams& params) {
  const Geometry& g = s.geo;
  const long plain = static_cast<long>(g.memmap_pages(nr_pages));
  if (injected(s, "dax_vmemmap_accounting_ignores_dedup")) return plain;
  if (!s.prof.has(Delta::MemmapExactAccounting) || !compound_vmemmap_pages(g, pfn, nr_pages, params))
    return plain;
  constexpr long kVmemmapReserveNr = 2;  // VMEMMAP_RESERVE_NR
  const unsigned order = params.pgmap->vmemmap_shift;
  const u64 per_compound = u64{1} << order;
  if (order < g.section_size_bits - g.page_shift)
    return kVmemmapReserveNr * static_cast<long>(nr_pages / per_compound);
  return is_aligned(pfn.v, per_compound) ? kVmemmapReserveNr : 0;
}

/* mm/sparse.c: section_deactivate()'s memmap_pages_add() and
   memmap_boot_pages_add(). The hot-added memmap is given back even when
   populate failed (which only 6.12.118's early count balances); an early
   section gives its boot memmap back once it is empty: all of it in
   6.12.118 (free_map_bootmem()), the removed range's share in v6.19. */
void memmap_unaccount(System& s, Pfn pfn, u64 nr_pages, const MhpParams& params, bool early, bool empty) {
  if (injected(s, "memmap_accounting_wrong_source")) early = false;
  if (!early) {
    s.vmstat.nr_memmap_pages -= section_nr_vmemmap_pages(s, pfn, nr_pages, params);
  } else if (empty) {
    const u64 n = s.prof.has(Delta::MemmapExactAccounting) ? s.geo.pages_per_section() : nr_pages;
    s.vmstat.nr_memmap_boot_pages -= static_cast<long>(s.geo.memmap_pages(n));
  }
}

/* mm/sparse.c: section_deactivate() */
// `populated` is false only on section_activate()'s error path: the model's
// populate is all-or-nothing, so there is no partial vmemmap to free there.
void section_deactivate(System& s, Result& r, Pfn pfn, u64 nr_pages, const MhpParams& params,
                        bool populated = true) {
  const Geometry& g = s.geo;
  SectionState ms = s.section_of(pfn);
  const bool section_is_early = ms.early;
  const Bits map = subsection_mask(s, pfn, nr_pages);

  // clear_subsection_map(): every target bit must be set.
  Bits* usage_map = ms.usage == UsageOrigin::None ? nullptr : &ms.subsection_map;
  if (WARN(r, clear_subsection_map(usage_map, map) != 0,
           "section already deactivated (pfn " + std::to_string(pfn.v) + " + " +
               std::to_string(nr_pages) + ")"))
    return;
  const bool empty = ms.subsection_map.none();
  if (empty) {
    // A boot usage shares its page with other sections' and stays (B5).
    if (ms.usage != UsageOrigin::Boot) ms.usage = UsageOrigin::None;
    if (injected(s, "deactivate_frees_boot_usage")) ms.usage = UsageOrigin::None;
    if (!injected(s, "deactivate_keeps_mem_map")) ms.has_mem_map = false;
  }
  if (injected(s, "partial_deactivate_clears_mem_map") && !empty) ms.has_mem_map = false;
  update_section(s, pfn, [&](SectionState& x) { x = ms; });

  // The memmap of early sections is always fully populated: only an empty
  // early section gives its (boot) memmap back (free_map_bootmem), and a
  // partial removal never frees any of it (B7).
  if (!section_is_early && populated)
    depopulate_section_memmap(s, r, pfn, nr_pages, params);
  if (s.prof.has(Delta::MemmapAccounting)) memmap_unaccount(s, pfn, nr_pages, params, section_is_early, empty);
  if (!section_is_early || empty)
    s.pages.assign(pfn.v, pfn.v + nr_pages, PageState::absent());
  if (injected(s, "early_partial_remove_frees_memmap") && section_is_early && !empty)
    s.pages.assign(pfn.v, pfn.v + nr_pages, PageState::absent());
  if (empty && section_is_early) {
    // free_map_bootmem(): the rest of the section's boot memmap goes too.
    const Pfn sec = g.section_start(g.section_nr(pfn));
    s.pages.assign(sec.v, sec.v + g.pages_per_section(), PageState::absent());
  }

  if (empty) {
    // section_mem_map = 0: drops PRESENT, ONLINE, EARLY and the taint.
    if (!injected(s, "deactivate_keeps_mem_map"))
      update_section(s, pfn, [&](SectionState& x) {
        x.present = x.has_mem_map = x.online = x.early = x.taint_zone_device = false;
        x.nid = kNoNode;
      });
  }
}

/* mm/sparse.c: section_activate() */
int section_activate(System& s, Result& r, int nid, Pfn pfn, u64 nr_pages,
                     const MhpParams& params) {
  const Geometry& g = s.geo;
  SectionState ms = s.section_of(pfn);
  if (ms.usage == UsageOrigin::None) ms.usage = UsageOrigin::Kzalloc;

  // fill_subsection_map()
  const Bits map = subsection_mask(s, pfn, nr_pages);
  // On error the kzalloc'd usage is freed again: `ms` is simply not stored.
  if (int err = fill_subsection_map(ms.subsection_map, map)) return err;
  update_section(s, pfn, [&](SectionState& x) { x = ms; });

  // A partial add into an early section reuses the boot memmap.
  if (nr_pages < g.pages_per_section() && ms.early) return 0;

  u64 pages = 0;
  bool from_altmap = false;
  const long counted = section_nr_vmemmap_pages(s, pfn, nr_pages, params);
  // memmap_pages_add(): 6.12.118 counts before it knows whether populate
  // worked, v6.19 only once it has.
  const bool accounting = s.prof.has(Delta::MemmapAccounting);
  bool count_after = !s.prof.has(Delta::MemmapExactAccounting);
  if (injected(s, "vmemmap_accounting_underflow")) count_after = true;
  if (accounting && !count_after) s.vmstat.nr_memmap_pages += counted;
  if (int err = populate_section_memmap(s, r, pfn, nr_pages, nid, params, pages, from_altmap)) {
    section_deactivate(s, r, pfn, nr_pages, params, /*populated=*/false);
    if (injected(s, "memmap_accounted_on_failure")) s.vmstat.nr_memmap_pages += counted;
    return err;
  }
  if (accounting && count_after) s.vmstat.nr_memmap_pages += counted;
  update_section(s, pfn, [&](SectionState& x) {
    if (from_altmap)
      x.memmap_altmap_pages += static_cast<std::uint32_t>(pages);
    else
      x.memmap_buddy_pages += static_cast<std::uint32_t>(pages);
  });
  return 0;
}

}  // namespace

/* mm/sparse.c: subsection_mask_set() */
SubsectionMap subsection_mask_set(const Geometry& g, Pfn pfn, u64 nr_pages, bool first_only) {
  return proven::subsection_mask_set(proven::Concrete{}, subsection_layout(g), pfn.v, nr_pages, first_only);
}

/* mm/sparse.c: fill_subsection_map() */
int fill_subsection_map(SubsectionMap& map, const SubsectionMap& mask) {
  const auto r = proven::fill_subsection_map(proven::Concrete{}, map, mask);
  map = r.map;
  return r.err;
}

/* mm/sparse.c: clear_subsection_map() */
int clear_subsection_map(SubsectionMap* map, const SubsectionMap& mask) {
  // No usage: the kernel's clear_subsection_map() WARNs on a NULL map.
  const auto r = proven::clear_subsection_map(proven::Concrete{}, map != nullptr, map ? *map : SubsectionMap{}, mask);
  if (map) *map = r.map;
  return r.err;
}

/* mm/sparse.c: section_deactivate() and include/linux/mmzone.h: pfn_valid(), since 5ec8e8ea8b77 */
bool usage_freed_after_rcu(const System& s) {
  bool after_rcu = s.prof.has(Delta::UsageFreedAfterRcu);
  if (injected(s, "pfn_valid_usage_race")) after_rcu = false;
  return after_rcu;
}

bool pfn_section_valid(const System& s, const SectionState& ms, Pfn pfn) {
  return ms.subsection_map.test(s.geo.subsection_index(pfn));
}

/* include/linux/mmzone.h: pfn_valid() (SPARSEMEM) */
bool pfn_valid(const System& s, Pfn pfn) {
  if (pfn.v >= s.geo.max_pfn_limit()) return false;
  const SectionState& ms = s.section_of(pfn);
  // An early section's memmap is whole, whatever its subsection map says.
  return valid_section(ms) && (ms.early || pfn_section_valid(s, ms, pfn));
}

bool pfn_in_present_section(const System& s, Pfn pfn) {
  return pfn.v < s.geo.max_pfn_limit() && s.section_of(pfn).present;
}

/* mm/sparse.c: online_mem_sections() */
void online_mem_sections(System& s, Result& r, Pfn start, Pfn end) {
  set_sections_online(s, r, start, end, true, "online_mem_sections");
}

/* mm/sparse.c: offline_mem_sections() */
void offline_mem_sections(System& s, Result& r, Pfn start, Pfn end) {
  set_sections_online(s, r, start, end, false, "offline_mem_sections");
}

/* mm/sparse.c: sparse_add_section() */
int sparse_add_section(System& s, Result& r, int nid, Pfn start, u64 nr_pages,
                       const MhpParams& params) {
  // sparse_index_init() cannot fail in the model: the root arrays are free.
  const bool boot_usage = s.section_of(start).usage == UsageOrigin::Boot;
  if (int err = section_activate(s, r, nid, start, nr_pages, params)) return err;

  // page_init_poison(): the new struct pages are garbage until onlined.
  s.pages.assign(start.v, start.v + nr_pages, PageState::poisoned());

  update_section(s, start, [&](SectionState& ms) {
    // set_section_nid() is a no-op on 64-bit kernels (the node lives in
    // page->flags), so the section's node is the one that first populated
    // it: a later range of another node in the same section (a device range
    // in an early section's hole) does not rewrite it.
    if (!ms.present) ms.nid = static_cast<std::int16_t>(nid);
    ms.present = true;                        // __section_mark_present()
    ms.has_mem_map = true;                    // sparse_init_one_section(.., 0)
    if (injected(s, "readd_boot_section_early") && boot_usage) ms.early = true;
  });
  return 0;
}

/* mm/sparse.c: sparse_remove_section() */
void sparse_remove_section(System& s, Result& r, Pfn pfn, u64 nr_pages, const MhpParams& params) {
  // clear_hwpoisoned_pages(): hwpoison is not modelled.
  section_deactivate(s, r, pfn, nr_pages, params);
}

/* mm/sparse.c: sparse_init(), with memblocks_present() and subsection_map_init() */
void sparse_init(System& s, const std::vector<MemblockRange>& mem) {
  const Geometry& g = s.geo;
  const u64 pps = g.pages_per_section();
  // memory_present(): the first node to claim a section names it.
  for (const MemblockRange& m : mem) {
    const u64 lo = g.section_nr(Pfn{align_down(m.start.v, pps)});
    const u64 hi = g.section_nr(m.end - 1) + 1;
    s.sections.update(lo, hi, [&](SectionState& ms) {
      if (ms.present) return;
      ms.present = ms.online = true;
      ms.nid = static_cast<std::int16_t>(m.nid);
    });
  }
  // sparse_init_nid(): every present section gets a boot memmap and usage.
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    // memmap_boot_pages_add() (delta memmap_accounting): a whole section each.
    if (ms.present && s.prof.has(Delta::MemmapAccounting))
      s.vmstat.nr_memmap_boot_pages += static_cast<long>((b - a) * g.memmap_pages(pps));
  });
  s.sections.update(0, RunMap<SectionState>::kEnd, [&](SectionState& ms) {
    if (!ms.present) return;
    ms.has_mem_map = ms.early = true;
    ms.usage = UsageOrigin::Boot;
  });
  // subsection_map_init(): the subsections each memblock range touches.
  // The kernel goes section by section; every whole section of a range gets
  // the same mask, so the model sets them in one update over their run (a
  // 64 TiB boot is half a million sections).
  for (const MemblockRange& m : mem) {
    for (Pfn pfn = m.start; pfn < m.end;) {
      if (is_aligned(pfn.v, pps) && m.end - pfn >= pps) {
        const u64 whole = (m.end - pfn) / pps;
        const Bits map = subsection_mask(s, pfn, pps);
        const u64 nr = g.section_nr(pfn);
        s.sections.update(nr, nr + whole, [&](SectionState& ms) { ms.subsection_map |= map; });
        pfn = g.section_start(nr + whole);
        continue;
      }
      const Pfn sec_end = g.section_start(g.section_nr(pfn) + 1);
      const Pfn chunk_end = std::min(sec_end, m.end);
      const Bits map = subsection_mask(s, pfn, chunk_end - pfn);
      update_section(s, pfn, [&](SectionState& ms) { ms.subsection_map |= map; });
      pfn = chunk_end;
    }
  }
}

}  // namespace memhp::k
