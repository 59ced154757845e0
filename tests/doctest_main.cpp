// doctest's main, plus the list of cases that could not run (tests/skip.h):
// doctest counts a case that returned early as passed, so the skipped ones
// are named after its summary.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "skip.h"

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int status = context.run();
  const auto& skipped = memhp::test::skipped_tests();
  if (!skipped.empty()) {
    std::printf("[memhp] %zu test case(s) did not run and are NOT among the passed above:\n", skipped.size());
    for (const auto& s : skipped) std::printf("[memhp]   skipped %s\n", s.c_str());
  }
  return status;
}
