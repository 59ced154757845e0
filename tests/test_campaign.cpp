// Campaigns across processes (props/shard.h, props/merge.h, memhp check
// --shard/--jobs, memhp merge): the shard seed and swarm choice are
// functions of the campaign seed and the index, the JSON a shard writes
// reads back to the same report, and the merge sums counts, judges coverage
// on the union, keeps the shortest trace per invariant and names the input
// it refuses. The recipes of campaign/ run as ctest tests of their own
// (tests/campaign/recipes.sh).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "check.h"
#include "check_json.h"
#include "gen.h"
#include "merge.h"
#include "shard.h"
#include "shell.h"

using namespace memhp;
using namespace memhp::test;

namespace {

// A real shard of the quick suite, run as memhp check --shard runs it.
ShardResult run_shard(ShardSpec spec, std::uint64_t campaign, bool swarm, int cases) {
  CheckOptions o;
  o.suite = "quick";
  o.cases = cases;
  o.steps = 40;
  o.use_store = false;
  o.coverage = false;
  o.seed = shard_seed(campaign, spec.index);
  const ShardRun run{spec, campaign, swarm, swarm ? swarm_kinds_off(*o.seed, spec) : 0};
  o.kinds_off = run.kinds_off;
  const CheckReport r = run_check(o);
  auto back = read_shard_result(json_line(check_json(o, r, run)));
  REQUIRE(std::holds_alternative<ShardResult>(back));
  return std::get<ShardResult>(back);
}

// A shard result with no counts: what the merge tests vary.
ShardResult bare(int index, int count) {
  ShardResult s;
  s.suite = "quick";
  s.max_steps = 40;
  s.shard = ShardRun{{index, count}, 7, false, 0};
  return s;
}

const std::string kTraceHead =
    "# memhp trace v1\n"
    "geometry x86_64\n"
    "profile v6.1 memmap_on_memory=0 memhp_default_state=offline movable_node=0 online_policy=contig-zones\n"
    "boot node=0 start=0x100000 size=0x3ff00000\n";

Counterexample failure(const std::string& invariant, const std::string& steps) {
  auto t = parse_trace(kTraceHead + steps);
  REQUIRE(std::holds_alternative<Trace>(t));
  Counterexample c;
  c.trace = std::get<Trace>(t);
  c.violation = Violation{invariant, "broken"};
  return c;
}

MergedReport merged(const std::vector<ShardResult>& shards, bool coverage = true) {
  std::vector<NamedShard> named;
  for (const ShardResult& s : shards) named.push_back({"shard-" + std::to_string(s.shard.spec.index) + ".json", s});
  auto m = merge_shards(named, coverage);
  REQUIRE_MESSAGE(std::holds_alternative<MergedReport>(m), std::get<std::string>(m));
  return std::get<MergedReport>(m);
}

std::string merge_error(const std::vector<NamedShard>& shards) {
  auto m = merge_shards(shards, true);
  REQUIRE(std::holds_alternative<std::string>(m));
  return std::get<std::string>(m);
}

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("shard: I/N parses for 0 <= I < N and nothing else") {
  CHECK(parse_shard_spec("0/1") == ShardSpec{0, 1});
  CHECK(parse_shard_spec("1/2") == ShardSpec{1, 2});
  CHECK(parse_shard_spec("65535/65536") == ShardSpec{65535, 65536});
  for (const char* bad : {"2/2", "1/0", "-1/2", "+1/2", " 1/2", "1/2 ", "1/2x", "a/b", "1", "/2", "1/", "0/65537", ""}) {
    CAPTURE(bad);
    CHECK(!parse_shard_spec(bad));
  }
}

TEST_CASE("shard: the seed is SplitMix64's output stream from the campaign seed") {
  // SplitMix64 seeded with 0 (Vigna's splitmix64.c) starts
  // 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f.
  CHECK(shard_seed(0, 0) == 0xe220a8397b1dcdafULL);
  CHECK(shard_seed(0, 1) == 0x6e789e6aa1b965f4ULL);
  CHECK(shard_seed(0, 2) == 0x06c45d188009454fULL);
  // The stream of seed s + gamma is the stream of s shifted by one.
  CHECK(shard_seed(0x9e3779b97f4a7c15ULL, 0) == shard_seed(0, 1));
  std::set<std::uint64_t> seeds;
  for (int i = 0; i < 1000; ++i) seeds.insert(shard_seed(42, i));
  CHECK(seeds.size() == 1000);
}

TEST_CASE("shard: every step kind is named, once") {
  std::set<std::string_view> names;
  for (const StepKind& k : step_kinds()) {
    CHECK(!k.name.empty());
    names.insert(k.name);
  }
  CHECK(names.size() == step_kinds().size());
  CHECK(kinds_mask({"walk", "add"}) == kinds_mask({"add", "walk"}));
  CHECK(!kinds_mask({"walk", "frobnicate"}));
  CHECK(!kinds_mask_usable(*kinds_mask({"walk", "eject", "notifier"})));
  CHECK(kinds_mask_usable(*kinds_mask({"walk", "eject"})));
}

TEST_CASE("shard: the swarm choice covers every kind over the campaign and always yields a step") {
  const std::uint32_t all = (std::uint32_t{1} << step_kinds().size()) - 1;
  for (int n = 1; n <= 9; ++n)
    for (std::uint64_t campaign : {0ULL, 1ULL, 0xdeadbeefULL}) {
      CAPTURE(n);
      CAPTURE(campaign);
      std::uint32_t on_somewhere = 0;
      std::set<std::uint32_t> masks;
      for (int i = 0; i < n; ++i) {
        const std::uint64_t seed = shard_seed(campaign, i);
        const std::uint32_t off = swarm_kinds_off(seed, {i, n});
        CHECK(off == swarm_kinds_off(seed, {i, n}));  // deterministic
        CHECK(kinds_mask_usable(off));
        CHECK((off & ~all) == 0);
        on_somewhere |= ~off & all;
        masks.insert(off);
      }
      CHECK(on_somewhere == all);
      if (n == 1) CHECK(*masks.begin() == 0);
      if (n >= 4) CHECK(masks.size() > 1);  // shards differ
    }
  // Kinds are switched off at all: over 64 shards about half of each.
  int off_count = 0;
  for (int i = 0; i < 64; ++i) off_count += std::popcount(swarm_kinds_off(shard_seed(5, i), {i, 64}));
  CHECK(off_count > 64 * static_cast<int>(step_kinds().size()) / 4);
}

TEST_CASE("shard: a shard's JSON reads back to its report") {
  const ShardResult s = run_shard({1, 3}, 11, true, 5);
  CHECK(s.shard.spec == ShardSpec{1, 3});
  CHECK(s.shard.campaign_seed == 11);
  CHECK(s.shard.swarm);
  CHECK(s.shard.kinds_off == swarm_kinds_off(shard_seed(11, 1), {1, 3}));
  CHECK(s.report.seed == shard_seed(11, 1));
  CHECK(s.report.cases == 5);
  CHECK(s.report.steps > 0);
  CHECK(s.report.coverage_gaps.empty());  // judged at merge
  std::uint64_t ops = 0;
  for (const auto& [op, results] : s.report.op_results)
    for (const auto& [res, n] : results) ops += n;
  CHECK(ops == s.report.steps);
  CHECK(s.report.witnesses.size() >= invariant_registry().size());
  // Same shard, same campaign: the same cases.
  const ShardResult again = run_shard({1, 3}, 11, true, 5);
  CHECK(again.report.op_results == s.report.op_results);
  CHECK(again.report.witnesses == s.report.witnesses);
}

TEST_CASE("shard: results that are not a shard's are refused with the reason") {
  auto err = [](const std::string& text) {
    auto r = read_shard_result(text);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
  };
  CHECK(contains(err("not json"), "not JSON"));
  CHECK(contains(err("[1,2]"), "not a JSON object"));
  CHECK(contains(err("{\"suite\":\"quick\"}"), "not a shard's result"));
  CHECK(contains(err("{\"shard\":null}"), "not a shard's result"));
  // A real shard's JSON with one member broken at a time.
  CheckOptions o;
  o.suite = "quick";
  const Json good = check_json(o, CheckReport{}, ShardRun{{0, 2}, 3, false, 0});
  REQUIRE(std::holds_alternative<ShardResult>(read_shard_result(good.dump())));
  for (const char* m : {"ops", "witnesses", "seed", "failure", "suite", "max_steps"}) {
    CAPTURE(m);
    Json bad = good;
    bad.erase(m);
    CHECK(contains(err(bad.dump()), std::string("'") + m + "'"));
  }
  Json bad = good;
  bad["shard"]["index"] = 2;
  CHECK(contains(err(bad.dump()), "bad index or count"));
  bad = good;
  bad["witnesses"]["x"] = -1;
  CHECK(contains(err(bad.dump()), "not a whole number"));
  bad = good;
  bad["failure"] = Json{{"invariant", "x"}, {"message", "m"}, {"shrinks", 0}, {"stored_as", ""}, {"trace", "bogus\n"}};
  CHECK(contains(err(bad.dump()), "trace does not parse"));
}

TEST_CASE("merge: counts are summed over the shards") {
  const ShardResult a = run_shard({0, 2}, 3, false, 4), b = run_shard({1, 2}, 3, false, 4);
  const MergedReport m = merged({b, a});  // the order given does not matter
  CHECK(m.count == 2);
  CHECK(m.shards[0].shard.spec.index == 0);
  CHECK(m.totals.cases == a.report.cases + b.report.cases);
  CHECK(m.totals.steps == a.report.steps + b.report.steps);
  REQUIRE(m.totals.witnesses.size() == a.report.witnesses.size());
  for (std::size_t k = 0; k < a.report.witnesses.size(); ++k) {
    CHECK(m.totals.witnesses[k].first == a.report.witnesses[k].first);
    CHECK(m.totals.witnesses[k].second == a.report.witnesses[k].second + b.report.witnesses[k].second);
  }
  for (const auto& [op, results] : m.totals.op_results)
    for (const auto& [res, n] : results) {
      auto count = [&](const ShardResult& s) -> std::uint64_t {
        auto o = s.report.op_results.find(op);
        if (o == s.report.op_results.end()) return 0;
        auto r = o->second.find(res);
        return r == o->second.end() ? 0 : r->second;
      };
      CHECK(n == count(a) + count(b));
    }
}

TEST_CASE("merge: coverage is judged on the union: a gap is a gap of every shard") {
  // Swarm shards with few cases each miss things the other one met.
  const ShardResult a = run_shard({0, 2}, 9, true, 3), b = run_shard({1, 2}, 9, true, 3);
  const std::vector<std::string> ga = coverage_gaps("quick", "", a.report), gb = coverage_gaps("quick", "", b.report);
  const MergedReport m = merged({a, b});
  std::vector<std::string> both;
  for (const std::string& g : ga)
    if (std::find(gb.begin(), gb.end(), g) != gb.end()) both.push_back(g);
  CHECK(m.totals.coverage_gaps == both);
  CHECK(ga != both);  // the union met something shard 0 alone missed
  CHECK(gb != both);
  CHECK(!both.empty());  // 6 cases do not cover the quick suite: the merge can fail on coverage
  CHECK(!m.passed());
  CHECK(merged({a, b}, false).passed());  // --no-coverage
}

TEST_CASE("merge: violations are deduplicated by invariant, the shortest trace kept") {
  const Counterexample two = failure("inv_a", "online_block block=8 type=online\noffline_block block=8\n");
  const Counterexample one = failure("inv_a", "online_block block=9 type=online\n");
  const Counterexample one_too = failure("inv_a", "online_block block=8 type=online\n");
  const Counterexample other = failure("inv_b", "offline_block block=8\noffline_block block=9\n");
  std::vector<ShardResult> shards;
  for (int i = 0; i < 5; ++i) shards.push_back(bare(i, 5));
  shards[0].report.failure = two;
  shards[1].report.failure = one;
  shards[2].report.failure = other;
  shards[3].report.failure = one_too;
  for (int turn = 0; turn < 2; ++turn) {
    const MergedReport m = merged(shards);
    REQUIRE(m.violations.size() == 2);
    CHECK(!m.passed());
    CHECK(m.violations[0].c.violation.invariant == "inv_a");
    // One step beats two; of the two one-step traces, block=8's text sorts first.
    CHECK(m.violations[0].c.trace == one_too.trace);
    CHECK(m.violations[0].shard == 3);
    CHECK(m.violations[0].found_by == std::vector<int>{0, 1, 3});
    CHECK(m.violations[1].c.violation.invariant == "inv_b");
    CHECK(m.violations[1].shard == 2);
    // The campaign failed on violations: its coverage is not judged.
    CHECK(m.totals.coverage_gaps.empty());
    std::reverse(shards.begin(), shards.end());
  }
}

TEST_CASE("merge: a shard's trouble outside the model fails the campaign, named") {
  std::vector<ShardResult> shards = {bare(0, 2), bare(1, 2)};
  shards[1].report.coverage_gaps = {"RapidCheck gave up: too many discards"};
  const MergedReport m = merged(shards, false);
  CHECK(m.totals.coverage_gaps == std::vector<std::string>{"shard 1: RapidCheck gave up: too many discards"});
  CHECK(!m.passed());
}

TEST_CASE("merge: every shard once, of one campaign, or a message naming the input") {
  auto named = [](const std::string& name, ShardResult s) { return NamedShard{name, std::move(s)}; };
  CHECK(merge_error({}) == "no shard results given");
  CHECK(merge_error({named("a.json", bare(0, 2)), named("b.json", bare(0, 2))}) == "b.json: shard 0/2 is also a.json");
  CHECK(merge_error({named("a.json", bare(0, 3)), named("c.json", bare(2, 3))}) ==
        "shards 1 of 3 are missing (campaign seed 7)");
  ShardResult other = bare(1, 2);
  other.suite = "ram";
  CHECK(merge_error({named("a.json", bare(0, 2)), named("b.json", other)}) ==
        "b.json: suite 'ram', but a.json has another");
  other = bare(1, 2);
  other.shard.campaign_seed = 8;
  CHECK(contains(merge_error({named("a.json", bare(0, 2)), named("b.json", other)}), "b.json: campaign seed 8"));
  CHECK(contains(merge_error({named("a.json", bare(0, 2)), named("b.json", bare(1, 3))}), "b.json: shard count 3"));
  other = bare(1, 2);
  other.mutants = {"offline_skips_present"};
  CHECK(contains(merge_error({named("a.json", bare(0, 2)), named("b.json", other)}), "b.json: other mutants"));
  other = bare(1, 2);
  other.shard.swarm = true;
  CHECK(contains(merge_error({named("a.json", bare(0, 2)), named("b.json", other)}), "b.json: --swarm"));
}

// ------------------------------------------------------------- the CLI --

TEST_CASE("cli: check --shard: the same shard of the same campaign prints the same bytes") {
  Scratch s("campaign-same");
  const std::string run = "check --suite quick --cases 6 --steps 30 --no-store --json --swarm --seed 5 --shard ";
  const Exec a = run_memhp(s, run + "1/2"), b = run_memhp(s, run + "1/2"), c = run_memhp(s, run + "0/2");
  CHECK(a.status == 0);
  CHECK(a.out == b.out);
  CHECK(a.out != c.out);
  CHECK(contains(a.out, "\"seed\":" + std::to_string(shard_seed(5, 1)) + ","));
  CHECK(contains(a.out, "\"shard\":{\"index\":1,\"count\":2,\"campaign_seed\":5,\"swarm\":{\"on\":["));
  const Exec text = run_memhp(s, "check --suite quick --cases 2 --no-store --seed 5 --shard 1/2 --swarm");
  CHECK(contains(text.out, "shard 1/2 of campaign seed 5"));
  CHECK(contains(text.out, "swarm: off:"));
}

TEST_CASE("cli: check --jobs prints the merge of its shards") {
  Scratch s("campaign-jobs");
  const std::string opts = " --suite quick --cases 5 --steps 30 --seed 3 --swarm";
  const Exec jobs = run_memhp(s, "check --jobs 2 --no-store --json" + opts);
  REQUIRE(jobs.status <= 1);
  // The same shards run one by one and merged by memhp merge.
  for (int i = 0; i < 2; ++i)
    s.write("shard-" + std::to_string(i) + ".json",
            run_memhp(s, "check --no-store --json --shard " + std::to_string(i) + "/2" + opts).out);
  const Exec merge = run_memhp(s, "merge --json '" + s.path("shard-1.json") + "' '" + s.path("shard-0.json") + "'");
  CHECK(merge.status == jobs.status);
  CHECK(merge.out == jobs.out);
  CHECK(contains(jobs.out, "\"shard_count\":2,\"swarm\":true"));
}

TEST_CASE("cli: check --jobs and merge fail on a violation and store its trace") {
  Scratch s("campaign-violation");
  // offline_skips_present breaks sections_present_match at the first offline.
  const Exec jobs = run_memhp(s, "check --jobs 2 --suite quick --cases 50 --seed 1 --mutant offline_skips_present "
                                 "--store '" + s.path("store") + "'");
  CHECK(jobs.status == 1);
  CHECK(contains(jobs.out, "'s trace is the shortest of shards"));
  CHECK(contains(jobs.out, "FAILED"));
  CHECK(contains(jobs.out, "stored as " + s.path("store") + "/"));
}

TEST_CASE("cli: merge refuses bad input with one line naming it") {
  Scratch s("campaign-bad");
  const std::string a = s.write("a.json", run_memhp(s, "check --suite quick --cases 2 --no-store --json --seed 1 --shard 0/2").out);
  const std::string b = s.write("b.json", run_memhp(s, "check --suite quick --cases 2 --no-store --json --seed 1 --shard 1/2").out);
  const std::string plain = s.write("plain.json", run_memhp(s, "check --suite quick --cases 2 --no-store --no-coverage --json --seed 1").out);
  const std::string other = s.write("other.json", run_memhp(s, "check --suite x86 --cases 2 --no-store --json --seed 1 --shard 1/2").out);
  const std::string junk = s.write("junk.json", "{");
  struct Bad {
    std::string args, says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {a, "shards 1 of 2 are missing"},
           {a + " " + a, a + ": given twice"},
           {a + " " + plain, plain + ": not a shard's result"},
           {a + " " + other, other + ": suite 'x86', but " + a + " has another"},
           {a + " " + junk, junk + ": not JSON"},
           {a + " " + s.path("none.json"), "cannot read '" + s.path("none.json") + "'"},
       }) {
    CAPTURE(bad.args);
    const Exec e = run_memhp(s, "merge " + bad.args);
    CHECK(e.status == 2);
    CHECK(e.out == "");
    CHECK(std::count(e.err.begin(), e.err.end(), '\n') == 1);
    CHECK(contains(e.err, bad.says));
  }
  CHECK(run_memhp(s, "merge --no-coverage " + a + " " + b).status == 0);
  for (const Bad& bad : std::vector<Bad>{{"check --shard 0/2", "--shard needs --seed"},
                                         {"check --swarm --seed 1", "--swarm needs --shard or --jobs"}}) {
    CAPTURE(bad.args);
    const Exec e = run_memhp(s, bad.args + " --no-store");
    CHECK(e.status == 2);
    CHECK(contains(e.err, bad.says));
  }
}
