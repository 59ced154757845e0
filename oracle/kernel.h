// The real-kernel side: turning a trace into what a QEMU guest must do, and
// comparing what the guest reports with what the model says.
//
// Only kernel-expressible traces can go to a guest: a profile of v6.1 or
// v6.12 with that version's own deltas (the oracle boots Debian's packages of
// both, oracle/kernel.pin), x86_64 with 128 MiB blocks, the QEMU layout of
// boot memory on one node or on QEMU's -numa nodes, no mutants, and the ops a
// guest can perform (dimm_add and dimm_remove through QMP, online_block and
// offline_block through sysfs). What is compared (NOTES.md, "Differential
// testing"): per zone spanned, present and start_pfn (when populated) as
// absolute values and managed_pages as the change since boot (boot-time
// reservations are not modelled); per memory block its state, zone and
// valid_zones; the errno of sysfs writes and of ejects; on 6.12 the
// vmstat memmap counters nr_memmap_pages and nr_memmap_boot_pages.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "memhp/trace.h"

namespace memhp {

struct KernelZone {
  std::optional<u64> start_pfn;  // known only for populated zones
  u64 spanned = 0, present = 0, managed = 0;
};
struct KernelBlock {
  std::string state;
  std::optional<std::string> zone;  // for online single-zone blocks
  std::string valid_zones;
};
// The kernel-visible state after one step (line 0 is the boot state).
struct KernelObservation {
  int line = 0;
  std::string op;
  std::optional<int> err;  // only for steps whose errno the kernel shows
  std::map<std::string, KernelZone> zones;  // "0:Movable"
  std::map<u64, KernelBlock> blocks;
  // /proc/vmstat counters by name: nr_memmap_pages and nr_memmap_boot_pages
  // (6.12; 6.1 has neither). Compared as the change since boot, and only the
  // ones both sides report.
  std::map<std::string, long long> vmstat;
  std::string note;  // oracle remarks: timeouts, QMP errors
};

// The guest script for a trace, or why the trace cannot run on a real guest
// (with the trace line to blame, 0 for the headers).
std::variant<std::string, ParseError> kernel_script(const Trace& t);

// The model's observations: boot, then one per step.
std::vector<KernelObservation> observe_model(const Trace& t);

// Runs a script on a guest through oracle/guest.py; a reason when the guest
// could not run.
std::variant<std::vector<KernelObservation>, std::string> run_guest(const std::string& script);

struct Disagreement {
  int line = 0;
  std::string op;
  std::vector<std::string> details;  // "zone 0:Movable present: model 32768, kernel 0"
};
std::optional<Disagreement> compare_observations(const std::vector<KernelObservation>& model,
                                                 const std::vector<KernelObservation>& kernel);

// A random kernel-expressible trace for `version` (v6.1 or v6.12; a QEMU
// guest with 1 GiB of boot RAM), reproducible by seed and version.
Trace random_kernel_trace(std::uint64_t seed, KernelVersion version = KernelVersion::V6_1);

}  // namespace memhp
