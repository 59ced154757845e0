// Properties of a step as a whole: no operation makes the kernel BUG, a
// failed operation changes nothing, and only alloc/free change how many
// pages are allocated (migration moves pages, it never loses them).
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
  auto count = [](const System& s, PageKind k) {
    return s.pages.count_if(0, RunMap<PageState>::kEnd, [k](const PageState& p) { return p.kind == k; });
  };
  const Census& b = census_after(v);
  const u64 movable = count(v.before, PageKind::Movable), unmovable = count(v.before, PageKind::Unmovable);
  if (movable != b.movable_pages || unmovable != b.unmovable_pages)
    return "allocated pages changed from " + std::to_string(movable) + " movable/" +
           std::to_string(unmovable) + " unmovable to " + std::to_string(b.movable_pages) +
           "/" + std::to_string(b.unmovable_pages) + " without alloc or free";
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
// arguments pass these checks. __add_memory() -> register_memory_resource():
// mhp_range_allowed() (-E2BIG: empty, wrapping, or past MAX_PHYSMEM_BITS,
// the cap every arch's pluggable range has), then __request_region()
// (-EEXIST over any resource); add_memory_resource():
// check_hotplug_memory_range() (-EINVAL: start or size not a multiple of
// the memory block size). Past the first rule only on x86_64: arm64's
// pluggable range is its linear map, which the model does not narrow.
std::optional<int> add_memory_argument_errno(const System& s, const OpAddMemory& op) {
  const Geometry& g = s.geo;
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

}  // namespace

std::vector<Invariant> step_invariants() {
  return {
      {"no_kernel_bug", "INV-37",
       "No operation reaches a BUG(): offlining only takes free buddy pages out of the allocator.",
       "__offline_isolated_pages() BUG_ON(!PageBuddy); try_remove_memory() BUG_ON",
       no_kernel_bug, witness_offline_ok, "isolation_ignores_unmovable"},
      {"failed_op_changes_nothing", "GEN-1",
       "An operation that fails leaves the whole state as it was (outside the documented "
       "non-atomic kernel paths).",
       "the error paths of online_pages(), offline_pages(), add_memory_resource()",
       failed_op_changes_nothing, witness_failed_op, "online_failure_skips_deinit"},
      {"allocations_conserved", "GEN-2",
       "Only alloc and free change the number of allocated pages; offlining migrates them.",
       "do_migrate_range() / migrate_pages() in offline_pages()", allocations_conserved,
       witness_migration, "offline_drops_movable_pages"},
      {"argument_errors_match_kernel", "GEN-3",
       "add_memory() with arguments 6.1 refuses returns the errno of the first check they fail: "
       "-E2BIG past the pluggable range, -EEXIST over a resource, -EINVAL when not block-aligned; "
       "it refuses them before any work, so without a WARN. A DIMM gets -EEXIST exactly when it "
       "overlaps a plugged one.",
       "register_memory_resource(): mhp_range_allowed(), __request_region(); add_memory_resource(): "
       "check_hotplug_memory_range(); acpi_memory_enable_device() (QEMU's pc-dimm overlap check)",
       argument_errors_match_kernel, witness_bad_arguments, "hotplug_range_ignores_start"},
  };
}

}  // namespace memhp::inv
