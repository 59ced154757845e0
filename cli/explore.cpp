// memhp explore: breadth-first exploration of a small configuration, with
// every invariant checked on every transition.
//
// stdout is deterministic for a configuration and options (states, edges,
// op tallies, the shortest traces), so two runs can be diffed; the time,
// states/s and peak memory go to stderr, as `memhp check` does with its
// timing. --json puts everything, timing included, in one JSON object.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "explore.h"
#include "explore_pins.h"
#include "report.h"

namespace memhp::cli {
namespace {

constexpr std::string_view kName = "explore";
constexpr std::uint64_t kDefaultMaxStates = 1000000;

struct ExploreArgs {
  std::string config = "x86-2slot";
  ExploreOptions opts;
  std::string dot;
  bool json = false;
  bool list = false;
  bool pins = false;
};

bool parse_count(const std::string& s, std::uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno || end == s.c_str() || *end || s[0] == '-') return false;
  out = v;
  return true;
}

// Fills a from args; an error message, or "" on success.
std::string parse_args(const Args& args, ExploreArgs& a) {
  a.opts.max_states = kDefaultMaxStates;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string v;
    auto value = [&] {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    if (arg == "--json") {
      a.json = true;
    } else if (arg == "--list") {
      a.list = true;
    } else if (arg == "--pins") {
      a.pins = true;
    } else if (arg == "--first") {
      a.opts.stop_at_violation = true;
    } else if (arg == "--config") {
      if (!value() || v.empty()) return "--config takes a name or a file";
      a.config = v;
    } else if (arg == "--mutant") {
      if (!value()) return "--mutant takes a name";
      auto m = mutant_from_name(v);
      if (!m) return "unknown mutant '" + v + "' (see memhp invariants)";
      a.opts.mutants.set(*m);
    } else if (arg == "--only") {
      if (!value() || !find_invariant(v)) return "unknown invariant '" + v + "'";
      a.opts.only = v;
    } else if (arg == "--dot") {
      if (!value() || v.empty()) return "--dot takes a file";
      a.dot = v;
    } else if (arg == "--max-depth") {
      std::uint64_t n = 0;
      if (!value() || !parse_count(v, n) || n > 1000000) return "--max-depth takes a number (0: no limit)";
      a.opts.max_depth = static_cast<std::uint32_t>(n);
    } else if (arg == "--max-states") {
      if (!value() || !parse_count(v, a.opts.max_states)) return "--max-states takes a number (0: no limit)";
    } else {
      return "unknown option '" + arg + "'";
    }
  }
  return {};
}

// The named configuration, or the file it names; prints and returns nullopt on error.
std::optional<ExploreConfig> load_config(const std::string& name) {
  if (const ExploreConfig* c = find_explore_config(name)) return *c;
  auto in = read_input(name, std::cerr);
  if (!in) {
    std::cerr << "memhp explore: '" << name << "' is neither a configuration (see --list) nor a file\n";
    return std::nullopt;
  }
  auto parsed = parse_explore_config(in->text);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << in->name << ":" << e->line << ": " << e->message << "\n";
    return std::nullopt;
  }
  ExploreConfig c = std::get<ExploreConfig>(std::move(parsed));
  if (c.name.empty()) c.name = in->name;
  return c;
}

void list_configs(std::ostream& out) {
  std::size_t width = 0;
  for (const ExploreConfig& c : explore_configs()) width = std::max(width, c.name.size() + 2);
  for (const ExploreConfig& c : explore_configs()) {
    std::string name = c.name;
    name.resize(width, ' ');
    out << name << c.description << " (" << explore_alphabet(c).size() << " ops)\n";
  }
}

void indent(std::ostream& out, const std::string& text, const char* pad) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out << pad << line << "\n";
}

void print_ops(std::ostream& out, const ExploreResult& r) {
  out << "ops (ok/failed/skipped over the page bound):\n";
  for (std::size_t k = 0; k < r.alphabet.size(); ++k) {
    std::string op = print_op(r.alphabet[k].op);
    op.resize(std::max<std::size_t>(op.size() + 1, 58), ' ');
    out << "  " << op << r.ops[k].ok << "/" << r.ops[k].failed << "/" << r.ops[k].skipped << "\n";
  }
}

void print_graph_properties(std::ostream& out, const ExploreResult& r) {
  if (r.truncated) {
    out << "search stopped early: stuck states and op coverage not checked\n";
    return;
  }
  if (r.stuck.empty())
    out << "stuck states: none (every state can return to boot; strongly connected components: "
        << r.components << ")\n";
  for (std::size_t k : r.ops_never_ok())
    out << "coverage: op '" << print_op(r.alphabet[k].op) << "' never succeeded\n";
}

void print_text(std::ostream& out, const ExploreConfig& c, const ExploreArgs& a, const ExploreResult& r) {
  out << "memhp explore: config " << c.name;
  if (!c.description.empty()) out << " (" << c.description << ")";
  out << "\n" << r.alphabet.size() << " ops, ";
  if (c.max_allocs)
    out << "allocations of " << c.pages_per_alloc() << " pages, at most " << c.max_allocs
        << " of each kind at once";
  else
    out << "no allocations";
  if (c.devices.size()) out << ", " << c.devices.size() << " ZONE_DEVICE ranges";
  if (c.max_depth) out << ", bounded to " << c.max_depth << " BFS levels by the configuration";
  for (const MutantInfo& m : mutant_registry())
    if (a.opts.mutants.has(m.id)) out << ", mutant " << m.name;
  if (!a.opts.only.empty()) out << ", checking only " << a.opts.only;
  out << "\nstates " << r.states << ", transitions " << r.transitions << ", edges " << r.edges
      << ", depth " << r.depth << (r.truncated ? " (stopped early)" : "") << "\n";
  print_ops(out, r);
  for (const ExploreViolation& v : r.violations) {
    out << "VIOLATION " << v.violation.invariant << ": " << v.violation.message << "\n"
        << "  shortest trace, " << v.trace.steps.size() << " steps:\n";
    indent(out, print_trace(v.trace), "    ");
  }
  print_graph_properties(out, r);
  if (r.stuck_count) {
    out << "STUCK: " << r.stuck_count << " states cannot return to boot; the shallowest:\n";
    System like;  // what state_from_key() needs besides the key
    like.geo = c.geo;
    like.prof = c.prof;
    for (const StuckState& s : r.stuck) {
      out << "  state " << s.vertex << " (" << state_summary(c, state_from_key(r.keys[s.vertex], like)) << "), "
          << s.trace.steps.size() << " steps from boot:\n";
      indent(out, print_trace(s.trace), "    ");
    }
  }
  out << (r.passed() ? "PASSED" : "FAILED") << "\n";
}

void print_json(std::ostream& out, const ExploreConfig& c, const ExploreResult& r) {
  JsonWriter w;
  w.begin_object();
  w.key("config").string(c.name);
  w.key("states").number(r.states);
  w.key("transitions").number(r.transitions);
  w.key("edges").number(r.edges);
  w.key("depth").number(r.depth);
  w.key("truncated").boolean(r.truncated);
  w.key("components").number(r.components);
  w.key("milliseconds").number(static_cast<std::uint64_t>(r.seconds * 1000));
  w.key("states_per_second").number(static_cast<std::uint64_t>(r.states_per_second()));
  w.key("peak_rss_kib").number(r.peak_rss_kib);
  w.key("ops").begin_array();
  for (std::size_t k = 0; k < r.alphabet.size(); ++k) {
    w.begin_object().key("op").string(print_op(r.alphabet[k].op));
    w.key("ok").number(r.ops[k].ok).key("failed").number(r.ops[k].failed);
    w.key("skipped").number(r.ops[k].skipped).end_object();
  }
  w.end_array();
  w.key("violations").begin_array();
  for (const ExploreViolation& v : r.violations) {
    w.begin_object().key("invariant").string(v.violation.invariant);
    w.key("message").string(v.violation.message);
    w.key("steps").number(static_cast<std::uint64_t>(v.trace.steps.size()));
    w.key("trace").string(print_trace(v.trace)).end_object();
  }
  w.end_array();
  w.key("stuck").number(r.stuck_count);
  w.key("stuck_traces").begin_array();
  for (const StuckState& s : r.stuck) w.string(print_trace(s.trace));
  w.end_array();
  w.key("passed").boolean(r.passed());
  w.end_object();
  out << w.str() << "\n";
}

bool write_dot_file(const std::string& path, const ExploreConfig& c, const ExploreResult& r) {
  std::ofstream f(path);
  if (f) write_dot(f, c, r);
  if (f) return true;
  std::cerr << "memhp explore: cannot write '" << path << "'\n";
  return false;
}

}  // namespace

int cmd_explore(const Args& args) {
  ExploreArgs a;
  if (std::string err = parse_args(args, a); !err.empty()) return usage_error(kName, err);
  if (a.list) {
    list_configs(std::cout);
    return kExitOk;
  }
  if (a.pins) {  // the pinned state-space sizes, as NOTES.md section 10 shows them
    std::cout << explore_pins_markdown();
    return kExitOk;
  }
  const std::optional<ExploreConfig> c = load_config(a.config);
  if (!c) return kExitUsage;
  auto explored = explore(*c, a.opts);
  if (auto* e = std::get_if<std::string>(&explored)) {
    std::cerr << "memhp explore: " << c->name << ": " << *e << "\n";
    return kExitUsage;
  }
  const ExploreResult& r = std::get<ExploreResult>(explored);
  if (!a.dot.empty() && !write_dot_file(a.dot, *c, r)) return kExitUsage;
  if (a.json) {
    print_json(std::cout, *c, r);
  } else {
    print_text(std::cout, *c, a, r);
    std::fprintf(stderr, "memhp explore: %llu states in %.2f s (%.0f states/s), peak RSS %.1f MiB\n",
                 static_cast<unsigned long long>(r.states), r.seconds, r.states_per_second(),
                 static_cast<double>(r.peak_rss_kib) / 1024);
  }
  return r.passed() ? kExitOk : kExitFailed;
}

}  // namespace memhp::cli
