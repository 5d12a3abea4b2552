#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs it after installing fleet-lint).
#
# One fleet-lint run writes the three reports together:
#   - SARIF into INPUT_SARIF_FILE, for code scanning;
#   - workflow commands on stdout, which the runner shows as annotations (on a
#     pull request, the findings in the files it changes first: GitHub shows 10
#     per level per step);
#   - the Markdown job summary, appended to $GITHUB_STEP_SUMMARY.
# Then decides whether to upload the SARIF (INPUT_UPLOAD_SARIF: auto asks the
# API whether code scanning is available), writes the outputs `exit-code`,
# `sarif-file` and `upload-sarif` to $GITHUB_OUTPUT and exits 0, so that the
# upload still runs; action.yml's last step exits with `exit-code`.
#
# Environment: INPUT_PATH (default .), INPUT_CONFIG, INPUT_FAIL_ON (default
# error), INPUT_ARGS (more arguments, split on whitespace), INPUT_SARIF_FILE
# (default fleet-lint.sarif), INPUT_UPLOAD_SARIF (auto, true or false; default
# auto), FLEET_LINT (the binary, default fleet-lint), GITHUB_WORKSPACE
# (default: the current directory), GITHUB_STEP_SUMMARY and GITHUB_OUTPUT
# (skipped when unset), GITHUB_BASE_REF (set on pull requests), and for `auto`
# GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN.
#
# Portable: bash 3.2 and POSIX tools (macOS runners too); curl and jq for `auto`.
set -uo pipefail

fleet_lint="${FLEET_LINT:-fleet-lint}"
path="${INPUT_PATH:-.}"
sarif_file="${INPUT_SARIF_FILE:-fleet-lint.sarif}"
upload="${INPUT_UPLOAD_SARIF:-auto}"
workspace="${GITHUB_WORKSPACE:-$PWD}"
args=()
read -r -a args <<<"${INPUT_ARGS:-}"

for arg in ${args[@]+"${args[@]}"}; do
    case "$arg" in
    -f | --format | --format=* | -o | --output | --output=* | --path-prefix | --path-prefix=*)
        echo "::error title=fleet-lint::the action sets $arg itself; remove it from \`args\`"
        exit 2
        ;;
    esac
done
if [ -n "${INPUT_CONFIG:-}" ]; then
    args+=(--config "$INPUT_CONFIG")
fi
# `fail-on`, unless `args` says it (then `args` wins).
case " ${INPUT_ARGS:-} " in
*" --fail-on"*) ;;
*) args+=(--fail-on "${INPUT_FAIL_ON:-error}") ;;
esac

# Code scanning and annotations read paths from the repository's root; the
# report's paths are relative to the linted folder.
prefix=""
if full="$(cd "$path" 2>/dev/null && pwd -P)" && root="$(cd "$workspace" && pwd -P)"; then
    case "$full" in
    "$root") prefix="" ;;
    "$root"/*) prefix="${full#"$root"/}" ;;
    esac
fi

# On a pull request, the base the annotations put its changed files before:
# the base branch when fetched (`fetch-depth: 0`), else the merge commit's
# first parent (`fetch-depth: 2`).
notes=()
if [ -n "${GITHUB_BASE_REF:-}" ]; then
    base=""
    for candidate in "origin/$GITHUB_BASE_REF" "HEAD^1"; do
        if git -C "$path" rev-parse --verify --quiet "$candidate^{commit}" >/dev/null 2>&1; then
            base="$candidate"
            break
        fi
    done
    if [ -n "$base" ]; then
        args+=(--annotate-changed-since "$base")
    else
        notes+=("Annotations are in report order: with \`fetch-depth: 2\` (or 0) in actions/checkout, this pull request's files come first.")
    fi
fi

summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
"$fleet_lint" "$path" ${args[@]+"${args[@]}"} --path-prefix "$prefix" \
    --format "sarif=$sarif_file" --format github --format "markdown=$summary"
code=$?

# Whether code scanning takes the upload: public repositories always have it,
# private ones with Advanced Security (or Code Security) turned on.
code_scanning_available() {
    command -v curl >/dev/null 2>&1 && command -v jq >/dev/null 2>&1 || return 1
    [ -n "${GITHUB_TOKEN:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ] || return 1
    curl --fail --silent --show-error --retry 2 \
        --header "Authorization: Bearer $GITHUB_TOKEN" \
        --header "Accept: application/vnd.github+json" \
        "${GITHUB_API_URL:-https://api.github.com}/repos/$GITHUB_REPOSITORY" |
        jq --exit-status '.visibility == "public"
            or .security_and_analysis.advanced_security.status == "enabled"
            or .security_and_analysis.code_security.status == "enabled"' >/dev/null
}
if [ "$code" -gt 1 ] || [ ! -s "$sarif_file" ]; then
    upload=false
elif [ "$upload" = auto ]; then
    if code_scanning_available; then
        upload=true
    else
        upload=false
        notes+=("SARIF not uploaded: code scanning is not available to this repository (it needs a public repository, or GitHub Advanced Security on a private one). Set \`upload-sarif: true\` to upload anyway.")
    fi
fi

if [ "$code" -le 1 ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$summary" >>"$GITHUB_STEP_SUMMARY"
    for note in ${notes[@]+"${notes[@]}"}; do
        printf '\n%s\n' "$note" >>"$GITHUB_STEP_SUMMARY"
    done
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
        echo "exit-code=$code"
        if [ "$code" -le 1 ] && [ -s "$sarif_file" ]; then
            echo "sarif-file=$sarif_file"
        else
            echo "sarif-file="
        fi
        echo "upload-sarif=$upload"
    } >>"$GITHUB_OUTPUT"
fi
echo "fleet-lint exited with $code"
