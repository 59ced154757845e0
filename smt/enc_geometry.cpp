// Z3 encodings of the geometry arithmetic (see enc_geometry.h). Each function
// follows its C++ twin branch by branch, in the same order, so that a reader
// can hold them side by side; the cross-check in tests/test_smt_geometry.cpp
// holds them to it.
#include "enc_geometry.h"

#include <iterator>

#include "discharge.h"
#include "domain_z3.h"
#include "memhp/proven/geometry.h"
#include "memhp/proven/memmap_on_memory.h"
#include "memhp/proven/vmemmap.h"

namespace memhp::smt {

z3::expr bv64(z3::context& c, u64 v) { return c.bv_val(static_cast<std::uint64_t>(v), 64); }

z3::expr is_pow2(const z3::expr& x) { return x != 0 && (x & (x - 1)) == 0; }

z3::expr is_aligned(const z3::expr& x, const z3::expr& a) { return (x & (a - 1)) == 0; }

z3::expr align_up(const z3::expr& x, const z3::expr& a) { return (x + a - 1) & ~(a - 1); }

namespace {

z3::expr field(z3::context& c, const std::string& prefix, const char* name) {
  return c.bv_const((prefix + name).c_str(), 64);
}

// The geometry as the single-source kernels (memhp/proven/) read it.
proven::GeometryWords<Bv64> geometry_words(const SymGeometry& g) { return proven::geometry_words<Bv64>(g); }

}  // namespace

SymGeometry symbolic_geometry(z3::context& c, const std::string& prefix) {
  return SymGeometry{field(c, prefix, "arch"),
                     field(c, prefix, "page_shift"),
                     field(c, prefix, "section_size_bits"),
                     field(c, prefix, "subsection_shift"),
                     field(c, prefix, "pageblock_order"),
                     field(c, prefix, "max_order"),
                     field(c, prefix, "struct_page_size"),
                     field(c, prefix, "pmd_shift"),
                     field(c, prefix, "max_physmem_bits"),
                     field(c, prefix, "block_bytes"),
                     c.bool_const((prefix + "arch_memmap_on_memory").c_str())};
}

SymGeometry narrow_geometry(z3::context& c, const std::string& prefix) {
  auto narrow = [&](const char* name, unsigned bits) {
    return z3::zext(c.bv_const((prefix + name).c_str(), bits), 64 - bits);
  };
  // sizeof(struct page) = 40 + 8 * index; indices 11 to 15 all mean 128.
  const z3::expr index = c.bv_const((prefix + "struct_page_index").c_str(), 4);
  z3::expr struct_page = bv64(c, 128);
  for (int k = 10; k >= 0; --k) struct_page = z3::ite(index == k, bv64(c, 40 + 8 * static_cast<u64>(k)), struct_page);
  return SymGeometry{narrow("arch", 8),
                     narrow("page_shift", 8),
                     narrow("section_size_bits", 8),
                     narrow("subsection_shift", 8),
                     narrow("pageblock_order", 8),
                     narrow("max_order", 8),
                     struct_page,
                     narrow("pmd_shift", 8),
                     narrow("max_physmem_bits", 8),
                     narrow("block_bytes", 53),
                     c.bool_const((prefix + "arch_memmap_on_memory").c_str())};
}

SymGeometry constant_geometry(z3::context& c, const Geometry& g) {
  return SymGeometry{bv64(c, static_cast<u64>(g.arch)),
                     bv64(c, g.page_shift),
                     bv64(c, g.section_size_bits),
                     bv64(c, g.subsection_shift),
                     bv64(c, g.pageblock_order),
                     bv64(c, g.max_order),
                     bv64(c, g.struct_page_size),
                     bv64(c, g.pmd_shift),
                     bv64(c, g.max_physmem_bits),
                     bv64(c, g.block_bytes),
                     c.bool_val(g.arch_memmap_on_memory)};
}

z3::expr fits_cxx_types(const SymGeometry& g) {
  const z3::expr limit = bv64(g.ctx(), 1u << 16);
  z3::expr ok = z3::ule(g.arch, bv64(g.ctx(), static_cast<u64>(Arch::Ppc64)));
  for (const z3::expr* f : {&g.page_shift, &g.section_size_bits, &g.subsection_shift, &g.pageblock_order,
                            &g.max_order, &g.struct_page_size, &g.pmd_shift, &g.max_physmem_bits})
    ok = ok && z3::ult(*f, limit);
  return ok;
}

z3::expr theorem_space(const SymGeometry& g) {
  const z3::expr& ps = g.page_shift;
  const z3::expr& sp = g.struct_page_size;
  return fits_cxx_types(g) && geometry_ok(g) && (ps == 12 || ps == 14 || ps == 16) &&
         g.subsection_shift == 21 && z3::uge(sp, 40) && z3::ule(sp, 128) && (sp & 7) == 0 &&
         z3::uge(g.pmd_shift, ps + 1) && z3::ule(g.pmd_shift, 2 * ps - 3);
}

z3::expr geometry_error_code(const SymGeometry& g) {
  return proven::geometry_error_code(Bv64{g.ctx()}, geometry_words(g));
}

// No check rejects: geometry_error_code() == 0 as a plain conjunction, which
// is what the theorems' premises want.
z3::expr geometry_ok(const SymGeometry& g) {
  z3::expr ok = g.ctx().bool_val(true);
  for (const z3::expr& e : proven::geometry_rejects(Bv64{g.ctx()}, geometry_words(g))) ok = ok && !e;
  return ok;
}

int geometry_error_index(const std::string& message) {
  static const char* const kPrefixes[] = {
      "PAGE_SHIFT must be",  "SUBSECTION_SHIFT below", "subsection exceeds",
      "more than 256",       "MAX_ORDER exceeds",      "pageblock_order exceeds",
      "sizeof(struct page)", "PMD_SHIFT below",        "MAX_PHYSMEM_BITS out",
      "memory block size",   "block exceeds"};
  if (message.empty()) return 0;
  for (int i = 0; i < static_cast<int>(std::size(kPrefixes)); ++i)
    if (message.rfind(kPrefixes[i], 0) == 0) return i + 1;
  return -1;
}

Geometry concrete_geometry(const z3::model& m, const SymGeometry& g) {
  auto u = [&](const z3::expr& e) { return static_cast<unsigned>(eval_u64(m, e)); };
  Geometry out;
  out.arch = static_cast<Arch>(eval_u64(m, g.arch));
  out.page_shift = u(g.page_shift);
  out.section_size_bits = u(g.section_size_bits);
  out.subsection_shift = u(g.subsection_shift);
  out.pageblock_order = u(g.pageblock_order);
  out.max_order = u(g.max_order);
  out.struct_page_size = u(g.struct_page_size);
  out.pmd_shift = u(g.pmd_shift);
  out.max_physmem_bits = u(g.max_physmem_bits);
  out.block_bytes = eval_u64(m, g.block_bytes);
  out.arch_memmap_on_memory = eval_bool(m, g.arch_memmap_on_memory);
  out.name = matching_preset(out).value_or("custom");
  return out;
}

std::optional<std::string> matching_preset(const Geometry& g) {
  for (const std::string& name : geometry_preset_names()) {
    Geometry p = *geometry_preset(name);
    p.name = g.name;
    if (p == g) return name;
  }
  return std::nullopt;
}

std::string geometry_fields(const Geometry& g) {
  static const char* const kArch[] = {"x86_64", "arm64", "ppc64"};
  const auto arch = static_cast<unsigned>(g.arch);
  std::string s;
  if (auto p = matching_preset(g)) s = *p + ": ";
  s += std::string("arch=") + (arch < 3 ? kArch[arch] : "?");
  s += " page_shift=" + std::to_string(g.page_shift);
  s += " section_size_bits=" + std::to_string(g.section_size_bits);
  s += " subsection_shift=" + std::to_string(g.subsection_shift);
  s += " pageblock_order=" + std::to_string(g.pageblock_order);
  s += " max_order=" + std::to_string(g.max_order);
  s += " struct_page_size=" + std::to_string(g.struct_page_size);
  s += " pmd_shift=" + std::to_string(g.pmd_shift);
  s += " max_physmem_bits=" + std::to_string(g.max_physmem_bits);
  s += " block=" + human_bytes(g.block_bytes);
  s += " arch_memmap_on_memory=" + std::string(g.arch_memmap_on_memory ? "1" : "0");
  return s;
}

// --------------------------------------------------------------------------

/* mm/memory_hotplug.c: mhp_supports_memmap_on_memory() (6.1), as
   model/memory_hotplug.cpp computes it */
SymSupport sym_mhp_supports_memmap_on_memory(const SymGeometry& g, const z3::expr& param_on,
                                             const z3::expr& size) {
  // The model's own code (memhp/proven/memmap_on_memory.h) over bit-vectors.
  const Bv64 d{g.ctx()};
  const auto w = proven::mhp_supports_memmap_on_memory(d, geometry_words(g), param_on, size);
  return SymSupport{w.refused == d.word(proven::kMomSupported), w.vmemmap_pages, w.vmemmap_bytes, w.refused};
}

int support_reason_index(const MemmapOnMemorySupport& s) {
  static const char* const kPrefixes[] = {"CONFIG_MHP_MEMMAP_ON_MEMORY", "memory_hotplug.memmap_on_memory",
                                          "size ", "vmemmap size", "remaining"};
  if (s.supported) return s.reason.empty() ? 0 : -1;
  for (int i = 0; i < static_cast<int>(std::size(kPrefixes)); ++i)
    if (s.reason.rfind(kPrefixes[i], 0) == 0) return i + 1;
  return -1;
}

/* mm/memory_hotplug.c: online_pages() and offline_pages() (6.1) */
z3::expr online_pages_warns(const SymGeometry& g, const z3::expr& pfn, const z3::expr& nr_pages) {
  return proven::online_pages_range_warns(Bv64{g.ctx()}, geometry_words(g), pfn, nr_pages);
}

// --------------------------------------------------------------------------

/* arch/x86/mm/init_64.c, arch/arm64/mm/mmu.c, arch/powerpc/mm/init_64.c:
   vmemmap_populate(): the model's own count (memhp/proven/vmemmap.h) */
SymPlan sym_arch_vmemmap_plan(const SymGeometry& g, const z3::expr& nr_pages) {
  const auto w = proven::arch_vmemmap_plan(Bv64{g.ctx()}, geometry_words(g), nr_pages, g.ctx().bool_val(false));
  return SymPlan{w.pages, w.unit == 1};
}

z3::expr compound_path(const SymGeometry& g, const z3::expr& vmemmap_shift, const z3::expr& altmap) {
  return proven::compound_path(Bv64{g.ctx()}, geometry_words(g), vmemmap_shift, altmap);
}

z3::expr dedup_saves(const SymGeometry& g, const z3::expr& vmemmap_shift) {
  return proven::dedup_saves(Bv64{g.ctx()}, geometry_words(g), vmemmap_shift);
}

/* model/memmap_cost.cpp: device_chunk_vmemmap() */
SymChunk sym_device_chunk_vmemmap(const SymGeometry& g, const z3::expr& offset, const z3::expr& nr_pages,
                                  const z3::expr& vmemmap_shift, bool dedup, DedupVariant v) {
  const SymPlan plan = sym_arch_vmemmap_plan(g, nr_pages);
  if (!dedup || v == DedupVariant::NoDedup) return SymChunk{plan.pages, plan.base_pages};
  const z3::expr path = compound_path(g, vmemmap_shift, g.ctx().bool_val(false));
  // The weakenings keep another number of pages per compound page.
  const u64 kept = v == DedupVariant::KeepsOne ? 1 : v == DedupVariant::ExtraTail ? 3 : proven::kDedupKeptPages;
  const z3::expr pages =
      proven::compound_chunk_pages(Bv64{g.ctx()}, geometry_words(g), offset, nr_pages, vmemmap_shift, kept);
  return SymChunk{z3::ite(path, pages, plan.pages), path || plan.base_pages};
}

namespace {

// model/memmap_cost.cpp new_pte_windows() (windows of PMD_SIZE, divided by
// shifting) over the chunks of a range at
// virtual address 0: the full sections' windows [0, full_va) when they are
// base-page mapped, then the partial last chunk's [full_va, span), less the
// window the two share.
z3::expr range_pte_windows(const SymGeometry& g, const z3::expr& full_base, const z3::expr& full_va,
                           const z3::expr& rem_base, const z3::expr& span) {
  z3::context& c = g.ctx();
  const z3::expr zero = bv64(c, 0), one = bv64(c, 1);
  const z3::expr full_counted = full_base && z3::ugt(full_va, 0);
  const z3::expr full_last = z3::lshr(full_va - 1, g.pmd_shift);
  const z3::expr full_n = z3::ite(full_counted, full_last + 1, zero);
  const z3::expr first = z3::lshr(full_va, g.pmd_shift), final = z3::lshr(span - 1, g.pmd_shift);
  const z3::expr shared = z3::ite(full_counted && first == full_last, one, zero);
  const z3::expr rem_n = z3::ite(rem_base && z3::ugt(span, full_va), final - first + 1 - shared, zero);
  return full_n + rem_n;
}

}  // namespace

/* model/memmap_cost.cpp: memmap_cost(), the plain and dedup page and PTE
   table counts */
SymRangeCost sym_memmap_cost(const SymGeometry& g, const z3::expr& size_bytes, const z3::expr& vmemmap_shift,
                             DedupVariant v) {
  z3::context& c = g.ctx();
  const z3::expr zero = bv64(c, 0);
  const z3::expr nr = z3::lshr(size_bytes, g.page_shift);
  const z3::expr per_section = g.pages_per_section();
  const z3::expr full = z3::lshr(nr, g.section_size_bits - g.page_shift);
  const z3::expr full_pages = full * per_section;
  const z3::expr rem = nr - full_pages;
  const z3::expr has_rem = rem != 0;
  const z3::expr n = z3::shl(g.one(), vmemmap_shift);
  const z3::expr nr_compound = z3::lshr(nr, vmemmap_shift);

  auto chunk = [&](const z3::expr& offset, const z3::expr& pages, bool dedup) {
    return sym_device_chunk_vmemmap(g, offset, pages, vmemmap_shift, dedup, v);
  };
  const SymChunk plain_full = chunk(zero, per_section, false), plain_rem = chunk(full_pages, rem, false);
  const SymChunk head = chunk(zero, per_section, true), cont = chunk(per_section, per_section, true);
  const SymChunk dedup_rem = chunk(full_pages, rem, true);

  // Compound pages no larger than a section: every full section starts on a
  // compound page, and so does the partial last one. Larger: a range of
  // whole compound pages has no partial section; nr_compound sections hold
  // a head, the others continue one.
  const z3::expr small = z3::ule(n, per_section);
  const z3::expr heads = z3::ite(small, full, nr_compound);
  const z3::expr dedup_pages = heads * head.pages + (full - heads) * cont.pages +
                               z3::ite(has_rem, dedup_rem.pages, zero);
  const z3::expr plain_pages = full * plain_full.pages + z3::ite(has_rem, plain_rem.pages, zero);

  const z3::expr full_va = g.memmap_bytes(full_pages), span = g.memmap_bytes(nr);
  // The dedup path maps every chunk with base pages or none of them; head
  // and continuation chunks agree.
  const z3::expr plain_tables = range_pte_windows(g, plain_full.pte_mapped, full_va, plain_rem.pte_mapped, span);
  const z3::expr dedup_tables = range_pte_windows(g, head.pte_mapped, full_va, dedup_rem.pte_mapped, span);
  const z3::expr table_bytes = z3::lshr(g.pmd_size(), g.page_shift) * 8;
  return SymRangeCost{plain_pages, dedup_pages, plain_tables, dedup_tables, table_bytes, nr_compound};
}

}  // namespace memhp::smt
