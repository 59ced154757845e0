// vmemmap_dedup_arithmetic: how many vmemmap pages a compound page of a
// device-dax range keeps, for every vmemmap_shift, and the seeds' figures.
//
// __populate_section_memmap() sends a range with compound pages, no altmap
// and a power-of-two struct page to vmemmap_populate_compound_pages(). Per
// compound page that allocates the page holding the head (and the first
// tails) and the next one; every further vmemmap page of the compound page is
// mapped onto that second page, and a section that continues a compound page
// larger than a subsection maps all of its vmemmap onto the previous section's
// last tail page. So (INV-39) a compound page whose memmap is more than two
// pages keeps exactly 2, all in its head's section, and one whose memmap fits
// in two pages saves nothing: the model counts the chunk's memmap plainly,
// ceil(n*s/P) pages (ceil(N*s/P) per compound page when that is whole pages).
//
// What is symbolic: the geometry over theorem_space() (PAGE_SHIFT 12/14/16,
// every section size and MAX_ORDER geometry_error() accepts, sizeof(struct
// page) 40..128 step 8 of which the compound path keeps 64 and 128, any
// arch), vmemmap_shift from 1 (the compound path starts at 2 pfns; dedup
// saves from 2*P/s + 1 pfns on) up to 30, the largest the model's
// memremap_pages takes, and no larger than the physical address space; the
// chunk (offset and length, subsection-aligned within one section, as
// __add_pages() cuts it; offsets below 2^53). A compound page within a
// section is one obligation, one spanning sections another (its head's
// section, and any section j > 0 of it). The populate count is the model's
// compound_vmemmap_pages() as device_chunk_vmemmap() calls it; the range
// totals of the figures are memmap_cost()'s walk in closed form. Both are
// cross-checked against the C++ in tests/test_smt_geometry.cpp; the closed
// form over symbolic range sizes is not a proof obligation (its products of
// symbolic counts take Z3 seconds), only the figures are.
//
// Assumed, not proved: no altmap (with one there is no dedup at all).
// Compound pages whose memmap is 2 pages or less never take the compound
// path in Debian's 6.1.192 (vmemmap_can_optimize()'s VMEMMAP_RESERVE_NR
// test), so the compound path's space excludes them.
//
// The figures are ground obligations on x86_64: the encoding is evaluated,
// compared with the seeds' numbers (2 MiB: 8 -> 2 pages, 1 GiB: 4096 -> 2,
// 1 TiB: 16 GiB -> 4 GiB with 2 MiB pages, 8 MiB + 32 MiB of PTE tables = 40
// MiB with 1 GiB pages) and with what the C++ memmap_cost() prints.
//
// The mutant takes the dedup away (the full memmap per compound page, as
// Mutant("no_vmemmap_dedup") does to the C++ model), so the counterexample comes
// with a trace: a 2 MiB-page device range on x86_64, which `memhp replay`
// shows breaking device_vmemmap_deduplicated (INV-39). The HVO-style "one
// page kept" and an extra tail page are refuted too, by the tests.
#include <functional>

#include "discharge.h"
#include "domain_z3.h"
#include "enc_geometry.h"
#include "groups.h"
#include "memhp/proven/vmemmap.h"

namespace memhp::smt {

namespace {

constexpr std::string_view kScope =
    "Symbolic: geometry as in memmap_on_memory_geometry (any arch), vmemmap_shift 1..30 within the physical "
    "space, any subsection-aligned chunk within one section; no altmap. Small compound pages (memmap <= 2 "
    "pages) are outside the compound path, as vmemmap_can_optimize() has it in 6.1.192. Seed figures are "
    "ground obligations on x86_64, checked against memmap_cost(); each preset's vmemmap_populate() of a section "
    "and a subsection, with and without an altmap, and when the compound path is taken, are ground figures "
    "from the arch code.";

constexpr u64 MiB = u64{1} << 20, GiB = u64{1} << 30, TiB = u64{1} << 40;
constexpr unsigned kMaxShift = 30;  // memremap_pages shift= in a trace (trace/trace.cpp)

struct Inputs {
  SymGeometry g;
  z3::expr shift;
};

// Narrow constants (see narrow_geometry()): pfns and sizes below 2^53.
z3::expr narrow(z3::context& c, const std::string& name, unsigned bits) {
  return z3::zext(c.bv_const(name.c_str(), bits), 64 - bits);
}

Inputs fresh_inputs(z3::context& c, const std::string& prefix) {
  return Inputs{narrow_geometry(c, prefix), narrow(c, prefix + "vmemmap_shift", 8)};
}

// The geometry of the theorem, a shift the model takes, and the compound
// path: no altmap, a power-of-two struct page, more than one pfn.
z3::expr compound_space(const Inputs& in) {
  const SymGeometry& g = in.g;
  z3::context& c = g.ctx();
  return theorem_space(g) && z3::uge(in.shift, 1) && z3::ule(in.shift, kMaxShift) &&
         z3::ule(in.shift + g.page_shift, g.max_physmem_bits) && compound_path(g, in.shift, c.bool_val(false));
}

z3::expr compound_pfns(const Inputs& in) { return z3::shl(in.g.one(), in.shift); }

z3::expr chunk_pages(const Inputs& in, const z3::expr& offset, const z3::expr& nr, DedupVariant v) {
  return sym_device_chunk_vmemmap(in.g, offset, nr, in.shift, true, v).pages;
}

// An obligation, and how to tell a reader what a counterexample to it says.
struct Obligation {
  std::string name;
  z3::expr premises, conclusion;
  std::function<std::string(const z3::model&)> explain;
};

std::string at(const z3::model& m, const Inputs& in) {
  return geometry_fields(concrete_geometry(m, in.g)) + ", vmemmap_shift = " + std::to_string(eval_u64(m, in.shift));
}

// A compound page within one section: a chunk of whole compound pages keeps
// 2 per compound page.
Obligation within_section(z3::context& c, DedupVariant v) {
  const Inputs in = fresh_inputs(c, "w.");
  const SymGeometry& g = in.g;
  const z3::expr off = narrow(c, "w.offset", 53), nr = narrow(c, "w.nr_pages", 53);
  const z3::expr n = compound_pfns(in), sub = g.pages_per_subsection(), sec = g.pages_per_section();
  // A chunk as __add_pages() cuts it: subsection-aligned, within one section.
  const z3::expr premises = compound_space(in) && z3::ule(n, sec) && is_aligned(off, n) &&
                            is_aligned(off, sub) && is_aligned(nr, n) && is_aligned(nr, sub) && nr != 0 &&
                            z3::ule(nr, sec) && z3::ule((off & (sec - 1)) + nr, sec);
  const z3::expr got = chunk_pages(in, off, nr, v);
  const z3::expr compounds = z3::lshr(nr, in.shift);
  const z3::expr want = 2 * compounds;
  auto explain = [=](const z3::model& m) {
    return "at " + at(m, in) + ": the chunk [" + std::to_string(eval_u64(m, off)) + ", +" +
           std::to_string(eval_u64(m, nr)) + ") of " + std::to_string(eval_u64(m, compounds)) +
           " compound pages keeps " + std::to_string(eval_u64(m, got)) + " vmemmap pages, not " +
           std::to_string(eval_u64(m, want));
  };
  return {"within_section", premises, got == want, explain};
}

// A compound page larger than a section: its head's section keeps 2 (the
// head's page and the next, whatever the memmap size), every section
// continuing it 0.
Obligation across_sections(z3::context& c, DedupVariant v) {
  const Inputs in = fresh_inputs(c, "x.");
  const SymGeometry& g = in.g;
  const z3::expr head = narrow(c, "x.head_pfn", 53), j = narrow(c, "x.section_in_compound", 53);
  const z3::expr n = compound_pfns(in), sec = g.pages_per_section();
  const z3::expr sections = z3::lshr(n, g.section_size_bits - g.page_shift);
  const z3::expr premises = compound_space(in) && z3::ugt(n, sec) && is_aligned(head, n) && z3::ugt(j, 0) &&
                            z3::ult(j, sections);
  const z3::expr first = chunk_pages(in, head, sec, v);
  const z3::expr rest = chunk_pages(in, head + z3::shl(j, g.section_size_bits - g.page_shift), sec, v);
  const z3::expr kept = bv64(c, 2);
  auto explain = [=](const z3::model& m) {
    return "at " + at(m, in) + ": the head's section keeps " + std::to_string(eval_u64(m, first)) +
           " vmemmap pages (not " + std::to_string(eval_u64(m, kept)) + "), section " +
           std::to_string(eval_u64(m, j)) + " of the compound page " + std::to_string(eval_u64(m, rest)) +
           " (not 0)";
  };
  return {"across_sections", premises, first == kept && rest == 0, explain};
}

// ------------------------------------------------------ the seeds' figures --

// One figure: a term over x86_64 evaluated by the encoding, the seeds'
// number and the C++ memmap_cost()'s.
struct Figure {
  std::string what;
  z3::expr term;
  u64 seed, cxx;
};

std::vector<Figure> figures(const SymGeometry& g, DedupVariant v) {
  const Geometry x86 = *geometry_preset("x86_64");
  z3::context& c = g.ctx();
  auto cost = [&](u64 size, unsigned shift) { return sym_memmap_cost(g, bv64(c, size), bv64(c, shift), v); };
  const SymRangeCost m2 = cost(2 * MiB, 9), g1 = cost(1 * GiB, 18), t2 = cost(1 * TiB, 9), t1 = cost(1 * TiB, 18);
  const MemmapCost cm2 = memmap_cost(x86, 2 * MiB, 2 * MiB), cg1 = memmap_cost(x86, 1 * GiB, 1 * GiB);
  const MemmapCost ct2 = memmap_cost(x86, 1 * TiB, 2 * MiB), ct1 = memmap_cost(x86, 1 * TiB, 1 * GiB);
  const z3::expr page = g.page_size();
  auto tables = [&](const SymRangeCost& r) { return r.dedup_pte_tables * r.pte_table_bytes; };
  return {
      {"2M compound page: plain pages", m2.plain_pages, 8, cm2.compound_plain_pages},
      {"2M compound page: dedup pages", m2.dedup_pages, 2, cm2.compound_dedup_pages},
      {"1G compound page: plain pages", g1.plain_pages, 4096, cg1.compound_plain_pages},
      {"1G compound page: dedup pages", g1.dedup_pages, 2, cg1.compound_dedup_pages},
      {"1T: plain bytes", t2.plain_pages * page, 16 * GiB, ct2.plain_bytes()},
      {"1T, 2M pages: dedup bytes", t2.dedup_pages * page, 4 * GiB, ct2.dedup_bytes()},
      {"1T, 1G pages: dedup bytes", t1.dedup_pages * page, 8 * MiB, ct1.dedup_bytes()},
      {"1T, 1G pages: PTE table bytes", tables(t1), 32 * MiB, ct1.dedup_table_bytes()},
      {"1T, 1G pages: dedup + tables bytes", t1.dedup_pages * page + tables(t1), 40 * MiB, ct1.dedup_total_bytes()},
  };
}

// The figures as the encoding evaluates them on x86_64 (ground terms).
std::string figures_text(z3::context& c, DedupVariant v, bool only_wrong = false) {
  const SymGeometry x86 = constant_geometry(c, *geometry_preset("x86_64"));
  std::string out = "x86_64, derived from the encoding (seed, memmap_cost()):";
  for (const Figure& f : figures(x86, v)) {
    std::uint64_t got = 0;
    const bool ok = f.term.simplify().is_numeral_u64(got);
    if (only_wrong && ok && got == f.seed && f.seed == f.cxx) continue;
    const bool bytes = f.what.find("bytes") != std::string::npos;
    auto show = [&](u64 x) { return bytes ? human_bytes(x) : std::to_string(x); };
    out += "\n  " + f.what + " = " + (ok ? show(got) : "?") + " (" + show(f.seed) + ", " + show(f.cxx) + ")";
  }
  return out;
}

// The figures as one obligation over a geometry equal to x86_64.
Obligation seed_figures(z3::context& c, DedupVariant v, const SymGeometry& g) {
  const SymGeometry x86 = constant_geometry(c, *geometry_preset("x86_64"));
  const z3::expr premises = g.arch == x86.arch && g.page_shift == x86.page_shift &&
                            g.section_size_bits == x86.section_size_bits &&
                            g.subsection_shift == x86.subsection_shift && g.pageblock_order == x86.pageblock_order &&
                            g.max_order == x86.max_order && g.struct_page_size == x86.struct_page_size &&
                            g.pmd_shift == x86.pmd_shift && g.max_physmem_bits == x86.max_physmem_bits &&
                            g.block_bytes == x86.block_bytes &&
                            g.arch_memmap_on_memory == x86.arch_memmap_on_memory;
  z3::expr conclusion = c.bool_val(true);
  for (const Figure& f : figures(g, v))
    conclusion = conclusion && f.term == bv64(c, f.seed) && c.bool_val(f.seed == f.cxx);
  auto explain = [&c, v](const z3::model&) { return "at " + figures_text(c, v, true); };
  return {"seed_figures_x86_64", premises, conclusion, explain};
}

// ------------------------------------------ the arch plan, preset by preset --

// What one vmemmap_populate() call allocates for a section and for one 2 MiB
// subsection of each preset, with and without an altmap, read off the arch
// code (6.1.192), not computed by the model's formula:
//   x86_64 (init_64.c): below PAGES_PER_SECTION * sizeof(struct page) base
//     pages, the altmap ignored; a section's 2 MiB of memmap is one PMD
//     block of 512 pages, from the altmap when there is one.
//   arm64-4k (mmu.c, ARM64_KERNEL_USES_PMD_MAPS): PMD blocks always, so a
//     subsection's 32 KiB of memmap takes a whole 2 MiB block too.
//   arm64-16k/64k: base pages, the altmap passed down: a section (8192
//     pages) has 512 KiB of memmap, 32 16 KiB pages or 8 64 KiB pages; a
//     subsection (128 or 32 pages) 8 KiB or 2 KiB, one page.
//   ppc64-64k (the model's base-page approximation): a 16 MiB section of 256
//     pages has 16 KiB of memmap, one 64 KiB page.
// And whether a pgmap takes the compound path (vmemmap_can_optimize()):
// x86_64's 64-byte struct page with 2 MiB pages (vmemmap_shift 9) does,
// not with an altmap, not with 64 KiB pages (shift 4: 1 KiB of memmap), and
// not with a 56-byte struct page.
struct PlanFigure {
  std::string preset;
  bool section, altmap;
  u64 pages, unit;
  bool uses_altmap;
};

const std::vector<PlanFigure>& plan_figures() {
  static const std::vector<PlanFigure> all = {
      {"x86_64", true, false, 512, 512, false},   {"x86_64", true, true, 512, 512, true},
      {"x86_64", false, true, 8, 1, false},       {"arm64-4k", true, true, 512, 512, true},
      {"arm64-4k", false, false, 512, 512, false}, {"arm64-16k", true, true, 32, 1, true},
      {"arm64-16k", false, false, 1, 1, false},   {"arm64-64k", true, true, 8, 1, true},
      {"arm64-64k", false, true, 1, 1, true},     {"ppc64-64k", true, true, 1, 1, true},
  };
  return all;
}

struct PathFigure {
  unsigned struct_page_size, shift;
  bool altmap, compound;
};

const std::vector<PathFigure>& path_figures() {
  static const std::vector<PathFigure> all = {
      {64, 9, false, true}, {64, 9, true, false}, {64, 4, false, false}, {56, 9, false, false}, {64, 18, false, true}};
  return all;
}

Obligation arch_plan_figures(z3::context& c) {
  z3::expr conclusion = c.bool_val(true);
  std::vector<std::pair<std::string, z3::expr>> parts;
  for (const PlanFigure& f : plan_figures()) {
    const Geometry p = *geometry_preset(f.preset);
    const auto w = proven::geometry_words<Bv64>(constant_geometry(c, p));
    const u64 nr = f.section ? p.pages_per_section() : p.pages_per_subsection();
    const auto plan = proven::arch_vmemmap_plan(Bv64{c}, w, bv64(c, nr), c.bool_val(f.altmap));
    const z3::expr ok = plan.pages == bv64(c, f.pages) && plan.unit == bv64(c, f.unit) &&
                        plan.uses_altmap == c.bool_val(f.uses_altmap);
    parts.emplace_back(f.preset + (f.section ? " section" : " subsection") + (f.altmap ? " with altmap" : ""), ok);
  }
  for (const PathFigure& f : path_figures()) {
    Geometry p = *geometry_preset("x86_64");
    p.struct_page_size = f.struct_page_size;
    const auto w = proven::geometry_words<Bv64>(constant_geometry(c, p));
    const z3::expr ok =
        proven::compound_path(Bv64{c}, w, bv64(c, f.shift), c.bool_val(f.altmap)) == c.bool_val(f.compound);
    parts.emplace_back("compound path, struct page " + std::to_string(f.struct_page_size) + ", shift " +
                           std::to_string(f.shift) + (f.altmap ? ", altmap" : ""),
                       ok);
  }
  for (const auto& [what, ok] : parts) conclusion = conclusion && ok;
  auto explain = [parts](const z3::model&) {
    std::string out = "at the arch figures:";
    for (const auto& [what, ok] : parts)
      if (!ok.simplify().is_true()) out += " " + what + " differs;";
    return out;
  };
  return {"arch_plan_figures", c.bool_val(true), conclusion, explain};
}

// --------------------------------------------------------- counterexample --

// `memhp replay` of this trace breaks INV-39 under Mutant("no_vmemmap_dedup"):
// 128 MiB of 2 MiB device pages on x86_64, away from the boot memory.
std::string no_dedup_trace() {
  return "# memhp trace v1\n"
         "# vmemmap_dedup_arithmetic under its mutant: no dedup, 512 instead of 128 vmemmap pages\n"
         "geometry x86_64\n"
         "profile " + profile_to_string(Profile{}) + "\n"
         "mutant no_vmemmap_dedup\n"
         "boot node=0 start=0x0 size=4G\n"
         "memremap_pages id=1 type=generic node=0 ranges=0x200000000+128M shift=9\n";
}

// The geometry a symbolic obligation's counterexample chose (the prefix of
// its inputs is the first letter of its name).
std::string explain_geometry(const z3::model& m, const Obligation& ob) {
  z3::context& c = ob.premises.ctx();
  return geometry_fields(concrete_geometry(m, narrow_geometry(c, ob.name.substr(0, 1) == "w" ? "w." : "x.")));
}

}  // namespace

TheoremResult prove_vmemmap_dedup(const ProveOptions& o, DedupVariant v) {
  z3::context c;
  const SymGeometry fig_g = symbolic_geometry(c, "f.");
  const std::vector<Obligation> obs = {seed_figures(c, v, fig_g), within_section(c, v), across_sections(c, v),
                                       arch_plan_figures(c)};
  std::vector<ObligationResult> results;
  std::optional<Counterexample> cex;
  bool figures_refuted = false;
  for (const Obligation& ob : obs) {
    Discharged d = discharge(c, ob.name, ob.premises, ob.conclusion, o);
    if (d.model) {
      figures_refuted = figures_refuted || ob.name == "seed_figures_x86_64";
      // The first refuted obligation names the geometry: the figures' x86_64
      // when they fail, which is also the geometry of the trace.
      if (!cex) {
        cex = Counterexample{};
        cex->geometry = ob.name == "seed_figures_x86_64"  ? geometry_fields(*geometry_preset("x86_64"))
                        : ob.name == "arch_plan_figures" ? "every preset"
                                                         : explain_geometry(*d.model, ob);
      }
      cex->summary += "refuted: " + ob.name + " " + ob.explain(*d.model) + "\n";
    }
    results.push_back(std::move(d.result));
  }
  // Only the no-dedup weakening has a C++ twin (Mutant("no_vmemmap_dedup")) for
  // the trace to switch on; the trace is the figures' 2 MiB case.
  if (figures_refuted && v == DedupVariant::NoDedup) {
    cex->trace = no_dedup_trace();
    cex->invariant = "device_vmemmap_deduplicated";
  }
  TheoremResult r = summarise(std::move(results));
  r.cex = std::move(cex);
  r.detail = figures_text(c, v);
  return r;
}

namespace {

TheoremResult prove_dedup(const ProveOptions& o) {
  return prove_vmemmap_dedup(o, o.mutant ? DedupVariant::NoDedup : DedupVariant::Model);
}

}  // namespace

std::vector<Theorem> dedup_theorems() {
  return {Theorem{
      "vmemmap_dedup_arithmetic",
      "On the compound path (memmap of a compound page over 2 pages) every compound page keeps exactly 2 vmemmap "
      "pages, for every vmemmap_shift; each arch's vmemmap_populate() allocates what its code does; x86_64 gets the seeds' 8->2, 4096->2, "
      "16 GiB->4 GiB and 8 MiB + 32 MiB = 40 MiB per TiB.",
      kScope,
      "mm/sparse-vmemmap.c: __populate_section_memmap(), vmemmap_populate_compound_pages(), "
      "reuse_compound_section(); Documentation/mm/vmemmap_dedup.rst",
      "no dedup: __populate_section_memmap() never takes the compound path (mutant no_vmemmap_dedup), so "
      "a 2 MiB compound page keeps 8 vmemmap pages instead of 2",
      prove_dedup}};
}

}  // namespace memhp::smt
