// What a step changed, as `memhp run` prints it under the step (report.h):
// the counters a kernel developer reads after a hotplug operation, in
// /proc/zoneinfo's and sysfs' terms, and where the memmap of the memory
// that came or went lives.
#include <array>
#include <map>
#include <set>

#include "diff.h"
#include "report.h"

namespace memhp {
namespace {

// "spanned 0 -> 32768" for each named counter that changed.
struct Counters {
  std::vector<std::string> parts;
  void num(const char* name, u64 a, u64 b, bool hexa = false) {
    if (a == b) return;
    auto show = [&](u64 v) { return hexa ? hex(v) : std::to_string(v); };
    parts.push_back(std::string(name) + " " + show(a) + " -> " + show(b));
  }
  void flag(const char* name, bool a, bool b) {
    if (a != b) parts.push_back(std::string(b ? "+" : "-") + name);
  }
  std::string joined() const {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
  }
};

void zone_changes(int nid, Zone z, const ZoneState& a, const ZoneState& b, std::vector<std::string>& out) {
  Counters c;
  c.num("start", a.zone_start_pfn, b.zone_start_pfn, true);
  c.num("spanned", a.spanned_pages, b.spanned_pages);
  c.num("present", a.present_pages, b.present_pages);
  c.num("managed", a.managed_pages, b.managed_pages);
  c.num("isolated pageblocks", static_cast<u64>(a.nr_isolate_pageblock), static_cast<u64>(b.nr_isolate_pageblock));
  c.flag("contiguous", a.contiguous, b.contiguous);
  if (!c.parts.empty())
    out.push_back("zone " + std::to_string(nid) + ":" + std::string(zone_name(z)) + ": " + c.joined());
}

void node_changes(int nid, const NodeState& a, const NodeState& b, std::vector<std::string>& out) {
  Counters c;
  c.num("start", a.node_start_pfn, b.node_start_pfn, true);
  c.num("spanned", a.node_spanned_pages, b.node_spanned_pages);
  c.num("present", a.node_present_pages, b.node_present_pages);
  c.flag("N_ONLINE", a.online, b.online);
  c.flag("N_MEMORY", a.has_memory, b.has_memory);
  c.flag("N_NORMAL_MEMORY", a.has_normal_memory, b.has_normal_memory);
  if (!c.parts.empty()) out.push_back("node " + std::to_string(nid) + ": " + c.joined());
  for (Zone z : kAllZones) zone_changes(nid, z, a.zones[zone_idx(z)], b.zones[zone_idx(z)], out);
}

std::string block_view(const MemoryBlock& m) {
  if (!m.present) return "absent";
  std::string out(block_state_name(m.state));
  if (m.zone) out += " " + std::string(zone_name(*m.zone));
  return out;
}

// Blocks whose state or zone changed, as runs: "blocks 32-34: absent ->
// offline".
void block_changes(const System& a, const System& b, std::vector<std::string>& out) {
  for (const auto& p : changed_pieces(a.blocks, b.blocks, block_view))
    out.push_back((p.hi - p.lo > 1 ? "blocks " + std::to_string(p.lo) + "-" + std::to_string(p.hi - 1)
                                   : "block " + std::to_string(p.lo)) +
                  ": " + p.old_value + " -> " + p.new_value);
}

// The memmap of hot-added sections, by where it came from: pages of the
// hot-added range itself (memmap_on_memory's altmap, or a pgmap's) or
// pages from the page allocator.
void memmap_changes(const System& a, const System& b, std::vector<std::string>& out) {
  auto totals = [](const System& s) {
    std::pair<u64, u64> t{0, 0};  // altmap, buddy
    s.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 lo, u64 hi, const SectionState& m) {
      t.first += (hi - lo) * m.memmap_altmap_pages;
      t.second += (hi - lo) * m.memmap_buddy_pages;
    });
    return t;
  };
  const auto [alt_a, buddy_a] = totals(a);
  const auto [alt_b, buddy_b] = totals(b);
  auto line = [&](u64 x, u64 y, const char* where) {
    if (x == y) return;
    const bool more = y > x;
    out.push_back("memmap: " + std::string(more ? "+" : "-") + std::to_string(more ? y - x : x - y) + " pages " +
                  where + " (now " + std::to_string(y) + ")");
  };
  line(alt_a, alt_b, "self-hosted in the hot-added range (altmap)");
  line(buddy_a, buddy_b, "from the page allocator");
}

// The page allocator's view, per node and zone: free pages (PageBuddy) and
// the pages allocated from them, movable (on the LRU, what offlining must
// migrate) or not. An `alloc` or `free` changes nothing else.
void page_changes(const System& a, const System& b, std::vector<std::string>& out) {
  using Census = std::map<std::pair<int, Zone>, std::array<u64, 3>>;  // free, movable, unmovable
  auto census = [](const System& s) {
    Census c;
    s.pages.for_each(0, RunMap<PageState>::kEnd, [&](u64 lo, u64 hi, const PageState& p) {
      std::size_t slot = 0;
      switch (p.kind) {
        case PageKind::Free: slot = 0; break;
        case PageKind::Movable: slot = 1; break;
        case PageKind::Unmovable: slot = 2; break;
        default: return;
      }
      c[{p.nid, p.zone}][slot] += hi - lo;
    });
    return c;
  };
  const Census before = census(a), after = census(b);
  std::set<std::pair<int, Zone>> zones;
  for (const auto& [z, n] : before) zones.insert(z);
  for (const auto& [z, n] : after) zones.insert(z);
  for (const auto& z : zones) {
    const auto count = [&z](const Census& c) { return c.count(z) ? c.at(z) : std::array<u64, 3>{}; };
    const std::array<u64, 3> x = count(before), y = count(after);
    Counters c;
    c.num("free", x[0], y[0]);
    c.num("movable", x[1], y[1]);
    c.num("unmovable", x[2], y[2]);
    if (!c.parts.empty())
      out.push_back("pages " + std::to_string(z.first) + ":" + std::string(zone_name(z.second)) + ": " + c.joined());
  }
}

}  // namespace

std::vector<std::string> step_changes(const System& a, const System& b) {
  std::vector<std::string> out;
  for (std::size_t nid = 0; nid < std::min(a.nodes.size(), b.nodes.size()); ++nid)
    node_changes(static_cast<int>(nid), a.nodes[nid], b.nodes[nid], out);
  block_changes(a, b, out);
  page_changes(a, b, out);
  memmap_changes(a, b, out);
  if (a.vmstat.nr_memmap_pages != b.vmstat.nr_memmap_pages)
    out.push_back("vmstat nr_memmap_pages " + std::to_string(a.vmstat.nr_memmap_pages) + " -> " +
                  std::to_string(b.vmstat.nr_memmap_pages));
  return out;
}

}  // namespace memhp
