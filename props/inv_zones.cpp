// Invariants of zones and nodes (docs/kernel-reference.md INV-12a..INV-12d,
// INV-13a, INV-13b, INV-15, INV-17, INV-18, INV-19a, INV-19b, INV-22).
#include <set>

#include "inv_util.h"
#include "invariant_lists.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;

// Calls f(nid, zone, state) for each zone of each online node; stops at the
// first message.
template <class F>
Msg first_zone(const System& s, F&& f) {
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    if (!s.node(nid).online) continue;
    for (Zone z : kAllZones)
      if (Msg m = f(nid, z, s.zone(nid, z))) return m;
  }
  return std::nullopt;
}

template <class F>
bool any_zone_change(const StepView& v, F&& pred) {
  for (int nid = 0; nid < static_cast<int>(v.after.nodes.size()); ++nid)
    for (Zone z : kAllZones)
      if (pred(v.before.zone(nid, z), v.after.zone(nid, z))) return true;
  return false;
}

std::string num(u64 x) { return std::to_string(x); }

// -------------------- INV-12a, INV-12b, INV-22, INV-18, INV-12c, INV-12d --
Msg empty_zone_is_zero(const StateView& v) {
  return first_zone(v.after, [](int nid, Zone z, const ZoneState& zs) -> Msg {
    if (zs.spanned_pages == 0 && zs.zone_start_pfn != 0)
      return "zone " + zone_label(nid, z) + " spans nothing but zone_start_pfn is " +
             num(zs.zone_start_pfn);
    return std::nullopt;
  });
}
bool witness_zone_emptied(const StepView& v) {
  return any_zone_change(v, [](const ZoneState& a, const ZoneState& b) {
    return a.spanned_pages && !b.spanned_pages;
  });
}

Msg zone_counters_ordered(const StateView& v) {
  return first_zone(v.after, [](int nid, Zone z, const ZoneState& zs) -> Msg {
    if (zs.present_pages > zs.spanned_pages || zs.managed_pages > zs.present_pages ||
        zs.present_early_pages > zs.present_pages)
      return "zone " + zone_label(nid, z) + ": spanned " + num(zs.spanned_pages) + " present " +
             num(zs.present_pages) + " managed " + num(zs.managed_pages) + " present_early " +
             num(zs.present_early_pages) + " (want managed, present_early <= present <= spanned)";
    return std::nullopt;
  });
}
bool witness_zone_lost_pages(const StepView& v) {
  return any_zone_change(v, [](const ZoneState& a, const ZoneState& b) {
    return b.present_pages < a.present_pages;
  });
}

// Compare one zone counter with what the page map says.
template <class Get, class Want>
Msg counter_matches(const StateView& v, const char* what, Get get, Want want) {
  const Census& c = census_after(v);
  return first_zone(v.after, [&](int nid, Zone z, const ZoneState& zs) -> Msg {
    const u64 have = get(zs), expect = want(c.at(nid, z));
    if (have != expect)
      return "zone " + zone_label(nid, z) + " " + what + " is " + num(have) + " but the page map holds " +
             num(expect);
    return std::nullopt;
  });
}

Msg zone_present_counts_pages(const StateView& v) {
  return counter_matches(
      v, "present_pages", [](const ZoneState& z) { return z.present_pages; },
      [](const ZoneCensus& c) { return c.counted; });
}
Msg zone_managed_counts_buddy_pages(const StateView& v) {
  return counter_matches(
      v, "managed_pages", [](const ZoneState& z) { return z.managed_pages; },
      [](const ZoneCensus& c) { return c.buddy; });
}
Msg present_early_counts_early_pages(const StateView& v) {
  return counter_matches(
      v, "present_early_pages", [](const ZoneState& z) { return z.present_early_pages; },
      [](const ZoneCensus& c) { return c.counted_early; });
}

bool witness_offline_ok(const StepView& v) { return op_as<OpOfflineBlock>(v) && step_ok(v); }
bool witness_early_block_offline(const StepView& v) {
  bool any = false;
  v.after.sections.for_each(0, RunMap<SectionState>::kEnd, [&](u64, u64, const SectionState& ms) {
    any = any || (ms.early && !ms.online);
  });
  return any;
}

Msg node_present_is_zone_sum(const StateView& v) {
  const System& s = v.after;
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    u64 sum = 0;
    for (const ZoneState& z : s.node(nid).zones) sum += z.present_pages;
    if (sum != s.node(nid).node_present_pages)
      return "node " + num(static_cast<u64>(nid)) + " present " + num(s.node(nid).node_present_pages) +
             " but its zones add up to " + num(sum);
  }
  return std::nullopt;
}

// ------------------------------------------------------ INV-13a, INV-13b --
Msg zone_span_covers_its_pages(const StateView& v) {
  const Census& c = census_after(v);
  return first_zone(v.after, [&](int nid, Zone z, const ZoneState& zs) -> Msg {
    const ZoneCensus& zc = c.at(nid, z);
    if (z == Zone::Device || zc.counted == 0) return std::nullopt;
    if (zs.is_empty() || zc.lo < zs.zone_start_pfn || zc.hi > zs.end_pfn())
      return "zone " + zone_label(nid, z) + " spans " + pfn_range(zs.zone_start_pfn, zs.end_pfn()) +
             " but has pages at " + pfn_range(zc.lo, zc.hi);
    return std::nullopt;
  });
}

bool zone_page(const System& s, u64 pfn, int nid, Zone z) {
  const PageState& p = s.page(Pfn{pfn});
  return p.initialised() && p.nid == nid && p.zone == z;
}

Msg zone_span_ends_in_zone(const StepView& v) {
  return first_zone(v.after, [&](int nid, Zone z, const ZoneState& zs) -> Msg {
    if (z == Zone::Device || zs.is_empty()) return std::nullopt;
    const ZoneState& old = v.before.zone(nid, z);
    if (zs.zone_start_pfn != old.zone_start_pfn && !zone_page(v.after, zs.zone_start_pfn, nid, z))
      return "zone " + zone_label(nid, z) + " now starts at " + pfn_range(zs.zone_start_pfn, zs.zone_start_pfn + 1) +
             ", which is " + pages_desc(v.after, zs.zone_start_pfn, zs.zone_start_pfn + 1) +
             ", not a page of the zone";
    if (zs.end_pfn() != old.end_pfn() && !zone_page(v.after, zs.end_pfn() - 1, nid, z))
      return "zone " + zone_label(nid, z) + " now ends at " + pfn_range(zs.end_pfn() - 1, zs.end_pfn()) +
             ", which is " + pages_desc(v.after, zs.end_pfn() - 1, zs.end_pfn()) + ", not a page of the zone";
    return std::nullopt;
  });
}
bool witness_zone_shrank(const StepView& v) {
  return any_zone_change(v, [](const ZoneState& a, const ZoneState& b) {
    return b.spanned_pages && b.spanned_pages < a.spanned_pages;
  });
}

// ---------------------------------------------------------------- INV-15 --
Msg node_span_is_zone_hull(const StateView& v) {
  const System& s = v.after;
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    const NodeState& n = s.node(nid);
    if (!n.online) continue;
    u64 lo = 0, hi = 0;
    for (const ZoneState& z : n.zones) {
      if (!z.spanned_pages) continue;
      lo = hi ? std::min(lo, z.zone_start_pfn) : z.zone_start_pfn;
      hi = std::max(hi, z.end_pfn());
    }
    if (n.node_start_pfn != lo || n.node_spanned_pages != hi - lo)
      return "node " + num(static_cast<u64>(nid)) + " spans " +
             pfn_range(n.node_start_pfn, n.node_end_pfn()) + " (" + num(n.node_spanned_pages) +
             " pages) but its zones span " + pfn_range(lo, hi) + " (" + num(hi - lo) + " pages)";
  }
  return std::nullopt;
}
bool witness_node_span_changed(const StepView& v) {
  for (int nid = 0; nid < static_cast<int>(v.after.nodes.size()); ++nid)
    if (v.before.node(nid).node_spanned_pages != v.after.node(nid).node_spanned_pages ||
        v.before.node(nid).node_start_pfn != v.after.node(nid).node_start_pfn)
      return true;
  return false;
}

// ---------------------------------------------------------------- INV-17 --
Msg no_isolation_at_rest(const StateView& v) {
  if (Msg m = first_zone(v.after, [](int nid, Zone z, const ZoneState& zs) -> Msg {
        if (zs.nr_isolate_pageblock != 0)
          return "zone " + zone_label(nid, z) + " nr_isolate_pageblock is " +
                 std::to_string(zs.nr_isolate_pageblock) + " between operations";
        return std::nullopt;
      }))
    return m;
  Msg out;
  v.after.pages.for_each(0, RunMap<PageState>::kEnd, [&](u64 a, u64 b, const PageState& p) {
    if (!out && p.mt == Migratetype::Isolate)
      out = pfn_range(a, b) + " is still MIGRATE_ISOLATE";
  });
  return out;
}
bool witness_online_or_offline_ok(const StepView& v) {
  return (op_as<OpOnlineBlock>(v) || op_as<OpOfflineBlock>(v)) && step_ok(v);
}

// ------------------------------------------------------ INV-19a, INV-19b --
Msg node_states_match_present(const StateView& v) {
  const System& s = v.after;
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    const NodeState& n = s.node(nid);
    u64 normal = 0;
    for (Zone z : {Zone::DMA, Zone::DMA32, Zone::Normal}) normal += n.zones[zone_idx(z)].present_pages;
    if (n.has_memory != (n.node_present_pages > 0))
      return "node " + num(static_cast<u64>(nid)) + " is " + (n.has_memory ? "" : "not ") +
             "in N_MEMORY with " + num(n.node_present_pages) + " present pages";
    // 6.17's node notifier (node_notifier, v6.19) leaves N_NORMAL_MEMORY to boot.
    if (!s.prof.has(Delta::NodeNotifier) && n.has_normal_memory != (normal > 0))
      return "node " + num(static_cast<u64>(nid)) + " is " + (n.has_normal_memory ? "" : "not ") +
             "in N_NORMAL_MEMORY with " + num(normal) + " present kernel-zone pages";
  }
  return std::nullopt;
}
bool witness_node_memory_changed(const StepView& v) {
  for (int nid = 0; nid < static_cast<int>(v.after.nodes.size()); ++nid)
    if (v.before.node(nid).has_memory != v.after.node(nid).has_memory) return true;
  return false;
}

// Only one direction holds: try_remove_memory() tries to offline only the
// last node of the range it removed, so an emptied node can stay online.
Msg node_online_if_used(const StateView& v) {
  const System& s = v.after;
  std::set<int> with_blocks;
  for_each_block_run(s, [&](u64, u64, const MemoryBlock& m) { with_blocks.insert(m.nid); });
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    const NodeState& n = s.node(nid);
    const bool used = n.node_spanned_pages || with_blocks.count(nid) || n.has_cpu;
    if (n.online && !n.possible) return "node " + num(static_cast<u64>(nid)) + " is online but not possible";
    if (used && !n.online)
      return "node " + num(static_cast<u64>(nid)) + " is offline but still has span, memory blocks or CPUs";
  }
  return std::nullopt;
}
bool witness_memory_only_node(const StepView& v) {
  for (const NodeState& n : v.after.nodes)
    if (n.online && !n.has_cpu) return true;
  return false;
}

}  // namespace

std::vector<Invariant> zone_invariants() {
  return {
      {"empty_zone_is_zero", "INV-12a", "A zone that spans nothing has zone_start_pfn 0.",
       "shrink_zone_span(); zone_is_empty() callers", empty_zone_is_zero, witness_zone_emptied},
      {"zone_counters_ordered", "INV-12b",
       "managed <= present <= spanned and present_early <= present, in every zone.",
       "adjust_present_page_count(), adjust_managed_page_count()", zone_counters_ordered,
       witness_zone_lost_pages},
      {"zone_present_counts_pages", "INV-22",
       "present_pages counts the zone's initialised pages, self-hosted vmemmap included.",
       "adjust_present_page_count() in online_pages() and memory_block_online()",
       zone_present_counts_pages, witness_vmemmap_online},
      {"zone_managed_counts_buddy_pages", "INV-18",
       "managed_pages counts exactly the pages handed to the buddy allocator.",
       "__free_pages_core(); offline_pages() adjust_managed_page_count()",
       zone_managed_counts_buddy_pages, witness_offline_ok},
      {"present_early_counts_early_pages", "INV-12c",
       "present_early_pages counts the zone's present pages in early sections.",
       "adjust_present_page_count(); auto_movable_can_online_movable()",
       present_early_counts_early_pages, witness_early_block_offline},
      {"node_present_is_zone_sum", "INV-12d", "node_present_pages is the sum of its zones' present_pages.",
       "adjust_present_page_count()", node_present_is_zone_sum, witness_hot_added_online},
      {"zone_span_covers_its_pages", "INV-13a", "Every initialised page of a zone lies inside the zone's span.",
       "move_pfn_range_to_zone() / resize_zone_range(); set_pfnblock_flags_mask()",
       zone_span_covers_its_pages, witness_hot_added_online},
      {"zone_span_ends_in_zone", "INV-13b",
       "When a zone's span changes, a moved end lands on a page of that zone.",
       "shrink_zone_span() with find_smallest/biggest_section_pfn() (bugs B1a, B1c)",
       zone_span_ends_in_zone, witness_zone_shrank},
      {"node_span_is_zone_hull", "INV-15", "A node's span is the hull of its non-empty zones.",
       "update_pgdat_span(), resize_pgdat_range() (bug B1b)", node_span_is_zone_hull,
       witness_node_span_changed},
      {"no_isolation_at_rest", "INV-17",
       "Between operations no pageblock is MIGRATE_ISOLATE and nr_isolate_pageblock is 0.",
       "online_pages() / offline_pages() nr_isolate_pageblock fix-ups", no_isolation_at_rest,
       witness_online_or_offline_ok},
      {"node_states_match_present", "INV-19a",
       "A node is in N_MEMORY (N_NORMAL_MEMORY) exactly when it has present (kernel-zone) pages; "
       "the N_NORMAL_MEMORY half lapses with node_notifier (v6.19), where hotplug never touches it.",
       "node_states_check_changes_online() / _offline()", node_states_match_present,
       witness_node_memory_changed},
      {"node_online_if_used", "INV-19b",
       "A node that spans memory, has memory blocks or has CPUs is online (and only possible "
       "nodes are).",
       "__try_online_node(), try_offline_node() (bug B1d)", node_online_if_used, witness_memory_only_node},
  };
}

}  // namespace memhp::inv
