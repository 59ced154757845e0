// The whole proof suite, timed: the budget is under 10 s on one core
// for every theorem with its premises check. BM_ProveAll is that figure;
// BM_Prove/<n> times each theorem alone (normal and mutant), so a slow
// theorem shows up by name rather than as a slower total.
//
//   ./bench_prove --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "theorem.h"

using namespace memhp;

namespace {

void BM_ProveAll(benchmark::State& state) {
  int not_proved = 0;
  for (auto _ : state) {
    not_proved = 0;
    for (const auto& t : smt::theorems())
      if (smt::run_theorem(t, {}).verdict != smt::Verdict::Proved) ++not_proved;
  }
  state.counters["theorems"] = static_cast<double>(smt::theorems().size());
  state.counters["not_proved"] = not_proved;
  if (not_proved) state.SkipWithError("a theorem was not proved");
}
BENCHMARK(BM_ProveAll)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Prove(benchmark::State& state) {
  const smt::Theorem& t = smt::theorems().at(static_cast<std::size_t>(state.range(0)));
  smt::ProveOptions o;
  o.mutant = state.range(1) != 0;
  state.SetLabel(std::string(t.name) + (o.mutant ? " (mutant)" : ""));
  for (auto _ : state) benchmark::DoNotOptimize(smt::run_theorem(t, o));
}

void theorem_args(benchmark::internal::Benchmark* b) {
  for (std::size_t i = 0; i < smt::theorems().size(); ++i)
    for (int mutant : {0, 1}) b->Args({static_cast<long>(i), mutant});
}
BENCHMARK(BM_Prove)->Apply(theorem_args)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
