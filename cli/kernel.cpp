// memhp kernel-script and memhp diff-kernel: the model against a real 6.1
// kernel in a QEMU guest (props/kernel.h, oracle/).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "failure_store.h"
#include "kernel.h"
#include "report.h"

namespace memhp::cli {

namespace {

std::optional<Trace> load_trace(const std::string& path, std::string_view cmd) {
  auto in = read_input(path, std::cerr);
  if (!in) return std::nullopt;
  auto parsed = parse_trace(in->text);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << in->name << ":" << e->line << ": " << e->message << "\n";
    return std::nullopt;
  }
  (void)cmd;
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

int run_random(std::uint64_t count, std::uint64_t seed, bool json) {
  std::uint64_t agree = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    Trace t = random_kernel_trace(seed + i);
    // Line numbers as the printed trace has them.
    t = std::get<Trace>(parse_trace(print_trace(t)));
    const Verdict v = diff_one(t);
    std::fprintf(stderr, "memhp diff-kernel: trace %llu/%llu (seed %llu): %s\n",
                 static_cast<unsigned long long>(i + 1), static_cast<unsigned long long>(count),
                 static_cast<unsigned long long>(seed + i),
                 v.status == 0 ? "agree" : v.status == 1 ? "DISAGREE" : "guest failed");
    if (v.status == 2) {
      std::cerr << "memhp diff-kernel: the guest could not run: " << v.error << "\n";
      return kExitUsage;
    }
    if (v.status == 0) {
      ++agree;
      continue;
    }
    const Trace small = shrink(t);
    const Trace printed = std::get<Trace>(parse_trace(print_trace(small)));
    const std::string path = store_failure(".memhp/kernel-failures", printed, "kernel-disagreement");
    const Verdict again = diff_one(printed);
    std::cout << "DISAGREEMENT, shrunk to " << printed.steps.size() << " steps, stored as " << path << "\n"
              << print_trace(printed);
    if (again.disagreement) print_disagreement(std::cout, path, *again.disagreement);
    return kExitFailed;
  }
  if (json)
    std::cout << "{\"traces\":" << count << ",\"agree\":" << agree << "}\n";
  else
    std::cout << count << " random traces, all agree with the kernel\n";
  return kExitOk;
}

}  // namespace

int cmd_kernel_script(const Args& args) {
  if (args.size() != 1) return usage_error("kernel-script", "want one TRACE");
  auto t = load_trace(args[0], "kernel-script");
  if (!t) return kExitUsage;
  auto script = kernel_script(*t);
  if (auto* e = std::get_if<ParseError>(&script)) {
    std::cerr << args[0] << ":" << e->line << ": " << e->message << "\n";
    return kExitUsage;
  }
  std::cout << std::get<std::string>(script);
  return kExitOk;
}

int cmd_diff_kernel(const Args& args) {
  bool json = false;
  std::optional<std::uint64_t> random;
  std::uint64_t seed = 1;
  std::string file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      json = true;
    } else if ((args[i] == "--random" || args[i] == "--seed") && i + 1 < args.size()) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(args[i + 1].c_str(), &end, 0);
      if (!end || *end) return usage_error("diff-kernel", "bad number '" + args[i + 1] + "'");
      if (args[i] == "--random")
        random = v;
      else
        seed = v;
      ++i;
    } else if (file.empty() && args[i].rfind("--", 0) != 0) {
      file = args[i];
    } else {
      return usage_error("diff-kernel", "unknown argument '" + args[i] + "'");
    }
  }
  if (random) return run_random(*random, seed, json);
  if (file.empty()) return usage_error("diff-kernel", "want a TRACE or --random N");
  auto t = load_trace(file, "diff-kernel");
  if (!t) return kExitUsage;
  const Verdict v = diff_one(*t);
  if (v.status == 2) {
    std::cerr << file << ": the guest could not run: " << v.error << "\n";
    return kExitUsage;
  }
  if (json) {
    JsonWriter w;
    w.begin_object();
    w.key("trace").string(file);
    w.key("steps").number(static_cast<std::uint64_t>(v.steps));
    w.key("agree").boolean(v.status == 0);
    if (v.disagreement) {
      w.key("line").number(static_cast<std::int64_t>(v.disagreement->line));
      w.key("op").string(v.disagreement->op);
      w.key("details").begin_array();
      for (const std::string& d : v.disagreement->details) w.string(d);
      w.end_array();
    }
    w.end_object();
    std::cout << w.str() << "\n";
  } else if (v.disagreement) {
    print_disagreement(std::cout, file, *v.disagreement);
  } else {
    std::cout << file << ": " << v.steps - 1 << " steps, the model and the kernel agree\n";
  }
  return v.status;
}

}  // namespace memhp::cli
