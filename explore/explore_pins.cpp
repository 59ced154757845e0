#include "explore_pins.h"

#include <sstream>

#include "explore.h"

namespace memhp {

// The counts are of the quotient by memory-group ids
// (canonicalize_group_ids(); tests/test_explore.cpp checks that it is
// bisimilar to the full graph). All are explored completely except
// x86-3slot(-mom) and x86-4slot(-mom),
// whose configurations bound them to 7 BFS levels (with allocations their
// complete spaces take minutes to hours: NOTES.md section 10); their
// no-allocation variants are complete.
const std::vector<ExplorePin>& explore_pins() {
  static const std::vector<ExplorePin> pins = {
      {"x86-1slot", 0, 44, 441, 236, 8},
      {"x86-1slot-mom", 0, 44, 441, 236, 8},
      {"x86-1slot-veto", 0, 132, 1719, 1058, 9},
      {"x86-1slot-veto-mom", 0, 132, 1719, 1058, 9},
      {"x86-2slot", 0, 11920, 206318, 99729, 21},
      {"x86-2slot-mom", 0, 770, 13520, 6766, 11},
      {"x86-256m", 0, 686, 10636, 5774, 10},
      {"x86-256m-mom", 0, 686, 10636, 5774, 10},
      {"x86-1slot-compact", 0, 152, 1668, 952, 10},
      {"x86-1slot-compact-mom", 0, 152, 1668, 952, 10},
      {"x86-2node-mom", 0, 830, 14480, 7206, 13},
      {"x86-3slot-noalloc", 0, 21466, 343456, 191074, 17},
      {"x86-3slot-noalloc-mom", 0, 1000, 16000, 10000, 13},
      {"x86-4slot-noalloc", 0, 2698417, 56666757, 30583621, 26},
      {"x86-4slot-noalloc-mom", 0, 10000, 210000, 130000, 17},
      {"x86-5slot-noalloc-mom", 0, 100000, 2600000, 1600000, 21},
      {"x86-6slot-noalloc-mom", 0, 1000000, 31000000, 19000000, 25},
      {"x86-device-mom", 0, 11584, 231680, 102074, 20},
      {"x86-3slot", 7, 4942, 37057, 14604, 7},
      {"x86-3slot-mom", 7, 813, 9546, 3571, 7},
      {"x86-4slot", 7, 18712, 143608, 49407, 7},
      {"x86-4slot-mom", 7, 1931, 26094, 8550, 7},
      {"x86-movable-node", 0, 529, 6877, 4411, 10},
      {"x86-auto-online", 0, 529, 6877, 4411, 11},
      {"x86-auto-kernel-mom", 0, 145, 1595, 1202, 8},
      {"x86-auto-movable-state-mom", 0, 145, 1595, 1202, 8},
      {"x86-ratio50", 0, 529, 6877, 4411, 10},
  };
  return pins;
}

const ExplorePin* find_explore_pin(std::string_view config) {
  for (const ExplorePin& p : explore_pins())
    if (p.config == config) return &p;
  return nullptr;
}

std::string explore_pins_markdown() {
  std::ostringstream out;
  out << "| config | what | ops | bound | states | transitions | edges | depth |\n"
      << "|---|---|---|---|---|---|---|---|\n";
  for (const ExplorePin& p : explore_pins()) {
    const ExploreConfig* c = find_explore_config(p.config);
    out << "| " << p.config << " | " << (c ? c->description : "(no such configuration)") << " | "
        << (c ? explore_alphabet(*c).size() : 0) << " | "
        << (p.max_depth ? std::to_string(p.max_depth) + " levels" : "complete") << " | " << p.states << " | "
        << p.transitions << " | " << p.edges << " | " << p.depth << " |\n";
  }
  return out.str();
}

}  // namespace memhp
