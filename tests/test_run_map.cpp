// RunMap: the interval map every per-pfn, per-section and per-block state
// uses. Checked against a plain array on a small key space, since `==` being
// exact depends on runs staying maximal.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "memhp/run_map.h"

using memhp::RunMap;

namespace {

// Reference: one value per key, keys 0..N-1; keys >= N stay 0.
constexpr std::uint64_t N = 64;

void check_same(const RunMap<int>& m, const std::vector<int>& ref) {
  for (std::uint64_t k = 0; k < N; ++k) REQUIRE(m.at(k) == ref[k]);
  CHECK(m.at(N) == 0);
  CHECK(m.at(RunMap<int>::kEnd - 1) == 0);
  // Maximal runs: the run count is the number of value changes + 1.
  std::size_t changes = 1;
  for (std::uint64_t k = 1; k < N; ++k) changes += ref[k] != ref[k - 1];
  changes += ref[N - 1] != 0;
  CHECK(m.run_count() == changes);
}

}  // namespace

TEST_CASE("run_map: assign splits and merges") {
  RunMap<int> m;
  CHECK(m.run_count() == 1);
  m.assign(10, 20, 1);
  CHECK(m.run_count() == 3);
  CHECK(m.at(9) == 0);
  CHECK(m.at(10) == 1);
  CHECK(m.at(19) == 1);
  CHECK(m.at(20) == 0);
  m.assign(20, 30, 1);  // adjacent equal value merges
  CHECK(m.run_count() == 3);
  CHECK(m.run_bounds(15) == std::pair<std::uint64_t, std::uint64_t>{10, 30});
  m.assign(10, 30, 0);  // back to the empty map
  CHECK(m.run_count() == 1);
  CHECK(m == RunMap<int>{});
}

TEST_CASE("run_map: for_each clips and for_each_reverse walks backwards") {
  RunMap<int> m;
  m.assign(5, 10, 1);
  m.assign(10, 12, 2);
  std::vector<std::tuple<std::uint64_t, std::uint64_t, int>> fwd, rev;
  m.for_each(7, 11, [&](auto a, auto b, int v) { fwd.emplace_back(a, b, v); });
  m.for_each_reverse(7, 11, [&](auto a, auto b, int v) { rev.emplace_back(a, b, v); });
  CHECK(fwd == std::vector<std::tuple<std::uint64_t, std::uint64_t, int>>{{7, 10, 1}, {10, 11, 2}});
  CHECK(rev == std::vector<std::tuple<std::uint64_t, std::uint64_t, int>>{{10, 11, 2}, {7, 10, 1}});
  CHECK(m.count_if(0, 100, [](int v) { return v != 0; }) == 7);
  CHECK(m.all_of(5, 12, [](int v) { return v > 0; }));
  CHECK_FALSE(m.all_of(4, 12, [](int v) { return v > 0; }));
}

TEST_CASE("run_map: for_each_while stops at the first false, clipped like for_each") {
  RunMap<int> m;
  m.assign(10, 20, 1);
  m.assign(30, 40, 2);
  m.assign(50, 60, 3);
  std::vector<std::uint64_t> seen;
  // Runs in [15, 55): [15,20)=1 [20,30)=0 [30,40)=2 [40,50)=0 [50,55)=3; stop at value 2.
  m.for_each_while(15, 55, [&](std::uint64_t a, std::uint64_t b, int v) {
    seen.push_back(a);
    seen.push_back(b);
    return v != 2;
  });
  CHECK(seen == std::vector<std::uint64_t>{15, 20, 20, 30, 30, 40});
  int calls = 0;
  m.for_each_while(5, 5, [&](std::uint64_t, std::uint64_t, int) {
    ++calls;
    return true;
  });
  CHECK(calls == 0);
}

TEST_CASE("run_map: assign from a value held by the map itself") {
  // Fuzzer finding (ASan heap-use-after-free in memory_dev_init()): the
  // run holding the value is erased before the new run is made from it.
  RunMap<std::vector<int>> m;
  m.assign(10, 20, std::vector<int>(8, 7));
  m.assign(10, 30, m.at(15));
  CHECK(m.at(29) == std::vector<int>(8, 7));
  CHECK(m.run_count() == 3);
}

TEST_CASE("run_map: random operations agree with an array, and == is exact") {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 200; ++round) {
    RunMap<int> m;
    std::vector<int> ref(N, 0);
    for (int step = 0; step < 40; ++step) {
      std::uint64_t a = rng() % N, b = rng() % (N + 1);
      if (a > b) std::swap(a, b);
      const int v = static_cast<int>(rng() % 3);
      if (rng() % 2) {
        m.assign(a, b, v);
        for (auto k = a; k < b; ++k) ref[k] = v;
      } else {
        m.update(a, b, [&](int& x) { x = (x + v) % 3; });
        for (auto k = a; k < b; ++k) ref[k] = (ref[k] + v) % 3;
      }
      check_same(m, ref);
    }
    // The same function built in one go compares equal.
    RunMap<int> fresh;
    for (std::uint64_t k = 0; k < N; ++k) fresh.assign(k, k + 1, ref[k]);
    CHECK(fresh == m);
  }
}
