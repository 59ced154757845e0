// mm/compaction.c: whole-zone compaction, the pfn walker that trusts
// zone->contiguous.
//
// Design. Compaction runs two scanners over a zone, pageblock by pageblock:
// the migration scanner from the bottom isolates movable pages, the free
// scanner from the top isolates free pages, and the movable pages move into
// the free ones until the scanners meet. Neither scanner asks
// pfn_to_online_page() about every pfn: each asks pageblock_pfn_to_page()
// once per pageblock, and that answers without any check when
// zone->contiguous is set. So the scanners are exactly as safe as the
// contiguous flag is true, which is what the walker invariants judge:
// what each scanner was handed (Result::walked), and that the flag holds.
//
// The model keeps the kernel's choices that decide which pages move:
// sync whole-zone compaction (compact_node(): order -1, MIGRATE_SYNC) takes
// every LRU page of every handed pageblock as a source; a target pageblock
// must be MIGRATE_MOVABLE and not one free pageblock-order buddy page
// (suitable_migration_target()); a page only moves into a pageblock above
// its own. Where in a target pageblock each page lands, and the
// COMPACT_CLUSTER_MAX batching, are not modelled: the lowest free pfns of
// the highest pageblock are taken first. Migration does not fail here.
#include <algorithm>

#include "internal.h"

namespace memhp {

namespace {

struct Run {
  u64 lo = 0, hi = 0;
};

// The handed pageblocks of the zone as the walker's view: runs of equal
// struct pages inside them, NULL (nullopt) between them, over the span.
void record_walk(const System& s, const std::vector<PfnRange>& handed, const ZoneState& z, Zone zone,
                 std::vector<WalkedRun>& out) {
  u64 at = z.zone_start_pfn;
  for (const PfnRange& h : handed) {
    if (at < h.start.v) out.push_back({at, h.start.v, std::nullopt, zone});
    s.pages.for_each(h.start.v, h.end.v, [&](u64 a, u64 b, const PageState& p) {
      out.push_back({a, b, p, zone});
    });
    at = h.end.v;
  }
  if (at < z.end_pfn()) out.push_back({at, z.end_pfn(), std::nullopt, zone});
}

// Pages of `kind` inside the handed ranges, in pfn order.
std::vector<Run> pages_of_kind(const System& s, const std::vector<PfnRange>& handed, PageKind kind) {
  std::vector<Run> out;
  for (const PfnRange& h : handed)
    s.pages.for_each(h.start.v, h.end.v, [&](u64 a, u64 b, const PageState& p) {
      if (p.kind == kind) out.push_back({a, b});
    });
  return out;
}

bool handed_at(const std::vector<PfnRange>& handed, u64 pfn) {
  return std::any_of(handed.begin(), handed.end(), [&](const PfnRange& h) { return h.contains(Pfn{pfn}); });
}

/* mm/compaction.c: suitable_migration_target() for the pageblock at pb_start:
   not one free buddy page of pageblock order, and MIGRATE_MOVABLE */
bool suitable_migration_target(const System& s, u64 pb_start, u64 first) {
  const u64 pb = s.geo.pageblock_pages();
  const bool whole_buddy = s.pages.all_of(pb_start, pb_start + pb, [](const PageState& p) {
    return p.kind == PageKind::Free;
  });
  return !whole_buddy && s.page(Pfn{first}).mt == Migratetype::Movable;
}

// The free pages the free scanner isolates, grouped by pageblock, highest
// pageblock first; each group's runs in pfn order.
struct TargetBlock {
  u64 pb_start = 0;
  std::vector<Run> free;
};
std::vector<TargetBlock> free_scanner_targets(const System& s, const std::vector<PfnRange>& handed,
                                              const ZoneState& z) {
  const u64 pb = s.geo.pageblock_pages();
  std::vector<TargetBlock> out;
  for (Run f : pages_of_kind(s, handed, PageKind::Free))
    for (u64 p = align_down(f.lo, pb); p < f.hi; p += pb) {
      if (p >= f.lo && p + pb <= f.hi) {
        // Inside one free run a pageblock is one free buddy page, never a
        // target: go on with the run's last, partial pageblock.
        p = std::max(p, align_down(f.hi, pb) - pb);
        continue;
      }
      const u64 first = std::max(p, z.zone_start_pfn);
      const u64 lo = std::max(f.lo, p), hi = std::min(f.hi, p + pb);
      if (!handed_at(handed, first) || !suitable_migration_target(s, p, first)) continue;
      if (out.empty() || out.back().pb_start != p) out.push_back({p, {}});
      out.back().free.push_back({lo, hi});
    }
  std::reverse(out.begin(), out.end());
  return out;
}

/* mm/compaction.c: compact_zone() for compact_node(): until the scanners meet */
void compact_zone(System& s, Result& r, int nid, Zone zone) {
  const ZoneState z = s.zone(nid, zone);
  const u64 pb = s.geo.pageblock_pages();
  const std::vector<PfnRange> handed =
      k::handed_pageblocks(s, z.zone_start_pfn, z.end_pfn(), nid, zone, true);
  record_walk(s, handed, z, zone, r.walked);

  const std::vector<Run> sources = pages_of_kind(s, handed, PageKind::Movable);
  std::vector<TargetBlock> targets = free_scanner_targets(s, handed, z);
  std::vector<std::pair<Run, u64>> moves;  // source pages, first target pfn
  std::size_t t = 0, ti = 0;               // target pageblock, free run inside it
  bool met = false;
  for (std::size_t i = 0; i < sources.size() && !met; ++i)
    for (u64 x = sources[i].lo; x < sources[i].hi;) {
      while (t < targets.size() && ti == targets[t].free.size()) ++t, ti = 0;
      // The scanners met: no target pageblock above this page's own is left.
      if (t == targets.size() || targets[t].pb_start <= align_down(x, pb)) {
        met = true;
        break;
      }
      Run& dst = targets[t].free[ti];
      const u64 n = std::min(sources[i].hi - x, dst.hi - dst.lo);
      moves.push_back({{x, x + n}, dst.lo});
      x += n;
      dst.lo += n;
      if (dst.lo == dst.hi) ++ti;
    }
  for (const auto& [from, to] : moves) {
    const PageState moved = s.page(Pfn{from.lo});
    s.pages.update(to, to + (from.hi - from.lo), [&](PageState& p) {
      p.kind = moved.kind;
      p.owner = moved.owner;
    });
    s.pages.update(from.lo, from.hi, [](PageState& p) {
      p.kind = PageKind::Free;
      p.owner = 0;
    });
  }
}

}  // namespace

/* mm/compaction.c: compact_store() -> compact_node() */
Result compact_node(System& s, int nid) {
  // The attribute lives in the node's sysfs directory, which exists while
  // the node is online (register_one_node() / unregister_one_node()).
  if (nid < 0 || nid >= static_cast<int>(s.nodes.size()) || !s.node(nid).online)
    return Result::error(-ENOENT, "no /sys/devices/system/node/node" + std::to_string(nid));
  Result r;
  for (Zone z : kAllZones)
    if (s.zone(nid, z).populated()) compact_zone(s, r, nid, z);
  return r;
}

}  // namespace memhp
