// Threaded traces (include/memhp/thread_trace.h): parse, print, start, step.
//
// The `thread` and `step` lines are taken out first and the rest is an
// ordinary trace, parsed by parse_trace() with its line numbers intact, so a
// threaded trace's header, boot and setup lines mean exactly what they mean
// in a trace. An op on a `thread` line is parsed the same way, on its own.
#include "memhp/thread_trace.h"

#include <charconv>
#include <sstream>

namespace memhp {
namespace {

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) {
    if (w[0] == '#') break;
    out.push_back(w);
  }
  return out;
}

std::optional<u64> number(std::string_view s) {
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  u64 v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, static_cast<int>(base));
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// `pfn_valid pfn=N` and `kmemleak_scan node=N`: one key each.
std::variant<ThreadOp, std::string> reader_op(const std::vector<std::string>& w) {
  const std::string key = w[0] == "pfn_valid" ? "pfn=" : "node=";
  if (w.size() != 2 || w[1].rfind(key, 0) != 0) return "'" + w[0] + "' takes exactly " + key + "N";
  const auto v = number(std::string_view(w[1]).substr(key.size()));
  if (!v) return "'" + w[1] + "' is not a number";
  if (w[0] == "pfn_valid") return ThreadOp{OpPfnValid{*v}};
  if (*v >= 8) return "node " + std::to_string(*v) + " is beyond MAX_NUMNODES (8)";
  return ThreadOp{OpKmemleakScan{static_cast<int>(*v)}};
}

std::variant<ThreadOp, std::string> parse_thread_op(const std::vector<std::string>& w, std::string_view text,
                                                    int lineno) {
  if (w[0] == "pfn_valid" || w[0] == "kmemleak_scan") return reader_op(w);
  auto one = parse_trace(std::string(text));
  if (auto* e = std::get_if<ParseError>(&one)) return e->message;
  const Trace& t = std::get<Trace>(one);
  if (t.steps.size() != 1) return "a thread line holds one op (line " + std::to_string(lineno) + ")";
  return ThreadOp{t.steps[0].op};
}

std::variant<int, std::string> thread_number(const std::string& w, std::size_t max) {
  const auto n = number(w);
  if (!n || *n < 1 || *n > max) return "thread '" + w + "': threads are numbered 1 to " + std::to_string(max);
  return static_cast<int>(*n);
}

struct Extracted {
  std::string rest;  // the text without thread/step/name/description lines
  std::vector<std::pair<int, std::string>> threads, steps;  // line number, text
  std::string name, description;
};

Extracted extract(const std::string& text) {
  Extracted x;
  std::istringstream in(text);
  int lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    const std::vector<std::string> w = words(line);
    const std::string first = w.empty() ? "" : w[0];
    if (first == "thread") x.threads.emplace_back(lineno, line);
    else if (first == "step") x.steps.emplace_back(lineno, line);
    else if (first == "name" && w.size() == 2) x.name = w[1];
    else if (first == "description") x.description = line.substr(line.find("description") + 12);
    else {
      x.rest += line;
    }
    x.rest += "\n";
  }
  return x;
}

}  // namespace

std::string print_thread_op(const ThreadOp& op) {
  if (const auto* o = std::get_if<Op>(&op)) return print_op(*o);
  if (const auto* p = std::get_if<OpPfnValid>(&op)) {
    std::ostringstream s;
    s << "pfn_valid pfn=0x" << std::hex << p->pfn;
    return s.str();
  }
  return "kmemleak_scan node=" + std::to_string(std::get<OpKmemleakScan>(op).nid);
}

StepArgs step_args(const ThreadOp& op) {
  StepArgs a;
  using K = StepArgs::Kind;
  if (const auto* p = std::get_if<OpPfnValid>(&op)) {
    a.kind = K::PfnValid;
    a.pfn = p->pfn;
    return a;
  }
  if (const auto* k = std::get_if<OpKmemleakScan>(&op)) {
    a.kind = K::KmemleakScan;
    a.nid = k->nid;
    return a;
  }
  const Op& o = std::get<Op>(op);
  a.body = [o](System& s) { return apply_op(s, o); };
  a.what = print_op(o) + ", whole";
  if (const auto* on = std::get_if<OpOnlineBlock>(&o)) {
    a.kind = K::Online;
    a.block = on->block;
    a.type = on->type;
  } else if (const auto* off = std::get_if<OpOfflineBlock>(&o)) {
    a.kind = K::Offline;
    a.block = off->block;
  } else if (std::holds_alternative<OpMemremap>(o) || std::holds_alternative<OpMemunmap>(o)) {
    a.kind = K::Memremap;
  } else if (std::holds_alternative<OpAddMemory>(o) || std::holds_alternative<OpDimmAdd>(o) ||
             std::holds_alternative<OpDimmRemove>(o) || std::holds_alternative<OpRemoveMemory>(o) ||
             std::holds_alternative<OpSysfsWrite>(o)) {
    a.kind = K::HotplugOp;
  }
  return a;
}

bool is_threaded_text(const std::string& text) { return !extract(text).threads.empty(); }

std::variant<ThreadedTrace, ParseError> parse_threaded_trace(const std::string& text, const CheckNames& names,
                                                             std::optional<KernelSpec> version) {
  const Extracted x = extract(text);
  auto base = parse_trace(x.rest, names, version);
  if (auto* e = std::get_if<ParseError>(&base)) return *e;
  ThreadedTrace t;
  t.base = std::move(std::get<Trace>(base));
  t.name = x.name;
  t.description = x.description;
  constexpr std::size_t kMaxThreads = 3;
  for (const auto& [lineno, line] : x.threads) {
    const std::vector<std::string> w = words(line);
    if (w.size() < 3) return ParseError{lineno, "expected 'thread N OP ...'"};
    const auto n = thread_number(w[1], kMaxThreads);
    if (auto* e = std::get_if<std::string>(&n)) return ParseError{lineno, *e};
    const std::size_t tid = static_cast<std::size_t>(std::get<int>(n));
    const std::string optext = line.substr(line.find(w[1]) + w[1].size());
    auto op = parse_thread_op({w.begin() + 2, w.end()}, optext, lineno);
    if (auto* e = std::get_if<std::string>(&op)) return ParseError{lineno, *e};
    if (t.threads.size() < tid) t.threads.resize(tid);
    t.threads[tid - 1].push_back(std::get<ThreadOp>(op));
  }
  for (std::size_t i = 0; i < t.threads.size(); ++i)
    if (t.threads[i].empty())
      return ParseError{x.threads.front().first, "thread " + std::to_string(i + 1) + " has no op"};
  for (const auto& [lineno, line] : x.steps) {
    const std::vector<std::string> w = words(line);
    if (w.size() != 2) return ParseError{lineno, "expected 'step N'"};
    const auto n = thread_number(w[1], t.threads.size());
    if (auto* e = std::get_if<std::string>(&n)) return ParseError{lineno, *e};
    t.schedule.push_back(std::get<int>(n) - 1);
    t.schedule_lines.push_back(lineno);
  }
  return t;
}

std::string print_threaded_trace(const ThreadedTrace& t, const std::vector<std::string>& notes) {
  std::string out = "# memhp threaded trace v1\n";
  if (!t.name.empty()) out += "name " + t.name + "\n";
  if (!t.description.empty()) out += "description " + t.description + "\n";
  const std::string base = print_trace(t.base);
  out += base.substr(base.find('\n') + 1);
  for (std::size_t i = 0; i < t.threads.size(); ++i)
    for (const ThreadOp& op : t.threads[i]) out += "thread " + std::to_string(i + 1) + " " + print_thread_op(op) + "\n";
  for (std::size_t i = 0; i < t.schedule.size(); ++i) {
    out += "step " + std::to_string(t.schedule[i] + 1);
    if (i < notes.size() && !notes[i].empty()) out += "  # " + notes[i];
    out += "\n";
  }
  return out;
}

std::variant<ThreadedState, std::string> threaded_start(const ThreadedTrace& t) {
  auto booted = boot_trace(t.base);
  if (auto* e = std::get_if<std::string>(&booted)) return *e;
  ThreadedState c;
  c.sys = std::move(std::get<System>(booted));
  for (const TraceStep& step : t.base.steps) {
    const Result r = apply_op(c.sys, step.op);
    if (!r.ok()) return "setup op '" + print_op(step.op) + "' failed: " + errno_name(r.err) + " " + r.reason + r.bug;
  }
  c.threads.resize(t.threads.size());
  return c;
}

StepOutcome step_thread(ThreadedState& c, const std::vector<ThreadProgram>& programs, int tid) {
  if (thread_finished(c, programs, tid)) return StepOutcome{};
  const ThreadState& t = c.threads[static_cast<std::size_t>(tid)];
  return thread_step(c, tid, step_args(programs[static_cast<std::size_t>(tid)][t.op]));
}

bool thread_finished(const ThreadedState& c, const std::vector<ThreadProgram>& programs, int tid) {
  return c.threads[static_cast<std::size_t>(tid)].op >= programs[static_cast<std::size_t>(tid)].size();
}

}  // namespace memhp
