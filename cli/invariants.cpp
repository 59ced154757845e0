// memhp invariants [--json] [--markdown]: the catalogue every checker uses.
//
// Printed straight from the registries (invariants, sequence properties,
// mutants), so the listing cannot drift from what the checkers run; the
// markdown form is what NOTES.md pastes in. Each mutant lists the checks
// aimed at it: a mutant with none is a defect of the catalogue.
#include <algorithm>
#include <iostream>

#include "commands.h"
#include "memhp/deltas.h"
#include "memhp/invariants.h"
#include "report.h"
#include "residue.h"
#include "sequences.h"

namespace memhp::cli {
namespace {

enum class Format { Text, Json, Markdown, Deltas };

// The checks a registry entry must break: its targets, as written.
std::vector<std::string_view> aimed_at(const MutantInfo& m) {
  std::vector<std::string_view> out;
  for (std::string_view t : m.targets)
    if (!t.empty()) out.push_back(t);
  return out;
}

// The registry entries aimed at a check, by name.
std::vector<std::string_view> killer_names(std::string_view check) {
  std::vector<std::string_view> out;
  for (Mutant m : killers_of(check)) out.push_back(mutant_name(m));
  return out;
}

std::string join(const std::vector<std::string_view>& v, std::string_view sep) {
  std::string out;
  for (auto s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string pad(std::string_view s, std::size_t width) {
  std::string out(s);
  if (out.size() < width) out.resize(width, ' ');
  return out;
}

template <class T, class F>
std::size_t widest(const std::vector<T>& v, F&& field) {
  std::size_t w = 0;
  for (const T& x : v) w = std::max(w, field(x).size());
  return w;
}

// ------------------------------------------------------------------ text --

// "state" when the check reads only the state after a step (the explorer
// judges it once per distinct state), "step" when it reads the step, and
// "step+state" for a check with a part of each.
std::string_view reads(const Invariant& i) {
  if (!i.check.has_state_part()) return "step";
  return i.check.has_step_part() ? "step+state" : "state";
}

void text_invariants(std::ostream& os) {
  const auto& all = invariant_registry();
  auto name_w = widest(all, [](const Invariant& i) { return i.name; });
  auto id_w = widest(all, [](const Invariant& i) { return i.id; });
  os << "Invariants (" << all.size() << "), checked after every step:\n\n";
  for (const Invariant& i : all)
    os << "  " << pad(i.name, name_w) << "  " << pad(i.id, id_w) << "  " << pad(reads(i), 10) << "  killed by "
       << join(killer_names(i.name), ", ")
       << "\n      " << i.statement << "\n      kernel: " << i.kernel_ref << '\n';
}

void text_properties(std::ostream& os) {
  const auto& all = sequence_properties();
  auto name_w = widest(all, [](const SequenceProperty& p) { return p.name; });
  os << "\nSequence properties (" << all.size() << "), over the last steps of a run:\n\n";
  for (const SequenceProperty& p : all)
    os << "  " << pad(p.name, name_w) << "  " << p.ops << " steps  killed by " << join(killer_names(p.name), ", ")
       << "\n      " << p.statement << "\n      kernel: " << p.kernel_ref << '\n';
}

void text_mutants(std::ostream& os) {
  std::vector<MutantInfo> all;
  for (const MutantInfo& m : mutant_registry())
    if (m.kind == MutantKind::Engineered) all.push_back(m);
  auto name_w = widest(all, [](const MutantInfo& m) { return m.name; });
  os << "\nMutants (" << all.size() << "), deliberate defects some check must catch:\n\n";
  for (const MutantInfo& m : all) {
    auto targets = aimed_at(m);
    os << "  " << pad(m.name, name_w) << "  " << m.description << '\n'
       << "  " << pad("", name_w) << "  aimed at: "
       << (targets.empty() ? std::string("(nothing)") : join(targets, ", ")) << '\n';
  }
}

// ------------------------------------------------------------------ json --

void json_catalogue(std::ostream& os) {
  Json invariants = Json::array();
  for (const Invariant& i : invariant_registry())
    invariants.push_back(Json{{"name", i.name},
                              {"id", i.id},
                              {"reads", reads(i)},
                              {"statement", i.statement},
                              {"kernel_ref", i.kernel_ref},
                              {"killed_by", killer_names(i.name)}});
  Json properties = Json::array();
  for (const SequenceProperty& p : sequence_properties())
    properties.push_back(Json{{"name", p.name},
                              {"ops", p.ops},
                              {"statement", p.statement},
                              {"kernel_ref", p.kernel_ref},
                              {"killed_by", killer_names(p.name)}});
  Json mutants = Json::array();
  for (const MutantInfo& m : mutant_registry())
    if (m.kind == MutantKind::Engineered)
      mutants.push_back(Json{{"name", m.name}, {"description", m.description}, {"aimed_at", aimed_at(m)}});
  os << json_line(Json{{"invariants", invariants}, {"properties", properties}, {"mutants", mutants}}) << '\n';
}

// -------------------------------------------------------------- markdown --


std::string code(std::string_view s) { return s.empty() ? "" : "`" + markdown_cell(s) + "`"; }

void markdown_catalogue(std::ostream& os) {
  os << "### Invariants\n\n| name | id | reads | statement | kernel place | killed by |\n"
        "|---|---|---|---|---|---|\n";
  for (const Invariant& i : invariant_registry()) {
    std::string killers;
    for (auto k : killer_names(i.name)) killers += (killers.empty() ? "" : ", ") + code(k);
    os << "| " << code(i.name) << " | " << markdown_cell(i.id) << " | " << reads(i) << " | " << markdown_cell(i.statement) << " | "
       << markdown_cell(i.kernel_ref) << " | " << killers << " |\n";
  }
  os << "\n### Sequence properties\n\n| name | steps | statement | kernel place | killed by |\n"
        "|---|---|---|---|---|\n";
  for (const SequenceProperty& p : sequence_properties())
    os << "| " << code(p.name) << " | " << p.ops << " | " << markdown_cell(p.statement) << " | "
       << markdown_cell(p.kernel_ref) << " | " << code(join(killer_names(p.name), ", ")) << " |\n";
  os << "\n### Mutants\n\n| name | defect | aimed at |\n|---|---|---|\n";
  for (const MutantInfo& m : mutant_registry()) {
    if (m.kind != MutantKind::Engineered) continue;
    std::string targets;
    for (auto t : aimed_at(m)) targets += (targets.empty() ? "" : ", ") + code(t);
    os << "| " << code(m.name) << " | " << markdown_cell(m.description) << " | " << targets << " |\n";
  }
}

// The kernel-version deltas (include/memhp/deltas.h), as NOTES.md section 20
// pastes them in.
void markdown_deltas(std::ostream& os) {
  auto trees = [](std::uint8_t in) {
    std::string out;
    if (in & kIn61) out += "6.1.192 ";
    if (in & kIn612) out += "6.12.118 ";
    if (in & kIn619) out += "6.19 ";
    return out.empty() ? std::string("none (a proposal)") : out.substr(0, out.size() - 1);
  };
  os << "| delta | release | commit | what changed | trees | seen | where |\n|---|---|---|---|---|---|---|\n";
  for (const DeltaInfo& d : delta_registry())
    os << "| `" << d.name << "` | " << release_name(d.release) << " | " << d.commit << " | " << d.summary
       << " | " << trees(d.in) << " | " << visibility_name(d.visibility) << " | " << d.where << " |\n";
}

int list(Format format) {
  switch (format) {
    case Format::Json: json_catalogue(std::cout); break;
    case Format::Markdown: markdown_catalogue(std::cout); break;
    case Format::Deltas: markdown_deltas(std::cout); break;
    case Format::Text:
      text_invariants(std::cout);
      text_properties(std::cout);
      text_mutants(std::cout);
      break;
  }
  return kExitOk;
}

}  // namespace

Run setup_invariants(CLI::App& app) {
  auto format = std::make_shared<Format>(Format::Text);
  auto* json = app.add_flag_callback("--json", [format] { *format = Format::Json; }, "one JSON object");
  app.add_flag_callback("--markdown", [format] { *format = Format::Markdown; }, "the tables NOTES.md pastes in")
      ->excludes(json);
  app.add_flag_callback("--deltas", [format] { *format = Format::Deltas; },
                        "the kernel-version deltas as the markdown table of NOTES.md")
      ->excludes(json);
  return [format](const Chatter&) { return list(*format); };
}

}  // namespace memhp::cli
