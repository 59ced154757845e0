// Checked steps per second: how fast the suites can run.
//
// BM_CheckSuite runs `memhp check --suite x86` (RapidCheck generating,
// executing and checking every invariant after every step; 16 hot-pluggable
// block slots). BM_StepAndCheck takes RapidCheck away: the same kind of
// operations from a fixed pseudo-random stream, each followed by the copy of
// the state and all invariants, which is the floor the suite stands on.
// BM_CheckInvariantsAtBoot is the whole catalogue on a freshly booted machine
// of 1 GiB and of 63 TiB (500k memory blocks): the invariants walk runs, so
// the two should cost about the same.
//
//   ./bench_check --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>

#include "check.h"

using namespace memhp;

namespace {

void BM_CheckSuite(benchmark::State& state) {
  std::uint64_t steps = 0;
  for (auto _ : state) {
    CheckOptions o;
    o.suite = "x86";
    o.cases = 300;
    o.steps = 80;
    o.seed = 1;
    o.use_store = false;
    const CheckReport r = run_check(o);
    if (!r.passed()) state.SkipWithError("the suite failed");
    steps += r.steps;
  }
  state.counters["steps_per_s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}

Op random_op(std::mt19937_64& rng) {
  constexpr u64 block = u64{128} << 20;
  const u64 id = 32 + rng() % 16;
  const u64 start = 0x100000000ull + (id - 32) * block;
  switch (rng() % 6) {
    case 0: return OpDimmAdd{0, start, block};
    case 1: return OpOnlineBlock{id, OnlineType::OnlineMovable};
    case 2: return OpOfflineBlock{id};
    case 3: return OpRemoveMemory{start, block};
    case 4: return OpAlloc{false, 0, Zone::Movable, 64, AllocKind::Movable, id};
    default: return OpOnlineBlock{id, OnlineType::OnlineKernel};
  }
}

void BM_StepAndCheck(benchmark::State& state) {
  Profile p;
  p.memmap_on_memory = true;
  const System boot = std::get<System>(boot_system(
      *geometry_preset("x86_64"), p, {{0, 0x1000, 0x9fc00 - 0x1000}, {0, 0x100000, 0x3ffe0000 - 0x100000}}));
  std::mt19937_64 rng(1);
  System s = boot;
  std::uint64_t steps = 0;
  for (auto _ : state) {
    if (steps % 60 == 0) s = boot;
    const Op op = random_op(rng);
    const System before = s;
    const Result r = apply_op(s, op);
    benchmark::DoNotOptimize(check_invariants(StepView{before, s, &op, &r}));
    ++steps;
  }
  state.counters["steps_per_s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}

void BM_CheckInvariantsAtBoot(benchmark::State& state) {
  const u64 bytes = static_cast<u64>(state.range(0)) << 30;
  const System s = std::get<System>(
      boot_system(*geometry_preset("x86_64"), Profile{}, {{0, 0x100000000ull, bytes}}));
  for (auto _ : state) benchmark::DoNotOptimize(check_invariants(StepView{s, s, nullptr, nullptr}));
  state.counters["blocks"] = static_cast<double>(bytes / s.geo.block_bytes);
}

}  // namespace

BENCHMARK(BM_CheckInvariantsAtBoot)->Arg(1)->Arg(63 << 10)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckSuite)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StepAndCheck);

BENCHMARK_MAIN();
