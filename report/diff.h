// The difference between two Systems, as lines a person can read.
//
// Replay prints the diff of each step, counterexamples show it, and the
// atomicity invariant names what a failed operation changed. Runs that
// changed the same way are reported once: "pfn 0x100000-0x1001ff:
// poisoned -> vmemmap 0:Movable".
#pragma once

#include <string>
#include <vector>

#include "memhp/system.h"

namespace memhp {

std::vector<std::string> diff_systems(const System& before, const System& after);

// `s` with what ZONE_DEVICE never gives back reset to `before`: the zone's
// and node's span, the sections' taint, and the poison pageunmap_range()
// leaves on the boot memmap of an early section's hole; and which free pfns
// hold vmemmap (not how many: that stays in SectionState). Comparing two such
// views asks "was everything else undone?".
System without_device_residue(const System& s, const System& before);

// One-line descriptions of the values diff_systems() compares.
std::string describe(const PageState& p);
std::string describe(const SectionState& s);
std::string describe(const MemoryBlock& m);

}  // namespace memhp
