#!/usr/bin/env bash
# One shard of a `memhp check` campaign (docs/campaigns.md), for any engine
# that can run a command per index: its JSON result goes to OUT/shard-I.json.
#
#   campaign/shard.sh OUT I N SEED [memhp check options...]
#
# I is 0..N-1 and SEED the campaign's seed, the same in every shard. The
# exit status is 0 when the shard ran, whether or not it found a violation
# (memhp merge judges the campaign), and memhp's own status (2: bad usage)
# when it did not. The result is written to a temporary name and renamed,
# so a shard that died leaves no half-written result for merge to read.
# MEMHP names the memhp binary (default: memhp on PATH).
set -uo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 OUT I N SEED [memhp check options...]" >&2
  exit 2
fi
out=$1 i=$2 n=$3 seed=$4
shift 4
mkdir -p "$out" || exit 2
"${MEMHP:-memhp}" check --shard "$i/$n" --seed "$seed" --json --store "$out/store-$i" "$@" \
  > "$out/shard-$i.json.part"
status=$?
if [ "$status" -gt 1 ]; then
  echo "campaign: shard $i/$n: memhp check exited with status $status" >&2
  exit "$status"
fi
mv "$out/shard-$i.json.part" "$out/shard-$i.json"
