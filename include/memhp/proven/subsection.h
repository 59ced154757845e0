// The subsection_map arithmetic of mm/sparse.c: a pfn range's mask
// (subsection_mask_set()), and adding it to or taking it from a section's
// map (fill_subsection_map(), clear_subsection_map()). Single-source
// (domain.h): model/sparse.cpp runs these inside section_activate() and
// section_deactivate(); smt/enc_subsection.cpp instantiates them for the
// theorem subsection_map_fill_clear.
#pragma once

#include <cerrno>

#include "memhp/types.h"

namespace memhp::proven {

// The part of a geometry the arithmetic depends on.
struct SubsectionLayout {
  unsigned section_pfn_bits = 15;    // log2(PAGES_PER_SECTION)
  unsigned subsection_pfn_bits = 9;  // log2(PAGES_PER_SUBSECTION)

  unsigned width() const { return 1u << (section_pfn_bits - subsection_pfn_bits); }
  u64 pages_per_section() const { return u64{1} << section_pfn_bits; }
  u64 pages_per_subsection() const { return u64{1} << subsection_pfn_bits; }
};

/* include/linux/mmzone.h: subsection_map_index() */
template <class D>
typename D::Word subsection_map_index(const D& d, const SubsectionLayout& l, const typename D::Word& pfn) {
  return d.lshr(pfn & d.word(l.pages_per_section() - 1), l.subsection_pfn_bits);
}

/* mm/sparse.c: subsection_mask_set(), one bit: whether bitmap_set() of the
   range's first to last subsection sets `bit`. nr_pages == 0 wraps to the
   pfn before, as unsigned long does; where the last index is below the
   first, nothing is set. first_only is Mutant("subsection_mask_first_only"). */
template <class D>
typename D::Bool subsection_mask_bit(const D& d, const SubsectionLayout& l, const typename D::Word& pfn,
                                     const typename D::Word& nr_pages, const typename D::Word& bit,
                                     bool first_only) {
  const typename D::Word first = subsection_map_index(d, l, pfn);
  const typename D::Word last = first_only ? first : subsection_map_index(d, l, pfn + nr_pages - d.word(1));
  return d.ule(first, bit) && d.ule(bit, last);
}

/* mm/sparse.c: subsection_mask_set() */
template <class D>
typename D::Map subsection_mask_set(const D& d, const SubsectionLayout& l, const typename D::Word& pfn,
                                    const typename D::Word& nr_pages, bool first_only) {
  return d.map_from_bits(l.width(), [&](const typename D::Word& bit) {
    return subsection_mask_bit(d, l, pfn, nr_pages, bit, first_only);
  });
}

// A map update: the errno (0 or negative) and the map afterwards.
template <class D>
struct MapUpdate {
  typename D::Err err;
  typename D::Map map;
};

/* mm/sparse.c: fill_subsection_map(): -EINVAL for an empty mask, -EEXIST if
   a bit of it is already set (the map unchanged), else 0 with it added */
template <class D>
MapUpdate<D> fill_subsection_map(const D& d, const typename D::Map& map, const typename D::Map& mask) {
  const typename D::Err err =
      d.ite(d.map_none(mask), d.err(-EINVAL), d.ite(!d.map_none(mask & map), d.err(-EEXIST), d.err(0)));
  return {err, d.ite(err == d.err(0), typename D::Map(map | mask), map)};
}

/* mm/sparse.c: clear_subsection_map(): -EINVAL (the kernel WARNs) when the
   section has no usage or a bit of the mask is not set, the map unchanged;
   else 0 with the mask's bits removed */
template <class D>
MapUpdate<D> clear_subsection_map(const D& d, const typename D::Bool& has_usage, const typename D::Map& map,
                                  const typename D::Map& mask) {
  const typename D::Bool ok = has_usage && typename D::Map(map & mask) == mask;
  return {d.ite(ok, d.err(0), d.err(-EINVAL)), d.ite(ok, typename D::Map(map ^ mask), map)};
}

}  // namespace memhp::proven
