// State diffs (see diff.h; the library as a whole is described in
// report.cpp).
#include "diff.h"

#include <cstdio>
#include <functional>

#include "memhp/ops.h"

namespace memhp {

std::string hex(u64 v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string describe(const Resource& r) {
  return hex(r.start) + "-" + hex(r.end - 1) + " " + r.name + (r.system_ram ? " SYSTEM_RAM" : "") +
         (r.driver_managed ? " DRIVER_MANAGED" : "") + (r.mergeable ? " MERGEABLE" : "");
}

std::string describe(const MemoryGroup& g) {
  return "nid " + std::to_string(g.nid) + (g.is_dynamic ? ", dynamic unit " : ", static max ") +
         std::to_string(g.max_pages) + ", kernel " + std::to_string(g.present_kernel_pages) + ", movable " +
         std::to_string(g.present_movable_pages);
}

std::string describe(const AcpiMemoryDevice& d) {
  return hex(d.start) + "+" + hex(d.size) + " nid " + std::to_string(d.nid) + " group " + std::to_string(d.mgid) +
         (d.enabled ? " enabled" : " disabled");
}

std::string describe(const MemoryNotifier& n) {
  return "going_online " + errno_name(n.going_online_errno) + ", going_offline " +
         errno_name(n.going_offline_errno);
}

namespace {

std::string range(const char* what, u64 lo, u64 hi, bool hexa) {
  auto num = [&](u64 v) { return hexa ? hex(v) : std::to_string(v); };
  return std::string(what) + " " + (hi - lo == 1 ? num(lo) : num(lo) + "-" + num(hi - 1));
}

std::string describe(int pgmap_entry);  // for diff_runs() over pgmap_array

// Where the differences go: each is a DiffEntry of the System field being
// compared (for_each_field() names it).
struct Sink {
  std::vector<DiffEntry>& out;
  std::string field;
  void change(std::string what, std::string a, std::string b) {
    out.push_back({field, std::move(what), std::move(a), std::move(b), false});
  }
  void keyed(std::string what, std::optional<std::string> a, std::optional<std::string> b) {
    out.push_back({field, std::move(what), std::move(a), std::move(b), true});
  }
};

// Pieces of the key space where a and b hold different values, with
// neighbouring pieces that changed the same way merged.
template <class V>
void diff_runs(const RunMap<V>& a, const RunMap<V>& b, const char* what, bool hexa, Sink& out) {
  for (const auto& p : changed_pieces(a, b, [](const V& v) { return v; }))
    out.change(range(what, p.lo, p.hi, hexa), describe(p.old_value), describe(p.new_value));
}

void diff_num(const std::string& what, u64 a, u64 b, Sink& out) {
  if (a != b) out.change(what, std::to_string(a), std::to_string(b));
}

void diff_flag(const std::string& what, bool a, bool b, Sink& out) {
  if (a != b) out.change(what, a ? "yes" : "no", b ? "yes" : "no");
}

void diff_zone(const std::string& zn, const ZoneState& p, const ZoneState& q, Sink& out) {
  diff_num(zn + " start_pfn", p.zone_start_pfn, q.zone_start_pfn, out);
  diff_num(zn + " spanned", p.spanned_pages, q.spanned_pages, out);
  diff_num(zn + " present", p.present_pages, q.present_pages, out);
  diff_num(zn + " present_early", p.present_early_pages, q.present_early_pages, out);
  diff_num(zn + " managed", p.managed_pages, q.managed_pages, out);
  diff_flag(zn + " contiguous", p.contiguous, q.contiguous, out);
  if (p.nr_isolate_pageblock != q.nr_isolate_pageblock)
    out.change(zn + " nr_isolate_pageblock", std::to_string(p.nr_isolate_pageblock),
               std::to_string(q.nr_isolate_pageblock));
}

void diff_node(int nid, const NodeState& x, const NodeState& y, Sink& out) {
  const std::string n = "node " + std::to_string(nid);
  diff_flag(n + " possible", x.possible, y.possible, out);
  diff_flag(n + " online", x.online, y.online, out);
  diff_flag(n + " N_MEMORY", x.has_memory, y.has_memory, out);
  diff_flag(n + " N_NORMAL_MEMORY", x.has_normal_memory, y.has_normal_memory, out);
  diff_flag(n + " has_cpu", x.has_cpu, y.has_cpu, out);
  diff_num(n + " start_pfn", x.node_start_pfn, y.node_start_pfn, out);
  diff_num(n + " spanned", x.node_spanned_pages, y.node_spanned_pages, out);
  diff_num(n + " present", x.node_present_pages, y.node_present_pages, out);
  for (Zone z : kAllZones)
    diff_zone("zone " + std::to_string(nid) + ":" + std::string(zone_name(z)), x.zones[zone_idx(z)],
              y.zones[zone_idx(z)], out);
}

template <class K, class V>
void diff_maps(const std::map<K, V>& a, const std::map<K, V>& b, const std::string& what,
               const std::function<std::string(const K&, const V&)>& show,
               Sink& out) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end())
      out.keyed(what, show(k, v), std::nullopt);
    else if (!(it->second == v))
      out.keyed(what, show(k, v), show(k, it->second));
  }
  for (const auto& [k, v] : b)
    if (!a.count(k)) out.keyed(what, std::nullopt, show(k, v));
}

std::string describe(const Geometry& g) {
  return g.name + " (page_shift " + std::to_string(g.page_shift) + ", section_size_bits " +
         std::to_string(g.section_size_bits) + ", subsection_shift " + std::to_string(g.subsection_shift) +
         ", pageblock_order " + std::to_string(g.pageblock_order) + ", max_order " +
         std::to_string(g.max_order) + ", struct page " + std::to_string(g.struct_page_size) +
         ", pmd_shift " + std::to_string(g.pmd_shift) + ", max_physmem_bits " +
         std::to_string(g.max_physmem_bits) + ", block " + hex(g.block_bytes) + ", arch " +
         (g.arch == Arch::X86_64 ? "x86_64" : g.arch == Arch::Arm64 ? "arm64" : "ppc64") + ", memmap_on_memory " +
         (g.arch_memmap_on_memory ? "yes" : "no") + ")";
}

std::string describe(MutantSet m) {
  std::string out;
  for (const MutantInfo& info : mutant_registry())
    if (m.has(id_of(info))) out += (out.empty() ? "" : ",") + std::string(info.name);
  return out.empty() ? "none" : out;
}

std::string describe(int pgmap_entry) {  // a pgmap_array value
  return pgmap_entry == 0 ? "none" : "pgmap " + std::to_string(pgmap_entry - 1);
}


// One overload per System field type, each with the label its lines start
// with; for_each_field() calls the right one for every field.
struct FieldDiff {
  Sink& out;

  void operator()(const char*, const Geometry& a, const Geometry& b) const {
    if (!(a == b)) out.change("geometry", describe(a), describe(b));
  }
  void operator()(const char*, const Profile& a, const Profile& b) const {
    if (!(a == b)) out.change("profile", profile_to_string(a), profile_to_string(b));
  }
  void operator()(const char*, MutantSet a, MutantSet b) const {
    if (!(a == b)) out.change("mutants", describe(a), describe(b));
  }
  void operator()(const char*, const std::map<u64, Resource>& a, const std::map<u64, Resource>& b) const {
    diff_maps<u64, Resource>(a, b, "iomem",
                             [](const u64&, const Resource& r) { return describe(r); },
                             out);
  }
  void operator()(const char*, const RunMap<SectionState>& a, const RunMap<SectionState>& b) const {
    diff_runs(a, b, "section", false, out);
  }
  void operator()(const char*, const RunMap<MemoryBlock>& a, const RunMap<MemoryBlock>& b) const {
    diff_runs(a, b, "block", false, out);
  }
  void operator()(const char*, const std::map<int, MemoryGroup>& a, const std::map<int, MemoryGroup>& b) const {
    diff_maps<int, MemoryGroup>(a, b, "memory group",
                                [](const int& id, const MemoryGroup& g) { return std::to_string(id) + " (" + describe(g) + ")"; },
                                out);
  }
  void operator()(const char*, const std::map<u64, AcpiMemoryDevice>& a,
                  const std::map<u64, AcpiMemoryDevice>& b) const {
    diff_maps<u64, AcpiMemoryDevice>(a, b, "ACPI memory device",
                                     [](const u64&, const AcpiMemoryDevice& d) { return describe(d); },
                                     out);
  }
  void operator()(const char*, const std::vector<NodeState>& a, const std::vector<NodeState>& b) const {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t nid = 0; nid < n; ++nid) diff_node(static_cast<int>(nid), a[nid], b[nid], out);
    diff_num("node count", a.size(), b.size(), out);
  }
  void operator()(const char*, const RunMap<PageState>& a, const RunMap<PageState>& b) const {
    diff_runs(a, b, "pfn", true, out);
  }
  void operator()(const char*, const MemoryNotifier& a, const MemoryNotifier& b) const {
    if (a == b) return;
    out.change("memory notifier", describe(a), describe(b));
  }
  void operator()(const char*, const std::map<int, DevPagemap>& a, const std::map<int, DevPagemap>& b) const {
    diff_maps<int, DevPagemap>(a, b, "pgmap",
                               [](const int& id, const DevPagemap& p) { return std::to_string(id) + " " + describe(p); },
                               out);
  }
  void operator()(const char*, const RunMap<int>& a, const RunMap<int>& b) const {
    diff_runs(a, b, "pgmap_array pfn", true, out);
  }
  void operator()(const char* name, int a, int b) const {
    if (a != b) out.change(name, std::to_string(a), std::to_string(b));
  }
  void operator()(const char*, const Vmstat& a, const Vmstat& b) const {
    auto diff = [&](const char* what, long x, long y) {  // signed: a slip below 0 shows as such
      if (x != y) out.change(std::string("vmstat ") + what, std::to_string(x), std::to_string(y));
    };
    diff("nr_memmap_pages", a.nr_memmap_pages, b.nr_memmap_pages);
    diff("nr_memmap_boot_pages", a.nr_memmap_boot_pages, b.nr_memmap_boot_pages);
  }
};

}  // namespace

std::string describe(const DevPagemap& p) {
  std::string out = std::string(pgmap_type_name(p.type)) + " nid " + std::to_string(p.nid) + " shift " +
                    std::to_string(p.vmemmap_shift) + " ranges";
  for (const PfnRange& r : p.ranges) out += " " + hex(r.start.v) + "-" + hex(r.end.v);
  if (p.altmap)
    out += " altmap base " + hex(p.altmap->base_pfn) + " reserve " + std::to_string(p.altmap->reserve) +
           " free " + std::to_string(p.altmap->free) + " align " + std::to_string(p.altmap->align) +
           " alloc " + std::to_string(p.altmap->alloc);
  return out;
}

std::string describe(const PageState& p) {
  std::string out(page_kind_name(p.kind));
  if (p.kind == PageKind::Memmap) out += "(section " + std::to_string(p.owner - 1) + ")";
  if (p.initialised()) out += " " + std::to_string(p.nid) + ":" + std::string(zone_name(p.zone));
  if (p.mt == Migratetype::Unmovable && p.initialised()) out += " unmovable-pageblock";
  if (p.mt == Migratetype::Isolate) out += " isolated";
  return out;
}

std::string describe(const SectionState& s) {
  if (!s.present && !s.has_mem_map && s.usage == UsageOrigin::None) return "absent";
  std::string out;
  auto flag = [&](bool on, const char* name) {
    if (on) out += (out.empty() ? "" : "|") + std::string(name);
  };
  flag(s.present, "PRESENT");
  flag(s.has_mem_map, "HAS_MEM_MAP");
  flag(s.online, "ONLINE");
  flag(s.early, "EARLY");
  flag(s.taint_zone_device, "TAINT_ZONE_DEVICE");
  if (out.empty()) out = "0";
  out += " nid " + std::to_string(s.nid);
  out += s.usage == UsageOrigin::Boot ? " usage=boot" : s.usage == UsageOrigin::Kzalloc ? " usage=kzalloc" : " usage=none";
  out += " subsections=" + std::to_string(s.subsection_map.count());
  if (s.memmap_buddy_pages) out += " memmap=" + std::to_string(s.memmap_buddy_pages) + "(buddy)";
  if (s.memmap_altmap_pages) out += " memmap=" + std::to_string(s.memmap_altmap_pages) + "(altmap)";
  return out;
}

std::string describe(const MemoryBlock& m) {
  if (!m.present) return "absent";
  std::string out(block_state_name(m.state));
  out += " nid " + std::to_string(m.nid);
  out += " zone " + (m.zone ? std::string(zone_name(*m.zone)) : std::string("NULL"));
  if (m.nr_vmemmap_pages) out += " vmemmap " + std::to_string(m.nr_vmemmap_pages);
  if (m.altmap_alloc) out += " altmap_alloc " + std::to_string(m.altmap_alloc);
  if (m.online_type != OnlineType::Offline) out += " online_type " + std::string(online_type_name(m.online_type));
  if (m.group >= 0) out += " group " + std::to_string(m.group);
  return out;
}

std::string DiffEntry::text() const {
  if (!old_value) return what + " added: " + *new_value;
  if (!new_value) return what + " removed: " + *old_value;
  return what + (keyed ? " changed: " : ": ") + *old_value + " -> " + *new_value;
}

std::vector<DiffEntry> diff_entries(const System& a, const System& b) {
  std::vector<DiffEntry> out;
  Sink sink{out, {}};
  const FieldDiff diff{sink};
  for_each_field(a, b, [&](const char* name, const auto& x, const auto& y) {
    sink.field = name;
    diff(name, x, y);
  });
  return out;
}

std::vector<std::string> diff_systems(const System& a, const System& b) {
  std::vector<std::string> out;
  for (const DiffEntry& e : diff_entries(a, b)) out.push_back(e.text());
  return out;
}

/* mm/memremap.c: pageunmap_range() -> remove_pfn_range_from_zone() */
System without_device_residue(const System& s, const System& before) {
  System t = s;
  t.sections.update(0, RunMap<SectionState>::kEnd, [](SectionState& ms) { ms.taint_zone_device = false; });
  for (std::size_t nid = 0; nid < t.nodes.size(); ++nid) {
    t.nodes[nid].zones[zone_idx(Zone::Device)] = before.nodes[nid].zones[zone_idx(Zone::Device)];
    t.nodes[nid].node_start_pfn = before.nodes[nid].node_start_pfn;
    t.nodes[nid].node_spanned_pages = before.nodes[nid].node_spanned_pages;
  }
  // Which free pages vmemmap_alloc_block() is handed is the allocator's
  // choice: a failed or undone memremap may leave a section's vmemmap on
  // other pfns. How many each section holds is SectionState, compared as is.
  t.pages.update(0, RunMap<PageState>::kEnd, [](PageState& p) {
    if (p.kind == PageKind::Memmap) {
      p.kind = PageKind::Free;
      p.owner = 0;
    }
  });
  const Geometry& g = s.geo;
  before.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64 a, u64 b, const SectionState& ms) {
    if (!ms.early) return;
    s.pages.for_each(g.section_start(a).v, g.section_start(b).v, [&](u64 x, u64 y, const PageState& p) {
      if (p.kind != PageKind::Poisoned) return;
      before.pages.for_each(x, y, [&](u64 c, u64 d, const PageState& q) { t.pages.assign(c, d, q); });
    });
  });
  return t;
}

std::vector<std::string> describe_walk(const std::vector<WalkedRun>& runs) {
  std::vector<std::string> out;
  for (const WalkedRun& r : runs)
    out.push_back(range("pfn", r.lo, r.hi, true) +
                  (r.zone ? " in " + std::string(zone_name(*r.zone)) : std::string()) + ": " +
                  (r.page ? describe(*r.page) : "NULL"));
  return out;
}

void clear_zone_contiguous_flags(System& s) {
  for (NodeState& n : s.nodes)
    for (ZoneState& z : n.zones) z.contiguous = false;
}

System without_zone_contiguous(const System& s) {
  System t = s;
  clear_zone_contiguous_flags(t);
  return t;
}

System without_contiguous_recheck(const System& s, const System& before) {
  System t = s;
  for (std::size_t nid = 0; nid < t.nodes.size() && nid < before.nodes.size(); ++nid)
    for (Zone z : kAllZones) {
      ZoneState& now = t.nodes[nid].zones[zone_idx(z)];
      if (now.contiguous && !before.nodes[nid].zones[zone_idx(z)].contiguous) now.contiguous = false;
    }
  return t;
}

}  // namespace memhp
