// memhp: the command-line front end of the model and its checkers.
//
// main() only parses and dispatches: each subcommand lives in its own file,
// declares its options on a CLI11 subcommand and is one row of kCommands.
// Every usage error (unknown option, bad value, missing argument) is one
// line on stderr and exit status 2. Exceptions never reach the user as an
// abort; they are reported as an internal error with exit status 2.
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <map>
#include <unistd.h>

#include "commands.h"
#include "output_file.h"

namespace memhp::cli {
namespace {

constexpr std::array kCommands = {
    Command{"run", "execute a trace and print each step's result", setup_run},
    Command{"replay", "replay a trace, checking every invariant after each step", setup_replay},
    Command{"render", "draw the physical address space at a step of a trace (text, SVG, HTML)", setup_render},
    Command{"check", "run the RapidCheck suites: every invariant after every step", setup_check},
    Command{"merge", "merge the shards of a check campaign: summed counts, union coverage", setup_merge},
    Command{"invariants", "list the invariants, sequence properties and mutants", setup_invariants},
    Command{"faults", "list the historical kernel bugs the model can reinstate, and what catches each",
            setup_faults},
    Command{"explore", "explore every state of a small configuration (BFS, shortest traces)",
            setup_explore},
    Command{"prove", "prove the Z3 theorems (every geometry, every transition, unbounded CHC)",
            setup_prove},
    Command{"kernel-script", "print what a real QEMU guest must do for a trace",
            setup_kernel_script},
    Command{"diff-kernel", "run a trace on the model and on a real 6.1 or 6.12 kernel, and compare",
            setup_diff_kernel},
    Command{"memmap-cost", "vmemmap cost of a device-dax range, with and without dedup",
            setup_memmap_cost},
    Command{"diff-versions", "run a trace under two kernel versions and show where they part",
            setup_diff_versions},
};

constexpr std::string_view kFooter =
    "TRACE may be '-' for standard input. 'memhp COMMAND --help' shows a command's options.\n"
    "Exit status: 0 if everything held, 1 if an expectation failed or the kernel would BUG,\n"
    "2 for bad input.";

// Every command with its one-line summary, as `memhp help` prints them.
void print_overview(std::ostream& os) {
  os << "usage: memhp COMMAND [OPTIONS] [ARGS]\n\n"
        "An executable model of Linux 6.1 memory hotplug.\n\ncommands:\n";
  for (const auto& c : kCommands) {
    std::string name(c.name);
    name.resize(15, ' ');
    os << "  " << name << c.summary << '\n';
  }
  os << "  " << std::string("help").append(11, ' ') << "list the commands, or show one command's options\n";
  os << '\n' << kFooter << '\n';
}

class Cli {
 public:
  Cli() : app_("An executable model of Linux 6.1 memory hotplug.", "memhp") {
    app_.require_subcommand(1);
    app_.footer(std::string(kFooter));
    for (const Command& c : kCommands) {
      CLI::App* sub = app_.add_subcommand(std::string(c.name), std::string(c.summary));
      runs_[sub] = c.setup(*sub);
      add_chatter_flags(*sub);
    }
    help_ = app_.add_subcommand("help", "list the commands, or show one command's options");
    help_->add_option("COMMAND", help_topic_, "the command to describe");
    auto* man = help_->add_flag("--man", help_man_, "print the man page memhp(1), made from these options");
    help_->add_option("--completion", help_completion_, "print a completion script for SHELL, made from these options")
        ->type_name("SHELL")
        ->check(CLI::IsMember({"bash"}))
        ->excludes(man);
  }

  int main(int argc, char** argv) {
    if (argc < 2) {
      print_overview(std::cerr);
      return kExitUsage;
    }
    const std::string first = argv[1];
    if (first == "--help" || first == "-h") return help("");
    if (first[0] == '-') {
      std::cerr << "memhp: unknown option '" << first << "' (see 'memhp help')\n";
      return kExitUsage;
    }
    if (!find(first)) {
      std::cerr << "memhp: unknown command '" << first << "' (see 'memhp help')\n";
      return kExitUsage;
    }
    try {
      app_.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      std::cout << current()->help("memhp");
      return kExitOk;
    } catch (const CLI::ParseError& e) {
      const CLI::App* sub = current();
      const std::string name = sub == &app_ ? "memhp" : "memhp " + sub->get_name();
      std::cerr << name << ": " << e.what() << " (see '" << name << " --help')\n";
      return kExitUsage;
    }
    const CLI::App* sub = current();
    if (sub == help_) return help(help_topic_);
    Chatter chatter;
    chatter.level = quiet_ ? Chatter::Level::Quiet : verbose_ ? Chatter::Level::Verbose : Chatter::Level::Normal;
    chatter.tty = isatty(STDERR_FILENO);
    return runs_.at(sub)(chatter);
  }

 private:
  const CLI::App* find(const std::string& name) const {
    auto found = app_.get_subcommands([&](const CLI::App* a) { return a->get_name() == name; });
    return found.empty() ? nullptr : found.front();
  }

  // The same two flags on every command (commands.h's Chatter).
  void add_chatter_flags(CLI::App& sub) {
    auto* quiet = sub.add_flag("-q,--quiet", quiet_, "say nothing on stderr but errors: no progress, no timing");
    sub.add_flag("-v,--verbose", verbose_, "show progress even when stderr is not a terminal, a line per update")
        ->excludes(quiet);
  }

  // The subcommand being parsed, or the top-level app.
  const CLI::App* current() const {
    auto subs = app_.get_subcommands();
    return subs.empty() ? &app_ : subs.front();
  }

  int help(const std::string& topic) {
    if (help_man_ || !help_completion_.empty()) {
      // Both from app_, the tree --help prints: they cannot disagree with it.
      if (help_man_) write_manpage(app_, std::cout);
      else write_bash_completion(app_, std::cout);
      return kExitOk;
    }
    if (topic.empty()) {
      print_overview(std::cout);
      return kExitOk;
    }
    const CLI::App* sub = find(topic);
    if (!sub || sub == help_) return usage_error("help", "unknown command '" + topic + "'");
    std::cout << sub->help("memhp");
    return kExitOk;
  }

  CLI::App app_;
  CLI::App* help_ = nullptr;
  std::string help_topic_;
  bool quiet_ = false, verbose_ = false;
  bool help_man_ = false;        // help --man
  std::string help_completion_;  // help --completion SHELL
  std::map<const CLI::App*, Run> runs_;
};

}  // namespace

void Chatter::update(const std::string& line, bool last) const {
  if (!progress()) return;
  const auto now = std::chrono::steady_clock::now();
  if (!last && shown_ && now - *shown_ < std::chrono::milliseconds(500)) return;
  shown_ = now;
  // "\x1b[K" clears the rest of a longer line drawn before.
  if (tty) std::cerr << '\r' << line << "\x1b[K" << std::flush;
  else std::cerr << line << '\n';
  open_ = tty;
}

void Chatter::done() const {
  if (open_) std::cerr << '\n';
  open_ = false;
}

int usage_error(std::string_view name, std::string_view message) {
  std::cerr << "memhp " << name << ": " << message << '\n';
  return kExitUsage;
}

bool write_output(std::string_view prefix, const std::string& path, std::string_view text) {
  const std::string error = write_output_file(path, text);
  if (!error.empty()) std::cerr << prefix << ": " << error << '\n';
  return error.empty();
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
    return memhp::cli::Cli().main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "memhp: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "memhp: internal error\n";
  }
  return memhp::cli::kExitUsage;
}
