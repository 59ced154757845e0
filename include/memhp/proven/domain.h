// Value domains for the single-source kernels of this directory.
//
// The arithmetic at the heart of hotplug (how a block splits between its
// vmemmap and its online pages, how shrink_zone_span() moves a zone's span,
// how a pfn range becomes a subsection mask and lands in a section's map) is
// written once, here, as templates over a domain D. model/ instantiates them
// with Concrete (u64 and bool) and runs them; smt/ instantiates the same text
// with a Z3 domain (smt/domain_z3.h) and proves things about it. An edit to
// one of these functions therefore changes the model and every theorem built
// on it together: `memhp prove` judges the code the model runs, not a second
// reading of the kernel (NOTES.md, "Proofs about the model's own code").
//
// A domain provides:
//   Word, Bool          a 64-bit unsigned value (or a mathematical integer,
//                       for the block encoding's Int sort) and a truth value;
//   word(v)             a literal;
//   ite(c, a, b)        the value of a if c else b, for any type the domain has;
//   ult/ule(a, b)       unsigned comparison (plain < and <= on a Z3
//                       bit-vector are signed, hence the functions);
//   lshr(a, k)          logical shift right by a constant;
//   shl(a, b), shr(a, b) shifts by a Word, 0 from a shift of 64 or more
//                       (bit-vector domains only);
//   Map, map_none(m), map_from_bits(width, bit)
//                       a subsection bitmap, its emptiness, and the map whose
//                       bit i is bit(i) for i < width;
//   Err, err(e)         an errno (int).
// +, -, &, |, ^, ~, ==, !=, &&, || and ! are the language's own: z3::expr
// overloads them, with the same meaning on bit-vectors as on u64.
#pragma once

#include <bitset>

#include "memhp/types.h"

namespace memhp::proven {

inline constexpr unsigned kMapBits = 256;  // SUBSECTIONS_PER_SECTION at most (arm64-64k)

// The model's domain: what runs.
struct Concrete {
  using Word = u64;
  using Bool = bool;
  using Map = std::bitset<kMapBits>;
  using Err = int;

  static Word word(u64 v) { return v; }
  template <class T>
  static T ite(Bool c, const T& a, const T& b) { return c ? a : b; }
  static Bool ult(Word a, Word b) { return a < b; }
  static Bool ule(Word a, Word b) { return a <= b; }
  static Word lshr(Word a, unsigned k) { return a >> k; }
  // Shifts by the width or more give 0, as bvshl and bvlshr do (and as
  // C++'s << does not: there it is undefined).
  static Word shl(Word a, Word b) { return b >= 64 ? 0 : a << b; }
  static Word shr(Word a, Word b) { return b >= 64 ? 0 : a >> b; }
  static Bool map_none(const Map& m) { return m.none(); }
  template <class F>
  static Map map_from_bits(unsigned width, F&& bit) {
    Map m;
    for (unsigned i = 0; i < width; ++i) m.set(i, bit(word(i)));
    return m;
  }
  static Err err(int e) { return e; }
};

}  // namespace memhp::proven
