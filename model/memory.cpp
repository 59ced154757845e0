// drivers/base/memory.c: memory block devices and their sysfs state machine.
//
// Design. A memory block is the unit user space onlines and offlines. Its
// stored state is ONLINE or OFFLINE; GOING_OFFLINE exists only while an
// offline runs. The sysfs `state` write goes through the driver core
// (device_online()/device_offline()), which returns 1 when the device is
// already in the requested state; state_store() turns that into -EINVAL.
// That, and the order in which memory_block_online() initialises the
// self-hosted vmemmap before online_pages() and accounts it as present only
// after, are mirrored step by step.
//
// Blocks live in a RunMap keyed by block id, so they are read and written
// as values (memory_block(), set_memory_block()).
#include <algorithm>
#include <set>

#include "thread_steps.h"
#include "memhp/proven/block_layout.h"
#include "memhp/proven/domain.h"

namespace memhp::k {

namespace {

Pfn block_start_pfn(const System& s, u64 id) { return s.geo.block_start(id); }

}  // namespace

// The split memory_block_online() and memory_block_offline() make: the first
// nr_vmemmap_pages of a block hold its own memmap and never reach the buddy
// allocator; online_pages()/offline_pages() get the rest. The arithmetic is
// single-source (memhp/proven/block_layout.h): the Z3 block encoding is
// built from the same text.

/* drivers/base/memory.c: memory_block_online(): mhp_init_memmap_on_memory()'s range */
PfnRange memory_block_vmemmap_range(Pfn start, u64 nr_vmemmap_pages) {
  const auto r = proven::memory_block_vmemmap_range(proven::Concrete{}, start.v, nr_vmemmap_pages);
  return PfnRange{Pfn{r.lo}, Pfn{r.hi}};
}

/* drivers/base/memory.c: memory_block_online(): online_pages()'s range */
PfnRange memory_block_online_range(Pfn start, u64 nr_pages, u64 nr_vmemmap_pages) {
  const auto r = proven::memory_block_online_range(proven::Concrete{}, start.v, nr_pages, nr_vmemmap_pages);
  return PfnRange{Pfn{r.lo}, Pfn{r.hi}};
}

namespace {

// memory_block_online() and memory_block_offline() are written in the parts
// the threaded steps run apart (model/thread_steps.h): the kernel runs them
// in this order, and 6.1 before 001002e73712 ran the vmemmap parts outside
// mem_hotplug_lock. The sequential op runs them back to back.

/* drivers/base/memory.c: memory_block_online(): zone_for_pfn_range() */
Zone memory_block_online_zone(const System& s, u64 id) {
  const MemoryBlock& mem = memory_block(s, id);
  return zone_for_pfn_range(s, mem.online_type, mem.nid, mem.group, block_start_pfn(s, id), s.geo.block_pages());
}

/* drivers/base/memory.c: memory_block_online(): mhp_init_memmap_on_memory() */
int memory_block_online_init_vmemmap(System& s, Result& r, u64 id, Zone zone) {
  const MemoryBlock& mem = memory_block(s, id);
  // The vmemmap pages belong to the zone of the memory they describe.
  if (!mem.nr_vmemmap_pages) return 0;
  const PfnRange vmemmap = memory_block_vmemmap_range(block_start_pfn(s, id), mem.nr_vmemmap_pages);
  return mhp_init_memmap_on_memory(s, r, vmemmap.start, vmemmap.size(), mem.nid, zone);
}

/* drivers/base/memory.c: memory_block_online(): online_pages(), and the vmemmap deinit if it fails */
int memory_block_online_pages(System& s, Result& r, u64 id, Zone zone) {
  const MemoryBlock mem = memory_block(s, id);
  const Pfn start = block_start_pfn(s, id);
  const PfnRange vmemmap = memory_block_vmemmap_range(start, mem.nr_vmemmap_pages);
  const PfnRange online = memory_block_online_range(start, s.geo.block_pages(), mem.nr_vmemmap_pages);
  const int err = online_pages(s, r, online.start, online.size(), mem.nid, zone, mem.group);
  if (err && mem.nr_vmemmap_pages) {
    if (!injected(s, "online_failure_skips_deinit"))
      mhp_deinit_memmap_on_memory(s, r, vmemmap.start, vmemmap.size());
  }
  return err;
}

/* drivers/base/memory.c: memory_block_online(): the vmemmap counts as present once onlining succeeded */
void memory_block_online_account(System& s, u64 id, Zone zone) {
  MemoryBlock mem = memory_block(s, id);
  if (mem.nr_vmemmap_pages) {
    const PfnRange vmemmap = memory_block_vmemmap_range(block_start_pfn(s, id), mem.nr_vmemmap_pages);
    if (!injected(s, "vmemmap_not_present"))
      adjust_present_page_count(s, vmemmap.start, mem.group, static_cast<long>(vmemmap.size()));
  }
  mem = memory_block(s, id);
  mem.zone = zone;
  set_memory_block(s, id, mem);
}

/* drivers/base/memory.c: memory_block_online() */
int memory_block_online(System& s, Result& r, u64 id) {
  const Zone zone = memory_block_online_zone(s, id);
  if (int err = memory_block_online_init_vmemmap(s, r, id, zone)) return err;
  if (int err = memory_block_online_pages(s, r, id, zone)) return err;
  memory_block_online_account(s, id, zone);
  return 0;
}

long vmemmap_delta(const MemoryBlock& mem) { return static_cast<long>(mem.nr_vmemmap_pages); }

/* drivers/base/memory.c: memory_block_offline(), up to offline_pages(): the
   vmemmap is unaccounted first, so that the zone and node can be torn down */
int memory_block_offline_unaccount(System& s, Result& r, u64 id, Frame& f) {
  const MemoryBlock& mem = memory_block(s, id);
  if (!mem.zone) {
    r.reason = "memory block spans several zones or nodes";
    return -EINVAL;
  }
  // Whether the zone was flagged contiguous before this offline: the vmemmap's
  // removal then need not walk the zone again (set_zone_contiguous()).
  f.was_contiguous = s.zone(mem.nid, *mem.zone).contiguous;
  if (mem.nr_vmemmap_pages)
    adjust_present_page_count(s, block_start_pfn(s, id), mem.group, -vmemmap_delta(mem));
  return 0;
}

/* drivers/base/memory.c: memory_block_offline(): offline_pages(), and the vmemmap accounted back if it fails */
int memory_block_offline_pages(System& s, Result& r, u64 id) {
  const MemoryBlock mem = memory_block(s, id);
  const Pfn start = block_start_pfn(s, id);
  const PfnRange online = memory_block_online_range(start, s.geo.block_pages(), mem.nr_vmemmap_pages);
  const int err = offline_pages(s, r, online.start, online.size(), mem.nid, *mem.zone, mem.group);
  if (err && mem.nr_vmemmap_pages) adjust_present_page_count(s, start, mem.group, vmemmap_delta(mem));
  return err;
}

/* drivers/base/memory.c: memory_block_offline(): mhp_deinit_memmap_on_memory(), then mem->zone = NULL */
void memory_block_offline_deinit(System& s, Result& r, u64 id, const Frame& f) {
  MemoryBlock mem = memory_block(s, id);
  if (mem.nr_vmemmap_pages) {
    const PfnRange vmemmap = memory_block_vmemmap_range(block_start_pfn(s, id), mem.nr_vmemmap_pages);
    mhp_deinit_memmap_on_memory(s, r, vmemmap.start, vmemmap.size(), f.was_contiguous);
  }
  mem = memory_block(s, id);
  if (!injected(s, "offline_keeps_block_zone")) mem.zone.reset();
  set_memory_block(s, id, mem);
}

/* drivers/base/memory.c: memory_block_offline() */
int memory_block_offline(System& s, Result& r, u64 id) {
  Frame f;
  if (int err = memory_block_offline_unaccount(s, r, id, f)) return err;
  if (int err = memory_block_offline_pages(s, r, id)) return err;
  memory_block_offline_deinit(s, r, id, f);
  return 0;
}

/* drivers/base/memory.c: memory_block_change_state(), before memory_block_action() */
int memory_block_change_state_begin(System& s, u64 id, BlockState to, BlockState from) {
  MemoryBlock mem = memory_block(s, id);
  if (mem.state != from) return -EINVAL;
  if (to == BlockState::Offline) {
    mem.state = BlockState::GoingOffline;
    set_memory_block(s, id, mem);
  }
  return 0;
}

/* drivers/base/memory.c: memory_block_change_state(), after memory_block_action() */
void memory_block_change_state_end(System& s, u64 id, BlockState to, BlockState from, int ret) {
  MemoryBlock mem = memory_block(s, id);
  mem.state = ret ? from : to;
  if (injected(s, "failed_offline_stays_going_offline") && ret && to == BlockState::Offline)
    mem.state = BlockState::GoingOffline;
  set_memory_block(s, id, mem);
}

/* drivers/base/memory.c: memory_subsys_online(), after memory_block_change_state() */
int memory_subsys_online_end(System& s, u64 id, int ret) {
  if (injected(s, "failed_online_keeps_type") && ret < 0) return ret;
  MemoryBlock mem = memory_block(s, id);
  mem.online_type = OnlineType::Offline;
  set_memory_block(s, id, mem);
  return ret;
}

/* drivers/base/core.c: device_online() → memory_subsys_online() → memory_block_change_state(),
   up to memory_block_online(); the op's return value if it ends before */
std::optional<int> device_online_begin(System& s, u64 id) {
  // dev->offline mirrors mem->state == MEM_OFFLINE for memory blocks.
  MemoryBlock mem = memory_block(s, id);
  if (mem.state != BlockState::Offline) return 1;
  // memory_subsys_online(): device_online() without a configured online_type means MMOP_ONLINE.
  if (mem.online_type == OnlineType::Offline) {
    mem.online_type = OnlineType::Online;
    set_memory_block(s, id, mem);
  }
  if (int err = memory_block_change_state_begin(s, id, BlockState::Online, BlockState::Offline))
    return memory_subsys_online_end(s, id, err);
  return std::nullopt;
}

/* drivers/base/core.c: device_online(), after memory_block_online() */
int device_online_end(System& s, u64 id, int ret) {
  memory_block_change_state_end(s, id, BlockState::Online, BlockState::Offline, ret);
  return memory_subsys_online_end(s, id, ret);
}

/* drivers/base/core.c: device_offline() → memory_subsys_offline() → memory_block_change_state(),
   up to memory_block_offline() */
std::optional<int> device_offline_begin(System& s, u64 id) {
  // memory_subsys_offline() returns 0 for an offline block; device_offline() has ruled that out.
  if (memory_block(s, id).state == BlockState::Offline) return 1;
  if (int err = memory_block_change_state_begin(s, id, BlockState::Offline, BlockState::Online)) return err;
  return std::nullopt;
}

/* drivers/base/core.c: device_offline(), after memory_block_offline() */
int device_offline_end(System& s, u64 id, int ret) {
  memory_block_change_state_end(s, id, BlockState::Offline, BlockState::Online, ret);
  return ret;
}

/* drivers/base/memory.c: early_node_zone_for_memory_block() */
std::optional<Zone> early_node_zone_for_memory_block(const System& s, u64 id, int nid) {
  const Pfn start = block_start_pfn(s, id);
  std::optional<Zone> match;
  for (Zone z : kAllZones) {
    const ZoneState& zs = s.zone(nid, z);
    if (!zs.populated()) continue;
    if (!injected(s, "early_zone_ignores_spans"))
      if (!zs.intersects(start, s.geo.block_pages())) continue;
    if (match) return std::nullopt;  // spans multiple zones
    match = z;
  }
  return match;
}

/* drivers/base/memory.c: memory_block_add_nid() */
void memory_block_add_nid(System& s, u64 id, int nid, bool early) {
  MemoryBlock mem = memory_block(s, id);
  if (early && mem.nid != nid) {
    if (mem.nid == kNoNode)
      mem.zone = early_node_zone_for_memory_block(s, id, nid);
    else
      mem.zone.reset();
  }
  mem.nid = nid;
  set_memory_block(s, id, mem);
}

// The block ids [start, start + size) covers, for block-aligned ranges.
std::pair<u64, u64> block_ids(const Geometry& g, u64 start, u64 size) {
  return {g.block_id(g.pfn_of(start)), g.block_id(g.pfn_of(start + size))};
}

/* drivers/base/memory.c: state_store(): mem->online_type = online_type, under device_hotplug_lock */
void state_store_set_online_type(System& s, u64 id, OnlineType type) {
  MemoryBlock m = memory_block(s, id);
  m.online_type = type;
  set_memory_block(s, id, m);
}

/* drivers/base/memory.c: state_store(): device_online()/device_offline() return 1 when already there */
int state_store_errno(int ret) { return ret > 0 ? -EINVAL : ret; }

}  // namespace

/* drivers/base/core.c: device_online() for a memory block */
int device_online(System& s, Result& r, u64 id) {
  if (const auto done = device_online_begin(s, id)) return *done;
  return device_online_end(s, id, memory_block_online(s, r, id));
}

/* drivers/base/core.c: device_offline() for a memory block */
int device_offline(System& s, Result& r, u64 id) {
  if (const auto done = device_offline_begin(s, id)) return *done;
  return device_offline_end(s, id, memory_block_offline(s, r, id));
}

/* drivers/base/memory.c: create_memory_block_devices() */
int create_memory_block_devices(System& s, Result& r, u64 start, u64 size, BlockAltmap altmap,
                                int group) {
  const Geometry& g = s.geo;
  if (WARN(r, !is_aligned(start, g.block_bytes) || !is_aligned(size, g.block_bytes),
           "create_memory_block_devices: unaligned range"))
    return -EINVAL;
  auto [first, end] = block_ids(g, start, size);
  for (u64 id = first; id < end; ++id) {
    if (memory_block(s, id).present) {  // add_memory_block(): -EEXIST
      s.blocks.assign(first, id, MemoryBlock{});  // remove the ones created
      return -EEXIST;
    }
  }
  MemoryBlock mem;
  mem.present = true;
  mem.state = BlockState::Offline;
  mem.nr_vmemmap_pages = altmap.nr_vmemmap_pages;
  mem.altmap_alloc = altmap.alloc;
  mem.group = group;
  s.blocks.assign(first, end, mem);
  return 0;
}

/* drivers/base/memory.c: remove_memory_block_devices() */
void remove_memory_block_devices(System& s, Result& r, u64 start, u64 size) {
  const Geometry& g = s.geo;
  if (WARN(r, !is_aligned(start, g.block_bytes) || !is_aligned(size, g.block_bytes),
           "remove_memory_block_devices: unaligned range"))
    return;
  auto [first, end] = block_ids(g, start, size);
  s.blocks.for_each(first, end, [&](u64 a, u64 b, const MemoryBlock& m) {
    WARN(r, !m.present,
         "remove_memory_block_devices: no memory block " + std::to_string(a) +
             (b - a > 1 ? ".." + std::to_string(b - 1) : ""));
  });
  if (injected(s, "remove_blocks_past_range"))
    WARN(r, !memory_block(s, end).present, "remove_memory_block_devices: no memory block " + std::to_string(end));
  s.blocks.assign(first, end, MemoryBlock{});
}

/* drivers/base/node.c: register_memory_blocks_under_node(.., MEMINIT_HOTPLUG) */
void register_memory_blocks_under_node(System& s, int nid, u64 start, u64 size) {
  auto [first, end] = block_ids(s.geo, start, size);
  s.blocks.update(first, end, [&](MemoryBlock& m) {
    if (m.present) m.nid = nid;
  });
}

/* drivers/base/memory.c: memory_group_register_static() */
int memory_group_register_static(System& s, int nid, u64 max_pages) {
  if (!s.node_possible(nid) || !max_pages) return -EINVAL;
  int mgid = 0;  // xa_alloc(): the lowest free id
  while (s.groups.count(mgid)) ++mgid;
  MemoryGroup group;
  group.nid = nid;
  group.max_pages = max_pages;
  s.groups.emplace(mgid, group);
  return mgid;
}

/* drivers/base/memory.c: memory_group_unregister() */
int memory_group_unregister(System& s, int mgid) {
  if (mgid < 0 || !s.groups.count(mgid)) return -EINVAL;
  bool busy = false;
  s.blocks.for_each(0, RunMap<MemoryBlock>::kEnd, [&](u64, u64, const MemoryBlock& m) {
    busy = busy || (m.present && m.group == mgid);
  });
  if (busy) return -EBUSY;
  s.groups.erase(mgid);
  return 0;
}

namespace {

// Block ids in [0, nr_blocks) where memory_dev_init()'s per-block decision
// for nid may change: each block holding an edge of a memblock range, of a
// zone of nid, of nid's span or of a run of sections is cut out on its own, and runs of
// blocks are kept apart, so that between two cuts every block sees the same
// RAM, holes, zones and previous value. Sorted, from 0 to nr_blocks.
std::vector<u64> boot_block_segments(const System& s, const std::vector<MemblockRange>& mem, int nid,
                                     u64 nr_blocks) {
  const Geometry& g = s.geo;
  std::set<u64> cut{0, nr_blocks};
  auto edge = [&](Pfn p) {
    const u64 id = g.block_id(p);
    if (id < nr_blocks) cut.insert(id);
    if (id + 1 < nr_blocks) cut.insert(id + 1);
  };
  for (const MemblockRange& m : mem) {
    edge(m.start);
    edge(m.end);
  }
  edge(Pfn{s.node(nid).node_start_pfn});
  edge(Pfn{s.node(nid).node_end_pfn()});
  for (const ZoneState& z : s.node(nid).zones) {
    if (!z.spanned_pages) continue;
    edge(Pfn{z.zone_start_pfn});
    edge(Pfn{z.end_pfn()});
  }
  const u64 last_sec = nr_blocks * g.sections_per_block();
  s.sections.for_each(0, last_sec, [&](u64 a, u64, const SectionState&) { edge(g.section_start(a)); });
  s.blocks.for_each(0, nr_blocks, [&](u64 a, u64, const MemoryBlock&) { cut.insert(a); });
  return {cut.begin(), cut.end()};
}

}  // namespace

/* drivers/base/memory.c: memory_dev_init(), then node_dev_init()'s
   register_memory_blocks_under_node(.., MEMINIT_EARLY) for each node */
void memory_dev_init(System& s, const std::vector<MemblockRange>& mem) {
  const Geometry& g = s.geo;
  const u64 spb = g.sections_per_block();
  // __highest_present_section_nr: the last present section at boot.
  u64 highest = 0;
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64, u64 b, const SectionState& ms) {
    if (ms.present) highest = b - 1;
  });
  // The kernel visits each block id up to there and adds a block where any
  // section is present; the model visits the runs of present sections.
  MemoryBlock boot_block;  // add_memory_block(id, MEM_ONLINE, 0, NULL)
  boot_block.present = true;
  boot_block.state = BlockState::Online;
  s.sections.for_each(0, highest + 1, [&](u64 a, u64 b, const SectionState& ms) {
    if (ms.present) s.blocks.assign(a / spb, (b - 1) / spb + 1, boot_block);
  });
  // get_nid_for_pfn() during boot is early_pfn_to_nid() (Debian builds with
  // DEFERRED_STRUCT_PAGE_INIT): memblock's nid, or the first online node for
  // a hole.
  int first_online = kNoNode;
  for (int n = 0; n < static_cast<int>(s.nodes.size()) && first_online == kNoNode; ++n)
    if (s.node(n).online) first_online = n;
  const u64 nr_blocks = highest / spb + 1;
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    if (!s.node(nid).online) continue;
    // The kernel visits every block id; the model visits segments of ids
    // over which everything below is the same, and copies the first one's
    // result over the segment.
    const std::vector<u64> cuts = boot_block_segments(s, mem, nid, nr_blocks);
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
      const u64 id = cuts[i];
      if (!memory_block(s, id).present) continue;
      const Pfn lo = g.block_start(id), hi = lo + g.block_pages();
      u64 ram = 0;
      bool on_node = false;
      for (const MemblockRange& m : mem) {
        if (m.end <= lo || hi <= m.start) continue;
        ram += std::min(hi, m.end) - std::max(lo, m.start);
        on_node = on_node || m.nid == nid;
      }
      // Holes only count where their section is present.
      const u64 present = s.sections.count_if(g.section_nr(lo), g.section_nr(hi),
                                              [](const SectionState& ms) { return ms.present; }) *
                          g.pages_per_section();
      // register_memory_blocks_under_node() walks only the blocks that
      // meet the node's span: a hole beyond it is never looked at for nid.
      const NodeState& n = s.node(nid);
      const bool in_span = lo.v < n.node_end_pfn() && n.node_start_pfn < hi.v;
      if (!on_node && !(nid == first_online && in_span && present > ram)) continue;
      memory_block_add_nid(s, id, nid, /*early=*/true);
      s.blocks.assign(id, cuts[i + 1], memory_block(s, id));
    }
  }
}

// ------------------------------------------------------------ as threads --
// state_store() as the threaded steps (model/thread_steps.h). The steps
// bounded by locks are the kernel's; between two locks, a body step runs one
// of the parts above whole. With hotplug_lock_vmemmap (001002e73712, in
// every profile: Debian 6.1.192 has the backport) memory_block_online()
// and memory_block_offline() hold mem_hotplug_lock around all their parts;
// before it, online_pages() and offline_pages() took it themselves and the
// vmemmap init, deinit and accounting ran outside.
namespace {

u64 block_of(const StepCtx& x) { return x.a.block; }
OnlineType type_of(const StepCtx& x) { return x.a.type; }

void store_online_type(StepCtx& x) {
  if (!memory_block(x.s(), block_of(x)).present) return x.finish(-ENOENT);
  if (type_of(x) != OnlineType::Offline) state_store_set_online_type(x.s(), block_of(x), type_of(x));
}

void online_begin(StepCtx& x) {
  if (const auto done = device_online_begin(x.s(), block_of(x))) return x.finish(state_store_errno(*done));
  x.f().acting = true;
  x.f().zone = memory_block_online_zone(x.s(), block_of(x));
}

void online_init_vmemmap(StepCtx& x) {
  if (int err = memory_block_online_init_vmemmap(x.s(), x.out.result, block_of(x), *x.f().zone)) x.finish(err);
}

void online_pages_part(StepCtx& x) {
  if (int err = memory_block_online_pages(x.s(), x.out.result, block_of(x), *x.f().zone)) x.finish(err);
}

void online_account(StepCtx& x) { memory_block_online_account(x.s(), block_of(x), *x.f().zone); }

void online_end(StepCtx& x) {
  if (x.f().acting) x.f().err = state_store_errno(device_online_end(x.s(), block_of(x), x.f().err));
}

void offline_begin(StepCtx& x) {
  if (!memory_block(x.s(), block_of(x)).present) return x.finish(-ENOENT);
  if (const auto done = device_offline_begin(x.s(), block_of(x))) return x.finish(state_store_errno(*done));
  x.f().acting = true;
}

void offline_unaccount(StepCtx& x) {
  if (int err = memory_block_offline_unaccount(x.s(), x.out.result, block_of(x), x.f())) x.finish(err);
}

void offline_pages_part(StepCtx& x) {
  if (int err = memory_block_offline_pages(x.s(), x.out.result, block_of(x))) x.finish(err);
}

void offline_deinit(StepCtx& x) { memory_block_offline_deinit(x.s(), x.out.result, block_of(x), x.f()); }

void offline_end(StepCtx& x) {
  if (x.f().acting) x.f().err = state_store_errno(device_offline_end(x.s(), block_of(x), x.f().err));
}

// The vmemmap parts inside mem_hotplug_lock, or (before 001002e73712) only
// online_pages()/offline_pages() inside it.
std::vector<StepDef> around_hotplug_lock(const System& s, StepDef vmemmap_before, StepDef pages,
                                         StepDef vmemmap_after) {
  bool whole = s.prof.has(Delta::HotplugLockVmemmap);
  if (injected(s, "vmemmap_init_without_hotplug_lock")) whole = false;
  if (whole)
    return {lock_step(LockClass::MemHotplug), vmemmap_before, pages, vmemmap_after, unlock_step(LockClass::MemHotplug)};
  return {vmemmap_before, lock_step(LockClass::MemHotplug), pages, unlock_step(LockClass::MemHotplug), vmemmap_after};
}

}  // namespace

/* drivers/base/memory.c: state_store() → memory_block_online()/memory_block_offline(), as steps */
std::vector<StepDef> state_store_steps(const System& s, bool online) {
  std::vector<StepDef> v;
  if (online) {
    v = {{"state_store(): mem->online_type = type", store_online_type},
         {"device_online(): memory_block_change_state(), zone_for_pfn_range()", online_begin}};
    for (const StepDef& d : around_hotplug_lock(s, {"mhp_init_memmap_on_memory()", online_init_vmemmap},
                                                {"online_pages()", online_pages_part},
                                                {"adjust_present_page_count(+vmemmap); mem->zone = zone", online_account}))
      v.push_back(d);
    v.push_back({"memory_block_change_state(): mem->state; mem->online_type = MMOP_OFFLINE", online_end,
                 StepKind::Always});
  } else {
    v = {{"device_offline(): memory_block_change_state(): MEM_GOING_OFFLINE", offline_begin}};
    for (const StepDef& d : around_hotplug_lock(s, {"adjust_present_page_count(-vmemmap)", offline_unaccount},
                                                {"offline_pages()", offline_pages_part},
                                                {"mhp_deinit_memmap_on_memory(); mem->zone = NULL", offline_deinit}))
      v.push_back(d);
    v.push_back({"memory_block_change_state(): mem->state", offline_end, StepKind::Always});
  }
  // state_store() holds device_hotplug_lock from the first step to the last.
  v.insert(v.begin(), lock_step(LockClass::DeviceHotplug));
  v.push_back(unlock_step(LockClass::DeviceHotplug));
  if (injected(s, "state_store_skips_device_hotplug_lock")) v = {v.begin() + 1, v.end() - 1};
  return v;
}

}  // namespace memhp::k

namespace memhp {

namespace {

/* drivers/base/memory.c: state_store() */
Result state_store(System& s, u64 block_id, OnlineType type) {
  Result r;
  const MemoryBlock mem = k::memory_block(s, block_id);
  if (!mem.present) return Result::error(-ENOENT, "no memory block " + std::to_string(block_id));
  if (type != OnlineType::Offline) k::state_store_set_online_type(s, block_id, type);
  const int ret = type == OnlineType::Offline ? k::device_offline(s, r, block_id) : k::device_online(s, r, block_id);
  if (ret > 0 && type != OnlineType::Offline && mem.online_type != type) {
    r.partial = Partial::OnlineTypeKept;
    r.reason = "already online; mem->online_type keeps '" + std::string(online_type_name(type)) + "'";
  }
  if (ret > 0 && r.reason.empty())
    r.reason = "memory block is already " + std::string(type == OnlineType::Offline ? "offline" : "online");
  r.err = k::state_store_errno(ret);
  return r;
}

}  // namespace

Result online_block(System& s, u64 block_id, OnlineType type) {
  if (type == OnlineType::Offline)
    return Result::error(-EINVAL, "online_block needs an online type");
  return state_store(s, block_id, type);
}

Result offline_block(System& s, u64 block_id) { return state_store(s, block_id, OnlineType::Offline); }

/* drivers/base/memory.c: state_store() with mhp_online_type_from_str() */
Result state_write(System& s, u64 block_id, std::string_view buf) {
  if (!k::memory_block(s, block_id).present)
    return Result::error(-ENOENT, "no memory block " + std::to_string(block_id));
  // sysfs_streq(): one of the four names, exactly.
  const std::optional<OnlineType> type = online_type_from_name(buf);
  if (!type) return Result::error(-EINVAL, "'" + std::string(buf) + "' is not an online type");
  return state_store(s, block_id, *type);
}

namespace {

/* lib/kstrtox.c: kstrtobool() */
std::optional<bool> kstrtobool(std::string_view v) {
  if (v.empty()) return std::nullopt;
  switch (v[0]) {
    case 'y': case 'Y': case 't': case 'T': case '1': return true;
    case 'n': case 'N': case 'f': case 'F': case '0': return false;
    case 'o': case 'O':
      if (v.size() > 1 && (v[1] == 'n' || v[1] == 'N')) return true;
      if (v.size() > 1 && (v[1] == 'f' || v[1] == 'F')) return false;
      return std::nullopt;
    default: return std::nullopt;
  }
}

}  // namespace

/* drivers/base/core.c: online_store() for a memory block */
Result online_write(System& s, u64 block_id, std::string_view buf) {
  if (!k::memory_block(s, block_id).present)
    return Result::error(-ENOENT, "no memory block " + std::to_string(block_id));
  const std::optional<bool> val = kstrtobool(buf);
  if (!val) return Result::error(-EINVAL, "'" + std::string(buf) + "' is not a boolean");
  Result r;
  // device_online() uses mem->online_type if a state write left one, else
  // MMOP_ONLINE (memory_subsys_online()); 1 (already there) is success.
  const int ret = *val ? k::device_online(s, r, block_id) : k::device_offline(s, r, block_id);
  r.err = ret < 0 ? ret : 0;
  return r;
}

/* drivers/base/memory.c: register_memory_notifier(), for a driver whose
   notifier returns notifier_from_errno(errno) on the event. */
void set_memory_notifier(System& s, int going_online_errno, int going_offline_errno) {
  s.notifier.going_online_errno = going_online_errno;
  s.notifier.going_offline_errno = going_offline_errno;
}

/* drivers/base/memory.c: valid_zones_show() */
std::string valid_zones(const System& s, u64 block_id) {
  const MemoryBlock& mem = k::memory_block(s, block_id);
  if (!mem.present) return {};
  if (mem.state == BlockState::Online)
    return mem.zone ? std::string(zone_name(*mem.zone)) : "none";
  const Pfn start = s.geo.block_start(block_id);
  const u64 nr = s.geo.block_pages();
  const Zone dflt = k::zone_for_pfn_range(s, OnlineType::Online, mem.nid, mem.group, start, nr);
  std::string out(zone_name(dflt));
  for (OnlineType t : {OnlineType::OnlineKernel, OnlineType::OnlineMovable}) {
    const Zone z = k::zone_for_pfn_range(s, t, mem.nid, mem.group, start, nr);
    if (z != dflt) out += " " + std::string(zone_name(z));
  }
  if (injected(s, "valid_zones_kernel_first") && dflt == Zone::Movable) {
    const Zone kernel = k::zone_for_pfn_range(s, OnlineType::OnlineKernel, mem.nid, mem.group, start, nr);
    out = std::string(zone_name(kernel)) + " " + std::string(zone_name(dflt));
  }
  return out;
}

}  // namespace memhp
