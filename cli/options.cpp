// Validators the subcommands share. CLI11 runs them on the text before it
// converts it, so they see exactly what the user typed.
#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "memhp/invariants.h"
#include "memhp/trace.h"
#include "replay.h"

namespace memhp::cli {

// CLI11 2.1 converts unsigned options with strtoull and checks neither the
// sign nor ERANGE: "-1" would become 2^64-1. This refuses both.
CLI::Validator unsigned_number() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])))
          return "'" + s + "' is not a number (0 to 18446744073709551615, or 0x hex)";
        char* end = nullptr;
        errno = 0;
        std::strtoull(s.c_str(), &end, 0);
        if (errno == ERANGE) return "'" + s + "' is larger than 18446744073709551615";
        if (*end) return "'" + s + "' is not a number (0 to 18446744073709551615, or 0x hex)";
        return {};
      },
      "UINT64");
}

CLI::Validator mutant_name() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        return mutant_from_name(s) ? "" : "unknown mutant '" + s + "' (see memhp invariants)";
      },
      "MUTANT");
}

void add_profile_option(CLI::App& app, std::optional<KernelSpec>& version) {
  app.add_option_function<std::string>(
         "--profile",
         [&version](const std::string& v) {
           KernelSpec k;
           parse_kernel_spec(v, k);  // checked below
           version = k;
         },
         "model this kernel: a version (" + version_names() +
             "), then with=DELTA,.. and without=DELTA,.. for a patch; it overrides the profile line's")
      ->check(kernel_spec());
}

CLI::Validator kernel_spec() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        KernelSpec k;
        return parse_kernel_spec(v, k);
      },
      "VERSION [with=..] [without=..]");
}

void add_fault_option(CLI::App& app, std::vector<std::string>& faults) {
  app.add_option("--fault", faults,
                 "reinstate a historical kernel bug (repeatable; see memhp faults); without --profile the run "
                 "follows the kernel the fault's catalogue row names")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            const auto m = mutant_from_name(v);
            if (!m) return "unknown fault '" + v + "' (see memhp faults)";
            if (m->info().kind != MutantKind::Historical)
              return "'" + v + "' is an engineered mutant, not a historical fault (use --mutant)";
            return {};
          },
          "FAULT"));
}

void apply_faults(const std::vector<std::string>& faults, MutantSet& mutants, std::optional<KernelSpec>& version) {
  for (const std::string& f : faults) {
    const Mutant m = *mutant_from_name(f);
    mutants.set(m);
    if (!version) version = fault_kernel(m.info());
  }
}

std::optional<Trace> parse_with_faults(const Input& in, const MutantSet& faults,
                                       const std::optional<KernelSpec>& version) {
  auto parsed = parse_trace(in.text, check_names(), version);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    std::cerr << in.name << ":" << e->line << ": " << e->message << '\n';
    return std::nullopt;
  }
  Trace& t = std::get<Trace>(parsed);
  for (std::size_t i = 0; i < kMutantCount; ++i)
    if (faults.has(Mutant::at(i))) t.mutants.set(Mutant::at(i));
  return std::move(t);
}

std::string markdown_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

CLI::Validator nonempty() {
  return CLI::Validator([](std::string& s) -> std::string { return s.empty() ? "must not be empty" : ""; },
                        "");
}

}  // namespace memhp::cli
