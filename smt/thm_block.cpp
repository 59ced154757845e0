// Per-transition induction over one memory block: vmemmap_never_in_buddy
// and the memmap_on_memory accounting.
//
// Design essay.
//
// What is proved. For each block transition T (smt/enc_block.h: add with and
// without memmap_on_memory, online, offline, remove, the refused and busy
// variants, and the page allocator's alloc and free), Inv ∧ T ⇒ Inv′, one
// named obligation per transition, over any geometry: N ≥ 1 pages, and P with
// 0 < P < N where memmap_on_memory is supported, 0 where it is not (the bounds
// thm_geometry proves of mhp_supports_memmap_on_memory(); every preset's
// values satisfy them, which the tests check). Start is any pfn. The presets
// themselves come in for counterexamples: geometry_cases() calls the C++
// mhp_supports_memmap_on_memory() for each preset with blocks of 2^k of its
// sections up to 2 GiB, and a refutation is re-solved there, block-aligned
// above 4 GiB of boot memory, to give a trace.
//
// What is symbolic: the block's start, size and recorded P, its phase, the
// watched pfn x and its page class, the zone/node counters. Since x is free,
// "x is not in the buddy allocator" proved for x is proved for every pfn of
// the vmemmap range. Nothing is bounded: there is no unrolling.
//
// What is assumed: the abstraction of enc_block.h (guards that depend on
// other pages are nondeterministic; allocation picks any free page), which
// tests/test_smt_block.cpp checks against the C++ model step by step.
//
// The invariants. vmemmap_never_in_buddy: no pfn of [start, start+P) is free
// in or allocated from the buddy allocator, and the block is well formed
// (0 ≤ P < N, an absent block records no P, P is 0 or the altmap's count).
// Nothing more is needed to make it inductive: every transition that
// touches the vmemmap range sets its pages outright (poisoned, vmemmap,
// absent), and alloc/free only move pages between free and allocated.
// Accounting: the zone's present and managed pages are the rest of the zone
// plus the block's share (N and N − P while online, 0 otherwise), the node's
// present pages are the zone plus its other zones, managed ≤ present; hence
// present − managed of an online block is P.
//
// Mutants. VmemmapFreedToBuddy (mhp_init_memmap_on_memory() frees the
// vmemmap) breaks the first at `online`; VmemmapNotPresent
// (memory_block_online() forgets adjust_present_page_count(P)) the second.
// The counterexample's pre-state is turned into a trace that reaches it
// (add, then online if it is online) and runs the transition; replaying it
// with the same model mutant breaks the named registry invariant.
#include <cstdio>

#include "discharge.h"
#include "enc_block.h"
#include "groups.h"

namespace memhp::smt {

namespace {

constexpr std::string_view kScope =
    "Symbolic: the block's start, size N and vmemmap pages P (N >= 1; 0 < P < N where "
    "memmap_on_memory is supported, else 0), its phase, one watched pfn and its page class, the "
    "zone/node counters; one obligation per transition, no unrolling. Counterexamples are "
    "re-solved over the presets (blocks of 2^k sections up to 2 GiB, P from the C++ "
    "mhp_supports_memmap_on_memory). Assumed: the enc_block.h abstraction (guards on other pages "
    "are nondeterministic), which the tests check against the model.";

// The symbols of one pre-state.
struct Pre {
  z3::expr g, id, x, kx, choice;
  BlockConst k;
  BlockVar b;
  Counters cnt;
};

Pre make_pre(z3::context& c) {
  auto i = [&](const char* n) { return c.int_const(n); };
  return {i("geometry_case"),
          i("block_index"),
          i("x"),
          i("class_x"),
          c.bool_const("choice"),
          {i("start"), i("n"), i("pv"), c.bool_const("memmap_on_memory_ok")},
          {i("phase"), i("p")},
          {i("zone_present"), i("zone_managed"), i("node_present"), i("rest_present"),
           i("rest_managed"), i("other_zones_present")}};
}

// A state as the invariants see it.
struct View {
  const BlockConst& k;
  BlockVar b;
  z3::expr x, kx;
  Counters cnt;
};

z3::expr inv_vmemmap(const View& v) {
  return block_wf(v.k, v.b) && vmemmap_recorded(v.k, v.b) && class_ok(v.kx) &&
         vmemmap_not_in_buddy(v.k, v.b, v.x, v.kx);
}

z3::expr inv_accounting(const View& v) {
  const Counters& c = v.cnt;
  return block_wf(v.k, v.b) && vmemmap_recorded(v.k, v.b) && counters_consistent(v.k, v.b, c) &&
         z3::implies(is_phase(v.b.ph, Phase::Online), (c.zp - c.rp) - (c.zm - c.rm) == v.b.p);
}

struct Property {
  z3::expr (*inv)(const View&);
  Mutant mutant;               // the model mutant the weakened encoding mirrors
  std::string_view invariant;  // the registry invariant its trace breaks
};

// Where an obligation's geometry comes from: any geometry for the proof, the
// presets' cases when a refutation is made concrete.
enum class Space { Presets, AnyGeometry };

// Inv ∧ T ⇒ Inv′ for one transition: (premises, conclusion).
std::pair<z3::expr, z3::expr> induction_step(const Pre& s, const Property& prop, BlockOp op,
                                             Space sp, MutantSet m) {
  const PageStep step = page_step(op, s.k, s.b, s.x, s.kx, s.choice, m);
  const Counters post = counter_step(op, s.k, s.b, s.cnt, m);
  const z3::expr space =
      sp == Space::Presets ? geometry_case_premise(s.g, s.id, s.k) : any_geometry_premise(s.k);
  const z3::expr premises =
      space && s.x >= 0 && prop.inv(View{s.k, s.b, s.x, s.kx, s.cnt}) && step.guard;
  return {premises, prop.inv(View{s.k, step.blk, s.x, step.kx, post})};
}

std::string num(const z3::model& md, const z3::expr& e) { return std::to_string(eval_u64(md, e)); }

std::string hexnum(u64 v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string offset(u64 x, u64 start) {
  return x >= start ? "start + " + std::to_string(x - start) : "start - " + std::to_string(start - x);
}

// The trace that reaches the counterexample's pre-state and runs `op`.
std::string cex_trace(const GeometryCase& gc, u64 start, int phase, u64 p, BlockOp op,
                      Mutant m) {
  std::string t = trace_preamble(gc, {std::string(mutant_name(m))});
  if (phase != static_cast<int>(Phase::Absent))
    t += trace_lines(p ? BlockOp::AddMemmapOnMemory : BlockOp::Add, gc, start);
  if (phase == static_cast<int>(Phase::Online)) t += trace_lines(BlockOp::Online, gc, start);
  return t + trace_lines(op, gc, start);
}

// Re-solves a refuted obligation with the block placed where a trace can
// boot below it, and turns the model into a counterexample.
std::optional<Counterexample> concretise(z3::context& c, const Pre& s, const Property& prop,
                                         BlockOp op, MutantSet m, const ProveOptions& o) {
  auto [premises, conclusion] = induction_step(s, prop, op, Space::Presets, m);
  z3::solver sv = make_solver(c, o);
  sv.add(premises && !conclusion && hot_add_window(s.g, s.k.start));
  if (sv.check() != z3::sat) return std::nullopt;
  const z3::model md = sv.get_model();
  const GeometryCase& gc = geometry_cases().at(eval_u64(md, s.g));
  const u64 start = eval_u64(md, s.k.start), p = eval_u64(md, s.b.p), x = eval_u64(md, s.x);
  const int phase = static_cast<int>(eval_u64(md, s.b.ph));
  const PageStep step = page_step(op, s.k, s.b, s.x, s.kx, s.choice, m);
  const Counters post = counter_step(op, s.k, s.b, s.cnt, m);
  Counterexample cex;
  cex.geometry = gc.label() + ": page_shift=" + std::to_string(gc.geo.page_shift) +
                 " section_size_bits=" + std::to_string(gc.geo.section_size_bits) +
                 " pageblock_order=" + std::to_string(gc.geo.pageblock_order) +
                 " block_pages=" + std::to_string(gc.block_pages) +
                 " nr_vmemmap_pages=" + std::to_string(p);
  cex.summary = "transition = " + std::string(block_op_name(op)) + "\nstart = " + hexnum(start) +
                " (block " + std::to_string(start / gc.block_pages) + ")\nN = " +
                std::to_string(gc.block_pages) + "\nP = " + std::to_string(p) +
                "\nphase = " + std::string(phase_name(phase)) + " -> " +
                std::string(phase_name(static_cast<int>(eval_u64(md, step.blk.ph)))) +
                "\nx = " + hexnum(x) + " (" + offset(x, start) + ")" +
                "\nclass of x = " + std::string(page_class_name(static_cast<int>(eval_u64(md, s.kx)))) +
                " -> " + std::string(page_class_name(static_cast<int>(eval_u64(md, step.kx)))) +
                "\nzone present = " + num(md, s.cnt.zp) + " -> " + num(md, post.zp) +
                "\nzone managed = " + num(md, s.cnt.zm) + " -> " + num(md, post.zm) +
                "\nrest of zone present/managed = " + num(md, s.cnt.rp) + "/" + num(md, s.cnt.rm) + "\n";
  cex.trace = cex_trace(gc, start, phase, p, op, prop.mutant);
  cex.invariant = std::string(prop.invariant);
  return cex;
}

std::string symbolic_summary(const Pre& s, BlockOp op, const z3::model& md) {
  return "transition = " + std::string(block_op_name(op)) + "\nstart = " + num(md, s.k.start) +
         "\nN = " + num(md, s.k.n) + "\nP = " + num(md, s.b.p) + "\nphase = " + num(md, s.b.ph) +
         "\nx = " + num(md, s.x) + "\nclass of x = " + num(md, s.kx) + "\n";
}

TheoremResult prove_per_transition(const Property& prop, const ProveOptions& o) {
  z3::context c;
  const Pre s = make_pre(c);
  MutantSet m;
  if (o.mutant) m.set(prop.mutant);
  std::vector<ObligationResult> obligations;
  std::optional<std::pair<BlockOp, z3::model>> refuted;
  for (BlockOp op : all_block_ops()) {
    auto [premises, conclusion] = induction_step(s, prop, op, Space::AnyGeometry, m);
    Discharged d = discharge(c, std::string(block_op_name(op)), premises, conclusion, o);
    if (d.model && !refuted) refuted.emplace(op, *d.model);
    obligations.push_back(std::move(d.result));
  }
  TheoremResult r = summarise(std::move(obligations));
  if (refuted) {
    r.cex = concretise(c, s, prop, refuted->first, m, o);
    // No preset geometry shows it: report the symbolic model, without a trace.
    if (!r.cex) r.cex = Counterexample{symbolic_summary(s, refuted->first, refuted->second),
                                       "no preset: N=" + num(refuted->second, s.k.n) +
                                           " P=" + num(refuted->second, s.b.p), "", ""};
  }
  return r;
}

TheoremResult prove_vmemmap_per_transition(const ProveOptions& o) {
  return prove_per_transition(
      {inv_vmemmap, Mutant("vmemmap_freed_to_buddy"), "vmemmap_never_in_buddy"}, o);
}

TheoremResult prove_accounting(const ProveOptions& o) {
  return prove_per_transition(
      {inv_accounting, Mutant("vmemmap_not_present"), "zone_present_counts_pages"}, o);
}

}  // namespace

std::vector<Theorem> block_theorems() {
  return {
      {"vmemmap_never_in_buddy_per_transition",
       "Every block transition (add with or without memmap_on_memory, online, offline, remove, "
       "their refused and busy variants, alloc, free) keeps every pfn of [start, start+P) out of "
       "the buddy allocator.",
       kScope,
       "memory_block_online(): mhp_init_memmap_on_memory() marks the vmemmap pages and "
       "online_pages() starts at start+P",
       "VmemmapFreedToBuddy: mhp_init_memmap_on_memory() frees the vmemmap pages to the buddy "
       "allocator",
       prove_vmemmap_per_transition},
      {"memmap_on_memory_accounting",
       "An online memmap_on_memory block has present - managed = P in its zone, and every block "
       "transition keeps zone present/managed = rest + block share and node present = sum of its "
       "zones.",
       kScope,
       "memory_block_online()/memory_block_offline(): adjust_present_page_count(nr_vmemmap_pages) "
       "beside online_pages()/offline_pages()",
       "VmemmapNotPresent: memory_block_online() does not count the vmemmap pages as present",
       prove_accounting},
  };
}

}  // namespace memhp::smt
