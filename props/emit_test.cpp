// Counterexamples as doctest cases (emit_test.h).
#include "emit_test.h"

#include <filesystem>

#include "output_file.h"
#include "replay.h"

namespace memhp {
namespace {

// FNV-1a: a name that stays the same for the same trace on every platform.
std::string short_hash(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(h >> 32));
  return buf;
}

bool names_mutants(const Trace& t) {
  for (std::size_t i = 0; i < kMutantCount; ++i)
    if (t.mutants.has(Mutant::at(i))) return true;
  return false;
}

std::string body(bool mutants, const std::string& invariant, int line) {
  const std::string violation = "\"" + invariant + "\", " + std::to_string(line);
  if (mutants)
    return "  // The faulty model: with its mutants the trace breaks the invariant here.\n"
           "  expect_violation(kTrace, Model::Faulty, " + violation + ");\n"
           "  // The fixed model: without them it must hold at every step.\n"
           "  expect_holds(kTrace, Model::Fixed);\n";
  return "  if (!kFixed)\n"
         "    expect_violation(kTrace, Model::AsBuilt, " + violation + ");\n"
         "  else\n"
         "    expect_holds(kTrace, Model::AsBuilt);\n";
}

}  // namespace

std::variant<EmittedTest, std::string> emit_test(const Trace& t, const std::string& origin) {
  // Replay the text that will be written, not the Trace: line numbers are
  // the printed text's.
  const std::string text = print_trace(t);
  if (text.find(")memhp\"") != std::string::npos) return std::string("the trace holds ')memhp\"'");
  auto parsed = parse_trace(text, check_names());
  if (auto* e = std::get_if<ParseError>(&parsed)) return "the printed trace does not parse: " + e->message;
  const ReplayResult r = replay_trace(std::get<Trace>(parsed));
  if (!r.boot_error.empty()) return "the trace does not boot: " + r.boot_error;
  if (!r.violation) return std::string("the trace breaks no invariant: nothing to emit");
  const std::string& inv = r.violation->invariant;
  const std::string name = inv + "_" + short_hash(text);
  const bool mutants = names_mutants(std::get<Trace>(parsed));
  std::string out =
      "// A counterexample to " + inv + ", emitted by `" + origin + " --emit-test`.\n"
      "// " + r.violation->message + "\n"
      "//\n" +
      (mutants ? "// It is checked from both sides: with the trace's mutants (the faulty model)\n"
                 "// the violation must reproduce at line " + std::to_string(r.violation_line) +
                     "; without them (the fixed model)\n"
                     "// the invariant must hold at every step.\n"
               : "// The trace names no mutant: the fault is in the model as built, or in the\n"
                 "// kernel it follows. Once it is fixed, set kFixed: the case then asserts\n"
                 "// that the invariant holds.\n") +
      "#include \"counterexample.h\"\n\n"
      "namespace {\n\n" +
      (mutants ? "" : "constexpr bool kFixed = false;\n\n") +
      "constexpr const char* kTrace = R\"memhp(" + text + ")memhp\";\n\n"
      "}  // namespace\n\n"
      "TEST_CASE(\"counterexample " + name + "\") {\n"
      "  using namespace memhp::test;\n" +
      body(mutants, inv, r.violation_line) + "}\n";
  return EmittedTest{name + ".cpp", out};
}

std::string write_emitted_test(const EmittedTest& e, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot create '" + dir + "': " + ec.message();
  const std::string path = (std::filesystem::path(dir) / e.file_name).string();
  return write_output_file(path, e.text);
}

}  // namespace memhp
