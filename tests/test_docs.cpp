// The repository explains itself: every invariant and bug id the code and
// NOTES.md cite is defined, once, in docs/kernel-reference.md; the registry's
// ids are unique and defined there; every invariant the page lists is either
// checked by the registry invariant of that id or says why not; and nothing
// points outside the repository for its documentation.
//
// The checks are pure functions of text, so the first test cases feed each
// one a small broken input and require it to object: none of them can pass
// by finding nothing. This file is itself skipped by the scans, because it
// holds example ids and forbidden paths as test data.
#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "memhp/invariants.h"
#include "source_tree.h"

namespace fs = std::filesystem;
using memhp::test::kSource;
using memhp::test::slurp;

namespace {

// ------------------------------------------------------------- scanning --

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool lower(char c) { return c >= 'a' && c <= 'z'; }

struct Cite {
  int line;
  std::string id;
};

// The length of an id starting at text[i] (INV-n, GEN-n, Bn, each with an
// optional lower-case letter), or 0. Ids stand alone: "SUB1" and "INV-12ab"
// are not ids.
std::size_t id_length(std::string_view text, std::size_t i) {
  if (i > 0 && word_char(text[i - 1])) return 0;
  std::size_t j = i;
  if (text.substr(i, 4) == "INV-" || text.substr(i, 4) == "GEN-") j += 4;
  else if (text[i] == 'B') j += 1;
  else return 0;
  const std::size_t digits = j;
  while (j < text.size() && digit(text[j])) ++j;
  if (j == digits) return 0;
  if (j < text.size() && lower(text[j])) ++j;
  if (j < text.size() && word_char(text[j])) return 0;
  return j - i;
}

// Every id the text mentions, with its 1-based line.
std::vector<Cite> citations(std::string_view text) {
  std::vector<Cite> out;
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
    if (std::size_t n = id_length(text, i)) {
      out.push_back({line, std::string(text.substr(i, n))});
      i += n - 1;
    }
  }
  return out;
}

// A definition is a list item that starts with the bold id ("- **ID** ...")
// together with its indented continuation lines. Returns each id's
// definitions (more than one is an error the tests report).
std::map<std::string, std::vector<std::string>> definitions(const std::string& doc) {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream in(doc);
  std::string line, *open = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind("- **", 0) == 0) {
      const std::size_t n = id_length(line, 4);
      if (n && line.compare(4 + n, 2, "**") == 0) {
        auto& defs = out[line.substr(4, n)];
        defs.push_back(line);
        open = &defs.back();
        continue;
      }
    }
    // Continuation lines join with one space, so that a phrase broken
    // across lines ("Checked by" / "`name`") reads as one.
    if (open && line.rfind("  ", 0) == 0) *open += " " + line.substr(line.find_first_not_of(' '));
    else open = nullptr;
  }
  return out;
}

// The registry invariant a definition names ("Checked by `name`"), or "".
std::string checked_by(const std::string& def) {
  const std::string key = "Checked by `";
  const auto a = def.find(key);
  if (a == std::string::npos) return {};
  const auto b = def.find('`', a + key.size());
  return b == std::string::npos ? std::string{} : def.substr(a + key.size(), b - a - key.size());
}

bool is_invariant_id(const std::string& id) { return id.rfind("INV-", 0) == 0 || id.rfind("GEN-", 0) == 0; }

// What is wrong with one invariant definition given the registry (name ->
// id), or "" when it is checked by the invariant of its id or says why not.
std::string definition_problem(const std::string& id, const std::string& def,
                               const std::map<std::string, std::string>& registry) {
  const std::string by = checked_by(def);
  const bool reason = def.find("not checked:") != std::string::npos;
  bool in_registry = false;
  for (const auto& [name, rid] : registry) in_registry = in_registry || rid == id;
  if (!by.empty()) {
    auto it = registry.find(by);
    if (it == registry.end()) return "checked by `" + by + "`, which is not a registry invariant";
    if (it->second != id) return "checked by `" + by + "`, whose id is " + it->second;
    if (reason) return "both checked and 'not checked:'";
    return {};
  }
  if (in_registry) return "a registry invariant has this id, but the entry does not say 'Checked by'";
  if (!reason) return "neither checked by a registry invariant nor a 'not checked:' line";
  return {};
}

// Pointers outside the repository for documentation.
std::vector<std::string> forbidden_mentions(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& bad : {std::string("../") + "shared", std::string("/work/") + "shared",
                                std::string("DESIGN") + ".md"})
    if (text.find(bad) != std::string::npos) out.push_back(bad);
  // The kernel reference lives in docs/; a bare name means the old top-level one.
  const std::string ref = std::string("kernel-") + "reference.md";
  for (auto at = text.find(ref); at != std::string::npos; at = text.find(ref, at + 1))
    if (at < 5 || text.compare(at - 5, 5, "docs/") != 0) {
      out.push_back(ref + " outside docs/");
      break;
    }
  return out;
}

// ---------------------------------------------------------------- files --

const fs::path kThisFile = kSource / "tests" / "test_docs.cpp";

std::vector<fs::path> files_under(const fs::path& root) { return memhp::test::files_under(root, kThisFile); }

// Where ids are cited: the sources, the tests and their traces, the docs
// themselves, NOTES and README.
std::vector<fs::path> citing_files() {
  std::vector<fs::path> out;
  for (const char* where :
       {"model", "trace", "report", "props", "explore", "oracle", "smt", "cli", "tests", "include", "docs",
        "NOTES.md", "README.md"})
    for (const fs::path& p : files_under(kSource / where)) out.push_back(p);
  return out;
}

std::string reference() {
  const fs::path p = kSource / "docs/kernel-reference.md";
  REQUIRE_MESSAGE(fs::exists(p), p.string() << " is missing");
  return slurp(p);
}

std::map<std::string, std::string> registry_ids() {
  std::map<std::string, std::string> out;
  for (const memhp::Invariant& i : memhp::invariant_registry()) out[std::string(i.name)] = std::string(i.id);
  return out;
}

}  // namespace

// ------------------------------------------- the checks can object --

TEST_CASE("docs checks: each one objects to a broken input") {
  const std::string doc =
      "## 5. Invariants\n"
      "- **INV-1** one thing. Checked by `a`.\n"
      "- **INV-2a** another thing,\n"
      "  over two lines. not checked: not modelled.\n"
      "- **INV-3** a third thing, with no reason.\n"
      "- **INV-4** a fourth, checked by an invariant named on the next line: Checked by\n"
      "  `c`.\n"
      "- **INV-1** defined twice.\n"
      "- **B7** a bug.\n"
      "Text citing INV-2a and B7, and INV-9 which is not defined.\n";
  const auto defs = definitions(doc);
  CHECK(defs.at("INV-1").size() == 2);  // (b) a second definition is seen
  CHECK(defs.at("INV-2a").size() == 1);
  CHECK(defs.at("INV-2a").front().find("not checked:") != std::string::npos);  // continuation kept
  CHECK(defs.count("INV-9") == 0);

  // (a) a citation of an undefined id is found, defined ones are not flagged.
  std::vector<std::string> undefined;
  for (const Cite& c : citations(doc.substr(doc.find("Text"))))
    if (!defs.count(c.id)) undefined.push_back(c.id);
  CHECK(undefined == std::vector<std::string>{"INV-9"});
  CHECK(citations("SUB1 INV-12ab xB2 B2_ INV-x").empty());
  CHECK(citations("INV-12a..INV-12d, B1a and GEN-2.").size() == 4);

  // (c)/(d) registry ids against definitions.
  const std::map<std::string, std::string> reg = {{"a", "INV-1"}, {"b", "INV-3"}, {"c", "INV-4"}};
  CHECK(checked_by(defs.at("INV-4").front()) == "c");
  CHECK(definition_problem("INV-4", defs.at("INV-4").front(), reg).empty());
  CHECK(definition_problem("INV-1", defs.at("INV-1").front(), reg).empty());
  CHECK(definition_problem("INV-2a", defs.at("INV-2a").front(), reg).empty());
  CHECK(!definition_problem("INV-3", defs.at("INV-3").front(), reg).empty());  // in registry, no "Checked by"
  CHECK(!definition_problem("INV-3", defs.at("INV-3").front(), {}).empty());   // no reason either
  CHECK(!definition_problem("INV-1", "- **INV-1** x. Checked by `b`.", reg).empty());  // wrong id
  CHECK(!definition_problem("INV-1", "- **INV-1** x. Checked by `zz`.", reg).empty());  // no such invariant

  // (e) pointers outside the repository.
  CHECK(forbidden_mentions("see " + std::string("../") + "shared" + "/x").size() == 1);
  CHECK(forbidden_mentions(std::string("DESIGN") + ".md section 3").size() == 1);
  const std::string bare = std::string("kernel-") + "reference.md";
  CHECK(forbidden_mentions(bare + " 3.6").size() == 1);
  CHECK(forbidden_mentions("docs/" + bare + " 3.6").empty());
}

// ------------------------------------------------- the repository --

TEST_CASE("docs: every id cited in the code, tests and notes is defined in docs/kernel-reference.md") {
  const auto defs = definitions(reference());
  const auto files = citing_files();
  REQUIRE(files.size() > 50);  // the scan found the tree
  std::size_t seen = 0;
  for (const fs::path& p : files) {
    for (const Cite& c : citations(slurp(p))) {
      ++seen;
      CHECK_MESSAGE(defs.count(c.id), fs::relative(p, kSource).string()
                                          << ":" << c.line << ": " << c.id
                                          << " is not defined in docs/kernel-reference.md");
    }
  }
  CHECK(seen > 100);
}

TEST_CASE("docs: each id is defined exactly once") {
  const auto defs = definitions(reference());
  REQUIRE(defs.size() > 60);
  for (const auto& [id, d] : defs) CHECK_MESSAGE(d.size() == 1, id << " is defined " << d.size() << " times");
}

TEST_CASE("docs: registry ids are unique and defined") {
  const auto defs = definitions(reference());
  std::map<std::string, std::string> owner;  // id -> invariant name
  for (const memhp::Invariant& i : memhp::invariant_registry()) {
    const std::string id(i.id), name(i.name);
    CHECK_MESSAGE(owner.emplace(id, name).second, id << " is used by " << owner[id] << " and " << name);
    CHECK_MESSAGE(defs.count(id), name << ": " << id << " is not defined in docs/kernel-reference.md");
  }
}

TEST_CASE("docs: every invariant on the page is checked by its registry invariant or says why not") {
  const auto defs = definitions(reference());
  const auto reg = registry_ids();
  std::size_t invariants = 0, unchecked = 0;
  for (const auto& [id, d] : defs) {
    if (!is_invariant_id(id)) continue;
    ++invariants;
    const std::string problem = definition_problem(id, d.front(), reg);
    CHECK_MESSAGE(problem.empty(), id << ": " << problem);
    if (checked_by(d.front()).empty()) ++unchecked;
  }
  // Every registry invariant is claimed by exactly its own definition.
  for (const auto& [name, id] : reg) {
    const bool claimed = defs.count(id) && checked_by(defs.at(id).front()) == name;
    CHECK_MESSAGE(claimed, id << " does not say 'Checked by `" << name << "`'");
  }
  CHECK(invariants == reg.size() + unchecked);
}

TEST_CASE("docs: nothing in the repository points outside it for documentation") {
  const auto files = files_under(kSource);
  REQUIRE(files.size() > 100);
  for (const fs::path& p : files)
    for (const std::string& bad : forbidden_mentions(slurp(p)))
      CHECK_MESSAGE(false, fs::relative(p, kSource).string() << " mentions " << bad);
  for (const char* doc : {"docs/design.md", "docs/trace-format.md", "docs/kernel-reference.md"})
    CHECK_MESSAGE(fs::exists(kSource / doc), doc << " is missing");
}
