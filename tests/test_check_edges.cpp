// Edges of `memhp check` that a default run must get right: any printed
// seed replays, a sequence property never judges a trace too short for it,
// no counterexample is empty, and a model exception is a violation with a
// trace rather than a crash of the suite.
#include "fixtures.h"
#include "shell.h"

#include <regex>

#include "check.h"
#include "minimise.h"
#include "replay.h"

using namespace memhp;
using namespace memhp::test;

namespace {

constexpr const char* kHeader =
    "# memhp trace v1\n"
    "geometry x86_64\n"
    "profile v6.1 memmap_on_memory=0 memhp_default_state=offline movable_node=0 online_policy=contig-zones\n";
constexpr const char* kBoot =
    "boot node=0 start=0x1000 size=0x9ec00\n"
    "boot node=0 start=0x100000 size=0x3fee0000\n";

// add, online, offline, remove of a fresh block: the window of
// add_remove_round_trip, which its mutant breaks.
constexpr const char* kRoundTrip =
    "add_memory node=0 start=0x100000000 size=128M\n"
    "online_block block=32 type=online_movable\n"
    "offline_block block=32\n"
    "remove_memory start=0x100000000 size=128M\n";

}  // namespace

TEST_CASE("check --seed: any uint64, and a printed seed replays byte for byte") {
  Scratch s("seed");
  // Above 2^63: 2^64 - 59, the largest 64-bit prime.
  const std::string big = "18446744073709551557";
  const std::string args = "check --suite quick --cases 5 --no-store --seed ";
  const Exec a = run_memhp(s, args + big), b = run_memhp(s, args + big);
  CHECK(a.out.find("seed " + big + ",") != std::string::npos);
  CHECK(a.out == b.out);
  CHECK(a.status == b.status);
  // The same seed in hex is the same run.
  CHECK(run_memhp(s, args + "0xffffffffffffffc5").out == a.out);
  // Out of range or signed: a usage error (exit status 2).
  CHECK(run_memhp(s, args + "18446744073709551616").status == 2);
  CHECK(run_memhp(s, args + "-1").status == 2);

  // A run without --seed prints the seed RapidCheck chose; passing it back
  // gives the same output.
  const Exec first = run_memhp(s, "check --suite quick --cases 5 --no-store");
  std::smatch m;
  REQUIRE(std::regex_search(first.out, m, std::regex("seed ([0-9]+),")));
  CHECK(run_memhp(s, args + m[1].str()).out == first.out);
}

TEST_CASE("sequence properties: a trace shorter than the window is not applicable") {
  for (const char* steps : {"", "add_memory node=0 start=0x100000000 size=128M\n"}) {
    Trace t = parse_ok(std::string(kHeader) + "check property=add_remove_round_trip\n" + kBoot + steps);
    t.mutants.set(Mutant("vmemmap_free_leaks_pages"));  // even a broken model has nothing to judge
    const ReplayResult r = replay_trace(t);
    CHECK(r.boot_error.empty());
    CHECK_FALSE(r.violation);
  }
}

TEST_CASE("minimise_trace: never an empty counterexample") {
  // `check only=` a property: no invariant is checked, as in a suite run
  // aimed at it (the mutant breaks memmap_pages_accounted first otherwise).
  Trace t = parse_ok(std::string(kHeader) + "mutant vmemmap_free_leaks_pages\n" +
                       "check only=add_remove_round_trip\n" + kBoot + kRoundTrip);
  const ReplayResult r = replay_trace(t);
  REQUIRE(r.violation);
  REQUIRE(r.violation->invariant == "add_remove_round_trip");
  // Before the fix the too-short rule made every shorter trace "fail" too,
  // and the minimiser dropped all four steps.
  const Trace m = minimise_trace(t, "add_remove_round_trip");
  CHECK(m.steps.size() == 4);
  // An invariant broken by a single step keeps that step.
  Trace one = parse_ok(std::string(kHeader) + "mutant remove_keeps_resource\n" + kBoot +
                         "add_memory node=0 start=0x100000000 size=128M\n"
                         "remove_memory start=0x100000000 size=128M\n");
  const ReplayResult r1 = replay_trace(one);
  REQUIRE(r1.violation);
  const Trace m1 = minimise_trace(one, r1.violation->invariant);
  CHECK(m1.steps.size() >= 1);
  CHECK(replay_trace(m1).violation->invariant == r1.violation->invariant);
}

TEST_CASE("get_dev_pagemap: a stale pgmap_array entry reads as no pgmap and is a violation") {
  System s = qemu_1g();
  MemremapRequest q;
  q.id = 1;
  q.ranges = {{0x100000000, 2 * MiB}};
  REQUIRE_OK(memremap_pages(s, q));
  const Pfn p{0x100000000 >> 12};
  REQUIRE(s.pgmap_of(p) != nullptr);
  // What a model bug could leave behind: the entry survives its pgmap.
  System stale = s;
  stale.pgmaps.clear();
  CHECK(stale.pgmap_of(p) == nullptr);  // not std::out_of_range from map::at
  const std::optional<Violation> v = check_invariants(StepView{stale, stale, nullptr, nullptr}, nullptr);
  REQUIRE(v);
  CHECK(v->message.find("pgmap") != std::string::npos);
}

TEST_CASE("model exceptions: a check that throws is a model_exception violation") {
  // A step no operation produces: the state before it has fewer nodes than
  // the state after, so a check that walks the nodes after and looks each up
  // before throws std::out_of_range from vector::at.
  const System after = qemu_1g();
  System before = after;
  before.nodes.resize(1);
  const StepView v{before, after, nullptr, nullptr};
  REQUIRE_THROWS_AS(check_invariants(v, nullptr), std::out_of_range);
  const std::optional<Violation> viol = check_invariants_guarded(v, nullptr);
  REQUIRE(viol);
  CHECK(viol->invariant == kModelException);
  CHECK(viol->message.find("threw") != std::string::npos);

  // apply_guarded() results: only an exception is model_threw().
  Result r;
  r.bug = "BUG() in __remove_memory";
  CHECK_FALSE(model_threw(r));
}

// RapidCheck draws each command from the state its own model of the case
// reaches (StepCmd::apply); the Harness then runs it on the real one. When
// the two disagreed (a multi-op step stopped at a failed op in the Harness
// but not in the model), a later command could be disallowed where it ran
// and the whole case was discarded: 5% of the cases at the default length,
// half of them at 1,000 steps, the longest first. Every case must run.
TEST_CASE("check: no case is discarded, long ones included") {
  for (const char* suite : {"quick", "x86", "device"}) {
    CAPTURE(suite);
    CheckOptions o;
    o.suite = suite;
    o.cases = 60;
    o.steps = 400;
    o.seed = 3;
    o.use_store = false;
    o.coverage = false;
    const CheckReport r = run_check(o);
    CHECK_FALSE(r.failure);
    CHECK(r.cases == o.cases);
  }
}
