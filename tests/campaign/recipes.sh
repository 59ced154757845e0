#!/usr/bin/env bash
# The campaign recipes of campaign/ run here on 2 shards, as ctest tests
# (CMakeLists.txt): each runs its recipe, merges the shards with memhp merge
# and requires the merge's exit status.
#
#   tests/campaign/recipes.sh MEMHP RECIPE EXPECTED_STATUS SEED [memhp check options...]
#
# RECIPE is parallel, slurm or k8s. EXPECTED_STATUS is 0 for a campaign
# that must hold and cover everything, 1 for one that must find a violation
# (a --mutant): the merge must be able to fail. The merged JSON must name
# 2 shards and, for status 1, a violation.
set -euo pipefail
memhp=$1 recipe=$2 expected=$3 seed=$4
shift 4
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/memhp-campaign-$recipe-XXXXXX")"
trap 'rm -rf "$out"' EXIT
export MEMHP="$memhp"
export PATH="$(dirname "$memhp"):$PATH"
n=2

case "$recipe" in
  parallel)
    status=0
    JOBS=2 bash "$root/campaign/parallel.sh" "$out" "$n" "$seed" "$@" > "$out/merge.txt" || status=$?
    ;;
  slurm)
    # What sbatch --array=0-1 gives each task.
    for ((i = 0; i < n; i++)); do
      SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=$n SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_STEP=1 \
        bash "$root/campaign/slurm.sh" "$out" "$seed" "$@"
    done
    ;;
  k8s)
    python3 "$root/tests/campaign/k8s_indexed_job.py" "$root/campaign/k8s-job.yaml" "$out" \
      "CAMPAIGN_SEED=$seed" "CHECK_OPTIONS=$*"
    ;;
  *)
    echo "recipes.sh: unknown recipe '$recipe'" >&2
    exit 2
    ;;
esac

results=("$out/shard-0.json" "$out/shard-1.json")
merged=0
"$memhp" merge --json --store "$out/failures" "${results[@]}" > "$out/merge.json" || merged=$?
if [ "$recipe" = parallel ] && [ "$status" != "$merged" ]; then
  echo "recipes.sh: parallel.sh exited $status, its results merge to $merged" >&2
  exit 1
fi
if [ "$merged" != "$expected" ]; then
  echo "recipes.sh: $recipe: memhp merge exited $merged, expected $expected" >&2
  cat "$out/merge.json" >&2
  exit 1
fi
python3 - "$out/merge.json" "$expected" "$out/failures" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
assert m["shard_count"] == 2 and [s["index"] for s in m["shards"]] == [0, 1], m["shards"]
assert m["cases"] == sum(s["cases"] for s in m["shards"]) > 0
if sys.argv[2] == "1":
    assert m["violations"], "a failing campaign without a violation"
    stored = sorted(os.listdir(sys.argv[3]))
    assert len(stored) == len(m["violations"]), stored
else:
    assert not m["violations"] and not m["coverage_gaps"] and m["passed"]
PY
echo "recipes.sh: $recipe: 2 shards merged, status $merged as expected"
