// Concrete playback: a counterexample written out as a doctest case.
//
// `memhp check|explore|replay --emit-test DIR` turns each minimised
// counterexample into DIR/<name>.cpp, a test case that replays the trace
// and asserts what it shows. Dropped into tests/emitted/, it builds in
// memhp_tests (CMakeLists.txt globs the directory) and becomes part of the
// suite.
//
// A counterexample found under mutants or historical faults (the trace's
// `mutant` lines) is checked from both sides at once: with its mutants the
// violation must reproduce, at the same line (the faulty model); without
// them the invariant must hold at every step (the fixed model, which is the
// model as built). A counterexample with no mutant line shows a fault of
// the model or of the kernel it follows: the case asserts the violation
// until someone fixes it and flips the case's kFixed, which then asserts
// that the invariant holds.
#pragma once

#include <optional>
#include <string>

#include "memhp/trace.h"

namespace memhp {

struct EmittedTest {
  std::string file_name;  // "<invariant>_<hash>.cpp": stable for one trace
  std::string text;       // the C++ source
};

// The case for trace `t`, which must break an invariant when replayed (the
// emitter replays it itself rather than take the caller's word); `origin`
// says what found it ("memhp check --seed 5 --suite x86"). An error message
// when the trace does not break anything.
std::variant<EmittedTest, std::string> emit_test(const Trace& t, const std::string& origin);

// Writes the case into dir (created if need be). Returns "" or an error.
std::string write_emitted_test(const EmittedTest& e, const std::string& dir);

}  // namespace memhp
