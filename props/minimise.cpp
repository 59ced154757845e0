#include "minimise.h"

#include <algorithm>
#include <vector>

#include "replay.h"

namespace memhp {
namespace {

// The invariant replay reports for t, with every expect cleared (a removed
// step changes later errnos, and that is not the failure being kept). An
// empty trace is never a counterexample of the suites: a step failed there.
bool still_fails(Trace t, const std::string& invariant) {
  if (t.steps.empty()) return false;
  for (TraceStep& s : t.steps) s.expect.reset();
  const ReplayResult r = replay_trace(t);
  return r.boot_error.empty() && r.violation && r.violation->invariant == invariant;
}

Trace without(const Trace& t, std::size_t i, std::size_t j) {
  Trace out = t;
  out.steps.clear();
  for (std::size_t k = 0; k < t.steps.size(); ++k)
    if (k != i && k != j) out.steps.push_back(t.steps[k]);
  return out;
}

// One pass: the first single step, else the first pair, whose removal keeps
// the failure. False when neither exists.
bool drop_one(Trace& t, const std::string& invariant) {
  const std::size_t n = t.steps.size();
  for (std::size_t i = 0; i < n; ++i)
    if (Trace c = without(t, i, i); still_fails(c, invariant)) return t = std::move(c), true;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (Trace c = without(t, i, j); still_fails(c, invariant)) return t = std::move(c), true;
  return false;
}

// Where `size` bytes of fresh memory can go: the lowest block boundary
// above the boot ranges where no range the trace adds lies; from the
// trace's text alone.
u64 fresh_start(const Trace& t, u64 size) {
  u64 top = 0;
  std::vector<std::pair<u64, u64>> added;
  for (const BootRange& b : t.boot) top = std::max(top, b.start + b.size);
  for (const TraceStep& s : t.steps) {
    if (const auto* a = std::get_if<OpAddMemory>(&s.op)) added.emplace_back(a->start, a->size);
    if (const auto* d = std::get_if<OpDimmAdd>(&s.op)) added.emplace_back(d->start, d->size);
  }
  u64 at = align_up(top, t.geo.block_bytes);
  for (bool moved = true; moved;) {
    moved = false;
    for (const auto& [a, n] : added)
      if (a < at + size && at < a + n) at = align_up(a + n, t.geo.block_bytes), moved = true;
  }
  return at;
}

// The steps after step i that name memory of [from, from + size) (a block
// id, a start) name the same place in [to, to + size) instead.
void follow_move(Trace& t, std::size_t i, u64 from, u64 to, u64 size) {
  const Geometry& g = t.geo;
  auto moved = [&](u64 addr) { return from <= addr && addr < from + size ? addr - from + to : addr; };
  auto moved_block = [&](u64 id) {
    const u64 addr = g.block_bytes * id;
    return from <= addr && addr < from + size ? (addr - from + to) / g.block_bytes : id;
  };
  for (std::size_t k = i + 1; k < t.steps.size(); ++k) {
    Op& op = t.steps[k].op;
    if (auto* o = std::get_if<OpOnlineBlock>(&op)) o->block = moved_block(o->block);
    if (auto* o = std::get_if<OpOfflineBlock>(&op)) o->block = moved_block(o->block);
    if (auto* o = std::get_if<OpAlloc>(&op); o && o->block) o->block = moved_block(*o->block);
    if (auto* o = std::get_if<OpRemoveMemory>(&op)) o->start = moved(o->start);
    if (auto* o = std::get_if<OpDimmRemove>(&op)) o->start = moved(o->start);
  }
}

// One pass: the first add that still fails when it adds fresh memory
// instead, the later steps following it there (an add that re-adds
// removed memory needs the steps that removed it; one of fresh memory does
// not, and drop_one() can then take them).
bool relocate_one(Trace& t, const std::string& invariant) {
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    u64 start = 0, size = 0;
    if (const auto* a = std::get_if<OpAddMemory>(&t.steps[i].op)) start = a->start, size = a->size;
    else if (const auto* d = std::get_if<OpDimmAdd>(&t.steps[i].op)) start = d->start, size = d->size;
    else continue;
    const u64 fresh = fresh_start(t, size);
    if (start >= fresh || size == 0) continue;  // already fresh, or above it: leave it
    Trace c = t;
    if (auto* a = std::get_if<OpAddMemory>(&c.steps[i].op)) a->start = fresh;
    if (auto* d = std::get_if<OpDimmAdd>(&c.steps[i].op)) d->start = fresh;
    follow_move(c, i, start, fresh, size);
    if (still_fails(c, invariant)) return t = std::move(c), true;
  }
  return false;
}

// Each step's `# expect:` set to what it returns now, as the suites write it.
void refresh_expects(Trace& t) {
  for (TraceStep& s : t.steps) s.expect.reset();
  const ReplayResult r = replay_trace(t);
  for (std::size_t k = 0; k < r.steps.size() && k < t.steps.size(); ++k)
    t.steps[k].expect = r.steps[k].result.err;
}

}  // namespace

Trace minimise_trace(const Trace& t, const std::string& invariant) {
  if (!still_fails(t, invariant)) return t;  // nothing to keep: leave it as it came
  Trace m = t;
  bool changed = false;
  while (drop_one(m, invariant) || relocate_one(m, invariant)) changed = true;
  if (!changed) return t;
  for (const TraceStep& s : t.steps)
    if (s.expect) return refresh_expects(m), m;
  return m;
}

}  // namespace memhp
