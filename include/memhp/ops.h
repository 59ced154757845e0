// The kernel-visible operations of the model.
//
// Each operation either changes the System as the 6.1 kernel would, or returns
// the kernel's errno and leaves the System as the kernel leaves it: unchanged,
// except on the paths NOTES.md lists as "kernel non-atomic" (Result::partial).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "memhp/system.h"

namespace memhp {

// What a pfn walker was handed for pfns [lo, hi): the struct page
// pfn_to_online_page() (or the scanner's pageblock lookup) gave it, or
// nullopt for NULL (KPF_NOPAGE; a pageblock the scanner skips).
struct WalkedRun {
  u64 lo = 0, hi = 0;
  std::optional<PageState> page;
  std::optional<Zone> zone;  // the zone a scanner was walking, if it walks one
  friend bool operator==(const WalkedRun&, const WalkedRun&) = default;
};

// The kernel paths that fail without undoing all they did (NOTES.md 4).
enum class Partial : std::uint8_t {
  None,
  AddPagesLeak,    // __add_pages() keeps the sections added before an error
  OnlineTypeKept,  // state_store() leaves the requested type in mem->online_type
  EjectRollback,   // a refused ACPI eject onlines blocks again with the default type
};

struct Result {
  int err = 0;                        // 0 or a negative errno
  std::string reason;                 // the kernel's stated reason, if any
  std::vector<std::string> warnings;  // WARN()s that fired on the way
  std::string bug;                    // non-empty: the kernel would BUG()
  Partial partial = Partial::None;    // the kernel left part of the work done
  // A pfn walker op's view (kpageflags, compact_node): each pfn range it
  // looked at and the struct page it was handed there, in pfn order.
  std::vector<WalkedRun> walked;
  // What the kernel does silently that a user should hear of (a
  // memmap_on_memory request that fell back to the page allocator).
  std::vector<std::string> notes;

  bool ok() const { return err == 0 && bug.empty(); }
  static Result error(int e, std::string why = {}) { return {e, std::move(why), {}, {}, Partial::None, {}, {}}; }
};

// mhp_t flags (include/linux/memory_hotplug.h).
enum MhpFlags : unsigned {
  MHP_NONE = 0,
  MHP_MERGE_RESOURCE = 1u << 0,
  MHP_MEMMAP_ON_MEMORY = 1u << 1,
  MHP_NID_IS_MGID = 1u << 2,
};

// ----------------------------------------------------------------- boot --
struct BootRange {
  int nid = 0;
  u64 start = 0, size = 0;  // bytes of System RAM
  friend bool operator==(const BootRange&, const BootRange&) = default;
};

// The state after boot: early sections, zones, online boot blocks. Returns a
// message instead when the layout is impossible (overlaps, beyond
// MAX_PHYSMEM_BITS, a bad geometry).
std::variant<System, std::string> boot_system(const Geometry& geo, const Profile& prof,
                                              const std::vector<BootRange>& ranges,
                                              MutantSet mutants = {});

// ------------------------------------------------------- add and remove --
// add_memory(): driver-level, with explicit flags.
Result add_memory(System& s, int nid, u64 start, u64 size, unsigned mhp_flags);
// add_memory_driver_managed(): resource name must be "System RAM (...)".
Result add_memory_driver_managed(System& s, int nid, u64 start, u64 size,
                                 const std::string& resource_name, unsigned mhp_flags);
// The ACPI memory device path a QEMU pc-dimm takes (acpi_memory_device_add).
Result dimm_add(System& s, int nid, u64 start, u64 size);
// ACPI eject of the DIMM at `start` (QEMU device_del): the ACPI core offlines
// its blocks (rolling back and failing with -EBUSY if one cannot go), then
// the driver removes the memory (acpi_scan_hot_remove()).
Result dimm_remove(System& s, u64 start);
// remove_memory(): every block must be offline.
Result remove_memory(System& s, u64 start, u64 size);

// ---------------------------------------------------------- ZONE_DEVICE --
// A driver's devm_memremap_pages() call: struct pages for device memory.
struct MemremapRequest {
  int id = 0;  // the model's handle for the pgmap (the driver's struct dev_pagemap)
  PgmapType type = PgmapType::FsDax;
  int nid = 0;
  unsigned vmemmap_shift = 0;                         // compound pages of 2^shift pages
  std::vector<std::pair<u64, u64>> ranges;            // [start, size) in bytes
  std::optional<std::pair<u64, u64>> altmap;          // reserve, free (pages), on range 0
  friend bool operator==(const MemremapRequest&, const MemremapRequest&) = default;
};
Result memremap_pages(System& s, const MemremapRequest& req);
// memunmap_pages(): tear a pgmap down again.
Result memunmap_pages(System& s, int id);

// ------------------------------------------------- memory block sysfs --
// echo <type> > /sys/devices/system/memory/memoryN/state
Result online_block(System& s, u64 block_id, OnlineType type);
// echo offline > /sys/devices/system/memory/memoryN/state
Result offline_block(System& s, u64 block_id);
// /sys/devices/system/memory/memoryN/valid_zones, without the newline.
std::string valid_zones(const System& s, u64 block_id);

// ----------------------------------------------------- page allocator --
// Deterministic page-allocator actions that make offlining realistic. The
// kernel's choice of pages is not deterministic; the model's is: the
// lowest-pfn pages first, walking the zonelist from `highest` downwards on
// `nid`, then on the other nodes. Unmovable allocations never come from
// ZONE_MOVABLE (gfp_zone() needs __GFP_MOVABLE for it).
enum class AllocKind : std::uint8_t { Movable, Unmovable };
Result alloc_pages(System& s, int nid, Zone highest, u64 count, AllocKind kind,
                   std::optional<u64> block = std::nullopt);
// Frees `count` allocated pages of `kind`, lowest pfn first, in the same zone
// order; -EINVAL if fewer are allocated.
Result free_pages(System& s, int nid, Zone highest, u64 count, AllocKind kind,
                  std::optional<u64> block = std::nullopt);

// ------------------------------------------------------------ pfn walkers --
// echo 1 > /sys/devices/system/node/nodeN/compact: compact_node(), every
// populated zone of the node. Result::walked holds the pageblocks the two
// scanners were handed. -ENOENT when the node has no sysfs directory.
Result compact_node(System& s, int nid);
// pread() of /proc/kpageflags at pfn*8 for count*8 bytes: Result::walked is
// what the reader was handed for each pfn (walkers.h). Changes nothing.
Result kpageflags(const System& s, u64 pfn, u64 count);

// ------------------------------------------------------------ notifier --
// Register (errno != 0) or drop (errno == 0) a memory notifier that vetoes
// MEM_GOING_ONLINE / MEM_GOING_OFFLINE with notifier_from_errno(errno).
void set_memory_notifier(System& s, int going_online_errno, int going_offline_errno);

// ------------------------------------------------------- memmap_on_memory --
struct MemmapOnMemorySupport {
  bool supported = false;
  u64 vmemmap_pages = 0;  // 6.1: what the altmap hands out for `size`; 6.6 on: altmap->free per block
  std::string reason;     // why not, when unsupported
};
// mhp_supports_memmap_on_memory(), as the profile's version has it (6.1's
// takes the request size; 6.6's tests one block), with the reason it says no.
MemmapOnMemorySupport mhp_supports_memmap_on_memory(const Geometry& g, const Profile& p,
                                                    u64 size);

}  // namespace memhp
