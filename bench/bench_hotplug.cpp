// How the model's cost grows with the size of the machine.
//
// Boot 4 GiB of x86_64, then add, online, offline and remove N memory
// blocks with memmap_on_memory (6.1 adds one block per call), in four sweeps
// so that at the peak every block is online at once. N = 32256 blocks of
// 2 GiB is 63 TiB, which fills the 46-bit physical address space; the
// 1 GiB run is the same program with 8 blocks of 128 MiB. Reported: time per
// sweep set, time per block, the number of page runs at the peak, and the
// process's peak RSS (getrusage).
//
//   ./bench_hotplug --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>

#include "diff.h"
#include "memhp/ops.h"

using namespace memhp;

namespace {

constexpr u64 GiB = u64{1} << 30;
constexpr u64 MiB = u64{1} << 20;

System boot_4g(u64 block_bytes) {
  Geometry g = *geometry_preset("x86_64");
  g.block_bytes = block_bytes;
  Profile p;
  p.memmap_on_memory = true;
  auto v = boot_system(g, p, {{0, 0, 4 * GiB}});
  return std::get<System>(std::move(v));
}

void check(const Result& r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s failed: %s %s\n", what, errno_name(r.err).c_str(), r.reason.c_str());
    std::abort();
  }
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

void fill_and_drain(benchmark::State& state, u64 block_bytes) {
  const u64 blocks = static_cast<u64>(state.range(0));
  const System booted = boot_4g(block_bytes);
  const u64 first = 4 * GiB;
  std::size_t peak_runs = 0;
  for (auto _ : state) {
    System s = booted;
    const Geometry& g = s.geo;
    const u64 id0 = g.block_id(g.pfn_of(first));
    for (u64 i = 0; i < blocks; ++i)
      check(add_memory(s, 0, first + i * block_bytes, block_bytes, MHP_MEMMAP_ON_MEMORY), "add");
    for (u64 i = 0; i < blocks; ++i)
      check(online_block(s, id0 + i, OnlineType::OnlineMovable), "online");
    peak_runs = s.pages.run_count();
    for (u64 i = 0; i < blocks; ++i) check(offline_block(s, id0 + i), "offline");
    for (u64 i = 0; i < blocks; ++i)
      check(remove_memory(s, first + i * block_bytes, block_bytes), "remove");
    // The state before, but for the Movable zone's contiguous flag: the
    // last offline empties the zone, and an empty span counts as contiguous.
    if (!(without_contiguous_recheck(s, booted) == booted)) std::abort();
    benchmark::DoNotOptimize(s);
  }
  state.counters["blocks"] = static_cast<double>(blocks);
  state.counters["TiB"] = static_cast<double>(blocks * block_bytes) / double(GiB) / 1024.0;
  state.counters["ns_per_block"] = benchmark::Counter(
      static_cast<double>(blocks), benchmark::Counter::kIsIterationInvariantRate |
                                       benchmark::Counter::kInvert);
  state.counters["peak_page_runs"] = static_cast<double>(peak_runs);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

void BM_HotplugCycle_2G_blocks(benchmark::State& state) { fill_and_drain(state, 2 * GiB); }

// One add_memory of N TiB without memmap_on_memory, and its removal: every
// section's memmap (2 MiB, 512 pages) comes from the buddy allocator and is
// a page run of its own (it remembers its section), so this is the case
// where a walk over the page runs per section makes the cost quadratic
// (NOTES.md "Input bounds"). 128 GiB of boot RAM above 4 GiB holds the
// 64 GiB of memmap 4 TiB needs.
void BM_AddRemove_no_memmap_on_memory(benchmark::State& state) {
  const u64 bytes = static_cast<u64>(state.range(0)) << 40;
  auto v = boot_system(*geometry_preset("x86_64"), Profile{},
                       {{0, 0x100000, 3 * GiB - 0x100000}, {0, 4 * GiB, 128 * GiB}});
  const System booted = std::get<System>(std::move(v));
  const u64 start = u64{1} << 40;
  for (auto _ : state) {
    System s = booted;
    check(add_memory(s, 0, start, bytes, MHP_NONE), "add");
    state.counters["page_runs"] = static_cast<double>(s.pages.run_count());
    check(remove_memory(s, start, bytes), "remove");
    // The state before, but for the Movable zone's contiguous flag: the
    // last offline empties the zone, and an empty span counts as contiguous.
    if (!(without_contiguous_recheck(s, booted) == booted)) std::abort();
    benchmark::DoNotOptimize(s);
  }
  state.counters["sections"] = static_cast<double>(bytes >> 27);
}
void BM_HotplugCycle_128M_blocks(benchmark::State& state) { fill_and_drain(state, 128 * MiB); }

}  // namespace

// 1 GiB of 128 MiB blocks: the small machine.
BENCHMARK(BM_HotplugCycle_128M_blocks)->Arg(8)->Unit(benchmark::kMillisecond);
// 2 GiB up to 63 TiB of 2 GiB blocks.
BENCHMARK(BM_HotplugCycle_2G_blocks)
    ->Arg(1)
    ->Arg(512)
    ->Arg(32256)
    ->Unit(benchmark::kMillisecond);

// 1 to 4 TiB in one add_memory() call.
BENCHMARK(BM_AddRemove_no_memmap_on_memory)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
