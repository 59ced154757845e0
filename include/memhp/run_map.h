// RunMap<V>: a total map from u64 keys to V, stored as maximal runs.
//
// Why: a 63 TiB machine has 2^34 pfns but only a handful of distinct page
// states laid out in long stretches. Storing runs keeps the cost of every
// operation proportional to the number of runs it touches, and keeps `==`
// exact: two maps are equal iff they map every key to the same value, because
// runs are always maximal (adjacent runs never hold equal values).
//
// Every key has a value; keys never assigned map to V{}.
#pragma once

#include <cassert>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <utility>

namespace memhp {

template <class V>
class RunMap {
 public:
  using Key = std::uint64_t;
  static constexpr Key kEnd = std::numeric_limits<Key>::max();

  RunMap() { runs_.emplace(0, V{}); }

  // Value at key k.
  const V& at(Key k) const { return std::prev(runs_.upper_bound(k))->second; }

  // [lo, hi) of the run containing k.
  std::pair<Key, Key> run_bounds(Key k) const {
    auto it = std::prev(runs_.upper_bound(k));
    auto nx = std::next(it);
    return {it->first, nx == runs_.end() ? kEnd : nx->first};
  }

  // Set every key in [lo, hi) to v. By value: v may be a reference into
  // this map (m.assign(a, b, m.at(a))), whose run the erase below frees.
  void assign(Key lo, Key hi, V v) {
    if (lo >= hi) return;
    split(lo);
    split(hi);
    auto first = runs_.find(lo);
    auto last = hi == kEnd ? runs_.end() : runs_.find(hi);
    runs_.erase(first, last);
    runs_.emplace(lo, std::move(v));
    merge_around(lo, hi);
  }

  // Apply f(V&) to the value of every key in [lo, hi). f sees each run once.
  template <class F>
  void update(Key lo, Key hi, F&& f) {
    if (lo >= hi) return;
    split(lo);
    split(hi);
    for (auto it = runs_.find(lo); it != runs_.end() && it->first < hi; ++it)
      f(it->second);
    merge_around(lo, hi);
  }

  // Call f(run_lo, run_hi, const V&) for each run piece inside [lo, hi), in
  // key order. The pieces are clipped to [lo, hi).
  template <class F>
  void for_each(Key lo, Key hi, F&& f) const {
    for_each_while(lo, hi, [&](Key a, Key b, const V& v) {
      f(a, b, v);
      return true;
    });
  }

  // Like for_each, but stops after the first call that returns false, so
  // that a search costs the runs up to what it finds, not the whole range.
  template <class F>
  void for_each_while(Key lo, Key hi, F&& f) const {
    if (lo >= hi) return;
    auto it = std::prev(runs_.upper_bound(lo));
    for (; it != runs_.end() && it->first < hi; ++it) {
      auto nx = std::next(it);
      Key rlo = it->first < lo ? lo : it->first;
      Key rhi = nx == runs_.end() ? kEnd : nx->first;
      if (rhi > hi) rhi = hi;
      if (!f(rlo, rhi, it->second)) return;
    }
  }

  // Like for_each, but in descending key order.
  template <class F>
  void for_each_reverse(Key lo, Key hi, F&& f) const {
    if (lo >= hi) return;
    auto it = std::prev(runs_.upper_bound(hi - 1));
    while (true) {
      auto nx = std::next(it);
      Key rlo = it->first < lo ? lo : it->first;
      Key rhi = nx == runs_.end() ? kEnd : nx->first;
      if (rhi > hi) rhi = hi;
      f(rlo, rhi, it->second);
      if (it->first <= lo || it == runs_.begin()) break;
      --it;
    }
  }

  // Total number of keys in [lo, hi) whose value satisfies pred.
  template <class P>
  Key count_if(Key lo, Key hi, P&& pred) const {
    Key n = 0;
    for_each(lo, hi, [&](Key a, Key b, const V& v) {
      if (pred(v)) n += b - a;
    });
    return n;
  }

  // True iff pred holds for every key in [lo, hi).
  template <class P>
  bool all_of(Key lo, Key hi, P&& pred) const {
    bool ok = true;
    for_each_while(lo, hi, [&](Key, Key, const V& v) { return ok = pred(v); });
    return ok;
  }

  std::size_t run_count() const { return runs_.size(); }

  friend bool operator==(const RunMap& a, const RunMap& b) {
    return a.runs_ == b.runs_;
  }

 private:
  // Make k the start of a run (no-op at kEnd or if it already is one).
  void split(Key k) {
    if (k == kEnd) return;
    auto it = std::prev(runs_.upper_bound(k));
    if (it->first != k) runs_.emplace_hint(std::next(it), k, it->second);
  }

  // Restore maximality of runs in the neighbourhood of [lo, hi).
  void merge_around(Key lo, Key hi) {
    auto it = std::prev(runs_.upper_bound(lo));
    if (it != runs_.begin()) --it;
    while (true) {
      auto nx = std::next(it);
      if (nx == runs_.end()) break;
      if (nx->second == it->second) {
        runs_.erase(nx);
        continue;
      }
      if (nx->first > hi) break;
      it = nx;
    }
  }

  std::map<Key, V> runs_;
};

}  // namespace memhp
