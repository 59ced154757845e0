// Geometry presets, with the v6.1 file each value was read from.
//
//  x86_64     arch/x86/include/asm/sparsemem.h (SECTION_SIZE_BITS 27,
//             MAX_PHYSMEM_BITS 46 with 4-level paging); pageblock_order =
//             min(HUGETLB_PAGE_ORDER 9, MAX_ORDER-1 10); MAX_ORDER 11;
//             memory_block_size_bytes() = 128 MiB below 64 GiB of boot memory
//             (arch/x86/mm/init_64.c probe_memory_block_size()).
//  arm64-*    arch/arm64/include/asm/sparsemem.h (SECTION_SIZE_BITS 27, or 29
//             with 64K pages; MAX_PHYSMEM_BITS = CONFIG_ARM64_PA_BITS, 48);
//             ARCH_FORCE_MAX_ORDER 11/12/14 (arch/arm64/Kconfig); PMD_SHIFT
//             21/25/29; block = one section (generic memory_block_size_bytes).
//  ppc64-64k  arch/powerpc/include/asm/sparsemem.h (SECTION_SIZE_BITS 24);
//             radix MMU: PMD 2 MiB, R_MAX_PHYSMEM_BITS 51, pageblock_order
//             from set_pageblock_order() with a 2 MiB default huge page = 5;
//             ARCH_FORCE_MAX_ORDER 9; pseries LMB 256 MiB; 6.1 has no
//             ARCH_MHP_MEMMAP_ON_MEMORY_ENABLE for powerpc.
#include "memhp/geometry.h"

#include "proven_words.h"

namespace memhp {

namespace {

Geometry make(std::string name, Arch arch, unsigned page_shift, unsigned section_bits,
              unsigned pageblock_order, unsigned max_order, unsigned pmd_shift,
              unsigned physmem_bits, u64 block_bytes, bool memmap_on_memory) {
  Geometry g;
  g.name = std::move(name);
  g.arch = arch;
  g.page_shift = page_shift;
  g.section_size_bits = section_bits;
  g.pageblock_order = pageblock_order;
  g.max_order = max_order;
  g.pmd_shift = pmd_shift;
  g.max_physmem_bits = physmem_bits;
  g.block_bytes = block_bytes;
  g.arch_memmap_on_memory = memmap_on_memory;
  return g;
}

constexpr u64 MiB = u64{1} << 20;

const std::vector<Geometry>& presets() {
  static const std::vector<Geometry> all = {
      make("x86_64", Arch::X86_64, 12, 27, 9, 11, 21, 46, 128 * MiB, true),
      make("arm64-4k", Arch::Arm64, 12, 27, 9, 11, 21, 48, 128 * MiB, true),
      make("arm64-16k", Arch::Arm64, 14, 27, 11, 12, 25, 48, 128 * MiB, true),
      make("arm64-64k", Arch::Arm64, 16, 29, 13, 14, 29, 48, 512 * MiB, true),
      make("ppc64-64k", Arch::Ppc64, 16, 24, 5, 9, 21, 51, 256 * MiB, false),
  };
  return all;
}

}  // namespace

std::optional<Geometry> geometry_preset(std::string_view name) {
  for (const Geometry& g : presets())
    if (g.name == name) return g;
  return std::nullopt;
}

const std::vector<std::string>& geometry_preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Geometry& g : presets()) v.push_back(g.name);
    return v;
  }();
  return names;
}

/* include/linux/mmzone.h BUILD_BUG_ONs, drivers/base/memory.c memory_dev_init() */
std::string geometry_error(const Geometry& g) {
  // The checks are memhp/proven/geometry.h's, in its order; `memhp prove`
  // ranges over the geometries they accept.
  static const char* const kWhy[proven::kGeometryChecks] = {
      "PAGE_SHIFT must be 12..16",
      "SUBSECTION_SHIFT below PAGE_SHIFT",
      "subsection exceeds section",
      "more than 256 subsections per section",
      "MAX_ORDER exceeds SECTION_SIZE",
      "pageblock_order exceeds MAX_ORDER-1",
      "sizeof(struct page) is 0",
      "PMD_SHIFT below PAGE_SHIFT",
      "MAX_PHYSMEM_BITS out of range",
      "memory block size must be a power of two of at least one section",
      "block exceeds physical space",
  };
  const u64 code = proven::geometry_error_code(proven::Concrete{}, k::geometry_words(g));
  return code ? kWhy[code - 1] : std::string();
}

}  // namespace memhp
