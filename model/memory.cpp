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

#include "internal.h"
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

/* drivers/base/memory.c: memory_block_online() */
int memory_block_online(System& s, Result& r, u64 id) {
  MemoryBlock mem = memory_block(s, id);
  const Pfn start = block_start_pfn(s, id);
  const u64 nr_pages = s.geo.block_pages();
  const u64 nr_vmemmap = mem.nr_vmemmap_pages;
  const Zone zone = zone_for_pfn_range(s, mem.online_type, mem.nid, mem.group, start, nr_pages);
  const PfnRange vmemmap = memory_block_vmemmap_range(start, nr_vmemmap);
  const PfnRange online = memory_block_online_range(start, nr_pages, nr_vmemmap);

  // The vmemmap pages belong to the zone of the memory they describe.
  if (nr_vmemmap) {
    if (int err = mhp_init_memmap_on_memory(s, r, vmemmap.start, vmemmap.size(), mem.nid, zone))
      return err;
  }
  if (int err = online_pages(s, r, online.start, online.size(), mem.nid, zone, mem.group)) {
    if (nr_vmemmap) {
      if (!injected(s, "online_failure_skips_deinit"))
        mhp_deinit_memmap_on_memory(s, r, vmemmap.start, vmemmap.size());
    }
    return err;
  }
  // Account once onlining succeeded.
  if (nr_vmemmap) {
    if (!injected(s, "vmemmap_not_present"))
      adjust_present_page_count(s, vmemmap.start, mem.group, static_cast<long>(vmemmap.size()));
  }
  mem = memory_block(s, id);
  mem.zone = zone;
  set_memory_block(s, id, mem);
  return 0;
}

/* drivers/base/memory.c: memory_block_offline() */
int memory_block_offline(System& s, Result& r, u64 id) {
  MemoryBlock mem = memory_block(s, id);
  const Pfn start = block_start_pfn(s, id);
  const u64 nr_pages = s.geo.block_pages();
  const u64 nr_vmemmap = mem.nr_vmemmap_pages;
  if (!mem.zone) {
    r.reason = "memory block spans several zones or nodes";
    return -EINVAL;
  }
  const PfnRange vmemmap = memory_block_vmemmap_range(start, nr_vmemmap);
  const PfnRange online = memory_block_online_range(start, nr_pages, nr_vmemmap);
  const long nr_vmemmap_delta = static_cast<long>(vmemmap.size());
  // Whether the zone was flagged contiguous before this offline: the vmemmap's
  // removal then need not walk the zone again (set_zone_contiguous()).
  const bool was_contiguous = s.zone(mem.nid, *mem.zone).contiguous;
  // Unaccount before offlining, so that the zone and node can be torn down.
  if (nr_vmemmap) adjust_present_page_count(s, vmemmap.start, mem.group, -nr_vmemmap_delta);
  if (int err = offline_pages(s, r, online.start, online.size(), mem.nid, *mem.zone, mem.group)) {
    if (nr_vmemmap) adjust_present_page_count(s, vmemmap.start, mem.group, nr_vmemmap_delta);
    return err;
  }
  if (nr_vmemmap) mhp_deinit_memmap_on_memory(s, r, vmemmap.start, vmemmap.size(), was_contiguous);
  mem = memory_block(s, id);
  if (!injected(s, "offline_keeps_block_zone")) mem.zone.reset();
  set_memory_block(s, id, mem);
  return 0;
}

/* drivers/base/memory.c: memory_block_change_state() */
int memory_block_change_state(System& s, Result& r, u64 id, BlockState to, BlockState from) {
  MemoryBlock mem = memory_block(s, id);
  if (mem.state != from) return -EINVAL;
  if (to == BlockState::Offline) {
    mem.state = BlockState::GoingOffline;
    set_memory_block(s, id, mem);
  }
  const int ret = to == BlockState::Online ? memory_block_online(s, r, id)
                                           : memory_block_offline(s, r, id);
  mem = memory_block(s, id);
  mem.state = ret ? from : to;
  if (injected(s, "failed_offline_stays_going_offline") && ret && to == BlockState::Offline)
    mem.state = BlockState::GoingOffline;
  set_memory_block(s, id, mem);
  return ret;
}

/* drivers/base/memory.c: memory_subsys_online() */
int memory_subsys_online(System& s, Result& r, u64 id) {
  MemoryBlock mem = memory_block(s, id);
  if (mem.state == BlockState::Online) return 0;
  // device_online() without a configured online_type means MMOP_ONLINE.
  if (mem.online_type == OnlineType::Offline) {
    mem.online_type = OnlineType::Online;
    set_memory_block(s, id, mem);
  }
  const int ret = memory_block_change_state(s, r, id, BlockState::Online, BlockState::Offline);
  if (injected(s, "failed_online_keeps_type") && ret < 0) return ret;
  mem = memory_block(s, id);
  mem.online_type = OnlineType::Offline;
  set_memory_block(s, id, mem);
  return ret;
}

/* drivers/base/memory.c: memory_subsys_offline() */
int memory_subsys_offline(System& s, Result& r, u64 id) {
  if (memory_block(s, id).state == BlockState::Offline) return 0;
  return memory_block_change_state(s, r, id, BlockState::Offline, BlockState::Online);
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

}  // namespace

/* drivers/base/core.c: device_online() for a memory block */
int device_online(System& s, Result& r, u64 id) {
  // dev->offline mirrors mem->state == MEM_OFFLINE for memory blocks.
  if (memory_block(s, id).state != BlockState::Offline) return 1;
  return memory_subsys_online(s, r, id);
}

/* drivers/base/core.c: device_offline() for a memory block */
int device_offline(System& s, Result& r, u64 id) {
  if (memory_block(s, id).state == BlockState::Offline) return 1;
  return memory_subsys_offline(s, r, id);
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

}  // namespace memhp::k

namespace memhp {

namespace {

/* drivers/base/memory.c: state_store() */
Result state_store(System& s, u64 block_id, OnlineType type) {
  Result r;
  const MemoryBlock mem = k::memory_block(s, block_id);
  if (!mem.present) return Result::error(-ENOENT, "no memory block " + std::to_string(block_id));
  int ret;
  if (type == OnlineType::Offline) {
    ret = k::device_offline(s, r, block_id);
  } else {
    MemoryBlock m = mem;
    m.online_type = type;  // protected by device_hotplug_lock
    k::set_memory_block(s, block_id, m);
    ret = k::device_online(s, r, block_id);
    if (ret > 0 && mem.online_type != type) {
      r.partial = Partial::OnlineTypeKept;
      r.reason = "already online; mem->online_type keeps '" +
                 std::string(online_type_name(type)) + "'";
    }
  }
  if (ret > 0) {
    ret = -EINVAL;
    if (r.reason.empty()) r.reason = "memory block is already " +
                                     std::string(type == OnlineType::Offline ? "offline" : "online");
  }
  r.err = ret;
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
