// The block encoding (smt/enc_block.h) against the C++ model, and the
// theorems built on it (smt/thm_block.cpp, smt/thm_chc.cpp).
//
// Two kinds of cross-check, as the issue asks for every encoding:
// - the pure layout functions memory_block_vmemmap_range() and
//   memory_block_online_range() against their encodings, on random inputs
//   and on Z3-made boundary inputs;
// - every transition against the model's operations: random sequences of
//   add/online/offline/remove/alloc/free/notifier steps on two blocks, over
//   every geometry case and under the mutants the encoding mirrors, and
//   Z3-made corner cases (the watched pfn on each side of every range
//   boundary, P = 0 and P > 0, each transition's outcome). After each step
//   the model's block phase, nr_vmemmap_pages, the watched pfns' page
//   classes and the zone/node counters must be what the encoding computes
//   from the model's pre-state, for some value of the encoding's choice.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <random>
#include <variant>

#include "conformance.h"
#include "discharge.h"
#include "enc_block.h"
#include "memhp/block_layout.h"
#include "memhp/invariants.h"
#include "memhp/ops.h"
#include "memhp/trace.h"
#include "replay.h"
#include "theorem.h"

using namespace memhp;
using namespace memhp::smt;

namespace {

// The encoding evaluated on concrete values (smt/conformance.h).
using Evaluator = BlockEvaluator;

// ------------------------------------------------------------- the model --

constexpr u64 GiB = u64{1} << 30;

Profile test_profile() {
  Profile p;
  p.memmap_on_memory = true;
  p.memhp_default_state = OnlineType::Offline;
  return p;
}

// A booted System per geometry case, booted once per test: 4 GiB on node 0.
class Boots {
 public:
  const System& operator()(std::size_t g) {
    auto it = cache_.find(g);
    if (it != cache_.end()) return it->second;
    auto v = boot_system(geometry_cases().at(g).geo, test_profile(), {{0, 0, kBootBytes}});
    REQUIRE(std::holds_alternative<System>(v));
    return cache_.emplace(g, std::get<System>(v)).first->second;
  }

 private:
  std::map<std::size_t, System> cache_;
};

// One block as the encoding sees it.
struct Blk {
  u64 id = 0, start = 0;
};

struct Abs {
  int ph = 0;
  u64 p = 0;
};

Abs abs_block(const System& s, u64 id) {
  const MemoryBlock& m = s.blocks.at(id);
  return {static_cast<int>(block_phase(m)), m.present ? m.nr_vmemmap_pages : 0};
}

int abs_class(const System& s, u64 pfn) { return static_cast<int>(page_class(s.page(Pfn{pfn}).kind)); }

// The zone counters of one (node, zone), and of everything.
struct Counts {
  std::int64_t zp = 0, zm = 0, np = 0;
};
Counts counts(const System& s, int nid, Zone z) {
  const ZoneState& zs = s.zone(nid, z);
  return {static_cast<std::int64_t>(zs.present_pages), static_cast<std::int64_t>(zs.managed_pages),
          static_cast<std::int64_t>(s.node(nid).node_present_pages)};
}

// Which zone a block transition accounts in: the block's zone while online;
// for a refused online, the zone whose counters moved, if one did (the block
// never got a zone).
std::optional<std::pair<int, Zone>> accounted_zone(const System& pre, const System& post, u64 id) {
  for (const System* s : {&post, &pre}) {
    const MemoryBlock& m = s->blocks.at(id);
    if (m.present && m.state == BlockState::Online && m.zone) return std::make_pair(m.nid, *m.zone);
  }
  for (int nid = 0; nid < static_cast<int>(pre.nodes.size()); ++nid)
    for (Zone z : kAllZones) {
      const ZoneState &a = pre.zone(nid, z), &b = post.zone(nid, z);
      if (a.present_pages != b.present_pages || a.managed_pages != b.managed_pages)
        return std::make_pair(nid, z);
    }
  return std::nullopt;
}

// Every (node, zone) counter other than `except` is unchanged.
bool other_counters_unchanged(const System& pre, const System& post,
                              std::optional<std::pair<int, Zone>> except) {
  for (int nid = 0; nid < static_cast<int>(pre.nodes.size()); ++nid) {
    if (!(except && except->first == nid) &&
        pre.node(nid).node_present_pages != post.node(nid).node_present_pages)
      return false;
    for (Zone z : kAllZones) {
      if (except && *except == std::make_pair(nid, z)) continue;
      const ZoneState &a = pre.zone(nid, z), &b = post.zone(nid, z);
      if (a.present_pages != b.present_pages || a.managed_pages != b.managed_pages) return false;
    }
  }
  return true;
}

// What a model op was, as a block transition.
BlockOp classify_add(const Result& r, unsigned flags) {
  if (!r.ok()) return BlockOp::AddFailed;
  return flags & MHP_MEMMAP_ON_MEMORY ? BlockOp::AddMemmapOnMemory : BlockOp::Add;
}
BlockOp classify(BlockOp success, BlockOp failure, const Result& r, int pre_phase, Phase failure_phase) {
  if (r.ok()) return success;
  return pre_phase == static_cast<int>(failure_phase) ? failure : BlockOp::Rejected;
}

// The checker: one model step, compared with the encoding.
struct Checker {
  Evaluator ev;
  Boots booted;
  std::size_t geometry = 0;
  MutantSet mutants;
  long inputs = 0, steps = 0;
  std::map<BlockOp, long> seen;
  // Steps where a mirrored mutant could matter: a vmemmap block changing phase.
  std::map<MutantSet, long> mutant_vmemmap_steps;

  // Compares one step on block `b` (the other block `o` must not change).
  void step(const System& pre, const System& post, BlockOp op, Blk b, Blk o,
            const std::vector<u64>& xs, const std::string& what) {
    const GeometryCase& gc = geometry_cases().at(geometry);
    CAPTURE(what);
    CAPTURE(gc.label());
    CAPTURE(block_op_name(op));
    ++steps;
    ++seen[op];
    const Abs a = abs_block(pre, b.id), a2 = abs_block(post, b.id);
    if (a.p && (op == BlockOp::Online || op == BlockOp::Offline || op == BlockOp::OnlineRefused))
      ++mutant_vmemmap_steps[mutants];
    Evaluator::In in;
    in.start = b.start;
    in.n = gc.block_pages;
    in.pv = gc.vmemmap_pages;
    in.mom = gc.supported;
    in.ph = a.ph;
    in.p = a.p;
    const auto zone = accounted_zone(pre, post, b.id);
    if (zone) {
      const Counts c = counts(pre, zone->first, zone->second);
      in.zp = c.zp, in.zm = c.zm, in.np = c.np;
    }
    const Evaluator::Out out = ev.eval(op, mutants, in);
    CHECK(out.guard);
    CHECK(out.ph == a2.ph);
    CHECK(out.p == a2.p);
    // Only the acted-on block changes phase.
    const Abs o1 = abs_block(pre, o.id), o2 = abs_block(post, o.id);
    CHECK((o1.ph == o2.ph && o1.p == o2.p));
    // Counters: the block's zone moves by the encoded amount, nothing else.
    if (zone) {
      const Counts c = counts(post, zone->first, zone->second);
      CHECK(out.zp == c.zp);
      CHECK(out.zm == c.zm);
      CHECK(out.np == c.np);
    } else {
      CHECK((out.zp == in.zp && out.zm == in.zm && out.np == in.np));
    }
    CHECK(other_counters_unchanged(pre, post, zone));
    for (u64 x : xs) {
      in.x = x;
      in.kx = abs_class(pre, x);
      const int want = abs_class(post, x);
      in.choice = false;
      int got = ev.eval(op, mutants, in).kx;
      if (got != want) {
        in.choice = true;
        got = ev.eval(op, mutants, in).kx;
      }
      ++inputs;
      if (got != want) {
        CAPTURE(x - b.start);
        CAPTURE(page_class_name(in.kx));
        CHECK(page_class_name(got) == page_class_name(want));
      }
    }
  }
};

// The watched pfns for a step: both blocks' range boundaries, plus random
// pfns in the blocks and below them.
std::vector<u64> watched(const GeometryCase& gc, const System& s, Blk a, Blk b, std::mt19937_64& rng) {
  std::vector<u64> xs;
  for (Blk k : {a, b}) {
    const u64 p = abs_block(s, k.id).p, n = gc.block_pages;
    for (u64 x : {k.start - 1, k.start, k.start + p - 1, k.start + p, k.start + n - 1, k.start + n})
      xs.push_back(x);
    xs.push_back(k.start + rng() % n);
    if (gc.vmemmap_pages) xs.push_back(k.start + rng() % gc.vmemmap_pages);
  }
  xs.push_back(rng() % (kBootBytes >> gc.geo.page_shift));
  return xs;
}

// Runs one random sequence of `len` steps on two blocks of geometry case g.
void random_run(Checker& ck, std::mt19937_64& rng, int len) {
  // Half the runs where memmap_on_memory is supported, where P > 0.
  std::vector<std::size_t> supported;
  for (std::size_t i = 0; i < geometry_cases().size(); ++i)
    if (geometry_cases()[i].supported) supported.push_back(i);
  const std::size_t g =
      rng() % 2 ? supported[rng() % supported.size()] : rng() % geometry_cases().size();
  const GeometryCase& gc = geometry_cases()[g];
  System s = ck.booted(g);
  s.mutants = ck.mutants;
  ck.geometry = g;
  const u64 first = kBootBytes / gc.geo.block_bytes;
  Blk a{first + rng() % 4, 0}, b{0, 0};
  b.id = rng() % 2 ? a.id + 1 : a.id + 2 + rng() % 4;
  if (rng() % 2) std::swap(a, b);
  a.start = a.id * gc.block_pages;
  b.start = b.id * gc.block_pages;
  for (int i = 0; i < len; ++i) {
    const bool on_a = rng() % 4 != 0;  // mostly one block, so that it goes through its life
    const Blk k = on_a ? a : b, other = on_a ? b : a;
    const u64 bytes = gc.geo.phys_of(Pfn{k.start});
    const std::vector<u64> xs = watched(gc, s, a, b, rng);
    const System pre = s;
    const int ph = abs_block(pre, k.id).ph;
    BlockOp op = BlockOp::Rejected;
    std::string what;
    switch (rng() % 10) {
      case 0:
      case 1: {
        const unsigned flags = rng() % 3 ? MHP_MEMMAP_ON_MEMORY : MHP_NONE;
        what = "add_memory flags=" + std::to_string(flags);
        op = classify_add(add_memory(s, 0, bytes, gc.geo.block_bytes, flags), flags);
        break;
      }
      case 2:
      case 7: {
        const OnlineType t = std::array{OnlineType::Online, OnlineType::OnlineKernel,
                                        OnlineType::OnlineMovable}[rng() % 3];
        what = "online_block";
        op = classify(BlockOp::Online, BlockOp::OnlineRefused, online_block(s, k.id, t), ph,
                      Phase::Offline);
        break;
      }
      case 3:
      case 8:
        what = "offline_block";
        op = classify(BlockOp::Offline, BlockOp::OfflineBusy, offline_block(s, k.id), ph, Phase::Online);
        break;
      case 4:
        if (ph == static_cast<int>(Phase::Absent)) continue;  // removing nothing WARNs: not a transition
        what = "remove_memory";
        op = classify(BlockOp::Remove, BlockOp::RemoveBusy, remove_memory(s, bytes, gc.geo.block_bytes),
                      ph, Phase::Online);
        break;
      case 5:
      case 6: {
        const bool free = rng() % 2;
        const AllocKind kind = rng() % 2 ? AllocKind::Movable : AllocKind::Unmovable;
        const Zone zone = rng() % 2 ? Zone::Movable : Zone::Normal;
        const u64 count = 1 + rng() % (rng() % 2 ? 64 : gc.block_pages);
        const std::optional<u64> in_block = rng() % 2 ? std::optional<u64>(k.id) : std::nullopt;
        what = free ? "free" : "alloc";
        const Result r = free ? free_pages(s, 0, zone, count, kind, in_block)
                              : alloc_pages(s, 0, zone, count, kind, in_block);
        op = !r.ok() ? BlockOp::Rejected : free ? BlockOp::Free : BlockOp::Alloc;
        break;
      }
      default:
        what = "memory_notifier";
        set_memory_notifier(s, rng() % 4 ? 0 : -EBUSY, rng() % 4 ? 0 : -EBUSY);
        break;
    }
    ck.step(pre, s, op, k, other, xs, what);
  }
}

// ----------------------------------------------------------- Z3 helpers --

std::uint64_t val(const z3::model& m, const z3::expr& e) { return eval_u64(m, e); }

}  // namespace

// ------------------------------------------------------ the pure layout --

TEST_CASE("smt block: the layout encoding agrees with the model on random and boundary inputs") {
  z3::context c;
  const z3::expr start = c.int_const("start"), n = c.int_const("n"), p = c.int_const("p");
  const IntRange vm = enc_vmemmap_range(start, p), on = enc_online_range(start, n, p);
  auto check = [&](u64 s0, u64 n0, u64 p0) {
    z3::expr_vector src(c), dst(c);
    for (auto [e, v] : {std::pair{start, s0}, {n, n0}, {p, p0}}) {
      src.push_back(e);
      dst.push_back(c.int_val(static_cast<std::uint64_t>(v)));
    }
    auto num = [&](z3::expr e) { return e.substitute(src, dst).simplify().get_numeral_uint64(); };
    const PfnRange mv = k::memory_block_vmemmap_range(Pfn{s0}, p0);
    const PfnRange mo = k::memory_block_online_range(Pfn{s0}, n0, p0);
    CAPTURE(s0);
    CAPTURE(n0);
    CAPTURE(p0);
    CHECK(num(vm.lo) == mv.start.v);
    CHECK(num(vm.hi) == mv.end.v);
    CHECK(num(on.lo) == mo.start.v);
    CHECK(num(on.hi) == mo.end.v);
  };
  std::mt19937_64 rng(20240607);
  for (int i = 0; i < 10000; ++i) {
    const u64 n0 = u64{1} << (rng() % 24), p0 = rng() % (n0 + 1);
    check((rng() % (u64{1} << 40)) * n0, n0, p0);
  }
  // Z3's inputs at each boundary: P = 0, P = N - 1, P = N, start = 0, and
  // the ranges meeting (vmemmap end = online start) in every case.
  z3::solver s(c, z3::solver::simple());
  const z3::expr shape = n >= 1 && n <= (1 << 23) && p >= 0 && p <= n && start >= 0 && start < c.int_val(static_cast<std::uint64_t>(u64{1} << 52));
  int corners = 0;
  for (const z3::expr& edge : {p == 0, p == n - 1, p == n, p == 1, start == 0, n == 1, p == n - 2}) {
    for (const z3::expr& other : {start == 0, start > 0}) {
      s.push();
      s.add(shape && edge && other);
      if (s.check() == z3::sat) {
        const z3::model m = s.get_model();
        check(val(m, start), val(m, n), val(m, p));
        ++corners;
      }
      s.pop();
    }
  }
  CHECK(corners >= 12);
}

// ------------------------------------------------ transitions vs model --

TEST_CASE("smt block: transitions agree with the model on random sequences") {
  const auto t0 = std::chrono::steady_clock::now();
  std::mt19937_64 rng(7);
  Checker ck;
  int runs = 0;
  while (ck.inputs < 10000 || runs < 300) {
    // One run in three under a mutant the encoding mirrors.
    ck.mutants = {};
    if (runs % 3 == 2) {
      static constexpr Mutant kMutants[] = {Mutant("vmemmap_freed_to_buddy"), Mutant("offline_keeps_managed"),
                                            Mutant("vmemmap_not_present"), Mutant("offline_skips_present"),
                                            Mutant("online_failure_skips_deinit")};
      ck.mutants.set(kMutants[rng() % 5]);
    }
    random_run(ck, rng, 16);
    ++runs;
  }
  MESSAGE(runs << " runs, " << ck.steps << " steps, " << ck.inputs << " (step, pfn) inputs in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
  // Every transition was exercised, and every mirrored mutant where it bites.
  for (BlockOp op : all_block_ops()) {
    CAPTURE(block_op_name(op));
    CHECK(ck.seen[op] > 0);
  }
  CHECK(ck.mutant_vmemmap_steps[MutantSet{}] >= 50);
}

// A memmap_on_memory block's whole life, in every supported geometry case,
// without and with each mirrored mutant: the steps where the mutants bite,
// which random sequences reach only now and then.
TEST_CASE("smt block: transitions agree with the model over a block's life under each mirrored mutant") {
  Checker ck;
  std::mt19937_64 rng(11);
  std::vector<MutantSet> sets = {MutantSet{}};
  for (Mutant m : {Mutant("vmemmap_freed_to_buddy"), Mutant("offline_keeps_managed"), Mutant("vmemmap_not_present"),
                   Mutant("offline_skips_present"), Mutant("online_failure_skips_deinit")}) {
    sets.emplace_back();
    sets.back().set(m);
  }
  for (std::size_t g = 0; g < geometry_cases().size(); ++g) {
    const GeometryCase& gc = geometry_cases()[g];
    if (!gc.supported) continue;
    for (MutantSet m : sets) {
      ck.mutants = m;
      ck.geometry = g;
      System s = ck.booted(g);
      s.mutants = m;
      const Blk a{kBootBytes / gc.geo.block_bytes, (kBootBytes / gc.geo.block_bytes) * gc.block_pages};
      const Blk b{a.id + 1, a.start + gc.block_pages};
      const u64 bytes = gc.geo.phys_of(Pfn{a.start}), size = gc.geo.block_bytes;
      // Each step: what it does, and the transition it must be.
      const std::vector<std::pair<BlockOp, std::function<Result(System&)>>> life = {
          {BlockOp::AddMemmapOnMemory, [&](System& x) { return add_memory(x, 0, bytes, size, MHP_MEMMAP_ON_MEMORY); }},
          {BlockOp::Rejected, [&](System& x) { set_memory_notifier(x, -EBUSY, -EBUSY); return Result{}; }},
          {BlockOp::OnlineRefused, [&](System& x) { return online_block(x, a.id, OnlineType::OnlineMovable); }},
          {BlockOp::Rejected, [&](System& x) { set_memory_notifier(x, 0, -EBUSY); return Result{}; }},
          {BlockOp::Online, [&](System& x) { return online_block(x, a.id, OnlineType::OnlineMovable); }},
          {BlockOp::Alloc, [&](System& x) { return alloc_pages(x, 0, Zone::Movable, 3, AllocKind::Movable, a.id); }},
          {BlockOp::OfflineBusy, [&](System& x) { return offline_block(x, a.id); }},
          {BlockOp::RemoveBusy, [&](System& x) { return remove_memory(x, bytes, size); }},
          {BlockOp::Rejected, [&](System& x) { set_memory_notifier(x, 0, 0); return Result{}; }},
          {BlockOp::Offline, [&](System& x) { return offline_block(x, a.id); }},
          {BlockOp::Online, [&](System& x) { return online_block(x, a.id, OnlineType::OnlineKernel); }},
          {BlockOp::Offline, [&](System& x) { return offline_block(x, a.id); }},
          {BlockOp::Remove, [&](System& x) { return remove_memory(x, bytes, size); }},
      };
      for (const auto& [op, act] : life) {
        const System pre = s;
        const Result r = act(s);
        const bool ok = op == BlockOp::OnlineRefused || op == BlockOp::OfflineBusy || op == BlockOp::RemoveBusy
                            ? !r.ok() : r.ok();
        CAPTURE(gc.label());
        CAPTURE(block_op_name(op));
        REQUIRE(ok);
        ck.step(pre, s, op, a, b, watched(gc, pre, a, b, rng), "life");
      }
    }
  }
  for (const MutantSet& m : sets) CHECK(ck.mutant_vmemmap_steps[m] >= 10);
}

// --------------------------------------------------- Z3-made corner cases --

namespace {

// Sets up block `id` of geometry case g in phase `ph` with P = p, then runs
// `op` on it (a refused/busy op through the notifier) and checks the step.
// Returns false if the model could not be put in the pre-state.
bool realise(Checker& ck, std::size_t g, u64 start, int ph, u64 p, u64 x, BlockOp op) {
  const GeometryCase& gc = geometry_cases().at(g);
  ck.geometry = g;
  System s = ck.booted(g);
  s.mutants = ck.mutants;
  const u64 id = start / gc.block_pages, bytes = gc.geo.phys_of(Pfn{start}), size = gc.geo.block_bytes;
  const unsigned flags = p ? MHP_MEMMAP_ON_MEMORY : MHP_NONE;
  if (ph >= static_cast<int>(Phase::Offline) && !add_memory(s, 0, bytes, size, flags).ok()) return false;
  if (ph == static_cast<int>(Phase::Online) && !online_block(s, id, OnlineType::OnlineMovable).ok())
    return false;
  // The page allocator acts in the block when it is online, else in boot memory.
  const std::optional<u64> where =
      ph == static_cast<int>(Phase::Online) ? std::optional<u64>(id) : std::nullopt;
  if (op == BlockOp::Free) alloc_pages(s, 0, Zone::Movable, 1, AllocKind::Movable, where);
  if (op == BlockOp::OnlineRefused) set_memory_notifier(s, -EBUSY, 0);
  if (op == BlockOp::OfflineBusy) set_memory_notifier(s, 0, -EBUSY);
  const System pre = s;
  Result r;
  switch (op) {
    case BlockOp::AddMemmapOnMemory: r = add_memory(s, 0, bytes, size, MHP_MEMMAP_ON_MEMORY); break;
    case BlockOp::Add: r = add_memory(s, 0, bytes, size, MHP_NONE); break;
    // Absent: memmap_on_memory for two blocks is -EINVAL in 6.1; present: -EEXIST.
    case BlockOp::AddFailed: r = add_memory(s, 0, bytes, 2 * size, MHP_MEMMAP_ON_MEMORY); break;
    case BlockOp::Online:
    case BlockOp::OnlineRefused: r = online_block(s, id, OnlineType::OnlineMovable); break;
    case BlockOp::Offline:
    case BlockOp::OfflineBusy: r = offline_block(s, id); break;
    case BlockOp::Remove:
    case BlockOp::RemoveBusy: r = remove_memory(s, bytes, size); break;
    case BlockOp::Alloc: r = alloc_pages(s, 0, Zone::Movable, 1, AllocKind::Movable, where); break;
    case BlockOp::Free: r = free_pages(s, 0, Zone::Movable, 1, AllocKind::Movable, where); break;
    case BlockOp::Rejected: r = online_block(s, id + 1, OnlineType::Online); break;  // no such block
    case BlockOp::kCount: return false;
  }
  const bool want_ok = op == BlockOp::AddMemmapOnMemory || op == BlockOp::Add || op == BlockOp::Online ||
                       op == BlockOp::Offline || op == BlockOp::Remove || op == BlockOp::Alloc ||
                       op == BlockOp::Free;
  if (r.ok() != want_ok) return false;
  ck.step(pre, s, op, Blk{id, start}, Blk{id + 3, (id + 3) * gc.block_pages}, {x},
          "corner " + std::string(block_op_name(op)));
  return true;
}

}  // namespace

TEST_CASE("smt block: transitions agree with the model on Z3-made corner cases") {
  z3::context c;
  auto i = [&](const char* n) { return c.int_const(n); };
  const z3::expr g = i("g"), id = i("id"), x = i("x");
  const BlockConst k{i("start"), i("n"), i("pv"), c.bool_const("mom")};
  const BlockVar b{i("ph"), i("p")};
  const z3::expr base = geometry_case_premise(g, id, k) && hot_add_window(g, k.start) &&
                        block_wf(k, b) && vmemmap_recorded(k, b);
  // Each boundary of the encoding's range tests (contains() is lo <= x < hi).
  const std::vector<z3::expr> edges = {x == k.start - 1,       x == k.start,
                                       x == k.start + b.p - 1, x == k.start + b.p,
                                       x == k.start + k.n - 1, x == k.start + k.n};
  Checker ck;
  z3::solver s(c, z3::solver::simple());
  int asked = 0, realised = 0;
  std::size_t rotate = 0;
  for (BlockOp op : all_block_ops()) {
    const PageStep st = page_step(op, k, b, x, c.int_val(0), c.bool_val(false), {});
    for (const z3::expr& edge : edges) {
      for (const z3::expr& pc : {b.p == 0, b.p > 0}) {
        for (int ph = 0; ph < 3; ++ph) {
          s.push();
          s.add(base && st.guard && edge && pc && b.ph == ph);
          // Spread the cases over the geometries where that is possible.
          s.push();
          s.add(g == static_cast<int>(rotate++ % geometry_cases().size()));
          z3::check_result r = s.check();
          if (r != z3::sat) {
            s.pop();
            s.push();
            r = s.check();
          }
          if (r == z3::sat) {
            ++asked;
            const z3::model m = s.get_model();
            CAPTURE(block_op_name(op));
            realised += realise(ck, val(m, g), val(m, k.start), ph, val(m, b.p), val(m, x), op);
          }
          s.pop();
          s.pop();
        }
      }
    }
  }
  MESSAGE(asked << " corner cases from Z3, " << realised << " run on the model, "
                << ck.inputs << " checks");
  for (BlockOp op : all_block_ops()) {
    CAPTURE(block_op_name(op));
    CHECK(ck.seen[op] >= 6);
  }
  CHECK(realised == asked);
}

// ------------------------------------------------------------ the theorems --

namespace {

const Theorem& theorem(std::string_view name) {
  const Theorem* t = find_theorem(name);
  REQUIRE(t != nullptr);
  return *t;
}

// Replays a counterexample trace: the first violation, and how many
// `# expect:` comments failed on the way.
std::pair<std::string, int> replay(const std::string& text) {
  auto parsed = parse_trace(text);
  if (auto* e = std::get_if<ParseError>(&parsed))
    return {"(line " + std::to_string(e->line) + ": " + e->message + ")", -1};
  const ReplayResult r = replay_trace(std::get<Trace>(parsed));
  if (!r.boot_error.empty()) return {"(boot: " + r.boot_error + ")", -1};
  return {r.violation ? r.violation->invariant : "(no violation)", r.expect_failures};
}

TheoremResult run(std::string_view name, bool mutant) {
  ProveOptions o;
  o.mutant = mutant;
  const TheoremResult r = run_theorem(theorem(name), o);
  MESSAGE(std::string(name) << std::string(mutant ? " (mutant)" : "") << ": " << verdict_name(r.verdict) << " in "
               << r.seconds << " s");
  return r;
}

void check_proved(const TheoremResult& r, const std::vector<std::string>& names) {
  CHECK(r.verdict == Verdict::Proved);
  CHECK(r.premises == Sat::Sat);
  CHECK(!r.cex);
  REQUIRE(r.obligations.size() == names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const ObligationResult& o = r.obligations[i];
    CAPTURE(o.name);
    CHECK(o.name == names[i]);
    CHECK(o.premises == Sat::Sat);
    CHECK(o.verdict == Verdict::Proved);
    CHECK(!o.smt2.empty());
    CHECK(!o.premises_smt2.empty());
  }
}

// Refuted, only at the named obligations, with a trace that replays (every
// `# expect:` holding) to the theorem's invariant.
void check_refuted(const TheoremResult& r, const std::set<std::string>& at, std::string_view invariant) {
  CHECK(r.verdict == Verdict::Refuted);
  CHECK(r.premises == Sat::Sat);
  std::set<std::string> refuted;
  for (const ObligationResult& o : r.obligations)
    if (o.verdict == Verdict::Refuted) refuted.insert(o.name);
  CHECK(refuted == at);
  REQUIRE(r.cex);
  CAPTURE(r.cex->summary);
  CAPTURE(r.cex->trace);
  CHECK(!r.cex->geometry.empty());
  CHECK(r.cex->invariant == invariant);
  const auto [violation, expect_failures] = replay(r.cex->trace);
  CHECK(violation == invariant);
  CHECK(expect_failures == 0);
}

std::vector<std::string> step_op_names(const std::string& suffix = "") {
  std::vector<std::string> v;
  for (BlockOp op : all_block_ops()) v.push_back(std::string(block_op_name(op)) + suffix);
  return v;
}

}  // namespace

TEST_CASE("smt block: vmemmap_never_in_buddy_per_transition holds for every transition") {
  check_proved(run("vmemmap_never_in_buddy_per_transition", false), step_op_names());
}

TEST_CASE("smt block: vmemmap_freed_to_buddy breaks it at online, and the trace replays") {
  const TheoremResult r = run("vmemmap_never_in_buddy_per_transition", true);
  check_refuted(r, {"online"}, "vmemmap_never_in_buddy");
  REQUIRE(r.cex);
  CHECK(r.cex->trace.find("mutant vmemmap_freed_to_buddy") != std::string::npos);
  CHECK(r.cex->trace.find("flags=memmap_on_memory") != std::string::npos);
}

TEST_CASE("smt block: memmap_on_memory_accounting holds for every transition") {
  check_proved(run("memmap_on_memory_accounting", false), step_op_names());
}

TEST_CASE("smt block: vmemmap_not_present breaks the accounting at online, and the trace replays") {
  const TheoremResult r = run("memmap_on_memory_accounting", true);
  check_refuted(r, {"online"}, "zone_present_counts_pages");
}

TEST_CASE("smt chc: vmemmap_never_in_buddy_unbounded: Spacer's invariant, re-checked by plain queries") {
  const TheoremResult r = run("vmemmap_never_in_buddy_unbounded", false);
  std::vector<std::string> names = {"init"};
  for (const std::string& n : step_op_names()) {
    names.push_back(n + ".block");
    names.push_back(n + ".neighbour");
  }
  names.push_back("safe");
  check_proved(r, names);
  MESSAGE(r.detail);
  CHECK(r.detail.find("inductive invariant") != std::string::npos);
}

TEST_CASE("smt chc: vmemmap_freed_to_buddy makes a vmemmap pfn reachable in the buddy allocator") {
  const TheoremResult r = run("vmemmap_never_in_buddy_unbounded", true);
  check_refuted(r, {"spacer"}, "vmemmap_never_in_buddy");
  REQUIRE(r.cex);
  MESSAGE(r.cex->summary);
  CHECK(r.detail.find("sat (bad state reachable)") != std::string::npos);
}

// ------------------------------------------------------- concretisation --

TEST_CASE("smt block: the geometry cases are what mhp_supports_memmap_on_memory says") {
  std::map<std::string, std::pair<bool, u64>> seen;
  for (const GeometryCase& gc : geometry_cases()) seen[gc.label()] = {gc.supported, gc.vmemmap_pages};
  CHECK(seen.at("x86_64") == std::make_pair(true, u64{512}));
  CHECK(seen.at("arm64-4k block=1G") == std::make_pair(true, u64{4096}));
  CHECK(seen.at("arm64-16k") == std::make_pair(false, u64{0}));
  CHECK(seen.at("arm64-64k") == std::make_pair(false, u64{0}));
  CHECK(seen.at("ppc64-64k") == std::make_pair(false, u64{0}));
  // The proofs range over any_geometry_premise(): every case must satisfy it.
  z3::context c;
  const BlockConst k{c.int_const("start"), c.int_const("n"), c.int_const("pv"), c.bool_const("mom")};
  const z3::expr g = c.int_const("g"), id = c.int_const("id");
  for (std::size_t i = 0; i < geometry_cases().size(); ++i) {
    const GeometryCase& gc = geometry_cases()[i];
    CAPTURE(gc.label());
    CHECK(gc.vmemmap_pages < gc.block_pages);
    CHECK(gc.geo.block_pages() == gc.block_pages);
    z3::solver s(c, z3::solver::simple());
    s.add(geometry_case_premise(g, id, k) && g == static_cast<int>(i) && !any_geometry_premise(k));
    CHECK(s.check() == z3::unsat);
  }
}

TEST_CASE("smt block: every transition's trace lines run as intended in every geometry case") {
  for (const GeometryCase& gc : geometry_cases()) {
    CAPTURE(gc.label());
    const u64 a = (kBootBytes >> gc.geo.page_shift) + gc.block_pages, b = a + gc.block_pages;
    std::string t = trace_preamble(gc, {});
    for (BlockOp op : {gc.supported ? BlockOp::AddMemmapOnMemory : BlockOp::Add, BlockOp::AddFailed,
                       BlockOp::OnlineRefused, BlockOp::Online, BlockOp::Alloc, BlockOp::Free,
                       BlockOp::RemoveBusy, BlockOp::OfflineBusy, BlockOp::Offline, BlockOp::Remove})
      t += trace_lines(op, gc, a);
    t += trace_lines(BlockOp::Add, gc, b) + trace_lines(BlockOp::Online, gc, b) +
         trace_lines(BlockOp::Offline, gc, b) + trace_lines(BlockOp::Remove, gc, b);
    CAPTURE(t);
    const auto [violation, expect_failures] = replay(t);
    CHECK(violation == "(no violation)");
    CHECK(expect_failures == 0);
  }
}
