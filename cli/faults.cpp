// memhp faults [--json] [--markdown] [--measure]: the historical faults of
// the mutant registry (include/memhp/mutants.h), each a bug that shipped in
// mainline: the commit that brought it and the one that fixed it, with their
// first releases, the trees the profiles follow that still have it, the
// kernel it runs under, and the invariant the fix restored.
//
// --measure also runs the check suite against each fault (the ZONE_DEVICE
// suite for a device invariant, else the RAM suite, then the other if that
// one missed it; fixed seed) and reports
// which invariant fired, whether it is the one the fix restored, the
// seconds to the first failure and the shrunk trace's length, and the
// explorer's BFS-shortest trace to a violation where one of the search
// configurations reaches the fault (JSON: the trace itself). Exit status 1
// when a fault was not caught, or was caught first by another invariant.
#include <iostream>

#include "check.h"
#include "commands.h"
#include "explore.h"
#include "invariant_lists.h"
#include "memhp/invariants.h"
#include "report.h"
#include "sequences.h"
#include "thread_checks.h"
#include "threads_explore.h"

namespace memhp::cli {
namespace {

struct FaultsArgs {
  bool json = false;
  bool markdown = false;
  bool measure = false;
  std::uint64_t cases = 3000;
};

std::vector<const MutantInfo*> historical() {
  std::vector<const MutantInfo*> out;
  for (const MutantInfo& m : mutant_registry())
    if (m.kind == MutantKind::Historical) out.push_back(&m);
  return out;
}

std::string trees(std::uint8_t in) {
  std::string out;
  if (in & kIn61) out += "6.1.192 ";
  if (in & kIn612) out += "6.12.118 ";
  if (in & kIn619) out += "6.19 ";
  return out.empty() ? std::string("none") : out.substr(0, out.size() - 1);
}

struct Catch {
  bool caught = false;
  std::string invariant;  // the one that fired first
  double seconds = 0;
  std::size_t steps = 0;  // of the shrunk trace
  std::string suite;
  // The explorer's BFS-shortest violation, in the first search
  // configuration that has one (any invariant), if one does.
  std::optional<ShortestViolation> shortest;
  std::optional<ShortestThreadedViolation> threaded;  // a race: the threaded explorer's interleaving
};

Catch measure_in(const MutantInfo& m, std::uint64_t cases, const std::string& suite) {
  CheckOptions o;
  o.suite = suite;
  o.cases = cases;
  o.seed = 1;
  o.use_store = false;
  o.shrink_seconds = 30;
  o.mutants.set(id_of(m));
  o.version = fault_kernel(m);
  const CheckReport r = run_check(o);
  Catch c;
  c.suite = o.suite;
  if (!r.failure) return c;
  c.caught = true;
  c.invariant = r.failure->violation.invariant;
  c.seconds = r.failure->seconds_to_failure;
  c.steps = r.failure->trace.steps.size();
  return c;
}

// The suite of the restored invariant first (device for a ZONE_DEVICE
// invariant, else RAM), then the other: a RAM invariant may only be
// reachable through ZONE_DEVICE ops (the subsections of an early section).
// A race: the threaded explorer over the named threaded configurations,
// whose first violation is a shortest interleaving.
Catch measure_threaded(const MutantInfo& m) {
  Catch c;
  c.suite = "threaded explorer";
  MutantSet faults;
  faults.set(id_of(m));
  const auto v = find_shortest_threaded_violation(faults, fault_kernel(m));
  if (!v) return c;
  c.caught = true;
  c.invariant = v->violation.violation.invariant;
  c.seconds = v->seconds;
  c.steps = v->violation.trace.schedule.size();
  c.threaded = v;
  return c;
}

Catch measure(const MutantInfo& m, std::uint64_t cases) {
  if (aimed_at_threads(m)) return measure_threaded(m);
  const std::string_view target = m.targets[0];
  const bool device = inv::is_device_invariant(target) || is_device_property(target);
  Catch c = measure_in(m, cases, device ? "device" : "ram");
  if (!c.caught) c = measure_in(m, cases, device ? "ram" : "device");
  ExploreOptions o;
  o.mutants.set(id_of(m));
  c.shortest = find_shortest_violation(o, fault_kernel(m));
  return c;
}

bool restored(const MutantInfo& m, const Catch& c) {
  for (std::string_view t : m.targets)
    if (!t.empty() && t == c.invariant) return true;
  return false;
}

Json json_fault(const MutantInfo& m, const std::optional<Catch>& c) {
  const FaultHistory& h = m.history;
  Json j{{"name", m.name},
         {"failure", m.description},
         {"fixed_by", h.fixed_by},
         {"fixed_in", release_name(h.fixed_in)},
         {"introduced_by", h.introduced_by},
         {"introduced_in", release_name(h.introduced_in)},
         {"still_in", trees(h.present_in)},
         {"profile", h.profile},
         {"note", h.note},
         {"restored_invariant", m.targets[0]}};
  if (c)
    j["caught"] = Json{{"suite", c->suite},           {"caught", c->caught},
                       {"invariant", c->invariant},   {"by_restored_invariant", restored(m, *c)},
                       {"seconds", c->seconds},       {"shrunk_steps", c->steps}};
  if (c && c->threaded)
    j["shortest"] = Json{{"config", c->threaded->config},
                         {"invariant", c->threaded->violation.violation.invariant},
                         {"steps", c->threaded->violation.trace.schedule.size()},
                         {"trace", print_threaded_trace(c->threaded->violation.trace, c->threaded->violation.notes)}};
  if (c && c->shortest)
    j["shortest"] = Json{{"config", c->shortest->config},
                         {"invariant", c->shortest->violation.violation.invariant},
                         {"steps", c->shortest->violation.trace.steps.size()},
                         {"trace", print_trace(c->shortest->violation.trace)}};
  return j;
}

void text_fault(std::ostream& os, const MutantInfo& m, const std::optional<Catch>& c) {
  const FaultHistory& h = m.history;
  os << m.name << "\n  " << m.description << "\n  fixed by " << h.fixed_by << " (" << release_name(h.fixed_in)
     << ")\n  introduced by " << h.introduced_by << " (" << release_name(h.introduced_in) << ")\n  still in: "
     << trees(h.present_in) << "; runs under " << h.profile << (h.note.empty() ? "" : " (" + std::string(h.note) + ")")
     << "\n  the fix restored: " << m.targets[0] << "\n";
  if (!c) return;
  if (!c->caught) {
    os << "  NOT CAUGHT by the " << c->suite << " suite\n";
    return;
  }
  if (c->threaded) {
    os << "  caught by the threaded explorer (" << c->threaded->config << "): " << c->invariant
       << (restored(m, *c) ? "" : " (NOT the check the fix restored)") << " after " << c->seconds
       << " s, shortest interleaving " << c->steps << " steps\n";
    return;
  }
  os << "  caught by the " << c->suite << " suite: " << c->invariant
     << (restored(m, *c) ? "" : " (NOT the invariant the fix restored)") << " after " << c->seconds
     << " s, shrunk to " << c->steps << " steps\n";
  if (!c->shortest) {
    os << "  no explorer configuration reaches it\n";
    return;
  }
  os << "  shortest (explorer, " << c->shortest->config << "): " << c->shortest->violation.trace.steps.size()
     << " steps to " << c->shortest->violation.violation.invariant << "\n";
}


void markdown(std::ostream& os) {
  os << "| fault | failure | fixed by | introduced by | still in | runs under | the fix restored |\n"
        "|---|---|---|---|---|---|---|\n";
  for (const MutantInfo* m : historical()) {
    const FaultHistory& h = m->history;
    os << "| `" << m->name << "` | " << markdown_cell(m->description) << " | " << markdown_cell(h.fixed_by) << " ("
       << release_name(h.fixed_in) << ") | " << markdown_cell(h.introduced_by) << " (" << release_name(h.introduced_in)
       << ") | " << trees(h.present_in) << " | " << h.profile << " | `" << m->targets[0] << "` |\n";
  }
}

int faults(const FaultsArgs& a) {
  if (a.markdown) {
    markdown(std::cout);
    return kExitOk;
  }
  Json rows = Json::array();
  int missed = 0;
  for (const MutantInfo* m : historical()) {
    std::optional<Catch> c;
    if (a.measure) {
      c = measure(*m, a.cases);
      missed += !c->caught || !restored(*m, *c);
    }
    if (a.json)
      rows.push_back(json_fault(*m, c));
    else
      text_fault(std::cout, *m, c);
  }
  if (a.json)
    std::cout << json_line(Json{{"faults", rows}, {"missed", missed}}) << "\n";
  else
    std::cout << historical().size() << " historical faults"
              << (a.measure ? ", " + std::to_string(historical().size() - missed) + " caught by the invariant the fix restored"
                            : "")
              << "\n";
  return missed ? kExitFailed : kExitOk;
}

}  // namespace

Run setup_faults(CLI::App& app) {
  auto a = std::make_shared<FaultsArgs>();
  auto* json = app.add_flag("--json", a->json, "one JSON object");
  app.add_flag("--markdown", a->markdown, "the table NOTES.md pastes in")->excludes(json);
  app.add_flag("--measure", a->measure, "run the check suite against each fault and say what caught it");
  app.add_option("--cases", a->cases, "with --measure: cases per fault")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}))
      ->capture_default_str();
  return [a](const Chatter&) { return faults(*a); };
}

}  // namespace memhp::cli
