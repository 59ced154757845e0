// ZONE_DEVICE scenarios: devm_memremap_pages()/memunmap_pages() at
// subsection granularity, sections shared with System RAM, early sections
// with holes, and compound devmaps with and without an altmap.
//
// Every expected number is derived from the v6.1 sources (mm/memremap.c
// pagemap_range()/pageunmap_range(), mm/sparse.c section_activate()/
// section_deactivate(), mm/sparse-vmemmap.c __populate_section_memmap()/
// vmemmap_populate_compound_pages(), arch/x86/mm/init_64.c
// vmemmap_populate(), mm/page_alloc.c memmap_init_zone_device(),
// mm/memory_hotplug.c move_pfn_range_to_zone()/pfn_to_online_page()) for the
// x86_64 preset:
//   4 KiB pages, 64-byte struct page, 128 MiB sections = 32768 pages,
//   2 MiB subsections = 512 pages, 64 subsections per section;
//   a full section's memmap = 32768 * 64 B = 2 MiB = 512 pages (one PMD);
//   a subsection's memmap   =   512 * 64 B = 32 KiB = 8 pages.
// Only the public API (include/memhp/*.h) is used.
#include "fixtures.h"
#include "memhp/invariants.h"
#include "memhp/walkers.h"

#include <bitset>
#include <sstream>  // doctest prints std::bitset through operator<<

using namespace memhp;
using namespace memhp::test;

namespace {

constexpr u64 k4G = 0x100000000;
constexpr u64 kPagesPerSection = 32768;     // 128 MiB / 4 KiB
constexpr u64 kPagesPerSubsection = 512;    // 2 MiB / 4 KiB
constexpr u64 kSectionMemmap = 512;         // 32768 * 64 B / 4 KiB
constexpr u64 kSubsectionMemmap = 8;        // 512 * 64 B / 4 KiB
constexpr auto kEnd = RunMap<PageState>::kEnd;

using Bits = std::bitset<kMaxSubsections>;

const Geometry& x86() {
  static const Geometry g = *geometry_preset("x86_64");
  return g;
}

constexpr Pfn pfn(u64 phys) { return Pfn{phys >> 12}; }
constexpr u64 sec(u64 phys) { return phys >> 27; }

// Subsection bits [lo, hi) of one section.
Bits bits(unsigned lo, unsigned hi) {
  Bits b;
  for (unsigned i = lo; i < hi; ++i) b.set(i);
  return b;
}

u64 count_kind(const System& s, PageKind k, u64 lo = 0, u64 hi = kEnd) {
  return s.pages.count_if(lo, hi, [&](const PageState& p) { return p.kind == k; });
}

// Memmap pages the sections hold, from the page allocator / from an altmap.
u64 memmap_buddy(const System& s) {
  u64 n = 0;
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    n += (b - a) * ms.memmap_buddy_pages;
  });
  return n;
}
u64 memmap_altmap(const System& s) {
  u64 n = 0;
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    n += (b - a) * ms.memmap_altmap_pages;
  });
  return n;
}

u64 present_blocks(const System& s) {
  return s.blocks.count_if(0, RunMap<MemoryBlock>::kEnd, [](const MemoryBlock& m) { return m.present; });
}

// pfn_to_online_page() of v6.1 (mm/memory_hotplug.c), read off the public
// state: online_section(), then pfn_section_valid() (x86 has no
// CONFIG_HAVE_ARCH_PFN_VALID), then - only for a section with
// SECTION_TAINT_ZONE_DEVICE (online_device_section()) - get_dev_pagemap():
// a pgmap means an offline ZONE_DEVICE pfn.
bool pfn_to_online_page(const System& s, Pfn p) {
  if (p.v >= s.geo.max_pfn_limit()) return false;
  const SectionState& ms = s.section_of(p);
  if (!ms.online) return false;
  if (!ms.subsection_map.test(s.geo.subsection_index(p))) return false;
  if (!ms.taint_zone_device) return true;
  return s.pgmap_of(p) == nullptr;
}

MemremapRequest dev(int id, u64 start, u64 size, unsigned shift = 0,
                    PgmapType type = PgmapType::FsDax) {
  MemremapRequest r;
  r.id = id;
  r.type = type;
  r.nid = 0;
  r.vmemmap_shift = shift;
  r.ranges = {{start, size}};
  return r;
}

bool has_warning(const Result& r, std::string_view what) {
  for (const std::string& w : r.warnings)
    if (w.find(what) != std::string::npos) return true;
  return false;
}

// Boot RAM [0, 1 GiB + 64 MiB): section 8 = [1 GiB, 1 GiB + 128 MiB) is an
// early section whose upper half is a hole.
System ram_ending_mid_section(MutantSet m = {}) {
  auto v = boot_system(x86(), {}, {{0, 0, GiB + 64 * MiB}}, m);
  if (auto* e = std::get_if<std::string>(&v)) FAIL("boot failed: " << *e);
  return std::get<System>(std::move(v));
}

}  // namespace

// ---------------------------------------------------------------------------
TEST_CASE("zone_device: fsdax PMEM sharing a section with System RAM") {
  System s = ram_ending_mid_section();
  const System boot = s;
  const u64 ram_lo = GiB, dev_lo = GiB + 64 * MiB, dev_hi = GiB + 128 * MiB;

  // subsection_map_init(): memblock [1 GiB, 1 GiB + 64 MiB) touches
  // subsections 0..31 of section 8; the tail hole 32..63 is not populated.
  // sparse_init() made section 8 early and online, with a boot usage.
  const SectionState& ms0 = boot.sections.at(8);
  REQUIRE(ms0.early);
  REQUIRE(ms0.online);
  CHECK(ms0.usage == UsageOrigin::Boot);
  CHECK(ms0.subsection_map == bits(0, 32));
  CHECK_FALSE(ms0.taint_zone_device);
  CHECK(boot.blocks.at(8).present);  // the boot memory block of section 8

  // pmem_attach_disk(): devm_request_mem_region() conflicts with the busy
  // boot System RAM resource (e820 do_mark_busy() is true for RAM):
  // "could not reserve region", -EBUSY, before memremap_pages() runs.
  CHECK_FAILS_ATOMICALLY(s, -EBUSY, memremap_pages(s, dev(1, ram_lo, 64 * MiB)));           // RAM
  CHECK_FAILS_ATOMICALLY(s, -EBUSY, memremap_pages(s, dev(1, dev_lo - 2 * MiB, 4 * MiB)));  // mixed
  // pagemap_range()'s region_intersects(IORESOURCE_SYSTEM_RAM) check (WARN,
  // -ENXIO) stands behind the claim and is not reached.

  const u64 free_before = count_kind(s, PageKind::Free);
  REQUIRE_OK(memremap_pages(s, dev(1, dev_lo, 64 * MiB)));

  const SectionState& ms = s.sections.at(8);
  // fill_subsection_map(): 64 MiB from the section's midpoint = bits 32..63.
  CHECK(ms.subsection_map == bits(0, 64));
  // move_pfn_range_to_zone(ZONE_DEVICE): start_pfn is not section aligned,
  // so section_taint_zone_device(start_pfn). The taint is a section flag
  // only (no add_taint()).
  CHECK(ms.taint_zone_device);
  // section_activate(): nr_pages < PAGES_PER_SECTION in an early section
  // reuses the boot memmap: no memmap page allocated, usage still the boot one.
  CHECK(ms.early);
  CHECK(ms.usage == UsageOrigin::Boot);
  CHECK(ms.memmap_buddy_pages == 0);
  CHECK(count_kind(s, PageKind::Memmap) == 0);
  CHECK(count_kind(s, PageKind::Free) == free_before);
  // SECTION_IS_ONLINE is untouched: the RAM half keeps the section online.
  CHECK(ms.online);

  // memmap_init_zone_device(), shift 0: every device pfn is a ZONE_DEVICE page.
  CHECK(count_kind(s, PageKind::Device, pfn(dev_lo).v, pfn(dev_hi).v) == 16384);
  CHECK(s.page(pfn(dev_lo)).zone == Zone::Device);

  // pfn_to_online_page(): RAM pfns of the tainted section still map, the
  // device pfns (a pgmap is found) do not.
  CHECK(pfn_to_online_page(s, pfn(ram_lo)));
  CHECK(pfn_to_online_page(s, pfn(dev_lo) - 1));
  CHECK_FALSE(pfn_to_online_page(s, pfn(dev_lo)));
  CHECK_FALSE(pfn_to_online_page(s, pfn(dev_hi) - 1));
  // The /proc/kpageflags reader is handed exactly those pages: the RAM half
  // (DMA32 below 4 GiB), then NULL (KPF_NOPAGE) over the device half.
  const std::vector<WalkedRun> walked = kpageflags_read(s, pfn(ram_lo).v, pfn(dev_hi).v - pfn(ram_lo).v);
  REQUIRE(walked.size() >= 2);
  CHECK(walked.front().lo == pfn(ram_lo).v);
  CHECK(walked.back().hi == pfn(dev_hi).v);
  CHECK_FALSE(walked.back().page);
  CHECK(walked.back().lo == pfn(dev_lo).v);
  for (const WalkedRun& r : walked)
    if (r.hi <= pfn(dev_lo).v) {
      REQUIRE(r.page);
      CHECK(r.page->zone == Zone::DMA32);
    }
  CHECK_FALSE(check_invariants(StepView{s, s, nullptr, nullptr}, find_invariant("walkers_see_initialised_memmap")));
  // Without the pgmap lookup (the bug 1f90a3477df3 fixed in 5.12) the
  // walker is handed the ZONE_DEVICE pages, and INV-42 says so.
  System blind = s;
  blind.mutants.set(Mutant("online_page_ignores_device_taint"));
  CHECK(kpageflags_read(blind, pfn(dev_lo).v, 1).front().page);
  const auto v = check_invariants(StepView{blind, blind, nullptr, nullptr},
                                  find_invariant("walkers_see_initialised_memmap"));
  REQUIRE(v);
  CHECK(v->message.find("ZONE_DEVICE struct pages") != std::string::npos);

  // ZONE_DEVICE span grows by resize_zone_range(); nothing is present or
  // managed (memremap never calls adjust_present_page_count()).
  const ZoneState zd = s.zone(0, Zone::Device);
  CHECK(zd.zone_start_pfn == pfn(dev_lo).v);
  CHECK(zd.spanned_pages == 16384);
  CHECK(zd.present_pages == 0);
  CHECK(zd.managed_pages == 0);
  // resize_pgdat_range(): the node now spans to the section end; present unchanged.
  CHECK(s.node(0).node_end_pfn() == pfn(dev_hi).v);
  CHECK(s.node(0).node_present_pages == boot.node(0).node_present_pages);
  // No memory block device for ZONE_DEVICE memory.
  CHECK(s.blocks == boot.blocks);

  SUBCASE("a device-only section gets no memory block and is never online") {
    REQUIRE_OK(memremap_pages(s, dev(2, 2 * GiB, 128 * MiB)));
    const SectionState& d = s.sections.at(sec(2 * GiB));
    CHECK(d.present);
    CHECK(d.has_mem_map);
    CHECK_FALSE(d.online);   // only online_pages() -> online_mem_sections() sets it
    CHECK_FALSE(d.early);
    CHECK(d.usage == UsageOrigin::Kzalloc);
    CHECK(d.subsection_map == bits(0, 64));
    CHECK_FALSE(d.taint_zone_device);  // both ends section aligned
    // x86 vmemmap_populate(): a whole section is PMD mapped, one 2 MiB block
    // of 512 pages from the page allocator (no altmap).
    CHECK(d.memmap_buddy_pages == kSectionMemmap);
    CHECK(count_kind(s, PageKind::Memmap) == kSectionMemmap);
    CHECK_FALSE(s.blocks.at(sec(2 * GiB)).present);
    CHECK(present_blocks(s) == present_blocks(boot));
    CHECK_FALSE(pfn_to_online_page(s, pfn(2 * GiB)));
    // The span grows to cover both pgmaps, still nothing present.
    CHECK(s.zone(0, Zone::Device).zone_start_pfn == pfn(dev_lo).v);
    CHECK(s.zone(0, Zone::Device).end_pfn() == pfn(2 * GiB + 128 * MiB).v);
    CHECK(s.zone(0, Zone::Device).present_pages == 0);

    REQUIRE_OK(memunmap_pages(s, 2));
    // section_deactivate() on an emptied hot-added section: usage kfree'd,
    // section_mem_map = 0, the 512 memmap pages back to the buddy.
    CHECK(s.sections.at(sec(2 * GiB)) == SectionState{});
    CHECK(count_kind(s, PageKind::Memmap) == 0);
    CHECK(count_kind(s, PageKind::Free) == free_before);
  }

  SUBCASE("memunmap restores the shared early section except for the taint") {
    REQUIRE_OK(memunmap_pages(s, 1));
    SectionState expect = boot.sections.at(8);
    // The section is not empty (RAM subsections stay), so section_mem_map is
    // never cleared and SECTION_TAINT_ZONE_DEVICE stays.
    expect.taint_zone_device = true;
    CHECK(s.sections.at(8) == expect);
    // remove_pfn_range_from_zone() poisons the range; the early memmap is
    // not freed (section_deactivate(): !section_is_early guards depopulate).
    CHECK(count_kind(s, PageKind::Poisoned, pfn(dev_lo).v, pfn(dev_hi).v) == 16384);
    // ... and never shrinks ZONE_DEVICE ("Zone shrinking code cannot
    // properly deal with ZONE_DEVICE").
    CHECK(s.zone(0, Zone::Device) == zd);
    CHECK(s.pgmap_array == boot.pgmap_array);
    CHECK(s.pgmaps.empty());
    CHECK(s.blocks == boot.blocks);
    CHECK(s.iomem == boot.iomem);
  }
}

// ---------------------------------------------------------------------------
TEST_CASE("zone_device: 2 MiB subsection adds and removes in one empty section") {
  System s = qemu_1g();
  const System boot = s;
  const u64 S = k4G;  // section 32, no RAM anywhere near it
  const u64 A = S + 2 * MiB, B = S + 8 * MiB, C = S + 126 * MiB;  // subsections 1, 4, 63

  REQUIRE_OK(memremap_pages(s, dev(1, A, 2 * MiB)));
  // section_activate(): a fresh kzalloc'd usage; x86 vmemmap_populate():
  // 512 * 64 B < PAGES_PER_SECTION * 64 B -> vmemmap_populate_basepages():
  // 8 base pages of memmap for the subsection.
  CHECK(s.sections.at(32).subsection_map == bits(1, 2));
  CHECK(s.sections.at(32).usage == UsageOrigin::Kzalloc);
  CHECK(s.sections.at(32).memmap_buddy_pages == kSubsectionMemmap);
  CHECK(s.sections.at(32).taint_zone_device);  // start S+2 MiB not section aligned
  CHECK_FALSE(s.sections.at(32).online);
  const System after_a = s;
  REQUIRE_OK(memremap_pages(s, dev(2, B, 2 * MiB)));
  REQUIRE_OK(memremap_pages(s, dev(3, C, 2 * MiB)));
  Bits abc = bits(1, 2) | bits(4, 5) | bits(63, 64);
  CHECK(s.sections.at(32).subsection_map == abc);
  CHECK(s.sections.at(32).memmap_buddy_pages == 3 * kSubsectionMemmap);
  CHECK(count_kind(s, PageKind::Memmap) == 3 * kSubsectionMemmap);
  // ZONE_DEVICE spans [A, C + 2 MiB) = [S + 2 MiB, S + 128 MiB): 126 MiB =
  // 32256 pages, none present.
  CHECK(s.zone(0, Zone::Device).zone_start_pfn == pfn(A).v);
  CHECK(s.zone(0, Zone::Device).spanned_pages == 32256);
  CHECK(s.zone(0, Zone::Device).present_pages == 0);
  CHECK(present_blocks(s) == present_blocks(boot));
  const System all = s;

  SUBCASE("collisions: the owner's claim refuses any overlap with -EBUSY") {
    // pmem_attach_disk() / dev_dax_probe(): devm_request_mem_region()
    // conflicts with the other pgmap's busy claim: -EBUSY, nothing changes.
    CHECK_FAILS_ATOMICALLY(s, -EBUSY, memremap_pages(s, dev(9, A, 2 * MiB)));       // same range
    CHECK_FAILS_ATOMICALLY(s, -EBUSY, memremap_pages(s, dev(9, S, 4 * MiB)));       // last pfn in A
    CHECK_FAILS_ATOMICALLY(s, -EBUSY, memremap_pages(s, dev(9, S, 6 * MiB)));       // swallows A
    CHECK_FAILS_ATOMICALLY(s, -EBUSY, memremap_pages(s, dev(9, S, 6 * MiB, 0, PgmapType::Private)));
    // Two ranges of one request that overlap: the second claim conflicts
    // with the first, which is released again.
    MemremapRequest two = dev(9, S + 16 * MiB, 4 * MiB);
    two.ranges.push_back({S + 18 * MiB, 4 * MiB});
    CHECK_FAILS_ATOMICALLY(s, -EBUSY, memremap_pages(s, two));
  }

  SUBCASE("collisions behind the claim: -ENOMEM for a pgmap at either end, else -EEXIST") {
    // Without the owner's claim (the memremap_skips_ram_check mutant drops
    // it), memremap_pages()'s own checks are what is left.
    s.mutants.set(Mutant("memremap_skips_ram_check"));
    // pagemap_range(): get_dev_pagemap(PHYS_PFN(range->start)) first, then
    // get_dev_pagemap(PHYS_PFN(range->end)) (end is inclusive): WARN
    // "Conflicting mapping in same section", -ENOMEM, nothing stored yet.
    CHECK_FAILS_ATOMICALLY(s, -ENOMEM, memremap_pages(s, dev(9, A, 2 * MiB)));       // same range
    CHECK_FAILS_ATOMICALLY(s, -ENOMEM, memremap_pages(s, dev(9, S, 4 * MiB)));       // last pfn in A
    CHECK_FAILS_ATOMICALLY(s, -ENOMEM, memremap_pages(s, dev(9, B, 4 * MiB)));       // first pfn in B
    CHECK_FAILS_ATOMICALLY(s, -ENOMEM, memremap_pages(s, dev(9, S + 4 * MiB, 6 * MiB)));  // ends in B
    // Not subsection aligned: check_pfn_span() in __add_pages() WARNs, -EINVAL.
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, memremap_pages(s, dev(9, S + 12 * MiB, 1 * MiB)));

    // [S, S + 6 MiB) strictly contains A: neither end hits a pgmap, the RAM
    // check passes, xa_store_range() overwrites A's pgmap_array entries,
    // arch_add_memory() -> sparse_add_section() -> fill_subsection_map()
    // finds bit 1 set: -EEXIST (x86 add_pages() WARN_ON_ONCE). err_add_memory
    // then pgmap_array_delete()s the whole new range, A's pfns included.
    const Result r = memremap_pages(s, dev(9, S, 6 * MiB));
    CHECK(r.err == -EEXIST);
    CHECK(r.partial == Partial::None);
    CHECK(has_warning(r, "add_pages"));
    CHECK(s.sections == all.sections);  // the usage existed: nothing to free
    CHECK(s.pages == all.pages);
    CHECK(s.pgmaps == all.pgmaps);
    // Kernel wart kept by 6.1: A is still mapped but get_dev_pagemap() no
    // longer finds it.
    CHECK(s.pgmap_of(pfn(A)) == nullptr);
    CHECK(s.pgmap_of(pfn(B)) != nullptr);
    // A can still be torn down: pageunmap_range() does not need the xarray.
    REQUIRE_OK(memunmap_pages(s, 1));
    CHECK(s.sections.at(32).subsection_map == (bits(4, 5) | bits(63, 64)));
  }

  SUBCASE("device-private collision behind the claim: add_pages() WARNs on x86 too") {
    s.mutants.set(Mutant("memremap_skips_ram_check"));  // no claim: see above
    // pagemap_range() calls add_pages() for MEMORY_DEVICE_PRIVATE instead of
    // arch_add_memory(); on x86 (ARCH_HAS_ADD_PAGES) that is
    // arch/x86/mm/init_64.c add_pages(), whose WARN_ON_ONCE(ret) fires for
    // private memory as well.
    const Result r = memremap_pages(s, dev(9, S, 6 * MiB, 0, PgmapType::Private));
    CHECK(r.err == -EEXIST);
    CHECK(has_warning(r, "add_pages"));
    CHECK(s.sections == all.sections);
  }

  SUBCASE("removal in another order restores the section exactly") {
    REQUIRE_OK(memunmap_pages(s, 2));  // B
    CHECK(s.sections.at(32).subsection_map == (bits(1, 2) | bits(63, 64)));
    // Not empty: only B's 8 basepages are depopulated, the section stays valid.
    CHECK(s.sections.at(32).memmap_buddy_pages == 2 * kSubsectionMemmap);
    CHECK(s.sections.at(32).has_mem_map);
    CHECK(count_kind(s, PageKind::Absent, pfn(B).v, pfn(B + 2 * MiB).v) == kPagesPerSubsection);
    REQUIRE_OK(memunmap_pages(s, 3));  // C
    CHECK(s.sections.at(32) == after_a.sections.at(32));
    CHECK(count_kind(s, PageKind::Memmap) == kSubsectionMemmap);
    CHECK(count_kind(s, PageKind::Free) == count_kind(after_a, PageKind::Free));
    for (u64 p = pfn(S).v; p < pfn(S).v + kPagesPerSection; p += kPagesPerSubsection)
      CHECK(s.page(Pfn{p}) == after_a.page(Pfn{p}));
    REQUIRE_OK(memunmap_pages(s, 1));  // A: the section is empty now
    // section_deactivate(): kfree(usage), section_mem_map = 0, which also
    // drops SECTION_TAINT_ZONE_DEVICE; all 24 memmap pages back to the buddy.
    CHECK(s.sections == boot.sections);
    CHECK(s.pages == boot.pages);
    CHECK(count_kind(s, PageKind::Memmap) == 0);
    CHECK(s.pgmap_array == boot.pgmap_array);
    CHECK(s.pgmaps.empty());
    CHECK(s.blocks == boot.blocks);
    CHECK(s.iomem == boot.iomem);
    for (Zone z : {Zone::DMA, Zone::DMA32, Zone::Normal, Zone::Movable})
      CHECK(s.zone(0, z) == boot.zone(0, z));
    // What must not be restored: ZONE_DEVICE's span (remove_pfn_range_from_zone()
    // returns early for ZONE_DEVICE) and the node span resize_pgdat_range() grew.
    CHECK(s.zone(0, Zone::Device) == all.zone(0, Zone::Device));
    CHECK(s.node(0).node_end_pfn() == pfn(C + 2 * MiB).v);
    CHECK(s.node(0).node_present_pages == boot.node(0).node_present_pages);
    // Re-adding the same subsection works again.
    REQUIRE_OK(memremap_pages(s, dev(4, B, 2 * MiB)));
    CHECK(s.sections.at(32).subsection_map == bits(4, 5));
  }
}

// ---------------------------------------------------------------------------
TEST_CASE("zone_device: device memory in the hole of an early section") {
  // Boot RAM [0, 32 MiB) + [96 MiB, 1 GiB): section 0 is early with
  // subsections 0..15 and 48..63; [32 MiB, 96 MiB) is a hole (16..47).
  System s = must_boot(x86(), {}, {{0, 0, 32 * MiB}, {0, 96 * MiB, GiB - 96 * MiB}});
  const System boot = s;
  const SectionState ms0 = boot.sections.at(0);
  REQUIRE(ms0.early);
  CHECK(ms0.usage == UsageOrigin::Boot);
  CHECK(ms0.subsection_map == (bits(0, 16) | bits(48, 64)));
  // init_unavailable_range(): the boot memmap of the hole is Reserved.
  CHECK(count_kind(s, PageKind::Hole, pfn(32 * MiB).v, pfn(96 * MiB).v) == 16384);
  CHECK_FALSE(pfn_to_online_page(s, pfn(48 * MiB)));  // subsection 24 not valid

  SUBCASE("partial add reuses the boot memmap; partial remove frees nothing") {
    const u64 X = 48 * MiB, Y = 64 * MiB;  // subsections 24..31 and 32..39
    REQUIRE_OK(memremap_pages(s, dev(1, X, 16 * MiB)));
    REQUIRE_OK(memremap_pages(s, dev(2, Y, 16 * MiB)));
    const SectionState& ms = s.sections.at(0);
    CHECK(ms.subsection_map == (bits(0, 16) | bits(24, 40) | bits(48, 64)));
    // section_activate(): nr_pages < PAGES_PER_SECTION && early_section():
    // return pfn_to_page(pfn), nothing populated.
    CHECK(ms.memmap_buddy_pages == 0);
    CHECK(ms.memmap_altmap_pages == 0);
    CHECK(count_kind(s, PageKind::Memmap) == 0);
    CHECK(ms.early);
    CHECK(ms.usage == UsageOrigin::Boot);
    CHECK(ms.taint_zone_device);  // X starts mid-section
    CHECK(count_kind(s, PageKind::Device, pfn(X).v, pfn(Y + 16 * MiB).v) == 8192);
    // RAM and device share section 0.
    CHECK(pfn_to_online_page(s, pfn(0)));
    CHECK(pfn_to_online_page(s, pfn(96 * MiB)));
    CHECK_FALSE(pfn_to_online_page(s, pfn(X)));

    REQUIRE_OK(memunmap_pages(s, 1));
    CHECK(s.sections.at(0).subsection_map == (bits(0, 16) | bits(32, 40) | bits(48, 64)));
    // section_deactivate(): not empty and early -> neither depopulate nor
    // free_map_bootmem(): the struct pages stay, poisoned by
    // remove_pfn_range_from_zone().
    CHECK(count_kind(s, PageKind::Poisoned, pfn(X).v, pfn(Y).v) == 4096);
    CHECK(count_kind(s, PageKind::Absent, 0, pfn(128 * MiB).v) == 0);
    CHECK(s.sections.at(0).early);
    CHECK(s.sections.at(0).has_mem_map);
    CHECK(s.sections.at(0).usage == UsageOrigin::Boot);

    REQUIRE_OK(memunmap_pages(s, 2));
    SectionState expect = ms0;
    expect.taint_zone_device = true;  // never cleared while the section is valid
    CHECK(s.sections.at(0) == expect);
    CHECK(count_kind(s, PageKind::Poisoned, pfn(X).v, pfn(Y + 16 * MiB).v) == 8192);
    CHECK(count_kind(s, PageKind::Memmap) == 0);
    CHECK(s.blocks == boot.blocks);

    // The hole can be filled again, still without new memmap.
    REQUIRE_OK(memremap_pages(s, dev(3, 32 * MiB, 64 * MiB)));
    CHECK(s.sections.at(0).subsection_map == bits(0, 64));
    CHECK(count_kind(s, PageKind::Memmap) == 0);
  }

  SUBCASE("shift 9 in the hole: compound_nr_pages() writes all 512 struct pages (B20e fixed)") {
    // The early section's boot memmap is not deduplicated. Debian's
    // 6.1.192 mm/mm_init.c compound_nr_pages() returns pgmap_vmemmap_nr()
    // (512) for a pfn in an early section, so memmap_init_zone_device()
    // initialises heads and all tails; 6.1.20 returned 2 * PAGE_SIZE /
    // sizeof(struct page) = 128 and left tails 128..511 poisoned (B20e).
    // 64 MiB = 32 compound pages of 2 MiB.
    REQUIRE_OK(memremap_pages(s, dev(1, 32 * MiB, 64 * MiB, 9, PgmapType::Generic)));
    const u64 lo = pfn(32 * MiB).v, hi = pfn(96 * MiB).v;
    CHECK(count_kind(s, PageKind::Memmap) == 0);
    CHECK(count_kind(s, PageKind::Device, lo, hi) == 32 * 512);
    CHECK(count_kind(s, PageKind::Poisoned, lo, hi) == 0);
    CHECK(s.page(Pfn{lo + 128}).kind == PageKind::Device);
    REQUIRE_OK(memunmap_pages(s, 1));
    CHECK(s.sections.at(0).subsection_map == ms0.subsection_map);
    CHECK(s.sections.at(0).usage == UsageOrigin::Boot);
  }
}

// ---------------------------------------------------------------------------
TEST_CASE("zone_device: pfn_to_online_page on a tainted section") {
  const u64 ram = GiB, dev_lo = GiB + 64 * MiB;
  System s = ram_ending_mid_section();
  // Before any device memory: the hole pfns fail pfn_section_valid().
  CHECK(pfn_to_online_page(s, pfn(ram)));
  CHECK_FALSE(pfn_to_online_page(s, pfn(dev_lo)));
  REQUIRE_OK(memremap_pages(s, dev(1, dev_lo, 64 * MiB)));
  const SectionState& ms = s.sections.at(8);
  REQUIRE(ms.online);
  REQUIRE(ms.taint_zone_device);
  // online_section() and pfn_section_valid() hold for both halves now; only
  // the slow path (online_device_section() -> get_dev_pagemap()) tells them apart.
  CHECK(ms.subsection_map.test(x86().subsection_index(pfn(dev_lo))));
  CHECK(pfn_to_online_page(s, pfn(ram)));
  CHECK(pfn_to_online_page(s, pfn(dev_lo) - 1));
  CHECK(s.pgmap_of(pfn(dev_lo)) != nullptr);
  CHECK_FALSE(pfn_to_online_page(s, pfn(dev_lo)));
  CHECK(s.pgmap_of(pfn(ram)) == nullptr);

  // offline_pages(): walk_system_ram_range() counts 16384 of 32768 pages of
  // block 8 as System RAM -> "memory holes", -EINVAL, nothing changes.
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, offline_block(s, 8));

  SUBCASE("without the taint (bug B8) the device pfns would look online") {
    MutantSet m;
    m.set(Mutant("no_zone_device_taint"));
    System b = ram_ending_mid_section(m);
    REQUIRE_OK(memremap_pages(b, dev(1, dev_lo, 64 * MiB)));
    CHECK_FALSE(b.sections.at(8).taint_zone_device);
    CHECK(pfn_to_online_page(b, pfn(dev_lo)));  // the wrong answer the taint prevents
  }

  SUBCASE("after memunmap the pfns are invalid again, the taint stays") {
    REQUIRE_OK(memunmap_pages(s, 1));
    CHECK(s.sections.at(8).taint_zone_device);
    CHECK(s.pgmap_of(pfn(dev_lo)) == nullptr);
    CHECK_FALSE(pfn_to_online_page(s, pfn(dev_lo)));  // subsection bit cleared
    CHECK(pfn_to_online_page(s, pfn(ram)));
  }
}

// ---------------------------------------------------------------------------
TEST_CASE("zone_device: vmemmap_shift, dedup and altmap") {
  System s = qemu_1g();
  const System boot = s;
  const u64 base = k4G;  // sections 32.. (non-early)
  const u64 lo = pfn(base).v;

  auto check_round_trip = [&](int id) {
    REQUIRE_OK(memunmap_pages(s, id));
    CHECK(s.sections == boot.sections);
    CHECK(s.pages == boot.pages);
    CHECK(count_kind(s, PageKind::Memmap) == 0);
  };

  SUBCASE("shift 0, no altmap: 512 PMD-mapped memmap pages per section") {
    REQUIRE_OK(memremap_pages(s, dev(1, base, GiB)));
    CHECK(count_kind(s, PageKind::Memmap) == 8 * kSectionMemmap);  // 4096
    CHECK(memmap_buddy(s) == 8 * kSectionMemmap);
    CHECK(count_kind(s, PageKind::Device, lo, lo + 262144) == 262144);
    check_round_trip(1);
  }

  SUBCASE("shift 9, no altmap: 2 vmemmap pages per 2 MiB compound page") {
    // vmemmap_populate_compound_pages(): per compound page the head's
    // vmemmap page and one tail page are allocated, the other 6 of its 8
    // reuse the tail page. A section holds 32768 / 512 = 64 compound pages:
    // 128 memmap pages instead of 512; 1 GiB = 8 sections = 1024.
    REQUIRE_OK(memremap_pages(s, dev(1, base, GiB, 9, PgmapType::Generic)));
    CHECK(s.sections.at(32).memmap_buddy_pages == 128);
    CHECK(count_kind(s, PageKind::Memmap) == 1024);
    // memmap_init_zone_device() writes head + 127 tails per compound page
    // (compound_nr_pages() = 2 * 4096 / 64 = 128, i.e. 64 * 128 = 8192
    // struct pages per section); the other tails alias those vmemmap pages,
    // so every pfn reads as an initialised ZONE_DEVICE page.
    CHECK(count_kind(s, PageKind::Device, lo, lo + 262144) == 262144);
    check_round_trip(1);
  }

  SUBCASE("shift 9, 2 MiB ranges: 2 memmap pages each instead of 8") {
    REQUIRE_OK(memremap_pages(s, dev(1, base, 2 * MiB, 9, PgmapType::Generic)));
    REQUIRE_OK(memremap_pages(s, dev(2, base + 4 * MiB, 2 * MiB, 9, PgmapType::Generic)));
    CHECK(s.sections.at(32).memmap_buddy_pages == 4);
    CHECK(s.sections.at(32).subsection_map == (bits(0, 1) | bits(2, 3)));
    REQUIRE_OK(memunmap_pages(s, 1));
    CHECK(s.sections.at(32).memmap_buddy_pages == 2);
    check_round_trip(2);
  }

  SUBCASE("shift 18, no altmap: 2 vmemmap pages per 1 GiB compound page") {
    // One 1 GiB compound page spans 8 sections. The first section populates
    // head + one tail page (size = min(2 MiB, 262144 * 64 B)); sections 2..8
    // start at an offset not aligned to 262144 with 262144 > 512 pages:
    // reuse_compound_section() maps them all onto the previous section's
    // last tail page, allocating nothing.
    REQUIRE_OK(memremap_pages(s, dev(1, base, 2 * GiB, 18, PgmapType::Generic)));
    CHECK(s.sections.at(32).memmap_buddy_pages == 2);
    for (u64 n = 33; n < 40; ++n) CHECK(s.sections.at(n).memmap_buddy_pages == 0);
    CHECK(s.sections.at(40).memmap_buddy_pages == 2);  // second compound page
    CHECK(count_kind(s, PageKind::Memmap) == 4);
    CHECK(count_kind(s, PageKind::Device, lo, lo + 524288) == 524288);
    check_round_trip(1);
  }

  SUBCASE("shift 9 with an altmap: no dedup, PMD blocks from the altmap") {
    // __populate_section_memmap(): dedup needs !altmap, so x86
    // vmemmap_populate_hugepages() takes one 512-pfn PMD block per section
    // from the altmap: 8 * 512 = 4096. altmap_alloc_block_buf() aligns the
    // first block to 512 pfns: next pfn base + reserve (2) -> 510 pad.
    MemremapRequest req = dev(1, base, GiB, 9, PgmapType::Generic);
    req.altmap = {{2, 4096 + 510}};
    REQUIRE_OK(memremap_pages(s, req));
    CHECK(memmap_buddy(s) == 0);
    CHECK(count_kind(s, PageKind::Memmap) == 0);
    CHECK(memmap_altmap(s) == 4096);
    REQUIRE(s.pgmaps.at(1).altmap);
    CHECK(s.pgmaps.at(1).altmap->alloc == 4096);
    CHECK(s.pgmaps.at(1).altmap->align == 510);
    // move_pfn_range_to_zone() -> memmap_init_range() initialises
    // [base + reserve, base + reserve + free); the 2 reserve pfns keep their
    // poison; memmap_init_zone_device() starts at base + 4608 (9 * 512, so
    // compound aligned) with compound_nr_pages(altmap, 512) = 512 each.
    CHECK(count_kind(s, PageKind::Poisoned, lo, lo + 2) == 2);
    CHECK(count_kind(s, PageKind::Vmemmap, lo, lo + 262144) == 4606);
    CHECK(count_kind(s, PageKind::Device, lo, lo + 262144) == 262144 - 4608);
    const Result r = memunmap_pages(s, 1);
    CHECK(r.ok());
    CHECK_FALSE(has_warning(r, "failed to free all reserved pages"));
    CHECK(s.sections == boot.sections);
    CHECK(s.pages == boot.pages);
  }

  SUBCASE("shift 18 with an altmap: no dedup, 512 altmap pages per section") {
    // device-dax 1 GiB alignment puts the data offset at 1 GiB: reserve 0,
    // free 262144; 2 GiB = 16 sections * 512 = 8192 altmap pages, no padding.
    MemremapRequest req = dev(1, base, 2 * GiB, 18, PgmapType::Generic);
    req.altmap = {{0, 262144}};
    REQUIRE_OK(memremap_pages(s, req));
    CHECK(memmap_buddy(s) == 0);
    CHECK(memmap_altmap(s) == 8192);
    CHECK(s.pgmaps.at(1).altmap->alloc == 8192);
    CHECK(s.pgmaps.at(1).altmap->align == 0);
    // One compound page after the altmap area, initialised in full.
    CHECK(count_kind(s, PageKind::Vmemmap, lo, lo + 524288) == 262144);
    CHECK(count_kind(s, PageKind::Device, lo, lo + 524288) == 262144);
    const Result r = memunmap_pages(s, 1);
    CHECK(r.ok());
    CHECK_FALSE(has_warning(r, "failed to free all reserved pages"));
    CHECK(s.sections == boot.sections);
    CHECK(s.pages == boot.pages);
  }

  SUBCASE("an altmap with a second range: -EINVAL on range 1, range 0 unwound") {
    MemremapRequest req = dev(1, base, 128 * MiB);
    req.ranges.push_back({base + GiB, 128 * MiB});
    req.altmap = {{0, 512}};
    const Result r = memremap_pages(s, req);
    // pagemap_range(): WARN_ONCE(pgmap_altmap(pgmap) && range_id > 0) -> -EINVAL;
    // memremap_pages() then memunmap_pages() the one range done.
    CHECK(r.err == -EINVAL);
    CHECK(has_warning(r, "altmap not supported for multiple ranges"));
    CHECK_FALSE(has_warning(r, "failed to free all reserved pages"));
    CHECK(s.pgmaps.empty());
    CHECK(s.pgmap_array == boot.pgmap_array);
    CHECK(s.sections == boot.sections);
    CHECK(s.pages == boot.pages);
    CHECK(s.blocks == boot.blocks);
    // Not atomic in the kernel: range 0's move_pfn_range_to_zone() grew
    // ZONE_DEVICE, and pageunmap_range() never shrinks it.
    CHECK(s.zone(0, Zone::Device).zone_start_pfn == lo);
    CHECK(s.zone(0, Zone::Device).spanned_pages == kPagesPerSection);
    CHECK(s.zone(0, Zone::Device).present_pages == 0);
  }

  SUBCASE("an altmap on a 2 MiB range is not used: x86 maps it with base pages") {
    // x86 vmemmap_populate(): less than a section of memmap ->
    // vmemmap_populate_basepages(start, end, node, NULL): the 8 pages come
    // from the page allocator and altmap->alloc stays 0. memmap_init_range()
    // still initialises the altmap pfns [base + 0, base + 8), and
    // memmap_init_zone_device() starts after them.
    MemremapRequest req = dev(1, base, 2 * MiB);
    req.altmap = {{0, 8}};
    REQUIRE_OK(memremap_pages(s, req));
    CHECK(memmap_buddy(s) == kSubsectionMemmap);
    CHECK(memmap_altmap(s) == 0);
    CHECK(s.pgmaps.at(1).altmap->alloc == 0);
    CHECK(count_kind(s, PageKind::Vmemmap, lo, lo + 512) == 8);
    CHECK(count_kind(s, PageKind::Device, lo, lo + 512) == 504);
    check_round_trip(1);
  }

  SUBCASE("an altmap larger than the range: __add_pages() -EINVAL") {
    MemremapRequest req = dev(1, base, 128 * MiB);
    req.altmap = {{0, kPagesPerSection + 1}};  // vmem_altmap_offset() > nr_pages
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, memremap_pages(s, req));
  }
}
