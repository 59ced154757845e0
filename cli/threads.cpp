// The threaded side of `memhp explore` and `memhp replay`: a configuration or
// trace with `thread` lines (include/memhp/thread_trace.h) runs through the
// threaded explorer (explore/threads_explore.h) or its replay.
//
// Output follows the sequential commands: stdout is deterministic (states,
// checks, the shortest interleavings), the time goes to stderr, --json is one
// object, and the exit status is 0 (held), 1 (a check failed) or 2 (input).
#include <iostream>
#include <sstream>

#include "commands.h"
#include "diff.h"
#include "replay.h"
#include "report.h"
#include "thread_checks.h"
#include "threads_explore.h"

namespace memhp::cli {
namespace {

// The named configuration, or the file; nullopt (and nothing printed) when
// neither is threaded; an error message in `err`.
std::optional<ThreadedTrace> load(const std::string& config, const std::optional<KernelSpec>& version,
                                  std::string& err) {
  std::string text, name = config;
  if (const ThreadedTrace* t = find_threaded_config(config)) {
    if (!version) return *t;
    text = print_threaded_trace(*t);
  } else {
    std::ostringstream quiet;
    auto in = read_input(config, quiet);
    if (!in || !is_threaded_text(in->text)) return std::nullopt;
    text = in->text;
    name = in->name;
  }
  auto parsed = parse_threaded_trace(text, check_names(), version);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    err = name + ":" + std::to_string(e->line) + ": " + e->message;
    return std::nullopt;
  }
  ThreadedTrace t = std::get<ThreadedTrace>(std::move(parsed));
  if (t.name.empty()) t.name = name;
  return t;
}

std::string lock_order_text(const std::vector<LockEdge>& edges) {
  std::string out;
  for (const LockEdge& e : edges)
    out += (out.empty() ? "" : ", ") + std::string(lock_class_name(e.held)) + " -> " +
           std::string(lock_class_name(e.taken));
  return out.empty() ? "none" : out;
}

// The schedule with one column per thread, the way races are drawn on
// the mailing lists: each step in its thread's column, in the order taken
// (one step per row, so a long name runs on without hiding another).
void print_columns(std::ostream& out, const ThreadedViolation& v, std::size_t threads) {
  constexpr std::size_t kWidth = 44;
  std::string head = "    ";
  for (std::size_t i = 0; i < threads; ++i) {
    std::string h = "thread " + std::to_string(i + 1);
    h.resize(kWidth, ' ');
    head += h;
  }
  while (!head.empty() && head.back() == ' ') head.pop_back();
  out << head << "\n";
  for (std::size_t i = 0; i < v.trace.schedule.size(); ++i) {
    const int tid = v.trace.schedule[i];
    const std::string name = i < v.notes.size() ? v.notes[i].substr(v.notes[i].find(": ") + 2) : "";
    out << "    " << std::string(static_cast<std::size_t>(tid) * kWidth, ' ') << name << "\n";
  }
}

void print_text(std::ostream& out, const ThreadedTrace& c, const ThreadedExploreOptions& o,
                const ThreadedExploreResult& r) {
  out << "memhp explore: threaded config " << c.name;
  if (!c.description.empty()) out << " (" << c.description << ")";
  out << "\n" << c.threads.size() << " threads";
  for (const MutantInfo& m : mutant_registry())
    if (o.mutants.has(id_of(m)) || c.base.mutants.has(id_of(m))) out << ", mutant " << m.name;
  if (!o.only.empty()) out << ", checking only " << o.only;
  out << "\n";
  for (std::size_t i = 0; i < c.threads.size(); ++i) {
    out << "thread " << i + 1 << ":";
    for (const ThreadOp& op : c.threads[i]) out << " " << print_thread_op(op) << ";";
    out << "\n";
  }
  out << "states " << r.states << ", transitions " << r.transitions << ", depth " << r.depth << ", finished runs "
      << r.finished << ", sequential outcomes " << r.sequential_orders << (r.truncated ? " (stopped early)" : "")
      << "\n";
  out << "lock order: " << lock_order_text(r.lock_order) << "\n";
  for (const ThreadedViolation& v : r.violations) {
    out << "VIOLATION " << v.violation.invariant << ": " << v.violation.message << "\n"
        << "  shortest interleaving, " << v.trace.schedule.size() << " steps:\n";
    print_columns(out, v, c.threads.size());
    out << "  as a threaded trace (memhp replay steps through it):\n";
    std::istringstream lines(print_threaded_trace(v.trace, v.notes));
    for (std::string line; std::getline(lines, line);) out << "    " << line << "\n";
  }
  out << (r.passed() ? "PASSED" : "FAILED") << "\n";
}

void print_json(std::ostream& out, const ThreadedTrace& c, const ThreadedExploreResult& r) {
  Json violations = Json::array();
  for (const ThreadedViolation& v : r.violations)
    violations.push_back(Json{{"invariant", v.violation.invariant},
                              {"message", v.violation.message},
                              {"steps", v.trace.schedule.size()},
                              {"trace", print_threaded_trace(v.trace, v.notes)}});
  out << json_line(Json{{"config", c.name},
                        {"threads", c.threads.size()},
                        {"states", r.states},
                        {"transitions", r.transitions},
                        {"depth", r.depth},
                        {"finished", r.finished},
                        {"sequential_outcomes", r.sequential_orders},
                        {"truncated", r.truncated},
                        {"lock_order", lock_order_text(r.lock_order)},
                        {"milliseconds", static_cast<std::uint64_t>(r.seconds * 1000)},
                        {"violations", violations},
                        {"passed", r.passed()}})
      << "\n";
}

}  // namespace

void list_threaded_configs(std::ostream& out) {
  for (const ThreadedTrace& t : threaded_configs())
    out << t.name << std::string(t.name.size() < 32 ? 32 - t.name.size() : 1, ' ') << t.description << " ("
        << t.threads.size() << " threads)\n";
}

bool is_check_name(const std::string& name) { return find_invariant(name) || find_thread_check(name); }

std::optional<int> explore_threaded(const ThreadedExploreCli& a) {
  std::string err;
  const std::optional<ThreadedTrace> c = load(a.config, a.version, err);
  if (!err.empty()) {
    std::cerr << err << "\n";
    return kExitUsage;
  }
  if (!c) return std::nullopt;
  if (a.sequential_options)
    return usage_error("explore", "--dot, --verify-keys, --jobs, --max-depth, --max-memory, --no-canonical-groups, "
                                  "--emit-test, --svg and --html are for sequential configurations; " + c->name +
                                  " is threaded");
  ThreadedExploreOptions o;
  o.mutants = a.mutants;
  o.only = a.only;
  o.max_states = a.max_states ? a.max_states : ~std::uint64_t{0};
  o.stop_at_violation = a.first;
  auto explored = explore_threads(*c, o);
  if (auto* e = std::get_if<std::string>(&explored)) return usage_error("explore", c->name + ": " + *e);
  const ThreadedExploreResult& r = std::get<ThreadedExploreResult>(explored);
  if (a.json) {
    print_json(std::cout, *c, r);
  } else {
    print_text(std::cout, *c, o, r);
    if (a.timing)
      std::fprintf(stderr, "memhp explore: %llu states in %.2f s\n", static_cast<unsigned long long>(r.states),
                   r.seconds);
  }
  return r.passed() ? kExitOk : kExitFailed;
}

std::optional<int> replay_threaded_cli(const Input& in, const MutantSet& faults,
                                       const std::optional<KernelSpec>& version, bool json) {
  if (!is_threaded_text(in.text)) return std::nullopt;
  auto parsed = parse_threaded_trace(in.text, check_names(), version);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << in.name << ":" << e->line << ": " << e->message << "\n";
    return kExitUsage;
  }
  ThreadedTrace t = std::get<ThreadedTrace>(std::move(parsed));
  for (std::size_t i = 0; i < kMutantCount; ++i)
    if (faults.has(Mutant::at(i))) t.base.mutants.set(Mutant::at(i));
  const ThreadedReplayResult r = replay_threaded(t, t.base.check_only);
  for (const ThreadedReplayStep& s : r.steps) {
    if (json) {
      Json j{{"line", s.line}, {"thread", s.tid + 1}, {"op", s.op}, {"step", s.out.name}, {"diff", diff_json(s.diff)}};
      if (!s.out.result.bug.empty()) j["bug"] = s.out.result.bug;
      if (s.out.op_finished) j["op_finished"] = true;
      std::cout << json_line(j) << "\n";
      continue;
    }
    std::cout << in.name << ":" << s.line << ": thread " << s.tid + 1 << " (" << s.op << "): " << s.out.name
              << (s.out.op_finished ? " [op done]" : "") << "\n";
    for (const DiffEntry& d : s.diff) std::cout << "    " << d.text() << "\n";
    for (u64 nr : s.out.usage_freed) std::cout << "    section_deactivate() gave up ms->usage of section " << nr << "\n";
  }
  if (!r.error.empty()) {
    const int line = r.steps.size() < t.schedule_lines.size() ? t.schedule_lines[r.steps.size()] : 0;
    std::cerr << in.name << ":" << line << ": " << r.error << "\n";
    return kExitUsage;
  }
  if (json) {
    Json v = nullptr;
    if (r.violation) v = Json{{"invariant", r.violation->invariant}, {"message", r.violation->message}};
    std::cout << json_line(Json{{"violation", v}, {"finished", r.finished}}) << "\n";
  } else if (r.violation) {
    std::cout << "VIOLATION " << r.violation->invariant << ": " << r.violation->message << "\n";
  } else {
    std::cout << (r.finished ? "every thread finished; all checks held\n"
                             : "the schedule ends before every thread has finished; all checks held so far\n");
  }
  return r.violation ? kExitFailed : kExitOk;
}

}  // namespace memhp::cli
