// Zone choice judged from outside the model (docs/kernel-reference.md
// INV-41): the zone each online of the step picked (mem->zone afterwards)
// and every block's valid_zones string against the independent
// specification of props/spec_zones.cpp, which reads only the observable
// state: zone spans and counters, the profile, and for an online block the
// zone its pages are linked to, never mem->zone.
//
// Cost. Onlining is judged per block the step onlined (the op itself did
// that much work). valid_zones is judged over runs of equal blocks, at the
// blocks where the spec's answer can change: for an offline run where a
// zone span begins or ends (spec::uniform_cuts()), for an online run where
// the pages' (node, zone) changes (online_probes()). A 63 TiB boot (half a
// million online blocks in a handful of runs) costs what a 1 GiB one does;
// a 1 TiB offline hot-add is one run with a few pieces. What this leaves
// unchecked: a model that answered differently for a block strictly inside
// a piece than at its ends, which no rule of the kernel's does.
#include <algorithm>

#include "inv_util.h"
#include "invariant_lists.h"
#include "spec_zones.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;
using spec::Choice;
using spec::ZoneInputs;

// One online the step made with a zone of the kernel's choosing: the block,
// the online type, what the spec says, and the mem->zone the model set.
struct Onlined {
  u64 id;
  OnlineType type;
  Choice want;
  std::optional<Zone> got;
};

// The onlines of this step, in the order the kernel made them: an
// online_block of an offline block that succeeded, or the auto-online
// (memhp_default_state) of the blocks a hot-add created, one after the
// other, the spec's inputs following each online (ZoneInputs::onlined()).
// An auto-online that failed ends the list: what a failed online leaves of
// the zone spans is beyond the spec. ACPI eject rollbacks are not judged
// (issue 13 C).
std::vector<Onlined> onlined_this_step(const StepView& v) {
  std::vector<Onlined> out;
  if (!step_ok(v)) return out;
  const System& b = v.before;
  const System& a = v.after;
  const Geometry& g = a.geo;
  const u64 nr = g.block_pages();
  if (const auto* o = op_as<OpOnlineBlock>(v)) {
    const MemoryBlock& was = b.blocks.at(o->block);
    if (!was.present || was.state != BlockState::Offline) return out;
    const u64 start = g.block_start(o->block).v;
    out.push_back({o->block, o->type,
                   spec::zone_for_online(ZoneInputs::of(b), o->type, was.nid, was.group, start, nr),
                   a.blocks.at(o->block).zone});
    return out;
  }
  const OnlineType type = a.prof.memhp_default_state;
  if (type == OnlineType::Offline) return out;
  std::optional<std::pair<u64, u64>> range;  // [start, end) in bytes
  if (const auto* d = op_as<OpDimmAdd>(v)) range = {d->start, d->start + d->size};
  if (const auto* d = op_as<OpAddMemory>(v)) range = {d->start, d->start + d->size};
  if (!range) return out;
  ZoneInputs in = ZoneInputs::of(b);
  // add_memory_resource() sets a new node online before it onlines the
  // blocks, and a DIMM's memory group is new: its counters start at 0.
  for (std::size_t n = 0; n < in.node_online.size(); ++n) in.node_online[n] = a.nodes[n].online;
  for (const auto& [mgid, grp] : a.groups)
    if (!in.groups.count(mgid)) in.groups[mgid] = spec::GroupView{grp.is_dynamic, grp.max_pages, 0, 0};
  const u64 first = g.block_id(g.pfn_of(range->first)), end = g.block_id(g.pfn_of(range->second));
  for (u64 id = first; id < end; ++id) {
    const MemoryBlock& m = a.blocks.at(id);
    if (b.blocks.at(id).present || !m.present) continue;  // not created by this op
    if (m.state != BlockState::Online) break;
    const u64 start = g.block_start(id).v;
    const Choice c = spec::zone_for_online(in, type, m.nid, m.group, start, nr);
    out.push_back({id, type, c, m.zone});
    in.onlined(m.nid, c.zone, m.group, start, nr);
  }
  return out;
}

// The blocks of a run of equal offline blocks whose valid_zones is judged:
// the spec's answer changes only where a zone span begins or ends
// (spec::uniform_cuts()), so the first and last block of each piece.
std::vector<u64> offline_probes(const ZoneInputs& in, const Geometry& g, const MemoryBlock& m, u64 x, u64 y) {
  std::vector<u64> bounds = {x};
  for (u64 c : spec::uniform_cuts(in, g, m.nid, m.group, x, y)) bounds.push_back(c);
  bounds.push_back(y);
  std::vector<u64> out;
  for (std::size_t k = 0; k + 1 < bounds.size(); ++k) out.insert(out.end(), {bounds[k], bounds[k + 1] - 1});
  return out;
}

// The blocks of a run of equal online blocks whose valid_zones is judged.
// The model shows one string for the whole run (it reads mem->zone); the
// spec's answer, read off the pages, can change only in a block that holds
// a pfn where the pages' (node, zone) changes, or next to one. Those
// blocks, the run's ends, and the block after each of them: between them
// every block's pages have the one (node, zone) of a probe's.
std::vector<u64> online_probes(const System& s, u64 x, u64 y) {
  const u64 nr = s.geo.block_pages();
  std::vector<u64> out = {x, y - 1};
  std::optional<std::pair<int, Zone>> last;
  s.pages.for_each(x * nr, y * nr, [&](u64 a, u64, const PageState& p) {
    if (!p.initialised() || p.kind == PageKind::Hole) return;
    const std::pair<int, Zone> key{p.nid, p.zone};
    if (last && *last != key)
      for (u64 id : {a / nr - 1, a / nr, a / nr + 1})
        if (x <= id && id < y) out.push_back(id);
    last = key;
  });
  // In order, so that the first block reported is the lowest that is wrong.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string zone_text(std::optional<Zone> z) { return z ? std::string(zone_name(*z)) : "none"; }

// The step part: the zone each online of this step picked.
Msg online_zone_matches_spec(const StepView& v) {
  for (const Onlined& o : onlined_this_step(v))
    if (o.got != o.want.zone)
      return blk(o.id) + " was onlined (" + std::string(online_type_name(o.type)) + ") into " +
             zone_text(o.got) + "; the spec says " + std::string(zone_name(o.want.zone)) + " (" +
             std::string(spec::rule_name(o.want.rule)) + ")";
  return std::nullopt;
}

// The state part: every block's valid_zones.
Msg valid_zones_match_spec(const StateView& v) {
  const System& s = v.after;
  const u64 nr = s.geo.block_pages();
  std::optional<ZoneInputs> in;  // built for the first offline run
  return first_block_run(s, [&](u64 x, u64 y, const MemoryBlock& m) -> Msg {
    const bool online = m.state == BlockState::Online;
    if (!online && !in) in = ZoneInputs::of(s);
    for (u64 id : online ? online_probes(s, x, y) : offline_probes(*in, s.geo, m, x, y)) {
      const u64 start = s.geo.block_start(id).v;
      const std::string want = online ? spec::valid_zones_online(spec::page_zones(s, start, start + nr))
                                      : spec::valid_zones_offline(*in, m, start, nr);
      const std::string got = valid_zones(s, id);
      if (got == want) continue;
      std::string why;
      if (!online)
        why = " (default zone: " +
              std::string(spec::rule_name(spec::zone_for_online(*in, OnlineType::Online, m.nid, m.group,
                                                                start, nr).rule)) + ")";
      return blk(id) + " (" + std::string(block_state_name(m.state)) + ") shows valid_zones \"" + got +
             "\"; the spec says \"" + want + "\"" + why;
    }
    return std::nullopt;
  });
}

// The premise: a plain online (an online_block of type online, or an
// auto-online with memhp_default_state=online) whose zone movable_node or
// the auto-movable ratio decided, rather than a zone span.
bool witness_default_zone_rule(const StepView& v) {
  const Profile& p = v.after.prof;
  if (!p.movable_node && p.online_policy != OnlinePolicy::AutoMovable) return false;
  for (const Onlined& o : onlined_this_step(v)) {
    const spec::Rule r = o.want.rule;
    if (o.type == OnlineType::Online &&
        (r == spec::Rule::MovableNode || r == spec::Rule::RatioHolds || r == spec::Rule::RatioExceeded))
      return true;
  }
  return false;
}

// A choice this step made with online type t that satisfies pred.
template <class P>
bool made(const StepView& v, P&& pred) {
  for (const Onlined& o : onlined_this_step(v))
    if (pred(o)) return true;
  return false;
}

template <OnlineType T>
bool auto_online(const StepView& v) {
  if (v.after.prof.memhp_default_state != T || op_as<OpOnlineBlock>(v)) return false;
  return made(v, [](const Onlined&) { return true; });
}

// Whether some offline block's default zone (the first in its valid_zones)
// satisfies pred: one block per run is enough, the rules that pred asks
// about (movable_node, the ratio) do not depend on where in the run it is.
template <class P>
bool offline_default(const System& s, P&& pred) {
  std::optional<ZoneInputs> in;
  return any_block_run(s, [&](u64 x, u64, const MemoryBlock& m) {
    if (m.state != BlockState::Offline) return false;
    if (!in) in = ZoneInputs::of(s);
    return pred(spec::zone_for_online(*in, OnlineType::Online, m.nid, m.group, s.geo.block_start(x).v,
                                      s.geo.block_pages()));
  });
}

// A plain online that movable_node decided, or an offline block whose
// valid_zones it decides.
bool movable_node_decided(const StepView& v) {
  const System& s = v.after;
  if (!s.prof.movable_node || s.prof.online_policy != OnlinePolicy::ContigZones) return false;
  auto pred = [](const Choice& c) { return c.rule == spec::Rule::MovableNode; };
  return made(v, [&](const Onlined& o) { return o.type == OnlineType::Online && pred(o.want); }) ||
         offline_default(s, pred);
}

bool ratio_decided(const StepView& v) {
  if (v.after.prof.auto_movable_ratio == Profile{}.auto_movable_ratio) return false;
  return made(v, [](const Onlined& o) {
    return o.type == OnlineType::Online &&
           (o.want.rule == spec::Rule::RatioHolds || o.want.rule == spec::Rule::RatioExceeded);
  });
}

// A plain online at the limit, or an offline block whose valid_zones names
// the zone a plain online would pick at the limit.
bool ratio_limit_met(const StepView& v) {
  const System& s = v.after;
  if (s.prof.online_policy != OnlinePolicy::AutoMovable) return false;
  auto pred = [](const Choice& c) { return c.at_limit; };
  return made(v, [&](const Onlined& o) { return o.type == OnlineType::Online && pred(o.want); }) ||
         offline_default(s, pred);
}

}  // namespace

const std::vector<Premise>& zone_choice_premises() {
  static const std::vector<Premise> all = {
      {"zone_choice_matches_spec", "hot-added blocks auto-onlined with memhp_default_state=online",
       auto_online<OnlineType::Online>},
      {"zone_choice_matches_spec", "hot-added blocks auto-onlined with memhp_default_state=online_kernel",
       auto_online<OnlineType::OnlineKernel>},
      {"zone_choice_matches_spec", "hot-added blocks auto-onlined with memhp_default_state=online_movable",
       auto_online<OnlineType::OnlineMovable>},
      {"zone_choice_matches_spec", "a plain online, or an offline block's default zone, that movable_node=1 decided", movable_node_decided},
      {"zone_choice_matches_spec", "a plain online that a non-default auto_movable_ratio decided",
       ratio_decided},
      {"zone_choice_matches_spec", "a plain online, or an offline block's default zone, exactly at the auto-movable ratio's limit",
       ratio_limit_met, {"ram", "x86"}},
  };
  return all;
}

std::vector<Invariant> zone_choice_invariants() {
  return {
      {"zone_choice_matches_spec", "INV-41",
       "The zone an online picks (mem->zone afterwards) and every block's valid_zones are what an "
       "independent specification of 6.1's rules says: zone spans, movable_node, the auto-movable "
       "ratio and numa_aware, the default zone listed first.",
       "zone_for_pfn_range() in memory_block_online(): default_zone_for_pfn(), "
       "default_kernel_zone_for_pfn(), auto_movable_zone_for_pfn(); valid_zones_show()",
       Check{online_zone_matches_spec, valid_zones_match_spec}, witness_default_zone_rule},
  };
}

}  // namespace memhp::inv
