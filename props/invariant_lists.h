// The invariant catalogue, one list per subsystem file.
#pragma once

#include <string_view>
#include <vector>

#include "memhp/invariants.h"

namespace memhp::inv {

std::vector<Invariant> section_invariants();  // inv_sections.cpp
std::vector<Invariant> zone_invariants();     // inv_zones.cpp
std::vector<Invariant> memmap_invariants();   // inv_memmap.cpp
std::vector<Invariant> block_invariants();    // inv_blocks.cpp
std::vector<Invariant> zone_choice_invariants();  // inv_zone_choice.cpp
std::vector<Invariant> step_invariants();     // inv_steps.cpp
std::vector<Invariant> device_invariants();   // inv_device.cpp
std::vector<Invariant> walker_invariants();   // inv_walkers.cpp
std::vector<Invariant> compaction_invariants();  // inv_compaction.cpp
// Whether an invariant's premise needs device ops (the ZONE_DEVICE
// invariants, and the walkers', whose premise is a section RAM and
// ZONE_DEVICE share).
bool is_device_invariant(std::string_view name);

// Situations the RAM suites must reach besides the witnesses, because one
// witness cannot stand for all of them: premises of zone_choice_matches_spec
// (inv_zone_choice.cpp) and of failed_op_changes_nothing (residue.cpp);
// `memhp check` fails a RAM suite that never met one.
struct Premise {
  std::string_view invariant;  // the invariant it is a premise of
  std::string_view name;
  bool (*occurred)(const StepView&);
  // The suites that must meet it; empty: every RAM suite. (The quick
  // suite's QEMU layout has 262014 boot pages: no ratio puts the
  // auto-movable limit on a block boundary there.)
  std::vector<std::string_view> suites = {};
};
const std::vector<Premise>& zone_choice_premises();
const std::vector<Premise>& residue_premises();  // residue.cpp
// Every premise the suites must meet, in the order reports list them.
const std::vector<Premise>& coverage_premises();

}  // namespace memhp::inv
