// Invariants of ZONE_DEVICE memory and subsection hotplug
// (docs/kernel-reference.md INV-4, INV-7, INV-10, INV-14, INV-23a, INV-23c, INV-38,
// INV-39, and INV-33b, the ZONE_DEVICE counterpart of INV-33a).
//
// Device memory is added at subsection granularity, so it is what makes
// partial sections, mixed RAM/device sections and deduplicated vmemmap
// exist at all: these invariants only have a premise in the `device` suite.
// Each recomputes its expectation from the kernel rule it states, not from
// the model function that maintains the state.
#include "inv_util.h"
#include "invariant_lists.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;



bool partial_section(const System& s, const SectionState& ms) {
  return !ms.early && ms.usage != UsageOrigin::None && ms.subsection_map.any() &&
         ms.subsection_map.count() < s.geo.subsections_per_section();
}
bool any_partial_section(const System& s) {
  return static_cast<bool>(first_section(s, [&](u64, u64, const SectionState& ms) -> Msg {
    return partial_section(s, ms) ? Msg{""} : std::nullopt;
  }));
}
bool has_pgmap(const StepView& v) { return !v.after.pgmaps.empty(); }

// ---------------------------------------------------------------- INV-4 --
Msg hotplug_section_valid_iff_subsections(const StateView& v) {
  return first_section(v.after, [](u64 a, u64, const SectionState& ms) -> Msg {
    if (ms.early) return std::nullopt;
    const bool populated = ms.usage != UsageOrigin::None && ms.subsection_map.any();
    if (ms.has_mem_map != populated)
      return sec(a) + (ms.has_mem_map ? " has SECTION_HAS_MEM_MAP but no populated subsection"
                                      : " has populated subsections but no SECTION_HAS_MEM_MAP");
    return std::nullopt;
  });
}
bool witness_partial_section(const StepView& v) { return any_partial_section(v.after); }

// ---------------------------------------------------------------- INV-7 --
// Depopulating is confined to the removed subsections: a section that loses
// k of its subsections gives back at most the memmap of k subsections.
u64 held(const SectionState& ms) { return u64{ms.memmap_buddy_pages} + ms.memmap_altmap_pages; }

template <class F>
void for_each_shrunk_section(const StepView& v, F&& f) {
  const Geometry& g = v.after.geo;
  v.after.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    if (ms.early || ms.subsection_map.none()) return;
    for (u64 nr = a; nr < b; ++nr) {
      const SectionState& old = v.before.sections.at(nr);
      if (old.early || old.subsection_map == ms.subsection_map) continue;
      if ((old.subsection_map & ms.subsection_map) != ms.subsection_map) continue;  // not a removal
      const u64 lost = old.subsection_map.count() - ms.subsection_map.count();
      f(nr, old, ms, g.memmap_pages(lost * g.pages_per_subsection()));
    }
  });
}

Msg depopulate_within_removed_subsections(const StepView& v) {
  Msg out;
  for_each_shrunk_section(v, [&](u64 nr, const SectionState& old, const SectionState& ms, u64 bound) {
    if (!out && held(old) > held(ms) + bound)
      out = sec(nr) + " lost " + std::to_string(old.subsection_map.count() - ms.subsection_map.count()) +
            " subsections but its memmap went from " + std::to_string(held(old)) + " to " +
            std::to_string(held(ms)) + " pages (at most " + std::to_string(bound) + " may go)";
  });
  return out;
}
bool witness_partial_removal(const StepView& v) {
  bool any = false;
  for_each_shrunk_section(v, [&](u64, const SectionState& old, const SectionState&, u64) {
    any = any || held(old) > 0;
  });
  return any;
}

// --------------------------------------------------------------- INV-10 --
// A section holding ZONE_DEVICE pages and pages of another zone (or no
// struct pages at all for some of its pfns: RAM may come later) must be
// tainted, and the taint stays while the section is present.
Msg zone_device_taint(const StepView& v) {
  const System& s = v.after;
  const Geometry& g = s.geo;
  // Cost follows the runs, not the sections: a 64 TiB boot is half a
  // million uniform sections, visited as one run.
  Msg out = first_section(s, [&](u64 a, u64 b, const SectionState& ms) -> Msg {
    if (!ms.present || ms.taint_zone_device) return std::nullopt;
    Msg lost;
    v.before.sections.for_each_while(a, b, [&](u64 x, u64, const SectionState& was) {
      if (was.present && was.taint_zone_device) lost = sec(x) + " lost SECTION_TAINT_ZONE_DEVICE";
      return !lost;
    });
    return lost;
  });
  if (out) return out;
  // And only such a section gets the taint: move_pfn_range_to_zone() taints
  // the section of a ZONE_DEVICE range's start and of its end when that pfn
  // is not section-aligned, nothing else. A section that gains the taint in
  // a step must hold such a boundary of a range the op asked for.
  out = first_section(s, [&](u64 a, u64 b, const SectionState& ms) -> Msg {
    if (!ms.taint_zone_device) return std::nullopt;
    Msg wrong;
    v.before.sections.for_each_while(a, b, [&](u64 x, u64, const SectionState& was) {
      if (was.taint_zone_device) return true;
      const OpMemremap* op = op_as<OpMemremap>(v);
      bool boundary = false;
      for (const auto& [start, size] : op ? op->req.ranges : std::vector<std::pair<u64, u64>>{})
        for (const u64 at : {start, start + size}) {
          const Pfn p{at >> g.page_shift};
          boundary |= !is_aligned(p.v, g.pages_per_section()) && g.section_nr(p) == x;
        }
      if (!boundary)
        wrong = sec(x) + " became tainted, but no ZONE_DEVICE range of the step starts or ends inside it";
      return !wrong;
    });
    return wrong;
  });
  if (out || s.pgmaps.empty()) return out;
  // Only a section a device run starts or ends in can hold device pfns
  // besides others: a section the run covers whole is all device.
  auto mixed = [&](u64 nr) -> Msg {
    const SectionState& ms = s.sections.at(nr);
    if (!ms.present || ms.taint_zone_device) return std::nullopt;
    const u64 lo = g.section_start(nr).v, hi = g.section_start(nr + 1).v;
    const u64 device = s.pgmap_array.count_if(lo, hi, [](int id) { return id != 0; });
    if (device > 0 && device < hi - lo)
      return sec(nr) + " holds " + std::to_string(device) +
             " ZONE_DEVICE pfns besides other memory but is not tainted";
    return std::nullopt;
  };
  s.pgmap_array.for_each_while(0, RunMap<int>::kEnd, [&](u64 x, u64 y, int id) {
    if (id == 0) return true;
    out = mixed(g.section_nr(Pfn{x}));
    if (!out) out = mixed(g.section_nr(Pfn{y - 1}));
    return !out;
  });
  return out;
}
bool witness_tainted(const StepView& v) {
  return static_cast<bool>(first_section(v.after, [](u64, u64, const SectionState& ms) -> Msg {
    return ms.taint_zone_device && ms.present ? Msg{""} : std::nullopt;
  }));
}

// --------------------------------------------------------------- INV-14 --
// The state part: ZONE_DEVICE has no present or managed pages.
Msg zone_device_unpopulated(const StateView& v) {
  for (int nid = 0; nid < static_cast<int>(v.after.nodes.size()); ++nid) {
    const ZoneState& z = v.after.zone(nid, Zone::Device);
    if (z.present_pages || z.managed_pages)
      return zone_label(nid, Zone::Device) + " has present " + std::to_string(z.present_pages) +
             ", managed " + std::to_string(z.managed_pages) + " (both must be 0)";
  }
  return std::nullopt;
}
// The step part: its span never shrinks.
Msg zone_device_span_kept(const StepView& v) {
  for (int nid = 0; nid < static_cast<int>(v.after.nodes.size()); ++nid) {
    const ZoneState& z = v.after.zone(nid, Zone::Device);
    const ZoneState& old = v.before.zone(nid, Zone::Device);
    if (!old.is_empty() && (z.zone_start_pfn > old.zone_start_pfn || z.end_pfn() < old.end_pfn()))
      return zone_label(nid, Zone::Device) + " span shrank from " + pfn_range(old.zone_start_pfn, old.end_pfn()) +
             " to " + pfn_range(z.zone_start_pfn, z.end_pfn());
  }
  return std::nullopt;
}
bool witness_device_unmapped(const StepView& v) { return op_as<OpMemunmap>(v) && step_ok(v); }

// -------------------------------------------------------------- INV-23a --
// A live pgmap's altmap: within range 0, alloc + align <= free, and alloc is
// what the sections of range 0 took from it. Tearing the pgmap down gives
// every page back (memunmap_pages() WARNs otherwise).
Msg device_altmap_balanced(const StepView& v) {
  const System& s = v.after;
  const Geometry& g = s.geo;
  for (const auto& [id, pgmap] : s.pgmaps) {
    if (!pgmap.altmap) continue;
    const DevAltmap& a = *pgmap.altmap;
    const PfnRange r0 = pgmap.ranges.at(0);
    const std::string who = "pgmap " + std::to_string(id) + " altmap";
    if (a.base_pfn != r0.start.v || a.reserve + a.free > r0.size())
      return who + " does not lie within range 0";
    if (a.alloc + a.align > a.free)
      return who + " has alloc " + std::to_string(a.alloc) + " + align " + std::to_string(a.align) +
             " beyond free " + std::to_string(a.free);
    u64 taken = 0;
    s.sections.for_each(g.section_nr(r0.start), g.section_nr(r0.end - 1) + 1,
                        [&](u64 x, u64 y, const SectionState& ms) { taken += (y - x) * ms.memmap_altmap_pages; });
    if (taken != a.alloc)
      return who + " records " + std::to_string(a.alloc) + " pages allocated, its sections hold " +
             std::to_string(taken);
  }
  if (const OpMemunmap* op = op_as<OpMemunmap>(v); op && step_ok(v)) {
    const auto it = v.before.pgmaps.find(op->id);
    if (it != v.before.pgmaps.end() && it->second.altmap)
      for (const std::string& w : v.result->warnings)
        if (w.find("failed to free all reserved pages") != std::string::npos)
          return "memunmap_pages(" + std::to_string(op->id) + ") left altmap pages allocated: " + w;
  }
  return std::nullopt;
}
bool witness_device_altmap_unmapped(const StepView& v) {
  const OpMemunmap* op = op_as<OpMemunmap>(v);
  if (!op || !step_ok(v)) return false;
  const auto it = v.before.pgmaps.find(op->id);
  return it != v.before.pgmaps.end() && it->second.altmap && it->second.altmap->alloc > 0;
}

// -------------------------------------------------------------- INV-23c --
// What an altmap must give range 0's vmemmap, by x86_64's rules: a chunk of
// a whole section is mapped with PMDs (vmemmap_populate() ->
// vmemmap_populate_hugepages(), one vmemmap_alloc_block_buf(PMD_SIZE) per
// PMD, -ENOMEM when the altmap runs out: no fallback), a smaller chunk with
// base pages from RAM (no altmap); compound pages never take the dedup path
// with an altmap (__populate_section_memmap()). Each allocation is
// altmap_alloc_block_buf(): padded to its natural alignment from
// base + reserve + alloc + align, refused past free - alloc - align.
struct AltmapNeed {
  bool fits = true;
  u64 alloc = 0, align = 0;
};
std::optional<AltmapNeed> x86_altmap_need(const Geometry& g, const MemremapRequest& q) {
  if (g.arch != Arch::X86_64 || !q.altmap || q.ranges.empty()) return std::nullopt;
  const auto [start, size] = q.ranges[0];
  const u64 sub = g.pages_per_subsection() << g.page_shift;
  const u64 pps = g.pages_per_section(), pmd = g.pmd_size();
  const u64 sec_memmap = g.memmap_bytes(pps);
  if (!size || start % sub || size % sub || sec_memmap % pmd) return std::nullopt;
  const u64 first = start >> g.page_shift, last = (start + size) >> g.page_shift;
  // __add_pages(): an altmap must start at the range and fit in it (-EINVAL).
  if (q.altmap->first + q.altmap->second > last - first) return std::nullopt;
  u64 whole = 0;
  for (u64 p = first; p < last;) {
    const u64 next = std::min(last, (p / pps + 1) * pps);
    whole += (p % pps == 0 && next - p == pps) ? 1 : 0;
    p = next;
  }
  const u64 unit = pmd >> g.page_shift, n = whole * (sec_memmap / pmd);
  const u64 natural = unit & (~unit + 1);
  AltmapNeed need;
  for (u64 i = 0; i < n; ++i) {
    const u64 used = need.alloc + need.align;
    const u64 nr_free = q.altmap->second > used ? q.altmap->second - used : 0;
    const u64 pfn = first + q.altmap->first + used;
    const u64 pad = (pfn + natural - 1) / natural * natural - pfn;
    if (unit + pad > nr_free) {
      need.fits = false;
      break;
    }
    need.alloc += unit;
    need.align += pad;
  }
  return need;
}

Msg altmap_capacity_matches_kernel(const StepView& v) {
  const OpMemremap* op = op_as<OpMemremap>(v);
  if (!op || !v.result) return std::nullopt;
  const auto need = x86_altmap_need(v.before.geo, op->req);
  if (!need) return std::nullopt;
  const int err = v.result->err;
  const std::string what = "`" + print_op(*v.op) + "` ";
  if (err == -ENOMEM && need->fits)
    return what + "failed with -ENOMEM, but its altmap holds the " + std::to_string(need->alloc) +
           " vmemmap pages range 0 needs (" + std::to_string(need->align) + " of padding)";
  if (err != 0) return std::nullopt;
  if (!need->fits) return what + "succeeded, but its altmap cannot hold range 0's vmemmap";
  const auto it = v.after.pgmaps.find(op->req.id);
  if (it == v.after.pgmaps.end() || !it->second.altmap) return what + "left no pgmap with an altmap";
  const DevAltmap& a = *it->second.altmap;
  if (a.alloc != need->alloc || a.align != need->align)
    return what + "left altmap alloc " + std::to_string(a.alloc) + " align " + std::to_string(a.align) +
           "; the PMD-mapped vmemmap of range 0's whole sections takes alloc " +
           std::to_string(need->alloc) + " align " + std::to_string(need->align);
  return std::nullopt;
}
bool witness_altmap_judged(const StepView& v) {
  const OpMemremap* op = op_as<OpMemremap>(v);
  if (!op || !v.result || (v.result->err != 0 && v.result->err != -ENOMEM)) return false;
  const auto need = x86_altmap_need(v.before.geo, op->req);
  return need && need->alloc > 0;
}

// --------------------------------------------------------------- INV-38 --
bool intersects_ram(const System& s, PfnRange r) {
  const u64 lo = s.geo.phys_of(r.start), hi = s.geo.phys_of(r.end);
  for (const auto& [key, res] : s.iomem)
    if (res.system_ram && res.start < hi && lo < res.end) return true;
  return false;
}

// The owner of device memory claims each range before memremap_pages()
// (devm_request_mem_region() in pmem_attach_disk() and dev_dax_probe()), and
// System RAM is a busy resource, so a range over RAM is refused with -EBUSY
// once the op's own checks (id, node, range shape) have passed;
// pagemap_range()'s region_intersects() (-ENXIO) stands behind the claim.
bool over_ram(const System& s, const MemremapRequest& q) {
  const Geometry& g = s.geo;
  if (s.pgmaps.count(q.id) || q.ranges.empty() || !s.node_possible(q.nid) || !s.node(q.nid).online)
    return false;
  bool ram = false;
  for (auto [start, size] : q.ranges) {
    if (!size || !is_aligned(start | size, g.page_size())) return false;
    ram = ram || intersects_ram(s, {g.pfn_of(start), g.pfn_of(start + size)});
  }
  return ram;
}

Msg ram_refused(const StepView& v, const OpMemremap& op) {
  if (!over_ram(v.before, op.req)) return std::nullopt;
  const int err = v.result->err;
  if (err != -EBUSY && err != -ENXIO)
    return "memremap_pages over System RAM returned " + errno_name(err) + ", not -EBUSY (the claim) or -ENXIO";
  return std::nullopt;
}

// Every pgmap_array entry names a live pgmap whose ranges hold the pfn (a
// run of equal entries may span adjacent ranges of one pgmap; its ranges
// are disjoint: each was claimed).
Msg pgmap_array_entries_live(const System& s) {
  Msg out;
  s.pgmap_array.for_each(0, RunMap<int>::kEnd, [&](u64 a, u64 b, int e) {
    if (out || e == 0) return;
    const auto it = s.pgmaps.find(e - 1);
    u64 covered = 0;
    if (it != s.pgmaps.end())
      for (const PfnRange& r : it->second.ranges)
        covered += std::min(b, r.end.v) > std::max(a, r.start.v) ? std::min(b, r.end.v) - std::max(a, r.start.v) : 0;
    if (covered != b - a)
      out = "pgmap_array maps " + pfn_range(a, b) + " to pgmap " + std::to_string(e - 1) +
            (it == s.pgmaps.end() ? ", which does not exist" : ", outside its ranges");
  });
  return out;
}

// The step part: a memremap_pages() over System RAM was refused.
Msg memremap_refuses_ram(const StepView& v) {
  if (const OpMemremap* op = op_as<OpMemremap>(v)) return ram_refused(v, *op);
  return std::nullopt;
}
// The state part: the live pgmaps' ranges.
Msg pgmap_ranges_disjoint(const StateView& v) {
  const System& s = v.after;
  for (const auto& [id, pgmap] : s.pgmaps)
    for (const PfnRange& r : pgmap.ranges) {
      const std::string who = "pgmap " + std::to_string(id) + " range " + pfn_range(r.start.v, r.end.v);
      if (intersects_ram(s, r)) return who + " intersects System RAM";
      const u64 own = s.pgmap_array.count_if(r.start.v, r.end.v, [&, id = id](int x) { return x == id + 1; });
      if (own != r.size()) return who + " is not wholly its own in pgmap_array";
    }
  return pgmap_array_entries_live(s);
}
bool witness_ram_refused(const StepView& v) {
  const OpMemremap* op = op_as<OpMemremap>(v);
  return op && v.result && v.result->err && over_ram(v.before, op->req);
}

// --------------------------------------------------------------- INV-39 --
// Whether a pgmap's vmemmap is deduplicated (__populate_section_memmap()).
bool dedups(const Geometry& g, const DevPagemap& p) {
  return !p.altmap && is_pow2(g.struct_page_size) && g.memmap_bytes(p.vmemmap_nr()) > 2 * g.page_size();
}

// Vmemmap pages a section wholly owned by a deduplicating pgmap must hold:
// two per compound page whose head lies in it.
Msg check_dedup_section(const System& s, u64 nr, const SectionState& ms, int id, const DevPagemap& p) {
  const Geometry& g = s.geo;
  const u64 n = p.vmemmap_nr(), lo = g.section_start(nr).v, hi = g.section_start(nr + 1).v;
  u64 heads = 0;
  for (const PfnRange& r : p.ranges) {
    const u64 a = std::max(lo, r.start.v), b = std::min(hi, r.end.v);
    if (a >= b) continue;
    if (!is_aligned(r.size(), n)) return std::nullopt;  // partial compound pages: not this rule
    heads += (b - 1 - r.start.v) / n - (a + n - 1 - r.start.v) / n + 1;
  }
  if (ms.memmap_buddy_pages != 2 * heads)
    return sec(nr) + " of pgmap " + std::to_string(id) + " (vmemmap_shift " + std::to_string(p.vmemmap_shift) +
           ") holds " + std::to_string(ms.memmap_buddy_pages) + " vmemmap pages for " + std::to_string(heads) +
           " compound heads (2 each expected)";
  return std::nullopt;
}

// Calls f(nr, ms, id, pgmap) for each non-early section whose populated
// subsections all belong to one deduplicating pgmap.
template <class F>
Msg for_each_dedup_section(const System& s, F&& f) {
  const Geometry& g = s.geo;
  return first_section(s, [&](u64 a, u64 b, const SectionState& ms) -> Msg {
    if (ms.early || ms.subsection_map.none() || ms.usage == UsageOrigin::None) return std::nullopt;
    for (u64 nr = a; nr < b; ++nr) {
      const u64 lo = g.section_start(nr).v;
      int owner = -1;
      bool single = true;
      for (u64 i = 0; i < g.subsections_per_section(); ++i) {
        if (!ms.subsection_map.test(i)) continue;
        const u64 x = lo + i * g.pages_per_subsection();
        const int here = s.pgmap_array.at(x);
        single = single && here != 0 && (owner < 0 || owner == here) &&
                 s.pgmap_array.all_of(x, x + g.pages_per_subsection(), [&](int y) { return y == here; });
        owner = here;
      }
      if (!single || owner <= 0) continue;
      const auto it = s.pgmaps.find(owner - 1);  // a stale entry: pgmap_ranges_disjoint's business
      if (it == s.pgmaps.end() || !dedups(g, it->second)) continue;
      if (Msg m = f(nr, ms, owner - 1, it->second)) return m;
    }
    return std::nullopt;
  });
}

Msg device_vmemmap_deduplicated(const StateView& v) {
  const System& s = v.after;
  if (s.pgmaps.empty()) return std::nullopt;  // the common case, on every step
  return for_each_dedup_section(s, [&](u64 nr, const SectionState& ms, int id, const DevPagemap& p) {
    return check_dedup_section(s, nr, ms, id, p);
  });
}
bool witness_dedup(const StepView& v) {
  const System& s = v.after;
  if (s.pgmaps.empty()) return false;
  return static_cast<bool>(
      for_each_dedup_section(s, [](u64, const SectionState&, int, const DevPagemap&) -> Msg { return ""; }));
}

// -------------------------------------------------------------- INV-33b --
// Every pfn of a live pgmap has an initialised struct page: the altmap's
// memmap pfns as vmemmap, the rest (the altmap's reserve aside) as device
// pages.
Msg device_memmap_initialised(const StateView& v) {
  const System& s = v.after;
  for (const auto& [id, p] : s.pgmaps)
    for (std::size_t i = 0; i < p.ranges.size(); ++i) {
      u64 lo = p.ranges[i].start.v;
      const u64 hi = p.ranges[i].end.v;
      if (i == 0 && p.altmap) lo += p.altmap->reserve;
      Msg out;
      s.pages.for_each(lo, hi, [&, id = id](u64 a, u64 b, const PageState& pg) {
        const bool ok = pg.zone == Zone::Device && (pg.kind == PageKind::Device || pg.kind == PageKind::Vmemmap);
        if (!out && !ok)
          out = "pgmap " + std::to_string(id) + ": " + pfn_range(a, b) + " is " + pages_desc(s, a, b) +
                ", not initialised by memmap_init_zone_device()";
        if (!out && pg.mt != Migratetype::Movable)
          out = "pgmap " + std::to_string(id) + ": " + pfn_range(a, b) +
                " is in pageblocks that are not MIGRATE_MOVABLE";
      });
      if (out) return out;
    }
  return std::nullopt;
}

}  // namespace

std::vector<Invariant> device_invariants() {
  return {
      {"hotplug_section_valid_iff_subsections", "INV-4",
       "A non-early section has SECTION_HAS_MEM_MAP exactly when some subsection of it is populated.",
       "section_deactivate() clears section_mem_map only when the subsection_map empties",
       hotplug_section_valid_iff_subsections, witness_partial_section},
      {"depopulate_within_removed_subsections", "INV-7",
       "Removing subsections of a non-early section frees at most the memmap of those subsections.",
       "section_deactivate() -> depopulate_section_memmap(pfn, nr_pages) on the removed span only",
       depopulate_within_removed_subsections, witness_partial_removal},
      {"zone_device_taint", "INV-10",
       "A present section holding ZONE_DEVICE pfns besides other pfns is tainted, and stays tainted; "
       "a section is tainted only by a ZONE_DEVICE range that starts or ends inside it.",
       "move_pfn_range_to_zone() section_taint_zone_device(); pfn_to_online_page()", zone_device_taint,
       witness_tainted},
      {"zone_device_accounting", "INV-14",
       "ZONE_DEVICE has present = managed = 0, and its span never shrinks.",
       "remove_pfn_range_from_zone() returns early for ZONE_DEVICE", Check{zone_device_span_kept, zone_device_unpopulated},
       witness_device_unmapped},
      {"device_altmap_balanced", "INV-23a",
       "A pgmap's altmap lies in range 0, alloc + align <= free, alloc = the vmemmap its sections took, "
       "and memunmap_pages() gives it all back.",
       "pagemap_range() / pageunmap_range() pass the pgmap altmap; memunmap_pages() WARN_ONCE",
       device_altmap_balanced, witness_device_altmap_unmapped},
      {"altmap_capacity_matches_kernel", "INV-23c",
       "On x86_64 memremap_pages() takes one PMD of vmemmap per whole section of range 0 from its "
       "altmap, each padded to its natural alignment: it succeeds only if the altmap holds them all, "
       "fails with -ENOMEM only if it does not, and leaves the altmap's alloc and align at their sum.",
       "vmemmap_populate() -> vmemmap_populate_hugepages() -> altmap_alloc_block_buf(); "
       "__populate_section_memmap() (no dedup with an altmap)",
       altmap_capacity_matches_kernel, witness_altmap_judged},
      {"pgmap_ranges_disjoint", "INV-38",
       "pgmap ranges never intersect System RAM (the owner's region claim says -EBUSY, "
       "region_intersects() -ENXIO behind it) and own their pgmap_array entries, which name live "
       "pgmaps only.",
       "devm_request_mem_region() before memremap_pages(); pagemap_range() region_intersects() and "
       "get_dev_pagemap() conflict checks", Check{memremap_refuses_ram, pgmap_ranges_disjoint},
       witness_ram_refused},
      {"device_vmemmap_deduplicated", "INV-39",
       "A section of a compound pgmap without altmap holds exactly 2 vmemmap pages per compound head.",
       "__populate_section_memmap() -> vmemmap_populate_compound_pages()", device_vmemmap_deduplicated,
       witness_dedup},
      {"device_memmap_initialised", "INV-33b",
       "Every pfn of a live pgmap (the altmap reserve aside) has an initialised ZONE_DEVICE struct page, "
       "in a MIGRATE_MOVABLE pageblock.",
       "memmap_init_zone_device() / compound_nr_pages(); pageblock_migratetype_init_range()",
       device_memmap_initialised, has_pgmap},
  };
}

bool is_device_invariant(std::string_view name) {
  for (auto list : {device_invariants, walker_invariants})
    for (const Invariant& i : list())
      if (i.name == name) return true;
  return false;
}

}  // namespace memhp::inv
