// The geometry of one kernel build, in a domain's words, and the checks that
// decide whether it can be a real build at all: the BUILD_BUG_ONs and #errors
// of include/linux/mmzone.h and memory_dev_init()'s panic. Single-source
// (domain.h): model/geometry.cpp's geometry_error() runs geometry_rejects();
// smt/enc_geometry.cpp instantiates the same list as the premise of every
// geometry theorem (theorem_space()), so a check edited here narrows or
// widens what the model accepts and what the proofs range over together.
#pragma once

#include <array>
#include <type_traits>

#include "memhp/types.h"

namespace memhp::proven {

// The Geometry fields, in the domain's words.
template <class D>
struct GeometryWords {
  typename D::Word arch, page_shift, section_size_bits, subsection_shift, pageblock_order, max_order,
      struct_page_size, pmd_shift, max_physmem_bits, block_bytes;
  typename D::Bool arch_memmap_on_memory;  // CONFIG_ARCH_MHP_MEMMAP_ON_MEMORY_ENABLE

  // Derived sizes, as memhp::Geometry defines them.
  typename D::Word page_size(const D& d) const { return d.shl(d.word(1), page_shift); }
  typename D::Word pages_per_section(const D& d) const { return d.shl(d.word(1), section_size_bits - page_shift); }
  typename D::Word pages_per_subsection(const D& d) const {
    return d.shl(d.word(1), subsection_shift - page_shift);
  }
  typename D::Word pmd_size(const D& d) const { return d.shl(d.word(1), pmd_shift); }
  typename D::Word memmap_bytes(const typename D::Word& nr_pages) const { return nr_pages * struct_page_size; }
  // Pages of memmap for nr_pages, rounded up to whole pages.
  typename D::Word memmap_pages(const D& d, const typename D::Word& nr_pages) const {
    return d.shr(memmap_bytes(nr_pages) + page_size(d) - d.word(1), page_shift);
  }
};

// The words of a geometry: memhp::Geometry for Concrete (an Arch enumerator
// becomes its number), smt's SymGeometry for Z3 (the two name their fields
// alike).
template <class D, class G>
GeometryWords<D> geometry_words(const G& g) {
  auto word = [](const auto& f) -> typename D::Word {
    if constexpr (std::is_enum_v<std::decay_t<decltype(f)>>)
      return static_cast<u64>(f);
    else
      return f;
  };
  return {word(g.arch),           word(g.page_shift),       word(g.section_size_bits),
          word(g.subsection_shift), word(g.pageblock_order), word(g.max_order),
          word(g.struct_page_size), word(g.pmd_shift),      word(g.max_physmem_bits),
          word(g.block_bytes),      g.arch_memmap_on_memory};
}

template <class D>
typename D::Bool word_aligned(const D& d, const typename D::Word& x, const typename D::Word& a) {
  return (x & (a - d.word(1))) == d.word(0);  // a is a power of two
}

template <class D>
typename D::Bool word_is_pow2(const D& d, const typename D::Word& x) {
  return x != d.word(0) && (x & (x - d.word(1))) == d.word(0);
}

inline constexpr unsigned kGeometryChecks = 11;

// The conditions that reject a geometry, in the order geometry_error()
// reports them. Every one is evaluated (a domain has no short circuit);
// the subtractions that could wrap, and the shifts that could pass the
// word, only matter where an earlier condition already rejected.
template <class D>
std::array<typename D::Bool, kGeometryChecks> geometry_rejects(const D& d, const GeometryWords<D>& g) {
  const typename D::Word one = d.word(1);
  return {{
      d.ult(g.page_shift, d.word(12)) || d.ult(d.word(16), g.page_shift),
      d.ult(g.subsection_shift, g.page_shift),
      // include/linux/mmzone.h: #error "Subsection size exceeds section size"
      d.ult(g.section_size_bits, g.subsection_shift),
      d.ult(d.word(8), g.section_size_bits - g.subsection_shift),  // the map's 256 bits
      // include/linux/mmzone.h: #error Allocator MAX_ORDER exceeds SECTION_SIZE
      g.max_order == d.word(0) || d.ult(g.section_size_bits, g.max_order - one + g.page_shift),
      d.ult(g.max_order - one, g.pageblock_order),
      g.struct_page_size == d.word(0),
      d.ult(g.pmd_shift, g.page_shift),
      d.ule(g.max_physmem_bits, g.section_size_bits) || d.ult(d.word(52), g.max_physmem_bits),
      // drivers/base/memory.c memory_dev_init(): panic("Memory block size not suitable")
      !word_is_pow2(d, g.block_bytes) || d.ult(g.block_bytes, d.shl(one, g.section_size_bits)),
      d.ult(d.shl(one, g.max_physmem_bits), g.block_bytes),
  }};
}

// 0 when no condition rejects, else the 1-based position of the first.
template <class D>
typename D::Word geometry_error_code(const D& d, const GeometryWords<D>& g) {
  const auto rejects = geometry_rejects(d, g);
  typename D::Word code = d.word(0);
  for (unsigned i = kGeometryChecks; i-- > 0;) code = d.ite(rejects[i], d.word(i + 1), code);
  return code;
}

}  // namespace memhp::proven
