// What a picture of a System shows (picture.h). One function per lane, each
// walking one System field's runs, so a lane has as many segments as its
// field has runs.
#include "picture.h"

#include <algorithm>

#include "diff.h"
#include "memhp/memmap_cost.h"
#include "memhp/proven/domain.h"
#include "memhp/proven/vmemmap.h"

namespace memhp {
namespace {

std::string span_text(u64 start, u64 end) {
  return "pfn " + hex(start) + "-" + hex(end - 1);
}

// The ids [lo, hi): "4" or "4-7".
std::string id_range(u64 lo, u64 hi) {
  return std::to_string(lo) + (hi - lo > 1 ? "-" + std::to_string(hi - 1) : "");
}

// "section 4" or "sections 4-7".
std::string ids(const char* what, u64 lo, u64 hi) {
  return std::string(what) + (hi - lo > 1 ? "s " : " ") + id_range(lo, hi);
}

}  // namespace

u64 picture_end(const System& s) {
  u64 end = 0;
  const Geometry& g = s.geo;
  for (const auto& [start, r] : s.iomem) end = std::max(end, g.pfn_of(r.end - 1).v + 1);
  for (const auto& [start, d] : s.dimms) end = std::max(end, g.pfn_of(d.start + d.size - 1).v + 1);
  for (const NodeState& n : s.nodes) end = std::max(end, n.node_end_pfn());
  for (const auto& [id, p] : s.pgmaps)
    for (const PfnRange& r : p.ranges) end = std::max(end, r.end.v);
  // The end of the last run that holds anything; a run that reaches the
  // end of the key space (a model bug) does not stretch the axis to 2^64.
  auto last_run_end = [&](const auto& map, auto&& there, u64 scale) {
    using Map = std::decay_t<decltype(map)>;
    map.for_each(0, Map::kEnd, [&](u64, u64 hi, const auto& v) {
      if (there(v) && hi != Map::kEnd && hi <= ~u64{0} / scale) end = std::max(end, hi * scale);
    });
  };
  last_run_end(s.sections, [](const SectionState& m) { return !(m == SectionState{}); }, g.pages_per_section());
  last_run_end(s.blocks, [](const MemoryBlock& m) { return m.present; }, g.block_pages());
  last_run_end(s.pages, [](const PageState& p) { return !(p == PageState{}); }, 1);
  last_run_end(s.pgmap_array, [](int v) { return v != 0; }, 1);
  const u64 sec = g.pages_per_section();
  end = std::max<u64>(end, 1);
  return end > ~u64{0} - sec ? end : (end + sec - 1) / sec * sec;
}

namespace {

void add(Lane& l, u64 start, u64 end, std::string cls, std::string label, std::string detail) {
  if (start < end) l.segments.push_back({start, end, std::move(cls), std::move(label), std::move(detail)});
}

Lane iomem_lane(const System& s, u64 end) {
  Lane l{"iomem", {}};
  u64 at = 0;
  for (const auto& [start, r] : s.iomem) {
    const u64 lo = s.geo.pfn_of(r.start).v, hi = s.geo.pfn_of(r.end - 1).v + 1;
    add(l, at, std::min(lo, end), "hole", "hole", span_text(at, lo) + ": no resource");
    const char* cls = !r.system_ram ? "resource" : r.driver_managed ? "driver-managed" : "system-ram";
    add(l, lo, hi, cls, r.name, describe(r));
    at = std::max(at, hi);
  }
  add(l, at, end, "hole", "hole", span_text(at, end) + ": no resource");
  return l;
}

Lane dimm_lane(const System& s) {
  Lane l{"ACPI DIMMs", {}};
  for (const auto& [start, d] : s.dimms)
    add(l, s.geo.pfn_of(d.start).v, s.geo.pfn_of(d.start + d.size - 1).v + 1,
        d.enabled ? "dimm" : "dimm-disabled", "DIMM nid " + std::to_string(d.nid), "ACPI memory device " + describe(d));
  return l;
}

std::string node_flags(const NodeState& n) {
  std::string out;
  auto flag = [&](bool on, const char* name) {
    if (on) out += (out.empty() ? "" : " ") + std::string(name);
  };
  flag(n.possible, "possible");
  flag(n.online, "N_ONLINE");
  flag(n.has_memory, "N_MEMORY");
  flag(n.has_normal_memory, "N_NORMAL_MEMORY");
  flag(n.has_cpu, "cpu");
  return out.empty() ? "not possible" : out;
}

std::string zone_detail(const ZoneState& zs) {
  return "zone_start_pfn " + hex(zs.zone_start_pfn) +
         ", spanned " + std::to_string(zs.spanned_pages) + ", present " + std::to_string(zs.present_pages) +
         " (early " + std::to_string(zs.present_early_pages) + "), managed " + std::to_string(zs.managed_pages) +
         ", isolated pageblocks " + std::to_string(zs.nr_isolate_pageblock) +
         (zs.contiguous ? ", contiguous" : "");
}

// A node's span, then one lane per zone that spans anything. A zone that
// spans nothing but counts pages (a broken model) goes to the caption.
void node_lanes(const System& s, std::vector<Lane>& lanes, std::vector<std::string>& caption) {
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    const NodeState& n = s.nodes[i];
    const int nid = static_cast<int>(i);
    if (!n.node_spanned_pages && (n.possible || !(n == NodeState{})))
      caption.push_back("node " + std::to_string(nid) + ": " + node_flags(n) + ", start " + hex(n.node_start_pfn) +
                        ", spanned " + std::to_string(n.node_spanned_pages) + ", present " +
                        std::to_string(n.node_present_pages));
    if (n.node_spanned_pages) {
      Lane l{"node " + std::to_string(nid), {}};
      add(l, n.node_start_pfn, n.node_end_pfn(), "node", "node " + std::to_string(nid),
          node_flags(n) + ", start " + hex(n.node_start_pfn) + ", spanned " + std::to_string(n.node_spanned_pages) +
              ", present " + std::to_string(n.node_present_pages));
      lanes.push_back(std::move(l));
    }
    for (Zone z : kAllZones) {
      const ZoneState& zs = n.zones[zone_idx(z)];
      if (zs == ZoneState{}) continue;
      const std::string name = std::to_string(nid) + ":" + std::string(zone_name(z));
      if (zs.is_empty()) {
        caption.push_back(name + ": " + zone_detail(zs) + " (spans nothing)");
        continue;
      }
      std::string cls = "zone-" + std::string(zone_name(z));
      std::transform(cls.begin(), cls.end(), cls.begin(), [](unsigned char c) { return std::tolower(c); });
      Lane l{name, {}};
      add(l, zs.zone_start_pfn, zs.end_pfn(), cls, name + " " + std::to_string(zs.managed_pages) + " managed",
          zone_detail(zs));
      lanes.push_back(std::move(l));
    }
  }
}

std::string section_class(const SectionState& m) {
  if (m == SectionState{}) return "absent";
  if (m.early) return "early";
  if (m.taint_zone_device) return "device";
  if (m.online) return "online";
  if (m.present && m.has_mem_map) return "offline";
  return "odd";  // a combination no kernel path leaves at rest
}

Lane section_lane(const System& s, u64 end) {
  Lane l{"sections", {}};
  const u64 per = s.geo.pages_per_section();
  s.sections.for_each(0, (end + per - 1) / per, [&](u64 lo, u64 hi, const SectionState& m) {
    const std::string cls = section_class(m);
    add(l, lo * per, std::min(hi * per, end), cls, cls == "absent" ? "" : "sec " + id_range(lo, hi),
        ids("section", lo, hi) + ": " + describe(m));
  });
  return l;
}

// The subsection map where it matters: a section whose map is neither full
// nor empty is drawn bit run by bit run; the rest as one segment per run.
Lane subsection_lane(const System& s, u64 end) {
  Lane l{"subsections", {}};
  const Geometry& g = s.geo;
  const u64 per = g.pages_per_section(), sub = g.pages_per_subsection();
  const unsigned n = static_cast<unsigned>(g.subsections_per_section());
  s.sections.for_each(0, (end + per - 1) / per, [&](u64 lo, u64 hi, const SectionState& m) {
    const std::size_t bits = m.subsection_map.count();
    if (bits == 0 || bits == n || hi - lo > 64) {
      if (bits == 0 && !m.present && !m.has_mem_map) return;  // nothing there
      add(l, lo * per, std::min(hi * per, end), bits == n ? "valid" : bits == 0 ? "invalid" : "partial",
          std::to_string(bits) + "/" + std::to_string(n),
          ids("section", lo, hi) + ": " + std::to_string(bits) + " of " + std::to_string(n) +
              " subsections valid");
      return;
    }
    for (u64 nr = lo; nr < hi; ++nr)
      for (unsigned i = 0; i < n;) {
        unsigned j = i;
        while (j < n && m.subsection_map[j] == m.subsection_map[i]) ++j;
        const bool valid = m.subsection_map[i];
        add(l, nr * per + i * sub, nr * per + j * sub, valid ? "valid" : "invalid",
            (valid ? "ss " : "no ss ") + std::to_string(i) + (j - i > 1 ? "-" + std::to_string(j - 1) : ""),
            "section " + std::to_string(nr) + " subsections " + std::to_string(i) + "-" + std::to_string(j - 1) +
                (valid ? ": valid" : ": not valid"));
        i = j;
      }
  });
  return l;
}

Lane block_lane(const System& s, u64 end) {
  Lane l{"memory blocks", {}};
  const u64 per = s.geo.block_pages();
  s.blocks.for_each(0, (end + per - 1) / per, [&](u64 lo, u64 hi, const MemoryBlock& m) {
    if (!m.present) return;
    std::string label = "mem " + id_range(lo, hi) + " " + std::string(block_state_name(m.state));
    if (m.zone) label += " " + std::string(zone_name(*m.zone));
    std::string detail = ids("block", lo, hi) + ": " + describe(m);
    if (const auto gr = s.groups.find(m.group); gr != s.groups.end()) detail += " (" + describe(gr->second) + ")";
    add(l, lo * per, std::min(hi * per, end), std::string(block_state_name(m.state)), label, detail);
  });
  return l;
}

// A vmemmap page is self-hosted: in a memory block it is the block's
// memmap_on_memory vmemmap, in a pgmap's range its altmap's.
std::string page_label(const System& s, u64 pfn, const PageState& p) {
  if (p.kind == PageKind::Vmemmap) return s.pgmap_of(Pfn{pfn}) ? "vmemmap (altmap)" : "vmemmap (self-hosted)";
  if (p.kind == PageKind::Memmap) return "memmap of sec " + std::to_string(p.owner - 1);
  if (p.kind == PageKind::Absent) return "";
  return std::string(page_kind_name(p.kind));
}

Lane page_lane(const System& s, u64 end) {
  Lane l{"pages", {}};
  s.pages.for_each(0, end, [&](u64 lo, u64 hi, const PageState& p) {
    std::string cls(page_kind_name(p.kind));
    std::transform(cls.begin(), cls.end(), cls.begin(), [](unsigned char c) { return std::tolower(c); });
    add(l, lo, hi, cls, page_label(s, lo, p), span_text(lo, hi) + " (" + std::to_string(hi - lo) + " pages): " +
                                                   describe(p));
  });
  return l;
}

// Whether the pgmap's memmap is deduplicated: vmemmap_can_optimize().
std::string dedup_text(const System& s, const DevPagemap& p) {
  if (p.vmemmap_shift == 0) return "base pages";
  const proven::Concrete d;
  const bool dedup = proven::compound_path(d, proven::geometry_words<proven::Concrete>(s.geo), p.vmemmap_shift,
                                           p.altmap.has_value());
  return "compound pages of " + human_bytes(s.geo.page_size() << p.vmemmap_shift) +
         (dedup ? ", tail vmemmap deduplicated" : ", no vmemmap dedup");
}

void device_lanes(const System& s, u64 end, std::vector<Lane>& lanes) {
  Lane dev{"ZONE_DEVICE", {}}, alt{"altmap", {}}, xa{"pgmap_array", {}};
  for (const auto& [id, p] : s.pgmaps) {
    const std::string name = "pgmap " + std::to_string(id) + " " + std::string(pgmap_type_name(p.type));
    for (const PfnRange& r : p.ranges)
      add(dev, r.start.v, r.end.v, "device", name, name + ": " + describe(p) + "; " + dedup_text(s, p));
    if (!p.altmap) continue;
    const DevAltmap& a = *p.altmap;
    const u64 base = a.base_pfn, used = base + a.reserve + a.align + a.alloc;
    add(alt, base, base + a.reserve, "reserve", "reserve", name + " altmap: " + std::to_string(a.reserve) +
                                                               " pages reserved for the driver");
    add(alt, base + a.reserve, used, "vmemmap", "altmap memmap",
        name + " altmap: " + std::to_string(a.alloc) + " pages of memmap, " + std::to_string(a.align) + " of alignment");
    add(alt, used, base + a.reserve + a.free, "altmap-free", "altmap free",
        name + " altmap: " + std::to_string(base + a.reserve + a.free - used) + " pages still free");
  }
  s.pgmap_array.for_each(0, end, [&](u64 lo, u64 hi, int v) {
    if (v) add(xa, lo, hi, "device", "pgmap " + std::to_string(v - 1), span_text(lo, hi) + " -> pgmap " + std::to_string(v - 1));
  });
  for (Lane* l : {&dev, &alt, &xa}) lanes.push_back(std::move(*l));
}

std::vector<std::string> caption_of(const System& s) {
  std::vector<std::string> c;
  c.push_back(s.geo.name + ", " + profile_to_string(s.prof));
  for (const auto& [id, gr] : s.groups) c.push_back("memory group " + std::to_string(id) + ": " + describe(gr));
  c.push_back("vmstat nr_memmap_pages " + std::to_string(s.vmstat.nr_memmap_pages) + ", nr_memmap_boot_pages " +
              std::to_string(s.vmstat.nr_memmap_boot_pages));
  if (!(s.notifier == MemoryNotifier{})) c.push_back("memory notifier: " + describe(s.notifier));
  if (s.lru_disable_count) c.push_back("lru_disable_count " + std::to_string(s.lru_disable_count));
  return c;
}

}  // namespace

std::vector<u64> Picture::cuts() const {
  std::vector<u64> c{0, end_pfn};
  for (const Lane& l : lanes)
    for (const Segment& g : l.segments) {
      c.push_back(std::min(g.start, end_pfn));
      c.push_back(std::min(g.end, end_pfn));
    }
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}

bool Picture::same_drawing(const Picture& o) const {
  return end_pfn == o.end_pfn && caption == o.caption && lanes == o.lanes;
}

Picture picture_of(const System& s, std::string title, u64 end_pfn) {
  Picture p;
  p.title = std::move(title);
  p.end_pfn = std::max(end_pfn, picture_end(s));
  p.page_size = s.geo.page_size();
  p.caption = caption_of(s);
  std::vector<Lane> lanes{iomem_lane(s, p.end_pfn), dimm_lane(s)};
  node_lanes(s, lanes, p.caption);
  for (Lane l : {section_lane(s, p.end_pfn), subsection_lane(s, p.end_pfn), block_lane(s, p.end_pfn),
                 page_lane(s, p.end_pfn)})
    lanes.push_back(std::move(l));
  device_lanes(s, p.end_pfn, lanes);
  for (Lane& l : lanes)
    if (!l.segments.empty()) p.lanes.push_back(std::move(l));
  return p;
}

void mark_changes(Picture& now, const Picture& before) {
  auto lane_in = [](const Picture& p, const std::string& name) -> const Lane* {
    const auto it = std::find_if(p.lanes.begin(), p.lanes.end(), [&](const Lane& l) { return l.name == name; });
    return it == p.lanes.end() ? nullptr : &*it;
  };
  auto drawn = [](const Lane* l, const Segment& g) {
    return l && std::find(l->segments.begin(), l->segments.end(), g) != l->segments.end();
  };
  for (Lane& l : now.lanes) {
    const Lane* old = lane_in(before, l.name);
    for (Segment& g : l.segments) g.changed = !drawn(old, g);
  }
  now.gone.clear();
  now.caption_added.clear();
  now.caption_gone.clear();
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  for (const std::string& c : now.caption)
    if (!has(before.caption, c)) now.caption_added.push_back(c);
  for (const std::string& c : before.caption)
    if (!has(now.caption, c)) now.caption_gone.push_back(c);
  for (const Lane& b : before.lanes) {
    const Lane* cur = lane_in(now, b.name);
    for (const Segment& g : b.segments)
      if (!drawn(cur, g)) now.gone.emplace_back(b.name, g);
  }
}

}  // namespace memhp
