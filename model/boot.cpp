// Boot: the order of init/main.c start_kernel() as far as memory goes.
//
// setup_arch() registers System RAM in iomem and memblock; paging_init()
// runs sparse_init() (early sections, boot memmap and usage) and then
// free_area_init() (zones, nodes, memmap_init()); memblock_free_all() hands
// the RAM to the buddy allocator; driver_init() runs memory_dev_init() and
// the node devices register their memory blocks. Each step lives in the model
// file of the kernel file it belongs to; this file only puts them in order
// and rejects layouts no firmware would produce.
#include <algorithm>

#include "internal.h"

namespace memhp {

namespace {

std::string check_ranges(const Geometry& g, const std::vector<BootRange>& ranges) {
  if (ranges.empty()) return "no boot memory";
  const u64 limit = u64{1} << g.max_physmem_bits;
  for (const BootRange& r : ranges) {
    if (r.nid < 0 || r.nid >= kMaxNodes) return "boot node out of range";
    if (r.size == 0) return "boot range of size 0";
    if (r.start + r.size < r.start || r.start + r.size > limit)
      return "boot range beyond MAX_PHYSMEM_BITS";
  }
  std::vector<BootRange> sorted = ranges;
  std::sort(sorted.begin(), sorted.end(),
            [](const BootRange& a, const BootRange& b) { return a.start < b.start; });
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i].start < sorted[i - 1].start + sorted[i - 1].size) return "boot ranges overlap";
  return {};
}

// memblock: whole pages only (PFN_UP(start) .. PFN_DOWN(end)), sorted, with
// adjacent ranges of one node merged.
std::vector<k::MemblockRange> memblock_ranges(const Geometry& g,
                                              const std::vector<BootRange>& ranges) {
  std::vector<k::MemblockRange> mem;
  for (const BootRange& r : ranges) {
    const Pfn a{(r.start + g.page_size() - 1) >> g.page_shift};
    const Pfn b{(r.start + r.size) >> g.page_shift};
    if (a < b) mem.push_back({r.nid, a, b});
  }
  std::sort(mem.begin(), mem.end(),
            [](const k::MemblockRange& a, const k::MemblockRange& b) { return a.start < b.start; });
  std::vector<k::MemblockRange> merged;
  for (const k::MemblockRange& m : mem) {
    if (!merged.empty() && merged.back().end == m.start && merged.back().nid == m.nid)
      merged.back().end = m.end;
    else
      merged.push_back(m);
  }
  return merged;
}

}  // namespace

std::variant<System, std::string> boot_system(const Geometry& geo, const Profile& prof,
                                              const std::vector<BootRange>& ranges,
                                              MutantSet mutants) {
  if (std::string e = geometry_error(geo); !e.empty()) return "geometry: " + e;
  if (std::string e = check_ranges(geo, ranges); !e.empty()) return e;
  const std::vector<k::MemblockRange> mem = memblock_ranges(geo, ranges);
  if (mem.empty()) return "no whole page of boot memory";

  int max_nid = 0;
  for (const BootRange& r : ranges) max_nid = std::max(max_nid, r.nid);
  if (prof.possible_nodes < 0 || prof.possible_nodes > kMaxNodes)
    return "possible_nodes out of range";
  if (prof.possible_nodes && prof.possible_nodes <= max_nid)
    return "boot memory on a node beyond possible_nodes";
  const int possible = prof.possible_nodes ? prof.possible_nodes : max_nid + 1;

  System s;
  s.geo = geo;
  s.prof = prof;
  s.mutants = mutants;
  s.nodes.resize(kMaxNodes);
  for (int n = 0; n < possible; ++n) s.node(n).possible = true;
  for (const BootRange& r : ranges) {
    Resource res;
    res.start = r.start;
    res.end = r.start + r.size;
    res.name = "System RAM";
    res.system_ram = true;
    s.iomem.emplace(r.start, res);
  }
  k::sparse_init(s, mem);
  k::free_area_init(s, mem, k::arch_max_zone_pfns(geo, mem));
  k::memmap_init(s, mem);
  k::page_alloc_init_late(s);
  k::memory_dev_init(s, mem);
  return s;
}

}  // namespace memhp
