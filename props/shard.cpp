#include "shard.h"

#include <charconv>

#include "gen.h"

namespace memhp {

namespace {

constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ULL;  // SplitMix64's increment

std::optional<int> whole(std::string_view s) {
  int v = 0;
  if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<ShardSpec> parse_shard_spec(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto i = whole(text.substr(0, slash)), n = whole(text.substr(slash + 1));
  if (!i || !n || *n < 1 || *n > kMaxShards || *i >= *n) return std::nullopt;
  return ShardSpec{*i, *n};
}

std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t shard_seed(std::uint64_t campaign_seed, int index) {
  return splitmix64_mix(campaign_seed + static_cast<std::uint64_t>(index + 1) * kGamma);
}

std::uint32_t swarm_kinds_off(std::uint64_t seed, ShardSpec spec) {
  const std::uint64_t bits = splitmix64_mix(seed + kGamma);
  const std::vector<StepKind>& kinds = step_kinds();
  std::uint32_t off = 0;
  for (std::size_t k = 0; k < kinds.size(); ++k)
    if (!(bits >> k & 1) && static_cast<int>(k % static_cast<std::size_t>(spec.count)) != spec.index)
      off |= std::uint32_t{1} << k;
  for (std::size_t k = 0; k < kinds.size() && !kinds_mask_usable(off); ++k)
    if (kinds[k].name == "walk") off &= ~(std::uint32_t{1} << k);
  return off;
}

std::vector<std::string> kinds_named(std::uint32_t kinds_off, bool off) {
  std::vector<std::string> out;
  const std::vector<StepKind>& kinds = step_kinds();
  for (std::size_t k = 0; k < kinds.size(); ++k)
    if (static_cast<bool>(kinds_off >> k & 1) == off) out.emplace_back(kinds[k].name);
  return out;
}

std::optional<std::uint32_t> kinds_mask(const std::vector<std::string>& names) {
  std::uint32_t mask = 0;
  const std::vector<StepKind>& kinds = step_kinds();
  for (const std::string& n : names) {
    std::size_t k = 0;
    while (k < kinds.size() && kinds[k].name != n) ++k;
    if (k == kinds.size()) return std::nullopt;
    mask |= std::uint32_t{1} << k;
  }
  return mask;
}

}  // namespace memhp
