// Z3 encoding of shrink_zone_span() and its two finders (mm/memory_hotplug.c).
//
// The span arithmetic (shrink_zone_span_side(), shrink_zone_span_result())
// is not re-encoded: it is the model's own single-source code
// (memhp/proven/zone_span.h) instantiated over 64-bit vectors, so a proof
// here is a proof about what model/memory_hotplug.cpp runs.
// The finders scan the page map subsection by subsection, which a formula
// cannot do for a symbolic number of pages, so they are encoded over a zone
// made of n equal slots (memory blocks of 2^k pages, slot-aligned), each
// wholly online in the zone or not, and with slot-aligned bounds. There the
// scan's first accepted candidate in a slot is its first pfn (going up) or
// its last pfn (going down), which is what the encoding returns.
// tests/test_smt_sections.cpp holds that against the model's finders on
// booted Systems (x86_64, ppc64-64k, arm64-64k blocks), and the composition
// against offline_block().
#pragma once

#include <z3++.h>

#include "memhp/types.h"

namespace memhp::smt {

// A zone's (zone_start_pfn, spanned_pages), 64-bit terms.
struct ZoneSpanTerm {
  z3::expr start;
  z3::expr spanned;
  z3::expr end() const { return start + spanned; }  // zone_end_pfn()
};

// k::ShrinkSide as a 64-bit term: 0 None, 1 Start, 2 End (proven/zone_span.h).
z3::expr shrink_side_term(z3::context& c, unsigned side);

/* mm/memory_hotplug.c: shrink_zone_span(), which finder runs */
z3::expr shrink_zone_span_side(const ZoneSpanTerm& z, const z3::expr& start, const z3::expr& end);

/* mm/memory_hotplug.c: shrink_zone_span(), the span from the finder's result
   (0 = none); keeps_start is Mutant("shrink_keeps_start") */
ZoneSpanTerm shrink_zone_span_result(const ZoneSpanTerm& z, const z3::expr& side,
                                     const z3::expr& found, bool keeps_start);

// n slots of slot_pages = 2^k pages from base: bit j of `online` says that
// slot j's pages are online pages of the zone (on its node).
struct SlotZone {
  z3::expr base;        // 64-bit pfn
  z3::expr slot_shift;  // 64-bit k
  z3::expr online;      // n-bit
  unsigned n;

  z3::expr slot_pages() const;
  z3::expr first_pfn(const z3::expr& slot) const;  // base + slot << k, 64-bit slot
  z3::expr first_pfn(unsigned slot) const;
  z3::expr last_pfn(unsigned slot) const;
  z3::expr is_online(unsigned slot) const;
  SlotZone with_online(const z3::expr& bits) const;
};

/* mm/memory_hotplug.c: find_smallest_section_pfn() over slots; 0 = none */
z3::expr find_smallest_section_pfn(const SlotZone& z, const z3::expr& start, const z3::expr& end);
/* mm/memory_hotplug.c: find_biggest_section_pfn() over slots; 0 = none */
z3::expr find_biggest_section_pfn(const SlotZone& z, const z3::expr& start, const z3::expr& end);

/* mm/memory_hotplug.c: shrink_zone_span() for the removed pfns [start, end);
   `after` is the zone's slots once the range is offline */
ZoneSpanTerm shrink_zone_span(const SlotZone& after, const ZoneSpanTerm& z, const z3::expr& start,
                              const z3::expr& end, bool keeps_start);

}  // namespace memhp::smt
