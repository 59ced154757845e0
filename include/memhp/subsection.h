// The subsection_map arithmetic of mm/sparse.c as pure functions.
//
// section_activate() and section_deactivate() (model/sparse.cpp) call these.
// Each is the Concrete instance of the single-source template in
// memhp/proven/subsection.h, which smt/enc_subsection.cpp instantiates for
// Z3: the proofs are about this code. They take no System so that they can
// run on any input, including inputs no operation would produce.
#pragma once

#include <bitset>
#include <type_traits>

#include "memhp/geometry.h"
#include "memhp/proven/domain.h"
#include "memhp/proven/subsection.h"
#include "memhp/system.h"

namespace memhp::k {

using SubsectionMap = std::bitset<kMaxSubsections>;
static_assert(std::is_same_v<SubsectionMap, proven::Concrete::Map>);

// The subsection arithmetic's view of a geometry.
inline proven::SubsectionLayout subsection_layout(const Geometry& g) {
  return {g.section_size_bits - g.page_shift, g.subsection_shift - g.page_shift};
}

/* mm/sparse.c: subsection_mask_set() */
// The subsections from subsection_map_index(pfn) to that of the range's last
// pfn. When the last index is below the first (a range the kernel's callers
// never pass, for which bitmap_set() would get a negative count), no bit is
// set. `first_only` is Mutant("subsection_mask_first_only").
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
