// Properties of a step as a whole: no operation makes the kernel BUG, a
// failed operation changes nothing, and only alloc/free change how many
// pages are allocated (migration moves pages, it never loses them).
#include <algorithm>
#include <cstdio>

#include "diff.h"
#include "inv_util.h"
#include "invariant_lists.h"
#include "residue.h"

namespace memhp::inv {

namespace {

using Msg = std::optional<std::string>;

Msg no_kernel_bug(const StepView& v) {
  if (v.result && !v.result->bug.empty()) return "the kernel would crash: " + v.result->bug;
  return std::nullopt;
}

// A failed operation leaves the System as it was, except for the residue the
// kernel's known non-atomic paths leave (residue.h). Which path covers a step
// is decided from the op, its errno and the state before, never from the
// model's own report of a partial failure.
Msg failed_op_changes_nothing(const StepView& v) {
  if (!step_failed(v) || v.after == v.before) return std::nullopt;
  const auto [before, after] = without_known_residue(v);
  if (after == before) return std::nullopt;
  const std::vector<std::string> d = diff_systems(before, after);
  std::string msg = "a failed operation (" + errno_name(v.result->err) + ") changed the state";
  const auto paths = residue_paths_for(v);
  for (std::size_t i = 0; i < paths.size(); ++i) msg += (i ? ", " : " beyond what ") + std::string(paths[i]);
  msg += paths.empty() ? ":" : " may leave:";
  for (std::size_t i = 0; i < d.size() && i < 4; ++i) msg += " [" + d[i] + "]";
  if (d.size() > 4) msg += " and " + std::to_string(d.size() - 4) + " more";
  return msg;
}
bool witness_failed_op(const StepView& v) { return step_failed(v); }

Msg allocations_conserved(const StepView& v) {
  if (v.at_boot() || op_as<OpAlloc>(v)) return std::nullopt;
  // Not census_after(): this step check runs on every transition, where a
  // whole census of the state after would cost more than the check.
  const auto [movable, unmovable] = allocated_pages(v.before);
  const auto [movable_now, unmovable_now] = allocated_pages(v.after);
  if (movable != movable_now || unmovable != unmovable_now)
    return "allocated pages changed from " + std::to_string(movable) + " movable/" +
           std::to_string(unmovable) + " unmovable to " + std::to_string(movable_now) +
           "/" + std::to_string(unmovable_now) + " without alloc or free";
  return std::nullopt;
}
// An offline that had movable pages to migrate succeeded.
bool witness_migration(const StepView& v) {
  const OpOfflineBlock* op = op_as<OpOfflineBlock>(v);
  if (!op || !step_ok(v)) return false;
  const u64 lo = v.before.geo.block_start(op->block).v, hi = v.before.geo.block_start(op->block + 1).v;
  return v.before.pages.count_if(lo, hi, [](const PageState& p) { return p.kind == PageKind::Movable; }) > 0;
}
bool witness_offline_ok(const StepView& v) { return op_as<OpOfflineBlock>(v) && step_ok(v); }

// The errno 6.1's add_memory() gives for bad arguments, in the order it
// checks them, from the arguments and the state before; nullopt where the
// arguments pass these checks. add_memory_driver_managed()'s name check
// (-EINVAL), then __add_memory() -> register_memory_resource():
// mhp_range_allowed() (-E2BIG: empty, wrapping, or past MAX_PHYSMEM_BITS,
// the cap every arch's pluggable range has), then __request_region()
// (-EEXIST over any resource); add_memory_resource():
// check_hotplug_memory_range() (-EINVAL: start or size not a multiple of
// the memory block size). Past the first rule only on x86_64: arm64's
// pluggable range is its linear map, which the model does not narrow.
std::optional<int> add_memory_argument_errno(const System& s, const OpAddMemory& op) {
  const Geometry& g = s.geo;
  // add_memory_driver_managed() first wants a name "System RAM (...)".
  if (const auto& name = op.resource_name; name && !(name->starts_with("System RAM (") && name->ends_with(')')))
    return -EINVAL;
  const u64 end = op.start + op.size;
  if (end <= op.start || end - 1 > (u64{1} << g.max_physmem_bits) - 1) return -E2BIG;
  if (g.arch != Arch::X86_64) return std::nullopt;
  for (const auto& [key, r] : s.iomem)
    if (r.start < end && op.start < r.end) return -EEXIST;
  if (op.start % g.block_bytes || op.size % g.block_bytes) return -EINVAL;
  return std::nullopt;
}

// A pc-dimm that overlaps a plugged one: QEMU refuses it (-EEXIST) before
// the guest hears of it. Any other DIMM reaches the guest, whose driver
// binds it even when __add_memory() says -EEXIST
// (acpi_memory_enable_device()), so it never gets -EEXIST.
bool dimm_overlaps_plugged(const System& s, const OpDimmAdd& op) {
  for (const auto& [at, d] : s.dimms)
    if (d.start < op.start + op.size && op.start < d.start + d.size) return true;
  return false;
}

Msg dimm_overlap_errno(const StepView& v, const OpDimmAdd& op) {
  const bool overlaps = dimm_overlaps_plugged(v.before, op);
  if (overlaps == (v.result->err == -EEXIST)) return std::nullopt;
  return "`" + print_op(*v.op) + "` returned " + errno_name(v.result->err) +
         (overlaps ? "; it overlaps a plugged DIMM, which QEMU refuses with -EEXIST"
                   : "; it overlaps no plugged DIMM, and the driver binds a DIMM even over present memory");
}

Msg argument_errors_match_kernel(const StepView& v) {
  if (!v.result) return std::nullopt;
  if (const auto* d = op_as<OpDimmAdd>(v)) return dimm_overlap_errno(v, *d);
  const OpAddMemory* op = op_as<OpAddMemory>(v);
  if (!op) return std::nullopt;
  const std::optional<int> want = add_memory_argument_errno(v.before, *op);
  if (!want) return std::nullopt;
  if (v.result->err != *want)
    return "`" + print_op(*v.op) + "` returned " + errno_name(v.result->err) +
           "; 6.1's argument checks give " + errno_name(*want);
  // The checks run before any work and refuse quietly (pr_err at most): a
  // WARN means the arguments got past them into code that assumes them sane.
  if (!v.result->warnings.empty())
    return "`" + print_op(*v.op) + "` fired WARN \"" + v.result->warnings.front() +
           "\"; 6.1 refuses these arguments before any work, without a WARN";
  return std::nullopt;
}
bool witness_bad_arguments(const StepView& v) {
  if (const auto* d = op_as<OpDimmAdd>(v)) return dimm_overlaps_plugged(v.before, *d);
  const OpAddMemory* op = op_as<OpAddMemory>(v);
  return op && add_memory_argument_errno(v.before, *op).has_value();
}

// ---------------------------------------------------------------- GEN-4 --
// The WARNs 6.1 gives on the ops the suites run, each with the premise under
// which the kernel reaches it, judged from the op, the state before and the
// errno: a WARN of no kind here, or of a kind whose premise does not hold,
// is one the kernel would not give. The kernel places are WARN_ON_ONCE(ret)
// in arch/x86/mm/init_64.c add_pages(); add_memory_resource()'s
// node_possible() WARN; pagemap_range()'s "altmap not supported for
// multiple ranges"; __add_pages()'s check_pfn_span() "Misaligned";
// remove_memory_block_devices()'s WARN_ON_ONCE(!mem),
// __remove_section()'s WARN_ON_ONCE(!valid_section(ms)) and
// clear_subsection_map()'s "section already deactivated".

bool has_prefix(const std::string& w, std::string_view p) { return w.rfind(p, 0) == 0; }

// The range an op removes: remove_memory's, or the ejected DIMM's.
std::optional<std::pair<u64, u64>> removed_range(const StepView& v) {
  if (const auto* op = op_as<OpRemoveMemory>(v)) return std::pair{op->start, op->start + op->size};
  if (const auto* op = op_as<OpDimmRemove>(v)) {
    const auto it = v.before.dimms.find(op->start);
    if (it != v.before.dimms.end()) return std::pair{it->second.start, it->second.start + it->second.size};
  }
  return std::nullopt;
}

// The memory blocks of [lo, hi) that have no device before the step, as
// "A" / "A..B" runs, the way the kernel's per-block WARN_ON_ONCE(!mem)
// names them (one WARN a run: it is once per call site in the kernel).
std::vector<std::string> absent_blocks(const System& s, u64 lo, u64 hi) {
  std::vector<std::string> out;
  const u64 bb = s.geo.block_bytes;
  if (!bb || lo % bb || hi % bb) return out;
  s.blocks.for_each(lo / bb, hi / bb, [&](u64 a, u64 b, const MemoryBlock& m) {
    if (!m.present)
      out.push_back("remove_memory_block_devices: no memory block " + std::to_string(a) +
                    (b - a > 1 ? ".." + std::to_string(b - 1) : ""));
  });
  return out;
}

// The sections of [lo, hi) (bytes) without a valid memmap before the step:
// (first, count), counted the way __remove_pages() steps over them.
std::pair<u64, u64> invalid_sections(const System& s, u64 lo, u64 hi) {
  const Geometry& g = s.geo;
  if (hi <= lo) return {0, 0};
  const u64 first = g.section_nr(Pfn{lo >> g.page_shift}), last = g.section_nr(Pfn{(hi - 1) >> g.page_shift});
  u64 at = 0, n = 0;
  s.sections.for_each(first, last + 1, [&](u64 a, u64 b, const SectionState& ms) {
    if (ms.has_mem_map) return;
    if (!n) at = a;
    n += b - a;
  });
  return {at, n};
}

std::string invalid_sections_warn(std::pair<u64, u64> inv) {
  return "__remove_section: section " + std::to_string(inv.first) + " not valid" +
         (inv.second > 1 ? " (and " + std::to_string(inv.second - 1) + " more)" : "");
}

// Whether 6.1 can give WARN w on this step (its premise holds).
bool kernel_warns(const StepView& v, const std::string& w) {
  const System& s = v.before;
  const int err = v.result->err;
  if (has_prefix(w, "add_pages: __add_pages failed")) {
    // x86's add_pages(): __add_pages() failed under add_memory() (the step
    // fails), a DIMM the guest hears of (its driver binds it anyway), or
    // memremap_pages() (the probe fails).
    if (s.geo.arch != Arch::X86_64) return false;
    if (op_as<OpAddMemory>(v) || op_as<OpMemremap>(v)) return err != 0;
    if (const auto* d = op_as<OpDimmAdd>(v)) return !dimm_overlaps_plugged(s, *d);
    return false;
  }
  if (has_prefix(w, "node ") && w.find(" was absent from the node_possible_map") != std::string::npos) {
    int nid = -1;
    if (std::sscanf(w.c_str(), "node %d", &nid) != 1 || s.node_possible(nid)) return false;
    if (const auto* op = op_as<OpAddMemory>(v))
      return err == -EINVAL && (op->nid == nid || (op->flags & MHP_NID_IS_MGID));
    if (const auto* d = op_as<OpDimmAdd>(v)) return d->nid == nid;
    return false;
  }
  if (w == "memunmap_pages: failed to free all reserved pages") {
    // memremap_pages() failing unwinds with memunmap_pages(), whose
    // WARN_ONCE(pgmap->altmap.alloc) fires when sections range 0 added
    // before __add_pages() failed keep their altmap pages (the leak).
    const auto* op = op_as<OpMemremap>(v);
    return op && op->req.altmap && err != 0;
  }
  if (w == "altmap not supported for multiple ranges") {
    const auto* op = op_as<OpMemremap>(v);
    return op && op->req.altmap && op->req.ranges.size() > 1 && err == -EINVAL;
  }
  if (w == "Misaligned __add_pages") {
    // check_pfn_span(): start and size whole subsections (SPARSEMEM_VMEMMAP).
    const auto* op = op_as<OpMemremap>(v);
    if (!op || err != -EINVAL) return false;
    const u64 sub = s.geo.pages_per_subsection() << s.geo.page_shift;
    for (const auto& [start, size] : op->req.ranges)
      if (start % sub || size % sub) return true;
    return false;
  }
  if (has_prefix(w, "remove_memory_block_devices: no memory block ")) {
    const auto r = removed_range(v);
    if (!r) return false;
    const auto absent = absent_blocks(s, r->first, r->second);
    return std::find(absent.begin(), absent.end(), w) != absent.end();
  }
  if (has_prefix(w, "section already deactivated (pfn ")) {
    // clear_subsection_map(): a removal over subsections of a valid section
    // that are not populated (or a section without usage).
    unsigned long long pfn = 0, nr = 0;
    if (std::sscanf(w.c_str(), "section already deactivated (pfn %llu + %llu)", &pfn, &nr) != 2 || !nr)
      return false;
    const auto r = removed_range(v);
    const Geometry& g = s.geo;
    if (!r || (pfn << g.page_shift) < r->first || ((pfn + nr) << g.page_shift) > r->second) return false;
    if (g.section_nr(Pfn{pfn}) != g.section_nr(Pfn{pfn + nr - 1})) return false;
    const SectionState& ms = s.sections.at(g.section_nr(Pfn{pfn}));
    if (!ms.has_mem_map) return false;
    if (ms.usage == UsageOrigin::None) return true;
    for (u64 p = align_down(pfn, g.pages_per_subsection()); p < pfn + nr; p += g.pages_per_subsection())
      if (!ms.subsection_map.test(g.subsection_index(Pfn{p}))) return true;
    return false;
  }
  if (has_prefix(w, "memory_blocks_have_altmaps: ")) {
    // 6.8 onwards (mom_per_block): a removal over blocks some of which, not
    // all, self-host their vmemmap is refused with WARN_ON_ONCE.
    const auto* op = op_as<OpRemoveMemory>(v);
    if (!op || err != -EINVAL || !s.prof.has(Delta::MomPerBlock) || !s.prof.memmap_on_memory) return false;
    const Geometry& g = s.geo;
    u64 with = 0, all = 0;
    for (u64 id = g.block_id(g.pfn_of(op->start)); id < g.block_id(g.pfn_of(op->start + op->size)); ++id, ++all)
      with += s.blocks.at(id).nr_vmemmap_pages != 0;
    return with && with != all;
  }
  if (has_prefix(w, "__remove_section: section ")) {
    const auto r = removed_range(v);
    const auto inv = r ? invalid_sections(s, r->first, r->second) : std::pair<u64, u64>{0, 0};
    return inv.second && w == invalid_sections_warn(inv);
  }
  return false;
}

Msg warnings_match_kernel(const StepView& v) {
  if (!v.result || v.at_boot()) return std::nullopt;
  for (const std::string& w : v.result->warnings)
    if (!kernel_warns(v, w))
      return "`" + print_op(*v.op) + "` fired WARN \"" + w + "\", which 6.1 does not give there";
  // A remove_memory() that succeeded got past try_remove_memory()'s checks
  // into remove_memory_block_devices() and __remove_pages() over its whole
  // range: it WARNs for exactly the absent blocks and invalid sections.
  if (op_as<OpRemoveMemory>(v) && step_ok(v)) {
    const auto r = *removed_range(v);
    std::vector<std::string> want = absent_blocks(v.before, r.first, r.second);
    if (const auto inv = invalid_sections(v.before, r.first, r.second); inv.second)
      want.push_back(invalid_sections_warn(inv));
    for (const std::string& w : want)
      if (std::find(v.result->warnings.begin(), v.result->warnings.end(), w) == v.result->warnings.end())
        return "`" + print_op(*v.op) + "` did not WARN \"" + w + "\", which 6.1 gives there";
  }
  return std::nullopt;
}
bool witness_kernel_warn(const StepView& v) {
  return v.result && !v.at_boot() && !v.result->warnings.empty();
}

// ---------------------------------------------------------------- GEN-5 --
// try_remove_memory() -> arch_remove_memory() -> __remove_pages() visits
// every section of the range: it skips (and WARNs about) those without a
// memmap and deactivates the rest, whose clear_subsection_map() clears the
// range's bits or, if some are not set, WARNs and clears nothing. So after a
// remove_memory() that succeeded no subsection of the range is populated,
// except in a section that gave that WARN.
Msg remove_clears_range(const StepView& v) {
  const auto* op = op_as<OpRemoveMemory>(v);
  if (!op || !step_ok(v) || !op->size) return std::nullopt;
  const System& s = v.after;
  const Geometry& g = s.geo;
  const u64 lo = op->start >> g.page_shift, hi = (op->start + op->size) >> g.page_shift;
  if (lo >= hi) return std::nullopt;
  const u64 sub = g.pages_per_subsection();
  Msg out;
  s.sections.for_each(g.section_nr(Pfn{lo}), g.section_nr(Pfn{hi - 1}) + 1,
                      [&](u64 a, u64 b, const SectionState& ms) {
    if (out || ms.usage == UsageOrigin::None || ms.subsection_map.none()) return;
    for (u64 nr = a; nr < b && !out; ++nr) {
      const u64 x = std::max(lo, g.section_start(nr).v), y = std::min(hi, g.section_start(nr + 1).v);
      bool set = false;
      for (u64 p = align_down(x, sub); p < y && !set; p += sub) set = ms.subsection_map.test(g.subsection_index(Pfn{p}));
      if (!set) continue;
      const std::string refused = "section already deactivated (pfn " + std::to_string(x) + " + ";
      const bool warned = std::any_of(v.result->warnings.begin(), v.result->warnings.end(),
                                      [&](const std::string& w) { return has_prefix(w, refused); });
      if (!warned)
        out = "`" + print_op(*v.op) + "` succeeded but left subsections of " + sec(nr) +
              " in its range populated";
    }
  });
  return out;
}
bool witness_remove_over_absent(const StepView& v) {
  // A removal that took sections away (the generator also starts some at
  // an absent block before a hot one: the walk must go past it).
  const auto* op = op_as<OpRemoveMemory>(v);
  if (!op || !step_ok(v)) return false;
  const u64 sections = op->size / (v.before.geo.pages_per_section() << v.before.geo.page_shift);
  return invalid_sections(v.before, op->start, op->start + op->size).second < sections;
}

}  // namespace

std::vector<Invariant> step_invariants() {
  return {
      {"no_kernel_bug", "INV-37",
       "No operation reaches a BUG(): offlining only takes free buddy pages out of the allocator.",
       "__offline_isolated_pages() BUG_ON(!PageBuddy); try_remove_memory() BUG_ON",
       no_kernel_bug, witness_offline_ok},
      {"failed_op_changes_nothing", "GEN-1",
       "An operation that fails leaves the whole state as it was (outside the documented "
       "non-atomic kernel paths).",
       "the error paths of online_pages(), offline_pages(), add_memory_resource()",
       failed_op_changes_nothing, witness_failed_op},
      {"allocations_conserved", "GEN-2",
       "Only alloc and free change the number of allocated pages; offlining migrates them.",
       "do_migrate_range() / migrate_pages() in offline_pages()", allocations_conserved,
       witness_migration},
      {"argument_errors_match_kernel", "GEN-3",
       "add_memory() with arguments 6.1 refuses returns the errno of the first check they fail: "
       "-EINVAL for a driver-managed resource name not \"System RAM (...)\", "
       "-E2BIG past the pluggable range, -EEXIST over a resource, -EINVAL when not block-aligned; "
       "it refuses them before any work, so without a WARN. A DIMM gets -EEXIST exactly when it "
       "overlaps a plugged one.",
       "add_memory_driver_managed()'s name check; register_memory_resource(): mhp_range_allowed(), "
       "__request_region(); add_memory_resource(): "
       "check_hotplug_memory_range(); acpi_memory_enable_device() (QEMU's pc-dimm overlap check)",
       argument_errors_match_kernel, witness_bad_arguments},
      {"warnings_match_kernel", "GEN-4",
       "A step WARNs only where 6.1 WARNs on it: x86 add_pages() when __add_pages() failed, "
       "add_memory() on an impossible node, memremap_pages() with an altmap on several ranges or "
       "a range not of whole subsections, and a removal over absent memory blocks, sections "
       "without a memmap or unpopulated subsections, naming exactly those (blocks and sections: all "
       "of them when remove_memory() succeeds).",
       "arch/x86 add_pages() WARN_ON_ONCE(ret); add_memory_resource(); pagemap_range(); "
       "__add_pages() check_pfn_span(); remove_memory_block_devices(); __remove_section(); "
       "clear_subsection_map()",
       warnings_match_kernel, witness_kernel_warn},
      {"remove_clears_range", "GEN-5",
       "A remove_memory() that succeeds leaves no subsection of its range populated (sections without "
       "a memmap are skipped, not the end of the walk), except in a section whose "
       "clear_subsection_map() refused with a WARN.",
       "__remove_pages() -> __remove_section() -> sparse_remove_section() -> section_deactivate()",
       remove_clears_range, witness_remove_over_absent},
  };
}

}  // namespace memhp::inv
