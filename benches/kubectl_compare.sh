#!/usr/bin/env bash
# Whole-process timings: `kubectl kustomize` vs `fleet-lint build` on every
# kustomization directory of a generated fleet, and one `fleet-lint` run that
# resolves them all. Usage: benches/kubectl_compare.sh [TENANTS] (default 100).
set -euo pipefail
cd "$(dirname "$0")/.."
tenants="${1:-100}"
fleet="$(mktemp -d)"
trap 'rm -rf "$fleet"' EXIT
cargo build --release --quiet --bin xtask --bin fleet-lint
./target/release/xtask gen-fleet "$fleet" "$tenants"
mapfile -t dirs < <(find "$fleet" -name kustomization.yaml -exec dirname {} \; | sort)
echo "fleet: $tenants tenants, ${#dirs[@]} kustomization directories"
time_it() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N); awk "BEGIN { printf \"%.2f\", $end - $start }"; }
t_kubectl=$(time_it bash -c 'for d in "$@"; do kubectl kustomize --load-restrictor LoadRestrictionsNone "$d"; done' _ "${dirs[@]}")
t_build=$(time_it bash -c 'for d in "$@"; do ./target/release/fleet-lint build --root "'"$fleet"'" "$d" || true; done' _ "${dirs[@]}")
t_lint=$(time_it ./target/release/fleet-lint "$fleet" --quiet)
echo "kubectl kustomize, one process per directory:  ${t_kubectl} s"
echo "fleet-lint build, one process per directory:   ${t_build} s"
echo "fleet-lint (load + resolve all), one process:  ${t_lint} s"
