// Zone choice, span growth and shrinking, node states, and the round trip.
//
// Expected values follow from the v6.1 functions cited in each case:
// default_zone_for_pfn(), valid_zones_show(), shrink_zone_span() (which
// only moves the end of the span that the offlined range touched, scanning
// in subsection steps for a pfn pfn_to_online_page() still accepts), and
// try_offline_node().
#include "diff.h"
#include "fixtures.h"

using namespace memhp;
using namespace memhp::test;

namespace {
constexpr u64 k4G = 0x100000000;
constexpr u64 kBlockPages = 32768;  // x86_64, 128 MiB
constexpr u64 block_pfn(u64 id) { return id * kBlockPages; }

System with_dimms(Profile p, int n) {
  System s = qemu_1g(p);
  for (int i = 0; i < n; ++i) REQUIRE_OK(dimm_add(s, 0, k4G + u64(i) * 128 * MiB, 128 * MiB));
  return s;
}
}  // namespace

TEST_CASE("zones: default zone choice and valid_zones") {
  SUBCASE("a block touching no zone goes to the kernel zone, or Movable with movable_node") {
    System s = with_dimms({}, 1);
    CHECK(valid_zones(s, 32) == "Normal Movable");
    Profile p;
    p.movable_node = true;
    System m = with_dimms(p, 1);
    CHECK(valid_zones(m, 32) == "Movable Normal");
    REQUIRE_OK(online_block(m, 32, OnlineType::Online));
    CHECK(m.blocks.at(32).zone == Zone::Movable);
  }
  SUBCASE("inside the Movable span the default is Movable") {
    System s = with_dimms({}, 3);
    REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
    REQUIRE_OK(online_block(s, 34, OnlineType::OnlineMovable));
    CHECK(valid_zones(s, 33) == "Movable Normal");
    REQUIRE_OK(online_block(s, 33, OnlineType::Online));
    CHECK(s.blocks.at(33).zone == Zone::Movable);
    CHECK(valid_zones(s, 33) == "Movable");
  }
  SUBCASE("online_kernel picks the lowest kernel zone the block intersects") {
    System s = qemu_1g();
    REQUIRE_OK(offline_block(s, 1));
    REQUIRE_OK(online_block(s, 1, OnlineType::OnlineKernel));
    CHECK(s.blocks.at(1).zone == Zone::DMA32);
  }
  SUBCASE("auto-online with memhp_default_state") {
    Profile p;
    p.memhp_default_state = OnlineType::OnlineMovable;
    System s = with_dimms(p, 1);
    CHECK(s.blocks.at(32).state == BlockState::Online);
    CHECK(s.blocks.at(32).zone == Zone::Movable);
  }
}

TEST_CASE("zones: shrink_zone_span() at either end and in the middle") {
  for (bool on : {false, true}) {
    CAPTURE(on);
    System s = with_dimms(mom(on), 3);
    for (u64 id : {32, 33, 34}) REQUIRE_OK(online_block(s, id, OnlineType::OnlineMovable));
    const ZoneState& z = s.zone(0, Zone::Movable);
    CHECK(z.zone_start_pfn == block_pfn(32));
    CHECK(z.spanned_pages == 3 * kBlockPages);

    REQUIRE_OK(offline_block(s, 33));  // middle: span unchanged
    CHECK(z.zone_start_pfn == block_pfn(32));
    CHECK(z.spanned_pages == 3 * kBlockPages);
    CHECK(z.present_pages == 2 * kBlockPages);

    REQUIRE_OK(offline_block(s, 32));  // low end: skips offline 33, lands on 34
    CHECK(z.zone_start_pfn == block_pfn(34));
    CHECK(z.spanned_pages == kBlockPages);

    REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
    REQUIRE_OK(offline_block(s, 34));  // high end: back to the end of 32
    CHECK(z.zone_start_pfn == block_pfn(32));
    CHECK(z.spanned_pages == kBlockPages);

    REQUIRE_OK(offline_block(s, 32));  // last one: the zone is empty again
    CHECK(z.is_empty());
    CHECK(z.zone_start_pfn == 0);
    // update_pgdat_span(): the node is back to its boot span.
    CHECK(s.node(0).node_start_pfn == 1);
    CHECK(s.node(0).node_spanned_pages == 0x3ffe0 - 1);
  }
}

TEST_CASE("zones: the self-hosted vmemmap is in the zone but not in the buddy") {
  System s = with_dimms(mom(true), 1);
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  const PageState v = s.page(Pfn{block_pfn(32)});
  CHECK(v.kind == PageKind::Vmemmap);
  CHECK(v.zone == Zone::Movable);
  CHECK(v.mt == Migratetype::Unmovable);
  CHECK(s.page(Pfn{block_pfn(32) + 511}).kind == PageKind::Vmemmap);
  CHECK(s.page(Pfn{block_pfn(32) + 512}).kind == PageKind::Free);
  CHECK(s.section_of(Pfn{block_pfn(32)}).online);
  REQUIRE_OK(offline_block(s, 32));
  CHECK(s.page(Pfn{block_pfn(32)}).kind == PageKind::Poisoned);
  CHECK_FALSE(s.section_of(Pfn{block_pfn(32)}).online);
}

TEST_CASE("nodes: a memory-only node comes and goes with its memory") {
  Profile p;
  p.possible_nodes = 2;
  System s = qemu_1g(p);
  const System boot = s;
  CHECK_FALSE(s.node(1).online);
  REQUIRE_OK(dimm_add(s, 1, k4G, 128 * MiB));
  CHECK(s.node(1).online);
  CHECK_FALSE(s.node(1).has_memory);
  CHECK(s.blocks.at(32).nid == 1);
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  CHECK(s.node(1).has_memory);
  CHECK_FALSE(s.node(1).has_normal_memory);
  CHECK(s.zone(1, Zone::Movable).present_pages == kBlockPages);
  REQUIRE_OK(offline_block(s, 32));
  CHECK_FALSE(s.node(1).has_memory);
  CHECK(s.node(1).online);  // a block still links to the node
  REQUIRE_OK(remove_memory(s, k4G, 128 * MiB));
  CHECK_FALSE(s.node(1).online);  // try_offline_node()
  s.dimms.clear();
  s.groups.clear();
  // The emptied zone was looked at again: set_zone_contiguous() finds no
  // hole in an empty span (6.1), where boot never asked about the zone.
  CHECK(s.zone(1, Zone::Movable).contiguous);
  CHECK_FALSE(boot.zone(1, Zone::Movable).contiguous);
  CHECK(without_contiguous_recheck(s, boot) == boot);
}

TEST_CASE("round trip: add, online, offline, remove is the identity on every preset") {
  for (const std::string& name : geometry_preset_names()) {
    for (bool on : {false, true}) {
      CAPTURE(name);
      CAPTURE(on);
      const Geometry g = *geometry_preset(name);
      const u64 base = g.arch == Arch::Arm64 ? 0x40000000 : 0;
      System s = must_boot(g, mom(on), {{0, base, 1 * GiB}});
      const System boot = s;
      const unsigned flags = mhp_supports_memmap_on_memory(g, s.prof, g.block_bytes).supported
                                 ? unsigned{MHP_MEMMAP_ON_MEMORY}
                                 : 0u;
      const u64 id = g.block_id(g.pfn_of(k4G));
      REQUIRE_OK(add_memory(s, 0, k4G, g.block_bytes, flags));
      CHECK(s.blocks.at(id).nr_vmemmap_pages == (flags ? g.memmap_pages(g.block_pages()) : 0));
      for (OnlineType t : {OnlineType::Online, OnlineType::OnlineKernel, OnlineType::OnlineMovable}) {
        const System added = s;
        REQUIRE_OK(online_block(s, id, t));
        const ZoneState& z = s.zone(0, *s.blocks.at(id).zone);
        CHECK(z.present_pages - added.zone(0, *s.blocks.at(id).zone).present_pages ==
              g.block_pages());
        REQUIRE_OK(offline_block(s, id));
        // Online then offline restores everything but zone->contiguous,
        // which the offline may find set on the emptied zone.
        CHECK(without_contiguous_recheck(s, added) == added);
      }
      REQUIRE_OK(remove_memory(s, k4G, g.block_bytes));
      CHECK(without_contiguous_recheck(s, boot) == boot);
    }
  }
}
