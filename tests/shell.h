// Running the memhp binary (and other commands) from a test, in a scratch
// directory of its own: ctest runs test cases in parallel. A test file that
// includes this needs MEMHP_BINARY and MEMHP_SOURCE_DIR (CMakeLists.txt).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "source_tree.h"  // slurp()

namespace memhp::test {

class Scratch {
 public:
  explicit Scratch(const std::string& tag)
      : dir_(std::filesystem::temp_directory_path() /
             ("memhp-test-" + std::to_string(::getpid()) + "-" + tag)) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return path(name);
  }

 private:
  std::filesystem::path dir_;
};

struct Exec {
  int status = -1;
  std::string out, err;
};

// Runs `cmd` under sh with stdin closed and both outputs captured.
inline Exec run_shell(const Scratch& s, const std::string& cmd) {
  const int rc = std::system(
      (cmd + " >'" + s.path("stdout") + "' 2>'" + s.path("stderr") + "' </dev/null").c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(s.path("stdout")), slurp(s.path("stderr"))};
}

inline Exec run_memhp(const Scratch& s, const std::string& args) {
  return run_shell(s, std::string("'") + MEMHP_BINARY + "' " + args);
}

}  // namespace memhp::test
