#include "caller_inputs.h"

namespace memhp {

namespace {

// remove_memory() passes the range to try_remove_memory(), which BUG()s
// unless it is memory-block aligned (BUG_ON(check_hotplug_memory_range())).
// Its 6.1 callers remove whole blocks they added: drivers/dax/kmem.c aligns
// each range to memory_block_size_bytes() (dax_kmem_range()). ACPI ejects call
// __remove_memory() instead (the trace's dimm_remove), and user space has no
// remove counterpart of the `probe` file.
std::optional<std::string> remove_memory_input(const Geometry& g, const OpRemoveMemory& o) {
  // An impossible block size is the geometry's error, reported at boot.
  if (!is_pow2(g.block_bytes)) return std::nullopt;
  if (o.size && is_aligned(o.start, g.block_bytes) && is_aligned(o.size, g.block_bytes)) return std::nullopt;
  return "remove_memory: the range is not memory-block aligned (" + std::to_string(g.block_bytes >> 20) +
         " MiB blocks); no kernel caller passes one, try_remove_memory() would BUG()";
}

}  // namespace

std::optional<std::string> refused_caller_input(const Geometry& g, const Op& op) {
  if (const auto* rm = std::get_if<OpRemoveMemory>(&op)) return remove_memory_input(g, *rm);
  return std::nullopt;
}

}  // namespace memhp
