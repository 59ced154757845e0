// arch/x86/mm/init_64.c, arch/arm64/mm/mmu.c + init.c, arch/powerpc/mm/mem.c:
// the arch hooks hotplug calls, for the three architectures of the presets.
//
// What differs between them and matters to the model: the zone limits at
// boot, whether arch_add_memory() WARNs on failure, and how vmemmap_populate()
// maps a section's memmap (PMD blocks that may come from an altmap, or base
// pages). x86 maps a whole section with PMDs, which come from the altmap when
// one is passed, but maps anything smaller with base pages and ignores the
// altmap; that is why 6.1's mhp_supports_memmap_on_memory() insists on
// PMD-aligned vmemmap. arm64 with 4K pages uses PMD blocks too; with 16K and
// 64K pages it uses base pages from the altmap. ppc64's 2 MiB vmemmap
// mappings, shared by many 16 MiB sections, are approximated by base pages.
#include <algorithm>

#include "internal.h"
#include "memhp/proven/vmemmap.h"
#include "proven_words.h"

namespace memhp::k {

/* arch/x86/mm/init_64.c, arch/arm64/mm/mmu.c, arch/powerpc/mm/init_64.c:
   vmemmap_populate(), counted by memhp/proven/vmemmap.h */
// vmemmap.h names the arches by number: memhp::Arch's.
static_assert(proven::kArchX86_64 == static_cast<u64>(Arch::X86_64) &&
              proven::kArchArm64 == static_cast<u64>(Arch::Arm64) &&
              proven::kArchPpc64 == static_cast<u64>(Arch::Ppc64));

VmemmapPlan arch_vmemmap_plan(const Geometry& g, u64 nr_pages, bool have_altmap) {
  const auto w = proven::arch_vmemmap_plan(proven::Concrete{}, geometry_words(g), nr_pages, have_altmap);
  return VmemmapPlan{w.pages, w.unit, w.uses_altmap};
}

/* arch/x86/mm/init_64.c: arch_add_memory() -> add_pages();
   arch/arm64/mm/mmu.c: arch_add_memory() */
int arch_add_memory(System& s, Result& r, int nid, u64 start, u64 size, const MhpParams& params) {
  const Geometry& g = s.geo;
  // The direct map (init_memory_mapping / __create_pgd_mapping) is not modelled.
  const int ret = __add_pages(s, r, nid, g.pfn_of(start), size >> g.page_shift, params);
  if (g.arch == Arch::X86_64) WARN(r, ret != 0, "add_pages: __add_pages failed");
  return ret;
}

/* arch/x86/mm/init_64.c: arch_remove_memory(); arch/arm64/mm/mmu.c likewise */
void arch_remove_memory(System& s, Result& r, u64 start, u64 size, const MhpParams& params) {
  __remove_pages(s, r, s.geo.pfn_of(start), size >> s.geo.page_shift, params);
}

namespace {
constexpr u64 kU32Max = 0xffffffffull;

/* arch/arm64/mm/init.c: max_zone_phys() */
u64 arm64_max_zone_phys(unsigned zone_bits, u64 dram_start, u64 dram_end) {
  u64 zone_mask = (u64{1} << zone_bits) - 1;
  if (dram_start > kU32Max)
    zone_mask = ~u64{0};
  else if (dram_start > zone_mask)
    zone_mask = kU32Max;
  return std::min(zone_mask, dram_end - 1) + 1;
}
}  // namespace

std::array<u64, kNrZones> arch_max_zone_pfns(const Geometry& g,
                                             const std::vector<MemblockRange>& mem) {
  std::array<u64, kNrZones> max{};
  u64 min_pfn = ~u64{0}, max_pfn = 0;
  for (const MemblockRange& m : mem) {
    min_pfn = std::min(min_pfn, m.start.v);
    max_pfn = std::max(max_pfn, m.end.v);
  }
  switch (g.arch) {
    case Arch::X86_64: {
      /* arch/x86/mm/init.c: zone_sizes_init(); max_low_pfn == max_pfn on 64-bit */
      const u64 max_dma_pfn = (u64{16} << 20) >> g.page_shift;  // MAX_DMA_PFN
      const u64 max_dma32_pfn = (u64{1} << 32) >> g.page_shift;  // MAX_DMA32_PFN
      max[zone_idx(Zone::DMA)] = std::min(max_dma_pfn, max_pfn);
      max[zone_idx(Zone::DMA32)] = std::min(max_dma32_pfn, max_pfn);
      max[zone_idx(Zone::Normal)] = max_pfn;
      break;
    }
    case Arch::Arm64: {
      /* arch/arm64/mm/init.c: zone_sizes_init(), no DT/IORT DMA limit below 32 bits */
      const u64 start = g.phys_of(Pfn{min_pfn}), end = g.phys_of(Pfn{max_pfn});
      const u64 dma = arm64_max_zone_phys(32, start, end) >> g.page_shift;
      max[zone_idx(Zone::DMA)] = dma;
      max[zone_idx(Zone::DMA32)] = dma;
      max[zone_idx(Zone::Normal)] = max_pfn;
      break;
    }
    case Arch::Ppc64:
      /* arch/powerpc/mm/mem.c: paging_init(); book3s64 has no ZONE_DMA */
      max[zone_idx(Zone::Normal)] = max_pfn;
      break;
  }
  return max;
}

}  // namespace memhp::k
