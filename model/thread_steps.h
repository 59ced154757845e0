// The step programs of include/memhp/threads.h, shared between model files.
//
// An op's program is a list of StepDefs, built for the System's kernel
// (profile and faults) when asked. A step is one of four kinds, and the kind
// decides what happens once the op has its result early (Frame::stop, an
// error or "already in that state"): Lock and Body steps are skipped, Unlock
// steps run for the locks the thread holds, Always steps run regardless
// (the tails that put mem->state back after a failed offline).
#pragma once

#include <string_view>
#include <vector>

#include "internal.h"
#include "memhp/threads.h"

namespace memhp::k {

enum class StepKind : std::uint8_t { Lock, Unlock, Body, Always };

struct StepCtx {
  ThreadedState& c;
  int tid;
  const StepArgs& a;
  StepOutcome& out;
  bool stay = false;  // ran, but the op stays at this step (a writer waiting for readers)
  System& s() { return c.sys; }
  ThreadState& t() { return c.threads[static_cast<std::size_t>(tid)]; }
  Frame& f() { return t().frame; }
  ThreadMask bit() const { return static_cast<ThreadMask>(1u << tid); }
  // The step cannot run now: nothing may have changed yet.
  void block(std::string why) {
    out.ran = false;
    out.blocked_on = std::move(why);
  }
  // The op's result is decided: skip to its unlock and tail steps.
  void finish(int err) {
    f().err = err;
    f().stop = true;
  }
};

using StepFn = void (*)(StepCtx&);
struct StepDef {
  std::string_view name;
  StepFn fn;
  StepKind kind = StepKind::Body;
  LockClass lock = LockClass::kCount;  // Lock and Unlock steps: the lock
};

// ---------------------------------------------------------- model/locking.cpp
// Each returns false and blocks the step when the lock is not free; an
// acquisition records an order edge from every lock the thread holds.
bool lock_device_hotplug(StepCtx& x);
void unlock_device_hotplug(StepCtx& x);
bool mem_hotplug_begin(StepCtx& x);  // percpu_down_write(): may take two steps
void mem_hotplug_done(StepCtx& x);
bool get_online_mems(StepCtx& x);
void put_online_mems(StepCtx& x);
void rcu_read_lock_sched(StepCtx& x);
void rcu_read_unlock_sched(StepCtx& x);
bool holds(const StepCtx& x, LockClass c);
// Steps that only take or drop a lock.
StepDef lock_step(LockClass c);
StepDef unlock_step(LockClass c);
StepDef read_lock_step();    // get_online_mems()
StepDef read_unlock_step();  // put_online_mems()

// ---------------------------------------------------------- the programs
std::vector<StepDef> state_store_steps(const System& s, bool online);  // model/memory.cpp
std::vector<StepDef> pfn_valid_steps(const System& s);                 // model/mmzone.cpp
std::vector<StepDef> kmemleak_scan_steps(const System& s);             // model/kmemleak.cpp
std::vector<StepDef> memremap_steps(const System& s);                  // model/memremap.cpp

// A body step that runs the whole sequential op StepArgs::body: its Result
// becomes the step's, and its errno the op's.
void run_sequential_op(StepCtx& x);

// mm/sparse.c: whether section_deactivate() frees ms->usage after an RCU
// grace period and pfn_valid() reads it under rcu_read_lock_sched() with a
// NULL check (5ec8e8ea8b77), or kfree()s it while pfn_valid() reads it bare.
bool usage_freed_after_rcu(const System& s);

}  // namespace memhp::k
