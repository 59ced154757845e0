// The threaded explorer's cost: each named threaded configuration searched
// completely, every check on every step (what ctest's explore_race-* runs).
// The state counts are pinned in tests/test_threads.cpp and NOTES.md
// section 22; this measures the time and the states per second.
//
//   ./bench_threads --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "threads_explore.h"

using namespace memhp;

namespace {

void BM_ThreadedComplete(benchmark::State& state, std::string name) {
  const ThreadedTrace* c = find_threaded_config(name);
  if (!c) {
    state.SkipWithError("no such threaded configuration");
    return;
  }
  std::uint64_t states = 0, transitions = 0;
  for (auto _ : state) {
    auto r = explore_threads(*c, {});
    if (!std::holds_alternative<ThreadedExploreResult>(r) || !std::get<ThreadedExploreResult>(r).passed()) {
      state.SkipWithError("the configuration does not pass");
      return;
    }
    states = std::get<ThreadedExploreResult>(r).states;
    transitions = std::get<ThreadedExploreResult>(r).transitions;
  }
  state.counters["states"] = static_cast<double>(states);
  state.counters["transitions"] = static_cast<double>(transitions);
  state.counters["states/s"] =
      benchmark::Counter(static_cast<double>(states), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

// One benchmark per named configuration, registered in main() rather than
// during static initialisation, when the configurations' parser may not be
// ready yet.
int main(int argc, char** argv) {
  for (const ThreadedTrace& c : threaded_configs())
    benchmark::RegisterBenchmark(("BM_ThreadedComplete/" + c.name).c_str(), BM_ThreadedComplete, c.name)
        ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
