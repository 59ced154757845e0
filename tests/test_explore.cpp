// The explorer: exact state keys, configuration files, pinned state-space
// sizes (as tlaplus/Examples pins them in manifest.json), shortest
// counterexamples that replay, stuck states, DOT output, the command line,
// and the cross-check against the RapidCheck suites for every mutant.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "check.h"
#include "explore.h"
#include "explore_pins.h"
#include "fingerprints.h"
#include "invariant_lists.h"
#include "report.h"
#include "replay.h"
#include "residue.h"
#include "shell.h"
#include "skip.h"
#include "thread_checks.h"

using namespace memhp;
using memhp::test::Exec;
using memhp::test::Scratch;
using memhp::test::run_memhp;
using memhp::test::run_shell;
using memhp::test::slurp;
namespace fs = std::filesystem;

namespace {

ExploreResult must_explore(const std::string& name, ExploreOptions o = {}) {
  o.verify_keys = true;  // every state of every test decodes to itself
  const ExploreConfig* c = find_explore_config(name);
  REQUIRE_MESSAGE(c, "no configuration " << name);
  auto r = explore(*c, o);
  if (auto* e = std::get_if<std::string>(&r)) FAIL(name << ": " << *e);
  return std::get<ExploreResult>(std::move(r));
}

ExploreOptions with_mutant(std::string_view mutant, std::string only = {}) {
  ExploreOptions o;
  o.mutants.set(*mutant_from_name(mutant));
  o.only = std::move(only);
  return o;
}

// The invariant a mutant is aimed at: its first target that is one (a
// residue path's is failed_op_changes_nothing, which judges residues).
std::string aimed_at(std::string_view mutant) {
  for (std::string_view t : mutant_from_name(mutant)->info().targets) {
    if (find_invariant(t)) return std::string(t);
    for (const ResiduePath& p : residue_catalogue())
      if (p.name == t) return "failed_op_changes_nothing";
  }
  return {};
}

using Pin = ExplorePin;
const std::vector<ExplorePin>& kPins = explore_pins();

void check_pin(const Pin& p) {
  CAPTURE(p.config);
  ExploreOptions o;
  o.max_depth = p.max_depth;
  const ExploreResult r = must_explore(std::string(p.config), o);
  CHECK(r.states == p.states);
  CHECK(r.transitions == p.transitions);
  CHECK(r.edges == p.edges);
  CHECK(r.depth == p.depth);
  CHECK(r.violations.empty());
  CHECK(r.truncated == (p.max_depth != 0));
  if (p.max_depth) return;
  // The graph properties of a complete space: no stuck state, one strongly
  // connected component, every op of the alphabet succeeded somewhere. With
  // ZONE_DEVICE the boot state itself is not reached again (the residue of
  // INV-10/INV-14 stays), so "home" is boot up to that residue and the
  // graph has several components; so with `compact`, where zone->contiguous
  // is state and a zone emptied again counts as contiguous.
  CHECK(r.stuck_count == 0);
  const ExploreConfig& c = *find_explore_config(std::string(p.config));
  if (c.devices.empty() && !c.compact) CHECK(r.components == 1);
  else CHECK(r.components > 1);
  for (std::size_t k : r.ops_never_ok()) FAIL_CHECK(print_op(r.alphabet[k].op) << " never succeeded");
  CHECK(r.passed());
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

// ---------------------------------------------------------------- keys --

TEST_CASE("explore: state keys are exact and canonical") {
  const ExploreResult r = must_explore("x86-2slot-mom");  // verify_keys: every state decodes to itself
  System like;
  like.geo = find_explore_config("x86-2slot-mom")->geo;
  std::set<std::string> keys(r.keys.begin(), r.keys.end());
  CHECK(keys.size() == r.keys.size());  // no violating vertices here: one key per state
  // Canonical: a state rebuilt from its key (RunMaps built run by run, not by
  // the model's ops) encodes to the same bytes, and two different states
  // compare unequal.
  for (std::size_t v = 0; v < r.keys.size(); v += 97) {
    const System s = state_from_key(r.keys[v], like);
    CHECK(state_key(s) == r.keys[v]);
    if (v) CHECK_FALSE(s == state_from_key(r.keys[v - 1], like));
  }
  // A key the encoder cannot have produced is refused, not misread.
  CHECK_THROWS_AS(state_from_key(r.keys[0].substr(0, r.keys[0].size() / 2), like), std::runtime_error);
  CHECK_THROWS_AS(state_from_key(r.keys[0] + "x", like), std::runtime_error);
}

TEST_CASE("explore: the key sees every field that changes") {
  // Each change below is one field of the System; the key must change too.
  System s = std::get<System>(boot_system(find_explore_config("x86-1slot")->geo, {}, find_explore_config("x86-1slot")->boot));
  const std::string k = state_key(s);
  auto differs = [&](auto&& change) {
    System t = s;
    change(t);
    REQUIRE_FALSE(t == s);
    CHECK(state_key(t) != k);
    CHECK(state_from_key(state_key(t), s) == t);
  };
  differs([](System& t) { t.notifier.going_offline_errno = -EBUSY; });
  differs([](System& t) { t.node(0).zones[zone_idx(Zone::Normal)].nr_isolate_pageblock = -1; });
  differs([](System& t) { t.blocks.update(3, 4, [](MemoryBlock& m) { m.online_type = OnlineType::OnlineMovable; }); });
  differs([](System& t) { t.sections.update(2, 3, [](SectionState& m) { m.subsection_map.flip(200); }); });
  differs([](System& t) { t.pages.update(5, 6, [](PageState& p) { p.owner = 7; }); });
  differs([](System& t) { t.iomem.begin()->second.name = "System RAM (kmem)"; });
  differs([](System& t) { t.groups[3].present_movable_pages = 1; });
  differs([](System& t) { t.dimms[0x100000000].enabled = true; });
  differs([](System& t) { t.pgmaps[1].ranges.push_back({Pfn{1}, Pfn{2}}); });
  differs([](System& t) { t.pgmap_array.assign(10, 20, 2); });
}

// ------------------------------------------------------- configurations --

TEST_CASE("explore: configurations print and parse back") {
  for (const ExploreConfig& c : explore_configs()) {
    CAPTURE(c.name);
    auto parsed = parse_explore_config(print_explore_config(c));
    REQUIRE(std::holds_alternative<ExploreConfig>(parsed));
    CHECK(std::get<ExploreConfig>(parsed) == c);
  }
  // Per slot dimm_add and dimm_remove; per block two online types, offline
  // and four allocation letters; the free of migrated pages; one kpageflags
  // read; compact_node per node with slots where the configuration asks.
  CHECK(explore_alphabet(*find_explore_config("x86-1slot")).size() == 2 + 7 + 1 + 1);
  CHECK(explore_alphabet(*find_explore_config("x86-1slot-compact")).size() == 2 + 7 + 1 + 1 + 1);
  CHECK(explore_alphabet(*find_explore_config("x86-1slot-veto")).size() == 11 + 3);
  CHECK(explore_alphabet(*find_explore_config("x86-256m")).size() == 2 + 2 * 7 + 1 + 1);
  CHECK(explore_alphabet(*find_explore_config("x86-4slot")).size() == 4 * 2 + 4 * 7 + 1 + 1);
  // Plain online where the configuration asks for it.
  CHECK(explore_alphabet(*find_explore_config("x86-movable-node")).size() == 2 * 2 + 2 * 4 + 1);
  CHECK(contains(print_explore_config(*find_explore_config("x86-1slot-compact")), "\ncompact\n"));
  const std::string types = print_explore_config(*find_explore_config("x86-ratio50"));
  CHECK(contains(types, "online_types online,online_kernel,online_movable\n"));
  CHECK(contains(types, "auto_movable_ratio=50"));
  CHECK_FALSE(contains(print_explore_config(*find_explore_config("x86-1slot")), "online_types"));
}

TEST_CASE("explore: configuration files report the bad line") {
  const std::string head = "geometry x86_64\nboot node=0 start=0x100000 size=1G\n";
  auto error_at = [](const std::string& text) {
    auto r = parse_explore_config(text);
    REQUIRE(std::holds_alternative<ParseError>(r));
    return std::get<ParseError>(r);
  };
  CHECK(error_at(head + "slot node=0 start=0x100000000 size=100M\n").line == 3);
  CHECK(error_at(head + "slot node=0 start=0x100000000 size=128M\nslot node=0 start=0x100000000 size=128M\n").line == 4);
  CHECK(error_at(head + "slot node=0 start=0x100000000 sise=128M\n").message == "slot: unknown key 'sise'");
  CHECK(error_at(head + "online_block block=32 type=online\n").line == 3);
  CHECK(error_at(head + "pages count=x\n").line == 3);
  CHECK(error_at(head + "notifier EBUSY\n").line == 3);
  CHECK(error_at(head + "online_types online,offline\n").line == 3);
  CHECK(error_at(head + "online_types online,online\n").line == 3);
  CHECK(error_at(head + "online_types\n").message == "online_types: want at least one type");
  CHECK(error_at("geometry x86_64\n").message == "no 'boot' line");
  CHECK(error_at("mutant shrink_keeps_start\n" + head).line == 1);
  auto ok = parse_explore_config("# a comment\nname mine\n" + head +
                                 "slot node=0 start=4G size=256M  # two blocks\npages count=1 max=2\n");
  REQUIRE(std::holds_alternative<ExploreConfig>(ok));
  const ExploreConfig& c = std::get<ExploreConfig>(ok);
  CHECK(c.name == "mine");
  CHECK(c.slots == std::vector<ExploreSlot>{{0, u64{4} << 30, u64{256} << 20}});
  CHECK(c.pages_per_alloc() == 1);
  CHECK(c.max_allocs == 2);
}

// --------------------------------------------------------- pinned sizes --

TEST_CASE("explore: every named configuration has a pin") {
  std::set<std::string_view> pinned;
  for (const Pin& p : kPins) pinned.insert(p.config);
  for (const ExploreConfig& c : explore_configs()) CHECK_MESSAGE(pinned.count(c.name), c.name << " has no pin");
}

TEST_CASE("explore: pinned state spaces, small configurations") {
  for (const Pin& p : kPins)
    if (p.states < 5000) check_pin(p);
}

// The complete spaces of 5,000 states and more, one case each so that
// `ctest -j` spreads them; ten times slower under the sanitizers, where the
// small configurations above run the same code.
static void check_large_pin(std::string_view config) {
  if (memhp::test::kSanitized) return memhp::test::skip_test("too slow under the sanitizers");
  const ExplorePin* p = find_explore_pin(config);
  REQUIRE_MESSAGE(p, "no pin for " << config);
  check_pin(*p);
}

TEST_CASE("explore: pinned x86-2slot") { check_large_pin("x86-2slot"); }
TEST_CASE("explore: pinned x86-3slot-noalloc") { check_large_pin("x86-3slot-noalloc"); }
TEST_CASE("explore: pinned x86-3slot-noalloc-mom") { check_large_pin("x86-3slot-noalloc-mom"); }
TEST_CASE("explore: pinned x86-device-mom") { check_large_pin("x86-device-mom"); }
TEST_CASE("explore: pinned x86-4slot-noalloc-mom") {
  check_large_pin("x86-4slot-noalloc-mom");  // 10,000 states (233,425 before the group-id quotient)
}
TEST_CASE("explore: pinned x86-5slot-noalloc-mom" * doctest::test_suite("slow")) {
  check_large_pin("x86-5slot-noalloc-mom");  // 100,000 states, about 25 s
}

// Millions of states: two threads, and fingerprints unchecked (keeping
// every key to check them would take gigabytes; the smaller cases check the
// same kinds of state).
static void check_huge_pin(std::string_view config) {
  if (memhp::test::kSanitized) return memhp::test::skip_test("too slow under the sanitizers");
  const ExplorePin& p = *find_explore_pin(config);
  ExploreOptions o;
  o.jobs = 2;
  const ExploreResult r = std::get<ExploreResult>(explore(*find_explore_config(p.config), o));
  CHECK(r.states == p.states);
  CHECK(r.transitions == p.transitions);
  CHECK(r.edges == p.edges);
  CHECK(r.depth == p.depth);
  CHECK(r.passed());
  CHECK(r.components == 1);
}
TEST_CASE("explore: pinned x86-6slot-noalloc-mom" * doctest::test_suite("slow")) {
  check_huge_pin("x86-6slot-noalloc-mom");  // 10^6 states, about 80 s
}
TEST_CASE("explore: pinned x86-4slot-noalloc" * doctest::test_suite("slow")) {
  check_huge_pin("x86-4slot-noalloc");  // 2.7 million states, about 150 s and 1.3 GB
}

TEST_CASE("explore: every complete configuration of 5,000 states or more has its own case") {
  const std::set<std::string_view> own = {"x86-2slot",      "x86-3slot-noalloc",     "x86-3slot-noalloc-mom",
                                          "x86-device-mom", "x86-4slot-noalloc-mom", "x86-5slot-noalloc-mom",
                                          "x86-6slot-noalloc-mom", "x86-4slot-noalloc"};
  for (const Pin& p : kPins)
    if (!p.max_depth && p.states >= 5000) CHECK_MESSAGE(own.count(p.config), p.config << " is pinned but never explored");
}

TEST_CASE("explore: pinned state spaces, 3 and 4 slots to depth 7") {
  for (const Pin& p : kPins)
    if (p.max_depth && p.states >= 5000) check_pin(p);
}

TEST_CASE("explore: the complete x86-3slot-mom space" * doctest::skip()) {
  // 71012 states, 15 s; run with --no-skip (NOTES.md section 10).
  check_pin({"x86-3slot-mom", 0, 71012, 1767097, 856800, 15});
}

TEST_CASE("explore: a two-block DIMM gets no memmap_on_memory in 6.1") {
  // mhp_supports_memmap_on_memory() wants size == memory_block_size_bytes():
  // the same states, whatever the parameter says.
  const ExploreResult a = must_explore("x86-256m"), b = must_explore("x86-256m-mom");
  CHECK(std::set<std::string>(a.keys.begin(), a.keys.end()) == std::set<std::string>(b.keys.begin(), b.keys.end()));
}

TEST_CASE("explore: bounds stop the search and skip the graph properties") {
  ExploreOptions o;
  o.max_states = 100;
  const ExploreResult r = must_explore("x86-2slot-mom", o);
  CHECK(r.states == 100);
  CHECK(r.truncated);
  CHECK(r.components == 0);
  CHECK(r.passed());
  o = {};
  o.max_depth = 1;
  const ExploreResult boot_only = must_explore("x86-2slot-mom", o);
  CHECK(boot_only.states == 1);
  CHECK(boot_only.transitions == 0);
}

// ------------------------------------------------------ counterexamples --

TEST_CASE("explore: a violation comes with a shortest trace that replays") {
  const ExploreResult r = must_explore("x86-1slot-mom", with_mutant("vmemmap_freed_to_buddy"));
  REQUIRE(!r.violations.empty());
  const ExploreViolation& v = r.violations.front();
  CHECK(v.violation.invariant == "vmemmap_never_in_buddy");
  CHECK(v.trace.steps.size() == 2);  // dimm_add, online_block
  std::set<std::string> invariants;  // one violation per invariant, the shortest
  for (const ExploreViolation& x : r.violations) CHECK(invariants.insert(x.violation.invariant).second);
  const std::string text = print_trace(v.trace);
  CHECK(contains(text, "mutant vmemmap_freed_to_buddy\n"));
  auto parsed = parse_trace(text);
  REQUIRE(std::holds_alternative<Trace>(parsed));
  const ReplayResult rr = replay_trace(std::get<Trace>(parsed));
  REQUIRE(rr.violation);
  CHECK(rr.violation->invariant == v.violation.invariant);
  CHECK(rr.steps.size() == v.trace.steps.size());  // broken at the last step, not before
  CHECK(rr.expect_failures == 0);                   // every step's errno as the explorer saw it
  CHECK_FALSE(r.passed());
}

TEST_CASE("explore: a boot-time mutant is found at depth 0") {
  const ExploreResult r = must_explore("x86-1slot", with_mutant("memmap_init_skips_tail_hole"));
  REQUIRE(r.violations.size() == 1);
  CHECK(r.violations[0].trace.steps.empty());
  CHECK(r.violations[0].violation.invariant == "early_section_memmap_complete");
  CHECK(r.states == 1);
  CHECK(r.transitions == 0);
}

TEST_CASE("explore: stuck states are found and come with a trace") {
  // Released resources are what lets the DIMM go and the boot state come
  // back: with the resource leak and an unrelated invariant checked, no
  // invariant breaks, but most states can no longer return to boot.
  const ExploreResult r =
      must_explore("x86-1slot", with_mutant("remove_keeps_resource", "memmap_pages_accounted"));
  CHECK(r.violations.empty());
  CHECK(r.stuck_count > 0);
  REQUIRE(!r.stuck.empty());
  CHECK_FALSE(r.passed());
  const ReplayResult rr = replay_trace(r.stuck.front().trace);
  CHECK_FALSE(rr.violation);
  CHECK(rr.expect_failures == 0);
  // The stuck states are exactly the ones the reverse search did not reach.
  std::uint64_t marked = 0;
  for (std::size_t v = 0; v < boost::num_vertices(*r.graph); ++v) marked += (*r.graph)[v].stuck;
  CHECK(marked == r.stuck_count);
}

// ------------------------------------------------------------- mutants --

namespace {

// Mutants the explorer cannot reach in its configurations, and why.
const std::map<std::string_view, std::string_view>& unreachable_mutants() {
  static const std::map<std::string_view, std::string_view> m = {
      {"readd_boot_section_early", "needs boot memory removed and re-added; the alphabet only ejects DIMMs"},
      {"deactivate_frees_boot_usage", "needs a boot section removed; the alphabet only ejects DIMMs"},
      {"remove_ignores_online_blocks",
       "needs remove_memory() of online blocks; an ACPI eject offlines them first"},
      {"dimm_add_leaks_group", "needs a failing __add_memory() in dimm_add; every slot fits"},
      {"add_failure_keeps_resource", "needs __add_pages() out of memory for a memmap; every slot fits"},
      {"memmap_accounted_on_failure", "needs a vmemmap populate out of memory; every slot fits"},
      {"vmemmap_accounting_underflow", "needs a vmemmap populate out of memory; every slot fits"},
      {"device_tail_pageblocks_unset",
       "needs a deduplicated compound devmap of pages larger than a pageblock (1 GiB); the device "
       "configuration's are smaller"},
      {"memunmap_reads_altmap_page",
       "needs a pgmap altmap with a reserve; the device configuration's altmaps reserve nothing"},
      {"memremap_failure_keeps_ranges",
       "needs memremap_pages() to fail after it mapped a range; the device window always fits"},
      {"hotplug_range_ignores_start",
       "needs an add_memory() at an unaligned start; the alphabet adds whole slots only"},
      {"remove_keeps_zone_contiguous",
       "needs an offline that leaves a hole in a zone flagged contiguous: the alphabet offlines no "
       "boot block, and the one-slot compact configurations empty the zone instead"},
      {"pageblock_ignores_zone",
       "needs a zone whose span holds another zone's block (Normal around Movable: three blocks) "
       "and compact_node; the compact configurations have one slot"},
      {"altmap_refuses_exact_fit",
       "needs an altmap exactly as large as range 0's PMD-mapped vmemmap; the device configuration's "
       "altmaps hold more (or serve no whole section)"},
      {"remove_pages_stops_at_invalid",
       "needs a remove_memory() from an absent block into a present one; the alphabet removes whole "
       "slots only"},
  };
  return m;
}

struct Found {
  std::string config;
  std::size_t steps = 0;
};

// The shortest trace to a violation of the mutant's own invariant, in the
// first configuration where there is one.
std::optional<Found> explore_mutant(std::string_view mutant) {
  const auto v = find_shortest_violation(with_mutant(mutant, aimed_at(mutant)), fault_kernel(mutant_from_name(mutant)->info()));
  if (!v) return std::nullopt;
  return Found{v->config, v->violation.trace.steps.size()};
}

}  // namespace

TEST_CASE("explore: every reachable mutant is found, with RapidCheck beside it") {
  // The table goes to explore-mutant-report.md in the working directory (the
  // build directory under ctest); NOTES.md section 10 holds a copy.
  std::ofstream report("explore-mutant-report.md");
  report << "| mutant | invariant | explorer config | explorer steps | RapidCheck steps (suite) |\n"
            "|---|---|---|---|---|\n";
  for (const MutantInfo& m : mutant_registry()) {
    CAPTURE(m.name);
    if (aimed_at_threads(m)) continue;  // races: tests/test_threads.cpp
    const std::string inv = aimed_at(m.name);
    const std::optional<Found> f = explore_mutant(m.name);
    if (unreachable_mutants().count(m.name))
      CHECK_MESSAGE(!f, "now reachable in " << f->config << ": take it off the unreachable list");
    else
      CHECK_MESSAGE(f, "the explorer does not find it; if it cannot, list it with the reason");
    CheckOptions o;
    o.suite = inv::is_device_invariant(inv) ? "device" : "x86";
    o.only = inv;
    o.mutants.set(id_of(m));
    o.version = fault_kernel(m);
    o.seed = 1;
    o.use_store = false;
    CheckReport rc = run_check(o);
    // docs/design.md section 8: a suite's counterexample is no longer than the
    // BFS-shortest path, where the explorer reaches the mutant at all. The
    // shrinking is local, so one run can stop in a bigger machine than the
    // explorer's (auto_movable_ratio_exclusive, seed 1: 4 steps on a 2 GiB
    // boot, where x86-ratio50 needs 1): the claim is for the best of three
    // seeds, and the table says which one.
    auto longer = [&f](const CheckReport& r) { return f && r.failure && r.failure->trace.steps.size() > f->steps; };
    for (std::uint64_t seed = 2; seed <= 3 && longer(rc); ++seed) {
      o.seed = seed;
      CheckReport next = run_check(o);
      if (next.failure && next.failure->trace.steps.size() < rc.failure->trace.steps.size()) rc = std::move(next);
    }
    CHECK_FALSE(longer(rc));
    report << "| `" << m.name << "` | `" << inv << "` | " << (f ? f->config : "-") << " | "
           << (f ? std::to_string(f->steps) : "not reachable") << " | "
           << (rc.failure ? std::to_string(rc.failure->trace.steps.size()) : "not found") << " (" << o.suite
           << (rc.seed != 1 ? ", seed " + std::to_string(rc.seed) : "") << ") |\n";
  }
}

// ---------------------------------------------------------------- DOT --

TEST_CASE("explore: the state graph as DOT") {
  const ExploreResult r = must_explore("x86-1slot", with_mutant("remove_keeps_resource", "memmap_pages_accounted"));
  std::ostringstream dot;
  write_dot(dot, *find_explore_config("x86-1slot"), r);
  const std::string text = dot.str();
  CHECK(text.rfind("digraph G {", 0) == 0);
  CHECK(contains(text, "peripheries=2"));        // boot
  CHECK(contains(text, "fillcolor=orange"));     // stuck
  CHECK(contains(text, "dimm_add node=0 start=0x100000000 size=128M"));
  CHECK(contains(text, "32:Normal"));
  const ExploreResult bad = must_explore("x86-1slot-mom", with_mutant("vmemmap_freed_to_buddy"));
  std::ostringstream dot2;
  write_dot(dot2, *find_explore_config("x86-1slot-mom"), bad);
  CHECK(contains(dot2.str(), "fillcolor=red"));  // violating
}

TEST_CASE("explore: graphviz renders the DOT file") {
  if (!memhp::test::have_command("dot"))
    return memhp::test::skip_test("graphviz is not installed (apt-get install graphviz)");
  const ExploreResult r = must_explore("x86-1slot", with_mutant("remove_keeps_resource", "memmap_pages_accounted"));
  std::ostringstream dot;
  write_dot(dot, *find_explore_config("x86-1slot"), r);
  Scratch s("dot");
  const std::string file = s.write("g.dot", dot.str());
  const Exec e = run_shell(s, "dot -Tsvg '" + file + "'");
  CHECK(e.status == 0);
  CHECK(contains(e.out, "<svg"));
}

// ------------------------------------------------------- the command line --

TEST_CASE("explore: memhp explore") {
  Scratch s("cli");
  const Exec list = run_memhp(s, "explore --list");
  CHECK(list.status == 0);
  for (const ExploreConfig& c : explore_configs()) CHECK(contains(list.out, c.name + " "));

  const Exec ok = run_memhp(s, "explore --config x86-1slot");
  CHECK(ok.status == 0);
  CHECK(contains(ok.out, "states 44, transitions 441, edges 236, depth 8\n"));
  CHECK(contains(ok.out, "PASSED"));
  CHECK(contains(ok.err, "states/s"));
  CHECK(contains(ok.err, "peak RSS"));
  CHECK(run_memhp(s, "explore --config x86-1slot").out == ok.out);  // deterministic

  CHECK(run_memhp(s, "explore --bogus").status == 2);
  CHECK(run_memhp(s, "explore --max-states").status == 2);
  CHECK(run_memhp(s, "explore --mutant nope").status == 2);
  CHECK(run_memhp(s, "explore --config no-such-config").status == 2);
  const std::string bad = s.write("bad.conf", "geometry x86_64\nboot node=0 start=0 size=1G\nslot node=0 start=1 size=128M\n");
  const Exec e = run_memhp(s, "explore --config '" + bad + "'");
  CHECK(e.status == 2);
  CHECK(contains(e.err, "bad.conf:3: slot: start and size must be whole memory blocks"));
  const std::string good = s.write("good.conf", print_explore_config(*find_explore_config("x86-1slot")));
  CHECK(run_memhp(s, "explore --config '" + good + "'").out == ok.out);
}

TEST_CASE("explore: memhp explore finds, prints and replays a counterexample") {
  Scratch s("mutant");
  const std::string dot = s.path("g.dot");
  const Exec e =
      run_memhp(s, "explore --config x86-1slot --mutant shrink_keeps_start --only empty_zone_is_zero --dot '" + dot + "'");
  CHECK(e.status == 1);
  CHECK(contains(e.out, "VIOLATION empty_zone_is_zero"));
  CHECK(contains(e.out, "FAILED"));
  CHECK(contains(slurp(dot), "fillcolor=red"));
  // The trace as printed (indented under the violation) replays to it.
  const std::size_t at = e.out.find("    # memhp trace v1");
  REQUIRE(at != std::string::npos);
  std::istringstream lines(e.out.substr(at));
  std::string trace;
  for (std::string line; std::getline(lines, line) && line.rfind("    ", 0) == 0;) trace += line.substr(4) + "\n";
  const Exec replay = run_memhp(s, "replay '" + s.write("cx.trace", trace) + "'");
  CHECK(replay.status == 1);
  CHECK(contains(replay.out, "violation: empty_zone_is_zero"));

  const Exec stuck = run_memhp(s, "explore --config x86-1slot --mutant remove_keeps_resource --only memmap_pages_accounted");
  CHECK(stuck.status == 1);
  CHECK(contains(stuck.out, "STUCK: "));

  const Exec json = run_memhp(s, "explore --config x86-1slot --mutant shrink_keeps_start --json");
  CHECK(json.status == 1);
  const Json j = Json::parse(json.out);
  CHECK(j.at("states").get<std::uint64_t>() > 1);
  REQUIRE(j.at("violations").is_array());
  CHECK(!j.at("violations").empty());
  CHECK(j.at("passed") == false);
}

namespace {

// The key of a full-graph state once its group ids are canonical.
std::string canonical_key(const std::string& key, const System& like) {
  System s = state_from_key(key, like);
  canonicalize_group_ids(s);
  return state_key(s);
}

// The graph with canonical group ids is the quotient of the full one by
// renaming, and renaming is a bisimulation: the canonical images of the
// full states are exactly the quotient's states, every full edge maps onto a
// quotient edge with the same letter and errno and every quotient edge is
// such an image, and both find the same invariants broken at the same
// depths (so the same shortest counterexample lengths).
void check_quotient(const std::string& name, const ExploreOptions& o, bool reduces) {
  CAPTURE(name);
  ExploreOptions fo = o;
  fo.canonical_groups = false;
  const ExploreResult full = must_explore(name, fo), quot = must_explore(name, o);
  System like;
  like.geo = find_explore_config(name)->geo;
  like.mutants = o.mutants;
  std::map<std::string, std::uint32_t> qv;
  for (std::uint32_t v = 0; v < quot.keys.size(); ++v)
    if (!(*quot.graph)[v].violating) qv.emplace(quot.keys[v], v);
  std::vector<std::int64_t> image(full.keys.size(), -1);
  std::set<std::uint32_t> hit;
  for (std::uint32_t v = 0; v < full.keys.size(); ++v) {
    if ((*full.graph)[v].violating) continue;
    const auto it = qv.find(canonical_key(full.keys[v], like));
    REQUIRE_MESSAGE(it != qv.end(), "a full state has no quotient state");
    image[v] = it->second;
    hit.insert(it->second);
  }
  CHECK(hit.size() == qv.size());  // every quotient state is an image
  using Edge = std::tuple<std::int64_t, std::int64_t, std::uint32_t, int>;
  auto edges = [](const ExploreResult& r, const std::vector<std::int64_t>* map) {
    std::set<Edge> out;
    for (auto [e, end] = boost::edges(*r.graph); e != end; ++e) {
      const auto u = boost::source(*e, *r.graph), w = boost::target(*e, *r.graph);
      if ((*r.graph)[w].violating) continue;
      const StateEdge& p = (*r.graph)[*e];
      out.emplace(map ? (*map)[u] : std::int64_t(u), map ? (*map)[w] : std::int64_t(w), p.op, p.err);
    }
    return out;
  };
  CHECK(edges(full, &image) == edges(quot, nullptr));
  CHECK(full.violations.size() == quot.violations.size());
  for (std::size_t i = 0; i < std::min(full.violations.size(), quot.violations.size()); ++i) {
    CHECK(full.violations[i].violation.invariant == quot.violations[i].violation.invariant);
    CHECK(full.violations[i].trace.steps.size() == quot.violations[i].trace.steps.size());
  }
  if (reduces) CHECK(quot.states < full.states);
  if (o.mutants.any()) CHECK_FALSE(full.violations.empty());  // the mutant is seen at all
}

}  // namespace

TEST_CASE("explore: canonical group ids give a bisimilar quotient") {
  check_quotient("x86-2slot-mom", {}, true);
  check_quotient("x86-3slot-noalloc", {}, true);
  // Mutants that break group accounting: the same invariants at the same depths.
  // (dimm_add_leaks_group needs a failing DIMM add, which no alphabet has.)
  for (std::string_view m : {"group_present_not_adjusted", "static_group_page_more"})
    check_quotient("x86-2slot-mom", with_mutant(m), false);
}

// ------------------------------------------- threads and fingerprints --

namespace {

// Everything a search reports, as text: counts, tallies, violations and
// their traces, stuck states, and the graph edge by edge.
std::string everything(const ExploreResult& r) {
  std::ostringstream out;
  out << r.states << " " << r.transitions << " " << r.edges << " " << r.depth << " " << r.truncated << " "
      << r.components << " " << r.search_bytes << " " << r.key_bytes << "\n";
  for (const OpTally& t : r.ops) out << t.ok << "/" << t.failed << "/" << t.skipped << " ";
  for (const ExploreViolation& v : r.violations)
    out << "\n" << v.vertex << " " << v.violation.invariant << ": " << v.violation.message << "\n" << print_trace(v.trace);
  out << "\nstuck " << r.stuck_count;
  for (const StuckState& s : r.stuck) out << "\n" << s.vertex << " " << s.summary << "\n" << print_trace(s.trace);
  const StateGraph& g = *r.graph;
  for (std::uint32_t v = 0; v < boost::num_vertices(g); ++v) {
    const StateVertex& p = g[v];
    out << "\nv" << v << " " << p.depth << " " << p.parent << " " << p.via << " " << p.via_err << " " << p.violating
        << p.stuck << p.home << ":";
    for (auto [e, end] = boost::out_edges(v, g); e != end; ++e)
      out << " " << boost::target(*e, g) << "/" << g[*e].op << "/" << g[*e].err;
  }
  for (const std::string& k : r.keys) out << "\n" << k.size() << ":" << std::hash<std::string>{}(k);
  return out.str();
}

}  // namespace

TEST_CASE("explore: the result is the same for any number of threads") {
  struct Case {
    const char* config;
    ExploreOptions o;
  };
  ExploreOptions first = with_mutant("vmemmap_freed_to_buddy");
  first.stop_at_violation = true;
  ExploreOptions bounded;
  bounded.max_states = 777;  // stops inside a batch
  std::vector<Case> cases = {{"x86-2slot-mom", {}},
                             {"x86-device-mom", {}},  // home states beyond boot's own
                             {"x86-2slot-mom", with_mutant("vmemmap_freed_to_buddy")},
                             {"x86-2slot-mom", first},
                             {"x86-3slot-noalloc", bounded},
                             {"x86-1slot", with_mutant("remove_keeps_resource", "memmap_pages_accounted")}};
  for (Case& c : cases) {
    CAPTURE(c.config);
    c.o.keep_keys = true;
    const std::string one = everything(must_explore(c.config, c.o));
    for (unsigned jobs : {2u, 3u}) {
      CAPTURE(jobs);
      c.o.jobs = jobs;
      CHECK(everything(must_explore(c.config, c.o)) == one);
    }
  }
}

TEST_CASE("explore: the search keeps fingerprints, and checks them against keys when asked") {
  // Without keys the search holds fingerprints, vertices and edges only.
  const ExploreConfig& c = *find_explore_config("x86-3slot-noalloc-mom");
  const ExploreResult lean = std::get<ExploreResult>(explore(c, ExploreOptions{}));
  const ExploreResult full = must_explore("x86-3slot-noalloc-mom");
  CHECK(lean.keys.empty());
  CHECK(full.keys.size() == boost::num_vertices(*full.graph));
  CHECK(everything(lean).substr(0, 40) == everything(full).substr(0, 40));
  CHECK(lean.search_bytes < lean.key_bytes);  // less than the keys alone would take
  CHECK(lean.collision_bound > 0);
  CHECK(lean.collision_bound < 1e-9);
  CHECK(full.collision_bound == 0);  // checked, not estimated
  // Eight-bit fingerprints must collide among hundreds of states: unchecked,
  // the search silently loses states; checked, it stops with an error.
  ExploreOptions narrow;
  narrow.fingerprint_bits = 8;
  const ExploreResult lossy = std::get<ExploreResult>(explore(c, narrow));
  CHECK(lossy.states < full.states);
  CHECK(lossy.collision_bound == 1.0);
  narrow.verify_keys = true;
  CHECK_THROWS_WITH_AS(explore(c, narrow), doctest::Contains("share a fingerprint"), std::logic_error);
  narrow.fingerprint_bits = 0;
  CHECK(std::get<std::string>(explore(c, narrow)) == "fingerprints are 1 to 64 bits wide");
}

TEST_CASE("explore: the fingerprint set") {
  FingerprintSet set;
  CHECK(set.find(42) == FingerprintSet::kNone);
  for (std::uint32_t v = 0; v < 5000; ++v) set.insert(fingerprint(std::to_string(v)), v);
  CHECK(set.size() == 5000);
  for (std::uint32_t v = 0; v < 5000; ++v) CHECK(set.find(fingerprint(std::to_string(v))) == v);
  CHECK(set.find(fingerprint("5000")) == FingerprintSet::kNone);
  CHECK(set.bytes() <= 5000 * 12 * 4);  // at least a quarter full after growing
  CHECK(fingerprint("x", 1) == 1);      // 0 is the empty slot's
  CHECK(collision_bound(1) == 0);
  CHECK(collision_bound(3, 2) == doctest::Approx(0.75));
  CHECK(collision_bound(1000, 8) == 1.0);  // a bound, not a probability past 1
}
