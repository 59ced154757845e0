// The geometry encodings (smt/enc_geometry.h) against the C++ model, and the
// two theorems built on them: memmap_on_memory_geometry and
// vmemmap_dedup_arithmetic.
//
// Each encoding is evaluated on the same inputs as its C++ twin: 10,000+
// random inputs from a fixed seed, then inputs Z3 picks at every branch of
// the encoding and on both sides of each inequality it tests. A single
// disagreement fails the test, since a proof about an encoding that differs
// from the model proves nothing about the model.
#include <doctest/doctest.h>

#include <functional>
#include <random>
#include <variant>

#include "discharge.h"
#include "enc_geometry.h"
#include "fixtures.h"
#include "memhp/memmap_cost.h"
#include "memhp/trace.h"
#include "replay.h"

using namespace memhp;
using namespace memhp::smt;
using memhp::test::GiB;
using memhp::test::MiB;

namespace {

constexpr u64 kSeed = 0x6e0d'e7a1'2023'0601;
constexpr int kRandom = 10'000;

// ------------------------------------------------------------ inputs --

// Every symbolic input of the encodings under test. The unsigned Geometry
// fields are 16-bit constants zero-extended to the encodings' 64 bits (the
// domain fits_cxx_types() describes, in smaller circuits), the shift 8 bits;
// the block size and the numbers are full 64-bit.
struct Sym {
  z3::context& c;
  std::vector<std::pair<z3::expr, unsigned>> raw;  // the constants and their widths
  SymGeometry g;
  z3::expr param, size, offset, nr, shift;

  z3::expr field(const char* name, unsigned bits) {
    raw.emplace_back(c.bv_const(name, bits), bits);
    return bits == 64 ? raw.back().first : z3::zext(raw.back().first, 64 - bits);
  }
  explicit Sym(z3::context& ctx)
      : c(ctx),
        g{field("arch", 8), field("page_shift", 16), field("section_size_bits", 16), field("subsection_shift", 16),
          field("pageblock_order", 16), field("max_order", 16), field("struct_page_size", 16),
          field("pmd_shift", 16), field("max_physmem_bits", 16), field("block_bytes", 64),
          ctx.bool_const("arch_memmap_on_memory")},
        param(ctx.bool_const("param")),
        size(field("size", 64)),
        offset(field("offset", 64)),
        nr(field("nr_pages", 64)),
        shift(field("vmemmap_shift", 8)) {}
};

// One concrete input: a geometry, the parameter, and the numbers.
struct Input {
  Geometry g;
  bool param = false;
  u64 size = 0, offset = 0, nr = 0;
  unsigned shift = 0;
};

std::string show(const Input& in) {
  return geometry_fields(in.g) + " param=" + std::to_string(in.param) + " size=" + std::to_string(in.size) +
         " offset=" + std::to_string(in.offset) + " nr=" + std::to_string(in.nr) +
         " shift=" + std::to_string(in.shift);
}

// A Z3 model that gives every symbolic input its concrete value (in the
// order Sym's constructor made the constants).
z3::model bind(const Sym& s, const Input& in) {
  const Geometry& g = in.g;
  const u64 values[] = {static_cast<u64>(g.arch), g.page_shift, g.section_size_bits, g.subsection_shift,
                        g.pageblock_order, g.max_order, g.struct_page_size, g.pmd_shift, g.max_physmem_bits,
                        g.block_bytes, in.size, in.offset, in.nr, in.shift};
  static_assert(std::size(values) == 14);
  z3::model m(s.c);
  for (std::size_t i = 0; i < s.raw.size(); ++i) {
    const auto& [e, bits] = s.raw[i];
    z3::func_decl d = e.decl();
    z3::expr val = s.c.bv_val(static_cast<std::uint64_t>(values[i]), bits);
    m.add_const_interp(d, val);
  }
  for (const auto& [e, v] : {std::pair{s.g.arch_memmap_on_memory, g.arch_memmap_on_memory}, {s.param, in.param}}) {
    z3::func_decl d = e.decl();
    z3::expr val = s.c.bool_val(v);
    m.add_const_interp(d, val);
  }
  return m;
}

// The inverse: the input a Z3 model chose.
Input from_model(const Sym& s, const z3::model& m) {
  Input in;
  in.g = concrete_geometry(m, s.g);
  in.param = eval_bool(m, s.param);
  in.size = eval_u64(m, s.size);
  in.offset = eval_u64(m, s.offset);
  in.nr = eval_u64(m, s.nr);
  in.shift = static_cast<unsigned>(eval_u64(m, s.shift));
  return in;
}

// ---------------------------------------------------- random geometries --

struct Rng {
  std::mt19937_64 r{kSeed};
  u64 in(u64 lo, u64 hi) { return std::uniform_int_distribution<u64>(lo, hi)(r); }
  bool chance(unsigned percent) { return in(0, 99) < percent; }
  template <class T>
  T pick(std::initializer_list<T> xs) { return *(xs.begin() + in(0, xs.size() - 1)); }
};

// A geometry geometry_error() accepts, over the theorem's ranges and a
// little beyond (PMD_SHIFT down to PAGE_SHIFT, any arch).
Geometry random_valid_geometry(Rng& r) {
  for (;;) {
    Geometry g;
    g.name = "random";
    g.arch = static_cast<Arch>(r.in(0, 2));
    g.page_shift = r.pick({12u, 14u, 16u});
    g.subsection_shift = 21;
    g.section_size_bits = static_cast<unsigned>(r.in(21, 29 + r.in(0, 1) * 10));
    g.max_order = static_cast<unsigned>(r.in(1, g.section_size_bits - g.page_shift + 1));
    g.pageblock_order = static_cast<unsigned>(r.in(0, g.max_order - 1));
    g.struct_page_size = static_cast<unsigned>(40 + 8 * r.in(0, 11));
    g.pmd_shift = static_cast<unsigned>(r.in(g.page_shift, 2 * g.page_shift - 3));
    g.max_physmem_bits = static_cast<unsigned>(r.in(g.section_size_bits + 1, 52));
    g.block_bytes = u64{1} << r.in(g.section_size_bits, std::min(g.max_physmem_bits, g.section_size_bits + 12u));
    g.arch_memmap_on_memory = r.chance(70);
    if (geometry_error(g).empty()) return g;
  }
}

// Anything near the valid ranges, for geometry_error() itself.
Geometry random_any_geometry(Rng& r) {
  Geometry g;
  g.name = "random";
  g.arch = static_cast<Arch>(r.in(0, 2));
  g.page_shift = static_cast<unsigned>(r.in(10, 18));
  g.subsection_shift = static_cast<unsigned>(r.in(11, 23));
  g.section_size_bits = static_cast<unsigned>(r.in(18, 34));
  g.max_order = static_cast<unsigned>(r.in(0, 20));
  g.pageblock_order = static_cast<unsigned>(r.in(0, 20));
  g.struct_page_size = r.chance(5) ? 0u : static_cast<unsigned>(r.in(1, 160));
  g.pmd_shift = static_cast<unsigned>(r.in(8, 32));
  g.max_physmem_bits = static_cast<unsigned>(r.in(16, 60));
  g.block_bytes = r.chance(80) ? u64{1} << r.in(10, 58) : r.in(0, u64{1} << 40);
  g.arch_memmap_on_memory = r.chance(50);
  return g;
}

// Where the C++ functions are defined: geometry_error() accepts the
// geometry, and PMD_SHIFT is below 64 (geometry_error() does not bound it,
// and pmd_size() would shift a u64 by 64 or more).
z3::expr cxx_domain(const SymGeometry& g) {
  return fits_cxx_types(g) && geometry_ok(g) && z3::ult(g.pmd_shift, 64);
}

bool cxx_defined(const Input& in) { return geometry_error(in.g).empty() && in.g.pmd_shift < 64; }

// ----------------------------------------------------- the comparisons --

// One encoding and its twin: named outputs, each a Z3 term and a C++ value.
struct Compared {
  std::string name;
  z3::expr term;
  std::function<u64(const Input&)> cxx;
};

u64 value_of(const z3::model& m, const z3::expr& e) {
  return e.is_bool() ? (eval_bool(m, e) ? 1 : 0) : eval_u64(m, e);
}

// Evaluates every output on `in`; returns the first disagreement or "".
std::string disagreement(const Sym& s, const std::vector<Compared>& outs, const Input& in) {
  const z3::model m = bind(s, in);
  for (const Compared& o : outs) {
    const u64 z = value_of(m, o.term), x = o.cxx(in);
    if (z != x)
      return o.name + ": encoding " + std::to_string(z) + ", C++ " + std::to_string(x) + " at " + show(in);
  }
  return {};
}

// A query Z3 must answer with inputs for a branch or a boundary. `models`
// distinct answers are asked for (each excludes the previous input).
struct Corner {
  std::string name;
  z3::expr constraint;
};

// Solves every corner (domain ∧ corner), up to `models` inputs each, and
// compares the outputs on them. Returns how many inputs were compared.
int check_corners(const Sym& s, const z3::expr& domain, const std::vector<Corner>& corners,
                  const std::vector<Compared>& outs, const std::function<bool(const Input&)>& usable,
                  int models = 1) {
  int compared = 0;
  for (const Corner& k : corners) {
    z3::solver solver(s.c);
    solver.add(domain && k.constraint);
    int found = 0;
    for (; found < models && solver.check() == z3::sat; ++found) {
      const z3::model m = solver.get_model();
      const Input in = from_model(s, m);
      CAPTURE(k.name);
      if (!usable(in)) {
        FAIL_CHECK("Z3 chose an input outside the C++ domain: " << show(in));
        break;
      }
      const std::string diff = disagreement(s, outs, in);
      CHECK_MESSAGE(diff.empty(), diff);
      ++compared;
      // Another input next time.
      z3::expr same = s.c.bool_val(true);
      for (const auto& [e, bits] : s.raw) same = same && e == m.eval(e, true);
      solver.add(!same);
    }
    CHECK_MESSAGE(found > 0, "no input reaches corner " << k.name);
  }
  return compared;
}

// Corners on both sides of an inequality a < b (or a <= b): a == b - 1, a == b, a == b + 1.
void boundary(std::vector<Corner>& out, const std::string& name, const z3::expr& a, const z3::expr& b) {
  out.push_back({name + " (a = b - 1)", a + 1 == b});
  out.push_back({name + " (a = b)", a == b});
  out.push_back({name + " (a = b + 1)", a == b + 1});
}

// A condition and its negation.
void branch(std::vector<Corner>& out, const std::string& name, const z3::expr& cond) {
  out.push_back({name, cond});
  out.push_back({"not " + name, !cond});
}

// ------------------------------------------------- geometry_error() --

std::vector<Compared> geometry_error_outputs(const Sym& s) {
  return {{"geometry_error", geometry_error_code(s.g),
           [](const Input& in) { return static_cast<u64>(geometry_error_index(geometry_error(in.g))); }}};
}

std::vector<Compared> derived_outputs(const Sym& s) {
  const SymGeometry& g = s.g;
  auto f = [](u64 (*fn)(const Input&)) { return std::function<u64(const Input&)>(fn); };
  return {
      {"page_size", g.page_size(), f([](const Input& i) { return i.g.page_size(); })},
      {"pages_per_section", g.pages_per_section(), f([](const Input& i) { return i.g.pages_per_section(); })},
      {"pages_per_subsection", g.pages_per_subsection(), f([](const Input& i) { return i.g.pages_per_subsection(); })},
      {"pageblock_pages", g.pageblock_pages(), f([](const Input& i) { return i.g.pageblock_pages(); })},
      {"pmd_size", g.pmd_size(), f([](const Input& i) { return i.g.pmd_size(); })},
      {"block_pages", g.block_pages(), f([](const Input& i) { return i.g.block_pages(); })},
      {"sections_per_block", g.sections_per_block(), f([](const Input& i) { return i.g.sections_per_block(); })},
      {"max_pfn_limit", g.max_pfn_limit(), f([](const Input& i) { return i.g.max_pfn_limit(); })},
      {"memmap_bytes", g.memmap_bytes(s.nr), f([](const Input& i) { return i.g.memmap_bytes(i.nr); })},
      {"memmap_pages", g.memmap_pages(s.nr), f([](const Input& i) { return i.g.memmap_pages(i.nr); })},
  };
}

// ---------------------------------------- mhp_supports_memmap_on_memory --

MemmapOnMemorySupport cxx_support(const Input& in) {
  Profile p;
  p.memmap_on_memory = in.param;
  return mhp_supports_memmap_on_memory(in.g, p, in.size);
}

std::vector<Compared> support_outputs(const Sym& s) {
  const SymSupport sup = sym_mhp_supports_memmap_on_memory(s.g, s.param, s.size);
  return {
      {"supported", sup.supported, [](const Input& in) { return u64{cxx_support(in).supported}; }},
      {"vmemmap_pages", sup.vmemmap_pages, [](const Input& in) { return cxx_support(in).vmemmap_pages; }},
      {"reason", sup.reason,
       [](const Input& in) { return static_cast<u64>(support_reason_index(cxx_support(in))); }},
  };
}

// ----------------------------------------------- device_chunk_vmemmap --

std::vector<Compared> chunk_outputs(const Sym& s) {
  std::vector<Compared> out;
  for (bool dedup : {false, true}) {
    const SymChunk ch = sym_device_chunk_vmemmap(s.g, s.offset, s.nr, s.shift, dedup);
    const std::string tag = dedup ? "dedup " : "plain ";
    out.push_back({tag + "pages", ch.pages, [dedup](const Input& in) {
                     return device_chunk_vmemmap(in.g, in.offset, in.nr, in.shift, dedup).pages;
                   }});
    out.push_back({tag + "pte_mapped", ch.pte_mapped, [dedup](const Input& in) {
                     return u64{device_chunk_vmemmap(in.g, in.offset, in.nr, in.shift, dedup).pte_mapped};
                   }});
  }
  return out;
}

// A chunk as __add_pages() cuts a device range: subsection-aligned, within
// one section.
z3::expr chunk_domain(const Sym& s) {
  const SymGeometry& g = s.g;
  const z3::expr sub = g.pages_per_subsection(), sec = g.pages_per_section();
  return cxx_domain(s.g) && z3::ule(s.shift, 40) && is_aligned(s.offset, sub) &&
         is_aligned(s.nr, sub) && s.nr != 0 && z3::ule((s.offset & (sec - 1)) + s.nr, sec) &&
         z3::ule(s.nr, sec) && z3::ult(s.offset, bv64(s.c, u64{1} << 50));
}

// ---------------------------------------------------------- memmap_cost --

// memmap_cost()'s walk is one step per section: keep ranges short enough.
constexpr u64 kMaxSections = 4096;

bool cost_usable(const Input& in) {
  const u64 align = (u64{1} << in.shift) << in.g.page_shift;
  return in.shift < 40 && cxx_defined(in) && memmap_cost_error(in.g, in.size, align).empty() &&
         in.size / (u64{1} << in.g.section_size_bits) <= kMaxSections;
}

MemmapCost cxx_cost(const Input& in) {
  return memmap_cost(in.g, in.size, (u64{1} << in.shift) << in.g.page_shift);
}

std::vector<Compared> cost_outputs(const Sym& s) {
  const SymRangeCost rc = sym_memmap_cost(s.g, s.size, s.shift);
  return {
      {"plain_pages", rc.plain_pages, [](const Input& in) { return cxx_cost(in).plain_pages; }},
      {"dedup_pages", rc.dedup_pages, [](const Input& in) { return cxx_cost(in).dedup_pages; }},
      {"plain_pte_tables", rc.plain_pte_tables, [](const Input& in) { return cxx_cost(in).plain_pte_tables; }},
      {"dedup_pte_tables", rc.dedup_pte_tables, [](const Input& in) { return cxx_cost(in).dedup_pte_tables; }},
      {"pte_table_bytes", rc.pte_table_bytes, [](const Input& in) { return cxx_cost(in).pte_table_bytes; }},
      {"nr_compound", rc.nr_compound, [](const Input& in) { return cxx_cost(in).nr_compound; }},
  };
}

// What memmap_cost_error() accepts, in Z3 terms, and short.
z3::expr cost_domain(const Sym& s) {
  const SymGeometry& g = s.g;
  const z3::expr align = z3::shl(z3::shl(g.one(), s.shift), g.page_shift);
  return cxx_domain(g) && z3::ult(s.shift, 40) && s.size != 0 &&
         is_aligned(s.size, z3::shl(g.one(), g.subsection_shift)) && is_aligned(s.size, align) &&
         z3::ule(s.size, z3::shl(g.one(), g.max_physmem_bits)) &&
         z3::ule(z3::lshr(s.size, g.section_size_bits), kMaxSections);
}

}  // namespace

// ======================================================================
// Cross-checks
// ======================================================================

TEST_CASE("smt geometry encoding: geometry_error() and the derived sizes, random and Z3 corners") {
  z3::context c;
  const Sym s(c);
  const auto err = geometry_error_outputs(s), derived = derived_outputs(s);
  Rng r;
  int valid = 0;
  for (int i = 0; i < kRandom; ++i) {
    Input in;
    in.g = r.chance(50) ? random_valid_geometry(r) : random_any_geometry(r);
    in.nr = r.chance(50) ? r.in(0, u64{1} << 40) : r.in(0, ~u64{0});
    std::string diff = disagreement(s, err, in);
    if (diff.empty() && geometry_error(in.g).empty()) {
      diff = disagreement(s, derived, in);
      ++valid;
    }
    REQUIRE_MESSAGE(diff.empty(), diff);
  }
  CHECK(valid >= kRandom * 2 / 5);

  // Each check of geometry_error(), reached with the earlier ones passing,
  // and each inequality on both sides.
  const SymGeometry& g = s.g;
  std::vector<Corner> corners;
  for (int k = 0; k <= 11; ++k) corners.push_back({"error " + std::to_string(k), geometry_error_code(g) == k});
  boundary(corners, "PAGE_SHIFT vs 12", g.page_shift, bv64(c, 12));
  boundary(corners, "PAGE_SHIFT vs 16", g.page_shift, bv64(c, 16));
  boundary(corners, "SUBSECTION_SHIFT vs PAGE_SHIFT", g.subsection_shift, g.page_shift);
  boundary(corners, "SUBSECTION_SHIFT vs SECTION_SIZE_BITS", g.subsection_shift, g.section_size_bits);
  boundary(corners, "subsections per section", g.section_size_bits - g.subsection_shift, bv64(c, 8));
  boundary(corners, "MAX_ORDER-1+PAGE_SHIFT vs SECTION_SIZE_BITS", g.max_order - 1 + g.page_shift,
           g.section_size_bits);
  boundary(corners, "pageblock_order vs MAX_ORDER-1", g.pageblock_order, g.max_order - 1);
  boundary(corners, "PMD_SHIFT vs PAGE_SHIFT", g.pmd_shift, g.page_shift);
  boundary(corners, "MAX_PHYSMEM_BITS vs SECTION_SIZE_BITS", g.max_physmem_bits, g.section_size_bits);
  boundary(corners, "MAX_PHYSMEM_BITS vs 52", g.max_physmem_bits, bv64(c, 52));
  boundary(corners, "block vs section", g.block_bytes, g.section_bytes());
  boundary(corners, "block vs physical space", g.block_bytes, z3::shl(g.one(), g.max_physmem_bits));
  branch(corners, "max_order == 0", g.max_order == 0);
  branch(corners, "struct page 0", g.struct_page_size == 0);
  branch(corners, "block a power of two", is_pow2(g.block_bytes));
  const int n = check_corners(s, fits_cxx_types(g), corners, err, [](const Input&) { return true; }, 3);
  CHECK(n >= static_cast<int>(corners.size()));

  // The derived sizes on valid geometries at their extremes.
  std::vector<Corner> dcorners;
  for (int ps : {12, 14, 16}) dcorners.push_back({"PAGE_SHIFT " + std::to_string(ps), g.page_shift == ps});
  dcorners.push_back({"one subsection per section", g.section_size_bits == g.subsection_shift});
  dcorners.push_back({"256 subsections per section", g.section_size_bits == g.subsection_shift + 8});
  dcorners.push_back({"MAX_PHYSMEM_BITS 52", g.max_physmem_bits == 52});
  dcorners.push_back({"block = 2^MAX_PHYSMEM_BITS", g.block_bytes == z3::shl(g.one(), g.max_physmem_bits)});
  dcorners.push_back({"block = one section", g.block_bytes == g.section_bytes()});
  dcorners.push_back({"PMD_SHIFT 63", g.pmd_shift == 63});
  branch(dcorners, "memmap_bytes does not wrap", z3::bvmul_no_overflow(s.nr, g.struct_page_size, false));
  branch(dcorners, "memmap page-aligned", is_aligned(g.memmap_bytes(s.nr), g.page_size()));
  check_corners(s, cxx_domain(g), dcorners, derived, cxx_defined);
}

TEST_CASE("smt geometry encoding: mhp_supports_memmap_on_memory(), random and Z3 corners") {
  z3::context c;
  const Sym s(c);
  const auto outs = support_outputs(s);
  Rng r;
  int supported = 0;
  for (int i = 0; i < kRandom; ++i) {
    Input in;
    in.g = random_valid_geometry(r);
    in.param = r.chance(80);
    switch (r.in(0, 4)) {
      case 0: in.size = r.in(0, ~u64{0}); break;
      case 1: in.size = in.g.block_bytes << r.in(1, 3); break;
      case 2: in.size = in.g.block_bytes + in.g.page_size() * (r.chance(50) ? 1 : ~u64{0}); break;
      default: in.size = in.g.block_bytes; break;
    }
    supported += cxx_support(in).supported;
    const std::string diff = disagreement(s, outs, in);
    REQUIRE_MESSAGE(diff.empty(), diff);
  }
  CHECK(supported >= 100);  // both outcomes are well represented
  CHECK(supported <= kRandom - 100);

  const SymGeometry& g = s.g;
  const SymSupport sup = sym_mhp_supports_memmap_on_memory(g, s.param, s.size);
  const z3::expr pb_bytes = z3::shl(g.pageblock_pages(), g.page_shift);
  const z3::expr remaining = s.size - sup.vmemmap_bytes;
  std::vector<Corner> corners;
  for (int k = 0; k <= 5; ++k) corners.push_back({"reason " + std::to_string(k), sup.reason == k});
  branch(corners, "CONFIG", g.arch_memmap_on_memory);
  branch(corners, "parameter", s.param);
  for (int d : {-1, 0, 1}) {
    corners.push_back({"size = block + " + std::to_string(d) + " pages", s.size == g.block_bytes + d * g.page_size()});
    corners.push_back({"size = block + " + std::to_string(d) + " bytes", s.size == g.block_bytes + d});
  }
  // Alignment checks: exactly aligned, one struct page off, one below the next multiple.
  for (const auto& [name, x, a] : {std::tuple{"vmemmap vs PMD", sup.vmemmap_bytes, g.pmd_size()},
                                   std::tuple{"remaining vs pageblock", remaining, pb_bytes}}) {
    const z3::expr low = x & (a - 1);
    corners.push_back({std::string(name) + ": aligned", low == 0 && s.size == g.block_bytes});
    corners.push_back({std::string(name) + ": one struct page over",
                       low == g.struct_page_size && s.size == g.block_bytes});
    corners.push_back({std::string(name) + ": one page short", low == a - g.page_size() && s.size == g.block_bytes});
  }
  // Supported on every page size, and at each preset's fixed fields.
  for (int ps : {12, 14, 16}) corners.push_back({"supported, PAGE_SHIFT " + std::to_string(ps), sup.supported && g.page_shift == ps});
  for (const std::string& name : geometry_preset_names()) {
    const SymGeometry p = constant_geometry(c, *geometry_preset(name));
    const z3::expr same = g.page_shift == p.page_shift && g.section_size_bits == p.section_size_bits &&
                          g.pageblock_order == p.pageblock_order && g.pmd_shift == p.pmd_shift &&
                          g.struct_page_size == p.struct_page_size && g.max_order == p.max_order;
    corners.push_back({name + " at its block", same && g.block_bytes == p.block_bytes && s.size == g.block_bytes});
    corners.push_back({name + " supported", same && sup.supported && g.arch_memmap_on_memory});
  }
  const int n = check_corners(s, cxx_domain(g), corners, outs, cxx_defined);
  CHECK(n >= static_cast<int>(corners.size()));
}

TEST_CASE("smt geometry encoding: device_chunk_vmemmap() (compound dedup, arch vmemmap), random and Z3 corners") {
  z3::context c;
  const Sym s(c);
  const auto outs = chunk_outputs(s);
  Rng r;
  for (int i = 0; i < kRandom; ++i) {
    Input in;
    in.g = random_valid_geometry(r);
    if (r.chance(40)) in.g.struct_page_size = r.pick({64u, 128u});  // the compound path
    const u64 sec = in.g.pages_per_section(), sub = in.g.pages_per_subsection();
    in.shift = static_cast<unsigned>(r.chance(80) ? r.in(0, 20) : r.in(0, 40));
    const u64 subs = sec / sub;
    const u64 first = r.in(0, subs - 1);
    in.offset = r.in(0, 1 << 12) * sec + first * sub;
    in.nr = r.chance(50) ? sec - first * sub : r.in(1, subs - first) * sub;
    const std::string diff = disagreement(s, outs, in);
    REQUIRE_MESSAGE(diff.empty(), diff);
  }

  const SymGeometry& g = s.g;
  const z3::expr n = z3::shl(g.one(), s.shift), sub = g.pages_per_subsection();
  std::vector<Corner> corners;
  branch(corners, "struct page a power of two", is_pow2(g.struct_page_size));
  for (int sh : {0, 1}) corners.push_back({"shift " + std::to_string(sh), s.shift == sh});
  branch(corners, "offset aligned to the compound page", is_aligned(s.offset, n));
  boundary(corners, "compound page vs subsection", n, sub);
  corners.push_back({"continuation chunk", !is_aligned(s.offset, n) && z3::ugt(n, sub) && is_pow2(g.struct_page_size)});
  boundary(corners, "compound memmap vs 2 pages", g.memmap_bytes(n), 2 * g.page_size());
  corners.push_back({"compound memmap = 1 page", g.memmap_bytes(n) == g.page_size() && is_pow2(g.struct_page_size)});
  boundary(corners, "nr_pages vs compound page", s.nr, n);
  for (int a = 0; a <= 2; ++a) corners.push_back({"arch " + std::to_string(a), g.arch == a});
  corners.push_back({"x86, nr = section", g.arch == 0 && s.nr == g.pages_per_section()});
  corners.push_back({"x86, nr = section - subsection", g.arch == 0 && s.nr + sub == g.pages_per_section()});
  for (int ps : {12, 14}) corners.push_back({"arm64, PAGE_SHIFT " + std::to_string(ps), g.arch == 1 && g.page_shift == ps});
  corners.push_back({"PMD unit of one page", g.pmd_shift == g.page_shift && g.arch == 0 && s.nr == g.pages_per_section()});
  branch(corners, "memmap PMD-aligned", is_aligned(g.memmap_bytes(s.nr), g.pmd_size()));
  const int count = check_corners(s, chunk_domain(s), corners, outs, cxx_defined);
  CHECK(count >= static_cast<int>(corners.size()));
}

TEST_CASE("smt geometry encoding: memmap_cost() in closed form, random and Z3 corners") {
  z3::context c;
  const Sym s(c);
  const auto outs = cost_outputs(s);
  Rng r;
  int compared = 0;
  while (compared < kRandom) {
    Input in;
    in.g = random_valid_geometry(r);
    if (r.chance(50)) in.g.struct_page_size = r.pick({64u, 128u});
    const u64 sub = u64{1} << in.g.subsection_shift, sec = u64{1} << in.g.section_size_bits;
    in.shift = static_cast<unsigned>(r.in(0, in.g.section_size_bits - in.g.page_shift + 3));
    const u64 align = (u64{1} << in.shift) << in.g.page_shift;
    const u64 unit = std::max(sub, align);
    in.size = unit * r.in(1, std::max<u64>(1, 64 * sec / unit));
    if (!cost_usable(in)) continue;
    const std::string diff = disagreement(s, outs, in);
    REQUIRE_MESSAGE(diff.empty(), diff);
    ++compared;
  }

  const SymGeometry& g = s.g;
  const z3::expr n = z3::shl(g.one(), s.shift), sec = g.pages_per_section();
  const z3::expr nr = z3::lshr(s.size, g.page_shift), rem = nr & (sec - 1);
  std::vector<Corner> corners;
  boundary(corners, "compound page vs section", n, sec);
  branch(corners, "partial last section", rem != 0);
  corners.push_back({"less than a section", z3::ult(nr, sec)});
  corners.push_back({"no compound pages", s.shift == 0});
  branch(corners, "struct page a power of two", is_pow2(g.struct_page_size));
  for (int a = 0; a <= 2; ++a) corners.push_back({"arch " + std::to_string(a), g.arch == a});
  corners.push_back({"x86, partial section after full ones", g.arch == 0 && rem != 0 && z3::uge(nr, sec)});
  branch(corners, "section memmap PMD-aligned", is_aligned(g.memmap_bytes(sec), g.pmd_size()));
  corners.push_back({"PTE window shared across the partial section",
                     rem != 0 && z3::uge(nr, sec) && !is_aligned(g.memmap_bytes(nr - rem), g.pmd_size()) &&
                         (g.arch == 1 || g.arch == 2)});
  corners.push_back({"dedup saves, compound over a section", z3::ugt(n, sec) && dedup_saves(g, s.shift) &&
                                                                 is_pow2(g.struct_page_size)});
  corners.push_back({"compound memmap exactly 2 pages over a section",
                     z3::ugt(n, sec) && g.memmap_bytes(n) == 2 * g.page_size() && is_pow2(g.struct_page_size)});
  const int count = check_corners(s, cost_domain(s), corners, outs, cost_usable);
  CHECK(count >= static_cast<int>(corners.size()));
}

// ======================================================================
// memmap_on_memory_geometry
// ======================================================================

namespace {

const Theorem& theorem(std::string_view name) {
  const Theorem* t = find_theorem(name);
  REQUIRE(t != nullptr);
  return *t;
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("smt memmap_on_memory_geometry: proved for the symbolic space and every preset, premises sat") {
  const Theorem& t = theorem("memmap_on_memory_geometry");
  const TheoremResult r = run_theorem(t, {});
  MESSAGE("memmap_on_memory_geometry: " << r.seconds << " s");
  CHECK(r.verdict == Verdict::Proved);
  CHECK(r.premises == Sat::Sat);
  CHECK(!r.cex);
  std::vector<std::string> names;
  for (const auto& o : r.obligations) {
    CAPTURE(o.name);
    CHECK(o.premises == Sat::Sat);
    CHECK(o.verdict == Verdict::Proved);
    names.push_back(o.name);
  }
  CHECK(names.size() == 1 + geometry_preset_names().size() + 1);
  CHECK(names.front() == "symbolic");
  CHECK(names.back() == "geometry_checks_at_bounds");
  // The seeds' fencing, evaluated from the encoding.
  CHECK(contains(r.detail, "x86_64 block 128 MiB: supported, P = 512"));
  CHECK(contains(r.detail, "arm64-16k block 128 MiB: vmemmap not PMD-aligned, P = 32"));
  CHECK(contains(r.detail, "arm64-64k block 512 MiB: vmemmap not PMD-aligned, P = 8;"));
  CHECK(contains(r.detail, "ppc64-64k block 256 MiB: CONFIG off"));
}

TEST_CASE("smt memmap_on_memory_geometry: the force-mode mutant fails on arm64-64k, P = the whole block") {
  ProveOptions o;
  o.mutant = true;
  const TheoremResult r = run_theorem(theorem("memmap_on_memory_geometry"), o);
  MESSAGE("memmap_on_memory_geometry --mutant: " << r.seconds << " s");
  CHECK(r.verdict == Verdict::Refuted);
  CHECK(r.premises == Sat::Sat);
  REQUIRE(r.cex);
  CAPTURE(r.cex->summary);
  CHECK(r.cex->geometry.rfind("arm64-64k: ", 0) == 0);
  CHECK(contains(r.cex->summary, "P = 8192 (pageblock = 8192 pages)"));
  CHECK(contains(r.cex->summary, "block = 512 MiB (8192 pages)"));
  CHECK(contains(r.cex->summary, "nr_pages = 0)"));
  CHECK(contains(r.cex->summary, "(b) P < block pages: FAILS"));
  CHECK(r.cex->trace.empty());
  for (const auto& ob : r.obligations) {
    CAPTURE(ob.name);
    // Only the geometries whose pageblock is the whole block can be broken
    // by rounding P up to it.
    const bool breaks = ob.name == "symbolic" || ob.name == "arm64-64k";
    CHECK(ob.verdict == (breaks ? Verdict::Refuted : Verdict::Proved));
  }
}

// What the theorem's premises admit runs in the C++ model: for each preset,
// Z3 finds the smallest block size at which 6.1 supports memmap_on_memory
// (the preset's own, 8 GiB for arm64-16k, 512 GiB for arm64-64k), and a
// trace hot-adds, onlines, offlines and removes such a block with no WARN,
// no invariant broken, and the P vmemmap pages the encoding computes.
TEST_CASE("smt memmap_on_memory_geometry: supported geometries replay cleanly in the C++ model") {
  z3::context c;
  for (const std::string& name : geometry_preset_names()) {
    Geometry p = *geometry_preset(name);
    if (!p.arch_memmap_on_memory) continue;  // ppc64-64k: 6.1 never supports it
    CAPTURE(name);
    const SymGeometry g = narrow_geometry(c, name + ".");
    const SymGeometry fixed = constant_geometry(c, p);
    const SymSupport sup = sym_mhp_supports_memmap_on_memory(g, c.bool_val(true), g.block_bytes);
    z3::solver solver(c);
    solver.add(geometry_ok(g) && g.page_shift == fixed.page_shift && g.section_size_bits == fixed.section_size_bits &&
               g.subsection_shift == fixed.subsection_shift && g.pageblock_order == fixed.pageblock_order &&
               g.max_order == fixed.max_order && g.struct_page_size == fixed.struct_page_size &&
               g.pmd_shift == fixed.pmd_shift && g.max_physmem_bits == fixed.max_physmem_bits && g.arch == fixed.arch &&
               g.arch_memmap_on_memory && sup.supported);
    // The smallest: ask for each block size from the preset's own upwards.
    std::optional<z3::model> found;
    for (u64 b = p.block_bytes; !found && b <= 512 * GiB; b <<= 1) {
      solver.push();
      solver.add(g.block_bytes == bv64(c, b));
      if (solver.check() == z3::sat) found = solver.get_model();
      solver.pop();
    }
    REQUIRE(found);
    const z3::model& m = *found;
    const u64 block = eval_u64(m, g.block_bytes), P = eval_u64(m, sup.vmemmap_pages);
    p.block_bytes = block;
    CHECK(mhp_supports_memmap_on_memory(p, memhp::test::mom(true), block).vmemmap_pages == P);
    const std::string text = "# memhp trace v1\ngeometry " + name + " block=" + std::to_string(block >> 20) +
                             "M\nprofile v6.1 memmap_on_memory=1\nboot node=0 start=0x0 size=" +
                             std::to_string(block >> 20) + "M\nadd_memory node=0 start=" + std::to_string(block) +
                             " size=" + std::to_string(block >> 20) +
                             "M flags=memmap_on_memory # expect: ok\nonline_block block=1 type=online_movable # expect: ok\n"
                             "offline_block block=1 # expect: ok\nremove_memory start=" + std::to_string(block) +
                             " size=" + std::to_string(block >> 20) + "M # expect: ok\n";
    CAPTURE(text);
    auto parsed = parse_trace(text);
    REQUIRE(std::holds_alternative<Trace>(parsed));
    const ReplayResult rr = replay_trace(std::get<Trace>(parsed));
    REQUIRE(rr.boot_error.empty());
    CHECK(!rr.violation);
    CHECK(rr.expect_failures == 0);
    REQUIRE(rr.steps.size() == 4);
    for (const auto& st : rr.steps) {
      std::string warned;
      for (const auto& w : st.result.warnings) warned += w + "; ";
      CHECK_MESSAGE(warned.empty(), warned);
    }
  }
}

// ======================================================================
// vmemmap_dedup_arithmetic
// ======================================================================

TEST_CASE("smt vmemmap_dedup_arithmetic: proved, premises sat, the seeds' figures derived") {
  const TheoremResult r = run_theorem(theorem("vmemmap_dedup_arithmetic"), {});
  MESSAGE("vmemmap_dedup_arithmetic: " << r.seconds << " s");
  CHECK(r.verdict == Verdict::Proved);
  CHECK(r.premises == Sat::Sat);
  for (const auto& o : r.obligations) {
    CAPTURE(o.name);
    CHECK(o.premises == Sat::Sat);
    CHECK(o.verdict == Verdict::Proved);
  }
  CAPTURE(r.detail);
  CHECK(contains(r.detail, "2M compound page: plain pages = 8 (8, 8)"));
  CHECK(contains(r.detail, "2M compound page: dedup pages = 2 (2, 2)"));
  CHECK(contains(r.detail, "1G compound page: plain pages = 4096 (4096, 4096)"));
  CHECK(contains(r.detail, "1G compound page: dedup pages = 2 (2, 2)"));
  CHECK(contains(r.detail, "1T: plain bytes = 16 GiB (16 GiB, 16 GiB)"));
  CHECK(contains(r.detail, "1T, 2M pages: dedup bytes = 4 GiB (4 GiB, 4 GiB)"));
  CHECK(contains(r.detail, "1T, 1G pages: dedup bytes = 8 MiB (8 MiB, 8 MiB)"));
  CHECK(contains(r.detail, "1T, 1G pages: PTE table bytes = 32 MiB (32 MiB, 32 MiB)"));
  CHECK(contains(r.detail, "1T, 1G pages: dedup + tables bytes = 40 MiB (40 MiB, 40 MiB)"));
}

TEST_CASE("smt vmemmap_dedup_arithmetic: the no-dedup mutant is refuted, and its trace breaks INV-39") {
  ProveOptions o;
  o.mutant = true;
  const TheoremResult r = run_theorem(theorem("vmemmap_dedup_arithmetic"), o);
  MESSAGE("vmemmap_dedup_arithmetic --mutant: " << r.seconds << " s");
  CHECK(r.verdict == Verdict::Refuted);
  CHECK(r.premises == Sat::Sat);
  REQUIRE(r.cex);
  CHECK(r.cex->geometry.rfind("x86_64: ", 0) == 0);
  CHECK(contains(r.cex->summary, "2M compound page: dedup pages = 8 (2, 2)"));
  CHECK(r.cex->invariant == "device_vmemmap_deduplicated");
  auto parsed = parse_trace(r.cex->trace);
  REQUIRE(std::holds_alternative<Trace>(parsed));
  const ReplayResult rr = replay_trace(std::get<Trace>(parsed));
  REQUIRE(rr.violation);
  CHECK(rr.violation->invariant == "device_vmemmap_deduplicated");
  // Without the mutant the same trace is clean.
  Trace clean = std::get<Trace>(parsed);
  clean.mutants = {};
  CHECK(!replay_trace(clean).violation);
}

TEST_CASE("smt vmemmap_dedup_arithmetic: HVO-style one page and an extra tail page are refuted too") {
  for (DedupVariant v : {DedupVariant::KeepsOne, DedupVariant::ExtraTail}) {
    const TheoremResult r = prove_vmemmap_dedup({}, v);
    CHECK(r.verdict == Verdict::Refuted);
    CHECK(r.premises == Sat::Sat);
    REQUIRE(r.cex);
    CHECK(!r.cex->summary.empty());
    // Every obligation about the compound path is refuted; the arch figures
    // (vmemmap_populate() of each preset) do not depend on it.
    for (const auto& o : r.obligations) {
      CAPTURE(o.name);
      CHECK(o.verdict == (o.name == "arch_plan_figures" ? Verdict::Proved : Verdict::Refuted));
    }
  }
}

// A compound page whose memmap is two pages or less never takes the
// compound path: Debian's 6.1.192 vmemmap_can_optimize() wants more than
// VMEMMAP_RESERVE_NR pages of it (6.1.0 took the path and kept 2 pages per
// head, which the model once followed). ppc64-64k's 128 MiB compound pages
// (2048 pfns, 128 KiB of memmap, two 64 KiB pages) get the arch's plain
// vmemmap, section by section.
TEST_CASE("smt vmemmap_dedup_arithmetic: a compound page with a memmap of 2 pages or less is not deduplicated") {
  z3::context c;
  const SymGeometry g = narrow_geometry(c, "");
  const z3::expr shift = z3::zext(c.bv_const("shift", 8), 56);
  z3::solver s(c);
  s.add(theorem_space(g) && z3::ule(shift, 30) && !dedup_saves(g, shift) && z3::ugt(shift, 0));
  REQUIRE(s.check() == z3::sat);  // such compound pages exist
  s.add(compound_path(g, shift, c.bool_val(false)));
  CHECK(s.check() == z3::unsat);
  const Geometry ppc = *geometry_preset("ppc64-64k");
  const MemmapCost cost = memmap_cost(ppc, 128 * MiB, 128 * MiB);
  CHECK(cost.nr_compound == 1);
  CHECK_FALSE(cost.compound_path);
  CHECK(cost.compound_plain_pages == 2);
  CHECK(cost.dedup_pages == cost.plain_pages);
  CHECK(cost.plain_pages == 8);  // eight 16 MiB sections, 16 KiB of memmap each: one page
  CHECK(cost.init_dedup == cost.nr_pages);
}
