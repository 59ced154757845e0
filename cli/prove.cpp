// memhp prove: discharge the Z3 theorems of smt/ and print one row each.
//
// A theorem counts as proved only when Z3 answered unsat for every
// obligation AND sat for every obligation's premises; `unknown` (a timeout
// included) is reported as such and fails the run. --mutant proves the
// weakened variants instead, which must all be refuted: that is how a user
// sees the counterexamples (geometry and replayable trace) the tests rely on.
//
// Then the conformance stage (smt/conformance.h): the block encoding the
// transition theorems stand on, evaluated beside the model on every
// reachable transition of small explorer configurations. A divergence
// prints "encoding diverges from the model at:" and the trace, and fails
// the run. It runs after a full proof (no --theorem, no --mutant) and
// alone with --conformance-only; --conformance-mutant runs it against a
// deliberately broken model, and --fault against a historical fault, under
// the kernel the fault names.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "conformance.h"
#include "report.h"
#include "theorem.h"

namespace memhp::cli {
namespace {

constexpr std::string_view kName = "prove";

struct ProveArgs {
  std::vector<const smt::Theorem*> selected;
  smt::ProveOptions opts;
  bool json = false;
  bool list = false;
  bool markdown = false;  // with --list: the NOTES.md table
  std::string emit_dir;  // --emit-smt2
  std::string cex_dir;   // --cex
  bool conformance_only = false;
  bool no_conformance = false;
  std::vector<std::string> conformance_mutants;  // --conformance-mutant
  std::vector<std::string> faults;               // --fault: the conformance stage under a historical fault
  bool profile_given = false;
};

bool make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0777) == 0 || errno == EEXIST) return true;
  std::cerr << "memhp prove: cannot create '" << dir << "': " << std::strerror(errno) << '\n';
  return false;
}

bool write_file(const std::string& path, const std::string& text) {
  return write_output("memhp prove", path, text);
}

// The file name of one obligation: THEOREM.OBLIGATION[.premises].smt2, with
// characters a shell would trip on replaced.
std::string file_stem(std::string_view theorem, std::string_view obligation) {
  std::string s = std::string(theorem) + "." + std::string(obligation);
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  return s;
}

// Each obligation twice: the refutation query (unsat = proved) and the
// premises alone (sat = not vacuous). The expected answer is in the file's
// (set-info :status ...), so another solver's answer can be compared.
bool emit_smt2(const std::string& dir, const smt::Theorem& t, const smt::TheoremResult& r) {
  for (const auto& o : r.obligations) {
    const std::string stem = dir + "/" + file_stem(t.name, o.name);
    if (!o.smt2.empty() && !write_file(stem + ".smt2", o.smt2)) return false;
    if (!o.premises_smt2.empty() && !write_file(stem + ".premises.smt2", o.premises_smt2))
      return false;
  }
  return true;
}

// A theorem the kernel under --profile breaks (Theorem::broken_by) must be
// refuted there, non-vacuously and with its counterexample.
bool broken_here(const smt::Theorem& t, const smt::ProveOptions& o) {
  return !o.mutant && !smt::holds_under(t, o.kernel);
}

// What the user asked for happened: proved normally, refuted under --mutant
// or where the version breaks the theorem.
bool as_expected(const smt::Theorem& t, const smt::TheoremResult& r, const smt::ProveOptions& o) {
  if (o.mutant) return r.verdict == smt::Verdict::Refuted && r.cex.has_value();
  if (broken_here(t, o))
    return r.verdict == smt::Verdict::Refuted && r.cex.has_value() && r.premises == smt::Sat::Sat;
  return r.verdict == smt::Verdict::Proved && r.premises == smt::Sat::Sat;
}

// The row's note for a theorem this kernel breaks.
std::string broken_note(const smt::Theorem& t, const smt::ProveOptions& o) {
  if (!broken_here(t, o)) return {};
  const DeltaInfo& d = delta_info(*t.broken_by);
  return "fails in " + print_kernel_spec(o.kernel) + " by design: delta " + std::string(d.name) + " (" +
         release_name(d.release) + ")";
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.resize(w, ' ');
  return s;
}

std::string seconds(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(3) << s << " s";
  return o.str();
}

void indent(std::ostream& out, const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out << "    " << line << '\n';
}

void print_details(std::ostream& out, const smt::Theorem& t, const smt::TheoremResult& r) {
  for (const auto& o : r.obligations)
    if (o.verdict != smt::Verdict::Proved || o.premises != smt::Sat::Sat)
      out << "  " << t.name << " / " << o.name << ": " << smt::verdict_name(o.verdict)
          << ", premises " << smt::sat_name(o.premises)
          << (o.reason.empty() ? "" : " (" + o.reason + ")") << '\n';
  if (!r.detail.empty()) {
    out << "  " << t.name << ":\n";
    indent(out, r.detail);
  }
  if (!r.cex) return;
  out << "  counterexample:\n";
  indent(out, r.cex->summary);
  if (!r.cex->geometry.empty()) out << "    geometry: " << r.cex->geometry << '\n';
  if (!r.cex->trace.empty()) {
    if (!r.cex->invariant.empty()) out << "  trace (memhp replay shows " << r.cex->invariant << "):\n";
    else if (t.broken_by) out << "  trace (memhp diff-versions --from v6.1 shows where the versions part):\n";
    else out << "  trace (memhp replay shows a violation):\n";
    indent(out, r.cex->trace);
  }
}

void print_table_row(std::ostream& out, const smt::Theorem& t, const smt::TheoremResult& r,
                     const smt::ProveOptions& o) {
  const std::string note = broken_note(t, o);
  out << pad(std::string(t.name), 44) << pad(std::string(smt::verdict_name(r.verdict)), 10)
      << pad(std::string(smt::sat_name(r.premises)), 10) << pad(std::to_string(r.obligations.size()), 6)
      << seconds(r.seconds) << (note.empty() ? "" : "  (" + note + ")") << '\n';
}

Json json_theorem(const smt::Theorem& t, const smt::TheoremResult& r, const smt::ProveOptions& o) {
  Json obligations = Json::array();
  for (const auto& o : r.obligations)
    obligations.push_back(Json{{"name", o.name},
                               {"result", smt::verdict_name(o.verdict)},
                               {"premises", smt::sat_name(o.premises)},
                               {"reason", o.reason}});
  Json j{{"theorem", t.name},
         {"statement", t.statement},
         {"result", smt::verdict_name(r.verdict)},
         {"expected", o.mutant || broken_here(t, o) ? "refuted" : "proved"},
         {"premises", smt::sat_name(r.premises)},
         {"seconds", r.seconds},
         {"obligations", obligations},
         {"detail", r.detail}};
  if (r.cex)
    j["counterexample"] = Json{{"summary", r.cex->summary},
                               {"geometry", r.cex->geometry},
                               {"trace", r.cex->trace},
                               {"invariant", r.cex->invariant}};
  return j;
}


// The NOTES.md catalogue (tests/test_notes.cpp keeps the two equal).
void list_markdown(std::ostream& out) {
  out << "| theorem | statement | scope: symbolic, bounded, assumed | kernel | mutant | versions |\n"
         "|---|---|---|---|---|---|\n";
  for (const auto& t : smt::theorems())
    out << "| `" << t.name << "` | " << markdown_cell(t.statement) << " | " << markdown_cell(t.scope) << " | "
        << markdown_cell(t.kernel) << " | " << markdown_cell(t.mutant) << " | " << markdown_cell(t.versions) << " |\n";
}

void list_theorems(std::ostream& out) {
  for (const auto& t : smt::theorems()) {
    out << t.name << "\n  " << t.statement << "\n  scope: " << t.scope << "\n  kernel: " << t.kernel
        << "\n  mutant: " << t.mutant << "\n  versions: " << t.versions << "\n";
  }
}

// The conformance stage; the number of configurations that diverged.
int conformance(const ProveArgs& a, Json& rows) {
  MutantSet m;
  for (const std::string& n : a.conformance_mutants) m.set(*mutant_from_name(n));
  int diverged = 0;
  for (const std::string& name : smt::conformance_configs()) {
    const smt::ConformanceReport r = smt::check_conformance(name, m, a.opts.kernel);
    diverged += r.divergence.has_value();
    if (a.json) {
      rows.push_back(Json{{"config", r.config},
                          {"states", r.states},
                          {"transitions", r.transitions},
                          {"block_steps", r.block_steps},
                          {"not_judged", r.not_judged},
                          {"conforms", !r.divergence},
                          {"divergence", r.divergence.value_or("")},
                          {"trace", r.trace},
                          {"seconds", r.seconds}});
      continue;
    }
    std::cout << "conformance " << pad(r.config, 22) << r.states << " states, " << r.transitions
              << " transitions, " << r.block_steps << " block steps, " << r.not_judged << " not judged: "
              << (r.divergence ? "DIVERGES" : "conforms") << " (" << seconds(r.seconds) << ")\n";
    if (r.divergence) {
      std::cout << "  " << *r.divergence << "\nencoding diverges from the model at:\n";
      indent(std::cout, r.trace);
    }
  }
  return diverged;
}

int prove(ProveArgs& a) {
  if (!a.faults.empty()) {
    // The theorems read the kernel's text, which a fault in the model does
    // not change; what a fault can change is the conformance stage, run
    // under the kernel the fault names unless --profile says otherwise.
    if (!a.profile_given) a.opts.kernel = *fault_kernel(mutant_from_name(a.faults.front())->info());
    a.conformance_mutants.insert(a.conformance_mutants.end(), a.faults.begin(), a.faults.end());
  }
  if (a.conformance_only || !a.conformance_mutants.empty()) {
    Json rows = Json::array();
    const int diverged = conformance(a, rows);
    if (a.json) std::cout << json_line(Json{{"conformance", rows}, {"diverged", diverged}}) << "\n";
    return diverged ? kExitFailed : kExitOk;
  }
  const bool with_conformance = a.selected.empty() && !a.opts.mutant && !a.no_conformance;
  if (a.selected.empty())
    for (const auto& t : smt::theorems()) a.selected.push_back(&t);
  if (a.selected.empty()) return usage_error(kName, "no theorems are registered (smt/registry.cpp)");
  if (a.list) {
    if (a.markdown) list_markdown(std::cout);
    else list_theorems(std::cout);
    return kExitOk;
  }
  if (!a.emit_dir.empty() && !make_dir(a.emit_dir)) return kExitUsage;
  if (!a.cex_dir.empty() && !make_dir(a.cex_dir)) return kExitUsage;

  std::ostringstream details;
  Json json_rows = Json::array();
  int unexpected = 0, broken = 0;
  double total = 0;
  if (!a.json)
    std::cout << pad("theorem", 44) << pad(a.opts.mutant ? "mutant" : "result", 10)
              << pad("premises", 10) << pad("obls", 6) << "time\n";
  for (const smt::Theorem* t : a.selected) {
    const smt::TheoremResult r = smt::run_theorem(*t, a.opts);
    total += r.seconds;
    if (!as_expected(*t, r, a.opts)) ++unexpected;
    broken += broken_here(*t, a.opts);
    if (!a.emit_dir.empty() && !emit_smt2(a.emit_dir, *t, r)) return kExitUsage;
    if (!a.cex_dir.empty() && r.cex && !r.cex->trace.empty() &&
        !write_file(a.cex_dir + "/" + std::string(t->name) + ".trace", r.cex->trace))
      return kExitUsage;
    if (a.json) {
      json_rows.push_back(json_theorem(*t, r, a.opts));
    } else {
      print_table_row(std::cout, *t, r, a.opts);
      print_details(details, *t, r);
    }
  }
  if (!a.json) {
    std::cout << details.str();
    std::cout << a.selected.size() - unexpected << "/" << a.selected.size() << " theorems ";
    if (a.opts.mutant)
      std::cout << "refuted under their mutants";
    else if (broken)
      std::cout << "as expected: " << a.selected.size() - broken << " proved with satisfiable premises, " << broken
                << " refuted with satisfiable premises because " << print_kernel_spec(a.opts.kernel)
                << " breaks them";
    else
      std::cout << "proved with satisfiable premises";
    std::cout << " in " << seconds(total) << '\n';
  }
  Json conformance_rows = Json::array();
  const int diverged = with_conformance ? conformance(a, conformance_rows) : 0;
  if (a.json) {
    Json j{{"mutant", a.opts.mutant}, {"theorems", json_rows}, {"unexpected", unexpected}, {"seconds", total}};
    if (with_conformance) j["conformance"] = conformance_rows;
    std::cout << json_line(j) << "\n";
  }
  return unexpected || diverged ? kExitFailed : kExitOk;
}

}  // namespace

Run setup_prove(CLI::App& app) {
  auto a = std::make_shared<ProveArgs>();
  app.add_option_function<std::vector<std::string>>(
         "--theorem",
         [a](const std::vector<std::string>& names) {
           for (const std::string& n : names) a->selected.push_back(smt::find_theorem(n));
         },
         "prove only this theorem (repeatable; see --list)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return smt::find_theorem(v) ? "" : "unknown theorem '" + v + "' (see memhp prove --list)";
          },
          "THEOREM"));
  app.add_flag("--json", a->json, "one JSON object");
  app.add_option("--emit-smt2", a->emit_dir, "write every obligation as SMT-LIB 2 into DIR")->check(nonempty());
  app.add_option("--cex", a->cex_dir, "write each counterexample trace into DIR")->check(nonempty());
  app.add_flag("--mutant", a->opts.mutant, "prove the weakened variants, which must all be refuted");
  app.add_option_function<std::string>(
         "--profile",
         [a](const std::string& v) {
           parse_kernel_spec(v, a->opts.kernel);
           a->profile_given = true;
         },
         "the kernel whose text the theorems read, and that the conformance stage explores: a version (" +
             version_names() + "), then with=/without= deltas")
      ->check(kernel_spec());
  app.add_option("--timeout", a->opts.timeout_ms, "per-query Z3 timeout in milliseconds")
      ->check(CLI::Range(1u, 3600000u))
      ->capture_default_str();
  auto* only = app.add_flag("--conformance-only", a->conformance_only,
                            "run only the conformance stage (the block encoding beside the model on every "
                            "reachable transition of small explorer configurations)");
  app.add_flag("--no-conformance", a->no_conformance, "skip the conformance stage")->excludes(only);
  app.add_option("--conformance-mutant", a->conformance_mutants,
                 "run the conformance stage against a deliberately broken model (repeatable)")
      ->check(mutant_name());
  add_fault_option(app, a->faults);
  auto* list = app.add_flag("--list", a->list, "list the theorems");
  app.add_flag("--markdown", a->markdown, "with --list: the NOTES.md table")->needs(list);
  return [a](const Chatter&) { return prove(*a); };
}

}  // namespace memhp::cli
