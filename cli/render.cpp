// memhp render TRACE: draw the physical address space at a step of a trace:
// nodes, zones, sections and their subsection maps, memory blocks, the
// self-hosted vmemmap, ZONE_DEVICE ranges with their altmaps, and holes
// (report/picture.h says what each lane shows).
//
// The default is text for the terminal (coloured when stdout is a tty),
// of the last state; --svg and --html write a file ('-': stdout). Pictures
// are descriptions, not verdicts: the exit status is 0 whenever the picture
// was drawn, 2 for bad input.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "emit_test.h"
#include "memhp/thread_trace.h"
#include "picture.h"
#include "replay.h"

namespace memhp::cli {

namespace {

struct RenderOptions {
  std::string path;
  std::optional<KernelSpec> version;
  std::vector<std::string> faults;
  std::optional<u64> step;
  bool all = false;
  bool text = false;  // the default anyway; the flag says so explicitly
  std::string svg, html;
  std::string colour = "auto";
};

bool use_colour(const std::string& when) {
  if (when == "always") return true;
  if (when == "never") return false;
  return isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
}

int render(RenderOptions& o) {
  auto input = read_input(o.path, std::cerr);
  if (!input) return kExitUsage;
  if (is_threaded_text(input->text))
    return usage_error("render", input->name + ": a threaded trace; render draws sequential traces only "
                                               "(memhp replay steps through a threaded one)");
  MutantSet faults;
  apply_faults(o.faults, faults, o.version);
  std::optional<Trace> parsed = parse_with_faults(*input, faults, o.version);
  if (!parsed) return kExitUsage;
  Trace& t = *parsed;
  TracePictures p = trace_pictures(t);
  if (!p.boot_error.empty()) {
    std::cerr << input->name << ":" << first_boot_line(input->text) << ": " << p.boot_error << '\n';
    return kExitUsage;
  }
  if (!p.stopped.empty()) std::cerr << input->name << ": execution stopped at " << p.stopped << '\n';
  const u64 last = p.steps.size() - 1;
  if (o.step && *o.step > last)
    return usage_error("render", "--step " + std::to_string(*o.step) + ": the trace has " + std::to_string(last) +
                                     " executed steps (0 is the boot state)");
  std::vector<HtmlStep> chosen;
  if (o.all) chosen = std::move(p.steps);
  else chosen.push_back(std::move(p.steps[o.step.value_or(last)]));
  return write_pictures(chosen, input->name, o.svg, o.html, use_colour(o.colour));
}

}  // namespace

int write_pictures(const std::vector<HtmlStep>& steps, const std::string& name, const std::string& svg,
                   const std::string& html, bool colour) {
  auto write = [&](const std::string& file, const std::string& text) {
    if (file == "-") {
      std::cout << text;
      return true;
    }
    return write_output("memhp", file, text);
  };
  bool ok = true;
  if (!svg.empty()) ok = write(svg, render_svg(steps.back().picture)) && ok;
  if (!html.empty()) ok = write(html, render_html(steps, name)) && ok;
  if (svg.empty() && html.empty())
    for (const HtmlStep& s : steps) std::cout << render_text(s.picture, colour) << (steps.size() > 1 ? "\n" : "");
  return ok ? kExitOk : kExitUsage;
}

void add_counterexample_options(CLI::App& app, CounterexampleOutputs& o) {
  app.add_option("--emit-test", o.emit_dir, "write each counterexample as a doctest case into DIR (tests/emitted/)")
      ->type_name("DIR")
      ->check(nonempty());
  app.add_option("--svg", o.svg, "draw the counterexample's last state as SVG into FILE ('-': stdout)")
      ->type_name("FILE");
  app.add_option("--html", o.html, "draw every step of the counterexample as one HTML page into FILE ('-': stdout)")
      ->type_name("FILE");
}

bool write_counterexample(const Trace& t, const std::string& origin, const CounterexampleOutputs& o) {
  bool ok = true;
  if (!o.emit_dir.empty()) {
    auto e = emit_test(t, origin);
    const std::string err = std::holds_alternative<EmittedTest>(e)
                                ? write_emitted_test(std::get<EmittedTest>(e), o.emit_dir)
                                : std::get<std::string>(e);
    if (err.empty())
      std::cerr << "memhp: wrote " << o.emit_dir << "/" << std::get<EmittedTest>(e).file_name << "\n";
    else
      std::cerr << "memhp: --emit-test: " << err << "\n";
    ok = err.empty();
  }
  if (o.svg.empty() && o.html.empty()) return ok;
  // The printed text's line numbers, as the emitted case and replay use.
  auto parsed = parse_trace(print_trace(t), check_names());
  TracePictures p = trace_pictures(std::get<Trace>(parsed));
  if (p.steps.empty()) return false;
  return write_pictures(p.steps, origin, o.svg, o.html, false) == kExitOk && ok;
}

Run setup_render(CLI::App& app) {
  auto o = std::make_shared<RenderOptions>();
  app.add_option("TRACE", o->path, "the trace file, '-' for standard input")->required();
  add_profile_option(app, o->version);
  add_fault_option(app, o->faults);
  auto* step = app.add_option("--step", o->step, "draw the state after this many steps (0: the boot state; "
                                                 "default: the last)")
                   ->check(unsigned_number());
  app.add_flag("--all", o->all, "draw every step: one picture each (text), or one page that steps through "
                                "them (--html)")
      ->excludes(step);
  auto* svg = app.add_option("--svg", o->svg, "write the picture as SVG to FILE ('-': stdout)")->type_name("FILE");
  auto* html = app.add_option("--html", o->html,
                              "write an HTML page to FILE ('-': stdout), each step's changes outlined in red")
                   ->type_name("FILE")
                   ->excludes(svg);
  app.add_flag("--text", o->text, "the picture as text on stdout (the default)")->excludes(svg)->excludes(html);
  app.add_option("--colour,--color", o->colour, "colour the text: auto (when stdout is a tty and NO_COLOR is "
                                                "unset), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  return [o](const Chatter&) {
    if (o->all && !o->svg.empty()) return usage_error("render", "--all needs --html or text: an SVG is one picture");
    return render(*o);
  };
}

}  // namespace memhp::cli
