#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds: every YAML file of fixtures/ for
# the YAML targets, fuzz/seeds/kustomize_build/ (NUL-separated trees, see the
# target) for the resolver, and for the others what they read in fixtures/:
# rule files with objects, ResourceSets with inputs, manifests using `${}`
# with variables, configs. libFuzzer adds what it finds there.
set -euo pipefail
cd "$(dirname "$0")"
for target in yaml_load yaml_roundtrip; do
    mkdir -p "corpus/$target"
    find ../fixtures -type f \( -name '*.yaml' -o -name '*.yml' \) -size -64k -print0 |
        while IFS= read -r -d '' file; do
            cp "$file" "corpus/$target/$(printf '%s' "$file" | cksum | cut -d' ' -f1).yaml"
        done
done
mkdir -p corpus/kustomize_build
cp seeds/kustomize_build/* corpus/kustomize_build/

# seed TARGET NAME: stdin becomes corpus/TARGET/NAME.
seed() { mkdir -p "corpus/$1"; cat > "corpus/$1/$2"; }
key() { printf '%s' "$1" | cksum | cut -d' ' -f1; }
objects=../fixtures/example-fleet/tenants/team-a/base/podinfo.yaml
for rule in ../rules/*.yaml $(grep -rlE '^(kind: ClusterPolicy|validate:)' ../fixtures --include='*.yaml'); do
    { cat "$rule"; printf '\0'; cat "$objects"; } | seed policy "$(key "$rule")"
done
for set in $(grep -rl '^kind: ResourceSet' ../fixtures --include='*.yaml'); do
    { cat "$set"; printf '\0tenant: team-a\nname: app\nversion: "1.2"\n'; } | seed template "$(key "$set")"
done
for manifest in $(grep -rl '\${' ../fixtures --include='*.yaml'); do
    { cat "$manifest"; printf '\0CLUSTER_NAME=dev\nREGION=eu-west-1\nDOMAIN=example.com\n'; } |
        seed substitute "$(key "$manifest")"
done
for config in $(find ../fixtures ../tests -name '.fleet-lint.yaml'); do
    seed config "$(key "$config")" < "$config"
done
