// shrink_zone_span()'s arithmetic (mm/memory_hotplug.c): which end of a
// zone a removed range [start, end) shrinks, and the span the finder's
// answer leaves. The finders themselves walk the page map and stay in
// model/memory_hotplug.cpp (smt/enc_span.cpp encodes them over slots).
// Single-source (domain.h): model/memory_hotplug.cpp runs these,
// smt/enc_span.cpp instantiates them for zone_span_shrinks_to_hull.
#pragma once

#include "memhp/types.h"

namespace memhp::proven {

// Which finder runs, as a Word: these values are k::ShrinkSide's.
inline constexpr u64 kShrinkNone = 0, kShrinkStart = 1, kShrinkEnd = 2;

template <class D>
struct SpanWords {
  typename D::Word start, spanned;  // zone_start_pfn, spanned_pages
};

/* mm/memory_hotplug.c: shrink_zone_span(), which end [start, end) removes */
template <class D>
typename D::Word shrink_zone_span_side(const D& d, const SpanWords<D>& z, const typename D::Word& start,
                                       const typename D::Word& end) {
  // The zone's start is tested first: a range that is the whole zone takes
  // the start branch, as the kernel's if/else-if does.
  return d.ite(z.start == start, d.word(kShrinkStart),
               d.ite(z.start + z.spanned == end, d.word(kShrinkEnd), d.word(kShrinkNone)));
}

/* mm/memory_hotplug.c: shrink_zone_span(), the span from the finder's answer
   `found` (0: nothing of the zone left, which empties it to (0, 0));
   keeps_start is Mutant("shrink_keeps_start") */
template <class D>
SpanWords<D> shrink_zone_span_result(const D& d, const SpanWords<D>& z, const typename D::Word& side,
                                     const typename D::Word& found, bool keeps_start) {
  const typename D::Word zero = d.word(0);
  const typename D::Bool none = side == d.word(kShrinkNone);
  const typename D::Bool empty = found == zero;
  const typename D::Bool from_start = side == d.word(kShrinkStart);
  const typename D::Word end = z.start + z.spanned;
  const typename D::Word emptied_start = keeps_start ? z.start : zero;
  return {d.ite(none, z.start, d.ite(empty, emptied_start, d.ite(from_start, found, z.start))),
          d.ite(none, z.spanned,
                d.ite(empty, zero, d.ite(from_start, end - found, found - z.start + d.word(1))))};
}

}  // namespace memhp::proven
