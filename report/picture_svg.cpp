// The SVG form of a picture: lanes are rows, the pfn axis runs left to
// right, one column per stretch between two cuts. A column is as wide as
// the logarithm of its length says (picture.h explains why), so the layout
// costs one pass over the cuts and the segments.
//
// The document is meant to be read by tools as well as people: every
// segment is a <g class="seg CLASS"> with data-lane, data-start and data-end
// (pfns, hex) and a <title> holding its full description, which is what
// tests/render/check_svg.py looks for.
#include <algorithm>
#include <bit>
#include <cstdio>

#include "diff.h"
#include "picture.h"

namespace memhp {
namespace {

constexpr int kLeft = 150;     // lane names
constexpr int kTop = 40;       // title
constexpr int kLaneH = 22, kLaneGap = 4;
constexpr double kCharW = 6.2;  // 11px sans-serif, roughly

// Column width for a stretch of n pfns: 14px, plus 5px per doubling.
int column_width(u64 n) { return 14 + 5 * static_cast<int>(std::bit_width(n)); }

struct Axis {
  std::vector<u64> cuts;
  std::vector<int> x;  // x[i]: where cuts[i] is drawn
  int at(u64 pfn) const {
    const auto it = std::lower_bound(cuts.begin(), cuts.end(), pfn);
    return x[static_cast<std::size_t>(it - cuts.begin())];
  }
};

Axis axis_of(const Picture& p) {
  Axis a{p.cuts(), {}};
  int x = kLeft;
  for (std::size_t i = 0; i < a.cuts.size(); ++i) {
    a.x.push_back(x);
    if (i + 1 < a.cuts.size()) x += column_width(a.cuts[i + 1] - a.cuts[i]);
  }
  return a;
}

std::string segment_svg(const Lane& l, const Segment& g, const Axis& a, int y) {
  const int x0 = a.at(g.start), x1 = a.at(std::min(g.end, a.cuts.back()));
  const int w = std::max(1, x1 - x0);
  std::string out = "<g class=\"seg " + xml_escape(g.cls) + (g.changed ? " changed" : "") + "\" data-lane=\"" +
                    xml_escape(l.name) + "\" data-start=\"" + hex(g.start) + "\" data-end=\"" + hex(g.end) + "\">";
  out += "<title>" + xml_escape(g.detail) + "</title>";
  out += "<rect x=\"" + std::to_string(x0) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(w) +
         "\" height=\"" + std::to_string(kLaneH) + "\"/>";
  const std::size_t room = static_cast<std::size_t>((w - 4) / kCharW);
  if (!g.label.empty() && room >= 3) {
    std::string text = g.label.size() <= room ? g.label : g.label.substr(0, room - 1) + "~";
    out += "<text x=\"" + std::to_string(x0 + 3) + "\" y=\"" + std::to_string(y + 15) + "\">" + xml_escape(text) + "</text>";
  }
  return out + "</g>\n";
}

constexpr std::string_view kStyle =
    "text{font:11px sans-serif;fill:#111}.lane-name{font-weight:bold}.title{font-size:13px}"
    ".axis{font:9px monospace;fill:#444}.seg rect{stroke:#fff;stroke-width:1}"
    ".seg.changed rect{stroke:#d00;stroke-width:3}.caption.changed{fill:#d00;font-weight:bold}"
    ".online rect,.free rect,.valid rect,.system-ram rect{fill:#9be39b}"
    ".offline rect,.going-offline rect,.partial rect{fill:#f3dd7a}"
    ".movable rect,.driver-managed rect{fill:#8fd3e8}.unmovable rect,.early rect{fill:#9db7ef}"
    ".vmemmap rect{fill:#d59be8}.memmap rect,.reserve rect,.altmap-free rect{fill:#ead2f2}"
    ".hole rect,.absent rect,.invalid rect{fill:#e4e4e4}.poisoned rect{fill:#f2b8b8}"
    ".device rect{fill:#f08a7e}.odd rect{fill:#ff3030}.node rect{fill:#cfcfcf}"
    ".dimm rect{fill:#c8e6c9}.dimm-disabled rect{fill:#eeeeee}.resource rect{fill:#d7ccc8}"
    ".reserved rect{fill:#bdbdbd}"
    ".zone-dma rect{fill:#ffe0b2}.zone-dma32 rect{fill:#ffcc80}.zone-normal rect{fill:#a5d6a7}"
    ".zone-movable rect{fill:#80deea}.zone-device rect{fill:#ef9a9a}";

}  // namespace

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      // Everything the model writes is ASCII; a byte that is not (a trace
      // may hold any) must not make the document ill-formed.
      default: out += (c >= 0x20 || c == '\n' || c == '\t') ? c : '?';
    }
  return out;
}

std::string render_svg(const Picture& p) {
  const Axis a = axis_of(p);
  // Wide enough for the axis and its last label, and for the longest line
  // of text (the caption and title run under and over the lanes).
  std::size_t longest = p.title.size();
  for (const std::string& c : p.caption) longest = std::max(longest, c.size());
  const int width = std::max(a.x.back() + 60, static_cast<int>(static_cast<double>(longest) * 7.0) + 20);
  const int lanes_h = static_cast<int>(p.lanes.size()) * (kLaneH + kLaneGap);
  const int axis_y = kTop + lanes_h;
  const int height = axis_y + 90 + 14 * static_cast<int>(p.caption.size());
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"memhp-picture\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height) + "\">\n";
  out += "<style>" + std::string(kStyle) + "</style>\n";
  out += "<text class=\"title\" x=\"4\" y=\"18\">" + xml_escape(p.title) + "</text>\n";
  int y = kTop;
  for (const Lane& l : p.lanes) {
    out += "<g class=\"lane\" data-lane=\"" + xml_escape(l.name) + "\"><text class=\"lane-name\" x=\"4\" y=\"" +
           std::to_string(y + 15) + "\">" + xml_escape(l.name) + "</text>\n";
    for (const Segment& g : l.segments) out += segment_svg(l, g, a, y);
    out += "</g>\n";
    y += kLaneH + kLaneGap;
  }
  // The axis: a tick at every cut, labelled where the labels do not collide.
  out += "<g class=\"axis\">\n";
  int last_label = -100;
  for (std::size_t i = 0; i < a.cuts.size(); ++i) {
    const std::string x = std::to_string(a.x[i]);
    out += "<line x1=\"" + x + "\" y1=\"" + std::to_string(axis_y) + "\" x2=\"" + x + "\" y2=\"" +
           std::to_string(axis_y + 5) + "\" stroke=\"#444\"/>";
    if (a.x[i] - last_label >= 11) {
      out += "<text class=\"axis\" transform=\"translate(" + x + "," + std::to_string(axis_y + 8) +
             ") rotate(60)\">" + hex(a.cuts[i]) + "</text>";
      last_label = a.x[i];
    }
    out += "\n";
  }
  out += "</g>\n";
  y = axis_y + 84;
  for (const std::string& c : p.caption) {
    const bool added = std::find(p.caption_added.begin(), p.caption_added.end(), c) != p.caption_added.end();
    out += std::string("<text class=\"caption") + (added ? " changed" : "") + "\" x=\"4\" y=\"" + std::to_string(y) + "\">" + xml_escape(c) + "</text>\n";
    y += 14;
  }
  return out + "</svg>\n";
}

}  // namespace memhp
