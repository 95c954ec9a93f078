#!/usr/bin/env bash
#SBATCH --job-name=fff-shard
#SBATCH --array=1-4
#SBATCH --nodes=1
#SBATCH --exclusive
#SBATCH --time=08:00:00
#SBATCH --output=fff-shard-%A_%a.out
# One FormFollowsFunction sweep over a Slurm fleet of identical nodes (docs/benchmarks.md, "Fleets:
# shards and merge"): array task I of N measures shard I/N into FLEET_DIR/shard-I, and the first task
# submits one merge job that waits for the whole array, then merges the shards and writes the report.
#
#   sbatch docs/fleet/slurm-shards.sh                    # 4 shards (the --array above)
#   sbatch --array=1-8 docs/fleet/slurm-shards.sh        # 8 shards: N follows the array
#   FFF_CONFIG=sweep.yaml sbatch docs/fleet/slurm-shards.sh
#
# Settings (sbatch exports the environment): FFF (the program; default tools/fff of the submit
# directory), FFF_CONFIG (sweep YAML; default the quick preset), FLEET_DIR (default
# results/fleet-<array job id> under the submit directory, on storage every node sees), SBATCH (the
# sbatch program, for the merge job). A requeued task resumes its shard. --exclusive: a shard must have
# its node to itself. The array must be 1-N without gaps (SLURM_ARRAY_TASK_COUNT is N).
set -euo pipefail
repo="${SLURM_SUBMIT_DIR:-$PWD}"
fff="${FFF:-$repo/tools/fff}"
sbatch="${SBATCH:-sbatch}"

if [[ "${1:-}" == merge ]]; then
  # The merge job: every shard folder there is (a shard that failed to start is reported missing).
  fleet="${FLEET_DIR:?the merge job needs FLEET_DIR}"
  shopt -s nullglob
  shards=("$fleet"/shard-*)
  if (( ${#shards[@]} == 0 )); then echo "fff-merge: no shard folders in $fleet" >&2; exit 2; fi
  "$fff" merge "${shards[@]}" --out "$fleet/merged"
  "$fff" report "$fleet/merged" --out "$fleet/report"
  exit 0
fi

job="${SLURM_ARRAY_JOB_ID:?submit with sbatch (or set SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT)}"
id="${SLURM_ARRAY_TASK_ID:?not an array task}"
count="${SLURM_ARRAY_TASK_COUNT:?not an array task}"
fleet="${FLEET_DIR:-$repo/results/fleet-$job}"
out="$fleet/shard-$id"
mkdir -p "$fleet"

if [[ "$id" == "${SLURM_ARRAY_TASK_MIN:-1}" ]]; then
  # afterany: merge what finished; shards that failed are listed as missing by fff merge.
  "$sbatch" --job-name=fff-merge --dependency="afterany:$job" --nodes=1 --time=01:00:00 \
    --output="$fleet/merge-%j.out" --export="ALL,FLEET_DIR=$fleet,FFF=$fff" \
    --wrap="bash '$repo/docs/fleet/slurm-shards.sh' merge"
fi

if [[ -f "$out/manifest.json" ]]; then
  "$fff" run --resume "$out" --no-report
else
  config=()
  if [[ -n "${FFF_CONFIG:-}" ]]; then config=(--config "$FFF_CONFIG"); fi
  "$fff" run "${config[@]}" --shard "$id/$count" --out "$out" --no-report
fi
