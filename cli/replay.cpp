// memhp replay TRACE [--json]: execute a trace with every invariant checked
// after every step, printing each step's state diff and the first violation.
//
// stdout carries the replay (text, or one JSON object per line); stderr
// carries the `# expect:` mismatches, so that in JSON mode stdout stays one
// JSON value per line. Exit status: 0 when nothing broke, 1 on a violation,
// a BUG or a failed expectation, 2 for bad input or a trace that cannot boot.
#include <iostream>

#include "commands.h"
#include "memhp/trace.h"
#include "replay.h"
#include "report.h"

namespace memhp::cli {
namespace {

constexpr std::string_view kUsage = "memhp replay TRACE [--json]";

struct ReplayOptions {
  std::string path;
  bool json = false;
};

// Fills opts from args; returns an error message, or "" if they are fine.
std::string parse_replay_args(const Args& args, ReplayOptions& opts) {
  bool have_path = false;
  for (const auto& a : args) {
    if (a == "--json") {
      opts.json = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return "unknown option '" + a + "'";
    } else if (have_path) {
      return "more than one trace ('" + opts.path + "', '" + a + "')";
    } else {
      opts.path = a;
      have_path = true;
    }
  }
  return have_path ? "" : "missing TRACE";
}

std::string json_replay_step(const ReplayStep& s) {
  JsonWriter w;
  w.begin_object();
  w.key("line").number(s.line);
  w.key("op").string(print_op(s.op));
  w.key("errno").number(s.result.err);
  if (!s.result.reason.empty()) w.key("reason").string(s.result.reason);
  if (!s.result.warnings.empty()) {
    w.key("warnings").begin_array();
    for (const auto& warning : s.result.warnings) w.string(warning);
    w.end_array();
  }
  if (!s.result.bug.empty()) w.key("bug").string(s.result.bug);
  w.key("diff").begin_array();
  for (const auto& d : s.diff) w.string(d);
  w.end_array();
  w.end_object();
  return w.str();
}

std::string json_verdict(const ReplayResult& r) {
  JsonWriter w;
  w.begin_object().key("violation");
  if (r.violation) {
    w.begin_object();
    w.key("invariant").string(r.violation->invariant);
    w.key("message").string(r.violation->message);
    w.key("line").number(r.violation_line);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
  return w.str();
}

void print_expect_failures(const ReplayResult& r, const std::string& file) {
  for (const auto& s : r.steps)
    if (expect_failed(s))
      std::cerr << file << ":" << s.line << ": expected " << errno_name(*s.expect) << ", got "
                << errno_name(s.result.err) << '\n';
}

}  // namespace

int cmd_replay(const Args& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: " << kUsage << '\n';
    return kExitOk;
  }
  ReplayOptions opts;
  if (auto err = parse_replay_args(args, opts); !err.empty()) return usage_error("replay", err);
  auto input = read_input(opts.path, std::cerr);
  if (!input) return kExitUsage;

  auto parsed = parse_trace(input->text);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << input->name << ":" << e->line << ": " << e->message << '\n';
    return kExitUsage;
  }
  const ReplayResult r = replay_trace(std::get<Trace>(parsed));
  if (!r.boot_error.empty()) {
    std::cerr << input->name << ":" << first_boot_line(input->text) << ": " << r.boot_error
              << '\n';
    return kExitUsage;
  }
  if (opts.json) {
    for (const auto& s : r.steps) std::cout << json_replay_step(s) << '\n';
    std::cout << json_verdict(r) << '\n';
  } else {
    std::cout << format_replay(r, input->name);
  }
  std::cout.flush();
  print_expect_failures(r, input->name);
  return r.violation || r.expect_failures ? kExitFailed : kExitOk;
}

}  // namespace memhp::cli
