#include "merge.h"

#include <algorithm>
#include <map>

namespace memhp {

namespace {

// What makes two shards part of one campaign, as a message when they differ.
std::string campaign_mismatch(const ShardResult& a, const ShardResult& b) {
  if (a.suite != b.suite) return "suite '" + b.suite + "', but";
  if (a.shard.campaign_seed != b.shard.campaign_seed)
    return "campaign seed " + std::to_string(b.shard.campaign_seed) + ", but";
  if (a.shard.spec.count != b.shard.spec.count) return "shard count " + std::to_string(b.shard.spec.count) + ", but";
  if (a.mutants != b.mutants) return "other mutants, but";
  if (a.only != b.only) return "--only '" + b.only + "', but";
  if (a.max_steps != b.max_steps) return "--steps " + std::to_string(b.max_steps) + ", but";
  if (a.shard.swarm != b.shard.swarm) return std::string(b.shard.swarm ? "" : "no ") + "--swarm, but";
  return "";
}

void add_counts(std::vector<std::pair<std::string, std::uint64_t>>& into,
                const std::vector<std::pair<std::string, std::uint64_t>>& from) {
  for (const auto& [name, n] : from) {
    auto it = std::find_if(into.begin(), into.end(), [&](const auto& e) { return e.first == name; });
    if (it == into.end())
      into.emplace_back(name, n);
    else
      it->second += n;
  }
}

void add_shard(CheckReport& t, const ShardResult& s) {
  const CheckReport& r = s.report;
  const std::string tag = "shard " + std::to_string(s.shard.spec.index) + ": ";
  t.cases += r.cases;
  t.steps += r.steps;
  t.top_up_rounds += r.top_up_rounds;
  for (const auto& [op, results] : r.op_results)
    for (const auto& [res, n] : results) t.op_results[op][res] += n;
  add_counts(t.witnesses, r.witnesses);
  add_counts(t.properties, r.properties);
  for (const std::string& n : r.store_notes) t.store_notes.push_back(tag + n);
}

// Shorter first; equal lengths by trace text.
bool shorter(const Counterexample& a, const Counterexample& b) {
  if (a.trace.steps.size() != b.trace.steps.size()) return a.trace.steps.size() < b.trace.steps.size();
  return print_trace(a.trace) < print_trace(b.trace);
}

std::vector<MergedViolation> dedupe(const std::vector<ShardResult>& shards) {
  std::map<std::string, MergedViolation> by_invariant;
  for (const ShardResult& s : shards) {
    if (!s.report.failure) continue;
    const Counterexample& c = *s.report.failure;
    auto [it, fresh] = by_invariant.try_emplace(c.violation.invariant, MergedViolation{c, s.shard.spec.index, {}});
    if (!fresh && shorter(c, it->second.c)) {
      it->second.c = c;
      it->second.shard = s.shard.spec.index;
    }
    it->second.found_by.push_back(s.shard.spec.index);
  }
  std::vector<MergedViolation> out;
  for (auto& [name, v] : by_invariant) out.push_back(std::move(v));
  return out;
}

}  // namespace

std::variant<MergedReport, std::string> merge_shards(const std::vector<NamedShard>& given, bool coverage) {
  if (given.empty()) return std::string("no shard results given");
  const NamedShard& first = given.front();
  const int count = first.result.shard.spec.count;
  std::vector<const NamedShard*> by_index(static_cast<std::size_t>(count), nullptr);
  for (const NamedShard& s : given) {
    const std::string mismatch = campaign_mismatch(first.result, s.result);
    if (!mismatch.empty()) return s.name + ": " + mismatch + " " + first.name + " has another";
    const ShardSpec spec = s.result.shard.spec;
    const NamedShard*& slot = by_index[static_cast<std::size_t>(spec.index)];
    if (slot)
      return s.name + ": shard " + std::to_string(spec.index) + "/" + std::to_string(count) + " is also " +
             slot->name;
    slot = &s;
  }
  std::string missing;
  for (int i = 0; i < count; ++i)
    if (!by_index[static_cast<std::size_t>(i)]) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty())
    return "shards " + missing + " of " + std::to_string(count) + " are missing (campaign seed " +
           std::to_string(first.result.shard.campaign_seed) + ")";

  MergedReport m;
  const ShardResult& f = first.result;
  m.suite = f.suite;
  m.only = f.only;
  m.mutants = f.mutants;
  m.max_steps = f.max_steps;
  m.campaign_seed = f.shard.campaign_seed;
  m.count = count;
  m.swarm = f.shard.swarm;
  for (const NamedShard* s : by_index) {
    m.shards.push_back(s->result);
    add_shard(m.totals, s->result);
  }
  m.violations = dedupe(m.shards);
  // A campaign that found a violation is judged by it, as a single run is:
  // its counts stop at the failure, so its coverage says nothing.
  if (coverage && m.violations.empty()) m.totals.coverage_gaps = coverage_gaps(m.suite, m.only, m.totals);
  for (const ShardResult& s : m.shards)
    for (const std::string& g : s.report.coverage_gaps)
      m.totals.coverage_gaps.push_back("shard " + std::to_string(s.shard.spec.index) + ": " + g);
  return m;
}

Json merged_json(const MergedReport& m) {
  Json shards = Json::array();
  for (const ShardResult& s : m.shards) {
    Json swarm = nullptr;
    if (s.shard.swarm) swarm = Json{{"on", kinds_named(s.shard.kinds_off, false)}, {"off", kinds_named(s.shard.kinds_off, true)}};
    shards.push_back(Json{{"index", s.shard.spec.index},
                          {"seed", s.report.seed},
                          {"cases", s.report.cases},
                          {"steps", s.report.steps},
                          {"swarm", swarm},
                          {"failure", s.report.failure ? Json(s.report.failure->violation.invariant) : Json(nullptr)}});
  }
  Json ops = Json::object();
  for (const auto& [op, results] : m.totals.op_results) {
    Json counts = Json::object();
    for (const auto& [res, n] : results) counts[res] = n;
    ops[op] = std::move(counts);
  }
  Json witnesses = Json::object(), properties = Json::object();
  for (const auto& [name, n] : m.totals.witnesses) witnesses[name] = n;
  for (const auto& [name, n] : m.totals.properties) properties[name] = n;
  Json violations = Json::array();
  for (const MergedViolation& v : m.violations)
    violations.push_back(Json{{"invariant", v.c.violation.invariant},
                              {"message", v.c.violation.message},
                              {"steps", v.c.trace.steps.size()},
                              {"shard", v.shard},
                              {"found_by", v.found_by},
                              {"stored_as", v.c.stored_as},
                              {"trace", print_trace(v.c.trace)}});
  return Json{{"suite", m.suite},
              {"campaign_seed", m.campaign_seed},
              {"shard_count", m.count},
              {"swarm", m.swarm},
              {"mutants", m.mutants},
              {"only", m.only},
              {"max_steps", m.max_steps},
              {"shards", shards},
              {"cases", m.totals.cases},
              {"steps", m.totals.steps},
              {"ops", ops},
              {"witnesses", witnesses},
              {"properties", properties},
              {"store", m.totals.store_notes},
              {"coverage_gaps", m.totals.coverage_gaps},
              {"violations", violations},
              {"passed", m.passed()}};
}

}  // namespace memhp
