// The model's side of the single-source kernels (include/memhp/proven/):
// the Concrete domain and a Geometry in its words. Kept out of internal.h
// so that an edit of a proven header rebuilds only the files that run it.
#pragma once

#include "memhp/geometry.h"
#include "memhp/proven/domain.h"
#include "memhp/proven/geometry.h"

namespace memhp::k {

inline proven::GeometryWords<proven::Concrete> geometry_words(const Geometry& g) {
  return proven::geometry_words<proven::Concrete>(g);
}

}  // namespace memhp::k
