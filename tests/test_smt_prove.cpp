// The theorem registry as a whole: every theorem is proved with satisfiable
// premises, every theorem is refuted by its mutant with a counterexample whose
// trace (when it has one) replays to a violation in the C++ model, the
// `memhp prove` command reports all of that, and the obligations it emits as
// SMT-LIB2 get the same answers from cvc5.
//
// The per-theorem tests (test_smt_geometry.cpp, test_smt_sections.cpp,
// test_smt_block.cpp) check the encodings against the model; this file checks
// that nothing in the registry escapes those rules.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <variant>

#include "memhp/trace.h"
#include "replay.h"
#include "shell.h"
#include "skip.h"
#include "theorem.h"

using namespace memhp;
using memhp::test::Exec;
using memhp::test::Scratch;
using memhp::test::run_shell;
using memhp::test::slurp;

namespace {

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// The theorems the issue asks for, by name: a theorem that disappears from
// the registry fails here rather than silently shrinking the proof suite.
const std::set<std::string> kExpected = {
    "memmap_on_memory_geometry",
    "vmemmap_never_in_buddy_per_transition",
    "vmemmap_never_in_buddy_unbounded",
    "memmap_on_memory_accounting",
    "subsection_map_fill_clear",
    "zone_span_shrinks_to_hull",
    "vmemmap_dedup_arithmetic",
};

// The invariant a replayed counterexample breaks in the C++ model, or why
// it breaks none.
std::string replayed_violation(const std::string& text) {
  auto parsed = parse_trace(text);
  if (auto* e = std::get_if<ParseError>(&parsed))
    return "(trace does not parse: line " + std::to_string(e->line) + ": " + e->message + ")";
  const ReplayResult r = replay_trace(std::get<Trace>(parsed));
  if (!r.boot_error.empty()) return "(trace does not boot: " + r.boot_error + ")";
  return r.violation ? r.violation->invariant : "(no violation)";
}

}  // namespace

TEST_CASE("smt registry: the theorems the issue asks for are all registered") {
  std::set<std::string> names;
  for (const auto& t : smt::theorems()) {
    CAPTURE(t.name);
    CHECK(names.insert(std::string(t.name)).second);
    CHECK(!t.statement.empty());
    CHECK(!t.scope.empty());
    CHECK(!t.kernel.empty());
    CHECK(!t.mutant.empty());
    CHECK(smt::find_theorem(t.name) == &t);
  }
  for (const auto& n : kExpected) CHECK_MESSAGE(names.count(n), n << " is not registered");
}

TEST_CASE("smt registry: every theorem is proved, with satisfiable premises") {
  for (const auto& t : smt::theorems()) {
    CAPTURE(t.name);
    const smt::TheoremResult r = smt::run_theorem(t, {});
    CHECK(r.premises == smt::Sat::Sat);
    CHECK(r.verdict == smt::Verdict::Proved);
    CHECK(!r.cex);
    for (const auto& o : r.obligations) {
      CAPTURE(o.name);
      CHECK(o.premises == smt::Sat::Sat);
      CHECK(o.verdict == smt::Verdict::Proved);
      CHECK(!o.smt2.empty());
    }
  }
}

TEST_CASE("smt registry: every theorem is refuted by its mutant, and the trace replays") {
  smt::ProveOptions o;
  o.mutant = true;
  for (const auto& t : smt::theorems()) {
    CAPTURE(t.name);
    const smt::TheoremResult r = smt::run_theorem(t, o);
    CHECK(r.verdict == smt::Verdict::Refuted);
    // The mutant weakens a transition or the conclusion; its premises must
    // still be satisfiable, or the refutation would be an accident.
    CHECK(r.premises == smt::Sat::Sat);
    REQUIRE(r.cex);
    CHECK(!r.cex->summary.empty());
    CHECK(!r.cex->geometry.empty());
    // The same violation in the C++ model: the invariant the theorem's
    // counterexample names is the one replay reports first. A theorem a
    // version breaks speaks of an API contract, not of a state invariant:
    // tests/test_smt_versions.cpp replays its trace.
    if (!r.cex->trace.empty() && !t.broken_by) {
      CAPTURE(r.cex->trace);
      CHECK(!r.cex->invariant.empty());
      CHECK(replayed_violation(r.cex->trace) == r.cex->invariant);
    }
  }
}

namespace {
Exec prove(const Scratch& s, const std::string& args) {
  return run_shell(s, std::string("'") + MEMHP_BINARY + "' prove " + args);
}
}  // namespace

TEST_CASE("smt memhp prove: table, exit status, bad options" * doctest::test_suite("slow")) {
  Scratch s("prove-cli");
  const Exec all = prove(s, "");
  CHECK(all.status == 0);
  for (const auto& t : smt::theorems()) CHECK(contains(all.out, std::string(t.name)));
  CHECK(contains(all.out, "theorems proved with satisfiable premises"));

  const Exec mutant = prove(s, "--mutant --cex '" + s.path("cex") + "'");
  CHECK(mutant.status == 0);
  CHECK(contains(mutant.out, "counterexample:"));
  // Each written trace replays to a failure through the command line too,
  // but a version-broken theorem's: it shows an API contract, not an
  // invariant (tests/test_smt_versions.cpp replays it).
  for (const auto& e : std::filesystem::directory_iterator(s.path("cex"))) {
    CAPTURE(e.path().string());
    const smt::Theorem* t = smt::find_theorem(e.path().stem().string());
    if (t && t->broken_by) continue;
    const Exec replay = run_shell(s, std::string("'") + MEMHP_BINARY + "' replay '" + e.path().string() + "'");
    CHECK(replay.status == 1);
  }

  const Exec json = prove(s, "--json --theorem " + std::string(smt::theorems().front().name));
  CHECK(json.status == 0);
  CHECK(contains(json.out, "\"result\":\"proved\""));
  CHECK(contains(json.out, "\"premises\":\"sat\""));

  const Exec bad = prove(s, "--theorem no_such_theorem");
  CHECK(bad.status == 2);
  CHECK(contains(bad.err, "unknown theorem 'no_such_theorem'"));
  CHECK(prove(s, "--timeout 0").status == 2);
  CHECK(prove(s, "--frobnicate").status == 2);
}

// Another solver's opinion of the same obligations: every refutation query
// must be unsat and every premises query sat in cvc5 as in Z3. cvc5 is in
// .ci/deps; on a machine without it the test reports itself skipped.
TEST_CASE("smt emitted SMT-LIB2 obligations get the same answers from cvc5" * doctest::test_suite("slow")) {
  if (!memhp::test::have_command("cvc5"))
    return memhp::test::skip_test("cvc5 is not installed (apt-get install cvc5)");
  Scratch s("prove-cvc5");
  const std::string dir = s.path("smt2");
  REQUIRE(prove(s, "--emit-smt2 '" + dir + "'").status == 0);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string path = e.path().string();
    CAPTURE(path);
    const bool premises = contains(path, ".premises.smt2");
    const Exec r = run_shell(s, "cvc5 --tlimit=20000 --lang=smt2 '" + path + "'");
    const std::string answer = r.out.substr(0, r.out.find('\n'));
    CHECK_MESSAGE(answer == (premises ? "sat" : "unsat"), r.out << r.err);
    ++files;
  }
  CHECK(files >= 2 * static_cast<int>(smt::theorems().size()));
}
