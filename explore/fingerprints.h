// The explorer's visited set: 64-bit fingerprints of state keys, TLC-style
// hash compaction.
//
// Why fingerprints and not the keys: a key is a few hundred bytes, and the
// set of them was most of the search's memory. A fingerprint is 8 bytes, and
// the price is a chance that two distinct states share one, so that the
// second is taken for the first and its futures are never explored. With n
// states and a uniform 64-bit hash that chance is at most n(n-1)/2^65 (the
// birthday bound), which the explorer reports with every run
// (collision_bound()). The tests leave nothing to chance: with
// ExploreOptions::verify_keys the explorer keeps every key and compares the
// keys behind every fingerprint hit, so a collision there is an error.
//
// The table is open addressing with linear probing over two flat arrays (12
// bytes a slot, at most 3/4 full), because the explorer only ever inserts
// and looks up, and a node-based hash map costs 40-odd bytes a state.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace memhp {

// XXH3, 64 bits, of the key (libxxhash), cut to its low `bits` bits (the
// tests cut it to make collisions certain). Never 0: the table uses 0 for
// an empty slot, so a key that hashes to 0 gets 1 (one more way to collide,
// of the same 2^-bits order).
std::uint64_t fingerprint(std::string_view key, unsigned bits = 64);

// The birthday bound on a collision among n fingerprints of `bits` bits:
// n(n-1)/2^(bits+1).
double collision_bound(std::uint64_t n, unsigned bits = 64);

class FingerprintSet {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  FingerprintSet();
  // The vertex stored under fp, or kNone.
  std::uint32_t find(std::uint64_t fp) const;
  // Stores fp -> v; fp must not be in the set.
  void insert(std::uint64_t fp, std::uint32_t v);
  std::uint64_t size() const { return size_; }
  std::uint64_t bytes() const;

 private:
  std::uint64_t slot_of(std::uint64_t fp) const { return fp & (fps_.size() - 1); }
  void grow();

  std::vector<std::uint64_t> fps_;   // 0: empty
  std::vector<std::uint32_t> vertices_;
  std::uint64_t size_ = 0;
};

}  // namespace memhp
