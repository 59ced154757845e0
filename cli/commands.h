// The memhp command: one entry per subcommand.
//
// Every subcommand's options are parsed by CLI11 (cli/main.cpp owns the
// parser). A subcommand's setup function declares its options on the
// CLI::App it is given, bound to a state of its own, and returns what to run
// once the command line has been parsed and validated. To add a subcommand,
// write cli/<name>.cpp with its setup function, declare it here and add a
// row to kCommands in main.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "memhp/deltas.h"
#include "memhp/mutants.h"

namespace memhp {
struct HtmlStep;  // report/picture.h
struct Trace;     // memhp/trace.h
}

namespace memhp::cli {

// Exit statuses shared by every subcommand.
inline constexpr int kExitOk = 0;       // everything held
inline constexpr int kExitFailed = 1;   // an expectation, invariant or BUG failed
inline constexpr int kExitUsage = 2;    // bad input, bad usage, unreadable file

// What a command says on stderr besides its result and its errors, the same
// in every command (cli/main.cpp reads -q/--quiet and -v/--verbose):
// --quiet, nothing; by default, progress when stderr is a terminal (one
// line, redrawn in place) and a one-line timing summary at the end;
// --verbose, progress on any stderr, a line per update. stdout, the result,
// is the same in all three.
struct Chatter {
  enum class Level { Quiet, Normal, Verbose };
  Level level = Level::Normal;
  bool tty = false;  // stderr is a terminal
  bool progress() const { return level == Level::Verbose || (level == Level::Normal && tty); }
  bool timing() const { return level != Level::Quiet; }
  // A progress line, when progress() says so: redrawn in place on a
  // terminal, a line of its own otherwise. At most two a second: a line
  // within half a second of the last one shown is dropped unless `last`
  // (the final count, which must be seen).
  void update(const std::string& line, bool last = false) const;
  void done() const;  // ends a line update() left open

 private:
  mutable bool open_ = false;  // update() drew a line done() has not ended
  mutable std::optional<std::chrono::steady_clock::time_point> shown_;  // when update() last drew
};

using Run = std::function<int(const Chatter&)>;

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `memhp help`
  Run (*setup)(CLI::App& app);
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

// Prints "memhp NAME: MESSAGE" to stderr; returns kExitUsage. For what only
// shows after parsing (a configuration that does not load, ...).
int usage_error(std::string_view name, std::string_view message);

// Writes an output file (report/output_file.h). On failure prints
// "PREFIX: cannot write 'PATH': REASON" to stderr and returns false.
bool write_output(std::string_view prefix, const std::string& path, std::string_view text);

// Validators shared by the subcommands (cli/options.cpp).
CLI::Validator unsigned_number();  // a whole uint64: decimal or 0x hex, no sign
CLI::Validator mutant_name();      // a name from the mutant registry
CLI::Validator nonempty();
// --profile SPEC ("v6.19 with=x"): overrides the trace's profile line.
void add_profile_option(CLI::App& app, std::optional<KernelSpec>& version);
CLI::Validator kernel_spec();  // parse_kernel_spec() accepts it
// Text for a markdown table cell: '|' would end the cell, a newline the row.
std::string markdown_cell(std::string_view s);
// --fault NAME: a historical fault from the mutant registry (memhp faults).
void add_fault_option(CLI::App& app, std::vector<std::string>& faults);
// The trace in `in`, read under --profile `version`, with `faults` switched
// on; nullopt after printing "FILE:LINE: message" when it does not parse.
std::optional<Trace> parse_with_faults(const Input& in, const MutantSet& faults,
                                       const std::optional<KernelSpec>& version);
// Switches the faults on; without a --profile, the first one's kernel.
void apply_faults(const std::vector<std::string>& faults, MutantSet& mutants, std::optional<KernelSpec>& version);

// Threaded configurations and traces (cli/threads.cpp): each returns nullopt
// when its input has no `thread` lines, so the sequential command goes on.
struct ThreadedExploreCli {
  bool timing = true;  // the timing line on stderr (Chatter::timing())
  std::string config;
  MutantSet mutants;
  std::string only;
  std::uint64_t max_states = 0;
  bool first = false;
  bool json = false;
  std::optional<KernelSpec> version;
  bool sequential_options = false;  // --dot, --verify-keys, --jobs, --max-depth, --no-canonical-groups
};
std::optional<int> explore_threaded(const ThreadedExploreCli& a);
std::optional<int> replay_threaded_cli(const Input& in, const MutantSet& faults,
                                       const std::optional<KernelSpec>& version, bool json);
void list_threaded_configs(std::ostream& out);
// An invariant or a threaded check (props/thread_checks.h).
bool is_check_name(const std::string& name);

// Pictures (cli/render.cpp): the last of `steps` as SVG to `svg`, all of
// them as one HTML page to `html` ("-": stdout, "": not wanted), or, with
// neither, every one as text on stdout. Returns the exit status.
int write_pictures(const std::vector<HtmlStep>& steps, const std::string& name, const std::string& svg,
                   const std::string& html, bool colour);

// What check, explore and replay write of a counterexample besides their
// report (cli/render.cpp): a doctest case (--emit-test DIR, props/emit_test.h)
// and its picture (--svg FILE, --html FILE).
struct CounterexampleOutputs {
  std::string emit_dir, svg, html;
};
void add_counterexample_options(CLI::App& app, CounterexampleOutputs& o);
// Writes what `o` asks for trace t (`origin`: the command that found it).
// Returns false, with a message on stderr, when something could not be
// written.
bool write_counterexample(const Trace& t, const std::string& origin, const CounterexampleOutputs& o);

// Subcommands.
Run setup_run(CLI::App& app);
Run setup_render(CLI::App& app);
Run setup_replay(CLI::App& app);
Run setup_check(CLI::App& app);
Run setup_merge(CLI::App& app);
Run setup_kernel_script(CLI::App& app);
Run setup_diff_kernel(CLI::App& app);
Run setup_invariants(CLI::App& app);
Run setup_faults(CLI::App& app);
Run setup_explore(CLI::App& app);
Run setup_memmap_cost(CLI::App& app);
Run setup_prove(CLI::App& app);
Run setup_diff_versions(CLI::App& app);

// Documentation generated from the option tree `memhp COMMAND --help`
// prints (cli/manpage.cpp): `memhp help --man`, `memhp help --completion bash`.
void write_manpage(const CLI::App& root, std::ostream& out);
void write_bash_completion(const CLI::App& root, std::ostream& out);

}  // namespace memhp::cli
