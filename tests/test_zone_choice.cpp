// The zone-choice specification (props/spec_zones.cpp) on hand-made inputs,
// the invariant that compares it with the model, and the model fixes it
// found. Expected values come from mm/memory_hotplug.c (zone_for_pfn_range()
// and its helpers), include/linux/mmzone.h (zone_intersects()) and
// drivers/base/memory.c (valid_zones_show()) of Debian's 6.1.192.
#include "fixtures.h"
#include "invariant_lists.h"
#include "spec_zones.h"

using namespace memhp;
using namespace memhp::test;
using spec::Rule;
using spec::ZoneInputs;

namespace {

constexpr u64 kBlock = 32768;  // x86_64: 128 MiB of 4 KiB pages

// One online node with 65536 early DMA32 pages at [4096, 69632) and
// nothing else: a 256 MiB x86_64 machine.
ZoneInputs small_machine(Profile p = {}) {
  ZoneInputs in;
  in.prof = p;
  in.node_online = {true, false};
  in.zones.resize(2);
  in.zones[0][zone_idx(Zone::DMA32)] = {4096, 65536, 65536, 65536};
  return in;
}

Profile auto_movable(unsigned ratio) {
  Profile p;
  p.online_policy = OnlinePolicy::AutoMovable;
  p.auto_movable_ratio = ratio;
  return p;
}

const Invariant& zone_choice() { return *find_invariant("zone_choice_matches_spec"); }

std::optional<std::string> check_step(const System& before, const System& after, const Op& op, const Result& r) {
  return zone_choice().check(StepView{before, after, &op, &r});
}
// The invariant on a state with no step: what the checkers ask after boot.
std::optional<std::string> check_boot(const System& s) { return zone_choice().check(StepView{s, s, nullptr, nullptr}); }

}  // namespace

TEST_CASE("spec: zone_intersects() is about half-open spans") {
  const spec::ZoneView z{100, 50, 0, 0};  // [100, 150)
  CHECK(spec::zone_intersects(z, 149, 1));
  CHECK_FALSE(spec::zone_intersects(z, 150, 10));
  CHECK_FALSE(spec::zone_intersects(z, 90, 10));
  CHECK(spec::zone_intersects(z, 90, 11));
  CHECK_FALSE(spec::zone_intersects(spec::ZoneView{0, 0, 0, 0}, 0, 1000));  // an empty zone
}

TEST_CASE("spec: contig-zones and movable_node") {
  ZoneInputs in = small_machine();
  in.zones[0][zone_idx(Zone::Movable)] = {4 * kBlock * 8, 2 * kBlock, 2 * kBlock, 0};  // blocks 32, 33
  auto choose = [&](u64 block) { return spec::zone_for_online(in, OnlineType::Online, 0, -1, block * kBlock, kBlock); };
  CHECK(choose(1).zone == Zone::DMA32);
  CHECK(choose(1).rule == Rule::SpanKernel);
  CHECK(choose(33).zone == Zone::Movable);
  CHECK(choose(33).rule == Rule::SpanMovable);
  CHECK(choose(40).zone == Zone::Normal);  // no zone: the kernel zone
  CHECK(choose(40).rule == Rule::KernelByDefault);
  in.prof.movable_node = true;
  CHECK(choose(40).zone == Zone::Movable);
  CHECK(choose(40).rule == Rule::MovableNode);
  CHECK(choose(1).zone == Zone::DMA32);  // a span still wins
  // online_kernel: the lowest kernel zone the block touches, else Normal.
  CHECK(spec::zone_for_online(in, OnlineType::OnlineKernel, 0, -1, kBlock, kBlock).zone == Zone::DMA32);
  CHECK(spec::zone_for_online(in, OnlineType::OnlineKernel, 0, -1, 33 * kBlock, kBlock).zone == Zone::Normal);
  CHECK(spec::zone_for_online(in, OnlineType::OnlineMovable, 0, -1, kBlock, kBlock).zone == Zone::Movable);
}

TEST_CASE("spec: valid_zones lists the default zone first") {
  ZoneInputs in = small_machine();
  MemoryBlock m;
  m.present = true;
  m.nid = 0;
  CHECK(spec::valid_zones_offline(in, m, 40 * kBlock, kBlock) == "Normal Movable");
  in.prof.movable_node = true;
  CHECK(spec::valid_zones_offline(in, m, 40 * kBlock, kBlock) == "Movable Normal");
}

TEST_CASE("spec: an online block shows the one zone its pages are in, or none") {
  CHECK(spec::valid_zones_online({{0, Zone::Movable}}) == "Movable");
  CHECK(spec::valid_zones_online({{0, Zone::DMA}, {0, Zone::DMA32}}) == "none");
  // The same zone on two nodes is two zones (memory_block_add_nid()).
  CHECK(spec::valid_zones_online({{0, Zone::Normal}, {1, Zone::Normal}}) == "none");
}

TEST_CASE("spec: auto-movable and its ratio") {
  // 65536 early kernel pages: ratio 50 allows exactly 32768 MOVABLE pages.
  ZoneInputs in = small_machine(auto_movable(50));
  auto choose = [&](int group) { return spec::zone_for_online(in, OnlineType::Online, 0, group, 40 * kBlock, kBlock); };
  SUBCASE("exactly at the limit is allowed") {
    CHECK(choose(-1).zone == Zone::Movable);
    CHECK(choose(-1).rule == Rule::RatioHolds);
    CHECK(choose(-1).at_limit);
    in.zones[0][zone_idx(Zone::Movable)] = {0x200000, 1, 1, 0};  // one MOVABLE page more
    CHECK(choose(-1).zone == Zone::Normal);
    CHECK(choose(-1).rule == Rule::RatioExceeded);
    CHECK_FALSE(choose(-1).at_limit);
  }
  SUBCASE("ratio 0 never onlines MOVABLE") {
    in.prof.auto_movable_ratio = 0;
    CHECK(choose(-1).zone == Zone::Normal);
    CHECK(choose(-1).rule == Rule::RatioZero);
  }
  SUBCASE("a static group is judged as a whole") {
    in.groups[3] = {false, 2 * kBlock, 0, 0};
    CHECK(choose(3).rule == Rule::RatioExceeded);  // 2 blocks > 1 block
    in.groups[3].present_movable = kBlock;  // half of it is MOVABLE already: 1 block left
    CHECK(choose(3).zone == Zone::Movable);
    in.groups[3] = {false, 2 * kBlock, 512, 0};  // some kernel pages: the rest follows
    CHECK(choose(3).zone == Zone::Normal);
    CHECK(choose(3).rule == Rule::GroupHasKernel);
  }
  SUBCASE("numa_aware: a memory-less node has no early kernel pages") {
    in.node_online[1] = true;
    CHECK(spec::zone_for_online(in, OnlineType::Online, 1, -1, 40 * kBlock, kBlock).zone == Zone::Normal);
    in.prof.auto_movable_numa_aware = false;
    CHECK(spec::zone_for_online(in, OnlineType::Online, 1, -1, 40 * kBlock, kBlock).zone == Zone::Movable);
  }
  SUBCASE("ratio * pages wraps modulo 2^64, as unsigned long does") {
    // 2^31 * 2^33 = 2^64 wraps to 0: no MOVABLE at all, though the true
    // product would allow plenty.
    in.prof.auto_movable_ratio = 0x80000000u;
    in.zones[0][zone_idx(Zone::DMA32)].present_early = u64{1} << 33;
    CHECK(choose(-1).zone == Zone::Normal);
    in.zones[0][zone_idx(Zone::DMA32)].present_early = (u64{1} << 33) - 1;
    CHECK(choose(-1).zone == Zone::Movable);
  }
  SUBCASE("dynamic groups are outside the spec") {
    in.groups[4] = {true, kBlock, 0, 0};
    CHECK_THROWS_AS(choose(4), std::logic_error);
  }
}

TEST_CASE("spec: uniform_cuts() splits a run where a zone span begins or ends") {
  ZoneInputs in = small_machine();
  const Geometry g = *geometry_preset("x86_64");
  // DMA32 spans pfns [4096, 69632): blocks 0..2 touch it, block 3 does not.
  CHECK(spec::uniform_cuts(in, g, 0, -1, 0, 100) == std::vector<u64>{3});
  CHECK(spec::uniform_cuts(in, g, 0, -1, 3, 100).empty());
  // A group of 4 blocks: its rest reaches the zone from 3 blocks before it.
  in.groups[1] = {false, 4 * kBlock, 0, 0};
  in.zones[0][zone_idx(Zone::DMA32)] = {40 * kBlock, kBlock, kBlock, kBlock};
  CHECK(spec::uniform_cuts(in, g, 0, 1, 30, 50) == std::vector<u64>{37, 40, 41});
}

TEST_CASE("zone choice: the kernel-zone fallback of auto-movable looks at the rest of the group") {
  // mm/memory_hotplug.c auto_movable_zone_for_pfn(): `nr_pages = max_pages
  // - online_pages` before the ratio checks, and `kernel_zone:` passes that
  // nr_pages to default_kernel_zone_for_pfn(). Boot memory at [1 GiB,
  // 1.25 GiB) (DMA32 starts there), a 512 MiB DIMM below it at 512 MiB:
  // its third block [768 MiB, 896 MiB) touches no zone, but the rest of
  // the DIMM from there, [768 MiB, 1.25 GiB), reaches DMA32. The model
  // used to look at the block alone and picked Normal.
  Profile p = auto_movable(100);  // 65536 early pages: 2 blocks of MOVABLE, the DIMM has 4
  System s = must_boot(*geometry_preset("x86_64"), p, {{0, 1 * GiB, 256 * MiB}});
  REQUIRE_OK(dimm_add(s, 0, 512 * MiB, 512 * MiB));
  CHECK(valid_zones(s, 4) == "Normal Movable");
  CHECK(valid_zones(s, 6) == "DMA32 Normal Movable");  // default DMA32, online_kernel Normal
  const System before = s;
  const Op op = OpOnlineBlock{6, OnlineType::Online};
  const Result r = apply_op(s, op);
  REQUIRE(r.ok());
  CHECK(s.blocks.at(6).zone == Zone::DMA32);
  CHECK_FALSE(check_step(before, s, op, r));
}

TEST_CASE("zone choice: auto_movable_ratio and auto_movable_numa_aware steer the model") {
  // 256 MiB x86_64 without holes: 65536 early kernel pages.
  auto dimm_zone = [](Profile p) {
    System s = must_boot(*geometry_preset("x86_64"), p, {{0, 0, 256 * MiB}});
    REQUIRE_OK(dimm_add(s, 0, 4 * GiB, 128 * MiB));
    return valid_zones(s, 32);
  };
  CHECK(dimm_zone(auto_movable(50)) == "Movable Normal");  // 32768 <= 65536 * 50 / 100
  CHECK(dimm_zone(auto_movable(49)) == "Normal Movable");
  CHECK(dimm_zone(auto_movable(0)) == "Normal Movable");
  CHECK(dimm_zone(auto_movable(301)) == "Movable Normal");
  // A memory-less node 1 has no early kernel memory: with numa_aware its
  // check fails, without it only the system-wide one counts.
  Profile p = auto_movable(301);
  p.possible_nodes = 2;
  System s = must_boot(*geometry_preset("x86_64"), p, {{0, 0, 256 * MiB}});
  REQUIRE_OK(dimm_add(s, 1, 4 * GiB, 128 * MiB));
  CHECK(valid_zones(s, 32) == "Normal Movable");
  p.auto_movable_numa_aware = false;
  System t = must_boot(*geometry_preset("x86_64"), p, {{0, 0, 256 * MiB}});
  REQUIRE_OK(dimm_add(t, 1, 4 * GiB, 128 * MiB));
  CHECK(valid_zones(t, 32) == "Movable Normal");
}

TEST_CASE("zone choice: each mutant is caught by the invariant on one step") {
  struct Case {
    Mutant m;
    Profile p;
  };
  Profile movable_node;
  movable_node.movable_node = true;
  for (const Case& c : {Case{Mutant("default_zone_ignores_movable_node"), movable_node},
                        Case{Mutant("valid_zones_kernel_first"), movable_node},
                        Case{Mutant("auto_movable_ratio_exclusive"), auto_movable(50)}}) {
    CAPTURE(mutant_name(c.m));
    MutantSet ms;
    ms.set(c.m);
    auto booted = boot_system(*geometry_preset("x86_64"), c.p, {{0, 0, 256 * MiB}}, ms);
    REQUIRE(std::holds_alternative<System>(booted));
    System s = std::get<System>(booted);
    const System before = s;
    const Op op = OpDimmAdd{0, 4 * GiB, 128 * MiB};
    const Result r = apply_op(s, op);
    REQUIRE(r.ok());
    const auto msg = check_step(before, s, op, r);
    REQUIRE(msg);
    CHECK(msg->find("the spec says \"Movable Normal\"") != std::string::npos);
  }
}

TEST_CASE("zone choice: an online block's valid_zones is read off its pages, not off mem->zone") {
  // QEMU's 1 GiB x86 guest: block 0 holds DMA and DMA32 pages ("none",
  // what 6.1 prints there), block 1 only DMA32 pages.
  MutantSet ms;
  ms.set(Mutant("early_zone_ignores_spans"));
  auto booted = boot_system(*geometry_preset("x86_64"), Profile{}, {{0, 0x100000, 0x3ff00000}}, ms);
  REQUIRE(std::holds_alternative<System>(booted));
  const System& s = std::get<System>(booted);
  CHECK(valid_zones(s, 0) == "none");
  CHECK(valid_zones(s, 1) == "none");  // the mutant: DMA is populated, so two zones
  const auto msg = check_boot(s);
  REQUIRE(msg);
  CAPTURE(*msg);
  CHECK(msg->find("memory block 1 (online) shows valid_zones \"none\"; the spec says \"DMA32\"") !=
        std::string::npos);
  CHECK_FALSE(check_boot(qemu_1g(Profile{})));
}

TEST_CASE("zone choice: auto-online is judged block after block") {
  // memhp_default_state=online with movable_node: the first block touches
  // no zone (movable_node: Movable), the second then touches none either
  // (the span ends where it starts).
  Profile p;
  p.movable_node = true;
  p.memhp_default_state = OnlineType::Online;
  System s = qemu_1g(p);
  const System before = s;
  const Op op = OpDimmAdd{0, 4 * GiB, 256 * MiB};
  const Result r = apply_op(s, op);
  REQUIRE(r.ok());
  CHECK(s.blocks.at(32).zone == Zone::Movable);
  CHECK(s.blocks.at(33).zone == Zone::Movable);
  CHECK_FALSE(check_step(before, s, op, r));
  CHECK(zone_choice().witness(StepView{before, s, &op, &r}));
  // The premises the suites must meet see it too.
  bool auto_online = false;
  for (const inv::Premise& pr : inv::zone_choice_premises())
    if (pr.name == "hot-added blocks auto-onlined with memhp_default_state=online")
      auto_online = pr.occurred(StepView{before, s, &op, &r});
  CHECK(auto_online);
}

TEST_CASE("zone choice: a 62 TiB boot is judged by runs") {
  const System s = must_boot(*geometry_preset("x86_64"), {}, {{0, 4 * GiB, u64{62} << 40}});
  CHECK_FALSE(zone_choice().check(StepView{s, s, nullptr, nullptr}));
  // A 1 TiB offline hot-add next to it: one run, a few pieces.
  System t = s;
  const Op op = OpAddMemory{0, (u64{62} << 40) + 4 * GiB, u64{1} << 40, MHP_NONE, std::nullopt};
  const Result r = apply_op(t, op);
  REQUIRE(r.ok());
  CHECK_FALSE(check_step(s, t, op, r));
}

TEST_CASE("zone choice: auto-online on a node the hot-add brings online") {
  // add_memory_resource() sets node 1 online before it onlines the blocks,
  // so the system-wide ratio check of the second block counts the first
  // block's MOVABLE pages on node 1. 262014 early pages at ratio 25 allow
  // 65503: the first 128 MiB block fits, the second does not. (A default
  // run of the quick suite found the spec still reading the nodes that
  // were online before the step.)
  Profile p = auto_movable(25);
  p.memhp_default_state = OnlineType::Online;
  p.auto_movable_numa_aware = false;
  p.possible_nodes = 2;
  System s = qemu_1g(p);
  const System before = s;
  const Op op = OpAddMemory{1, 4 * GiB, 256 * MiB, MHP_NONE, std::nullopt};
  const Result r = apply_op(s, op);
  REQUIRE(r.ok());
  CHECK(s.blocks.at(32).zone == Zone::Movable);
  CHECK(s.blocks.at(33).zone == Zone::Normal);
  CHECK_FALSE(check_step(before, s, op, r));
}

TEST_CASE("boot: a hole past a node's span is not registered under it") {
  // Node 0 [0, 96M) + [128M, 288M), node 1 [288M, 1056M) back to back.
  // register_one_node() walks only the blocks that meet the node's span
  // (walk_memory_blocks(node_start, spanned)), and
  // register_mem_block_under_node_early() registers a block under nid at
  // its first pfn whose early_pfn_to_nid() is nid, a hole counting as the
  // first online node. Block 2 [256M, 384M) holds both nodes' RAM: two
  // nodes, so no single zone. Block 8 [1024M, 1152M) ends in a hole, but
  // node 0's walk never reaches it: node 1 only, whose DMA32 span meets it.
  Profile p;
  p.possible_nodes = 2;
  const System s = must_boot(*geometry_preset("x86_64"), p,
                             {{0, 0, 96 * MiB}, {0, 128 * MiB, 160 * MiB}, {1, 288 * MiB, 768 * MiB}});
  CHECK(valid_zones(s, 2) == "none");
  CHECK(valid_zones(s, 8) == "DMA32");
  CHECK(s.blocks.at(8).nid == 1);
  CHECK_FALSE(check_boot(s));
}
