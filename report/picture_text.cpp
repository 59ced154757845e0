// The terminal form of a picture: the pfn axis runs down the page, one row
// per stretch between two cuts, one column per lane. A segment's label
// stands in the row where it starts and '|' in the rows it goes on through,
// so a block spanning three section rows reads as one bar. What changed
// since the step before is listed in full under the table, as a diff: '-'
// for what the previous picture drew and this one does not, '+' for what
// this one draws anew.
#include <algorithm>
#include <map>

#include "diff.h"
#include "memhp/memmap_cost.h"
#include "picture.h"

namespace memhp {
namespace {

constexpr std::size_t kMaxCell = 26;

// ANSI colours by segment class: what is usable green, what the kernel
// holds blue or magenta, what is missing grey, ZONE_DEVICE red.
std::string_view colour_of(const std::string& cls) {
  static const std::map<std::string, std::string_view, std::less<>> kColours = {
      {"online", "32"},       {"free", "32"},          {"valid", "32"},     {"system-ram", "32"},
      {"offline", "33"},      {"going-offline", "33"}, {"partial", "33"},   {"isolated", "33"},
      {"movable", "36"},      {"unmovable", "34"},     {"early", "34"},     {"driver-managed", "36"},
      {"vmemmap", "35"},      {"memmap", "35;2"},      {"reserve", "35;2"}, {"altmap-free", "35;2"},
      {"hole", "90"},         {"absent", "90"},        {"invalid", "90"},   {"poisoned", "31;2"},
      {"device", "31"},       {"odd", "41;97"},
  };
  const auto it = kColours.find(cls);
  return it == kColours.end() ? std::string_view{} : it->second;
}

std::string fit(std::string s) {
  if (s.size() > kMaxCell) s = s.substr(0, kMaxCell - 1) + "~";
  return s;
}

struct Cell {
  std::string text;
  std::string cls;
};

// The cell of lane l in the row [lo, hi): the segment that covers it.
Cell cell(const Lane& l, u64 lo) {
  const auto it = std::find_if(l.segments.begin(), l.segments.end(),
                               [&](const Segment& g) { return g.start <= lo && lo < g.end; });
  if (it == l.segments.end()) return {};
  if (it->start < lo) return {"|", it->cls};
  return {fit(it->label.empty() ? "." : it->label), it->cls};
}

std::string pad(const std::string& s, std::size_t w) { return s + std::string(w > s.size() ? w - s.size() : 0, ' '); }

}  // namespace

std::string render_text(const Picture& p, bool colour) {
  const std::vector<u64> cuts = p.cuts();
  std::vector<std::vector<Cell>> rows;
  std::vector<std::string> head{"pfn", "size"};
  for (const Lane& l : p.lanes) head.push_back(fit(l.name));
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    std::vector<Cell> row{{hex(cuts[i]), ""}, {human_bytes((cuts[i + 1] - cuts[i]) * p.page_size), ""}};
    for (const Lane& l : p.lanes) row.push_back(cell(l, cuts[i]));
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].text.size());
  }
  std::string out = p.title + "\n";
  for (std::size_t c = 0; c < head.size(); ++c) out += pad(head[c], width[c] + 2);
  out += "\n";
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      const std::string_view code = colour ? colour_of(r[c].cls) : std::string_view{};
      const std::string text = pad(r[c].text, width[c]);
      line += code.empty() ? text : "\x1b[" + std::string(code) + "m" + text + "\x1b[0m";
      line += "  ";
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  for (const std::string& c : p.caption) out += c + "\n";
  std::vector<std::string> diff;
  for (const std::string& c : p.caption_gone) diff.push_back("  - " + c + "\n");
  for (const auto& [lane, g] : p.gone) diff.push_back("  - " + lane + ": " + g.detail + "\n");
  for (const std::string& c : p.caption_added) diff.push_back("  + " + c + "\n");
  for (const Lane& l : p.lanes)
    for (const Segment& g : l.segments)
      if (g.changed) diff.push_back("  + " + l.name + ": " + g.detail + "\n");
  if (!diff.empty()) out += "changed by this step:\n";
  for (const std::string& d : diff) out += d;
  return out;
}

}  // namespace memhp
