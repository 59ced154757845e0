// subsection_map_fill_clear: fill_subsection_map() and clear_subsection_map()
// keep a section's subsection_map equal to the set of populated subsections.
//
// What is symbolic. The pfn and nr_pages (64-bit, unsigned long), and the
// populated set: any subset of the section's subsections, as a bit-vector of
// SUBSECTIONS_PER_SECTION bits. Every union of populated ranges is such a
// subset, so the theorems cover any number of earlier adds and removes; the
// premise is that the map equals it (the invariant), and the conclusion that
// it still does after one fill or clear.
//
// What is bounded. Nothing within a geometry; the geometries are the four
// subsection layouts of the presets: 8 (ppc64-64k), 64 (x86_64 = arm64-4k,
// and arm64-16k with its smaller pages) and 256 (arm64-64k) subsections per
// section, each with its own width.
//
// What is assumed. The range is non-empty and inside one section, which
// __add_pages() and __remove_pages() guarantee by cutting at section
// boundaries. The subsections of a range are specified here independently of
// subsection_mask_set(): subsection i belongs to the range iff one of the
// range's pfns lies in it (interval overlap of offsets), and "shares a
// subsection with the populated set" is that set meeting the populated one.
// The mask is the one of model/sparse.cpp, through smt/enc_subsection.h,
// which tests/test_smt_sections.cpp holds against it.
//
// How. Each obligation proves, in one query, the three facts the statement
// is made of: (1) for a symbolic bit i, bit i of subsection_mask_set() is
// bit i of the range's set, so the mask is that set whatever the width;
// (2) for fill, that set is not empty (it holds the first pfn's
// subsection); (3) fill/clear applied to any (non-empty, for fill) set S of
// subsections do what the statement says of S. Together: fill/clear with
// the mask do it with the range's subsections. Comparing the mask with the
// set as whole vectors, and applying the maps to that set, cost 0.1-0.7 s
// per layout (the 256-bit one is the slow one); split this way, every
// obligation takes milliseconds.
//
// -EINVAL. fill_subsection_map() returns it only for an empty mask, which a
// non-empty range within one section never has, so in 6.1 it is dead code on
// the add path (the fill obligations state that it never fires; an empty mask
// needs nr_pages == 0 or a range that leaves its section, both excluded).
// clear_subsection_map() returns it, with a WARN, when the section has no
// usage or a bit of the range is not populated.
//
// Mutant: Mutant("subsection_mask_first_only"), a mask of the first subsection
// only. The counterexample is narrowed to one a trace can replay (a range of
// two whole subsections; nothing else populated for fill, exactly the range
// populated for clear) and turned into memremap_pages()/memunmap_pages() of
// a device range, which `memhp replay` runs with `mutant
// subsection_mask_first_only` into INV-3 (subsection_map_matches_memmap). The first obligation refuted is x86_64's
// fill; were it a clear, the trace would unmap too, but the model's mutant
// narrows fill as well, so the replay would still break at the memremap step.
#include <cerrno>
#include <sstream>

#include "discharge.h"
#include "enc_subsection.h"
#include "groups.h"

namespace memhp::smt {

namespace {

constexpr std::string_view kScope =
    "Symbolic: pfn, nr_pages (64-bit) and the populated set (any subset of the section's "
    "subsections, so any union of populated ranges); for 8, 64 and 256 subsections per section "
    "(ppc64-64k, x86_64/arm64-4k, arm64-16k, arm64-64k). Assumed: a non-empty range inside one "
    "section, as __add_pages()/__remove_pages() pass; a range's subsections are those holding one "
    "of its pfns.";

// The presets with distinct subsection layouts (arm64-4k has x86_64's).
const std::vector<std::string>& layout_presets() {
  static const std::vector<std::string> names = {"x86_64", "arm64-16k", "arm64-64k", "ppc64-64k"};
  return names;
}

z3::expr u64_term(z3::context& c, u64 v) { return c.bv_val(static_cast<std::uint64_t>(v), 64); }

// The specification of a range's subsections: subsection i (a 64-bit term
// below the width) belongs to [pfn, pfn + nr_pages) iff one of its pfns lies
// in it, by interval overlap of section offsets.
z3::expr touched_bit(const SubsectionLayout& l, const z3::expr& pfn, const z3::expr& nr,
                     const z3::expr& i) {
  z3::context& c = pfn.ctx();
  const z3::expr off = pfn & u64_term(c, l.pages_per_section() - 1);
  const z3::expr lo = z3::shl(i, static_cast<int>(l.subsection_pfn_bits));
  return z3::ult(off, lo + u64_term(c, l.pages_per_subsection())) && z3::ult(lo, off + nr);
}

// The same, as a set of subsections.
z3::expr touched_subsections(const SubsectionLayout& l, const z3::expr& pfn, const z3::expr& nr) {
  z3::context& c = pfn.ctx();
  z3::expr_vector bits(c);
  for (unsigned i = l.width(); i-- > 0;)
    bits.push_back(z3::ite(touched_bit(l, pfn, nr, u64_term(c, i)), c.bv_val(1, 1), c.bv_val(0, 1)));
  return z3::concat(bits);
}

// One obligation: a transition on one layout, with the terms a
// counterexample reports and the narrowing that makes it replayable.
struct Query {
  z3::expr premises;
  z3::expr conclusion;
  z3::expr replayable;
  std::vector<std::pair<std::string, z3::expr>> shown;
  z3::expr pfn, nr;
};

// Symbolic inputs shared by fill and clear. `bit` is the symbolic subsection
// at which the mask is compared with the specification; `set` is any set of
// subsections, standing for the range's once the mask is known to be it.
struct Inputs {
  z3::expr pfn, nr, bit, populated, set;
  z3::expr mask_is_range;  // bit `bit` of the mask is bit `bit` of the range's set
  z3::expr range_nonempty; // the range's set holds the subsection of its first pfn
  z3::expr touched, mask;  // the range's set and the mask, for counterexamples
  Inputs(z3::context& c, const SubsectionLayout& l, bool mutant)
      : pfn(c.bv_const("pfn", 64)),
        nr(c.bv_const("nr_pages", 64)),
        bit(c.bv_const("bit", 64)),
        populated(c.bv_const("populated", l.width())),
        set(c.bv_const("set", l.width())),
        mask_is_range(subsection_mask_bit(l, pfn, nr, bit, mutant) == touched_bit(l, pfn, nr, bit)),
        range_nonempty(touched_bit(l, pfn, nr, subsection_map_index(l, pfn))),
        touched(touched_subsections(l, pfn, nr)),
        mask(subsection_mask_set(l, pfn, nr, mutant)) {}
  z3::expr premises(const SubsectionLayout& l) const {
    return range_within_section(l, pfn, nr) && z3::ult(bit, u64_term(pfn.ctx(), l.width()));
  }
  // A range memremap_pages() takes and that shows the mutant: two whole
  // subsections.
  z3::expr replayable(const SubsectionLayout& l) const {
    const z3::expr low = u64_term(pfn.ctx(), l.pages_per_subsection() - 1);
    return (pfn & low) == u64_term(pfn.ctx(), 0) &&
           nr == u64_term(pfn.ctx(), 2 * l.pages_per_subsection());
  }
};

// fill_subsection_map(populated, set) for a non-empty set: -EEXIST exactly
// when they meet, never -EINVAL, else the union.
z3::expr fill_adds(z3::context& c, const z3::expr& populated, const z3::expr& set) {
  const MapUpdate u = fill_subsection_map(populated, set);
  const z3::expr zero = c.bv_val(0, set.get_sort().bv_size());
  const z3::expr shares = (populated & set) != zero;
  return z3::implies(set != zero, u.err != errno_term(c, -EINVAL) &&
                                      (u.err == errno_term(c, -EEXIST)) == shares &&
                                      (u.err == errno_term(c, 0)) == !shares &&
                                      u.map == z3::ite(shares, populated, populated | set));
}

// clear_subsection_map(has_usage, populated, set): success exactly when
// covered, else -EINVAL and unchanged; the difference, empty iff none left.
z3::expr clear_removes(z3::context& c, const z3::expr& has_usage, const z3::expr& populated,
                       const z3::expr& set) {
  const MapUpdate u = clear_subsection_map(has_usage, populated, set);
  const z3::expr zero = c.bv_val(0, set.get_sort().bv_size());
  const z3::expr covered = has_usage && (set & ~populated) == zero;
  const z3::expr rest = populated & ~set;
  return (u.err == errno_term(c, 0)) == covered &&
         (u.err == errno_term(c, 0) || u.err == errno_term(c, -EINVAL)) &&
         u.map == z3::ite(covered, rest, populated) &&
         z3::implies(covered, subsection_map_empty(u.map) == (rest == zero));
}

Query fill_query(z3::context& c, const SubsectionLayout& l, bool mutant) {
  const Inputs in(c, l, mutant);
  const z3::expr conclusion =
      in.mask_is_range && in.range_nonempty && fill_adds(c, in.populated, in.set);
  const MapUpdate shown = fill_subsection_map(in.populated, in.mask);
  return {in.premises(l), conclusion, in.replayable(l) && in.populated == c.bv_val(0, l.width()),
          {{"populated", in.populated}, {"touched", in.touched}, {"mask", in.mask},
           {"bit", in.bit}, {"err", shown.err}, {"map after", shown.map}},
          in.pfn, in.nr};
}

Query clear_query(z3::context& c, const SubsectionLayout& l, bool mutant) {
  const Inputs in(c, l, mutant);
  const z3::expr has_usage = c.bool_const("has_usage");
  const z3::expr conclusion = in.mask_is_range && clear_removes(c, has_usage, in.populated, in.set);
  // Without a usage there is no map and nothing is populated.
  const z3::expr premises =
      in.premises(l) && z3::implies(!has_usage, in.populated == c.bv_val(0, l.width()));
  const MapUpdate shown = clear_subsection_map(has_usage, in.populated, in.mask);
  return {premises, conclusion, in.replayable(l) && has_usage && in.populated == in.touched,
          {{"has_usage", has_usage}, {"populated", in.populated}, {"touched", in.touched},
           {"mask", in.mask}, {"bit", in.bit}, {"err", shown.err}, {"map after", shown.map}},
          in.pfn, in.nr};
}

std::string hex(u64 v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

// Where the trace puts the section: 16 GiB, section-aligned in every preset
// and far above the trace's boot memory.
constexpr u64 kDevicePhys = u64{16} << 30;

// A trace (docs/trace-format.md): memremap_pages() of the counterexample's range
// at the same offset in a device section, and memunmap_pages() for clear.
std::string replay_trace_text(const Geometry& g, std::string_view theorem, u64 pfn, u64 nr,
                              bool unmap) {
  const u64 off = pfn & (g.pages_per_section() - 1);
  std::string t = "# memhp trace v1\n# smt: " + std::string(theorem) +
                  " refuted under mutant subsection_mask_first_only\n"
                  "geometry " + g.name + "\nprofile v6.1\nmutant subsection_mask_first_only\n"
                  // The theorem's invariant. INV-42 reports the mutant
                  // first, at boot: the walker finds boot RAM hidden.
                  "check only=subsection_map_matches_memmap\n"
                  "boot node=0 start=0x40000000 size=0x40000000\n";
  t += "memremap_pages id=1 type=generic node=0 ranges=" + hex(kDevicePhys + (off << g.page_shift)) +
       "+" + hex(nr << g.page_shift) + "\n";
  if (unmap) t += "memunmap_pages id=1\n";
  return t;
}

std::string summary(const z3::model& m, const Query& q, const std::string& preset) {
  std::string s = "geometry = " + preset + "\npfn = " + hex(eval_u64(m, q.pfn)) +
                  "\nnr_pages = " + std::to_string(eval_u64(m, q.nr)) + "\n";
  for (const auto& [name, e] : q.shown) {
    const z3::expr v = m.eval(e, true);
    if (name == "err")
      s += name + " = " + std::to_string(static_cast<std::int32_t>(eval_u64(m, e))) + "\n";
    else if (name == "bit")
      s += name + " = " + std::to_string(eval_u64(m, e)) + "\n";
    else
      s += name + " = " + v.to_string() + "\n";
  }
  return s;
}

// The counterexample of a refuted obligation, narrowed to a replayable one
// when Z3 finds such (under the mutant it always does; otherwise the first
// model stays and the trace is left out).
Counterexample counterexample(z3::context& c, const Query& q, const z3::model& first,
                              const std::string& preset, std::string_view theorem, bool unmap,
                              const ProveOptions& o) {
  z3::solver s = make_solver(c, o);
  s.add(q.premises && !q.conclusion && q.replayable);
  const bool narrowed = s.check() == z3::sat;
  const z3::model m = narrowed ? s.get_model() : first;
  const Geometry g = *geometry_preset(preset);
  Counterexample cex;
  cex.summary = summary(m, q, preset);
  cex.geometry = "page_shift=" + std::to_string(g.page_shift) +
                 " section_size_bits=" + std::to_string(g.section_size_bits) +
                 " subsection_shift=" + std::to_string(g.subsection_shift) + " (" +
                 std::to_string(g.subsections_per_section()) + " subsections per section, " + preset + ")";
  if (narrowed) {
    cex.trace = replay_trace_text(g, theorem, eval_u64(m, q.pfn), eval_u64(m, q.nr), unmap);
    cex.invariant = "subsection_map_matches_memmap";  // INV-3, at the memremap step
  }
  return cex;
}

constexpr std::string_view kName = "subsection_map_fill_clear";

// Per layout, one obligation for fill and one for clear.
TheoremResult prove_fill_clear(const ProveOptions& o) {
  z3::context c;
  std::vector<ObligationResult> obligations;
  std::optional<Counterexample> cex;
  for (const std::string& preset : layout_presets()) {
    const SubsectionLayout l = subsection_layout(*geometry_preset(preset));
    for (const bool clear : {false, true}) {
      const Query q = clear ? clear_query(c, l, o.mutant) : fill_query(c, l, o.mutant);
      Discharged d = discharge(c, preset + (clear ? "/clear" : "/fill"), q.premises, q.conclusion, o);
      if (d.model && !cex) cex = counterexample(c, q, *d.model, preset, kName, clear, o);
      obligations.push_back(std::move(d.result));
    }
  }
  TheoremResult r = summarise(std::move(obligations));
  r.cex = std::move(cex);
  return r;
}

}  // namespace

std::vector<Theorem> subsection_theorems() {
  return {
      {kName,
       "On a subsection_map equal to the populated subsections, fill_subsection_map() fails with "
       "-EEXIST exactly when the range shares a populated subsection (never with -EINVAL) and "
       "otherwise adds the range's subsections; clear_subsection_map() succeeds exactly when the "
       "section has a usage and all the range's subsections are populated (else WARN, -EINVAL, map "
       "unchanged), removes them, and reports the map empty exactly when none is left.",
       kScope,
       "mm/sparse.c: subsection_mask_set(), fill_subsection_map() (section_activate()), "
       "clear_subsection_map() and is_subsection_map_empty() (section_deactivate())",
       "subsection_mask_set() sets only the first subsection's bit "
       "(`mutant subsection_mask_first_only`)",
       prove_fill_clear},
  };
}

}  // namespace memhp::smt
