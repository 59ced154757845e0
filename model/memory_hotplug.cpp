// mm/memory_hotplug.c: adding, onlining, offlining and removing memory.
//
// Design essay.
//
// Sources. Every function here mirrors the function named in the comment
// above it, in the kernel's step order, with the kernel's errnos, as
// Debian's 6.1.192 has it; where 6.12.118 or 6.19 differ, the profile's
// deltas (memhp/deltas.h) choose: on 6.1 a memmap_on_memory request must be
// exactly one memory block and fails with -EINVAL when unsupported, and the
// block stores nr_vmemmap_pages; from 6.6 an unsupported request falls back
// and the block keeps its altmap; from 6.8 a multi-block request gets one
// altmap per block (create_altmaps_and_memory_blocks()) and is removed block
// by block. offline_pages() subtracts nr_pages from managed_pages (6.11's
// managed-aware count is the same here: no model page is kept PageOffline
// by a driver).
//
// The state. A memory block's life is add -> online -> offline -> remove.
// Adding creates sections (mm/sparse.c) whose struct pages are poisoned and a
// block device (drivers/base/memory.c) that is offline. Onlining moves the
// pfns into a zone, which grows the zone and node spans, initialises the
// struct pages, hands the pages to the buddy allocator (managed_pages) and
// counts them as present. Offlining isolates the pages, migrates what is
// movable, takes the free pages back out of the buddy allocator, poisons the
// struct pages again and shrinks the zone span the way shrink_zone_span()
// does: by scanning for the first or last pfn that pfn_to_online_page()
// still accepts, in subsection steps. With memmap_on_memory the first
// nr_vmemmap_pages of the block hold its own memmap; they join the zone when
// the block is onlined but never reach the buddy allocator, so they count in
// spanned and present and never in managed.
//
// Errors. An operation that fails returns the kernel's errno and leaves the
// System as the kernel leaves it. The kernel's own rollback code is mirrored
// (online_pages()'s failed_addition path, offline_pages()'s undo of
// isolation) rather than restoring a saved copy, so that rollback bugs are
// visible. Two kernel paths are not atomic and are flagged Result::partial:
// __add_pages() does not roll back the sections it added before an -ENOMEM,
// and a sysfs online request for an already-online block leaves the
// requested type in mem->online_type.
//
// Known limits (NOTES.md has the full list): migration is modelled as
// all-or-nothing (the kernel retries until a signal arrives, keeping the
// pages it moved); the notifier payload's node-status fields, page-table
// pages, the direct map, KASAN and hwpoison are not modelled.
#include <algorithm>

#include "internal.h"
#include "proven_words.h"
#include "memhp/proven/domain.h"
#include "memhp/proven/memmap_on_memory.h"
#include "memhp/proven/zone_span.h"

namespace memhp::k {

namespace {

// The "scan" both find_*_section_pfn() helpers do: does the kernel accept
// this pfn as an online pfn of (nid, zone)?
bool scan_accepts(const System& s, Pfn pfn, int nid, Zone zone) {
  if (!pfn_to_online_page(s, pfn)) return false;
  const PageState& p = s.page(pfn);
  return p.initialised() && p.nid == nid && p.zone == zone;
}

// Whether a whole page run can be skipped by the scan without looking at
// each candidate: its struct pages are uninitialised or belong elsewhere.
bool page_run_rejects(const PageState& p, int nid, Zone zone) {
  return !p.initialised() || p.nid != nid || p.zone != zone;
}

}  // namespace

// The two finders and the span arithmetic are outside the anonymous
// namespace so that tests/test_smt_sections.cpp can hold them against
// smt/enc_span.h (declared in memhp/zone_span.h).

/* mm/memory_hotplug.c: find_smallest_section_pfn(). The kernel visits every
   subsection; the model jumps over page runs and section runs that cannot
   match, visiting the same candidates in the same order. 0 means none. */
u64 find_smallest_section_pfn(const System& s, int nid, Zone zone, Pfn start, Pfn end) {
  const u64 step = s.geo.pages_per_subsection();
  // The first candidate >= x. A run that reaches past `end` (the last run
  // of a RunMap ends at kEnd, where align_up() would wrap) ends the scan.
  auto next_candidate = [&](u64 x) {
    return x >= end.v ? end.v : start.v + align_up(x - start.v, step);
  };
  u64 p = start.v;
  while (p < end.v) {
    if (page_run_rejects(s.pages.at(p), nid, zone)) {
      p = next_candidate(s.pages.run_bounds(p).second);
      continue;
    }
    const u64 sec = s.geo.section_nr(Pfn{p});
    if (!online_section(s.sections.at(sec))) {
      p = next_candidate(s.geo.section_start(s.sections.run_bounds(sec).second).v);
      continue;
    }
    if (scan_accepts(s, Pfn{p}, nid, zone)) return p;
    p += step;
  }
  return 0;
}

/* mm/memory_hotplug.c: find_biggest_section_pfn(), candidates end-1, end-1-step, ... */
u64 find_biggest_section_pfn(const System& s, int nid, Zone zone, Pfn start, Pfn end) {
  if (end <= start) return 0;
  const u64 step = s.geo.pages_per_subsection();
  const u64 top = end.v - 1;
  // The largest candidate <= x, or nothing if it would fall below start.
  auto prev_candidate = [&](u64 x, u64& out) {
    const u64 back = align_up(top - x, step);
    if (back > top - start.v) return false;
    out = top - back;
    return true;
  };
  u64 p = top;
  while (true) {
    u64 next = 0;
    bool more = false;
    if (page_run_rejects(s.pages.at(p), nid, zone)) {
      const u64 lo = s.pages.run_bounds(p).first;
      more = lo > 0 && prev_candidate(lo - 1, next);
    } else {
      const u64 sec = s.geo.section_nr(Pfn{p});
      if (!online_section(s.sections.at(sec))) {
        const u64 lo = s.geo.section_start(s.sections.run_bounds(sec).first).v;
        more = lo > 0 && prev_candidate(lo - 1, next);
      } else {
        if (scan_accepts(s, Pfn{p}, nid, zone)) return p;
        more = p >= step && prev_candidate(p - step, next);
      }
    }
    if (!more) return 0;
    p = next;
  }
}

/* mm/memory_hotplug.c: shrink_zone_span(), which end [start, end) removes:
   the zone's start is tested first, as the kernel does. */
ShrinkSide shrink_zone_span_side(ZoneSpan z, Pfn start, Pfn end) {
  const proven::Concrete d;
  return static_cast<ShrinkSide>(proven::shrink_zone_span_side(d, {z.start, z.spanned}, start.v, end.v));
}

/* mm/memory_hotplug.c: shrink_zone_span(), the new span from what the finder
   of that side returned (0: nothing left, the zone becomes (0, 0)). */
ZoneSpan shrink_zone_span_result(ZoneSpan z, ShrinkSide side, u64 found, bool keeps_start) {
  const proven::Concrete d;
  const auto r = proven::shrink_zone_span_result(d, {z.start, z.spanned}, static_cast<u64>(side), found,
                                                 keeps_start);
  return ZoneSpan{r.start, r.spanned};
}

namespace {

/* mm/memory_hotplug.c: shrink_zone_span() */
void shrink_zone_span(System& s, int nid, Zone zone, Pfn start, Pfn end) {
  ZoneState& z = s.zone(nid, zone);
  const ZoneSpan span{z.zone_start_pfn, z.spanned_pages};
  const ShrinkSide side = shrink_zone_span_side(span, start, end);
  u64 found = 0;
  if (side == ShrinkSide::Start)
    found = find_smallest_section_pfn(s, nid, zone, end, Pfn{span.end()});
  else if (side == ShrinkSide::End)
    found = find_biggest_section_pfn(s, nid, zone, Pfn{span.start}, start);
  // The defect is a parameter of the text the Z3 encoding shares.
  const bool keeps_start = injected(s, "shrink_keeps_start");
  const ZoneSpan out = shrink_zone_span_result(span, side, found, keeps_start);
  z.zone_start_pfn = out.start;
  z.spanned_pages = out.spanned;
}

/* mm/memory_hotplug.c: update_pgdat_span() */
void update_pgdat_span(System& s, int nid) {
  NodeState& n = s.node(nid);
  u64 start = 0, end = 0;
  for (const ZoneState& z : n.zones) {
    if (!z.spanned_pages) continue;
    if (!end) {
      start = z.zone_start_pfn;
      end = z.end_pfn();
      continue;
    }
    end = std::max(end, z.end_pfn());
    start = std::min(start, z.zone_start_pfn);
  }
  if (injected(s, "node_span_start_always_zero")) start = 0;
  n.node_start_pfn = start;
  n.node_spanned_pages = end - start;
}

/* mm/memory_hotplug.c: resize_zone_range() */
void resize_zone_range(const System& s, ZoneState& z, Pfn start, u64 nr_pages) {
  const u64 old_end = z.end_pfn();
  const bool was_empty = z.is_empty();
  if (was_empty || start.v < z.zone_start_pfn) z.zone_start_pfn = start.v;
  u64 end = std::max(start.v + nr_pages, old_end);
  if (injected(s, "resize_zone_keeps_end") && !was_empty) end = old_end;
  z.spanned_pages = end - z.zone_start_pfn;
}

/* mm/memory_hotplug.c: resize_pgdat_range() */
void resize_pgdat_range(NodeState& n, Pfn start, u64 nr_pages) {
  const u64 old_end = n.node_end_pfn();
  if (!n.node_spanned_pages || start.v < n.node_start_pfn) n.node_start_pfn = start.v;
  n.node_spanned_pages = std::max(start.v + nr_pages, old_end) - n.node_start_pfn;
}

/* mm/memory_hotplug.c: default_kernel_zone_for_pfn() */
Zone default_kernel_zone_for_pfn(const System& s, int nid, Pfn start, u64 nr_pages) {
  for (Zone z : {Zone::DMA, Zone::DMA32})
    if (s.zone(nid, z).intersects(start, nr_pages)) return z;
  return Zone::Normal;
}

/* mm/memory_hotplug.c: default_zone_for_pfn() (online_policy=contig-zones) */
Zone default_zone_for_pfn(const System& s, int nid, Pfn start, u64 nr_pages) {
  const Zone kernel = default_kernel_zone_for_pfn(s, nid, start, nr_pages);
  const bool in_kernel = s.zone(nid, kernel).intersects(start, nr_pages);
  const bool in_movable = s.zone(nid, Zone::Movable).intersects(start, nr_pages);
  if (in_kernel != in_movable) return in_kernel ? kernel : Zone::Movable;
  if (injected(s, "default_zone_ignores_movable_node")) return kernel;
  return s.prof.movable_node ? Zone::Movable : kernel;
}

/* mm/memory_hotplug.c: auto_movable_can_online_movable(). Dynamic groups
   (virtio-mem) do not exist in the model, so their correction terms are 0. */
bool auto_movable_can_online_movable(const System& s, int nid, u64 nr_pages) {
  u64 kernel_early = 0, movable = 0;
  for (int n = 0; n < static_cast<int>(s.nodes.size()); ++n) {
    if (nid != kNoNode && n != nid) continue;
    for (Zone z : kAllZones) {
      const ZoneState& zs = s.zone(n, z);
      if (!zs.populated()) continue;
      if (z == Zone::Movable)
        movable += zs.present_pages;
      else
        kernel_early += zs.present_early_pages;
    }
  }
  if (kernel_early == 0) return false;
  movable += nr_pages;
  // unsigned int * unsigned long: the product wraps modulo 2^64 as in the kernel.
  const u64 limit = u64{s.prof.auto_movable_ratio} * kernel_early / 100;
  if (injected(s, "auto_movable_ratio_exclusive")) return movable < limit;
  return movable <= limit;
}

/* mm/memory_hotplug.c: auto_movable_zone_for_pfn() */
Zone auto_movable_zone_for_pfn(const System& s, int nid, int group, Pfn pfn, u64 nr_pages) {
  if (!s.prof.auto_movable_ratio) return default_kernel_zone_for_pfn(s, nid, pfn, nr_pages);
  u64 max_pages = nr_pages, online = 0;
  if (group >= 0) {
    const MemoryGroup& g = s.groups.at(group);
    max_pages = g.max_pages;
    online = g.present_movable_pages;
    // If anything is !MOVABLE, online the rest !MOVABLE.
    if (g.present_kernel_pages) return default_kernel_zone_for_pfn(s, nid, pfn, nr_pages);
  }
  // The kernel reuses nr_pages for what is left of the group, and the
  // kernel-zone fallback below looks at that many pages from pfn, not at
  // the block alone.
  nr_pages = max_pages - online;
  if (!auto_movable_can_online_movable(s, kNoNode, nr_pages) ||
      (s.prof.auto_movable_numa_aware && !auto_movable_can_online_movable(s, nid, nr_pages)))
    return default_kernel_zone_for_pfn(s, nid, pfn, nr_pages);
  return Zone::Movable;
}

/* mm/memory_hotplug.c: online_pages_range() */
void online_pages_range(System& s, Result& r, Pfn start, u64 nr_pages) {
  // generic_online_page() in MAX_ORDER-1 chunks: every chunk goes to the
  // buddy allocator, so the chunking does not change the outcome.
  free_pages_core(s, start, nr_pages);
  online_mem_sections(s, r, start, start + nr_pages);
}

// The memory notifier chain for MEM_GOING_OFFLINE: a registered vetoing
// notifier, and on arm64 prevent_bootmem_remove_notifier().
int going_offline_notifier(const System& s, Pfn start, u64 nr_pages) {
  if (s.notifier.going_offline_errno) return s.notifier.going_offline_errno;
  if (s.geo.arch == Arch::Arm64) {
    for (Pfn p = start; p < start + nr_pages; p += s.geo.pages_per_section())
      if (s.section_of(p).early) return -EPERM;  // NOTIFY_BAD
  }
  return 0;
}

/* The migration step of offline_pages(): scan_movable_pages() +
   do_migrate_range() until nothing movable is left. Targets come from the
   other N_MEMORY nodes, or this node if it is the only one. */
int migrate_movable_pages(System& s, Pfn start, Pfn end, int nid) {
  const u64 movable = s.pages.count_if(start.v, end.v, [](const PageState& p) {
    return p.kind == PageKind::Movable;
  });
  if (movable == 0) return 0;
  AllocRequest req;
  req.nid = nid;
  req.highest = Zone::Movable;  // GFP_USER | __GFP_MOVABLE
  req.count = movable;
  req.kind = PageKind::Movable;
  req.exclude = PfnRange{start, end};
  for (int n = 0; n < static_cast<int>(s.nodes.size()); ++n)
    if (n != nid && s.nodes[static_cast<std::size_t>(n)].has_memory) req.nodes.push_back(n);
  if (req.nodes.empty()) req.nodes.push_back(nid);
  if (!injected(s, "offline_drops_movable_pages"))
    if (!alloc_pages_zonelist(s, req)) return -EINTR;
  s.pages.update(start.v, end.v, [](PageState& p) {
    if (p.kind == PageKind::Movable) p.kind = PageKind::Free;
  });
  return 0;
}

/* mm/memory_hotplug.c: __try_online_node(nid, false) -> hotadd_init_pgdat() */
bool try_online_node_for_add(System& s, int nid) {
  NodeState& n = s.node(nid);
  if (n.online) return false;
  n.node_start_pfn = 0;  // free_area_init_core_hotplug()
  n.node_present_pages = 0;
  for (ZoneState& z : n.zones) z.present_pages = z.managed_pages = 0;
  return true;
}

/* mm/memory_hotplug.c: check_hotplug_memory_range() */
int check_hotplug_memory_range(const Geometry& g, u64 start, u64 size) {
  if (!size || !is_aligned(start, g.block_bytes) || !is_aligned(size, g.block_bytes))
    return -EINVAL;
  return 0;
}

/* kernel/resource.c: merge_system_ram_resource(): mark the resource
   IORESOURCE_SYSRAM_MERGEABLE and merge it with an adjacent one of the same
   name and the same flags (system_ram_resources_mergeable()), so only with
   another mergeable one: never with boot RAM, nor with memory added
   without MHP_MERGE_RESOURCE. */
void merge_system_ram_resource(System& s, u64 start) {
  auto it = s.iomem.find(start);
  if (it == s.iomem.end()) return;
  it->second.mergeable = true;
  auto same = [](const Resource& a, const Resource& b) {
    return a.name == b.name && a.system_ram == b.system_ram && a.driver_managed == b.driver_managed &&
           a.mergeable == b.mergeable;
  };
  if (auto nx = std::next(it); nx != s.iomem.end() && nx->second.start == it->second.end &&
                               same(nx->second, it->second)) {
    it->second.end = nx->second.end;
    s.iomem.erase(nx);
  }
  if (it != s.iomem.begin()) {
    auto pv = std::prev(it);
    if (pv->second.end == it->second.start && same(pv->second, it->second)) {
      pv->second.end = it->second.end;
      s.iomem.erase(it);
    }
  }
}

}  // namespace

/* mm/memory_hotplug.c: check_pfn_span() (SPARSEMEM_VMEMMAP) */
int check_pfn_span(const Geometry& g, Pfn pfn, u64 nr_pages) {
  return is_aligned(pfn.v | nr_pages, g.pages_per_subsection()) ? 0 : -EINVAL;
}

/* mm/memory_hotplug.c: mhp_range_allowed(.., need_mapping) */
bool mhp_range_allowed(const Geometry& g, u64 start, u64 size) {
  const u64 max_phys = (u64{1} << g.max_physmem_bits) - 1;
  const u64 end = start + size;
  return start < end && end - 1 <= max_phys;
}

/* mm/memory_hotplug.c: pfn_to_online_page() */
bool pfn_to_online_page(const System& s, Pfn pfn) {
  if (pfn.v >= s.geo.max_pfn_limit()) return false;
  const SectionState& ms = s.section_of(pfn);
  if (!online_section(ms)) return false;
  if (!injected(s, "pfn_to_online_page_ignores_subsection"))
    if (!pfn_section_valid(s, ms, pfn)) return false;
  if (injected(s, "online_page_ignores_device_taint")) return true;
  if (!ms.taint_zone_device) return true;
  // ZONE_DEVICE collides with RAM in this section: only the pgmap lookup
  // tells an offline device pfn from online RAM.
  return s.pgmap_of(pfn) == nullptr;
}

/* mm/memory_hotplug.c: __add_pages() */
int __add_pages(System& s, Result& r, int nid, Pfn pfn, u64 nr_pages, const MhpParams& params) {
  const Geometry& g = s.geo;
  VmemAltmap* altmap = params.altmap;
  if (altmap) {
    if (altmap->base_pfn != pfn.v || vmem_altmap_offset(altmap) > nr_pages) {
      r.reason = "memory add fail, invalid altmap";
      return -EINVAL;
    }
    altmap->alloc = 0;
  }
  if (WARN(r, check_pfn_span(g, pfn, nr_pages) != 0, "Misaligned __add_pages"))
    return -EINVAL;
  const Pfn end = pfn + nr_pages;
  int err = 0;
  bool added_some = false;
  AllocCursor cursor;  // the loop frees nothing until it stops
  MhpParams batch = params;
  batch.cursor = &cursor;
  for (Pfn cur = pfn; cur < end;) {
    const Pfn next = std::min(end, g.section_start(g.section_nr(cur) + 1));
    err = sparse_add_section(s, r, nid, cur, next - cur, batch);
    if (err) break;
    added_some = true;
    cur = next;
  }
  // No rollback of the sections already added: the kernel leaves them.
  if (err && added_some) r.partial = Partial::AddPagesLeak;
  return err;
}

namespace {

/* mm/memory_hotplug.c: __remove_zone() as it was before feee6b298916 (5.5),
   which moved the zone shrink to offline: the zone is the first page's */
void remove_zone_of_first_page(System& s, Result& r, Pfn pfn, u64 nr_pages) {
  const PageState first = s.page(pfn);
  if (!first.initialised()) {
    r.bug = "page_zone(): PF_POISONED_CHECK on the uninitialised struct page of pfn " + std::to_string(pfn.v);
    return;
  }
  if (first.zone == Zone::Device) return;
  shrink_zone_span(s, first.nid, first.zone, pfn, pfn + nr_pages);
  update_pgdat_span(s, first.nid);
}

}  // namespace

/* mm/memory_hotplug.c: __remove_pages() with __remove_section() */
void __remove_pages(System& s, Result& r, Pfn pfn, u64 nr_pages, const MhpParams& params) {
  const Geometry& g = s.geo;
  if (WARN(r, check_pfn_span(g, pfn, nr_pages) != 0, "Misaligned __remove_pages")) return;
  if (injected(s, "zone_shrink_at_remove")) remove_zone_of_first_page(s, r, pfn, nr_pages);
  const Pfn end = pfn + nr_pages;
  const u64 last_sec = g.section_nr(end - 1);
  u64 invalid = 0, first_invalid = 0;
  for (Pfn cur = pfn; cur < end;) {
    const u64 sec = g.section_nr(cur);
    if (!valid_section(s.sections.at(sec))) {
      // A run of sections without a memmap: the kernel visits each one and
      // only WARNs; the model skips the run in one step, so that the walk
      // costs what the runs cost, not what the sections would.
      const u64 run_end = s.sections.run_bounds(sec).second;  // may be kEnd
      const u64 upto = std::min(run_end - 1, last_sec);
      if (!invalid) first_invalid = sec;
      invalid += upto - sec + 1;
      cur = upto == last_sec ? end : g.section_start(upto + 1);
      if (injected(s, "remove_pages_stops_at_invalid")) cur = end;
      continue;
    }
    const Pfn next = std::min(end, g.section_start(sec + 1));
    sparse_remove_section(s, r, cur, next - cur, params);
    cur = next;
  }
  // __remove_section(): WARN_ON_ONCE(!valid_section(ms)), reported once.
  WARN(r, invalid != 0,
       "__remove_section: section " + std::to_string(first_invalid) + " not valid" +
           (invalid > 1 ? " (and " + std::to_string(invalid - 1) + " more)" : ""));
}

/* mm/memory_hotplug.c: section_taint_zone_device() */
void section_taint_zone_device(System& s, Pfn pfn) {
  if (pfn.v >= s.geo.max_pfn_limit()) return;  // the range ends at the top of the physical space
  const u64 sec = s.geo.section_nr(pfn);
  s.sections.update(sec, sec + 1, [](SectionState& ms) { ms.taint_zone_device = true; });
}

/* mm/memory_hotplug.c: move_pfn_range_to_zone() (altmap only matters for
   ZONE_DEVICE) */
void move_pfn_range_to_zone(System& s, Result& r, int nid, Zone zone, Pfn start,
                            u64 nr_pages, Migratetype mt, const VmemAltmap* altmap) {
  (void)r;
  clear_zone_contiguous(s, nid, zone);
  ZoneState& z = s.zone(nid, zone);
  if (z.is_empty()) z.zone_start_pfn = start.v;  // init_currently_empty_zone()
  resize_zone_range(s, z, start, nr_pages);
  resize_pgdat_range(s.node(nid), start, nr_pages);
  // Subsection population needs pfn_to_online_page() to look for a pgmap in
  // a section ZONE_DEVICE shares with RAM: taint such sections.
  if (zone == Zone::Device) {
    for (Pfn p : {start, start + nr_pages}) {
      if (!injected(s, "no_zone_device_taint"))
        if (!is_aligned(p.v, s.geo.pages_per_section())) section_taint_zone_device(s, p);
      if (injected(s, "taint_aligned_boundary")) section_taint_zone_device(s, p);
    }
  }
  memmap_init_range(s, nr_pages, nid, zone, start, mt, altmap);
  // The new range is not online yet, so a zone it lies in stays
  // non-contiguous until an offline looks again.
  set_zone_contiguous(s, nid, zone, {start, start + nr_pages}, false);
}

/* mm/memory_hotplug.c: remove_pfn_range_from_zone() */
void remove_pfn_range_from_zone(System& s, Result& r, int nid, Zone zone, Pfn start,
                                u64 nr_pages, std::optional<bool> vouched) {
  (void)r;
  // Poison struct pages because they are now uninitialized again.
  if (!injected(s, "offline_skips_poison"))
    s.pages.assign(start.v, start.v + nr_pages, PageState::poisoned());
  // Zone shrinking code cannot properly deal with ZONE_DEVICE.
  if (!injected(s, "device_shrinks_zone"))
    if (zone == Zone::Device) return;
  const bool was_contiguous = vouched.value_or(s.zone(nid, zone).contiguous);
  if (!injected(s, "remove_keeps_zone_contiguous")) clear_zone_contiguous(s, nid, zone);
  if (injected(s, "zone_shrink_at_remove")) return;  // the shrink waits for __remove_pages()
  if (!injected(s, "shrink_zone_span_skipped"))
    shrink_zone_span(s, nid, zone, start, start + nr_pages);
  if (!injected(s, "pgdat_span_not_updated")) update_pgdat_span(s, nid);
  if (!injected(s, "remove_keeps_zone_contiguous"))
    set_zone_contiguous(s, nid, zone, {start, start + nr_pages}, was_contiguous);
}

/* mm/memory_hotplug.c: adjust_present_page_count() */
void adjust_present_page_count(System& s, Pfn page, int group, long nr_pages) {
  const PageState& p = s.page(page);
  ZoneState& z = s.zone(p.nid, p.zone);
  const u64 delta = static_cast<u64>(nr_pages);
  if (s.section_of(page).early) z.present_early_pages += delta;
  if (injected(s, "present_early_for_all") && !s.section_of(page).early) z.present_early_pages += delta;
  z.present_pages += delta;
  if (!injected(s, "node_present_not_adjusted")) s.node(p.nid).node_present_pages += delta;
  if (group >= 0) {
    MemoryGroup& g = s.groups.at(group);
    if (!injected(s, "group_present_not_adjusted"))
      (p.zone == Zone::Movable ? g.present_movable_pages : g.present_kernel_pages) += delta;
  }
}

/* mm/memory_hotplug.c: zone_for_pfn_range() */
Zone zone_for_pfn_range(const System& s, OnlineType type, int nid, int group, Pfn start,
                        u64 nr_pages) {
  if (type == OnlineType::OnlineKernel) return default_kernel_zone_for_pfn(s, nid, start, nr_pages);
  if (type == OnlineType::OnlineMovable) return Zone::Movable;
  if (s.prof.online_policy == OnlinePolicy::AutoMovable)
    return auto_movable_zone_for_pfn(s, nid, group, start, nr_pages);
  return default_zone_for_pfn(s, nid, start, nr_pages);
}

/* mm/memory_hotplug.c: mhp_init_memmap_on_memory() */
int mhp_init_memmap_on_memory(System& s, Result& r, Pfn pfn, u64 nr_pages, int nid, Zone zone) {
  Migratetype mt = Migratetype::Unmovable;
  if (injected(s, "vmemmap_pageblock_movable")) mt = Migratetype::Movable;
  move_pfn_range_to_zone(s, r, nid, zone, pfn, nr_pages, mt);
  // SetPageVmemmapSelfHosted(): these pages never reach the buddy allocator.
  if (injected(s, "vmemmap_freed_to_buddy"))
    free_pages_core(s, pfn, nr_pages);
  else
    s.pages.update(pfn.v, pfn.v + nr_pages, [](PageState& p) { p.kind = PageKind::Vmemmap; });
  // Sections spanned only by vmemmap would otherwise stay offline.
  if (nr_pages >= s.geo.pages_per_section())
    online_mem_sections(s, r, pfn, Pfn{align_down((pfn + nr_pages).v, s.geo.pages_per_section())});
  return 0;
}

/* mm/memory_hotplug.c: mhp_deinit_memmap_on_memory() */
void mhp_deinit_memmap_on_memory(System& s, Result& r, Pfn pfn, u64 nr_pages, std::optional<bool> vouched) {
  if (nr_pages >= s.geo.pages_per_section())
    offline_mem_sections(s, r, pfn, Pfn{align_down((pfn + nr_pages).v, s.geo.pages_per_section())});
  const PageState p = s.page(pfn);  // page_zone(pfn_to_page(pfn))
  remove_pfn_range_from_zone(s, r, p.nid, p.zone, pfn, nr_pages, vouched);
}

/* mm/memory_hotplug.c: online_pages() */
int online_pages(System& s, Result& r, Pfn pfn, u64 nr_pages, int nid, Zone zone, int group) {
  const Geometry& g = s.geo;
  if (WARN(r, proven::online_pages_range_warns(proven::Concrete{}, geometry_words(g), pfn.v, nr_pages),
           "online_pages: range not pageblock/section aligned"))
    return -EINVAL;

  move_pfn_range_to_zone(s, r, nid, zone, pfn, nr_pages, Migratetype::Isolate);
  // node_states_check_changes_online()
  const bool set_memory = !s.node(nid).has_memory;
  // 6.17's node notifier (delta node_notifier) leaves N_NORMAL_MEMORY to boot.
  const bool set_normal =
      !s.prof.has(Delta::NodeNotifier) && zone <= Zone::Normal && !s.node(nid).has_normal_memory;

  if (int err = s.notifier.going_online_errno) {  // MEM_GOING_ONLINE vetoed
    r.reason = "online_pages failed: notifier";
    remove_pfn_range_from_zone(s, r, nid, zone, pfn, nr_pages);  // failed_addition
    return err;
  }
  // Fix up the isolated pageblocks before undo_isolate_page_range() below.
  if (!injected(s, "online_skips_isolate_fixup"))
    s.zone(nid, zone).nr_isolate_pageblock += static_cast<long>(nr_pages / g.pageblock_pages());
  online_pages_range(s, r, pfn, nr_pages);
  adjust_present_page_count(s, pfn, group, static_cast<long>(nr_pages));
  // node_states_set_node()
  if (set_normal) s.node(nid).has_normal_memory = true;
  if (set_memory) s.node(nid).has_memory = true;
  // Basic onlining is complete, allow allocation of onlined pages.
  undo_isolate_page_range(s, pfn, pfn + nr_pages);
  return 0;
}

/* mm/memory_hotplug.c: offline_pages() */
int offline_pages(System& s, Result& r, Pfn start, u64 nr_pages, int nid, Zone zone, int group) {
  const Geometry& g = s.geo;
  const Pfn end = start + nr_pages;
  if (WARN(r, proven::online_pages_range_warns(proven::Concrete{}, geometry_words(g), start.v, nr_pages),
           "offline_pages: range not pageblock/section aligned"))
    return -EINVAL;

  // Don't allow to offline memory blocks that contain holes.
  if (walk_system_ram_range_pages(s, start, nr_pages) != nr_pages) {
    r.reason = "memory holes";
    return -EINVAL;
  }
  // We only support offlining of memory blocks managed by a single zone.
  const PageState first = s.page(start), last = s.page(end - 1);
  if (WARN(r, !first.initialised() || !last.initialised() || first.zone != zone ||
                  last.zone != zone || first.nid != nid || last.nid != nid,
           "offline_pages: multizone range")) {
    r.reason = "multizone range";
    return -EINVAL;
  }
  // zone_pcp_disable(), then lru_cache_disable() (mm/swap.c): from here on
  // every exit must enable the LRU caches again.
  ++s.lru_disable_count;
  if (int err = start_isolate_page_range(s, start, end)) {
    r.reason = "failure to isolate range";
    if (!injected(s, "offline_error_keeps_lru_disabled")) --s.lru_disable_count;
    return err;
  }
  // node_states_check_changes_offline()
  u64 present = 0;
  for (Zone z : {Zone::DMA, Zone::DMA32, Zone::Normal}) present += s.zone(nid, z).present_pages;
  const bool clear_normal = !s.prof.has(Delta::NodeNotifier) && zone <= Zone::Normal && nr_pages >= present;
  present += s.zone(nid, Zone::Movable).present_pages;
  // 6.19 compares with node_present_pages: the same sum without ZONE_DEVICE
  // and HIGHMEM, which hold no present pages here.
  const bool clear_memory = nr_pages >= present;

  int err = going_offline_notifier(s, start, nr_pages);
  if (err) {
    r.reason = "notifier failure";
  } else if ((err = migrate_movable_pages(s, start, end, nid))) {
    // The kernel retries until a signal arrives (-EINTR "signal backoff").
    r.reason = "signal backoff: migration cannot make progress";
  } else if (!test_pages_isolated(s, start, end)) {
    // Unmovable pages the scan skips: offline_pages() loops until signalled.
    err = -EINTR;
    r.reason = "signal backoff: pages that can be neither migrated nor freed";
  }
  if (err) {  // failed_removal_isolated, failed_removal_pcplists_disabled
    undo_isolate_page_range(s, start, end);
    if (!injected(s, "offline_error_keeps_lru_disabled")) --s.lru_disable_count;
    return err;
  }

  // lru_cache_enable(); zone_pcp_enable()
  --s.lru_disable_count;
  __offline_isolated_pages(s, r, start, end);
  if (!r.bug.empty()) return -EINVAL;
  if (!injected(s, "offline_leaks_isolate_count"))
    s.zone(nid, zone).nr_isolate_pageblock -= static_cast<long>(nr_pages / g.pageblock_pages());
  if (!injected(s, "offline_keeps_managed"))
    adjust_managed_page_count(s, start, -static_cast<long>(nr_pages));
  if (!injected(s, "offline_skips_present"))
    adjust_present_page_count(s, start, group, -static_cast<long>(nr_pages));
  // node_states_clear_node()
  if (!injected(s, "offline_keeps_n_memory")) {
    if (clear_normal) s.node(nid).has_normal_memory = false;
    if (clear_memory) s.node(nid).has_memory = false;
  }
  remove_pfn_range_from_zone(s, r, nid, zone, start, nr_pages);
  return 0;
}

/* mm/memory_hotplug.c: what add_memory_resource() leaves in the blocks of an
   altmap: 6.1 stores how many pages vmemmap_populate() took (altmap.alloc),
   6.6 onwards the altmap itself, whose free count online and offline use. */
BlockAltmap block_altmap_of(const System& s, const VmemAltmap& altmap) {
  BlockAltmap out;
  if (s.prof.has(Delta::AltmapInBlock)) {
    out.nr_vmemmap_pages = altmap.free;
    out.alloc = altmap.alloc;
  } else {
    out.nr_vmemmap_pages = altmap.alloc;
  }
  if (injected(s, "block_records_half_vmemmap")) out.nr_vmemmap_pages /= 2;
  if (injected(s, "altmap_alloc_not_recorded")) out.nr_vmemmap_pages = 0;
  return out;
}

/* mm/memory_hotplug.c: the altmap try_remove_memory() hands back to
   arch_remove_memory(): 6.1 rebuilds it from nr_vmemmap_pages, 6.6 onwards
   takes mem->altmap */
VmemAltmap altmap_of_block(const System& s, u64 id, const MemoryBlock& mem) {
  VmemAltmap a;  // 6.1's is on the stack with only alloc set
  a.alloc = mem.nr_vmemmap_pages;
  if (s.prof.has(Delta::AltmapInBlock)) {
    a.base_pfn = s.geo.block_start(id).v;
    a.free = mem.nr_vmemmap_pages;
    a.alloc = mem.altmap_alloc;
  }
  return a;
}

/* mm/memory_hotplug.c: try_remove_memory() without altmaps */
void remove_range_without_altmap(System& s, Result& r, u64 start, u64 size) {
  if (!injected(s, "remove_keeps_block_devices")) remove_memory_block_devices(s, r, start, size);
  arch_remove_memory(s, r, start, size, MhpParams{});
}

/* mm/memory_hotplug.c: add_memory_resource(): the plain path, the memmap
   from the page allocator */
int add_without_altmap(System& s, Result& r, int nid, int group, u64 start, u64 size) {
  if (int err = arch_add_memory(s, r, nid, start, size, MhpParams{})) return err;
  // create memory block devices after memory was added
  if (int err = create_memory_block_devices(s, r, start, size, BlockAltmap{}, group)) {
    arch_remove_memory(s, r, start, size, MhpParams{});
    return err;
  }
  return 0;
}

/* mm/memory_hotplug.c: add_memory_resource(): one altmap for the range, the
   way 6.1 to 6.7 host the memmap on the memory (always a single block) */
int add_with_one_altmap(System& s, Result& r, int nid, int group, u64 start, u64 size) {
  const Geometry& g = s.geo;
  VmemAltmap mhp_altmap;
  mhp_altmap.base_pfn = g.pfn_of(start).v;
  // 6.1 offers the whole range and records what was taken; 6.6 offers what
  // memory_block_memmap_on_memory_pages() says and records the altmap.
  mhp_altmap.free = s.prof.has(Delta::AltmapInBlock)
                        ? mhp_supports_memmap_on_memory(g, s.prof, size).vmemmap_pages
                        : size >> g.page_shift;
  if (int err = arch_add_memory(s, r, nid, start, size, MhpParams{&mhp_altmap, nullptr, Pfn{0}})) return err;
  BlockAltmap kept = block_altmap_of(s, mhp_altmap);
  if (int err = create_memory_block_devices(s, r, start, size, kept, group)) {
    // f42ce5f087eb (6.7, in Debian's 6.1.192): remove with the altmap.
    const bool with_altmap = s.prof.has(Delta::AddErrorPathAltmap);
    arch_remove_memory(s, r, start, size, MhpParams{with_altmap ? &mhp_altmap : nullptr, nullptr, Pfn{0}});
    return err;
  }
  return 0;
}

/* mm/memory_hotplug.c: remove_memory_blocks_and_altmaps() (6.8) */
void remove_memory_blocks_and_altmaps(System& s, Result& r, u64 start, u64 size) {
  const Geometry& g = s.geo;
  for (u64 cur = start; cur < start + size; cur += g.block_bytes) {
    const u64 id = g.block_id(g.pfn_of(cur));
    const MemoryBlock mem = memory_block(s, id);
    if (WARN(r, !mem.present, "remove_memory_blocks_and_altmaps: no memory block " + std::to_string(id)))
      continue;
    VmemAltmap altmap = altmap_of_block(s, id, mem);
    remove_memory_block_devices(s, r, cur, g.block_bytes);
    arch_remove_memory(s, r, cur, g.block_bytes, MhpParams{&altmap, nullptr, Pfn{0}});
    WARN(r, altmap.alloc != 0, "Altmap not fully unmapped");
  }
}

/* mm/memory_hotplug.c: create_altmaps_and_memory_blocks() (6.8): one altmap
   per memory block, so that each block hosts its own memmap */
int create_altmaps_and_memory_blocks(System& s, Result& r, int nid, int group, u64 start, u64 size) {
  const Geometry& g = s.geo;
  int err = 0;
  u64 cur = start;
  for (; cur < start + size; cur += g.block_bytes) {
    VmemAltmap mhp_altmap;
    mhp_altmap.base_pfn = g.pfn_of(cur).v;
    mhp_altmap.end_pfn = g.pfn_of(cur + g.block_bytes).v - 1;
    mhp_altmap.free = mhp_supports_memmap_on_memory(g, s.prof, g.block_bytes).vmemmap_pages;
    if ((err = arch_add_memory(s, r, nid, cur, g.block_bytes, MhpParams{&mhp_altmap, nullptr, Pfn{0}}))) break;
    if ((err = create_memory_block_devices(s, r, cur, g.block_bytes, block_altmap_of(s, mhp_altmap), group))) {
      // v6.19 passes NULL here (B20b); Debian's 6.12.118 has the fix.
      const bool with_altmap = s.prof.has(Delta::PerBlockErrorAltmap);
      arch_remove_memory(s, r, cur, g.block_bytes, MhpParams{with_altmap ? &mhp_altmap : nullptr, nullptr, Pfn{0}});
      break;
    }
  }
  if (err && cur != start) remove_memory_blocks_and_altmaps(s, r, start, cur - start);
  return err;
}

/* mm/memory_hotplug.c: add_memory_resource() */
int add_memory_resource(System& s, Result& r, int nid, u64 start, u64 size, unsigned flags) {
  const Geometry& g = s.geo;
  u64 checked = start;
  if (injected(s, "hotplug_range_ignores_start")) checked = 0;
  if (int err = check_hotplug_memory_range(g, checked, size)) {
    r.reason = "Block size unaligned hotplug range";
    return err;
  }
  int group = -1;
  if (flags & MHP_NID_IS_MGID) {
    auto it = s.groups.find(nid);
    if (it == s.groups.end()) return -EINVAL;
    group = nid;
    nid = it->second.nid;
  }
  if (WARN(r, !s.node_possible(nid),
           "node " + std::to_string(nid) + " was absent from the node_possible_map"))
    return -EINVAL;

  const bool new_node = try_online_node_for_add(s, nid);
  if (flags & MHP_MEMMAP_ON_MEMORY) {
    const MemmapOnMemorySupport sup = mhp_supports_memmap_on_memory(g, s.prof, size);
    if (sup.supported && s.prof.has(Delta::MomPerBlock)) {
      if (int err = create_altmaps_and_memory_blocks(s, r, nid, group, start, size)) return err;
    } else if (sup.supported) {
      if (int err = add_with_one_altmap(s, r, nid, group, start, size)) return err;
    } else if (!s.prof.has(Delta::MomFallback)) {
      r.reason = "memmap_on_memory not supported: " + sup.reason;
      return -EINVAL;
    } else {
      // 6.6 onwards: the memmap comes from the page allocator, silently.
      r.notes.push_back("memmap_on_memory requested but not used: " + sup.reason);
      if (int err = add_without_altmap(s, r, nid, group, start, size)) return err;
    }
  } else if (int err = add_without_altmap(s, r, nid, group, start, size)) {
    return err;
  }
  if (new_node) s.node(nid).online = true;  // node_set_online(); __register_one_node()
  register_memory_blocks_under_node(s, nid, start, size);
  if (flags & MHP_MERGE_RESOURCE) merge_system_ram_resource(s, start);

  // online pages if requested: failures are not reported to the caller.
  if (s.prof.memhp_default_state != OnlineType::Offline) {
    for (u64 id = g.block_id(g.pfn_of(start)); id < g.block_id(g.pfn_of(start + size)); ++id) {
      Result ignored;
      online_memory_block(s, ignored, id, s.prof.memhp_default_state);
      r.warnings.insert(r.warnings.end(), ignored.warnings.begin(), ignored.warnings.end());
    }
  }
  return 0;
}

/* mm/memory_hotplug.c: __add_memory() / add_memory_driver_managed(), with
   register_memory_resource() */
int __add_memory(System& s, Result& r, int nid, u64 start, u64 size, unsigned flags,
                 const std::string& resource_name) {
  if (!mhp_range_allowed(s.geo, start, size)) {
    r.reason = "Hotplug memory exceeds maximum addressable range";
    return -E2BIG;
  }
  if (!request_region(s, start, size, resource_name)) {
    r.reason = "Unable to reserve System RAM region";
    return -EEXIST;
  }
  const int err = add_memory_resource(s, r, nid, start, size, flags);
  if (err < 0) {
    if (!injected(s, "add_failure_keeps_resource")) release_resource(s, start);
  }
  return err;
}

/* mm/memory_hotplug.c: online_memory_block() */
int online_memory_block(System& s, Result& r, u64 id, OnlineType type) {
  MemoryBlock m = memory_block(s, id);
  m.online_type = type;
  set_memory_block(s, id, m);
  return device_online(s, r, id);
}

/* mm/memory_hotplug.c: try_offline_node() */
void try_offline_node(System& s, int nid) {
  NodeState& n = s.node(nid);
  // If the node still spans pages (especially ZONE_DEVICE), don't offline it.
  if (n.node_spanned_pages) return;
  bool has_block = false;
  s.blocks.for_each(0, RunMap<MemoryBlock>::kEnd, [&](u64, u64, const MemoryBlock& m) {
    has_block = has_block || (m.present && m.nid == nid);
  });
  if (injected(s, "try_offline_node_ignores_blocks")) has_block = false;
  if (has_block || n.has_cpu) return;
  n.online = false;  // node_set_offline(); unregister_one_node()
}

/* mm/memory_hotplug.c: try_remove_memory() */
int try_remove_memory(System& s, Result& r, u64 start, u64 size) {
  const Geometry& g = s.geo;
  if (check_hotplug_memory_range(g, start, size)) {
    r.bug = "BUG_ON(check_hotplug_memory_range()) in try_remove_memory";
    return -EINVAL;
  }
  // All memory blocks must be offline; remember the (last) nid.
  int nid = kNoNode;
  u64 nr_vmemmap_pages = 0;
  // walk_memory_blocks() visits each id; runs of equal blocks answer alike.
  const u64 first = g.block_id(g.pfn_of(start)), last = g.block_id(g.pfn_of(start + size - 1));
  bool busy = false;
  s.blocks.for_each(first, last + 1, [&](u64, u64, const MemoryBlock& m) {
    if (busy || !m.present) return;
    nid = m.nid;
    busy = m.state != BlockState::Offline;
    if (injected(s, "remove_ignores_online_blocks")) busy = false;
    if (!nr_vmemmap_pages) nr_vmemmap_pages = m.nr_vmemmap_pages;
  });
  if (busy) {
    r.reason = "removing memory fails, because memory is onlined";
    return -EBUSY;
  }
  if (s.prof.has(Delta::MomPerBlock)) {
    // memory_blocks_have_altmaps(): all blocks or none.
    u64 num_altmaps = 0;
    s.blocks.for_each(first, last + 1, [&](u64 a, u64 b, const MemoryBlock& m) {
      if (m.present && m.nr_vmemmap_pages) num_altmaps += b - a;
    });
    if (!s.prof.memmap_on_memory || num_altmaps == 0) {
      remove_range_without_altmap(s, r, start, size);
    } else if (WARN(r, num_altmaps != last + 1 - first,
                    "memory_blocks_have_altmaps: " + std::to_string(num_altmaps) + " of " +
                        std::to_string(last + 1 - first) + " blocks have an altmap")) {
      return -EINVAL;
    } else {
      remove_memory_blocks_and_altmaps(s, r, start, size);
    }
  } else {
    // 6.1: memory added with MHP_MEMMAP_ON_MEMORY goes in the granularity it came.
    VmemAltmap mhp_altmap;
    VmemAltmap* altmap = nullptr;
    if (s.prof.memmap_on_memory && nr_vmemmap_pages) {
      if (size != g.block_bytes) {
        r.reason = "Refuse to remove: wrong granularity";
        return -EINVAL;
      }
      mhp_altmap = altmap_of_block(s, first, memory_block(s, first));
      altmap = &mhp_altmap;
    }
    if (!injected(s, "remove_keeps_block_devices")) remove_memory_block_devices(s, r, start, size);
    arch_remove_memory(s, r, start, size, MhpParams{altmap, nullptr, Pfn{0}});
  }
  if (!injected(s, "remove_keeps_resource")) release_mem_region_adjustable(s, start, size);
  if (nid != kNoNode) try_offline_node(s, nid);
  return 0;
}

}  // namespace memhp::k

namespace memhp {

/* mm/memory_hotplug.c: mhp_supports_memmap_on_memory() */
MemmapOnMemorySupport mhp_supports_memmap_on_memory(const Geometry& g, const Profile& p,
                                                    u64 size) {
  const auto words = k::geometry_words(g);
  const auto w = p.has(Delta::MomArchCheck)
                     ? proven::mhp_supports_memmap_on_memory_v66(proven::Concrete{}, words, p.memmap_on_memory,
                                                                 p.memmap_on_memory_force,
                                                                 p.has(Delta::MomPerBlock), size)
                     : proven::mhp_supports_memmap_on_memory(proven::Concrete{}, words, p.memmap_on_memory, size);
  MemmapOnMemorySupport out;
  out.vmemmap_pages = w.vmemmap_pages;
  out.supported = w.refused == proven::kMomSupported;
  auto kib = [](u64 b) { return std::to_string(b >> 10) + " KiB"; };
  switch (w.refused) {
    case proven::kMomNoArch:
      out.reason = "CONFIG_MHP_MEMMAP_ON_MEMORY is not available on " + g.name;
      break;
    case proven::kMomParamOff: out.reason = "memory_hotplug.memmap_on_memory is off"; break;
    case proven::kMomNotOneBlock:
      out.reason = "size " + kib(size) + " is not one memory block (" + kib(g.block_bytes) + ")";
      break;
    case proven::kMomVmemmapNotPmd:
      out.reason = "vmemmap size " + kib(w.vmemmap_bytes) + " is not a multiple of PMD_SIZE " +
                   kib(g.pmd_size());
      break;
    case proven::kMomRestNotPageblock:
      out.reason = "remaining " + kib(w.remaining) + " is not pageblock aligned";
      break;
    case proven::kMomVmemmapNotPage:
      out.reason = "vmemmap size " + std::to_string(w.vmemmap_bytes) + " bytes is not page aligned";
      break;
    case proven::kMomPagesNotPageblock:
      out.reason = "vmemmap of " + std::to_string(w.vmemmap_pages) +
                   " pages is not whole pageblocks (memmap_on_memory=force pads it)";
      break;
    case proven::kMomWholeBlock:
      out.reason = "the vmemmap would fill the whole memory block";
      break;
  }
  return out;
}

/* mm/memory_hotplug.c: add_memory() */
Result add_memory(System& s, int nid, u64 start, u64 size, unsigned mhp_flags) {
  Result r;
  r.err = k::__add_memory(s, r, nid, start, size, mhp_flags, "System RAM");
  return r;
}

/* mm/memory_hotplug.c: add_memory_driver_managed() */
Result add_memory_driver_managed(System& s, int nid, u64 start, u64 size,
                                 const std::string& resource_name, unsigned mhp_flags) {
  if (resource_name.rfind("System RAM (", 0) != 0 || resource_name.back() != ')')
    return Result::error(-EINVAL, "resource name must be \"System RAM (...)\"");
  Result r;
  r.err = k::__add_memory(s, r, nid, start, size, mhp_flags, resource_name);
  return r;
}

/* mm/memory_hotplug.c: remove_memory() */
Result remove_memory(System& s, u64 start, u64 size) {
  Result r;
  r.err = k::try_remove_memory(s, r, start, size);
  return r;
}

}  // namespace memhp
