// The two sysfs attributes a memory block has for onlining, written with
// any text: memoryN/state (drivers/base/memory.c state_store()) and the
// driver core's memoryN/online (drivers/base/core.c online_store()). The
// expected results are what those functions return in linux-source-6.1:
// state_store() turns device_online()'s "already online" (1) into -EINVAL,
// online_store() returns the byte count, i.e. success.
#include "fixtures.h"

using namespace memhp;
using namespace memhp::test;

namespace {
constexpr u64 k4G = 4 * GiB;

System with_offline_block() {
  System s = qemu_1g();
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  return s;
}
}  // namespace

TEST_CASE("sysfs: a string state_store() does not know is -EINVAL and changes nothing") {
  System s = with_offline_block();
  for (const char* bad : {"onlin", "Online", "online ", "", "offline_movable"}) {
    CAPTURE(bad);
    CHECK_FAILS_ATOMICALLY(s, -EINVAL, state_write(s, 32, bad));
  }
  REQUIRE_OK(state_write(s, 32, "online_movable"));
  CHECK(s.blocks.at(32).zone == Zone::Movable);
  // Already online: -EINVAL, and the requested type stays in
  // mem->online_type (a documented partial path, Partial::OnlineTypeKept).
  const Result again = state_write(s, 32, "online");
  CHECK(again.err == -EINVAL);
  CHECK(again.partial == Partial::OnlineTypeKept);
  REQUIRE_OK(state_write(s, 32, "offline"));
  CHECK(state_write(s, 99, "online").err == -ENOENT);
}

TEST_CASE("sysfs: memoryN/online onlines with the default policy and is quiet about the state it is in") {
  System s = with_offline_block();
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, online_write(s, 32, "x"));
  CHECK_FAILS_ATOMICALLY(s, -EINVAL, online_write(s, 32, "o"));
  REQUIRE_OK(online_write(s, 32, "on"));
  // No online_type stored: MMOP_ONLINE, whose zone contig-zones picks (a
  // block next to nothing but Normal goes to Normal).
  CHECK(s.blocks.at(32).state == BlockState::Online);
  CHECK(s.blocks.at(32).zone == Zone::Normal);
  const System online = s;
  REQUIRE_OK(online_write(s, 32, "1"));  // device_online() gives 1: success
  CHECK(s == online);
  REQUIRE_OK(online_write(s, 32, "N"));
  CHECK(s.blocks.at(32).state == BlockState::Offline);
  REQUIRE_OK(online_write(s, 32, "off"));
  CHECK(online_write(s, 99, "1").err == -ENOENT);
}

TEST_CASE("sysfs: memoryN/online honours an online type a state write left behind") {
  System s = with_offline_block();
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineKernel));
  // An "already online" state write keeps its type in mem->online_type
  // (Partial::OnlineTypeKept); offline, then online through the attribute:
  // Movable, where the default policy would pick Normal.
  const Result kept = online_block(s, 32, OnlineType::OnlineMovable);
  CHECK(kept.err == -EINVAL);
  CHECK(kept.partial == Partial::OnlineTypeKept);
  REQUIRE_OK(offline_block(s, 32));
  REQUIRE_OK(online_write(s, 32, "y"));
  CHECK(s.blocks.at(32).zone == Zone::Movable);
}

TEST_CASE("sysfs: sysfs_write parses, prints and runs") {
  const Trace t = parse_ok(
      "boot node=0 start=0x100000 size=0x3fee0000\n"
      "dimm_add node=0 start=4G size=128M\n"
      "sysfs_write block=32 attr=state value=onlin   # expect: -EINVAL\n"
      "sysfs_write block=32 attr=online value=1\n");
  CHECK(parse_ok(print_trace(t)) == t);
  CHECK(print_op(t.steps[1].op) == "sysfs_write block=32 attr=state value=onlin");
  CHECK(parse_bad("sysfs_write block=32 attr=size value=1\n").message.find("attr") != std::string::npos);
}
