// The catalogue of non-atomic kernel error paths (props/residue.h). For each
// path: a step that takes it, on which the exemption is needed (the failed
// step did change the state, and failed_op_changes_nothing still holds), and
// the path's mutant, a rollback that leaves a residue of the wrong shape,
// which failed_op_changes_nothing reports. The paths are chosen from the op,
// its errno and the state before, so the model's Result::partial is ignored
// here on purpose.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "fixtures.h"
#include "memhp/trace.h"
#include "residue.h"

using namespace memhp;
using namespace memhp::test;

namespace {

constexpr u64 k4G = 4 * GiB;

struct Step {
  System before, after;
  Op op;
  Result r;
};

Step take(const System& s, Op op) {
  Step x{s, s, std::move(op), {}};
  x.r = apply_op(x.after, x.op);
  return x;
}

std::optional<std::string> gen1(const Step& x) {
  return find_invariant("failed_op_changes_nothing")->check(StepView{x.before, x.after, &x.op, &x.r});
}

std::vector<std::string_view> paths(const Step& x) {
  return residue_paths_for(StepView{x.before, x.after, &x.op, &x.r});
}

bool takes(const Step& x, std::string_view path) {
  const auto p = paths(x);
  return std::find(p.begin(), p.end(), path) != p.end();
}

u64 free_pages(const System& s) {
  return s.pages.count_if(0, RunMap<PageState>::kEnd, [](const PageState& p) { return p.kind == PageKind::Free; });
}

System with(System s, Mutant m) {
  s.mutants.set(m);
  return s;
}

// Two DIMM blocks: 32 online movable, 33 online kernel and pinned by an
// unmovable allocation, so that an eject offlines 32, fails on 33 and
// onlines 32 again.
System pinned_dimm(System s) {
  REQUIRE_OK(dimm_add(s, 0, k4G, 256 * MiB));
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  REQUIRE_OK(online_block(s, 33, OnlineType::OnlineKernel));
  REQUIRE_OK(alloc_pages(s, 0, Zone::Normal, 64, AllocKind::Unmovable, 33));
  return s;
}

// A 256 MiB add with free memory for one section's memmap only.
System short_of_memmap(System s) {
  REQUIRE_OK(alloc_pages(s, 0, Zone::Normal, free_pages(s) - 600, AllocKind::Unmovable));
  return s;
}

}  // namespace

TEST_CASE("residue: state_store() keeps the requested type of an already-online block") {
  System s = qemu_1g();
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  const Step x = take(s, OpOnlineBlock{32, OnlineType::OnlineKernel});
  CHECK(x.r.err == -EINVAL);
  CHECK(takes(x, "state_store_keeps_online_type"));
  CHECK_FALSE(x.after == x.before);  // the exemption is needed
  CHECK_FALSE(gen1(x));
}

TEST_CASE("residue: a failed online resets mem->online_type; the mutant that keeps it is caught") {
  System s = qemu_1g();
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  set_memory_notifier(s, -EBUSY, 0);
  const Step good = take(s, OpOnlineBlock{32, OnlineType::OnlineMovable});
  CHECK(good.r.err == -EBUSY);
  // Nothing else stays: the undo may only have found the emptied Movable
  // zone contiguous (failed_online_rechecks_contiguous).
  CHECK(without_contiguous_recheck(good.after, good.before) == good.before);
  CHECK_FALSE(gen1(good));
  const Step bad = take(with(s, Mutant("failed_online_keeps_type")), OpOnlineBlock{32, OnlineType::OnlineMovable});
  CHECK(bad.r.err == -EBUSY);
  CHECK(takes(bad, "state_store_keeps_online_type"));
  const auto v = gen1(bad);
  REQUIRE(v);
  CHECK(v->find("state_store_keeps_online_type") != std::string::npos);
}

TEST_CASE("residue: __add_pages() keeps the sections it added; a leaked resource is caught") {
  const System s = short_of_memmap(qemu_1g(mom(false)));
  const Step good = take(s, OpAddMemory{0, k4G, 256 * MiB, MHP_NONE, std::nullopt});
  CHECK(good.r.err == -ENOMEM);
  CHECK(takes(good, "add_pages_keeps_added_sections"));
  CHECK_FALSE(good.after == good.before);
  CHECK_FALSE(gen1(good));
  const Step bad = take(with(s, Mutant("add_failure_keeps_resource")), OpAddMemory{0, k4G, 256 * MiB, MHP_NONE, std::nullopt});
  CHECK(bad.r.err == -ENOMEM);
  const auto v = gen1(bad);
  REQUIRE(v);
  CHECK(v->find("iomem") != std::string::npos);
}


TEST_CASE("residue: an add over the leftovers of a failed add fails with -EEXIST and leaks the same way") {
  // 4 GiB + 256 MiB fails after its first section (32 stays behind); the
  // memory is given back; then [4 GiB - 128 MiB, 4 GiB + 128 MiB) adds
  // section 31 and stops at 32 in fill_subsection_map(): -EEXIST, with
  // section 31 left behind too.
  System s = short_of_memmap(qemu_1g(mom(false)));
  REQUIRE(apply_op(s, OpAddMemory{0, k4G, 256 * MiB, MHP_NONE, std::nullopt}).err == -ENOMEM);
  REQUIRE(s.sections.at(32).present);
  const u64 taken = s.pages.count_if(0, RunMap<PageState>::kEnd, [](const PageState& p) { return p.kind == PageKind::Unmovable; });
  REQUIRE_OK(memhp::free_pages(s, 0, Zone::Normal, taken, AllocKind::Unmovable, std::nullopt));
  const Step x = take(s, OpAddMemory{0, k4G - 128 * MiB, 256 * MiB, MHP_NONE, std::nullopt});
  CHECK(x.r.err == -EEXIST);
  CHECK(x.after.sections.at(31).present);
  CHECK(takes(x, "add_pages_keeps_added_sections"));
  CHECK_FALSE(gen1(x));
  // A resource conflict is -EEXIST too, but changes nothing: not this path.
  System t = qemu_1g(mom(false));
  REQUIRE_OK(add_memory(t, 0, k4G, 128 * MiB, MHP_NONE));
  const Step y = take(t, OpAddMemory{0, k4G, 128 * MiB, MHP_NONE, std::nullopt});
  CHECK(y.r.err == -EEXIST);
  CHECK(y.after == y.before);
  CHECK_FALSE(takes(y, "add_pages_keeps_added_sections"));
}
TEST_CASE("residue: a refused eject onlines its blocks again, in the default zone") {
  const System s = pinned_dimm(qemu_1g());
  const Step good = take(s, OpDimmRemove{k4G});
  CHECK(good.r.err == -EBUSY);
  CHECK(takes(good, "acpi_eject_rollback_reonlines"));
  // 6.1 onlines block 32 with MMOP_ONLINE: the now empty Movable zone does
  // not intersect it and Normal does, so it lands in Normal.
  CHECK(good.before.blocks.at(32).zone == Zone::Movable);
  CHECK(good.after.blocks.at(32).zone == Zone::Normal);
  CHECK_FALSE(gen1(good));
  const Step bad = take(with(s, Mutant("eject_rollback_skips_online")), OpDimmRemove{k4G});
  CHECK(bad.r.err == -EBUSY);
  CHECK(bad.after.blocks.at(32).state == BlockState::Offline);
  CHECK(gen1(bad));
}

TEST_CASE("residue: every path has a mutant that the tests above kill, and every such mutant is registered") {
  std::set<std::string_view> names;
  for (const ResiduePath& p : residue_catalogue()) {
    CAPTURE(p.name);
    CHECK(names.insert(p.name).second);
    CHECK(!p.kernel.empty());
    CHECK(!p.residue.empty());
    CHECK(killers_of(p.name).size() == 1);
  }
}

TEST_CASE("residue: a failed memremap_pages() unmaps what it mapped; keeping the ranges is caught") {
  // Free memory for the first range's memmap, not for the second's.
  const System s = short_of_memmap(qemu_1g());
  MemremapRequest req;
  req.id = 0;
  req.type = PgmapType::FsDax;
  req.ranges = {{8 * GiB, 2 * MiB}, {8 * GiB + 128 * MiB, 1 * GiB}};
  const Step good = take(s, OpMemremap{req});
  CHECK(good.r.err == -ENOMEM);
  CHECK(takes(good, "pagemap_range_unwind_keeps_span"));
  CHECK_FALSE(gen1(good));
  const Step bad = take(with(s, Mutant("memremap_failure_keeps_ranges")), OpMemremap{req});
  CHECK(bad.r.err == -ENOMEM);
  CHECK(gen1(bad));
}

TEST_CASE("residue: when the notifier refuses going online, a refused eject leaves offline what it offlined") {
  System s = pinned_dimm(qemu_1g());
  set_memory_notifier(s, -EBUSY, 0);
  const Step x = take(s, OpDimmRemove{k4G});
  CHECK(x.r.err == -EBUSY);
  CHECK(x.after.blocks.at(32).state == BlockState::Offline);
  CHECK(x.after.blocks.at(33).state == BlockState::Online);
  CHECK_FALSE(gen1(x));
}

TEST_CASE("residue: a failed online's undo may find a zone contiguous; a stale flag is caught") {
  System s = qemu_1g();
  REQUIRE_OK(dimm_add(s, 0, k4G, 256 * MiB));
  set_memory_notifier(s, -EBUSY, 0);
  // An empty Movable zone was never looked at: not flagged. The undo of a
  // refused online empties it again, and an empty span has no hole.
  const Step good = take(s, OpOnlineBlock{32, OnlineType::OnlineMovable});
  CHECK(good.r.err == -EBUSY);
  CHECK(takes(good, "failed_online_rechecks_contiguous"));
  CHECK_FALSE(good.before.zone(0, Zone::Movable).contiguous);
  CHECK(good.after.zone(0, Zone::Movable).contiguous);
  CHECK_FALSE(good.after == good.before);  // the exemption is needed
  CHECK_FALSE(gen1(good));
  // Block 32 online, block 33 onlined and offlined again: the offline finds
  // the Movable zone whole. A refused online of 33 must leave it so; an
  // undo that does not look again leaves the flag its online cleared.
  set_memory_notifier(s, 0, 0);
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  REQUIRE_OK(online_block(s, 33, OnlineType::OnlineMovable));
  REQUIRE_OK(offline_block(s, 33));
  REQUIRE(s.zone(0, Zone::Movable).contiguous);
  set_memory_notifier(s, -EBUSY, 0);
  const Step kept = take(s, OpOnlineBlock{33, OnlineType::OnlineMovable});
  CHECK(kept.r.err == -EBUSY);
  CHECK_FALSE(gen1(kept));
  const Step bad = take(with(s, Mutant("remove_keeps_zone_contiguous")), OpOnlineBlock{33, OnlineType::OnlineMovable});
  CHECK(bad.r.err == -EBUSY);
  CHECK(gen1(bad));
}
