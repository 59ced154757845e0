// The subsection_map arithmetic of mm/sparse.c as pure functions.
//
// section_activate() and section_deactivate() (model/sparse.cpp) call these,
// and smt/enc_subsection.h encodes them for Z3; tests/test_smt_sections.cpp
// checks that the two agree. They take no System so that the check can run
// them on any input, including inputs no operation would produce.
#pragma once

#include <bitset>

#include "memhp/geometry.h"
#include "memhp/system.h"

namespace memhp::k {

using SubsectionMap = std::bitset<kMaxSubsections>;

/* mm/sparse.c: subsection_mask_set() */
// The subsections from subsection_map_index(pfn) to that of the range's last
// pfn. When the last index is below the first (a range the kernel's callers
// never pass, for which bitmap_set() would get a negative count), no bit is
// set. `first_only` is Mutant::SubsectionMaskFirstOnly.
SubsectionMap subsection_mask_set(const Geometry& g, Pfn pfn, u64 nr_pages,
                                  bool first_only = false);

/* mm/sparse.c: fill_subsection_map() */
// -EINVAL for an empty mask, -EEXIST if a bit of it is already set (the map
// is then unchanged), else 0 with the mask's bits added.
int fill_subsection_map(SubsectionMap& map, const SubsectionMap& mask);

/* mm/sparse.c: clear_subsection_map() */
// `map` is null when the section has no usage. -EINVAL (the kernel WARNs)
// when there is no map or a bit of the mask is not set; the map is then
// unchanged. Else 0 with the mask's bits removed.
int clear_subsection_map(SubsectionMap* map, const SubsectionMap& mask);

}  // namespace memhp::k
