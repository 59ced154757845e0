// mm/memremap.c: ZONE_DEVICE memory (devm_memremap_pages / memunmap_pages).
//
// Design. Device memory gets struct pages the same way hot-added RAM does,
// through arch_add_memory() and sparse_add_section(), but at subsection
// (2 MiB) granularity, into ZONE_DEVICE, without memory blocks, never online
// and never counted as present or managed. Three things make it interesting
// and are modelled as 6.1 has them:
//  - a device range may share a section with RAM: the section is tainted
//    (SECTION_TAINT_ZONE_DEVICE) so that pfn_to_online_page() looks the pfn
//    up in pgmap_array (bug B8);
//  - an altmap at the start of range 0 can host the range's memmap, and then
//    only its pages are initialised by move_pfn_range_to_zone();
//  - compound devmaps (vmemmap_shift > 0) without an altmap deduplicate
//    their vmemmap: two vmemmap pages per compound page, the rest mapped
//    onto the second (mm/sparse-vmemmap.c). memmap_init_zone_device() then
//    writes only 128 struct pages per compound page, except in an early
//    section that reused its undeduplicated boot memmap, where it writes
//    them all (the B20e fix, backported to Debian's 6.1.192).
// The pgmap_array xarray is System::pgmap_array; the driver's struct
// dev_pagemap is System::pgmaps, keyed by a handle the trace chooses.
//
// The op is the pgmap owner's probe, not memremap_pages() alone: every owner
// claims its ranges in iomem first (pmem_attach_disk() and dev_dax_probe()
// with devm_request_mem_region(), -EBUSY on a conflict; device-private
// drivers with devm_request_free_mem_region(), which only hands out free
// address space, so a trace that places a private pgmap over a claimed range
// gets the same -EBUSY), and devres releases the claims after
// memunmap_pages() on unbind, or when memremap_pages() fails. Boot and
// hot-added System RAM are busy resources, so the claim is what refuses a
// range over RAM; pagemap_range()'s region_intersects() check stays behind
// it as in the kernel.
#include "thread_steps.h"

namespace memhp {

namespace {

bool intersects_ram(const System& s, u64 start, u64 end) {
  for (const auto& [key, res] : s.iomem)
    if (res.system_ram && res.start < end && start < res.end) return true;
  return false;
}

k::VmemAltmap to_vmem(const DevAltmap& a) {
  k::VmemAltmap v;
  v.base_pfn = a.base_pfn;
  v.reserve = a.reserve;
  v.free = a.free;
  v.align = a.align;
  v.alloc = a.alloc;
  return v;
}

void pgmap_array_store(System& s, PfnRange r, int id) { s.pgmap_array.assign(r.start.v, r.end.v, id + 1); }

/* mm/memremap.c: pfn_first(): a range's first pfn past the altmap, the
   first struct page memmap_init_zone_device() wrote */
Pfn pfn_first(const DevPagemap& pgmap, std::size_t range_id) {
  const Pfn start = pgmap.ranges[range_id].start;
  if (range_id || !pgmap.altmap) return start;
  return start + pgmap.altmap->reserve + pgmap.altmap->free;
}

/* mm/memremap.c: pageunmap_range() */
void pageunmap_range(System& s, Result& r, int id, std::size_t range_id) {
  DevPagemap& pgmap = s.pgmaps.at(id);
  const PfnRange range = pgmap.ranges[range_id];
  // nid and zone come from the first struct page that was initialised.
  Pfn first = pfn_first(pgmap, range_id);
  if (injected(s, "memunmap_reads_altmap_page")) first = range.start;
  if (first < range.end && !s.page(first).initialised())
    r.bug = "page_to_nid(): PF_POISONED_CHECK on the uninitialised struct page of pfn " + std::to_string(first.v);
  // page_zone(first initialised page) is ZONE_DEVICE: poison, no shrinking.
  k::remove_pfn_range_from_zone(s, r, pgmap.nid, Zone::Device, range.start, range.size());
  std::optional<k::VmemAltmap> altmap;
  if (pgmap.altmap && range_id == 0) altmap = to_vmem(*pgmap.altmap);
  if (injected(s, "unmap_without_altmap")) altmap.reset();
  const k::MhpParams params{altmap ? &*altmap : nullptr, &pgmap, range.start};
  k::__remove_pages(s, r, range.start, range.size(), params);  // arch_remove_memory() for non-private
  if (altmap) {
    pgmap.altmap->alloc = altmap->alloc;
    pgmap.altmap->align = altmap->align;
  }
  s.pgmap_array.assign(range.start.v, range.end.v, 0);  // pgmap_array_delete()
}

/* mm/memremap.c: memunmap_pages(), for the first nr_range ranges */
void unmap_ranges(System& s, Result& r, int id, std::size_t nr_range) {
  for (std::size_t i = 0; i < nr_range; ++i) pageunmap_range(s, r, id, i);
  const DevPagemap& pgmap = s.pgmaps.at(id);
  k::WARN(r, pgmap.altmap && pgmap.altmap->alloc, "memunmap_pages: failed to free all reserved pages");
}

/* mm/memremap.c: pagemap_range() */
int pagemap_range(System& s, Result& r, int id, std::size_t range_id) {
  DevPagemap& pgmap = s.pgmaps.at(id);
  const PfnRange range = pgmap.ranges[range_id];
  const Geometry& g = s.geo;
  if (k::WARN(r, pgmap.altmap && range_id > 0, "altmap not supported for multiple ranges")) return -EINVAL;
  if (k::WARN(r, s.pgmap_of(range.start) || s.pgmap_of(range.end - 1), "Conflicting mapping in same section"))
    return -ENOMEM;
  if (!injected(s, "memremap_skips_ram_check"))
    if (k::WARN(r, intersects_ram(s, g.phys_of(range.start), g.phys_of(range.end)),
                "memremap attempted on ram region"))
      return -ENXIO;
  pgmap_array_store(s, range, id);
  if (!k::mhp_range_allowed(g, g.phys_of(range.start), g.phys_of(range.end) - g.phys_of(range.start))) {
    s.pgmap_array.assign(range.start.v, range.end.v, 0);
    return -EINVAL;
  }
  std::optional<k::VmemAltmap> altmap;
  if (pgmap.altmap) altmap = to_vmem(*pgmap.altmap);
  const k::MhpParams params{altmap ? &*altmap : nullptr, &pgmap, range.start};
  // Private memory gets struct pages only (add_pages()); the rest a linear
  // mapping too (arch_add_memory()): the same for the model.
  int err = k::__add_pages(s, r, pgmap.nid, range.start, range.size(), params);
  // Both paths reach arch/x86/mm/init_64.c add_pages() on x86 (private
  // directly, the rest via arch_add_memory()), and its WARN_ON_ONCE(ret)
  // fires for either; other arches' add_pages() is plain __add_pages().
  if (g.arch == Arch::X86_64) k::WARN(r, err != 0, "add_pages: __add_pages failed");
  if (altmap) {
    pgmap.altmap->alloc = altmap->alloc;
    pgmap.altmap->align = altmap->align;
  }
  if (err) {  // err_add_memory: the sections __add_pages() added stay (6.1)
    s.pgmap_array.assign(range.start.v, range.end.v, 0);
    return err;
  }
  k::move_pfn_range_to_zone(s, r, pgmap.nid, Zone::Device, range.start, range.size(), Migratetype::Movable,
                            altmap ? &*altmap : nullptr);
  if (!injected(s, "zone_device_init_skipped"))
    k::memmap_init_zone_device(s, pgmap.nid, range.start, range.size(), pgmap);
  return 0;
}

// dev_name() of the claiming device: the namespace (pmem), the dax device,
// the device-private driver's device.
std::string region_name(const MemremapRequest& req) {
  const std::string id = std::to_string(req.id);
  switch (req.type) {
    case PgmapType::FsDax: return "namespace" + id + ".0";
    case PgmapType::Generic: return "dax" + id + ".0";
    case PgmapType::Private: return "dmirror" + id;
  }
  return "device" + id;
}

/* drivers/nvdimm/pmem.c: pmem_attach_disk(); drivers/dax/device.c:
   dev_dax_probe() -- devm_request_mem_region() for each range before
   devm_memremap_pages() */
int claim_ranges(System& s, Result& r, const MemremapRequest& req) {
  // The fault removes both guards against System RAM: this claim and
  // pagemap_range()'s region_intersects().
  if (injected(s, "memremap_skips_ram_check")) return 0;
  for (std::size_t i = 0; i < req.ranges.size(); ++i) {
    const auto [start, size] = req.ranges[i];
    if (k::request_mem_region(s, start, size, region_name(req))) continue;
    for (std::size_t j = 0; j < i; ++j) k::release_mem_region(s, req.ranges[j].first, req.ranges[j].second);
    r.reason = "could not reserve region (it overlaps a busy iomem resource)";
    return -EBUSY;
  }
  return 0;
}

/* kernel/resource.c: __release_region() for each claim, by devres */
void release_ranges(System& s, const DevPagemap& pgmap) {
  if (injected(s, "memremap_skips_ram_check")) return;  // nothing was claimed
  for (const PfnRange& range : pgmap.ranges)
    k::release_mem_region(s, s.geo.phys_of(range.start), s.geo.phys_of(range.end) - s.geo.phys_of(range.start));
}

std::optional<DevPagemap> build_pgmap(const System& s, const MemremapRequest& req, std::string& why) {
  const Geometry& g = s.geo;
  DevPagemap pgmap;
  pgmap.type = req.type;
  pgmap.nid = req.nid;
  pgmap.vmemmap_shift = req.vmemmap_shift;
  for (auto [start, size] : req.ranges) {
    if (!is_aligned(start | size, g.page_size()) || !size) {
      why = "ranges are whole pages";
      return std::nullopt;
    }
    pgmap.ranges.push_back({g.pfn_of(start), g.pfn_of(start + size)});
  }
  if (req.altmap) {
    DevAltmap a;
    a.base_pfn = pgmap.ranges.empty() ? 0 : pgmap.ranges[0].start.v;
    a.reserve = req.altmap->first;
    a.free = req.altmap->second;
    pgmap.altmap = a;
  }
  return pgmap;
}

}  // namespace

/* mm/memremap.c: memremap_pages() */
Result memremap_pages(System& s, const MemremapRequest& req) {
  if (s.pgmaps.count(req.id)) return Result::error(-EEXIST, "pgmap id in use");
  if (!s.node_possible(req.nid) || !s.node(req.nid).online)
    return Result::error(-EINVAL, "node " + std::to_string(req.nid) + " is not online");
  Result r;
  if (k::WARN(r, req.ranges.empty(), "nr_range must be specified")) {
    r.err = -EINVAL;
    return r;
  }
  std::string why;
  auto pgmap = build_pgmap(s, req, why);
  if (!pgmap) return Result::error(-EINVAL, why);
  if (int err = claim_ranges(s, r, req)) {
    r.err = err;
    return r;
  }
  const std::size_t nr_range = pgmap->ranges.size();
  s.pgmaps.emplace(req.id, *pgmap);
  for (std::size_t i = 0; i < nr_range; ++i) {
    if (int err = pagemap_range(s, r, req.id, i)) {
      if (!injected(s, "memremap_failure_keeps_ranges"))
        unmap_ranges(s, r, req.id, i);  // memunmap_pages() with nr_range = i
      release_ranges(s, *pgmap);      // the probe fails: devres unwinds
      s.pgmaps.erase(req.id);
      r.err = err;
      return r;
    }
  }
  return r;
}

/* mm/memremap.c: memunmap_pages(), as the owner's unbind runs it */
Result memunmap_pages(System& s, int id) {
  if (!s.pgmaps.count(id)) return Result::error(-ENOENT, "no pgmap " + std::to_string(id));
  Result r;
  unmap_ranges(s, r, id, s.pgmaps.at(id).ranges.size());
  release_ranges(s, s.pgmaps.at(id));  // devres, after devm_memremap_pages()'s action
  s.pgmaps.erase(id);
  return r;
}

}  // namespace memhp

namespace memhp::k {

/* mm/memremap.c: memremap_pages()/memunmap_pages() as steps: pagemap_range()
   and pageunmap_range() do their work inside mem_hotplug_begin()/done(). The
   body is the whole op: what runs outside the lock in the kernel (the devres
   and xarray work, memmap_init_zone_device()) touches only device pages,
   which no modelled reader looks at. */
std::vector<StepDef> memremap_steps(const System& s) {
  std::vector<StepDef> v = {lock_step(LockClass::MemHotplug), {"the op's body", run_sequential_op},
                            unlock_step(LockClass::MemHotplug)};
  if (injected(s, "memremap_takes_device_hotplug_lock"))
    v = {v[0], lock_step(LockClass::DeviceHotplug), v[1], unlock_step(LockClass::DeviceHotplug), v[2]};
  return v;
}

}  // namespace memhp::k
