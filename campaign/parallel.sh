#!/usr/bin/env bash
# A `memhp check` campaign with GNU parallel (docs/campaigns.md): N shards,
# as many at once as parallel runs (JOBS, default: one per core), then
# `memhp merge` over their results.
#
#   campaign/parallel.sh OUT N SEED [memhp check options...]
#
# OUT receives shard-I.json and store-I/ per shard, and failures/, the
# merged failure store. The exit status is memhp merge's: 0 when the
# campaign held and covered everything, 1 on a violation or a coverage gap,
# 2 when a shard could not run or a result is unusable.
#
# More machines: add parallel's --sshloginfile (every host needs memhp and
# OUT on a shared file system, or --return/--transferfile for the results).
# MEMHP names the memhp binary (default: memhp on PATH).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 OUT N SEED [memhp check options...]" >&2
  exit 2
fi
out=$1 n=$2 seed=$3
shift 3
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
# -q: quote each argument as given, so that check options with spaces or
# shell characters reach memhp unchanged. --halt now,fail=1: a shard that
# cannot run stops the campaign (a violation is not a failure of the job).
seq 0 $((n - 1)) |
  parallel --will-cite --jobs "${JOBS:-100%}" --halt now,fail=1 -q \
    "$here/shard.sh" "$out" {} "$n" "$seed" "$@"
results=()
for ((i = 0; i < n; i++)); do results+=("$out/shard-$i.json"); done
exec "${MEMHP:-memhp}" merge --store "$out/failures" "${results[@]}"
