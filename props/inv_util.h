// Helpers shared by the invariant files: page classes, a census of the page
// map, and message formatting. Everything here reads a System; nothing
// changes one.
#pragma once

#include <array>
#include <string>

#include "memhp/invariants.h"

namespace memhp::inv {

// Pages a zone counts as present: everything onlining initialised, the
// self-hosted vmemmap included, holes not.
inline bool counted(PageKind k) {
  return k == PageKind::Free || k == PageKind::Movable || k == PageKind::Unmovable ||
         k == PageKind::Memmap || k == PageKind::Vmemmap;
}
// Pages handed to the buddy allocator (managed_pages), free or allocated.
inline bool in_buddy(PageKind k) {
  return k == PageKind::Free || k == PageKind::Movable || k == PageKind::Unmovable ||
         k == PageKind::Memmap;
}

// Per (node, zone) page counts, from one pass over the page map.
struct ZoneCensus {
  u64 counted = 0;        // present-worthy pages with this zone
  u64 buddy = 0;          // of which handed to the buddy allocator
  u64 counted_early = 0;  // counted pages in early sections
  u64 vmemmap = 0;
  u64 lo = ~u64{0}, hi = 0;  // hull [lo, hi) of counted pages
};
struct Census {
  std::array<std::array<ZoneCensus, kNrZones>, kMaxNodes> zones{};
  u64 memmap_pages = 0;  // PageKind::Memmap
  u64 movable_pages = 0, unmovable_pages = 0;
  const ZoneCensus& at(int nid, Zone z) const { return zones[static_cast<std::size_t>(nid)][zone_idx(z)]; }
};
Census take_census(const System& s);
struct AllocatedPages {
  u64 movable = 0, unmovable = 0;
};
// take_census(v.after), computed once per step.
const Census& census_after(const StateView& v);

// Allocated pages {movable, unmovable}, in one walk over the page runs.
AllocatedPages allocated_pages(const System& s);

std::string zone_label(int nid, Zone z);                  // "0:Movable"
std::string pfn_range(u64 lo, u64 hi);                    // "pfn 0x100000-0x107fff"
std::string pages_desc(const System& s, u64 lo, u64 hi);  // kinds found in [lo, hi)

inline std::string sec(u64 nr) { return "section " + std::to_string(nr); }

// Calls f(a, b, state) for each run [a, b) of sections with one state;
// stops at the first message f returns.
template <class F>
std::optional<std::string> first_section(const System& s, F&& f) {
  std::optional<std::string> out;
  s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    if (!out) out = f(a, b, ms);
  });
  return out;
}

// The block invariants walk runs of present blocks that share one state,
// never one block at a time: a 63 TiB boot is 500k blocks but a handful of
// runs, and a check that costs what the runs cost keeps every step of such a
// machine as cheap as a 1 GiB one. f(x, y, block) sees blocks [x, y).
template <class F>
void for_each_block_run(const System& s, F&& f) {
  s.blocks.for_each(0, RunMap<MemoryBlock>::kEnd, [&](u64 a, u64 b, const MemoryBlock& m) {
    if (m.present) f(a, b, m);
  });
}
// The first message f(x, y, block) returns, over the runs of present blocks.
template <class F>
std::optional<std::string> first_block_run(const System& s, F&& f) {
  std::optional<std::string> out;
  s.blocks.for_each_while(0, RunMap<MemoryBlock>::kEnd, [&](u64 a, u64 b, const MemoryBlock& m) {
    if (m.present) out = f(a, b, m);
    return !out;
  });
  return out;
}
// Whether pred(x, y, block) holds for some run of present blocks.
template <class P>
bool any_block_run(const System& s, P&& pred) {
  bool any = false;
  s.blocks.for_each_while(0, RunMap<MemoryBlock>::kEnd, [&](u64 a, u64 b, const MemoryBlock& m) {
    any = m.present && pred(a, b, m);
    return !any;
  });
  return any;
}

inline std::string blk(u64 id) { return "memory block " + std::to_string(id); }

// Is the op of this step of type T?
template <class T>
const T* op_as(const StepView& v) {
  return v.op ? std::get_if<T>(v.op) : nullptr;
}
inline bool step_ok(const StepView& v) { return v.result && v.result->ok(); }
inline bool step_failed(const StepView& v) { return v.result && !v.result->ok(); }

// Whether a block is hot-added memory rather than boot memory: its first
// section is not early.
inline bool hot_added(const System& s, u64 id) {
  return !s.section_of(s.geo.block_start(id)).early;
}
// The first hot-added block of [x, y), found over section runs.
std::optional<u64> first_hot_added(const System& s, u64 x, u64 y);

// pfn walkers (inv_walkers.cpp, inv_compaction.cpp).
// Whether every pfn of [lo, hi) is in a present, online section with its
// subsection populated: what makes a struct page safe to hand out.
bool online_and_populated(const System& s, u64 lo, u64 hi);
// What a walker was handed, run by run, against the state it walked: a
// handed struct page is online, populated, initialised, not ZONE_DEVICE and
// what the page holds; a NULL run of the /proc/kpageflags reader hides no
// online RAM (a scanner's, `zone` set, may skip a pageblock).
std::optional<std::string> judge_walk(const System& s, const std::vector<WalkedRun>& runs);
// Whether the runs cover [lo, hi) exactly, in order, without gaps.
bool covers(const std::vector<WalkedRun>& runs, u64 lo, u64 hi);

// Witnesses several files share.
bool witness_hot_added_online(const StepView& v);  // an online hot-added block
bool witness_vmemmap_online(const StepView& v);    // an online block with self-hosted vmemmap

// A section __add_pages() left behind when it failed part-way (inv_blocks.cpp).
bool leaked_by_failed_add(const System& s, u64 nr);
// Whether every section of [a, b), a run of equal sections, is such a
// leftover, decided for the whole run at once; false means "ask
// leaked_by_failed_add() section by section", not "none is".
bool leaked_run(const System& s, u64 a, u64 b);
// How many sections of the run [a, b) of equal sections a failed hot-add
// left behind. A run of equal sections can hold leaked ones next to a live
// pgmap's or a block's (same flags, same altmap memmap), so the run is cut
// where blocks, pgmaps and resources change and each piece judged whole.
u64 leaked_sections(const System& s, u64 a, u64 b);

// Whether every populated subsection of section `nr` belongs to a pgmap:
// ZONE_DEVICE memory gets sections but no memory blocks, and is never online.
bool device_only_section(const System& s, u64 nr);

}  // namespace memhp::inv
