// The layout CMakeLists.txt declares is the one the code keeps
// (docs/design.md section 1):
//   (a) each library memhp_NAME builds the sources of directory NAME/;
//   (b) every header in include/memhp/ is claimed by exactly one library's
//       HEADERS file set, and every claim names a header that exists;
//   (c) the functions a claimed header declares are defined in its owner's
//       directory, and in no other library's;
//   (d) model/internal.h is the model's: no file outside model/ includes it,
//       and no file includes a header by a path that climbs out of its own
//       directory ("../"); a library includes a header of include/memhp/
//       only if it links the library that owns it (the other libraries'
//       headers are not on its include path at all);
//   (e) every file of the repository the docs and the code cite exists;
//   (f) the test sources CMake gives the checkout's path are the ones that
//       use it (a missing one does not compile; an extra one costs ccache).
//
// The checks are pure functions of text, so the first test case feeds each
// one a small broken input and requires it to object. This file is skipped
// by the scans: it holds broken paths and includes as test data.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "source_tree.h"

namespace fs = std::filesystem;
using memhp::test::kSource;
using memhp::test::slurp;

namespace {

const fs::path kThisFile = kSource / "tests" / "test_layout.cpp";

// ---------------------------------------------------------------- CMake --

// The CMake commands `name(...)` in text, comments removed, each as its
// whitespace-separated arguments with ${PROJECT_SOURCE_DIR}/ dropped.
std::vector<std::vector<std::string>> cmake_commands(const std::string& text, const std::string& name) {
  std::string code;
  bool comment = false;
  for (char c : text) {
    if (c == '#') comment = true;
    if (c == '\n') comment = false;
    if (!comment) code += c;
  }
  std::vector<std::vector<std::string>> out;
  const std::regex head("(^|[^A-Za-z_])" + name + "\\s*\\(");
  for (std::sregex_iterator it(code.begin(), code.end(), head), end; it != end; ++it) {
    const std::size_t open = static_cast<std::size_t>(it->position(0) + it->length(0));
    const std::size_t close = code.find(')', open);
    if (close == std::string::npos) break;
    std::istringstream args(code.substr(open, close - open));
    std::vector<std::string> words;
    for (std::string w; args >> w;) {
      const std::string prefix = "${PROJECT_SOURCE_DIR}/";
      if (w.rfind(prefix, 0) == 0) w = w.substr(prefix.size());
      words.push_back(w);
    }
    out.push_back(words);
  }
  return out;
}

// library -> the source paths or globs it builds (a ${VAR} is resolved
// through `file(GLOB VAR CONFIGURE_DEPENDS pattern)`).
std::map<std::string, std::vector<std::string>> library_sources(const std::string& cmake) {
  std::map<std::string, std::string> globs;
  for (const auto& c : cmake_commands(cmake, "file"))
    if (c.size() >= 3 && c[0] == "GLOB") globs["${" + c[1] + "}"] = c.back();
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& c : cmake_commands(cmake, "add_library")) {
    if (c.empty() || c[0].rfind("memhp_", 0) != 0) continue;
    auto& srcs = out[c[0]];
    for (std::size_t i = 1; i < c.size(); ++i)
      if (c[i] != "STATIC") srcs.push_back(globs.count(c[i]) ? globs[c[i]] : c[i]);
  }
  return out;
}

// What is wrong with (a): a library whose sources are not in its directory.
std::vector<std::string> library_dir_problems(const std::map<std::string, std::vector<std::string>>& libs) {
  std::vector<std::string> out;
  for (const auto& [lib, srcs] : libs) {
    const std::string dir = lib.substr(std::string("memhp_").size()) + "/";
    if (srcs.empty()) out.push_back(lib + " builds nothing");
    for (const std::string& s : srcs)
      if (s.rfind(dir, 0) != 0) out.push_back(lib + " builds " + s + ", outside " + dir);
  }
  return out;
}

// header (include/memhp/x.h) -> the libraries whose HEADERS file sets list it.
std::map<std::string, std::vector<std::string>> header_claims(const std::string& cmake) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& c : cmake_commands(cmake, "target_sources")) {
    bool headers = false;
    for (std::size_t i = 1; i < c.size(); ++i) {
      if (c[i] == "HEADERS") headers = true;
      if (headers && c[i].rfind("include/memhp/", 0) == 0) out[c[i]].push_back(c[0]);
    }
  }
  return out;
}

// What is wrong with (b), given the headers that exist.
std::vector<std::string> claim_problems(const std::map<std::string, std::vector<std::string>>& claims,
                                        const std::set<std::string>& headers) {
  std::vector<std::string> out;
  for (const std::string& h : headers) {
    const auto it = claims.find(h);
    const std::size_t n = it == claims.end() ? 0 : it->second.size();
    if (n == 0) out.push_back(h + " is claimed by no library");
    if (n > 1) out.push_back(h + " is claimed by " + std::to_string(n) + " libraries");
  }
  for (const auto& [h, libs] : claims)
    if (!headers.count(h)) out.push_back(libs.front() + " claims " + h + ", which does not exist");
  return out;
}

// ------------------------------------------------------------ functions --

// text with its comments and the contents of its string and character
// literals blanked out, so that what is left is code: braces, names, ';'.
std::string code_only(const std::string& text) {
  std::string out = text;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '"' || out[i] == '\'') {  // a literal: blank up to its closing quote
      const char quote = out[i];
      for (++i; i < out.size() && out[i] != quote && out[i] != '\n'; ++i) {
        if (out[i] == '\\' && i + 1 < out.size()) out[i++] = ' ';
        out[i] = ' ';
      }
    } else if (out.compare(i, 2, "//") == 0) {
      for (; i < out.size() && out[i] != '\n'; ++i) out[i] = ' ';
    } else if (out.compare(i, 2, "/*") == 0) {
      const std::size_t end = std::min(out.find("*/", i + 2), out.size() - 2) + 2;
      for (; i < end; ++i)
        if (out[i] != '\n') out[i] = ' ';
      --i;
    }
  }
  return out;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The functions whose declaration (terminator ';') or definition ('{')
// starts a line of `source`, each with its namespace ("memhp::k::name"; a
// definition like `Class::member(` keeps its qualifier). A line start is
// namespace scope in this code's style, where members and statements are
// indented. Statements that start with a keyword below declare no function
// of their own; a function's name is the (qualified) identifier right
// before the statement's first '('. Anonymous namespaces read "(anonymous)".
std::set<std::string> line_start_functions(const std::string& source, char terminator) {
  static const std::set<std::string> skip = {"inline", "template", "constexpr", "static", "static_assert",
                                             "using", "typedef", "struct", "class", "enum", "namespace",
                                             "friend", "extern", "return", "if", "for", "while", "switch",
                                             "case", "default"};
  const std::string text = code_only(source);
  std::vector<std::pair<std::string, int>> scopes;  // namespace, the depth inside it
  int depth = 0;
  std::size_t statement = 0;  // where the statement the next '{' opens starts
  std::set<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '#' && (i == 0 || text[i - 1] == '\n')) {  // a preprocessor line is no statement
      i = std::min(text.find('\n', i), text.size() - 1);
      statement = i + 1;
      continue;
    }
    if (c == ';' || c == '}') statement = i + 1;
    if (c == '{') {
      std::istringstream words(text.substr(statement, i - statement));
      std::string keyword, name;
      if (words >> keyword && keyword == "namespace")
        scopes.emplace_back(words >> name ? name : "(anonymous)", depth + 1);
      ++depth;
      statement = i + 1;
    } else if (c == '}') {
      if (!scopes.empty() && scopes.back().second == depth) scopes.pop_back();
      --depth;
    }
    if (i > 0 && text[i - 1] != '\n') continue;
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '_') continue;
    std::size_t word = i;
    while (word < text.size() && word_char(text[word])) ++word;
    if (skip.count(text.substr(i, word - i))) continue;
    const std::size_t end = text.find_first_of(";{", i);
    if (end == std::string::npos || text[end] != terminator) continue;
    const std::size_t paren = text.find('(', i);
    if (paren == std::string::npos || paren > end) continue;
    std::size_t name = paren;
    while (name > i && (word_char(text[name - 1]) || text[name - 1] == ':')) --name;
    if (name == paren || !word_char(text[paren - 1])) continue;  // operator==(, [](
    std::string qualified;
    for (const auto& [ns, d] : scopes) qualified += ns + "::";
    out.insert(qualified + text.substr(name, paren - name));
  }
  return out;
}

// The free functions a header declares and leaves to a .cpp (not inline,
// not templates).
std::set<std::string> declared_functions(const std::string& header) { return line_start_functions(header, ';'); }

// The functions a source defines at namespace scope.
std::set<std::string> defined_functions(const std::string& source) { return line_start_functions(source, '{'); }

// ------------------------------------------------------------- includes --

// What is wrong with (d) in one file at `rel` (a path from the checkout).
std::vector<std::string> include_problems(const std::string& rel, const std::string& text) {
  static const std::regex include(R"(#\s*include\s*"([^"]+)\")");
  std::vector<std::string> out;
  const bool in_model = rel.rfind("model/", 0) == 0;
  for (std::sregex_iterator it(text.begin(), text.end(), include), end; it != end; ++it) {
    const std::string path = (*it)[1].str();
    if (path.find("../") != std::string::npos) out.push_back(rel + " includes \"" + path + "\" by a relative path");
    else if (!in_model && (path == "internal.h" || path.find("model/internal.h") != std::string::npos))
      out.push_back(rel + " includes the model's private header \"" + path + "\"");
  }
  return out;
}

// ---------------------------------------------------------------- paths --

// The repository paths a text cites: a top-level directory of the checkout,
// then file names, ending in an extension. Patterns (inv_*.cpp) and kernel
// paths (include/linux/..., mm/...) are not citations of ours.
std::set<std::string> cited_paths(const std::string& text) {
  static const std::regex path(
      R"((^|[^\w./-])((model|trace|report|props|explore|oracle|smt|cli|tests|include/memhp|fuzz|bench|docs|\.ci)/)"
      R"((?:[\w-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:cpp|h|c|py|sh|md|pin|trace|dict|script|txt))(?![\w*{<]))");
  std::set<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), path), end; it != end; ++it) out.insert((*it)[2].str());
  return out;
}

// library -> the memhp libraries it links, directly or not.
std::map<std::string, std::set<std::string>> link_closure(const std::string& cmake) {
  std::map<std::string, std::set<std::string>> direct, out;
  for (const auto& c : cmake_commands(cmake, "target_link_libraries"))
    for (std::size_t i = 1; i < c.size(); ++i)
      if (!c.empty() && c[i].rfind("memhp_", 0) == 0) direct[c[0]].insert(c[i]);
  for (const auto& [lib, deps] : direct) {
    std::vector<std::string> todo(deps.begin(), deps.end());
    while (!todo.empty()) {
      const std::string d = todo.back();
      todo.pop_back();
      if (!out[lib].insert(d).second) continue;
      if (direct.count(d)) todo.insert(todo.end(), direct[d].begin(), direct[d].end());
    }
  }
  return out;
}

// The headers of include/memhp/ a file includes ("include/memhp/x.h").
std::set<std::string> public_includes(const std::string& text) {
  static const std::regex include(R"re(#\s*include\s*"(memhp/[^"]+)")re");
  std::set<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), include), end; it != end; ++it)
    out.insert("include/" + (*it)[1].str());
  return out;
}

// ---------------------------------------------------------- definitions --

// The tests/ sources set_source_files_properties() lists.
std::set<std::string> sources_with_properties(const std::string& cmake) {
  std::set<std::string> out;
  for (const auto& c : cmake_commands(cmake, "set_source_files_properties"))
    for (const std::string& w : c)
      if (w.rfind("tests/", 0) == 0) out.insert(w);
  return out;
}

// Whether a test source needs MEMHP_SOURCE_DIR and MEMHP_BINARY.
bool uses_paths(const std::string& text) {
  for (const char* what : {"MEMHP_SOURCE_DIR", "MEMHP_BINARY", "\"shell.h\"", "\"source_tree.h\""})
    if (text.find(what) != std::string::npos) return true;
  return false;
}

// ---------------------------------------------------------------- files --

std::vector<fs::path> tree() { return memhp::test::files_under(kSource, kThisFile); }

std::string rel(const fs::path& p) { return fs::relative(p, kSource).generic_string(); }

bool is_code(const fs::path& p) {
  const std::string e = p.extension().string();
  return e == ".cpp" || e == ".h" || e == ".c";
}

const std::string& cmake() {
  static const std::string text = slurp(kSource / "CMakeLists.txt");
  return text;
}

std::set<std::string> public_headers() {
  std::set<std::string> out;
  for (const fs::path& p : memhp::test::files_under(kSource / "include/memhp")) out.insert(rel(p));
  return out;
}

}  // namespace

// ------------------------------------------- the checks can object --

TEST_CASE("layout checks: each one objects to a broken input") {
  const std::string lists = R"(
    file(GLOB A_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/alpha/*.cpp)
    add_library(memhp_alpha STATIC ${A_SOURCES})
    add_library(memhp_beta STATIC ${PROJECT_SOURCE_DIR}/alpha/b.cpp)  # beta/ is its directory
    target_sources(memhp_alpha PUBLIC FILE_SET HEADERS BASE_DIRS include FILES
      include/memhp/a.h   # a comment
      include/memhp/ab.h)
    target_sources(memhp_beta PUBLIC FILE_SET HEADERS BASE_DIRS include FILES
      include/memhp/ab.h include/memhp/gone.h)
    target_sources(memhp_beta PRIVATE other.cpp)
  )";
  // (a)
  const auto libs = library_sources(lists);
  CHECK(libs.at("memhp_alpha") == std::vector<std::string>{"alpha/*.cpp"});
  CHECK(library_dir_problems(libs) == std::vector<std::string>{"memhp_beta builds alpha/b.cpp, outside beta/"});
  // (b)
  const auto claims = header_claims(lists);
  CHECK(claims.at("include/memhp/ab.h") == std::vector<std::string>{"memhp_alpha", "memhp_beta"});
  CHECK(claim_problems(claims, {"include/memhp/a.h", "include/memhp/ab.h", "include/memhp/c.h"}) ==
        std::vector<std::string>{"include/memhp/ab.h is claimed by 2 libraries",
                                 "include/memhp/c.h is claimed by no library",
                                 "memhp_beta claims include/memhp/gone.h, which does not exist"});
  // (c)
  const std::string header =
      "// A comment naming fake(x);\n"
      "#pragma once\n"
      "#include \"memhp/ops.h\"\n"
      "namespace memhp {\n"
      "int declared(const System& s, int nid,\n"
      "             Pfn start);\n"
      "std::string_view also_declared(Mutant m);\n"
      "inline bool inline_one(int x) { return x; }\n"
      "template <class F>\n"
      "void templated(F&& f) {\n"
      "  member(1);\n"
      "}\n"
      "struct S {\n"
      "  int member(int);\n"
      "};\n"
      "std::ostream& operator<<(std::ostream& o, Pfn p);\n"
      "static_assert(sizeof(int) == 4);\n"
      "}  // namespace memhp\n"
      "namespace memhp::k {\n"
      "int kernel_side(int);\n"
      "}  // namespace memhp::k\n";
  CHECK(declared_functions(header) ==
        std::set<std::string>{"memhp::also_declared", "memhp::declared", "memhp::k::kernel_side"});
  const std::string source =
      "namespace memhp {\n"
      "namespace {\n"
      "int helper(int) { return '{'; }\n"
      "}  // namespace\n"
      "int declared(const System& s, int nid,\n             Pfn start) {\n  return 0;\n}\n"
      "std::string_view also_declared(Mutant m) { return \"}\"; }\n"
      "int only_declared(int);\n"
      "void f() {\n  x = called(s, 0, p);\n  if (x) {\n  }\n}\n"
      "// int commented(int) {\n"
      "/* int commented_too(int) {\n*/\n"
      "bool operator==(const A&, const A&) { return true; }\n"
      "std::string Report::step(int) { return {}; }\n"
      "struct T {\n  int member(int) { return 0; }\n};\n"
      "}  // namespace memhp\n"
      "namespace memhp::smt {\n"
      "z3::expr declared(const z3::expr& x) { return x; }\n"
      "}  // namespace memhp::smt\n";
  CHECK(defined_functions(source) ==
        std::set<std::string>{"memhp::(anonymous)::helper", "memhp::Report::step", "memhp::also_declared",
                              "memhp::declared", "memhp::f", "memhp::smt::declared"});
  // (d)
  const std::string includes = "#include \"../model/internal.h\"\n#include \"internal.h\"\n#include \"memhp/ops.h\"\n";
  CHECK(include_problems("smt/enc.h", includes).size() == 2);
  CHECK(include_problems("model/sparse.cpp", includes).size() == 1);  // the relative path only
  CHECK(include_problems("tests/t.cpp", "#include \"model/internal.h\"\n").size() == 1);
  const auto linked = link_closure(
      "target_link_libraries(memhp_c PUBLIC memhp_b rapidcheck)\n"
      "target_link_libraries(memhp_b PUBLIC memhp_a PRIVATE memhp_z)\n");
  CHECK(linked.at("memhp_c") == std::set<std::string>{"memhp_a", "memhp_b", "memhp_z"});
  CHECK(linked.count("memhp_a") == 0);
  CHECK(public_includes("#include \"memhp/ops.h\"\n#include <memhp/x.h>\n#include \"diff.h\"\n") ==
        std::set<std::string>{"include/memhp/ops.h"});
  // (e)
  CHECK(cited_paths("see props/check.cpp and `trace/trace.cpp`, (explore/explore_key.cpp).") ==
        std::set<std::string>{"explore/explore_key.cpp", "props/check.cpp", "trace/trace.cpp"});
  CHECK(cited_paths("props/inv_*.cpp, smt/enc_*.{h,cpp}, model/<kernel file>.cpp, include/linux/mm.h, "
                    "mm/sparse.c, build/memhp, xprops/a.cpp")
            .empty());
  CHECK(cited_paths("props/inv_util.h/.cpp") == std::set<std::string>{"props/inv_util.h"});
  // (f)
  CHECK(sources_with_properties("set_source_files_properties(\n  ${PROJECT_SOURCE_DIR}/tests/a.cpp\n"
                                "  tests/b.cpp # c.cpp\n  PROPERTIES COMPILE_DEFINITIONS X=1)") ==
        std::set<std::string>{"tests/a.cpp", "tests/b.cpp"});
  CHECK(uses_paths("#include \"shell.h\"\n"));
  CHECK(uses_paths("x = MEMHP_SOURCE_DIR;"));
  CHECK_FALSE(uses_paths("#include \"fixtures.h\"\n"));
}

// ------------------------------------------------- the repository --

TEST_CASE("layout: each library builds the sources of its own directory") {
  const auto libs = library_sources(cmake());
  CHECK(libs.size() >= 7);
  for (const std::string& problem : library_dir_problems(libs)) CHECK_MESSAGE(false, problem);
  for (const auto& [lib, srcs] : libs) {
    CAPTURE(lib);
    CHECK(fs::is_directory(kSource / lib.substr(std::string("memhp_").size())));
  }
}

TEST_CASE("layout: every header in include/memhp is claimed by exactly one library") {
  const auto headers = public_headers();
  REQUIRE(headers.size() >= 10);
  for (const std::string& problem : claim_problems(header_claims(cmake()), headers)) CHECK_MESSAGE(false, problem);
}

TEST_CASE("layout: a public header's functions are defined by the library that claims it") {
  const auto claims = header_claims(cmake());
  const auto libs = library_sources(cmake());
  // What each library source defines.
  std::map<std::string, std::set<std::string>> defined;
  for (const auto& [lib, srcs] : libs)
    for (const fs::path& p : memhp::test::files_under(kSource / lib.substr(std::string("memhp_").size())))
      if (is_code(p)) defined[rel(p)] = defined_functions(slurp(p));
  std::size_t checked = 0;
  for (const auto& [header, owners] : claims) {
    if (owners.size() != 1 || !fs::exists(kSource / header)) continue;  // the claims test reports it
    for (const std::string& fn : declared_functions(slurp(kSource / header))) {
      CAPTURE(header);
      CAPTURE(fn);
      ++checked;
      std::vector<std::string> definers;
      for (const auto& [file, fns] : defined)
        if (fns.count(fn)) definers.push_back(file);
      const std::string dir = owners.front().substr(std::string("memhp_").size()) + "/";
      bool by_owner = false;
      for (const std::string& d : definers) {
        by_owner = by_owner || d.rfind(dir, 0) == 0;
        CHECK_MESSAGE(d.rfind(dir, 0) == 0, d << " defines " << fn << ", which " << header << " ("
                                              << owners.front() << ") declares");
      }
      CHECK_MESSAGE(by_owner, owners.front() << " (" << dir << ") does not define " << fn);
    }
  }
  CHECK(checked > 50);  // the scan found the declarations
}

TEST_CASE("layout: only model/ includes model/internal.h, and nothing includes by a relative path") {
  std::size_t files = 0;
  for (const fs::path& p : tree()) {
    if (!is_code(p)) continue;
    ++files;
    for (const std::string& problem : include_problems(rel(p), slurp(p))) CHECK_MESSAGE(false, problem);
  }
  CHECK(files > 100);
}

TEST_CASE("layout: a library includes the headers of include/memhp it links") {
  const auto claims = header_claims(cmake());
  const auto linked = link_closure(cmake());
  std::size_t includes = 0;
  for (const auto& [lib, srcs] : library_sources(cmake())) {
    const std::string dir = lib.substr(std::string("memhp_").size());
    std::set<std::string> may = {lib};
    if (linked.count(lib)) may.insert(linked.at(lib).begin(), linked.at(lib).end());
    for (const fs::path& p : memhp::test::files_under(kSource / dir)) {
      if (!is_code(p)) continue;
      for (const std::string& h : public_includes(slurp(p))) {
        ++includes;
        const auto it = claims.find(h);
        if (it == claims.end() || it->second.size() != 1) continue;  // the claims test reports it
        CHECK_MESSAGE(may.count(it->second.front()), rel(p) << " includes " << h << " of " << it->second.front()
                                                            << ", which " << lib << " does not link");
      }
    }
  }
  CHECK(includes > 20);
}

TEST_CASE("layout: every file of the repository the docs and the code cite exists") {
  std::size_t cited = 0;
  for (const fs::path& p : tree()) {
    const std::string e = p.extension().string();
    if (!is_code(p) && e != ".md" && e != ".sh" && e != ".py" && e != ".txt" && p.parent_path().filename() != ".ci")
      continue;
    for (const std::string& c : cited_paths(slurp(p))) {
      ++cited;
      CHECK_MESSAGE(fs::exists(kSource / c), rel(p) << " cites " << c << ", which does not exist");
    }
  }
  CHECK(cited > 100);
}

TEST_CASE("layout: the test sources given the checkout's path are those that use it") {
  std::set<std::string> users;
  for (const fs::path& p : memhp::test::files_under(kSource / "tests"))
    if (p.extension() == ".cpp" && uses_paths(slurp(p))) users.insert(rel(p));
  CHECK(users.size() >= 10);
  const std::set<std::string> listed = sources_with_properties(cmake());
  for (const std::string& f : users)
    CHECK_MESSAGE(listed.count(f), f << " uses MEMHP_SOURCE_DIR or MEMHP_BINARY but CMakeLists.txt does not give them");
  for (const std::string& f : listed)
    CHECK_MESSAGE(users.count(f), "CMakeLists.txt gives " << f << " the checkout's path, which it does not use");
}
