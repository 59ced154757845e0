// `memhp explore`: an explicit-state explorer over small configurations.
//
// Breadth-first search from the boot state over every state an alphabet of
// operations can reach, with the invariant registry checked on every
// transition. What it gives that the random suites cannot: the complete
// state space of a configuration (pinned in tests, so a model change that
// alters it is noticed), shortest counterexamples, and graph properties
// (every state can return to the boot state; every op succeeds somewhere).
// The algorithm, its sources and its limits are described at the top of
// explore/explore.cpp.
#pragma once

#include <functional>
#include <boost/graph/compressed_sparse_row_graph.hpp>

#include <cstdint>
#include <deque>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "memhp/invariants.h"
#include "memhp/trace.h"

namespace memhp {

// ---------------------------------------------------------- configurations --

// A hot-pluggable DIMM slot: the explorer may plug and eject a DIMM there.
struct ExploreSlot {
  int nid = 0;
  u64 start = 0, size = 0;  // bytes
  friend bool operator==(const ExploreSlot&, const ExploreSlot&) = default;
};

// A machine and the bounds that keep its state space finite.
struct ExploreConfig {
  std::string name;
  std::string description;
  Geometry geo;
  Profile prof;
  std::vector<BootRange> boot;
  std::vector<ExploreSlot> slots;
  // ZONE_DEVICE: each request joins the alphabet as memremap_pages and
  // memunmap_pages of its id (`device` lines take memremap_pages' keys).
  std::vector<MemremapRequest> devices;
  // Each alloc and free moves alloc_pages pages (0: one pageblock), and at
  // most max_allocs of each kind (movable, unmovable) are outstanding; an
  // alloc beyond that is not tried. Without the bound, alloc would reach a
  // new state every time until the slots are full. A pageblock rather than
  // one page: a single page leaves one-page holes that the 512-page
  // memmap allocations of later hot-adds then straddle, and the number of
  // distinct free-page layouts explodes (NOTES.md section 10).
  u64 alloc_pages = 0;
  u64 max_allocs = 1;
  // Non-zero: the alphabet also registers a memory notifier that vetoes
  // going-online, or going-offline, with this errno, and drops it again.
  int notifier_errno = 0;
  // Non-zero: the configuration is explored to this many BFS levels only
  // (`depth N`), because its complete space is beyond a test's budget. Such
  // a run is never "complete": stuck states and op coverage go unchecked.
  std::uint32_t max_depth = 0;
  // The sysfs online types the alphabet writes to each block's state
  // (`online_types online,online_kernel,online_movable`); plain `online`
  // lets the profile's policy choose the zone.
  std::vector<OnlineType> online_types = {OnlineType::OnlineKernel, OnlineType::OnlineMovable};
  // `compact`: the alphabet also compacts each node that has slots. Moved
  // pages are new page layouts, so it is asked for, not implied.
  bool compact = false;
  u64 pages_per_alloc() const { return alloc_pages ? alloc_pages : geo.pageblock_pages(); }
  friend bool operator==(const ExploreConfig&, const ExploreConfig&) = default;
};

// The named configurations (`memhp explore --list`).
const std::vector<ExploreConfig>& explore_configs();
const ExploreConfig* find_explore_config(std::string_view name);

// A configuration file: a trace header (geometry, profile, boot lines), then
// `slot node= start= size=` lines, and optionally `pages count=N max=M`
// (alloc_pages, max_allocs), `notifier -EXXX` (notifier_errno),
// `online_types T,...` (online_types), `name NAME` and `description TEXT`.
// explore/explore_configs.cpp shows an example.
// Errors carry the line.
// With `version` (`memhp explore --profile`), the profile line is read as
// that version's (parse_trace()).
std::variant<ExploreConfig, ParseError> parse_explore_config(const std::string& text,
                                                             std::optional<KernelSpec> version = std::nullopt);
// The text parse_explore_config() reads back to an equal configuration.
std::string print_explore_config(const ExploreConfig& c);

// One letter of the alphabet: an op, and when it is tried.
struct AlphabetOp {
  Op op;
  // For an alloc: tried only while fewer than max_allocs allocations of its
  // kind are outstanding.
  bool capped = false;
};
// dimm_add and dimm_remove per slot; online_kernel, online_movable, offline,
// alloc and free of movable and of unmovable pages per slot block; a free
// of movable pages anywhere (offlining migrates pages out of their block,
// and they must be freeable to get back to boot); and, with
// notifier_errno, a notifier vetoing going-online, one vetoing
// going-offline, and none.
std::vector<AlphabetOp> explore_alphabet(const ExploreConfig& c);

// ----------------------------------------------------------- state keys --

// The exact canonical key of a state: its maps and fields serialized (runs
// of the maximal RunMaps, map entries in key order, integers as LEB128).
// key(a) == key(b) iff a == b, for Systems that share geometry, profile and
// mutants (which the key leaves out: they are constant during a search).
std::string state_key(const System& s);
// The same into `out`, reusing its capacity (the explorer's inner loop).
void state_key(const System& s, std::string& out);
// The inverse: `like` supplies geometry, profile and mutants. Throws
// std::runtime_error on a key state_key() cannot have produced.
System state_from_key(const std::string& key, const System& like);

// Memory-group ids renamed canonically. An id is a handle: xa_alloc() hands
// out the lowest free one, no op names a group by id (traces name DIMMs by
// address and blocks by number), and every rule that reads groups reads
// their contents. So two states that differ only in which id each group
// has are the same machine. The canonical ids are 0, 1, ... in the order of
// the lowest block each group holds, then groups holding no block (a leaked
// group) by their contents; a DIMM's mgid follows its group.
// tests/test_explore.cpp checks the quotient against the full graph.
// Idempotent; true when it renamed a group.
bool canonicalize_group_ids(System& s);

// ------------------------------------------------------------ the search --

// Where a search is, for a progress display: after each batch of expanded
// states, in BFS order.
struct ExploreProgress {
  std::uint64_t states = 0, transitions = 0;
  std::uint32_t level = 0;     // the BFS level being expanded (1: boot's successors)
  std::uint64_t frontier = 0;  // states found but not expanded yet
  double seconds = 0;
};

struct ExploreOptions {
  MutantSet mutants;                // explore a deliberately broken model
  std::string only;                 // check just this invariant ("" = all)
  std::uint64_t max_states = 0;     // stop after this many states (0 = no limit)
  // Stop once the process's resident memory passes this many bytes (0 = no
  // limit): a configuration whose state space grows without bound (a huge
  // hot-plug slot cut into many blocks) ends with a partial summary rather
  // than with the OOM killer.
  std::uint64_t max_memory_bytes = 0;
  std::uint32_t max_depth = 0;      // explore only this many BFS levels (0 = no limit)
  bool stop_at_violation = false;   // stop at the first (so shortest) violation
  // Check state_from_key(state_key(s)) == s for every new state, so the key
  // is exact on the explored space whatever fields System gains: a field
  // the key misses fails this as soon as it differs from its default. Also
  // keep every key, and check the key behind every fingerprint hit, so no
  // collision goes unnoticed; and check each state found again by its path
  // against its key. Off by default (`memhp explore --verify-keys`); every
  // explorer test turns it on.
  bool verify_keys = false;
  // Store states with canonical memory-group ids (canonicalize_group_ids()).
  bool canonical_groups = true;
  // Keep every state's key in ExploreResult::keys (for --dot, the
  // conformance stage and the tests). Without it the search keeps the keys
  // of unexpanded states only, and fingerprints for the rest. verify_keys
  // implies it: a fingerprint hit is then checked against the key behind it.
  bool keep_keys = false;
  // Threads expanding states (`memhp explore --jobs N`). The result is the
  // same for every N: the threads only expand, and one thread merges their
  // findings in the order a single thread would have made them.
  unsigned jobs = 1;
  // The fingerprints' width, 1 to 64. Only the tests narrow it: with a few
  // bits, collisions are certain, and verify_keys must catch them.
  unsigned fingerprint_bits = 64;
  // Called from the merging thread after each batch; nothing else reads it.
  std::function<void(const ExploreProgress&)> on_progress;
};

// Graph vertex: a distinct state, or a violating successor (kept outside the
// state table and never expanded).
struct StateVertex {
  std::uint32_t depth = 0;      // BFS distance from boot
  std::uint32_t parent = 0;     // BFS predecessor (itself for boot)
  std::uint32_t via = 0;        // alphabet index of the op from parent
  int via_err = 0;              // and its errno
  bool violating = false;
  bool stuck = false;           // the boot state cannot be reached from here
  bool home = false;            // counts as back at boot (home_states())
};
// Graph edge: a transition that changed the state, or succeeded.
struct StateEdge {
  std::uint16_t op = 0;  // alphabet index
  std::int16_t err = 0;  // an errno fits: the kernel's go down to -4095
};
// Built once the search is over, from the flat arrays the search fills:
// compressed sparse rows, in and out, with 32-bit vertex and edge indices.
using StateGraph = boost::compressed_sparse_row_graph<boost::bidirectionalS, StateVertex, StateEdge,
                                                      boost::no_property, std::uint32_t, std::uint32_t>;

struct ExploreViolation {
  Violation violation;
  Trace trace;   // boot plus the shortest path; replays to the violation
  std::uint32_t vertex = 0;
};

struct StuckState {
  std::uint32_t vertex = 0;
  Trace trace;          // the shortest path to it
  std::string summary;  // state_summary() of the state that trace reaches
};

struct OpTally {
  std::uint64_t ok = 0, failed = 0, skipped = 0;  // skipped: over the page bound
};

struct ExploreResult {
  std::string config;
  std::vector<AlphabetOp> alphabet;
  // Behind a pointer: Boost 1.74's adjacency_list has no move constructor,
  // and moving the result must not copy the graph.
  std::unique_ptr<StateGraph> graph = std::make_unique<StateGraph>();
  std::deque<std::string> keys;   // state_key() of each vertex, by index (with keep_keys only)
  // Named statistics.
  std::uint64_t states = 0;       // distinct states (violating successors excluded)
  std::uint64_t transitions = 0;  // (state, op) pairs executed and checked
  std::uint64_t edges = 0;        // graph edges: transitions that changed the state or succeeded
  std::uint32_t depth = 0;        // BFS levels: longest shortest path + 1
  std::uint64_t key_bytes = 0;    // total size of the state keys
  // What the search held at its peak: the fingerprint table, the vertex and
  // edge arrays, and the keys of states not yet expanded (not the graph
  // built afterwards, nor keep_keys' copies).
  std::uint64_t search_bytes = 0;
  // The chance that two of the states share a fingerprint, so that one was
  // never explored (collision_bound(); 0 with verify_keys, which checks).
  double collision_bound = 0;
  double seconds = 0;
  long peak_rss_kib = 0;          // getrusage(): the process's peak, not the search's alone
  bool truncated = false;         // a bound was reached, or stopped at a violation
  std::string stopped_by;         // when truncated: which bound, in words
  std::size_t components = 0;     // strongly connected components (0 when truncated)
  std::vector<OpTally> ops;       // by alphabet index
  std::vector<ExploreViolation> violations;  // the first per invariant, shortest first
  std::vector<StuckState> stuck;  // the 3 shallowest (only when not truncated)
  std::uint64_t stuck_count = 0;

  // No violation, no stuck state, and (for a complete search) every op
  // succeeded somewhere.
  bool passed() const {
    return violations.empty() && stuck_count == 0 && (truncated || ops_never_ok().empty());
  }
  double states_per_second() const { return seconds > 0 ? double(states) / seconds : 0; }
  double search_bytes_per_state() const { return states ? double(search_bytes) / double(states) : 0; }
  // Alphabet ops that never succeeded (only meaningful when not truncated).
  std::vector<std::size_t> ops_never_ok() const;
};

// Explores c. A configuration that does not boot, or an unknown `only`, is
// a std::string error.
std::variant<ExploreResult, std::string> explore(const ExploreConfig& c, const ExploreOptions& o);

// The configurations a mutant or a historical fault is looked for in,
// smallest first (`memhp faults --measure`, the explorer's mutant test).
std::span<const std::string_view> mutant_search_configs();

struct ShortestViolation {
  std::string config;
  ExploreViolation violation;
};
// The BFS-shortest violation (of `o.only`, or of any invariant) in the first
// configuration of mutant_search_configs() that has one, each read under
// `kernel` when given; nullopt if none has one.
std::optional<ShortestViolation> find_shortest_violation(ExploreOptions o, const std::optional<KernelSpec>& kernel);

// The trace of the BFS path to vertex v (with `mutant` headers, and `check
// only=` when o.only is set).
Trace trace_to(const ExploreConfig& c, const ExploreOptions& o, const ExploreResult& r,
               std::uint32_t v);

// Graphviz text of the state graph: violating states red, stuck states
// orange, boot doubled; edges labelled by op (and errno when it failed).
void write_dot(std::ostream& os, const ExploreConfig& c, const ExploreResult& r);

// A one-line summary of a state, per slot block: "32:off 33:Movable+m" (for
// DOT labels and stuck-state reports).
std::string state_summary(const ExploreConfig& c, const System& s);

}  // namespace memhp
