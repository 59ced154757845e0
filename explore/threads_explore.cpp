// The threaded explorer (threads_explore.h).
//
// Algorithm. Breadth-first from the state after setup. A state is a
// ThreadedState; its key is state_key() of the System followed by the locks
// and every thread's position, registers and return values, so two states
// with the same key are the same (every field the step functions read is in
// it). Each state is expanded by trying every unfinished thread's next step
// on a copy: a blocked step changes nothing and is not an edge. Each step is
// judged (judge_thread_step()), and its lock acquisitions go into the order
// graph. A state where no thread can step is either finished (every thread
// done: it must be one of the sequential outcomes) or a deadlock. The first
// violation of each check keeps its BFS path, so it is a shortest schedule.
//
// The states are kept whole in the frontier (not rebuilt from paths as the
// sequential explorer does): the threaded configurations are small, and the
// per-state cost is the System copy the step needs anyway.
#include "threads_explore.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <unordered_map>

#include "diff.h"
#include "explore.h"
#include "thread_checks.h"

namespace memhp {
namespace {

void put(std::string& out, u64 v) {
  do {
    std::uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<char>(b | (v ? 0x80 : 0)));
  } while (v);
}
void put_signed(std::string& out, long v) { put(out, (static_cast<u64>(v) << 1) ^ static_cast<u64>(v >> 63)); }

void encode_threads(const ThreadedState& c, std::string& out) {
  // Every field is in the key: these bindings stop compiling when one is added.
  const auto& [sys, locks, threads] = c;
  (void)sys, (void)threads;
  const auto& [dh, writer, pending, readers, rcu] = locks;
  (void)dh, (void)writer, (void)pending, (void)readers, (void)rcu;
  const Locks& l = c.locks;
  for (int v : {int(l.device_hotplug), int(l.mem_hotplug_writer), int(l.mem_hotplug_pending)}) put_signed(out, v);
  put(out, l.mem_hotplug_readers);
  put(out, l.rcu_readers);
  for (const ThreadState& t : c.threads) {
    const auto& [op, pc, frame, errs] = t;
    (void)op, (void)pc, (void)frame, (void)errs;
    const auto& [err, stop, acting, zone, was_contiguous, usage] = t.frame;
    (void)err, (void)stop, (void)acting, (void)zone, (void)was_contiguous, (void)usage;
    put(out, t.op);
    put(out, t.pc);
    const Frame& f = t.frame;
    put_signed(out, f.err);
    put(out, (f.stop ? 1 : 0) | (f.acting ? 2 : 0) | (f.was_contiguous ? 4 : 0));
    put(out, f.zone ? 1 + static_cast<u64>(zone_idx(*f.zone)) : 0);
    put(out, static_cast<u64>(f.usage.life));
    put(out, f.usage.section);
    put(out, f.usage.grace_waits_for);
    put(out, t.errs.size());
    for (int e : t.errs) put_signed(out, e);
  }
}

std::string key_of(const ThreadedState& c, const LockOrder& taken) {
  std::string k = state_key(c.sys);
  encode_threads(c, k);
  std::vector<u64> edges;
  for (const LockEdge& e : taken.edges()) edges.push_back(1 + static_cast<u64>(e.held) * 8 + static_cast<u64>(e.taken));
  std::sort(edges.begin(), edges.end());
  for (u64 e : edges) put(k, e);
  put(k, 0);
  return k;
}

struct Vertex {
  std::uint32_t parent = 0;
  std::int8_t tid = -1;  // the thread that stepped from parent
  std::uint32_t depth = 0;
  std::string note;      // "thread 1: offline_pages()"
};

struct Search {
  const ThreadedTrace& config;
  const ThreadedExploreOptions& o;
  ThreadedExploreResult r;
  std::vector<Vertex> vertices;
  std::set<std::string> outcomes;
  LockOrder order;
  std::set<std::string> reported;

  std::vector<int> schedule_to(std::uint32_t v, std::vector<std::string>& notes) const {
    std::vector<int> s;
    for (; v != 0; v = vertices[v].parent) {
      s.push_back(vertices[v].tid);
      notes.push_back(vertices[v].note);
    }
    std::reverse(s.begin(), s.end());
    std::reverse(notes.begin(), notes.end());
    return s;
  }

  // A violation at vertex v, or on the step `tid` takes from it.
  void violation(Violation bad, std::uint32_t v, int tid = -1, const std::string& note = {}) {
    if (!reported.insert(bad.invariant).second) return;
    ThreadedViolation out;
    out.violation = std::move(bad);
    out.trace = config;
    for (const MutantInfo& m : mutant_registry())
      if (o.mutants.has(id_of(m))) out.trace.base.mutants.set(id_of(m));
    out.trace.schedule = schedule_to(v, out.notes);
    if (tid >= 0) {
      out.trace.schedule.push_back(tid);
      out.notes.push_back(note);
    }
    out.trace.schedule_lines.assign(out.trace.schedule.size(), 0);
    if (!o.only.empty()) out.trace.base.check_only = o.only;
    r.violations.push_back(std::move(out));
  }

  // The steps from the start to vertex v, then `last`, on one line.
  std::string path_text(std::uint32_t v, const std::string& last) const {
    std::vector<std::string> notes;
    schedule_to(v, notes);
    notes.push_back(last);
    std::string out;
    for (const std::string& n : notes) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  bool wanted(std::string_view check) const { return o.only.empty() || o.only == check; }
  bool stop() const { return o.stop_at_violation && !r.violations.empty(); }
};

}  // namespace

std::optional<std::string> LockOrder::add(const LockEdge& e, const std::string& origin) {
  if (std::find(edges_.begin(), edges_.end(), e) != edges_.end()) return std::nullopt;
  std::string via;
  const bool cycle = e.held == e.taken || reaches(e.taken, e.held, via);
  edges_.push_back(e);
  origins_.push_back(origin);
  if (!cycle) return std::nullopt;
  return std::string(lock_class_name(e.taken)) + " taken while holding " + std::string(lock_class_name(e.held)) +
         " here, but " + via;
}

bool LockOrder::reaches(LockClass from, LockClass to, std::string& via) const {
  if (from == to) return true;
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    const LockEdge& e = edges_[i];
    if (e.held != from) continue;
    std::string rest;
    if (!reaches(e.taken, to, rest)) continue;  // the graph is acyclic until now: this ends
    via = std::string(lock_class_name(e.taken)) + " was taken while holding " + std::string(lock_class_name(e.held)) +
          " after [" + origins_[i] + "]" + (rest.empty() ? "" : "; and " + rest);
    return true;
  }
  return false;
}

std::string outcome_key(const ThreadedState& c) {
  System s = c.sys;
  canonicalize_group_ids(s);
  std::string k = state_key(s);
  for (const ThreadState& t : c.threads) {
    put(k, t.errs.size());
    for (int e : t.errs) put_signed(k, e);
  }
  return k;
}

namespace {

// One op of thread tid run whole on c: the sequential model's op, or a
// reader's steps with no other thread about.
void run_whole(ThreadedState& c, const std::vector<ThreadProgram>& programs, std::size_t tid) {
  ThreadState& t = c.threads[tid];
  const ThreadOp& op = programs[tid][t.op];
  if (const Op* seq = std::get_if<Op>(&op)) {
    t.errs.push_back(apply_op(c.sys, *seq).err);
    ++t.op;
    return;
  }
  const std::uint16_t at = t.op;
  while (c.threads[tid].op == at)
    if (!step_thread(c, programs, static_cast<int>(tid)).ran) std::abort();  // alone, a reader never blocks
}

void orders(const ThreadedState& c, const std::vector<ThreadProgram>& programs, std::set<std::string>& out) {
  bool any = false;
  for (std::size_t tid = 0; tid < programs.size(); ++tid) {
    if (c.threads[tid].op >= programs[tid].size()) continue;
    any = true;
    ThreadedState next = c;
    run_whole(next, programs, tid);
    orders(next, programs, out);
  }
  if (!any) out.insert(outcome_key(c));
}

}  // namespace

std::set<std::string> sequential_outcomes(const ThreadedState& start, const std::vector<ThreadProgram>& programs) {
  std::set<std::string> out;
  orders(start, programs, out);
  return out;
}

std::optional<std::string> deadlock(const ThreadedState& c, const std::vector<ThreadProgram>& programs) {
  std::string why;
  for (int tid = 0; tid < static_cast<int>(programs.size()); ++tid) {
    if (thread_finished(c, programs, tid)) continue;
    ThreadedState copy = c;
    const StepOutcome out = step_thread(copy, programs, tid);
    if (out.ran) return std::nullopt;
    why += (why.empty() ? "" : "; ") + std::string("thread ") + std::to_string(tid + 1) + " waits for " +
           out.blocked_on;
  }
  if (why.empty()) return std::nullopt;
  return why;
}

std::variant<ThreadedExploreResult, std::string> explore_threads(const ThreadedTrace& config,
                                                                 const ThreadedExploreOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  ThreadedTrace cfg = config;
  for (const MutantInfo& m : mutant_registry())
    if (o.mutants.has(id_of(m))) cfg.base.mutants.set(id_of(m));
  auto started = threaded_start(cfg);
  if (auto* e = std::get_if<std::string>(&started)) return *e;
  const ThreadedState start = std::get<ThreadedState>(started);
  const std::vector<ThreadProgram>& programs = cfg.threads;

  Search s{config, o, {}, {}, {}, {}, {}};
  s.r.config = config.name;
  if (s.wanted("interleavings_linearisable")) {
    s.outcomes = sequential_outcomes(start, programs);
    s.r.sequential_orders = s.outcomes.size();
  }
  std::unordered_map<std::string, std::uint32_t> seen;
  // Lock order is judged along each run, as lockdep judges one boot: the
  // edges a run has taken are part of where it is, so a cycle's schedule
  // shows both orders.
  struct Queued {
    ThreadedState state;
    std::uint32_t v;
    LockOrder taken;
  };
  std::deque<Queued> frontier;
  seen.emplace(key_of(start, {}), 0);
  s.vertices.push_back({});
  frontier.push_back({start, 0, {}});

  while (!frontier.empty() && !s.stop()) {
    auto [state, v, taken] = std::move(frontier.front());
    frontier.pop_front();
    bool stepped = false;
    for (int tid = 0; tid < static_cast<int>(programs.size()) && !s.stop(); ++tid) {
      if (thread_finished(state, programs, tid)) continue;
      ThreadedState next = state;
      const StepArgs args = step_args(programs[static_cast<std::size_t>(tid)][state.threads[static_cast<std::size_t>(tid)].op]);
      const StepOutcome out = thread_step(next, tid, args);
      if (!out.ran) {
        ++s.r.blocked;
        continue;
      }
      stepped = true;
      ++s.r.transitions;
      const std::string note = "thread " + std::to_string(tid + 1) + ": " + out.name;
      bool bad = false;
      LockOrder after = taken;
      for (const LockEdge& e : out.edges) {
        s.order.add(e, {});
        if (auto cycle = after.add(e, s.path_text(v, note)); cycle && s.wanted("lock_order_acyclic")) {
          s.violation({"lock_order_acyclic", *cycle}, v, tid, note);
          bad = true;
        }
      }
      if (auto verdict = judge_thread_step(state, next, tid, args, out, o.only)) {
        s.violation(std::move(*verdict), v, tid, note);
        bad = true;
      }
      if (bad) continue;
      auto [it, fresh] = seen.emplace(key_of(next, after), static_cast<std::uint32_t>(s.vertices.size()));
      if (!fresh) continue;
      if (s.vertices.size() >= o.max_states) {
        s.r.truncated = true;
        frontier.clear();
        break;
      }
      s.vertices.push_back({v, static_cast<std::int8_t>(tid), s.vertices[v].depth + 1, note});
      frontier.push_back({std::move(next), it->second, std::move(after)});
    }
    if (stepped) continue;
    bool all_done = true;
    for (int tid = 0; tid < static_cast<int>(programs.size()); ++tid) all_done &= thread_finished(state, programs, tid);
    if (all_done) {
      ++s.r.finished;
      if (s.wanted("interleavings_linearisable") && !s.outcomes.count(outcome_key(state))) {
        std::string errs;
        for (std::size_t i = 0; i < state.threads.size(); ++i) {
          errs += (i ? "; " : "") + std::string("thread ") + std::to_string(i + 1) + ":";
          for (int e : state.threads[i].errs) errs += " " + errno_name(e);
        }
        s.violation({"interleavings_linearisable",
                     "this interleaving ends in a state (or with return values: " + errs +
                         ") that no sequential order of the same ops reaches"},
                    v);
      }
    } else if (auto why = deadlock(state, programs); why && s.wanted("no_deadlock")) {
      s.violation({"no_deadlock", *why}, v);
    }
  }
  s.r.states = s.vertices.size();
  for (const Vertex& x : s.vertices) s.r.depth = std::max(s.r.depth, x.depth + 1);
  if (o.stop_at_violation && !s.r.violations.empty()) s.r.truncated = true;
  s.r.lock_order = s.order.edges();
  std::stable_sort(s.r.violations.begin(), s.r.violations.end(), [](const auto& a, const auto& b) {
    return a.trace.schedule.size() < b.trace.schedule.size();
  });
  s.r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return std::move(s.r);
}

ThreadedReplayResult replay_threaded(const ThreadedTrace& t, std::string_view only) {
  ThreadedReplayResult r;
  auto started = threaded_start(t);
  if (auto* e = std::get_if<std::string>(&started)) {
    r.error = *e;
    return r;
  }
  ThreadedState c = std::get<ThreadedState>(started);
  LockOrder order;
  for (std::size_t i = 0; i < t.schedule.size(); ++i) {
    const int tid = t.schedule[i];
    const int line = i < t.schedule_lines.size() ? t.schedule_lines[i] : 0;
    if (thread_finished(c, t.threads, tid)) {
      r.error = "thread " + std::to_string(tid + 1) + " has finished its program";
      return r;
    }
    const ThreadOp& op = t.threads[static_cast<std::size_t>(tid)][c.threads[static_cast<std::size_t>(tid)].op];
    const StepArgs args = step_args(op);
    ThreadedState next = c;
    ThreadedReplayStep step{line, tid, print_thread_op(op), thread_step(next, tid, args), {}};
    if (!step.out.ran) {
      r.error = "thread " + std::to_string(tid + 1) + " cannot step: it waits for " + step.out.blocked_on;
      return r;
    }
    step.diff = diff_entries(c.sys, next.sys);
    for (const LockEdge& e : step.out.edges)
      if (auto cycle = order.add(e, "step " + std::to_string(i + 1)); cycle && (only.empty() || only == "lock_order_acyclic") && !r.violation)
        r.violation = Violation{"lock_order_acyclic", *cycle};
    if (!r.violation) r.violation = judge_thread_step(c, next, tid, args, step.out, only);
    r.steps.push_back(std::move(step));
    c = std::move(next);
    if (r.violation) return r;
  }
  r.finished = true;
  for (int tid = 0; tid < static_cast<int>(t.threads.size()); ++tid) r.finished &= thread_finished(c, t.threads, tid);
  if (r.finished && (only.empty() || only == "interleavings_linearisable") &&
      !sequential_outcomes(std::get<ThreadedState>(threaded_start(t)), t.threads).count(outcome_key(c)))
    r.violation = Violation{"interleavings_linearisable",
                            "the run ends where no sequential order of the same ops ends"};
  if (!r.finished && (only.empty() || only == "no_deadlock"))
    if (auto why = deadlock(c, t.threads)) r.violation = Violation{"no_deadlock", *why};
  return r;
}

}  // namespace memhp
