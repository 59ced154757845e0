// Discharging one obligation, and folding obligations into a theorem result.
//
// Kept apart from the theorems so that every theorem asks Z3 the same two
// questions in the same way, with the same timeout and the same treatment of
// `unknown`.
#pragma once

#include <z3++.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "theorem.h"

namespace memhp::smt {

struct Discharged {
  ObligationResult result;
  std::optional<z3::model> model;  // a counterexample when refuted
};

// Checks that `premises` is satisfiable, then that premises ∧ ¬conclusion is
// not. The model of the second query, when sat, is the counterexample.
Discharged discharge(z3::context& c, std::string name, const z3::expr& premises,
                     const z3::expr& conclusion, const ProveOptions& o);

// proved iff all proved; refuted if any refuted; premises sat iff all sat.
TheoremResult summarise(std::vector<ObligationResult> obligations);

// Evaluates an integer or bit-vector term in a model (model completion on).
std::uint64_t eval_u64(const z3::model& m, const z3::expr& e);
bool eval_bool(const z3::model& m, const z3::expr& e);

// A solver with the options every obligation uses (timeout, fixed seed).
z3::solver make_solver(z3::context& c, const ProveOptions& o);

}  // namespace memhp::smt
