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

// One-line descriptions of the values diff_systems() compares.
std::string describe(const PageState& p);
std::string describe(const SectionState& s);
std::string describe(const MemoryBlock& m);

}  // namespace memhp
