# Whole-process timing for the bench scripts (sourced; they set `work`, a
# scratch folder, and `runs`).

# One run of "$@": "wall cpu peak_kb" (GNU time's accounting; its last line,
# since a command that exits non-zero, as a fleet with findings does, adds
# a line before it).
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$work/time" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'
}

# The median line by wall time of FILE, which holds `runs` lines of `measure`.
median() {
  sort -n "$1" | awk -v n="$runs" 'NR == int((n + 1) / 2)'
}
