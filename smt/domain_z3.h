// The Z3 domains the single-source kernels (include/memhp/proven/) are
// instantiated with for the proofs: Bv64 for the pfn arithmetic the kernel
// does in unsigned long (wrap-around included), Int for the block encoding,
// whose counters are mathematical integers. See proven/domain.h for what a
// domain provides.
#pragma once

#include <z3++.h>

#include <cstdint>

#include "memhp/types.h"

namespace memhp::smt {

struct Z3Common {
  z3::context& c;

  static z3::expr ite(const z3::expr& b, const z3::expr& x, const z3::expr& y) { return z3::ite(b, x, y); }
  // A subsection map is a bit-vector of exactly SUBSECTIONS_PER_SECTION bits.
  static z3::expr map_none(const z3::expr& m) { return m == m.ctx().bv_val(0, m.get_sort().bv_size()); }
  template <class F>
  z3::expr map_from_bits(unsigned width, F&& bit) const {
    z3::expr_vector bits(c);
    for (unsigned i = width; i-- > 0;)
      bits.push_back(z3::ite(bit(c.bv_val(static_cast<std::uint64_t>(i), 64)), c.bv_val(1, 1), c.bv_val(0, 1)));
    return z3::concat(bits);
  }
  z3::expr err(int e) const { return c.bv_val(e, 32); }
};

// unsigned long arithmetic.
struct Bv64 : Z3Common {
  using Word = z3::expr;
  using Bool = z3::expr;
  using Map = z3::expr;
  using Err = z3::expr;
  Word word(u64 v) const { return c.bv_val(static_cast<std::uint64_t>(v), 64); }
  static Bool ult(const Word& a, const Word& b) { return z3::ult(a, b); }
  static Bool ule(const Word& a, const Word& b) { return z3::ule(a, b); }
  static Word lshr(const Word& a, unsigned k) { return z3::lshr(a, static_cast<int>(k)); }
  static Word shl(const Word& a, const Word& b) { return z3::shl(a, b); }
  static Word shr(const Word& a, const Word& b) { return z3::lshr(a, b); }
};

// Mathematical integers: no wrap-around (the premises keep values in range).
struct Int : Z3Common {
  using Word = z3::expr;
  using Bool = z3::expr;
  using Map = z3::expr;
  using Err = z3::expr;
  Word word(u64 v) const { return c.int_val(static_cast<std::uint64_t>(v)); }
  static Bool ult(const Word& a, const Word& b) { return a < b; }
  static Bool ule(const Word& a, const Word& b) { return a <= b; }
};

}  // namespace memhp::smt
