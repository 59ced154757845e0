// The pieces of mm/memory_hotplug.c shrink_zone_span(), public so that the
// Z3 encodings (smt/enc_span.h) can be held against them
// (tests/test_smt_sections.cpp). remove_pfn_range_from_zone() in
// model/memory_hotplug.cpp composes them as the kernel does; everything
// else goes through the operations of ops.h.
#pragma once

#include <cstdint>

#include "memhp/system.h"

namespace memhp::k {

// A zone's (zone_start_pfn, spanned_pages).
struct ZoneSpan {
  u64 start = 0;
  u64 spanned = 0;
  u64 end() const { return start + spanned; }  // zone_end_pfn()
  friend bool operator==(const ZoneSpan&, const ZoneSpan&) = default;
};

// Which finder shrink_zone_span() calls for a removed range.
enum class ShrinkSide : std::uint8_t { None, Start, End };
ShrinkSide shrink_zone_span_side(ZoneSpan z, Pfn start, Pfn end);
// The span after the finder of `side` returned `found` (0 = none).
// `keeps_start` is Mutant("shrink_keeps_start").
ZoneSpan shrink_zone_span_result(ZoneSpan z, ShrinkSide side, u64 found, bool keeps_start);
// find_smallest_section_pfn() / find_biggest_section_pfn(): the first /
// last pfn of (nid, zone) the kernel's subsection scan of [start, end)
// accepts, or 0. They read the System and change nothing.
u64 find_smallest_section_pfn(const System& s, int nid, Zone zone, Pfn start, Pfn end);
u64 find_biggest_section_pfn(const System& s, int nid, Zone zone, Pfn start, Pfn end);

}  // namespace memhp::k
