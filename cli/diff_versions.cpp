// memhp diff-versions TRACE [--from v6.1] [--to v6.12] [--json]: one trace
// under two kernel versions, and the first step where they part. A side may
// add or drop deltas ("v6.19 without=mom_per_block"), which is how a patch
// is compared with the kernel it applies to (docs/reviewing-a-patch.md).
//
// Exit status as diff(1) has it: 0 the versions agree on every step, 1 they
// part (the step, both errnos and the state difference are printed), 2 the
// trace does not parse or boot under one of them.
#include <iostream>

#include "commands.h"
#include "memhp/invariants.h"
#include "replay.h"
#include "report.h"
#include "version_diff.h"

namespace memhp::cli {
namespace {

struct DiffVersionsOptions {
  std::string path;
  std::string from = "v6.1", to = "v6.12";
  bool json = false;
};

// A side of the comparison is a KernelSpec: a version, optionally with
// with=a,b and without=c (what a proposed patch adds or reverts).
std::optional<Trace> read_as(const Input& in, const std::string& spec) {
  KernelSpec side;
  parse_kernel_spec(spec, side);  // checked by kernel_spec()
  auto parsed = parse_trace(in.text, check_names(), side);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << in.name << ":" << e->line << ": " << e->message << " (as " << spec << ")\n";
    return std::nullopt;
  }
  return std::get<Trace>(std::move(parsed));
}

void print_text(const DiffVersionsOptions& o, const std::string& name, const VersionDiff& d) {
  if (!d.first) {
    std::cout << name << ": " << o.from << " and " << o.to << " agree on all " << d.steps << " steps\n";
    return;
  }
  const VersionDivergence& v = *d.first;
  if (v.line == 0)
    std::cout << name << ": " << o.from << " and " << o.to << " part at boot\n";
  else
    std::cout << name << ":" << v.line << ": " << o.from << " and " << o.to << " part at '" << v.op
              << "' after " << d.steps << " agreeing steps\n";
  std::cout << "  errno: " << o.from << " " << errno_name(v.err_from) << ", " << o.to << " "
            << errno_name(v.err_to) << "\n";
  for (const auto& n : v.notes_from) std::cout << "  " << o.from << ": " << n << "\n";
  for (const auto& n : v.notes_to) std::cout << "  " << o.to << ": " << n << "\n";
  if (!v.diff.empty()) std::cout << "  state, " << o.from << " -> " << o.to << ":\n";
  for (const auto& line : v.diff) std::cout << "    " << line << "\n";
}

void print_json(const DiffVersionsOptions& o, const VersionDiff& d) {
  Json j{{"from", o.from}, {"to", o.to}, {"agreeing_steps", d.steps}, {"diverged", d.first.has_value()}};
  if (d.first) {
    const VersionDivergence& v = *d.first;
    j["first"] = Json{{"line", v.line},        {"op", v.op},
                      {"errno_from", v.err_from}, {"errno_to", v.err_to},
                      {"notes_from", v.notes_from}, {"notes_to", v.notes_to},
                      {"state_diff", v.diff}};
  }
  std::cout << json_line(j) << "\n";
}

int diff_versions_cmd(const DiffVersionsOptions& o) {
  auto in = read_input(o.path, std::cerr);
  if (!in) return kExitUsage;
  auto from = read_as(*in, o.from), to = read_as(*in, o.to);
  if (!from || !to) return kExitUsage;
  const VersionDiff d = diff_versions(*from, *to);
  if (!d.boot_error.empty()) {
    std::cerr << in->name << ":" << first_boot_line(in->text) << ": " << d.boot_error << "\n";
    return kExitUsage;
  }
  if (o.json)
    print_json(o, d);
  else
    print_text(o, in->name, d);
  return d.first ? kExitFailed : kExitOk;
}

}  // namespace

Run setup_diff_versions(CLI::App& app) {
  auto o = std::make_shared<DiffVersionsOptions>();
  app.add_option("TRACE", o->path, "the trace file, '-' for standard input")->required();
  app.add_option("--from", o->from, "the first kernel: a version, with=/without= deltas after it")
      ->check(kernel_spec())
      ->capture_default_str();
  app.add_option("--to", o->to, "the second kernel, as --from")->check(kernel_spec())->capture_default_str();
  app.add_flag("--json", o->json, "one JSON object");
  return [o](const Chatter&) { return diff_versions_cmd(*o); };
}

}  // namespace memhp::cli
