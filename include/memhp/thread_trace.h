// Threaded traces: two or three threads, each a short program of ops, and
// the interleaving of their steps (include/memhp/threads.h).
//
// The text is a trace (trace.h) with two more kinds of line:
//     thread N OP...     thread N runs OP next (N from 1; ops in line order)
//     step N             thread N runs its next step
// The trace's own op lines are the setup: they run whole, in order, before
// any thread starts. A threaded configuration for the explorer is the same
// text without `step` lines; `name` and `description` lines name it.
// docs/trace-format.md has the grammar and an example.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "memhp/threads.h"
#include "memhp/trace.h"

namespace memhp {

// Two readers that exist only as threads: their value lies in what they see
// while a writer runs.
struct OpPfnValid {  // pfn_valid pfn=   (compaction's __pageblock_pfn_to_page() probe)
  u64 pfn = 0;
  friend bool operator==(const OpPfnValid&, const OpPfnValid&) = default;
};
struct OpKmemleakScan {  // kmemleak_scan node=   (mm/kmemleak.c's struct page scan)
  int nid = 0;
  friend bool operator==(const OpKmemleakScan&, const OpKmemleakScan&) = default;
};
using ThreadOp = std::variant<Op, OpPfnValid, OpKmemleakScan>;
using ThreadProgram = std::vector<ThreadOp>;

std::string print_thread_op(const ThreadOp& op);
// What the model runs for the op (its kind and arguments).
StepArgs step_args(const ThreadOp& op);

struct ThreadedTrace {
  Trace base;                           // header, boot and the setup ops
  std::vector<ThreadProgram> threads;   // thread N is threads[N-1]
  std::vector<int> schedule;            // thread index (from 0) of each step
  std::vector<int> schedule_lines;      // the `step` line of each, 0 if generated
  std::string name, description;
  friend bool operator==(const ThreadedTrace& a, const ThreadedTrace& b) {
    return a.base == b.base && a.threads == b.threads && a.schedule == b.schedule && a.name == b.name &&
           a.description == b.description;
  }
};

// Whether the text has `thread` lines (so `memhp replay` and `memhp explore`
// read it as threaded).
bool is_threaded_text(const std::string& text);
std::variant<ThreadedTrace, ParseError> parse_threaded_trace(const std::string& text, const CheckNames& names = {},
                                                             std::optional<KernelSpec> version = std::nullopt);
// The text parse_threaded_trace() reads back to an equal trace; `notes`
// (one per schedule entry, may be empty) become comments on the step lines.
std::string print_threaded_trace(const ThreadedTrace& t, const std::vector<std::string>& notes = {});

// The state a threaded trace starts from: boot, then the setup ops. A
// setup op that fails is an error (the configuration is broken).
std::variant<ThreadedState, std::string> threaded_start(const ThreadedTrace& t);

// Thread tid's next step: thread_step() of the op its program is at.
StepOutcome step_thread(ThreadedState& c, const std::vector<ThreadProgram>& programs, int tid);
bool thread_finished(const ThreadedState& c, const std::vector<ThreadProgram>& programs, int tid);

}  // namespace memhp
