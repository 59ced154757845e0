// memmap_cost(): the vmemmap of a device-dax range with and without the
// compound-page dedup of mm/sparse-vmemmap.c, and `memhp memmap-cost`.
//
// Every expected value is derived in the comment beside it from two x86_64
// facts: PAGE_SIZE = 4096 and sizeof(struct page) = 64, so one vmemmap page
// holds 4096 / 64 = 64 struct pages, and a PTE table (512 entries of 8 B)
// maps 512 * 4 KiB = 2 MiB of vmemmap. See NOTES.md "ZONE_DEVICE vmemmap
// cost" and docs/kernel-reference.md section 6.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

#include "fixtures.h"
#include "memhp/memmap_cost.h"
#include "memhp/trace.h"

using namespace memhp;
using namespace memhp::test;

namespace {
constexpr u64 TiB = u64{1} << 40;
constexpr u64 kPage = 4096, kStructPage = 64;
constexpr u64 kPerVmemmapPage = kPage / kStructPage;  // 64 struct pages per vmemmap page
const Geometry kX86 = *geometry_preset("x86_64");
}  // namespace

TEST_CASE("memmap: x86_64 facts the derivations below rest on") {
  CHECK(kX86.page_size() == kPage);
  CHECK(kX86.struct_page_size == kStructPage);
  const MemmapCost c = memmap_cost(kX86, 2 * MiB, 2 * MiB);
  CHECK(c.pte_table_bytes == kPage);  // 512 PTEs of 8 bytes
}

TEST_CASE("memmap: vmemmap pages per compound page (2 MiB: 8 -> 2, 1 GiB: 4096 -> 2)") {
  // 2 MiB = 512 base pages; 512 struct pages / 64 per page = 8 vmemmap pages.
  // vmemmap_populate_compound_pages() keeps the head's page and the first
  // tails' page (2) and maps the other 6 onto the second: saves 6.
  const MemmapCost m2 = memmap_cost(kX86, 2 * MiB, 2 * MiB);
  CHECK(m2.pfns_per_compound == 512);
  CHECK(m2.vmemmap_shift == 9);
  CHECK(m2.compound_plain_pages == 2 * MiB / kPage / kPerVmemmapPage);
  CHECK(m2.compound_plain_pages == 8);
  CHECK(m2.compound_dedup_pages == 2);
  CHECK(m2.compound_plain_pages - m2.compound_dedup_pages == 6);
  CHECK(m2.compound_path);

  // 1 GiB = 262144 base pages; 262144 / 64 = 4096 vmemmap pages, 2 kept:
  // saves 4094. The compound page spans 8 sections; sections 2..8 reuse the
  // first section's tail page (reuse_compound_section()) and allocate nothing.
  const MemmapCost g1 = memmap_cost(kX86, 1 * GiB, 1 * GiB);
  CHECK(g1.pfns_per_compound == 262144);
  CHECK(g1.compound_plain_pages == 4096);
  CHECK(g1.compound_dedup_pages == 2);
  CHECK(g1.compound_plain_pages - g1.compound_dedup_pages == 4094);
  CHECK(g1.dedup_pages == 2);
  CHECK(g1.plain_pages == 4096);
}

TEST_CASE("memmap: 1 TiB with 2 MiB compound pages: 16 GiB -> 4 GiB (+32 MiB of PTE tables)") {
  const MemmapCost c = memmap_cost(kX86, 1 * TiB, 2 * MiB);
  // 1 TiB / 4 KiB = 2^28 struct pages * 64 B = 16 GiB of vmemmap. Without
  // dedup x86 maps each whole section's 2 MiB of memmap with one PMD block
  // (vmemmap_populate_hugepages()): 16 GiB allocated, no PTE table.
  CHECK(c.nr_pages == (u64{1} << 28));
  CHECK(c.vmemmap_span_bytes == 16 * GiB);
  CHECK(c.plain_bytes() == 16 * GiB);
  CHECK(c.plain_pte_tables == 0);
  // With dedup: 1 TiB / 2 MiB = 2^19 compound pages * 2 pages * 4 KiB = 4 GiB.
  CHECK(c.nr_compound == (u64{1} << 19));
  CHECK(c.dedup_bytes() == (u64{1} << 19) * 2 * kPage);
  CHECK(c.dedup_bytes() == 4 * GiB);
  // Every one of the 16 GiB of vmemmap addresses now has a PTE: one table per
  // 2 MiB of span = 8192 tables * 4 KiB = 32 MiB.
  CHECK(c.dedup_pte_tables == 16 * GiB / (2 * MiB));
  CHECK(c.dedup_table_bytes() == 32 * MiB);
  CHECK(c.dedup_total_bytes() == 4 * GiB + 32 * MiB);
}

TEST_CASE("memmap: 1 TiB with 1 GiB compound pages: 8 MiB, ~40 MiB with PTE tables") {
  const MemmapCost c = memmap_cost(kX86, 1 * TiB, 1 * GiB);
  // 1024 compound pages * 2 vmemmap pages * 4 KiB = 8 MiB of vmemmap.
  CHECK(c.nr_compound == 1024);
  CHECK(c.dedup_bytes() == 1024 * 2 * kPage);
  CHECK(c.dedup_bytes() == 8 * MiB);
  // The PTE tables do not shrink with the compound size: the whole 16 GiB
  // span is still PTE-mapped, 8192 tables = 32 MiB. 8 + 32 = 40 MiB: the
  // cover letter's "~40 MiB" counts the page tables, the memmap alone is 8.
  CHECK(c.dedup_table_bytes() == 32 * MiB);
  CHECK(c.dedup_total_bytes() == 40 * MiB);
  CHECK(c.plain_total_bytes() == 16 * GiB);
}

TEST_CASE("memmap: struct pages memmap_init_zone_device() initialises") {
  // compound_nr_pages(): 2 vmemmap pages * 64 struct pages = 128 per compound
  // page with dedup, instead of all of them.
  const MemmapCost m2 = memmap_cost(kX86, 1 * TiB, 2 * MiB);
  CHECK(m2.init_plain == (u64{1} << 28));
  CHECK(m2.init_dedup == (u64{1} << 19) * 2 * kPerVmemmapPage);
  CHECK(m2.init_plain / m2.init_dedup == 4);  // 512 / 128
  const MemmapCost g1 = memmap_cost(kX86, 1 * TiB, 1 * GiB);
  CHECK(g1.init_dedup == 1024 * 128);
  CHECK(g1.init_plain / g1.init_dedup == 2048);  // 262144 / 128
  // One section (128 MiB) of 2 MiB pages: 32768 -> 64 * 128 = 8192, the
  // "32768 pages when it only needs 128" of the commit is per compound page.
  CHECK(memmap_cost(kX86, 128 * MiB, 2 * MiB).init_dedup == 64 * 128);
}

TEST_CASE("memmap: the cover letter's 3.8x and 1071x are not memory or struct page counts") {
  // NOTES.md: the model's ratios are 4x/2048x (vmemmap, and struct pages
  // initialised) and 3.97x/409.6x (vmemmap plus PTE tables); none is 3.8 or
  // 1071. Those fit quotients of rounded percentages (1.5/0.39, 1.5/0.0014),
  // which is a guess, not kernel arithmetic, so nothing here asserts them.
  const MemmapCost m2 = memmap_cost(kX86, 1 * TiB, 2 * MiB);
  const MemmapCost g1 = memmap_cost(kX86, 1 * TiB, 1 * GiB);
  CHECK(m2.plain_bytes() / m2.dedup_bytes() == 4);
  CHECK(g1.plain_bytes() / g1.dedup_bytes() == 2048);
  const double r2 = double(m2.plain_total_bytes()) / double(m2.dedup_total_bytes());
  const double r1 = double(g1.plain_total_bytes()) / double(g1.dedup_total_bytes());
  CHECK(r2 == doctest::Approx(16384.0 / 4128.0));  // 3.969
  CHECK(r1 == doctest::Approx(409.6));
}

TEST_CASE("memmap: no compound pages, small compound pages, partial sections") {
  // align = PAGE_SIZE: vmemmap_nr = 1, no dedup path; same as without.
  const MemmapCost p = memmap_cost(kX86, 1 * GiB, 4 * KiB);
  CHECK_FALSE(p.compound_path);
  CHECK(p.dedup_pages == p.plain_pages);
  CHECK(p.init_dedup == p.init_plain);
  // 64 KiB compound pages: 16 struct pages = 1 KiB, less than the 2 pages
  // dedup keeps. 6.1.192's vmemmap_can_optimize() refuses the compound path
  // (6.1.0 took it, and its compound_nr_pages() = 128 ran past the 16 pfns
  // of the page): the section is PMD-mapped as without dedup, and every
  // struct page is written.
  const MemmapCost s = memmap_cost(kX86, 128 * MiB, 64 * KiB);
  CHECK_FALSE(s.compound_path);
  CHECK(s.dedup_pages == s.plain_pages);
  CHECK(s.dedup_pages == 2 * MiB / kPage);  // 128 MiB -> 2 MiB of memmap
  CHECK(s.dedup_pte_tables == 0);
  CHECK(s.init_dedup == s.nr_pages);
  // One subsection (2 MiB): x86 vmemmap_populate() uses base pages below a
  // section, so even without dedup its 8 pages need a PTE table.
  const MemmapCost sub = memmap_cost(kX86, 2 * MiB, 2 * MiB);
  CHECK(sub.plain_pages == 8);
  CHECK(sub.plain_pte_tables == 1);
  CHECK(sub.dedup_pages == 2);
  // 130 MiB: one PMD-mapped section + one base-page subsection.
  const MemmapCost mix = memmap_cost(kX86, 130 * MiB, 2 * MiB);
  CHECK(mix.plain_pages == 512 + 8);
  CHECK(mix.plain_pte_tables == 1);
  CHECK(mix.dedup_pages == 65 * 2);
}

TEST_CASE("memmap: other geometries") {
  // ppc64-64k: 2 MiB = 32 pfns * 64 B = 2 KiB < one 64 KiB page: nothing to
  // dedup (Documentation/powerpc/vmemmap_dedup.rst); 1 GiB = 16384 pfns =
  // 16 vmemmap pages -> 2.
  const Geometry ppc = *geometry_preset("ppc64-64k");
  CHECK_FALSE(memmap_cost(ppc, 1 * GiB, 2 * MiB).compound_path);
  const MemmapCost p1 = memmap_cost(ppc, 1 * GiB, 1 * GiB);
  CHECK(p1.compound_plain_pages == 16);
  CHECK(p1.compound_dedup_pages == 2);
  // arm64-16k: 2 MiB = 128 pfns = 8 KiB of memmap, half a 16 KiB page.
  const Geometry a16 = *geometry_preset("arm64-16k");
  CHECK_FALSE(memmap_cost(a16, 1 * GiB, 2 * MiB).compound_path);
  // 32 MiB (a PMD) = 2048 pfns * 64 B = 128 KiB = 8 pages of 16 KiB -> 2.
  const MemmapCost a32 = memmap_cost(a16, 32 * MiB, 32 * MiB);
  CHECK(a32.compound_plain_pages == 8);
  CHECK(a32.compound_dedup_pages == 2);
  // arm64-4k matches x86_64 for the memmap itself.
  const Geometry a4 = *geometry_preset("arm64-4k");
  CHECK(memmap_cost(a4, 1 * TiB, 1 * GiB).dedup_total_bytes() == 40 * MiB);
}

TEST_CASE("memmap: input validation") {
  CHECK(memmap_cost_error(kX86, 1 * TiB, 2 * MiB).empty());
  CHECK(memmap_cost_error(kX86, 0, 2 * MiB).find("0") != std::string::npos);
  CHECK(memmap_cost_error(kX86, 1 * GiB, 3 * MiB).find("power of two") != std::string::npos);
  CHECK(memmap_cost_error(kX86, 1 * GiB, 2 * KiB).find("smaller than the base page") !=
        std::string::npos);
  CHECK(memmap_cost_error(kX86, 6 * MiB, 4 * MiB).find("does not divide") != std::string::npos);
  CHECK(memmap_cost_error(kX86, 1 * MiB, 4 * KiB).find("subsection") != std::string::npos);
  CHECK(memmap_cost_error(kX86, u64{1} << 47, 2 * MiB).find("physical address space") !=
        std::string::npos);

  CHECK(parse_byte_size("2M") == 2 * MiB);
  CHECK(parse_byte_size("1g") == 1 * GiB);
  CHECK(parse_byte_size("1T") == TiB);
  CHECK(parse_byte_size("16G") == 16 * GiB);
  CHECK(parse_byte_size("4096") == 4096);
  CHECK(parse_byte_size("0x200000") == 2 * MiB);
  CHECK_FALSE(parse_byte_size(""));
  CHECK_FALSE(parse_byte_size("G"));
  CHECK_FALSE(parse_byte_size("2MB"));
  CHECK_FALSE(parse_byte_size("-1"));
  CHECK_FALSE(parse_byte_size("99999999999999999999"));
  CHECK_FALSE(parse_byte_size("16777216T"));  // 2^64

  CHECK(human_bytes(16 * GiB) == "16 GiB");
  CHECK(human_bytes(4 * GiB + 32 * MiB) == "4.03 GiB");
  CHECK(human_bytes(100) == "100 B");
  CHECK(human_bytes(2 * MiB + 4 * KiB) == "2052 KiB");
  CHECK(human_bytes(~u64{0}).find("EiB") != std::string::npos);
}

namespace {
int memhp_status(const std::string& args) {
  const std::string cmd = "'" MEMHP_BINARY "' memmap-cost " + args + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
}  // namespace

TEST_CASE("memmap: memhp memmap-cost exit statuses") {
  CHECK(memhp_status("--geometry x86_64 --size 1T --align 1G") == 0);
  CHECK(memhp_status("--geometry x86_64 --size 1T --align 2M --json") == 0);
  CHECK(memhp_status("--geometry x86 --size 1T --align 2M") == 2);
  CHECK(memhp_status("--geometry x86_64 --size 1T --align 3M") == 2);
  CHECK(memhp_status("--geometry x86_64 --size 1T --align 2K") == 2);
  CHECK(memhp_status("--geometry x86_64 --size 3M --align 2M") == 2);
  CHECK(memhp_status("--geometry x86_64 --size 1M --align 4K") == 2);
  CHECK(memhp_status("--geometry x86_64 --size lots --align 2M") == 2);
  CHECK(memhp_status("--geometry x86_64 --size 1T") == 2);
  CHECK(memhp_status("--geometry x86_64 --size 1T --align 2M --bogus") == 2);
}
