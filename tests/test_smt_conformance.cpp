// The conformance stage of `memhp prove` (smt/conformance.h): the block
// encoding beside the model on every reachable transition of small explorer
// configurations. It must agree with the unmutated model and with the
// mutants the encoding mirrors, and it must flag model faults the encoding
// does not mirror, with a trace that parses and boots.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "conformance.h"
#include "memhp/trace.h"
#include "replay.h"
#include "shell.h"

using namespace memhp;
using namespace memhp::smt;

namespace {

MutantSet one(std::string_view name) {
  MutantSet m;
  m.set(*mutant_from_name(name));
  return m;
}

}  // namespace

TEST_CASE("smt conformance: the block encoding agrees with the model on every reachable transition") {
  for (const std::string& c : conformance_configs()) {
    CAPTURE(c);
    const ConformanceReport r = check_conformance(c, MutantSet{});
    CHECK_MESSAGE(!r.divergence, r.divergence.value_or("") << "\n" << r.trace);
    CHECK(r.states > 1);
    CHECK(r.transitions > r.states);
    CHECK(r.block_steps >= r.transitions);
    CHECK(r.not_judged == 0);  // the configurations' alphabets are the encoding's vocabulary
  }
}

TEST_CASE("smt conformance: the mutants the encoding mirrors still agree") {
  const MutantSet mirrored = encoded_mutants();
  for (std::size_t i = 0; i < kMutantCount; ++i) {
    const Mutant m = Mutant::at(i);
    if (!mirrored.has(m)) continue;
    MutantSet s;
    s.set(m);
    CAPTURE(mutant_name(m));
    for (const std::string& c : conformance_configs()) {
      CAPTURE(c);
      const ConformanceReport r = check_conformance(c, s);
      CHECK_MESSAGE(!r.divergence, r.divergence.value_or(""));
    }
  }
}

// Faults in the op sequencing around the proven arithmetic, which no theorem
// sees (they are outside the encoding): the stage must flag each.
TEST_CASE("smt conformance: model faults outside the encoding are flagged with a replayable trace") {
  for (std::string_view name : {"node_present_not_adjusted", "block_records_half_vmemmap",
                                "altmap_alloc_not_recorded", "remove_keeps_block_devices", "offline_skips_poison",
                                "isolation_ignores_unmovable", "eject_rollback_skips_online"}) {
    CAPTURE(name);
    std::optional<ConformanceReport> found;
    for (const std::string& c : conformance_configs()) {
      ConformanceReport r = check_conformance(c, one(name));
      if (r.divergence) {
        found = std::move(r);
        break;
      }
    }
    REQUIRE_MESSAGE(found, "the conformance stage does not see " << name);
    const auto t = parse_trace(found->trace);
    REQUIRE(std::holds_alternative<Trace>(t));
    CHECK(std::get<Trace>(t).mutants.has(*mutant_from_name(name)));
    const ReplayResult rr = replay_trace(std::get<Trace>(t));
    CHECK(rr.boot_error.empty());
    CHECK(!rr.steps.empty());
  }
}

TEST_CASE("smt conformance: memhp prove runs the stage and fails on a divergence") {
  memhp::test::Scratch s("conformance");
  const memhp::test::Exec ok = memhp::test::run_memhp(s, "prove --conformance-only");
  CHECK(ok.status == 0);
  CHECK(ok.out.find("DIVERGES") == std::string::npos);
  CHECK(ok.out.find("conformance x86-2slot-mom") != std::string::npos);
  const memhp::test::Exec bad =
      memhp::test::run_memhp(s, "prove --conformance-only --conformance-mutant eject_rollback_skips_online");
  CHECK(bad.status == 1);
  CHECK(bad.out.find("encoding diverges from the model at:") != std::string::npos);
  CHECK(bad.out.find("mutant eject_rollback_skips_online") != std::string::npos);
}
