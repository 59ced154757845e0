// The memhp command line: one CLI11 parser for every command. --help works
// everywhere, and every usage error is one line naming what was wrong, with
// exit status 2.
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "shell.h"

using memhp::test::Exec;
using memhp::test::run_memhp;
using memhp::test::Scratch;

namespace {

const std::vector<std::string> kCommands = {"run",     "replay",        "check",       "invariants", "explore",
                                            "prove",   "kernel-script", "diff-kernel", "memmap-cost", "merge",
                                            "render"};

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("cli: help for memhp and for every command") {
  Scratch s("cli-help");
  const Exec top = run_memhp(s, "help");
  CHECK(top.status == 0);
  CHECK(run_memhp(s, "--help").out == top.out);
  CHECK(run_memhp(s, "-h").out == top.out);
  for (const std::string& c : kCommands) {
    CAPTURE(c);
    // `memhp help` lists the command with its one-line summary.
    CHECK(contains(top.out, "\n  " + c + " "));
    const Exec h = run_memhp(s, c + " --help");
    CHECK(h.status == 0);
    CHECK(h.err == "");
    CHECK(contains(h.out, "memhp " + c));
    CHECK(contains(h.out, "--help"));
    CHECK(run_memhp(s, "help " + c).out == h.out);
  }
  CHECK(contains(run_memhp(s, "run --help").out, "--json-full"));
  CHECK(contains(run_memhp(s, "check --help").out, "--seed"));
  CHECK(run_memhp(s, "help frobnicate").status == 2);
  CHECK(run_memhp(s, "").status == 2);
}

TEST_CASE("cli: an unknown option -> 2, one line naming it") {
  Scratch s("cli-unknown");
  // Each command with what it needs besides, so that the unknown option is
  // the only thing wrong.
  const std::map<std::string, std::string> needs = {
      {"run", "x.trace"},
      {"replay", "x.trace"},
      {"render", "x.trace"},
      {"kernel-script", "x.trace"},
      {"diff-kernel", "x.trace"},
      {"merge", "x.json"},
      {"memmap-cost", "--geometry x86_64 --size 1T --align 2M"}};
  for (const std::string& c : kCommands) {
    CAPTURE(c);
    const std::string rest = needs.count(c) ? " " + needs.at(c) : "";
    const Exec e = run_memhp(s, c + rest + " --frobnicate");
    CHECK(e.status == 2);
    CHECK(e.out == "");
    CHECK(lines(e.err) == 1);
    CHECK(e.err.rfind("memhp " + c + ": ", 0) == 0);
    CHECK(contains(e.err, "--frobnicate"));
  }
  const Exec top = run_memhp(s, "--frobnicate");
  CHECK(top.status == 2);
  CHECK(lines(top.err) == 1);
  const Exec cmd = run_memhp(s, "frobnicate");
  CHECK(cmd.status == 2);
  CHECK(cmd.err == "memhp: unknown command 'frobnicate' (see 'memhp help')\n");
}

TEST_CASE("cli: a bad value -> 2, one line naming the option") {
  Scratch s("cli-bad");
  struct Bad {
    std::string args, option;
  };
  const std::vector<Bad> bad = {
      {"check --cases 0", "--cases"},
      {"check --cases many", "--cases"},
      {"check --steps 100001", "--steps"},
      {"check --seed -1", "--seed"},
      {"check --seed 18446744073709551616", "--seed"},  // 2^64
      {"check --seed 12x", "--seed"},
      {"check --suite nope", "--suite"},
      {"check --mutant nope", "--mutant"},
      {"check --only nope", "--only"},
      {"check --store ''", "--store"},
      {"check --shrink-seconds -1", "--shrink-seconds"},
      {"check --cases", "--cases"},  // missing value
      {"check --shard 2/2 --seed 1", "--shard"},
      {"check --shard 1 --seed 1", "--shard"},
      {"check --jobs 0", "--jobs"},
      {"check --jobs 2 --shard 0/2 --seed 1", "--jobs"},
      {"merge --store '' x.json", "--store"},
      {"explore --max-states -5", "--max-states"},
      {"explore --max-depth 1000001", "--max-depth"},
      {"explore --mutant nope", "--mutant"},
      {"explore --only nope", "--only"},
      {"explore --jobs 0", "--jobs"},
      {"explore --jobs 257", "--jobs"},
      {"prove --timeout 0", "--timeout"},
      {"prove --theorem nope", "--theorem"},
      {"prove --markdown", "--markdown"},  // needs --list
      {"memmap-cost --geometry x86 --size 1T --align 2M", "--geometry"},
      {"memmap-cost --geometry x86_64 --size lots --align 2M", "--size"},
      {"memmap-cost --geometry x86_64 --size 1T", "--align"},  // required
      {"diff-kernel --random -1", "--random"},
      {"diff-kernel --seed 3 x.trace", "--seed"},  // needs --random
      {"diff-kernel --random 1 --profile v6.19", "--profile"},  // no Debian package
      {"diff-kernel --profile v6.12 x.trace", "--profile"},     // needs --random
      {"diff-kernel --keep-going x.trace", "--keep-going"},     // needs --random
      {"invariants --json --markdown", "--json"},
      {"run --json --json-full x.trace", "--json"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.args);
    const Exec e = run_memhp(s, b.args);
    CHECK(e.status == 2);
    CHECK(e.out == "");
    CHECK(lines(e.err) == 1);
    CHECK(contains(e.err, b.option));
  }
  // Missing or extra positional arguments are usage errors too.
  for (const std::string args : {"run", "replay", "kernel-script", "run a.trace b.trace", "invariants extra", "merge"}) {
    CAPTURE(args);
    const Exec e = run_memhp(s, args);
    CHECK(e.status == 2);
    CHECK(lines(e.err) == 1);
  }
}

TEST_CASE("cli: check --seed takes the whole uint64 range") {
  Scratch s("cli-seed");
  for (const std::string seed : {"0", "18446744073709551615", "0xffffffffffffffff"}) {
    CAPTURE(seed);
    const Exec e = run_memhp(s, "check --suite quick --cases 1 --steps 1 --no-store --no-coverage --seed " + seed);
    CHECK(e.status == 0);
    CHECK(contains(e.out, seed == "0" ? ", seed 0, " : ", seed 18446744073709551615, "));
  }
}

TEST_CASE("cli: a threaded configuration's race, replayed from the explorer's output") {
  Scratch s("cli-threads");
  const Exec found = run_memhp(s, "explore --config race-devmap-pfn-valid --fault pfn_valid_usage_race");
  CHECK(found.status == 1);
  CHECK(contains(found.out, "VIOLATION no_use_after_free"));
  CHECK(contains(found.out, "thread 1                                    thread 2"));
  // The threaded trace the explorer printed, unindented, replays to the same check.
  const std::string marker = "as a threaded trace (memhp replay steps through it):\n";
  const std::size_t at = found.out.find(marker);
  REQUIRE(at != std::string::npos);
  std::string trace;
  std::istringstream lines(found.out.substr(at + marker.size()));
  for (std::string line; std::getline(lines, line) && line.rfind("    ", 0) == 0;) trace += line.substr(4) + "\n";
  const Exec replay = run_memhp(s, "replay " + s.write("race.trace", trace));
  CHECK(replay.status == 1);
  CHECK(contains(replay.out, "thread 2 (pfn_valid pfn=0x47fff): pfn_section_valid(): test_bit"));
  CHECK(contains(replay.out, "VIOLATION no_use_after_free"));
  const Exec json = run_memhp(s, "replay --json " + s.path("race.trace"));
  CHECK(contains(json.out, "\"invariant\":\"no_use_after_free\""));
  // The correct 6.1 passes, and a schedule with a blocked step is bad input.
  CHECK(run_memhp(s, "explore --config race-devmap-pfn-valid").status == 0);
  const std::string blocked = s.write("blocked.trace",
                                      "geometry x86_64\nprofile v6.1\nboot node=0 start=0 size=1G\n"
                                      "dimm_add node=0 start=0x100000000 size=128M\n"
                                      "thread 1 online_block block=32 type=online\n"
                                      "thread 2 online_block block=32 type=online\n"
                                      "step 1\nstep 2\n");
  const Exec b = run_memhp(s, "replay " + blocked);
  CHECK(b.status == 2);
  CHECK(contains(b.err, "blocked.trace:8: thread 2 cannot step: it waits for device_hotplug_lock (held by thread 1)"));
  const Exec typo = run_memhp(s, "replay " + s.write("typo.trace", "boot node=0 start=0 size=1G\nthread 1 onlin_block block=1\n"));
  CHECK(typo.status == 2);
  CHECK(contains(typo.err, "typo.trace:2: unknown op 'onlin_block'"));
  const Exec only = run_memhp(s, "explore --config x86-1slot --only no_deadlock");
  CHECK(only.status == 2);
  CHECK(contains(only.err, "a check of threaded configurations only"));
  CHECK(contains(run_memhp(s, "explore --list").out, "race-two-onliners"));
  // A configuration file with thread lines is explored as threads.
  const std::string file = s.write("mine.conf",
                                   "geometry x86_64\nprofile v6.1\nboot node=0 start=0 size=1G\n"
                                   "dimm_add node=0 start=0x100000000 size=128M\n"
                                   "thread 1 online_block block=32 type=online_movable\n"
                                   "thread 2 kmemleak_scan node=0\n");
  const Exec mine = run_memhp(s, "explore --config " + file);
  CHECK(mine.status == 0);
  CHECK(contains(mine.out, "threaded config " + file));
  CHECK(contains(mine.out, "PASSED"));
  const Exec dot = run_memhp(s, "explore --config race-two-onliners --dot x.dot");
  CHECK(dot.status == 2);
  CHECK(contains(dot.err, "race-two-onliners is threaded"));
}

// --max-memory ends a search that would grow past it with a partial summary
// that says which bound stopped it, and a usable exit status (0: what was
// searched held).
TEST_CASE("cli: explore --max-memory stops with a partial summary") {
  Scratch s("cli-max-memory");
  const Exec e = run_memhp(s, "explore --config x86-2slot --max-memory 8M");
  CHECK(e.status == 0);
  CHECK(contains(e.out, "(stopped early: --max-memory 8 MiB reached (resident "));
  CHECK(contains(e.out, "search stopped early (--max-memory 8 MiB reached"));
  const Exec bad = run_memhp(s, "explore --config x86-2slot --max-memory 8Q");
  CHECK(bad.status == 2);
  CHECK(contains(bad.err, "--max-memory: '8Q' is not a size"));
}

// --quiet and --verbose mean the same in every command: they change only
// what goes to stderr besides errors (progress and timing), never stdout.
TEST_CASE("cli: --quiet and --verbose, the same in every command") {
  Scratch s("cli-chatter");
  for (const std::string& c : kCommands) {
    CAPTURE(c);
    const Exec help = run_memhp(s, c + " --help");
    CHECK(contains(help.out, "-q,--quiet"));
    CHECK(contains(help.out, "-v,--verbose"));
  }
  const Exec normal = run_memhp(s, "explore --config x86-1slot");
  const Exec quiet = run_memhp(s, "explore --config x86-1slot --quiet");
  const Exec verbose = run_memhp(s, "explore --config x86-1slot --verbose");
  CHECK(quiet.out == normal.out);
  CHECK(verbose.out == normal.out);
  CHECK(quiet.err.empty());
  CHECK(contains(normal.err, "memhp explore: "));   // the timing line
  CHECK_FALSE(contains(normal.err, "level 1,"));    // stderr is no terminal here: no progress
  CHECK(contains(verbose.err, "memhp explore: level 1, "));
  const Exec check_v = run_memhp(s, "check --suite quick --cases 20 --steps 5 --seed 1 --no-store --no-coverage -v");
  CHECK(contains(check_v.err, "memhp check: case 20/20, "));
  const Exec check_q = run_memhp(s, "check --suite quick --cases 20 --steps 5 --seed 1 --no-store --no-coverage -q");
  CHECK(check_q.err.empty());
  CHECK(check_q.out == check_v.out);
  CHECK(run_memhp(s, "explore --config x86-1slot -q -v").status == 2);
}

// The counterexample outputs take sequential traces only: asked of a
// threaded configuration or trace they are refused, not silently skipped.
TEST_CASE("cli: --emit-test, --svg and --html refuse threaded inputs") {
  Scratch s("cli-threaded-outputs");
  const Exec e = run_memhp(s, "explore --config race-devmap-pfn-valid --emit-test " + s.path("out"));
  CHECK(e.status == 2);
  CHECK(contains(e.err, "--emit-test, --svg and --html are for sequential configurations"));
  const std::string t = s.write("race.trace",
                                "geometry x86_64\nprofile v6.1\nboot node=0 start=0 size=1G\n"
                                "dimm_add node=0 start=0x100000000 size=128M\n"
                                "thread 1 online_block block=32 type=online\n"
                                "step 1\n");
  const Exec r = run_memhp(s, "replay " + t + " --svg " + s.path("x.svg"));
  CHECK(r.status == 2);
  CHECK(contains(r.err, "take sequential traces"));
}

TEST_CASE("cli: check --jobs refuses the counterexample outputs rather than ignore them") {
  Scratch s("cli-jobs-outputs");
  const Exec e = run_memhp(s, "check --jobs 2 --cases 1 --no-store --emit-test " + s.path("out"));
  CHECK(e.status == 2);
  CHECK(contains(e.err, "use them without --jobs"));
}

// An output file that cannot be written fails the command with one line that
// says why, as the shell would: /dev/full fails at the flush (ENOSPC), a
// missing directory at the open.
TEST_CASE("cli: an output file that cannot be written says why") {
  Scratch s("cli-cannot-write");
  const std::string t = s.write("a.trace", "geometry x86_64\nprofile v6.1\nboot node=0 start=0 size=1G\n"
                                           "dimm_add node=0 start=0x100000000 size=128M\n");
  const Exec full = run_memhp(s, "render " + t + " --svg /dev/full");
  CHECK(full.status == 2);
  CHECK(full.err == "memhp: cannot write '/dev/full': No space left on device\n");
  const std::string missing = s.path("no/such/dir/x.html");
  const Exec html = run_memhp(s, "render " + t + " --html " + missing);
  CHECK(html.status == 2);
  CHECK(html.err == "memhp: cannot write '" + missing + "': No such file or directory\n");
  const Exec dot = run_memhp(s, "explore --config x86-1slot --quiet --dot /dev/full");
  CHECK(dot.status == 2);
  CHECK(dot.err == "memhp explore: cannot write '/dev/full': No space left on device\n");
}
