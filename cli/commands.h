// The memhp command: one entry per subcommand.
//
// A subcommand is a function from its arguments (without "memhp" and the
// subcommand name) to an exit status. To add one, write cli/<name>.cpp with
// its function, declare it here and add a row to kCommands in main.cpp.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memhp::cli {

using Args = std::vector<std::string>;

// Exit statuses shared by every subcommand.
inline constexpr int kExitOk = 0;       // everything held
inline constexpr int kExitFailed = 1;   // an expectation, invariant or BUG failed
inline constexpr int kExitUsage = 2;    // bad input, bad usage, unreadable file

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `memhp help`
  std::string_view usage;    // "memhp run TRACE [--json]"
  int (*run)(const Args&);
};

// A file (or stdin for "-") read whole, with the name diagnostics use.
struct Input {
  std::string name;  // the path, or "<stdin>"
  std::string text;
};

// Reads `path`; on failure prints "memhp: cannot read 'x': <strerror>" to err.
std::optional<Input> read_input(const std::string& path, std::ostream& err);

// The line a boot failure is blamed on: the first `boot` line, else 1
// (Trace keeps no line numbers for boot lines).
int first_boot_line(const std::string& text);

// Prints "memhp NAME: MESSAGE" and the usage line to stderr; returns kExitUsage.
int usage_error(std::string_view name, std::string_view message);

// Subcommands.
int cmd_run(const Args& args);
int cmd_replay(const Args& args);
int cmd_check(const Args& args);
int cmd_kernel_script(const Args& args);
int cmd_diff_kernel(const Args& args);
int cmd_invariants(const Args& args);
int cmd_explore(const Args& args);
int cmd_memmap_cost(const Args& args);
int cmd_prove(const Args& args);

}  // namespace memhp::cli
