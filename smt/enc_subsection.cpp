#include "enc_subsection.h"

#include "domain_z3.h"
#include "memhp/subsection.h"

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

SubsectionLayout subsection_layout(const Geometry& g) { return k::subsection_layout(g); }

z3::expr errno_term(z3::context& c, int err) { return Bv64{c}.err(err); }

z3::expr subsection_map_index(const SubsectionLayout& l, const z3::expr& pfn) {
  return proven::subsection_map_index(Bv64{pfn.ctx()}, l, pfn);
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

// From here on, the model's own code (memhp/proven/subsection.h) over
// bit-vectors.

z3::expr subsection_mask_bit(const SubsectionLayout& l, const z3::expr& pfn,
                             const z3::expr& nr_pages, const z3::expr& bit, bool first_only) {
  return proven::subsection_mask_bit(Bv64{pfn.ctx()}, l, pfn, nr_pages, bit, first_only);
}

z3::expr subsection_mask_set(const SubsectionLayout& l, const z3::expr& pfn,
                             const z3::expr& nr_pages, bool first_only) {
  return proven::subsection_mask_set(Bv64{pfn.ctx()}, l, pfn, nr_pages, first_only);
}

MapUpdate fill_subsection_map(const z3::expr& map, const z3::expr& mask) {
  const auto r = proven::fill_subsection_map(Bv64{map.ctx()}, map, mask);
  return {r.err, r.map};
}

MapUpdate clear_subsection_map(const z3::expr& has_usage, const z3::expr& map,
                               const z3::expr& mask) {
  const auto r = proven::clear_subsection_map(Bv64{map.ctx()}, has_usage, map, mask);
  return {r.err, r.map};
}

z3::expr subsection_map_empty(const z3::expr& map) { return Bv64::map_none(map); }

}  // namespace memhp::smt
