// The locks memory hotplug takes, as the threaded steps see them.
//
// Design. A lock is state in ThreadedState::locks, and taking it is a step
// that is blocked while the lock is not free; the explorer never runs a
// blocked step, so a state where every unfinished thread is blocked is a
// deadlock. Four locks are held across steps:
//   - device_hotplug_lock (drivers/base/core.c), a mutex. sysfs takes it
//     with lock_device_hotplug_sysfs(), a trylock that restarts the write
//     system call: the model treats the retry as blocking, which is what a
//     user waiting on write(2) sees.
//   - mem_hotplug_lock (mm/memory_hotplug.c), a percpu rwsem: writers are
//     mem_hotplug_begin()/mem_hotplug_done(), readers get_online_mems()/
//     put_online_mems(). percpu_down_write() first shuts new readers out,
//     then waits for the readers inside to leave: two steps when there are
//     readers, so a reader that would recurse behind a waiting writer
//     deadlocks as in the kernel.
//   - the RCU-sched read section (rcu_read_lock_sched()), which blocks no
//     one; what it does is delay the kfree_rcu() of a ms->usage until every
//     reader that was inside when it was queued has left (threads.cpp).
// pgdat_resize_lock and the zone span seqlock are not modelled: no hotplug
// path takes them in 6.1 or 6.19 (mm/memory_hotplug.c has no call).
// cpus_read_lock(), which mem_hotplug_begin() also takes, and the device
// lock of each memory block are left out: nothing the model runs takes them
// in another order.
#include <string>

#include "thread_steps.h"

namespace memhp::k {

namespace {

std::string holder(int tid) { return "thread " + std::to_string(tid + 1); }

void record_edges(StepCtx& x, LockClass taken) {
  for (LockClass held : {LockClass::DeviceHotplug, LockClass::MemHotplug, LockClass::RcuSched})
    if (holds(x, held)) x.out.edges.push_back({held, taken});
}

}  // namespace

bool holds(const StepCtx& x, LockClass c) {
  const Locks& l = x.c.locks;
  const ThreadMask bit = static_cast<ThreadMask>(1u << x.tid);
  switch (c) {
    case LockClass::DeviceHotplug: return l.device_hotplug == x.tid;
    case LockClass::MemHotplug: return l.mem_hotplug_writer == x.tid || (l.mem_hotplug_readers & bit);
    case LockClass::RcuSched: return (l.rcu_readers & bit) != 0;
    default: return false;
  }
}

/* drivers/base/core.c: lock_device_hotplug() / lock_device_hotplug_sysfs() */
bool lock_device_hotplug(StepCtx& x) {
  Locks& l = x.c.locks;
  if (l.device_hotplug >= 0) {
    x.block("device_hotplug_lock (held by " + holder(l.device_hotplug) + ")");
    return false;
  }
  record_edges(x, LockClass::DeviceHotplug);
  l.device_hotplug = static_cast<std::int8_t>(x.tid);
  return true;
}

/* drivers/base/core.c: unlock_device_hotplug() */
void unlock_device_hotplug(StepCtx& x) { x.c.locks.device_hotplug = -1; }

/* mm/memory_hotplug.c: mem_hotplug_begin() → percpu_down_write() */
bool mem_hotplug_begin(StepCtx& x) {
  Locks& l = x.c.locks;
  if (l.mem_hotplug_writer >= 0) {
    x.block("mem_hotplug_lock (held for write by " + holder(l.mem_hotplug_writer) + ")");
    return false;
  }
  if (l.mem_hotplug_pending >= 0 && l.mem_hotplug_pending != x.tid) {
    x.block("mem_hotplug_lock (" + holder(l.mem_hotplug_pending) + " waits to write)");
    return false;
  }
  if (l.mem_hotplug_readers != 0) {
    if (l.mem_hotplug_pending == x.tid) {
      x.block("mem_hotplug_lock (readers inside get_online_mems())");
      return false;
    }
    // readers_block is set: new readers wait; this writer waits for the old.
    record_edges(x, LockClass::MemHotplug);
    l.mem_hotplug_pending = static_cast<std::int8_t>(x.tid);
    x.stay = true;
    return false;
  }
  if (l.mem_hotplug_pending != x.tid) record_edges(x, LockClass::MemHotplug);
  l.mem_hotplug_pending = -1;
  l.mem_hotplug_writer = static_cast<std::int8_t>(x.tid);
  return true;
}

/* mm/memory_hotplug.c: mem_hotplug_done() */
void mem_hotplug_done(StepCtx& x) { x.c.locks.mem_hotplug_writer = -1; }

/* mm/memory_hotplug.c: get_online_mems() → percpu_down_read() */
bool get_online_mems(StepCtx& x) {
  Locks& l = x.c.locks;
  if (l.mem_hotplug_writer >= 0 || l.mem_hotplug_pending >= 0) {
    const int w = l.mem_hotplug_writer >= 0 ? l.mem_hotplug_writer : l.mem_hotplug_pending;
    x.block("mem_hotplug_lock (" + holder(w) + (l.mem_hotplug_writer >= 0 ? " writes)" : " waits to write)"));
    return false;
  }
  record_edges(x, LockClass::MemHotplug);
  l.mem_hotplug_readers |= x.bit();
  return true;
}

/* mm/memory_hotplug.c: put_online_mems() */
void put_online_mems(StepCtx& x) { x.c.locks.mem_hotplug_readers &= static_cast<ThreadMask>(~x.bit()); }

/* include/linux/rcupdate.h: rcu_read_lock_sched() */
void rcu_read_lock_sched(StepCtx& x) {
  record_edges(x, LockClass::RcuSched);
  x.c.locks.rcu_readers |= x.bit();
}

/* include/linux/rcupdate.h: rcu_read_unlock_sched(): a grace period that
   waited for this reader alone has now elapsed, and its kfree_rcu() runs. */
void rcu_read_unlock_sched(StepCtx& x) {
  x.c.locks.rcu_readers &= static_cast<ThreadMask>(~x.bit());
  for (ThreadState& t : x.c.threads) {
    UsageRef& u = t.frame.usage;
    if (u.life != UsageLife::RcuPending) continue;
    u.grace_waits_for &= static_cast<ThreadMask>(~x.bit());
    if (u.grace_waits_for == 0) u.life = UsageLife::Freed;
  }
}

StepDef lock_step(LockClass c) {
  switch (c) {
    case LockClass::MemHotplug:
      return {"mem_hotplug_begin()", [](StepCtx& x) { mem_hotplug_begin(x); }, StepKind::Lock, c};
    case LockClass::RcuSched:
      return {"rcu_read_lock_sched()", [](StepCtx& x) { rcu_read_lock_sched(x); }, StepKind::Lock, c};
    default:
      return {"lock_device_hotplug()", [](StepCtx& x) { lock_device_hotplug(x); }, StepKind::Lock,
              LockClass::DeviceHotplug};
  }
}

StepDef unlock_step(LockClass c) {
  switch (c) {
    case LockClass::MemHotplug:
      return {"mem_hotplug_done()", [](StepCtx& x) { mem_hotplug_done(x); }, StepKind::Unlock, c};
    case LockClass::RcuSched:
      return {"rcu_read_unlock_sched()", [](StepCtx& x) { rcu_read_unlock_sched(x); }, StepKind::Unlock, c};
    default:
      return {"unlock_device_hotplug()", [](StepCtx& x) { unlock_device_hotplug(x); }, StepKind::Unlock,
              LockClass::DeviceHotplug};
  }
}

StepDef read_lock_step() {
  return {"get_online_mems()", [](StepCtx& x) { get_online_mems(x); }, StepKind::Lock, LockClass::MemHotplug};
}

StepDef read_unlock_step() {
  return {"put_online_mems()", [](StepCtx& x) { put_online_mems(x); }, StepKind::Unlock, LockClass::MemHotplug};
}

}  // namespace memhp::k

namespace memhp {

std::string_view lock_class_name(LockClass c) {
  switch (c) {
    case LockClass::DeviceHotplug: return "device_hotplug_lock";
    case LockClass::MemHotplug: return "mem_hotplug_lock";
    case LockClass::RcuSched: return "rcu_read_lock_sched";
    case LockClass::kCount: break;
  }
  return "?";
}

}  // namespace memhp
