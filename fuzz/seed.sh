#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds: every YAML file of fixtures/ for
# the YAML targets, and fuzz/seeds/kustomize_build/ (NUL-separated trees,
# see the target) for the resolver. libFuzzer adds what it finds there.
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
