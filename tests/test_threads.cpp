// The threaded steps, their checks and the threaded explorer
// (include/memhp/threads.h, props/thread_checks.h, explore/threads_explore.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "memhp/thread_trace.h"
#include "thread_checks.h"
#include "threads_explore.h"

using namespace memhp;

namespace {

ThreadedTrace config(std::string_view name) {
  const ThreadedTrace* c = find_threaded_config(name);
  REQUIRE_MESSAGE(c, "no threaded configuration " << name);
  return *c;
}

ThreadedTrace under(const ThreadedTrace& c, std::string_view spec) {
  KernelSpec k;
  REQUIRE(parse_kernel_spec(spec, k).empty());
  auto parsed = parse_threaded_trace(print_threaded_trace(c), {}, k);
  REQUIRE(std::holds_alternative<ThreadedTrace>(parsed));
  return std::get<ThreadedTrace>(std::move(parsed));
}

ThreadedExploreResult must_explore(const ThreadedTrace& c, const ThreadedExploreOptions& o = {}) {
  auto r = explore_threads(c, o);
  if (auto* e = std::get_if<std::string>(&r)) FAIL(*e);
  return std::get<ThreadedExploreResult>(std::move(r));
}

ThreadedState must_start(const ThreadedTrace& t) {
  auto s = threaded_start(t);
  if (auto* e = std::get_if<std::string>(&s)) FAIL(*e);
  return std::get<ThreadedState>(std::move(s));
}

ThreadedTrace parse_ok(const std::string& text) {
  auto r = parse_threaded_trace(text);
  if (auto* e = std::get_if<ParseError>(&r)) FAIL("line " << e->line << ": " << e->message);
  return std::get<ThreadedTrace>(std::move(r));
}

ParseError parse_bad(const std::string& text) {
  auto r = parse_threaded_trace(text);
  REQUIRE_MESSAGE(std::holds_alternative<ParseError>(r), text);
  return std::get<ParseError>(r);
}

// The pinned sizes of the complete searches: a model change that alters a
// state space shows here (NOTES.md section 22 has the same table).
struct Pin {
  std::string_view config;
  std::uint64_t states, transitions, finished;
};
constexpr Pin kPins[] = {
    {"race-offline-kmemleak", 70, 102, 1},        {"race-devmap-pfn-valid", 30, 44, 2},
    {"race-eject-pfn-valid-kmemleak", 165, 347, 2}, {"race-offline-memunmap", 32, 44, 1},
    {"race-two-blocks-kmemleak", 423, 641, 2},   {"race-offline-walkers", 80, 156, 1},
    {"race-two-onliners", 31, 30, 2},
};

// Each defect aimed at a threaded check: the configuration the shortest
// interleaving is found in, and its length.
struct Race {
  std::string_view mutant, config;
  std::size_t steps;
};
constexpr Race kRaces[] = {
    {"pfn_valid_usage_race", "race-devmap-pfn-valid", 5},
    {"vmemmap_init_without_hotplug_lock", "race-offline-kmemleak", 4},
    {"memremap_takes_device_hotplug_lock", "race-offline-memunmap", 8},
    {"state_store_skips_device_hotplug_lock", "race-two-onliners", 11},
    {"kmemleak_scan_trusts_pfn_valid", "race-offline-kmemleak", 9},
};

}  // namespace

TEST_CASE("threads: every threaded configuration passes under 6.1, 6.12 and 6.19, with its pinned size") {
  CHECK(threaded_configs().size() == std::size(kPins));
  for (const Pin& p : kPins) {
    CAPTURE(p.config);
    for (std::string_view spec : {"v6.1", "v6.12", "v6.19 with=memmap_exact_accounting"}) {
      CAPTURE(spec);
      const ThreadedExploreResult r = must_explore(under(config(p.config), spec));
      for (const ThreadedViolation& v : r.violations) FAIL_CHECK(v.violation.invariant << ": " << v.violation.message);
      CHECK(r.passed());
      CHECK(r.states == p.states);
      CHECK(r.transitions == p.transitions);
      CHECK(r.finished == p.finished);
      CHECK(r.sequential_orders >= 1);
    }
  }
}

TEST_CASE("threads: each race is caught by its check with its shortest interleaving, which replays") {
  std::size_t aimed = 0;
  for (const MutantInfo& m : mutant_registry()) aimed += aimed_at_threads(m);
  CHECK(aimed == std::size(kRaces));
  for (const Race& race : kRaces) {
    CAPTURE(race.mutant);
    const MutantInfo& m = mutant_from_name(race.mutant)->info();
    REQUIRE(aimed_at_threads(m));
    MutantSet ms;
    ms.set(id_of(m));
    for (std::string_view target : m.targets) {
      if (target.empty()) continue;
      CAPTURE(target);
      const auto found = find_shortest_threaded_violation(ms, fault_kernel(m), std::string(target));
      REQUIRE(found);
      CHECK(found->violation.violation.invariant == target);
      if (target != m.targets[0]) continue;
      CHECK(found->config == race.config);
      const ThreadedTrace& t = found->violation.trace;
      CHECK(t.schedule.size() == race.steps);
      // The printed interleaving reads back, and replays to the same check.
      const ThreadedTrace back = parse_ok(print_threaded_trace(t, found->violation.notes));
      CHECK(back == t);
      const ThreadedReplayResult r = replay_threaded(back, back.base.check_only);
      CHECK(r.error.empty());
      REQUIRE(r.violation);
      CHECK(r.violation->invariant == target);
      // Without the defect, the same schedule either cannot run or holds.
      ThreadedTrace fixed = back;
      fixed.base.mutants = {};
      const ThreadedReplayResult ok = replay_threaded(fixed, fixed.base.check_only);
      CHECK((!ok.error.empty() || !ok.violation));
    }
  }
}

TEST_CASE("threads: a thread running alone ends where the sequential ops end") {
  for (const ThreadedTrace& c : threaded_configs()) {
    CAPTURE(c.name);
    const ThreadedState start = must_start(c);
    for (std::size_t tid = 0; tid < c.threads.size(); ++tid) {
      ThreadedState solo = start;
      System seq = start.sys;
      std::vector<int> errs;
      for (const ThreadOp& op : c.threads[tid])
        if (const Op* o = std::get_if<Op>(&op)) errs.push_back(apply_op(seq, *o).err);
      int guard = 0;
      while (!thread_finished(solo, c.threads, static_cast<int>(tid)) && ++guard < 1000)
        REQUIRE(step_thread(solo, c.threads, static_cast<int>(tid)).ran);
      CHECK(solo.sys == seq);
      std::vector<int> solo_errs;
      for (std::size_t i = 0; i < c.threads[tid].size(); ++i)
        if (std::holds_alternative<Op>(c.threads[tid][i])) solo_errs.push_back(solo.threads[tid].errs[i]);
      CHECK(solo_errs == errs);
      CHECK(solo.locks == Locks{});
    }
  }
}

// drivers/base/memory.c memory_block_offline() in Debian 6.1.192 (with
// 001002e73712) takes mem_hotplug_lock before the vmemmap unaccounting and
// drops it after mhp_deinit_memmap_on_memory(); 6.1.20 (before it) takes it
// only inside offline_pages().
TEST_CASE("threads: offline's steps put mem_hotplug_lock where each kernel does") {
  const ThreadedTrace c = config("race-offline-kmemleak");
  StepArgs off;
  off.kind = StepArgs::Kind::Offline;
  const std::vector<std::string> fixed = thread_step_names(must_start(c).sys, off);
  CHECK(fixed == std::vector<std::string>{"lock_device_hotplug()",
                                          "device_offline(): memory_block_change_state(): MEM_GOING_OFFLINE",
                                          "mem_hotplug_begin()", "adjust_present_page_count(-vmemmap)",
                                          "offline_pages()", "mhp_deinit_memmap_on_memory(); mem->zone = NULL",
                                          "mem_hotplug_done()", "memory_block_change_state(): mem->state",
                                          "unlock_device_hotplug()"});
  ThreadedTrace before = under(c, "v6.1 without=hotplug_lock_vmemmap");
  const std::vector<std::string> old = thread_step_names(must_start(before).sys, off);
  CHECK(old == std::vector<std::string>{"lock_device_hotplug()",
                                        "device_offline(): memory_block_change_state(): MEM_GOING_OFFLINE",
                                        "adjust_present_page_count(-vmemmap)", "mem_hotplug_begin()",
                                        "offline_pages()", "mem_hotplug_done()",
                                        "mhp_deinit_memmap_on_memory(); mem->zone = NULL",
                                        "memory_block_change_state(): mem->state", "unlock_device_hotplug()"});
  // The profile without the backport is the fault's kernel.
  CHECK(!must_explore(before).passed());
}

TEST_CASE("threads: a writer waits for get_online_mems() readers, and new readers wait for it") {
  const ThreadedTrace c = config("race-offline-kmemleak");
  ThreadedState s = must_start(c);
  REQUIRE(step_thread(s, c.threads, 1).ran);  // get_online_mems()
  CHECK(s.locks.mem_hotplug_readers == 2);
  REQUIRE(step_thread(s, c.threads, 0).ran);  // lock_device_hotplug()
  REQUIRE(step_thread(s, c.threads, 0).ran);  // device_offline()
  const StepOutcome wait = step_thread(s, c.threads, 0);  // mem_hotplug_begin(): readers_block set
  CHECK(wait.ran);
  CHECK(s.locks.mem_hotplug_pending == 0);
  CHECK(s.locks.mem_hotplug_writer == -1);
  const StepOutcome blocked = step_thread(s, c.threads, 0);
  CHECK_FALSE(blocked.ran);
  CHECK(blocked.blocked_on.find("readers") != std::string::npos);
  REQUIRE(step_thread(s, c.threads, 1).ran);  // the walk
  REQUIRE(step_thread(s, c.threads, 1).ran);  // put_online_mems()
  CHECK(step_thread(s, c.threads, 0).ran);    // now the writer gets it
  CHECK(s.locks.mem_hotplug_writer == 0);
}

TEST_CASE("threads: the lock order graph closes a cycle only on the reverse edge") {
  LockOrder order;
  CHECK_FALSE(order.add({LockClass::DeviceHotplug, LockClass::MemHotplug}, "a"));
  CHECK_FALSE(order.add({LockClass::DeviceHotplug, LockClass::MemHotplug}, "b"));
  CHECK_FALSE(order.add({LockClass::MemHotplug, LockClass::RcuSched}, "c"));
  const auto cycle = order.add({LockClass::RcuSched, LockClass::DeviceHotplug}, "d");
  REQUIRE(cycle);
  CHECK(cycle->find("after [a]") != std::string::npos);
  CHECK(cycle->find("after [c]") != std::string::npos);
}

TEST_CASE("threads: a threaded trace prints and parses back; bad lines name their line") {
  for (const ThreadedTrace& c : threaded_configs()) {
    CAPTURE(c.name);
    CHECK(parse_ok(print_threaded_trace(c)) == c);
  }
  const std::string head = "geometry x86_64\nprofile v6.1\nboot node=0 start=0 size=1G\n";
  CHECK(parse_bad(head + "thread 4 kmemleak_scan node=0\n").line == 4);
  const ParseError op = parse_bad(head + "thread 1 onlin_block block=3\n");
  CHECK(op.line == 4);
  CHECK(op.message.find("unknown op 'onlin_block'") != std::string::npos);
  CHECK(parse_bad(head + "thread 1 pfn_valid pfn=zz\n").message.find("not a number") != std::string::npos);
  CHECK(parse_bad(head + "thread 1 kmemleak_scan node=0\nstep 2\n").line == 5);
  CHECK(parse_bad(head + "thread 2 kmemleak_scan node=0\n").message.find("thread 1 has no op") != std::string::npos);
  CHECK_FALSE(is_threaded_text(head + "online_block block=3 type=online\n"));
  // A schedule that asks a blocked thread to step stops there, and says why.
  const ThreadedTrace t = parse_ok(head +
                                   "dimm_add node=0 start=0x100000000 size=128M\n"
                                   "thread 1 online_block block=32 type=online\n"
                                   "thread 2 online_block block=32 type=online\n"
                                   "step 1\nstep 2\n");
  const ThreadedReplayResult r = replay_threaded(t);
  CHECK(r.steps.size() == 1);
  CHECK(r.error.find("waits for device_hotplug_lock (held by thread 1)") != std::string::npos);
}

TEST_CASE("threads: a deadlock is a state no thread can leave") {
  const ThreadedTrace c = config("race-offline-memunmap");
  ThreadedExploreOptions o;
  o.mutants.set(*mutant_from_name("memremap_takes_device_hotplug_lock"));
  o.only = "no_deadlock";
  const ThreadedExploreResult r = must_explore(c, o);
  REQUIRE(r.violations.size() == 1);
  const std::string& why = r.violations[0].violation.message;
  CHECK(why.find("thread 1 waits for mem_hotplug_lock") != std::string::npos);
  CHECK(why.find("thread 2 waits for device_hotplug_lock") != std::string::npos);
}
