// Names of the vocabulary types, spelled exactly as the kernel prints them.
#include <array>
#include <utility>

#include "memhp/profile.h"
#include "memhp/system.h"
#include "memhp/types.h"

namespace memhp {

namespace {
constexpr std::array<std::string_view, kNrZones> kZoneNames = {
    "DMA", "DMA32", "Normal", "Movable", "Device"};
constexpr std::array<std::string_view, 4> kOnlineTypeNames = {
    "offline", "online", "online_kernel", "online_movable"};

// The errnos hotplug paths can return, plus a few a model user may expect.
constexpr std::pair<int, std::string_view> kErrnos[] = {
    {EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {EINTR, "EINTR"},   {ENXIO, "ENXIO"},
    {E2BIG, "E2BIG"},   {ENOMEM, "ENOMEM"}, {EBUSY, "EBUSY"},   {EEXIST, "EEXIST"},
    {ENODEV, "ENODEV"}, {EINVAL, "EINVAL"}, {ENOSPC, "ENOSPC"}, {ERANGE, "ERANGE"},
    {EAGAIN, "EAGAIN"}, {EIO, "EIO"},       {EHWPOISON, "EHWPOISON"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
};
}  // namespace

std::string_view zone_name(Zone z) { return kZoneNames[zone_idx(z)]; }

std::optional<Zone> zone_from_name(std::string_view s) {
  for (Zone z : kAllZones)
    if (zone_name(z) == s) return z;
  return std::nullopt;
}

std::string_view online_type_name(OnlineType t) {
  return kOnlineTypeNames[static_cast<unsigned>(t)];
}

std::optional<OnlineType> online_type_from_name(std::string_view s) {
  for (unsigned i = 0; i < kOnlineTypeNames.size(); ++i)
    if (kOnlineTypeNames[i] == s) return static_cast<OnlineType>(i);
  return std::nullopt;
}

std::string_view block_state_name(BlockState s) {
  switch (s) {
    case BlockState::Online: return "online";
    case BlockState::GoingOffline: return "going-offline";
    case BlockState::Offline: return "offline";
  }
  return "?";
}

std::string errno_name(int err) {
  if (err == 0) return "ok";
  for (auto [e, name] : kErrnos)
    if (-e == err) return "-" + std::string(name);
  return std::to_string(err);
}

std::optional<int> errno_from_name(std::string_view s) {
  if (s == "ok" || s == "0") return 0;
  if (s.size() < 2 || s[0] != '-') return std::nullopt;
  for (auto [e, name] : kErrnos)
    if (s.substr(1) == name) return -e;
  return std::nullopt;
}

std::string_view page_kind_name(PageKind k) {
  switch (k) {
    case PageKind::Absent: return "absent";
    case PageKind::Poisoned: return "poisoned";
    case PageKind::Hole: return "hole";
    case PageKind::Free: return "free";
    case PageKind::Movable: return "movable";
    case PageKind::Unmovable: return "unmovable";
    case PageKind::Memmap: return "memmap";
    case PageKind::Vmemmap: return "vmemmap";
    case PageKind::Reserved: return "reserved";
    case PageKind::Device: return "device";
  }
  return "?";
}

std::string_view pgmap_type_name(PgmapType t) {
  switch (t) {
    case PgmapType::Private: return "private";
    case PgmapType::FsDax: return "fsdax";
    case PgmapType::Generic: return "generic";
  }
  return "?";
}

std::string profile_to_string(const Profile& p) {
  std::string out(version_name(p.version));
  out += " memmap_on_memory=";
  out += p.memmap_on_memory_force ? "force" : p.memmap_on_memory ? "1" : "0";
  out += " memhp_default_state=" + std::string(online_type_name(p.memhp_default_state));
  out += " movable_node=" + std::string(p.movable_node ? "1" : "0");
  out += " online_policy=";
  out += p.online_policy == OnlinePolicy::ContigZones ? "contig-zones" : "auto-movable";
  // The module defaults (301, Y) are left out, as the kernel's command line
  // leaves them out.
  if (p.auto_movable_ratio != Profile{}.auto_movable_ratio)
    out += " auto_movable_ratio=" + std::to_string(p.auto_movable_ratio);
  if (p.auto_movable_numa_aware != Profile{}.auto_movable_numa_aware)
    out += " auto_movable_numa_aware=" + std::string(p.auto_movable_numa_aware ? "1" : "0");
  if (p.possible_nodes) out += " possible_nodes=" + std::to_string(p.possible_nodes);
  // Deltas switched against the version's own set, by name.
  const DeltaSet own = deltas_of(p.version);
  if ((p.deltas & ~own).any()) out += " with=" + delta_names(p.deltas & ~own);
  if ((own & ~p.deltas).any()) out += " without=" + delta_names(own & ~p.deltas);
  return out;
}

}  // namespace memhp
