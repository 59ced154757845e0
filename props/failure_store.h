// The failure store: failing traces kept on disk between runs, as
// Hypothesis keeps its example database.
//
// A suite that finds a counterexample writes it here; the next run replays
// every stored trace first, so a bug that was found once is checked again
// (cheaply, without the luck of the generator) until it is fixed and the
// file removed. Files are plain traces: a person can read, edit or replay
// them with `memhp replay`.
//
// File names are content-addressed (`<invariant>-<hash>.trace`), so storing
// the same counterexample twice writes one file, and two machines that find
// the same shrunk trace agree on its name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memhp/trace.h"

namespace memhp {

struct StoredFailure {
  std::string path;
  Trace trace;
  std::string parse_error;  // "FILE:LINE: message" when the file does not parse
  std::string violates;     // the `# violates:` line's name, "" if absent
};

// Writes `# violates: <invariant>` and print_trace(t) to
// <dir>/<invariant>-<hash>.trace (hash: 12 lower-case hex digits of FNV-1a
// 64 over print_trace(t)), creating dir if needed, and returns the path.
// Throws std::filesystem::filesystem_error when it cannot write.
std::string store_failure(const std::string& dir, const Trace& t, const std::string& invariant);

// Every *.trace file in dir, sorted by file name; a missing dir is an empty
// store. Files that do not parse are returned with parse_error set.
std::vector<StoredFailure> load_failures(const std::string& dir);

// Deletes one stored failure; false if it was not there or cannot be removed.
bool remove_failure(const std::string& path);

// FNV-1a 64 of text (exposed for tests and for tools that name traces).
std::uint64_t fnv1a64(const std::string& text);

}  // namespace memhp
