// The pfn walkers as ops: whole-zone compaction and the /proc/kpageflags
// reader, and zone->contiguous, the flag compaction's scanners trust
// (model/compaction.cpp, model/page_alloc.cpp, model/proc_page.cpp).
#include <doctest/doctest.h>

#include "fixtures.h"
#include "memhp/invariants.h"
#include "memhp/trace.h"

using namespace memhp;
using namespace memhp::test;

namespace {

constexpr u64 k4G = 4 * GiB;

u64 count_kind(const System& s, Zone z, PageKind k) {
  return s.pages.count_if(0, RunMap<PageState>::kEnd,
                          [&](const PageState& p) { return p.kind == k && p.zone == z; });
}

std::optional<std::string> check(std::string_view invariant, const System& before, const System& after,
                                 const Op& op, const Result& r) {
  return find_invariant(invariant)->check(StepView{before, after, &op, &r});
}

}  // namespace

TEST_CASE("contiguous: boot sets it, an online clears it, an offline looks again") {
  System s = qemu_1g(mom(false));
  // page_alloc_init_late(): the boot zones have no hole a pageblock would see.
  CHECK(s.zone(0, Zone::DMA32).contiguous);
  CHECK_FALSE(s.zone(0, Zone::Movable).contiguous);  // never populated, never asked
  REQUIRE_OK(dimm_add(s, 0, k4G, 384 * MiB));
  for (u64 b : {32, 33, 34}) REQUIRE_OK(online_block(s, b, OnlineType::OnlineMovable));
  // set_zone_contiguous() ran while the new range was still offline.
  CHECK_FALSE(s.zone(0, Zone::Movable).contiguous);
  REQUIRE_OK(offline_block(s, 34));  // the zone shrinks to 32..33, both online
  CHECK(s.zone(0, Zone::Movable).contiguous);
  REQUIRE_OK(online_block(s, 34, OnlineType::OnlineMovable));
  REQUIRE_OK(offline_block(s, 33));  // a hole in the middle: the span stays
  CHECK_FALSE(s.zone(0, Zone::Movable).contiguous);
  REQUIRE_OK(offline_block(s, 32));
  REQUIRE_OK(offline_block(s, 34));  // empty: no pageblock to fail
  CHECK(s.zone(0, Zone::Movable).contiguous);
}

TEST_CASE("contiguous: a remove that keeps a stale flag is caught by INV-44") {
  System s = qemu_1g(mom(false));
  s.mutants.set(Mutant("remove_keeps_zone_contiguous"));
  REQUIRE(s.zone(0, Zone::DMA32).contiguous);
  const System before = s;
  const Op op = OpOfflineBlock{3};  // a boot block in the middle of DMA32
  const Result r = apply_op(s, op);
  REQUIRE(r.ok());
  CHECK(s.zone(0, Zone::DMA32).contiguous);
  CHECK(check("contiguous_zone_has_no_holes", before, s, op, r));
  System good = before;
  good.mutants = {};
  const Result g = apply_op(good, op);
  CHECK_FALSE(good.zone(0, Zone::DMA32).contiguous);
  CHECK_FALSE(check("contiguous_zone_has_no_holes", before, good, op, g));
}

TEST_CASE("compact_node: movable pages move up into a half-used pageblock of the zone") {
  System s = qemu_1g(mom(false));
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  // One and a half pageblocks: 0x100000-0x1001ff full, 0x100200-0x1002ff
  // used, 0x100300-0x1003ff free.
  REQUIRE_OK(alloc_pages(s, 0, Zone::Movable, 768, AllocKind::Movable, 32));
  const System before = s;
  const Op op = OpCompactNode{0};
  const Result r = apply_op(s, op);
  REQUIRE(r.ok());
  // The free scanner's only target is the half-used pageblock: its 256
  // free pages take the lowest 256 movable pages of the full one below it.
  CHECK(s.page(Pfn{0x100000}).kind == PageKind::Free);
  CHECK(s.page(Pfn{0x1000ff}).kind == PageKind::Free);
  CHECK(s.page(Pfn{0x100100}).kind == PageKind::Movable);
  CHECK(s.page(Pfn{0x1003ff}).kind == PageKind::Movable);
  CHECK(count_kind(s, Zone::Movable, PageKind::Movable) == 768);
  CHECK(s.zone(0, Zone::Movable) == before.zone(0, Zone::Movable));
  // Both scanners covered each populated zone's span, zone by zone.
  CHECK_FALSE(r.walked.empty());
  CHECK_FALSE(check("compaction_stays_in_zone", before, s, op, r));
  // Again: nothing is left to move (the top pageblock is full, the one
  // below it half free with nothing above to take its pages).
  const System once = s;
  REQUIRE(apply_op(s, op).ok());
  CHECK(s == once);
}

TEST_CASE("compact_node: a node without a sysfs directory is -ENOENT") {
  System s = qemu_1g();
  CHECK_FAILS_ATOMICALLY(s, -ENOENT, compact_node(s, 1));
  CHECK_FAILS_ATOMICALLY(s, -ENOENT, compact_node(s, 7));
}

TEST_CASE("compact_node: a pageblock lookup that ignores the zone is caught by INV-43") {
  // Normal spans 32..34 around block 33 in Movable: its scanners must skip 33.
  System s = qemu_1g(mom(false));
  REQUIRE_OK(dimm_add(s, 0, k4G, 384 * MiB));
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineKernel));
  REQUIRE_OK(online_block(s, 33, OnlineType::OnlineMovable));
  REQUIRE_OK(online_block(s, 34, OnlineType::OnlineKernel));
  REQUIRE_OK(alloc_pages(s, 0, Zone::Movable, 768, AllocKind::Movable, 33));
  const Op op = OpCompactNode{0};
  System good = s;
  const Result g = apply_op(good, op);
  CHECK_FALSE(check("compaction_stays_in_zone", s, good, op, g));
  System bad = s;
  bad.mutants.set(Mutant("pageblock_ignores_zone"));
  const System before = bad;
  const Result r = apply_op(bad, op);
  const auto v = check("compaction_stays_in_zone", before, bad, op, r);
  REQUIRE(v);
  CHECK(v->find("Movable") != std::string::npos);
}

TEST_CASE("kpageflags: what pfn_to_online_page() hands the reader, and nothing changes") {
  System s = qemu_1g(mom(true));
  REQUIRE_OK(dimm_add(s, 0, k4G, 128 * MiB));
  const System offline = s;
  const Op op = OpKpageflags{0x100000, 0x8000};
  Result r = apply_op(s, op);
  REQUIRE(r.ok());
  CHECK(s == offline);
  // An offline block: one NULL run for the whole read.
  REQUIRE(r.walked.size() == 1);
  CHECK_FALSE(r.walked[0].page);
  REQUIRE_OK(online_block(s, 32, OnlineType::OnlineMovable));
  r = apply_op(s, op);
  REQUIRE(r.walked.size() == 2);  // the self-hosted vmemmap, then free pages
  CHECK(r.walked[0].page->kind == PageKind::Vmemmap);
  CHECK(r.walked[1].page->kind == PageKind::Free);
  CHECK(r.walked[1].hi == 0x108000);
  CHECK_FALSE(check("walkers_see_initialised_memmap", s, s, op, r));
  // A view that claims a page where the reader gets NULL is caught.
  Result lie = r;
  lie.walked[0].page = r.walked[1].page;
  CHECK(check("walkers_see_initialised_memmap", s, s, op, lie));
}
