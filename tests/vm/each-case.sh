#!/bin/bash
# Runs each Catch2 test case of EXE (matching the Catch2 test specs given, default all; several
# are ANDed, e.g. '~kept buffers*' leaves those out) in its own process, as ctest does on the
# host, and prints one line per case with its exit status and time; a failing case's output
# follows its line. Exit: 1 if any case failed, else 77 if any was skipped, else 0.
#   [CASE_TIMEOUT=120] each-case.sh EXE [SPEC]...
set -uo pipefail
exe=$1
shift
case_timeout=${CASE_TIMEOUT:-120}

mapfile -t cases < <("$exe" --list-test-names-only "$@" | grep -v '^$')
((${#cases[@]})) || {
  echo "each-case: no test case of $exe matches $*"
  exit 1
}
failed=0 skipped=0 passed=0
log=$(mktemp)
for name in "${cases[@]}"; do
  # Catch2 reads ',' as "or" and '[' ']' as tags: escaped as catch_discover_tests does. -w NoTests
  # makes a filter that matches nothing fail: Catch2 v2 otherwise exits 0 having run nothing.
  escaped=$(sed 's/[],[]/\\&/g' <<<"$name")
  start=$(date +%s.%N)
  timeout -k 5 "$case_timeout" "$exe" -w NoTests "$escaped" >"$log" 2>&1
  rc=$?
  took=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN{printf "%.1f", a-b}')
  case $rc in
  0) passed=$((passed + 1)) && verdict=passed ;;
  77) skipped=$((skipped + 1)) && verdict="skipped: $(grep -m1 '^SKIPPED' "$log")" ;;
  *) failed=$((failed + 1)) && verdict="FAILED (exit $rc)" ;;
  esac
  echo "[$took s] $verdict: $name"
  # A failing case's output, its head and tail only when long: CI shows a part of the whole run's
  # output, and one case failing every frame's CHECK once left no room for the next failing test.
  if ((rc != 0 && rc != 77)); then
    lines=$(wc -l <"$log")
    if ((lines > 120)); then
      { head -n 80 "$log" && echo "[... $((lines - 110)) lines left out ...]" && tail -n 30 "$log"; } | sed 's/^/    | /'
    else
      sed 's/^/    | /' "$log"
    fi
  fi
done
rm -f "$log"
echo "each-case: $passed passed, $skipped skipped, $failed failed of ${#cases[@]} in $(basename "$exe")"
((failed)) && exit 1
((skipped)) && exit 77
exit 0
