// README.md and `memhp help` say the same: every command the binary has is
// in the README's command table and nothing else is; every op the parser
// accepts is in the README's op table and in docs/trace-format.md.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "memhp/trace.h"
#include "shell.h"

namespace {

std::string source_file(const std::string& rel) {
  std::ifstream f(std::string(MEMHP_SOURCE_DIR) + "/" + rel);
  REQUIRE_MESSAGE(f, "cannot read " << rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The words matched by the first group of `re` in each line of `text`.
std::set<std::string> matches(const std::string& text, const std::regex& re) {
  std::set<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, re)) out.insert(m[1].str());
  }
  return out;
}

}  // namespace

TEST_CASE("readme: the command table is `memhp help`'s list") {
  memhp::test::Scratch s("readme-help");
  const memhp::test::Exec help = memhp::test::run_memhp(s, "help");
  REQUIRE(help.status == 0);
  const std::set<std::string> commands = matches(help.out, std::regex("^  ([a-z][a-z-]*)  "));
  const std::set<std::string> readme = matches(source_file("README.md"), std::regex("^\\| `memhp ([a-z-]+)"));
  CHECK(commands.size() >= 10);
  CHECK(readme == commands);
}

TEST_CASE("readme: every op of the trace language is documented") {
  const std::string readme = source_file("README.md"), format = source_file("docs/trace-format.md");
  CHECK(memhp::op_names().size() >= 11);
  for (std::string_view op : memhp::op_names()) {
    CAPTURE(op);
    CHECK(readme.find("`" + std::string(op) + "`") != std::string::npos);
    CHECK(format.find(std::string(op)) != std::string::npos);
  }
}

// The README's headline trace runs as it says, and leaves the slot free: the
// DIMM goes by ACPI eject, as the kernel's ACPI path removes it, so the same
// address can be plugged again (remove_memory() would leave the ACPI device
// behind, and a second dimm_add there fails with -EEXIST).
TEST_CASE("readme: the headline trace meets its expectations and frees the slot") {
  const std::string readme = source_file("README.md");
  const std::size_t at = readme.find("    # memhp trace v1\n");
  REQUIRE(at != std::string::npos);
  std::string trace;
  std::istringstream lines(readme.substr(at));
  for (std::string line; std::getline(lines, line) && line.rfind("    ", 0) == 0;) trace += line.substr(4) + "\n";
  CHECK(trace.find("dimm_remove") != std::string::npos);
  auto parsed = memhp::parse_trace(trace + "dimm_add node=0 start=0x100000000 size=128M  # expect: ok\n");
  REQUIRE(std::holds_alternative<memhp::Trace>(parsed));
  const memhp::Trace& t = std::get<memhp::Trace>(parsed);
  auto booted = memhp::boot_trace(t);
  REQUIRE(std::holds_alternative<memhp::System>(booted));
  memhp::System s = std::get<memhp::System>(booted);
  for (const memhp::TraceStep& step : t.steps) {
    CAPTURE(memhp::print_op(step.op));
    const memhp::Result r = memhp::apply_op(s, step.op);
    if (step.expect) CHECK(r.err == *step.expect);
  }
}
