// memhp prove: discharge the Z3 theorems of smt/ and print one row each.
//
// A theorem counts as proved only when Z3 answered unsat for every
// obligation AND sat for every obligation's premises; `unknown` (a timeout
// included) is reported as such and fails the run. --mutant proves the
// weakened variants instead, which must all be refuted: that is how a user
// sees the counterexamples (geometry and replayable trace) the tests rely on.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.h"
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
};

bool parse_ms(const std::string& s, unsigned& out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(s.c_str(), &end, 10);
  if (errno || end == s.c_str() || *end || s[0] == '-' || v == 0 || v > 3600000) return false;
  out = static_cast<unsigned>(v);
  return true;
}

std::string parse_args(const Args& args, ProveArgs& a) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string v;
    auto value = [&] {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return !v.empty();
    };
    if (arg == "--json") {
      a.json = true;
    } else if (arg == "--list") {
      a.list = true;
    } else if (arg == "--markdown") {
      a.markdown = true;
    } else if (arg == "--mutant") {
      a.opts.mutant = true;
    } else if (arg == "--theorem") {
      if (!value()) return "--theorem takes a name (see --list)";
      const smt::Theorem* t = smt::find_theorem(v);
      if (!t) return "unknown theorem '" + v + "' (see memhp prove --list)";
      a.selected.push_back(t);
    } else if (arg == "--emit-smt2") {
      if (!value()) return "--emit-smt2 takes a directory";
      a.emit_dir = v;
    } else if (arg == "--cex") {
      if (!value()) return "--cex takes a directory";
      a.cex_dir = v;
    } else if (arg == "--timeout") {
      if (!value() || !parse_ms(v, a.opts.timeout_ms)) return "--timeout takes milliseconds (1..3600000)";
    } else {
      return "unknown option '" + arg + "'";
    }
  }
  if (a.selected.empty())
    for (const auto& t : smt::theorems()) a.selected.push_back(&t);
  if (a.selected.empty()) return "no theorems are registered (smt/registry.cpp)";
  if (a.markdown && !a.list) return "--markdown goes with --list";
  return {};
}

bool make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0777) == 0 || errno == EEXIST) return true;
  std::cerr << "memhp prove: cannot create '" << dir << "': " << std::strerror(errno) << '\n';
  return false;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (f.flush()) return true;
  std::cerr << "memhp prove: cannot write '" << path << "'\n";
  return false;
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

// What the user asked for happened: proved normally, refuted under --mutant.
bool as_expected(const smt::TheoremResult& r, bool mutant) {
  if (mutant) return r.verdict == smt::Verdict::Refuted && r.cex.has_value();
  return r.verdict == smt::Verdict::Proved && r.premises == smt::Sat::Sat;
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
    out << "  trace (memhp replay shows " << (r.cex->invariant.empty() ? "a violation" : r.cex->invariant)
        << "):\n";
    indent(out, r.cex->trace);
  }
}

void print_table_row(std::ostream& out, const smt::Theorem& t, const smt::TheoremResult& r) {
  out << pad(std::string(t.name), 44) << pad(std::string(smt::verdict_name(r.verdict)), 10)
      << pad(std::string(smt::sat_name(r.premises)), 10) << pad(std::to_string(r.obligations.size()), 6)
      << seconds(r.seconds) << '\n';
}

std::string json_obligation(const smt::ObligationResult& o) {
  return "{\"name\":" + json_quote(o.name) + ",\"result\":" + json_quote(smt::verdict_name(o.verdict)) +
         ",\"premises\":" + json_quote(smt::sat_name(o.premises)) +
         ",\"reason\":" + json_quote(o.reason) + "}";
}

std::string json_theorem(const smt::Theorem& t, const smt::TheoremResult& r) {
  std::string s = "{\"theorem\":" + json_quote(t.name) + ",\"statement\":" + json_quote(t.statement) +
                  ",\"result\":" + json_quote(smt::verdict_name(r.verdict)) +
                  ",\"premises\":" + json_quote(smt::sat_name(r.premises)) +
                  ",\"seconds\":" + std::to_string(r.seconds) + ",\"obligations\":[";
  for (std::size_t i = 0; i < r.obligations.size(); ++i)
    s += (i ? "," : "") + json_obligation(r.obligations[i]);
  s += "],\"detail\":" + json_quote(r.detail);
  if (r.cex)
    s += ",\"counterexample\":{\"summary\":" + json_quote(r.cex->summary) +
         ",\"geometry\":" + json_quote(r.cex->geometry) + ",\"trace\":" + json_quote(r.cex->trace) + ",\"invariant\":" + json_quote(r.cex->invariant) + "}";
  return s + "}";
}

// Pipes would split a table cell.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// The NOTES.md catalogue (tests/test_notes.cpp keeps the two equal).
void list_markdown(std::ostream& out) {
  out << "| theorem | statement | scope: symbolic, bounded, assumed | kernel | mutant |\n"
         "|---|---|---|---|---|\n";
  for (const auto& t : smt::theorems())
    out << "| `" << t.name << "` | " << cell(t.statement) << " | " << cell(t.scope) << " | "
        << cell(t.kernel) << " | " << cell(t.mutant) << " |\n";
}

void list_theorems(std::ostream& out) {
  for (const auto& t : smt::theorems()) {
    out << t.name << "\n  " << t.statement << "\n  scope: " << t.scope << "\n  kernel: " << t.kernel
        << "\n  mutant: " << t.mutant << "\n";
  }
}

}  // namespace

int cmd_prove(const Args& args) {
  ProveArgs a;
  if (std::string err = parse_args(args, a); !err.empty()) return usage_error(kName, err);
  if (a.list) {
    if (a.markdown) list_markdown(std::cout);
    else list_theorems(std::cout);
    return kExitOk;
  }
  if (!a.emit_dir.empty() && !make_dir(a.emit_dir)) return kExitUsage;
  if (!a.cex_dir.empty() && !make_dir(a.cex_dir)) return kExitUsage;

  std::ostringstream details;
  std::vector<std::string> json_rows;
  int unexpected = 0;
  double total = 0;
  if (!a.json)
    std::cout << pad("theorem", 44) << pad(a.opts.mutant ? "mutant" : "result", 10)
              << pad("premises", 10) << pad("obls", 6) << "time\n";
  for (const smt::Theorem* t : a.selected) {
    const smt::TheoremResult r = smt::run_theorem(*t, a.opts);
    total += r.seconds;
    if (!as_expected(r, a.opts.mutant)) ++unexpected;
    if (!a.emit_dir.empty() && !emit_smt2(a.emit_dir, *t, r)) return kExitUsage;
    if (!a.cex_dir.empty() && r.cex && !r.cex->trace.empty() &&
        !write_file(a.cex_dir + "/" + std::string(t->name) + ".trace", r.cex->trace))
      return kExitUsage;
    if (a.json) {
      json_rows.push_back(json_theorem(*t, r));
    } else {
      print_table_row(std::cout, *t, r);
      print_details(details, *t, r);
    }
  }
  if (a.json) {
    std::cout << "{\"mutant\":" << (a.opts.mutant ? "true" : "false") << ",\"theorems\":[";
    for (std::size_t i = 0; i < json_rows.size(); ++i) std::cout << (i ? "," : "") << json_rows[i];
    std::cout << "],\"unexpected\":" << unexpected << ",\"seconds\":" << total << "}\n";
  } else {
    std::cout << details.str();
    std::cout << a.selected.size() - unexpected << "/" << a.selected.size() << " theorems "
              << (a.opts.mutant ? "refuted under their mutants" : "proved with satisfiable premises")
              << " in " << seconds(total) << '\n';
  }
  return unexpected ? kExitFailed : kExitOk;
}

}  // namespace memhp::cli
