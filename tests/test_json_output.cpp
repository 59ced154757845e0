// `memhp run --json`: the default form prints what each step changed, so a
// line's length follows the step, not the machine; --json-full prints every
// block. The changes, applied one after another, must rebuild what the full
// form prints at every step.
#include <doctest/doctest.h>

#include <cerrno>
#include <map>
#include <sstream>

#include "memhp/trace.h"
#include "report.h"
#include "shell.h"

using namespace memhp;

namespace {

// A 16 TiB x86_64 machine (131072 boot memory blocks of 128 MiB) and a DIMM
// above it: blocks 131072 and 131073 (0x100000000000 / 128 MiB).
const std::string k16T =
    "# memhp trace v1\n"
    "geometry x86_64\n"
    "profile v6.1 memmap_on_memory=0 memhp_default_state=offline\n"
    "boot node=0 start=0 size=16T\n"
    "dimm_add node=0 start=0x100000000000 size=256M\n"
    "online_block block=131073 type=online_movable\n"
    "alloc node=0 zone=Movable count=300 kind=movable\n"
    "offline_block block=131073\n"
    "dimm_remove start=0x100000000000\n";

const std::string kSmall =
    "# memhp trace v1\n"
    "geometry x86_64\n"
    "profile v6.1 memmap_on_memory=1 memhp_default_state=offline\n"
    "boot node=0 start=0 size=4G\n"
    "dimm_add node=0 start=0x140000000 size=384M\n"
    "online_block block=41 type=online_movable\n"
    "online_block block=40 type=online_kernel\n"
    "online_block block=42 type=online\n"
    "offline_block block=41\n"
    "offline_block block=40\n"
    "online_block block=40 type=online_movable\n"
    "offline_block block=42\n"
    "offline_block block=40\n"
    "dimm_remove start=0x140000000\n";

Trace parse(const std::string& text) {
  auto p = parse_trace(text);
  REQUIRE(std::holds_alternative<Trace>(p));
  return std::get<Trace>(p);
}

System boot(const Trace& t) {
  auto b = boot_trace(t);
  REQUIRE(std::holds_alternative<System>(b));
  return std::get<System>(b);
}

// The state the changes describe, rebuilt entry by entry.
struct Rebuilt {
  Json zones = Json::object();
  Json nodes = Json::object();
  std::map<u64, Json> blocks;  // id -> {state, zone, valid_zones}

  void apply(const Json& line) {
    for (const auto& [name, z] : line.at("zones").items()) {
      if (z.is_null()) zones.erase(name);
      else zones[name] = z;
    }
    for (const auto& [name, n] : line.at("nodes").items()) {
      if (n.is_null()) nodes.erase(name);
      else nodes[name] = n;
    }
    for (const Json& e : line.at("blocks"))
      for (u64 id = e.at("first"); id <= e.at("last").get<u64>(); ++id) {
        if (e.at("state").is_null()) blocks.erase(id);
        else blocks[id] = Json{{"state", e.at("state")},
                               {"zone", e.at("zone")},
                               {"valid_zones", e.at("valid_zones")},
                               {"nr_vmemmap_pages", e.at("nr_vmemmap_pages")},
                               {"vmemmap", e.at("vmemmap")}};
      }
  }
  Json blocks_json() const {
    Json out = Json::object();
    for (const auto& [id, b] : blocks) out[std::to_string(id)] = b;
    return out;
  }
};

}  // namespace

TEST_CASE("json: the changes rebuild the full form at every step") {
  const Trace t = parse(kSmall);
  System s = boot(t);
  JsonChanges changes(s);
  Rebuilt r;
  r.apply(Json::parse(changes.boot_line()));
  int ok = 0;
  for (const TraceStep& st : t.steps) {
    const Result res = apply_op(s, st.op);
    ok += res.ok();
    const Json line = Json::parse(changes.step(s, st.line, op_name(st.op), res));
    r.apply(line);
    const Json full = Json::parse(json_step(s, st.line, op_name(st.op), res));
    CAPTURE(st.line);
    CHECK(line.at("errno") == full.at("errno"));
    CHECK(r.zones == full.at("zones"));
    CHECK(r.nodes == full.at("nodes"));
    CHECK(r.blocks_json() == full.at("blocks"));
  }
  CHECK(ok >= 8);  // the trace does what it says, so the blocks really change
  CHECK(r.blocks.size() == 32);  // the DIMM's blocks are gone again
}

TEST_CASE("json: a step that changes nothing prints no zones, blocks or sections") {
  const Trace t = parse(kSmall);
  System s = boot(t);
  JsonChanges changes(s);
  const Json line = Json::parse(changes.step(s, 9, "offline_block", Result::error(-EINVAL, "x")));
  CHECK(line.at("changed").empty());
  CHECK(line.at("zones").empty());
  CHECK(line.at("nodes").empty());
  CHECK(line.at("blocks").empty());
  CHECK(line.at("sections").empty());
}

TEST_CASE("json: memhp run --json on a 16 TiB boot stays small per step") {
  using memhp::test::Exec;
  test::Scratch s("json-16t");
  const std::string f = s.write("16t.trace", k16T);
  const Exec e = test::run_memhp(s, "run --json '" + f + "'");
  REQUIRE(e.status == 0);
  std::istringstream in(e.out);
  std::vector<Json> lines;
  for (std::string line; std::getline(in, line);) {
    CAPTURE(line.substr(0, 200));
    // 131072 blocks, one entry each, would be some 8 MB per line.
    CHECK(line.size() < 4096);
    lines.push_back(Json::parse(line));
  }
  REQUIRE(lines.size() == 6);  // boot and five steps
  CHECK(lines[0].at("line") == 0);
  // The boot line covers the 131072 boot blocks in a few runs.
  u64 boot_blocks = 0;
  for (const Json& b : lines[0].at("blocks")) boot_blocks += b.at("last").get<u64>() - b.at("first").get<u64>() + 1;
  CHECK(boot_blocks == 131072);
  // dimm_add: the DIMM's two blocks, offline (memhp_default_state=offline),
  // collapsed into one entry when sysfs shows them alike.
  const Json& added = lines[1].at("blocks");
  REQUIRE_FALSE(added.empty());
  CHECK(added[0].at("first") == 131072);
  CHECK(added[added.size() - 1].at("last") == 131073);
  CHECK(added[0].at("state") == "offline");
  // dimm_remove: both blocks leave.
  const Json& removed = lines[5].at("blocks");
  REQUIRE(removed.size() == 1);
  CHECK(removed[0] == Json{{"first", 131072}, {"last", 131073}, {"state", nullptr}});
}

// Where each block's memmap lives, and the verdict of each `# expect:`. On
// 6.1, memmap_on_memory serves a hot-add of exactly one memory block
// (mhp_supports_memmap_on_memory() wants size == memory_block_size_bytes()):
// the 128 MiB DIMM's 32768 pages x 64 bytes = 512 pages of memmap sit at its
// front, while a 256 MiB DIMM gets its memmap from the page allocator.
TEST_CASE("json: blocks say where their memmap is, steps carry their expect verdict") {
  const Trace t = parse(
      "# memhp trace v1\ngeometry x86_64\nprofile v6.1 memmap_on_memory=1 memhp_default_state=offline\n"
      "boot node=0 start=0 size=4G\n"
      "dimm_add node=0 start=0x140000000 size=128M   # expect: ok\n"
      "dimm_add node=0 start=0x148000000 size=256M   # expect: -EBUSY\n");
  System s = boot(t);
  JsonChanges changes(s);
  const Json boot_line = Json::parse(changes.boot_line());
  CHECK(boot_line.at("blocks").at(0).at("vmemmap") == "boot");
  CHECK(boot_line.at("nodes").at("0").at("has_memory") == true);
  std::vector<Json> lines;
  for (const TraceStep& st : t.steps) {
    const Result res = apply_op(s, st.op);
    lines.push_back(Json::parse(changes.step(s, st.line, op_name(st.op), res, st.expect)));
  }
  const Json& one = lines.at(0).at("blocks").at(0);
  CHECK(one.at("first") == 40);
  CHECK(one.at("vmemmap") == "memmap_on_memory");
  CHECK(one.at("nr_vmemmap_pages") == 512);
  CHECK(lines.at(0).at("expect") == Json{{"want", 0}, {"held", true}});
  const Json& two = lines.at(1).at("blocks").at(0);
  CHECK(two.at("first") == 41);
  CHECK(two.at("last") == 42);
  CHECK(two.at("vmemmap") == "page_allocator");
  CHECK(two.at("nr_vmemmap_pages") == 0);
  CHECK(lines.at(1).at("expect") == Json{{"want", -EBUSY}, {"held", false}});
}
