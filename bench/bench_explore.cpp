// Distinct states per second: how fast the explorer covers a state space.
//
// BM_Explore runs the BFS on x86-4slot-mom (and x86-4slot) up to a fixed
// number of states, every invariant checked on every transition.
// BM_ExploreOneInvariant checks only the cheapest invariant, so the
// difference is what the invariants cost. BM_Complete explores whole state
// spaces the way `memhp explore` does, on 1 and 2 threads (wall time): the
// figures issue 14's targets are about (x86-4slot-noalloc-mom in 1 s on one
// core, 25k states/s/core, 256 bytes of search memory a state, 2 threads
// 1.6x faster than one, x86-6slot-noalloc-mom in 60 s). The
// micro-benchmarks price the explorer's own per-state work: the canonical
// key, decoding a key back into a System, and copying a System (done once
// per transition).
//
//   ./bench_explore --benchmark_counters_tabular=true
//   ./bench_explore --benchmark_filter='BM_Complete/x86-4' --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "explore.h"

using namespace memhp;

namespace {

constexpr std::uint64_t kStates = 20000;

void run(benchmark::State& state, const char* config, const char* only) {
  const ExploreConfig& c = *find_explore_config(config);
  std::uint64_t states = 0, transitions = 0;
  for (auto _ : state) {
    ExploreOptions o;
    o.max_states = kStates;
    o.only = only;
    auto r = explore(c, o);
    if (!std::holds_alternative<ExploreResult>(r)) {
      state.SkipWithError("the configuration did not boot");
      return;
    }
    const ExploreResult& x = std::get<ExploreResult>(r);
    if (!x.violations.empty()) state.SkipWithError("a violation in the correct model");
    states += x.states;
    transitions += x.transitions;
  }
  using C = benchmark::Counter;
  state.counters["states_per_s"] = C(static_cast<double>(states), C::kIsRate);
  state.counters["transitions_per_s"] = C(static_cast<double>(transitions), C::kIsRate);
}

// A complete space on state.range(0) threads.
void complete(benchmark::State& state, const char* config) {
  const ExploreConfig& c = *find_explore_config(config);
  ExploreOptions o;
  o.jobs = static_cast<unsigned>(state.range(0));
  std::uint64_t states = 0;
  for (auto _ : state) {
    const ExploreResult r = std::get<ExploreResult>(explore(c, o));
    if (!r.passed() || r.truncated) state.SkipWithError("the space did not pass complete");
    states += r.states;
    state.counters["states"] = static_cast<double>(r.states);
    state.counters["search_bytes_per_state"] = r.search_bytes_per_state();
  }
  using C = benchmark::Counter;
  state.counters["states_per_s"] = C(static_cast<double>(states), C::kIsRate);
  state.counters["states_per_s_per_thread"] = C(static_cast<double>(states) / static_cast<double>(o.jobs), C::kIsRate);
}

void BM_Explore(benchmark::State& state) { run(state, "x86-4slot-mom", ""); }
void BM_ExploreNoMom(benchmark::State& state) { run(state, "x86-4slot", ""); }
void BM_ExploreOneInvariant(benchmark::State& state) { run(state, "x86-4slot-mom", "no_kernel_bug"); }

// A state deep enough to be typical: the last one a short search reached.
System typical_state(std::string& key) {
  const ExploreConfig& c = *find_explore_config("x86-4slot-mom");
  ExploreOptions o;
  o.max_states = 2000;
  o.keep_keys = true;
  const ExploreResult r = std::get<ExploreResult>(explore(c, o));
  key = r.keys.back();
  const System boot = std::get<System>(boot_system(c.geo, c.prof, c.boot));
  return state_from_key(key, boot);
}

void BM_StateKey(benchmark::State& state) {
  std::string key, out;
  const System s = typical_state(key);
  for (auto _ : state) {
    state_key(s, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["key_bytes"] = static_cast<double>(key.size());
}

void BM_StateFromKey(benchmark::State& state) {
  std::string key;
  const System s = typical_state(key);
  for (auto _ : state) benchmark::DoNotOptimize(state_from_key(key, s));
}

void BM_SystemCopy(benchmark::State& state) {
  std::string key;
  const System s = typical_state(key);
  for (auto _ : state) {
    System t = s;
    benchmark::DoNotOptimize(t);
  }
}

}  // namespace

BENCHMARK_CAPTURE(complete, x86-4slot-noalloc-mom, "x86-4slot-noalloc-mom")
    ->Name("BM_Complete/x86-4slot-noalloc-mom")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(complete, x86-5slot-noalloc-mom, "x86-5slot-noalloc-mom")
    ->Name("BM_Complete/x86-5slot-noalloc-mom")->Arg(1)->Arg(2)->UseRealTime()->Iterations(1)->Unit(benchmark::kMillisecond);
// About a minute and 800 MB: once.
BENCHMARK_CAPTURE(complete, x86-6slot-noalloc-mom, "x86-6slot-noalloc-mom")
    ->Name("BM_Complete/x86-6slot-noalloc-mom")->Arg(2)->UseRealTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Explore)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExploreNoMom)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExploreOneInvariant)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StateKey);
BENCHMARK(BM_StateFromKey);
BENCHMARK(BM_SystemCopy);

BENCHMARK_MAIN();
