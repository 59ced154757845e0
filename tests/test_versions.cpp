// Kernel versions: the delta registry, the profile line, and the behaviour
// each version's deltas give. Expected figures come from the real kernels:
// the 256 MiB DIMM's managed growth was measured on Debian's 6.1 and 6.12
// guests (issue 15: +65536 and +64512); the per-block figures are the
// arithmetic of create_altmaps_and_memory_blocks() in linux-source-6.12
// (512 self-hosted pages per 128 MiB block), which the 6.12 kernel corpus
// (tests/kernel/v6.12) checks against the guest.
#include <set>

#include "fixtures.h"
#include "memhp/deltas.h"
#include "version_diff.h"

using namespace memhp;
using namespace memhp::test;

namespace {

constexpr u64 k4G = 4 * GiB;

Profile version(KernelVersion v, bool mom_on) {
  Profile p;
  p.follow(v);
  p.memmap_on_memory = mom_on;
  return p;
}

// Normal's managed growth after a DIMM of `blocks` blocks is added and
// every block onlined online_kernel.
u64 normal_managed_growth(const Profile& p, u64 blocks) {
  System s = qemu_1g(p);
  const u64 before = s.zone(0, Zone::Normal).managed_pages;
  REQUIRE_OK(dimm_add(s, 0, k4G, blocks * 128 * MiB));
  for (u64 id = 32; id < 32 + blocks; ++id) REQUIRE_OK(online_block(s, id, OnlineType::OnlineKernel));
  return s.zone(0, Zone::Normal).managed_pages - before;
}

}  // namespace

TEST_CASE("versions: every delta is registered once, with a commit, a summary and a tree") {
  std::set<Delta> seen;
  std::set<std::string_view> names;
  for (const DeltaInfo& i : delta_registry()) {
    CHECK_MESSAGE(seen.insert(i.delta).second, i.name);
    CHECK_MESSAGE(names.insert(i.name).second, i.name);
    CHECK_MESSAGE(delta_from_name(i.name) == i.delta, i.name);
    CHECK_MESSAGE(!i.commit.empty(), i.name);
    CHECK_MESSAGE(!i.summary.empty(), i.name);
    CHECK_MESSAGE(!i.where.empty(), i.name);
    // Every delta is in some tree the profiles follow, or it is a proposal.
    CHECK_MESSAGE((i.in != 0 || i.release.major == 0), i.name);
  }
  CHECK(seen.size() == static_cast<std::size_t>(Delta::kCount));
}

TEST_CASE("versions: the three trees' delta sets") {
  const DeltaSet v61 = deltas_of(KernelVersion::V6_1), v612 = deltas_of(KernelVersion::V6_12),
                 v619 = deltas_of(KernelVersion::V6_19);
  auto has = [](const DeltaSet& s, Delta d) { return s.test(static_cast<std::size_t>(d)); };
  // Debian's 6.1.192 carries three fixes from 6.7 and 6.8, nothing else.
  CHECK(v61.count() == 3);
  CHECK(has(v61, Delta::AddErrorPathAltmap));
  CHECK(has(v61, Delta::HotplugLockVmemmap));
  CHECK(has(v61, Delta::UsageFreedAfterRcu));
  CHECK_FALSE(has(v61, Delta::MomPerBlock));
  // 6.12.118 has fixes v6.19 lacks, and v6.19 has the 6.17/6.19 node work.
  CHECK(has(v612, Delta::PerBlockErrorAltmap));
  CHECK_FALSE(has(v619, Delta::PerBlockErrorAltmap));
  CHECK(has(v612, Delta::MemmapExactAccounting));
  CHECK_FALSE(has(v619, Delta::MemmapExactAccounting));
  CHECK(has(v619, Delta::NodeNotifier));
  CHECK_FALSE(has(v612, Delta::NodeNotifier));
  CHECK((v61 & ~v612).none());
}

TEST_CASE("versions: the profile line names the version, its deltas and force") {
  const Trace t = parse_ok("profile v6.12 memmap_on_memory=force without=mom_per_block\n");
  CHECK(t.prof.version == KernelVersion::V6_12);
  CHECK(t.prof.memmap_on_memory);
  CHECK(t.prof.memmap_on_memory_force);
  CHECK_FALSE(t.prof.has(Delta::MomPerBlock));
  CHECK(t.prof.has(Delta::MomFallback));
  // Debian's 6.12 config onlines hot-added memory unless told otherwise.
  CHECK(t.prof.memhp_default_state == OnlineType::Online);
  CHECK(parse_ok("profile v6.1\n").prof.memhp_default_state == OnlineType::Offline);
  CHECK(parse_ok("profile v6.19\n").prof.memhp_default_state == OnlineType::Offline);
  CHECK(parse_ok(print_trace(t)) == t);
  const Trace proposal = parse_ok("profile v6.1 with=mom_per_block\n");
  CHECK(proposal.prof.has(Delta::MomPerBlock));
  CHECK(parse_ok(print_trace(proposal)) == proposal);
}

TEST_CASE("versions: --profile reads the profile line as another version") {
  const std::string text = "profile v6.1 memmap_on_memory=1\n";
  auto t = parse_trace(text, {}, KernelVersion::V6_12);
  REQUIRE(std::holds_alternative<Trace>(t));
  CHECK(std::get<Trace>(t).prof.version == KernelVersion::V6_12);
  CHECK(std::get<Trace>(t).prof.memmap_on_memory);
  auto none = parse_trace("", {}, KernelVersion::V6_19);
  REQUIRE(std::holds_alternative<Trace>(none));
  CHECK(std::get<Trace>(none).prof.has(Delta::NodeNotifier));
}

TEST_CASE("versions: a 256 MiB DIMM self-hosts no vmemmap on 6.1 and 512 pages per block on 6.12") {
  CHECK(normal_managed_growth(version(KernelVersion::V6_1, true), 2) == 65536);
  CHECK(normal_managed_growth(version(KernelVersion::V6_12, true), 2) == 64512);
  CHECK(normal_managed_growth(version(KernelVersion::V6_12, true), 8) == 8 * (32768 - 512));
  CHECK(normal_managed_growth(version(KernelVersion::V6_1, true), 1) == 32768 - 512);
  CHECK(normal_managed_growth(version(KernelVersion::V6_12, false), 2) == 65536);
  // Without the per-block split 6.12 would ask for an altmap the check
  // refuses, and fall back: no block self-hosts.
  Profile no_split = version(KernelVersion::V6_12, true);
  no_split.deltas.reset(static_cast<std::size_t>(Delta::MomPerBlock));
  CHECK(normal_managed_growth(no_split, 2) == 65536);
}

TEST_CASE("versions: an unsupported memmap_on_memory request fails on 6.1 and falls back from 6.6") {
  for (KernelVersion v : kAllVersions) {
    CAPTURE(version_name(v));
    System s = qemu_1g(version(v, false));
    const Result r = add_memory(s, 0, k4G, 128 * MiB, MHP_MEMMAP_ON_MEMORY);
    if (v == KernelVersion::V6_1) {
      CHECK(r.err == -EINVAL);
    } else {
      CHECK(r.err == 0);
      REQUIRE(r.notes.size() == 1);
      CHECK(r.notes[0].find("memmap_on_memory requested but not used") == 0);
      CHECK(s.blocks.at(32).nr_vmemmap_pages == 0);
    }
  }
}

TEST_CASE("versions: 6.12 removes a multi-block memmap_on_memory DIMM block by block") {
  System s = qemu_1g(version(KernelVersion::V6_12, true));
  s.prof.memhp_default_state = OnlineType::Offline;
  const System boot = s;
  REQUIRE_OK(dimm_add(s, 0, k4G, 256 * MiB));
  CHECK(s.blocks.at(32).nr_vmemmap_pages == 512);
  CHECK(s.blocks.at(33).nr_vmemmap_pages == 512);
  CHECK(s.blocks.at(33).altmap_alloc == 512);
  REQUIRE_OK(dimm_remove(s, k4G));
  CHECK(s.vmstat == boot.vmstat);
  CHECK(s.sections == boot.sections);
  CHECK(s.blocks == boot.blocks);
}

TEST_CASE("versions: nr_memmap_pages counts hot-added memmap from 6.11, nr_memmap_boot_pages boot's") {
  System old = qemu_1g(version(KernelVersion::V6_1, true));
  CHECK(old.vmstat == Vmstat{});
  System s = qemu_1g(version(KernelVersion::V6_12, true));
  s.prof.memhp_default_state = OnlineType::Offline;
  // 1 GiB of boot memory: 8 sections of 128 MiB, 512 memmap pages each.
  CHECK(s.vmstat.nr_memmap_boot_pages == 8 * 512);
  CHECK(s.vmstat.nr_memmap_pages == 0);
  REQUIRE_OK(dimm_add(s, 0, k4G, 256 * MiB));  // self-hosted, and still counted
  CHECK(s.vmstat.nr_memmap_pages == 2 * 512);
  REQUIRE_OK(dimm_remove(s, k4G));
  CHECK(s.vmstat.nr_memmap_pages == 0);
}

TEST_CASE("versions: v6.19 leaves N_NORMAL_MEMORY to boot") {
  for (KernelVersion v : {KernelVersion::V6_12, KernelVersion::V6_19}) {
    Profile p = version(v, false);
    p.possible_nodes = 2;
    p.memhp_default_state = OnlineType::Offline;
    System s = qemu_1g(p);
    REQUIRE_OK(dimm_add(s, 1, k4G, 128 * MiB));
    REQUIRE_OK(online_block(s, 32, OnlineType::OnlineKernel));
    CHECK(s.node(1).has_memory);
    CHECK(s.node(1).has_normal_memory == (v == KernelVersion::V6_12));
  }
}

TEST_CASE("versions: diff_versions() names the step where 6.1 and 6.12 part") {
  const std::string text =
      "profile v6.1 memmap_on_memory=1 memhp_default_state=offline\n"
      "boot node=0 start=0x100000 size=0x3fee0000\n"
      "dimm_add node=0 start=4G size=128M\n"
      "dimm_add node=0 start=5G size=256M\n";
  auto from = std::get<Trace>(parse_trace(text, {}, KernelVersion::V6_1));
  auto to = std::get<Trace>(parse_trace(text, {}, KernelVersion::V6_12));
  const VersionDiff e = diff_versions(from, to);
  REQUIRE(e.boot_error.empty());
  REQUIRE(e.first);
  CHECK(e.steps == 1);  // the one-block DIMM is added alike (6.1 has no memmap counters to compare)
  CHECK(e.first->line == 4);
  CHECK(e.first->err_from == 0);
  CHECK(e.first->err_to == 0);
  CHECK_FALSE(e.first->diff.empty());
  // Both count memmap from 6.11, so 6.12 and 6.19 compare the counters, and
  // agree on this trace.
  auto v619 = std::get<Trace>(parse_trace(text, {}, KernelVersion::V6_19));
  CHECK(diff_versions(to, v619).first == std::nullopt);
  CHECK(diff_versions(from, from).first == std::nullopt);
}
