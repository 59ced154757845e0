// Non-vacuity of the catalogue: every invariant and sequence property fails
// on the model with its mutant switched on, the shrunk counterexample
// replays to the same violation, and the correct model passes every suite
// with full coverage.
//
// The time to failure and the length of each shrunk trace are written to
// mutant-report.md in the working directory (the build directory under
// ctest) and printed as doctest messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "check.h"
#include "invariant_lists.h"
#include "replay.h"
#include "residue.h"
#include "sequences.h"
#include "thread_checks.h"

using namespace memhp;

namespace {

CheckOptions mutant_run(std::string_view target, std::string_view mutant, bool other_suite = false) {
  CheckOptions o;
  // ZONE_DEVICE checks have their premise only in the device suite; a RAM
  // check may be reachable only through ZONE_DEVICE ops (the other suite).
  const bool device = inv::is_device_invariant(target) || is_device_property(target);
  o.suite = device != other_suite ? "device" : "ram";
  // A historical fault runs under the kernel it names.
  o.version = fault_kernel(mutant_from_name(mutant)->info());
  o.cases = 3000;
  o.steps = 60;
  o.seed = 1;
  o.use_store = false;
  o.shrink_seconds = 30;
  o.only = std::string(target);
  o.mutants.set(*mutant_from_name(mutant));
  return o;
}

// The counterexample printed and parsed again replays to the same violation.
void check_replays(const Counterexample& c) {
  auto parsed = parse_trace(print_trace(c.trace));
  REQUIRE(std::holds_alternative<Trace>(parsed));
  const ReplayResult r = replay_trace(std::get<Trace>(parsed));
  REQUIRE(r.violation);
  CHECK(r.violation->invariant == c.violation.invariant);
}

}  // namespace

TEST_CASE("catalogue: at least 30 invariants, each with a mutant, each mutant used") {
  const auto& invs = invariant_registry();
  CHECK(invs.size() >= 30);
  std::set<std::string_view> names, killers;
  for (const Invariant& i : invs) {
    CAPTURE(i.name);
    CHECK(names.insert(i.name).second);
    CHECK(!i.statement.empty());
    CHECK(!i.kernel_ref.empty());
    CHECK_FALSE(killers_of(i.name).empty());
    for (Mutant k : killers_of(i.name)) killers.insert(mutant_name(k));
  }
  for (const SequenceProperty& p : sequence_properties()) {
    CHECK(killers_of(p.name).size() == 1);
    for (Mutant k : killers_of(p.name)) killers.insert(mutant_name(k));
  }
  // The residue catalogue's mutants are killed in tests/test_residue.cpp.
  for (const ResiduePath& p : residue_catalogue())
    for (Mutant k : killers_of(p.name)) killers.insert(mutant_name(k));
  // The threaded checks' mutants are killed in tests/test_threads.cpp.
  for (const ThreadCheck& c : thread_checks()) {
    CAPTURE(c.name);
    CHECK_FALSE(killers_of(c.name).empty());
    for (Mutant k : killers_of(c.name)) killers.insert(mutant_name(k));
  }
  // Every registry entry is aimed at something, and only at checks that exist.
  for (const MutantInfo& m : mutant_registry()) {
    CAPTURE(m.name);
    CHECK(killers.count(m.name));
    for (std::string_view t : m.targets) {
      if (t.empty()) continue;
      CAPTURE(t);
      const bool residue = std::any_of(residue_catalogue().begin(), residue_catalogue().end(),
                                       [&](const ResiduePath& p) { return p.name == t; });
      CHECK((find_invariant(t) || find_sequence_property(t) || residue || find_thread_check(t)));
    }
  }
}

TEST_CASE("mutants: every invariant and sequence property is broken by its mutant") {
  std::ofstream report("mutant-report.md");
  report << "| check | mutant | cases | seconds to failure | shrunk steps | shrinks |\n"
            "|---|---|---|---|---|---|\n";
  auto run = [&](std::string_view name, std::string_view mutant) {
    CAPTURE(name);
    CAPTURE(mutant);
    CheckReport r = run_check(mutant_run(name, mutant));
    if (!r.failure) r = run_check(mutant_run(name, mutant, /*other_suite=*/true));
    REQUIRE(r.failure);
    CHECK(r.failure->violation.invariant == name);
    check_replays(*r.failure);
    report << "| " << name << " | " << mutant << " | " << r.cases << " | "
           << r.failure->seconds_to_failure << " | " << r.failure->trace.steps.size() << " | "
           << r.failure->shrinks << " |\n";
    MESSAGE(name << " <- " << mutant << ": " << r.failure->trace.steps.size() << " steps after "
                 << r.failure->seconds_to_failure << " s");
  };
  for (const Invariant& i : invariant_registry())
    for (Mutant k : killers_of(i.name)) run(i.name, mutant_name(k));
  for (const SequenceProperty& p : sequence_properties())
    for (Mutant k : killers_of(p.name)) run(p.name, mutant_name(k));
}

TEST_CASE("suites: the correct model passes every suite with full coverage") {
  for (const auto& [suite, what] : check_suites()) {
    CAPTURE(suite);
    CheckOptions o;
    o.suite = suite;
    o.cases = 300;
    o.seed = 2;
    o.use_store = false;
    const CheckReport r = run_check(o);
    CHECK_MESSAGE(!r.failure, (r.failure ? r.failure->violation.message : ""));
    for (const std::string& gap : r.coverage_gaps) FAIL_CHECK(gap);
    CHECK(r.passed());
  }
}

// Coverage by case count: an unmet premise buys more rounds of cases, a
// bounded number of them, and a premise that stays unmet still fails the run.
TEST_CASE("suites: unmet premises get at most kTopUpRounds more rounds, and still fail when unmet") {
  CheckOptions o;
  o.cases = 1;  // one case cannot meet every premise of the suite
  o.seed = 7;
  o.use_store = false;
  const CheckReport r = run_check(o);
  CHECK(!r.failure);
  CHECK(r.top_up_rounds == kTopUpRounds);
  CHECK(r.cases == 1 + kTopUpRounds);
  CHECK(!r.coverage_gaps.empty());
  CHECK(!r.passed());
  o.coverage = false;  // nothing to meet: no top-up
  CHECK(run_check(o).top_up_rounds == 0);
}

TEST_CASE("suites: the same seed gives the same run") {
  CheckOptions o;
  o.cases = 80;
  o.seed = 99;
  o.use_store = false;
  const CheckReport a = run_check(o), b = run_check(o);
  CHECK(a.steps == b.steps);
  CHECK(a.op_results == b.op_results);
  CHECK(a.witnesses == b.witnesses);
}
