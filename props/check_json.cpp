#include "check_json.h"

#include "replay.h"
#include "sequences.h"

namespace memhp {

namespace {

Json counts_json(const std::vector<std::pair<std::string, std::uint64_t>>& counts) {
  Json j = Json::object();
  for (const auto& [name, n] : counts) j[name] = n;
  return j;
}

Json shard_json(const ShardRun& s) {
  Json swarm = nullptr;
  if (s.swarm) swarm = Json{{"on", kinds_named(s.kinds_off, false)}, {"off", kinds_named(s.kinds_off, true)}};
  return Json{{"index", s.spec.index}, {"count", s.spec.count}, {"campaign_seed", s.campaign_seed},
              {"swarm", swarm}};
}

// Reading: each accessor throws Bad naming the member.
struct Bad {
  std::string what;
};

const Json& member(const Json& j, const char* name, bool (Json::*is)() const, const char* type) {
  auto it = j.find(name);
  if (it == j.end()) throw Bad{std::string("no '") + name + "' member"};
  if (!((*it).*is)()) throw Bad{std::string("member '") + name + "' is not " + type};
  return *it;
}
const Json& object(const Json& j, const char* name) { return member(j, name, &Json::is_object, "an object"); }
const Json& array(const Json& j, const char* name) { return member(j, name, &Json::is_array, "an array"); }
std::string string(const Json& j, const char* name) {
  return member(j, name, &Json::is_string, "a string").get<std::string>();
}
std::uint64_t whole(const Json& j, const char* name) {
  return member(j, name, &Json::is_number_unsigned, "a whole number").get<std::uint64_t>();
}

std::vector<std::pair<std::string, std::uint64_t>> read_counts(const Json& j, const char* name) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& [k, v] : object(j, name).items()) {
    if (!v.is_number_unsigned()) throw Bad{std::string("member '") + name + "' holds a count that is not a whole number"};
    out.emplace_back(k, v.get<std::uint64_t>());
  }
  return out;
}

std::vector<std::string> read_strings(const Json& j, const char* name) {
  std::vector<std::string> out;
  for (const Json& v : array(j, name)) {
    if (!v.is_string()) throw Bad{std::string("member '") + name + "' holds something that is not a string"};
    out.push_back(v.get<std::string>());
  }
  return out;
}

ShardRun read_shard(const Json& j) {
  auto it = j.find("shard");
  if (it == j.end() || it->is_null())
    throw Bad{"not a shard's result (no 'shard' member: run memhp check --shard I/N --json)"};
  if (!it->is_object()) throw Bad{"member 'shard' is not an object"};
  ShardRun s;
  const auto index = whole(*it, "index"), count = whole(*it, "count");
  if (count < 1 || count > kMaxShards || index >= count) throw Bad{"member 'shard' has a bad index or count"};
  s.spec = {static_cast<int>(index), static_cast<int>(count)};
  s.campaign_seed = whole(*it, "campaign_seed");
  auto sw = it->find("swarm");
  if (sw == it->end()) throw Bad{"no 'swarm' member in 'shard'"};
  if (!sw->is_null()) {
    if (!sw->is_object()) throw Bad{"member 'swarm' is not an object"};
    s.swarm = true;
    const auto mask = kinds_mask(read_strings(*sw, "off"));
    if (!mask) throw Bad{"member 'swarm' names a step kind this memhp does not have"};
    s.kinds_off = *mask;
  }
  return s;
}

std::optional<Counterexample> read_failure(const Json& j) {
  auto it = j.find("failure");
  if (it == j.end()) throw Bad{"no 'failure' member"};
  if (it->is_null()) return std::nullopt;
  if (!it->is_object()) throw Bad{"member 'failure' is not an object"};
  Counterexample c;
  c.violation = Violation{string(*it, "invariant"), string(*it, "message")};
  c.shrinks = static_cast<int>(whole(*it, "shrinks"));
  c.stored_as = string(*it, "stored_as");
  auto parsed = parse_trace(string(*it, "trace"), check_names());
  if (const auto* err = std::get_if<ParseError>(&parsed))
    throw Bad{"the failure's trace does not parse: line " + std::to_string(err->line) + ": " + err->message};
  c.trace = std::get<Trace>(std::move(parsed));
  return c;
}

ShardResult read_result(const Json& j) {
  if (!j.is_object()) throw Bad{"not a JSON object"};
  ShardResult r;
  r.shard = read_shard(j);
  r.suite = string(j, "suite");
  r.only = string(j, "only");
  r.mutants = read_strings(j, "mutants");
  r.max_steps = static_cast<int>(whole(j, "max_steps"));
  CheckReport& c = r.report;
  c.seed = whole(j, "seed");
  c.cases = static_cast<int>(whole(j, "cases"));
  c.steps = whole(j, "steps");
  c.top_up_rounds = static_cast<int>(whole(j, "top_up_rounds"));
  for (const auto& [op, results] : object(j, "ops").items()) {
    if (!results.is_object()) throw Bad{"member 'ops' holds '" + op + "', which is not an object"};
    for (const auto& [res, n] : results.items()) {
      if (!n.is_number_unsigned()) throw Bad{"member 'ops' holds a count that is not a whole number"};
      c.op_results[op][res] = n.get<std::uint64_t>();
    }
  }
  c.witnesses = read_counts(j, "witnesses");
  c.properties = read_counts(j, "properties");
  c.store_notes = read_strings(j, "store");
  c.coverage_gaps = read_strings(j, "coverage_gaps");
  c.failure = read_failure(j);
  return r;
}

}  // namespace

Json check_json(const CheckOptions& o, const CheckReport& r, const std::optional<ShardRun>& shard) {
  Json ops = Json::object();
  for (const auto& [op, results] : r.op_results) {
    Json counts = Json::object();
    for (const auto& [res, n] : results) counts[res] = n;
    ops[op] = std::move(counts);
  }
  Json failure = nullptr;
  if (r.failure)
    failure = Json{{"invariant", r.failure->violation.invariant},
                   {"message", r.failure->violation.message},
                   {"steps", r.failure->trace.steps.size()},
                   {"shrinks", r.failure->shrinks},
                   {"stored_as", r.failure->stored_as},
                   {"trace", print_trace(r.failure->trace)}};
  std::vector<std::string> mutants;
  for (const MutantInfo& m : mutant_registry())
    if (o.mutants.has(id_of(m))) mutants.emplace_back(m.name);
  return Json{{"suite", o.suite},
              {"seed", r.seed},
              {"cases", r.cases},
              {"steps", r.steps},
              {"top_up_rounds", r.top_up_rounds},
              {"ops", ops},
              {"witnesses", counts_json(r.witnesses)},
              {"properties", counts_json(r.properties)},
              {"store", r.store_notes},
              {"coverage_gaps", r.coverage_gaps},
              {"failure", failure},
              {"passed", r.passed()},
              {"mutants", mutants},
              {"only", o.only},
              {"max_steps", o.steps},
              {"shard", shard ? shard_json(*shard) : Json(nullptr)}};
}

std::variant<ShardResult, std::string> read_shard_result(const std::string& text) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return std::string("not JSON: ") + e.what();
  }
  try {
    return read_result(j);
  } catch (const Bad& b) {
    return b.what;
  } catch (const Json::exception& e) {
    return std::string("bad JSON value: ") + e.what();
  }
}

}  // namespace memhp
