#include "version_diff.h"

#include "diff.h"
#include "replay.h"

namespace memhp {

namespace {

// A state as diff_systems() compares it with one under `other`: less the
// profile, and less what only one of the two versions keeps (6.1 has no
// nr_memmap_pages, whose 0 is no value to compare; a block keeps the
// altmap's alloc count only from 6.6).
System comparable(System s, const Profile& other) {
  auto both = [&](Delta d) { return s.prof.has(d) && other.has(d); };
  if (!both(Delta::MemmapAccounting)) s.vmstat = Vmstat{};
  if (!both(Delta::AltmapInBlock))
    s.blocks.update(0, RunMap<MemoryBlock>::kEnd, [](MemoryBlock& m) { m.altmap_alloc = 0; });
  s.prof = Profile{};
  return s;
}

std::vector<std::string> state_diff(const System& a, const System& b) {
  return diff_systems(comparable(a, b.prof), comparable(b, a.prof));
}

}  // namespace

VersionDiff diff_versions(const Trace& from, const Trace& to) {
  VersionDiff out;
  auto a = boot_trace(from), b = boot_trace(to);
  if (auto* e = std::get_if<std::string>(&a)) out.boot_error = std::string(version_name(from.prof.version)) + ": " + *e;
  if (auto* e = std::get_if<std::string>(&b)) out.boot_error = std::string(version_name(to.prof.version)) + ": " + *e;
  if (!out.boot_error.empty()) return out;
  System& x = std::get<System>(a);
  System& y = std::get<System>(b);
  if (auto d = state_diff(x, y); !d.empty()) {
    out.first = VersionDivergence{0, "boot", 0, 0, {}, {}, std::move(d)};
    return out;
  }
  for (std::size_t i = 0; i < from.steps.size() && i < to.steps.size(); ++i) {
    const Result rx = apply_guarded(x, from.steps[i].op);
    const Result ry = apply_guarded(y, to.steps[i].op);
    auto d = state_diff(x, y);
    if (rx.err != ry.err || !d.empty() || rx.notes != ry.notes) {
      out.first = VersionDivergence{from.steps[i].line, print_op(from.steps[i].op), rx.err, ry.err,
                                    rx.notes, ry.notes, std::move(d)};
      return out;
    }
    ++out.steps;
  }
  return out;
}

}  // namespace memhp
