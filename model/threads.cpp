// The threaded steps' driver: which program an op runs, and one step of it.
//
// Design. An op's program (model/thread_steps.h) is rebuilt from the
// System's kernel each time a step is asked for, so a thread's position is
// two numbers and its registers (ThreadState), all of which the explorer's
// key holds. After a step, the driver moves the thread to the next step
// that will run: once the op has its result, Lock and Body steps are
// skipped, and Unlock steps are kept only for the locks the thread holds.
// It also notices when a step freed a ms->usage (the section's usage went
// from a kzalloc()ed one to none) and ages every reader's pointer to it:
// freed at once, or, when the kernel frees it by kfree_rcu(), after the
// RCU-sched readers inside at that moment have left.
#include <cstdlib>

#include "thread_steps.h"

namespace memhp::k {

namespace {

/* the hotplug ops that are not split: lock_device_hotplug() (add_memory(),
   remove_memory(), acpi_device_hotplug(), state_store()), mem_hotplug_begin()
   inside, and the op's body between */
std::vector<StepDef> hotplug_op_steps() {
  return {lock_step(LockClass::DeviceHotplug), lock_step(LockClass::MemHotplug), {"the op's body", run_sequential_op},
          unlock_step(LockClass::MemHotplug), unlock_step(LockClass::DeviceHotplug)};
}

std::vector<StepDef> thread_program(const System& s, const StepArgs& a) {
  using K = StepArgs::Kind;
  switch (a.kind) {
    case K::Online: return state_store_steps(s, true);
    case K::Offline: return state_store_steps(s, false);
    case K::Memremap: return memremap_steps(s);
    case K::PfnValid: return pfn_valid_steps(s);
    case K::KmemleakScan: return kmemleak_scan_steps(s);
    case K::HotplugOp: return hotplug_op_steps();
    case K::Unlocked: break;
  }
  return {{"the op's body", run_sequential_op}};
}

bool skipped(StepCtx& x, const StepDef& d) {
  if (!x.f().stop) return false;
  switch (d.kind) {
    case StepKind::Always: return false;
    case StepKind::Unlock: return !holds(x, d.lock);
    default: return true;
  }
}

std::vector<u64> kzalloc_usages(const System& s) {
  std::vector<u64> out;
  s.sections.for_each(0, ~u64{0}, [&](u64 lo, u64 hi, const SectionState& ms) {
    if (ms.usage == UsageOrigin::Kzalloc)
      for (u64 n = lo; n < hi; ++n) out.push_back(n);
  });
  return out;
}

/* mm/sparse.c: section_deactivate(): kfree() or kfree_rcu() of ms->usage */
void age_usage_pointers(StepCtx& x, const std::vector<u64>& before) {
  for (u64 nr : before) {
    if (x.s().sections.at(nr).usage == UsageOrigin::Kzalloc) continue;
    x.out.usage_freed.push_back(nr);
    for (ThreadState& t : x.c.threads) {
      UsageRef& u = t.frame.usage;
      if (u.life != UsageLife::Live || u.section != nr) continue;
      u.grace_waits_for = usage_freed_after_rcu(x.s()) ? x.c.locks.rcu_readers : ThreadMask{0};
      u.life = u.grace_waits_for ? UsageLife::RcuPending : UsageLife::Freed;
    }
  }
}

}  // namespace

void run_sequential_op(StepCtx& x) {
  x.out.result = x.a.body(x.s());
  if (x.out.result.err) x.finish(x.out.result.err);
}

}  // namespace memhp::k

namespace memhp {

std::vector<std::string> thread_step_names(const System& s, const StepArgs& a) {
  std::vector<std::string> out;
  for (const k::StepDef& d : k::thread_program(s, a))
    out.emplace_back(d.fn == k::run_sequential_op && !a.what.empty() ? a.what : std::string(d.name));
  return out;
}

StepOutcome thread_step(ThreadedState& c, int tid, const StepArgs& a) {
  const std::vector<k::StepDef> prog = k::thread_program(c.sys, a);
  ThreadState& t = c.threads.at(static_cast<std::size_t>(tid));
  StepOutcome out;
  if (t.pc >= prog.size()) std::abort();  // the driver never leaves a thread past its op's last step
  const k::StepDef& step = prog[t.pc];
  out.ran = true;
  out.name = step.fn == k::run_sequential_op && !a.what.empty() ? a.what : std::string(step.name);
  k::StepCtx x{c, tid, a, out};
  const std::vector<u64> usages = step.kind == k::StepKind::Lock || step.kind == k::StepKind::Unlock
                                      ? std::vector<u64>{}
                                      : k::kzalloc_usages(c.sys);
  step.fn(x);
  if (!out.ran || x.stay) return out;
  k::age_usage_pointers(x, usages);
  ++t.pc;
  while (t.pc < prog.size() && k::skipped(x, prog[t.pc])) ++t.pc;
  if (t.pc == prog.size()) {
    t.errs.push_back(t.frame.err);
    t.frame = Frame{};
    t.pc = 0;
    ++t.op;
    out.op_finished = true;
  }
  return out;
}

bool threads_quiescent(const ThreadedState& c) {
  for (const ThreadState& t : c.threads)
    if (t.pc != 0) return false;
  return true;
}

}  // namespace memhp
