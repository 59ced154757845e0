// Geometry: the compile-time (and boot-time) constants of one kernel build.
//
// Every derived size is a function of these fields, and the Z3 encodings use
// the same definitions, so the model and the proofs cannot disagree about what
// "a section" or "a pageblock" is. Preset values come from the v6.1 tree; see
// NOTES.md "Geometry presets" for the file each one was read from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "memhp/types.h"

namespace memhp {

// Which arch code sits behind arch_add_memory()/vmemmap_populate() and the
// zone limits of free_area_init().
enum class Arch : std::uint8_t { X86_64, Arm64, Ppc64 };

struct Geometry {
  std::string name = "x86_64";  // the defaults below are that preset
  Arch arch = Arch::X86_64;
  unsigned page_shift = 12;
  unsigned section_size_bits = 27;
  unsigned subsection_shift = 21;  // SUBSECTION_SHIFT, 2 MiB everywhere
  unsigned pageblock_order = 9;
  unsigned max_order = 11;         // 6.1 MAX_ORDER (exclusive)
  unsigned struct_page_size = 64;  // sizeof(struct page)
  unsigned pmd_shift = 21;
  unsigned max_physmem_bits = 46;
  u64 block_bytes = u64{1} << 27;  // memory_block_size_bytes()
  // CONFIG_ARCH_MHP_MEMMAP_ON_MEMORY_ENABLE in the 6.1 tree.
  bool arch_memmap_on_memory = true;

  friend bool operator==(const Geometry&, const Geometry&) = default;

  // Derived quantities (include/linux/mmzone.h, pageblock-flags.h).
  u64 page_size() const { return u64{1} << page_shift; }
  u64 pages_per_section() const { return u64{1} << (section_size_bits - page_shift); }
  u64 pages_per_subsection() const { return u64{1} << (subsection_shift - page_shift); }
  u64 subsections_per_section() const { return u64{1} << (section_size_bits - subsection_shift); }
  u64 pageblock_pages() const { return u64{1} << pageblock_order; }
  u64 pmd_size() const { return u64{1} << pmd_shift; }
  u64 block_pages() const { return block_bytes >> page_shift; }
  u64 sections_per_block() const { return block_bytes >> section_size_bits; }
  u64 max_pfn_limit() const { return u64{1} << (max_physmem_bits - page_shift); }
  // Bytes of struct page needed to describe nr_pages.
  u64 memmap_bytes(u64 nr_pages) const { return nr_pages * struct_page_size; }
  // Pages of memmap for nr_pages, rounded up to whole pages.
  u64 memmap_pages(u64 nr_pages) const {
    return (memmap_bytes(nr_pages) + page_size() - 1) >> page_shift;
  }

  u64 section_nr(Pfn p) const { return p.v >> (section_size_bits - page_shift); }
  Pfn section_start(u64 nr) const { return Pfn{nr << (section_size_bits - page_shift)}; }
  u64 block_id(Pfn p) const { return p.v / block_pages(); }
  Pfn block_start(u64 id) const { return Pfn{id * block_pages()}; }
  // subsection_map_index(): index of pfn's subsection within its section.
  unsigned subsection_index(Pfn p) const {
    return static_cast<unsigned>((p.v & (pages_per_section() - 1)) >>
                                 (subsection_shift - page_shift));
  }
  Pfn pfn_of(u64 phys) const { return Pfn{phys >> page_shift}; }
  u64 phys_of(Pfn p) const { return p.v << page_shift; }
};

// Named presets: x86_64, arm64-4k, arm64-16k, arm64-64k, ppc64-64k.
std::optional<Geometry> geometry_preset(std::string_view name);
const std::vector<std::string>& geometry_preset_names();

// Why a geometry cannot be a real kernel build, or empty if it can. Mirrors
// the BUILD_BUG_ONs of include/linux/mmzone.h and memory_dev_init()'s panic.
std::string geometry_error(const Geometry& g);

}  // namespace memhp
