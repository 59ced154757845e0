// What the emitted counterexample cases (props/emit_test.h) call: replay a
// trace on the faulty or the fixed model and assert what it must show.
//
// The fixed model is the trace without its `mutant` lines (each becomes a
// comment, so line numbers stay). MEMHP_EMITTED_MODEL=faulty keeps them
// there too: the emitted cases then run their regression half against the
// faulty model and must fail, which is how CMakeLists.txt shows that they
// can.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "memhp/trace.h"
#include "replay.h"

namespace memhp::test {

enum class Model {
  Faulty,   // the trace as recorded, mutants and all
  Fixed,    // without the trace's mutants
  AsBuilt,  // the trace as recorded, which names no mutant
};

inline std::string without_mutants(const std::string& text) {
  const char* env = std::getenv("MEMHP_EMITTED_MODEL");
  if (env && std::string(env) == "faulty") return text;
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);)
    out += (line.rfind("mutant ", 0) == 0 ? "# left out (the fixed model): " + line : line) + "\n";
  return out;
}

inline ReplayResult replay_counterexample(const std::string& text, Model m) {
  auto parsed = parse_trace(m == Model::Fixed ? without_mutants(text) : text, check_names());
  REQUIRE_MESSAGE(std::holds_alternative<Trace>(parsed), "the emitted trace no longer parses");
  ReplayResult r = replay_trace(std::get<Trace>(parsed));
  REQUIRE_MESSAGE(r.boot_error.empty(), r.boot_error);
  return r;
}

inline void expect_violation(const std::string& text, Model m, const std::string& invariant, int line) {
  const ReplayResult r = replay_counterexample(text, m);
  REQUIRE_MESSAGE(r.violation, "the trace no longer breaks " << invariant);
  CHECK(r.violation->invariant == invariant);
  CHECK(r.violation_line == line);
}

inline void expect_holds(const std::string& text, Model m) {
  const ReplayResult r = replay_counterexample(text, m);
  CHECK_MESSAGE(!r.violation, (r.violation ? r.violation->invariant + " breaks at line " +
                                                 std::to_string(r.violation_line) + ": " + r.violation->message
                                           : std::string()));
}

}  // namespace memhp::test
