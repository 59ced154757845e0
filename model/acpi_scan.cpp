// drivers/acpi/scan.c: ejecting an ACPI memory device (QEMU device_del of a
// pc-dimm).
//
// The ACPI core offlines the device's memory blocks itself before the driver
// removes the memory: a first pass offlines every block and ignores errors,
// a second pass retries the ones that failed; if one still fails, the blocks
// the first passes offlined are onlined again with device_online() (so with
// the default zone choice, whatever zone they were in before) and the eject
// fails with -EBUSY, which QEMU sees as an _OST failure.
#include "internal.h"

namespace memhp {

namespace {

// Memory blocks bound to the device, in the order the driver bound them.
std::vector<u64> device_blocks(const System& s, const AcpiMemoryDevice& d) {
  std::vector<u64> ids;
  const u64 first = s.geo.block_id(s.geo.pfn_of(d.start));
  const u64 end = s.geo.block_id(s.geo.pfn_of(d.start + d.size));
  for (u64 id = first; id < end; ++id)
    if (s.blocks.at(id).present) ids.push_back(id);
  return ids;
}

/* drivers/acpi/scan.c: acpi_scan_try_to_offline() with acpi_bus_offline()
   and acpi_bus_online() over the device's physical nodes */
int acpi_scan_try_to_offline(System& s, Result& r, const std::vector<u64>& ids) {
  std::vector<bool> put_online(ids.size(), false);
  std::vector<std::size_t> failed;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const int ret = k::device_offline(s, r, ids[i]);
    if (ret >= 0)
      put_online[i] = ret == 0;
    else
      failed.push_back(i);
  }
  if (failed.empty()) return 0;
  for (std::size_t i : failed) {  // second pass: only the ones that failed
    const int ret = k::device_offline(s, r, ids[i]);
    if (ret >= 0) {
      put_online[i] = ret == 0;
      continue;
    }
    if (!injected(s, "eject_rollback_skips_online"))
      for (std::size_t j = 0; j < ids.size(); ++j)
        if (put_online[j]) k::device_online(s, r, ids[j]);
    return -EBUSY;
  }
  return 0;
}

}  // namespace

/* drivers/acpi/scan.c: acpi_scan_hot_remove(), then
   drivers/acpi/acpi_memhotplug.c: acpi_memory_device_remove() */
Result dimm_remove(System& s, u64 start) {
  auto it = s.dimms.find(start);
  if (it == s.dimms.end()) return Result::error(-ENODEV, "no ACPI memory device at that address");
  const AcpiMemoryDevice dev = it->second;
  Result r;
  const std::vector<u64> ids = device_blocks(s, dev);
  const System before = s;
  if (int err = acpi_scan_try_to_offline(s, r, ids)) {
    r.err = err;
    r.reason = "Offline failed: eject refused (_OST failure)";
    if (!(s == before)) r.partial = Partial::EjectRollback;
    return r;
  }
  // acpi_memory_remove_memory(): __remove_memory() BUG()s if it fails.
  if (dev.enabled) {
    if (k::try_remove_memory(s, r, dev.start, dev.size) != 0) {
      r.bug = "BUG() in __remove_memory: " + r.reason;
      s = before;
      return r;
    }
  }
  k::memory_group_unregister(s, dev.mgid);  // acpi_memory_device_free()
  s.dimms.erase(start);
  return r;
}

}  // namespace memhp
