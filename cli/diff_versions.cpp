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

// A side of the comparison: a version, optionally followed by with=a,b and
// without=c (what a proposed patch adds or reverts), as on a profile line.
struct Side {
  KernelVersion version = KernelVersion::V6_1;
  DeltaSet with, without;
};

std::optional<DeltaSet> delta_list(std::string_view list) {
  DeltaSet out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto d = delta_from_name(list.substr(0, comma));
    if (!d) return std::nullopt;
    out.set(static_cast<std::size_t>(*d));
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return out;
}

// "" when `spec` is well formed, else why not.
std::string parse_side(std::string_view spec, Side& out) {
  std::vector<std::string_view> words;
  for (std::size_t at = 0; at < spec.size();) {
    const std::size_t end = std::min(spec.find(' ', at), spec.size());
    if (end > at) words.push_back(spec.substr(at, end - at));
    at = end + 1;
  }
  if (words.empty() || !version_from_name(words[0])) return "want a version (v6.1, v6.12, v6.19) first";
  out.version = *version_from_name(words[0]);
  for (std::size_t i = 1; i < words.size(); ++i) {
    const bool with = words[i].rfind("with=", 0) == 0, without = words[i].rfind("without=", 0) == 0;
    const auto list = delta_list(words[i].substr(words[i].find('=') + 1));
    if ((!with && !without) || !list) return "'" + std::string(words[i]) + "': want with=DELTA,... or without=DELTA,...";
    (with ? out.with : out.without) |= *list;
  }
  return {};
}

CLI::Validator side_spec() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        Side s;
        return parse_side(v, s);
      },
      "VERSION [with=..] [without=..]");
}

std::optional<Trace> read_as(const Input& in, const std::string& spec) {
  Side side;
  parse_side(spec, side);  // checked by side_spec()
  auto parsed = parse_trace(in.text, check_names(), side.version);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << in.name << ":" << e->line << ": " << e->message << " (as " << spec << ")\n";
    return std::nullopt;
  }
  Trace t = std::get<Trace>(std::move(parsed));
  t.prof.deltas = (t.prof.deltas | side.with) & ~side.without;
  return t;
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
      ->check(side_spec())
      ->capture_default_str();
  app.add_option("--to", o->to, "the second kernel, as --from")->check(side_spec())->capture_default_str();
  app.add_flag("--json", o->json, "one JSON object");
  return [o] { return diff_versions_cmd(*o); };
}

}  // namespace memhp::cli
