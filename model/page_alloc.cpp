// mm/page_alloc.c: zones at boot, memmap initialisation, the buddy allocator.
//
// Design. The buddy allocator is modelled by page kinds, not free lists:
// a pfn is PageKind::Free when it is in the buddy allocator, and an
// allocation turns free pages into Movable, Unmovable or Memmap pages. The
// kernel's choice of which free pages to hand out depends on free-list order
// and per-cpu lists and is not deterministic; the model's is, and is the
// simplest rule that keeps freshly onlined memory for last as FPI_TO_TAIL
// does: the lowest pfn first, walking the zonelist from the highest allowed
// zone down, on the preferred node first. Memmap pages remember the section
// they belong to, so removing it frees exactly them. Zone counters are exact;
// managed_pages counts every page handed to the buddy allocator, allocated or
// not, as in the kernel.
//
// Boot: memblock reservations (kernel image, boot memmap, ...) are not
// modelled, so boot memory starts with managed == present.
#include <algorithm>
#include <optional>
#include <tuple>

#include "internal.h"
#include "memhp/proven/vmemmap.h"
#include "proven_words.h"

namespace memhp::k {

std::vector<int> node_order(const System& s, int nid) {
  std::vector<int> order;
  if (s.node_possible(nid)) order.push_back(nid);
  for (int n = 0; n < static_cast<int>(s.nodes.size()); ++n)
    if (n != nid && s.nodes[static_cast<std::size_t>(n)].possible) order.push_back(n);
  return order;
}

std::vector<std::pair<int, Zone>> zonelist(const std::vector<int>& nodes, Zone highest) {
  std::vector<std::pair<int, Zone>> list;
  for (int nid : nodes)
    for (int z = std::min(zone_idx(highest), zone_idx(Zone::Movable)); z >= 0; --z)
      list.emplace_back(nid, static_cast<Zone>(z));
  return list;
}

namespace {

struct Run {
  u64 lo, hi;
};

// Pieces of [lo, hi) outside `ex`.
void subtract(u64 lo, u64 hi, PfnRange ex, std::vector<Run>& out) {
  if (ex.empty() || hi <= ex.start.v || ex.end.v <= lo) {
    out.push_back({lo, hi});
    return;
  }
  if (lo < ex.start.v) out.push_back({lo, ex.start.v});
  if (ex.end.v < hi) out.push_back({ex.end.v, hi});
}

/* mm/page_alloc.c: init_unavailable_range(): reserved struct pages for the
   holes of present sections */
void init_unavailable_range(System& s, Pfn spfn, Pfn epfn, Zone zone, int nid) {
  if (epfn <= spfn) return;
  const Geometry& g = s.geo;
  s.sections.for_each(g.section_nr(spfn), g.section_nr(epfn - 1) + 1,
                      [&](u64 a, u64 b, const SectionState& ms) {
                        if (!ms.present) return;
                        const u64 lo = std::max(spfn.v, g.section_start(a).v);
                        const u64 hi = std::min(epfn.v, g.section_start(b).v);
                        s.pages.assign(lo, hi, PageState::in_zone(PageKind::Hole, zone, nid));
                      });
}

}  // namespace

/* mm/page_alloc.c: free_area_init() with calculate_node_totalpages() */
void free_area_init(System& s, const std::vector<MemblockRange>& mem,
                    const std::array<u64, kNrZones>& max_zone_pfn) {
  std::array<u64, kNrZones> lo{}, hi{};
  u64 start = ~u64{0};
  for (const MemblockRange& m : mem) start = std::min(start, m.start.v);
  for (Zone z : kAllZones) {
    if (z == Zone::Movable) continue;  // no kernelcore=/movablecore=
    const u64 end = std::max(max_zone_pfn[zone_idx(z)], start);
    lo[zone_idx(z)] = start;
    hi[zone_idx(z)] = end;
    start = end;
  }
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    u64 nstart = ~u64{0}, nend = 0;
    for (const MemblockRange& m : mem)
      if (m.nid == nid) nstart = std::min(nstart, m.start.v), nend = std::max(nend, m.end.v);
    if (nend == 0) continue;
    NodeState& n = s.node(nid);
    n.node_start_pfn = nstart;
    for (Zone z : kAllZones) {
      ZoneState& zs = n.zones[zone_idx(z)];
      const u64 a = std::max(nstart, lo[zone_idx(z)]);
      const u64 b = std::min(nend, hi[zone_idx(z)]);
      if (z == Zone::Movable || a >= b) continue;  // spanned 0, start 0
      u64 present = 0;
      for (const MemblockRange& m : mem)
        if (m.nid == nid && m.start.v < b && a < m.end.v)
          present += std::min(b, m.end.v) - std::max(a, m.start.v);
      zs.zone_start_pfn = a;
      zs.spanned_pages = b - a;
      zs.present_pages = zs.present_early_pages = zs.managed_pages = present;
      n.node_spanned_pages += b - a;
      n.node_present_pages += present;
      if (present && z <= Zone::Normal) n.has_normal_memory = true;
    }
    n.online = n.has_cpu = true;
    n.has_memory = n.node_present_pages != 0;
  }
}

/* mm/page_alloc.c: memmap_init() and memmap_init_zone_range(); the RAM then
   goes to the buddy allocator (memblock_free_all) */
void memmap_init(System& s, const std::vector<MemblockRange>& mem) {
  u64 hole_pfn = 0;
  int zone_id = 0, nid = 0;
  for (const MemblockRange& m : mem) {
    nid = m.nid;
    for (Zone z : kAllZones) {
      const ZoneState& zs = s.zone(m.nid, z);
      if (!zs.populated()) continue;
      const u64 a = std::clamp(m.start.v, zs.zone_start_pfn, zs.end_pfn());
      const u64 b = std::clamp(m.end.v, zs.zone_start_pfn, zs.end_pfn());
      zone_id = zone_idx(z);
      if (a >= b) continue;
      s.pages.assign(a, b, PageState::in_zone(PageKind::Free, z, m.nid));
      if (hole_pfn < a) init_unavailable_range(s, Pfn{hole_pfn}, Pfn{a}, z, m.nid);
      hole_pfn = b;
    }
  }
  // The hole from the end of memory to the end of its section joins the
  // highest zone of the last node.
  if (mem.empty()) return;
  if (injected(s, "memmap_init_skips_tail_hole")) return;
  const u64 end = align_up(mem.back().end.v, s.geo.pages_per_section());
  if (hole_pfn < end)
    init_unavailable_range(s, Pfn{hole_pfn}, Pfn{end}, static_cast<Zone>(zone_id), nid);
}

/* mm/page_alloc.c: memmap_init_range(), MEMINIT_HOTPLUG: every struct page
   initialised and PageReserved, pageblocks set to `mt` */
void memmap_init_range(System& s, u64 size, int nid, Zone zone, Pfn start, Migratetype mt,
                       const VmemAltmap* altmap) {
  Pfn end = start + size;
  if (zone == Zone::Device) {
    // Only the pfns that host the memmap (the altmap's free part) are
    // initialised here; memmap_init_zone_device() does the rest later.
    if (!altmap) return;
    if (start.v == altmap->base_pfn) start += altmap->reserve;
    end = Pfn{altmap->base_pfn + vmem_altmap_offset(altmap)};
    if (end <= start) return;
    s.pages.assign(start.v, end.v, PageState::in_zone(PageKind::Vmemmap, zone, nid, mt));
    return;
  }
  s.pages.assign(start.v, end.v, PageState::in_zone(PageKind::Reserved, zone, nid, mt));
}

namespace {

// What mainline 6.19's __init_zone_device_page() leaves (B20d): it sets a
// pageblock's migratetype only from a struct page the loop writes, and with
// a deduplicated vmemmap that is the head and compound_nr_pages() - 1 tails
// of each compound page. Every later pageblock of a compound page larger
// than a pageblock keeps the zeroed bits: MIGRATE_UNMOVABLE.
void leave_tail_pageblocks_unset(System& s, Pfn start, Pfn end, const DevPagemap& pgmap) {
  const u64 compound = u64{1} << pgmap.vmemmap_shift, pb = s.geo.pageblock_pages();
  const bool dedup = proven::compound_path(proven::Concrete{}, geometry_words(s.geo), pgmap.vmemmap_shift,
                                           pgmap.altmap.has_value());
  if (!dedup || compound <= pb) return;
  for (u64 head = align_up(start.v, compound); head + pb < end.v; head += compound)
    s.pages.update(head + pb, std::min(end.v, head + compound), [](PageState& p) { p.mt = Migratetype::Unmovable; });
}

}  // namespace

/* mm/mm_init.c (Debian 6.1.192; mm/page_alloc.c in 6.1.20): memmap_init_zone_device() */
void memmap_init_zone_device(System& s, int nid, Pfn start, u64 nr_pages, const DevPagemap& pgmap) {
  const Pfn end = start + nr_pages;
  if (pgmap.altmap) start = Pfn{pgmap.altmap->base_pfn + pgmap.altmap->reserve + pgmap.altmap->free};
  if (end <= start) return;
  const PageState device = PageState::in_zone(PageKind::Device, Zone::Device, nid);
  s.pages.assign(start.v, end.v, device);  // pageblock_migratetype_init_range(.., MIGRATE_MOVABLE)
  if (injected(s, "device_tail_pageblocks_unset")) leave_tail_pageblocks_unset(s, start, end, pgmap);
  // compound_nr_pages(): with a power-of-two struct page and no altmap only
  // the head and 127 tails need writing, because the deduplicated vmemmap
  // maps every further tail onto them. A section that reused its boot
  // memmap (an early section, partly added) has no such aliases, and
  // Debian's 6.1.192 (mm/mm_init.c) writes every struct page there: the
  // B20e fix is backported. So every pfn after the altmap is initialised.
}

/* mm/page_alloc.c: __free_pages_core(), for a range of one zone */
void free_pages_core(System& s, Pfn start, u64 nr_pages) {
  const PageState first = s.page(start);
  s.pages.update(start.v, start.v + nr_pages, [](PageState& p) { p.kind = PageKind::Free; });
  s.zone(first.nid, first.zone).managed_pages += nr_pages;
}

/* mm/page_alloc.c: adjust_managed_page_count() */
void adjust_managed_page_count(System& s, Pfn page, long count) {
  const PageState& p = s.page(page);
  s.zone(p.nid, p.zone).managed_pages += static_cast<u64>(count);
}

/* mm/page_alloc.c: __offline_isolated_pages() */
void __offline_isolated_pages(System& s, Result& r, Pfn start, Pfn end) {
  if (!injected(s, "offline_keeps_sections_online")) offline_mem_sections(s, r, start, end);
  // Every page must be a free buddy page by now: BUG_ON(!PageBuddy(page)).
  const bool all_free =
      s.pages.all_of(start.v, end.v, [](const PageState& p) { return p.kind == PageKind::Free; });
  if (!all_free) {
    r.bug = "__offline_isolated_pages: BUG_ON(!PageBuddy(page))";
    return;
  }
  // Out of the free lists; the struct pages stay until the range is poisoned.
  s.pages.update(start.v, end.v, [](PageState& p) { p.kind = PageKind::Reserved; });
}

namespace {

// page_zone_id() of an initialised struct page equals the zone's; a
// poisoned one reads as no zone at all.
bool page_in_zone(const PageState& p, int nid, Zone zone) {
  return p.initialised() && p.nid == nid && p.zone == zone;
}

// Where an input of the pageblock lookup may change inside [lo, hi), with
// lo and hi, sorted: pfn_valid() and pfn_to_online_page() read the
// section's flags, its subsection map and the pgmap; page_zone_id() reads
// whether the struct page is initialised, and its node and zone. Runs that
// differ in nothing else (a block's vmemmap beside its free pages, the
// memmap accounting of each section) are one piece, so a zone of 32,000
// online blocks is a handful of pieces.
std::vector<u64> pageblock_pieces(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  std::vector<u64> cuts = {lo, hi};
  auto cut = [&](u64 x) {
    if (lo < x && x < hi) cuts.push_back(x);
  };
  using SectionInputs = std::tuple<bool, bool, bool, bool, bool>;
  std::optional<SectionInputs> last_section;
  s.sections.for_each(g.section_nr(Pfn{lo}), g.section_nr(Pfn{hi - 1}) + 1,
                      [&](u64 a, u64 b, const SectionState& ms) {
                        const bool full = ms.subsection_map.count() == g.subsections_per_section();
                        const SectionInputs in{ms.has_mem_map, ms.online, ms.early, ms.taint_zone_device, full};
                        if (last_section != in) cut(g.section_start(a).v);
                        last_section = in;
                        if (!full && ms.subsection_map.any())
                          for (u64 nr = std::max(a, g.section_nr(Pfn{lo})); nr < b && g.section_start(nr).v < hi; ++nr) {
                            cut(g.section_start(nr).v);
                            for (u64 i = 1; i < g.subsections_per_section(); ++i)
                              cut(g.section_start(nr).v + i * g.pages_per_subsection());
                            cut(g.section_start(nr + 1).v);
                          }
                      });
  using PageInputs = std::tuple<bool, int, Zone>;
  std::optional<PageInputs> last_page;
  s.pages.for_each(lo, hi, [&](u64 a, u64, const PageState& p) {
    const PageInputs in{p.initialised(), p.nid, p.zone};
    if (last_page != in) cut(a);
    last_page = in;
  });
  s.pgmap_array.for_each(lo, hi, [&](u64 a, u64, int) { cut(a); });
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

}  // namespace

/* mm/page_alloc.c: __pageblock_pfn_to_page() */
bool __pageblock_pfn_to_page(const System& s, Pfn start, Pfn end, int nid, Zone zone) {
  const Pfn last = end - 1;  // end is one past the pageblock
  if (!pfn_valid(s, start) || !pfn_valid(s, last)) return false;
  if (!pfn_to_online_page(s, start)) return false;
  const PageState& first = s.page(start);
  if (!injected(s, "pageblock_ignores_zone"))
    if (!page_in_zone(first, nid, zone)) return false;
  // The last page only has to share the first one's zone id.
  return first.initialised() && page_in_zone(s.page(last), first.nid, first.zone);
}

/* mm/internal.h: pageblock_pfn_to_page(): a contiguous zone skips the checks */
bool pageblock_pfn_to_page(const System& s, Pfn start, Pfn end, int nid, Zone zone) {
  return s.zone(nid, zone).contiguous || __pageblock_pfn_to_page(s, start, end, nid, zone);
}

/* Every pageblock of [lo, hi) (clipped to it, as the scanners clip to the
   zone) asked of pageblock_pfn_to_page(). The answer depends only on the
   pageblock's first and last pfn, and every input is constant on a piece of
   pageblock_pieces(), so the pageblocks lying wholly inside one piece share
   the answer of the first of them: the cost follows the runs, not the pfns. */
std::vector<PfnRange> handed_pageblocks(const System& s, u64 lo, u64 hi, int nid, Zone zone,
                                        bool fast_path) {
  const u64 pb = s.geo.pageblock_pages();
  const std::vector<u64> cuts = pageblock_pieces(s, lo, hi);
  std::vector<PfnRange> out;
  std::size_t i = 0;
  for (u64 a = lo; a < hi;) {
    const u64 b = std::min(align_down(a, pb) + pb, hi);
    while (cuts[i + 1] <= a) ++i;
    u64 next = b;  // where the pageblocks that share this answer end
    if (b <= cuts[i + 1]) next = std::max(b, std::min(align_down(cuts[i + 1], pb), hi));
    if (fast_path ? pageblock_pfn_to_page(s, Pfn{a}, Pfn{b}, nid, zone)
                  : __pageblock_pfn_to_page(s, Pfn{a}, Pfn{b}, nid, zone)) {
      if (!out.empty() && out.back().end.v == a)
        out.back().end = Pfn{next};
      else
        out.push_back({Pfn{a}, Pfn{next}});
    }
    a = next;
  }
  return out;
}

/* mm/page_alloc.c: set_zone_contiguous() */
void set_zone_contiguous(System& s, int nid, Zone zone, PfnRange changed, bool vouched) {
  ZoneState& z = s.zone(nid, zone);
  const u64 lo = z.zone_start_pfn, hi = z.end_pfn(), pb = s.geo.pageblock_pages();
  if (z.is_empty()) {  // no pageblock to fail
    z.contiguous = true;
    return;
  }
  // The kernel asks every pageblock and wants all to pass; the order does
  // not matter, so the pageblock of the range the caller just moved in or
  // out is asked first. On every kernel path it fails there at once: the
  // range an online moves in is still offline, and one an offline leaves
  // inside the span is a hole.
  if (!changed.empty() && changed.start.v < hi && lo < changed.end.v) {
    const u64 a = std::max(align_down(std::max(changed.start.v, lo), pb), lo);
    if (!__pageblock_pfn_to_page(s, Pfn{a}, Pfn{std::min(align_down(a, pb) + pb, hi)}, nid, zone)) return;
  } else if (vouched && !changed.empty()) {
    // An offline that took a range off the span's edge, from a zone the
    // flag vouched for: every pageblock left passed when it was last set,
    // and offlining changes no section, subsection or page zone outside
    // its range (migration changes page kinds only). No walk needed.
    z.contiguous = true;
    return;
  }
  const std::vector<PfnRange> handed = handed_pageblocks(s, lo, hi, nid, zone, false);
  if (handed.size() == 1 && handed.front() == PfnRange{Pfn{lo}, Pfn{hi}}) z.contiguous = true;
  // A hole leaves the flag as it was: clear, on every kernel path.
}

/* mm/page_alloc.c: clear_zone_contiguous() */
void clear_zone_contiguous(System& s, int nid, Zone zone) { s.zone(nid, zone).contiguous = false; }

/* mm/page_alloc.c: page_alloc_init_late(): every populated zone is checked once */
void page_alloc_init_late(System& s) {
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid)
    for (Zone z : kAllZones)
      if (s.zone(nid, z).populated()) set_zone_contiguous(s, nid, z, {}, false);
}

bool alloc_pages_zonelist(System& s, const AllocRequest& req) {
  std::vector<Run> take;
  u64 need = req.count;
  const std::vector<int> nodes = req.nodes.empty() ? node_order(s, req.nid) : req.nodes;
  const PfnRange everything{Pfn{0}, Pfn{~u64{0}}};
  AllocCursor* cursor =
      req.only == everything && req.exclude.empty() ? req.cursor : nullptr;
  std::vector<std::pair<std::pair<int, Zone>, u64>> reached;  // new floors, if served
  for (const auto& [zl_nid, zl_zone] : zonelist(nodes, req.highest)) {
    const int nid = zl_nid;  // plain copies: lambdas cannot capture bindings (C++20)
    const Zone z = zl_zone;
    const ZoneState& zs = s.zone(nid, z);
    if (zs.is_empty() || need == 0) continue;
    u64 lo = std::max(zs.zone_start_pfn, req.only.start.v);
    const u64 hi = std::min(zs.end_pfn(), req.only.end.v);
    if (cursor) {
      auto it = cursor->floor.find({nid, z});
      if (it != cursor->floor.end()) lo = std::max(lo, it->second);
    }
    u64 stop = hi;  // where the walk of this zone ended
    s.pages.for_each_while(lo, hi, [&](u64 a, u64 b, const PageState& p) {
      if (p.kind != PageKind::Free || p.zone != z || p.nid != nid ||
          p.mt == Migratetype::Isolate)
        return true;
      std::vector<Run> pieces;
      subtract(a, b, req.exclude, pieces);
      for (Run run : pieces) {
        const u64 n = std::min(need, run.hi - run.lo);
        if (n == 0) continue;
        take.push_back({run.lo, run.lo + n});
        need -= n;
        stop = run.lo + n;
      }
      return need != 0;
    });
    reached.push_back({{nid, z}, need ? hi : stop});
  }
  if (need != 0) return false;
  if (cursor)
    for (const auto& [zone, floor] : reached) cursor->floor[zone] = floor;
  for (Run run : take)
    s.pages.update(run.lo, run.hi, [&](PageState& p) {
      p.kind = req.kind;
      p.owner = req.owner;
    });
  return true;
}

u64 free_memmap_pages(System& s, u64 section, u64 count, u64 held) {
  const std::uint32_t owner = memmap_owner(section);
  // The section's pages, in pfn order. Sections are usually removed in the
  // order they were added, lowest first, so a forward search that stops at
  // the last of them passes few runs (a reverse one would pass every later
  // section's memmap).
  std::vector<Run> mine;
  u64 seen = 0;
  s.pages.for_each_while(0, RunMap<PageState>::kEnd, [&](u64 a, u64 b, const PageState& p) {
    if (p.kind == PageKind::Memmap && p.owner == owner) {
      mine.push_back({a, b});
      seen += b - a;
    }
    return seen < held;
  });
  // Allocation takes the lowest free pfns, so freeing the highest ones gives
  // back the latest allocation first: a failed populate (an error path's
  // vmemmap_free()) then leaves the page map exactly as it found it.
  std::vector<Run> give;
  u64 freed = 0;
  for (auto it = mine.rbegin(); it != mine.rend() && freed < count; ++it) {
    const u64 k = std::min(count - freed, it->hi - it->lo);
    give.push_back({it->hi - k, it->hi});
    freed += k;
  }
  for (Run run : give)
    s.pages.update(run.lo, run.hi, [](PageState& p) {
      p.kind = PageKind::Free;
      p.owner = 0;
    });
  return freed;
}

}  // namespace memhp::k

namespace memhp {

namespace {

// The pfns an alloc/free may use: all, or one existing memory block.
std::optional<PfnRange> alloc_scope(const System& s, std::optional<u64> block) {
  if (!block) return PfnRange{Pfn{0}, Pfn{~u64{0}}};
  if (!s.blocks.at(*block).present) return std::nullopt;
  const Pfn start = s.geo.block_start(*block);
  return PfnRange{start, start + s.geo.block_pages()};
}

Result check_alloc_args(const System& s, int nid, Zone highest, AllocKind kind) {
  if (!s.node_possible(nid) || !s.node(nid).online)
    return Result::error(-EINVAL, "node " + std::to_string(nid) + " is not online");
  if (highest == Zone::Device) return Result::error(-EINVAL, "ZONE_DEVICE is not allocatable");
  if (kind == AllocKind::Unmovable && highest == Zone::Movable)
    return Result::error(-EINVAL, "unmovable allocations never come from ZONE_MOVABLE");
  return {};
}

PageKind page_kind_of(AllocKind k) {
  return k == AllocKind::Movable ? PageKind::Movable : PageKind::Unmovable;
}

}  // namespace

/* A page allocation: alloc_pages_node(nid, GFP_HIGHUSER_MOVABLE or GFP_KERNEL) */
Result alloc_pages(System& s, int nid, Zone highest, u64 count, AllocKind kind,
                   std::optional<u64> block) {
  if (Result bad = check_alloc_args(s, nid, highest, kind); !bad.ok()) return bad;
  const auto scope = alloc_scope(s, block);
  if (!scope) return Result::error(-ENOENT, "no memory block " + std::to_string(*block));
  k::AllocRequest req;
  req.nid = nid;
  req.highest = highest;
  req.count = count;
  req.kind = page_kind_of(kind);
  req.only = *scope;
  if (!k::alloc_pages_zonelist(s, req)) return Result::error(-ENOMEM, "not enough free pages");
  return {};
}

/* Freeing allocated pages: __free_pages() */
Result free_pages(System& s, int nid, Zone highest, u64 count, AllocKind kind,
                  std::optional<u64> block) {
  if (Result bad = check_alloc_args(s, nid, highest, kind); !bad.ok()) return bad;
  const auto scope = alloc_scope(s, block);
  if (!scope) return Result::error(-ENOENT, "no memory block " + std::to_string(*block));
  const PageKind want = page_kind_of(kind);
  std::vector<std::pair<u64, u64>> give;
  u64 need = count;
  for (const auto& [zl_nid, zl_zone] : k::zonelist(k::node_order(s, nid), highest)) {
    const int n = zl_nid;  // plain copies: lambdas cannot capture bindings (C++20)
    const Zone z = zl_zone;
    const ZoneState& zs = s.zone(n, z);
    if (zs.is_empty() || need == 0) continue;
    const u64 lo = std::max(zs.zone_start_pfn, scope->start.v);
    const u64 hi = std::min(zs.end_pfn(), scope->end.v);
    s.pages.for_each(lo, hi, [&](u64 a, u64 b, const PageState& p) {
      if (need == 0 || p.kind != want || p.zone != z || p.nid != n) return;
      const u64 k = std::min(need, b - a);
      give.emplace_back(a, a + k);
      need -= k;
    });
  }
  if (need != 0) return Result::error(-EINVAL, "fewer pages allocated than asked to free");
  for (auto [a, b] : give)
    s.pages.update(a, b, [](PageState& p) { p.kind = PageKind::Free; });
  return {};
}

}  // namespace memhp

namespace memhp {

/* mm/page_alloc.c: alloc_contig_pages()'s scan of a zone for a free range,
   pfn_range_valid_contig() (mm/hugetlb.c's pfn_range_valid_gigantic()
   before 5.5) */
std::vector<WalkedRun> pfn_range_valid_contig(const System& s, int nid, Zone zone) {
  const ZoneState& z = s.zone(nid, zone);
  const bool pfn_valid_only = injected(s, "gigantic_scan_reads_offline_memmap");
  return k::walk_online_pages(s, z.zone_start_pfn, z.end_pfn(), zone, pfn_valid_only);
}

}  // namespace memhp
