// Hostile input (NOTES.md "Input bounds"): ops no kernel caller can issue are
// refused when the trace is read; the others get the kernel's answer, and
// get it by walking runs, never one section or block id at a time.
//
// Nothing here is timed (bench/bench_hotplug.cpp measures the speed); a
// regression to a per-section walk shows as a test that does not finish.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "fixtures.h"
#include "memhp/trace.h"
#include "shell.h"

using namespace memhp;
using namespace memhp::test;

namespace {

constexpr u64 TiB = u64{1} << 40;

const char* kHeader =
    "# memhp trace v1\n"
    "geometry x86_64\n"
    "profile v6.1 memmap_on_memory=0 memhp_default_state=offline movable_node=0 "
    "online_policy=contig-zones\n"
    "boot node=0 start=0x100000 size=0x3ff00000\n";

ParseError refused(const std::string& ops) {
  auto r = parse_trace(std::string(kHeader) + ops);
  REQUIRE_MESSAGE(std::holds_alternative<ParseError>(r), "accepted: " << ops);
  return std::get<ParseError>(r);
}

bool accepted(const std::string& ops) {
  return std::holds_alternative<Trace>(parse_trace(std::string(kHeader) + ops));
}

}  // namespace

TEST_CASE("input bounds: remove_memory past MAX_PHYSMEM_BITS is refused at parse time") {
  // The fuzzer's hang: 2^62 bytes from 4 GiB. x86_64 has MAX_PHYSMEM_BITS 46
  // (arch/x86/include/asm/sparsemem.h), so the last byte any caller can have
  // added is 2^46 - 1 (mhp_range_allowed()).
  const ParseError e = refused("remove_memory start=0x100000000 size=0x4000000000000000\n");
  CHECK(e.line == 5);
  CHECK(e.message.find("MAX_PHYSMEM_BITS") != std::string::npos);
  // A range ending exactly at 2^46 is one a caller can have added.
  CHECK(accepted("remove_memory start=0x3ffff8000000 size=128M\n"));
  CHECK(refused("remove_memory start=0x3ffff8000000 size=256M\n").line == 5);
}

TEST_CASE("input bounds: wrapping sizes") {
  CHECK(refused("remove_memory start=0x100000000 size=0xffffffff00000000\n").message.find("wraps") !=
        std::string::npos);
  CHECK(refused("memremap_pages id=1 type=fsdax node=0 ranges=0x100000000+0xfffffffff0000000\n")
            .message.find("wraps") != std::string::npos);
  CHECK(refused("memremap_pages id=1 type=fsdax node=0 ranges=0x100000000+2M "
                "altmap=1+18446744073709551615\n")
            .line == 5);
  // add_memory and dimm_add of such ranges reach the kernel: accepted here.
  CHECK(accepted("add_memory node=0 start=0x100000000 size=0xfffffffff0000000\n"));
  CHECK(accepted("dimm_add node=0 start=0x100000000 size=0xfffffffff0000000\n"));
}

TEST_CASE("input bounds: add_memory that wraps or ends past MAX_PHYSMEM_BITS is -E2BIG") {
  // register_memory_resource(): !mhp_range_allowed() -> -E2BIG, nothing changed.
  System s = qemu_1g();
  CHECK_FAILS_ATOMICALLY(s, -E2BIG, add_memory(s, 0, 4 * GiB, 0xfffffffff0000000, MHP_NONE));
  CHECK_FAILS_ATOMICALLY(s, -E2BIG, add_memory(s, 0, 64 * TiB - 128 * MiB, 256 * MiB, MHP_NONE));
  // The ACPI driver turns every error but -EEXIST into -EINVAL
  // (acpi_memory_enable_device()), and unregisters the group again.
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, dimm_add(s, 0, 64 * TiB - 128 * MiB, 256 * MiB));
}

TEST_CASE("input bounds: block ids that name no device are -ENOENT") {
  // A sysfs memoryN directory exists only for a registered block: writing
  // the state of any other id fails at open(), whatever the id.
  System s = qemu_1g();
  for (u64 id : {u64{40}, u64{1} << 40, ~u64{0}}) {
    CHECK_FAILS_ATOMICALLY(s, -ENOENT, online_block(s, id, OnlineType::Online));
    CHECK_FAILS_ATOMICALLY(s, -ENOENT, offline_block(s, id));
  }
}

TEST_CASE("input bounds: the model's remove_memory walks runs, not sections") {
  // Called directly (no trace), the fuzzer's range gets what the 6.1 kernel
  // would do with it: walk_memory_blocks() finds no block, so nothing is
  // busy; __remove_pages() visits every section of [start, end) and
  // __remove_section() WARNs for each invalid one; the result is 0.
  // Expected counts from the loop bounds: start = 4 GiB is section
  // 4 GiB >> 27 = 32, and 2^62 >> 27 = 2^35 sections follow it.
  System s = qemu_1g();
  const System before = s;
  const Result r = remove_memory(s, 4 * GiB, u64{1} << 62);
  CHECK(r.err == 0);
  bool warned = false;
  for (const std::string& w : r.warnings)
    warned = warned || w == "__remove_section: section 32 not valid (and " +
                                std::to_string((u64{1} << 35) - 1) + " more)";
  CHECK(warned);
  CHECK(s == before);
}

TEST_CASE("input bounds: a 1 TiB DIMM on ppc64-64k runs out of memmap after 2 GiB's worth") {
  // The fuzzer's slow input. ppc64-64k: 16 MiB sections of 256 64 KiB pages,
  // whose memmap (256 * 64 bytes = 16 KiB) is one base page each
  // (vmemmap_populate() maps base pages; NOTES.md section 3, item 7). The
  // 2 GiB of boot RAM is 32768 free pages, so __add_pages() gets through
  // 32768 of the DIMM's 65536 sections and fails with -ENOMEM, leaving them
  // (6.1 has no rollback there); the ACPI driver reports -EINVAL.
  System s = must_boot(*geometry_preset("ppc64-64k"), Profile{}, {{0, 0x40000000, 2 * GiB}});
  const Result r = dimm_add(s, 0, 0x200000000, 1 * TiB);
  CHECK(r.err == -EINVAL);
  CHECK(r.partial == Partial::AddPagesLeak);
  const u64 first = 0x200000000 >> 24;
  CHECK(s.sections.count_if(first, first + 65536, [](const SectionState& ms) { return ms.present; }) ==
        32768);
}

TEST_CASE("input bounds: 4 TiB without memmap_on_memory is added and removed") {
  // x86_64: 32768 sections of 128 MiB, each with a 2 MiB (PMD) memmap of 512
  // pages from the buddy allocator: 2^24 pages = 64 GiB, taken from 128 GiB
  // of boot RAM above 4 GiB.
  System s = must_boot(*geometry_preset("x86_64"), Profile{},
                       {{0, 0x100000, 0xbff00000}, {0, 4 * GiB, 128 * GiB}});
  const System booted = s;
  REQUIRE_OK(add_memory(s, 0, 1 * TiB, 4 * TiB, MHP_NONE));
  CHECK(s.pages.count_if(0, RunMap<PageState>::kEnd,
                         [](const PageState& p) { return p.kind == PageKind::Memmap; }) ==
        u64{1} << 24);
  REQUIRE_OK(remove_memory(s, 1 * TiB, 4 * TiB));
  CHECK(s == booted);
}

TEST_CASE("input bounds: memhp run refuses the fuzzer's remove with FILE:LINE and status 2") {
  Scratch dir("input-bounds");
  const std::string path =
      dir.write("t.trace", std::string(kHeader) +
                               "add_memory node=0 start=0x100000000 size=128M\n"
                               "remove_memory start=0x100000000 size=0x4000000000000000\n");
  const Exec e = run_memhp(dir, "run '" + path + "'");
  CHECK(e.status == 2);
  CHECK(e.err.find(path + ":6: remove_memory: range ends past MAX_PHYSMEM_BITS") !=
        std::string::npos);
  CHECK(e.out.empty());
}

TEST_CASE("input bounds: a 64 TiB boot sets subsection maps and boot blocks by runs") {
  // Fuzzer finding (a hang under ASan): boot RAM up to 2^46 on x86_64 is
  // half a million sections. subsection_map_init() gives every whole
  // section the full map and memory_dev_init() a block to every id with a
  // present section: from 4 GiB (block 32) to 64 TiB (block 2^19), all
  // identical. Blocks: 0 spans DMA and DMA32 (no zone), 1..23 DMA32, the
  // hole 24..31, 32.. Normal, none past 2^19: 5 runs. Sections: RAM,
  // hole, RAM, nothing: 4 runs.
  System s = must_boot(*geometry_preset("x86_64"), Profile{},
                       {{0, 0x100000, 3 * GiB - 0x100000}, {0, 4 * GiB, 64 * TiB - 4 * GiB}});
  const u64 last_block = (64 * TiB >> 27) - 1;
  CHECK(s.blocks.at(32).present);
  CHECK(s.blocks.at(last_block).present);
  CHECK_FALSE(s.blocks.at(last_block + 1).present);
  CHECK(s.blocks.run_count() == 5);
  CHECK(s.sections.at(100).subsection_map.count() == 64);  // 128 MiB / 2 MiB
  CHECK(s.sections.run_count() == 4);
}
