#include "sequences.h"

#include "diff.h"

namespace memhp {

namespace {

using Msg = std::optional<std::string>;

// Onlining a block back may land it in another zone: when the offline shrank
// the zone away from the block, default_kernel_zone_for_pfn() no longer sees
// it (online_kernel below 4 GiB then gives ZONE_NORMAL). Only a block that
// came back into its zone is the premise of this property.
bool same_zone_again(const System& before, const System& after) { return before.blocks == after.blocks; }

// offline_block then online_block with the type that lands in the same zone.
Msg zone_counters_restored(const System& before_all, const System& after_all) {
  // zone->contiguous is no counter: the online clears it (6.1).
  const System before = without_zone_contiguous(before_all), after = without_zone_contiguous(after_all);
  for (int nid = 0; nid < static_cast<int>(before.nodes.size()); ++nid) {
    const NodeState& a = before.node(nid);
    const NodeState& b = after.node(nid);
    if (a.zones == b.zones && a.node_start_pfn == b.node_start_pfn &&
        a.node_spanned_pages == b.node_spanned_pages && a.node_present_pages == b.node_present_pages &&
        a.has_memory == b.has_memory && a.has_normal_memory == b.has_normal_memory)
      continue;
    std::string msg = "offlining and onlining again did not restore node " + std::to_string(nid) + ":";
    for (const std::string& line : diff_systems(before, after))
      if (line.rfind("zone ", 0) == 0 || line.rfind("node ", 0) == 0) msg += " [" + line + "]";
    return msg;
  }
  return std::nullopt;
}

bool always(const System&, const System&) { return true; }

// add_memory, online_block, offline_block, remove_memory of fresh memory.
Msg round_trip_identity(const System& before, const System& after_all) {
  // The offline rechecks zone->contiguous, which may now find a zone whole
  // that an earlier online left flagged not contiguous.
  const System after = without_contiguous_recheck(after_all, before);
  if (before == after) return std::nullopt;
  const std::vector<std::string> d = diff_systems(before, after);
  std::string msg = "add, online, offline, remove left " + std::to_string(d.size()) + " changes:";
  for (std::size_t i = 0; i < d.size() && i < 4; ++i) msg += " [" + d[i] + "]";
  return msg;
}

// memremap_pages then memunmap_pages: the device's subsections, sections
// and struct pages are gone again (a failed memremap_pages changes nothing,
// and the suites keep out 6.1's __add_pages() leak, so the property is
// checked either way). What ZONE_DEVICE never undoes is set aside:
// without_device_residue().
Msg device_sections_restored(const System& before, const System& after) {
  const System a = without_device_residue(before, before), b = without_device_residue(after, before);
  if (a == b) return std::nullopt;
  const std::vector<std::string> d = diff_systems(a, b);
  std::string msg = "memremap_pages then memunmap_pages left " + std::to_string(d.size()) + " changes:";
  for (std::size_t i = 0; i < d.size() && i < 4; ++i) msg += " [" + d[i] + "]";
  return msg;
}

// ------------------------------------------------------------ windows --

template <class T>
const T* at(const std::vector<Op>& w, std::size_t i) {
  return i < w.size() ? std::get_if<T>(&w[i]) : nullptr;
}

Msg offline_online_window(const Geometry&, const std::vector<Op>& w) {
  const auto* off = at<OpOfflineBlock>(w, 0);
  const auto* on = at<OpOnlineBlock>(w, 1);
  if (!off || !on || off->block != on->block) return "offline_block then online_block of one block";
  return std::nullopt;
}

Msg round_trip_window(const Geometry& g, const std::vector<Op>& w) {
  const auto* add = at<OpAddMemory>(w, 0);
  const auto* on = at<OpOnlineBlock>(w, 1);
  const auto* off = at<OpOfflineBlock>(w, 2);
  const auto* rm = at<OpRemoveMemory>(w, 3);
  const char* want = "add_memory, online_block, offline_block, remove_memory of one memory block";
  if (!add || !on || !off || !rm || add->size != g.block_bytes || rm->start != add->start ||
      rm->size != add->size)
    return want;
  const u64 id = g.block_id(g.pfn_of(add->start));
  if (on->block != id || off->block != id) return want;
  return std::nullopt;
}

Msg device_round_trip_window(const Geometry&, const std::vector<Op>& w) {
  const auto* map = at<OpMemremap>(w, 0);
  const auto* unmap = at<OpMemunmap>(w, 1);
  if (!map || !unmap || map->req.id != unmap->id) return "memremap_pages then memunmap_pages of one pgmap";
  return std::nullopt;
}

}  // namespace

const std::vector<SequenceProperty>& sequence_properties() {
  static const std::vector<SequenceProperty> all = {
      {"offline_online_restores_zone_counters",
       "Offlining a block and onlining it again into the same zone restores every zone and node "
       "counter.",
       "memory_block_offline() / memory_block_online() are inverse on the counters", 2,
       same_zone_again, zone_counters_restored, offline_online_window},
      {"add_remove_round_trip",
       "add_memory, online, offline and remove_memory of fresh memory give back the state "
       "before, exactly.",
       "add_memory_resource() / try_remove_memory(); online_pages() / offline_pages()", 4,
       always, round_trip_identity, round_trip_window},
      {"memremap_unmap_restores_sections",
       "memremap_pages then memunmap_pages restores every subsection_map, section, struct page and "
       "pgmap_array entry (ZONE_DEVICE's span and the section taint aside, which never go back).",
       "pagemap_range() / pageunmap_range(); section_activate() / section_deactivate()", 2,
       always, device_sections_restored, device_round_trip_window},
  };
  return all;
}

bool is_device_property(std::string_view name) { return name == "memremap_unmap_restores_sections"; }

const SequenceProperty* find_sequence_property(std::string_view name) {
  for (const SequenceProperty& p : sequence_properties())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace memhp
