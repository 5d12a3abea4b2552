#!/usr/bin/env bash
# Shows that a refactoring changed no output: runs the fleet-lint built from REF
# and the one built from the working tree on every fixture folder (three levels
# deep, materialised by `cargo xtask fixture`) and every corpus in ../shared/corpora, in every report format, with
# `--statistics`, and through `graph` (all formats), `init --stdout`, `build`,
# `rules`, `explain` (every rule), `--help`, `man` and `completions`; then
# compares stdout, stderr and the exit code of each run, byte for byte.
#
# Usage: scripts/compare-outputs.sh REF [--keep]
#   REF     a commit, branch or tag (e.g. main, HEAD~3)
#   --keep  keep the outputs (printed at the end) instead of deleting them
#
# REF is exported with `git archive` into target/compare/<commit> and built
# with `cargo build --release` (one target folder for every REF, so a second
# REF builds incrementally); later runs reuse the binary. The human summary's
# run time, `(12 ms)`, is the one part of any output that may differ, and is
# replaced by `(TIME)` on both sides. Exits 0 when every output is identical,
# 1 when any differs (every differing output is named, the first five shown).
set -euo pipefail

ref="${1:?usage: scripts/compare-outputs.sh REF [--keep]}"
keep="${2:-}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
commit="$(git rev-parse --verify "$ref^{commit}")"

old_tree="$repo/target/compare/$commit/src"
old_bin="$repo/target/compare/$commit/fleet-lint"
if [[ ! -x "$old_bin" ]]; then
    echo "building $ref ($commit) ..." >&2
    rm -rf "$old_tree"
    mkdir -p "$old_tree"
    git archive "$commit" | tar -x -C "$old_tree"
    # git archive dates files at their commit; cargo shares the target folder
    # between REFs and judges freshness by date, so date them now.
    find "$old_tree" -exec touch {} +
    CARGO_TARGET_DIR="$repo/target/compare/target" \
        cargo build --release --locked --quiet --manifest-path "$old_tree/Cargo.toml" --bin fleet-lint
    cp "$repo/target/compare/target/release/fleet-lint" "$old_bin"
fi
echo "building the working tree ..." >&2
cargo build --release --locked --quiet --bin fleet-lint
new_bin="$repo/target/release/fleet-lint"

out="$(mktemp -d)"
[[ "$keep" == "--keep" ]] || trap 'rm -rf "$out"' EXIT

# Fixture folders, materialised (the fixtures that share content get their
# bases laid in, as the tests lint them), and corpora (with their config where
# tests/corpora-config has one).
tree="$out/tree"
cargo run --release --locked --quiet -p xtask -- fixture . "$tree/fixtures"
roots=()
while IFS= read -r dir; do roots+=("$tree/$dir"); done < <(cd "$tree" && find fixtures -mindepth 1 -maxdepth 3 -type d | LC_ALL=C sort)
corpora="$repo/../shared/corpora"
if [[ -d "$corpora" ]]; then
    for dir in "$corpora"/*/; do roots+=("${dir%/}"); done
else
    echo "note: $corpora is absent; comparing fixtures only" >&2
fi

# One run of both binaries: NAME, then the arguments (the binary goes first).
runs=0
differ=0
compare() {
    local name="$1"
    shift
    local side bin
    for side in old new; do
        if [[ "$side" == old ]]; then bin="$old_bin"; else bin="$new_bin"; fi
        mkdir -p "$out/$side/$(dirname "$name")"
        set +e
        NO_COLOR=1 COLUMNS=100 "$bin" "$@" >"$out/$side/$name.stdout" 2>"$out/$side/$name.stderr"
        echo "$?" >"$out/$side/$name.code"
        set -e
        sed -i -E 's/\([0-9.]+ m?s\)/(TIME)/g' "$out/$side/$name.stdout"
    done
    runs=$((runs + 1))
    local part
    for part in stdout stderr code; do
        if ! cmp -s "$out/old/$name.$part" "$out/new/$name.$part"; then
            differ=$((differ + 1))
            echo "DIFFERS: $name.$part (fleet-lint $*)"
            if ((differ <= 5)); then
                diff -u "$out/old/$name.$part" "$out/new/$name.$part" | head -20 || true
            fi
        fi
    done
}

for root in "${roots[@]}"; do
    name="${root#"$tree/"}"
    name="${name#"$repo/../shared/"}"
    config=()
    corpus_config="tests/corpora-config/$(basename "$root").yaml"
    if [[ "$root" == "$corpora"/* && -f "$corpus_config" ]]; then config=(--config "$corpus_config"); fi
    for format in human json sarif github junit markdown; do
        compare "$name/lint-$format" "$root" --format "$format" --jobs 2 "${config[@]}"
    done
    compare "$name/lint-statistics" "$root" --statistics "${config[@]}"
    for format in text mermaid dot json; do
        compare "$name/graph-$format" graph "$root" --format "$format"
    done
    compare "$name/init" init --stdout "$root"
    compare "$name/build" build "$root"
done
compare "rules/list" rules
compare "cli/help" --help
compare "cli/man" man
for shell in bash zsh fish; do compare "cli/completions-$shell" completions "$shell"; done
while IFS= read -r rule; do
    compare "explain/$rule" explain "$rule"
done < <("$old_bin" rules | awk '$1 ~ /^[a-z][a-z-]*$/ { print $1 }')

echo "$runs runs of each binary over ${#roots[@]} folders; $differ outputs differ"
[[ "$keep" == "--keep" ]] && echo "outputs kept in $out"
((differ == 0))
