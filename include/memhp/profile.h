// Profile: the kernel version the model follows (and so its deltas), plus the
// boot and module parameters that steer hotplug. `v6.1` must match Debian
// 12's kernel, `v6.12` Debian 12 backports' kernel, `v6.19` mainline.
#pragma once

#include <string>

#include "memhp/deltas.h"
#include "memhp/types.h"

namespace memhp {

// mm/memory_hotplug.c online_policy_to_str[].
enum class OnlinePolicy : std::uint8_t { ContigZones, AutoMovable };

// The auto-online type a kernel boots with when memhp_default_state= is not
// given: its config. Debian's 6.1 leaves CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE
// unset (offline); Debian's 6.12 picks CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO
// (online); mainline's Kconfig defaults to offline.
inline OnlineType default_online_type(KernelVersion v) {
  return v == KernelVersion::V6_12 ? OnlineType::Online : OnlineType::Offline;
}

struct Profile {
  KernelVersion version = KernelVersion::V6_1;
  // The deltas in force: deltas_of(version), changed by `with=`/`without=`.
  DeltaSet deltas = deltas_of(KernelVersion::V6_1);
  // memory_hotplug.memmap_on_memory (0444): a bool in 6.1; from 6.6 (delta
  // mom_force_mode) also "force", which sets both fields.
  bool memmap_on_memory = false;
  bool memmap_on_memory_force = false;
  // memhp_default_state= / auto_online_blocks.
  OnlineType memhp_default_state = OnlineType::Offline;
  // movable_node boot option.
  bool movable_node = false;
  OnlinePolicy online_policy = OnlinePolicy::ContigZones;
  // memory_hotplug.auto_movable_ratio (uint, 0644): for online_policy=
  // auto-movable, the most MOVABLE memory there may be, in percent of the
  // kernel zones' boot memory. 0 onlines everything to a kernel zone.
  unsigned auto_movable_ratio = 301;
  // memory_hotplug.auto_movable_numa_aware (bool, 0644, CONFIG_NUMA): the
  // ratio must also hold on the block's node.
  bool auto_movable_numa_aware = true;
  // node_possible_map: nodes 0..possible_nodes-1 are possible. 0 means "the
  // nodes that have boot memory", which is what a guest without SRAT
  // hotplug entries gets.
  int possible_nodes = 0;

  bool has(Delta d) const { return deltas.test(static_cast<std::size_t>(d)); }
  // Follows `v` with its own deltas; the parameters stay.
  void follow(const KernelSpec& k) {
    version = k.version;
    deltas = k.deltas();
  }

  friend bool operator==(const Profile&, const Profile&) = default;
};

std::string profile_to_string(const Profile& p);  // "v6.1 memmap_on_memory=1 ..."

}  // namespace memhp
