// Mutants: named, runtime-switchable defects in the model.
//
// A mutant makes one model function behave as a broken kernel would. The
// checkers must catch every mutant; an invariant that no mutant breaks is a
// defect of the catalogue, not a proof of the model. The registry of names,
// descriptions and the invariants each one targets lives in props/.
#pragma once

#include <cstdint>

namespace memhp {

enum class Mutant : std::uint8_t {
  kCount  // filled in by the invariant catalogue (props issue)
};

struct MutantSet {
  std::uint64_t bits = 0;
  bool has(Mutant m) const { return bits >> static_cast<unsigned>(m) & 1; }
  void set(Mutant m) { bits |= std::uint64_t{1} << static_cast<unsigned>(m); }
  bool any() const { return bits != 0; }
  friend bool operator==(MutantSet, MutantSet) = default;
};

}  // namespace memhp
