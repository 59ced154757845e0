// memhp run TRACE [--json | --json-full]: boot the trace's System, execute
// every step and check its `expect:` comments.
//
// In text, each step's line is followed by what it changed (zone counters,
// node spans, block states, where new memmap came from: report.h's
// step_changes()) and the verdict on its `# expect:`.
//
// Diagnostics ("FILE:LINE: expected -EBUSY, got ok") go to stdout in text
// mode, so that one stream reads as a story, and to stderr in JSON mode, so
// that stdout stays one JSON value per line.
#include <exception>
#include <iostream>

#include "commands.h"
#include "memhp/trace.h"
#include "replay.h"
#include "report.h"

namespace memhp::cli {
namespace {

enum class Format { Text, JsonChanges, JsonFull };

struct RunOptions {
  std::string path;
  std::optional<KernelSpec> version;  // --profile
  Format format = Format::Text;
};

class Runner {
 public:
  Runner(const std::string& name, Format format, System s)
      : name_(name), format_(format), json_(format != Format::Text), s_(std::move(s)) {
    if (format_ == Format::JsonChanges) changes_.emplace(s_);
  }

  // Executes every step, or up to the first BUG; returns the exit status.
  int run(const std::vector<TraceStep>& steps) {
    if (format_ == Format::JsonChanges) std::cout << changes_->boot_line() << '\n';
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
    std::optional<System> before;  // only the text form prints what changed
    if (format_ == Format::Text) before = s_;
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
    if (before)
      for (const std::string& line : step_changes(*before, s_)) std::cout << "  " << line << '\n';
    check(step, r);
    if (r.bug.empty()) return true;
    diag() << where(step.line) << "BUG: " << r.bug << '\n';
    stopped_ = true;
    return false;
  }

  void report(const TraceStep& step, const Result& r) {
    switch (format_) {
      case Format::Text: std::cout << text_step(step.line, step.op, r); break;
      case Format::JsonChanges: std::cout << changes_->step(s_, step.line, op_name(step.op), r, step.expect) << '\n'; break;
      case Format::JsonFull: std::cout << json_step(s_, step.line, op_name(step.op), r, step.expect) << '\n'; break;
    }
  }

  void check(const TraceStep& step, const Result& r) {
    if (!step.expect) return;
    ++checked_;
    if (*step.expect == r.err) {
      if (!json_) std::cout << "  expect " << errno_name(*step.expect) << ": held\n";
      return;
    }
    ++failed_;
    diag() << where(step.line) << "expected " << errno_name(*step.expect) << ", got "
           << errno_name(r.err) << '\n';
  }

  std::string name_;
  Format format_;
  bool json_;
  System s_;
  std::optional<JsonChanges> changes_;  // only for --json
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

namespace {

int run(const RunOptions& opts) {
  auto input = read_input(opts.path, std::cerr);
  if (!input) return kExitUsage;

  auto parsed = parse_trace(input->text, check_names(), opts.version);
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
  Runner runner(input->name, opts.format, std::move(std::get<System>(booted)));
  return runner.run(trace.steps);
}

}  // namespace

Run setup_run(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  app.add_option("TRACE", opts->path, "the trace file, '-' for standard input")->required();
  add_profile_option(app, opts->version);
  auto* json = app.add_flag_callback(
      "--json", [opts] { opts->format = Format::JsonChanges; },
      "one JSON line for the boot state, then per step only what changed (docs/json.md)");
  app.add_flag_callback("--json-full", [opts] { opts->format = Format::JsonFull; },
                        "one JSON line per step with every zone and every present block")
      ->excludes(json);
  return [opts](const Chatter&) { return run(*opts); };
}

}  // namespace memhp::cli
