// The explicit-state explorer (see explore.h for the interface).
//
// The explorer library (explore/, memhp_explore) sits on the checkers
// (props/: the invariant registry, replay's guarded apply) and the state
// diffs (report/): explore.cpp is the search, explore_configs.cpp the named
// configurations and their alphabets, explore_key.cpp the exact state keys,
// explore_pins.cpp the pinned sizes of the state spaces. Nothing below it
// knows it exists; `memhp explore`, the tests and the benchmark use it.
//
// Sources. TLC's breadth-first model checking (Yu, Manolios, Lamport,
// "Model checking TLA+ specifications", CHARME 1999): states are
// fingerprinted, the search is breadth-first so the first counterexample is
// a shortest one, and a run reports distinct states, states generated and
// the depth. tlaplus/Examples pins those numbers per model in manifest.json;
// stateright pins its state counts in tests and keeps a `sometimes`
// property beside every `always` one. IC3ref's habits: named statistics
// counters and a witness printer (trace_to()).
//
// Algorithm. The configuration fixes a machine (geometry, profile, boot
// RAM), DIMM slots and an alphabet (explore_alphabet()). From the boot
// state, breadth-first: for each state and each letter, apply the op to a
// copy of the state, check the step invariants of the registry on the
// step (before, op, result, after) and its state invariants on each state
// the first time it is reached, and intern the successor by the 64-bit
// fingerprint of its exact canonical key (state_key(); fingerprints.h
// gives the collision bound every run reports, and with verify_keys, which
// every explorer test sets, each hit is checked against the key behind it
// and each new state decoded again and compared, so neither a collision nor
// a field the key misses can merge two states unnoticed). Vertex ids are
// handed out in discovery order, so the vertex array is the BFS queue, and
// each vertex remembers its BFS parent and the letter (and errno) that
// reached it: the path from boot is a shortest trace, printed in the trace
// format with `# expect:` on every step, and replayable. The same path
// gives the state back: expanding a vertex applies its path's ops to the
// stored boot state again (state_of(), which reuses the part of the path
// the last expansion walked), so the search keeps no state, only
// fingerprints, vertices and edges (ExploreResult::search_bytes). A
// transition that breaks an invariant leads to a violating vertex outside
// the state table, never expanded (everything after a broken state derives
// from it).
//
// Threads. The vertices are expanded in batches: every thread takes states
// of the batch, applies the letters and judges the steps, reading but never
// writing the tables; then one thread merges what they found in vertex and
// letter order, exactly as a single thread would have (tallies, new
// vertices, edges, and where a bound or a violation stops the search). A
// state that is new to the tables as they were at the start of the batch
// has its state invariants judged, perhaps by two threads, with the same
// verdict. So counts, traces and pins do not depend on the number of
// threads, which tests/test_explore.cpp checks edge by edge.
//
// After the search, the edges become a Boost compressed_sparse_row_graph,
// and the graph properties use Boost.Graph: breadth_first_search on the
// reverse graph from the home states (boot) reaches every state that can
// get back (the others are stuck), and strong_components counts the
// components (1 when every state lies on a cycle through boot). Op
// coverage (every letter succeeded somewhere) comes from per-letter
// tallies kept as the transitions are merged.
//
// Known limits.
// - Finite only through the bounds: allocations are capped (max_allocs of
//   each kind at once, a pageblock each by default) and the alphabet is
//   fixed; an allocation stands for "some pages", so the explorer says
//   nothing about counts (the suites' job, with counts up to whole blocks).
// - The alphabet is System RAM through ACPI DIMMs plus fixed ZONE_DEVICE
//   requests (memremap_pages/memunmap_pages): no driver-level
//   add_memory/remove_memory, no removal of boot memory, no plain `online`
//   (the zone default). NOTES.md section 10 lists the mutants this leaves
//   out of reach. With devices, "back at boot" means equal to boot up to the
//   residue ZONE_DEVICE never gives back (Explorer::home_view()).
// - Sequence properties are not checked, only the invariant registry.
// - Violations are reported per invariant, the first (shortest) for each;
//   a transition shows only the first invariant it breaks, in registry order.
// - Exact states are large: mem->online_type leftovers, zone spans that
//   remember history, and (without memmap_on_memory) memmap pages placed by
//   the order of hot-adds multiply the states; 3 and 4 slots already run to
//   millions. The pinned counts bound those configurations by depth.
// - Cost: every transition copies a System and runs every step invariant, each
//   walking the state's maps; the invariants, not hashing, bound the speed
//   (NOTES.md section 10, bench/bench_explore.cpp).
// - Peak memory is the process's getrusage() peak, not the search's alone;
//   search_bytes is the search's own.
#include "explore.h"

#include "diff.h"
#include "inv_util.h"
#include "replay.h"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/strong_components.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <ostream>
#include <set>
#include <thread>

#include "fingerprints.h"

namespace memhp {
namespace {

using Clock = std::chrono::steady_clock;
using Vertex = std::uint32_t;

// The process's resident memory now (/proc/self/statm), 0 if unreadable.
std::uint64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}


// What replay would report for this step: the first invariant broken, else
// a BUG (which stops a replay whatever `check only=` says). `which` narrows
// the invariants; a BUG is looked for unless only state invariants are.
std::optional<Violation> judge(const StepView& v, const Invariant* only, Judged which = Judged::All) {
  if (auto bad = check_invariants(v, only, which)) return bad;
  if (which != Judged::States && v.result && !v.result->bug.empty())
    return Violation{"no_kernel_bug", "the kernel would crash: " + v.result->bug};
  return std::nullopt;
}

// Whether a capped alloc may still be tried: fewer than max_allocs
// allocations of its kind are outstanding (allocs and frees move whole
// allocations, and migration keeps the count).
bool under_cap(const AlphabetOp& a, const inv::AllocatedPages& n, const ExploreConfig& c) {
  if (!a.capped) return true;
  const auto& op = std::get<OpAlloc>(a.op);
  return (op.kind == AllocKind::Movable ? n.movable : n.unmovable) < c.max_allocs * op.count;
}

// One letter tried on one state: what an expanding thread found, which the
// merge turns into tallies, vertices and edges.
struct Outcome {
  enum class Kind : std::uint8_t {
    Skipped,    // an alloc over the page bound: not tried
    Unchanged,  // failed and changed nothing
    Loop,       // the same state again
    Successor,  // another state, whose invariants held
    Violating,  // a transition that breaks an invariant
  };
  Kind kind = Kind::Unchanged;
  bool ok = false;
  bool home = false;             // Successor: it counts as back at boot
  int err = 0;
  std::uint32_t key = 0;         // Successor, Violating: index into Expansion::keys
  std::uint32_t bad = 0;         // Violating: index into Expansion::bad
  std::uint64_t fp = 0;          // Successor: fingerprint(key)
};

// Every letter tried on one state, by letter.
struct Expansion {
  bool beyond_depth = false;  // on the last BFS level allowed: not expanded
  std::vector<Outcome> outcomes;
  std::vector<std::string> keys;
  std::vector<Violation> bad;
};

// Edges as the search stores them, in rows by source (the merge handles the
// states in vertex order, so each state's edges are appended together).
struct SearchEdge {
  Vertex to = 0;
  std::uint16_t op = 0;
  std::int16_t err = 0;
};

// A thread's own buffers, and the states along the BFS path to the last
// state it expanded (by depth), which the next one mostly shares.
struct Scratch {
  System t;
  std::string key;
  std::vector<Vertex> path;    // path[d]: the ancestor at depth d
  std::vector<System> states;  // states[d]: its stored state
};

// The memory a deque holds: libstdc++ allocates 512-byte blocks, and a
// pointer to each in its map.
template <class T>
std::uint64_t deque_bytes(const std::deque<T>& d) {
  constexpr std::uint64_t kBlock = 512, per_block = sizeof(T) < kBlock ? kBlock / sizeof(T) : 1;
  const std::uint64_t blocks = d.size() / per_block + 1;
  return blocks * (per_block * sizeof(T) + sizeof(void*));
}

class Explorer {
 public:
  Explorer(const ExploreConfig& c, const ExploreOptions& o, System boot, ExploreResult& r)
      : c_(c), o_(o), only_(o.only.empty() ? nullptr : find_invariant(o.only)), boot_(std::move(boot)),
        boot_view_(stored(boot_)), home_view_(without_zone_contiguous(boot_)), r_(r),
        keep_keys_(o.keep_keys || o.verify_keys), scratch_(std::max(1u, o.jobs)) {
    for (const Invariant& i : invariant_registry())
      if (i.check.has_state_part() && !c_.compact && reads_zone_contiguous(i) && (!only_ || only_ == &i))
        unkeyed_.push_back(&i);
  }

  void run() {
    const auto t0 = Clock::now();
    start();
    // Batches of the vertices known when the batch starts, in BFS order:
    // expanded by every thread, then merged in vertex order by this one.
    for (Vertex next = 0; next < vertices_.size() && !stop_;) {
      const Vertex end = std::min<Vertex>(static_cast<Vertex>(vertices_.size()), next + kBatch);
      std::vector<Expansion> found(end - next);
      expand_batch(next, end, found);
      for (Vertex v = next; v < end && !stop_; ++v) merge(v, found[v - next]);
      next = end;
      if (o_.on_progress)
        o_.on_progress({r_.states, r_.transitions, vertices_[end - 1].depth + 1, vertices_.size() - end,
                        std::chrono::duration<double>(Clock::now() - t0).count()});
    }
    r_.search_bytes = index_.bytes() + deque_bytes(vertices_) + deque_bytes(rows_) + deque_bytes(edges_);
    r_.collision_bound = o_.verify_keys ? 0 : collision_bound(index_.size(), o_.fingerprint_bits);
    build_graph();
    for (ExploreViolation& x : r_.violations) x.trace = trace_to(c_, o_, r_, x.vertex);
    r_.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }

 private:
  static constexpr Vertex kBatch = 256;  // states a batch expands
  static constexpr Vertex kChunk = 4;    // states a thread takes at a time

  // The state as the explorer stores it. Only compaction reads
  // zone->contiguous (pageblock_pfn_to_page()), and writing the flag
  // changes nothing else, so without `compact` in the configuration two
  // states that differ only in their flags have the same futures but for
  // the flags. Each step is judged with the flags the model computed
  // (INV-44 among the invariants), then stored with them clear: a clear
  // flag is always sound, and the flag's history no longer multiplies the
  // states (about 3x on the named configurations). With `compact` the
  // flags are state like any other.
  void store_view(System& s) const {
    if (!c_.compact) clear_zone_contiguous_flags(s);
    if (o_.canonical_groups) canonicalize_group_ids(s);
  }
  System stored(System s) const {
    store_view(s);
    return s;
  }

  // The states that count as "back at boot" (StateVertex::home): equal to
  // the boot state once zone->contiguous is set aside. The flag is a cache
  // that 6.1 clears on every online and sets again only where an offline
  // finds the zone whole, so after a boot block has been offlined and
  // onlined the kernel never gets it back (its soundness is INV-44's).
  // ZONE_DEVICE also leaves residue the kernel never gives back (the zone
  // and node span, section taint, the poisoned boot memmap of a hole:
  // INV-10, INV-14), so with devices that is set aside too, as the device
  // round-trip property compares. Stored without the flags and without
  // devices, only boot's own state (vertex 0) is home.
  bool tracks_home() const { return !c_.devices.empty() || c_.compact; }
  System home_view(const System& s) const {
    System v = without_zone_contiguous(s);
    return c_.devices.empty() ? v : without_device_residue(v, boot_);
  }

  // The boot state: vertex 0, checked as a boot step (before == after).
  void start() {
    std::string key = state_key(boot_view_);
    const Vertex v = add_vertex(key, StateVertex{0, 0, 0, 0, false, false, true});
    if (auto bad = judge(StepView{boot_, boot_, nullptr, nullptr}, only_)) {
      vertices_[v].violating = true;
      record(*bad, v);
      if (o_.stop_at_violation) stop("stopped at the first violation");
    } else {
      index_.insert(fingerprint(key, o_.fingerprint_bits), v);
    }
    r_.states = 1;
    r_.depth = 1;
  }

  // ------------------------------------------------ expanding (threads) --

  // Expands [lo, hi) into found, on o_.jobs threads. Nothing here writes
  // the explorer's tables: the threads read them, and merge() writes.
  void expand_batch(Vertex lo, Vertex hi, std::vector<Expansion>& found) {
    std::atomic<Vertex> cursor{lo};
    auto work = [&](Scratch& scratch) {
      for (Vertex a; (a = cursor.fetch_add(kChunk)) < hi;)
        for (Vertex v = a; v < std::min(hi, a + kChunk); ++v) found[v - lo] = expand(v, scratch);
    };
    const std::size_t threads = std::min<std::size_t>(scratch_.size(), (hi - lo + kChunk - 1) / kChunk);
    std::vector<std::exception_ptr> errors(threads);
    {
      std::vector<std::jthread> helpers;
      for (std::size_t i = 1; i < threads; ++i)
        helpers.emplace_back([&, i] {
          try {
            work(scratch_[i]);
          } catch (...) {
            errors[i] = std::current_exception();
          }
        });
      work(scratch_[0]);
    }
    for (const std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
  }

  // The stored state of v, found again by applying the ops of its BFS path
  // to the stored boot state (the search keeps no keys): the same ops on
  // the same states give the same states. Only the part of the path that
  // differs from the last one this thread walked is applied again.
  const System& state_of(Vertex v, Scratch& scratch) const {
    const std::uint32_t depth = vertices_[v].depth;
    std::vector<Vertex> up;  // v and its ancestors the cached path lacks, deepest first
    for (Vertex a = v; !(depth - up.size() < scratch.path.size() && scratch.path[depth - up.size()] == a);
         a = vertices_[a].parent) {
      up.push_back(a);
      if (a == 0) break;
    }
    const std::uint32_t from = depth + 1 - static_cast<std::uint32_t>(up.size());
    scratch.path.resize(depth + 1);
    scratch.states.resize(depth + 1);
    if (from == 0) {
      scratch.path[0] = 0;
      scratch.states[0] = boot_view_;
      up.pop_back();
    }
    for (std::uint32_t d = std::max(from, 1u); d <= depth; ++d) {
      const Vertex a = up[depth - d];
      const StateVertex& p = vertices_[a];
      System& t = scratch.states[d];
      t = scratch.states[d - 1];
      if (apply_guarded(t, r_.alphabet[p.via].op).err != p.via_err)
        throw std::logic_error("a step gave another result when applied again: the model is not deterministic");
      store_view(t);
      scratch.path[d] = a;
    }
    return scratch.states[depth];
  }

  Expansion expand(Vertex v, Scratch& scratch) const {
    Expansion x;
    if (vertices_[v].violating) return x;
    // The vertices are in BFS order: from the first one on the last level
    // allowed, nothing more is expanded.
    if (o_.max_depth && vertices_[v].depth + 1 >= o_.max_depth) {
      x.beyond_depth = true;
      return x;
    }
    const System& s = state_of(v, scratch);
    if (keep_keys_ && !(state_from_key(r_.keys[v], boot_) == s))
      throw std::logic_error("a state found again by its path differs from the state its key holds");
    const inv::AllocatedPages n = inv::allocated_pages(s);
    // The successor is built in one scratch System, copied from s again
    // only after an op changed it: most ops fail and change nothing, and
    // copy-assignment reuses the maps' nodes where a fresh copy allocates.
    System& t = scratch.t;
    t = s;
    x.outcomes.resize(r_.alphabet.size());
    for (std::uint32_t k = 0; k < r_.alphabet.size(); ++k) {
      if (!under_cap(r_.alphabet[k], n, c_)) {
        x.outcomes[k].kind = Outcome::Kind::Skipped;
        continue;
      }
      x.outcomes[k] = transition(s, t, k, x, scratch.key);
      if (x.outcomes[k].kind != Outcome::Kind::Unchanged && x.outcomes[k].kind != Outcome::Kind::Loop) t = s;
    }
    return x;
  }

  // Applies letter k to t (equal to s on entry).
  Outcome transition(const System& s, System& t, std::uint32_t k, Expansion& x, std::string& key) const {
    const Op& op = r_.alphabet[k].op;
    const Result res = apply_guarded(t, op);
    Outcome o;
    o.ok = res.ok();
    o.err = res.err;
    const StepView step{s, t, &op, &res};
    if (breaks_step(step))  // reported as replay reports it: the first of all the invariants
      return violation_found(o, state_key(t), *judge(step, only_), x);
    // Most ops change nothing: == says so without encoding a key (which is
    // exact, so a loop has the same key). A self-loop is kept only when it
    // succeeded. s is stored canonical and canonicalising is idempotent, so
    // a t equal to s before the renaming is equal after it, and only a t
    // the renaming changed needs comparing again.
    if (!c_.compact) clear_zone_contiguous_flags(t);
    if (t == s || (o_.canonical_groups && canonicalize_group_ids(t) && t == s)) {
      if (res.ok()) o.kind = Outcome::Kind::Loop;
      return o;
    }
    state_key(t, key);
    o.fp = fingerprint(key, o_.fingerprint_bits);
    // The state invariants read the stored state alone, so a state already
    // in the table has passed them: only one not yet in it is judged. Its
    // step invariants all held, so the first state invariant broken is the
    // first of all. (A state another thread finds new in the same batch is
    // judged twice, with the same verdict.)
    const bool known = index_.find(o.fp) != FingerprintSet::kNone;
    if (!known) {
      if (auto bad = judge(StepView{s, t, &op, &res}, only_, Judged::States)) return violation_found(o, key, *bad, x);
      if (o_.verify_keys && !(state_from_key(key, boot_) == t))
        throw std::logic_error("state_key() lost information: a state does not decode to itself");
      o.home = tracks_home() && home_view(t) == home_view_;
    }
    o.kind = Outcome::Kind::Successor;
    if (!known || o_.verify_keys) {
      o.key = static_cast<std::uint32_t>(x.keys.size());
      x.keys.push_back(key);
    }
    return o;
  }

  // A transition that breaks an invariant, as the merge will need it.
  Outcome violation_found(Outcome o, std::string key, Violation bad, Expansion& x) const {
    o.kind = Outcome::Kind::Violating;
    o.key = static_cast<std::uint32_t>(x.keys.size());
    o.bad = static_cast<std::uint32_t>(x.bad.size());
    x.keys.push_back(std::move(key));
    x.bad.push_back(std::move(bad));
    return o;
  }

  // Whether the transition breaks a step invariant, a state invariant the
  // stored key cannot vouch for (unkeyed_), or BUGs.
  bool breaks_step(const StepView& step) const {
    if (judge(step, only_, Judged::Steps)) return true;
    return std::any_of(unkeyed_.begin(), unkeyed_.end(),
                       [&](const Invariant* i) { return i->check.state_part(step).has_value(); });
  }

  // ------------------------------------------------------ merging (one) --

  // Records what expanding v found, letter by letter, as a single thread
  // would have, up to the first reason to stop.
  void merge(Vertex v, Expansion& x) {
    if (x.beyond_depth) {
      stop("--max-depth " + std::to_string(o_.max_depth) + " reached");
      return;
    }
    rows_.resize(v + 1, static_cast<std::uint32_t>(edges_.size()));
    for (std::uint32_t k = 0; k < x.outcomes.size() && !stop_; ++k) {
      const Outcome& o = x.outcomes[k];
      if (o.kind == Outcome::Kind::Skipped) {
        ++r_.ops[k].skipped;
        continue;
      }
      ++r_.transitions;
      ++(o.ok ? r_.ops[k].ok : r_.ops[k].failed);
      const StateVertex next{vertices_[v].depth + 1, v, k, o.err, false, false, o.home};
      if (o.kind == Outcome::Kind::Loop && o.ok) add_edge(v, k, 0);
      if (o.kind == Outcome::Kind::Violating) violating(std::move(x.keys[o.key]), next, x.bad[o.bad]);
      if (o.kind == Outcome::Kind::Successor) successor(o, x, next);
    }
  }

  void stop(std::string why) {
    if (!stop_) r_.stopped_by = std::move(why);
    r_.truncated = stop_ = true;
  }

  // A violating vertex: outside the state table, never expanded.
  void violating(std::string key, const StateVertex& next, const Violation& bad) {
    const Vertex w = add_vertex(std::move(key), next);
    vertices_[w].violating = true;
    add_edge(w, next.via, next.via_err);
    record(bad, w);
    if (o_.stop_at_violation) stop("stopped at the first violation");
  }

  // An edge to a successor, interned if it is new.
  void successor(const Outcome& o, Expansion& x, const StateVertex& next) {
    if (const Vertex w = index_.find(o.fp); w != FingerprintSet::kNone) {
      if (o_.verify_keys && x.keys[o.key] != r_.keys[w])
        throw std::logic_error("two states share a fingerprint: the search would have lost one");
      add_edge(w, next.via, next.via_err);
      return;
    }
    if (o_.max_states && r_.states >= o_.max_states) {
      stop("--max-states " + std::to_string(o_.max_states) + " reached");
      return;
    }
    // Reading /proc costs a system call: look every 4096 new states.
    if (o_.max_memory_bytes && r_.states % 4096 == 0) {
      const std::uint64_t rss = resident_bytes();
      if (rss > o_.max_memory_bytes) {
        stop("--max-memory " + std::to_string(o_.max_memory_bytes >> 20) + " MiB reached (resident " +
             std::to_string((rss + (1 << 20) - 1) >> 20) + " MiB)");
        return;
      }
    }
    const Vertex w = add_vertex(std::move(x.keys[o.key]), next);
    index_.insert(o.fp, w);
    ++r_.states;
    r_.depth = std::max(r_.depth, next.depth + 1);
    add_edge(w, next.via, next.via_err);
  }

  Vertex add_vertex(std::string key, const StateVertex& props) {
    r_.key_bytes += key.size();
    if (keep_keys_) r_.keys.push_back(std::move(key));
    vertices_.push_back(props);
    return static_cast<Vertex>(vertices_.size() - 1);
  }

  // An edge from the state being merged (the last row).
  void add_edge(Vertex to, std::uint32_t k, int err) {
    edges_.push_back(SearchEdge{to, static_cast<std::uint16_t>(k), static_cast<std::int16_t>(err)});
    ++r_.edges;
  }

  void record(const Violation& bad, Vertex w) {
    if (!seen_.insert(bad.invariant).second) return;
    r_.violations.push_back({bad, {}, w});
  }

  // The Boost graph, from the rows: out-edges in the order they were found.
  void build_graph() {
    rows_.resize(vertices_.size() + 1, static_cast<std::uint32_t>(edges_.size()));
    std::vector<std::pair<Vertex, Vertex>> ends;
    std::vector<StateEdge> props;
    ends.reserve(edges_.size());
    props.reserve(edges_.size());
    for (Vertex v = 0; v < vertices_.size(); ++v)
      for (std::uint32_t e = rows_[v]; e < rows_[v + 1]; ++e) {
        ends.emplace_back(v, edges_[e].to);
        props.push_back(StateEdge{edges_[e].op, edges_[e].err});
      }
    edges_ = {};
    rows_ = {};
    *r_.graph = StateGraph(boost::edges_are_unsorted_multi_pass, ends.begin(), ends.end(), props.begin(),
                           static_cast<Vertex>(vertices_.size()));
    for (Vertex v = 0; v < vertices_.size(); ++v) (*r_.graph)[v] = vertices_[v];
    vertices_ = {};
  }

  const ExploreConfig& c_;
  const ExploreOptions& o_;
  const Invariant* only_;
  std::vector<const Invariant*> unkeyed_;  // state invariants judged per transition
  const System boot_;
  const System boot_view_;  // boot as stored
  const System home_view_;
  ExploreResult& r_;
  const bool keep_keys_;
  std::vector<Scratch> scratch_;  // one per thread
  // The search's tables, written by merge() alone.
  FingerprintSet index_;            // stored states (not violating ones)
  // Deques, not vectors: they grow without copying, and without the
  // half-empty capacity a doubled vector keeps.
  std::deque<StateVertex> vertices_;
  std::deque<std::uint32_t> rows_;  // rows_[v]: v's first edge in edges_
  std::deque<SearchEdge> edges_;
  std::set<std::string> seen_;  // invariants already reported
  bool stop_ = false;
};

// ------------------------------------------------------ graph properties --

// The state at the end of a trace from boot (the search keeps no keys of
// expanded states, so a reported state is found again by its path).
System state_after(const Trace& t, System s) {
  for (const TraceStep& step : t.steps) apply_guarded(s, step.op);
  return s;
}

// States from which no home state can be reached: BFS from the home states
// (StateVertex::home) on the reverse graph reaches exactly the states that
// can get back.
void find_stuck(const ExploreConfig& c, const ExploreOptions& o, const System& boot, ExploreResult& r) {
  StateGraph& g = *r.graph;
  std::vector<boost::default_color_type> color(boost::num_vertices(g), boost::white_color);
  auto colors = boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, g));
  const auto reverse = boost::make_reverse_graph(g);
  boost::queue<Vertex> queue;
  for (Vertex h = 0; h < boost::num_vertices(g); ++h)
    if (g[h].home && !g[h].violating && color[h] == boost::white_color)
      boost::breadth_first_visit(reverse, h, queue, boost::default_bfs_visitor(), colors);
  for (Vertex v = 0; v < boost::num_vertices(g); ++v) {
    if (g[v].violating || color[v] != boost::white_color) continue;
    g[v].stuck = true;
    ++r.stuck_count;
    if (r.stuck.size() >= 3) continue;
    Trace t = trace_to(c, o, r, v);
    std::string summary = state_summary(c, state_after(t, boot));
    r.stuck.push_back({v, std::move(t), std::move(summary)});
  }
}

std::size_t count_components(const StateGraph& g) {
  std::vector<std::size_t> comp(boost::num_vertices(g));
  return boost::strong_components(
      g, boost::make_iterator_property_map(comp.begin(), boost::get(boost::vertex_index, g)));
}

// -------------------------------------------------------------- reports --

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;  // KiB on Linux
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::vector<std::size_t> ExploreResult::ops_never_ok() const {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < ops.size(); ++k)
    if (ops[k].ok == 0) out.push_back(k);
  return out;
}

std::variant<ExploreResult, std::string> explore(const ExploreConfig& c, const ExploreOptions& o) {
  // Checking everything instead of an unknown name would test something else.
  if (!o.only.empty() && !find_invariant(o.only)) return "unknown invariant '" + o.only + "'";
  if (o.fingerprint_bits < 1 || o.fingerprint_bits > 64) return "fingerprints are 1 to 64 bits wide";
  auto booted = boot_system(c.geo, c.prof, c.boot, o.mutants);
  if (auto* e = std::get_if<std::string>(&booted)) return "boot failed: " + *e;
  ExploreResult r;
  r.config = c.name;
  r.alphabet = explore_alphabet(c);
  r.ops.resize(r.alphabet.size());
  // Edges name their letter in 16 bits.
  if (r.alphabet.size() > UINT16_MAX) return "an alphabet of more than 65535 ops";
  const System boot = std::get<System>(std::move(booted));
  ExploreOptions bounded = o;  // a configuration's own depth, unless asked for less
  if (c.max_depth && (!o.max_depth || o.max_depth > c.max_depth)) bounded.max_depth = c.max_depth;
  Explorer(c, bounded, boot, r).run();
  if (!r.truncated) {
    find_stuck(c, o, boot, r);
    r.components = count_components(*r.graph);
  }
  r.peak_rss_kib = peak_rss_kib();
  return r;
}

Trace trace_to(const ExploreConfig& c, const ExploreOptions& o, const ExploreResult& r, std::uint32_t v) {
  Trace t;
  t.geo = c.geo;
  t.prof = c.prof;
  t.boot = c.boot;
  t.mutants = o.mutants;
  t.check_only = o.only;
  for (Vertex at = v; at != 0; at = (*r.graph)[at].parent) {
    const StateVertex& p = (*r.graph)[at];
    t.steps.push_back(TraceStep{0, r.alphabet[p.via].op, p.via_err});
  }
  std::reverse(t.steps.begin(), t.steps.end());
  return t;
}

std::string state_summary(const ExploreConfig& c, const System& s) {
  std::string out;
  u64 in_slots = 0;
  for (const ExploreSlot& slot : c.slots) {
    const u64 first = c.geo.block_id(c.geo.pfn_of(slot.start));
    const u64 last = c.geo.block_id(c.geo.pfn_of(slot.start + slot.size));
    for (u64 b = first; b < last; ++b) {
      const MemoryBlock& m = s.blocks.at(b);
      out += (out.empty() ? "" : " ") + std::to_string(b) + ":";
      if (!m.present) {
        out += "-";
        continue;
      }
      out += m.state == BlockState::Online && m.zone ? std::string(zone_name(*m.zone)) : "off";
      const u64 lo = c.geo.block_start(b).v, hi = c.geo.block_start(b + 1).v;
      const u64 mov = s.pages.count_if(lo, hi, [](const PageState& p) { return p.kind == PageKind::Movable; });
      const u64 unm = s.pages.count_if(lo, hi, [](const PageState& p) { return p.kind == PageKind::Unmovable; });
      if (mov) out += "+m";
      if (unm) out += "+u";
      in_slots += mov;
    }
  }
  const u64 all = s.pages.count_if(0, RunMap<PageState>::kEnd,
                                   [](const PageState& p) { return p.kind == PageKind::Movable; });
  if (all > in_slots) out += " boot:+m";
  return out;
}

void write_dot(std::ostream& os, const ExploreConfig& c, const ExploreResult& r) {
  System like;
  like.geo = c.geo;
  like.prof = c.prof;
  const StateGraph& g = *r.graph;
  auto vertex_label = [&](std::ostream& out, Vertex v) {
    const StateVertex& p = g[v];
    // Without keep_keys the states are gone: the label says where, not what.
    const std::string what = v < r.keys.size() ? state_summary(c, state_from_key(r.keys[v], like)) : "";
    out << "[label=\"s" << v << " d" << p.depth << "\\n" << dot_escape(what) << "\"";
    if (v == 0) out << ", peripheries=2";
    if (p.violating) out << ", style=filled, fillcolor=red";
    else if (p.stuck) out << ", style=filled, fillcolor=orange";
    out << "]";
  };
  auto edge_label = [&](std::ostream& out, StateGraph::edge_descriptor e) {
    const StateEdge& p = g[e];
    std::string label = print_op(r.alphabet[p.op].op);
    if (p.err) label += " -> " + errno_name(p.err);
    out << "[label=\"" << dot_escape(label) << "\"";
    if (g[boost::target(e, g)].violating) out << ", color=red";
    out << "]";
  };
  auto graph_props = [&](std::ostream& out) {
    out << "label=\"memhp explore " << dot_escape(c.name) << "\";\nnode [shape=box, fontsize=10];\n"
        << "edge [fontsize=8];\n";
  };
  boost::write_graphviz(os, g, vertex_label, edge_label, graph_props);
}

}  // namespace memhp
