// The threaded explorer: every interleaving of two or three threads'
// steps, breadth-first, with the checks of props/thread_checks.h.
//
// A threaded configuration (include/memhp/thread_trace.h) fixes the machine,
// the setup ops and each thread's program. From the state after setup the
// search tries every thread's next step in every state; a blocked step is
// not taken. States are interned by their exact key (the System's
// state_key(), the locks, and every thread's position and registers), so
// the search is complete for the configuration and its first violation of
// each check is a shortest interleaving, printed as a threaded trace that
// `memhp replay` steps through.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "diff.h"
#include "memhp/invariants.h"
#include "memhp/thread_trace.h"

namespace memhp {

struct ThreadedExploreOptions {
  MutantSet mutants;                    // added to the configuration's own
  std::string only;                     // one check or invariant ("" = all)
  std::uint64_t max_states = 2'000'000; // stop, truncated, past this many states
  bool stop_at_violation = false;       // stop at the first (so shortest) violation
};

struct ThreadedViolation {
  Violation violation;
  ThreadedTrace trace;             // the configuration with the schedule to it
  std::vector<std::string> notes;  // each scheduled step: "thread 1: offline_pages()"
};

struct ThreadedExploreResult {
  std::string config;
  std::uint64_t states = 0;        // distinct states
  std::uint64_t transitions = 0;   // steps taken
  std::uint64_t finished = 0;      // states where every thread has finished
  std::uint64_t blocked = 0;       // steps tried and found blocked
  std::uint64_t sequential_orders = 0;  // distinct sequential outcomes the finished states are held to
  std::uint32_t depth = 0;         // longest shortest schedule + 1
  double seconds = 0;
  bool truncated = false;
  std::vector<LockEdge> lock_order;          // every edge seen
  std::vector<ThreadedViolation> violations; // the first per check, shortest first
  bool passed() const { return violations.empty() && !truncated; }
};

// A configuration that does not start (boot or setup fails) is an error.
std::variant<ThreadedExploreResult, std::string> explore_threads(const ThreadedTrace& config,
                                                                 const ThreadedExploreOptions& o);

// The named threaded configurations (`memhp explore --list`).
const std::vector<ThreadedTrace>& threaded_configs();
const ThreadedTrace* find_threaded_config(std::string_view name);

// The shortest violation (of `only`, or of any check) in the first named
// threaded configuration that has one, each read under `kernel` when given
// (`memhp faults --measure`, tests/test_threads.cpp).
struct ShortestThreadedViolation {
  std::string config;
  ThreadedViolation violation;
  double seconds = 0;
};
std::optional<ShortestThreadedViolation> find_shortest_threaded_violation(const MutantSet& mutants,
                                                                          const std::optional<KernelSpec>& kernel,
                                                                          const std::string& only = {});

// NOTES.md section 22's generated tables (`memhp explore --threads-markdown`):
// the steps of each kind of threaded op under v6.1, with and without the
// 001002e73712 and 5ec8e8ea8b77 backports; the threaded checks and the
// defects each catches; and the size of every named configuration's search.
std::string threads_markdown();

// Where every sequential order of the threads' ops ends, from `start`:
// each op run whole (an Op by the sequential model; a reader's steps alone),
// keyed by outcome_key().
std::set<std::string> sequential_outcomes(const ThreadedState& start, const std::vector<ThreadProgram>& programs);
// state_key() of the System with canonical memory-group ids, then every
// thread's return values.
std::string outcome_key(const ThreadedState& c);

// A deadlock: each unfinished thread and what blocks it; nullopt when some
// thread can step, or all have finished.
std::optional<std::string> deadlock(const ThreadedState& c, const std::vector<ThreadProgram>& programs);

// The lock order graph: edges held -> taken, each with where it was first
// seen (`origin`: the steps that led to it). add() returns the cycle a new
// edge closes, if any, naming where the other edges were seen.
class LockOrder {
 public:
  std::optional<std::string> add(const LockEdge& e, const std::string& origin);
  const std::vector<LockEdge>& edges() const { return edges_; }

 private:
  bool reaches(LockClass from, LockClass to, std::string& via) const;
  std::vector<LockEdge> edges_;
  std::vector<std::string> origins_;
};

// `memhp replay` of a threaded trace: the schedule's steps in order, each
// judged; stops at the first violation or at a step that cannot run.
struct ThreadedReplayStep {
  int line = 0;
  int tid = 0;
  std::string op;    // the thread's op
  StepOutcome out;
  std::vector<DiffEntry> diff;  // diff_entries(before, after)
};
struct ThreadedReplayResult {
  std::string error;                     // a trace that does not start, or a step that cannot run
  std::vector<ThreadedReplayStep> steps;
  std::optional<Violation> violation;
  bool finished = false;                 // every thread finished
};
ThreadedReplayResult replay_threaded(const ThreadedTrace& t, std::string_view only = {});

}  // namespace memhp
