// Pictures (report/picture.h): that they show every state change, that
// they follow the pfn layout the kernel gives a hot-added block, and that
// their cost follows runs, not pages. The SVG's structure and a real
// browser's view of the HTML are checked by tests/render/ (ctest).
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <algorithm>

#include "gen.h"
#include "picture.h"
#include "replay.h"

using namespace memhp;

namespace {

// The segment of lane `lane` that covers pfn, or nullptr.
const Segment* segment_at(const Picture& p, const std::string& lane, u64 pfn) {
  for (const Lane& l : p.lanes)
    if (l.name == lane)
      for (const Segment& g : l.segments)
        if (g.start <= pfn && pfn < g.end) return &g;
  return nullptr;
}

Trace parsed(const std::string& text) {
  auto t = parse_trace(text, check_names());
  REQUIRE(std::holds_alternative<Trace>(t));
  return std::get<Trace>(t);
}

}  // namespace

// The picture must be a faithful view: two states of one machine draw the
// same exactly when they are equal. Drawn over the generators' random
// machines and steps, so that every op the suites know (device ops, ACPI
// ejects, failed onlines...) is covered, not only those of hand-made traces.
TEST_CASE("render: a step changes the picture exactly when it changes the state") {
  const bool ok = rc::check("pictures follow states", [] {
    SuiteConfig cfg = *gen_config(*rc::gen::element<std::string>("quick", "device", "x86"));
    // Every kernel the model follows: some state (vmstat's memmap counters,
    // from 6.11) only changes under the later ones.
    KernelSpec version;
    REQUIRE(parse_kernel_spec(*rc::gen::element<std::string>("v6.1", "v6.12", "v6.19"), version).empty());
    follow_version(cfg.prof, version);
    auto booted = boot_system(cfg.geo, cfg.prof, cfg.boot, {});
    RC_PRE(std::holds_alternative<System>(booted));
    System s = std::get<System>(std::move(booted));
    for (int i = 0; i < 15; ++i) {
      const GenStep step = *rc::gen::exec([&] { return gen_step(make_gen_context(s), cfg); });
      if (!step_allowed(s, step)) continue;
      for (const Op& op : step.ops) {
        const System before = s;
        if (!apply_guarded(s, op).bug.empty()) return;
        const u64 end = std::max(picture_end(before), picture_end(s));
        const bool same = picture_of(before, "", end).same_drawing(picture_of(s, "", end));
        RC_ASSERT(same == (before == s));
      }
    }
  });
  CHECK(ok);
}

// A 128 MiB DIMM onlined with memmap_on_memory on x86_64: the kernel puts
// the block's memmap, 32768 pages x 64 bytes = 512 pages, at its start
// (mhp_supports_memmap_on_memory(), memory_block_online()); the rest goes
// to the buddy allocator in ZONE_MOVABLE.
TEST_CASE("render: the self-hosted vmemmap sits at the front of its block") {
  const Trace t = parsed(
      "geometry x86_64\n"
      "profile v6.1 memmap_on_memory=1 memhp_default_state=offline\n"
      "boot node=0 start=0x100000 size=0x3ff00000\n"
      "dimm_add node=0 start=0x100000000 size=128M\n"
      "online_block block=32 type=online_movable\n");
  const TracePictures p = trace_pictures(t);
  REQUIRE(p.steps.size() == 3);
  const Picture& online = p.steps[2].picture;
  const Segment* vmemmap = segment_at(online, "pages", 0x100000);
  REQUIRE(vmemmap);
  CHECK(vmemmap->cls == "vmemmap");
  CHECK(vmemmap->label == "vmemmap (self-hosted)");
  CHECK(vmemmap->end == 0x100000 + 512);
  CHECK(vmemmap->changed);
  const Segment* rest = segment_at(online, "pages", 0x100000 + 512);
  REQUIRE(rest);
  CHECK(rest->cls == "free");
  CHECK(rest->end == 0x108000);
  const Segment* block = segment_at(online, "memory blocks", 0x100000);
  REQUIRE(block);
  CHECK(block->label == "mem 32 online Movable");
  const Segment* zone = segment_at(online, "0:Movable", 0x100000);
  REQUIRE(zone);
  CHECK(zone->detail.find("managed 32256") != std::string::npos);  // 32768 - 512
  // Unchanged by the online: the boot memory's picture.
  const Segment* boot = segment_at(online, "memory blocks", 0x1000);
  REQUIRE(boot);
  CHECK_FALSE(boot->changed);
}

// A 64 MiB fsdax range at a section's start fills subsections 0-31 of it:
// 64 MiB / 2 MiB (SUBSECTION_SIZE).
TEST_CASE("render: a sub-section device range shows its subsection map") {
  const Trace t = parsed(
      "geometry x86_64\nprofile v6.1\nboot node=0 start=0x100000 size=0x3ff00000\n"
      "memremap_pages id=0 type=fsdax node=0 ranges=0x150000000+64M\n");
  const Picture p = trace_pictures(t).steps.back().picture;
  const Segment* valid = segment_at(p, "subsections", 0x150000);
  REQUIRE(valid);
  CHECK(valid->cls == "valid");
  CHECK(valid->end == 0x150000 + 32 * 512);
  const Segment* invalid = segment_at(p, "subsections", 0x150000 + 32 * 512);
  REQUIRE(invalid);
  CHECK(invalid->cls == "invalid");
  REQUIRE(segment_at(p, "ZONE_DEVICE", 0x150000));
  CHECK(segment_at(p, "ZONE_DEVICE", 0x150000)->label == "pgmap 0 fsdax");
  CHECK(segment_at(p, "sections", 0x150000)->cls == "device");
}

// 63 TiB of boot memory is a handful of runs, so its picture has about as
// many segments as a 1 GiB machine's (bench/bench_render.cpp times both).
TEST_CASE("render: a picture's size follows runs, not pages") {
  auto segments = [](const std::string& size) {
    const Trace t = parsed("geometry x86_64\nprofile v6.1\nboot node=0 start=0x100000000 size=" + size + "\n");
    const Picture p = trace_pictures(t).steps.back().picture;
    std::size_t n = 0;
    for (const Lane& l : p.lanes) n += l.segments.size();
    return n;
  };
  const std::size_t small = segments("1G"), huge = segments("63T");
  CHECK(huge <= small + 2);
  CHECK(render_svg(trace_pictures(parsed("geometry x86_64\nprofile v6.1\nboot node=0 start=0x100000000 size=63T\n"))
                       .steps.back()
                       .picture)
            .size() < 64 * 1024);
}

TEST_CASE("render: text marks a segment's first row and continues it with '|'") {
  const Trace t = parsed(
      "geometry x86_64\nprofile v6.1 memhp_default_state=offline\nboot node=0 start=0x100000 size=0x3ff00000\n"
      "dimm_add node=0 start=0x100000000 size=384M\n");
  const std::string text = render_text(trace_pictures(t).steps.back().picture, false);
  CHECK(text.find("mem 32-34 offline") != std::string::npos);
  CHECK(text.find("changed by this step:") != std::string::npos);
  CHECK(text.find("\x1b[") == std::string::npos);
  const std::string coloured = render_text(trace_pictures(t).steps.back().picture, true);
  CHECK(coloured.find("\x1b[33m") != std::string::npos);  // offline blocks: yellow
}
