#!/usr/bin/env bash
# A `memhp check` campaign as a Slurm job array (docs/campaigns.md): one
# array task per shard, the shard index and count from Slurm.
#
#   jobid=$(sbatch --parsable --array=0-7 campaign/slurm.sh OUT SEED [memhp check options...])
#   sbatch --dependency=afterany:$jobid --wrap "memhp merge --store OUT/failures OUT/shard-{0..7}.json"
#
# The array must be 0..N-1 with step 1: the task's SLURM_ARRAY_TASK_ID is
# the shard index and SLURM_ARRAY_TASK_COUNT the shard count. OUT must be
# on a file system every node sees. sbatch runs a copy of this script, so
# it names nothing beside it; memhp must be on PATH (or MEMHP set) on the
# nodes.
#SBATCH --job-name=memhp-check
#SBATCH --cpus-per-task=1
#SBATCH --time=04:00:00
#SBATCH --output=memhp-check-%A_%a.log
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "usage: sbatch --array=0-N-1 $0 OUT SEED [memhp check options...]" >&2
  exit 2
fi
: "${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch --array=0-N-1}"
: "${SLURM_ARRAY_TASK_COUNT:?not an array task: submit with sbatch --array=0-N-1}"
if [ "${SLURM_ARRAY_TASK_MIN:-0}" != 0 ] || [ "${SLURM_ARRAY_TASK_STEP:-1}" != 1 ]; then
  echo "memhp campaign: the array must be 0-N-1 with step 1" >&2
  exit 2
fi
out=$1 seed=$2
shift 2
i=$SLURM_ARRAY_TASK_ID n=$SLURM_ARRAY_TASK_COUNT
mkdir -p "$out" || exit 2
# Exit status 1 is a violation, a result for memhp merge; 2 is bad usage.
"${MEMHP:-memhp}" check --shard "$i/$n" --seed "$seed" --json --store "$out/store-$i" "$@" \
  > "$out/shard-$i.json.part"
status=$?
[ "$status" -le 1 ] || exit "$status"
mv "$out/shard-$i.json.part" "$out/shard-$i.json"
