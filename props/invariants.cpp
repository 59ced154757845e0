// The registry: the subsystem lists in one order, and lookup by name.
#include "memhp/invariants.h"

#include "invariant_lists.h"

namespace memhp {

const std::vector<Invariant>& invariant_registry() {
  static const std::vector<Invariant> all = [] {
    std::vector<Invariant> v;
    for (auto list : {inv::step_invariants, inv::section_invariants, inv::memmap_invariants,
                      inv::zone_invariants, inv::block_invariants, inv::zone_choice_invariants,
                      inv::device_invariants, inv::walker_invariants, inv::compaction_invariants}) {
      auto part = list();
      v.insert(v.end(), part.begin(), part.end());
    }
    return v;
  }();
  return all;
}

const std::vector<inv::Premise>& inv::coverage_premises() {
  static const std::vector<Premise> all = [] {
    std::vector<Premise> v = zone_choice_premises();
    const std::vector<Premise>& r = residue_premises();
    v.insert(v.end(), r.begin(), r.end());
    return v;
  }();
  return all;
}

const Invariant* find_invariant(std::string_view name) {
  for (const Invariant& i : invariant_registry())
    if (i.name == name) return &i;
  return nullptr;
}

std::optional<Violation> check_invariants(const StepView& step, const Invariant* only) {
  return check_invariants(step, only, Judged::All);
}

std::optional<Violation> check_invariants(const StepView& step, const Invariant* only, Judged which) {
  for (const Invariant& i : invariant_registry()) {
    if (only && &i != only) continue;
    Msg msg = which == Judged::All      ? i.check(step)
              : which == Judged::Steps ? i.check.step_part(step)
                                       : i.check.state_part(step);
    if (msg) return Violation{std::string(i.name), std::move(*msg)};
  }
  return std::nullopt;
}

}  // namespace memhp
