// libFuzzer harness: arbitrary bytes through the trace parser, then through
// the model the way `memhp run` and `memhp replay` drive it.
//
// What counts as a finding (the process aborts, so libFuzzer keeps the input):
//   - a sanitizer report (ASan, UBSan) or an uncaught exception, anywhere;
//   - a trace whose canonical print does not parse back to an equal Trace
//     (trace.h promises parse(print(t)) == t);
//   - a model that throws: `memhp run` and `memhp replay` would turn it into
//     a "model threw" BUG, but it is the model's bug, never the kernel's;
//   - a hang or an allocation past -rss_limit_mb (libFuzzer's own checks).
// An invariant violation is a finding only with MEMHP_FUZZ_STRICT=1: mutated
// traces reach states whose triage is a separate job (a model bug, a false
// invariant, or an input no kernel caller makes), and stopping at the first
// would keep the fuzzer from looking any further. Without it the checks still
// run after every step, so their code is fuzzed too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "diff.h"
#include "memhp/invariants.h"
#include "memhp/trace.h"
#include "replay.h"

namespace {

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "memhp fuzz finding: %s\n", what.c_str());
  std::abort();
}

bool strict() {
  const char* v = std::getenv("MEMHP_FUZZ_STRICT");
  return v && std::string(v) == "1";
}

void check_round_trip(const memhp::Trace& t) {
  const std::string printed = memhp::print_trace(t);
  auto again = memhp::parse_trace(printed);
  if (auto* e = std::get_if<memhp::ParseError>(&again))
    finding("canonical print does not parse (line " + std::to_string(e->line) + ": " +
            e->message + "):\n" + printed);
  if (!(std::get<memhp::Trace>(again) == t))
    finding("canonical print parses to a different trace:\n" + printed);
}

// The loop of `memhp run` (stop at a BUG) with the per-step work of
// `memhp replay` (diff, invariants).
void execute(const memhp::Trace& t) {
  auto booted = memhp::boot_trace(t);
  if (std::holds_alternative<std::string>(booted)) return;  // exit status 2 in the CLI
  memhp::System& s = std::get<memhp::System>(booted);
  if (auto v = memhp::check_invariants(memhp::StepView{s, s, nullptr, nullptr}); v && strict())
    finding("at boot: " + v->invariant + ": " + v->message);
  for (const memhp::TraceStep& step : t.steps) {
    const memhp::System before = s;
    const memhp::Result r = memhp::apply_op(s, step.op);  // a throw reaches libFuzzer
    (void)memhp::diff_systems(before, s);
    auto v = memhp::check_invariants(memhp::StepView{before, s, &step.op, &r});
    if (v && strict())
      finding("line " + std::to_string(step.line) + ": " + v->invariant + ": " + v->message);
    if (!r.bug.empty()) return;  // nothing after a BUG means anything
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = memhp::parse_trace(text, memhp::check_names());
  if (auto* e = std::get_if<memhp::ParseError>(&parsed)) {
    // `memhp run` prints FILE:LINE: message; both must make sense.
    if (e->line < 1 || e->message.empty()) finding("parse error without a line or message");
    return 0;
  }
  const memhp::Trace& t = std::get<memhp::Trace>(parsed);
  check_round_trip(t);
  execute(t);
  return 0;
}
