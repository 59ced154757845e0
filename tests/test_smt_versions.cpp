// Theorems across kernel versions: memmap_on_memory_request_honoured holds
// for 6.1 and is refuted for 6.12 and 6.19 by 6.6's silent fallback. Its
// counterexample trace is replayed in the C++ model under each version: the
// same add is -EINVAL on v6.1, and on the newer kernels it succeeds with no
// vmemmap page in the range and only a note to say so. (The real 6.12
// kernel takes that path on every ACPI DIMM added with memmap_on_memory=0,
// since its ACPI driver always asks: tests/kernel/v6.12.)
#include "fixtures.h"
#include "memhp/deltas.h"
#include "replay.h"
#include "theorem.h"

using namespace memhp;
using namespace memhp::test;

namespace {

const smt::Theorem& request_theorem() {
  const smt::Theorem* t = smt::find_theorem("memmap_on_memory_request_honoured");
  REQUIRE(t);
  return *t;
}

smt::TheoremResult prove_under(const KernelSpec& k, bool mutant = false) {
  smt::ProveOptions o;
  o.kernel = k;
  o.mutant = mutant;
  return smt::run_theorem(request_theorem(), o);
}

// The last step of `text` read as `k`: its errno, its notes, and the
// vmemmap pages the blocks it added host.
struct LastAdd {
  int err = 0;
  std::size_t notes = 0;
  u64 vmemmap_pages = 0;
};

LastAdd replay_last_add(const std::string& text, const KernelSpec& k) {
  auto parsed = parse_trace(text, {}, k);
  REQUIRE(std::holds_alternative<Trace>(parsed));
  const Trace t = std::get<Trace>(parsed);
  auto booted = boot_system(t.geo, t.prof, t.boot, t.mutants);
  REQUIRE(std::holds_alternative<System>(booted));
  System s = std::get<System>(booted);
  LastAdd out;
  for (const TraceStep& st : t.steps) {
    const Result r = apply_op(s, st.op);
    out.err = r.err;
    out.notes = r.notes.size();
  }
  s.blocks.for_each(0, s.geo.block_id(s.geo.pfn_of(16 * GiB)), [&](u64 lo, u64 hi, const MemoryBlock& b) {
    if (b.present) out.vmemmap_pages += (hi - lo) * (b.nr_vmemmap_pages + b.altmap_alloc);
  });
  return out;
}

}  // namespace

TEST_CASE("smt versions: memmap_on_memory_request_honoured is proved for v6.1") {
  const smt::TheoremResult r = prove_under(KernelVersion::V6_1);
  CHECK(r.verdict == smt::Verdict::Proved);
  CHECK(r.premises == smt::Sat::Sat);
  CHECK(smt::holds_under(request_theorem(), KernelVersion::V6_1));
}

TEST_CASE("smt versions: refuted for v6.12 and v6.19, and the counterexample replays as such") {
  for (KernelVersion v : {KernelVersion::V6_12, KernelVersion::V6_19}) {
    CAPTURE(version_name(v));
    CHECK_FALSE(smt::holds_under(request_theorem(), v));
    const smt::TheoremResult r = prove_under(v);
    CHECK(r.verdict == smt::Verdict::Refuted);
    CHECK(r.premises == smt::Sat::Sat);
    REQUIRE(r.cex);
    CAPTURE(r.cex->trace);
    REQUIRE_FALSE(r.cex->trace.empty());
    // Under the refuting version: accepted, said only in a note, and no
    // vmemmap page in the range.
    const LastAdd newer = replay_last_add(r.cex->trace, v);
    CHECK(newer.err == 0);
    CHECK(newer.notes == 1);
    CHECK(newer.vmemmap_pages == 0);
    // The same trace read as 6.1: refused.
    CHECK(replay_last_add(r.cex->trace, KernelVersion::V6_1).err == -EINVAL);
  }
}

TEST_CASE("smt versions: without the fallback, v6.19 proves it again; with it, v6.1 does not") {
  KernelSpec reverted(KernelVersion::V6_19);
  reverted.without.set(static_cast<std::size_t>(Delta::MomFallback));
  CHECK(smt::holds_under(request_theorem(), reverted));
  CHECK(prove_under(reverted).verdict == smt::Verdict::Proved);
  // The mutant is the same change seen from 6.1.
  const smt::TheoremResult m = prove_under(KernelVersion::V6_1, true);
  CHECK(m.verdict == smt::Verdict::Refuted);
  REQUIRE(m.cex);
  CHECK(m.cex->trace.find("with=mom_fallback") != std::string::npos);
  CHECK(replay_last_add(m.cex->trace, KernelVersion::V6_1).err == 0);
}

TEST_CASE("kernel specs: parse, print, and refuse") {
  KernelSpec k;
  CHECK(parse_kernel_spec("v6.19 with=mom_fallback without=node_notifier", k).empty());
  CHECK(k.version == KernelVersion::V6_19);
  CHECK(k.with.test(static_cast<std::size_t>(Delta::MomFallback)));
  CHECK(k.without.test(static_cast<std::size_t>(Delta::NodeNotifier)));
  KernelSpec back;
  CHECK(parse_kernel_spec(print_kernel_spec(k), back).empty());
  CHECK(back == k);
  CHECK_FALSE(k.deltas().test(static_cast<std::size_t>(Delta::NodeNotifier)));
  const KernelSpec before = k;
  CHECK(parse_kernel_spec("v6.2", k) == "want a version (v6.1, v6.12, v6.19) first");
  CHECK(parse_kernel_spec("v6.1 with=nonesuch", k).find("'with=nonesuch'") == 0);
  CHECK(parse_kernel_spec("v6.1 with=mom_fallback without=mom_fallback", k) ==
        "a delta is both in 'with' and in 'without'");
  CHECK(parse_kernel_spec("v6.1 mom_fallback", k).find("want with=") != std::string::npos);
  CHECK(k == before);  // a refused spec changes nothing
}

TEST_CASE("kernel specs: --profile's deltas change a trace's own profile line") {
  const std::string text = "geometry x86_64\nprofile v6.1 with=mom_force_mode memmap_on_memory=force\n";
  KernelSpec k(KernelVersion::V6_12);
  k.without.set(static_cast<std::size_t>(Delta::MomPerBlock));
  auto parsed = parse_trace(text, {}, k);
  REQUIRE(std::holds_alternative<Trace>(parsed));
  const Profile& p = std::get<Trace>(parsed).prof;
  CHECK(p.version == KernelVersion::V6_12);
  CHECK(p.memmap_on_memory_force);
  CHECK_FALSE(p.has(Delta::MomPerBlock));
  CHECK(p.has(Delta::MomFallback));
  // A spec that takes force mode away makes the line an error.
  KernelSpec no_force(KernelVersion::V6_12);
  no_force.without.set(static_cast<std::size_t>(Delta::MomForceMode));
  CHECK(std::holds_alternative<ParseError>(parse_trace(text, {}, no_force)));
}
