// kernel/resource.c: the iomem resources hotplug requests and releases.
//
// The model keeps only the top level of the iomem tree. Hotplug requests its
// "System RAM" regions there, and the owner of device memory (pmem, device
// dax, a device-private driver) its region before memremap_pages(). Every
// such region is IORESOURCE_BUSY and so is boot RAM (x86 e820
// do_mark_busy(), arm64 request_standard_resources()), so a conflict with
// any existing entry is what __request_region() reports as a conflict; the
// nesting of requests under a non-busy parent is not modelled (NOTES.md,
// simplifications).
#include <algorithm>

#include "internal.h"

namespace memhp::k {

namespace {
bool overlaps(const Resource& r, u64 start, u64 end) { return r.start < end && start < r.end; }

bool conflicts(const System& s, u64 start, u64 end) {
  auto it = s.iomem.lower_bound(start);
  if (it != s.iomem.begin() && overlaps(std::prev(it)->second, start, end)) return true;
  return it != s.iomem.end() && overlaps(it->second, start, end);
}

/* kernel/resource.c: __request_region(), a busy region at the top level */
bool insert_busy(System& s, Resource res) {
  if (conflicts(s, res.start, res.end)) return false;
  s.iomem.emplace(res.start, std::move(res));
  return true;
}
}  // namespace

/* kernel/resource.c: __request_region() with register_memory_resource()'s
   IORESOURCE_SYSTEM_RAM flags */
bool request_region(System& s, u64 start, u64 size, const std::string& name) {
  Resource res;
  res.start = start;
  res.end = start + size;
  res.name = name;
  res.system_ram = true;
  // register_memory_resource(): any name but "System RAM" is driver managed.
  res.driver_managed = name != "System RAM";
  return insert_busy(s, std::move(res));
}

/* kernel/resource.c: __request_region() as request_mem_region() /
   __devm_request_region() call it: busy, not System RAM */
bool request_mem_region(System& s, u64 start, u64 size, const std::string& name) {
  Resource res;
  res.start = start;
  res.end = start + size;
  res.name = name;
  return insert_busy(s, std::move(res));
}

/* kernel/resource.c: __release_region(): only the exact region requested;
   anything else is "Trying to free nonexistent resource" (a pr_warn) */
void release_mem_region(System& s, u64 start, u64 size) {
  auto it = s.iomem.find(start);
  if (it != s.iomem.end() && it->second.end == start + size && !it->second.system_ram) s.iomem.erase(it);
}

/* kernel/resource.c: release_resource() */
void release_resource(System& s, u64 start) { s.iomem.erase(start); }

/* kernel/resource.c: release_mem_region_adjustable() */
void release_mem_region_adjustable(System& s, u64 start, u64 size) {
  const u64 end = start + size;
  auto it = s.iomem.lower_bound(start);
  if (it != s.iomem.begin() && std::prev(it)->second.end > start) --it;
  while (it != s.iomem.end() && it->second.start < end) {
    Resource res = it->second;
    it = s.iomem.erase(it);
    if (!res.system_ram) {  // only System RAM is adjusted
      s.iomem.emplace(res.start, res);
      continue;
    }
    if (res.start < start) {
      Resource head = res;
      head.end = start;
      s.iomem.emplace(head.start, head);
    }
    if (res.end > end) {
      Resource tail = res;
      tail.start = end;
      it = s.iomem.emplace(tail.start, tail).first;
      ++it;
    }
  }
}

/* kernel/resource.c: walk_system_ram_range(), counting pages */
u64 walk_system_ram_range_pages(const System& s, Pfn start, u64 nr_pages) {
  const u64 lo = start.v, hi = start.v + nr_pages;
  const u64 page = s.geo.page_size();
  u64 n = 0;
  // Resources are disjoint and sorted, so start from the one before lo.
  auto it = s.iomem.lower_bound(s.geo.phys_of(start));
  if (it != s.iomem.begin()) --it;
  for (; it != s.iomem.end() && (it->second.start >> s.geo.page_shift) < hi; ++it) {
    const Resource& res = it->second;
    if (!res.system_ram) continue;
    // PFN_UP(res->start) .. PFN_DOWN(res->end + 1), as walk_system_ram_range.
    u64 a = (res.start + page - 1) >> s.geo.page_shift;
    u64 b = res.end >> s.geo.page_shift;
    if (b <= lo || a >= hi) continue;
    n += std::min(b, hi) - std::max(a, lo);
  }
  return n;
}

}  // namespace memhp::k
