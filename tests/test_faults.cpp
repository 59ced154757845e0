// Fault points: model/ reads like the kernel. Every switch of a mutant or a
// historical fault is a line of its own whose condition starts with the
// switch (include/memhp/mutants.h), never a term inside a kernel condition,
// and every registry entry has a point. The registry is the one list: an
// entry's targets are checks that exist (tests/test_mutants.cpp), and
// nothing in model/ asks the MutantSet directly.
#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "check.h"
#include "invariant_lists.h"
#include "memhp/mutants.h"
#include "sequences.h"
#include "source_tree.h"

using namespace memhp;
using namespace memhp::test;

namespace {

struct Point {
  std::string file;
  int line = 0;
  std::string text;
};

// Every line of model/ that names a mutant, with where it is.
std::vector<Point> model_lines_naming_mutants() {
  std::vector<Point> out;
  for (const fs::path& p : files_under(kSource / "model")) {
    std::istringstream in(slurp(p));
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      if (line.find("injected(") != std::string::npos || line.find("mutants.has(") != std::string::npos)
        out.push_back(Point{p.filename().string(), n, line});
    }
  }
  return out;
}

// The shapes a fault point may take, and the registry name in it.
std::optional<std::string> point_name(const std::string& line) {
  static const std::regex kShapes[] = {
      // the fault's own action, behind the switch and the fault's own terms
      std::regex(R"re(^\s*if \(injected\(s, "([a-z0-9_]+)"\)( && [^|?]*)?\).*$)re"),
      // the kernel statement the fault skips, behind the switch alone
      std::regex(R"re(^\s*if \(!injected\(s, "([a-z0-9_]+)"\)\)( .*)?$)re"),
      // a defect handed to a function the Z3 encodings share
      std::regex(R"re(^\s*const bool [a-z_]+ = injected\(s, "([a-z0-9_]+)"\);$)re"),
  };
  std::smatch m;
  for (const std::regex& r : kShapes)
    if (std::regex_match(line, m, r)) return m[1].str();
  return std::nullopt;
}

bool is_definition(const Point& p) { return p.file == "internal.h"; }

}  // namespace

TEST_CASE("faults: every fault point in model/ has one of the three shapes") {
  const std::vector<Point> lines = model_lines_naming_mutants();
  REQUIRE(lines.size() >= kMutantCount);
  for (const Point& p : lines) {
    if (is_definition(p)) continue;
    CAPTURE(p.file);
    CAPTURE(p.line);
    CAPTURE(p.text);
    CHECK(p.text.find("mutants.has(") == std::string::npos);
    CHECK(point_name(p.text).has_value());
  }
}

TEST_CASE("faults: every registry entry has a fault point, and every point names an entry") {
  std::map<std::string, int> points;
  for (const Point& p : model_lines_naming_mutants())
    if (auto name = point_name(p.text)) ++points[*name];
  for (const MutantInfo& m : mutant_registry()) {
    CAPTURE(m.name);
    CHECK(points.count(std::string(m.name)));
  }
  for (const auto& [name, n] : points) {
    CAPTURE(name);
    CHECK(mutant_from_name(name).has_value());
  }
}

TEST_CASE("faults: the shapes refuse a switch fused into a kernel condition") {
  // The lines the issue called out, as they were before the fault points.
  CHECK_FALSE(point_name(R"re(    busy = m.state != BlockState::Offline && !injected(s, "remove_ignores_online_blocks");)re"));
  CHECK_FALSE(point_name(R"re(  if (!injected(s, "offline_drops_movable_pages") && !alloc_pages_zonelist(s, req)))re"));
  CHECK_FALSE(point_name(R"re(  if (zone == Zone::Device && !injected(s, "device_shrinks_zone")) return;)re"));
  CHECK_FALSE(point_name(R"re(  if (injected(s, "x") || other) return;)re"));
  CHECK(point_name(R"re(  if (!injected(s, "offline_drops_movable_pages")))re") == "offline_drops_movable_pages");
  CHECK(point_name(R"re(  if (injected(s, "resize_zone_keeps_end") && !was_empty) end = old_end;)re") ==
        "resize_zone_keeps_end");
}

TEST_CASE("faults: the registry's kinds are listed apart, and a historical fault carries its history") {
  for (const MutantInfo& m : mutant_registry()) {
    CAPTURE(m.name);
    CHECK(!m.description.empty());
    CHECK(!m.targets[0].empty());
    if (m.kind != MutantKind::Historical) continue;
    CHECK(!m.history.fixed_by.empty());
    // Fixed in a mainline release, or still in 6.19 (fixed after it).
    CHECK((m.history.fixed_in.major > 0) != ((m.history.present_in & kIn619) != 0));
    CHECK(!m.history.introduced_by.empty());
    CHECK(!m.history.profile.empty());
  }
}

// That each historical fault is caught, and by an invariant its fix
// restored, is ctest's faults_measure (memhp faults --measure): the same
// check suites, seed and case count as a test here would run.
TEST_CASE("faults: at least 20 historical faults") {
  std::size_t historical = 0;
  for (const MutantInfo& m : mutant_registry()) historical += m.kind == MutantKind::Historical;
  CHECK(historical >= 20);
}
