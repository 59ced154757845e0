// memhp kernel-script and memhp diff-kernel: the model against a real 6.1 or
// 6.12 kernel in a QEMU guest (oracle/kernel.h, oracle/guest.py); the trace's
// profile version picks the kernel.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "failure_store.h"
#include "kernel.h"
#include "replay.h"
#include "report.h"

namespace memhp::cli {

namespace {

std::optional<Trace> load_trace(const std::string& path) {
  auto in = read_input(path, std::cerr);
  if (!in) return std::nullopt;
  auto parsed = parse_trace(in->text, check_names());
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << in->name << ":" << e->line << ": " << e->message << "\n";
    return std::nullopt;
  }
  return std::get<Trace>(std::move(parsed));
}

// The guest's verdict on one trace: 0 agree, 1 disagree, 2 could not run.
struct Verdict {
  int status = 0;
  std::optional<Disagreement> disagreement;
  std::string error;
  std::size_t steps = 0;
};

Verdict diff_one(const Trace& t) {
  Verdict v;
  auto script = kernel_script(t);
  if (auto* e = std::get_if<ParseError>(&script)) {
    v.status = 2;
    v.error = "line " + std::to_string(e->line) + ": " + e->message;
    return v;
  }
  auto guest = run_guest(std::get<std::string>(script));
  if (auto* e = std::get_if<std::string>(&guest)) {
    v.status = 2;
    v.error = *e;
    return v;
  }
  const auto& kernel = std::get<std::vector<KernelObservation>>(guest);
  v.steps = kernel.size();
  v.disagreement = compare_observations(observe_model(t), kernel);
  v.status = v.disagreement ? 1 : 0;
  return v;
}

void print_disagreement(std::ostream& out, const std::string& name, const Disagreement& d) {
  out << name << ":" << d.line << ": the model and the kernel disagree after `" << d.op << "`\n";
  for (const std::string& line : d.details) out << "    " << line << "\n";
}

// Delta debugging, one step at a time: drop each step whose removal keeps
// the disagreement. Every try boots a guest, so this is slow and thorough.
Trace shrink(Trace t) {
  for (std::size_t i = 0; i < t.steps.size();) {
    Trace smaller = t;
    smaller.steps.erase(smaller.steps.begin() + static_cast<long>(i));
    if (diff_one(smaller).status == 1)
      t = smaller;
    else
      ++i;
  }
  return t;
}

struct RandomArgs {
  std::uint64_t count = 0, seed = 1;
  KernelVersion version = KernelVersion::V6_1;
  bool json = false;
  bool keep_going = false;
};

// The first disagreement, shrunk (a guest boot per try) and stored.
void report_shrunk(const Trace& t) {
  const Trace small = shrink(t);
  const Trace printed = std::get<Trace>(parse_trace(print_trace(small)));
  const std::string path = store_failure(".memhp/kernel-failures", printed, "kernel-disagreement");
  const Verdict again = diff_one(printed);
  std::cout << "DISAGREEMENT, shrunk to " << printed.steps.size() << " steps, stored as " << path << "\n"
            << print_trace(printed);
  if (again.disagreement) print_disagreement(std::cout, path, *again.disagreement);
}

// --keep-going: every disagreeing trace as it is (no shrinking), stored, and
// its first differing step.
void report_unshrunk(const Trace& t, std::uint64_t seed, const Disagreement& d, Json& all, bool json) {
  const std::string path = store_failure(".memhp/kernel-failures", t, "kernel-disagreement");
  if (json) {
    all.push_back(Json{{"seed", seed}, {"trace", path}, {"line", d.line}, {"op", d.op}, {"details", d.details}});
    return;
  }
  std::cout << "DISAGREEMENT (seed " << seed << "), stored as " << path << "\n";
  print_disagreement(std::cout, path, d);
}

int run_random(const RandomArgs& a, const Chatter& chatter) {
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t agree = 0;
  Json disagreements = Json::array();
  for (std::uint64_t i = 0; i < a.count; ++i) {
    const std::uint64_t seed = a.seed + i;
    Trace t = random_kernel_trace(seed, a.version);
    // Line numbers as the printed trace has them.
    t = std::get<Trace>(parse_trace(print_trace(t)));
    const Verdict v = diff_one(t);
    // Each guest boot costs about the same, so the mean so far times the
    // traces left is a fair ETA.
    const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double eta = spent / static_cast<double>(i + 1) * static_cast<double>(a.count - i - 1);
    chatter.update("memhp diff-kernel: trace " + std::to_string(i + 1) + "/" + std::to_string(a.count) + " (seed " +
                   std::to_string(seed) + "): " + (v.status == 0 ? "agree" : v.status == 1 ? "DISAGREE" : "guest failed") +
                   ", ETA " + std::to_string(static_cast<long long>(eta + 0.5)) + " s");
    if (v.status == 2) {
      chatter.done();
      std::cerr << "memhp diff-kernel: the guest could not run: " << v.error << "\n";
      return kExitUsage;
    }
    if (v.status == 0) {
      ++agree;
      continue;
    }
    chatter.done();
    if (!a.keep_going) {
      report_shrunk(t);
      return kExitFailed;
    }
    report_unshrunk(t, seed, *v.disagreement, disagreements, a.json);
  }
  chatter.done();
  const std::string version(version_name(a.version));
  if (a.json)
    std::cout << json_line(Json{{"traces", a.count},
                                {"agree", agree},
                                {"profile", version},
                                {"disagreements", disagreements}})
              << "\n";
  else if (agree == a.count)
    std::cout << a.count << " random " << version << " traces, all agree with the kernel\n";
  else
    std::cout << a.count << " random " << version << " traces, " << agree << " agree with the kernel\n";
  return agree == a.count ? kExitOk : kExitFailed;
}

int kernel_script_cmd(const std::string& path) {
  auto t = load_trace(path);
  if (!t) return kExitUsage;
  auto script = kernel_script(*t);
  if (auto* e = std::get_if<ParseError>(&script)) {
    std::cerr << path << ":" << e->line << ": " << e->message << "\n";
    return kExitUsage;
  }
  std::cout << std::get<std::string>(script);
  return kExitOk;
}

struct DiffArgs {
  bool json = false;
  std::optional<std::uint64_t> random;
  std::uint64_t seed = 1;
  KernelVersion version = KernelVersion::V6_1;
  bool keep_going = false;
  std::string file;
};

int diff_kernel(const DiffArgs& a, const Chatter& chatter) {
  if (a.random) return run_random(RandomArgs{*a.random, a.seed, a.version, a.json, a.keep_going}, chatter);
  if (a.file.empty()) return usage_error("diff-kernel", "want a TRACE or --random N");
  const std::string& file = a.file;
  auto t = load_trace(file);
  if (!t) return kExitUsage;
  const Verdict v = diff_one(*t);
  if (v.status == 2) {
    std::cerr << file << ": the guest could not run: " << v.error << "\n";
    return kExitUsage;
  }
  if (a.json) {
    Json j{{"trace", file}, {"steps", v.steps}, {"agree", v.status == 0}};
    if (v.disagreement) {
      j["line"] = v.disagreement->line;
      j["op"] = v.disagreement->op;
      j["details"] = v.disagreement->details;
    }
    std::cout << json_line(j) << "\n";
  } else if (v.disagreement) {
    print_disagreement(std::cout, file, *v.disagreement);
  } else {
    std::cout << file << ": " << v.steps - 1 << " steps, the model and the kernel agree\n";
  }
  return v.status;
}

}  // namespace

Run setup_kernel_script(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  app.add_option("TRACE", *path, "the trace file, '-' for standard input")->required();
  return [path](const Chatter&) { return kernel_script_cmd(*path); };
}

Run setup_diff_kernel(CLI::App& app) {
  auto a = std::make_shared<DiffArgs>();
  auto* file = app.add_option("TRACE", a->file, "the trace file, '-' for standard input");
  auto* random = app.add_option_function<std::uint64_t>(
                        "--random", [a](const std::uint64_t& n) { a->random = n; },
                        "compare N random kernel-expressible traces instead, shrinking the first disagreement")
                     ->check(unsigned_number())
                     ->excludes(file);
  app.add_option("--seed", a->seed, "the first random trace's seed")
      ->check(unsigned_number())
      ->needs(random)
      ->capture_default_str();
  app.add_option_function<std::string>(
         "--profile",
         [a](const std::string& name) { a->version = *version_from_name(name); },
         "the kernel version of the random traces: v6.1 (default) or v6.12")
      ->check(CLI::IsMember({"v6.1", "v6.12"}))
      ->needs(random);
  app.add_flag("--keep-going", a->keep_going,
               "report every disagreeing random trace (unshrunk) instead of shrinking the first")
      ->needs(random);
  app.add_flag("--json", a->json, "one JSON object");
  return [a](const Chatter& chatter) { return diff_kernel(*a, chatter); };
}

}  // namespace memhp::cli
