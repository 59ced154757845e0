// Regression tests for the fuzz findings triaged in NOTES.md, "Fuzz findings
// triage": one case per class, each with its minimal trace inline.
//
// Every expected value is derived from the 6.1 source (the comment beside
// it says from where), never read off the model's output.
#include <doctest/doctest.h>

#include "fixtures.h"
#include "memhp/invariants.h"
#include "memhp/trace.h"
#include "replay.h"
#include "shell.h"

using namespace memhp;
using memhp::test::parse_bad;
using memhp::test::parse_ok;
using memhp::test::Exec;
using memhp::test::Scratch;

namespace {

// The System after replaying every step of t (which must not violate anything).
System replayed_state(const Trace& t) {
  System s = std::get<System>(boot_trace(t));
  for (const TraceStep& st : t.steps) apply_op(s, st.op);
  return s;
}

std::optional<Violation> check_one(const System& s, const char* name) {
  const Invariant* inv = find_invariant(name);
  REQUIRE(inv);
  return check_invariants(StepView{s, s, nullptr, nullptr}, inv);
}

std::string violation_of(const ReplayResult& r) { return r.violation ? r.violation->invariant : "none"; }

constexpr u64 MiB = u64{1} << 20;

}  // namespace

// ---------------------------------------------- section_online_iff_block_online --
// An fsdax namespace at 1 GiB inside the 2 GiB boot block 0, whose RAM ends at
// 1 GiB. memremap_pages() adds section 8 (1 GiB / 128 MiB) without ever setting
// SECTION_IS_ONLINE: sparse_init_one_section() keeps the flags it finds and
// pagemap_range() never calls online_mem_sections(); memory_present() set it
// only for the boot sections 0..7. Block 0 stays online (boot memory).
const char* const kFsdaxInBootBlock =
    "geometry x86_64 block=2G\n"
    "profile v6.1 memmap_on_memory=0 memhp_default_state=online_movable\n"
    "boot node=0 start=0x1000 size=0x9ec00\n"
    "boot node=0 start=0x100000 size=0x3ff00000\n"
    "memremap_pages id=1 type=fsdax node=0 ranges=0x40000000+128M   # expect: ok\n";

TEST_CASE("fuzz section_online_iff_block_online: a device section in an online boot block is not online") {
  const Trace t = parse_ok(kFsdaxInBootBlock);
  const ReplayResult r = replay_trace(t);
  CHECK_MESSAGE(!r.violation, violation_of(r) << ": " << (r.violation ? r.violation->message : ""));
  CHECK(r.expect_failures == 0);
  const System s = replayed_state(t);
  const SectionState& sec8 = s.sections.at(8);
  CHECK(sec8.present);
  CHECK_FALSE(sec8.online);
  CHECK(s.blocks.at(0).state == BlockState::Online);

  SUBCASE("the device clause has teeth: an online device-only section is reported") {
    System bad = s;
    bad.sections.update(8, 9, [](SectionState& ms) { ms.online = true; });
    const auto v = check_one(bad, "section_online_iff_block_online");
    REQUIRE(v);
    CHECK(v->message.find("section 8 is online but holds only ZONE_DEVICE memory") != std::string::npos);
  }
  SUBCASE("the RAM clause has teeth: offline_keeps_sections_online is still caught") {
    // dimm_add + online + offline of block 32 at 4 GiB: with the mutant,
    // __offline_isolated_pages() skips offline_mem_sections().
    const Trace m = parse_ok(
        "geometry x86_64\n"
        "profile v6.1 memmap_on_memory=0 memhp_default_state=offline\n"
        "mutant offline_keeps_sections_online\n"
        "check only=section_online_iff_block_online\n"
        "boot node=0 start=0x100000 size=0x3ff00000\n"
        "dimm_add node=0 start=0x100000000 size=128M\n"
        "online_block block=32 type=online_movable\n"
        "offline_block block=32\n");
    const ReplayResult mr = replay_trace(m);
    CHECK(violation_of(mr) == "section_online_iff_block_online");
    CHECK(mr.violation_line == 8);
  }
}

// ----------------------------------------------------- altmap_pages_match_block --
// ppc64: a generic pgmap at 0xffe00000+4M (sections 255 and 256 of 16 MiB)
// with an altmap of one free page. Section 255's memmap (32 pages * 64 B) fits
// in that page; section 256's does not, and arch/powerpc/mm/init_64.c
// vmemmap_populate() then falls back to system memory ("altmap block
// allocation failed, falling back to system memory"), so memremap_pages()
// succeeds; the model failed it with -ENOMEM and leaked section 255.
const char* const kPpc64SmallAltmap =
    "geometry ppc64-64k\n"
    "profile v6.1 memmap_on_memory=0 possible_nodes=3\n"
    "boot node=0 start=0x0 size=0x6000000\n"
    "boot node=0 start=0x8000000 size=0x38000000\n"
    "memremap_pages id=3 type=generic node=0 ranges=0xffe00000+4M altmap=1+1   # expect: ok\n"
    "memunmap_pages id=3   # expect: ok\n";

TEST_CASE("fuzz altmap_pages_match_block: ppc64 falls back to RAM when the altmap runs out") {
  const Trace t = parse_ok(kPpc64SmallAltmap);
  const ReplayResult r = replay_trace(t);
  CHECK_MESSAGE(!r.violation, violation_of(r) << ": " << (r.violation ? r.violation->message : ""));
  CHECK(r.expect_failures == 0);
  REQUIRE(r.steps.size() == 2);
  // Section 255 took the altmap's one page, section 256 took RAM.
  System s = std::get<System>(boot_trace(t));
  REQUIRE(apply_op(s, t.steps[0].op).ok());
  CHECK(s.sections.at(255).memmap_altmap_pages == 1);
  CHECK(s.sections.at(256).memmap_altmap_pages == 0);
  CHECK(s.sections.at(256).memmap_buddy_pages > 0);
  // memunmap_pages() gives the altmap page back: no "failed to free all
  // reserved pages" WARN.
  CHECK(r.steps[1].result.warnings.empty());

  SUBCASE("x86 has no fallback: the same exhausted altmap is -ENOMEM") {
    // arch/x86/mm/init_64.c vmemmap_populate_hugepages(): "no fallback".
    const Trace x = parse_ok(
        "geometry x86_64\n"
        "profile v6.1 memmap_on_memory=0\n"
        "boot node=0 start=0x0 size=0x6000000\n"
        "boot node=0 start=0x8000000 size=0x38000000\n"
        "memremap_pages id=3 type=generic node=0 ranges=0x100000000+256M altmap=0+512\n");
    System xs = std::get<System>(boot_trace(x));
    CHECK(apply_op(xs, x.steps[0].op).err == -ENOMEM);
  }
}

// ------------------------------------------------ block_exists_iff_memory_added --
// arm64 64K: 2 TiB hot-added to a 1 GiB machine. Its memmap is 2^25 struct
// pages * 64 B = 2 GiB, more than the machine's whole RAM, so a section's
// __populate_section_memmap() fails with -ENOMEM part way. 6.1's
// __add_pages() stops there and nobody removes the sections added before:
// arch_add_memory() only tears the linear map down, __add_memory() releases
// the resource, no memory block is created (create_memory_block_devices() is
// never reached). Those present sections without a block are a real 6.1
// state, not a model error.
const char* const kLeakingHotAdd =
    "geometry arm64-64k\n"
    "profile v6.1 memmap_on_memory=0 memhp_default_state=offline\n"
    "boot node=0 start=0x0 size=1G\n"
    "add_memory node=0 start=0x40000000 size=2T   # expect: -ENOMEM\n";

TEST_CASE("fuzz block_exists_iff_memory_added: the sections a failed hot-add leaks are not a violation") {
  const Trace t = parse_ok(kLeakingHotAdd);
  const ReplayResult r = replay_trace(t);
  CHECK_MESSAGE(!r.violation, violation_of(r) << ": " << (r.violation ? r.violation->message : ""));
  CHECK(r.expect_failures == 0);
  const System s = replayed_state(t);
  // The first hot-added section (2: 1 GiB / 512 MiB) stays present, its block does not exist.
  CHECK(s.sections.at(2).present);
  CHECK_FALSE(s.blocks.at(2).present);

  SUBCASE("adding the range again fails in fill_subsection_map() with -EEXIST") {
    System again = s;
    CHECK(add_memory(again, 0, 1ull << 30, 512 * MiB, MHP_NONE).err == -EEXIST);
  }
  SUBCASE("a present System RAM section without its block is still reported") {
    // dimm_add of block 32, then the block device dropped by hand.
    System bad = replayed_state(parse_ok(
        "geometry x86_64\n"
        "profile v6.1 memmap_on_memory=0 memhp_default_state=offline\n"
        "boot node=0 start=0x100000 size=0x3ff00000\n"
        "dimm_add node=0 start=0x100000000 size=128M\n"));
    bad.blocks.assign(32, 33, MemoryBlock{});
    const auto v = check_one(bad, "block_exists_iff_memory_added");
    REQUIRE(v);
    CHECK(v->message == "section 32 is present but memory block 32 does not exist");
  }
  SUBCASE("a leaked section that System RAM covers is reported inside a long leaked run") {
    // The leftovers are one run of ~4000 sections, excused as a whole;
    // a System RAM resource over one section in its middle breaks the
    // excuse for that section only (it is RAM without a memory block).
    System bad = s;
    const u64 sec = 512 * MiB, at = 100 * sec;
    bad.iomem[at] = Resource{at, at + sec, "System RAM", true, false};
    const auto v = check_one(bad, "block_exists_iff_memory_added");
    REQUIRE(v);
    CHECK(v->message == "section 100 is present but memory block 100 does not exist");
  }
  SUBCASE("remove_keeps_block_devices is still caught") {
    const ReplayResult m = replay_trace(parse_ok(
        "geometry x86_64\n"
        "profile v6.1 memmap_on_memory=0 memhp_default_state=offline\n"
        "mutant remove_keeps_block_devices\n"
        "check only=block_exists_iff_memory_added\n"
        "boot node=0 start=0x100000 size=0x3ff00000\n"
        "add_memory node=0 start=0x100000000 size=128M\n"
        "remove_memory start=0x100000000 size=128M\n"));
    CHECK(violation_of(m) == "block_exists_iff_memory_added");
  }
}

// --------------------------------------------------- block_memmap_matches_state --
// A legitimate finding, kept: an fsdax range starting in the hole of early
// section 0 (boot RAM ends at 96 MiB) and running into section 1, on a
// machine whose free memory is taken by unmovable allocations. Section 0's
// part reuses the boot memmap, which sparse_add_section() poisons
// (page_init_poison()) and marks valid in the subsection_map; section 1's
// memmap cannot be allocated (-ENOMEM), and pagemap_range()'s error path
// (err_add_memory) only deletes the pgmap_array entries. The pfns
// 98..128 MiB of online block 0 are then handed out by pfn_to_online_page()
// (online section, subsection bit set, no taint since move_pfn_range_to_zone()
// never ran) with poisoned struct pages: PF_POISONED_CHECK on a DEBUG_VM
// kernel. The fuzzer's version booted 4 KiB of RAM, which no machine does.
std::string exhausted_memremap_trace(u64 free_pages) {
  return "geometry x86_64\n"
         "profile v6.1 memmap_on_memory=0 memhp_default_state=offline\n"
         "check only=block_memmap_matches_state\n"
         "boot node=0 start=0x0 size=96M\n"
         "alloc node=0 zone=Normal count=" + std::to_string(free_pages) + " kind=unmovable\n"
         "memremap_pages id=1 type=fsdax node=0 ranges=0x6200000+64M   # expect: -ENOMEM\n";
}

TEST_CASE("fuzz block_memmap_matches_state: poisoned boot memmap left online by a failed memremap") {
  // Every free page: the count is an input (how much the unmovable
  // allocations take), read from the booted state's zones.
  const Trace probe = parse_ok(exhausted_memremap_trace(1));
  const System booted = std::get<System>(boot_trace(probe));
  u64 free_pages = 0;
  for (Zone z : kAllZones) free_pages += booted.zone(0, z).managed_pages;
  const Trace t = parse_ok(exhausted_memremap_trace(free_pages));
  const ReplayResult r = replay_trace(t);
  REQUIRE(r.steps.size() == 2);
  CHECK(r.steps[0].result.ok());
  CHECK(r.steps[1].result.err == -ENOMEM);
  CHECK(violation_of(r) == "block_memmap_matches_state");
  CHECK(r.violation_line == 6);
}

// ------------------------------------------------------------ no_kernel_bug --
// remove_memory() of a range that is not memory-block aligned BUG()s in
// try_remove_memory(); no 6.1 caller passes one (dax/kmem aligns its ranges
// to memory_block_size_bytes(); ACPI ejects use __remove_memory(), the
// trace's dimm_remove), so the trace is refused where it is parsed, with its
// line.
const char* const kMisalignedRemove =
    "geometry x86_64\n"
    "profile v6.1 memmap_on_memory=1 memhp_default_state=online_kernel\n"
    "boot node=0 start=0x100000 size=0x3fee0000\n"
    "remove_memory start=0x3ff0001000 size=0x1000\n";

TEST_CASE("fuzz no_kernel_bug: a misaligned remove_memory is refused as no caller's input") {
  const ParseError e = parse_bad(kMisalignedRemove);
  CHECK(e.line == 4);
  CHECK(e.message.find("not memory-block aligned") != std::string::npos);

  SUBCASE("memhp run: FILE:LINE: message, exit status 2") {
    Scratch sc("fuzz-remove");
    const std::string f = sc.write("r.trace", kMisalignedRemove);
    const Exec x = memhp::test::run_memhp(sc, "run '" + f + "'");
    CHECK(x.status == 2);
    CHECK(x.err.rfind(f + ":4: remove_memory: ", 0) == 0);
  }
  SUBCASE("remove_memory of online memory is -EBUSY, not a BUG") {
    // remove_memory() returns try_remove_memory()'s -EBUSY
    // (check_memblock_offlined_cb); only __remove_memory() BUG()s on it.
    const ReplayResult r = replay_trace(parse_ok(
        "geometry x86_64\n"
        "profile v6.1 memmap_on_memory=0 memhp_default_state=online_kernel\n"
        "boot node=0 start=0x100000 size=0x3ff00000\n"
        "remove_memory start=0x8000000 size=128M   # expect: -EBUSY\n"));
    CHECK_FALSE(r.violation);
    CHECK(r.expect_failures == 0);
  }
}

// ------------------------------------------- sequence properties (two classes) --
// A `check` of a sequence property judges the sequence the suites run as one
// command. A trace that does not end with it (the fuzzer's add_remove_round_trip
// trace had no steps at all; its memremap_unmap_restores_sections one ended with
// memunmap_pages of no pgmap and an online_block) is refused when its window
// holds other ops, and not applicable when it is shorter than the window; a
// window whose ops failed did not happen and is not judged, as in the suites.
TEST_CASE("fuzz add_remove_round_trip / memremap_unmap_restores_sections: windows that are not the sequence") {
  const std::string head =
      "geometry x86_64\n"
      "profile v6.1 memmap_on_memory=0 memhp_default_state=offline\n";
  SUBCASE("no steps at all: not applicable, no violation, exit status 0") {
    const Trace t = parse_ok(head + "check only=add_remove_round_trip\nboot node=0 start=0x40000000 size=0x80000000\n");
    const ReplayResult r = replay_trace(t);
    CHECK_FALSE(r.violation);
    CHECK(r.boot_error.empty());
    Scratch sc("fuzz-window");
    const std::string f = sc.write(
        "w.trace", head + "check only=add_remove_round_trip\nboot node=0 start=0x40000000 size=0x80000000\n");
    const Exec x = memhp::test::run_memhp(sc, "replay '" + f + "'");
    CHECK(x.status == 0);
  }
  SUBCASE("other ops in the window: refused") {
    const ReplayResult r = replay_trace(parse_ok(
        head + "check only=memremap_unmap_restores_sections\nboot node=0 start=0x100000 size=0x3ff00000\n"
               "memunmap_pages id=0\nonline_block block=7 type=online_movable\n"));
    CHECK_FALSE(r.violation);
    CHECK(r.boot_error.find("memremap_pages then memunmap_pages of one pgmap") != std::string::npos);
  }
  SUBCASE("the sequence, failed: not judged") {
    // memremap_pages over boot RAM: -EBUSY (the pmem driver's
    // devm_request_mem_region() before memremap_pages() finds the System RAM
    // resource), then memunmap_pages of a pgmap that does not exist.
    const ReplayResult r = replay_trace(parse_ok(
        head + "check only=memremap_unmap_restores_sections\nboot node=0 start=0x100000 size=0x3ff00000\n"
               "memremap_pages id=2 type=fsdax node=0 ranges=0x8000000+2M   # expect: -EBUSY\n"
               "memunmap_pages id=2\n"));
    CHECK(r.boot_error == "");
    CHECK_FALSE(r.violation);
    CHECK(r.expect_failures == 0);
  }
  SUBCASE("the sequence itself is still judged: vmemmap_free_leaks_pages breaks the round trip") {
    const ReplayResult r = replay_trace(parse_ok(
        head + "mutant vmemmap_free_leaks_pages\ncheck only=add_remove_round_trip\n"
               "boot node=0 start=0x100000 size=0x3ff00000\n"
               "add_memory node=0 start=0x100000000 size=128M\nonline_block block=32 type=online_movable\n"
               "offline_block block=32\nremove_memory start=0x100000000 size=128M\n"));
    CHECK(violation_of(r) == "add_remove_round_trip");
  }
}
