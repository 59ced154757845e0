// The subsection_map and span-shrinking encodings (smt/enc_subsection.h,
// smt/enc_span.h) against the model, and their theorems.
//
// An encoding is evaluated on concrete inputs by substituting numerals for
// its symbolic inputs and simplifying; the model function runs on the same
// inputs, and the two must agree. Inputs come from three places: a seeded
// random generator (at least 10,000 per encoding, biased towards the branch
// conditions), Z3 itself (a model for each branch condition, its negation
// and its boundary), and, for the finders, every slot pattern of a small
// booted System.
#include "fixtures.h"

#include <z3++.h>

#include <bit>
#include <cerrno>
#include <random>

#include "discharge.h"
#include "enc_span.h"
#include "enc_subsection.h"
#include "groups.h"
#include "memhp/subsection.h"
#include "memhp/trace.h"
#include "memhp/zone_span.h"
#include "replay.h"

using namespace memhp;
using namespace memhp::smt;
using memhp::k::SubsectionMap;

namespace {

z3::expr u64v(z3::context& c, u64 v) { return c.bv_val(static_cast<std::uint64_t>(v), 64); }

// e with the constants `from` given the values `to`, evaluated to a numeral
// or true/false.
z3::expr evaluate(const z3::expr& e, const z3::expr_vector& from, const z3::expr_vector& to) {
  z3::model m(e.ctx());
  for (unsigned i = 0; i < from.size(); ++i) {
    z3::func_decl d = from[i].decl();
    z3::expr v = to[i];
    m.add_const_interp(d, v);
  }
  return m.eval(e, true);
}

u64 numeral(const z3::expr& e) {
  std::uint64_t v = 0;
  REQUIRE_MESSAGE(e.is_numeral_u64(v), "not a 64-bit numeral: " << e);
  return v;
}

int errno_of(const z3::expr& e) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(numeral(e))); }

z3::expr map_val(z3::context& c, const SubsectionMap& m, unsigned width) {
  bool bits[kMaxSubsections] = {};
  for (unsigned i = 0; i < width; ++i) bits[i] = m.test(i);
  return c.bv_val(width, bits);
}

// A bit-vector value back to a map, read 64 bits at a time (the bits above
// the width must not exist).
SubsectionMap to_map(const z3::expr& v, unsigned width) {
  SubsectionMap m;
  for (unsigned lo = 0; lo < width; lo += 64) {
    const unsigned hi = std::min(width, lo + 64) - 1;
    const u64 chunk = numeral(v.extract(hi, lo).simplify());
    for (unsigned i = lo; i <= hi; ++i)
      if (chunk >> (i - lo) & 1) m.set(i);
  }
  return m;
}

z3::expr flag(z3::context& c, bool b) { return c.bv_val(b ? 1 : 0, 1); }
z3::expr flag(const z3::expr& b) { return z3::ite(b, b.ctx().bv_val(1, 1), b.ctx().bv_val(0, 1)); }

const std::vector<std::string>& layout_presets() {
  static const std::vector<std::string> v = {"x86_64", "arm64-16k", "arm64-64k", "ppc64-64k"};
  return v;
}

// ----------------------------------------------------------- subsections --

// One concrete input of the subsection functions.
struct SubInput {
  u64 pfn = 0, nr = 0;
  SubsectionMap map;
  bool has_usage = true;
};

// The subsection encodings of one layout, over symbolic inputs.
struct SubEncoding {
  Geometry g;
  SubsectionLayout l;
  z3::expr pfn, nr, map, has_usage;
  z3::expr mask, mask_first, within, defined;
  MapUpdate fill, clear;
  z3::expr outputs;  // every output in one term, so that an input costs one substitution
  SubEncoding(z3::context& c, const std::string& preset)
      : g(*geometry_preset(preset)),
        l(subsection_layout(g)),
        pfn(c.bv_const("pfn", 64)),
        nr(c.bv_const("nr", 64)),
        map(c.bv_const("map", l.width())),
        has_usage(c.bool_const("has_usage")),
        mask(subsection_mask_set(l, pfn, nr)),
        mask_first(subsection_mask_set(l, pfn, nr, true)),
        within(range_within_section(l, pfn, nr)),
        defined(subsection_mask_defined(l, pfn, nr)),
        fill(fill_subsection_map(map, mask)),
        clear(clear_subsection_map(has_usage, map, mask)),
        outputs(pack()) {}

  z3::expr_vector vars() const {
    z3::expr_vector v(pfn.ctx());
    for (const z3::expr& e : {pfn, nr, map, has_usage}) v.push_back(e);
    return v;
  }
  z3::expr_vector values(const SubInput& in) const {
    z3::context& c = pfn.ctx();
    z3::expr_vector v(c);
    v.push_back(u64v(c, in.pfn));
    v.push_back(u64v(c, in.nr));
    v.push_back(map_val(c, in.map, l.width()));
    v.push_back(c.bool_val(in.has_usage));
    return v;
  }
  z3::expr pack() const {
    z3::expr_vector parts(pfn.ctx());
    for (const z3::expr& e : {mask, mask_first, fill.err, fill.map, clear.err, clear.map})
      parts.push_back(e);
    for (const z3::expr& b : {subsection_map_empty(clear.map), within, defined}) parts.push_back(flag(b));
    return z3::concat(parts);
  }
};

// What the model says on one input, in the layout of SubEncoding::outputs.
struct SubModel {
  SubsectionMap mask, mask_first, filled, cleared;
  int fill_err = 0, clear_err = 0;
  bool within = false, defined = false;

  SubModel(const Geometry& g, const SubInput& in)
      : mask(k::subsection_mask_set(g, Pfn{in.pfn}, in.nr)),
        mask_first(k::subsection_mask_set(g, Pfn{in.pfn}, in.nr, true)),
        filled(in.map),
        cleared(in.map) {
    fill_err = k::fill_subsection_map(filled, mask);
    clear_err = k::clear_subsection_map(in.has_usage ? &cleared : nullptr, mask);
    // The two domain predicates, as the kernel's callers and bitmap_set() see them.
    const u64 pps = g.pages_per_section(), off = in.pfn & (pps - 1);
    within = in.nr >= 1 && in.nr <= pps - off;
    const u64 first = g.subsection_index(Pfn{in.pfn});
    defined = g.subsection_index(Pfn{in.pfn + in.nr - 1}) + 1 >= first;
  }
  z3::expr packed(z3::context& c, unsigned w) const {
    z3::expr_vector parts(c);
    for (const z3::expr& e : {map_val(c, mask, w), map_val(c, mask_first, w), errno_term(c, fill_err),
                              map_val(c, filled, w), errno_term(c, clear_err), map_val(c, cleared, w),
                              flag(c, cleared.none()), flag(c, within), flag(c, defined)})
      parts.push_back(e);
    return z3::concat(parts).simplify();
  }
};

// Compares every subsection encoding with the model on one input; only a
// mismatch is taken apart, output by output.
void check_subsections(const SubEncoding& e, const SubInput& in) {
  z3::context& c = e.pfn.ctx();
  const unsigned w = e.l.width();
  const z3::expr_vector from = e.vars(), to = e.values(in);
  const SubModel want(e.g, in);
  // Nothing beyond SUBSECTIONS_PER_SECTION: the width holds the whole mask.
  REQUIRE((want.mask >> w).none());
  if (z3::eq(evaluate(e.outputs, from, to), want.packed(c, w))) return;
  CAPTURE(e.g.name);
  CAPTURE(in.pfn);
  CAPTURE(in.nr);
  CAPTURE(in.map);
  CAPTURE(in.has_usage);
  CHECK(to_map(evaluate(e.mask, from, to), w) == want.mask);
  CHECK(to_map(evaluate(e.mask_first, from, to), w) == want.mask_first);
  CHECK(errno_of(evaluate(e.fill.err, from, to)) == want.fill_err);
  CHECK(to_map(evaluate(e.fill.map, from, to), w) == want.filled);
  CHECK(errno_of(evaluate(e.clear.err, from, to)) == want.clear_err);
  CHECK(to_map(evaluate(e.clear.map, from, to), w) == want.cleared);
  CHECK(evaluate(e.within, from, to).is_true() == want.within);
  CHECK(evaluate(e.defined, from, to).is_true() == want.defined);
  FAIL("the subsection encodings disagree with the model");
}

// Random inputs, biased towards the branches: section edges, exact fits,
// empty and wrapping ranges, maps that meet the mask in none, one or all bits.
SubInput random_sub_input(std::mt19937_64& rng, const Geometry& g) {
  auto pick = [&](u64 n) { return std::uniform_int_distribution<u64>(0, n - 1)(rng); };
  const u64 pps = g.pages_per_section(), sub = g.pages_per_subsection();
  const unsigned w = static_cast<unsigned>(g.subsections_per_section());
  SubInput in;
  const u64 section = pick(8) == 0 ? pick(4) : pick(u64{1} << 30);
  const u64 off = pick(2) ? pick(w) * sub : pick(pps);
  in.pfn = section * pps + off;
  const u64 room = pps - off;
  switch (pick(8)) {
    case 0: in.nr = 0; break;
    case 1: in.nr = 1 + pick(2); break;
    case 2: in.nr = room; break;
    case 3: in.nr = room + 1; break;
    case 4: in.nr = pick(2 * pps) + 1; break;
    case 5: in.nr = rng(); break;
    default: in.nr = 1 + pick(room); break;
  }
  const SubsectionMap mask = k::subsection_mask_set(g, Pfn{in.pfn}, in.nr);
  SubsectionMap noise;
  for (unsigned i = 0; i < w; ++i)
    if (pick(4) == 0) noise.set(i);
  switch (pick(5)) {
    case 0: in.map = noise; break;
    case 1: in.map = mask; break;
    case 2: in.map = mask | noise; break;
    case 3: in.map = noise & ~mask; break;
    default: {  // the mask with one bit flipped
      in.map = mask;
      in.map.flip(static_cast<std::size_t>(pick(w)));
      break;
    }
  }
  in.has_usage = pick(10) != 0;
  return in;
}

// Branch conditions of the subsection encodings, and their boundaries: the
// shapes of the range (what the mask depends on), and the relations of the
// map to the mask (what fill and clear branch on).
using Conditions = std::vector<std::pair<std::string, z3::expr>>;
std::pair<Conditions, Conditions> sub_conditions(const SubEncoding& e) {
  z3::context& c = e.pfn.ctx();
  const SubsectionLayout& l = e.l;
  const z3::expr first = subsection_map_index(l, e.pfn);
  const z3::expr last = subsection_map_index(l, e.pfn + e.nr - u64v(c, 1));
  const z3::expr off = e.pfn & u64v(c, l.pages_per_section() - 1);
  const z3::expr room = u64v(c, l.pages_per_section()) - off;
  const z3::expr top = u64v(c, l.width() - 1);
  const z3::expr zero = c.bv_val(0, l.width());
  const z3::expr both = e.map & e.mask, missing = e.mask & ~e.map;
  auto single = [&](const z3::expr& x) { return x != zero && (x & (x - c.bv_val(1, l.width()))) == zero; };
  Conditions shapes = {
      {"first == 0", first == u64v(c, 0)},
      {"first == 1", first == u64v(c, 1)},
      {"first == top", first == top},
      {"last == top", last == top},
      {"last == first", last == first},
      {"last + 1 == first", last + u64v(c, 1) == first},
      {"last == first + 1", last == first + u64v(c, 1)},
      {"nr == 0", e.nr == u64v(c, 0)},
      {"nr == 1", e.nr == u64v(c, 1)},
      {"nr == room - 1", e.nr + u64v(c, 1) == room},
      {"nr == room", e.nr == room},
      {"nr == room + 1", e.nr == room + u64v(c, 1)},
      {"range wraps", z3::ult(e.pfn + e.nr, e.pfn) && e.nr != u64v(c, 0)},
      {"pfn subsection-aligned", (e.pfn & u64v(c, l.pages_per_subsection() - 1)) == u64v(c, 0)},
      {"mask empty", e.mask == zero},
  };
  Conditions relations = {
      {"map meets mask", both != zero},
      {"map meets mask in one bit", single(both)},
      {"map holds mask", missing == zero},
      {"map misses one bit of mask", single(missing)},
      {"map == mask", e.map == e.mask},
      {"has_usage", e.has_usage},
  };
  return {shapes, relations};
}

SubInput sub_input_from(const z3::model& m, const SubEncoding& e) {
  SubInput in;
  in.pfn = eval_u64(m, e.pfn);
  in.nr = eval_u64(m, e.nr);
  in.map = to_map(m.eval(e.map, true), e.l.width());
  in.has_usage = eval_bool(m, e.has_usage);
  return in;
}

// ------------------------------------------------------------------ span --

constexpr unsigned kSlots = 6;

// A geometry and where its slots (memory blocks) go.
struct SlotLayout {
  std::string preset;
  u64 boot_start, boot_size;  // bytes of boot RAM
  u64 first_block;            // the first slot's block id
};

const std::vector<SlotLayout>& slot_layouts() {
  static const std::vector<SlotLayout> v = {
      {"x86_64", 0x100000, 0x3ff00000, 32},          // 128 MiB blocks from 4 GiB
      {"ppc64-64k", 0, 0x40000000, 16},              // 256 MiB blocks from 4 GiB
      {"arm64-64k", 0x40000000, 0x40000000, 8},      // 512 MiB blocks from 4 GiB
  };
  return v;
}

// A System whose slots `online` are online movable memory; with
// `add_all`, the other slots are added but offline, else absent.
System slot_system(const SlotLayout& sl, unsigned online, bool add_all, MutantSet mutants = {}) {
  const Geometry g = *geometry_preset(sl.preset);
  auto v = boot_system(g, Profile{}, {{0, sl.boot_start, sl.boot_size}}, mutants);
  REQUIRE(std::holds_alternative<System>(v));
  System s = std::get<System>(std::move(v));
  for (unsigned j = 0; j < kSlots; ++j) {
    if (!add_all && !(online >> j & 1)) continue;
    REQUIRE_OK(add_memory(s, 0, (sl.first_block + j) * g.block_bytes, g.block_bytes, MHP_NONE));
  }
  for (unsigned j = 0; j < kSlots; ++j)
    if (online >> j & 1) REQUIRE_OK(online_block(s, sl.first_block + j, OnlineType::OnlineMovable));
  return s;
}

// The span encodings over symbolic inputs, for slots of one geometry.
struct SpanEncoding {
  z3::expr base, shift, online, lo, hi;  // slots; finder bounds (pfns)
  z3::expr zstart, zspanned, start, end, found, side;
  SlotZone zone;
  z3::expr smallest, biggest;
  ZoneSpanTerm z;
  z3::expr side_of;
  ZoneSpanTerm result, result_keeps;
  explicit SpanEncoding(z3::context& c)
      : base(c.bv_const("base", 64)),
        shift(c.bv_const("shift", 64)),
        online(c.bv_const("online", kSlots)),
        lo(c.bv_const("lo", 64)),
        hi(c.bv_const("hi", 64)),
        zstart(c.bv_const("zstart", 64)),
        zspanned(c.bv_const("zspanned", 64)),
        start(c.bv_const("start", 64)),
        end(c.bv_const("end", 64)),
        found(c.bv_const("found", 64)),
        side(c.bv_const("side", 64)),
        zone{base, shift, online, kSlots},
        smallest(find_smallest_section_pfn(zone, lo, hi)),
        biggest(find_biggest_section_pfn(zone, lo, hi)),
        z{zstart, zspanned},
        side_of(shrink_zone_span_side(z, start, end)),
        result(shrink_zone_span_result(z, side, found, false)),
        result_keeps(shrink_zone_span_result(z, side, found, true)) {}
};

unsigned side_value(k::ShrinkSide s) { return static_cast<unsigned>(s); }

// One input of the span arithmetic.
struct ArithInput {
  k::ZoneSpan z;
  u64 start = 0, end = 0, found = 0;
  k::ShrinkSide side = k::ShrinkSide::None;
};

void check_arith(const SpanEncoding& e, const ArithInput& in) {
  z3::context& c = e.base.ctx();
  z3::expr_vector from(c), to(c);
  for (const auto& [v, x] : {std::pair{e.zstart, in.z.start}, std::pair{e.zspanned, in.z.spanned},
                             std::pair{e.start, in.start}, std::pair{e.end, in.end},
                             std::pair{e.found, in.found}}) {
    from.push_back(v);
    to.push_back(u64v(c, x));
  }
  from.push_back(e.side);
  to.push_back(shrink_side_term(c, side_value(in.side)));
  CAPTURE(in.z.start);
  CAPTURE(in.z.spanned);
  CAPTURE(in.start);
  CAPTURE(in.end);
  CAPTURE(in.found);
  CAPTURE(side_value(in.side));
  REQUIRE(numeral(evaluate(e.side_of, from, to)) ==
          side_value(k::shrink_zone_span_side(in.z, Pfn{in.start}, Pfn{in.end})));
  for (bool keeps : {false, true}) {
    const ZoneSpanTerm& r = keeps ? e.result_keeps : e.result;
    const k::ZoneSpan want = k::shrink_zone_span_result(in.z, in.side, in.found, keeps);
    REQUIRE(numeral(evaluate(r.start, from, to)) == want.start);
    REQUIRE(numeral(evaluate(r.spanned, from, to)) == want.spanned);
  }
}

ArithInput random_arith_input(std::mt19937_64& rng) {
  auto pick = [&](u64 n) { return std::uniform_int_distribution<u64>(0, n - 1)(rng); };
  auto near = [&](u64 x) { return x + pick(3) - 1; };  // x - 1, x or x + 1
  ArithInput in;
  in.z.start = pick(4) == 0 ? 0 : pick(u64{1} << 40);
  in.z.spanned = pick(4) == 0 ? 0 : pick(u64{1} << 30);
  in.start = pick(2) ? near(in.z.start) : pick(u64{1} << 40);
  in.end = pick(2) ? near(in.z.end()) : in.start + pick(u64{1} << 20);
  switch (pick(4)) {
    case 0: in.found = 0; break;
    case 1: in.found = 1; break;
    case 2: in.found = in.z.start + pick(in.z.spanned + 1); break;
    default: in.found = rng(); break;
  }
  in.side = static_cast<k::ShrinkSide>(pick(3));
  return in;
}

// The slot encoding of the finders, evaluated for one slot pattern.
u64 finder_value(const SpanEncoding& e, const z3::expr& finder, u64 base, unsigned shift,
                 unsigned online, u64 lo, u64 hi) {
  z3::context& c = e.base.ctx();
  z3::expr_vector from(c), to(c);
  from.push_back(e.base), to.push_back(u64v(c, base));
  from.push_back(e.shift), to.push_back(u64v(c, shift));
  from.push_back(e.online), to.push_back(c.bv_val(online, kSlots));
  from.push_back(e.lo), to.push_back(u64v(c, lo));
  from.push_back(e.hi), to.push_back(u64v(c, hi));
  return numeral(evaluate(finder, from, to));
}

// The hull of the online slots as the model's ZoneSpan, (0, 0) for none.
k::ZoneSpan slot_hull(u64 base, u64 block, unsigned online) {
  if (!online) return {};
  unsigned lo = 0, hi = kSlots - 1;
  while (!(online >> lo & 1)) ++lo;
  while (!(online >> hi & 1)) --hi;
  return {base + lo * block, (hi + 1 - lo) * block};
}

k::ZoneSpan movable_span(const System& s) {
  const ZoneState& z = s.zone(0, Zone::Movable);
  return {z.zone_start_pfn, z.spanned_pages};
}

// The composed encoding shrink_zone_span() for one offline of slot j.
k::ZoneSpan shrink_value(z3::context& c, const Geometry& g, u64 base, k::ZoneSpan before,
                         unsigned left, unsigned j, bool keeps_start) {
  const unsigned shift = static_cast<unsigned>(std::countr_zero(g.block_pages()));
  const SlotZone zone{u64v(c, base), u64v(c, shift), c.bv_val(left, kSlots), kSlots};
  const ZoneSpanTerm z{u64v(c, before.start), u64v(c, before.spanned)};
  const ZoneSpanTerm r = shrink_zone_span(zone, z, zone.first_pfn(j), zone.first_pfn(j + 1), keeps_start);
  return {numeral(r.start.simplify()), numeral(r.spanned.simplify())};
}

TheoremResult run(std::string_view name, bool mutant) {
  const Theorem* t = find_theorem(name);
  REQUIRE_MESSAGE(t, "theorem not registered: " << name);
  ProveOptions o;
  o.mutant = mutant;
  return run_theorem(*t, o);
}

// A refuted theorem's trace, replayed: the violation it must show.
std::string replayed_violation(const TheoremResult& r) {
  REQUIRE(r.cex);
  REQUIRE_FALSE(r.cex->trace.empty());
  auto parsed = parse_trace(r.cex->trace);
  if (auto* err = std::get_if<ParseError>(&parsed))
    FAIL("trace does not parse, line " << err->line << ": " << err->message << "\n" << r.cex->trace);
  const ReplayResult rr = replay_trace(std::get<Trace>(parsed));
  REQUIRE(rr.boot_error.empty());
  REQUIRE_MESSAGE(rr.violation, "no violation replaying\n" << r.cex->trace);
  return rr.violation->invariant;
}

}  // namespace

// ------------------------------------------------------------- the tests --

TEST_CASE("smt subsection encodings agree with the model on random inputs") {
  z3::context c;
  std::vector<SubEncoding> enc;
  for (const std::string& p : layout_presets()) enc.emplace_back(c, p);
  std::mt19937_64 rng(0x5ec7'10f5);
  constexpr int kInputs = 10'000;
  for (int i = 0; i < kInputs; ++i) {
    const SubEncoding& e = enc[static_cast<std::size_t>(i) % enc.size()];
    check_subsections(e, random_sub_input(rng, e.g));
  }
}

TEST_CASE("smt subsection encodings agree with the model at Z3's branch boundaries" * doctest::test_suite("slow")) {
  z3::context c;
  ProveOptions o;
  int checked = 0;
  for (const std::string& p : layout_presets()) {
    const SubEncoding e(c, p);
    const auto [shapes, relations] = sub_conditions(e);
    // One solver per layout, so that the encoding is bit-blasted once.
    z3::solver s = make_solver(c, o);
    auto check_with = [&](const z3::expr& a, const z3::expr& b) {
      s.push();
      s.add(a && b);
      if (s.check() == z3::sat) {
        check_subsections(e, sub_input_from(s.get_model(), e));
        ++checked;
      }
      s.pop();
    };
    // Each condition and its negation, then each range shape with each
    // relation of the map to the mask, in all four polarities.
    for (const auto& conds : {shapes, relations})
      for (const auto& [name, cond] : conds) {
        CAPTURE(name);
        check_with(cond, c.bool_val(true));
        check_with(!cond, c.bool_val(true));
      }
    // The 256-bit layout is slow to solve: there, each shape with each
    // relation holding, and the shapes alone.
    const bool wide = e.l.width() > 64;
    for (const auto& [shape, a] : shapes)
      for (const auto& [relation, b] : relations) {
        CAPTURE(shape);
        CAPTURE(relation);
        if (wide) {
          check_with(a, b);
          continue;
        }
        for (const z3::expr& x : {a, !a})
          for (const z3::expr& y : {b, !b}) check_with(x, y);
      }
  }
  MESSAGE("subsection corner cases checked: " << checked);
  CHECK(checked > 1000);
}

TEST_CASE("smt subsection_mask_set quirks the encoding keeps") {
  const Geometry g = *geometry_preset("x86_64");
  // nr_pages == 0 at a section start wraps to the section before: every bit.
  CHECK(k::subsection_mask_set(g, Pfn{32768}, 0).count() == 64);
  // ... at a subsection start inside a section: none, so fill says -EINVAL.
  SubsectionMap m;
  CHECK(k::fill_subsection_map(m, k::subsection_mask_set(g, Pfn{32768 + 512}, 0)) == -EINVAL);
  // ... elsewhere: the one subsection.
  CHECK(k::subsection_mask_set(g, Pfn{32768 + 5}, 0).count() == 1);
}

TEST_CASE("smt span arithmetic agrees with the model on random inputs and at Z3's boundaries") {
  z3::context c;
  const SpanEncoding e(c);
  std::mt19937_64 rng(0x5a4'0001);
  for (int i = 0; i < 10'000; ++i) check_arith(e, random_arith_input(rng));

  const z3::expr one = u64v(c, 1), zero = u64v(c, 0);
  const z3::expr zend = e.zstart + e.zspanned;
  const std::vector<z3::expr> conds = {
      e.zstart == e.start,         e.zstart == e.start + one,   e.zstart + one == e.start,
      zend == e.end,               zend == e.end + one,         zend + one == e.end,
      e.found == zero,             e.found == one,              e.found == e.zstart,
      e.found + one == zend,       e.zspanned == zero,          e.zstart == zero,
      e.side == shrink_side_term(c, 0), e.side == shrink_side_term(c, 1),
      e.side == shrink_side_term(c, 2),
  };
  ProveOptions o;
  int checked = 0;
  for (const z3::expr& a : conds)
    for (const z3::expr& b : conds)
      for (bool pos : {true, false}) {
        z3::solver s = make_solver(c, o);
        s.add(pos ? a : !a);
        s.add(b);
        s.add(z3::ule(e.side, shrink_side_term(c, 2)));
        if (s.check() != z3::sat) continue;
        const z3::model m = s.get_model();
        ArithInput in;
        in.z = {eval_u64(m, e.zstart), eval_u64(m, e.zspanned)};
        in.start = eval_u64(m, e.start);
        in.end = eval_u64(m, e.end);
        in.found = eval_u64(m, e.found);
        in.side = static_cast<k::ShrinkSide>(eval_u64(m, e.side));
        check_arith(e, in);
        ++checked;
      }
  MESSAGE("span arithmetic corner cases checked: " << checked);
  CHECK(checked > 300);
}

TEST_CASE("smt slot finders agree with the model's subsection scan on every slot pattern") {
  z3::context c;
  const SpanEncoding e(c);
  ProveOptions o;
  int checked = 0;
  for (const SlotLayout& sl : slot_layouts()) {
    const Geometry g = *geometry_preset(sl.preset);
    const u64 block = g.block_pages(), base = sl.first_block * block;
    const unsigned shift = static_cast<unsigned>(std::countr_zero(block));
    CAPTURE(sl.preset);
    for (bool add_all : {true, false})
      for (unsigned online = 0; online < (1u << kSlots); ++online) {
        const System s = slot_system(sl, online, add_all);
        CAPTURE(add_all);
        CAPTURE(online);
        for (u64 lo = 0; lo <= kSlots; ++lo)
          for (u64 hi = lo; hi <= kSlots; ++hi) {
            const Pfn a{base + lo * block}, b{base + hi * block};
            CAPTURE(lo);
            CAPTURE(hi);
            CHECK(k::find_smallest_section_pfn(s, 0, Zone::Movable, a, b) ==
                  finder_value(e, e.smallest, base, shift, online, a.v, b.v));
            CHECK(k::find_biggest_section_pfn(s, 0, Zone::Movable, a, b) ==
                  finder_value(e, e.biggest, base, shift, online, a.v, b.v));
            checked += 2;
          }
      }
    // Z3's boundaries: a model for each condition on (online, lo, hi), on
    // this geometry's placement, replayed on the matching System.
    const SlotZone placed{u64v(c, base), u64v(c, shift), e.online, kSlots};
    const z3::expr lo_slot = z3::zext(c.bv_const("lo_slot", 3), 61);
    const z3::expr hi_slot = z3::zext(c.bv_const("hi_slot", 3), 61);
    const z3::expr lo = placed.first_pfn(lo_slot), hi = placed.first_pfn(hi_slot);
    const z3::expr smallest = find_smallest_section_pfn(placed, lo, hi);
    const z3::expr biggest = find_biggest_section_pfn(placed, lo, hi);
    const z3::expr zero = u64v(c, 0), none = c.bv_val(0, kSlots);
    const std::vector<z3::expr> conds = {
        smallest == zero, biggest == zero, smallest == lo, biggest + u64v(c, 1) == hi,
        lo_slot == hi_slot, lo_slot + u64v(c, 1) == hi_slot, e.online == none,
        e.online == c.bv_val((1u << kSlots) - 1, kSlots)};
    const z3::expr window = z3::ule(lo_slot, hi_slot) && z3::ule(hi_slot, u64v(c, kSlots));
    for (const z3::expr& cond : conds)
      for (const z3::expr& also : conds)
        for (bool pos : {true, false}) {
          z3::solver sv = make_solver(c, o);
          sv.add(window && (pos ? cond : !cond) && also);
          if (sv.check() != z3::sat) continue;
          const z3::model m = sv.get_model();
          const unsigned online = static_cast<unsigned>(eval_u64(m, e.online));
          const System s = slot_system(sl, online, true);
          const Pfn a{eval_u64(m, lo)}, b{eval_u64(m, hi)};
          CHECK(k::find_smallest_section_pfn(s, 0, Zone::Movable, a, b) == eval_u64(m, smallest));
          CHECK(k::find_biggest_section_pfn(s, 0, Zone::Movable, a, b) == eval_u64(m, biggest));
          checked += 2;
        }
  }
  MESSAGE("finder comparisons: " << checked);
  CHECK(checked >= 10'000);
}

TEST_CASE("smt shrink_zone_span encoding agrees with offline_block on every slot pattern") {
  z3::context c;
  for (const SlotLayout& sl : slot_layouts()) {
    const Geometry g = *geometry_preset(sl.preset);
    const u64 block = g.block_pages(), base = sl.first_block * block;
    CAPTURE(sl.preset);
    for (unsigned online = 1; online < (1u << kSlots); ++online) {
      const System s = slot_system(sl, online, true);
      REQUIRE(movable_span(s) == slot_hull(base, block, online));
      for (unsigned j = 0; j < kSlots; ++j) {
        if (!(online >> j & 1)) continue;
        CAPTURE(online);
        CAPTURE(j);
        System t = s;
        REQUIRE_OK(offline_block(t, sl.first_block + j));
        const unsigned left = online & ~(1u << j);
        CHECK(movable_span(t) == shrink_value(c, g, base, movable_span(s), left, j, false));
        // ... and the theorem's conclusion, on this instance.
        CHECK(movable_span(t) == slot_hull(base, block, left));
      }
    }
  }
  // The mutant is mirrored too: an emptied zone keeps its start.
  MutantSet keeps;
  keeps.set(Mutant("shrink_keeps_start"));
  const SlotLayout& x86 = slot_layouts().front();
  const Geometry g = *geometry_preset(x86.preset);
  const u64 base = x86.first_block * g.block_pages();
  for (unsigned j = 0; j < kSlots; ++j) {
    const System s = slot_system(x86, 1u << j, true, keeps);
    System t = s;
    REQUIRE_OK(offline_block(t, x86.first_block + j));
    CHECK(movable_span(t) == shrink_value(c, g, base, movable_span(s), 0, j, true));
    CHECK(movable_span(t).start != 0);
  }
}

TEST_CASE("smt subsection_map_fill_clear is proved, and refuted under its mutant with a replayable trace") {
  const TheoremResult ok = run("subsection_map_fill_clear", false);
  CHECK(ok.verdict == Verdict::Proved);
  CHECK(ok.premises == Sat::Sat);
  CHECK(ok.obligations.size() == 8);  // fill and clear on four layouts
  for (const ObligationResult& ob : ok.obligations) CHECK(ob.premises == Sat::Sat);
  MESSAGE("subsection_map_fill_clear: " << ok.seconds << " s");

  const TheoremResult bad = run("subsection_map_fill_clear", true);
  CHECK(bad.verdict == Verdict::Refuted);
  CHECK(bad.premises == Sat::Sat);
  REQUIRE(bad.cex);
  CHECK(bad.cex->trace.find("mutant subsection_mask_first_only") != std::string::npos);
  CHECK(bad.cex->invariant == "subsection_map_matches_memmap");
  CHECK(replayed_violation(bad) == bad.cex->invariant);
  MESSAGE("subsection_map_fill_clear (mutant): " << bad.seconds << " s");
}

TEST_CASE("smt zone_span_shrinks_to_hull is proved per case, and refuted under shrink_keeps_start with a replayable trace") {
  const TheoremResult ok = run("zone_span_shrinks_to_hull", false);
  CHECK(ok.verdict == Verdict::Proved);
  CHECK(ok.premises == Sat::Sat);
  CHECK(ok.obligations.size() == 12);  // four cases on three placements
  for (const ObligationResult& ob : ok.obligations) CHECK(ob.premises == Sat::Sat);
  MESSAGE("zone_span_shrinks_to_hull: " << ok.seconds << " s");

  const TheoremResult bad = run("zone_span_shrinks_to_hull", true);
  CHECK(bad.verdict == Verdict::Refuted);
  // Only emptying the zone breaks under this mutant.
  for (const ObligationResult& ob : bad.obligations)
    CHECK((ob.verdict == Verdict::Refuted) == (ob.name.find("whole_zone") != std::string::npos));
  REQUIRE(bad.cex);
  CHECK(bad.cex->invariant == "empty_zone_is_zero");
  CHECK(replayed_violation(bad) == bad.cex->invariant);
  MESSAGE("zone_span_shrinks_to_hull (mutant): " << bad.seconds << " s");
}
