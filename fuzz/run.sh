#!/usr/bin/env bash
# Builds the libFuzzer harness (fuzz/fuzz_trace.cpp) with clang, out of tree,
# and runs it.
#
#   fuzz/run.sh build                 configure and build only
#   fuzz/run.sh replay                run every seed in fuzz/corpus once, then exit
#   fuzz/run.sh fuzz [LIBFUZZER-ARGS] fuzz, e.g. -runs=1000000 or -max_total_time=600
#
# The build goes to $MEMHP_FUZZ_BUILD_DIR (default: build-fuzz/ in the
# checkout, which git ignores). Fuzzing writes new inputs to
# $build/corpus (fuzz/corpus stays the seed corpus) and crashes, hangs and
# OOMs to $build/artifacts/. MEMHP_FUZZ_STRICT=1 also stops at invariant
# violations (see fuzz_trace.cpp).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${MEMHP_FUZZ_BUILD_DIR:-$root/build-fuzz}"
cxx="${MEMHP_FUZZ_CXX:-$(command -v clang++-14 || command -v clang++)}"
mode="${1:-fuzz}"
[ $# -gt 0 ] && shift

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
      -DMEMHP_FUZZ=ON -DMEMHP_FUZZ_SANITIZERS=${MEMHP_FUZZ_SANITIZERS:-address,undefined} -DMEMHP_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j"${MEMHP_JOBS:-$(nproc)}" --target fuzz_trace
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
common=(-timeout=10 -rss_limit_mb=2048 -dict="$root/fuzz/trace.dict")

case "$mode" in
  build) ;;
  replay)
    # Every seed once, no mutation: a regression run.
    "$build/fuzz_trace" "${common[@]}" -runs=0 "$root/fuzz/corpus" ;;
  fuzz)
    mkdir -p "$build/corpus" "$build/artifacts"
    "$build/fuzz_trace" "${common[@]}" -artifact_prefix="$build/artifacts/" \
      -jobs=1 -workers=1 -print_final_stats=1 "$@" "$build/corpus" "$root/fuzz/corpus" ;;
  *) echo "usage: fuzz/run.sh build|replay|fuzz [LIBFUZZER-ARGS]" >&2; exit 2 ;;
esac
