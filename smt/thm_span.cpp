// Span shrinking: after offline_pages() removes a run of online memory from a
// zone, shrink_zone_span() leaves the zone spanning exactly the hull of what
// is still online in it.
//
// What is symbolic. Which of the zone's n = 6 slots are online (any subset:
// holes between online slots are allowed) and the offlined run of slots
// [a, e) (all of them online, as offline_pages() requires). The zone's span
// before is the hull of the online slots (from the lowest online slot to the
// end of the highest). The span after is checked against a specification of
// the hull by what it is (every online slot inside it, both ends on online
// slots, (0, 0) for none), not computed the way shrink_zone_span() is.
//
// What is bounded. Six slots, one zone of one node, nothing else in the
// zone's span, and three concrete placements, one per memory block size in
// pages: x86_64 (2^15: 128 MiB of 4 KiB pages) from 4 GiB, arm64-16k/64k
// (2^13) from 2 GiB, ppc64-64k (2^12: 256 MiB of 64 KiB pages) from pfn 0,
// where the kernel's "0 means not found" could collide with a real pfn. A
// symbolic base pfn makes Z3 reason about 64-bit carries and costs seconds
// per case (measured: 4-10 s), so the base is concrete.
//
// What is assumed. The finders are the slot-level encoding of
// smt/enc_span.h: with slot-aligned bounds the kernel's subsection scan
// meets each slot first at its first pfn (going up) or its last pfn (going
// down). tests/test_smt_sections.cpp holds that against the model's finders
// on booted Systems, and the whole transition against offline_block().
//
// The four obligations per placement are the four cases of
// shrink_zone_span(): the run starts the zone (low end), ends it (high end),
// does neither (middle: the span must not change) or is the whole zone (it
// must become (0, 0)). Each case's premises are checked satisfiable.
//
// Mutant: Mutant("shrink_keeps_start"), an emptied zone keeps zone_start_pfn.
// Only the whole-zone case breaks. The x86_64 counterexample, narrowed to a
// single online slot, is a trace of dimm_add/online_block/offline_block on
// blocks 32.. (4 GiB up) that
// `memhp replay` runs, with `mutant shrink_keeps_start`, into INV-12a
// (empty_zone_is_zero).
#include <sstream>

#include "discharge.h"
#include "enc_span.h"
#include "groups.h"

namespace memhp::smt {

namespace {

constexpr unsigned kSlots = 6;

constexpr std::string_view kScope =
    "Symbolic: which of 6 block-sized slots of one zone are online (any subset) and the offlined "
    "run of online slots; the span before is their hull. Bounded: 6 slots, one zone, nothing else "
    "in its span; blocks of 2^15 pages from 4 GiB (x86_64), 2^13 from 2 GiB (arm64), 2^12 from "
    "pfn 0 (ppc64-64k). Assumed: the finders at slot granularity (exact for aligned slots; "
    "cross-checked against the model's subsection scan).";

z3::expr u64_term(z3::context& c, u64 v) { return c.bv_val(static_cast<std::uint64_t>(v), 64); }

std::string hex(u64 v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

// The specification: (s, n) is the hull of the online slots, or (0, 0).
z3::expr is_hull(const SlotZone& z, const z3::expr& s, const z3::expr& n) {
  z3::context& c = s.ctx();
  z3::expr holds = c.bool_val(true), starts = c.bool_val(false), ends = c.bool_val(false);
  for (unsigned j = 0; j < z.n; ++j) {
    const z3::expr lo = z.first_pfn(j), hi = z.first_pfn(j + 1);
    holds = holds && z3::implies(z.is_online(j), z3::ule(s, lo) && z3::ule(hi, s + n));
    starts = starts || (z.is_online(j) && s == lo);
    ends = ends || (z.is_online(j) && s + n == hi);
  }
  const z3::expr none = z.online == c.bv_val(0, z.n);
  return z3::ite(none, s == u64_term(c, 0) && n == u64_term(c, 0), holds && starts && ends);
}

// The slots [a, e) as an n-bit set.
z3::expr slot_run(z3::context& c, const z3::expr& a, const z3::expr& e, unsigned n) {
  z3::expr_vector bits(c);
  for (unsigned j = n; j-- > 0;) {
    const z3::expr in = z3::ule(a, u64_term(c, j)) && z3::ult(u64_term(c, j), e);
    bits.push_back(z3::ite(in, c.bv_val(1, 1), c.bv_val(0, 1)));
  }
  return z3::concat(bits);
}

struct SpanQuery {
  SlotZone zone;  // before the offline
  z3::expr a, e;
  ZoneSpanTerm before, after;
  z3::expr setting;     // everything but the case split
  z3::expr conclusion;  // the hull, after
  z3::expr low, high;   // the range starts / ends the zone
};

// The hull of the online slots as a span: lowest online slot to the end of
// the highest (only used where some slot is online).
ZoneSpanTerm hull_span(const SlotZone& z) {
  z3::context& c = z.base.ctx();
  z3::expr lo = u64_term(c, 0), hi = u64_term(c, 0);
  for (unsigned j = z.n; j-- > 0;) lo = z3::ite(z.is_online(j), z.first_pfn(j), lo);
  for (unsigned j = 0; j < z.n; ++j) hi = z3::ite(z.is_online(j), z.first_pfn(j + 1), hi);
  return {lo, hi - lo};
}

// One placement of the slots: pfn base and 2^shift pages per slot.
struct Placement {
  const char* name;
  unsigned shift;
  u64 base_pfn;
};
constexpr Placement kPlacements[] = {
    {"x86_64", 15, u64{4} << 18},    // 4 GiB / 4 KiB
    {"arm64", 13, u64{2} << 14},     // 2 GiB / 64 KiB
    {"ppc64-64k", 12, 0},
};

SpanQuery span_query(z3::context& c, bool mutant, const Placement& p) {
  const SlotZone zone{u64_term(c, p.base_pfn), c.bv_val(p.shift, 64), c.bv_const("online", kSlots),
                      kSlots};
  // Slot numbers 0..6 need three bits.
  const z3::expr a = z3::zext(c.bv_const("first_slot", 3), 61);
  const z3::expr e = z3::zext(c.bv_const("end_slot", 3), 61);
  const ZoneSpanTerm before = hull_span(zone);
  const z3::expr run = slot_run(c, a, e, kSlots);
  const z3::expr start = zone.first_pfn(a), end = zone.first_pfn(e);
  const SlotZone left = zone.with_online(zone.online & ~run);
  const ZoneSpanTerm after = shrink_zone_span(left, before, start, end, mutant);
  const z3::expr setting =
      z3::ult(a, e) && z3::ule(e, u64_term(c, kSlots)) && (run & zone.online) == run;
  return {zone,  a,
          e,     before,
          after, setting,
          is_hull(left, after.start, after.spanned), before.start == start,
          before.end() == end};
}

// The counterexample's slots realised as x86_64 memory blocks from 4 GiB
// (block 32): each online slot a DIMM onlined movable, then the offlined
// run block by block.
std::string replay_trace_text(const z3::model& m, const SpanQuery& q) {
  constexpr u64 kFirstBlock = 32, kBlock = u64{128} << 20;
  const u64 online = eval_u64(m, q.zone.online), a = eval_u64(m, q.a), e = eval_u64(m, q.e);
  std::string t =
      "# memhp trace v1\n# smt: zone_span_shrinks_to_hull refuted under mutant "
      "shrink_keeps_start\ngeometry x86_64\nprofile v6.1\nmutant shrink_keeps_start\n"
      "boot node=0 start=0x100000 size=0x3ff00000\n";
  for (unsigned j = 0; j < kSlots; ++j)
    if (online >> j & 1)
      t += "dimm_add node=0 start=" + hex((kFirstBlock + j) * kBlock) + " size=128M\n";
  for (unsigned j = 0; j < kSlots; ++j)
    if (online >> j & 1)
      t += "online_block block=" + std::to_string(kFirstBlock + j) + " type=online_movable\n";
  for (u64 j = a; j < e; ++j) t += "offline_block block=" + std::to_string(kFirstBlock + j) + "\n";
  return t;
}

// The counterexample of a refuted case, narrowed to one online slot when Z3
// finds such, so that the trace is short.
Counterexample counterexample(z3::context& c, const SpanQuery& q, const Placement& p,
                              const z3::expr& refuted, const z3::model& first,
                              const ProveOptions& o) {
  z3::solver s = make_solver(c, o);
  const z3::expr one = c.bv_val(1, kSlots);
  s.add(refuted && (q.zone.online & (q.zone.online - one)) == c.bv_val(0, kSlots));
  const z3::model m = s.check() == z3::sat ? s.get_model() : first;
  Counterexample cex;
  auto line = [&](const std::string& name, const z3::expr& e) {
    cex.summary += name + " = " + std::to_string(eval_u64(m, e)) + "\n";
  };
  line("online slots (bits)", q.zone.online);
  line("offlined slots from", q.a);
  line("offlined slots to (exclusive)", q.e);
  line("zone_start_pfn before", q.before.start);
  line("spanned_pages before", q.before.spanned);
  line("zone_start_pfn after", q.after.start);
  line("spanned_pages after", q.after.spanned);
  cex.geometry = std::string(p.name) + ": slots=" + std::to_string(kSlots) + " slot_pages=2^" +
                 std::to_string(p.shift) + " base_pfn=" + hex(p.base_pfn);
  // The slot pattern is the same whatever the block size; the trace plays it
  // on x86_64 blocks, which is the x86_64 placement exactly.
  cex.trace = replay_trace_text(m, q);
  cex.invariant = "empty_zone_is_zero";  // INV-12a, at the offline that empties the zone
  return cex;
}

// The four cases of shrink_zone_span(), each an obligation with its own
// premises; a run in the middle must also leave the span as it was.
void prove_cases(z3::context& c, const Placement& p, const ProveOptions& o,
                 std::vector<ObligationResult>& out, std::optional<Counterexample>& cex) {
  const SpanQuery q = span_query(c, o.mutant, p);
  const z3::expr unchanged = q.after.start == q.before.start && q.after.spanned == q.before.spanned;
  const z3::expr yes = c.bool_val(true);
  const std::pair<const char*, std::pair<z3::expr, z3::expr>> cases[] = {
      {"low_end", {q.low && !q.high, yes}},
      {"high_end", {!q.low && q.high, yes}},
      {"middle", {!q.low && !q.high, unchanged}},
      {"whole_zone", {q.low && q.high, yes}},
  };
  for (const auto& [name, when_also] : cases) {
    const z3::expr premises = q.setting && when_also.first;
    const z3::expr conclusion = q.conclusion && when_also.second;
    Discharged d = discharge(c, std::string(p.name) + "/" + name, premises, conclusion, o);
    if (d.model && !cex) cex = counterexample(c, q, p, premises && !conclusion, *d.model, o);
    out.push_back(std::move(d.result));
  }
}

TheoremResult prove_span(const ProveOptions& o) {
  z3::context c;
  std::vector<ObligationResult> obligations;
  std::optional<Counterexample> cex;
  for (const Placement& p : kPlacements) prove_cases(c, p, o, obligations, cex);
  TheoremResult r = summarise(std::move(obligations));
  r.cex = std::move(cex);
  return r;
}

}  // namespace

std::vector<Theorem> span_theorems() {
  return {
      {"zone_span_shrinks_to_hull",
       "Offlining a run of online slots from a zone that spans the hull of its online slots leaves "
       "it spanning the hull of the slots still online: unchanged for a run in the middle, (0, 0) "
       "when none is left.",
       kScope,
       "mm/memory_hotplug.c: shrink_zone_span(), find_smallest_section_pfn(), "
       "find_biggest_section_pfn(), via remove_pfn_range_from_zone() from offline_pages()",
       "an emptied zone keeps its zone_start_pfn (mutant shrink_keeps_start, "
       "`mutant shrink_keeps_start`)",
       prove_span},
  };
}

}  // namespace memhp::smt
