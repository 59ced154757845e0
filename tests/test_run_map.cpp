// RunMap: the interval map every per-pfn, per-section and per-block state
// uses. Checked against a plain array on a small key space, since `==` being
// exact depends on runs staying maximal. The differential tests at the end
// also cross the flat/chunked threshold and the chunk boundaries (run_map.h),
// with tiny chunks and with the model's own sizes.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
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

namespace {

// A RunMap's whole content as (lo, hi, value) pieces, read two ways: by
// for_each and, reversed back, by for_each_reverse.
template <class M, class V>
std::vector<std::tuple<std::uint64_t, std::uint64_t, V>> pieces(const M& m, std::uint64_t lo,
                                                                std::uint64_t hi) {
  std::vector<std::tuple<std::uint64_t, std::uint64_t, V>> fwd, rev;
  m.for_each(lo, hi, [&](std::uint64_t a, std::uint64_t b, const V& v) { fwd.emplace_back(a, b, v); });
  m.for_each_reverse(lo, hi, [&](std::uint64_t a, std::uint64_t b, const V& v) { rev.emplace_back(a, b, v); });
  std::reverse(rev.begin(), rev.end());
  CHECK(fwd == rev);
  return fwd;
}

// The runs a per-key reference over keys [0, ref.size()) must have (keys
// past it hold V{}): maximal runs of equal values.
template <class V>
std::vector<std::tuple<std::uint64_t, std::uint64_t, V>> ref_runs(const std::vector<V>& ref,
                                                                  std::uint64_t end) {
  std::vector<std::tuple<std::uint64_t, std::uint64_t, V>> out;
  std::uint64_t a = 0;
  for (std::uint64_t k = 1; k <= ref.size(); ++k) {
    const V& next = k < ref.size() ? ref[k] : V{};
    if (next == ref[a]) continue;
    out.emplace_back(a, k, ref[a]);
    a = k;
  }
  if (a < ref.size()) out.emplace_back(a, end, ref[a]);  // ref[a] == V{}: runs to the end
  else out.emplace_back(a, end, V{});
  return out;
}

// Values the differential test stores: a heap-owning type, so that a value
// read from a run the map has freed or moved (the aliasing case) is garbage
// rather than a lucky copy.
using Val = std::string;
Val val(std::uint64_t x) { return x ? std::string(24, static_cast<char>('a' + x)) : Val{}; }

// What one differential run saw: the most runs at once, and whether the map
// later came back below half the threshold (the chunked -> flat switch).
struct Seen {
  std::size_t most = 0;
  bool shrank_after_peak = false;
};

// Random assign / update / self-aliasing assign on M over keys [0, n),
// compared after every step with a per-key array. Phases alternate short
// ranges (the run count climbs) and long ones (it falls), so the map
// crosses its flat/chunked threshold both ways.
template <class M>
Seen differential(std::uint64_t seed, std::uint64_t n, int steps, std::size_t flat_max) {
  std::mt19937_64 rng(seed);
  M m;
  std::vector<Val> ref(n);
  Seen seen;
  for (int step = 0; step < steps; ++step) {
    const bool fragment = (step / (steps / 6)) % 2 == 0;
    // Shrinking, one step in 8 resets the whole range, so that the map gets
    // back below half its threshold.
    const bool reset = !fragment && rng() % 8 == 0;
    const std::uint64_t a = reset ? 0 : rng() % n;
    const std::uint64_t len = reset ? n : fragment ? 1 + rng() % 3 : 1 + rng() % (n / 2);
    const std::uint64_t b = std::min(n, a + len);
    const std::uint64_t x = rng() % 4;
    switch (rng() % 4) {
      case 0:
      case 1:
        m.assign(a, b, val(x));
        std::fill(ref.begin() + a, ref.begin() + b, val(x));
        break;
      case 2: {  // f sees each run piece once: rotate every value by x
        m.update(a, b, [&](Val& v) { v = val(((v.empty() ? 0 : v[0] - 'a') + x) % 4); });
        for (auto k = a; k < b; ++k) ref[k] = val(((ref[k].empty() ? 0 : ref[k][0] - 'a') + x) % 4);
        break;
      }
      default: {  // a value held by the map itself, whose run assign erases
        const std::uint64_t k = rng() % n;
        const Val expect = ref[k];
        m.assign(a, b, m.at(k));
        std::fill(ref.begin() + a, ref.begin() + b, expect);
      }
    }
    seen.most = std::max(seen.most, m.run_count());
    if (seen.most > flat_max && m.run_count() < flat_max / 2) seen.shrank_after_peak = true;
    const auto want = ref_runs(ref, M::kEnd);
    REQUIRE(m.run_count() == want.size());
    REQUIRE(pieces<M, Val>(m, 0, M::kEnd) == want);
    // A clipped window, and point lookups with their run's bounds.
    const std::uint64_t lo = rng() % n, hi = lo + rng() % (n - lo + 1);
    std::size_t visited = 0;
    m.for_each_while(lo, hi, [&](std::uint64_t p, std::uint64_t q, const Val& v) {
      for (auto k = p; k < q && k < n; ++k) REQUIRE(ref[k] == v);
      return ++visited < 3;
    });
    const std::uint64_t k = rng() % n;
    REQUIRE(m.at(k) == ref[k]);
    const auto [rlo, rhi] = m.run_bounds(k);
    REQUIRE((rlo == 0 || ref[rlo - 1] != ref[k]));
    REQUIRE((rhi >= n ? rhi == (ref[n - 1] == ref[k] && ref[k] == Val{} ? M::kEnd : n)
                      : ref[rhi] != ref[k]));
  }
  // The same function, built by a different history, compares equal; one
  // key changed, unequal.
  M fresh;
  for (std::uint64_t k = n; k-- > 0;) fresh.assign(k, k + 1, ref[k]);
  CHECK(fresh == m);
  CHECK(m == fresh);
  M copy = m;
  CHECK(copy == m);
  const std::uint64_t k = rng() % n;
  copy.assign(k, k + 1, ref[k] == val(1) ? val(2) : val(1));
  CHECK_FALSE(copy == m);
  CHECK_FALSE(m == copy);
  copy.assign(k, k + 1, ref[k]);
  CHECK(copy == m);
  return seen;
}

}  // namespace

TEST_CASE("run_map: differential, tiny chunks (every edit near a chunk boundary)") {
  // FlatMax 8, ChunkMax 4: chunked above 8 runs, chunks of 1..4 runs.
  using M = RunMap<Val, 8, 4>;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const Seen s = differential<M>(seed, 96, 300, 8);
    CHECK(s.most > 8);
    CHECK(s.shrank_after_peak);
  }
}

TEST_CASE("run_map: differential, small chunks") {
  using M = RunMap<Val, 64, 16>;
  for (std::uint64_t seed = 100; seed <= 110; ++seed) {
    const Seen s = differential<M>(seed, 512, 600, 64);
    CHECK(s.most > 64);
    CHECK(s.shrank_after_peak);
  }
}

TEST_CASE("run_map: differential at the model's sizes (kRunMapFlatMax, kRunMapChunkMax)") {
  using M = RunMap<Val>;
  // 1500 steps a phase: short ranges add about one run a step.
  const Seen s = differential<M>(7, 4 * memhp::kRunMapFlatMax, 9000, memhp::kRunMapFlatMax);
  CHECK(s.most > memhp::kRunMapFlatMax);
  CHECK(s.shrank_after_peak);
}

TEST_CASE("run_map: a chunked map equals the flat one holding the same runs") {
  // Up past the threshold and back into the band between half of it and
  // it: still chunked. Built run by run from below: flat. Same runs, ==.
  using M = RunMap<int, 16, 4>;
  M down, up;
  for (std::uint64_t k = 0; k < 40; ++k) down.assign(k, k + 1, static_cast<int>(k % 2 + 1));
  CHECK(down.run_count() == 41);
  down.assign(0, 28, 3);  // runs: [0,28)=3, then 28..39 alternating, then 0
  CHECK(down.run_count() == 14);
  for (std::uint64_t k = 28; k < 40; ++k) up.assign(k, k + 1, static_cast<int>(k % 2 + 1));
  up.assign(0, 28, 3);
  CHECK(up.run_count() == 14);
  CHECK(up == down);
  CHECK(down == up);
  up.assign(39, 40, 1);
  CHECK_FALSE(up == down);
}

TEST_CASE("run_map: assign from a value held by a chunked map") {
  // The aliasing case where the run holding the value sits in a chunk that
  // the assign splits (reallocating it) or empties.
  using M = RunMap<std::vector<int>, 8, 4>;
  M m;
  for (std::uint64_t k = 0; k < 30; ++k) m.assign(2 * k, 2 * k + 1, std::vector<int>(8, static_cast<int>(k) + 1));
  CHECK(m.run_count() == 60);
  m.assign(11, 12, m.at(20));   // split inside a full chunk
  CHECK(m.at(11) == std::vector<int>(8, 11));
  m.assign(5, 50, m.at(30));    // erases the run holding the value, across chunks
  CHECK(m.at(5) == std::vector<int>(8, 16));
  CHECK(m.at(49) == std::vector<int>(8, 16));
  CHECK(m.run_bounds(30) == std::pair<std::uint64_t, std::uint64_t>{5, 50});
}
