// memhp: the command-line front end of the model and its checkers.
//
// main() only dispatches: each subcommand lives in its own file and is one
// row of kCommands. Exceptions never reach the user as an abort; they are
// reported as an internal error with exit status 2.
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include "commands.h"

namespace memhp::cli {
namespace {

int cmd_help(const Args& args);

constexpr std::array kCommands = {
    Command{"run", "execute a trace and print each step's result", "memhp run TRACE [--json]",
            cmd_run},
    Command{"check", "run the RapidCheck suites: every invariant after every step",
            "memhp check [--suite ram|x86|quick] [--cases N] [--steps N] [--seed S]\n"
            "            [--mutant NAME]... [--only INVARIANT] [--json] [--store DIR | --no-store]\n"
            "            [--shrink-seconds S] [--no-coverage]",
            cmd_check},
    Command{"kernel-script", "print what a real QEMU guest must do for a trace",
            "memhp kernel-script TRACE", cmd_kernel_script},
    Command{"diff-kernel", "run a trace on the model and on a real 6.1 kernel, and compare",
            "memhp diff-kernel TRACE [--json] | --random N [--seed S]", cmd_diff_kernel},
    Command{"replay", "replay a trace, checking every invariant after each step",
            "memhp replay TRACE [--json]", cmd_replay},
    Command{"explore", "explore every state of a small configuration (BFS, shortest traces)",
            "memhp explore [--config NAME|FILE] [--mutant NAME]... [--only INVARIANT] [--first]\n"
            "              [--dot FILE] [--json] [--max-states N] [--max-depth N] | --list",
            cmd_explore},
    Command{"invariants", "list the invariants, sequence properties and mutants",
            "memhp invariants [--json | --markdown]", cmd_invariants},
    Command{"memmap-cost", "vmemmap cost of a device-dax range, with and without dedup",
            "memhp memmap-cost --geometry G --size S --align A [--json]", cmd_memmap_cost},
    Command{"prove", "prove the Z3 theorems (every geometry, every transition, unbounded CHC)",
            "memhp prove [--theorem NAME]... [--json] [--emit-smt2 DIR] [--cex DIR] [--mutant]\n"
            "                   [--timeout MS] [--list [--markdown]]",
            cmd_prove},
    Command{"help", "list the commands, or show one command's usage",
            "memhp help [COMMAND]", cmd_help},
};

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

void print_overview(std::ostream& os) {
  os << "usage: memhp COMMAND [ARGS]\n\n"
        "An executable model of Linux 6.1 memory hotplug.\n\ncommands:\n";
  for (const auto& c : kCommands) {
    std::string name(c.name);
    name.resize(12, ' ');
    os << "  " << name << c.summary << '\n';
  }
  os << "\nTRACE may be '-' for standard input. Exit status: 0 if everything held,\n"
        "1 if an expectation failed or the kernel would BUG, 2 for bad input.\n";
}

int cmd_help(const Args& args) {
  if (args.empty()) {
    print_overview(std::cout);
    return kExitOk;
  }
  const Command* c = find_command(args[0]);
  if (!c || args.size() > 1) return usage_error("help", "unknown command '" + args[0] + "'");
  std::cout << "usage: " << c->usage << "\n\n" << c->summary << '\n';
  return kExitOk;
}

int dispatch(const Args& all) {
  if (all.empty()) {
    print_overview(std::cerr);
    return kExitUsage;
  }
  const std::string& name = all[0];
  if (name == "--help" || name == "-h") return cmd_help({});
  const Command* c = find_command(name);
  if (!c) {
    std::cerr << "memhp: unknown command '" << name << "' (see 'memhp help')\n";
    return kExitUsage;
  }
  return c->run(Args(all.begin() + 1, all.end()));
}

}  // namespace

int usage_error(std::string_view name, std::string_view message) {
  std::cerr << "memhp " << name << ": " << message << '\n';
  if (const Command* c = find_command(name)) std::cerr << "usage: " << c->usage << '\n';
  return kExitUsage;
}

std::optional<Input> read_input(const std::string& path, std::ostream& err) {
  // stdio rather than iostreams: it keeps errno, and a directory (which
  // opens fine on Linux) fails on the first read with EISDIR.
  bool is_stdin = path == "-";
  std::FILE* f = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
  std::string text;
  int e = f ? 0 : errno;
  if (f) {
    errno = 0;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    if (std::ferror(f)) e = errno ? errno : EIO;
    if (!is_stdin) std::fclose(f);
  }
  if (e) {
    err << "memhp: cannot read '" << path << "': " << std::strerror(e) << '\n';
    return std::nullopt;
  }
  return Input{is_stdin ? "<stdin>" : path, std::move(text)};
}

}  // namespace memhp::cli

int main(int argc, char** argv) {
  try {
    return memhp::cli::dispatch(memhp::cli::Args(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "memhp: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "memhp: internal error\n";
  }
  return memhp::cli::kExitUsage;
}
