// Replay, the failure store, and the `memhp replay` / `memhp invariants`
// commands.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "failure_store.h"
#include "fixtures.h"
#include "memhp/trace.h"
#include "replay.h"
#include "report.h"
#include "sequences.h"
#include "shell.h"

using namespace memhp;
using memhp::test::parse_ok;
namespace fs = std::filesystem;

namespace {

// The layout of tests/kernel/dimm-128m-memmap-on-memory.trace: a 1 GiB
// x86_64 guest and a 128 MiB pc-dimm with memmap_on_memory. `headers` go
// after the profile line (mutant, check); `extra` after the last step.
std::string dimm_trace(const std::string& headers = "", const std::string& extra = "") {
  return "# memhp trace v1\n"                                                      // 1
         "geometry x86_64\n"                                                       // 2
         "profile v6.1 memmap_on_memory=1 memhp_default_state=offline movable_node=0 "
         "online_policy=contig-zones\n" +                                          // 3
         headers +
         "boot node=0 start=0x1000 size=0x9ec00\n"
         "boot node=0 start=0x100000 size=0x3fee0000\n"
         "dimm_add node=0 start=0x100000000 size=128M          # expect: ok\n"
         "online_block block=32 type=online_movable            # expect: ok\n"
         "online_block block=32 type=online_movable            # expect: -EINVAL\n"
         "offline_block block=32                               # expect: ok\n"
         "offline_block block=32                               # expect: -EINVAL\n"
         "remove_memory start=0x100000000 size=128M            # expect: ok\n" +
         extra;
}

// Line numbers in dimm_trace() with `n_headers` header lines.
int dimm_add_line(int n_headers) { return 6 + n_headers; }
int first_online_line(int n_headers) { return 7 + n_headers; }

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// dimm_add and online_movable, then offline and online again: the last two
// steps are the window of offline_online_restores_zone_counters.
std::string offline_online_trace(const std::string& mutant_line) {
  return "geometry x86_64\n"
         "profile v6.1 memmap_on_memory=1 memhp_default_state=offline\n" +
         mutant_line +
         "check property=offline_online_restores_zone_counters\n"
         "boot node=0 start=0x1000 size=0x9ec00\n"
         "boot node=0 start=0x100000 size=0x3fee0000\n"
         "dimm_add node=0 start=0x100000000 size=128M\n"
         "online_block block=32 type=online_movable\n"
         "offline_block block=32\n"
         "online_block block=32 type=online_movable\n";
}

}  // namespace

// --------------------------------------------------------------- replay --

TEST_CASE("replay: the recorded DIMM scenario replays with no violation") {
  Trace t = parse_ok(dimm_trace());
  ReplayResult r = replay_trace(t);
  CHECK(r.boot_error == "");
  CHECK_FALSE(r.boot_violation);
  CHECK_MESSAGE(!r.violation, r.violation->invariant << ": " << r.violation->message);
  CHECK(r.expect_failures == 0);
  REQUIRE(r.steps.size() == 6);
  CHECK(r.steps[0].line == dimm_add_line(0));
  CHECK(r.steps[1].expect == 0);
  // The online step's diff names the Movable zone counters the real kernel showed.
  std::vector<std::string> d;
  for (const DiffEntry& e : r.steps[1].diff) d.push_back(e.text());
  CHECK(std::find(d.begin(), d.end(), "zone 0:Movable present: 0 -> 32768") != d.end());
  CHECK(std::find(d.begin(), d.end(), "zone 0:Movable managed: 0 -> 32256") != d.end());
  const auto managed = std::find_if(r.steps[1].diff.begin(), r.steps[1].diff.end(),
                                    [](const DiffEntry& e) { return e.what == "zone 0:Movable managed"; });
  REQUIRE(managed != r.steps[1].diff.end());
  CHECK(managed->field == "nodes");
  CHECK(managed->old_value == "0");
  CHECK(managed->new_value == "32256");
  CHECK(r.steps[4].diff.empty());  // the failed offline changes nothing

  std::string text = format_replay(r, "dimm.trace");
  CHECK(text.rfind("dimm.trace:6: dimm_add node=0 start=0x100000000 size=128M -> ok\n", 0) == 0);
  CHECK(text.find("\n    zone 0:Movable present: 0 -> 32768\n") != std::string::npos);
  CHECK(text.find("dimm.trace:10: offline_block block=32 -> -EINVAL (") != std::string::npos);
  CHECK(text.find("VIOLATION") == std::string::npos);
  CHECK(ends_with(text, "\n6 steps replayed, no violation\n"));
}

TEST_CASE("replay: vmemmap_freed_to_buddy breaks vmemmap_never_in_buddy at the online") {
  const std::string text = dimm_trace("mutant vmemmap_freed_to_buddy\n");
  ReplayResult r = replay_trace(parse_ok(text));
  REQUIRE(r.violation);
  CHECK(r.violation->invariant == "vmemmap_never_in_buddy");
  CHECK(r.violation_line == first_online_line(1));
  CHECK(r.steps.size() == 2);  // stopped at the violation
  CHECK(r.steps.back().line == r.violation_line);

  std::string once = format_replay(r, "m.trace");
  std::string twice = format_replay(replay_trace(parse_ok(text)), "m.trace");
  CHECK(once == twice);
  const std::string head = "m.trace:" + std::to_string(r.violation_line) +
                           ": VIOLATION vmemmap_never_in_buddy: ";
  CHECK(once.find("\n" + head) != std::string::npos);
  // The catalogue entry follows: statement with its id, and the kernel place.
  const Invariant* inv = find_invariant("vmemmap_never_in_buddy");
  REQUIRE(inv);
  CHECK(once.find("    " + std::string(inv->id) + ": " + std::string(inv->statement) + "\n") !=
        std::string::npos);
  CHECK(once.find("    kernel: " + std::string(inv->kernel_ref) + "\n") != std::string::npos);
  CHECK(ends_with(once, "\n2 steps replayed, violation: vmemmap_never_in_buddy\n"));
}

TEST_CASE("replay: check only= checks just that invariant") {
  SUBCASE("vmemmap_not_present is reported by zone_present_counts_pages") {
    ReplayResult r = replay_trace(parse_ok(
        dimm_trace("mutant vmemmap_not_present\ncheck only=zone_present_counts_pages\n")));
    REQUIRE(r.violation);
    CHECK(r.violation->invariant == "zone_present_counts_pages");
    CHECK(r.violation_line == first_online_line(2));
  }
  SUBCASE("a mutant the chosen invariant is not about goes unreported") {
    ReplayResult r = replay_trace(parse_ok(
        dimm_trace("mutant vmemmap_freed_to_buddy\ncheck only=zone_present_counts_pages\n")));
    CHECK_FALSE(r.violation);
    CHECK(r.steps.size() == 6);
  }
}

TEST_CASE("replay: the names a check header gives are the checkers'") {
  // The trace language parses any name; check_names() makes an unknown one
  // a parse error on its line, as the commands parse; without it, replay
  // refuses the trace instead of checking something else.
  for (const std::string& header : {std::string("check only=no_such_invariant\n"),
                                    std::string("check property=no_such_property\n")}) {
    CAPTURE(header);
    const std::string text = dimm_trace(header);
    const Trace t = parse_ok(text);
    const std::string want = header.find("only=") != std::string::npos
                                 ? "unknown invariant 'no_such_invariant'"
                                 : "unknown property 'no_such_property'";
    CHECK(replay_trace(t).boot_error == want);
    auto checked = parse_trace(text, check_names());
    REQUIRE(std::holds_alternative<ParseError>(checked));
    CHECK(std::get<ParseError>(checked).line == 4);
    CHECK(std::get<ParseError>(checked).message == want);
  }
  const std::string known = dimm_trace("check only=add_remove_round_trip\n");
  CHECK(std::holds_alternative<Trace>(parse_trace(known, check_names())));
  CHECK(std::holds_alternative<Trace>(
      parse_trace(dimm_trace("check property=add_remove_round_trip\n"), check_names())));
  CHECK(std::holds_alternative<ParseError>(
      parse_trace(dimm_trace("check property=vmemmap_never_in_buddy\n"), check_names())));
}

TEST_CASE("replay: check property= over the last steps") {
  SUBCASE("the correct model restores the counters") {
    ReplayResult r = replay_trace(parse_ok(offline_online_trace("")));
    CHECK_MESSAGE(!r.violation, r.violation->invariant << ": " << r.violation->message);
    CHECK(r.steps.size() == 4);
  }
  SUBCASE("offline_skips_present fails the replay") {
    // Every invariant is checked as well, and the zone counters go wrong at
    // the offline already, so the first violation may be an invariant's.
    ReplayResult r = replay_trace(parse_ok(offline_online_trace("mutant offline_skips_present\n")));
    REQUIRE(r.violation);
    CHECK(r.violation_line >= 9);
    CHECK(format_replay(r, "p.trace").find("p.trace:" + std::to_string(r.violation_line) +
                                           ": VIOLATION " + r.violation->invariant + ": ") !=
          std::string::npos);
  }
  SUBCASE("the property alone catches offline_skips_present") {
    Trace t = parse_ok(offline_online_trace("mutant offline_skips_present\n"));
    const SequenceProperty* p = find_sequence_property(t.check_property);
    REQUIRE(p);
    REQUIRE(p->ops == 2);
    System s = std::get<System>(boot_trace(t));
    for (std::size_t i = 0; i + p->ops < t.steps.size(); ++i) REQUIRE(apply_op(s, t.steps[i].op).ok());
    const System window_start = s;
    for (std::size_t i = t.steps.size() - p->ops; i < t.steps.size(); ++i)
      REQUIRE(apply_op(s, t.steps[i].op).ok());
    CHECK(p->check(window_start, s));
  }
  SUBCASE("a trace shorter than the property is not applicable, not a violation") {
    // Judging it would let the minimiser drop every step (issue 12).
    std::string text = offline_online_trace("");
    text = text.substr(0, text.find("online_block"));  // boot and dimm_add only
    ReplayResult r = replay_trace(parse_ok(text));
    CHECK_FALSE(r.violation);
    CHECK(r.boot_error.empty());
    CHECK(r.steps.size() == 1);
  }
  SUBCASE("a window of other ops is refused") {
    std::string text = offline_online_trace("");
    text = text.substr(0, text.rfind("online_block"));  // ends with online_block, offline_block
    ReplayResult r = replay_trace(parse_ok(text));
    CHECK_FALSE(r.violation);
    CHECK(r.boot_error.find("offline_block then online_block of one block") != std::string::npos);
  }
}

TEST_CASE("replay: boot failures, boot violations and expectations") {
  SUBCASE("a trace that cannot boot") {
    ReplayResult r = replay_trace(parse_ok("boot node=0 start=0 size=4G\nboot node=0 start=1G size=1G\n"));
    CHECK(r.boot_error != "");
    CHECK(r.steps.empty());
    CHECK(format_replay(r, "b.trace").rfind("b.trace: boot failed: ", 0) == 0);
  }
  SUBCASE("a mutant that breaks the boot state") {
    ReplayResult r = replay_trace(parse_ok(dimm_trace("mutant memmap_init_skips_tail_hole\n")));
    REQUIRE(r.boot_violation);
    REQUIRE(r.violation);
    CHECK(r.violation->invariant == r.boot_violation->invariant);
    CHECK(r.violation_line == 0);
    CHECK(r.steps.empty());
    CHECK(format_replay(r, "b.trace").rfind("b.trace: at boot: VIOLATION ", 0) == 0);
  }
  SUBCASE("a failed expectation is counted and shown, but is no violation") {
    ReplayResult r =
        replay_trace(parse_ok("boot node=0 start=0 size=4G\noffline_block block=99 # expect: ok\n"));
    CHECK_FALSE(r.violation);
    CHECK(r.expect_failures == 1);
    REQUIRE(r.steps.size() == 1);
    CHECK(expect_failed(r.steps[0]));
    CHECK(format_replay(r, "e.trace").find("\n    EXPECTED: ok, got -") != std::string::npos);
  }
}

// -------------------------------------------------------- failure store --

using memhp::test::Scratch;
using memhp::test::slurp;

TEST_CASE("failure store: FNV-1a 64 known answers") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
}

TEST_CASE("failure store: store, load and remove round trip") {
  Scratch s("store");
  const std::string dir = s.path("failures/nested");
  Trace t = parse_ok(dimm_trace("mutant vmemmap_freed_to_buddy\n"));

  const std::string p1 = store_failure(dir, t, "vmemmap_never_in_buddy");
  const std::string p2 = store_failure(dir, t, "vmemmap_never_in_buddy");
  CHECK(p1 == p2);
  const std::string name = fs::path(p1).filename().string();
  // <invariant>-<12 lower-case hex digits>.trace
  const std::string stem = "vmemmap_never_in_buddy-";
  REQUIRE(name.size() == stem.size() + 12 + 6);
  CHECK(name.rfind(stem, 0) == 0);
  CHECK(name.find_first_not_of("0123456789abcdef", stem.size()) == stem.size() + 12);
  CHECK(ends_with(name, ".trace"));
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(fnv1a64(print_trace(t))));
  CHECK(name == "vmemmap_never_in_buddy-" + std::string(hash, 12) + ".trace");
  CHECK(slurp(p1) == "# violates: vmemmap_never_in_buddy\n" + print_trace(t));

  // A second failure and a file that does not parse; both sort by name.
  Trace other = parse_ok("boot node=0 start=0 size=4G\nmemory_notifier\n");
  const std::string p3 = store_failure(dir, other, "allocations_conserved");
  std::ofstream(fs::path(dir) / "broken.trace") << "# memhp trace v1\nonlin block=1\n";
  std::ofstream(fs::path(dir) / "notes.txt") << "not a trace\n";

  auto all = load_failures(dir);
  REQUIRE(all.size() == 3);
  CHECK(all[0].path == p3);
  CHECK(all[0].trace == other);
  CHECK(all[0].violates == "allocations_conserved");
  CHECK(all[1].path == (fs::path(dir) / "broken.trace").string());
  CHECK(all[1].parse_error == all[1].path + ":2: unknown op 'onlin'");
  CHECK(all[2].path == p1);
  CHECK(all[2].parse_error == "");
  CHECK(all[2].trace == t);
  CHECK(all[2].trace.mutants == t.mutants);
  CHECK(all[2].violates == "vmemmap_never_in_buddy");

  CHECK(remove_failure(p1));
  CHECK_FALSE(remove_failure(p1));
  CHECK(load_failures(dir).size() == 2);
  CHECK(load_failures(s.path("missing")).empty());
}

TEST_CASE("failure store: file names are stable and stay inside the directory") {
  Scratch s("stable");
  // Pinned: a changed name means every stored failure is stored again under
  // a new name, so print_trace() and the hash must not change by accident.
  Trace t = parse_ok("boot node=0 start=0 size=4G\noffline_block block=3\n");
  std::string p = store_failure(s.path("d"), t, "no_kernel_bug");
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(fnv1a64(print_trace(t))));
  CHECK(fs::path(p).filename().string() == "no_kernel_bug-" + std::string(hash, 12) + ".trace");
  CHECK(fs::path(p).filename().string() == "no_kernel_bug-d6012cf13b3d.trace");

  std::string odd = store_failure(s.path("d"), t, "../x/y");
  CHECK(fs::path(odd).parent_path() == fs::path(s.path("d")));
  CHECK(fs::path(odd).filename().string().rfind("___x_y-", 0) == 0);
}

// ------------------------------------------------------ the memhp binary --

using memhp::test::Exec;
using memhp::test::run_memhp;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("replay: memhp replay exit statuses") {
  Scratch s("cli");
  SUBCASE("no violation -> 0") {
    auto f = s.write("ok.trace", dimm_trace());
    Exec e = run_memhp(s, "replay '" + f + "'");
    CHECK(e.status == 0);
    CHECK(e.err == "");
    CHECK(e.out == format_replay(replay_trace(parse_ok(dimm_trace())), f));
  }
  SUBCASE("a violation -> 1, deterministic in both forms") {
    auto f = s.write("m.trace", dimm_trace("mutant vmemmap_freed_to_buddy\n"));
    Exec a = run_memhp(s, "replay '" + f + "'");
    Exec b = run_memhp(s, "replay '" + f + "'");
    CHECK(a.status == 1);
    CHECK(a.out == b.out);
    CHECK(a.out.find(f + ":" + std::to_string(first_online_line(1)) + ": VIOLATION vmemmap_never_in_buddy: ") != std::string::npos);

    Exec j = run_memhp(s, "replay --json '" + f + "'");
    CHECK(j.status == 1);
    CHECK(j.out == run_memhp(s, "replay '" + f + "' --json").out);
    auto lines = lines_of(j.out);
    REQUIRE(lines.size() == 3);
    for (const auto& line : lines) {
      CAPTURE(line);
      CHECK(Json::parse(line).is_object());
    }
    const Json step = Json::parse(lines[0]);
    CHECK(step.at("line") == dimm_add_line(1));
    CHECK(step.at("op") == "dimm_add node=0 start=0x100000000 size=128M");
    CHECK(step.at("errno") == 0);
    CHECK(step.at("diff").is_array());
    REQUIRE_FALSE(step.at("diff").empty());
    for (const Json& d : step.at("diff")) {  // structured: field, what, old, new
      CHECK(d.at("field").is_string());
      CHECK(d.at("what").is_string());
      CHECK((d.at("old").is_string() || d.at("old").is_null()));
      CHECK((d.at("new").is_string() || d.at("new").is_null()));
    }
    const Json verdict = Json::parse(lines[2]);
    const Json& v = verdict.at("violation");
    REQUIRE(v.is_object());
    CHECK(v.at("invariant") == "vmemmap_never_in_buddy");
    CHECK(v.at("line") == first_online_line(1));
    CHECK(v.at("message") != "");
  }
  SUBCASE("no violation in JSON ends with a null verdict") {
    auto f = s.write("ok.trace", dimm_trace());
    Exec j = run_memhp(s, "replay --json '" + f + "'");
    CHECK(j.status == 0);
    auto lines = lines_of(j.out);
    REQUIRE(lines.size() == 7);
    CHECK(lines.back() == R"({"violation":null})");
  }
  SUBCASE("a failed expectation -> 1 with a warning on stderr") {
    auto f = s.write("e.trace", "boot node=0 start=0 size=4G\noffline_block block=99 # expect: ok\n");
    Exec e = run_memhp(s, "replay '" + f + "'");
    CHECK(e.status == 1);
    CHECK(e.err.rfind(f + ":2: expected ok, got -", 0) == 0);
    CHECK(e.out.find("1 steps replayed, no violation\n") != std::string::npos);
  }
  SUBCASE("bad input -> 2") {
    auto p = s.write("p.trace", dimm_trace() + "onlin block=1\n");
    Exec e = run_memhp(s, "replay '" + p + "'");
    CHECK(e.status == 2);
    CHECK(e.out == "");
    CHECK(e.err == p + ":12: unknown op 'onlin'\n");

    auto b = s.write("b.trace", "geometry x86_64\nboot node=0 start=0 size=4G\n"
                                "boot node=0 start=1G size=1G\n");
    Exec boot = run_memhp(s, "replay '" + b + "'");
    CHECK(boot.status == 2);
    CHECK(boot.err.rfind(b + ":2: ", 0) == 0);

    CHECK(run_memhp(s, "replay").status == 2);
    CHECK(run_memhp(s, "replay --bogus x.trace").status == 2);
    CHECK(run_memhp(s, "replay '" + s.path("nope.trace") + "'").status == 2);
    CHECK(run_memhp(s, "help replay").status == 0);
  }
}

TEST_CASE("invariants: memhp invariants lists the catalogue") {
  Scratch s("inv");
  Exec j = run_memhp(s, "invariants --json");
  REQUIRE(j.status == 0);
  const Json doc = Json::parse(j.out);
  const Json& invs = doc.at("invariants");
  const Json& props = doc.at("properties");
  const Json& muts = doc.at("mutants");
  CHECK(invs.size() >= 30);
  CHECK(invs.size() == invariant_registry().size());
  CHECK(props.size() == sequence_properties().size());
  // `mutants` lists the engineered ones; `killed_by` names historical
  // faults too (memhp faults).
  std::size_t engineered = 0;
  for (const MutantInfo& m : mutant_registry()) engineered += m.kind == MutantKind::Engineered;
  CHECK(muts.size() == engineered);

  std::set<std::string> mutant_names;
  for (const MutantInfo& m : mutant_registry()) mutant_names.insert(std::string(m.name));
  std::set<std::string> check_names;
  for (const Json* list : {&invs, &props})
    for (const Json& i : *list) {
      const std::string name = i.at("name").get<std::string>();
      CAPTURE(name);
      CHECK(check_names.insert(name).second);  // names are unique
      CHECK(i.at("statement") != "");
      CHECK(i.at("kernel_ref") != "");
      REQUIRE(i.at("killed_by").is_array());
      CHECK_FALSE(i.at("killed_by").empty());
      for (const Json& k : i.at("killed_by")) CHECK(mutant_names.count(k.get<std::string>()) == 1);
    }
  for (const Json& m : muts) {
    CAPTURE(m.at("name").get<std::string>());
    CHECK_FALSE(m.at("aimed_at").empty());  // every mutant is aimed at a check
  }
  CHECK(invs[0].at("name") == std::string(invariant_registry()[0].name));
  for (const Json& i : invs) {
    const Invariant* inv = find_invariant(i.at("name").get<std::string>());
    REQUIRE(inv);
    const char* reads = inv->check.of_state() ? "state" : inv->check.has_state_part() ? "step+state" : "step";
    CHECK(i.at("reads") == reads);
  }

  Exec t = run_memhp(s, "invariants");
  CHECK(t.status == 0);
  CHECK(t.out.rfind("Invariants (" + std::to_string(invs.size()) + ")", 0) == 0);
  CHECK(t.out.find("  vmemmap_never_in_buddy ") != std::string::npos);

  Exec md = run_memhp(s, "invariants --markdown");
  CHECK(md.status == 0);
  CHECK(md.out.find("| name | id | reads | statement | kernel place | killed by |\n|---|---|---|---|---|---|\n") !=
        std::string::npos);
  CHECK(md.out.find("| `vmemmap_never_in_buddy` | INV-20a | state | ") != std::string::npos);
  CHECK(md.out.find("| `failed_op_changes_nothing` | GEN-1 | step | ") != std::string::npos);

  CHECK(run_memhp(s, "invariants --json --markdown").status == 2);
  CHECK(run_memhp(s, "invariants extra").status == 2);
  CHECK(run_memhp(s, "invariants --json").out == j.out);
}
