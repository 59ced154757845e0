// What pfn walkers are handed (docs/kernel-reference.md INV-42), judged
// against the state itself, not against the model's pfn_to_online_page().
//
// The contract every walker relies on: a struct page it is given is in an
// online section and a populated subsection, initialised (not poisoned),
// and not ZONE_DEVICE; and the RAM of an online section is not hidden from
// it (memory_failure() on such a pfn must find the page). The walkers asked
// are the /proc/kpageflags reader and memory_failure()'s lookup over the
// whole pfn space, and the /proc/pagetypeinfo and alloc_contig_pages()
// scanners over every populated zone (a run per piece of constant input);
// every run they return is checked over its whole range here.
#include "inv_util.h"
#include "invariant_lists.h"
#include "memhp/walkers.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;

// The first pfn of [lo, hi) that is online RAM: an online section, a
// populated subsection, and no pgmap.
std::optional<u64> first_online_ram(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  std::optional<u64> out;
  s.pgmap_array.for_each_while(lo, hi, [&](u64 x, u64 y, int id) {
    if (id != 0) return true;
    for (u64 p = x; p < y && !out;) {
      const u64 sec_end = std::min(y, g.section_start(g.section_nr(Pfn{p}) + 1).v);
      const SectionState& ms = s.section_of(Pfn{p});
      if (!ms.present || !ms.online) {
        p = std::min(y, g.section_start(s.sections.run_bounds(g.section_nr(Pfn{p})).second).v);
        continue;
      }
      if (ms.subsection_map.count() == g.subsections_per_section()) {
        out = p;
        break;
      }
      for (; p < sec_end && !out; p = align_down(p, g.pages_per_subsection()) + g.pages_per_subsection())
        if (ms.subsection_map.test(g.subsection_index(Pfn{p}))) out = p;
    }
    return !out;
  });
  return out;
}

}  // namespace

Msg judge_walk(const System& s, const std::vector<WalkedRun>& runs) {
  for (const WalkedRun& r : runs) {
    if (!r.page) {
      if (r.zone) continue;  // a scanner may skip a pageblock; only the reader must see all RAM
      if (auto p = first_online_ram(s, r.lo, r.hi))
        return pfn_range(*p, *p + 1) + " is online RAM, but pfn_to_online_page() returns NULL for it";
      continue;
    }
    if (!online_and_populated(s, r.lo, r.hi))
      return "a walker is handed the struct pages of " + pfn_range(r.lo, r.hi) +
             ", which are not all in an online section and a populated subsection";
    if (!s.pgmap_array.all_of(r.lo, r.hi, [](int id) { return id == 0; }))
      return "a walker is handed ZONE_DEVICE struct pages in " + pfn_range(r.lo, r.hi);
    if (!s.pages.all_of(r.lo, r.hi, [&](const PageState& p) { return p == *r.page; }))
      return "the walker's view of " + pfn_range(r.lo, r.hi) + " is not what the struct pages hold";
    if (!r.page->initialised() || r.page->kind == PageKind::Device)
      return "a walker is handed " + std::string(page_kind_name(r.page->kind)) + " struct pages in " +
             pfn_range(r.lo, r.hi);
  }
  return std::nullopt;
}

bool covers(const std::vector<WalkedRun>& runs, u64 lo, u64 hi) {
  u64 at = lo;
  for (const WalkedRun& r : runs) {
    if (r.lo != at || r.hi <= r.lo) return false;
    at = r.hi;
  }
  return at == hi;
}

namespace {

// The state part: each walker over all it may walk in this state: the two
// pfn readers over every pfn, the zone scanners over every populated zone's
// span.
Msg walkers_see_initialised_state(const StateView& v) {
  const System& s = v.after;
  const u64 all = s.geo.max_pfn_limit();
  auto named = [](const char* walker, Msg m) { return m ? Msg(std::string(walker) + ": " + *m) : m; };
  if (Msg m = named("kpageflags_read()", judge_walk(s, kpageflags_read(s, 0, all)))) return m;
  if (Msg m = named("memory_failure()", judge_walk(s, memory_failure_lookup(s, 0, all)))) return m;
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid)
    for (Zone z : kAllZones) {
      if (!s.zone(nid, z).populated()) continue;
      if (Msg m = named("pagetypeinfo_showmixedcount_print()", judge_walk(s, pagetypeinfo_showmixedcount(s, nid, z))))
        return m;
      if (Msg m = named("pfn_range_valid_contig()", judge_walk(s, pfn_range_valid_contig(s, nid, z)))) return m;
    }
  return std::nullopt;
}

// The step part: the reader as an op, what it returned against the state
// it read.
Msg kpageflags_op_saw_initialised_memmap(const StepView& v) {
  const System& s = v.after;
  const OpKpageflags* op = op_as<OpKpageflags>(v);
  if (!op || !step_ok(v)) return std::nullopt;
  if (!(v.after == v.before)) return "reading /proc/kpageflags changed the state";
  const u64 limit = s.geo.max_pfn_limit();
  const u64 lo = std::min(op->pfn, limit), hi = op->count > limit - lo ? limit : lo + op->count;
  if (!covers(v.result->walked, lo, hi))
    return "the /proc/kpageflags read of " + pfn_range(lo, hi) + " did not return one entry per pfn";
  return judge_walk(v.before, v.result->walked);
}

// A section that ZONE_DEVICE shares with online RAM: the walker must look
// the pgmap up to tell the two apart.
bool witness_mixed_section_walked(const StepView& v) {
  const System& s = v.after;
  bool any = false;
  s.sections.for_each_while(0, RunMap<SectionState>::kEnd, [&](u64 a, u64, const SectionState& ms) {
    any = ms.present && ms.online && ms.taint_zone_device &&
          first_online_ram(s, s.geo.section_start(a).v, s.geo.section_start(a + 1).v).has_value();
    return !any;
  });
  return any;
}

}  // namespace

std::vector<Invariant> walker_invariants() {
  return {
      {"walkers_see_initialised_memmap", "INV-42",
       "A pfn walker (the /proc/kpageflags reader, memory_failure(), the /proc/pagetypeinfo and "
       "alloc_contig_pages() zone scans) is handed a struct page only in an online section "
       "and a populated subsection, initialised and not ZONE_DEVICE; and online RAM is never hidden "
       "from it.",
       "pfn_to_online_page(), its callers kpageflags_read(), memory_failure(), "
       "page_owner's and compaction's pfn scans",
       Check{kpageflags_op_saw_initialised_memmap, walkers_see_initialised_state}, witness_mixed_section_walked},
  };
}

}  // namespace memhp::inv
