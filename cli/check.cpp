// memhp check: run the RapidCheck suites and report.
//
// stdout is deterministic for a given seed (it names the seed it used), so
// two runs can be diffed; timing goes to stderr.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "check.h"
#include "commands.h"
#include "replay.h"
#include "report.h"
#include "sequences.h"

namespace memhp::cli {

namespace {

constexpr std::string_view kName = "check";

bool known_suite_name(const std::string& name) {
  for (const auto& [n, d] : check_suites())
    if (n == name) return true;
  return false;
}

bool parse_int(const std::string& s, long long lo, long long hi, long long& out) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno || end == s.c_str() || *end || v < lo || v > hi) return false;
  out = v;
  return true;
}

// Any uint64 (decimal or 0x hex), as `memhp check` prints seeds.
bool parse_u64(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s[0] == '-' || s[0] == '+' || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (errno || end == s.c_str() || *end) return false;
  out = v;
  return true;
}

// Parses the options; an error message, or "" on success.
std::string parse_options(const Args& args, CheckOptions& o, bool& json) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    long long n = 0;
    if (a == "--json") {
      json = true;
    } else if (a == "--no-store") {
      o.use_store = false;
    } else if (a == "--no-coverage") {
      o.coverage = false;
    } else if (a == "--suite") {
      if (!value(v) || !known_suite_name(v)) return "unknown suite '" + v + "'";
      o.suite = v;
    } else if (a == "--cases") {
      if (!value(v) || !parse_int(v, 1, 100000000, n)) return "--cases takes a number >= 1";
      o.cases = static_cast<int>(n);
    } else if (a == "--steps") {
      if (!value(v) || !parse_int(v, 1, 100000, n)) return "--steps takes a number >= 1";
      o.steps = static_cast<int>(n);
    } else if (a == "--seed") {
      std::uint64_t seed = 0;
      if (!value(v) || !parse_u64(v, seed)) return "--seed takes a number from 0 to 2^64-1";
      o.seed = seed;
    } else if (a == "--shrink-seconds") {
      if (!value(v) || !parse_int(v, 0, 86400, n)) return "--shrink-seconds takes a number";
      o.shrink_seconds = static_cast<double>(n);
    } else if (a == "--mutant") {
      if (!value(v)) return "--mutant takes a name";
      auto m = mutant_from_name(v);
      if (!m) return "unknown mutant '" + v + "' (see memhp invariants)";
      o.mutants.set(*m);
    } else if (a == "--only") {
      if (!value(v)) return "--only takes an invariant or property name";
      if (!find_invariant(v) && !find_sequence_property(v)) return "unknown invariant '" + v + "'";
      o.only = v;
    } else if (a == "--store") {
      if (!value(v) || v.empty()) return "--store takes a directory";
      o.store_dir = v;
    } else {
      return "unknown option '" + a + "'";
    }
  }
  return {};
}

void print_counts(std::ostream& out, const CheckReport& r) {
  out << "ops (result: count):\n";
  for (const auto& [op, results] : r.op_results) {
    out << "  " << op << std::string(op.size() < 16 ? 16 - op.size() : 1, ' ');
    for (const auto& [res, n] : results) out << " " << res << ":" << n;
    out << "\n";
  }
  out << "witnesses (steps where the invariant's premise held):\n";
  for (const auto& [name, n] : r.witnesses)
    out << "  " << name << std::string(name.size() < 36 ? 36 - name.size() : 1, ' ') << n << "\n";
  out << "sequence properties (times run):\n";
  for (const auto& [name, n] : r.properties)
    out << "  " << name << std::string(name.size() < 36 ? 36 - name.size() : 1, ' ') << n << "\n";
}

void print_failure(std::ostream& out, const Counterexample& c) {
  out << "FAILED: " << c.violation.invariant << ": " << c.violation.message << "\n";
  if (!c.stored_as.empty()) out << "stored as " << c.stored_as << "\n";
  out << "counterexample, " << c.trace.steps.size() << " steps (" << c.shrinks
      << " shrink steps accepted):\n";
  std::istringstream lines(print_trace(c.trace));
  for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  out << "replayed:\n";
  // Replay from the printed text so that line numbers match the trace.
  auto parsed = parse_trace(print_trace(c.trace));
  if (const Trace* t = std::get_if<Trace>(&parsed)) {
    std::istringstream replay(format_replay(replay_trace(*t), "counterexample"));
    for (std::string line; std::getline(replay, line);) out << "  " << line << "\n";
  }
}

void print_text(std::ostream& out, const CheckOptions& o, const CheckReport& r) {
  out << "memhp check: suite " << o.suite << ", seed " << r.seed << ", " << r.cases << " cases, "
      << r.steps << " steps\n";
  for (const std::string& n : r.store_notes) out << "store: " << n << "\n";
  print_counts(out, r);
  if (r.failure) print_failure(out, *r.failure);
  for (const std::string& gap : r.coverage_gaps) out << "coverage: " << gap << "\n";
  out << (r.passed() ? "PASSED" : "FAILED") << "\n";
}

void print_json(std::ostream& out, const CheckOptions& o, const CheckReport& r) {
  JsonWriter w;
  w.begin_object();
  w.key("suite").string(o.suite);
  w.key("seed").number(r.seed);
  w.key("cases").number(static_cast<std::uint64_t>(r.cases));
  w.key("steps").number(r.steps);
  w.key("ops").begin_object();
  for (const auto& [op, results] : r.op_results) {
    w.key(op).begin_object();
    for (const auto& [res, n] : results) w.key(res).number(n);
    w.end_object();
  }
  w.end_object();
  w.key("witnesses").begin_object();
  for (const auto& [name, n] : r.witnesses) w.key(name).number(n);
  w.end_object();
  w.key("properties").begin_object();
  for (const auto& [name, n] : r.properties) w.key(name).number(n);
  w.end_object();
  w.key("store").begin_array();
  for (const std::string& n : r.store_notes) w.string(n);
  w.end_array();
  w.key("coverage_gaps").begin_array();
  for (const std::string& g : r.coverage_gaps) w.string(g);
  w.end_array();
  w.key("failure");
  if (r.failure) {
    w.begin_object();
    w.key("invariant").string(r.failure->violation.invariant);
    w.key("message").string(r.failure->violation.message);
    w.key("steps").number(static_cast<std::uint64_t>(r.failure->trace.steps.size()));
    w.key("shrinks").number(static_cast<std::uint64_t>(r.failure->shrinks));
    w.key("stored_as").string(r.failure->stored_as);
    w.key("trace").string(print_trace(r.failure->trace));
    w.end_object();
  } else {
    w.null();
  }
  w.key("passed").boolean(r.passed());
  w.end_object();
  out << w.str() << "\n";
}

}  // namespace

int cmd_check(const Args& args) {
  CheckOptions o;
  bool json = false;
  if (std::string err = parse_options(args, o, json); !err.empty()) return usage_error(kName, err);
  o.progress = !json && isatty(STDERR_FILENO);
  const CheckReport r = run_check(o);
  if (json)
    print_json(std::cout, o, r);
  else
    print_text(std::cout, o, r);
  if (r.seconds > 0)
    std::fprintf(stderr, "memhp check: %llu steps in %.2f s (%.0f steps/s)\n",
                 static_cast<unsigned long long>(r.steps), r.seconds,
                 static_cast<double>(r.steps) / r.seconds);
  return r.passed() ? kExitOk : kExitFailed;
}

}  // namespace memhp::cli
