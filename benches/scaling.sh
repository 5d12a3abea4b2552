#!/usr/bin/env bash
# Whole-process scaling on generated environment-first fleets (4 clusters, 5
# apps per tenant; the layout of issue 16): for each size, the files, then
# `fleet-lint FLEET --format json -o /dev/null` (wall, CPU, peak RSS, median
# of RUNS), and, side by side, `kubectl kustomize` over the four environment
# overlays the clusters reconcile (one process each, summed).
#
# Usage: benches/scaling.sh [TENANTS...] (default 10 100 1000 3000); RUNS=3;
# kubectl only up to KUBECTL_MAX tenants (default 1000: its patches are
# quadratic, a 1 000-tenant overlay takes it over a minute).
# Per-stage figures (load = the read-and-parse floor, model, rules, report):
# `cargo run --release --example stage_timings -- 100 1000 --environment-first`.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000 3000)
runs="${RUNS:-3}"
kubectl_max="${KUBECTL_MAX:-1000}"
cargo build --release --quiet --bin xtask --bin fleet-lint
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=benches/timing.sh
. benches/timing.sh

echo "| tenants | files | wall | CPU | wall / CPU | peak RSS | kubectl kustomize, 4 overlays |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for tenants in "${sizes[@]}"; do
  fleet="$work/fleet-$tenants"
  ./target/release/xtask gen-fleet "$fleet" "$tenants" --environment-first >/dev/null
  files=$(find "$fleet" -type f | wc -l)
  for _ in $(seq "$runs"); do
    measure ./target/release/fleet-lint "$fleet" --format json -o /dev/null
  done >"$work/runs-$tenants"
  read -r wall cpu peak < <(median "$work/runs-$tenants")
  kubectl_wall="not run"
  [ "$tenants" -le "$kubectl_max" ] && kubectl_wall=$(
    start=$(date +%s.%N)
    for overlay in "$fleet"/tenants/*/; do
      [ "$(basename "$overlay")" = base ] || [ "$(basename "$overlay")" = apps ] && continue
      kubectl kustomize --load-restrictor LoadRestrictionsNone "$overlay" >/dev/null 2>&1 || true
    done
    end=$(date +%s.%N)
    awk "BEGIN { printf \"%.2f s\", $end - $start }"
  )
  awk -v t="$tenants" -v f="$files" -v w="$wall" -v c="$cpu" -v p="$peak" -v k="$kubectl_wall" \
    'BEGIN { printf "| %s | %s | %.2f s | %.2f s | %.2f | %d MB | %s |\n", t, f, w, c, w / c, p / 1024, k }'
  rm -rf "$fleet"
done
