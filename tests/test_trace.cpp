// Trace format: parser, printer, round trip, and the `memhp run` command.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "fixtures.h"
#include "memhp/trace.h"
#include "report.h"

using namespace memhp;
using memhp::test::parse_bad;
using memhp::test::parse_ok;
namespace fs = std::filesystem;

namespace {

constexpr u64 KiB = u64{1} << 10, MiB = u64{1} << 20, GiB = u64{1} << 30,
              TiB = u64{1} << 40;

Op only_op(const std::string& line) {
  Trace t = parse_ok(line);
  REQUIRE(t.steps.size() == 1);
  return t.steps[0].op;
}

// Every op and every optional key appears at least once.
const char* const kFullTrace = R"(# memhp trace v1
geometry arm64-4k block=1G
profile v6.1 memmap_on_memory=0 memhp_default_state=online_movable movable_node=1 online_policy=auto-movable auto_movable_ratio=0x96 auto_movable_numa_aware=0 possible_nodes=4
boot node=0 start=0 size=2G
boot node=1 start=2G size=2G   # second node
add_memory node=1 start=0x100000000 size=1G flags=memmap_on_memory,merge_resource # expect: ok
add_memory node=0 start=0x140000000 size=1G flags=merge_resource
add_memory node=0 start=0x180000000 size=1G flags=merge_resource,memmap_on_memory
add_memory node=0 start=0x1c0000000 size=1G flags=none
add_memory node=0 start=0x200000000 size=1G flags=memmap_on_memory
dimm_add node=2 start=8G size=1G # expect: -EEXIST (already there)
online_block block=4 type=online
online_block block=5 type=online_kernel
online_block block=6 type=online_movable
offline_block block=4 # expect: -EBUSY
remove_memory start=0x100000000 size=1G
alloc node=0 zone=DMA count=1 kind=unmovable
alloc node=1 zone=DMA32 count=0x10 kind=movable block=3
free node=0 zone=Normal count=1 kind=movable
free node=7 zone=Device count=1 kind=unmovable block=0
alloc node=0 zone=Movable count=300 kind=movable
memory_notifier
memory_notifier going_online=-EBUSY
memory_notifier going_offline=-ENOMEM
memory_notifier going_online=-EINVAL going_offline=ok
)";

// The example of docs/trace-format.md section 1, in the keys the format settled on.
const char* const kDesignTrace = R"(# memhp trace v1
geometry x86_64
profile v6.1 memmap_on_memory=1 memhp_default_state=offline movable_node=0
boot node=0 start=0x0 size=4G   # boot System RAM (early sections); may repeat
dimm_add node=0 start=0x140000000 size=128M   # ACPI DIMM path
online_block block=40 type=online_movable
alloc node=0 zone=Movable count=300 kind=movable
offline_block block=40      # expect: -EBUSY | ok | ...
remove_memory start=0x140000000 size=128M
)";

const char* const kDesignCanonical = R"(# memhp trace v1
geometry x86_64
profile v6.1 memmap_on_memory=1 memhp_default_state=offline movable_node=0 online_policy=contig-zones
boot node=0 start=0x0 size=4G
dimm_add node=0 start=0x140000000 size=128M
online_block block=40 type=online_movable
alloc node=0 zone=Movable count=300 kind=movable
offline_block block=40  # expect: -EBUSY
remove_memory start=0x140000000 size=128M
)";

const char* const kMinimalTrace = "offline_block block=3\n";

const char* const kSamples[] = {kFullTrace, kDesignTrace, kDesignCanonical, kMinimalTrace,
                                "", "# only a comment\n\n   \n"};

}  // namespace

TEST_CASE("trace: defaults when geometry and profile are absent") {
  Trace t = parse_ok(kMinimalTrace);
  CHECK(t.geo == *geometry_preset("x86_64"));
  CHECK(t.prof == Profile{});
  CHECK(t.boot.empty());
  REQUIRE(t.steps.size() == 1);
  CHECK(t.steps[0].line == 1);
  CHECK(t.steps[0].op == Op{OpOfflineBlock{3}});
  CHECK_FALSE(t.steps[0].expect);
}

TEST_CASE("trace: the full sample parses to the values written") {
  Trace t = parse_ok(kFullTrace);
  Geometry arm = *geometry_preset("arm64-4k");
  arm.block_bytes = GiB;
  CHECK(t.geo == arm);
  CHECK(t.prof.memmap_on_memory == false);
  CHECK(t.prof.memhp_default_state == OnlineType::OnlineMovable);
  CHECK(t.prof.movable_node == true);
  CHECK(t.prof.online_policy == OnlinePolicy::AutoMovable);
  CHECK(t.prof.possible_nodes == 4);
  CHECK(t.prof.auto_movable_ratio == 150);
  CHECK(t.prof.auto_movable_numa_aware == false);
  REQUIRE(t.boot.size() == 2);
  CHECK(t.boot[1] == BootRange{1, 2 * GiB, 2 * GiB});
  REQUIRE(t.steps.size() == 20);
  CHECK(t.steps[0].line == 6);
  CHECK(t.steps[0].expect == 0);
  CHECK(t.steps[0].op == Op{OpAddMemory{1, 4 * GiB, GiB, MHP_MEMMAP_ON_MEMORY | MHP_MERGE_RESOURCE, std::nullopt}});
  CHECK(std::get<OpAddMemory>(t.steps[2].op).flags == (MHP_MEMMAP_ON_MEMORY | MHP_MERGE_RESOURCE));
  CHECK(std::get<OpAddMemory>(t.steps[3].op).flags == MHP_NONE);
  CHECK(t.steps[5].op == Op{OpDimmAdd{2, 8 * GiB, GiB}});
  CHECK(t.steps[5].expect == errno_from_name("-EEXIST"));
  CHECK(t.steps[7].op == Op{OpOnlineBlock{5, OnlineType::OnlineKernel}});
  CHECK(t.steps[9].expect == -EBUSY);
  CHECK(t.steps[10].op == Op{OpRemoveMemory{4 * GiB, GiB}});
  CHECK(t.steps[12].op == Op{OpAlloc{false, 1, Zone::DMA32, 16, AllocKind::Movable, 3}});
  CHECK(t.steps[14].op == Op{OpAlloc{true, 7, Zone::Device, 1, AllocKind::Unmovable, 0}});
  CHECK(t.steps[16].op == Op{OpNotifier{0, 0}});
  CHECK(t.steps[17].op == Op{OpNotifier{-EBUSY, 0}});
  CHECK(t.steps[18].op == Op{OpNotifier{0, -ENOMEM}});
  CHECK(t.steps[19].op == Op{OpNotifier{-EINVAL, 0}});
  CHECK(t.steps[19].line == 25);
}

TEST_CASE("trace: canonical print of the design example") {
  CHECK(print_trace(parse_ok(kDesignTrace)) == kDesignCanonical);
}

TEST_CASE("trace: round trip and fixed point on the samples") {
  for (const char* text : kSamples) {
    CAPTURE(text);
    Trace t = parse_ok(text);
    std::string printed = print_trace(t);
    CAPTURE(printed);
    Trace back = parse_ok(printed);
    CHECK(back == t);
    CHECK(print_trace(back) == printed);
  }
}

TEST_CASE("trace: print_op and op_name") {
  CHECK(print_op(OpAddMemory{0, 5 * GiB, 128 * MiB, MHP_NONE, std::nullopt}) ==
        "add_memory node=0 start=0x140000000 size=128M");
  CHECK(print_op(OpAddMemory{3, 0, GiB, MHP_MERGE_RESOURCE | MHP_MEMMAP_ON_MEMORY, std::nullopt}) ==
        "add_memory node=3 start=0x0 size=1G flags=memmap_on_memory,merge_resource");
  CHECK(print_op(OpAddMemory{0, 4 * GiB, GiB, MHP_MERGE_RESOURCE, "System RAM (virtio_mem)"}) ==
        "add_memory_driver_managed node=0 start=0x100000000 size=1G name=\"System RAM (virtio_mem)\" "
        "flags=merge_resource");
  CHECK(op_name(OpAddMemory{0, 0, 0, 0, "kmem"}) == "add_memory_driver_managed");
  CHECK(print_op(OpRemoveMemory{5 * GiB, 0x1001}) ==
        "remove_memory start=0x140000000 size=0x1001");
  CHECK(print_op(OpRemoveMemory{0, 1536 * MiB}) == "remove_memory start=0x0 size=1536M");
  CHECK(print_op(OpRemoveMemory{0, 1025 * KiB}) == "remove_memory start=0x0 size=1025K");
  CHECK(print_op(OpRemoveMemory{0, 0}) == "remove_memory start=0x0 size=0");
  CHECK(print_op(OpRemoveMemory{~u64{0}, 1024 * TiB}) ==
        "remove_memory start=0xffffffffffffffff size=1024T");
  CHECK(print_op(OpAlloc{true, 1, Zone::Normal, 7, AllocKind::Unmovable, 12}) ==
        "free node=1 zone=Normal count=7 kind=unmovable block=12");
  CHECK(print_op(OpNotifier{}) == "memory_notifier");
  CHECK(print_op(OpNotifier{0, -EBUSY}) == "memory_notifier going_offline=-EBUSY");
  CHECK(op_name(OpAlloc{}) == "alloc");
  OpAlloc f;
  f.free = true;
  CHECK(op_name(f) == "free");
  CHECK(op_name(OpNotifier{}) == "memory_notifier");
  CHECK(op_name(OpOnlineBlock{}) == "online_block");
  CHECK(print_op(OpCompactNode{1}) == "compact_node node=1");
  CHECK(print_op(OpKpageflags{0x100000, 512}) == "kpageflags pfn=0x100000 count=512");
  CHECK(op_name(OpKpageflags{}) == "kpageflags");
}

TEST_CASE("trace: a kpageflags read no pread() can make is a bad line") {
  const std::string head = "geometry x86_64\nboot node=0 start=0x100000 size=1G\n";
  CHECK(parse_bad(head + "kpageflags pfn=0x1000000000000000 count=1\n").line == 3);
  CHECK(parse_bad(head + "kpageflags pfn=0 count=0x2000000000000000\n").line == 3);
  CHECK(parse_bad(head + "kpageflags pfn=0\n").message.find("count") != std::string::npos);
  CHECK(parse_ok(head + "kpageflags pfn=0xfffffffffffffff count=0x1fffffffffffffff\n").steps.size() == 1);
}

TEST_CASE("trace: numbers, suffixes and hex") {
  struct Case {
    const char* text;
    u64 value;
  };
  const Case cases[] = {
      {"0x140000000", 5 * GiB},
      {"5368709120", 5 * GiB},
      {"128M", 128 * MiB},
      {"128m", 128 * MiB},
      {"4G", 4 * GiB},
      {"4g", 4 * GiB},
      {"1T", TiB},
      {"4k", 4096},
      {"4K", 4096},
      {"0X10", 16},
      {"0xABcd", 0xabcd},
      {"0x10M", 16 * MiB},
      {"010", 10},
      {"0", 0},
      {"16777215T", 18446742974197923840ull},  // 2^64 - 2^40
      {"0xffffffffffffffff", 18446744073709551615ull},
      {"18446744073709551615", 18446744073709551615ull},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    // add_memory: remove_memory refuses sizes that are not whole blocks, or
    // that end past MAX_PHYSMEM_BITS.
    Op op = only_op(std::string("add_memory node=0 start=0 size=") + c.text);
    CHECK(std::get<OpAddMemory>(op).size == c.value);
    op = only_op(std::string("dimm_add node=0 size=0 start=") + c.text);
    CHECK(std::get<OpDimmAdd>(op).start == c.value);
  }
  CHECK(std::get<OpOfflineBlock>(only_op("offline_block block=0x28")).block == 40);
  CHECK(std::get<OpAlloc>(only_op("alloc node=0 zone=Normal count=18446744073709551615 kind=movable"))
            .count == ~u64{0});
}

TEST_CASE("trace: bad numbers and overflow are rejected") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"remove_memory start=0 size=16777216T", "number too large '16777216T' for 'size'"},
      {"remove_memory start=0 size=17179869184G", "number too large '17179869184G' for 'size'"},
      {"remove_memory start=0x10000000000000000 size=1G",
       "number too large '0x10000000000000000' for 'start'"},
      {"remove_memory start=18446744073709551616 size=1G",
       "number too large '18446744073709551616' for 'start'"},
      {"offline_block block=99999999999999999999", "number too large '99999999999999999999' for 'block'"},
      {"alloc node=0 zone=Normal count=1K kind=movable", "bad number '1K' for 'count'"},
      {"offline_block block=4M", "bad number '4M' for 'block'"},
      {"remove_memory start=0 size=", "bad number '' for 'size'"},
      {"remove_memory start=-1 size=1G", "bad number '-1' for 'start'"},
      {"remove_memory start=0x size=1G", "bad number '0x' for 'start'"},
      {"remove_memory start=1KK size=1G", "bad number '1KK' for 'start'"},
      {"remove_memory start=1.5G size=1G", "bad number '1.5G' for 'start'"},
      {"remove_memory start=0xG size=1G", "bad number '0xG' for 'start'"},
      {"dimm_add node=8 start=0 size=1G", "node '8' out of range 0..7"},
      {"dimm_add node=0x100000000 start=0 size=1G", "node '0x100000000' out of range 0..7"},
      {"dimm_add node=1K start=0 size=1G", "bad number '1K' for 'node'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    ParseError e = parse_bad(c.text);
    CHECK(e.line == 1);
    CHECK(e.message == c.message);
  }
}

TEST_CASE("trace: error messages and their lines") {
  struct Case {
    const char* text;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"onlin block=1", 1, "unknown op 'onlin'"},
      {"\n# c\nonline_block blok=4", 3, "online_block: unknown key 'blok'"},
      {"online_block type=online", 1, "online_block: missing key 'block'"},
      {"online_block block=1 block=2 type=online", 1, "online_block: duplicate key 'block'"},
      {"dimm_add node=0 start=x12 size=1G", 1, "bad number 'x12' for 'start'"},
      {"# memhp trace v1\ngeometry x86", 2, "unknown geometry 'x86'"},
      {"boot node=0 start=0 size=1G\nmemory_notifier\nboot node=0 start=4G size=1G", 3,
       "'boot' after an operation"},
      {"boot node=0 start=0 size=1G\ngeometry x86_64", 2, "'geometry' after 'boot'"},
      {"boot node=0 start=0 size=1G\nprofile v6.1", 2, "'profile' after 'boot'"},
      {"memory_notifier\ngeometry x86_64", 2, "'geometry' after an operation"},
      {"geometry x86_64\ngeometry x86_64", 2, "duplicate 'geometry'"},
      {"profile v6.1\nprofile v6.1", 2, "duplicate 'profile'"},
      {"memory_notifier # expect: EBUSY", 1, "expect: unknown result 'EBUSY'"},
      {"memory_notifier # expect:", 1, "expect: missing result"},
      {"boot node=0 start=0 size=1G # expect: ok", 1, "expect: not allowed on 'boot'"},
      {"offline_block block", 1, "missing '=' in 'block'"},
      {"offline_block =3", 1, "missing key in '=3'"},
      {"geometry", 1, "geometry: missing name"},
      {"geometry x86_64 blocks=1G", 1, "geometry: unknown key 'blocks'"},
      {"geometry x86_64 block=1Q", 1, "bad number '1Q' for 'block'"},
      {"profile memmap_on_memory=1", 1, "profile: missing version"},
      {"profile v5.10", 1, "profile: unknown version 'v5.10' (want v6.1, v6.12 or v6.19)"},
      {"profile v6.1 memmap_on_memory=force", 1,
       "profile: memmap_on_memory=force needs delta mom_force_mode (6.6); v6.1 takes 0 or 1"},
      {"profile v6.12 with=no_such_delta", 1, "unknown delta 'no_such_delta' for 'with'"},
      {"profile v6.12 with=mom_per_block without=mom_per_block", 1,
       "profile: a delta is both in 'with' and in 'without'"},
      {"profile v6.1 memmap_on_memory=2", 1, "bad value '2' for 'memmap_on_memory'"},
      {"profile v6.1 memhp_default_state=on", 1, "bad value 'on' for 'memhp_default_state'"},
      {"profile v6.1 online_policy=contig_zones", 1, "bad value 'contig_zones' for 'online_policy'"},
      {"profile v6.1 possible_nodes=9", 1, "possible_nodes '9' out of range 0..8"},
      {"profile v6.1 auto_movable_ratio=4294967296", 1, "auto_movable_ratio '4294967296' out of range 0..4294967295"},
      {"profile v6.1 auto_movable_ratio=-1", 1, "bad number '-1' for 'auto_movable_ratio'"},
      {"profile v6.1 auto_movable_numa_aware=Y", 1, "bad value 'Y' for 'auto_movable_numa_aware'"},
      {"profile v6.1 movable=1", 1, "profile: unknown key 'movable'"},
      {"boot node=0 start=0", 1, "boot: missing key 'size'"},
      {"online_block block=1 type=offline", 1, "bad value 'offline' for 'type'"},
      {"online_block block=1 type=Online", 1, "bad value 'Online' for 'type'"},
      {"alloc node=0 zone=normal count=1 kind=movable", 1, "bad value 'normal' for 'zone'"},
      {"alloc node=0 zone=Normal count=1 kind=reclaimable", 1,
       "bad value 'reclaimable' for 'kind'"},
      {"free node=0 zone=Normal count=1", 1, "free: missing key 'kind'"},
      {"add_memory node=0 start=0 size=1G flags=nid_is_mgid", 1,
       "bad value 'nid_is_mgid' for 'flags'"},
      {"add_memory node=0 start=0 size=1G flags=merge_resource,merge_resource", 1,
       "bad value 'merge_resource,merge_resource' for 'flags'"},
      {"add_memory node=0 start=0 size=1G flags=merge_resource,", 1,
       "bad value 'merge_resource,' for 'flags'"},
      {"add_memory_driver_managed node=0 start=4G size=1G name=kmem", 1,
       "bad value 'kmem' for 'name' (a name is written in double quotes)"},
      {"add_memory_driver_managed node=0 start=4G size=1G name=\"System RAM (kmem)", 1,
       "bad value '\"System RAM (kmem)' for 'name' (a name is written in double quotes)"},
      {"add_memory_driver_managed node=0 start=4G size=1G name=\"a\"b\"", 1,
       "bad value '\"a\"b\"' for 'name' (a name is written in double quotes)"},
      {"add_memory_driver_managed node=0 start=4G size=1G", 1, "add_memory_driver_managed: missing key 'name'"},
      {"add_memory node=0 start=4G size=1G name=\"System RAM (kmem)\"", 1, "add_memory: unknown key 'name'"},
      {"remove_memory node=0 start=0 size=1G", 1, "remove_memory: unknown key 'node'"},
      {"memory_notifier going_online=EBUSY", 1, "bad value 'EBUSY' for 'going_online'"},
      {"memory_notifier going_offline=1", 1, "bad value '1' for 'going_offline'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    ParseError e = parse_bad(c.text);
    CHECK(e.line == c.line);
    CHECK(e.message == c.message);
  }
}

TEST_CASE("trace: comments, blank lines and CRLF") {
  Trace t = parse_ok("  # indented comment\r\n\t\r\noffline_block block=1\t# expect: ok trailing\r\n"
                     "offline_block block=2 # just a note\n");
  REQUIRE(t.steps.size() == 2);
  CHECK(t.steps[0].line == 3);
  CHECK(t.steps[0].expect == 0);
  CHECK(t.steps[1].line == 4);
  CHECK_FALSE(t.steps[1].expect);
  // A '#' between double quotes is part of a name, not a comment.
  Trace q = parse_ok("add_memory_driver_managed node=0 start=4G size=128M name=\"System RAM (a#b)\" # expect: ok\n");
  REQUIRE(q.steps.size() == 1);
  CHECK(std::get<OpAddMemory>(q.steps[0].op).resource_name == "System RAM (a#b)");
  CHECK(q.steps[0].expect == 0);
  // A whole-line comment is ignored even when it mentions expect:.
  CHECK(parse_ok("# expect: nonsense\n").steps.empty());
}

TEST_CASE("trace: the parser survives arbitrary bytes") {
  std::mt19937_64 rng(7);
  const std::string alphabet = "abz_=#:-0x9GMK \t\n\r,.\x01\xff";
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (int n = static_cast<int>(rng() % 60); n > 0; --n) text += alphabet[rng() % alphabet.size()];
    auto r = parse_trace(text);  // must return, not crash or throw
    if (auto* e = std::get_if<ParseError>(&r)) CHECK(e->line >= 1);
  }
  // Mutations of a valid trace.
  std::string base = kFullTrace;
  for (int i = 0; i < 2000; ++i) {
    std::string text = base;
    text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    auto r = parse_trace(text);
    if (auto* t = std::get_if<Trace>(&r)) CHECK(parse_ok(print_trace(*t)) == *t);
  }
}

namespace {

// Random traces within what the format can express.
class TraceGen {
 public:
  explicit TraceGen(u64 seed) : rng_(seed) {
    for (int e : {0, -EINVAL, -EBUSY, -ENOMEM, -EEXIST, -ENODEV, -EPERM, -ENOSPC, -ERANGE})
      if (errno_name(e) != "" && errno_from_name(errno_name(e)) == e) errnos_.push_back(e);
  }

  Trace trace() {
    Trace t;
    const auto& names = geometry_preset_names();
    t.geo = *geometry_preset(names[pick(names.size())]);
    if (coin()) t.geo.block_bytes = number();
    t.prof.memmap_on_memory = coin();
    t.prof.memhp_default_state = static_cast<OnlineType>(pick(4));
    t.prof.movable_node = coin();
    t.prof.online_policy = coin() ? OnlinePolicy::AutoMovable : OnlinePolicy::ContigZones;
    t.prof.possible_nodes = static_cast<int>(pick(kMaxNodes + 1));
    if (coin()) t.prof.auto_movable_ratio = static_cast<unsigned>(number());
    t.prof.auto_movable_numa_aware = coin();
    for (auto n = pick(4); n > 0; --n) t.boot.push_back({node(), number(), number()});
    for (auto n = pick(20); n > 0; --n) t.steps.push_back(step());
    // remove_memory of a range that is not whole memory blocks is refused
    // (no kernel caller passes one): keep the generated ones whole.
    for (TraceStep& st : t.steps)
      if (auto* rm = std::get_if<OpRemoveMemory>(&st.op); rm && is_pow2(t.geo.block_bytes)) {
        rm->start = align_down(rm->start, t.geo.block_bytes);
        rm->size = std::max(align_down(rm->size, t.geo.block_bytes), t.geo.block_bytes);
      }
    return t;
  }

 private:
  u64 pick(u64 n) { return rng_() % n; }
  bool coin() { return rng_() & 1; }
  int node() { return static_cast<int>(pick(kMaxNodes)); }
  int err() { return errnos_[pick(errnos_.size())]; }
  // Sizes that exercise every printed form: suffixes, hex, 0 and the top.
  u64 number() {
    switch (pick(5)) {
      case 0: return 0;
      case 1: return ~u64{0};
      case 2: return pick(64) << (10 * pick(5));
      case 3: return rng_() << pick(64);
      default: return rng_();
    }
  }

  // Resource names: none (add_memory), valid and invalid ones, blanks,
  // '#' (a comment start outside quotes) and '=' inside the quotes.
  std::optional<std::string> name() {
    static const char* const kNames[] = {"System RAM (kmem)", "kmem", "", " a  b ", "x # y", "k=v"};
    if (coin()) return std::nullopt;
    return kNames[pick(std::size(kNames))];
  }

  TraceStep step() {
    TraceStep s;
    if (coin()) s.expect = err();
    switch (pick(9)) {
      case 0: s.op = OpAddMemory{node(), number(), number(), static_cast<unsigned>(pick(4)), name()}; break;
      case 1: s.op = OpDimmAdd{node(), number(), number()}; break;
      case 2: s.op = OpOnlineBlock{number(), static_cast<OnlineType>(1 + pick(3))}; break;
      case 3: s.op = OpOfflineBlock{number()}; break;
      // Below 2^45 (every preset has MAX_PHYSMEM_BITS >= 46): a remove past
      // it is refused at parse (NOTES.md "Input bounds").
      case 4: s.op = OpRemoveMemory{number() & kBelow2p44, number() & kBelow2p44}; break;
      case 5: {
        OpAlloc a{coin(), node(), kAllZones[pick(kNrZones)], number(),
                  coin() ? AllocKind::Movable : AllocKind::Unmovable, std::nullopt};
        if (coin()) a.block = number();
        s.op = a;
        break;
      }
      case 6: s.op = OpCompactNode{node()}; break;
      // Below 2^60 and 2^61: past them the parser refuses the read.
      case 7: s.op = OpKpageflags{number() >> 4, number() >> 3}; break;
      default: s.op = OpNotifier{err(), err()}; break;
    }
    return s;
  }

  static constexpr u64 kBelow2p44 = (u64{1} << 44) - 1;
  std::mt19937_64 rng_;
  std::vector<int> errnos_;
};

}  // namespace

TEST_CASE("trace: random traces round trip") {
  TraceGen gen(2024);
  for (int i = 0; i < 500; ++i) {
    Trace t = gen.trace();
    std::string printed = print_trace(t);
    CAPTURE(printed);
    auto r = parse_trace(printed);
    if (auto* e = std::get_if<ParseError>(&r)) FAIL("line " << e->line << ": " << e->message);
    CHECK(std::get<Trace>(r) == t);
    CHECK(print_trace(std::get<Trace>(r)) == printed);
  }
}

TEST_CASE("trace: text_step and json_line") {
  Result r = Result::error(-EBUSY, "pages \"pinned\"");
  r.warnings = {"WARN_ON(1)"};
  r.bug = "kernel BUG at mm/memory_hotplug.c";
  CHECK(text_step(7, OpOfflineBlock{40}, r) ==
        "7: offline_block block=40 -> -EBUSY (pages \"pinned\")\n"
        "  WARNING: WARN_ON(1)\n"
        "  BUG: kernel BUG at mm/memory_hotplug.c\n");
  CHECK(text_step(3, OpNotifier{}, Result{}) == "3: memory_notifier -> ok\n");
  // Keys stay in the order written; control characters are escaped; bytes
  // that are not UTF-8 (a trace may hold any) are replaced, not thrown at.
  CHECK(json_line(Json{{"b", "a\"b\\c\nd\te\x01"}, {"a", nullptr}}) ==
        "{\"b\":\"a\\\"b\\\\c\\nd\\te\\u0001\",\"a\":null}");
  CHECK(json_line(Json("\xff")) == "\"\xef\xbf\xbd\"");
}

// ------------------------------------------------------ the memhp binary --

namespace {

struct Exec {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A scratch directory per test case, so parallel ctest runs do not collide.
class Scratch {
 public:
  explicit Scratch(const std::string& tag)
      : dir_(fs::temp_directory_path() /
             ("memhp-test-trace-" + std::to_string(::getpid()) + "-" + tag)) {
    fs::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `memhp ARGS` (ARGS are shell words) and captures both streams.
  Exec memhp(const std::string& args, const std::string& stdin_file = "") const {
    std::string cmd = "'" MEMHP_BINARY "' " + args + " >'" + path("stdout") + "' 2>'" +
                      path("stderr") + "'";
    if (!stdin_file.empty()) cmd += " <'" + stdin_file + "'";
    else cmd += " </dev/null";
    Exec e;
    int rc = std::system(cmd.c_str());
    e.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    e.out = slurp(path("stdout"));
    e.err = slurp(path("stderr"));
    return e;
  }

 private:
  fs::path dir_;
};

const char* const kBoot = "# memhp trace v1\nboot node=0 start=0 size=4G\n";

}  // namespace

TEST_CASE("trace: memhp run, expectations held -> 0") {
  Scratch s("ok");
  auto f = s.write("ok.trace", std::string(kBoot) + "memory_notifier # expect: ok\n"
                                                    "memory_notifier going_offline=-EBUSY\n");
  Exec e = s.memhp("run '" + f + "'");
  CHECK(e.status == 0);
  CHECK(e.err == "");
  CHECK(e.out ==
        "3: memory_notifier -> ok\n"
        "  expect ok: held\n"
        "4: memory_notifier going_offline=-EBUSY -> ok\n"
        "2 steps, 1 expectations checked, 0 failed\n");
}

TEST_CASE("trace: memhp run, an expectation fails -> 1 and execution goes on") {
  Scratch s("fail");
  auto f = s.write("fail.trace", std::string(kBoot) +
                                     "memory_notifier going_online=-EBUSY # expect: -EINVAL\n"
                                     "memory_notifier # expect: ok\n");
  Exec e = s.memhp("run '" + f + "'");
  CHECK(e.status == 1);
  CHECK(e.out ==
        "3: memory_notifier going_online=-EBUSY -> ok\n" + f + ":3: expected -EINVAL, got ok\n"
        "4: memory_notifier -> ok\n"
        "  expect ok: held\n"
        "2 steps, 2 expectations checked, 1 failed\n");

  Exec j = s.memhp("run --json-full '" + f + "'");
  CHECK(j.status == 1);
  CHECK(j.err == f + ":3: expected -EINVAL, got ok\n");
  std::istringstream lines(j.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    const std::string expect = n == 1 ? "{\"want\":-22,\"held\":false}" : "{\"want\":0,\"held\":true}";
    CHECK(line.rfind("{\"line\":" + std::to_string(n + 2) + ",\"op\":\"memory_notifier\",\"errno\":0,"
                     "\"expect\":" + expect + ",\"zones\":{", 0) == 0);
    CHECK(line.find("\"0:DMA\":{\"start_pfn\":") != std::string::npos);
    CHECK(line.back() == '}');
  }
  CHECK(n == 2);

  // The default form: the boot state on line 0, then what each step changed
  // (a notifier changes no zone, block or section).
  Exec c = s.memhp("run --json '" + f + "'");
  CHECK(c.status == 1);
  CHECK(c.err == j.err);
  std::istringstream clines(c.out);
  REQUIRE(std::getline(clines, line));
  CHECK(line.rfind("{\"line\":0,\"op\":\"boot\",\"errno\":0,\"changed\":[", 0) == 0);
  CHECK(line.find("\"0:DMA\":{\"start_pfn\":") != std::string::npos);
  REQUIRE(std::getline(clines, line));
  CHECK(line == "{\"line\":3,\"op\":\"memory_notifier\",\"errno\":0,\"expect\":{\"want\":-22,\"held\":false},"
                "\"changed\":[\"notifier\"],\"zones\":{},\"nodes\":{},\"blocks\":[],\"sections\":[]}");
  REQUIRE(std::getline(clines, line));
  CHECK(line == "{\"line\":4,\"op\":\"memory_notifier\",\"errno\":0,\"expect\":{\"want\":0,\"held\":true},"
                "\"changed\":[\"notifier\"],\"zones\":{},\"nodes\":{},\"blocks\":[],\"sections\":[]}");
  CHECK_FALSE(std::getline(clines, line));
}

TEST_CASE("trace: memhp run, bad input -> 2") {
  Scratch s("bad");
  SUBCASE("parse error names file and line") {
    auto f = s.write("p.trace", std::string(kBoot) + "\nonlin block=1\n");
    Exec e = s.memhp("run '" + f + "'");
    CHECK(e.status == 2);
    CHECK(e.out == "");
    CHECK(e.err == f + ":4: unknown op 'onlin'\n");
  }
  SUBCASE("boot failure is blamed on the first boot line") {
    auto f = s.write("b.trace", "geometry x86_64\n\nboot node=0 start=0 size=4G\n"
                                "boot node=0 start=1G size=1G\nmemory_notifier\n");
    Exec e = s.memhp("run '" + f + "'");
    CHECK(e.status == 2);
    CHECK(e.out == "");
    CHECK(e.err.rfind(f + ":3: ", 0) == 0);
    CHECK(e.err.size() > f.size() + 4);
  }
  SUBCASE("missing file") {
    Exec e = s.memhp("run '" + s.path("nope.trace") + "'");
    CHECK(e.status == 2);
    CHECK(e.err == "memhp: cannot read '" + s.path("nope.trace") +
                       "': No such file or directory\n");
  }
  SUBCASE("a directory is unreadable") {
    Exec e = s.memhp("run '" + s.path("") + "'");
    CHECK(e.status == 2);
    CHECK(e.err.find("memhp: cannot read '") == 0);
  }
  SUBCASE("usage errors") {
    CHECK(s.memhp("frobnicate").status == 2);
    CHECK(s.memhp("").status == 2);
    CHECK(s.memhp("run").status == 2);
    CHECK(s.memhp("run --bogus x.trace").status == 2);
    CHECK(s.memhp("run a.trace b.trace").status == 2);
    Exec e = s.memhp("frobnicate");
    CHECK(e.err == "memhp: unknown command 'frobnicate' (see 'memhp help')\n");
  }
}

TEST_CASE("trace: memhp help and stdin") {
  Scratch s("help");
  Exec h = s.memhp("help");
  CHECK(h.status == 0);
  CHECK(h.out.find("  run ") != std::string::npos);
  CHECK(s.memhp("--help").out == h.out);
  CHECK(s.memhp("help run").status == 0);
  CHECK(s.memhp("help nope").status == 2);

  auto f = s.write("in.trace", std::string(kBoot) + "memory_notifier # expect: ok\n");
  Exec e = s.memhp("run -", f);
  CHECK(e.status == 0);
  CHECK(e.out == "3: memory_notifier -> ok\n  expect ok: held\n1 steps, 1 expectations checked, 0 failed\n");
  auto bad = s.write("bad.trace", "offline_block\n");
  CHECK(s.memhp("run -", bad).err == "<stdin>:1: offline_block: missing key 'block'\n");
}

TEST_CASE("trace: memhp run on the design scenario is deterministic") {
  Scratch s("design");
  auto f = s.write("design.trace", R"(# memhp trace v1
geometry x86_64
profile v6.1 memmap_on_memory=0 memhp_default_state=offline
boot node=0 start=0 size=4G
dimm_add node=0 start=0x140000000 size=128M   # expect: ok
online_block block=40 type=online_movable      # expect: ok
alloc node=0 zone=Movable count=300 kind=movable
offline_block block=40
remove_memory start=0x140000000 size=128M
)");
  Exec a = s.memhp("run --json '" + f + "'");
  Exec b = s.memhp("run --json '" + f + "'");
  CHECK(a.out == b.out);
  CHECK(a.err == b.err);
  CHECK(a.status == b.status);
  CHECK(a.status == 0);
  // Block 40 shows up once the DIMM is added.
  CHECK(a.out.find("{\"first\":40,\"last\":40,\"state\":\"offline\",") != std::string::npos);
  CHECK(s.memhp("run --json-full '" + f + "'").out.find("\"40\":{\"state\":") != std::string::npos);
  CHECK(s.memhp("run --json --json-full '" + f + "'").status == 2);
  Exec t = s.memhp("run '" + f + "'");
  CHECK(t.out.find("5: dimm_add node=0 start=0x140000000 size=128M -> ok\n") == 0);
  CHECK(t.out.find("5 steps, 2 expectations checked, 0 failed\n") != std::string::npos);
}

// What `memhp run` prints under a step: the counters a kernel developer
// reads after a hot-add and online. A 128 MiB DIMM on x86_64 with
// memmap_on_memory holds its own memmap, 32768 pages x 64 bytes = 512
// pages, at its front; onlined movable, ZONE_MOVABLE then manages the other
// 32256 pages.
TEST_CASE("trace: memhp run prints what each step changed") {
  Scratch s("changes");
  auto f = s.write("c.trace",
                   "geometry x86_64\nprofile v6.1 memmap_on_memory=1 memhp_default_state=offline\n"
                   "boot node=0 start=0x100000 size=0x3ff00000\n"
                   "dimm_add node=0 start=0x100000000 size=128M # expect: ok\n"
                   "online_block block=32 type=online_movable\n"
                   "alloc node=0 zone=Movable count=3000 kind=movable block=32\n");
  Exec e = s.memhp("run '" + f + "'");
  CHECK(e.status == 0);
  CHECK(e.out.find("4: dimm_add node=0 start=0x100000000 size=128M -> ok\n"
                   "  block 32: absent -> offline\n"
                   "  memmap: +512 pages self-hosted in the hot-added range (altmap) (now 512)\n"
                   "  expect ok: held\n") != std::string::npos);
  CHECK(e.out.find("  zone 0:Movable: start 0 -> 0x100000, spanned 0 -> 32768, present 0 -> 32768, "
                   "managed 0 -> 32256\n") != std::string::npos);
  CHECK(e.out.find("  block 32: offline -> online Movable\n"
                   "  pages 0:Movable: free 0 -> 32256\n") != std::string::npos);
  // An allocation changes only the allocator's view.
  CHECK(e.out.find("6: alloc node=0 zone=Movable count=3000 kind=movable block=32 -> ok\n"
                   "  pages 0:Movable: free 32256 -> 29256, movable 0 -> 3000\n") != std::string::npos);
}
