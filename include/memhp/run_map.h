// RunMap<V>: a total map from u64 keys to V, stored as maximal runs.
//
// Why runs: a 63 TiB machine has 2^34 pfns but only a handful of distinct
// page states laid out in long stretches. Storing runs keeps the cost of
// every operation proportional to the number of runs it touches, and keeps
// `==` exact: two maps are equal iff they map every key to the same value,
// because runs are always maximal (adjacent runs never hold equal values).
//
// Why contiguous: the explorer copies, compares and walks small maps (tens
// of runs) millions of times. When the runs were a std::map, 37-42% of its
// CPU went to walking the tree and 15-17% to malloc/free (a System copy was
// 38 allocations). So a map of up to kRunMapFlatMax runs is one sorted
// vector of (start, value): a lookup is a binary search over contiguous
// memory and a copy is one allocation.
//
// Why chunks above that: an edit of a sorted vector moves every run after
// it; a flat-only prototype made the 63 TiB hotplug benchmark (64k page
// runs) 2.3x slower than the tree (1.9 s). A larger map is a vector of
// chunks, each a sorted vector of at most kRunMapChunkMax runs, with each
// chunk's first key in a separate index that is binary-searched first. An
// edit splits runs at its two ends and then compacts each chunk it touches
// once, so it moves the runs of those chunks, plus the chunk index when a
// chunk splits, merges or empties. Below half the threshold the map goes
// back to one vector (the gap keeps it from switching forms back and forth
// at the boundary).
//
// Equality: where the chunk boundaries fall depends on the history of edits,
// so they are not canonical; `==` compares the two run sequences run by run,
// ignoring the form and the chunk boundaries. Keeping the chunking canonical
// instead would mean re-chunking the tail on every edit, which is the O(n)
// cost the chunks exist to avoid. The runs themselves are canonical, so `==`
// stays exact, and costs one pass (one vector compare in the flat form).
//
// Every key has a value; keys never assigned map to V{}.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

namespace memhp {

// A RunMap with more runs than this is chunked. Why 512: bench_run_map's
// single-key assign costs the same flat and chunked at about 256 runs
// (216 ns flat, 196-219 ns chunked), and the flat form loses from there on
// (512 runs: 293 ns against 231-283; 1024: 393 against 259-322; 64k: 9 us
// against under 0.5 us). Going back to flat below 256 puts the gap where
// the two forms tie. The explorer's maps stay far below it (tens of runs),
// the 63 TiB hotplug benchmark far above (64k). NOTES.md section 7.
inline constexpr std::size_t kRunMapFlatMax = 512;

// Most runs in one chunk. Why 256: in the same benchmark chunks of at most
// 64, 128, 256 or 512 runs cost within 15% of each other at every size from
// 1k to 64k runs; 256 keeps an edit's move to a few KiB and the chunk index
// of a 64k-run map to a few hundred keys.
inline constexpr std::size_t kRunMapChunkMax = 256;

// FlatMax and ChunkMax are parameters so that tests can cross the form and
// chunk boundaries with a few runs; the model uses the defaults.
template <class V, std::size_t FlatMax = kRunMapFlatMax, std::size_t ChunkMax = kRunMapChunkMax>
class RunMap {
  static_assert(ChunkMax >= 4 && FlatMax >= 2, "chunks must hold a few runs");

 public:
  using Key = std::uint64_t;
  static constexpr Key kEnd = std::numeric_limits<Key>::max();

  RunMap() { flat_.push_back(Run{0, V{}}); }

  // Value at key k.
  const V& at(Key k) const { return run(find(k)).v; }

  // [lo, hi) of the run containing k.
  std::pair<Key, Key> run_bounds(Key k) const {
    const Pos p = find(k);
    return {run(p).lo, end_of(p)};
  }

  // Set every key in [lo, hi) to v. By value: v may be a reference into
  // this map (m.assign(a, b, m.at(a))), whose run coalesce() erases.
  void assign(Key lo, Key hi, V v) {
    if (lo >= hi) return;
    split(lo);
    split(hi);
    const Pos p = find(lo);
    chunk(p.c)[p.i].v = std::move(v);
    coalesce(lo, hi, true);
  }

  // Apply f(V&) to the value of every key in [lo, hi). f sees each run once.
  template <class F>
  void update(Key lo, Key hi, F&& f) {
    if (lo >= hi) return;
    split(lo);
    split(hi);
    Pos p = find(lo);
    do f(chunk(p.c)[p.i].v);
    while (next(p) && run(p).lo < hi);
    coalesce(lo, hi, false);
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
    const std::size_t c0 = chunk_of(lo);
    for (std::size_t c = c0; c < nchunks(); ++c) {
      const Chunk& r = chunk(c);
      const Key next_first = c + 1 < nchunks() ? firsts_[c + 1] : kEnd;
      for (std::size_t i = c == c0 ? after(r, lo) - 1 : 0; i < r.size(); ++i) {
        if (r[i].lo >= hi) return;
        const Key b = i + 1 < r.size() ? r[i + 1].lo : next_first;
        if (!f(std::max(r[i].lo, lo), std::min(b, hi), r[i].v)) return;
      }
    }
  }

  // Like for_each, but in descending key order.
  template <class F>
  void for_each_reverse(Key lo, Key hi, F&& f) const {
    if (lo >= hi) return;
    Pos p = find(hi - 1);
    while (true) {
      const Run& r = run(p);
      f(std::max(r.lo, lo), std::min(end_of(p), hi), r.v);
      if (r.lo <= lo || !prev(p)) break;
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

  std::size_t run_count() const { return chunked() ? count_ : flat_.size(); }

  // Run by run, whatever the form and the chunk boundaries (see the top).
  friend bool operator==(const RunMap& a, const RunMap& b) {
    if (!a.chunked() && !b.chunked()) return a.flat_ == b.flat_;
    if (a.run_count() != b.run_count()) return false;
    Pos p{0, 0}, q{0, 0};
    while (true) {
      if (!(a.run(p) == b.run(q))) return false;
      const bool more = a.next(p);
      if (more != b.next(q)) return false;
      if (!more) return true;
    }
  }

 private:
  struct Run {
    Key lo;  // the run is [lo, next run's lo)
    V v;
    friend bool operator==(const Run&, const Run&) = default;
  };
  using Chunk = std::vector<Run>;
  struct Pos {
    std::size_t c, i;  // chunk, index in the chunk
  };

  // ------------------------------------------------------- navigation --
  bool chunked() const { return !chunks_.empty(); }
  std::size_t nchunks() const { return chunked() ? chunks_.size() : 1; }
  Chunk& chunk(std::size_t c) { return chunked() ? chunks_[c] : flat_; }
  const Chunk& chunk(std::size_t c) const { return chunked() ? chunks_[c] : flat_; }
  const Run& run(Pos p) const { return chunk(p.c)[p.i]; }

  // The chunk holding key k: the last one whose first key is <= k.
  std::size_t chunk_of(Key k) const {
    if (!chunked()) return 0;
    return static_cast<std::size_t>(std::upper_bound(firsts_.begin(), firsts_.end(), k) -
                                    firsts_.begin()) - 1;
  }
  // Index of the first run of r starting after k / at or after k.
  static std::size_t after(const Chunk& r, Key k) {
    auto it = std::upper_bound(r.begin(), r.end(), k, [](Key x, const Run& y) { return x < y.lo; });
    return static_cast<std::size_t>(it - r.begin());
  }
  static std::size_t from(const Chunk& r, Key k) {
    auto it = std::lower_bound(r.begin(), r.end(), k, [](const Run& y, Key x) { return y.lo < x; });
    return static_cast<std::size_t>(it - r.begin());
  }
  Pos find(Key k) const {
    const std::size_t c = chunk_of(k);
    return {c, after(chunk(c), k) - 1};
  }
  // Where the run at p ends: the next run's start, kEnd for the last run.
  Key end_of(Pos p) const {
    const Chunk& r = chunk(p.c);
    if (p.i + 1 < r.size()) return r[p.i + 1].lo;
    return p.c + 1 < nchunks() ? firsts_[p.c + 1] : kEnd;
  }
  // Step to the next / previous run; false (p unchanged) at the last / first.
  bool next(Pos& p) const {
    if (p.i + 1 < chunk(p.c).size()) return ++p.i, true;
    if (p.c + 1 >= nchunks()) return false;
    p = {p.c + 1, 0};
    return true;
  }
  bool prev(Pos& p) const {
    if (p.i > 0) return --p.i, true;
    if (p.c == 0) return false;
    --p.c;
    p.i = chunk(p.c).size() - 1;
    return true;
  }

  // ------------------------------------------------------------ edits --
  // Make k the start of a run (no-op at kEnd or if it already is one).
  void split(Key k) {
    if (k == kEnd) return;
    const Pos p = find(k);
    Chunk& r = chunk(p.c);
    if (r[p.i].lo == k) return;
    Run piece{k, r[p.i].v};  // before the insert, which may reallocate r
    r.insert(r.begin() + static_cast<std::ptrdiff_t>(p.i + 1), std::move(piece));
    grew(p.c);
  }

  // Chunk c gained a run: keep the form's size limits.
  void grew(std::size_t c) {
    if (!chunked()) {
      if (flat_.size() > FlatMax) to_chunks();
      return;
    }
    ++count_;
    if (chunks_[c].size() > ChunkMax) split_chunk(c);
  }

  // Restore maximality after [lo, hi) changed: drop every run starting in
  // [lo, hi] whose value equals the one before it, and with drop_inside
  // (assign: the run at lo now covers them) every run starting inside
  // (lo, hi). One compaction per chunk touched, so each chunk's tail moves
  // once.
  void coalesce(Key lo, Key hi, bool drop_inside) {
    const std::size_t c0 = chunk_of(lo);
    const V* prev_v = nullptr;  // value of the last run kept so far
    std::size_t c = c0;
    for (; c < nchunks() && (c == c0 || firsts_[c] <= hi); ++c) {
      Chunk& r = chunk(c);
      std::size_t i = c == c0 ? from(r, lo) : 0;
      if (c == 0 && i == 0) i = 1;  // key 0's run has no predecessor
      const std::size_t e = after(r, hi);
      if (i >= e) continue;
      if (!prev_v) prev_v = i ? &r[i - 1].v : &chunk(c - 1).back().v;
      std::size_t w = i;
      for (std::size_t j = i; j < e; ++j) {
        const bool inside = drop_inside && r[j].lo > lo && r[j].lo < hi;
        if (inside || r[j].v == *prev_v) continue;
        if (w != j) r[w] = std::move(r[j]);
        prev_v = &r[w++].v;
      }
      r.erase(r.begin() + static_cast<std::ptrdiff_t>(w), r.begin() + static_cast<std::ptrdiff_t>(e));
      if (chunked()) count_ -= e - w;
    }
    if (chunked()) tidy(c0, c);
  }

  // Chunks [c0, c1) lost runs: drop the empty ones, refresh the index, merge
  // small ones into a neighbour, and go flat when the map got small.
  void tidy(std::size_t c0, std::size_t c1) {
    std::size_t w = c0;
    for (std::size_t c = c0; c < c1; ++c) {
      if (chunks_[c].empty()) continue;
      if (w != c) chunks_[w] = std::move(chunks_[c]);
      firsts_[w] = chunks_[w].front().lo;
      ++w;
    }
    chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(w),
                  chunks_.begin() + static_cast<std::ptrdiff_t>(c1));
    firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(w),
                  firsts_.begin() + static_cast<std::ptrdiff_t>(c1));
    if (count_ < FlatMax / 2) return to_flat();
    for (std::size_t c = std::min(w + 1, chunks_.size()); c-- > (c0 ? c0 - 1 : 0);) merge_small(c);
  }

  // A chunk under a quarter full joins a neighbour it fits with, so that a
  // map's chunk count stays proportional to its run count.
  void merge_small(std::size_t c) {
    if (c >= chunks_.size() || chunks_[c].size() >= ChunkMax / 4) return;
    if (c + 1 < chunks_.size() && chunks_[c].size() + chunks_[c + 1].size() <= ChunkMax)
      join(c);
    else if (c > 0 && chunks_[c - 1].size() + chunks_[c].size() <= ChunkMax)
      join(c - 1);
  }

  // Append chunk c + 1 to chunk c.
  void join(std::size_t c) {
    Chunk& a = chunks_[c];
    Chunk& b = chunks_[c + 1];
    a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
    chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c + 1));
    firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(c + 1));
  }

  // Chunk c is over ChunkMax: its upper half becomes chunk c + 1.
  void split_chunk(std::size_t c) {
    Chunk& r = chunks_[c];
    const auto half = r.begin() + static_cast<std::ptrdiff_t>(r.size() / 2);
    Chunk upper = make_chunk(half, r.end());
    r.erase(half, r.end());
    firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(c + 1), upper.front().lo);
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c + 1), std::move(upper));
  }

  // Runs [b, e) moved into a new chunk with room to grow to ChunkMax + 1
  // (the size at which it splits) without reallocating.
  static Chunk make_chunk(typename Chunk::iterator b, typename Chunk::iterator e) {
    Chunk r;
    r.reserve(ChunkMax + 1);
    r.insert(r.end(), std::make_move_iterator(b), std::make_move_iterator(e));
    return r;
  }

  // Flat -> chunked: half-full chunks, so that the next edits fit.
  void to_chunks() {
    count_ = flat_.size();
    for (std::size_t i = 0; i < flat_.size(); i += ChunkMax / 2) {
      const auto b = flat_.begin() + static_cast<std::ptrdiff_t>(i);
      const auto e = flat_.begin() + static_cast<std::ptrdiff_t>(std::min(i + ChunkMax / 2, flat_.size()));
      chunks_.push_back(make_chunk(b, e));
      firsts_.push_back(chunks_.back().front().lo);
    }
    flat_ = Chunk{};
  }

  // Chunked -> flat.
  void to_flat() {
    Chunk all;
    all.reserve(count_);
    for (Chunk& r : chunks_)
      all.insert(all.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
    flat_ = std::move(all);
    chunks_ = {};
    firsts_ = {};
    count_ = 0;
  }

  // The flat form uses flat_ alone. The chunked form leaves flat_ empty and
  // keeps firsts_[c] == chunks_[c].front().lo, every chunk non-empty and at
  // most ChunkMax long, and count_ == the total number of runs.
  Chunk flat_;
  std::vector<Chunk> chunks_;
  std::vector<Key> firsts_;
  std::size_t count_ = 0;
};

}  // namespace memhp
