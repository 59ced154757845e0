// vmemmap_never_in_buddy for arbitrary sequences: constrained Horn clauses
// solved by Z3's Spacer engine.
//
// Design essay.
//
// What is proved. Along any sequence of block transitions (smt/enc_block.h:
// add with and without memmap_on_memory, online, offline, remove, their
// failed variants, alloc, free) applied to a block A and to a neighbour
// block B in any order, no pfn of A's vmemmap range is ever free in, or
// allocated from, the buddy allocator: B's operations (its own onlining,
// its memmap allocations, migration into it, alloc and free anywhere) never
// put A's vmemmap there. The rules are symmetric in A and B, so the same
// holds for B's vmemmap; asking Spacer about A alone keeps its lemmas few.
// Unlike the per-transition theorem (thm_block.cpp), no invariant is given:
// Spacer must find one, and it must hold for every reachable state, however
// long the sequence.
//
// What is symbolic: both blocks' starts, the block size N, the vmemmap
// pages P an add with memmap_on_memory records (any 0 < P < N; 0 without
// it), the watched pfn x and its page class, both blocks' phases and
// recorded P. Assumed: the blocks do not overlap; the enc_block.h
// abstraction, checked against the model by tests/test_smt_block.cpp. Not
// bounded: the number of steps.
//
// How. One relation Inv over (params, state); a rule for the initial states
// (both blocks absent, their pfns absent), one rule per transition and
// block, and an error rule for a vmemmap pfn in the buddy allocator. Spacer
// answers unsat (the error is unreachable) with an inductive invariant,
// printed in TheoremResult::detail. That invariant is then checked again by
// plain solver queries, discharged like every other obligation so that
// `memhp prove --emit-smt2` hands them to cvc5: Init ⇒ I, I ∧ T ⇒ I′ for each
// transition and block, I ⇒ Safe. Their premises being satisfiable shows
// that the initial states and each transition are.
//
// Mutant: VmemmapFreedToBuddy. Spacer answers sat; a bounded unrolling of
// the same transitions over the concrete geometry cases (a plain solver,
// shortest first) gives the path, which becomes a replayable trace.
#include <chrono>
#include <sstream>

#include "discharge.h"
#include "enc_block.h"
#include "groups.h"

namespace memhp::smt {

namespace {

constexpr std::string_view kScope =
    "Symbolic: two non-overlapping blocks' starts, block size N, memmap_on_memory's P (any "
    "0 < P < N), one watched pfn and its class, both blocks' phases; any number of steps of either "
    "block (CHC, Spacer), the invariant re-checked by plain queries; the neighbour's vmemmap by "
    "symmetry. Assumed: the enc_block.h abstraction, which the tests check against the model.";

constexpr int kMaxUnroll = 6;  // counterexample search depth (the shortest is 2)

// The relation's arguments: parameters first, then the state.
struct ChcVars {
  z3::expr start, start2, n, pv, mom, x;  // never change
  z3::expr ph, p, ph2, p2, kx;            // the state
  BlockConst a() const { return {start, n, pv, mom}; }
  BlockConst b() const { return {start2, n, pv, mom}; }
  BlockVar va() const { return {ph, p}; }
  BlockVar vb() const { return {ph2, p2}; }
  z3::expr_vector args(z3::context& c) const {
    z3::expr_vector v(c);
    for (const z3::expr& e : {start, start2, n, pv, mom, x, ph, p, ph2, p2, kx}) v.push_back(e);
    return v;
  }
};

ChcVars make_vars(z3::context& c, const std::string& sfx) {
  auto i = [&](const char* n) { return c.int_const((n + sfx).c_str()); };
  return {i("start"), i("start2"), i("n"), i("pv"), c.bool_const(("memmap_on_memory_ok" + sfx).c_str()),
          i("x"),     i("phase"),  i("p"), i("phase2"), i("p2"), i("class_x")};
}

// A copy of v with the state replaced.
ChcVars with_state(const ChcVars& v, const BlockVar& a, const BlockVar& b, const z3::expr& kx) {
  ChcVars out = v;
  out.ph = a.ph, out.p = a.p, out.ph2 = b.ph, out.p2 = b.p, out.kx = kx;
  return out;
}

z3::expr params_ok(const ChcVars& v) {
  return any_geometry_premise(v.a()) && v.start2 >= 0 &&
         (v.start + v.n <= v.start2 || v.start2 + v.n <= v.start) && v.x >= 0;
}

z3::expr init(const ChcVars& v) {
  const z3::expr in_blocks = IntRange{v.start, v.start + v.n}.contains(v.x) ||
                             IntRange{v.start2, v.start2 + v.n}.contains(v.x);
  return params_ok(v) && is_phase(v.ph, Phase::Absent) && is_phase(v.ph2, Phase::Absent) &&
         v.p == 0 && v.p2 == 0 && class_ok(v.kx) &&
         z3::implies(in_blocks, v.kx == static_cast<int>(PageClass::Absent));
}

z3::expr safe(const ChcVars& v) { return vmemmap_not_in_buddy(v.a(), v.va(), v.x, v.kx); }

// One transition of block A (side 0) or of the neighbour B (side 1).
struct Move {
  BlockOp op;
  int side;
  std::string name() const { return std::string(block_op_name(op)) + (side ? ".neighbour" : ".block"); }
};

std::vector<Move> all_moves() {
  std::vector<Move> v;
  for (BlockOp op : all_block_ops())
    for (int side : {0, 1}) v.push_back({op, side});
  return v;
}

// The guard and the successor state of a move.
std::pair<z3::expr, ChcVars> apply(const Move& mv, const ChcVars& v, const z3::expr& choice,
                                   MutantSet m) {
  const BlockConst k = mv.side ? v.b() : v.a();
  const PageStep st = page_step(mv.op, k, mv.side ? v.vb() : v.va(), v.x, v.kx, choice, m);
  return {st.guard, mv.side ? with_state(v, v.va(), st.blk, st.kx) : with_state(v, st.blk, v.vb(), st.kx)};
}

// ------------------------------------------------------------ printing --

// Z3's answer in ordinary notation: linear comparisons with the negative
// terms moved to the other side, and/or/not as && || !.
std::string infix(const z3::expr& e);

struct Term {
  bool neg;
  std::string text;
};

Term term(const z3::expr& e) {
  std::int64_t v = 0;
  if (e.is_numeral_i64(v)) return {v < 0, std::to_string(v < 0 ? -v : v)};
  if (e.is_app() && e.decl().decl_kind() == Z3_OP_MUL && e.num_args() == 2 &&
      e.arg(0).is_numeral_i64(v)) {
    const std::string rest = infix(e.arg(1));
    const std::int64_t a = v < 0 ? -v : v;
    return {v < 0, a == 1 ? rest : std::to_string(a) + "*" + rest};
  }
  if (e.is_app() && e.decl().decl_kind() == Z3_OP_UMINUS) return {true, infix(e.arg(0))};
  return {false, infix(e)};
}

// The terms of a sum (or of a single term), with `flip` negating them.
void terms(const z3::expr& e, bool flip, std::vector<Term>& out) {
  if (e.is_app() && e.decl().decl_kind() == Z3_OP_ADD) {
    for (unsigned i = 0; i < e.num_args(); ++i) terms(e.arg(i), flip, out);
    return;
  }
  Term t = term(e);
  if (t.text == "0") return;
  t.neg = t.neg != flip;
  out.push_back(t);
}

std::string side(const std::vector<Term>& ts, bool neg) {
  std::string s;
  for (const Term& t : ts)
    if (t.neg == neg) s += (s.empty() ? "" : " + ") + t.text;
  return s.empty() ? "0" : s;
}

// lhs OP rhs as "positive terms OP negative terms".
std::string comparison(const z3::expr& e, const char* op) {
  std::vector<Term> ts;
  terms(e.arg(0), false, ts);
  terms(e.arg(1), true, ts);
  return side(ts, false) + " " + op + " " + side(ts, true);
}

std::string join(const z3::expr& e, const char* op) {
  std::string s;
  for (unsigned i = 0; i < e.num_args(); ++i) s += (i ? op : "") + infix(e.arg(i));
  return "(" + s + ")";
}

std::string infix(const z3::expr& e) {
  if (!e.is_app() || e.is_numeral() || e.is_const()) return e.to_string();
  const Z3_decl_kind k = e.decl().decl_kind();
  if (k == Z3_OP_NOT && e.arg(0).is_app()) {  // !(a <= b) is a > b
    const z3::expr a = e.arg(0);
    switch (a.decl().decl_kind()) {
      case Z3_OP_LE: return comparison(a, ">");
      case Z3_OP_GE: return comparison(a, "<");
      case Z3_OP_LT: return comparison(a, ">=");
      case Z3_OP_GT: return comparison(a, "<=");
      case Z3_OP_EQ: if (a.arg(0).is_int()) return comparison(a, "!="); break;
      default: break;
    }
  }
  switch (k) {
    case Z3_OP_AND: return join(e, " && ");
    case Z3_OP_OR: return join(e, " || ");
    case Z3_OP_NOT: return "!" + infix(e.arg(0));
    case Z3_OP_IMPLIES: return join(e, " => ");
    case Z3_OP_EQ: return e.arg(0).is_int() ? comparison(e, "==") : join(e, " == ");
    case Z3_OP_LE: return comparison(e, "<=");
    case Z3_OP_GE: return comparison(e, ">=");
    case Z3_OP_LT: return comparison(e, "<");
    case Z3_OP_GT: return comparison(e, ">");
    case Z3_OP_ADD:
    case Z3_OP_MUL:
    case Z3_OP_UMINUS: {
      std::vector<Term> ts;
      terms(e, false, ts);
      std::string s;
      for (const Term& t : ts) s += (s.empty() ? (t.neg ? "-" : "") : (t.neg ? " - " : " + ")) + t.text;
      return "(" + (s.empty() ? "0" : s) + ")";
    }
    case Z3_OP_ITE:
      return "(" + infix(e.arg(0)) + " ? " + infix(e.arg(1)) + " : " + infix(e.arg(2)) + ")";
    default: return e.to_string();
  }
}

// The top-level conjuncts, one per line.
std::string conjuncts(const z3::expr& e) {
  if (!e.is_app() || e.decl().decl_kind() != Z3_OP_AND) return "  " + infix(e) + "\n";
  std::string s;
  for (unsigned i = 0; i < e.num_args(); ++i) s += "  " + infix(e.arg(i)) + "\n";
  return s;
}

// ------------------------------------------------------------- Spacer --

struct SpacerRun {
  z3::check_result answer = z3::unknown;
  std::optional<z3::expr> invariant;  // over the named arguments, when unsat
  std::string reason;
  double seconds = 0;
};

SpacerRun run_spacer(z3::context& c, const ChcVars& v, MutantSet m, const ProveOptions& o) {
  z3::fixedpoint fp(c);
  z3::params ps(c);
  ps.set("engine", "spacer");
  ps.set("timeout", o.timeout_ms);
  fp.set(ps);
  z3::sort_vector sorts(c);
  const z3::expr_vector args = v.args(c);
  for (unsigned i = 0; i < args.size(); ++i) sorts.push_back(args[i].get_sort());
  z3::func_decl inv = c.function("Inv", sorts, c.bool_sort());
  z3::func_decl err = c.function("Err", 0, nullptr, c.bool_sort());
  fp.register_relation(inv);
  fp.register_relation(err);
  const z3::expr choice = c.bool_const("choice");
  z3::expr_vector bound = v.args(c);  // a new vector: expr_vector copies share
  bound.push_back(choice);
  auto rule = [&](const z3::expr& body, const z3::expr& head, const std::string& name) {
    z3::expr r = z3::forall(bound, z3::implies(body, head));
    fp.add_rule(r, c.str_symbol(name.c_str()));
  };
  rule(init(v), inv(args), "init");
  for (const Move& mv : all_moves()) {
    auto [guard, post] = apply(mv, v, choice, m);
    // The parameters' constraints repeated in every rule, so that Spacer
    // need not learn them as lemmas.
    rule(inv(args) && params_ok(v) && guard, inv(post.args(c)), mv.name());
  }
  rule(inv(args) && params_ok(v) && !safe(v), err(), "vmemmap_in_buddy");
  SpacerRun out;
  const auto t0 = std::chrono::steady_clock::now();
  z3::expr q = err();
  out.answer = fp.query(q);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (out.answer == z3::unknown) out.reason = fp.reason_unknown();
  if (out.answer == z3::unsat) {
    // The cover's free variable i is argument i.
    out.invariant = fp.get_cover_delta(-1, inv).substitute(v.args(c)).simplify();
  }
  return out;
}

// ----------------------------------------------------- re-verification --

std::vector<ObligationResult> recheck(z3::context& c, const ChcVars& v, const z3::expr& inv_of_v,
                                      MutantSet m, const ProveOptions& o) {
  // Spacer's lemmas hold together with the parameters' constraints, which
  // every rule repeats: the invariant re-checked is their conjunction.
  const z3::expr_vector from = v.args(c);
  auto inv = [&](const ChcVars& w) {
    return params_ok(w) && z3::expr(inv_of_v).substitute(from, w.args(c));
  };
  const z3::expr choice = c.bool_const("choice");
  std::vector<ObligationResult> out;
  out.push_back(discharge(c, "init", init(v), inv(v), o).result);
  for (const Move& mv : all_moves()) {
    auto [guard, post] = apply(mv, v, choice, m);
    out.push_back(discharge(c, mv.name(), inv(v) && guard, inv(post), o).result);
  }
  out.push_back(discharge(c, "safe", inv(v), safe(v), o).result);
  return out;
}

// ------------------------------------------------ counterexample search --

// The shortest path to a vmemmap pfn in the buddy allocator over the
// concrete geometry cases, as a trace.
std::optional<Counterexample> unroll(z3::context& c, MutantSet m, Mutant mutant, const ProveOptions& o) {
  const std::vector<Move> moves = all_moves();
  const z3::expr g = c.int_const("geometry_case"), id = c.int_const("block_index"),
                 id2 = c.int_const("neighbour_index");
  std::vector<ChcVars> s = {make_vars(c, "@0")};
  std::vector<z3::expr> pick, choice;
  z3::solver sv = make_solver(c, o);
  const ChcVars v0 = s[0];  // a copy: s grows
  sv.add(init(v0) && geometry_case_premise(g, id, v0.a()) && hot_add_window(g, v0.start) &&
         v0.start2 == id2 * v0.n && hot_add_window(g, v0.start2));
  for (int k = 1; k <= kMaxUnroll; ++k) {
    const ChcVars& pre = s.back();
    ChcVars next = make_vars(c, "@" + std::to_string(k));
    pick.push_back(c.int_const(("move@" + std::to_string(k)).c_str()));
    choice.push_back(c.bool_const(("choice@" + std::to_string(k)).c_str()));
    z3::expr_vector alts(c);
    for (std::size_t j = 0; j < moves.size(); ++j) {
      auto [guard, post] = apply(moves[j], pre, choice.back(), m);
      z3::expr same = c.bool_val(true);
      const z3::expr_vector a = post.args(c), b = next.args(c);
      for (unsigned i = 0; i < a.size(); ++i) same = same && b[i] == a[i];
      alts.push_back(pick.back() == static_cast<int>(j) && guard && same);
    }
    sv.add(z3::mk_or(alts));
    s.push_back(next);
    sv.push();
    sv.add(!safe(s.back()));
    if (sv.check() == z3::sat) {
      const z3::model md = sv.get_model();
      const GeometryCase& gc = geometry_cases().at(eval_u64(md, g));
      Counterexample cex;
      cex.geometry = gc.label() + ": page_shift=" + std::to_string(gc.geo.page_shift) +
                     " block_pages=" + std::to_string(gc.block_pages) +
                     " nr_vmemmap_pages=" + std::to_string(gc.vmemmap_pages);
      std::ostringstream sum;
      const u64 a0 = eval_u64(md, v0.start), b0 = eval_u64(md, v0.start2), x = eval_u64(md, v0.x);
      sum << "block start = " << a0 << ", neighbour start = " << b0 << ", N = " << gc.block_pages
          << ", P = " << gc.vmemmap_pages << "\nx = " << x << "\n";
      cex.trace = trace_preamble(gc, {std::string(mutant_name(mutant))});
      for (int i = 0; i < k; ++i) {
        const Move& mv = moves.at(eval_u64(md, pick[static_cast<std::size_t>(i)]));
        const ChcVars& after = s[static_cast<std::size_t>(i) + 1];
        sum << "step " << i + 1 << ": " << mv.name() << " -> phases "
            << phase_name(static_cast<int>(eval_u64(md, after.ph))) << "/"
            << phase_name(static_cast<int>(eval_u64(md, after.ph2))) << ", x "
            << page_class_name(static_cast<int>(eval_u64(md, after.kx))) << "\n";
        cex.trace += trace_lines(mv.op, gc, mv.side ? b0 : a0);
      }
      cex.summary = sum.str();
      cex.invariant = "vmemmap_never_in_buddy";
      return cex;
    }
    sv.pop();
  }
  return std::nullopt;
}

TheoremResult prove_unbounded(const ProveOptions& o) {
  z3::context c;
  const ChcVars v = make_vars(c, "");
  MutantSet m;
  if (o.mutant) m.set(Mutant("vmemmap_freed_to_buddy"));
  const SpacerRun sp = run_spacer(c, v, m, o);
  std::ostringstream detail;
  detail << "spacer: " << (sp.answer == z3::unsat ? "unsat (safe)" : sp.answer == z3::sat ? "sat (bad state reachable)" : "unknown")
         << " in " << sp.seconds << " s\n";
  TheoremResult r;
  if (sp.invariant) {
    std::string names;
    const z3::expr_vector args = v.args(c);
    for (unsigned i = 0; i < args.size(); ++i) names += (i ? ", " : "") + args[i].to_string();
    detail << "inductive invariant Inv(" << names << "): the parameters' constraints and\n"
           << conjuncts(*sp.invariant)
           << "(class_x: 0 absent, 1 poisoned, 2 vmemmap, 3 free, 4 allocated, 5 other; phase: "
              "0 absent, 1 offline, 2 online)\n";
    r = summarise(recheck(c, v, *sp.invariant, m, o));
  } else {
    // No invariant to re-check: the premises are still the initial states
    // and each transition, and the answer is Spacer's.
    ObligationResult ob;
    ob.name = "spacer";
    ob.verdict = sp.answer == z3::sat ? Verdict::Refuted : Verdict::Unknown;
    ob.reason = sp.answer == z3::sat ? "a vmemmap pfn reaches the buddy allocator" : sp.reason;
    // Spacer's sat is a derivation from an initial state: those are sat.
    ob.premises = sp.answer == z3::sat ? Sat::Sat : Sat::Unknown;
    const z3::expr choice = c.bool_const("choice");
    z3::expr_vector premises(c);
    premises.push_back(init(v));
    for (const Move& mv : all_moves()) premises.push_back(apply(mv, v, choice, m).first);
    std::vector<ObligationResult> obs;
    for (unsigned i = 0; i < premises.size(); ++i) {
      Discharged d = discharge(c, i ? all_moves()[i - 1].name() : "init", premises[i], c.bool_val(true), o);
      obs.push_back(d.result);
    }
    obs.push_back(ob);
    r = summarise(std::move(obs));
    if (sp.answer == z3::sat) r.cex = unroll(c, m, Mutant("vmemmap_freed_to_buddy"), o);
  }
  r.detail = detail.str();
  return r;
}

}  // namespace

std::vector<Theorem> chc_theorems() {
  return {
      {"vmemmap_never_in_buddy_unbounded",
       "Along every sequence of transitions of a block and its neighbour, no pfn of the block's "
       "vmemmap range is ever free in or allocated from the buddy allocator.",
       kScope,
       "memory_block_online(): mhp_init_memmap_on_memory() before online_pages(start + P); "
       "the vmemmap pages stay out of the buddy allocator until try_remove_memory()",
       "VmemmapFreedToBuddy: mhp_init_memmap_on_memory() frees the vmemmap pages to the buddy "
       "allocator",
       prove_unbounded},
  };
}

}  // namespace memhp::smt
