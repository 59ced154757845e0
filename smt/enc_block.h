// Z3 encoding of one memory block's life: add, online, offline, remove and
// their failures, as seen by one watched pfn and by the zone/node counters.
//
// The abstraction (the scope of thm_block.cpp and thm_chc.cpp):
// - a block is its first pfn `start`, its size `n` in pages, its phase
//   (absent / offline / online) and `p`, the nr_vmemmap_pages it recorded
//   when it was added (0 without memmap_on_memory);
// - the page map is seen through one watched pfn `x`, free in every proof:
//   its page class (absent, poisoned, self-hosted vmemmap, free in the buddy
//   allocator, allocated from it, other). A statement proved for a free x
//   holds for every pfn. Conditions that depend on other pages (is there
//   room to migrate, is a page unmovable, does the notifier veto) are not
//   tracked: every transition that can fail has a success and a failure
//   variant, both allowed whenever the block is in the right phase;
// - the counters are the present and managed pages of the zone the block is
//   (or will be) in, the rest of that zone, and the node's present pages as
//   that zone plus the node's other zones.
//
// Every transition is a function of the pre-state plus one free Bool
// `choice`, which resolves what the abstraction leaves open (which free page
// an allocation takes). tests/test_smt_block.cpp runs the C++ model and
// checks, step by step, that the model's post-state is the encoding's for
// some choice, on random sequences and on Z3-made corner cases.
#pragma once

#include <z3++.h>

#include <string>
#include <string_view>
#include <vector>

#include "memhp/geometry.h"
#include "memhp/mutants.h"
#include "memhp/ops.h"
#include "memhp/profile.h"
#include "memhp/system.h"

namespace memhp::smt {

// ------------------------------------------------------------ vocabulary --

// The page class of the watched pfn: PageKind folded to what the property
// needs. Free and Allocated are "in the buddy allocator's hands" (managed).
enum class PageClass : int { Absent = 0, Poisoned, Vmemmap, Free, Allocated, Other };
PageClass page_class(PageKind k);
std::string_view page_class_name(int c);

// A block's phase. GoingOffline exists only inside an offline and is never
// seen between operations (block_state_at_rest).
enum class Phase : int { Absent = 0, Offline, Online };
Phase block_phase(const MemoryBlock& m);
std::string_view phase_name(int ph);

// The block transitions, each with its outcome. Alloc and Free are the page
// allocator acting on any pfn; Rejected is a request refused before it did
// anything (wrong phase: -EINVAL, no block: -ENOENT).
enum class BlockOp : int {
  AddMemmapOnMemory,  // add_memory_resource(MHP_MEMMAP_ON_MEMORY) succeeds
  Add,                // add_memory_resource() without it succeeds
  AddFailed,          // add_memory_resource() fails (-EEXIST, -EINVAL, -ENOMEM)
  Online,             // memory_block_online() succeeds
  OnlineRefused,      // MEM_GOING_ONLINE vetoed: online_pages() fails, vmemmap deinit
  Offline,            // memory_block_offline() succeeds
  OfflineBusy,        // offline_pages() fails (-EBUSY, -EINTR, notifier)
  Remove,             // try_remove_memory() succeeds
  RemoveBusy,         // try_remove_memory() of an online block: -EBUSY
  Rejected,           // refused before any change
  Alloc,              // the page allocator hands out a free page
  Free,               // an allocated page goes back to the buddy allocator
  kCount
};
std::string_view block_op_name(BlockOp op);
const std::vector<BlockOp>& all_block_ops();

// -------------------------------------------------------- pure functions --

// A half-open pfn interval as Z3 integers.
struct IntRange {
  z3::expr lo, hi;
  z3::expr contains(const z3::expr& x) const { return lo <= x && x < hi; }
};

// memory_block_vmemmap_range() and memory_block_online_range(): the
// templates of memhp/proven/block_layout.h that the model runs, instantiated
// over Z3 integers.
IntRange enc_vmemmap_range(const z3::expr& start, const z3::expr& nr_vmemmap_pages);
IntRange enc_online_range(const z3::expr& start, const z3::expr& nr_pages,
                          const z3::expr& nr_vmemmap_pages);

// ------------------------------------------------------------- the state --

// What a run never changes: the block's place and size, and what
// mhp_supports_memmap_on_memory() says about a block-sized add (whether it
// holds, and the vmemmap pages its altmap hands out).
struct BlockConst {
  z3::expr start, n, pv, mom;
};

// One block's variables.
struct BlockVar {
  z3::expr ph, p;
};

// The counters a block transition moves. zp/zm: present and managed pages
// of the block's zone; rp/rm: that zone's pages that are not the block's;
// np: the node's present pages; op: its other zones' present pages.
struct Counters {
  z3::expr zp, zm, np, rp, rm, op;
};

// One transition: when it may fire, and what it leaves.
struct PageStep {
  z3::expr guard;
  BlockVar blk;
  z3::expr kx;  // the watched pfn's class afterwards
};

// What `op` does to the block and to the watched pfn x (class kx), under the
// model's mutants `m` (those the encoding mirrors: VmemmapFreedToBuddy,
// OfflineKeepsManaged, VmemmapNotPresent, OfflineSkipsPresent,
// OnlineFailureSkipsDeinit; others are not encoded).
PageStep page_step(BlockOp op, const BlockConst& k, const BlockVar& b, const z3::expr& x,
                   const z3::expr& kx, const z3::expr& choice, MutantSet m);

// What `op` does to the counters (guard as page_step's).
Counters counter_step(BlockOp op, const BlockConst& k, const BlockVar& b, const Counters& c,
                      MutantSet m);

// The mutants the encoding mirrors.
MutantSet encoded_mutants();

// ------------------------------------------------- predicates for proofs --

z3::expr is_phase(const z3::expr& ph, Phase want);
z3::expr in_buddy(const z3::expr& kx);  // Free or Allocated: counted in managed_pages
// The block is well formed: a known phase, 0 <= p < n, an absent block
// records no vmemmap.
z3::expr block_wf(const BlockConst& k, const BlockVar& b);
// vmemmap_never_in_buddy for the watched pfn.
z3::expr vmemmap_not_in_buddy(const BlockConst& k, const BlockVar& b, const z3::expr& x,
                              const z3::expr& kx);
// p is what the add recorded: 0, or the altmap's pages where
// memmap_on_memory holds.
z3::expr vmemmap_recorded(const BlockConst& k, const BlockVar& b);
// kx names a page class.
z3::expr class_ok(const z3::expr& kx);
// The block's share of its zone's present and managed pages.
z3::expr block_present(const BlockConst& k, const BlockVar& b);
z3::expr block_managed(const BlockConst& k, const BlockVar& b);
// Zone = rest + block, node = zone + other zones, managed <= present.
z3::expr counters_consistent(const BlockConst& k, const BlockVar& b, const Counters& c);

// ---------------------------------------------------- concrete geometries --

// One geometry a proof ranges over: a preset with a block size of 2^k of its
// sections, and what mhp_supports_memmap_on_memory() (the C++ function,
// memmap_on_memory=1) says about a one-block add there.
struct GeometryCase {
  Geometry geo;
  u64 block_pages = 0;
  bool supported = false;
  u64 vmemmap_pages = 0;  // 0 unless supported
  std::string label() const;  // "x86_64 block=128M"
};
// Every preset, block sizes from one section up to 2 GiB.
const std::vector<GeometryCase>& geometry_cases();

// The premise that (n, pv, mom) is one of geometry_cases(), selected by the
// integer g, and that start is block-aligned (start = id * n, id >= 0) and
// below the preset's MAX_PHYSMEM_BITS.
z3::expr geometry_case_premise(const z3::expr& g, const z3::expr& id, const BlockConst& k);

// Any geometry instead: n >= 1 pages, start >= 0, and where memmap_on_memory
// holds 0 < pv < n (what thm_geometry proves of mhp_supports_memmap_on_memory);
// pv = 0 where it does not.
z3::expr any_geometry_premise(const BlockConst& k);

// Where a counterexample's block goes so that a trace can boot below it: at
// or above kBootBytes, within 16 blocks of it, in geometry case g.
z3::expr hot_add_window(const z3::expr& g, const z3::expr& start);

// A trace's preamble for geometry case g (docs/trace-format.md): header, geometry,
// profile (memmap_on_memory=1, memhp_default_state=offline), mutant lines,
// and 4 GiB of boot memory on node 0. Hot-added blocks start at 4 GiB.
std::string trace_preamble(const GeometryCase& g, const std::vector<std::string>& mutants);
constexpr u64 kBootBytes = u64{4} << 30;
// The trace line that performs `op` on the block at `start_pfn`, or "" when
// the op has no line of its own (Rejected, failures the preamble cannot set
// up without a notifier line, which this returns too).
std::string trace_lines(BlockOp op, const GeometryCase& g, u64 start_pfn);

}  // namespace memhp::smt
