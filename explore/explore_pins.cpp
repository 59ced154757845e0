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
      {"x86-1slot", 0, 44, 397, 192, 8},
      {"x86-1slot-mom", 0, 44, 397, 192, 8},
      {"x86-1slot-veto", 0, 132, 1587, 926, 9},
      {"x86-1slot-veto-mom", 0, 132, 1587, 926, 9},
      {"x86-2slot", 0, 23836, 388726, 175607, 24},
      {"x86-2slot-mom", 0, 1538, 25464, 11987, 11},
      {"x86-256m", 0, 686, 9950, 5088, 10},
      {"x86-256m-mom", 0, 686, 9950, 5088, 10},
      {"x86-2node-mom", 0, 1658, 27264, 12747, 13},
      {"x86-3slot-noalloc", 0, 28270, 424050, 217614, 17},
      {"x86-3slot-noalloc-mom", 0, 5914, 88710, 53562, 13},
      {"x86-4slot-noalloc-mom", 0, 233425, 4668500, 2826180, 17},
      {"x86-device-mom", 0, 11584, 220096, 90490, 20},
      {"x86-3slot", 7, 5134, 36212, 13399, 7},
      {"x86-3slot-mom", 7, 2522, 23009, 8506, 7},
      {"x86-4slot", 7, 19408, 140994, 45785, 7},
      {"x86-4slot-mom", 7, 8870, 85770, 28069, 7},
      {"x86-movable-node", 0, 529, 6348, 3882, 10},
      {"x86-auto-online", 0, 529, 6348, 3882, 11},
      {"x86-auto-kernel-mom", 0, 145, 1450, 1057, 8},
      {"x86-auto-movable-state-mom", 0, 145, 1450, 1057, 8},
      {"x86-ratio50", 0, 529, 6348, 3882, 10},
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
