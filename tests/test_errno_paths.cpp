// Every errno path of the RAM hotplug operations, each checked for
// atomicity: a failed operation must leave the System exactly as it was,
// except on the two kernel paths that are not atomic (Result::partial).
//
// Expected errnos come from the v6.1 functions named in each case.
#include "fixtures.h"

using namespace memhp;
using namespace memhp::test;

namespace {
constexpr u64 k4G = 0x100000000;

u64 count_kind(const System& s, PageKind k) {
  return s.pages.count_if(0, RunMap<PageState>::kEnd, [&](const PageState& p) { return p.kind == k; });
}
u64 free_pages_total(const System& s) { return count_kind(s, PageKind::Free); }
}  // namespace

TEST_CASE("errno: add_memory") {
  System s = qemu_1g(mom(true));
  SUBCASE("misaligned start or size: check_hotplug_memory_range() -EINVAL") {
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, add_memory(s, 0, k4G + 64 * MiB, 128 * MiB, 0));
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, add_memory(s, 0, k4G, 192 * MiB, 0));
  }
  SUBCASE("overlap with boot RAM or earlier hot-added RAM: register_memory_resource() -EEXIST") {
    CHECK_FAILS_ATOMICALLY(s, -EEXIST, add_memory(s, 0, 0, 128 * MiB, 0));
    REQUIRE_OK(add_memory(s, 0, k4G, 256 * MiB, 0));
    CHECK_FAILS_ATOMICALLY(s, -EEXIST, add_memory(s, 0, k4G + 128 * MiB, 128 * MiB, 0));
  }
  SUBCASE("beyond MAX_PHYSMEM_BITS: mhp_range_allowed() -E2BIG") {
    CHECK_FAILS_ATOMICALLY(s, -E2BIG, add_memory(s, 0, u64{1} << 46, 128 * MiB, 0));
  }
  SUBCASE("node not possible: add_memory_resource() WARN and -EINVAL") {
    const System before = s;
    const Result r = add_memory(s, 3, k4G, 128 * MiB, 0);
    CHECK(r.err == -EINVAL);
    CHECK(r.warnings.size() == 1);
    CHECK(s == before);
  }
  SUBCASE("6.1: memmap_on_memory for more than one block is refused with -EINVAL") {
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, add_memory(s, 0, k4G, 256 * MiB, MHP_MEMMAP_ON_MEMORY));
  }
  SUBCASE("driver-managed resource names must be \"System RAM (...)\"") {
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, add_memory_driver_managed(s, 0, k4G, 128 * MiB, "kmem", 0));
    REQUIRE_OK(add_memory_driver_managed(s, 0, k4G, 128 * MiB, "System RAM (kmem)", 0));
    CHECK(s.iomem.at(k4G).driver_managed);
  }
}

TEST_CASE("errno: dimm_add turns add failures into -EINVAL and drops its group") {
  System s = qemu_1g();
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, dimm_add(s, 0, k4G + 64 * MiB, 128 * MiB));
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, dimm_add(s, 5, k4G, 128 * MiB));
  CHECK(s.groups.empty());
}

TEST_CASE("errno: memmap allocated from the page allocator") {
  System s = qemu_1g(mom(false));
  SUBCASE("no free memory for the memmap: -ENOMEM, nothing added") {
    const u64 free = free_pages_total(s);
    REQUIRE_OK(alloc_pages(s, 0, Zone::Normal, free - 100, AllocKind::Unmovable));
    CHECK_FAILS_ATOMICALLY(s, -ENOMEM, add_memory(s, 0, k4G, 128 * MiB, 0));
  }
  SUBCASE("memmap for the first section only: __add_pages() keeps that section") {
    // A 256 MiB add needs 2 x 512 memmap pages; leave room for one section.
    const u64 free = free_pages_total(s);
    REQUIRE_OK(alloc_pages(s, 0, Zone::Normal, free - 600, AllocKind::Unmovable));
    const System before = s;
    const Result r = add_memory(s, 0, k4G, 256 * MiB, 0);
    CHECK(r.err == -ENOMEM);
    CHECK(r.partial == Partial::AddPagesLeak);
    CHECK_FALSE(s == before);
    CHECK(s.section_of(Pfn{k4G >> 12}).present);       // leaked section 32
    CHECK_FALSE(s.section_of(Pfn{(k4G >> 12) + 32768}).present);
    CHECK(s.iomem == before.iomem);                     // resource released
    CHECK_FALSE(s.blocks.at(32).present);               // no block device
    // The leak makes the next attempt collide in fill_subsection_map().
    REQUIRE_OK(free_pages(s, 0, Zone::Normal, 2000, AllocKind::Unmovable));
    CHECK(add_memory(s, 0, k4G, 256 * MiB, 0).err == -EEXIST);
  }
}

TEST_CASE("errno: remove_memory") {
  System s = qemu_1g(mom(true));
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  SUBCASE("an online block: -EBUSY") {
    CHECK_FAILS_ATOMICALLY(s, -EBUSY, remove_memory(s, k4G, 128 * MiB));
  }
  SUBCASE("6.1: memmap_on_memory memory goes in the granularity it came, -EINVAL") {
    REQUIRE_OK(offline_block(s, 32));
    REQUIRE_OK(add_memory(s, 0, k4G + 128 * MiB, 128 * MiB, 0));
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, remove_memory(s, k4G, 256 * MiB));
  }
  SUBCASE("misaligned: BUG_ON in try_remove_memory, state untouched") {
    const System before = s;
    const Result r = remove_memory(s, k4G, 64 * MiB);
    CHECK_FALSE(r.bug.empty());
    CHECK(s == before);
  }
}

TEST_CASE("errno: sysfs state writes") {
  System s = qemu_1g(mom(true));
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  SUBCASE("no such block: the sysfs file does not exist") {
    CHECK_FAILS_ATOMICALLY(s, -ENOENT, online_block(s, 40, OnlineType::Online));
    CHECK_FAILS_ATOMICALLY(s, -ENOENT, offline_block(s, 40));
  }
  SUBCASE("offline of an offline block: device_offline() returns 1, state_store() -EINVAL") {
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, offline_block(s, 32));
  }
  SUBCASE("online of an online block: device_online() returns 1, state_store() -EINVAL") {
    REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
    // Asking for the type the block was onlined with changes nothing ...
    s.blocks.update(32, 33, [](MemoryBlock& m) { m.online_type = OnlineType::OnlineMovable; });
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, online_block(s, 32, OnlineType::OnlineMovable));
    // ... but state_store() sets mem->online_type before device_online(), so
    // a different type stays behind: the kernel is not atomic here.
    const System before = s;
    const Result r = online_block(s, 32, OnlineType::OnlineKernel);
    CHECK(r.err == -EINVAL);
    CHECK(r.partial == Partial::OnlineTypeKept);
    CHECK(s.blocks.at(32).online_type == OnlineType::OnlineKernel);
    s.blocks.update(32, 33, [](MemoryBlock& m) { m.online_type = OnlineType::OnlineMovable; });
    CHECK(s == before);
  }
  SUBCASE("a boot block spanning DMA and DMA32: memory_block_offline() -EINVAL") {
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, offline_block(s, 0));
  }
  SUBCASE("a boot block with a hole (RAM ends at 0x3ffe0000): offline_pages() -EINVAL") {
    const System before = s;
    const Result r = offline_block(s, 7);
    CHECK(r.err == -EINVAL);
    CHECK(r.reason == "memory holes");
    CHECK(s == before);
  }
}

TEST_CASE("errno: offlining what cannot move") {
  System s = qemu_1g(mom(true));
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  SUBCASE("an unmovable page in a kernel-zone block: start_isolate_page_range() -EBUSY") {
    REQUIRE_OK(online_block(s, 32, OnlineType::OnlineKernel));
    REQUIRE_OK(alloc_pages(s, 0, Zone::Normal, 1, AllocKind::Unmovable, 32));
    CHECK_FAILS_ATOMICALLY(s, -EBUSY, offline_block(s, 32));
    CHECK(s.blocks.at(32).state == BlockState::Online);
  }
  SUBCASE("movable pages and nowhere to migrate them: the kernel retries until -EINTR") {
    REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
    REQUIRE_OK(alloc_pages(s, 0, Zone::Movable, 300, AllocKind::Movable, 32));
    const u64 rest = free_pages_total(s) - 32256 + 300;
    REQUIRE_OK(alloc_pages(s, 0, Zone::Normal, rest, AllocKind::Unmovable));
    CHECK_FAILS_ATOMICALLY(s, -EINTR, offline_block(s, 32));
  }
  SUBCASE("movable pages migrate out, and the block goes offline") {
    REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
    REQUIRE_OK(alloc_pages(s, 0, Zone::Movable, 300, AllocKind::Movable, 32));
    REQUIRE_OK(offline_block(s, 32));
    CHECK(count_kind(s, PageKind::Movable) == 300);  // moved, not lost
  }
}

TEST_CASE("errno: notifier vetoes roll back through the kernel's error paths") {
  System s = qemu_1g(mom(true));
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  SUBCASE("MEM_GOING_ONLINE: online_pages() failed_addition + mhp_deinit_memmap_on_memory()") {
    set_memory_notifier(s, -EBUSY, 0);
    CHECK_FAILS_ATOMICALLY(s, -EBUSY, online_block(s, 32, OnlineType::OnlineMovable));
  }
  SUBCASE("MEM_GOING_OFFLINE: offline_pages() undoes isolation, vmemmap re-accounted") {
    REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
    set_memory_notifier(s, 0, -EPERM);
    CHECK_FAILS_ATOMICALLY(s, -EPERM, offline_block(s, 32));
  }
  SUBCASE("arm64 refuses to offline boot memory (prevent_bootmem_remove_notifier)") {
    System a = must_boot(*geometry_preset("arm64-4k"), {}, {{0, 0x40000000, 2 * GiB}});
    CHECK_FAILS_ATOMICALLY(a, -EPERM, offline_block(a, 9));
  }
}

TEST_CASE("errno: alloc and free") {
  System s = qemu_1g();
  const u64 free = free_pages_total(s);
  CHECK_FAILS_ATOMICALLY(s, -ENOMEM, alloc_pages(s, 0, Zone::Normal, free + 1, AllocKind::Movable));
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, alloc_pages(s, 0, Zone::Movable, 1, AllocKind::Unmovable));
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, free_pages(s, 0, Zone::Normal, 1, AllocKind::Movable));
  CHECK_FAILS_ATOMICALLY(s, -ENOENT, alloc_pages(s, 0, Zone::Normal, 1, AllocKind::Movable, 40));
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, alloc_pages(s, 2, Zone::Normal, 1, AllocKind::Movable));
  REQUIRE_OK(alloc_pages(s, 0, Zone::Normal, free, AllocKind::Movable));
  CHECK(free_pages_total(s) == 0);
  REQUIRE_OK(free_pages(s, 0, Zone::Normal, free, AllocKind::Movable));
  CHECK(s == qemu_1g());
}

// drivers/base/memory.c memory_group_register() refuses an impossible node
// with -EINVAL, which acpi_memory_device_add() reports as it is; the model's
// reason names the profile key that makes the node possible.
TEST_CASE("errno: a DIMM on a node the profile never made possible names possible_nodes=") {
  System s = qemu_1g();
  const Result r = dimm_add(s, 1, 4 * GiB, 128 * MiB);
  CHECK(r.err == -EINVAL);
  CHECK(r.reason.find("possible_nodes=2") != std::string::npos);
  Profile p;
  p.possible_nodes = 2;
  System two = qemu_1g(p);
  CHECK(dimm_add(two, 1, 4 * GiB, 128 * MiB).err == 0);
}

// 6.1's acpi_memory_enable_device() asks for MHP_MEMMAP_ON_MEMORY only when
// mhp_supports_memmap_on_memory(size) holds, i.e. for a one-block DIMM, and
// says nothing otherwise: the model says it.
TEST_CASE("errno: a DIMM that does not get memmap_on_memory says where its memmap came from") {
  System s = qemu_1g(mom(true));
  const Result big = dimm_add(s, 0, 4 * GiB, GiB);
  REQUIRE(big.err == 0);
  REQUIRE(big.notes.size() == 1);
  CHECK(big.notes[0].find("is not one memory block") != std::string::npos);
  CHECK(big.notes[0].find("page allocator") != std::string::npos);
  const Result one = dimm_add(s, 0, 8 * GiB, 128 * MiB);
  CHECK(one.err == 0);
  CHECK(one.notes.empty());
  System off = qemu_1g(mom(false));
  CHECK(dimm_add(off, 0, 4 * GiB, GiB).notes.empty());
}
