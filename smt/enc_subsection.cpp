#include "enc_subsection.h"

#include <cerrno>

namespace memhp::smt {

namespace {

z3::expr u64_term(z3::context& c, u64 v) { return c.bv_val(static_cast<std::uint64_t>(v), 64); }

// pfn's offset inside its section.
z3::expr section_offset(const SubsectionLayout& l, const z3::expr& pfn) {
  return pfn & u64_term(pfn.ctx(), l.pages_per_section() - 1);
}

// subsection_map_index() of the range's last pfn; nr_pages == 0 wraps to the
// pfn before, as the kernel's unsigned arithmetic does.
z3::expr last_index(const SubsectionLayout& l, const z3::expr& pfn, const z3::expr& nr_pages) {
  return subsection_map_index(l, pfn + nr_pages - u64_term(pfn.ctx(), 1));
}

}  // namespace

SubsectionLayout subsection_layout(const Geometry& g) {
  return SubsectionLayout{g.section_size_bits - g.page_shift, g.subsection_shift - g.page_shift};
}

z3::expr errno_term(z3::context& c, int err) { return c.bv_val(err, 32); }

z3::expr subsection_map_index(const SubsectionLayout& l, const z3::expr& pfn) {
  return z3::lshr(section_offset(l, pfn), static_cast<int>(l.subsection_pfn_bits));
}

z3::expr subsection_mask_defined(const SubsectionLayout& l, const z3::expr& pfn,
                                 const z3::expr& nr_pages) {
  // Indices are below the width, so last + 1 cannot wrap.
  return z3::uge(last_index(l, pfn, nr_pages) + u64_term(pfn.ctx(), 1),
                 subsection_map_index(l, pfn));
}

z3::expr range_within_section(const SubsectionLayout& l, const z3::expr& pfn,
                              const z3::expr& nr_pages) {
  z3::context& c = pfn.ctx();
  const z3::expr room = u64_term(c, l.pages_per_section()) - section_offset(l, pfn);
  return z3::uge(nr_pages, u64_term(c, 1)) && z3::ule(nr_pages, room);
}

z3::expr subsection_mask_bit(const SubsectionLayout& l, const z3::expr& pfn,
                             const z3::expr& nr_pages, const z3::expr& bit, bool first_only) {
  // bitmap_set(map, first, last - first + 1) sets first..last, as the
  // model's loop does. Where last < first - 1 (outside
  // subsection_mask_defined()) this sets nothing, as the model does.
  const z3::expr first = subsection_map_index(l, pfn);
  const z3::expr last = first_only ? first : last_index(l, pfn, nr_pages);
  return z3::ule(first, bit) && z3::ule(bit, last);
}

z3::expr subsection_mask_set(const SubsectionLayout& l, const z3::expr& pfn,
                             const z3::expr& nr_pages, bool first_only) {
  z3::context& c = pfn.ctx();
  z3::expr_vector bits(c);
  for (unsigned i = l.width(); i-- > 0;) {
    const z3::expr set = subsection_mask_bit(l, pfn, nr_pages, u64_term(c, i), first_only);
    bits.push_back(z3::ite(set, c.bv_val(1, 1), c.bv_val(0, 1)));
  }
  return z3::concat(bits);
}

MapUpdate fill_subsection_map(const z3::expr& map, const z3::expr& mask) {
  z3::context& c = map.ctx();
  const z3::expr zero = c.bv_val(0, map.get_sort().bv_size());
  const z3::expr err = z3::ite(mask == zero, errno_term(c, -EINVAL),
                               z3::ite((mask & map) != zero, errno_term(c, -EEXIST),
                                       errno_term(c, 0)));
  return {err, z3::ite(err == errno_term(c, 0), map | mask, map)};
}

MapUpdate clear_subsection_map(const z3::expr& has_usage, const z3::expr& map,
                               const z3::expr& mask) {
  z3::context& c = map.ctx();
  // The WARN: no usage, or a bit of the mask that is not set.
  const z3::expr ok = has_usage && (map & mask) == mask;
  return {z3::ite(ok, errno_term(c, 0), errno_term(c, -EINVAL)), z3::ite(ok, map ^ mask, map)};
}

z3::expr subsection_map_empty(const z3::expr& map) {
  return map == map.ctx().bv_val(0, map.get_sort().bv_size());
}

}  // namespace memhp::smt
