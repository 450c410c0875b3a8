#!/usr/bin/env bash
# `make test-stress` (tests/README.md "Stress"): the whole suite STRESS_ROUNDS times (3) in
# BUILD (build/), each with a CPU hog on every core beside it (Debian's stress-ng: one
# busy worker per core, nice 0), to show that no test depends on an idle machine. Prints
# each round's wall time and result; exit 1 if any round failed. Not part of CI (slow).
#   STRESS_ROUNDS=3  STRESS_WORKERS=<cores>  JOBS=<cores> (ctest -j)  BUILD=build
# Arguments go to ctest (e.g. `-L unit`); none = the whole suite.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${STRESS_ROUNDS:-3}
WORKERS=${STRESS_WORKERS:-$(nproc)}
JOBS=${JOBS:-$(nproc)}
if ! command -v stress-ng >/dev/null; then
  echo "stress: no stress-ng (bash scripts/install-deps.sh stress installs it)" >&2
  exit 2
fi
hog=""
stop_hog() {
  if [ -n "$hog" ]; then
    kill "$hog" 2>/dev/null
    wait "$hog" 2>/dev/null
    hog=""
  fi
}
trap stop_hog EXIT INT TERM

status=0
results=()
for round in $(seq 1 "$ROUNDS"); do
  stress-ng --cpu "$WORKERS" --cpu-method matrixprod --quiet --timeout 0 &
  hog=$!
  start=$(date +%s)
  (cd "$BUILD" && ctest --output-on-failure -j "$JOBS" --timeout 900 "$@")
  rc=$?
  took=$(( $(date +%s) - start ))
  stop_hog
  results+=("round $round: $( [ $rc -eq 0 ] && echo passed || echo FAILED) in ${took}s")
  [ $rc -ne 0 ] && status=1
done
echo
echo "stress: $WORKERS stress-ng cpu worker(s) beside ctest -j $JOBS"
printf '%s\n' "${results[@]}"
exit $status
