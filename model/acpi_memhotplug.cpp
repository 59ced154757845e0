// drivers/acpi/acpi_memhotplug.c: the path a QEMU pc-dimm takes.
//
// A DIMM is an ACPI memory device with one memory range. The driver registers
// a static memory group for it, asks for memmap_on_memory (6.1: only when
// mhp_supports_memmap_on_memory() holds for the whole range, so only a DIMM
// of exactly one memory block gets an altmap; 6.8 onwards always, and
// add_memory_resource() decides per block), and adds the memory with
// __add_memory(). Errors other than -EEXIST make the driver give up with
// -EINVAL; -EEXIST still binds the device.
#include "internal.h"

namespace memhp {

/* drivers/acpi/acpi_memhotplug.c: acpi_memory_device_add() ->
   acpi_memory_enable_device() */
Result dimm_add(System& s, int nid, u64 start, u64 size) {
  // QEMU refuses a pc-dimm that overlaps another one before the guest hears of it.
  for (const auto& [at, d] : s.dimms)
    if (at < start + size && start < d.start + d.size)
      return Result::error(-EEXIST, "QEMU: the range overlaps another DIMM");
  if (!size) return Result::error(-EINVAL, "device is empty");

  Result r;
  const int mgid = k::memory_group_register_static(s, nid, (size + s.geo.page_size() - 1) >>
                                                               s.geo.page_shift);
  if (mgid < 0) {
    r.err = mgid;
    r.reason = "memory_group_register_static failed";
    // The usual cause in a trace: a second node the profile never made possible.
    if (!s.node_possible(nid))
      r.reason += ": node " + std::to_string(nid) + " is not possible; make it so with possible_nodes=" +
                  std::to_string(nid + 1) + " on the profile line (QEMU: a -numa node for it)";
    return r;
  }
  if (injected(s, "static_group_page_more")) s.groups.at(mgid).max_pages += 1;
  unsigned flags = MHP_NID_IS_MGID;
  const MemmapOnMemorySupport mom = mhp_supports_memmap_on_memory(s.geo, s.prof, size);
  if (s.prof.has(Delta::AcpiAlwaysAsksMom) || mom.supported) flags |= MHP_MEMMAP_ON_MEMORY;
  const int result = k::__add_memory(s, r, mgid, start, size, flags, "System RAM");
  if (result && result != -EEXIST) {
    // num_enabled == 0: "add_memory failed"; acpi_memory_device_free().
    if (!injected(s, "dimm_add_leaks_group")) k::memory_group_unregister(s, mgid);
    r.reason = "add_memory failed (" + errno_name(result) + ")" +
               (r.reason.empty() ? "" : ": " + r.reason);
    r.err = -EINVAL;
    return r;
  }
  AcpiMemoryDevice dev;
  dev.start = start;
  dev.size = size;
  dev.nid = nid;
  dev.mgid = mgid;
  dev.enabled = true;
  s.dimms.emplace(start, dev);
  if (result == -EEXIST) r.reason = "memory already present (-EEXIST); device bound anyway";
  // The driver does not say when it did not ask: a user who set
  // memmap_on_memory=1 should hear where this DIMM's memmap came from.
  if (!result && !(flags & MHP_MEMMAP_ON_MEMORY) && s.prof.memmap_on_memory)
    r.notes.push_back("memmap_on_memory=1 but not for this DIMM (" + mom.reason +
                      "): its memmap comes from the page allocator");
  r.err = 0;
  return r;
}

}  // namespace memhp
