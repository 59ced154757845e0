// The explorer's fingerprint set (see fingerprints.h).
#include "fingerprints.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

namespace memhp {

std::uint64_t fingerprint(std::string_view key, unsigned bits) {
  std::uint64_t h = XXH3_64bits(key.data(), key.size());
  if (bits < 64) h &= (std::uint64_t{1} << bits) - 1;
  return h ? h : 1;
}

double collision_bound(std::uint64_t n, unsigned bits) {
  const double d = static_cast<double>(n);
  return std::min(1.0, d * (d - 1) / std::ldexp(1.0, static_cast<int>(bits) + 1));
}

FingerprintSet::FingerprintSet() : fps_(1024, 0), vertices_(1024, kNone) {}

std::uint32_t FingerprintSet::find(std::uint64_t fp) const {
  for (std::uint64_t i = slot_of(fp);; i = (i + 1) & (fps_.size() - 1)) {
    if (fps_[i] == fp) return vertices_[i];
    if (fps_[i] == 0) return kNone;
  }
}

void FingerprintSet::insert(std::uint64_t fp, std::uint32_t v) {
  if (4 * (size_ + 1) > 3 * fps_.size()) grow();
  std::uint64_t i = slot_of(fp);
  while (fps_[i] != 0) i = (i + 1) & (fps_.size() - 1);
  fps_[i] = fp;
  vertices_[i] = v;
  ++size_;
}

// XXH3's low bits are as good as its high ones, so the slot is fp's low
// bits and doubling re-spreads them.
void FingerprintSet::grow() {
  std::vector<std::uint64_t> fps(2 * fps_.size(), 0);
  std::vector<std::uint32_t> vertices(2 * fps_.size(), kNone);
  fps.swap(fps_);
  vertices.swap(vertices_);
  size_ = 0;
  for (std::size_t i = 0; i < fps.size(); ++i)
    if (fps[i]) insert(fps[i], vertices[i]);
}

std::uint64_t FingerprintSet::bytes() const {
  return fps_.capacity() * sizeof(std::uint64_t) + vertices_.capacity() * sizeof(std::uint32_t);
}

}  // namespace memhp
