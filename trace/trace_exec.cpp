// Executing a trace: each Op is one call into the model (include/memhp/ops.h).
//
// Kept apart from the parser so that the parser can be tested, and reused by
// tools that never run the model (kernel-script), without the model's state.
#include "memhp/trace.h"

namespace memhp {
namespace {

struct Apply {
  System& s;
  Result operator()(const OpAddMemory& o) const {
    if (o.resource_name) return add_memory_driver_managed(s, o.nid, o.start, o.size, *o.resource_name, o.flags);
    return add_memory(s, o.nid, o.start, o.size, o.flags);
  }
  Result operator()(const OpDimmAdd& o) const { return dimm_add(s, o.nid, o.start, o.size); }
  Result operator()(const OpDimmRemove& o) const { return dimm_remove(s, o.start); }
  Result operator()(const OpMemremap& o) const { return memremap_pages(s, o.req); }
  Result operator()(const OpMemunmap& o) const { return memunmap_pages(s, o.id); }
  Result operator()(const OpOnlineBlock& o) const { return online_block(s, o.block, o.type); }
  Result operator()(const OpOfflineBlock& o) const { return offline_block(s, o.block); }
  Result operator()(const OpRemoveMemory& o) const { return remove_memory(s, o.start, o.size); }
  Result operator()(const OpAlloc& o) const {
    return o.free ? free_pages(s, o.nid, o.zone, o.count, o.kind, o.block)
                  : alloc_pages(s, o.nid, o.zone, o.count, o.kind, o.block);
  }
  Result operator()(const OpCompactNode& o) const { return compact_node(s, o.nid); }
  Result operator()(const OpKpageflags& o) const { return kpageflags(s, o.pfn, o.count); }
  Result operator()(const OpSysfsWrite& o) const {
    return o.attr == BlockAttr::State ? state_write(s, o.block, o.value) : online_write(s, o.block, o.value);
  }
  // Registering a notifier cannot fail: it only changes what later events see.
  Result operator()(const OpNotifier& o) const {
    set_memory_notifier(s, o.going_online, o.going_offline);
    return Result{};
  }
};

}  // namespace

Result apply_op(System& s, const Op& op) { return std::visit(Apply{s}, op); }

std::variant<System, std::string> boot_trace(const Trace& t) {
  return boot_system(t.geo, t.prof, t.boot, t.mutants);
}

}  // namespace memhp
