// What a real Debian 6.1.0 kernel did under QEMU (x86_64, -m 1G,
// memhp_default_state=offline), as recorded in the model-core issue, and the
// boot zones v6.1's free_area_init() computes for that guest's e820 map.
#include "fixtures.h"

using namespace memhp;
using namespace memhp::test;

namespace {
constexpr u64 kDimm1 = 0x100000000;  // first pc-dimm slot: block 32
constexpr u64 kDimm2 = 0x108000000;  // after a 128 MiB DIMM: blocks 33, 34

struct Counters {
  u64 start, spanned, present, managed;
};
Counters counters(const System& s, Zone z) {
  const ZoneState& zs = s.zone(0, z);
  return {zs.zone_start_pfn, zs.spanned_pages, zs.present_pages, zs.managed_pages};
}
}  // namespace

TEST_CASE("qemu 6.1: boot zones of a 1 GiB guest") {
  // DMA: [1, 4096) minus the hole 0x9f..0x100; DMA32: [4096, 0x3ffe0).
  const System s = qemu_1g();
  const Counters dma = counters(s, Zone::DMA), dma32 = counters(s, Zone::DMA32);
  CHECK(dma.start == 1);
  CHECK(dma.spanned == 4095);
  CHECK(dma.present == 3998);
  CHECK(dma32.start == 4096);
  CHECK(dma32.spanned == 258016);
  CHECK(dma32.present == 258016);
  CHECK(s.zone(0, Zone::Normal).is_empty());
  CHECK(s.zone(0, Zone::Movable).is_empty());
  // Boot blocks 0..7 are online; block 0 spans DMA and DMA32.
  for (u64 id = 0; id < 8; ++id) CHECK(s.blocks.at(id).state == BlockState::Online);
  CHECK_FALSE(s.blocks.at(8).present);
  CHECK(valid_zones(s, 0) == "none");
  CHECK(valid_zones(s, 1) == "DMA32");
}

TEST_CASE("qemu 6.1: 128 MiB DIMM with memmap_on_memory=1, online_movable, offline") {
  System s = qemu_1g(mom(true));
  const Counters before = counters(s, Zone::Movable);
  REQUIRE_OK(dimm_add(s, 0, kDimm1, 128 * MiB));
  REQUIRE(s.blocks.at(32).present);
  CHECK(s.blocks.at(32).state == BlockState::Offline);
  CHECK(s.blocks.at(32).nr_vmemmap_pages == 512);

  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  const Counters on = counters(s, Zone::Movable);
  CHECK(on.start == 1048576);
  CHECK(on.spanned - before.spanned == 32768);
  CHECK(on.present - before.present == 32768);
  CHECK(on.managed - before.managed == 32256);

  REQUIRE_OK(offline_block(s, 32));
  CHECK(s.zone(0, Zone::Movable).is_empty());
  CHECK(s.zone(0, Zone::Movable).present_pages == 0);
  CHECK(s.zone(0, Zone::Movable).managed_pages == 0);
}

TEST_CASE("qemu 6.1: 128 MiB DIMM with memmap_on_memory=0 gives managed +32768") {
  System s = qemu_1g(mom(false));
  REQUIRE_OK(dimm_add(s, 0, kDimm1, 128 * MiB));
  CHECK(s.blocks.at(32).nr_vmemmap_pages == 0);
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  const Counters on = counters(s, Zone::Movable);
  CHECK(on.start == 1048576);
  CHECK(on.spanned == 32768);
  CHECK(on.present == 32768);
  CHECK(on.managed == 32768);
}

TEST_CASE("qemu 6.1: a 256 MiB DIMM gets no vmemmap pages, even with memmap_on_memory=1") {
  for (bool on : {false, true}) {
    CAPTURE(on);
    System s = qemu_1g(mom(on));
    REQUIRE_OK(dimm_add(s, 0, kDimm2, 256 * MiB));
    for (u64 id : {33, 34}) {
      REQUIRE(s.blocks.at(id).present);
      CHECK(s.blocks.at(id).state == BlockState::Offline);
      CHECK(s.blocks.at(id).nr_vmemmap_pages == 0);
    }
    REQUIRE_OK(online_block(s, 33, OnlineType::OnlineKernel));
    REQUIRE_OK(online_block(s, 34, OnlineType::OnlineKernel));
    const Counters normal = counters(s, Zone::Normal);
    CHECK(normal.start == 1081344);
    CHECK(normal.spanned == 65536);
    CHECK(normal.present == 65536);
    CHECK(normal.managed == 65536);
  }
}
