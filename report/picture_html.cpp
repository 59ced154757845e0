// The HTML form: one page holding the picture of every step, shown one at a
// time. Each step's picture marks what that step changed (a red outline),
// and lists the step's state diff under it. The page carries its own style
// and a few lines of script and fetches nothing; without script every step
// is simply shown, one under the other.
#include "picture.h"

namespace memhp {
namespace {

constexpr std::string_view kPageStyle =
    "body{font:14px sans-serif;margin:1em}nav{position:sticky;top:0;background:#fff;padding:.4em 0;"
    "border-bottom:1px solid #ccc}section.step{margin:1em 0}ul.diff{font:12px monospace;max-height:14em;"
    "overflow:auto}.picture{overflow-x:auto}";

// Steps through the sections; left and right arrows do the same.
constexpr std::string_view kScript = R"(
(function () {
  var steps = document.querySelectorAll('section.step');
  var where = document.getElementById('where'), slider = document.getElementById('slider');
  var at = 0;
  function show(i) {
    at = Math.max(0, Math.min(steps.length - 1, i));
    steps.forEach(function (s, k) { s.hidden = k !== at; });
    where.textContent = 'step ' + at + ' of ' + (steps.length - 1);
    slider.value = at;
  }
  document.getElementById('prev').onclick = function () { show(at - 1); };
  document.getElementById('next').onclick = function () { show(at + 1); };
  slider.oninput = function () { show(+slider.value); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowLeft') show(at - 1);
    if (e.key === 'ArrowRight') show(at + 1);
  });
  show(steps.length - 1);
})();
)";

std::string step_section(const HtmlStep& s, std::size_t i) {
  std::string out = "<section class=\"step\" id=\"step-" + std::to_string(i) + "\" data-step=\"" +
                    std::to_string(i) + "\">\n<h2>" + xml_escape(s.picture.title) + "</h2>\n";
  if (!s.diff.empty()) {
    out += "<ul class=\"diff\">\n";
    for (const std::string& d : s.diff) out += "<li>" + xml_escape(d) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "<div class=\"picture\">\n" + render_svg(s.picture) + "</div>\n</section>\n";
}

}  // namespace

std::string render_html(const std::vector<HtmlStep>& steps, const std::string& title) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>memhp: " +
                    xml_escape(title) + "</title>\n<style>" + std::string(kPageStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>" + xml_escape(title) + "</h1>\n";
  const std::string last = std::to_string(steps.empty() ? 0 : steps.size() - 1);
  out += "<nav><button id=\"prev\">&larr; previous</button> <span id=\"where\">" + std::to_string(steps.size()) +
         " steps</span> <button id=\"next\">next &rarr;</button> <input type=\"range\" id=\"slider\" min=\"0\" max=\"" +
         last + "\" value=\"" + last + "\"></nav>\n";
  for (std::size_t i = 0; i < steps.size(); ++i) out += step_section(steps[i], i);
  return out + "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
}

}  // namespace memhp
