#!/usr/bin/env bash
# The nightly run on one machine: tonight's sweep, then the comparison with last night's run when
# there is one (exit 1 on a regression, a newly failing cell or a lost one, so cron mails it and
# systemd marks the service failed). Used by fff-nightly.service and by the cron line in
# docs/benchmarks.md ("Fleets: shards and merge").
#   FFF          the program (default: tools/fff of this repository)
#   FFF_RESULTS  where the nightly run folders go (default: results/ of this repository)
#   FFF_ARGS     extra arguments for 'fff run' (for example: --config /etc/fff/sweep.yaml)
#   FFF_THRESHOLD  compare's regression threshold in percent (default 5)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fff="${FFF:-$repo/tools/fff}"
results="${FFF_RESULTS:-$repo/results}"
today="$results/nightly-$(date -u +%F)"
yesterday="$results/nightly-$(date -u -d yesterday +%F)"
read -r -a extra <<< "${FFF_ARGS:-}"

if [[ -f "$today/manifest.json" ]]; then
  # A night cut short (reboot, kill) continues where it stopped.
  "$fff" run --resume "$today"
else
  "$fff" run --out "$today" --keep-samples "${extra[@]}"
fi
if [[ -f "$yesterday/manifest.json" ]]; then
  "$fff" compare "$yesterday" "$today" --threshold "${FFF_THRESHOLD:-5}"
else
  echo "fff-nightly: no run of $(date -u -d yesterday +%F) in $results; nothing to compare tonight" >&2
fi
