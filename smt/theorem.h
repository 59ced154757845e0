// The theorem registry: what `memhp prove` runs and the catalogue lists.
//
// A theorem is a set of proof obligations. Each obligation is "premises imply
// conclusion" over Z3 terms that encode model functions (smt/enc_*.h, each
// cross-checked against the C++ model in tests/). An obligation is discharged
// by two queries: premises alone must be sat (otherwise the proof is vacuous),
// and premises ∧ ¬conclusion must be unsat. `unknown` (a timeout included) is
// never reported as proved.
//
// Every theorem also has a mutant: a weakened transition or premise under
// which the proof must fail. ProveOptions::mutant selects it, and the result
// then carries a counterexample: the concrete geometry and, for transition
// theorems, a trace (docs/trace-format.md) that `memhp replay` runs to the same
// violation in the C++ model.
#pragma once

#include "memhp/deltas.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memhp::smt {

enum class Verdict { Proved, Refuted, Unknown };
enum class Sat { Sat, Unsat, Unknown };

std::string_view verdict_name(Verdict v);  // "proved" | "refuted" | "unknown"
std::string_view sat_name(Sat s);          // "sat" | "unsat" | "unknown"

struct ProveOptions {
  bool mutant = false;          // prove the weakened variant (must be refuted)
  // The kernel whose text the theorems read where the versions differ
  // (Theorem::versions says which do); `memhp prove --profile`.
  KernelSpec kernel = KernelVersion::V6_1;
  unsigned timeout_ms = 20000;  // per solver query
};

// One discharged obligation.
struct ObligationResult {
  std::string name;            // e.g. "online", "x86_64", "symbolic"
  Sat premises = Sat::Unknown; // check(premises)
  Verdict verdict = Verdict::Unknown;
  std::string reason;          // Z3's reason_unknown, or a note
  std::string smt2;            // premises ∧ ¬conclusion as SMT-LIB2: unsat = proved
  std::string premises_smt2;   // premises alone as SMT-LIB2: sat = non-vacuous
};

struct Counterexample {
  std::string summary;   // the model's values, one "name = value" per line
  std::string geometry;  // the concrete geometry, e.g. "page_shift=16 section_size_bits=29 ..."
  std::string trace;     // a trace (docs/trace-format.md), or "" for pure arithmetic theorems
  std::string invariant; // the registry invariant `memhp replay` of `trace` shows broken
};

struct TheoremResult {
  Verdict verdict = Verdict::Unknown;  // proved iff every obligation is proved
  Sat premises = Sat::Unknown;         // sat iff every obligation's premises are sat
  double seconds = 0;
  std::vector<ObligationResult> obligations;
  std::string detail;                  // e.g. the inductive invariant Spacer found
  std::optional<Counterexample> cex;   // set when refuted
};

struct Theorem {
  std::string_view name;       // snake_case, what it says
  std::string_view statement;  // one line, for the catalogue
  std::string_view scope;      // what is symbolic, what is bounded, what is assumed
  std::string_view kernel;     // the kernel place that relies on it
  std::string_view mutant;     // the weakening that must break it
  TheoremResult (*prove)(const ProveOptions&);
  // Which kernels it speaks of: "all" where the functions it reads are the
  // same in the three trees, else how the obligations follow the version.
  std::string_view versions = "all: the functions it reads are the same text in 6.1.192, 6.12.118 and 6.19";
  // A kernel change that breaks it: under a kernel with this delta the
  // theorem is expected to be refuted, with its counterexample, and the run
  // passes only if it is (memhp prove --profile v6.12).
  std::optional<Delta> broken_by = std::nullopt;
};

// Proved under `k`, or refuted because `k` has the theorem's breaking delta.
bool holds_under(const Theorem& t, const KernelSpec& k);

// Every theorem, in catalogue order.
const std::vector<Theorem>& theorems();
const Theorem* find_theorem(std::string_view name);

// Runs one theorem and times it (the theorem functions don't time themselves).
TheoremResult run_theorem(const Theorem& t, const ProveOptions& o);

}  // namespace memhp::smt
