// The failure store (see failure_store.h).
#include "failure_store.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>
#include <thread>

#include "replay.h"  // check_names()

namespace memhp {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kViolates = "# violates: ";

// The invariant becomes part of a file name: anything but [A-Za-z0-9_-]
// turns into '_', so a strange name cannot leave the directory or hide.
std::string file_stem(const std::string& invariant) {
  std::string out = invariant.empty() ? "unknown" : invariant;
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

std::string hash12(const std::string& text) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(text)));
  return std::string(buf, 12);
}

// Unique per process and thread, and not *.trace: a concurrent
// load_failures() never sees a half-written file.
fs::path temp_name(const fs::path& final_path) {
  auto tid = std::hash<std::thread::id>{}(std::this_thread::get_id());
  return final_path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(tid);
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw fs::filesystem_error("cannot write stored failure", p,
                               std::make_error_code(std::errc::io_error));
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

std::string violates_line(const std::string& text) {
  if (text.compare(0, kViolates.size(), kViolates) != 0) return {};
  auto end = text.find('\n');
  std::string name = text.substr(kViolates.size(), end == std::string::npos
                                                       ? std::string::npos
                                                       : end - kViolates.size());
  while (!name.empty() && (name.back() == ' ' || name.back() == '\r')) name.pop_back();
  return name;
}

StoredFailure load_one(const fs::path& p) {
  StoredFailure f;
  f.path = p.string();
  auto text = read_file(p);
  if (!text) {
    f.parse_error = f.path + ":1: cannot read";
    return f;
  }
  f.violates = violates_line(*text);
  auto parsed = parse_trace(*text, check_names());
  if (auto* e = std::get_if<ParseError>(&parsed))
    f.parse_error = f.path + ":" + std::to_string(e->line) + ": " + e->message;
  else
    f.trace = std::move(std::get<Trace>(parsed));
  return f;
}

}  // namespace

std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string store_failure(const std::string& dir, const Trace& t, const std::string& invariant) {
  const std::string printed = print_trace(t);
  fs::create_directories(dir);
  const fs::path path = fs::path(dir) / (file_stem(invariant) + "-" + hash12(printed) + ".trace");
  const fs::path tmp = temp_name(path);
  try {
    std::string name = invariant;  // one line, whatever the caller passed
    std::replace_if(name.begin(), name.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    write_file(tmp, std::string(kViolates) + name + "\n" + printed);
    fs::rename(tmp, path);  // atomic: readers see the old file or the new one
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  return path.string();
}

std::vector<StoredFailure> load_failures(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".trace" && it->is_regular_file(ec)) files.push_back(it->path());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  std::vector<StoredFailure> out;
  out.reserve(files.size());
  for (const auto& p : files) out.push_back(load_one(p));
  return out;
}

bool remove_failure(const std::string& path) {
  std::error_code ec;
  return fs::remove(path, ec) && !ec;
}

}  // namespace memhp
