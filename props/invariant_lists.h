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
std::vector<Invariant> step_invariants();     // inv_steps.cpp
std::vector<Invariant> device_invariants();   // inv_device.cpp
// Whether an invariant is about ZONE_DEVICE (its premise needs device ops).
bool is_device_invariant(std::string_view name);

}  // namespace memhp::inv
