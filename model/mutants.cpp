// Run-time lookups into the mutant registry (include/memhp/mutants.h).
#include "memhp/mutants.h"

#include <vector>

namespace memhp {

std::optional<Mutant> mutant_from_name(std::string_view name) {
  for (const MutantInfo& m : mutant_registry())
    if (m.name == name) return id_of(m);
  return std::nullopt;
}

std::vector<Mutant> killers_of(std::string_view check) {
  std::vector<Mutant> out;
  for (const MutantInfo& m : mutant_registry())
    for (std::string_view t : m.targets)
      if (t == check) out.push_back(id_of(m));
  return out;
}

std::optional<KernelSpec> fault_kernel(const MutantInfo& m) {
  KernelSpec k;
  if (m.kind != MutantKind::Historical || !parse_kernel_spec(m.history.profile, k).empty()) return std::nullopt;
  return k;
}

}  // namespace memhp
