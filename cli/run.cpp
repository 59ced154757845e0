// memhp run TRACE [--json]: boot the trace's System, execute every step and
// check its `expect:` comments.
//
// Diagnostics ("FILE:LINE: expected -EBUSY, got ok") go to stdout in text
// mode, so that one stream reads as a story, and to stderr in JSON mode, so
// that stdout stays one JSON value per line.
#include <exception>
#include <iostream>

#include "commands.h"
#include "memhp/trace.h"
#include "report.h"

namespace memhp::cli {
namespace {

struct RunOptions {
  std::string path;
  bool json = false;
};

// Fills opts from args; returns an error message, or "" if they are fine.
std::string parse_run_args(const Args& args, RunOptions& opts) {
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

class Runner {
 public:
  Runner(const std::string& name, bool json, System s)
      : name_(name), json_(json), s_(std::move(s)) {}

  // Executes every step, or up to the first BUG; returns the exit status.
  int run(const std::vector<TraceStep>& steps) {
    for (const auto& step : steps)
      if (!execute(step)) break;
    if (!json_)
      std::cout << executed_ << " steps, " << checked_ << " expectations checked, "
                << failed_ << " failed\n";
    std::cout.flush();
    return failed_ || stopped_ ? kExitFailed : kExitOk;
  }

 private:
  std::ostream& diag() { return json_ ? std::cerr : std::cout; }
  std::string where(int line) const { return name_ + ":" + std::to_string(line) + ": "; }

  // False when execution must stop.
  bool execute(const TraceStep& step) {
    Result r;
    try {
      r = apply_op(s_, step.op);
    } catch (const std::exception& e) {
      // A throwing model is a model bug; treat it like a kernel BUG.
      diag() << where(step.line) << "model threw: " << e.what() << '\n';
      stopped_ = true;
      return false;
    }
    ++executed_;
    report(step, r);
    check(step, r);
    if (r.bug.empty()) return true;
    diag() << where(step.line) << "BUG: " << r.bug << '\n';
    stopped_ = true;
    return false;
  }

  void report(const TraceStep& step, const Result& r) {
    if (json_)
      std::cout << json_step(s_, step.line, op_name(step.op), r) << '\n';
    else
      std::cout << text_step(step.line, step.op, r);
  }

  void check(const TraceStep& step, const Result& r) {
    if (!step.expect) return;
    ++checked_;
    if (*step.expect == r.err) return;
    ++failed_;
    diag() << where(step.line) << "expected " << errno_name(*step.expect) << ", got "
           << errno_name(r.err) << '\n';
  }

  std::string name_;
  bool json_;
  System s_;
  int executed_ = 0, checked_ = 0, failed_ = 0;
  bool stopped_ = false;
};

}  // namespace

// Trace does not keep line numbers for boot lines; a boot failure is blamed
// on the first one, or on line 1 when the trace boots nothing.
int first_boot_line(const std::string& text) {
  int lineno = 1;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    auto first = line.find_first_not_of(" \t\r\v\f");
    if (first != std::string::npos && line.compare(first, 4, "boot") == 0 &&
        (line.size() == first + 4 || std::string(" \t\r\v\f#").find(line[first + 4]) !=
                                         std::string::npos))
      return lineno;
    if (nl == std::string::npos) break;
    pos = nl + 1;
    ++lineno;
  }
  return 1;
}

int cmd_run(const Args& args) {
  RunOptions opts;
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: memhp run TRACE [--json]\n";
    return kExitOk;
  }
  if (auto err = parse_run_args(args, opts); !err.empty()) return usage_error("run", err);
  auto input = read_input(opts.path, std::cerr);
  if (!input) return kExitUsage;

  auto parsed = parse_trace(input->text);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << input->name << ":" << e->line << ": " << e->message << '\n';
    return kExitUsage;
  }
  const Trace& trace = std::get<Trace>(parsed);
  auto booted = boot_trace(trace);
  if (auto* msg = std::get_if<std::string>(&booted)) {
    std::cerr << input->name << ":" << first_boot_line(input->text) << ": " << *msg << '\n';
    return kExitUsage;
  }
  Runner runner(input->name, opts.json, std::move(std::get<System>(booted)));
  return runner.run(trace.steps);
}

}  // namespace memhp::cli
