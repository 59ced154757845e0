#include "explore_pins.h"

#include <sstream>

#include "explore.h"

namespace memhp {

// All are explored completely except x86-3slot(-mom) and x86-4slot(-mom),
// whose configurations bound them to 7 BFS levels (with allocations their
// complete spaces take minutes to hours: NOTES.md section 10); their
// no-allocation variants are complete.
const std::vector<ExplorePin>& explore_pins() {
  static const std::vector<ExplorePin> pins = {
      {"x86-1slot", 0, 44, 441, 236, 8},
      {"x86-1slot-mom", 0, 44, 441, 236, 8},
      {"x86-1slot-veto", 0, 132, 1719, 1058, 9},
      {"x86-1slot-veto-mom", 0, 132, 1719, 1058, 9},
      {"x86-2slot", 0, 23836, 412562, 199443, 24},
      {"x86-2slot-mom", 0, 1538, 27002, 13525, 11},
      {"x86-256m", 0, 686, 10636, 5774, 10},
      {"x86-256m-mom", 0, 686, 10636, 5774, 10},
      {"x86-1slot-compact", 0, 152, 1668, 952, 10},
      {"x86-1slot-compact-mom", 0, 152, 1668, 952, 10},
      {"x86-2node-mom", 0, 1658, 28922, 14405, 13},
      {"x86-3slot-noalloc", 0, 28270, 452320, 245884, 17},
      {"x86-3slot-noalloc-mom", 0, 5914, 94624, 59476, 13},
      {"x86-4slot-noalloc-mom", 0, 233425, 4901925, 3059605, 17},
      {"x86-device-mom", 0, 11584, 231680, 102074, 20},
      {"x86-3slot", 7, 5134, 37579, 14766, 7},
      {"x86-3slot-mom", 7, 2522, 23872, 9369, 7},
      {"x86-4slot", 7, 19408, 144976, 49767, 7},
      {"x86-4slot-mom", 7, 8870, 88176, 30475, 7},
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
