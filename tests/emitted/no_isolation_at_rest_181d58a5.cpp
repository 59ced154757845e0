// A counterexample to no_isolation_at_rest, emitted by `memhp explore --config x86-1slot --fault offline_leaks_isolate_count --emit-test`.
// zone 0:Normal nr_isolate_pageblock is 64 between operations
//
// It is checked from both sides: with the trace's mutants (the faulty model)
// the violation must reproduce at line 9; without them (the fixed model)
// the invariant must hold at every step.
#include "counterexample.h"

namespace {

constexpr const char* kTrace = R"memhp(# memhp trace v1
geometry x86_64
profile v6.1 memmap_on_memory=0 memhp_default_state=offline movable_node=0 online_policy=contig-zones
mutant offline_leaks_isolate_count
boot node=0 start=0x1000 size=635K
boot node=0 start=0x100000 size=1047424K
dimm_add node=0 start=0x100000000 size=128M  # expect: ok
online_block block=32 type=online_kernel  # expect: ok
dimm_remove start=0x100000000  # expect: ok
)memhp";

}  // namespace

TEST_CASE("counterexample no_isolation_at_rest_181d58a5") {
  using namespace memhp::test;
  // The faulty model: with its mutants the trace breaks the invariant here.
  expect_violation(kTrace, Model::Faulty, "no_isolation_at_rest", 9);
  // The fixed model: without them it must hold at every step.
  expect_holds(kTrace, Model::Fixed);
}
