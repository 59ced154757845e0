// The model's side of the real-kernel oracle (see kernel.h).
//
// The oracle library (oracle/, memhp_oracle) is the C++ half of oracle/:
// guest.py boots the pinned Debian 6.1 or 6.12 kernel under QEMU and agent.c runs in
// it (oracle/README.md). Here a trace becomes a guest script, the model's
// observations are computed for the same trace, guest.py runs as a child
// process, and the two sets of observations are compared. It needs the
// trace language and report/'s JSON helpers (the guest speaks JSON lines),
// and none of the checkers: whether the kernel and the model agree is
// decided by comparing observations, not by the invariant registry.
#include "kernel.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "report.h"

namespace memhp {

namespace {

constexpr u64 MiB = u64{1} << 20;
constexpr u64 GiB = u64{1} << 30;

// QEMU's pc machine with `-m M` (M <= 2 GiB) gives this e820 RAM map: the
// kernel keeps page 0, the BIOS the 640K..1M hole and the top 128 KiB. With
// `-numa`, each node's RAM backend follows the previous one (node 0 from
// address 0) and SRAT splits the map there; a node of size 0 has no memory
// (it is only possible). `nodes` holds each node's boot RAM.
std::vector<BootRange> qemu_layout(const std::vector<u64>& nodes) {
  std::vector<BootRange> out{{0, 0x1000, 0x9fc00 - 0x1000}};
  u64 base = 0;
  for (int nid = 0; nid < static_cast<int>(nodes.size()); ++nid) {
    const u64 from = nid == 0 ? 0x100000 : base;
    if (nodes[nid]) out.push_back({nid, from, base + nodes[nid] - from});
    base += nodes[nid];
  }
  if (out.size() > 1) out.back().size -= 0x20000;
  return out;
}

// The number of NUMA nodes the guest gets: possible_nodes, or the nodes with
// boot memory (boot.cpp does the same).
int guest_nodes(const Trace& t) {
  int max_nid = 0;
  for (const BootRange& r : t.boot) max_nid = std::max(max_nid, r.nid);
  return t.prof.possible_nodes ? t.prof.possible_nodes : max_nid + 1;
}

// Each node's boot RAM (the QEMU -m and -numa sizes) if `boot` is what QEMU
// gives for them: 256 MiB..2 GiB in all, node 0 holding RAM; with two or more
// nodes each node's RAM a multiple of 128 MiB, so that no memory block spans
// two nodes.
std::optional<std::vector<u64>> qemu_nodes_of(const Trace& t) {
  const int n = guest_nodes(t);
  if (t.boot.empty() || n < 1) return std::nullopt;
  std::vector<u64> ends(n, 0);
  for (const BootRange& r : t.boot)
    if (r.nid >= 0 && r.nid < n) ends[r.nid] = std::max(ends[r.nid], r.start + r.size);
  std::vector<u64> nodes(n, 0);
  u64 base = 0;
  const BootRange& last = t.boot.back();
  for (int nid = 0; nid < n; ++nid) {
    if (!ends[nid]) continue;
    const u64 end = ends[nid] + (nid == last.nid ? 0x20000 : 0);
    if (end <= base) return std::nullopt;
    nodes[nid] = end - base;
    base = end;
  }
  u64 mem = 0;
  for (u64 m : nodes) mem += m;
  if (!nodes[0] || mem % MiB || mem < 256 * MiB || mem > 2 * GiB) return std::nullopt;
  if (n > 1)
    for (u64 m : nodes)
      if (m % (128 * MiB)) return std::nullopt;
  if (t.boot != qemu_layout(nodes)) return std::nullopt;
  return nodes;
}

std::string size_text(u64 bytes) {
  if (!bytes) return "0";
  return bytes % GiB ? std::to_string(bytes / MiB) + "M" : std::to_string(bytes / GiB) + "G";
}

// memhp_default_state when the command line does not set it: Debian's 6.1
// config leaves MEMORY_HOTPLUG_DEFAULT_ONLINE unset, Debian's 6.12 has
// MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y (guest.py checks both configs).
OnlineType debian_default_state(KernelVersion v) {
  return v == KernelVersion::V6_1 ? OnlineType::Offline : OnlineType::Online;
}

std::string cmdline(const Profile& p) {
  // The config's default is left to the config, so a trace can show what an
  // unconfigured Debian kernel does.
  std::string s;
  if (p.memhp_default_state != debian_default_state(p.version))
    s = "memhp_default_state=" + std::string(online_type_name(p.memhp_default_state)) + " ";
  s += "memory_hotplug.memmap_on_memory=" +
       std::string(p.memmap_on_memory_force ? "force" : p.memmap_on_memory ? "1" : "0");
  if (p.movable_node) s += " movable_node";
  if (p.online_policy == OnlinePolicy::AutoMovable) s += " memory_hotplug.online_policy=auto-movable";
  if (p.auto_movable_ratio != Profile{}.auto_movable_ratio)
    s += " memory_hotplug.auto_movable_ratio=" + std::to_string(p.auto_movable_ratio);
  if (p.auto_movable_numa_aware != Profile{}.auto_movable_numa_aware)
    s += std::string(" memory_hotplug.auto_movable_numa_aware=") + (p.auto_movable_numa_aware ? "1" : "0");
  return s;
}

std::string sysfs_state(u64 block) {
  return "/sys/devices/system/memory/memory" + std::to_string(block) + "/state";
}

// Headers a real kernel cannot reproduce, or "" if fine.
std::string header_problem(const Trace& t) {
  const Geometry x86 = *geometry_preset("x86_64");
  if (!(t.geo == x86)) return "the guest is x86_64 with 128 MiB memory blocks";
  if (t.mutants.any()) return "a real kernel has no mutants";
  const std::string v(version_name(t.prof.version));
  if (t.prof.version != KernelVersion::V6_1 && t.prof.version != KernelVersion::V6_12)
    return "no Debian package of mainline " + v + "; the oracle boots v6.1 and v6.12";
  if (t.prof.deltas != deltas_of(t.prof.version))
    return "the profile's deltas differ from " + v + "'s own (with=/without=); the guest runs " + v +
           " as Debian built it";
  if (!qemu_nodes_of(t))
    return "boot memory must be QEMU's e820 map for -m 256M..2G, on one node or split over the "
           "possible nodes in 128 MiB multiples from node 0 (oracle/README.md)";
  return {};
}

struct ScriptWriter {
  std::string out;
  std::map<u64, std::pair<int, u64>> dimms;  // start -> QMP id number, size
  int next_id = 0;

  void line(const std::string& s) { out += s + "\n"; }

  void dimm_add(const OpDimmAdd& d, bool blocks_appear, const Geometry& g) {
    const int id = next_id++;
    // QEMU refuses a DIMM that overlaps another: that device never exists.
    bool overlaps = false;
    for (const auto& [start, v] : dimms) overlaps = overlaps || (start < d.start + d.size && d.start < start + v.second);
    if (!overlaps) dimms[d.start] = {id, d.size};
    const std::string n = std::to_string(id);
    line("qmp " + json_line(Json{{"execute", "object-add"},
                                 {"arguments", {{"qom-type", "memory-backend-ram"}, {"id", "mem" + n}, {"size", d.size}}}}));
    line("qmp " + json_line(Json{{"execute", "device_add"},
                                 {"arguments",
                                  {{"driver", "pc-dimm"}, {"id", "dimm" + n}, {"memdev", "mem" + n},
                                   {"addr", d.start}, {"node", d.nid}}}}));
    if (blocks_appear)
      line("wait-blocks " + std::to_string(g.block_id(g.pfn_of(d.start))) + " " +
           std::to_string(g.block_id(g.pfn_of(d.start + d.size)) - 1));
  }

  void dimm_remove(const OpDimmRemove& d) {
    auto it = dimms.find(d.start);
    const std::string n = it == dimms.end() ? "-none" : std::to_string(it->second.first);
    line("qmp " + json_line(Json{{"execute", "device_del"}, {"arguments", {{"id", "dimm" + n}}}}));
    if (it == dimms.end()) return;
    line("wait-deleted dimm" + n);
  }
};

}  // namespace

std::variant<std::string, ParseError> kernel_script(const Trace& t) {
  if (std::string why = header_problem(t); !why.empty())
    return ParseError{0, "not expressible on a real guest: " + why};
  const std::vector<u64> nodes = *qemu_nodes_of(t);
  u64 mem = 0;
  for (u64 m : nodes) mem += m;
  u64 top = 4 * GiB;  // the device memory region starts at 4 GiB
  int dimms = 0;
  for (const TraceStep& st : t.steps) {
    if (const auto* d = std::get_if<OpDimmAdd>(&st.op)) {
      top = std::max(top, d->start + d->size);
      ++dimms;
      continue;
    }
    if (const auto* w = std::get_if<OpSysfsWrite>(&st.op); w && w->value.empty())
      return ParseError{st.line, "not expressible on a real guest: an empty sysfs_write (the script writes a word)"};
    if (std::holds_alternative<OpDimmRemove>(st.op) || std::holds_alternative<OpOnlineBlock>(st.op) ||
        std::holds_alternative<OpOfflineBlock>(st.op) || std::holds_alternative<OpCompactNode>(st.op) ||
        std::holds_alternative<OpSysfsWrite>(st.op))
      continue;
    return ParseError{st.line, "not expressible on a real guest: '" + op_name(st.op) +
                                   "' (the guest runs dimm_add, dimm_remove, online_block, offline_block, "
                                   "sysfs_write, compact_node)"};
  }
  const u64 maxmem = std::max(mem + 8 * GiB, align_up(top - 4 * GiB + mem, GiB));
  const int slots = std::max(8, dimms);

  std::string machine = "mem=" + std::to_string(mem / MiB) + "M slots=" + std::to_string(slots) +
                        " maxmem=" + std::to_string(maxmem / GiB) + "G kernel=" +
                        std::string(version_name(t.prof.version));
  std::string numa_by_hand;
  if (nodes.size() > 1) {
    machine += " numa=";
    for (std::size_t nid = 0; nid < nodes.size(); ++nid) {
      machine += (nid ? "," : "") + size_text(nodes[nid]);
      const std::string id = std::to_string(nid);
      numa_by_hand += nodes[nid] ? " -object memory-backend-ram,id=node" + id + "-ram,size=" + size_text(nodes[nid]) +
                                       " -numa node,nodeid=" + id + ",memdev=node" + id + "-ram"
                                 : " -numa node,nodeid=" + id;
    }
  }

  ScriptWriter w;
  w.line("# memhp kernel script v1");
  w.line("# By hand: qemu-system-x86_64 -accel tcg -m " + std::to_string(mem / MiB) + "M,slots=" +
         std::to_string(slots) + ",maxmem=" + std::to_string(maxmem / GiB) + "G" + numa_by_hand + " \\");
  w.line("#   -kernel vmlinuz -initrd initramfs -qmp unix:qmp.sock,server=on,wait=off -append \"" +
         cmdline(t.prof) + "\"");
  w.line("# with vmlinuz from the " + std::string(version_name(t.prof.version)) +
         " package of oracle/kernel.pin; then send each `qmp` line to the QMP socket, and run");
  w.line("# each `guest write PATH VALUE` in the guest as `echo VALUE > PATH`, reading the state between steps.");
  w.line("machine " + machine);
  w.line("cmdline " + cmdline(t.prof));

  // The model says which hot-adds create blocks, so the script knows what to
  // wait for.
  auto booted = boot_trace(t);
  if (auto* e = std::get_if<std::string>(&booted)) return ParseError{0, *e};
  System s = std::get<System>(std::move(booted));
  for (const TraceStep& st : t.steps) {
    w.line("step " + std::to_string(st.line) + " " + print_op(st.op));
    const Result r = apply_op(s, st.op);
    if (const auto* d = std::get_if<OpDimmAdd>(&st.op)) w.dimm_add(*d, r.ok(), s.geo);
    if (const auto* d = std::get_if<OpDimmRemove>(&st.op)) {
      w.dimm_remove(*d);
      if (r.ok()) w.dimms.erase(d->start);  // a refused eject keeps the device
    }
    if (const auto* o = std::get_if<OpOnlineBlock>(&st.op))
      w.line("guest write " + sysfs_state(o->block) + " " + std::string(online_type_name(o->type)));
    if (const auto* o = std::get_if<OpOfflineBlock>(&st.op)) w.line("guest write " + sysfs_state(o->block) + " offline");
    if (const auto* o = std::get_if<OpSysfsWrite>(&st.op))
      w.line("guest write /sys/devices/system/memory/memory" + std::to_string(o->block) +
             (o->attr == BlockAttr::State ? "/state " : "/online ") + o->value);
    if (const auto* o = std::get_if<OpCompactNode>(&st.op))
      w.line("guest write /sys/devices/system/node/node" + std::to_string(o->nid) + "/compact 1");
  }
  return w.out;
}

// ----------------------------------------------------------------- model --

namespace {

KernelObservation observe(const System& s, int line, const std::string& op, std::optional<int> err) {
  KernelObservation o;
  o.line = line;
  o.op = op;
  o.err = err;
  for (int nid = 0; nid < static_cast<int>(s.nodes.size()); ++nid) {
    if (!s.node(nid).online) continue;
    for (Zone z : kAllZones) {
      const ZoneState& zs = s.zone(nid, z);
      KernelZone k;
      if (zs.populated()) k.start_pfn = zs.zone_start_pfn;
      k.spanned = zs.spanned_pages;
      k.present = zs.present_pages;
      k.managed = zs.managed_pages;
      o.zones[std::to_string(nid) + ":" + std::string(zone_name(z))] = k;
    }
  }
  s.blocks.for_each(0, RunMap<MemoryBlock>::kEnd, [&](u64 a, u64 b, const MemoryBlock& m) {
    if (!m.present) return;
    for (u64 id = a; id < b; ++id) {
      KernelBlock kb;
      kb.state = std::string(block_state_name(m.state));
      if (m.zone && m.state == BlockState::Online) kb.zone = std::string(zone_name(*m.zone));
      kb.valid_zones = valid_zones(s, id);
      o.blocks[id] = kb;
    }
  });
  // /proc/vmstat's memmap counters exist from 6.11 (delta memmap_accounting):
  // the agent reads them on 6.12, compare_vmstat() compares them since boot.
  if (s.prof.has(Delta::MemmapAccounting)) {
    o.vmstat["nr_memmap_pages"] = s.vmstat.nr_memmap_pages;
    o.vmstat["nr_memmap_boot_pages"] = s.vmstat.nr_memmap_boot_pages;
  }
  return o;
}

// The errno a guest can see for this op: sysfs writes and ejects.
std::optional<int> visible_errno(const Op& op, const Result& r) {
  if (std::holds_alternative<OpOnlineBlock>(op) || std::holds_alternative<OpOfflineBlock>(op) ||
      std::holds_alternative<OpDimmRemove>(op) || std::holds_alternative<OpCompactNode>(op) ||
      std::holds_alternative<OpSysfsWrite>(op))
    return r.err;
  return std::nullopt;
}

}  // namespace

std::vector<KernelObservation> observe_model(const Trace& t) {
  std::vector<KernelObservation> out;
  auto booted = boot_trace(t);
  if (std::holds_alternative<std::string>(booted)) return out;
  System s = std::get<System>(std::move(booted));
  out.push_back(observe(s, 0, "boot", std::nullopt));
  for (const TraceStep& st : t.steps) {
    const Result r = apply_op(s, st.op);
    out.push_back(observe(s, st.line, print_op(st.op), visible_errno(st.op, r)));
  }
  return out;
}

// ----------------------------------------------------------------- guest --

namespace {

std::string oracle_path() {
  if (const char* p = std::getenv("MEMHP_ORACLE")) return p;
  return std::string(MEMHP_SOURCE_DIR) + "/oracle/guest.py";
}

// The oracle's members, read leniently: a member of the wrong type counts
// as absent, as the guest prints null for what it could not read.
template <class T>
std::optional<T> member(const Json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) return it->template get<std::string>();
  } else {
    if (it->is_number_integer()) return it->template get<T>();
  }
  return std::nullopt;
}

std::optional<KernelObservation> from_json(const Json& j) {
  KernelObservation o;
  const auto line = member<int>(j, "line");
  if (!line) return std::nullopt;
  o.line = *line;
  o.op = member<std::string>(j, "op").value_or("");
  o.err = member<int>(j, "errno");
  for (const char* key : {"timeout", "qmp_error"})
    if (auto n = member<std::string>(j, key)) o.note += std::string(key) + ": " + *n + " ";
  if (j.contains("unstable") && !j["unstable"].is_null()) o.note += "state still changing after 3 s ";
  if (auto n = member<long long>(j, "ost_status")) o.note += "_OST status " + std::to_string(*n) + " ";
  if (auto zones = j.find("zones"); zones != j.end() && zones->is_object())
    for (const auto& [name, z] : zones->items()) {
      KernelZone k;
      k.start_pfn = member<u64>(z, "start_pfn");
      k.spanned = member<u64>(z, "spanned").value_or(0);
      k.present = member<u64>(z, "present").value_or(0);
      k.managed = member<u64>(z, "managed").value_or(0);
      o.zones[name] = k;
    }
  if (auto vmstat = j.find("vmstat"); vmstat != j.end() && vmstat->is_object())
    for (const auto& [name, v] : vmstat->items())
      if (v.is_number_integer()) o.vmstat[name] = v.get<long long>();
  if (auto blocks = j.find("blocks"); blocks != j.end() && blocks->is_object())
    for (const auto& [id, b] : blocks->items()) {
      KernelBlock kb;
      kb.state = member<std::string>(b, "state").value_or("");
      kb.valid_zones = member<std::string>(b, "valid_zones").value_or("");
      // sysfs has no mem->zone: an online block's valid_zones names it,
      // or says "none" when the block spans zones.
      if (kb.state == "online" && kb.valid_zones != "none" && kb.valid_zones.find(' ') == std::string::npos)
        kb.zone = kb.valid_zones;
      o.blocks[std::stoull(id)] = kb;
    }
  return o;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::variant<std::vector<KernelObservation>, std::string> run_guest(const std::string& script) {
  namespace fs = std::filesystem;
  const std::string oracle = oracle_path();
  if (!fs::exists(oracle)) return "no guest oracle at " + oracle;
  const char* python = std::getenv("MEMHP_PYTHON") ? std::getenv("MEMHP_PYTHON") : "/usr/bin/python3";
  const fs::path dir = fs::temp_directory_path() / ("memhp-guest-" + std::to_string(getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "script") << script; }
  const std::string cmd = std::string("'") + python + "' '" + oracle + "' run '" + (dir / "script").string() +
                          "' > '" + (dir / "out").string() + "' 2> '" + (dir / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  const std::string out = slurp(dir / "out"), err = slurp(dir / "err");
  fs::remove_all(dir);
  if (status != 0) {
    const std::string why = err.empty() ? "the guest oracle failed (status " + std::to_string(status) + ")" : err;
    return why.back() == '\n' ? why.substr(0, why.size() - 1) : why;
  }
  // guest.py names the kernel package it booted; every oracle run says so.
  std::cerr << err;
  std::vector<KernelObservation> obs;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    Json parsed;
    try {
      parsed = Json::parse(line);
    } catch (const Json::parse_error& e) {
      return std::string("the guest oracle printed bad JSON: ") + e.what();
    }
    auto o = from_json(parsed);
    if (!o) return "the guest oracle printed a line without \"line\"";
    obs.push_back(*o);
  }
  if (obs.empty()) return "the guest oracle printed nothing";
  return obs;
}

// --------------------------------------------------------------- compare --

namespace {

std::string num(std::optional<u64> v) { return v ? std::to_string(*v) : "-"; }

void compare_zones(const KernelObservation& m, const KernelObservation& k, const KernelObservation& m0,
                   const KernelObservation& k0, std::vector<std::string>& out) {
  for (const auto& [name, kz] : k.zones) {
    auto it = m.zones.find(name);
    if (it == m.zones.end()) {
      out.push_back("zone " + name + ": only the kernel has it");
      continue;
    }
    const KernelZone& mz = it->second;
    auto field = [&, name = name](const char* what, u64 a, u64 b) {
      if (a != b)
        out.push_back("zone " + name + " " + what + ": model " + std::to_string(a) + ", kernel " + std::to_string(b));
    };
    field("spanned", mz.spanned, kz.spanned);
    field("present", mz.present, kz.present);
    if (mz.start_pfn && kz.start_pfn && *mz.start_pfn != *kz.start_pfn)
      out.push_back("zone " + name + " start_pfn: model " + num(mz.start_pfn) + ", kernel " + num(kz.start_pfn));
    // managed is compared as the change since boot.
    const auto base = [&, name = name](const KernelObservation& o) {
      auto z = o.zones.find(name);
      return z == o.zones.end() ? u64{0} : z->second.managed;
    };
    const long long dm = static_cast<long long>(mz.managed) - static_cast<long long>(base(m0));
    const long long dk = static_cast<long long>(kz.managed) - static_cast<long long>(base(k0));
    if (dm != dk)
      out.push_back("zone " + name + " managed since boot: model " + std::to_string(dm) + ", kernel " +
                    std::to_string(dk));
  }
}

void compare_blocks(const KernelObservation& m, const KernelObservation& k, std::vector<std::string>& out) {
  for (const auto& [id, mb] : m.blocks)
    if (!k.blocks.count(id)) out.push_back("memory block " + std::to_string(id) + ": only the model has it");
  for (const auto& [id, kb] : k.blocks) {
    auto it = m.blocks.find(id);
    const std::string b = "memory block " + std::to_string(id);
    if (it == m.blocks.end()) {
      out.push_back(b + ": only the kernel has it");
      continue;
    }
    const KernelBlock& mb = it->second;
    if (mb.state != kb.state) out.push_back(b + " state: model " + mb.state + ", kernel " + kb.state);
    if (mb.valid_zones != kb.valid_zones)
      out.push_back(b + " valid_zones: model \"" + mb.valid_zones + "\", kernel \"" + kb.valid_zones + "\"");
    if (mb.zone != kb.zone)
      out.push_back(b + " zone: model " + mb.zone.value_or("none") + ", kernel " + kb.zone.value_or("none"));
  }
}

// Counters both sides report, as the change since boot (the boot memmap
// depends on boot-time allocations the model does not follow).
void compare_vmstat(const KernelObservation& m, const KernelObservation& k, const KernelObservation& m0,
                    const KernelObservation& k0, std::vector<std::string>& out) {
  for (const auto& [name, kv] : k.vmstat) {
    auto mv = m.vmstat.find(name);
    if (mv == m.vmstat.end()) continue;
    const auto base = [&, name = name](const KernelObservation& o) {
      auto b = o.vmstat.find(name);
      return b == o.vmstat.end() ? 0LL : b->second;
    };
    const long long dm = mv->second - base(m0), dk = kv - base(k0);
    if (dm != dk)
      out.push_back("vmstat " + name + " since boot: model " + std::to_string(dm) + ", kernel " + std::to_string(dk));
  }
}

}  // namespace

std::optional<Disagreement> compare_observations(const std::vector<KernelObservation>& model,
                                                 const std::vector<KernelObservation>& kernel) {
  if (model.empty() || kernel.empty()) return Disagreement{0, "boot", {"no observations"}};
  for (std::size_t i = 0; i < std::max(model.size(), kernel.size()); ++i) {
    if (i >= model.size() || i >= kernel.size())
      return Disagreement{i < model.size() ? model[i].line : kernel[i].line, "",
                          {"the kernel reported " + std::to_string(kernel.size()) + " states, the model " +
                           std::to_string(model.size())}};
    const KernelObservation& m = model[i];
    const KernelObservation& k = kernel[i];
    Disagreement d{m.line, m.op, {}};
    if (m.line != k.line) d.details.push_back("the kernel reported line " + std::to_string(k.line));
    if (m.err && k.err && *m.err != *k.err)
      d.details.push_back("errno: model " + errno_name(*m.err) + ", kernel " + errno_name(*k.err));
    if (m.err && !k.err) d.details.push_back("errno: model " + errno_name(*m.err) + ", kernel none (" + k.note + ")");
    compare_zones(m, k, model[0], kernel[0], d.details);
    compare_blocks(m, k, d.details);
    compare_vmstat(m, k, model[0], kernel[0], d.details);
    if (!d.details.empty()) return d;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- random --

// The kernel puts its own unmovable allocations into the only Normal memory a
// 1 GiB guest has, the hot-added blocks; where they land is not
// deterministic, so the generator never offlines or ejects memory that is
// online in a kernel zone (NOTES.md, differential testing).
bool in_kernel_zone(const System& s, u64 id) {
  const MemoryBlock& m = s.blocks.at(id);
  return m.present && m.state == BlockState::Online && m.zone && *m.zone != Zone::Movable;
}

Trace random_kernel_trace(std::uint64_t seed, KernelVersion version) {
  std::mt19937_64 rng(seed);
  auto pick = [&](u64 n) { return rng() % n; };
  Trace t;
  t.geo = *geometry_preset("x86_64");
  t.prof.follow(version);
  const bool v6_1 = version == KernelVersion::V6_1;
  t.prof.memmap_on_memory = pick(2);
  // 6.12 also has memmap_on_memory=force and, by Debian's config, auto-onlines
  // with "online" when the command line says nothing.
  if (!v6_1 && t.prof.memmap_on_memory) t.prof.memmap_on_memory_force = pick(3) == 0;
  t.prof.memhp_default_state = pick(4) == 0 ? OnlineType::OnlineMovable : OnlineType::Offline;
  if (!v6_1 && t.prof.memhp_default_state == OnlineType::Offline && pick(3) == 0)
    t.prof.memhp_default_state = OnlineType::Online;
  t.prof.movable_node = pick(5) == 0;
  t.boot = qemu_layout({GiB});
  // On 6.12 one trace in four has a second node: with 512 MiB of boot RAM
  // (QEMU numa=512M,512M) or none (numa=1G,0), the DIMMs on either node.
  int nodes = 1;
  if (!v6_1 && pick(4) == 0) {
    nodes = 2;
    t.prof.possible_nodes = 2;
    t.boot = pick(2) ? qemu_layout({GiB / 2, GiB / 2}) : qemu_layout({GiB, 0});
  }
  System s = std::get<System>(boot_trace(t));
  const u64 block = t.geo.block_bytes;
  const OnlineType types[] = {OnlineType::Online, OnlineType::OnlineKernel, OnlineType::OnlineMovable};
  const int steps = 6 + static_cast<int>(pick(12));
  for (int tries = 0; static_cast<int>(t.steps.size()) < steps && tries < 200; ++tries) {
    std::optional<Op> op;
    const u64 kind = s.dimms.empty() ? 0 : pick(10);
    if (kind <= 1) {  // a DIMM at a free slot
      // 6.12 splits memmap_on_memory per block: DIMMs of 1, 2 and 4 blocks.
      const u64 blocks = v6_1 ? (pick(3) == 0 ? 2 : 1) : u64{1} << pick(3);
      const u64 size = blocks * block;
      const u64 start = 4 * GiB + pick(12) * block;
      const int nid = nodes > 1 ? static_cast<int>(pick(2)) : 0;
      bool clash = false;
      for (const auto& [a, d] : s.dimms) clash = clash || (a < start + size && start < a + d.size);
      if (!clash) op = OpDimmAdd{nid, start, size};
    } else {
      auto it = s.dimms.begin();
      std::advance(it, static_cast<long>(pick(s.dimms.size())));
      const AcpiMemoryDevice& d = it->second;
      const u64 first = t.geo.block_id(t.geo.pfn_of(d.start));
      const u64 id = first + pick(d.size / block);
      bool kernel = false;
      for (u64 b = first; b < first + d.size / block; ++b) kernel = kernel || in_kernel_zone(s, b);
      if (kind == 2 && !kernel) op = OpDimmRemove{d.start};
      if (kind >= 3 && kind <= 6) op = OpOnlineBlock{id, types[pick(3)]};
      if (kind >= 7 && !in_kernel_zone(s, id)) op = OpOfflineBlock{id};
    }
    if (!op) continue;
    apply_op(s, *op);
    t.steps.push_back(TraceStep{0, *op, std::nullopt});
  }
  return t;
}

}  // namespace memhp
