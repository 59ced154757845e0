// Z3 encodings of the geometry arithmetic: the Geometry fields and derived
// sizes (include/memhp/geometry.h), geometry_error(), 6.1's
// mhp_supports_memmap_on_memory() (model/memory_hotplug.cpp), and the vmemmap
// page counts of a device range with and without the compound-page dedup
// (compound_vmemmap_pages(), arch_vmemmap_plan(), memmap_cost()).
//
// Every quantity is a 64-bit bit-vector, so that the encodings wrap exactly
// where the model's u64 arithmetic wraps; booleans are Z3 Bools. Each function
// below has a C++ twin named in its comment, and tests/test_smt_geometry.cpp
// compares the two on random inputs and on Z3-chosen inputs at every branch
// boundary: a proof about an encoding that disagrees with the model would prove
// nothing about the model.
#pragma once

#include <z3++.h>

#include <optional>
#include <string>

#include "memhp/geometry.h"
#include "memhp/memmap_cost.h"
#include "memhp/ops.h"
#include "theorem.h"

namespace memhp::smt {

z3::expr bv64(z3::context& c, u64 v);
z3::expr is_pow2(const z3::expr& x);                       // types.h is_pow2()
z3::expr is_aligned(const z3::expr& x, const z3::expr& a);  // types.h is_aligned(), a a power of two
z3::expr align_up(const z3::expr& x, const z3::expr& a);    // types.h align_up()

// The fields of a Geometry. `arch` is the Arch enumerator's value.
struct SymGeometry {
  z3::expr arch, page_shift, section_size_bits, subsection_shift, pageblock_order, max_order,
      struct_page_size, pmd_shift, max_physmem_bits, block_bytes;
  z3::expr arch_memmap_on_memory;  // Bool

  z3::context& ctx() const { return page_shift.ctx(); }
  z3::expr one() const { return bv64(ctx(), 1); }

  // Derived quantities, as Geometry defines them.
  z3::expr page_size() const { return z3::shl(one(), page_shift); }
  z3::expr pages_per_section() const { return z3::shl(one(), section_size_bits - page_shift); }
  z3::expr pages_per_subsection() const { return z3::shl(one(), subsection_shift - page_shift); }
  z3::expr section_bytes() const { return z3::shl(one(), section_size_bits); }
  z3::expr pageblock_pages() const { return z3::shl(one(), pageblock_order); }
  z3::expr pmd_size() const { return z3::shl(one(), pmd_shift); }
  z3::expr block_pages() const { return z3::lshr(block_bytes, page_shift); }
  z3::expr sections_per_block() const { return z3::lshr(block_bytes, section_size_bits); }
  z3::expr max_pfn_limit() const { return z3::shl(one(), max_physmem_bits - page_shift); }
  z3::expr memmap_bytes(const z3::expr& nr_pages) const { return nr_pages * struct_page_size; }
  z3::expr memmap_pages(const z3::expr& nr_pages) const {
    return z3::lshr(memmap_bytes(nr_pages) + page_size() - 1, page_shift);
  }
};

// Fresh constants named prefix + field, or the numerals of a concrete one.
SymGeometry symbolic_geometry(z3::context& c, const std::string& prefix);
SymGeometry constant_geometry(z3::context& c, const Geometry& g);

// The same for the theorems: every unsigned field a zero-extended 8-bit
// constant, the block size a zero-extended 53-bit one, and sizeof(struct
// page) one of 40, 48, ..., 128 picked by an index. Every geometry
// theorem_space() admits has fields below 256, a block of at most 2^52 bytes
// and such a struct page, so nothing is lost; but the solver bit-blasts far
// smaller circuits (a memmap size becomes a choice among multiplications by
// constants instead of a 64x64-bit multiplier), which is what keeps the
// proofs within their time budget.
SymGeometry narrow_geometry(z3::context& c, const std::string& prefix);

// The values the C++ types can hold (unsigned fields below 2^16, arch one of
// the three enumerators), so that a Z3 model converts to a Geometry exactly.
z3::expr fits_cxx_types(const SymGeometry& g);

// The space the geometry and dedup theorems range over: fits_cxx_types(),
// geometry_ok(), PAGE_SHIFT in {12, 14, 16}, SUBSECTION_SHIFT 21 (every arch),
// sizeof(struct page) in {40, 48, ..., 128}, and PMD_SHIFT one PTE table past
// PAGE_SHIFT: PAGE_SHIFT+1 .. 2*PAGE_SHIFT-3 (a table of 8-byte entries no
// larger than a page).
z3::expr theorem_space(const SymGeometry& g);

// geometry_error(): 0 when the geometry can be a real build, otherwise the
// 1-based position of the first check that rejects it (geometry_error_index()
// maps the C++ message to the same number).
z3::expr geometry_error_code(const SymGeometry& g);
z3::expr geometry_ok(const SymGeometry& g);
int geometry_error_index(const std::string& message);

// The Z3 model's value of every field, named after the preset it equals
// ("custom" otherwise).
Geometry concrete_geometry(const z3::model& m, const SymGeometry& g);
// The preset whose fields (name aside) equal g's, if any.
std::optional<std::string> matching_preset(const Geometry& g);
// "arm64-64k: arch=arm64 page_shift=16 ... block=512M arch_memmap_on_memory=1",
// the preset name only when the fields match one.
std::string geometry_fields(const Geometry& g);

// ------------------------------------------------ memmap_on_memory (6.1) --
// mhp_supports_memmap_on_memory(g, profile, size): the model's own code
// (memhp/proven/memmap_on_memory.h) over bit-vectors, checks in its order. `reason` is 0 when supported, else which check refused first:
// 1 arch (CONFIG), 2 the module parameter, 3 size != block, 4 vmemmap not
// PMD-aligned, 5 remainder not pageblock-aligned (support_reason_index()
// maps the model's reason text to the same number).
struct SymSupport {
  z3::expr supported;      // Bool
  z3::expr vmemmap_pages;  // P = vmemmap bytes >> PAGE_SHIFT, as the model computes it
  z3::expr vmemmap_bytes;  // V = (size >> PAGE_SHIFT) * sizeof(struct page)
  z3::expr reason;
};
SymSupport sym_mhp_supports_memmap_on_memory(const SymGeometry& g, const z3::expr& param_on,
                                             const z3::expr& size);
int support_reason_index(const MemmapOnMemorySupport& s);

// online_pages() / offline_pages() (6.1): the WARN_ON_ONCE that refuses a
// range unless it is non-empty, starts pageblock-aligned and ends
// section-aligned. True when the WARN would fire.
z3::expr online_pages_warns(const SymGeometry& g, const z3::expr& pfn, const z3::expr& nr_pages);

// ---------------------------------------------- vmemmap of device ranges --
// The weakenings thm_dedup.cpp proves are caught; Model is the model itself.
enum class DedupVariant {
  Model,
  NoDedup,    // never the compound path: the full memmap (Mutant("no_vmemmap_dedup"))
  KeepsOne,   // HVO-style: one vmemmap page kept per compound page
  ExtraTail,  // off by one: the head's page and two tail pages kept
};

// arch_vmemmap_plan(g, nr_pages): pages one vmemmap_populate() allocates, and
// whether it maps them with base pages (unit == 1, so PTE tables are needed).
struct SymPlan {
  z3::expr pages;
  z3::expr base_pages;  // Bool
};
SymPlan sym_arch_vmemmap_plan(const SymGeometry& g, const z3::expr& nr_pages);

// Whether __populate_section_memmap() takes vmemmap_populate_compound_pages():
// no altmap, power-of-two struct page, more than one pfn per compound page.
z3::expr compound_path(const SymGeometry& g, const z3::expr& vmemmap_shift, const z3::expr& altmap);
// ... and whether that saves anything: a compound page's memmap is more than
// the two pages dedup keeps (otherwise the model counts the memmap plainly).
z3::expr dedup_saves(const SymGeometry& g, const z3::expr& vmemmap_shift);

// device_chunk_vmemmap(g, offset, nr_pages, shift, dedup) of memmap_cost.h:
// the pages one __populate_section_memmap() call of a device range allocates
// for the chunk [offset, offset + nr_pages) (offset from the range start),
// without altmap. dedup = false is the arch's plain vmemmap_populate().
struct SymChunk {
  z3::expr pages;
  z3::expr pte_mapped;  // Bool
};
SymChunk sym_device_chunk_vmemmap(const SymGeometry& g, const z3::expr& offset,
                                  const z3::expr& nr_pages, const z3::expr& vmemmap_shift,
                                  bool dedup, DedupVariant v = DedupVariant::Model);

// memmap_cost(g, size, align) for a range at pfn 0 (section- and
// align-aligned, as memmap_cost() assumes): its section-by-section walk in
// closed form. Every full section is the same chunk (aligned to the compound
// page, or a continuation of one), plus a partial last section when the
// compound page is smaller than a section; the PTE windows of base-page
// chunks are contiguous from virtual address 0.
struct SymRangeCost {
  z3::expr plain_pages, dedup_pages, plain_pte_tables, dedup_pte_tables, pte_table_bytes;
  z3::expr nr_compound;
};
SymRangeCost sym_memmap_cost(const SymGeometry& g, const z3::expr& size_bytes,
                             const z3::expr& vmemmap_shift, DedupVariant v = DedupVariant::Model);

// thm_dedup.cpp's theorem with a chosen weakening of the populate count (the
// registry's mutant is NoDedup; the tests refute KeepsOne and ExtraTail too).
TheoremResult prove_vmemmap_dedup(const ProveOptions& o, DedupVariant v);

}  // namespace memhp::smt
