// memmap_on_memory_geometry: what 6.1's mhp_supports_memmap_on_memory()
// guarantees about the block it lets through.
//
// add_memory_resource() puts the memmap of a hot-added block at the start of
// the block itself when mhp_supports_memmap_on_memory(size) says yes; the P
// pages it takes never reach the buddy allocator, and memory_block_online()
// hands the rest, [start+P, start+block), to online_pages(). That only works
// if the check implies four facts: (a) the block's struct pages fit in the P
// pages, (b) something is left to online (P < block pages), (c) start+P is
// pageblock-aligned, so the migratetypes of the onlined pageblocks are set
// whole, and (d) online_pages()' WARN_ON_ONCE (non-empty, pageblock-aligned
// start, section-aligned end; offline_pages() has the same one) cannot fire.
//
// What is symbolic: every Geometry field the check reads. PAGE_SHIFT is 12,
// 14 or 16; SUBSECTION_SHIFT is 21 (every arch); SECTION_SIZE_BITS, MAX_ORDER,
// pageblock_order, MAX_PHYSMEM_BITS and the block size range over everything
// geometry_error() accepts (the kernel's BUILD_BUG_ONs and memory_dev_init()'s
// panic: MAX_ORDER-1+PAGE_SHIFT <= SECTION_SIZE_BITS, a subsection within a
// section, block = 2^k sections, ...); sizeof(struct page) is 40..128 in steps
// of 8; PMD_SHIFT is one PTE table past PAGE_SHIFT: PAGE_SHIFT+1 to
// 2*PAGE_SHIFT-3 (a table of 8-byte entries no larger than a page); the start
// is any block-aligned pfn below 2^53, beyond every physical address. Then, one
// obligation per preset: its fields, with the block size free (x86's 2 GiB
// blocks, pseries LMBs), since at the preset's own block arm64-16k/64k and
// ppc64 are never supported. ppc64-64k has no ARCH_MHP_MEMMAP_ON_MEMORY_ENABLE
// in 6.1, so its obligation forces the flag on (as 6.6 does for radix) to
// check its arithmetic rather than nothing. Nothing is bounded: 64-bit
// bit-vectors, which wrap as the model's u64 does. The inputs are narrower
// constants zero-extended to 64 bits (narrow_geometry(): fields below 256, a
// block below 2^53), which the ranges above imply anyway; that, and one
// obligation for all page sizes, keeps the proof near half a second.
//
// The mutant is 6.6's memmap_on_memory=force rounding P up to whole
// pageblocks, without the two guards 6.6 put beside it (P below the block's
// pages, the arch's PMD check). The arm64-64k obligation must then fail
// exactly as docs/kernel-reference.md 3.6 says: P = 8 becomes 8192, the whole
// 512 MiB block, and online_pages() is handed nothing to online.
//
// There is no trace: the check is arithmetic, and no C++ Mutant makes the
// model take the force rounding, so the counterexample is the geometry.
#include "discharge.h"
#include "domain_z3.h"
#include "enc_geometry.h"
#include "groups.h"
#include "memhp/profile.h"
#include "memhp/proven/memmap_on_memory.h"

namespace memhp::smt {

namespace {

constexpr std::string_view kScope =
    "Symbolic: PAGE_SHIFT in {12,14,16}, every SECTION_SIZE_BITS/MAX_ORDER/pageblock_order/MAX_PHYSMEM_BITS "
    "geometry_error() accepts (SUBSECTION_SHIFT 21), sizeof(struct page) 40..128 step 8, PMD_SHIFT in "
    "[PAGE_SHIFT+1, 2*PAGE_SHIFT-3], block = 2^k sections, any block-aligned start pfn; plus each preset "
    "with its block size free (ppc64-64k with CONFIG forced on). 64-bit bit-vectors, nothing bounded.";

// The inputs of one obligation: a geometry, the module parameter, the size
// asked for, and the pfn the block starts at.
struct Inputs {
  SymGeometry g;
  z3::expr param_on, force, size, start;
};

Inputs fresh_inputs(z3::context& c, const std::string& prefix) {
  return Inputs{narrow_geometry(c, prefix), c.bool_const((prefix + "memmap_on_memory").c_str()),
                c.bool_const((prefix + "force").c_str()), c.bv_const((prefix + "size").c_str(), 64),
                z3::zext(c.bv_const((prefix + "start_pfn").c_str(), 53), 11)};
}

// A preset's fields with the block size left free, and CONFIG forced on
// where 6.1 has it off.
z3::expr preset_space(const SymGeometry& g, const Geometry& p) {
  SymGeometry fixed = constant_geometry(g.ctx(), p);
  return fits_cxx_types(g) && geometry_ok(g) && g.arch == fixed.arch && g.page_shift == fixed.page_shift &&
         g.section_size_bits == fixed.section_size_bits && g.subsection_shift == fixed.subsection_shift &&
         g.pageblock_order == fixed.pageblock_order && g.max_order == fixed.max_order &&
         g.struct_page_size == fixed.struct_page_size && g.pmd_shift == fixed.pmd_shift &&
         g.max_physmem_bits == fixed.max_physmem_bits && g.arch_memmap_on_memory;
}

// Any block-aligned start pfn. It is below 2^53 (the inputs are narrow),
// beyond every physical address, so start + block cannot wrap.
z3::expr start_space(const Inputs& in) { return is_aligned(in.start, in.g.block_pages()); }

// The check as the theorem reads it: supported, and the P it hands out.
struct Check {
  z3::expr supported, vmemmap_pages;
};

/* mm/memory_hotplug.c: mhp_supports_memmap_on_memory() (6.1) */
Check check_6_1(const Inputs& in) {
  const SymSupport s = sym_mhp_supports_memmap_on_memory(in.g, in.param_on, in.size);
  return Check{s.supported, s.vmemmap_pages};
}

// The mutant: 6.6's force mode (memory_block_memmap_on_memory_pages() rounds
// P up to a pageblock) with only the page-alignment check of the vmemmap
// size, i.e. without "P < block pages" and arch_supports_memmap_on_memory().
Check check_force_unguarded(const Inputs& in) {
  const SymGeometry& g = in.g;
  const z3::expr vmemmap = g.memmap_bytes(z3::lshr(in.size, g.page_shift));
  const z3::expr supported = g.arch_memmap_on_memory && in.param_on && in.size == g.block_bytes &&
                             is_aligned(vmemmap, g.page_size());
  return Check{supported, align_up(z3::lshr(vmemmap, g.page_shift), g.pageblock_pages())};
}

// (a)-(d) of the essay, for the block at `start` with P vmemmap pages.
struct Conclusions {
  z3::expr fits, leaves_pages, pageblock_aligned, no_online_warn;
  z3::expr all() const { return fits && leaves_pages && pageblock_aligned && no_online_warn; }
};

Conclusions conclusions(const Inputs& in, const z3::expr& p) {
  const SymGeometry& g = in.g;
  const z3::expr block = g.block_pages();
  // P * PAGE_SIZE, written as the shift it is (equal modulo 2^64).
  return Conclusions{z3::uge(z3::shl(p, g.page_shift), g.memmap_bytes(block)), z3::ult(p, block),
                     is_aligned(in.start + p, g.pageblock_pages()),
                     !online_pages_warns(g, in.start + p, block - p)};
}

/* mm/memory_hotplug.c: mhp_supports_memmap_on_memory() with
   memory_block_memmap_on_memory_pages() (6.6 onwards: deltas mom_arch_check,
   mom_force_mode, mom_per_block), force mode symbolic: the model's text */
Check check_6_6(const Inputs& in, const ProveOptions& o) {
  const Bv64 d{in.g.ctx()};
  const Profile p = [&] {
    Profile x;
    x.follow(o.kernel);
    return x;
  }();
  const auto w = proven::mhp_supports_memmap_on_memory_v66(d, proven::geometry_words<Bv64>(in.g), in.param_on, in.force,
                                                          in.g.ctx().bool_val(p.has(Delta::MomPerBlock)), in.size);
  return Check{w.refused == d.word(proven::kMomSupported), w.vmemmap_pages};
}

Check check_for(const Inputs& in, const ProveOptions& o) {
  if (o.mutant) return check_force_unguarded(in);
  Profile p;
  p.follow(o.kernel);
  return p.has(Delta::MomArchCheck) ? check_6_6(in, o) : check_6_1(in);
}

// The counterexample of a refuted obligation: the geometry and the values
// that break (a)-(d).
Counterexample counterexample(const z3::model& m, const Inputs& in, const ProveOptions& o,
                              const std::string& obligation) {
  const Check chk = check_for(in, o);
  const Conclusions cc = conclusions(in, chk.vmemmap_pages);
  const Geometry g = concrete_geometry(m, in.g);
  const u64 p = eval_u64(m, chk.vmemmap_pages), block = g.block_pages(), start = eval_u64(m, in.start);
  auto holds = [&](const z3::expr& e) { return eval_bool(m, e) ? "holds" : "FAILS"; };
  Counterexample cex;
  cex.summary = "obligation = " + obligation + "\ngeometry = " + g.name + "\nblock = " +
                human_bytes(g.block_bytes) + " (" + std::to_string(block) + " pages)\nmemmap = " +
                human_bytes(g.memmap_bytes(block)) + " (" + std::to_string(g.memmap_pages(block)) +
                " pages)\nP = " + std::to_string(p) + " (pageblock = " + std::to_string(g.pageblock_pages()) +
                " pages)\nstart_pfn = " + std::to_string(start) + "\nonline_pages(pfn = " +
                std::to_string(start + p) + ", nr_pages = " + std::to_string(block - p) + ")" +
                "\n(a) memmap fits in P pages: " + holds(cc.fits) + "\n(b) P < block pages: " +
                holds(cc.leaves_pages) + "\n(c) start+P pageblock-aligned: " + holds(cc.pageblock_aligned) +
                "\n(d) online_pages() does not WARN: " + holds(cc.no_online_warn);
  cex.geometry = geometry_fields(g);
  return cex;
}

struct Obligation {
  std::string name;
  Inputs in;
  z3::expr space;
};

std::vector<Obligation> obligations(z3::context& c) {
  std::vector<Obligation> out;
  Inputs sym = fresh_inputs(c, "");
  out.push_back({"symbolic", sym, theorem_space(sym.g)});
  for (const std::string& name : geometry_preset_names()) {
    const Geometry p = *geometry_preset(name);
    Inputs in = fresh_inputs(c, name + ".");
    out.push_back({p.arch_memmap_on_memory ? name : name + " (CONFIG forced on)", in, preset_space(in.g, p)});
  }
  return out;
}

// Evaluates a ground term (every input a numeral) to a number or a truth.
u64 ground_u64(const z3::expr& e) {
  std::uint64_t v = 0;
  return e.simplify().is_numeral_u64(v) ? v : ~u64{0};
}
bool ground_true(const z3::expr& e) { return e.simplify().is_true(); }

// The seeds' fencing, derived from the encoding: for each preset at its own
// block with the parameter on, what the 6.1 check says and what P it
// computes, and the smallest block size at which it would say yes.
std::string fencing_table(z3::context& c) {
  static const char* const kWhy[] = {"supported", "CONFIG off", "parameter off", "size != block",
                                     "vmemmap not PMD-aligned", "remainder not pageblock-aligned"};
  std::string out = "6.1 fencing at each preset's block (parameter on):";
  for (const std::string& name : geometry_preset_names()) {
    Geometry p = *geometry_preset(name);
    const SymGeometry g = constant_geometry(c, p);
    const SymSupport s = sym_mhp_supports_memmap_on_memory(g, c.bool_val(true), bv64(c, p.block_bytes));
    const u64 why = ground_u64(s.reason);
    out += "\n  " + name + " block " + human_bytes(p.block_bytes) + ": " + (why < 6 ? kWhy[why] : "?") +
           ", P = " + std::to_string(ground_u64(s.vmemmap_pages));
    p.arch_memmap_on_memory = true;
    for (u64 b = p.block_bytes; b && b <= (u64{1} << p.max_physmem_bits); b <<= 1) {
      p.block_bytes = b;
      const SymGeometry gb = constant_geometry(c, p);
      if (ground_true(sym_mhp_supports_memmap_on_memory(gb, c.bool_val(true), bv64(c, b)).supported)) {
        out += "; first supported block " + human_bytes(b) + (why == 1 ? " with CONFIG on" : "");
        break;
      }
    }
  }
  return out;
}

// The build checks at their bounds: x86_64 with one field moved, and the
// number geometry_error() gives (0: a possible build). From
// include/linux/mmzone.h (MAX_ORDER - 1 + PAGE_SHIFT <= SECTION_SIZE_BITS),
// pageblock-flags.h (pageblock_order <= MAX_ORDER - 1), the largest physical
// address any arch has (52 bits) and above the section, and the page sizes
// of the three arches (4 KiB to 64 KiB). Every theorem's premise is these
// checks, so a bound that moves silently widens or narrows what is proved.
struct BoundFigure {
  std::string what;
  void (*edit)(Geometry&);
  u64 code;
};

const std::vector<BoundFigure>& bound_figures() {
  static const std::vector<BoundFigure> all = {
      {"x86_64 as it is", [](Geometry&) {}, 0},
      {"PAGE_SHIFT 11", [](Geometry& g) { g.page_shift = 11; }, 1},
      {"PAGE_SHIFT 17", [](Geometry& g) { g.page_shift = 17; }, 1},
      {"MAX_ORDER 16 (15 + 12 = 27 bits, one section)", [](Geometry& g) { g.max_order = 16; }, 0},
      {"MAX_ORDER 17 (past the section)", [](Geometry& g) { g.max_order = 17; }, 5},
      {"pageblock_order 10 = MAX_ORDER - 1", [](Geometry& g) { g.pageblock_order = 10; }, 0},
      {"pageblock_order 11 = MAX_ORDER", [](Geometry& g) { g.pageblock_order = 11; }, 6},
      {"MAX_PHYSMEM_BITS 52", [](Geometry& g) { g.max_physmem_bits = 52; }, 0},
      {"MAX_PHYSMEM_BITS 53", [](Geometry& g) { g.max_physmem_bits = 53; }, 9},
      {"MAX_PHYSMEM_BITS 27, one section", [](Geometry& g) { g.max_physmem_bits = 27; }, 9},
  };
  return all;
}

// The figures as one ground obligation, and the ones that fail as text.
std::pair<z3::expr, std::string> bounds_conclusion(z3::context& c) {
  z3::expr all = c.bool_val(true);
  std::string wrong;
  for (const BoundFigure& f : bound_figures()) {
    Geometry g = *geometry_preset("x86_64");
    f.edit(g);
    const z3::expr code = geometry_error_code(constant_geometry(c, g));
    all = all && code == bv64(c, f.code);
    if (ground_u64(code) != f.code)
      wrong += "\nrefuted: geometry_checks_at_bounds: " + f.what + " gives " + std::to_string(ground_u64(code)) +
               ", not " + std::to_string(f.code);
  }
  return {all, wrong};
}

// One line for a refuted obligation that is not shown in full.
std::string refuted_line(const z3::model& m, const Obligation& ob, const ProveOptions& o) {
  const Geometry g = concrete_geometry(m, ob.in.g);
  return "\nrefuted: " + ob.name + " at " + geometry_fields(g) + ", P = " +
         std::to_string(eval_u64(m, check_for(ob.in, o).vmemmap_pages)) +
         ", block pages = " + std::to_string(g.block_pages());
}

TheoremResult prove_geometry(const ProveOptions& o) {
  z3::context c;
  const std::vector<Obligation> obs = obligations(c);
  std::vector<ObligationResult> results;
  std::vector<std::pair<std::size_t, z3::model>> refuted;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    const Obligation& ob = obs[i];
    const Check chk = check_for(ob.in, o);
    const z3::expr premises = ob.space && start_space(ob.in) && chk.supported;
    Discharged d = discharge(c, ob.name, premises, conclusions(ob.in, chk.vmemmap_pages).all(), o);
    if (d.model) refuted.emplace_back(i, *d.model);
    results.push_back(std::move(d.result));
  }
  const auto [bounds, bounds_wrong] = bounds_conclusion(c);
  Discharged bd = discharge(c, "geometry_checks_at_bounds", c.bool_val(true), bounds, o);
  const bool bounds_refuted = bd.model.has_value();
  results.push_back(std::move(bd.result));
  TheoremResult r = summarise(std::move(results));
  if (!refuted.empty()) {
    // The arm64-64k counterexample is the seeds' fencing: shown in full when
    // there is one, the first refutation otherwise; the others get a line.
    auto main = refuted.begin();
    for (auto it = refuted.begin(); it != refuted.end(); ++it)
      if (obs[it->first].name == "arm64-64k") main = it;
    r.cex = counterexample(main->second, obs[main->first].in, o, obs[main->first].name);
    for (auto it = refuted.begin(); it != refuted.end(); ++it)
      if (it != main) r.cex->summary += refuted_line(it->second, obs[it->first], o);
  }
  if (bounds_refuted) {
    if (!r.cex) {
      r.cex = Counterexample{};
      r.cex->geometry = geometry_fields(*geometry_preset("x86_64"));
    }
    r.cex->summary += bounds_wrong;
  }
  r.detail = fencing_table(c);
  return r;
}

// ------------------------------------------ memmap_on_memory_request_honoured
//
// A driver that passes MHP_MEMMAP_ON_MEMORY and gets 0 back may count on the
// memmap being on the memory it added (dax/kmem and virtio-mem size their
// bookkeeping by it). 6.1's add_memory_resource() keeps that promise by
// refusing with -EINVAL whatever mhp_supports_memmap_on_memory() refuses;
// 6.6 (delta mom_fallback) instead takes the memmap from the page allocator
// and says nothing. So the theorem holds for v6.1 and is refuted for v6.12
// and v6.19, and `memhp prove --profile v6.12` must show the counterexample:
// the same add, accepted, with no vmemmap page in the range.
//
// Symbolic as memmap_on_memory_geometry (every geometry, both parameters,
// force mode where the version has it), with any non-zero block-multiple
// size, which is all add_memory() lets through (check_hotplug_memory_range).

// The outcome of add_memory_resource() for a request with the flag: whether
// it returns 0, and how many vmemmap pages the range hosts.
struct AddOutcome {
  z3::expr ok, altmap_pages;
};

// The check itself is not what this theorem's mutant weakens.
ProveOptions unmutated(ProveOptions o) {
  o.mutant = false;
  return o;
}

/* mm/memory_hotplug.c: add_memory_resource(), its MHP_MEMMAP_ON_MEMORY branch */
AddOutcome add_with_memmap_on_memory(const Inputs& in, const ProveOptions& o) {
  Profile p;
  p.follow(o.kernel);
  const Check chk = check_for(in, unmutated(o));
  // --mutant: 6.1 with 6.6's silent fallback.
  const bool fallback = p.has(Delta::MomFallback) || o.mutant;
  const z3::expr zero = bv64(in.g.ctx(), 0);
  return AddOutcome{chk.supported || in.g.ctx().bool_val(fallback), z3::ite(chk.supported, chk.vmemmap_pages, zero)};
}

z3::expr add_size_space(const Inputs& in) {
  return in.size != bv64(in.g.ctx(), 0) && is_aligned(in.size, in.g.block_bytes);
}

// The trace of a refutation, re-solved on x86_64 at 4 GiB so that it boots
// and replays: the add the kernel accepts without its memmap on the memory.
std::string request_trace(z3::context& c, const Inputs& in, const z3::expr& refutation, const ProveOptions& o) {
  const Geometry x86 = *geometry_preset("x86_64");
  const SymGeometry fixed = constant_geometry(c, x86);
  z3::solver sv = make_solver(c, o);
  sv.add(refutation && preset_space(in.g, x86) && in.g.block_bytes == fixed.block_bytes &&
         z3::ule(in.size, bv64(c, 8 * x86.block_bytes)));
  if (sv.check() != z3::sat) return {};
  const z3::model m = sv.get_model();
  Profile p;
  p.follow(o.kernel);
  if (o.mutant) p.deltas.set(static_cast<std::size_t>(Delta::MomFallback));
  p.memmap_on_memory = eval_bool(m, in.param_on);
  p.memmap_on_memory_force = p.memmap_on_memory && p.has(Delta::MomForceMode) && eval_bool(m, in.force);
  return "# memhp trace v1\n# memmap_on_memory_request_honoured refuted: the add returns 0 and the range\n"
         "# hosts no vmemmap page (memhp diff-versions against v6.1 shows -EINVAL there)\n"
         "geometry x86_64\nprofile " + profile_to_string(p) + "\nboot node=0 start=0x0 size=1G\n" +
         "add_memory node=0 start=0x100000000 size=" + std::to_string(eval_u64(m, in.size) >> 20) +
         "M flags=memmap_on_memory\n";
}

TheoremResult prove_request_honoured(const ProveOptions& o) {
  z3::context c;
  const std::vector<Obligation> obs = obligations(c);
  std::vector<ObligationResult> results;
  std::optional<Counterexample> cex;
  for (const Obligation& ob : obs) {
    const AddOutcome out = add_with_memmap_on_memory(ob.in, o);
    const z3::expr premises = ob.space && add_size_space(ob.in);
    const z3::expr conclusion = z3::implies(out.ok, z3::ugt(out.altmap_pages, bv64(c, 0)));
    Discharged d = discharge(c, ob.name, premises, conclusion, o);
    if (d.model && !cex) {
      const z3::model& m = *d.model;
      cex = Counterexample{};
      cex->summary = "obligation = " + ob.name + "\nmemmap_on_memory = " +
                     (eval_bool(m, ob.in.param_on) ? std::string(eval_bool(m, ob.in.force) ? "force" : "1") : "0") +
                     "\nsize = " + human_bytes(eval_u64(m, ob.in.size)) +
                     "\nmhp_supports_memmap_on_memory() = " + (eval_bool(m, check_for(ob.in, unmutated(o)).supported) ? "yes" : "no") +
                     "\nadd_memory_resource() = 0, vmemmap pages in the range = 0";
      cex->geometry = geometry_fields(concrete_geometry(m, ob.in.g));
      cex->trace = request_trace(c, ob.in, premises && !conclusion, o);
    }
    results.push_back(std::move(d.result));
  }
  TheoremResult r = summarise(std::move(results));
  r.cex = std::move(cex);
  return r;
}

}  // namespace

std::vector<Theorem> geometry_theorems() {
  return {Theorem{
      "memmap_on_memory_geometry",
      "If 6.1's mhp_supports_memmap_on_memory() holds, the block's memmap fits in its P vmemmap pages, "
      "P < block pages, start+P is pageblock-aligned, and online_pages() of [start+P, start+block) cannot WARN.",
      kScope,
      "mm/memory_hotplug.c: mhp_supports_memmap_on_memory(), add_memory_resource(), online_pages() and "
      "offline_pages() WARN_ON_ONCE; drivers/base/memory.c: memory_block_online()",
      "6.6's memmap_on_memory=force rounding of P up to a pageblock without its 'not the whole block' and "
      "PMD guards: arm64-64k's P = 8 becomes 8192, the whole 512 MiB block, and online_pages() gets 0 pages",
      prove_geometry,
      "each: 6.1's check under v6.1; under v6.12 and v6.19 the 6.6 check (page-aligned vmemmap, whole "
      "pageblocks, not the whole block, the arch's PMD rule) with force mode symbolic, per block"},
          Theorem{"memmap_on_memory_request_honoured",
                  "An add_memory_resource() asked for MHP_MEMMAP_ON_MEMORY that returns 0 has put the range's "
                  "memmap on the range: at least one vmemmap page is self-hosted.",
                  kScope,
                  "mm/memory_hotplug.c: add_memory_resource() (6.1 refuses what mhp_supports_memmap_on_memory() "
                  "refuses); drivers/dax/kmem.c and drivers/virtio/virtio_mem.c ask for the flag",
                  "6.6's silent fallback (delta mom_fallback) forced into 6.1: an unsupported request returns 0",
                  prove_request_honoured,
                  "v6.1 only: refuted under v6.12 and v6.19, whose add_memory_resource() falls back to the page "
                  "allocator (delta mom_fallback, 6.6); the counterexample is that add",
                  Delta::MomFallback}};
}

}  // namespace memhp::smt
