// Step reports for `memhp run`: text lines and the two JSON forms
// (docs/json.md describes both).
//
// The report library (report/, memhp_report) shows states and steps to
// people and tools, and decides nothing: these reports, and the state diffs
// of diff.cpp that replay prints and the atomicity invariant quotes. It sits
// on the trace language (a step is an Op) and below the checkers, so that
// the invariants, replay, the oracle and the commands all describe a System
// the same way. Both walk System's fields through for_each_field()
// (memhp/system.h), so a new field cannot be left out of either.
#include "report.h"

#include <utility>

namespace memhp {

namespace {

// One past the highest block id a pfn below MAX_PHYSMEM_BITS can have. A
// present block beyond it is a model bug that the invariants report; here
// it must only not turn one JSON line into 2^64 entries.
u64 block_id_limit(const Geometry& g) {
  u64 per_block = g.block_pages();
  if (per_block == 0) return 0;
  return (g.max_pfn_limit() + per_block - 1) / per_block;
}

Json zone_json(const ZoneState& zs) {
  return Json{{"start_pfn", zs.zone_start_pfn},
              {"spanned", zs.spanned_pages},
              {"present", zs.present_pages},
              {"managed", zs.managed_pages},
              {"contiguous", zs.contiguous}};
}

Json zones_json(const System& s) {
  Json zones = Json::object();
  for (std::size_t nid = 0; nid < s.nodes.size(); ++nid) {
    if (!s.nodes[nid].online) continue;
    for (Zone z : kAllZones)
      zones[std::to_string(nid) + ":" + std::string(zone_name(z))] =
          zone_json(s.nodes[nid].zones[static_cast<std::size_t>(zone_idx(z))]);
  }
  return zones;
}

Json nodes_json(const System& s) {
  Json nodes = Json::object();
  for (std::size_t nid = 0; nid < s.nodes.size(); ++nid) {
    const NodeState& n = s.nodes[nid];
    if (!n.possible) continue;
    nodes[std::to_string(nid)] = Json{{"start_pfn", n.node_start_pfn},
                                      {"spanned", n.node_spanned_pages},
                                      {"present", n.node_present_pages},
                                      {"online", n.online},
                                      {"has_memory", n.has_memory},
                                      {"has_normal_memory", n.has_normal_memory}};
  }
  return nodes;
}

Json zone_or_null(const std::optional<Zone>& z) { return z ? Json(zone_name(*z)) : Json(nullptr); }

// The names of the System fields (system.h) that differ.
Json changed_fields(const System& a, const System& b) {
  Json out = Json::array();
  for_each_field(a, b, [&](const char* name, const auto& x, const auto& y) {
    if (!(x == y)) out.push_back(name);
  });
  return out;
}

Json block_entry(u64 first, u64 last, const BlockView& b) {
  Json e{{"first", first}, {"last", last}};
  if (b.state.empty()) {
    e["state"] = nullptr;
    return e;
  }
  e["state"] = b.state;
  e["zone"] = zone_or_null(b.zone);
  e["valid_zones"] = b.valid_zones;
  e["nr_vmemmap_pages"] = b.nr_vmemmap_pages;
  e["vmemmap"] = b.vmemmap;
  return e;
}

std::string_view usage_name(UsageOrigin u) {
  return u == UsageOrigin::Boot ? "boot" : u == UsageOrigin::Kzalloc ? "kzalloc" : "none";
}

Json section_entry(u64 first, u64 last, const SectionState& ms) {
  return Json{{"first", first},
              {"last", last},
              {"present", ms.present},
              {"has_mem_map", ms.has_mem_map},
              {"online", ms.online},
              {"early", ms.early},
              {"taint_zone_device", ms.taint_zone_device},
              {"nid", ms.nid},
              {"usage", usage_name(ms.usage)},
              {"subsections", ms.subsection_map.count()},
              {"memmap_buddy_pages", ms.memmap_buddy_pages},
              {"memmap_altmap_pages", ms.memmap_altmap_pages}};
}

// Runs of keys whose value differs between a and b, with b's value, equal
// neighbours merged (RunMap keeps runs maximal, so each change is a few
// entries however many keys it spans).
template <class V, class Entry>
Json changed_runs(const RunMap<V>& a, const RunMap<V>& b, Entry&& entry) {
  RunMap<std::optional<V>> delta;  // nullopt: unchanged
  a.for_each(0, RunMap<V>::kEnd, [&](u64 lo, u64 hi, const V& va) {
    b.for_each(lo, hi, [&](u64 x, u64 y, const V& vb) {
      if (!(va == vb)) delta.assign(x, y, vb);
    });
  });
  Json out = Json::array();
  delta.for_each(0, RunMap<V>::kEnd, [&](u64 lo, u64 hi, const std::optional<V>& v) {
    if (v) out.push_back(entry(lo, hi - 1, *v));
  });
  return out;
}

// The members of a JSON object (zones by "nid:Zone", nodes by "nid") that
// were added or changed, and null for those removed.
Json changed_members(const Json& before, const Json& after) {
  Json out = Json::object();
  for (const auto& [name, z] : after.items())
    if (!before.contains(name) || before[name] != z) out[name] = z;
  for (const auto& [name, z] : before.items())
    if (!after.contains(name)) out[name] = nullptr;
  return out;
}

std::string changes_line(const System& sa, const JsonView& a, const System& sb, const JsonView& b, int line,
                         const std::string& op, const Result& r, const std::optional<int>& expect) {
  Json j{{"line", line}, {"op", op}};
  json_result(j, r);
  json_expect(j, expect, r);
  j["changed"] = changed_fields(sa, sb);
  j["zones"] = changed_members(a.zones, b.zones);
  j["nodes"] = changed_members(a.nodes, b.nodes);
  j["blocks"] = changed_runs(a.blocks, b.blocks, block_entry);
  j["sections"] = changed_runs(a.sections, b.sections, section_entry);
  return json_line(j);
}

}  // namespace

std::string json_line(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

void json_result(Json& out, const Result& r) {
  out["errno"] = r.err;
  if (!r.reason.empty()) out["reason"] = r.reason;
  if (!r.warnings.empty()) out["warnings"] = r.warnings;
  if (!r.notes.empty()) out["notes"] = r.notes;
  if (!r.bug.empty()) out["bug"] = r.bug;
  if (r.partial != Partial::None) out["partial"] = true;
}

Json diff_json(const std::vector<DiffEntry>& diff) {
  Json out = Json::array();
  for (const DiffEntry& d : diff)
    out.push_back(Json{{"field", d.field},
                       {"what", d.what},
                       {"old", d.old_value ? Json(*d.old_value) : Json(nullptr)},
                       {"new", d.new_value ? Json(*d.new_value) : Json(nullptr)}});
  return out;
}

void json_expect(Json& out, const std::optional<int>& want, const Result& r) {
  if (want) out["expect"] = Json{{"want", *want}, {"held", *want == r.err}};
}

std::string_view vmemmap_source(const System& s, u64 id) {
  if (s.blocks.at(id).nr_vmemmap_pages) return "memmap_on_memory";
  if (s.sections.at(s.geo.section_nr(s.geo.block_start(id))).early) return "boot";
  return "page_allocator";
}

std::string json_step(const System& s, int line, const std::string& op, const Result& r,
                      const std::optional<int>& expect) {
  Json j{{"line", line}, {"op", op}};
  json_result(j, r);
  json_expect(j, expect, r);
  j["zones"] = zones_json(s);
  j["nodes"] = nodes_json(s);
  // The blocks are appended as text: ordered_json finds a key by linear
  // search, which would make a 131072-block machine quadratic.
  std::string out = json_line(j);
  out.pop_back();  // the closing '}'
  out += ",\"blocks\":{";
  bool first = true;
  s.blocks.for_each(0, block_id_limit(s.geo), [&](u64 lo, u64 hi, const MemoryBlock& mem) {
    if (!mem.present) return;
    for (u64 id = lo; id < hi; ++id) {
      out += first ? "\"" : ",\"";
      first = false;
      out += std::to_string(id) + "\":";
      out += json_line(Json{{"state", block_state_name(mem.state)},
                            {"zone", zone_or_null(mem.zone)},
                            {"valid_zones", valid_zones(s, id)},
                            {"nr_vmemmap_pages", mem.nr_vmemmap_pages},
                            {"vmemmap", vmemmap_source(s, id)}});
    }
  });
  return out + "}}";
}

JsonView json_view(const System& s) {
  JsonView v;
  v.zones = zones_json(s);
  v.nodes = nodes_json(s);
  v.sections = s.sections;
  // valid_zones depends on the block's neighbourhood, so it is asked per
  // block; equal neighbours are stored as one run.
  s.blocks.for_each(0, block_id_limit(s.geo), [&](u64 lo, u64 hi, const MemoryBlock& mem) {
    if (!mem.present) return;
    u64 run_start = lo;
    BlockView run;
    for (u64 id = lo; id < hi; ++id) {
      BlockView b{std::string(block_state_name(mem.state)), mem.zone, valid_zones(s, id), mem.nr_vmemmap_pages,
                  std::string(vmemmap_source(s, id))};
      if (id != lo && !(b == run)) {
        v.blocks.assign(run_start, id, run);
        run_start = id;
      }
      run = std::move(b);
    }
    v.blocks.assign(run_start, hi, run);
  });
  return v;
}

JsonChanges::JsonChanges(const System& booted) : before_(booted), view_(json_view(booted)) {}

std::string JsonChanges::boot_line() const {
  const System empty;
  return changes_line(empty, JsonView{}, before_, view_, 0, "boot", Result{}, std::nullopt);
}

std::string JsonChanges::step(const System& after, int line, const std::string& op, const Result& r,
                              const std::optional<int>& expect) {
  JsonView next = after == before_ ? view_ : json_view(after);
  std::string out = changes_line(before_, view_, after, next, line, op, r, expect);
  before_ = after;
  view_ = std::move(next);
  return out;
}

// ----------------------------------------------------------- text_step --

std::string text_step(int line, const Op& op, const Result& r) {
  std::string out = std::to_string(line) + ": " + print_op(op) + " -> " + errno_name(r.err);
  if (!r.reason.empty()) out += " (" + r.reason + ")";
  out += '\n';
  for (const auto& warning : r.warnings) out += "  WARNING: " + warning + '\n';
  for (const auto& note : r.notes) out += "  note: " + note + '\n';
  if (r.partial != Partial::None) out += "  " + partial_line(r.partial) + "\n";
  if (!r.bug.empty()) out += "  BUG: " + r.bug + '\n';
  return out;
}

std::string partial_line(Partial p) {
  std::string what;
  switch (p) {
    case Partial::None: return {};
    case Partial::AddPagesLeak: what = "__add_pages() keeps the sections it added before the error"; break;
    case Partial::OnlineTypeKept: what = "state_store() leaves the requested type in mem->online_type"; break;
    case Partial::EjectRollback: what = "the refused ACPI eject onlined the blocks again with the default type"; break;
  }
  return "PARTIAL (the kernel's own half-done path, not a violation; NOTES.md section 4): " + what;
}

}  // namespace memhp
