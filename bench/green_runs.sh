#!/bin/sh
# Consecutive default-option runs of `memhp check`, one suite after another:
# how many pass in a row. Each run gets a fresh random 64-bit seed, passed
# with --seed so that a failure can be replayed exactly; the first failure of
# a suite stops that suite and prints its seed and output.
#
#   bench/green_runs.sh [-n RUNS] [-m MEMHP] [-o LOGDIR] [SUITE...]
#
# RUNS defaults to 100 per suite, MEMHP to ./memhp, the suites to
# "ram x86 quick device". Exit status 1 if any suite failed.
set -u

runs=100
memhp=./memhp
logdir=
while getopts n:m:o: opt; do
  case $opt in
    n) runs=$OPTARG ;;
    m) memhp=$OPTARG ;;
    o) logdir=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-m MEMHP] [-o LOGDIR] [SUITE...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- ram x86 quick device
[ -x "$memhp" ] || { echo "$0: $memhp is not executable" >&2; exit 2; }
[ -n "$logdir" ] || logdir=$(mktemp -d "${TMPDIR:-/tmp}/green_runs.XXXXXX")
mkdir -p "$logdir"

seed64() { od -An -N8 -tu8 /dev/urandom | tr -d ' '; }
now() { date +%s; }

status=0
for suite in "$@"; do
  pass=0 fail=0 start=$(now) failed_seed=
  i=0
  while [ "$i" -lt "$runs" ]; do
    i=$((i + 1))
    seed=$(seed64)
    out="$logdir/$suite-$seed.out"
    if "$memhp" check --suite "$suite" --no-store --seed "$seed" >"$out" 2>/dev/null; then
      pass=$((pass + 1))
      rm -f "$out"
      [ $((pass % 50)) -ne 0 ] || echo "$suite: $pass consecutive passes, $(( $(now) - start ))s"
    else
      fail=$((fail + 1))
      failed_seed=$seed
      echo "$suite: run $i FAILED, seed $seed (replay: memhp check --suite $suite --no-store --seed $seed)"
      grep -E '^(FAILED|coverage):' "$out" | head -5
      echo "  full output: $out"
      status=1
      break
    fi
  done
  secs=$(( $(now) - start ))
  echo "$suite: runs $i, passes $pass, failures $fail, time ${secs}s${failed_seed:+, failing seed $failed_seed}"
done
exit $status
