// The difference between two Systems, as lines a person can read.
//
// Replay prints the diff of each step, counterexamples show it, and the
// atomicity invariant names what a failed operation changed. Runs that
// changed the same way are reported once: "pfn 0x100000-0x1001ff:
// poisoned -> vmemmap 0:Movable".
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "memhp/ops.h"

namespace memhp {

// A piece of the key space where two run maps differ, as `view` shows their
// values: [lo, hi) went from old_value to new_value.
template <class W>
struct ChangedRun {
  u64 lo, hi;
  W old_value, new_value;
};

// The pieces where view(a) and view(b) differ, neighbours that changed the
// same way merged. The view leaves out what a report does not show, so that
// a change only there is no change.
template <class V, class View>
auto changed_pieces(const RunMap<V>& a, const RunMap<V>& b, View view) {
  using W = std::decay_t<std::invoke_result_t<View, const V&>>;
  std::vector<ChangedRun<W>> out;
  a.for_each(0, RunMap<V>::kEnd, [&](u64 lo, u64 hi, const V& va) {
    b.for_each(lo, hi, [&](u64 x, u64 y, const V& vb) {
      W wa = view(va), wb = view(vb);
      if (wa == wb) return;
      if (!out.empty() && out.back().hi == x && out.back().old_value == wa && out.back().new_value == wb)
        out.back().hi = y;
      else
        out.push_back({x, y, std::move(wa), std::move(wb)});
    });
  });
  return out;
}

// One difference: in System field `field` ("sections", "nodes", ...), the
// thing `what` ("section 32-34", "zone 0:Movable managed") went from
// old_value to new_value. A keyed entry is a map member (an iomem resource,
// a pgmap, ...): old_value is absent when it was added, new_value when it
// was removed.
struct DiffEntry {
  std::string field;
  std::string what;
  std::optional<std::string> old_value, new_value;
  bool keyed = false;
  std::string text() const;  // the line diff_systems() gives
};
std::vector<DiffEntry> diff_entries(const System& before, const System& after);
// The same as lines: "section 32: absent -> PRESENT|...".
std::vector<std::string> diff_systems(const System& before, const System& after);

// `s` with what ZONE_DEVICE never gives back reset to `before`: the zone's
// and node's span, the sections' taint, and the poison pageunmap_range()
// leaves on the boot memmap of an early section's hole; and which free pfns
// hold vmemmap (not how many: that stays in SectionState). Comparing two such
// views asks "was everything else undone?".
System without_device_residue(const System& s, const System& before);

// `s` with every zone->contiguous flag that is set in `s` but clear in
// `before` cleared again. set_zone_contiguous() runs only where the kernel
// calls it, so the flag is a cache: a clear one may be stale (6.1 clears it
// on every online and sets it again only on an offline), a set one must be
// true (INV-44). An op that rechecks a zone may therefore find it
// contiguous where it was not flagged before; comparing two such views asks
// "was everything else the same?". A flag that went from set to clear stays
// visible.
System without_contiguous_recheck(const System& s, const System& before);
// `s` with every zone->contiguous flag clear: the state without the cache.
System without_zone_contiguous(const System& s);
void clear_zone_contiguous_flags(System& s);

// One-line descriptions of the values diff_systems() compares; the
// pictures of picture.h say the same things the same way.
std::string hex(u64 v);  // "0x140000"
std::string describe(const PageState& p);
std::string describe(const Resource& r);
std::string describe(const MemoryGroup& g);
std::string describe(const AcpiMemoryDevice& d);
std::string describe(const MemoryNotifier& n);
std::string describe(const DevPagemap& p);
std::string describe(const SectionState& s);
std::string describe(const MemoryBlock& m);
// A pfn walker's view (Result::walked), a line per run: "pfn 0x100000-0x1001ff
// in Movable: vmemmap 0:Movable", or "...: NULL" where it was handed none.
std::vector<std::string> describe_walk(const std::vector<WalkedRun>& runs);

}  // namespace memhp
