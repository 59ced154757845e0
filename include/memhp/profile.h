// Profile: kernel behaviour that changed between versions, plus the boot and
// module parameters that steer hotplug. `v6.1` must match Debian 12's kernel.
#pragma once

#include <string>

#include "memhp/types.h"

namespace memhp {

enum class KernelVersion : std::uint8_t { V6_1 };

// mm/memory_hotplug.c online_policy_to_str[].
enum class OnlinePolicy : std::uint8_t { ContigZones, AutoMovable };

struct Profile {
  KernelVersion version = KernelVersion::V6_1;
  // memory_hotplug.memmap_on_memory (bool, 0444 in 6.1).
  bool memmap_on_memory = false;
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

  friend bool operator==(const Profile&, const Profile&) = default;
};

std::string profile_to_string(const Profile& p);  // "v6.1 memmap_on_memory=1 ..."

}  // namespace memhp
