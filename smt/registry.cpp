#include <chrono>

#include "groups.h"

namespace memhp::smt {

const std::vector<Theorem>& theorems() {
  static const std::vector<Theorem> all = [] {
    std::vector<Theorem> v;
    for (auto group : {geometry_theorems, block_theorems, chc_theorems, subsection_theorems,
                       span_theorems, dedup_theorems}) {
      auto g = group();
      v.insert(v.end(), g.begin(), g.end());
    }
    return v;
  }();
  return all;
}

const Theorem* find_theorem(std::string_view name) {
  for (const auto& t : theorems())
    if (t.name == name) return &t;
  return nullptr;
}

bool holds_under(const Theorem& t, const KernelSpec& k) {
  return !t.broken_by || !k.deltas().test(static_cast<std::size_t>(*t.broken_by));
}

TheoremResult run_theorem(const Theorem& t, const ProveOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  TheoremResult r = t.prove(o);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace memhp::smt
