// memhp explore: breadth-first exploration of a small configuration, with
// every invariant checked on every transition.
//
// stdout is deterministic for a configuration and options (states, edges,
// op tallies, the shortest traces), so two runs can be diffed; the time,
// states/s and peak memory go to stderr, as `memhp check` does with its
// timing. --json puts everything, timing included, in one JSON object.
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "explore.h"
#include "explore_pins.h"
#include "report.h"
#include "threads_explore.h"

namespace memhp::cli {
namespace {

constexpr std::uint64_t kDefaultMaxStates = 1000000;
// Twice what the default 1M states take at the largest configuration's
// bytes per state (NOTES.md section 10), well inside CI's machines.
constexpr std::uint64_t kDefaultMaxMemory = std::uint64_t{4} << 30;

struct ExploreArgs {
  std::string config = "x86-2slot";
  ExploreOptions opts;
  std::string dot;
  bool json = false;
  bool list = false;
  bool pins = false;
  bool threads_markdown = false;
  std::optional<KernelSpec> version;  // --profile
  std::vector<std::string> faults;     // --fault
  CounterexampleOutputs outputs;       // --emit-test, --svg, --html
};

// The named configuration, or the file it names; prints and returns nullopt on error.
std::optional<ExploreConfig> load_config(const std::string& name, std::optional<KernelSpec> version) {
  if (const ExploreConfig* c = find_explore_config(name)) {
    if (!version) return *c;
    // --profile: the configuration read back under that version.
    auto parsed = parse_explore_config(print_explore_config(*c), version);
    if (auto* e = std::get_if<ParseError>(&parsed)) {
      std::cerr << "memhp explore: " << name << ":" << e->line << ": " << e->message << "\n";
      return std::nullopt;
    }
    return std::get<ExploreConfig>(std::move(parsed));
  }
  auto in = read_input(name, std::cerr);
  if (!in) {
    std::cerr << "memhp explore: '" << name << "' is neither a configuration (see --list) nor a file\n";
    return std::nullopt;
  }
  auto parsed = parse_explore_config(in->text, version);
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

// The price of the visited set holding fingerprints, not keys.
void print_fingerprints(std::ostream& out, const ExploreOptions& o, const ExploreResult& r) {
  if (o.verify_keys) {
    out << "fingerprints: 64-bit, every hit checked against its key (--verify-keys)\n";
    return;
  }
  char bound[32];
  std::snprintf(bound, sizeof bound, "%.1e", r.collision_bound);
  out << "fingerprints: 64-bit, chance that two states share one <= " << bound << "\n";
}

void print_graph_properties(std::ostream& out, const ExploreResult& r) {
  if (r.truncated) {
    out << "search stopped early (" << r.stopped_by << "): stuck states and op coverage not checked\n";
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
    if (a.opts.mutants.has(id_of(m))) out << ", mutant " << m.name;
  if (!a.opts.only.empty()) out << ", checking only " << a.opts.only;
  out << "\nstates " << r.states << ", transitions " << r.transitions << ", edges " << r.edges
      << ", depth " << r.depth << (r.truncated ? " (stopped early: " + r.stopped_by + ")" : "") << "\n";
  print_fingerprints(out, a.opts, r);
  print_ops(out, r);
  for (const ExploreViolation& v : r.violations) {
    out << "VIOLATION " << v.violation.invariant << ": " << v.violation.message << "\n"
        << "  shortest trace, " << v.trace.steps.size() << " steps:\n";
    indent(out, print_trace(v.trace), "    ");
  }
  print_graph_properties(out, r);
  if (r.stuck_count) {
    out << "STUCK: " << r.stuck_count << " states cannot return to boot; the shallowest:\n";
    for (const StuckState& s : r.stuck) {
      out << "  state " << s.vertex << " (" << s.summary << "), "
          << s.trace.steps.size() << " steps from boot:\n";
      indent(out, print_trace(s.trace), "    ");
    }
  }
  out << (r.passed() ? "PASSED" : "FAILED") << "\n";
}

void print_json(std::ostream& out, const ExploreConfig& c, const ExploreResult& r) {
  Json ops = Json::array();
  for (std::size_t k = 0; k < r.alphabet.size(); ++k)
    ops.push_back(Json{{"op", print_op(r.alphabet[k].op)},
                       {"ok", r.ops[k].ok},
                       {"failed", r.ops[k].failed},
                       {"skipped", r.ops[k].skipped}});
  Json violations = Json::array();
  for (const ExploreViolation& v : r.violations)
    violations.push_back(Json{{"invariant", v.violation.invariant},
                              {"message", v.violation.message},
                              {"steps", v.trace.steps.size()},
                              {"trace", print_trace(v.trace)}});
  Json stuck_traces = Json::array();
  for (const StuckState& s : r.stuck) stuck_traces.push_back(print_trace(s.trace));
  const Json j{{"config", c.name},
               {"states", r.states},
               {"transitions", r.transitions},
               {"edges", r.edges},
               {"depth", r.depth},
               {"truncated", r.truncated},
               {"stopped_by", r.stopped_by},
               {"components", r.components},
               {"milliseconds", static_cast<std::uint64_t>(r.seconds * 1000)},
               {"states_per_second", static_cast<std::uint64_t>(r.states_per_second())},
               {"peak_rss_kib", r.peak_rss_kib},
               {"search_bytes", r.search_bytes},
               {"key_bytes", r.key_bytes},
               {"fingerprint_collision_bound", r.collision_bound},
               {"ops", ops},
               {"violations", violations},
               {"stuck", r.stuck_count},
               {"stuck_traces", stuck_traces},
               {"passed", r.passed()}};
  out << json_line(j) << "\n";
}

bool write_dot_file(const std::string& path, const ExploreConfig& c, const ExploreResult& r) {
  std::ostringstream dot;
  write_dot(dot, c, r);
  return write_output("memhp explore", path, dot.str());
}

int explore(ExploreArgs& a, const Chatter& chatter) {
  if (a.list) {
    list_configs(std::cout);
    std::cout << "\nthreaded configurations:\n";
    list_threaded_configs(std::cout);
    return kExitOk;
  }
  if (a.threads_markdown) {  // NOTES.md section 22's tables
    std::cout << threads_markdown();
    return kExitOk;
  }
  if (a.pins) {  // the pinned state-space sizes, as NOTES.md section 10 shows them
    std::cout << explore_pins_markdown();
    return kExitOk;
  }
  apply_faults(a.faults, a.opts.mutants, a.version);
  if (const auto done = explore_threaded({chatter.timing(), a.config, a.opts.mutants, a.opts.only, a.opts.max_states,
                                          a.opts.stop_at_violation, a.json, a.version,
                                          !a.dot.empty() || a.opts.verify_keys || a.opts.jobs > 1 ||
                                              a.opts.max_depth || !a.opts.canonical_groups ||
                                              a.opts.max_memory_bytes != kDefaultMaxMemory ||
                                              !a.outputs.emit_dir.empty() || !a.outputs.svg.empty() ||
                                              !a.outputs.html.empty()}))
    return *done;
  if (!a.opts.only.empty() && !find_invariant(a.opts.only))
    return usage_error("explore", "'" + a.opts.only + "' is a check of threaded configurations only");
  const std::optional<ExploreConfig> c = load_config(a.config, a.version);
  if (!c) return kExitUsage;
  ExploreOptions o = a.opts;
  // BFS levels have no known end, so no ETA: the level, its frontier and
  // the rate.
  if (chatter.progress())
    o.on_progress = [&chatter](const ExploreProgress& p) {
      chatter.update("memhp explore: level " + std::to_string(p.level) + ", " + std::to_string(p.states) +
                     " states (" + std::to_string(p.frontier) + " to expand), " +
                     std::to_string(static_cast<long long>(static_cast<double>(p.states) / std::max(p.seconds, 1e-9))) +
                     " states/s");
    };
  o.keep_keys = o.keep_keys || !a.dot.empty();  // the DOT labels describe each state
  auto explored = explore(*c, o);
  if (auto* e = std::get_if<std::string>(&explored)) {
    std::cerr << "memhp explore: " << c->name << ": " << *e << "\n";
    return kExitUsage;
  }
  chatter.done();
  const ExploreResult& r = std::get<ExploreResult>(explored);
  if (!a.dot.empty() && !write_dot_file(a.dot, *c, r)) return kExitUsage;
  if (a.json) {
    print_json(std::cout, *c, r);
  } else {
    print_text(std::cout, *c, a, r);
  }
  if (chatter.timing() && !a.json) {
    std::fprintf(stderr,
                 "memhp explore: %llu states in %.2f s (%.0f states/s, %u job%s), search memory %.0f B/state, "
                 "peak RSS %.1f MiB\n",
                 static_cast<unsigned long long>(r.states), r.seconds, r.states_per_second(), o.jobs,
                 o.jobs == 1 ? "" : "s", r.search_bytes_per_state(), static_cast<double>(r.peak_rss_kib) / 1024);
  }
  // Every violation's case; the picture (one file) of the first.
  std::string origin = "memhp explore --config " + c->name;
  for (const std::string& f : a.faults) origin += " --fault " + f;
  for (std::size_t i = 0; i < r.violations.size(); ++i) {
    CounterexampleOutputs out = a.outputs;
    if (i) {
      out.svg.clear();
      out.html.clear();
    }
    if (!write_counterexample(r.violations[i].trace, origin, out)) return kExitUsage;
  }
  return r.passed() ? kExitOk : kExitFailed;
}

}  // namespace

Run setup_explore(CLI::App& app) {
  auto a = std::make_shared<ExploreArgs>();
  a->opts.max_states = kDefaultMaxStates;
  a->opts.max_memory_bytes = kDefaultMaxMemory;
  app.add_option("--config", a->config, "a configuration name (see --list) or a configuration file")
      ->check(nonempty())
      ->capture_default_str();
  app.add_option_function<std::vector<std::string>>(
         "--mutant",
         [a](const std::vector<std::string>& names) {
           for (const std::string& n : names) a->opts.mutants.set(*mutant_from_name(n));
         },
         "run against a deliberately broken model (repeatable)")
      ->check(mutant_name());
  add_fault_option(app, a->faults);
  app.add_option("--only", a->opts.only, "check only this invariant")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string { return is_check_name(v) ? "" : "unknown invariant '" + v + "'"; },
          "INVARIANT"));
  app.add_flag("--first", a->opts.stop_at_violation, "stop at the first violation");
  app.add_flag("--verify-keys", a->opts.verify_keys,
               "decode every new state's key and compare it with the state (a check of the key, slower)");
  app.add_flag("--no-canonical-groups", [a](std::int64_t) { a->opts.canonical_groups = false; },
               "keep memory-group ids as the model hands them out (the full graph, not its quotient)");
  app.add_option("--dot", a->dot, "write the state graph to FILE (Graphviz)")->check(nonempty());
  app.add_option("--jobs", a->opts.jobs, "threads expanding states; the output is the same for every N")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_flag("--json", a->json, "one JSON object, timing included (docs/json.md)");
  add_counterexample_options(app, a->outputs);
  app.add_option("--max-states", a->opts.max_states, "stop after this many states (0: no limit)")
      ->check(unsigned_number())
      ->capture_default_str();
  app.add_option_function<std::string>(
         "--max-memory",
         [a](const std::string& v) { a->opts.max_memory_bytes = *parse_byte_size(v); },
         "stop once resident memory passes SIZE (K/M/G suffixes; 0: no limit; default 4G)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return parse_byte_size(v) ? "" : "'" + v + "' is not a size (a number with K, M, G or T)";
          },
          "SIZE"));
  app.add_option("--max-depth", a->opts.max_depth, "stop after this many BFS levels (0: no limit)")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_flag("--list", a->list, "list the built-in configurations");
  add_profile_option(app, a->version);
  app.add_flag("--pins", a->pins, "print the pinned state-space sizes as the markdown table of NOTES.md");
  app.add_flag("--threads-markdown", a->threads_markdown,
               "print the threaded steps, checks and configuration sizes as NOTES.md section 22's tables");
  return [a](const Chatter& chatter) { return explore(*a, chatter); };
}

}  // namespace memhp::cli
