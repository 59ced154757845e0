// NOTES.md stays true: its invariant catalogue is exactly what
// `memhp invariants --markdown` prints, and its theorem catalogue what
// `memhp prove --list --markdown` prints.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  pclose(p);
  return out;
}
}  // namespace

// The text between `<!-- NAME:begin -->` and `<!-- NAME:end -->`.
static std::string notes_block(const std::string& name) {
  std::ifstream f(std::string(MEMHP_SOURCE_DIR) + "/NOTES.md");
  REQUIRE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string notes = ss.str();
  const std::string begin = "<!-- " + name + ":begin -->\n", end = "<!-- " + name + ":end -->";
  const auto a = notes.find(begin), b = notes.find(end);
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  return notes.substr(a + begin.size(), b - a - begin.size());
}

TEST_CASE("notes: the invariant catalogue in NOTES.md is the registry's") {
  const std::string generated = run(std::string("'") + MEMHP_BINARY + "' invariants --markdown");
  CHECK_MESSAGE(notes_block("catalogue") == generated,
                "NOTES.md is stale: paste the output of `memhp invariants --markdown` between the markers");
}

TEST_CASE("notes: the theorem catalogue in NOTES.md is the registry's") {
  const std::string generated = run(std::string("'") + MEMHP_BINARY + "' prove --list --markdown");
  CHECK_MESSAGE(notes_block("theorems") == generated,
                "NOTES.md is stale: paste the output of `memhp prove --list --markdown` between the markers");
}
