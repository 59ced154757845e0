// memhp check --jobs N: a campaign of N shards on this machine.
//
// RapidCheck keeps process-global state (its configuration, the current
// property), so shards cannot share a process: each runs as a child process
// of this same binary (/proc/self/exe) with `--shard I/N --json`, its stdout
// into a file of a scratch directory, and the parent merges the files as
// `memhp merge` does. The children do not touch the failure store (they run
// with --no-store): the parent replayed it before starting them and stores
// the merged violations after.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "campaign.h"
#include "commands.h"

extern char** environ;

namespace memhp::cli {

namespace {

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::vector<std::string> child_args(const JobsRequest& r, int index) {
  const CheckOptions& o = r.o;
  std::vector<std::string> a = {"memhp", "check", "--suite", o.suite, "--cases", std::to_string(o.cases),
                                "--steps", std::to_string(o.steps), "--seed", std::to_string(r.campaign_seed),
                                "--shard", std::to_string(index) + "/" + std::to_string(r.jobs),
                                "--shrink-seconds", number(o.shrink_seconds), "--no-store", "--json"};
  if (!o.only.empty()) a.insert(a.end(), {"--only", o.only});
  for (const std::string& m : r.mutants) a.insert(a.end(), {"--mutant", m});
  if (r.swarm) a.push_back("--swarm");
  if (o.version) a.insert(a.end(), {"--profile", print_kernel_spec(*o.version)});
  return a;
}

// Starts one shard with stdout to `out`; the child's pid, or -1.
pid_t spawn_shard(const std::vector<std::string>& args, const std::string& out) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (const std::string& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// A scratch directory, removed with everything in it when it goes.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "memhp-jobs-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The shards' results, or an error message.
std::variant<std::vector<NamedShard>, std::string> run_shards(const JobsRequest& r, const ScratchDir& dir) {
  std::vector<pid_t> pids;
  std::string error;
  for (int i = 0; i < r.jobs; ++i) {
    const pid_t pid = spawn_shard(child_args(r, i), dir.path() + "/shard-" + std::to_string(i) + ".json");
    if (pid < 0 && error.empty()) error = "cannot start shard " + std::to_string(i);
    pids.push_back(pid);
  }
  std::vector<NamedShard> out;
  for (int i = 0; i < r.jobs; ++i) {
    const std::string name = "shard " + std::to_string(i) + "/" + std::to_string(r.jobs);
    int status = 0;
    if (pids[i] < 0) continue;
    if (::waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
        (WEXITSTATUS(status) != kExitOk && WEXITSTATUS(status) != kExitFailed)) {
      if (error.empty())
        error = name + " did not finish (" +
                (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : std::string("killed")) +
                ")";
      continue;
    }
    auto in = read_input(dir.path() + "/shard-" + std::to_string(i) + ".json", std::cerr);
    if (!in) {
      if (error.empty()) error = "cannot read the output of " + name;
      continue;
    }
    auto res = read_shard_result(in->text);
    if (auto* e = std::get_if<std::string>(&res)) {
      if (error.empty()) error = name + ": " + *e;
      continue;
    }
    out.push_back(NamedShard{name, std::get<ShardResult>(std::move(res))});
  }
  if (!error.empty()) return error;
  return out;
}

}  // namespace

int run_jobs(const JobsRequest& r) {
  ScratchDir dir;
  if (dir.path().empty()) return usage_error("check", "cannot make a scratch directory for --jobs");
  auto shards = run_shards(r, dir);
  if (auto* e = std::get_if<std::string>(&shards)) return usage_error("check", *e);
  auto merged = merge_shards(std::get<std::vector<NamedShard>>(shards), r.o.coverage);
  if (auto* e = std::get_if<std::string>(&merged)) return usage_error("check", *e);
  return report_merged(std::get<MergedReport>(merged), "memhp check --jobs", r.json,
                       r.o.use_store ? r.o.store_dir : "");
}

}  // namespace memhp::cli
