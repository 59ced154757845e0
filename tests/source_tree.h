// Reading files, and the checkout itself for the tests that hold the
// repository's text to its rules (test_docs.cpp, test_layout.cpp). A test
// file that includes this needs MEMHP_SOURCE_DIR (CMakeLists.txt).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace memhp::test {

namespace fs = std::filesystem;

inline const fs::path kSource = MEMHP_SOURCE_DIR;

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline bool is_build_dir(const fs::path& dir) { return fs::exists(dir / "CMakeCache.txt"); }

// Every regular file below root (or root itself), without .git, in-tree
// build directories and `skip` (a test file that holds broken examples as
// test data).
inline std::vector<fs::path> files_under(const fs::path& root, const fs::path& skip = {}) {
  std::vector<fs::path> out;
  if (!fs::exists(root)) return out;
  if (fs::is_regular_file(root)) return {root};
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path& p = it->path();
    if (it->is_directory() && (p.filename() == ".git" || is_build_dir(p))) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && p.filename() != ".git" && p != skip) out.push_back(p);
  }
  return out;
}

}  // namespace memhp::test
