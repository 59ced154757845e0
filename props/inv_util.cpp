#include "inv_util.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace memhp::inv {

AllocatedPages allocated_pages(const System& s) {
  AllocatedPages n;
  s.pages.for_each(0, RunMap<PageState>::kEnd, [&](u64 a, u64 b, const PageState& p) {
    if (p.kind == PageKind::Movable) n.movable += b - a;
    if (p.kind == PageKind::Unmovable) n.unmovable += b - a;
  });
  return n;
}

Census take_census(const System& s) {
  Census c;
  const Geometry& g = s.geo;
  s.pages.for_each(0, RunMap<PageState>::kEnd, [&](u64 a, u64 b, const PageState& p) {
    if (p.kind == PageKind::Memmap) c.memmap_pages += b - a;
    if (p.kind == PageKind::Movable) c.movable_pages += b - a;
    if (p.kind == PageKind::Unmovable) c.unmovable_pages += b - a;
    if (!counted(p.kind) || p.nid < 0 || p.nid >= kMaxNodes) return;
    // ZONE_DEVICE pages are never present (zone_device_accounting checks
    // that): the altmap's memmap pfns are not counted like a block's.
    if (p.zone == Zone::Device) return;
    ZoneCensus& z = c.zones[static_cast<std::size_t>(p.nid)][zone_idx(p.zone)];
    z.counted += b - a;
    if (in_buddy(p.kind)) z.buddy += b - a;
    if (p.kind == PageKind::Vmemmap) z.vmemmap += b - a;
    z.lo = std::min(z.lo, a);
    z.hi = std::max(z.hi, b);
    s.sections.for_each(g.section_nr(Pfn{a}), g.section_nr(Pfn{b - 1}) + 1,
                        [&](u64 sa, u64 sb, const SectionState& ms) {
                          if (!ms.early) return;
                          const u64 lo = std::max(a, g.section_start(sa).v);
                          const u64 hi = std::min(b, g.section_start(sb).v);
                          if (lo < hi) z.counted_early += hi - lo;
                        });
  });
  return c;
}

const Census& census_after(const StateView& v) {
  if (!v.census_after) v.census_after = std::make_shared<const Census>(take_census(v.after));
  return *v.census_after;
}

std::string zone_label(int nid, Zone z) {
  return std::to_string(nid) + ":" + std::string(zone_name(z));
}

std::string pfn_range(u64 lo, u64 hi) {
  char buf[64];
  if (hi == lo + 1) {
    std::snprintf(buf, sizeof buf, "pfn %#llx", static_cast<unsigned long long>(lo));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "pfn %#llx-%#llx", static_cast<unsigned long long>(lo),
                static_cast<unsigned long long>(hi - 1));
  return buf;
}

std::string pages_desc(const System& s, u64 lo, u64 hi) {
  std::set<std::string_view> kinds;
  s.pages.for_each(lo, hi, [&](u64, u64, const PageState& p) { kinds.insert(page_kind_name(p.kind)); });
  std::string out;
  for (std::string_view k : kinds) out += (out.empty() ? "" : "/") + std::string(k);
  return out;
}

bool device_only_section(const System& s, u64 nr) {
  const Geometry& g = s.geo;
  const SectionState& ms = s.sections.at(nr);
  if (ms.early || ms.usage == UsageOrigin::None || ms.subsection_map.none()) return false;
  const u64 sub = g.pages_per_subsection();
  for (u64 i = 0; i < g.subsections_per_section(); ++i) {
    const u64 lo = g.section_start(nr).v + i * sub;
    if (ms.subsection_map.test(i) && !s.pgmap_array.all_of(lo, lo + sub, [](int id) { return id != 0; }))
      return false;
  }
  return true;
}

std::optional<u64> first_hot_added(const System& s, u64 x, u64 y) {
  if (x >= y) return std::nullopt;
  const u64 spb = s.geo.sections_per_block();
  std::optional<u64> out;
  // Only the sections that start blocks x..y-1 matter; a run of non-early
  // sections holds a block start iff the first multiple of spb in it is
  // below its end.
  s.sections.for_each_while(x * spb, (y - 1) * spb + 1, [&](u64 a, u64 b, const SectionState& ms) {
    const u64 id = (a + spb - 1) / spb;
    if (!ms.early && id * spb < b) out = id;
    return !out;
  });
  return out;
}

bool witness_hot_added_online(const StepView& v) {
  return any_block_run(v.after, [&](u64 x, u64 y, const MemoryBlock& m) {
    return m.state == BlockState::Online && first_hot_added(v.after, x, y);
  });
}

bool witness_vmemmap_online(const StepView& v) {
  return any_block_run(v.after, [](u64, u64, const MemoryBlock& m) {
    return m.state == BlockState::Online && m.nr_vmemmap_pages;
  });
}

// Whether every pfn of [lo, hi) is in a present, online section with its
// subsection populated: what makes a struct page safe to hand out.
bool online_and_populated(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  bool ok = true;
  s.sections.for_each_while(g.section_nr(Pfn{lo}), g.section_nr(Pfn{hi - 1}) + 1,
                            [&](u64 a, u64 b, const SectionState& ms) {
                              ok = ms.present && ms.online;
                              if (!ok || ms.subsection_map.count() == g.subsections_per_section()) return ok;
                              const u64 x = std::max(lo, g.section_start(a).v), y = std::min(hi, g.section_start(b).v);
                              for (u64 p = x; p < y && ok; p = align_down(p, g.pages_per_subsection()) + g.pages_per_subsection())
                                ok = ms.subsection_map.test(g.subsection_index(Pfn{p}));
                              return ok;
                            });
  return ok;
}

}  // namespace memhp::inv
