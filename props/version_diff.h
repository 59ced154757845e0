// One trace under two kernel versions: where do they part?
//
// `memhp diff-versions` runs the same ops on two Systems, one booted per
// profile, and stops at the first step after which the errnos or the states
// differ. The profiles themselves are not compared (they differ by
// construction), nor a counter one of the versions lacks (the vmstat
// memmap counters before 6.11); everything else a System holds is, through
// diff_systems(),
// so a difference the model keeps but the report would not show cannot hide.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "memhp/trace.h"

namespace memhp {

struct VersionDivergence {
  int line = 0;            // 0: already after boot
  std::string op;          // "boot" or the op as the trace prints it
  int err_from = 0, err_to = 0;
  std::vector<std::string> notes_from, notes_to;  // Result::notes (silent fallbacks)
  std::vector<std::string> diff;                  // the state, from -> to
};

struct VersionDiff {
  std::string boot_error;  // non-empty: a profile could not boot the trace
  std::size_t steps = 0;   // steps run under both before the first divergence (or all)
  std::optional<VersionDivergence> first;
};

// `from` and `to` are the same trace read under two versions
// (parse_trace(text, names, version)).
VersionDiff diff_versions(const Trace& from, const Trace& to);

}  // namespace memhp
