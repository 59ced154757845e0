// A test that cannot run says so instead of passing.
//
// doctest 2.4 has no run-time skip, so a test whose tool is missing (cvc5,
// graphviz) or that cannot run in this build (the sanitizers) calls
// skip_test(). Under ctest, which runs one case per process and sets
// MEMHP_CTEST (CMakeLists.txt), the process exits with 77 and ctest's
// SKIP_RETURN_CODE reports the case as "Skipped". Run directly, the case
// stops early and tests/doctest_main.cpp lists it as skipped after doctest's
// own summary, so a skipped case is never counted silently among the passed.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace memhp::test {

constexpr int kSkipExitCode = 77;

inline std::vector<std::string>& skipped_tests() {
  static std::vector<std::string> names;
  return names;
}

inline void skip_test(const std::string& why) {
  const doctest::ContextOptions* o = doctest::getContextOptions();
  const std::string name = o && o->currentTest ? o->currentTest->m_name : "?";
  std::fprintf(stdout, "SKIPPED: %s: %s\n", name.c_str(), why.c_str());
  std::fflush(stdout);
  if (std::getenv("MEMHP_CTEST")) std::exit(kSkipExitCode);
  skipped_tests().push_back(name + ": " + why);
}

// Whether a command is on PATH (checked before a test creates any scratch
// directory, so that skipping leaves nothing behind).
inline bool have_command(const std::string& name) {
  return std::system(("command -v '" + name + "' >/dev/null 2>&1").c_str()) == 0;
}

inline constexpr bool kSanitized =
#if defined(__SANITIZE_ADDRESS__)
    true;
#else
    false;
#endif

}  // namespace memhp::test
