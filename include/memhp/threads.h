// Threads: the hotplug ops split at their synchronisation points, so that
// the explorer can run two or three of them at once and try every
// interleaving.
//
// A sequential op (ops.h) is one atomic step. Here a thread runs a short
// program of ops, and each op is a list of steps (thread_steps()) whose
// boundaries are where the kernel takes or drops a lock, or where a
// lockless reader looks at shared state. A step runs atomically: within it
// the model calls the same k:: functions the sequential op calls, so a
// thread that runs alone ends where the sequential op ends (the explorer's
// linearisability check holds every configuration to that). What a step
// leaves out, and why that is sound or not, is NOTES.md section 22.
//
// The shared state is a ThreadedState: the System, the locks, every
// thread's position and registers, and the lifetime of each ms->usage a
// reader holds a pointer to. It is a value like System: copy and compare.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "memhp/ops.h"

namespace memhp {

// ----------------------------------------------------------------- locks --
// The lock classes lockdep would see on these paths. pgdat_resize_lock and
// the zone span seqlock are not among them: neither 6.1 nor 6.19 takes them
// anywhere in mm/memory_hotplug.c (only boot-time deferred struct page init
// does), so mem_hotplug_lock alone guards the spans (NOTES.md section 22).
enum class LockClass : std::uint8_t { DeviceHotplug, MemHotplug, RcuSched, kCount };
std::string_view lock_class_name(LockClass c);

using ThreadMask = std::uint8_t;  // bit t: thread t (at most 8 threads)

struct Locks {
  std::int8_t device_hotplug = -1;      // mutex owner (drivers/base/core.c)
  std::int8_t mem_hotplug_writer = -1;  // percpu_down_write() done
  std::int8_t mem_hotplug_pending = -1; // percpu_down_write() waiting for the readers to drain
  ThreadMask mem_hotplug_readers = 0;   // in get_online_mems()
  ThreadMask rcu_readers = 0;           // in rcu_read_lock_sched()
  friend bool operator==(const Locks&, const Locks&) = default;
};

// A pointer a reader loaded from ms->usage, and what has become of the
// object since: freed at once (kfree()), or queued by kfree_rcu() until
// every thread that was in an RCU-sched read section at the time has left it.
enum class UsageLife : std::uint8_t { None, Null, Live, RcuPending, Freed };
struct UsageRef {
  UsageLife life = UsageLife::None;
  u64 section = 0;
  ThreadMask grace_waits_for = 0;  // RcuPending: the readers the grace period waits for
  friend bool operator==(const UsageRef&, const UsageRef&) = default;
};

// Registers an op keeps across its steps: the kernel's locals.
struct Frame {
  int err = 0;                      // the op's return value so far
  bool stop = false;                // the op has decided its result: run only its unlock steps
  bool acting = false;              // memory_block_change_state() has begun: its tail must run
  std::optional<Zone> zone;         // online: zone_for_pfn_range()'s choice
  bool was_contiguous = false;      // offline: zone->contiguous before it started
  UsageRef usage;                   // pfn_valid: READ_ONCE(ms->usage)
  friend bool operator==(const Frame&, const Frame&) = default;
};

struct ThreadState {
  std::uint16_t op = 0;   // index into the thread's program; == size: finished
  std::uint16_t pc = 0;   // step within the op
  Frame frame;
  std::vector<int> errs;  // each finished op's return value
  friend bool operator==(const ThreadState&, const ThreadState&) = default;
};

struct ThreadedState {
  System sys;
  Locks locks;
  std::vector<ThreadState> threads;
  friend bool operator==(const ThreadedState&, const ThreadedState&) = default;
};



// ----------------------------------------------------------------- steps --
struct LockEdge {
  LockClass held, taken;
  friend bool operator==(const LockEdge&, const LockEdge&) = default;
};

struct StepOutcome {
  bool ran = false;            // false: blocked, and nothing changed
  std::string name;            // the kernel statements the step runs
  std::string blocked_on;      // when blocked: the lock and its holder
  Result result;               // a body step's Result; a reader's bad read is result.bug
  std::vector<LockEdge> edges; // lock acquisitions, for the order graph
  bool op_finished = false;
  // Set when the step freed a ms->usage (kfree() or kfree_rcu()).
  std::vector<u64> usage_freed;
};

// What a threaded op is, in the model's terms (the trace language maps its
// ops here: include/memhp/thread_trace.h).
struct StepArgs {
  enum class Kind : std::uint8_t {
    Online,        // state_store() of an online type: split at its locks (model/memory.cpp)
    Offline,       // state_store() "offline"
    Memremap,      // memremap_pages()/memunmap_pages(): under mem_hotplug_lock (model/memremap.cpp)
    PfnValid,      // pfn_valid(), lockless (model/mmzone.cpp)
    KmemleakScan,  // kmemleak's struct page scan under get_online_mems() (model/kmemleak.cpp)
    HotplugOp,     // add/remove and other sysfs writes: one body step under both hotplug locks
    Unlocked,      // page allocation, notifiers, atomic walkers: one body step, no lock
  };
  Kind kind = Kind::Unlocked;
  u64 block = 0;
  OnlineType type = OnlineType::Offline;
  u64 pfn = 0;
  int nid = 0;
  std::function<Result(System&)> body;  // the sequential op, for Memremap, HotplugOp, Unlocked
  std::string what;                     // the body's name in step listings: the op's trace line
};

// The steps of an op for the System's kernel (profile and faults), by name.
std::vector<std::string> thread_step_names(const System& s, const StepArgs& a);

// Runs thread `tid`'s next step of the op `a` in place (the op the thread's
// ThreadState::op names). Blocked: ran == false and `c` is unchanged. The
// last step of the op appends its return value to ThreadState::errs,
// clears the frame and moves ThreadState::op on.
StepOutcome thread_step(ThreadedState& c, int tid, const StepArgs& a);

// Every thread between two ops (or finished): no op is half done.
bool threads_quiescent(const ThreadedState& c);

}  // namespace memhp
