// Pictures of a trace, step by step (picture.h).
#include <algorithm>
#include <exception>

#include "diff.h"
#include "picture.h"
#include "report.h"

namespace memhp {

namespace {

// One executed step: the state after it, its title and its diff lines.
struct Executed {
  System after;
  std::string title;
  std::vector<std::string> diff;
};

// The step's first text line is the title; its WARNING:, note:, PARTIAL
// and BUG: lines go above the state diff.
Executed executed(const System& before, System after, const TraceStep& step, const Result& r) {
  const std::string text = text_step(step.line, step.op, r);
  const std::size_t nl = text.find('\n');
  Executed e{std::move(after), "after line " + text.substr(0, nl), {}};
  for (std::size_t at = nl + 1; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    e.diff.push_back(text.substr(at + 2, end - at - 2));  // drop the indent
    at = end + 1;
  }
  for (std::string& d : diff_systems(before, e.after)) e.diff.push_back(std::move(d));
  return e;
}

}  // namespace

TracePictures trace_pictures(const Trace& t, std::size_t max_steps) {
  TracePictures out;
  auto booted = boot_trace(t);
  if (auto* e = std::get_if<std::string>(&booted)) {
    out.boot_error = *e;
    return out;
  }
  System s = std::move(std::get<System>(booted));
  std::vector<Executed> states{{s, "boot: " + s.geo.name + ", " + profile_to_string(s.prof), {}}};
  for (std::size_t i = 0; i < t.steps.size() && i < max_steps; ++i) {
    const TraceStep& step = t.steps[i];
    Result r;
    try {
      r = apply_op(s, step.op);
    } catch (const std::exception& e) {
      out.stopped = "line " + std::to_string(step.line) + ": model threw: " + e.what();
      break;
    }
    states.push_back(executed(states.back().after, s, step, r));
    if (!r.bug.empty()) {
      out.stopped = "line " + std::to_string(step.line) + ": BUG: " + r.bug;
      break;
    }
  }
  // One axis for the whole trace: a step that removes the top of memory
  // must not make everything above look changed.
  u64 end = 0;
  for (const Executed& e : states) end = std::max(end, picture_end(e.after));
  for (Executed& e : states) {
    out.steps.push_back({picture_of(e.after, std::move(e.title), end), std::move(e.diff)});
    if (out.steps.size() > 1) mark_changes(out.steps.back().picture, out.steps[out.steps.size() - 2].picture);
  }
  return out;
}

}  // namespace memhp
