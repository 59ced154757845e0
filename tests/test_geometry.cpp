// Geometry presets and the 6.1 memmap_on_memory support table.
//
// Expected values: docs/kernel-reference.md section 1 (read from
// arch/*/include/asm/sparsemem.h, the arch Kconfigs' ARCH_FORCE_MAX_ORDER and
// pageblock-flags.h of v6.1) and mhp_supports_memmap_on_memory() of v6.1
// mm/memory_hotplug.c evaluated by hand for each geometry.
#include "fixtures.h"

using namespace memhp;
using namespace memhp::test;

namespace {
struct Row {
  const char* name;
  unsigned page_shift, section_bits;
  u64 pages_per_section, pages_per_subsection, subsections;
  u64 pmd_bytes;
  unsigned pageblock_order, max_order;
  u64 block_bytes;
};
// clang-format off
const Row kTable[] = {
  {"x86_64",    12, 27, 32768, 512, 64,  2 * MiB,   9, 11, 128 * MiB},
  {"arm64-4k",  12, 27, 32768, 512, 64,  2 * MiB,   9, 11, 128 * MiB},
  {"arm64-16k", 14, 27, 8192,  128, 64,  32 * MiB, 11, 12, 128 * MiB},
  {"arm64-64k", 16, 29, 8192,  32,  256, 512 * MiB, 13, 14, 512 * MiB},
  {"ppc64-64k", 16, 24, 256,   32,  8,   2 * MiB,   5,  9, 256 * MiB},
};
// clang-format on
}  // namespace

TEST_CASE("geometry: presets match the v6.1 constants") {
  CHECK(geometry_preset_names().size() == std::size(kTable));
  for (const Row& row : kTable) {
    CAPTURE(row.name);
    const auto g = geometry_preset(row.name);
    REQUIRE(g);
    CHECK(geometry_error(*g).empty());
    CHECK(g->page_shift == row.page_shift);
    CHECK(g->section_size_bits == row.section_bits);
    CHECK(g->pages_per_section() == row.pages_per_section);
    CHECK(g->pages_per_subsection() == row.pages_per_subsection);
    CHECK(g->subsections_per_section() == row.subsections);
    CHECK(g->pmd_size() == row.pmd_bytes);
    CHECK(g->pageblock_order == row.pageblock_order);
    CHECK(g->max_order == row.max_order);
    CHECK(g->block_bytes == row.block_bytes);
    // include/linux/mmzone.h: MAX_ORDER - 1 + PAGE_SHIFT <= SECTION_SIZE_BITS
    CHECK(g->max_order - 1 + g->page_shift <= g->section_size_bits);
  }
  CHECK_FALSE(geometry_preset("x86"));
}

TEST_CASE("geometry: impossible builds are rejected with the kernel's reason") {
  Geometry g = *geometry_preset("x86_64");
  g.block_bytes = 96 * MiB;  // memory_dev_init(): not a power of two
  CHECK(geometry_error(g).find("power of two") != std::string::npos);
  g.block_bytes = 64 * MiB;  // below one section
  CHECK_FALSE(geometry_error(g).empty());
  g = *geometry_preset("x86_64");
  g.max_order = 18;  // MAX_ORDER exceeds SECTION_SIZE
  CHECK(geometry_error(g).find("MAX_ORDER") != std::string::npos);
}

TEST_CASE("geometry: 6.1 memmap_on_memory support table") {
  const Profile on = mom(true);
  SUBCASE("x86_64: 128 MiB, 1 GiB and 2 GiB blocks") {
    // size / PAGE_SIZE * 64 bytes of struct page, in 4 KiB pages.
    const std::pair<u64, u64> cases[] = {{128 * MiB, 512}, {1 * GiB, 4096}, {2 * GiB, 8192}};
    for (auto [block, pages] : cases) {
      Geometry g = *geometry_preset("x86_64");
      g.block_bytes = block;
      const auto sup = mhp_supports_memmap_on_memory(g, on, block);
      CHECK(sup.supported);
      CHECK(sup.vmemmap_pages == pages);
      // 6.1 insists on exactly one block.
      CHECK_FALSE(mhp_supports_memmap_on_memory(g, on, 2 * block).supported);
    }
  }
  SUBCASE("arm64-4k works like x86_64") {
    const auto sup = mhp_supports_memmap_on_memory(*geometry_preset("arm64-4k"), on, 128 * MiB);
    CHECK(sup.supported);
    CHECK(sup.vmemmap_pages == 512);
  }
  SUBCASE("arm64-16k: 512 KiB of vmemmap is not a multiple of the 32 MiB PMD") {
    const auto sup = mhp_supports_memmap_on_memory(*geometry_preset("arm64-16k"), on, 128 * MiB);
    CHECK_FALSE(sup.supported);
    CHECK(sup.vmemmap_pages == 32);
    CHECK(sup.reason.find("PMD_SIZE 32768 KiB") != std::string::npos);
  }
  SUBCASE("arm64-64k: 512 KiB of vmemmap is not a multiple of the 512 MiB PMD") {
    const auto sup = mhp_supports_memmap_on_memory(*geometry_preset("arm64-64k"), on, 512 * MiB);
    CHECK_FALSE(sup.supported);
    CHECK(sup.vmemmap_pages == 8);
    CHECK(sup.reason.find("PMD_SIZE 524288 KiB") != std::string::npos);
  }
  SUBCASE("ppc64-64k: not enabled on powerpc in 6.1") {
    const auto sup = mhp_supports_memmap_on_memory(*geometry_preset("ppc64-64k"), on, 256 * MiB);
    CHECK_FALSE(sup.supported);
    CHECK(sup.reason.find("CONFIG_MHP_MEMMAP_ON_MEMORY") != std::string::npos);
  }
  SUBCASE("the module parameter must be set") {
    const auto sup = mhp_supports_memmap_on_memory(*geometry_preset("x86_64"), mom(false), 128 * MiB);
    CHECK_FALSE(sup.supported);
    CHECK(sup.reason.find("memmap_on_memory is off") != std::string::npos);
  }
}
