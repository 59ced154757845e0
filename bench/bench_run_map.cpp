// What one RunMap edit costs against the number of runs, flat or chunked:
// the measurements behind kRunMapFlatMax and kRunMapChunkMax (run_map.h).
//
// BM_Assign keeps a map of about N runs (keys 0..2N, a random value in
// {1, 2} per key) and assigns one random key a random value per iteration,
// so the run count stays near N; BM_Lookup reads a random key. Each comes
// in three forms: always flat (FlatMax beyond any N here), and chunked from
// the first run on with chunks of at most 64, 128, 256 or 512 runs. The value is
// PageState, the type of the largest maps (pages).
//
//   ./bench_run_map --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>

#include "memhp/run_map.h"
#include "memhp/system.h"

using namespace memhp;

namespace {

constexpr std::size_t kNever = std::size_t{1} << 40;

PageState value(std::uint64_t x) {
  return PageState::in_zone(x ? PageKind::Free : PageKind::Unmovable, Zone::Normal, 0);
}

template <class M>
M filled(std::uint64_t keys, std::mt19937_64& rng) {
  M m;
  for (std::uint64_t k = 0; k < keys; ++k) m.assign(k, k + 1, value(rng() % 2));
  return m;
}

template <class M>
void BM_Assign(benchmark::State& state) {
  const std::uint64_t keys = 2 * static_cast<std::uint64_t>(state.range(0));
  std::mt19937_64 rng(1);
  M m = filled<M>(keys, rng);
  for (auto _ : state) {
    const std::uint64_t k = rng() % keys;
    m.assign(k, k + 1, value(rng() % 2));
  }
  state.counters["runs"] = static_cast<double>(m.run_count());
}

template <class M>
void BM_Lookup(benchmark::State& state) {
  const std::uint64_t keys = 2 * static_cast<std::uint64_t>(state.range(0));
  std::mt19937_64 rng(1);
  const M m = filled<M>(keys, rng);
  for (auto _ : state) benchmark::DoNotOptimize(m.at(rng() % keys));
}

using Flat = RunMap<PageState, kNever, 512>;
using Chunked64 = RunMap<PageState, 4, 64>;
using Chunked128 = RunMap<PageState, 4, 128>;
using Chunked256 = RunMap<PageState, 4, 256>;
using Chunked512 = RunMap<PageState, 4, 512>;

#define RUNS ->RangeMultiplier(2)->Range(64, 65536)
BENCHMARK(BM_Assign<Flat>) RUNS;
BENCHMARK(BM_Assign<Chunked64>) RUNS;
BENCHMARK(BM_Assign<Chunked128>) RUNS;
BENCHMARK(BM_Assign<Chunked256>) RUNS;
BENCHMARK(BM_Assign<Chunked512>) RUNS;
BENCHMARK(BM_Lookup<Flat>) RUNS;
BENCHMARK(BM_Lookup<Chunked128>) RUNS;

}  // namespace

BENCHMARK_MAIN();
