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
// the first time it is reached, and intern the successor by its exact
// canonical key
// (state_key(): the serialized maps, not a hash of them, so two states are
// never merged; with verify_keys, which every explorer test sets, every new
// state is decoded again and compared, so a field the key misses is caught
// rather than silently merged). The state graph is
// a Boost adjacency_list; vertex ids are handed out in discovery order, so
// the vertex vector is the BFS queue, and each vertex remembers its BFS
// parent and the letter (and errno) that reached it: the path from boot is
// a shortest trace, printed in the trace format with `# expect:` on every
// step, and replayable. A transition that breaks an invariant leads to a
// violating vertex outside the state table, never expanded (everything
// after a broken state derives from it). Only keys are kept: expanding a
// state decodes it. After the search, the graph properties use Boost.Graph:
// breadth_first_search on the reverse graph from the boot state reaches
// every state that can get back to boot (the others are stuck), and
// strong_components counts the components (1 when every state lies on a
// cycle through boot). Op coverage (every letter succeeded somewhere) comes
// from per-letter tallies kept as the transitions run.
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
//   residue ZONE_DEVICE never gives back (home_states()).
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
// - Peak memory is the process's getrusage() peak, not the search's alone.
#include "explore.h"

#include "diff.h"
#include "replay.h"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/strong_components.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <ostream>
#include <set>
#include <unordered_map>

namespace memhp {
namespace {

using Clock = std::chrono::steady_clock;
using Vertex = std::uint32_t;


// What replay would report for this step: the first invariant broken, else
// a BUG (which stops a replay whatever `check only=` says). `which` narrows
// the invariants; a BUG is looked for unless only state invariants are.
std::optional<Violation> judge(const StepView& v, const Invariant* only, Judged which = Judged::All) {
  if (auto bad = check_invariants(v, only, which)) return bad;
  if (which != Judged::States && v.result && !v.result->bug.empty())
    return Violation{"no_kernel_bug", "the kernel would crash: " + v.result->bug};
  return std::nullopt;
}

struct PageCounts {
  u64 movable = 0, unmovable = 0;
};
PageCounts allocated(const System& s) {
  PageCounts n;
  s.pages.for_each(0, RunMap<PageState>::kEnd, [&](u64 a, u64 b, const PageState& p) {
    if (p.kind == PageKind::Movable) n.movable += b - a;
    if (p.kind == PageKind::Unmovable) n.unmovable += b - a;
  });
  return n;
}

// Whether a capped alloc may still be tried: fewer than max_allocs
// allocations of its kind are outstanding (allocs and frees move whole
// allocations, and migration keeps the count).
bool under_cap(const AlphabetOp& a, const PageCounts& n, const ExploreConfig& c) {
  if (!a.capped) return true;
  const auto& op = std::get<OpAlloc>(a.op);
  return (op.kind == AllocKind::Movable ? n.movable : n.unmovable) < c.max_allocs * op.count;
}

class Explorer {
 public:
  Explorer(const ExploreConfig& c, const ExploreOptions& o, System boot, ExploreResult& r)
      : c_(c), o_(o), only_(o.only.empty() ? nullptr : find_invariant(o.only)), boot_(std::move(boot)),
        r_(r), g_(*r.graph) {
    for (const Invariant& i : invariant_registry())
      if (i.check.of_state() && !c_.compact && reads_zone_contiguous(i) && (!only_ || only_ == &i))
        unkeyed_.push_back(&i);
  }

  void run() {
    const auto t0 = Clock::now();
    start();
    for (Vertex v = 0; v < boost::num_vertices(g_) && !stop_; ++v) {
      if (g_[v].violating) continue;
      // The vertices are in BFS order: from the first one on the last
      // level allowed, nothing more is expanded.
      if (o_.max_depth && g_[v].depth + 1 >= o_.max_depth) {
        r_.truncated = true;
        break;
      }
      expand(v);
    }
    r_.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }

 private:
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

  // The boot state: vertex 0, checked as a boot step (before == after).
  void start() {
    System boot = boot_;
    store_view(boot);
    const Vertex v = add_vertex(state_key(boot), StateVertex{0, 0, 0, 0, false, false});
    if (auto bad = judge(StepView{boot_, boot_, nullptr, nullptr}, only_)) {
      g_[v].violating = true;
      record(*bad, v);
      if (o_.stop_at_violation) r_.truncated = stop_ = true;
    } else {
      index_.emplace(r_.keys[v], v);
    }
    r_.states = 1;
    r_.depth = 1;
  }

  void expand(Vertex v) {
    const System s = state_from_key(r_.keys[v], boot_);
    const PageCounts n = allocated(s);
    // The successor is built in one scratch System, copied from s again
    // only after an op changed it: most ops fail and change nothing, and
    // copy-assignment reuses the maps' nodes where a fresh copy allocates.
    System t = s;
    for (std::uint32_t k = 0; k < r_.alphabet.size() && !stop_; ++k) {
      if (!under_cap(r_.alphabet[k], n, c_)) {
        ++r_.ops[k].skipped;
        continue;
      }
      if (!transition(v, s, t, k)) t = s;
    }
  }

  // Applies letter k to t (equal to s on entry) and records the step; true
  // when t still equals s.
  bool transition(Vertex v, const System& s, System& t, std::uint32_t k) {
    const Op& op = r_.alphabet[k].op;
    const Result res = apply_guarded(t, op);
    ++r_.transitions;
    ++(res.ok() ? r_.ops[k].ok : r_.ops[k].failed);
    const StateVertex next{g_[v].depth + 1, v, k, res.err, false, false};
    const StepView step{s, t, &op, &res};
    if (breaks_step(step)) {
      // Reported as replay reports it: the first of all the invariants.
      violating(v, state_key(t), next, *judge(step, only_));
      return false;
    }
    store_view(t);
    // Most failed ops change nothing: == says so without encoding a key.
    if (!res.ok() && t == s) return true;
    state_key(t, key_);
    if (key_ == r_.keys[v]) {  // a self-loop: kept only when it succeeded
      if (res.ok()) add_edge(v, v, k, 0);
      return true;
    }
    // The state invariants read the stored state alone, so a state already
    // in the table has passed them: only a new one is judged. Its step
    // invariants all held, so the first state invariant broken is the first
    // of all.
    if (!index_.count(key_))
      if (auto bad = judge(StepView{s, t, &op, &res}, only_, Judged::States)) {
        violating(v, key_, next, *bad);
        return false;
      }
    successor(v, t, next);
    return false;
  }

  // Whether the transition breaks a step invariant, a state invariant the
  // stored key cannot vouch for (unkeyed_), or BUGs.
  bool breaks_step(const StepView& step) const {
    if (judge(step, only_, Judged::Steps)) return true;
    return std::any_of(unkeyed_.begin(), unkeyed_.end(), [&](const Invariant* i) { return i->check(step); });
  }

  // A violating vertex: outside the state table, never expanded.
  void violating(Vertex v, std::string key, const StateVertex& next, const Violation& bad) {
    const Vertex w = add_vertex(std::move(key), next);
    g_[w].violating = true;
    add_edge(v, w, next.via, next.via_err);
    record(bad, w);
    if (o_.stop_at_violation) r_.truncated = stop_ = true;
  }

  // An edge to the state t, interned if it is new.
  void successor(Vertex v, const System& t, const StateVertex& next) {
    if (auto it = index_.find(key_); it != index_.end()) {
      add_edge(v, it->second, next.via, next.via_err);
      return;
    }
    if (o_.max_states && r_.states >= o_.max_states) {
      r_.truncated = stop_ = true;
      return;
    }
    if (o_.verify_keys) verify(key_, t);
    const Vertex w = add_vertex(key_, next);
    index_.emplace(r_.keys[w], w);
    ++r_.states;
    r_.depth = std::max(r_.depth, next.depth + 1);
    add_edge(v, w, next.via, next.via_err);
  }

  Vertex add_vertex(std::string key, const StateVertex& props) {
    r_.key_bytes += key.size();
    r_.keys.push_back(std::move(key));
    // add_vertex(g) then the properties: add_vertex(props, g) goes through
    // named_graph, where GCC 12 with the sanitizers sees an uninitialised
    // boost::optional (a false -Wuninitialized, an error under -Werror).
    const auto v = boost::add_vertex(g_);
    g_[v] = props;
    return static_cast<Vertex>(v);
  }

  void add_edge(Vertex from, Vertex to, std::uint32_t k, int err) {
    boost::add_edge(from, to, StateEdge{k, err}, g_);
    ++r_.edges;
  }

  void record(const Violation& bad, Vertex w) {
    if (!seen_.insert(bad.invariant).second) return;
    r_.violations.push_back({bad, trace_to(c_, o_, r_, w), w});
  }

  void verify(const std::string& key, const System& t) const {
    if (!(state_from_key(key, boot_) == t))
      throw std::logic_error("state_key() lost information: a state does not decode to itself");
  }

  const ExploreConfig& c_;
  const ExploreOptions& o_;
  const Invariant* only_;
  std::vector<const Invariant*> unkeyed_;  // state invariants judged per transition
  const System boot_;
  ExploreResult& r_;
  StateGraph& g_;
  // Keys live in r_.keys (a deque: they never move), the index views them.
  std::unordered_map<std::string_view, Vertex> index_;
  std::set<std::string> seen_;  // invariants already reported
  std::string key_;             // the successor's key, reused across transitions
  bool stop_ = false;
};

// ------------------------------------------------------ graph properties --

// The states that count as "back at boot": equal to the boot state once
// zone->contiguous is set aside. The flag is a cache that 6.1 clears on
// every online and sets again only where an offline finds the zone whole,
// so after a boot block has been offlined and onlined the kernel never
// gets it back (its soundness is INV-44's). ZONE_DEVICE also leaves residue
// the kernel never gives back (the zone and node span, section taint, the
// poisoned boot memmap of a hole: INV-10, INV-14), so with devices that is
// set aside too, as the device round-trip property compares.
std::vector<Vertex> home_states(const ExploreConfig& c, const ExploreResult& r, const System& boot) {
  std::vector<Vertex> home{0};
  // Stored without the flags and without devices, only boot's own key is home.
  if (c.devices.empty() && !c.compact) return home;
  const System boot_view = without_zone_contiguous(boot);
  for (Vertex v = 1; v < r.keys.size(); ++v) {
    if ((*r.graph)[v].violating) continue;
    System s = without_zone_contiguous(state_from_key(r.keys[v], boot));
    if (!c.devices.empty()) s = without_device_residue(s, boot);
    if (s == boot_view) home.push_back(v);
  }
  return home;
}

// States from which no home state can be reached: BFS from the home states
// on the reverse graph reaches exactly the states that can get back.
void find_stuck(const ExploreConfig& c, const ExploreOptions& o, const System& boot, ExploreResult& r) {
  StateGraph& g = *r.graph;
  std::vector<boost::default_color_type> color(boost::num_vertices(g), boost::white_color);
  auto colors = boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, g));
  const auto reverse = boost::make_reverse_graph(g);
  boost::queue<Vertex> queue;
  for (Vertex h : home_states(c, r, boot))
    if (color[h] == boost::white_color)
      boost::breadth_first_visit(reverse, h, queue, boost::default_bfs_visitor(), colors);
  for (Vertex v = 0; v < boost::num_vertices(g); ++v) {
    if (g[v].violating || color[v] != boost::white_color) continue;
    g[v].stuck = true;
    ++r.stuck_count;
    if (r.stuck.size() < 3) r.stuck.push_back({v, trace_to(c, o, r, v)});
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
  auto booted = boot_system(c.geo, c.prof, c.boot, o.mutants);
  if (auto* e = std::get_if<std::string>(&booted)) return "boot failed: " + *e;
  ExploreResult r;
  r.config = c.name;
  r.alphabet = explore_alphabet(c);
  r.ops.resize(r.alphabet.size());
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
    const std::string what = state_summary(c, state_from_key(r.keys[v], like));
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
