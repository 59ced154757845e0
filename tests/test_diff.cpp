// diff_systems() against for_each_field(): every System field, changed on
// its own, gives a diff that names it. The old diff skipped pgmaps and
// pgmap_array, so two unequal Systems could print nothing.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <set>

#include "diff.h"
#include "fixtures.h"

using namespace memhp;

namespace {

struct Change {
  std::vector<std::string> labels;  // what the diff's lines start with
  std::vector<std::function<void(System&)>> edits;  // each changes the field alone
};

// One row per System field (the names for_each_field() gives).
std::map<std::string, Change> changes() {
  return {
      {"geo", {{"geometry: "}, {[](System& t) { t.geo.max_order = 10; }, [](System& t) { t.geo.name = "other"; }}}},
      {"prof", {{"profile: "}, {[](System& t) { t.prof.movable_node = true; }, [](System& t) { t.prof.possible_nodes = 3; }}}},
      {"mutants", {{"mutants: "}, {[](System& t) { t.mutants.set(Mutant("shrink_keeps_start")); }}}},
      {"iomem",
       {{"iomem "},
        {[](System& t) { t.iomem.begin()->second.name = "System RAM (kmem)"; },
         [](System& t) { t.iomem.begin()->second.driver_managed = true; },
         [](System& t) { t.iomem[u64{1} << 40] = Resource{u64{1} << 40, (u64{1} << 40) + 4096, "x", false, false}; }}}},
      {"sections",
       {{"section "},
        {[](System& t) { t.sections.update(2, 3, [](SectionState& m) { m.subsection_map.flip(200); }); },
         [](System& t) { t.sections.update(2, 3, [](SectionState& m) { m.memmap_altmap_pages = 1; }); }}}},
      {"blocks",
       {{"block "},
        {[](System& t) { t.blocks.update(3, 4, [](MemoryBlock& m) { m.online_type = OnlineType::OnlineMovable; }); },
         [](System& t) { t.blocks.update(3, 4, [](MemoryBlock& m) { m.group = 4; }); }}}},
      {"groups",
       {{"memory group "},
        {[](System& t) { t.groups[3].present_movable_pages = 1; },
         [](System& t) {
           t.groups[3].is_dynamic = false;
           t.groups[3].max_pages = 1;
         }}}},
      {"dimms",
       {{"ACPI memory device "},
        {[](System& t) { t.dimms[0x100000000].enabled = true; }, [](System& t) { t.dimms[0x100000000].nid = 2; }}}},
      {"nodes",
       {{"node ", "zone "},
        {[](System& t) { t.node(1).possible = !t.node(1).possible; },
         [](System& t) { t.node(0).has_cpu = !t.node(0).has_cpu; },
         [](System& t) { t.node(0).zones[zone_idx(Zone::Normal)].nr_isolate_pageblock = -1; },
         [](System& t) { t.nodes.pop_back(); }}}},
      {"pages", {{"pfn "}, {[](System& t) { t.pages.update(5, 6, [](PageState& p) { p.owner = 7; }); }}}},
      {"notifier", {{"memory notifier: "}, {[](System& t) { t.notifier.going_offline_errno = -EBUSY; }}}},
      {"pgmaps",
       {{"pgmap "},
        {[](System& t) { t.pgmaps[1].ranges.push_back({Pfn{1}, Pfn{2}}); },
         [](System& t) { t.pgmaps[1].altmap = DevAltmap{}; }}}},
      {"pgmap_array", {{"pgmap_array pfn "}, {[](System& t) { t.pgmap_array.assign(10, 20, 2); }}}},
      {"vmstat",
       {{"vmstat nr_memmap_pages", "vmstat nr_memmap_boot_pages"},
        {[](System& t) { t.vmstat.nr_memmap_pages = -512; }, [](System& t) { t.vmstat.nr_memmap_boot_pages = 4096; }}}},
      {"lru_disable_count", {{"lru_disable_count"}, {[](System& t) { t.lru_disable_count = 1; }}}},
  };
}

}  // namespace

TEST_CASE("diff: for_each_field() lists every System field once") {
  const System s;
  std::set<std::string> names;
  std::size_t calls = 0;
  for_each_field(s, s, [&](const char* name, const auto&, const auto&) {
    ++calls;
    names.insert(name);
  });
  // system_field_count_guard() (system.h) pins the struct to this count.
  CHECK(calls == kSystemFieldCount);
  CHECK(names.size() == calls);
  for (const auto& [name, c] : changes()) CHECK_MESSAGE(names.count(name), name);
  CHECK(changes().size() == names.size());
}

TEST_CASE("diff: changing any field alone gives lines that name it") {
  System s = test::qemu_1g();
  s.groups[3] = MemoryGroup{0, true, 32768, 0, 0};
  s.dimms[0x100000000] = AcpiMemoryDevice{0x100000000, 128 * test::MiB, 0, 3, false};
  s.pgmaps[1] = DevPagemap{};
  REQUIRE(diff_systems(s, s).empty());
  for (const auto& [name, c] : changes()) {
    for (std::size_t i = 0; i < c.edits.size(); ++i) {
      CAPTURE(name);
      CAPTURE(i);
      System t = s;
      c.edits[i](t);
      REQUIRE_FALSE(t == s);
      const auto d = diff_systems(s, t);
      REQUIRE_FALSE(d.empty());
      for (const std::string& line : d) {
        bool named = false;
        for (const std::string& l : c.labels) named = named || line.rfind(l, 0) == 0;
        CHECK_MESSAGE(named, line);
      }
      CHECK(diff_systems(t, s).size() == d.size());  // and back
    }
  }
}
