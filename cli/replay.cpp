// memhp replay TRACE [--json]: execute a trace with every invariant checked
// after every step, printing each step's state diff and the first violation.
//
// stdout carries the replay (text, or one JSON object per line); stderr
// carries the `# expect:` mismatches, so that in JSON mode stdout stays one
// JSON value per line. Exit status: 0 when nothing broke, 1 on a violation,
// a BUG or a failed expectation, 2 for bad input or a trace that cannot boot.
#include <iostream>

#include "commands.h"
#include "diff.h"
#include "memhp/thread_trace.h"
#include "memhp/trace.h"
#include "replay.h"
#include "report.h"

namespace memhp::cli {
namespace {

struct ReplayOptions {
  std::string path;
  std::optional<KernelSpec> version;  // --profile
  std::vector<std::string> faults;     // --fault
  bool json = false;
  CounterexampleOutputs outputs;  // --emit-test, --svg, --html
};

std::string json_replay_step(const ReplayStep& s) {
  Json j{{"line", s.line}, {"op", print_op(s.op)}, {"errno", s.result.err}};
  if (!s.result.reason.empty()) j["reason"] = s.result.reason;
  if (!s.result.warnings.empty()) j["warnings"] = s.result.warnings;
  if (!s.result.bug.empty()) j["bug"] = s.result.bug;
  j["diff"] = diff_json(s.diff);
  if (!s.result.walked.empty()) j["walked"] = describe_walk(s.result.walked);
  return json_line(j);
}

std::string json_verdict(const ReplayResult& r) {
  Json v = nullptr;
  if (r.violation)
    v = Json{{"invariant", r.violation->invariant}, {"message", r.violation->message}, {"line", r.violation_line}};
  return json_line(Json{{"violation", v}});
}

void print_expect_failures(const ReplayResult& r, const std::string& file) {
  for (const auto& s : r.steps)
    if (expect_failed(s))
      std::cerr << file << ":" << s.line << ": expected " << errno_name(*s.expect) << ", got "
                << errno_name(s.result.err) << '\n';
}

int replay(ReplayOptions& opts) {
  auto input = read_input(opts.path, std::cerr);
  if (!input) return kExitUsage;

  MutantSet faults;
  apply_faults(opts.faults, faults, opts.version);
  const CounterexampleOutputs& out = opts.outputs;
  if (is_threaded_text(input->text) && !(out.emit_dir.empty() && out.svg.empty() && out.html.empty()))
    return usage_error("replay", input->name + ": --emit-test, --svg and --html take sequential traces; this one "
                                               "is threaded");
  if (const auto done = replay_threaded_cli(*input, faults, opts.version, opts.json)) return *done;
  std::optional<Trace> parsed = parse_with_faults(*input, faults, opts.version);
  if (!parsed) return kExitUsage;
  Trace& t = *parsed;
  const ReplayResult r = replay_trace(t);
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
  if (!write_counterexample(t, "memhp replay " + input->name, opts.outputs)) return kExitUsage;
  return r.violation || r.expect_failures ? kExitFailed : kExitOk;
}

}  // namespace

Run setup_replay(CLI::App& app) {
  auto opts = std::make_shared<ReplayOptions>();
  app.add_option("TRACE", opts->path, "the trace file, '-' for standard input")->required();
  add_profile_option(app, opts->version);
  add_fault_option(app, opts->faults);
  app.add_flag("--json", opts->json, "one JSON object per step, then the verdict (docs/json.md)");
  add_counterexample_options(app, opts->outputs);
  return [opts](const Chatter&) { return replay(*opts); };
}

}  // namespace memhp::cli
