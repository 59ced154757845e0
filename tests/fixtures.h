// Shared fixtures for the doctest suites.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "diff.h"
#include "memhp/ops.h"
#include "memhp/trace.h"

namespace memhp::test {

constexpr u64 KiB = u64{1} << 10;
constexpr u64 MiB = u64{1} << 20;
constexpr u64 GiB = u64{1} << 30;

inline System must_boot(const Geometry& g, const Profile& p, const std::vector<BootRange>& r) {
  auto v = boot_system(g, p, r);
  if (auto* e = std::get_if<std::string>(&v)) FAIL("boot failed: " << *e);
  return std::get<System>(std::move(v));
}

// The Debian 12 guest the QEMU facts were taken on: `-m 1G`, whose e820 map
// gives System RAM 0x1000-0x9fbff and 0x100000-0x3ffdffff.
inline System qemu_1g(Profile p = {}) {
  return must_boot(*geometry_preset("x86_64"), p,
                   {{0, 0x1000, 0x9fc00 - 0x1000}, {0, 0x100000, 0x3ffe0000 - 0x100000}});
}

inline Profile mom(bool on) {
  Profile p;
  p.memmap_on_memory = on;
  return p;
}

// The trace `text` describes; a parse error fails the test case.
inline Trace parse_ok(const std::string& text) {
  auto r = parse_trace(text);
  if (auto* e = std::get_if<ParseError>(&r))
    FAIL("unexpected parse error at line " << e->line << ": " << e->message);
  return std::get<Trace>(std::move(r));
}

// The error parsing `text` gives; a trace that parses fails the test case.
inline ParseError parse_bad(const std::string& text) {
  auto r = parse_trace(text);
  REQUIRE_MESSAGE(std::holds_alternative<ParseError>(r), "parsed: " << text);
  return std::get<ParseError>(r);
}

// Check that a failing operation left the System exactly as it was, but for
// a zone->contiguous flag an undo may set when it looks at a zone again
// (residue path failed_online_rechecks_contiguous; report/diff.h).
#define CHECK_FAILS_ATOMICALLY(sys, expected_errno, call)                     \
  do {                                                                         \
    const ::memhp::System before_ = (sys);                                     \
    const ::memhp::Result r_ = (call);                                         \
    CHECK_MESSAGE(r_.err == (expected_errno), "got " << ::memhp::errno_name(r_.err) \
                                                     << " (" << r_.reason << ")"); \
    CHECK(r_.partial == ::memhp::Partial::None);                                                        \
    CHECK(::memhp::without_contiguous_recheck((sys), before_) == before_);     \
  } while (0)

#define REQUIRE_OK(call)                                                       \
  do {                                                                         \
    const ::memhp::Result r_ = (call);                                         \
    REQUIRE_MESSAGE(r_.ok(), ::memhp::errno_name(r_.err) << " " << r_.reason   \
                                                          << " " << r_.bug);   \
  } while (0)

}  // namespace memhp::test
