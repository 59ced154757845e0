#include "discharge.h"

namespace memhp::smt {

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Proved: return "proved";
    case Verdict::Refuted: return "refuted";
    case Verdict::Unknown: return "unknown";
  }
  return "unknown";
}

std::string_view sat_name(Sat s) {
  switch (s) {
    case Sat::Sat: return "sat";
    case Sat::Unsat: return "unsat";
    case Sat::Unknown: return "unknown";
  }
  return "unknown";
}

// The default solver, not solver::simple(): simple() answers a trivial
// linear query in 0.6 ms instead of 12, but took the geometry theorem from
// 0.7 s to 5.5 s and subsection_clear_removes_range from 0.25 s to 15 s
// (measured with memhp prove): the bit-vector tactics are what pays.
z3::solver make_solver(z3::context& c, const ProveOptions& o) {
  z3::solver s(c);
  z3::params p(c);
  p.set("timeout", o.timeout_ms);
  p.set("random_seed", 0u);
  s.set(p);
  return s;
}

namespace {

// Z3's to_smt2() names no logic; SMT-LIB 2.6 solvers such as cvc5 want one,
// and ALL admits every theory the encodings use.
std::string with_logic(const std::string& smt2) { return "(set-logic ALL)\n" + smt2; }

Sat to_sat(z3::check_result r) {
  return r == z3::sat ? Sat::Sat : r == z3::unsat ? Sat::Unsat : Sat::Unknown;
}

}  // namespace

Discharged discharge(z3::context& c, std::string name, const z3::expr& premises,
                     const z3::expr& conclusion, const ProveOptions& o) {
  Discharged d;
  d.result.name = std::move(name);
  {
    z3::solver s = make_solver(c, o);
    s.add(premises);
    d.result.premises_smt2 = with_logic(s.to_smt2("sat"));
    d.result.premises = to_sat(s.check());
    if (d.result.premises == Sat::Unknown) d.result.reason = "premises: " + s.reason_unknown();
  }
  z3::solver s = make_solver(c, o);
  s.add(premises);
  s.add(!conclusion);
  d.result.smt2 = with_logic(s.to_smt2("unsat"));
  switch (s.check()) {
    case z3::unsat: d.result.verdict = Verdict::Proved; break;
    case z3::sat:
      d.result.verdict = Verdict::Refuted;
      d.model = s.get_model();
      break;
    default:
      d.result.verdict = Verdict::Unknown;
      d.result.reason = s.reason_unknown();
      break;
  }
  return d;
}

TheoremResult summarise(std::vector<ObligationResult> obligations) {
  TheoremResult t;
  bool all_proved = !obligations.empty(), any_refuted = false;
  bool all_sat = !obligations.empty(), any_unsat = false;
  for (const auto& o : obligations) {
    all_proved = all_proved && o.verdict == Verdict::Proved;
    any_refuted = any_refuted || o.verdict == Verdict::Refuted;
    all_sat = all_sat && o.premises == Sat::Sat;
    any_unsat = any_unsat || o.premises == Sat::Unsat;
  }
  t.verdict = any_refuted ? Verdict::Refuted : all_proved ? Verdict::Proved : Verdict::Unknown;
  t.premises = any_unsat ? Sat::Unsat : all_sat ? Sat::Sat : Sat::Unknown;
  t.obligations = std::move(obligations);
  return t;
}

std::uint64_t eval_u64(const z3::model& m, const z3::expr& e) {
  z3::expr v = m.eval(e, true);
  std::uint64_t out = 0;
  if (v.is_numeral_u64(out)) return out;
  // Negative integers cannot be a pfn or a size: report them as 0 rather than
  // wrapping, and let the caller's replay show the difference.
  return 0;
}

bool eval_bool(const z3::model& m, const z3::expr& e) { return m.eval(e, true).is_true(); }

}  // namespace memhp::smt
