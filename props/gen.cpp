#include "gen.h"

#include <algorithm>

#include <rapidcheck/detail/FrequencyMap.h>

#include "replay.h"

namespace memhp {

namespace {

constexpr u64 GiB = u64{1} << 30;
constexpr u64 MiB = u64{1} << 20;

template <class T>
T pick(const std::vector<T>& v) {
  return v[static_cast<std::size_t>(*rc::gen::inRange<std::size_t>(0, v.size()))];
}

bool chance(int percent) { return *rc::gen::inRange(0, 100) < percent; }

// rc::gen::weightedElement() that shrinks to the first choice, the
// kernel's default: a counterexample then keeps a non-default profile value
// only when it needs it. It draws the same values from the same random
// numbers as weightedElement(), so seeds keep their cases.
template <class T>
rc::Gen<T> weighted_to_default(std::vector<std::pair<std::size_t, T>> choices) {
  std::vector<std::size_t> weights;
  for (const auto& c : choices) weights.push_back(c.first);
  const rc::detail::FrequencyMap map(weights);
  return rc::Gen<T>([choices, map](const rc::Random& random, int) {
    const T value = choices[map.lookup(rc::Random(random).next() % map.sum())].second;
    const T dflt = choices.front().second;
    return rc::shrinkable::shrinkRecur(value, [dflt](const T& v) {
      return v == dflt ? rc::Seq<T>() : rc::seq::just(dflt);
    });
  });
}

// ------------------------------------------------------------ configs --

std::vector<BootRange> qemu_1g(int nid) {
  return {{nid, 0x1000, 0x9fc00 - 0x1000}, {nid, 0x100000, 0x3ffe0000 - 0x100000}};
}

SuiteConfig x86_config() {
  SuiteConfig c;
  c.geo = *geometry_preset("x86_64");
  // Boot RAM of a power of two of pages (besides the QEMU guest's), so that
  // the auto-movable ratios gen_profile() picks put the limit on a block
  // boundary DIMMs can reach exactly, with a hole at the top of section 0
  // as the device suite has (boot memmap of a hole, INV-5a).
  auto with_hole = [](int nid, u64 ram) -> std::vector<BootRange> {
    return {{nid, 0, 96 * MiB}, {nid, 128 * MiB, ram - 96 * MiB}};
  };
  switch (*rc::gen::inRange(0, 5)) {
    case 0: c.boot = {{0, 0, 2 * GiB}}; break;
    case 1:  // two nodes with boot memory
      if (chance(50)) {
        c.boot = with_hole(0, 1 * GiB);
        c.boot.push_back({1, 2 * GiB, 1 * GiB});
      } else {
        // Back to back, as QEMU's -numa splits its RAM: the boundary on a
        // 64 MiB step, so sometimes inside a memory block (which then
        // belongs to both nodes and to no single zone).
        const u64 split = static_cast<u64>(*rc::gen::inRange(4, 13)) * 64 * MiB;
        c.boot = with_hole(0, split);
        c.boot.push_back({1, split + 32 * MiB, 1 * GiB - split});
      }
      break;
    default:
      // The QEMU guest, or a small machine. (A uniform pick:
      // rc::gen::inRange() and chance() scale with the case's size.)
      c.boot = qemu_1g(0);
      if (const u64 mib = *rc::gen::weightedElement<u64>({{2, 0}, {1, 256}, {1, 512}}))
        c.boot = with_hole(0, mib * MiB);
      break;
  }
  c.hot_base = 4 * GiB;
  return c;
}

SuiteConfig preset_config(const std::string& name) {
  SuiteConfig c;
  c.geo = *geometry_preset(name);
  const u64 base = c.geo.arch == Arch::Arm64 ? 0x40000000 : 0;
  c.boot = {{0, base, *rc::gen::element<u64>(512 * MiB, 1 * GiB, 2 * GiB)}};
  c.hot_base = 4 * GiB;
  return c;
}

Profile gen_profile(int boot_nodes) {
  Profile p;
  p.memmap_on_memory = chance(50);
  p.memhp_default_state = *weighted_to_default<OnlineType>(
      {{11, OnlineType::Offline}, {3, OnlineType::Online}, {3, OnlineType::OnlineKernel},
       {3, OnlineType::OnlineMovable}});
  p.online_policy = chance(35) ? OnlinePolicy::AutoMovable : OnlinePolicy::ContigZones;
  // movable_node only steers contig-zones (default_zone_for_pfn()).
  p.movable_node = chance(p.online_policy == OnlinePolicy::ContigZones ? 50 : 10);
  // The module default (301), no MOVABLE at all (0), and ratios that make
  // the limit ratio * boot pages / 100 a whole number of blocks on the
  // power-of-two boot sizes of the configs (25: a quarter of boot memory).
  p.auto_movable_ratio = *weighted_to_default<unsigned>(
      {{1, 301}, {1, 0}, {6, 25}, {6, 50}, {2, 100}, {1, 150}, {1, 400}});
  p.auto_movable_numa_aware = !chance(20);
  // A second, memory-less node that hot-added memory can bring online.
  p.possible_nodes = std::max(boot_nodes, chance(50) ? 2 : 1);
  return p;
}

// ------------------------------------------------------------- state --

bool any(const BlockInfo&) { return true; }
bool is_online(const BlockInfo& b) { return b.m.state == BlockState::Online; }
bool is_offline(const BlockInfo& b) { return b.m.state == BlockState::Offline; }
bool online_hot(const BlockInfo& b) { return is_online(b) && b.hot; }
bool offline_hot(const BlockInfo& b) { return is_offline(b) && b.hot; }
bool offline_boot(const BlockInfo& b) { return is_offline(b) && !b.hot; }
bool online_with_zone(const BlockInfo& b) { return is_online(b) && b.m.zone.has_value(); }
bool boot_with_zone(const BlockInfo& b) { return !b.hot && b.m.zone.has_value(); }

std::vector<BlockInfo> blocks_where(const GenContext& c, bool (*pred)(const BlockInfo&)) {
  std::vector<BlockInfo> out;
  for (const BlockInfo& b : c.blocks)
    if (pred(b)) out.push_back(b);
  return out;
}

int gen_node(const GenContext& c) {
  const int possible = c.prof.possible_nodes ? c.prof.possible_nodes : 1;
  if (chance(4)) return 3;  // not possible: -EINVAL
  return possible > 1 && chance(30) ? 1 : 0;
}

// ---------------------------------------------------------------- ops --

struct Range {
  u64 start, size;
};

// Where to add memory: hot-pluggable slots and their neighbours mostly;
// removed boot memory, boot RAM (overlap) and malformed ranges sometimes.
Range gen_add_range(const GenContext& s, const SuiteConfig& cfg) {
  const u64 block = s.geo.block_bytes;
  const std::vector<u64>& reboot = s.removed_boot;
  const int kind = *weighted_to_default<int>({{70, 0}, {reboot.empty() ? 0 : 30, 1}, {4, 2}, {6, 3}});
  Range r{cfg.hot_base + static_cast<u64>(*rc::gen::inRange(0, cfg.hot_slots)) * block, block};
  if (kind == 1) r.start = pick(reboot);
  if (kind == 2) r.start = s.geo.block_start(1).v << s.geo.page_shift;  // boot RAM: -EEXIST
  if (kind == 3) {  // malformed: misaligned start or size, empty, beyond MAX_PHYSMEM_BITS
    switch (*rc::gen::inRange(0, 4)) {
      case 0: r.start += 2 * MiB; break;
      case 1: r.size += 2 * MiB; break;
      case 2: r.size = 0; break;
      default: r.start = u64{1} << s.geo.max_physmem_bits; break;
    }
  } else if (chance(25)) {
    r.size = 2 * block;
  }
  return r;
}

// add_memory() (no name), or add_memory_driver_managed() with the names
// dax/kmem and virtio-mem pass, and now and then a name a buggy driver
// might, which 6.1 refuses with -EINVAL.
std::optional<std::string> gen_resource_name() {
  // A weighted element, not chance(): rc::gen::inRange() shrinks its range with
  // RapidCheck's size, so chance(n) is not n% (it is near 100% for small
  // sizes) and a rare branch behind it may never run in a command sequence.
  static const std::vector<std::pair<std::size_t, std::optional<std::string>>> kNames = {
      {75, std::nullopt},
      {8, "System RAM (kmem)"},
      {7, "System RAM (virtio_mem)"},
      // Wrong at the start, at the end, at both; and the odd ones 6.1 takes.
      {2, "system ram (kmem)"},
      {2, "System RAM (kmem"},
      {1, "kmem"},
      {1, "System RAM"},
      {2, "System RAM ()"},
      {2, "System RAM (a) (b)"},
  };
  return *weighted_to_default(kNames);
}

// A DIMM the way QEMU presents one: block-sized, in hot-pluggable space that
// no driver has claimed (a DIMM over memory some driver added with
// add_memory() would be bound with -EEXIST and ejecting it would remove the
// driver's memory: no platform does that).
std::optional<Op> gen_dimm(const GenContext& s, const SuiteConfig& cfg, int nid) {
  const u64 block = s.geo.block_bytes;
  // Large DIMMs too: auto-movable judges a DIMM's memory group as a whole.
  const u64 size = *rc::gen::weightedElement<u64>({{60, 1}, {20, 2}, {12, 4}, {8, 8}}) * block;
  const u64 start = cfg.hot_base + static_cast<u64>(*rc::gen::inRange(0, cfg.hot_slots)) * block;
  for (const auto& [a, e] : s.iomem)
    if (a < start + size && start < e && !std::count(s.dimms.begin(), s.dimms.end(), a)) return std::nullopt;
  return OpDimmAdd{nid, start, size};
}

std::optional<Op> gen_add(const GenContext& s, const SuiteConfig& cfg) {
  const int nid = gen_node(s);
  if (chance(40)) return gen_dimm(s, cfg, nid);
  const Range r = gen_add_range(s, cfg);
  unsigned flags = MHP_NONE;
  if (chance(50)) flags |= MHP_MEMMAP_ON_MEMORY;
  if (chance(20)) flags |= MHP_MERGE_RESOURCE;
  return OpAddMemory{nid, r.start, r.size, flags, gen_resource_name()};
}

OnlineType gen_online_type() {
  // Mostly a plain online, whose zone the policy chooses.
  return *rc::gen::weightedElement<OnlineType>(
      {{3, OnlineType::Online}, {1, OnlineType::OnlineKernel}, {1, OnlineType::OnlineMovable}});
}

std::optional<Op> gen_online(const GenContext& s) {
  auto offline = blocks_where(s, is_offline);
  auto all = blocks_where(s, any);
  if (all.empty()) return std::nullopt;
  const BlockInfo b = !offline.empty() && chance(85) ? pick(offline) : pick(all);
  // Now and then the raw sysfs write: memoryN/online, or memoryN/state with
  // a string the kernel may refuse.
  if (chance(10))
    return chance(50) ? OpSysfsWrite{b.id, BlockAttr::Online, *rc::gen::element<std::string>("1", "y", "on", "yes", "2")}
                      : OpSysfsWrite{b.id, BlockAttr::State,
                                     *rc::gen::element<std::string>("online", "online_kernel", "online_movable",
                                                                    "onlin", "Online")};
  return OpOnlineBlock{chance(3) ? b.id + 1000 : b.id, gen_online_type()};
}

std::optional<Op> gen_offline(const GenContext& s) {
  auto hot = blocks_where(s, online_hot);
  auto online = blocks_where(s, is_online);
  auto all = blocks_where(s, any);
  if (all.empty()) return std::nullopt;
  const int kind = *rc::gen::weightedElement<int>(
      {{hot.empty() ? 0 : 65, 0}, {online.empty() ? 0 : 25, 1}, {10, 2}});
  const BlockInfo b = kind == 0 ? pick(hot) : kind == 1 ? pick(online) : pick(all);
  if (chance(10))
    return chance(50) ? OpSysfsWrite{b.id, BlockAttr::Online, *rc::gen::element<std::string>("0", "n", "off", "x")}
                      : OpSysfsWrite{b.id, BlockAttr::State, *rc::gen::element<std::string>("offline", "offlin")};
  return OpOfflineBlock{b.id};
}

std::optional<Op> gen_remove(const GenContext& s) {
  auto hot = blocks_where(s, offline_hot);
  auto off = blocks_where(s, offline_boot);
  auto all = blocks_where(s, any);
  if (all.empty()) return std::nullopt;
  const int kind = *rc::gen::weightedElement<int>(
      {{hot.empty() ? 0 : 60, 0}, {off.empty() ? 0 : 30, 1}, {10, 2}});
  const BlockInfo b = kind == 0 ? pick(hot) : kind == 1 ? pick(off) : pick(all);
  const u64 blocks = chance(20) ? 2 : 1;
  // Sometimes from the absent block before an offline hot one:
  // __remove_pages() must walk past the sections it never had.
  std::vector<u64> after_gap;
  for (const BlockInfo& h : hot)
    if (h.id > 0 && std::none_of(all.begin(), all.end(), [&](const BlockInfo& x) { return x.id + 1 == h.id; }))
      after_gap.push_back(h.id);
  if (!after_gap.empty() && *rc::gen::weightedElement<int>({{2, 0}, {1, 1}}))
    return OpRemoveMemory{s.geo.phys_of(s.geo.block_start(pick(after_gap) - 1)), 2 * s.geo.block_bytes};
  return OpRemoveMemory{s.geo.phys_of(s.geo.block_start(b.id)), blocks * s.geo.block_bytes};
}

// Allocations aimed at blocks: fill them up, put unmovable pages where
// offlining will trip on them, or ask for more than there is.
std::optional<Op> gen_alloc(const GenContext& s, bool free) {
  OpAlloc a;
  a.free = free;
  a.nid = gen_node(s) == 1 ? 1 : 0;
  a.kind = chance(35) ? AllocKind::Unmovable : AllocKind::Movable;
  auto online = blocks_where(s, online_with_zone);
  if (!online.empty() && chance(75)) {
    const BlockInfo b = pick(online);
    a.block = b.id;
    a.nid = b.m.nid;
    if (*b.m.zone == Zone::Movable) a.kind = AllocKind::Movable;
    a.zone = a.kind == AllocKind::Movable ? Zone::Movable : *b.m.zone;
    const u64 avail = !free ? b.free_pages
                      : a.kind == AllocKind::Movable ? b.movable_pages : b.unmovable_pages;
    a.count = chance(25) && avail ? avail : static_cast<u64>(*rc::gen::inRange(1, 65));
  } else {
    a.zone = a.kind == AllocKind::Movable ? *rc::gen::element(Zone::Movable, Zone::Normal)
                                          : *rc::gen::element(Zone::Normal, Zone::DMA32);
    a.count = chance(10) ? u64{1} << 40 : static_cast<u64>(*rc::gen::inRange(1, 4097));
  }
  return a;
}

// The pfn walkers: a node's compaction (sometimes a node without a sysfs
// directory: -ENOENT), or a /proc/kpageflags read of a block, of the whole
// machine or of a range that runs past the end of the pfn space.
Op gen_walk(const GenContext& s) {
  if (chance(60)) return OpCompactNode{chance(5) ? 5 : gen_node(s) == 1 ? 1 : 0};
  auto all = blocks_where(s, any);
  const int kind = *rc::gen::weightedElement<int>({{all.empty() ? 0 : 60, 0}, {25, 1}, {15, 2}});
  if (kind == 0) return OpKpageflags{s.geo.block_start(pick(all).id).v, s.geo.block_pages() * (chance(20) ? 2 : 1)};
  if (kind == 1) return OpKpageflags{0, s.geo.max_pfn_limit()};
  return OpKpageflags{s.geo.max_pfn_limit() - static_cast<u64>(*rc::gen::inRange(0, 4096)),
                      static_cast<u64>(*rc::gen::inRange(1, 8192))};
}

// Something for compaction to move: movable pages in a lower block and a
// partly used pageblock in a higher block of the same zone, then compact.
std::optional<GenStep> gen_compaction(const GenContext& s) {
  auto online = blocks_where(s, online_with_zone);
  if (online.size() < 2) return std::nullopt;
  BlockInfo lo = pick(online), hi = pick(online);
  if (lo.id > hi.id) std::swap(lo, hi);
  if (lo.id == hi.id || lo.m.nid != hi.m.nid || lo.m.zone != hi.m.zone) return std::nullopt;
  auto alloc = [&](u64 block, u64 count) {
    return OpAlloc{false, lo.m.nid, Zone::Movable, count, AllocKind::Movable, block};
  };
  const u64 pb = s.geo.pageblock_pages();
  return GenStep{{alloc(lo.id, static_cast<u64>(*rc::gen::inRange<u64>(1, 2 * pb))),
                  alloc(hi.id, static_cast<u64>(*rc::gen::inRange<u64>(1, pb))), OpCompactNode{lo.m.nid}},
                 {}};
}

// Eject a DIMM: usually one that exists (its blocks may be online), sometimes
// an address with no device.
Op gen_dimm_remove(const GenContext& s, const SuiteConfig& cfg) {
  if (!s.dimms.empty() && chance(90)) return OpDimmRemove{pick(s.dimms)};
  return OpDimmRemove{cfg.hot_base + static_cast<u64>(*rc::gen::inRange(0, cfg.hot_slots)) * s.geo.block_bytes};
}

Op gen_notifier() {
  OpNotifier n;
  if (chance(40)) n.going_online = -EBUSY;
  if (chance(40)) n.going_offline = chance(50) ? -EBUSY : -EPERM;
  return n;
}

// offline_block then online_block back into the same zone.
std::optional<GenStep> gen_cycle(const GenContext& s) {
  auto online = blocks_where(s, online_with_zone);
  if (online.empty()) return std::nullopt;
  const BlockInfo b = pick(online);
  const OnlineType back = *b.m.zone == Zone::Movable ? OnlineType::OnlineMovable : OnlineType::OnlineKernel;
  return GenStep{{OpOfflineBlock{b.id}, OpOnlineBlock{b.id, back}},
                 "offline_online_restores_zone_counters"};
}

// add_memory, online, offline, remove of a slot nothing occupies.
std::optional<GenStep> gen_round_trip(const GenContext& s, const SuiteConfig& cfg) {
  const u64 block = s.geo.block_bytes;
  const u64 start = cfg.hot_base + static_cast<u64>(*rc::gen::inRange(0, cfg.hot_slots)) * block;
  const u64 id = s.geo.block_id(s.geo.pfn_of(start));
  for (const BlockInfo& b : s.blocks)
    if (b.id == id) return std::nullopt;
  for (const auto& [a, e] : s.iomem)
    if (a < start + block && start < e) return std::nullopt;
  const unsigned flags = chance(50) ? unsigned{MHP_MEMMAP_ON_MEMORY} : 0u;
  if (flags && !mhp_supports_memmap_on_memory(s.geo, s.prof, block).supported) return std::nullopt;
  return GenStep{{OpAddMemory{0, start, block, flags, std::nullopt}, OpOnlineBlock{id, gen_online_type()},
                  OpOfflineBlock{id}, OpRemoveMemory{start, block}},
                 "add_remove_round_trip"};
}

// Auto-movable at its limit: a DIMM on node 0 exactly as large as the
// MOVABLE room the ratio leaves (the boundary an off-by-one gets wrong), or
// one block larger (just past it), and sometimes a plain online of it. The
// room is a whole number of blocks on the power-of-two boot sizes and
// ratios gen_config() and gen_profile() pick.
bool ratio_limit_reachable(const GenContext& s) {
  const u64 block = s.geo.block_pages();
  return s.movable_room && *s.movable_room && *s.movable_room % block == 0 && *s.movable_room / block <= 8;
}

std::optional<GenStep> gen_ratio_limit(const GenContext& s, const SuiteConfig& cfg) {
  if (!ratio_limit_reachable(s)) return std::nullopt;
  const u64 blocks = *s.movable_room / s.geo.block_pages() + (chance(25) ? 1 : 0);
  const u64 size = blocks * s.geo.block_bytes;
  const u64 start = cfg.hot_base + static_cast<u64>(*rc::gen::inRange(0, cfg.hot_slots)) * s.geo.block_bytes;
  for (const auto& [a, e] : s.iomem)
    if (a < start + size && start < e) return std::nullopt;
  if (chance(50)) return GenStep{{OpDimmAdd{0, start, size}}, {}};  // its valid_zones at the limit
  const u64 first = s.geo.block_id(s.geo.pfn_of(start));
  return GenStep{{OpDimmAdd{0, start, size}, OpOnlineBlock{first, OnlineType::Online}}, {}};
}

// Movable pages put into an online block, then the block taken offline: the
// offline must migrate them (INV-37's premise), which random allocs and
// offlines reach too rarely on the large-block geometries.
std::optional<GenStep> gen_migrate(const GenContext& s) {
  auto online = blocks_where(s, online_with_zone);
  if (online.empty()) return std::nullopt;
  const BlockInfo b = pick(online);
  OpAlloc a;
  a.nid = b.m.nid;
  a.kind = AllocKind::Movable;
  a.zone = Zone::Movable;  // the top of the zonelist, as gen_alloc() asks for movable pages
  a.block = b.id;
  a.count = static_cast<u64>(*rc::gen::inRange(1, 65));
  return GenStep{{a, OpOfflineBlock{b.id}}, {}};
}

// The kernel zones all but exhausted, then a hot-add of two to four blocks
// without memmap_on_memory: its memmap comes from the page allocator, so it
// may run out part-way, the __add_pages() path that leaks the sections it
// already added (residue add_pages_keeps_added_sections); then the pages are
// given back. What is left over is drawn around what the hot-add needs.
// Not in the device suite: memremap_pages() can run out the same way, and
// what its __add_pages() then leaks (subsections of a section a live pgmap
// shares) is beyond the residue catalogue so far (NOTES.md section 18).
std::optional<GenStep> gen_starved_add(const GenContext& s, const SuiteConfig& cfg) {
  u64 kernel_free = 0;
  for (const BlockInfo& b : s.blocks)
    if (is_online(b) && b.m.zone != Zone::Movable) kernel_free += b.free_pages;
  const u64 blocks = static_cast<u64>(*rc::gen::inRange(2, 5));
  const u64 size = blocks * s.geo.block_bytes;
  const u64 start = cfg.hot_base + static_cast<u64>(*rc::gen::inRange(0, cfg.hot_slots)) * s.geo.block_bytes;
  for (const auto& [a, e] : s.iomem)
    if (a < start + size && start < e) return std::nullopt;
  // Mostly less than the whole memmap and more than one section's: the
  // add fails part-way; sometimes enough: it succeeds under pressure.
  const u64 need = s.geo.memmap_pages(blocks * s.geo.block_pages());
  const u64 section = s.geo.memmap_pages(s.geo.pages_per_section());
  const u64 left = chance(80) ? static_cast<u64>(*rc::gen::inRange<u64>(section, need))
                              : static_cast<u64>(*rc::gen::inRange<u64>(0, need + section + 1));
  if (kernel_free <= left) return std::nullopt;
  OpAlloc take;
  take.nid = 0;
  take.kind = AllocKind::Unmovable;
  take.zone = Zone::Normal;
  take.count = kernel_free - left;
  OpAlloc give = take;
  give.free = true;
  return GenStep{{take, OpAddMemory{0, start, size, 0, std::nullopt}, give}, {}};
}

// Boot memory taken away and hot-added again: the section keeps its boot
// usage but is no longer early (docs/kernel-reference.md INV-5b, INV-6).
std::optional<GenStep> gen_readd_boot(const GenContext& s) {
  auto boot = blocks_where(s, boot_with_zone);
  if (boot.empty()) return std::nullopt;
  const BlockInfo b = pick(boot);
  const u64 start = s.geo.phys_of(s.geo.block_start(b.id));
  const unsigned flags = chance(50) ? unsigned{MHP_MEMMAP_ON_MEMORY} : 0u;
  return GenStep{{OpOfflineBlock{b.id}, OpRemoveMemory{start, s.geo.block_bytes},
                  OpAddMemory{b.m.nid, start, s.geo.block_bytes, flags, std::nullopt}},
                 {}};
}

// ------------------------------------------------------- ZONE_DEVICE --

int unused_pgmap_id(const GenContext& s) {
  int id = 0;
  for (const auto& [used, ranges] : s.pgmaps)
    if (used == id) ++id;
  return chance(3) && !s.pgmaps.empty() ? s.pgmaps.front().first : id;  // in use: -EEXIST
}

// One range: 2 MiB-granular in the device window mostly, a whole aligned
// section sometimes (the only shape whose memmap an altmap hosts on x86:
// PMD-mapped); beside an existing pgmap, so that two pgmaps share a section
// and removing one depopulates part of it (INV-7); in the early section's
// hole; over an existing pgmap's start (its claim: -EBUSY); over boot or
// hot-added RAM (-EBUSY); misaligned.
std::pair<u64, u64> gen_device_range(const GenContext& s, const SuiteConfig& cfg, unsigned shift) {
  const u64 sub = s.geo.pages_per_subsection() << s.geo.page_shift;
  const u64 section = s.geo.pages_per_section() << s.geo.page_shift;
  const u64 compound = std::max(sub, s.geo.page_size() << shift);
  const u64 window = cfg.hot_base - cfg.device_base;
  const bool some = !s.pgmaps.empty();
  const int kind = *rc::gen::weightedElement<int>(
      {{60, 0}, {shift <= 7 ? 10 : 0, 1}, {some ? 8 : 0, 2}, {6, 3}, {3, 4}, {some ? 20 : 0, 5}});
  u64 start = cfg.device_base + static_cast<u64>(*rc::gen::inRange<u64>(0, window / compound)) * compound;
  u64 size = compound * static_cast<u64>(*rc::gen::inRange(1, compound == sub ? 9 : 2));
  if (compound == sub && chance(25)) {
    size = section;
    start = align_down(start, section);
  }
  if (kind == 1) {  // the hole the boot layout leaves in section 0
    start = 96 * MiB + static_cast<u64>(*rc::gen::inRange(0, 16)) * sub;
    size = sub * static_cast<u64>(*rc::gen::inRange(1, 3));
  }
  if (kind == 2) start = pick(pick(s.pgmaps).second).first;
  if (kind == 5) {  // right after or right before an existing range
    const auto [at, len] = pick(pick(s.pgmaps).second);
    size = std::min(size, section);
    const u64 by = chance(50) || at < size ? align_up(at + len, compound) : align_down(at - size, compound);
    // Below the device window lies the early section's hole: kind 1 goes
    // there with small compound pages only, and so does this (a choice of
    // the generator from when the model had B20e; Debian's 6.1.192 has the
    // fix, NOTES.md section 5).
    if (shift <= 7 || by >= cfg.device_base) start = by;
  }
  if (kind == 3) start = chance(50) ? 1 * GiB - sub : cfg.hot_base;
  if (kind == 4) start += s.geo.page_size();
  start = std::min(start, cfg.hot_base + cfg.hot_slots * s.geo.block_bytes);
  return {start, size};
}

std::optional<Op> gen_memremap(const GenContext& s, const SuiteConfig& cfg) {
  OpMemremap op;
  MemremapRequest& q = op.req;
  q.id = unused_pgmap_id(s);
  q.type = *rc::gen::element(PgmapType::FsDax, PgmapType::Generic, PgmapType::Private);
  // Node 3 is impossible, node 1 possible but online only once RAM was
  // added to it: memremap_pages() wants an online node.
  q.nid = *rc::gen::weightedElement<int>({{90, 0}, {5, 1}, {5, 3}});
  q.vmemmap_shift = *rc::gen::weightedElement<unsigned>({{10, 0}, {6, 9}, {2, 18}});
  q.ranges.push_back(gen_device_range(s, cfg, q.vmemmap_shift));
  if (chance(20)) q.ranges.push_back(gen_device_range(s, cfg, q.vmemmap_shift));
  if (chance(30)) {
    // The memmap of range 0 (one struct page per page), sometimes too small.
    const u64 pages = q.ranges[0].second >> s.geo.page_shift;
    const u64 memmap = s.geo.memmap_pages(pages);
    const u64 reserve = chance(50) ? 0 : 16;
    u64 free = chance(85) ? std::min(pages - std::min(pages, reserve), memmap * 2) : memmap / 2;
    // Sometimes exactly the memmap: filled to the last page (a uniform pick,
    // as chance() favours its first branch in small cases).
    if (*rc::gen::weightedElement<int>({{3, 0}, {1, 1}})) free = memmap;
    q.altmap = {reserve, free};
  }
  return op;
}

Op gen_memunmap(const GenContext& s) {
  if (!s.pgmaps.empty() && chance(92)) return OpMemunmap{pick(s.pgmaps).first};
  return OpMemunmap{static_cast<int>(s.pgmaps.size()) + 7};  // no such pgmap: -ENOENT
}

// memremap_pages then memunmap_pages of the same pgmap.
std::optional<GenStep> gen_device_round_trip(const GenContext& s, const SuiteConfig& cfg) {
  auto op = gen_memremap(s, cfg);
  if (!op) return std::nullopt;
  const int id = std::get<OpMemremap>(*op).req.id;
  for (const auto& [used, ranges] : s.pgmaps)
    if (used == id) return std::nullopt;
  return GenStep{{*op, OpMemunmap{id}}, "memremap_unmap_restores_sections"};
}

// A subsection right beside an existing pgmap's range, in the section they
// then share, mapped and unmapped again: the section loses subsections but
// keeps the other pgmap's, the premise of INV-4 and INV-7 that random
// memunmap_pages reach too rarely.
std::optional<GenStep> gen_device_neighbour(const GenContext& s) {
  if (s.pgmaps.empty()) return std::nullopt;
  const u64 sub = s.geo.pages_per_subsection() << s.geo.page_shift;
  const u64 section = s.geo.pages_per_section() << s.geo.page_shift;
  const auto [at, len] = pick(pick(s.pgmaps).second);
  u64 start = align_up(at + len, sub);
  if (start % section == 0) {  // the range ends its section: try before it
    if (at % section == 0 || at < sub) return std::nullopt;
    start = align_down(at, sub) - sub;
  }
  int id = 0;
  for (const auto& [used, ranges] : s.pgmaps)
    if (used == id) ++id;
  OpMemremap op;
  op.req.id = id;
  op.req.type = *rc::gen::element(PgmapType::FsDax, PgmapType::Generic);
  op.req.ranges = {{start, sub}};
  return GenStep{{op, OpMemunmap{id}}, "memremap_unmap_restores_sections"};
}

}  // namespace

bool known_suite(const std::string& suite) {
  return suite == "ram" || suite == "x86" || suite == "quick" || suite == "device";
}

void follow_version(Profile& p, const KernelSpec& v) {
  p.follow(v);
  p.memmap_on_memory_force = p.memmap_on_memory && p.has(Delta::MomForceMode) && chance(30);
}

rc::Gen<SuiteConfig> gen_config(const std::string& suite) {
  return rc::gen::exec([suite] {
    SuiteConfig c;
    if (suite == "device") {
      // x86_64 (subsection hotplug needs SPARSEMEM_VMEMMAP's 2 MiB
      // subsections): boot RAM with a hole in section 0, a device window.
      c.geo = *geometry_preset("x86_64");
      c.boot = {{0, 0, 96 * MiB}, {0, 128 * MiB, 1 * GiB - 128 * MiB}};
      c.device_base = 2 * GiB;
      c.hot_base = 4 * GiB;
    } else if (suite == "quick") {
      c.geo = *geometry_preset("x86_64");
      c.boot = qemu_1g(0);
      c.hot_base = 4 * GiB;
    } else if (suite == "x86" || chance(50)) {
      c = x86_config();
    } else {
      c = preset_config(*rc::gen::element<std::string>("arm64-4k", "arm64-16k", "arm64-64k",
                                                        "ppc64-64k"));
    }
    int boot_nodes = 1;
    for (const BootRange& b : c.boot) boot_nodes = std::max(boot_nodes, b.nid + 1);
    c.prof = gen_profile(boot_nodes);
    c.hot_slots = 16;
    return c;
  });
}

// Whether System RAM that no DIMM owns lies in the range. Resources can be
// merged (MHP_MERGE_RESOURCE), so ownership is by address, not by resource.
bool dimm_over_driver_memory(const System& s, const OpDimmAdd& d) {
  for (const auto& [start, r] : s.iomem) {
    u64 a = std::max(r.start, d.start);
    const u64 b = std::min(r.end, d.start + d.size);
    for (const auto& [at, dev] : s.dimms)  // DIMMs are disjoint and sorted
      if (dev.start <= a && a < dev.start + dev.size) a = dev.start + dev.size;
    if (a < b) return true;
  }
  return false;
}

bool driver_op_on_dimm(const System& s, u64 start, u64 size) {
  for (const auto& [at, d] : s.dimms)
    if (at < start + size && start < d.start + d.size) return true;
  return false;
}

// Whether a device's claim (a resource that is not System RAM) lies in the
// range: remove_memory() there would tear down the sections under a live
// pgmap, and no driver removes memory it did not add.
bool op_on_device_memory(const System& s, u64 start, u64 size) {
  for (const auto& [at, r] : s.iomem)
    if (!r.system_ram && r.start < start + size && start < r.end) return true;
  return false;
}

bool step_allowed(const System& s, const GenStep& step) {
  for (const Op& op : step.ops) {
    if (const auto* d = std::get_if<OpDimmAdd>(&op); d && dimm_over_driver_memory(s, *d)) return false;
    if (const auto* a = std::get_if<OpAddMemory>(&op); a && driver_op_on_dimm(s, a->start, a->size))
      return false;
    if (const auto* r = std::get_if<OpRemoveMemory>(&op);
        r && (driver_op_on_dimm(s, r->start, r->size) || op_on_device_memory(s, r->start, r->size)))
      return false;
  }
  return true;
}

GenContext make_gen_context(const System& s) {
  GenContext c;
  c.geo = s.geo;
  c.prof = s.prof;
  s.blocks.for_each(0, RunMap<MemoryBlock>::kEnd, [&](u64 a, u64 b, const MemoryBlock& m) {
    if (!m.present) return;
    for (u64 id = a; id < b; ++id) {
      BlockInfo info{id, m, !s.section_of(s.geo.block_start(id)).early, 0, 0, 0};
      s.pages.for_each(s.geo.block_start(id).v, s.geo.block_start(id + 1).v,
                       [&](u64 x, u64 y, const PageState& p) {
                         if (p.kind == PageKind::Free) info.free_pages += y - x;
                         if (p.kind == PageKind::Movable) info.movable_pages += y - x;
                         if (p.kind == PageKind::Unmovable) info.unmovable_pages += y - x;
                       });
      c.blocks.push_back(info);
    }
  });
  // Boot memory that was removed: its boot usage stays behind.
  const u64 spb = s.geo.sections_per_block();
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    if (ms.usage != UsageOrigin::Boot || ms.present) return;
    for (u64 nr = align_up(a, spb); nr + spb <= b; nr += spb)
      c.removed_boot.push_back(s.geo.phys_of(s.geo.section_start(nr)));
  });
  if (s.prof.online_policy == OnlinePolicy::AutoMovable) {
    // auto_movable_can_online_movable()'s sums, over the online nodes or on node 0.
    auto room = [&](bool node0) -> std::optional<u64> {
      u64 kernel_early = 0, movable = 0;
      for (std::size_t n = 0; n < s.nodes.size(); ++n)
        for (Zone z : kAllZones) {
          const ZoneState& zs = s.nodes[n].zones[zone_idx(z)];
          if (!s.nodes[n].online || !zs.present_pages || (node0 && n != 0)) continue;
          if (z == Zone::Movable)
            movable += zs.present_pages;
          else
            kernel_early += zs.present_early_pages;
        }
      const u64 limit = u64{s.prof.auto_movable_ratio} * kernel_early / 100;
      if (!kernel_early || movable > limit) return std::nullopt;
      return limit - movable;
    };
    const auto all = room(false), node = room(true);
    if (all && (!s.prof.auto_movable_numa_aware || node))
      c.movable_room = s.prof.auto_movable_numa_aware ? std::min(*all, *node) : *all;
  }
  for (const auto& [k, r] : s.iomem) c.iomem.emplace_back(r.start, r.end);
  for (const auto& [start, d] : s.dimms) c.dimms.push_back(start);
  for (const auto& [id, p] : s.pgmaps) {
    std::vector<std::pair<u64, u64>> ranges;
    for (const PfnRange& r : p.ranges) ranges.emplace_back(s.geo.phys_of(r.start), s.geo.phys_of(r.end) - s.geo.phys_of(r.start));
    c.pgmaps.emplace_back(id, ranges);
  }
  return c;
}

namespace {
// The order of Kind and step_kinds() is one.
enum Kind { Add, Online, Offline, Remove, Eject, Alloc, Free, Notifier, Cycle, RoundTrip, ReaddBoot,
            Migrate, RatioLimit, StarvedAdd, Memremap, Memunmap, DeviceRoundTrip, DeviceNeighbour,
            Walk, Compaction, kKinds };
}  // namespace

const std::vector<StepKind>& step_kinds() {
  static const std::vector<StepKind> kinds = {
      {"add", false},         {"online", false},      {"offline", false},      {"remove", false},
      {"eject", true},        {"alloc", false},       {"free", false},         {"notifier", true},
      {"cycle", false},       {"round_trip", false},  {"readd_boot", false},   {"migrate", false},
      {"ratio_limit", false}, {"starved_add", false}, {"memremap", false},     {"memunmap", false},
      {"device_round_trip", false}, {"device_neighbour", false}, {"walk", true}, {"compaction", false}};
  return kinds;
}
static_assert(kKinds <= 32, "SuiteConfig::kinds_off has a bit per kind");

bool kinds_mask_usable(std::uint32_t kinds_off) {
  const std::vector<StepKind>& kinds = step_kinds();
  for (std::size_t k = 0; k < kinds.size(); ++k)
    if (kinds[k].always_yields && !(kinds_off >> k & 1)) return true;
  return false;
}

GenStep gen_step(const GenContext& s, const SuiteConfig& cfg) {
  const int dev = cfg.device_base ? 1 : 0;
  // A kind switched off by a swarm shard weighs 0. An unusable mask (every
  // kind that always yields off) could loop forever on a state where the
  // others find nothing: it is ignored.
  const std::uint32_t off = kinds_mask_usable(cfg.kinds_off) ? cfg.kinds_off : 0;
  const auto w = [off](Kind k, int weight) {
    return std::pair<std::size_t, Kind>{(off >> k & 1) ? 0 : static_cast<std::size_t>(weight), k};
  };
  while (true) {
    const Kind k = *rc::gen::weightedElement<Kind>({w(Add, 5), w(Online, 5), w(Offline, 5), w(Remove, 3),
                                                    w(Eject, 2), w(Alloc, 3), w(Free, 2), w(Notifier, 1),
                                                    w(Cycle, 2), w(RoundTrip, 1), w(ReaddBoot, 1),
                                                    w(Migrate, 1), w(RatioLimit, ratio_limit_reachable(s) ? 8 : 0),
                                                    w(StarvedAdd, 1 - dev),
                                                    w(Memremap, 6 * dev), w(Memunmap, 4 * dev),
                                                    w(DeviceRoundTrip, 2 * dev), w(DeviceNeighbour, 4 * dev),
                                                    w(Walk, 2), w(Compaction, 1)});
    std::optional<Op> op;
    switch (k) {
      case Add: op = gen_add(s, cfg); break;
      case Online: op = gen_online(s); break;
      case Offline: op = gen_offline(s); break;
      case Remove: op = gen_remove(s); break;
      case Eject: op = gen_dimm_remove(s, cfg); break;
      case Alloc: op = gen_alloc(s, false); break;
      case Free: op = gen_alloc(s, true); break;
      case Notifier: op = gen_notifier(); break;
      case Cycle:
        if (auto c = gen_cycle(s)) return *c;
        break;
      case RoundTrip:
        if (auto c = gen_round_trip(s, cfg)) return *c;
        break;
      case ReaddBoot:
        if (auto c = gen_readd_boot(s)) return *c;
        break;
      case Migrate:
        if (auto c = gen_migrate(s)) return *c;
        break;
      case RatioLimit:
        if (auto c = gen_ratio_limit(s, cfg)) return *c;
        break;
      case StarvedAdd:
        if (auto c = gen_starved_add(s, cfg)) return *c;
        break;
      case Memremap: op = gen_memremap(s, cfg); break;
      case Memunmap: op = gen_memunmap(s); break;
      case DeviceRoundTrip:
        if (auto c = gen_device_round_trip(s, cfg)) return *c;
        break;
      case DeviceNeighbour:
        if (auto c = gen_device_neighbour(s)) return *c;
        break;
      case Walk: op = gen_walk(s); break;
      case Compaction:
        if (auto c = gen_compaction(s)) return *c;
        break;
      case kKinds: break;  // not a kind: weightedElement() never draws it
    }
    if (op) return GenStep{{*op}, {}};
  }
}

}  // namespace memhp
