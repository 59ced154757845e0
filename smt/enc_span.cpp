#include "enc_span.h"

#include "domain_z3.h"
#include "memhp/proven/zone_span.h"

namespace memhp::smt {

namespace {

z3::expr u64_term(z3::context& c, u64 v) { return c.bv_val(static_cast<std::uint64_t>(v), 64); }

// Slot j accepts the scan's candidate `pfn` in [start, end).
z3::expr accepts(const SlotZone& z, unsigned j, const z3::expr& pfn, const z3::expr& start,
                 const z3::expr& end) {
  return z.is_online(j) && z3::ule(start, pfn) && z3::ult(pfn, end);
}

}  // namespace

z3::expr shrink_side_term(z3::context& c, unsigned side) { return u64_term(c, side); }

// The two below are the model's own code (memhp/proven/zone_span.h) over
// 64-bit vectors.
z3::expr shrink_zone_span_side(const ZoneSpanTerm& z, const z3::expr& start, const z3::expr& end) {
  return proven::shrink_zone_span_side(Bv64{start.ctx()}, {z.start, z.spanned}, start, end);
}

ZoneSpanTerm shrink_zone_span_result(const ZoneSpanTerm& z, const z3::expr& side,
                                     const z3::expr& found, bool keeps_start) {
  const auto r = proven::shrink_zone_span_result(Bv64{found.ctx()}, {z.start, z.spanned}, side, found,
                                                 keeps_start);
  return {r.start, r.spanned};
}

z3::expr SlotZone::slot_pages() const { return z3::shl(u64_term(base.ctx(), 1), slot_shift); }

z3::expr SlotZone::first_pfn(const z3::expr& slot) const { return base + z3::shl(slot, slot_shift); }

z3::expr SlotZone::first_pfn(unsigned slot) const { return first_pfn(u64_term(base.ctx(), slot)); }

z3::expr SlotZone::last_pfn(unsigned slot) const { return first_pfn(slot + 1) - u64_term(base.ctx(), 1); }

z3::expr SlotZone::is_online(unsigned slot) const {
  return online.extract(slot, slot) == online.ctx().bv_val(1, 1);
}

SlotZone SlotZone::with_online(const z3::expr& bits) const { return {base, slot_shift, bits, n}; }

z3::expr find_smallest_section_pfn(const SlotZone& z, const z3::expr& start, const z3::expr& end) {
  // Scanning up from a slot-aligned start, the first candidate in slot j is
  // its first pfn; the lowest accepting slot wins.
  z3::expr r = u64_term(start.ctx(), 0);
  for (unsigned j = z.n; j-- > 0;) r = z3::ite(accepts(z, j, z.first_pfn(j), start, end), z.first_pfn(j), r);
  return r;
}

z3::expr find_biggest_section_pfn(const SlotZone& z, const z3::expr& start, const z3::expr& end) {
  // Scanning down from a slot-aligned end - 1, the first candidate in slot j
  // is its last pfn; the highest accepting slot wins.
  z3::expr r = u64_term(start.ctx(), 0);
  for (unsigned j = 0; j < z.n; ++j) r = z3::ite(accepts(z, j, z.last_pfn(j), start, end), z.last_pfn(j), r);
  return r;
}

ZoneSpanTerm shrink_zone_span(const SlotZone& after, const ZoneSpanTerm& z, const z3::expr& start,
                              const z3::expr& end, bool keeps_start) {
  z3::context& c = start.ctx();
  const z3::expr side = shrink_zone_span_side(z, start, end);
  const z3::expr found =
      z3::ite(side == shrink_side_term(c, 1), find_smallest_section_pfn(after, end, z.end()),
              z3::ite(side == shrink_side_term(c, 2), find_biggest_section_pfn(after, z.start, start),
                      u64_term(c, 0)));
  return shrink_zone_span_result(z, side, found, keeps_start);
}

}  // namespace memhp::smt
