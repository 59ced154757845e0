// memhp vocabulary: page frame numbers, ranges, zones, online types, errnos.
//
// Everything here is a plain value. The names follow the kernel's so that a
// reader can hold a model function beside its kernel function.
#pragma once

#include <cerrno>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memhp {

using u64 = std::uint64_t;

// A page frame number. A strong type so that pfns, byte addresses, section
// numbers and block ids cannot be mixed up silently.
struct Pfn {
  u64 v = 0;
  constexpr Pfn() = default;
  constexpr explicit Pfn(u64 x) : v(x) {}
  friend constexpr auto operator<=>(Pfn, Pfn) = default;
  friend constexpr Pfn operator+(Pfn p, u64 n) { return Pfn{p.v + n}; }
  friend constexpr Pfn operator-(Pfn p, u64 n) { return Pfn{p.v - n}; }
  friend constexpr u64 operator-(Pfn a, Pfn b) { return a.v - b.v; }
  Pfn& operator+=(u64 n) { v += n; return *this; }
};

// Half-open [start, end).
struct PfnRange {
  Pfn start, end;
  constexpr u64 size() const { return end - start; }
  constexpr bool empty() const { return end <= start; }
  constexpr bool contains(Pfn p) const { return start <= p && p < end; }
  constexpr bool intersects(PfnRange o) const {
    return start < o.end && o.start < end;
  }
  friend constexpr bool operator==(PfnRange, PfnRange) = default;
};

constexpr bool is_pow2(u64 x) { return x && !(x & (x - 1)); }
constexpr bool is_aligned(u64 x, u64 a) { return (x & (a - 1)) == 0; }
constexpr u64 align_down(u64 x, u64 a) { return x & ~(a - 1); }
constexpr u64 align_up(u64 x, u64 a) { return (x + a - 1) & ~(a - 1); }

// Zone order as in include/linux/mmzone.h for x86_64/arm64/ppc64 (no HIGHMEM).
enum class Zone : std::uint8_t { DMA = 0, DMA32, Normal, Movable, Device };
inline constexpr int kNrZones = 5;
inline constexpr Zone kAllZones[] = {Zone::DMA, Zone::DMA32, Zone::Normal,
                                     Zone::Movable, Zone::Device};
constexpr int zone_idx(Zone z) { return static_cast<int>(z); }
// zone->name, as /proc/zoneinfo and valid_zones print it.
std::string_view zone_name(Zone z);
std::optional<Zone> zone_from_name(std::string_view s);

// MMOP_* in include/linux/memory_hotplug.h; strings from
// drivers/base/memory.c online_type_to_str[].
enum class OnlineType : std::uint8_t {
  Offline = 0,
  Online = 1,
  OnlineKernel = 2,
  OnlineMovable = 3
};
std::string_view online_type_name(OnlineType t);
std::optional<OnlineType> online_type_from_name(std::string_view s);

// The states a memory block stores (MEM_ONLINE, MEM_GOING_OFFLINE,
// MEM_OFFLINE); state_show() prints them.
enum class BlockState : std::uint8_t { Online, GoingOffline, Offline };
std::string_view block_state_name(BlockState s);

// Kernel errno values, negative as the kernel returns them.
std::string errno_name(int err);                 // -22 -> "-EINVAL", 0 -> "ok"
std::optional<int> errno_from_name(std::string_view s);  // "-EINVAL", "ok"

// NUMA_NO_NODE.
inline constexpr int kNoNode = -1;

}  // namespace memhp
