// NOTES.md stays true: its invariant catalogue is exactly what
// `memhp invariants --markdown` prints, and its theorem catalogue what
// `memhp prove --list --markdown` prints.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "explore_pins.h"
#include "memhp/invariants.h"
#include "sequences.h"
#include "threads_explore.h"

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

TEST_CASE("notes: the kernel-version delta table in NOTES.md is the registry's") {
  const std::string generated = run(std::string("'") + MEMHP_BINARY + "' invariants --deltas");
  CHECK_MESSAGE(notes_block("deltas") == generated,
                "NOTES.md is stale: paste the output of `memhp invariants --deltas` between the markers");
}

TEST_CASE("notes: the historical fault table in NOTES.md is the registry's") {
  const std::string generated = run(std::string("'") + MEMHP_BINARY + "' faults --markdown");
  CHECK_MESSAGE(notes_block("faults") == generated,
                "NOTES.md is stale: paste the output of `memhp faults --markdown` between the markers");
}

TEST_CASE("notes: the threaded tables in NOTES.md are the model's steps, checks and searches") {
  CHECK_MESSAGE(notes_block("threads") == memhp::threads_markdown(),
                "regenerate with: memhp explore --threads-markdown");
}

TEST_CASE("notes: the explorer pin table in NOTES.md is the pins'") {
  CHECK_MESSAGE(notes_block("explore-pins") == memhp::explore_pins_markdown(),
                "NOTES.md is stale: paste the output of `memhp explore --pins` between the markers");
}

TEST_CASE("notes: the kernel corpora record the kernels the oracle is pinned to") {
  // oracle/kernel.pin: "VERSION PACKAGE PKGVERSION" per line; tests/kernel/README.md:
  // "kernel VERSION: PACKAGE PKGVERSION" per version, the same set.
  const std::string root = MEMHP_SOURCE_DIR;
  auto pins = [](const std::string& path, bool readme) {
    std::ifstream f(path);
    REQUIRE_MESSAGE(f, "cannot read " << path);
    std::map<std::string, std::string> out;
    for (std::string line; std::getline(f, line);) {
      std::istringstream words(line.substr(0, line.find('#')));
      std::string version, pkg, pkgversion, extra;
      if (readme) {
        std::string word;
        if (!(words >> word) || word != "kernel") continue;
        if (!(words >> version) || version.back() != ':') continue;
        version.pop_back();
      } else if (!(words >> version)) {
        continue;
      }
      const bool three = (words >> pkg >> pkgversion) && !(words >> extra);
      REQUIRE_MESSAGE(three, "bad pin line in " << path << ": " << line);
      CHECK_MESSAGE(out.count(version) == 0, "two pins for " << version << " in " << path);
      out[version] = pkg + " " + pkgversion;
    }
    return out;
  };
  const auto pinned = pins(root + "/oracle/kernel.pin", false);
  const auto recorded = pins(root + "/tests/kernel/README.md", true);
  REQUIRE(pinned.count("v6.1"));
  REQUIRE(pinned.count("v6.12"));
  CHECK(pinned.at("v6.1").rfind("linux-image-6.1.0-", 0) == 0);
  CHECK(pinned.at("v6.12").rfind("linux-image-6.12.", 0) == 0);
  CHECK(recorded == pinned);
}

// The number NOTES.md gives between `<!-- count:NAME -->` and `<!-- /count -->`.
static std::size_t notes_count(const std::string& name) {
  std::ifstream f(std::string(MEMHP_SOURCE_DIR) + "/NOTES.md");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string notes = ss.str(), tag = "<!-- count:" + name + " -->";
  const auto at = notes.find(tag);
  REQUIRE_MESSAGE(at != std::string::npos, "NOTES.md has no " << tag);
  return std::stoul(notes.substr(at + tag.size()));
}

TEST_CASE("notes: the catalogue's counts are the registry's") {
  CHECK(notes_count("invariants") == memhp::invariant_registry().size());
  CHECK(notes_count("properties") == memhp::sequence_properties().size());
}
