#!/usr/bin/env bash
# What the fleet's own admission policies cost (issue 15): the generated
# environment-first fleet of TENANTS tenants (default 1000), linted without
# and with the five ValidatingAdmissionPolicies of
# benches/admission-policies.yaml bound to every tenant Namespace
# (`fleet-lint FLEET --format json -o /dev/null`, wall, CPU and peak RSS,
# median of RUNS, default 5, the two fleets run in turn), and the findings
# of each (the policies add none: the generated fleet passes them).
#
# Usage: benches/admission.sh [TENANTS]
set -euo pipefail
cd "$(dirname "$0")/.."
tenants="${1:-1000}"
runs="${RUNS:-5}"
cargo build --release --quiet --bin xtask --bin fleet-lint
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=benches/timing.sh
. benches/timing.sh

findings() {
  ./target/release/fleet-lint "$1" --format json 2>/dev/null | grep -c '"rule":' || true
}

plain="$work/plain"
./target/release/xtask gen-fleet "$plain" "$tenants" --environment-first >/dev/null
bound="$work/bound"
cp -r "$plain" "$bound"
cp benches/admission-policies.yaml "$bound/infrastructure/policies.yaml"
sed -i 's/^  - notifications$/  - notifications\n  - policies.yaml/' "$bound/infrastructure/kustomization.yaml"

echo "| fleet ($tenants tenants) | findings | wall | CPU | peak RSS |"
echo "| --- | --- | --- | --- | --- |"
for _ in $(seq "$runs"); do
  for fleet in plain bound; do
    measure ./target/release/fleet-lint "$work/$fleet" --format json -o /dev/null >>"$work/$fleet.runs"
  done
done
for fleet in plain bound; do
  read -r wall cpu peak < <(median "$work/$fleet.runs")
  awk -v n="$fleet" -v f="$(findings "$work/$fleet")" -v w="$wall" -v c="$cpu" -v p="$peak" \
    'BEGIN { printf "| %s | %s | %.2f s | %.2f s | %d MB |\n", n, f, w, c, p / 1024 }'
done
