// Z3 encoding of the subsection_map arithmetic of mm/sparse.c. The mask,
// fill and clear are not re-encoded: they are the model's own single-source
// code (include/memhp/proven/subsection.h) instantiated over bit-vectors;
// what is written here is only the premises' vocabulary.
//
// pfns and page counts are 64-bit vectors, as unsigned long is. A map or a
// mask is a bit-vector of exactly SUBSECTIONS_PER_SECTION bits (8 on
// ppc64-64k, 64 on x86_64 and arm64-4k/16k, 256 on arm64-64k), bit i being
// subsection i, as DECLARE_BITMAP(map, SUBSECTIONS_PER_SECTION) is.
// tests/test_smt_sections.cpp holds every function here against the model.
#pragma once

#include <z3++.h>

#include "memhp/geometry.h"
#include "memhp/proven/subsection.h"

namespace memhp::smt {

// The part of a Geometry the subsection arithmetic depends on.
using proven::SubsectionLayout;
SubsectionLayout subsection_layout(const Geometry& g);

// A negative errno as a 32-bit term (int).
z3::expr errno_term(z3::context& c, int err);

/* include/linux/mmzone.h: subsection_map_index(), as a 64-bit term */
z3::expr subsection_map_index(const SubsectionLayout& l, const z3::expr& pfn);

// Where subsection_mask_set() is defined: the last pfn's index is at least
// the first's minus one, so bitmap_set() gets a count >= 0. The model sets
// no bit outside it; the kernel would write out of bounds.
z3::expr subsection_mask_defined(const SubsectionLayout& l, const z3::expr& pfn,
                                 const z3::expr& nr_pages);

// What section_activate()/section_deactivate() are called with: a non-empty
// range inside pfn's section (__add_pages() and __remove_pages() cut ranges
// at section boundaries).
z3::expr range_within_section(const SubsectionLayout& l, const z3::expr& pfn,
                              const z3::expr& nr_pages);

/* mm/sparse.c: subsection_mask_set(), one bit: whether it sets bit `bit`
   (a 64-bit term); first_only is Mutant("subsection_mask_first_only") */
z3::expr subsection_mask_bit(const SubsectionLayout& l, const z3::expr& pfn,
                             const z3::expr& nr_pages, const z3::expr& bit, bool first_only = false);

/* mm/sparse.c: subsection_mask_set(), the whole mask: bit i is
   subsection_mask_bit() of i */
z3::expr subsection_mask_set(const SubsectionLayout& l, const z3::expr& pfn,
                             const z3::expr& nr_pages, bool first_only = false);

// A map update: the errno (0 or negative, 32 bits) and the map afterwards.
struct MapUpdate {
  z3::expr err;
  z3::expr map;
};

/* mm/sparse.c: fill_subsection_map() */
MapUpdate fill_subsection_map(const z3::expr& map, const z3::expr& mask);

/* mm/sparse.c: clear_subsection_map(); has_usage false = ms->usage is NULL */
MapUpdate clear_subsection_map(const z3::expr& has_usage, const z3::expr& map,
                               const z3::expr& mask);

/* mm/sparse.c: is_subsection_map_empty() */
z3::expr subsection_map_empty(const z3::expr& map);

}  // namespace memhp::smt
