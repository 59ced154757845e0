// The named threaded configurations (threads_explore.h). Each is the text of
// a threaded trace without steps, so `memhp explore --print NAME` gives a
// file to copy and change.
#include <stdexcept>

#include "thread_checks.h"
#include "threads_explore.h"

namespace memhp {
namespace {

// QEMU's 1 GiB x86_64 machine with one 128 MiB DIMM at 4 GiB (block 32),
// added with memmap_on_memory and onlined movable during setup.
constexpr std::string_view kMomBlock =
    "geometry x86_64\n"
    "profile v6.1 memmap_on_memory=1\n"
    "boot node=0 start=0x0 size=1G\n"
    "dimm_add node=0 start=0x100000000 size=128M\n"
    "online_block block=32 type=online_movable\n";

// The same machine with two more such DIMMs: blocks 32, 33 and 34, all
// online movable, so that offlining block 33 leaves a hole in ZONE_MOVABLE.
std::string three_mom_blocks() {
  return std::string(kMomBlock) +
         "dimm_add node=0 start=0x108000000 size=128M\n"
         "online_block block=33 type=online_movable\n"
         "dimm_add node=0 start=0x110000000 size=128M\n"
         "online_block block=34 type=online_movable\n";
}

// Boot RAM on both sides of a 128 MiB device section at 1 GiB, so that the
// zone spans it: the NORMAL/DEVICE/NORMAL layout of 5ec8e8ea8b77's report.
constexpr std::string_view kDeviceInZone =
    "boot node=0 start=0x0 size=1G\n"
    "boot node=0 start=0x48000000 size=768M\n"
    "memremap_pages id=0 type=fsdax node=0 ranges=0x40000000+128M\n";

const std::vector<std::string>& texts() {
  static const std::vector<std::string> all = {
      "name race-offline-kmemleak\n"
      "description offline and online again the middle one of three memmap_on_memory blocks while "
      "kmemleak scans node 0\n" +
          three_mom_blocks() +
          "thread 1 offline_block block=33\n"
          "thread 1 online_block block=33 type=online_movable\n"
          "thread 2 kmemleak_scan node=0\n",
      "name race-devmap-pfn-valid\n"
      "description memunmap_pages() of a device section inside the zone span while compaction's "
      "pfn_valid() probes its last pfn\n"
      "geometry x86_64\nprofile v6.1\n" +
          std::string(kDeviceInZone) +
          "thread 1 memunmap_pages id=0\n"
          "thread 2 pfn_valid pfn=0x47fff\n",
      "name race-eject-pfn-valid-kmemleak\n"
      "description ACPI eject of a memmap_on_memory DIMM while pfn_valid() probes it and kmemleak scans node 0\n" +
          std::string(kMomBlock) +
          "thread 1 dimm_remove start=0x100000000\n"
          "thread 2 pfn_valid pfn=0x107fff\n"
          "thread 3 kmemleak_scan node=0\n",
      "name race-offline-memunmap\n"
      "description offline of a memmap_on_memory block against memunmap_pages() of a device section\n" +
          std::string(kMomBlock).substr(0, std::string(kMomBlock).find("boot")) +
          std::string(kDeviceInZone) + std::string(kMomBlock).substr(std::string(kMomBlock).find("dimm_add")) +
          "thread 1 offline_block block=32\n"
          "thread 2 memunmap_pages id=0\n",
      "name race-two-blocks-kmemleak\n"
      "description two sysfs writers each offline and online again their own memmap_on_memory block "
      "while kmemleak scans node 0\n" +
          three_mom_blocks() +
          "thread 1 offline_block block=32\n"
          "thread 1 online_block block=32 type=online_movable\n"
          "thread 2 offline_block block=34\n"
          "thread 2 online_block block=34 type=online_kernel\n"
          "thread 3 kmemleak_scan node=0\n",
      "name race-offline-walkers\n"
      "description offline and online again the middle one of three memmap_on_memory blocks while "
      "/proc/kpageflags is read over all three and node 0 is compacted\n" +
          three_mom_blocks() +
          "thread 1 offline_block block=33\n"
          "thread 1 online_block block=33 type=online_movable\n"
          "thread 2 kpageflags pfn=0x100000 count=0x18000\n"
          "thread 3 compact_node node=0\n",
      "name race-two-onliners\n"
      "description two sysfs writers online the same block, one to ZONE_NORMAL, one to ZONE_MOVABLE\n"
      "geometry x86_64\nprofile v6.1\nboot node=0 start=0x0 size=1G\n"
      "dimm_add node=0 start=0x100000000 size=128M\n"
      "thread 1 online_block block=32 type=online_kernel\n"
      "thread 2 online_block block=32 type=online_movable\n",
  };
  return all;
}

}  // namespace

const std::vector<ThreadedTrace>& threaded_configs() {
  static const std::vector<ThreadedTrace> all = [] {
    std::vector<ThreadedTrace> out;
    for (const std::string& text : texts()) {
      auto t = parse_threaded_trace(text);
      if (auto* e = std::get_if<ParseError>(&t))
        throw std::logic_error("threaded configuration, line " + std::to_string(e->line) + ": " + e->message);
      out.push_back(std::get<ThreadedTrace>(t));
    }
    return out;
  }();
  return all;
}

const ThreadedTrace* find_threaded_config(std::string_view name) {
  for (const ThreadedTrace& t : threaded_configs())
    if (t.name == name) return &t;
  return nullptr;
}

std::optional<ShortestThreadedViolation> find_shortest_threaded_violation(const MutantSet& mutants,
                                                                          const std::optional<KernelSpec>& kernel,
                                                                          const std::string& only) {
  ThreadedExploreOptions o;
  o.mutants = mutants;
  o.only = only;
  o.stop_at_violation = true;
  for (const ThreadedTrace& named : threaded_configs()) {
    ThreadedTrace c = named;
    if (kernel) {
      auto parsed = parse_threaded_trace(print_threaded_trace(named), {}, kernel);
      if (auto* e = std::get_if<ParseError>(&parsed))
        throw std::logic_error(named.name + " under another kernel: " + e->message);
      c = std::get<ThreadedTrace>(std::move(parsed));
    }
    auto r = explore_threads(c, o);
    if (auto* e = std::get_if<std::string>(&r)) throw std::logic_error(named.name + ": " + *e);
    ThreadedExploreResult& res = std::get<ThreadedExploreResult>(r);
    if (!res.violations.empty())
      return ShortestThreadedViolation{named.name, std::move(res.violations.front()), res.seconds};
  }
  return std::nullopt;
}

namespace {

std::string steps_table() {
  const ThreadedTrace& c = *find_threaded_config("race-offline-kmemleak");
  auto fixed = threaded_start(c);
  KernelSpec old;
  parse_kernel_spec("v6.1 without=hotplug_lock_vmemmap without=usage_freed_after_rcu", old);
  auto before = threaded_start(std::get<ThreadedTrace>(parse_threaded_trace(print_threaded_trace(c), {}, old)));
  const System& now = std::get<ThreadedState>(fixed).sys;
  const System& then = std::get<ThreadedState>(before).sys;
  using K = StepArgs::Kind;
  const std::pair<K, std::string_view> kinds[] = {
      {K::Online, "`online_block`"},
      {K::Offline, "`offline_block`"},
      {K::Memremap, "`memremap_pages`, `memunmap_pages`"},
      {K::PfnValid, "`pfn_valid`"},
      {K::KmemleakScan, "`kmemleak_scan`"},
      {K::HotplugOp, "`add_memory`, `remove_memory`, `dimm_add`, `dimm_remove`, `sysfs_write`"},
      {K::Unlocked, "`alloc`, `free`, `memory_notifier`, `compact_node`, `kpageflags`"}};
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? " → " : "") + v[i];
    return out;
  };
  std::string out = "| op | steps (Debian 6.1.192, 6.12, 6.19) | steps before 001002e73712 / 5ec8e8ea8b77 |\n|---|---|---|\n";
  for (const auto& [kind, ops] : kinds) {
    StepArgs a;
    a.kind = kind;
    a.what = "the op, whole";
    const std::string a_steps = join(thread_step_names(now, a)), b_steps = join(thread_step_names(then, a));
    out += "| " + std::string(ops) + " | " + a_steps + " | " + (a_steps == b_steps ? "the same" : b_steps) + " |\n";
  }
  return out;
}

std::string checks_table() {
  std::string out = "| check | statement | kernel place | caught defects |\n|---|---|---|---|\n";
  for (const ThreadCheck& c : thread_checks()) {
    std::string killers;
    for (Mutant m : killers_of(c.name)) killers += (killers.empty() ? "`" : ", `") + std::string(mutant_name(m)) + "`";
    out += "| `" + std::string(c.name) + "` | " + std::string(c.statement) + " | " + std::string(c.kernel_ref) +
           " | " + killers + " |\n";
  }
  return out;
}

std::string sizes_table() {
  std::string out = "| configuration | threads | states | transitions | finished runs | depth |\n|---|---|---|---|---|---|\n";
  for (const ThreadedTrace& c : threaded_configs()) {
    auto r = explore_threads(c, {});
    if (auto* e = std::get_if<std::string>(&r)) throw std::logic_error(c.name + ": " + *e);
    const ThreadedExploreResult& res = std::get<ThreadedExploreResult>(r);
    out += "| `" + c.name + "` | " + std::to_string(c.threads.size()) + " | " + std::to_string(res.states) + " | " +
           std::to_string(res.transitions) + " | " + std::to_string(res.finished) + " | " +
           std::to_string(res.depth) + " |\n";
  }
  return out;
}

}  // namespace

std::string threads_markdown() { return steps_table() + "\n" + checks_table() + "\n" + sizes_table(); }

}  // namespace memhp
