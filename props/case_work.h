// How much of a RapidCheck run is done after k cases, for check's ETA.
//
// Cases are not alike: RapidCheck gives case i a size (0 to --steps) and the
// command generator draws up to that many commands, so a case of size s runs
// about s/2 steps. The sizes go in cycles 0, 1, ..., --steps, and the cases
// left over after the last whole cycle are spread evenly over the same range
// (rapidcheck src/detail/Testing.cpp, sizeFor()). With the default 100 cases
// of up to 60 steps the first 30 cases are the cheap ends of a cycle: a mean
// over them would promise the end about twice too early.
#pragma once

#include <vector>

namespace memhp {

class CaseWork {
 public:
  CaseWork(int cases, int max_size);
  // The size RapidCheck gives case i (0-based) when no case is discarded.
  int size(int i) const;
  // The expected work of the first k cases, in steps (one more per case for
  // its boot and first check).
  double done(int k) const;
  // The work left after k cases as a multiple of the work done: spent time
  // times this is the ETA. 0 before the first case and after the last.
  double remaining_ratio(int k) const;

 private:
  int cases_, sizes_, regular_;
  std::vector<double> rest_;  // prefix sums of the leftover cases' work
};

}  // namespace memhp
