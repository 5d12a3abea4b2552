#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs it after installing fleet-lint).
#
# Lints INPUT_PATH three times (each run takes milliseconds):
#   1. SARIF into INPUT_SARIF_FILE, for code scanning; its exit code gates the job;
#   2. workflow commands on stdout, which the runner shows as annotations;
#   3. the Markdown job summary, appended to $GITHUB_STEP_SUMMARY.
# Then writes the outputs `exit-code` and `sarif-file` to $GITHUB_OUTPUT and
# exits 0, so that the SARIF upload still runs; action.yml's last step exits
# with `exit-code`.
#
# Environment: INPUT_PATH (default .), INPUT_ARGS (more arguments, split on
# whitespace), INPUT_SARIF_FILE (default fleet-lint.sarif), FLEET_LINT (the
# binary, default fleet-lint), GITHUB_WORKSPACE (default: the current
# directory), GITHUB_STEP_SUMMARY and GITHUB_OUTPUT (skipped when unset).
set -uo pipefail

fleet_lint="${FLEET_LINT:-fleet-lint}"
path="${INPUT_PATH:-.}"
sarif_file="${INPUT_SARIF_FILE:-fleet-lint.sarif}"
workspace="${GITHUB_WORKSPACE:-$PWD}"
read -r -a args <<<"${INPUT_ARGS:-}"

for arg in "${args[@]}"; do
    case "$arg" in
    -f | --format | --format=* | -o | --output | --output=* | --path-prefix | --path-prefix=*)
        echo "::error title=fleet-lint::the action sets $arg itself; remove it from \`args\`"
        exit 2
        ;;
    esac
done

# Code scanning and annotations read paths from the repository's root; the
# report's paths are relative to the linted folder.
prefix="$(realpath -m --relative-to="$workspace" "$path")"
if [ "$prefix" = "." ]; then
    prefix=""
fi

lint() {
    "$fleet_lint" "$path" "${args[@]}" --path-prefix "$prefix" "$@"
}

lint --format sarif --output "$sarif_file"
code=$?
if [ "$code" -le 1 ]; then
    # Same findings, so the same exit code: only the first one counts.
    lint --format github
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        lint --format markdown >>"$GITHUB_STEP_SUMMARY"
    fi
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "exit-code=$code" >>"$GITHUB_OUTPUT"
    if [ -s "$sarif_file" ]; then
        echo "sarif-file=$sarif_file" >>"$GITHUB_OUTPUT"
    else
        echo "sarif-file=" >>"$GITHUB_OUTPUT"
    fi
fi
echo "fleet-lint exited with $code"
