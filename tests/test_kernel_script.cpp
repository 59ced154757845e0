// The model side of differential testing: which traces a guest can run, the
// script it gets, the JSON the oracle prints, and how observations compare.
// (The guest itself runs in the ctest tests labelled `kernel`.)
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kernel.h"
#include "memhp/system.h"

using namespace memhp;

namespace {

Trace parse(const std::string& text) {
  auto p = parse_trace(text);
  REQUIRE(std::holds_alternative<Trace>(p));
  return std::get<Trace>(p);
}

const std::string kHead =
    "geometry x86_64\n"
    "profile v6.1 memmap_on_memory=1 memhp_default_state=offline movable_node=0 online_policy=contig-zones\n"
    "boot node=0 start=0x1000 size=0x9ec00\n"
    "boot node=0 start=0x100000 size=0x3fee0000\n";

}  // namespace

TEST_CASE("kernel-script: what a guest can and cannot run") {
  auto err = [](const std::string& text) {
    auto s = kernel_script(parse(text));
    REQUIRE(std::holds_alternative<ParseError>(s));
    return std::get<ParseError>(s);
  };
  CHECK(err(kHead + "alloc node=0 zone=Normal count=1 kind=movable\n").line == 5);
  CHECK(err(kHead + "remove_memory start=0x100000000 size=128M\n").message.find("remove_memory") !=
        std::string::npos);
  CHECK(err("geometry arm64-4k\nboot node=0 start=0x40000000 size=1G\n").line == 0);
  CHECK(err("geometry x86_64\nboot node=0 start=0 size=1G\n").message.find("e820") != std::string::npos);
  CHECK(err("geometry x86_64\nmutant vmemmap_freed_to_buddy\n" + kHead.substr(kHead.find("profile"))).line == 0);
}

TEST_CASE("kernel-script: a DIMM's life as QMP commands and sysfs writes") {
  auto s = kernel_script(parse(kHead +
                               "dimm_add node=0 start=0x100000000 size=256M\n"
                               "online_block block=33 type=online_movable\n"
                               "dimm_add node=0 start=0x100000000 size=128M\n"  // QEMU refuses: no wait
                               "dimm_remove start=0x100000000\n"));
  REQUIRE(std::holds_alternative<std::string>(s));
  const std::string& text = std::get<std::string>(s);
  CHECK(text.find("machine mem=1024M slots=8 maxmem=9G kernel=v6.1\n") != std::string::npos);
  // offline is Debian 6.1's default: the command line leaves it to the config.
  CHECK(text.find("cmdline memory_hotplug.memmap_on_memory=1\n") != std::string::npos);
  CHECK(text.find("\"driver\":\"pc-dimm\",\"id\":\"dimm0\",\"memdev\":\"mem0\",\"addr\":4294967296") !=
        std::string::npos);
  CHECK(text.find("wait-blocks 32 33\n") != std::string::npos);
  CHECK(text.find("guest write /sys/devices/system/memory/memory33/state online_movable\n") !=
        std::string::npos);
  CHECK(text.find("wait-blocks 32 32\n") == std::string::npos);
  CHECK(text.find("wait-deleted dimm0\n") != std::string::npos);
}

TEST_CASE("compare: managed is compared since boot, the rest as values") {
  const Trace t = parse(kHead + "dimm_add node=0 start=0x100000000 size=128M\n"
                                "online_block block=32 type=online_movable\n");
  std::vector<KernelObservation> model = observe_model(t);
  REQUIRE(model.size() == 3);
  std::vector<KernelObservation> kernel = model;
  // A real kernel reserves boot memory: managed differs by a constant.
  for (KernelObservation& o : kernel) o.zones["0:DMA32"].managed -= 12345;
  CHECK_FALSE(compare_observations(model, kernel));
  kernel[2].zones["0:Movable"].managed += 512;
  auto d = compare_observations(model, kernel);
  REQUIRE(d);
  CHECK(d->line == t.steps[1].line);
  CHECK(d->details.at(0).find("managed since boot: model 32256, kernel 32768") != std::string::npos);
  kernel = model;
  kernel[2].err = -22;
  REQUIRE(compare_observations(model, kernel));
  kernel = model;
  kernel[1].blocks.erase(32);
  CHECK(compare_observations(model, kernel)->details.at(0) == "memory block 32: only the model has it");
}

TEST_CASE("json: the oracle's lines parse") {
  // A stand-in oracle: run_guest() runs "$MEMHP_PYTHON $MEMHP_ORACLE run
  // SCRIPT", so /bin/sh and a script that prints fixed lines will do.
  const auto dir = std::filesystem::temp_directory_path() / ("memhp-oracle-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto oracle = [&](const std::string& lines) {
    std::ofstream(dir / "oracle.sh") << "cat <<'EOF'\n" << lines << "EOF\n";
    ::setenv("MEMHP_ORACLE", (dir / "oracle.sh").c_str(), 1);
    ::setenv("MEMHP_PYTHON", "/bin/sh", 1);
    auto r = run_guest("");
    ::unsetenv("MEMHP_ORACLE");
    ::unsetenv("MEMHP_PYTHON");
    return r;
  };
  auto good = oracle(
      R"({"line":0,"op":"boot","zones":{"0:DMA":{"start_pfn":null,"spanned":4095,"present":3998,"managed":3840}},)"
      R"("blocks":{"0":{"state":"online","valid_zones":"none"},"32":{"state":"online","valid_zones":"Movable"}}})"
      "\n"
      R"({"line":5,"op":"dimm_remove","errno":-16,"timeout":"eject","zones":{},"blocks":{},"a":[1,2.5,true,"s\n"],)"
      R"("vmstat":{"nr_memmap_pages":1024,"nr_memmap_boot_pages":4096}})"
      "\n");
  REQUIRE(std::holds_alternative<std::vector<KernelObservation>>(good));
  const auto& obs = std::get<std::vector<KernelObservation>>(good);
  REQUIRE(obs.size() == 2);
  CHECK_FALSE(obs[0].zones.at("0:DMA").start_pfn);
  CHECK(obs[0].zones.at("0:DMA").spanned == 4095);
  CHECK(obs[0].zones.at("0:DMA").managed == 3840);
  CHECK_FALSE(obs[0].err);
  CHECK_FALSE(obs[0].blocks.at(0).zone);  // "none": the block spans zones
  CHECK(obs[0].blocks.at(32).zone == "Movable");
  CHECK(obs[0].vmstat.empty());
  CHECK(obs[1].vmstat.at("nr_memmap_pages") == 1024);
  CHECK(obs[1].line == 5);
  CHECK(obs[1].err == -16);
  CHECK(obs[1].note.find("timeout: eject") != std::string::npos);

  auto bad = oracle("{\"line\":1,\"a\":}\n");
  REQUIRE(std::holds_alternative<std::string>(bad));
  CHECK(std::get<std::string>(bad).find("bad JSON") != std::string::npos);
  auto no_line = oracle("{\"op\":\"x\"}\n");
  REQUIRE(std::holds_alternative<std::string>(no_line));
  CHECK(std::get<std::string>(no_line).find("without \"line\"") != std::string::npos);
  std::filesystem::remove_all(dir);
}

namespace {

const std::string kBoot1G =
    "boot node=0 start=0x1000 size=0x9ec00\n"
    "boot node=0 start=0x100000 size=0x3fee0000\n";

std::variant<std::string, ParseError> script_of(const std::string& profile, const std::string& rest = kBoot1G) {
  return kernel_script(parse("geometry x86_64\nprofile " + profile + "\n" + rest));
}

std::string script_text(const std::string& profile, const std::string& rest = kBoot1G) {
  auto s = script_of(profile, rest);
  REQUIRE_MESSAGE(std::holds_alternative<std::string>(s), std::get<ParseError>(s).message);
  return std::get<std::string>(s);
}

std::string refusal(const std::string& profile, const std::string& rest = kBoot1G) {
  auto s = script_of(profile, rest);
  REQUIRE(std::holds_alternative<ParseError>(s));
  return std::get<ParseError>(s).message;
}

}  // namespace

TEST_CASE("kernel-script: the profile's version picks the kernel") {
  const std::string v612 = script_text("v6.12 memmap_on_memory=1 memhp_default_state=offline");
  CHECK(v612.find("machine mem=1024M slots=8 maxmem=9G kernel=v6.12\n") != std::string::npos);
  // Debian's 6.12 auto-onlines ("online"): offline must be asked for, online is the default.
  CHECK(v612.find("cmdline memhp_default_state=offline memory_hotplug.memmap_on_memory=1\n") != std::string::npos);
  CHECK(script_text("v6.12 memmap_on_memory=force memhp_default_state=online")
            .find("cmdline memory_hotplug.memmap_on_memory=force\n") != std::string::npos);
  CHECK(script_text("v6.1 memmap_on_memory=0 memhp_default_state=online")
            .find("cmdline memhp_default_state=online memory_hotplug.memmap_on_memory=0\n") != std::string::npos);

  CHECK(refusal("v6.19 memmap_on_memory=1") ==
        "not expressible on a real guest: no Debian package of mainline v6.19; the oracle boots v6.1 and v6.12");
  CHECK(refusal("v6.12 memmap_on_memory=1 without=mom_per_block").find("deltas differ from v6.12's own") !=
        std::string::npos);
  CHECK(refusal("v6.1 memmap_on_memory=1 with=mom_per_block").find("deltas differ from v6.1's own") !=
        std::string::npos);
}

TEST_CASE("kernel-script: two NUMA nodes as QEMU lays them out") {
  // numa=512M,512M: node 0 [0, 512M) less page 0 and the 640K..1M hole, node 1
  // [512M, 1G) less the BIOS's top 128 KiB.
  const std::string both = "boot node=0 start=0x1000 size=0x9ec00\n"
                           "boot node=0 start=0x100000 size=0x1ff00000\n"
                           "boot node=1 start=0x20000000 size=0x1ffe0000\n"
                           "dimm_add node=1 start=0x100000000 size=128M\n";
  const std::string text = script_text("v6.12 memmap_on_memory=1 possible_nodes=2", both);
  CHECK(text.find("machine mem=1024M slots=8 maxmem=9G kernel=v6.12 numa=512M,512M\n") != std::string::npos);
  CHECK(text.find("\"node\":1}") != std::string::npos);
  CHECK(script_text("v6.12 memmap_on_memory=1", both).find("numa=512M,512M") != std::string::npos);
  // Node 1 without boot memory: QEMU's memory-less node, possible from SRAT.
  CHECK(script_text("v6.12 memmap_on_memory=1 possible_nodes=2").find(" numa=1G,0\n") != std::string::npos);
  CHECK(script_text("v6.1 memmap_on_memory=1 possible_nodes=2").find(" numa=1G,0\n") != std::string::npos);
  CHECK(script_text("v6.12 memmap_on_memory=1").find("numa=") == std::string::npos);

  const std::string e820 = "boot memory must be QEMU's e820 map";
  // Node 1's RAM not a multiple of the block size.
  CHECK(refusal("v6.12 memmap_on_memory=1",
                "boot node=0 start=0x1000 size=0x9ec00\nboot node=0 start=0x100000 size=0x1ff00000\n"
                "boot node=1 start=0x20000000 size=0x13fe0000\n")
            .find(e820) != std::string::npos);
  // The top 128 KiB belong to the last node, not to node 0.
  CHECK(refusal("v6.12 memmap_on_memory=1",
                "boot node=0 start=0x1000 size=0x9ec00\nboot node=0 start=0x100000 size=0x1fee0000\n"
                "boot node=1 start=0x20000000 size=0x20000000\n")
            .find(e820) != std::string::npos);
  // Node 0 without memory: QEMU's node 0 always starts at address 0.
  CHECK(refusal("v6.12 memmap_on_memory=1 possible_nodes=2",
                "boot node=1 start=0x1000 size=0x9ec00\nboot node=1 start=0x100000 size=0x3fee0000\n")
            .find(e820) != std::string::npos);
}

TEST_CASE("random kernel traces are valid on the version they are made for") {
  for (KernelVersion v : {KernelVersion::V6_1, KernelVersion::V6_12}) {
    CAPTURE(version_name(v));
    int nodes2 = 0, force = 0, online = 0, big = 0;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
      CAPTURE(seed);
      const Trace t = random_kernel_trace(seed, v);
      CHECK(t.prof.version == v);
      CHECK(t.prof.deltas == deltas_of(v));
      // As diff-kernel runs it: printed, parsed again, turned into a script.
      auto parsed = parse_trace(print_trace(t));
      REQUIRE(std::holds_alternative<Trace>(parsed));
      auto script = kernel_script(std::get<Trace>(parsed));
      CHECK_MESSAGE(std::holds_alternative<std::string>(script), std::get<ParseError>(script).message);
      nodes2 += t.prof.possible_nodes == 2;
      force += t.prof.memmap_on_memory_force;
      online += t.prof.memhp_default_state == OnlineType::Online;
      for (const TraceStep& st : t.steps)
        if (const auto* d = std::get_if<OpDimmAdd>(&st.op)) big += d->size > 256 * (u64{1} << 20);
    }
    // 6.1's traces are as before; 6.12's also reach what 6.12 adds.
    if (v == KernelVersion::V6_1) {
      CHECK(nodes2 + force + online + big == 0);
    } else {
      CHECK(nodes2 > 0);
      CHECK(force > 0);
      CHECK(online > 0);
      CHECK(big > 0);
    }
  }
}

TEST_CASE("compare: 6.12's vmstat memmap counters, since boot, where both sides have them") {
  const Trace t = parse(kHead + "dimm_add node=0 start=0x100000000 size=128M\n");
  std::vector<KernelObservation> model = observe_model(t);
  std::vector<KernelObservation> kernel = model;
  kernel[0].vmstat["nr_memmap_pages"] = 100;
  kernel[1].vmstat["nr_memmap_pages"] = 612;
  CHECK_FALSE(compare_observations(model, kernel));  // the model has no counter: not compared
  model[0].vmstat["nr_memmap_pages"] = 0;
  model[1].vmstat["nr_memmap_pages"] = 512;
  CHECK_FALSE(compare_observations(model, kernel));
  model[1].vmstat["nr_memmap_pages"] = 0;
  auto d = compare_observations(model, kernel);
  REQUIRE(d);
  CHECK(d->details.at(0) == "vmstat nr_memmap_pages since boot: model 0, kernel 512");

  // The model reports the counters where its version has them (6.11+).
  CHECK(observe_model(t).back().vmstat.empty());
  const Trace t612 = parse("geometry x86_64\nprofile v6.12 memmap_on_memory=1\n" + kBoot1G +
                           "dimm_add node=0 start=0x100000000 size=128M\n");
  const auto m612 = observe_model(t612);
  REQUIRE(m612.size() == 2);
  CHECK(m612[0].vmstat.count("nr_memmap_pages") == 1);
  CHECK(m612[1].vmstat.count("nr_memmap_boot_pages") == 1);
}
