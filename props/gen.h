// Generators for the RapidCheck suites: machine configurations, and
// operations drawn from the current state with a bias towards what finds
// bugs (block-aligned neighbours, overlaps, zone boundaries, blocks filled up,
// unmovable pages in movable candidates, boot memory removed and re-added).
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memhp/trace.h"

namespace memhp {

// One test case's machine.
struct SuiteConfig {
  Geometry geo;
  Profile prof;
  std::vector<BootRange> boot;
  u64 hot_base = 0;  // first hot-pluggable address, block-aligned
  int hot_slots = 16;  // blocks of hot-pluggable address space
  // ZONE_DEVICE: memremap_pages() ranges go to [device_base, hot_base), into
  // the boot memory's holes and, to be refused, over RAM. 0: no device ops.
  u64 device_base = 0;
  // Swarm testing (docs/campaigns.md): bit k switches step_kinds()[k] off
  // in gen_step(). 0: every kind at its usual weight.
  std::uint32_t kinds_off = 0;
};

rc::Gen<SuiteConfig> gen_config(const std::string& suite);
// A generated profile made to follow `v` (`memhp check --profile`): the
// parameters stay; memmap_on_memory=force is drawn where the version has it.
void follow_version(Profile& p, const KernelSpec& v);
bool known_suite(const std::string& suite);

// A compound step: one op, or a short sequence of ops (checked by a
// sequence property at its end when `property` names one).
struct GenStep {
  std::vector<Op> ops;
  std::string property;  // empty for a single op
};

// What the generators need to know of a state, small enough to copy into
// every generator RapidCheck keeps for shrinking.
struct BlockInfo {
  u64 id;
  MemoryBlock m;
  bool hot;  // hot-added rather than boot memory
  u64 free_pages, movable_pages, unmovable_pages;
};
struct GenContext {
  Geometry geo;
  Profile prof;
  std::vector<BlockInfo> blocks;                // present blocks, by id
  std::vector<u64> removed_boot;               // starts of removed boot blocks
  std::vector<std::pair<u64, u64>> iomem;      // [start, end) of resources
  std::vector<u64> dimms;                       // starts of ACPI memory devices
  std::vector<std::pair<int, std::vector<std::pair<u64, u64>>>> pgmaps;  // id, [start, size)
  // Auto-movable: how many more MOVABLE pages the system (and, with
  // auto_movable_numa_aware, node 0) may take before the ratio's limit;
  // nullopt when already past it or without early kernel memory. Read from
  // the zones' present counts.
  std::optional<u64> movable_room;
};
GenContext make_gen_context(const System& s);

// Whether a step may run in state `s`. RapidCheck re-checks this while it
// shrinks, when the steps before a command are no longer the ones it was
// drawn after. Kept out: mixing the driver-level add_memory()/remove_memory()
// with a DIMM's range (no platform does; a DIMM bound over a driver's memory
// with -EEXIST, or whose memory a driver removed, makes the ACPI eject BUG()
// in __remove_memory()); and a DIMM over a device's claimed range (bound with
// -EEXIST, its eject would remove the device's sections) or remove_memory()
// over one. Decided from the state, never by a trial run of the model.
bool step_allowed(const System& s, const GenStep& step);

// The kinds of step gen_step() draws, in its order, by name: what a swarm
// shard switches on and off. `always_yields`: the kind produces a step in
// every state (the others may find nothing to act on and draw again).
struct StepKind {
  std::string_view name;
  bool always_yields;
};
const std::vector<StepKind>& step_kinds();

// Whether gen_step() can always draw a step under `kinds_off`: some kind that
// always yields is on. gen_step() ignores a mask for which this is false.
bool kinds_mask_usable(std::uint32_t kinds_off);

// Draws one step (call inside rc::gen::exec).
GenStep gen_step(const GenContext& s, const SuiteConfig& cfg);

}  // namespace memhp
