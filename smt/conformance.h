// The conformance stage of `memhp prove`: the block encoding's next state
// against the model's, on every reachable transition of small explorer
// configurations.
//
// The theorems about blocks (thm_block.cpp, thm_chc.cpp) are proved over
// the transition relation of enc_block.h. Its arithmetic is the model's own
// code (memhp/proven/block_layout.h), but the op sequencing around it
// (which page classes an online, an offline or a remove leaves, which
// counters move) is a second reading of model/memory.cpp and
// model/memory_hotplug.cpp. This stage holds that reading to the model: for
// each state a configuration reaches and each letter of its alphabet, it
// runs the model's op, decomposes it into the block transitions the kernel
// performs (an ACPI eject is an offline of each online block, then a
// remove), evaluates the encoding on the concrete pre-state, and requires
// that some value of the encoding's free choices gives the model's
// post-state: every block's phase and recorded vmemmap pages, every zone's
// present and managed pages, every node's present pages, and the page
// class of watched pfns (each block's boundaries and its vmemmap's end, and
// the first pfn of each run of the page map). An op the encoding has no
// transition for (memremap_pages) is counted as not judged.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "enc_block.h"
#include "memhp/deltas.h"

namespace memhp::smt {

// The encoding's one-block transition evaluated on concrete values. The
// symbolic step is built once per (transition, mutants) and evaluated by
// substitution; results are memoised, since reachable states repeat the
// same few inputs.
class BlockEvaluator {
 public:
  struct In {
    u64 start = 0, n = 0, pv = 0;
    bool mom = false;
    int ph = 0;
    u64 p = 0, x = 0;
    int kx = 0;
    bool choice = false;
    std::int64_t zp = 0, zm = 0, np = 0;
    auto tie() const { return std::tie(start, n, pv, mom, ph, p, x, kx, choice, zp, zm, np); }
    friend bool operator<(const In& a, const In& b) { return a.tie() < b.tie(); }
  };
  struct Out {
    bool guard = false;
    int ph = 0;
    u64 p = 0;
    int kx = 0;
    std::int64_t zp = 0, zm = 0, np = 0;
  };

  BlockEvaluator();
  Out eval(BlockOp op, MutantSet m, const In& in);

 private:
  const z3::expr_vector& built(BlockOp op, MutantSet m);

  z3::context c_;
  z3::expr start_, n_, pv_, ph_, p_, x_, kx_, zp_, zm_, np_, mom_, choice_;
  z3::expr_vector src_;
  std::map<std::pair<int, MutantSet>, z3::expr_vector> steps_;
  std::map<std::tuple<int, MutantSet, In>, Out> memo_;
};

struct ConformanceReport {
  std::string config;
  std::uint64_t states = 0;        // reachable states the stage started from
  std::uint64_t transitions = 0;   // (state, letter) pairs run
  std::uint64_t block_steps = 0;   // block transitions they decomposed into
  std::uint64_t not_judged = 0;    // transitions of ops the encoding does not cover
  // The first divergence: what differed, and the trace (boot, the BFS path,
  // the diverging op) that `memhp replay` runs to it.
  std::optional<std::string> divergence;
  std::string trace;
  double seconds = 0;
};

// The explorer configurations the stage runs on: every one-block-slot and
// two-block-slot configuration small enough for a test.
const std::vector<std::string>& conformance_configs();

// Runs the stage on one configuration under the model's mutants `m` (the
// encoding mirrors those of encoded_mutants(); under any other the stage
// is expected to diverge), its profile line read as `kernel`'s. A
// configuration that does not exist or does not boot is a std::runtime_error.
ConformanceReport check_conformance(const std::string& config, MutantSet m,
                                    const KernelSpec& kernel = KernelVersion::V6_1);

}  // namespace memhp::smt
