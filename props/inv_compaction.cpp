// Compaction's scanners and the zone->contiguous flag they trust
// (docs/kernel-reference.md INV-43, INV-44), judged from the state.
//
// The scanners ask pageblock_pfn_to_page() once per pageblock and read
// every struct page of a pageblock it hands them; a contiguous zone makes
// it answer without a check. So two things must hold: what the scanners
// were handed is online, initialised memory of the zone being compacted,
// and a zone flagged contiguous has no pfn in its span for which that could
// fail. Neither check asks the model's __pageblock_pfn_to_page(): both read
// sections, subsection maps, pgmaps and struct pages directly.
#include <map>
#include <tuple>

#include "inv_util.h"
#include "invariant_lists.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;

std::string zone_label(int nid, Zone z) {
  return "node " + std::to_string(nid) + " " + std::string(zone_name(z));
}

// Every pfn of [lo, hi) is a struct page a scanner of (nid, zone) may read.
Msg scannable(const System& s, u64 lo, u64 hi, int nid, Zone zone) {
  if (!online_and_populated(s, lo, hi))
    return pfn_range(lo, hi) + " is not all online and populated";
  if (!s.pgmap_array.all_of(lo, hi, [](int id) { return id == 0; }))
    return pfn_range(lo, hi) + " holds ZONE_DEVICE pfns";
  Msg m;
  s.pages.for_each_while(lo, hi, [&](u64 a, u64 b, const PageState& p) {
    if (!p.initialised() || p.nid != nid || p.zone != zone)
      m = pfn_range(a, b) + " holds " + std::string(page_kind_name(p.kind)) + " struct pages" +
          (p.initialised() ? " of " + zone_label(p.nid, p.zone) : "");
    return !m;
  });
  return m;
}

// Pages per (nid, zone, migratetype, kind) inside the ranges.
using Tally = std::map<std::tuple<int, Zone, Migratetype, PageKind>, u64>;
Tally tally(const System& s, const std::vector<PfnRange>& ranges) {
  Tally t;
  for (const PfnRange& r : ranges)
    s.pages.for_each(r.start.v, r.end.v, [&](u64 a, u64 b, const PageState& p) {
      t[{p.nid, p.zone, p.mt, p.kind}] += b - a;
    });
  return t;
}

// The handed pfns, merged and sorted.
std::vector<PfnRange> handed_ranges(const std::vector<WalkedRun>& runs) {
  std::vector<PfnRange> out;
  for (const WalkedRun& r : runs)
    if (r.page) out.push_back({Pfn{r.lo}, Pfn{r.hi}});
  std::sort(out.begin(), out.end(), [](PfnRange a, PfnRange b) { return a.start < b.start; });
  std::vector<PfnRange> merged;
  for (PfnRange r : out)
    if (!merged.empty() && merged.back().end >= r.start)
      merged.back().end = std::max(merged.back().end, r.end);
    else
      merged.push_back(r);
  return merged;
}

// Pages outside the handed ranges are the same before and after.
Msg unhanded_unchanged(const System& before, const System& after, const std::vector<PfnRange>& handed) {
  u64 at = 0;
  Msg m;
  auto same = [&](u64 lo, u64 hi) {
    after.pages.for_each_while(lo, hi, [&](u64 a, u64 b, const PageState& p) {
      if (!before.pages.all_of(a, b, [&](const PageState& q) { return q == p; }))
        m = "compaction changed " + pfn_range(a, b) + ", which no scanner was handed";
      return !m;
    });
  };
  for (const PfnRange& h : handed) {
    if (!m && at < h.start.v) same(at, h.start.v);
    at = h.end.v;
  }
  if (!m && at < RunMap<PageState>::kEnd) same(at, RunMap<PageState>::kEnd);
  return m;
}

Msg compaction_stays_in_zone(const StepView& v) {
  const OpCompactNode* op = op_as<OpCompactNode>(v);
  if (!op || !step_ok(v)) return std::nullopt;
  const System& s = v.before;
  const std::vector<WalkedRun>& runs = v.result->walked;
  // Both scanners together cover every populated zone's span, zone by zone.
  for (Zone z : kAllZones) {
    std::vector<WalkedRun> mine;
    for (const WalkedRun& r : runs)
      if (r.zone == z) mine.push_back(r);
    const ZoneState& zs = s.zone(op->nid, z);
    const bool populated = zs.present_pages != 0;
    if (populated ? !covers(mine, zs.zone_start_pfn, zs.end_pfn()) : !mine.empty())
      return "compaction of " + zone_label(op->nid, z) + " did not scan its span " +
             pfn_range(zs.zone_start_pfn, zs.end_pfn()) + " once";
    for (const WalkedRun& r : mine)
      if (r.page)
        if (Msg m = scannable(s, r.lo, r.hi, op->nid, z))
          return "compaction of " + zone_label(op->nid, z) + " was handed " + *m;
  }
  if (Msg m = judge_walk(s, runs)) return m;
  const std::vector<PfnRange> handed = handed_ranges(runs);
  if (Msg m = unhanded_unchanged(s, v.after, handed)) return m;
  // Migration moves pages, it makes and loses none: per zone, node and
  // migratetype the pages of each kind are as many as before.
  if (tally(s, handed) != tally(v.after, handed))
    return "compaction changed how many pages of some kind a zone, node or pageblock type holds";
  System rest = v.before;
  rest.pages = v.after.pages;
  if (!(rest == v.after)) return "compaction changed more than struct pages";
  return std::nullopt;
}

bool witness_pages_compacted(const StepView& v) {
  return op_as<OpCompactNode>(v) && step_ok(v) && !(v.before.pages == v.after.pages);
}

// The first non-empty zone flagged contiguous for which f(nid, zone, zs)
// answers something, and that answer.
template <class F>
auto first_contiguous_zone(const System& s, F&& f) -> decltype(f(0, Zone::DMA, s.zone(0, Zone::DMA))) {
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid)
    for (Zone z : kAllZones) {
      const ZoneState& zs = s.zone(nid, z);
      if (!zs.contiguous || zs.is_empty()) continue;
      if (auto answer = f(nid, z, zs)) return answer;
    }
  return {};
}

Msg contiguous_zone_has_no_holes(const StateView& v) {
  const System& s = v.after;
  return first_contiguous_zone(s, [&](int nid, Zone z, const ZoneState& zs) -> Msg {
    const Msg m = scannable(s, zs.zone_start_pfn, zs.end_pfn(), nid, z);
    if (!m) return std::nullopt;
    return zone_label(nid, z) + " is flagged contiguous, but its span " +
           pfn_range(zs.zone_start_pfn, zs.end_pfn()) + " has a hole: " + *m;
  });
}

// A contiguous zone whose span holds hot-added memory: set_zone_contiguous()
// looked again after a hotplug op.
bool witness_hotplugged_zone_contiguous(const StepView& v) {
  const System& s = v.after;
  return first_contiguous_zone(s, [&](int, Zone, const ZoneState& zs) {
    return first_hot_added(s, s.geo.block_id(Pfn{zs.zone_start_pfn}), s.geo.block_id(Pfn{zs.end_pfn() - 1}) + 1)
        .has_value();
  });
}

}  // namespace

std::vector<Invariant> compaction_invariants() {
  return {
      {"compaction_stays_in_zone", "INV-43",
       "Whole-zone compaction scans each populated zone's span once, is handed only online, "
       "initialised struct pages of that zone, and only moves pages: outside what it was handed "
       "nothing changes, and each zone, node and pageblock type keeps its count of each page kind.",
       "compact_zone(): isolate_migratepages() and isolate_freepages() read every struct page of "
       "a pageblock pageblock_pfn_to_page() hands them",
       compaction_stays_in_zone, witness_pages_compacted},
      {"contiguous_zone_has_no_holes", "INV-44",
       "A zone flagged contiguous has, at every pfn of its span, an online and populated struct "
       "page of that zone and node, initialised and not ZONE_DEVICE.",
       "pageblock_pfn_to_page() skips __pageblock_pfn_to_page() when zone->contiguous; "
       "set_zone_contiguous() after move_pfn_range_to_zone(), remove_pfn_range_from_zone() and at "
       "boot",
       contiguous_zone_has_no_holes, witness_hotplugged_zone_contiguous},
  };
}

}  // namespace memhp::inv

namespace memhp {
bool reads_zone_contiguous(const Invariant& i) { return i.name == "contiguous_zone_has_no_holes"; }
}  // namespace memhp
