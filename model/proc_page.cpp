// fs/proc/page.c: the /proc/kpageflags reader, the plainest pfn walker.
//
// It asks pfn_to_online_page() about every pfn and reads the struct page it
// gets (stable_page_flags(); NULL gives KPF_NOPAGE). The model asks the
// same question once per piece of the pfn space on which every input of
// pfn_to_online_page() is constant: the section's state, the subsection,
// the page's state and the pgmap lookup. Pieces come from the run maps, so
// the cost follows the runs, not the pfns.
#include "memhp/walkers.h"

#include <algorithm>

#include "internal.h"

namespace memhp {

namespace k {

std::vector<u64> walker_pieces(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  std::vector<u64> cuts = {lo, hi};
  auto cut = [&](u64 x) {
    if (lo < x && x < hi) cuts.push_back(x);
  };
  s.sections.for_each(g.section_nr(Pfn{lo}), g.section_nr(Pfn{hi - 1}) + 1,
                      [&](u64 a, u64 b, const SectionState& ms) {
                        cut(g.section_start(a).v);
                        cut(g.section_start(b).v);
                        // A partly populated map: its subsections' edges.
                        if (ms.present && ms.subsection_map.count() != g.subsections_per_section())
                          for (u64 nr = std::max(a, g.section_nr(Pfn{lo})); nr < b && g.section_start(nr).v < hi; ++nr)
                            for (u64 i = 1; i < g.subsections_per_section(); ++i)
                              cut(g.section_start(nr).v + i * g.pages_per_subsection());
                      });
  s.pages.for_each(lo, hi, [&](u64 a, u64, const PageState&) { cut(a); });
  s.pgmap_array.for_each(lo, hi, [&](u64 a, u64, int) { cut(a); });
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

std::vector<WalkedRun> walk_online_pages(const System& s, u64 lo, u64 hi, std::optional<Zone> zone,
                                         bool pfn_valid_only) {
  std::vector<WalkedRun> out;
  if (lo >= hi) return out;
  const std::vector<u64> cuts = walker_pieces(s, lo, hi);
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    WalkedRun r{cuts[i], cuts[i + 1], std::nullopt, zone};
    const Pfn first{r.lo};
    if (pfn_valid_only ? pfn_valid(s, first) : pfn_to_online_page(s, first)) r.page = s.pages.at(r.lo);
    if (!out.empty() && out.back().hi == r.lo && out.back().page == r.page)
      out.back().hi = r.hi;
    else
      out.push_back(r);
  }
  return out;
}

}  // namespace k

/* fs/proc/page.c: kpageflags_read() */
std::vector<WalkedRun> kpageflags_read(const System& s, u64 pfn, u64 count) {
  const u64 limit = s.geo.max_pfn_limit();
  const u64 lo = std::min(pfn, limit), hi = count > limit - lo ? limit : lo + count;
  const bool pfn_valid_only = injected(s, "kpageflags_reads_offline_memmap");
  return k::walk_online_pages(s, lo, hi, std::nullopt, pfn_valid_only);
}

/* fs/proc/page.c: kpageflags_read(), as the op a reader issues */
Result kpageflags(const System& s, u64 pfn, u64 count) {
  Result r;
  r.walked = kpageflags_read(s, pfn, count);
  return r;
}

}  // namespace memhp
