#!/usr/bin/env bash
# `make test-subset` (tests/README.md): a build with a subset of the check types
# (NINEVOLT_CHECK_TYPES, src/checks/README.md) configures, builds (tests, e2e, bench, fuzz
# targets) and passes its whole suite; the tests of the types it lacks are left out or skip,
# naming the type. Its own build directory, build-subset/.
#   SUBSET="http;tcp"   the check types to build (the tests need http and tcp)
#   SUBSET_BUILD=dir    default build-subset
#   JOBS=N              build and test parallelism (default: cores)
#   [ctest args...]     instead of the whole suite (e.g. -L unit)
set -uo pipefail
cd "$(dirname "$0")/.."
SUBSET=${SUBSET:-http;tcp}
build=${SUBSET_BUILD:-build-subset}
JOBS=${JOBS:-$(nproc)}

start=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNINEVOLT_CHECK_TYPES="$SUBSET" \
  >/dev/null || exit 2
cmake --build "$build" -j "$JOBS" || exit 2
built=$(date +%s)
echo "subset build (NINEVOLT_CHECK_TYPES=\"$SUBSET\"): built in $((built - start)) s"

(cd "$build" && ctest -j "$JOBS" --timeout 600 --output-on-failure "$@")
rc=$?
echo "subset suite (NINEVOLT_CHECK_TYPES=\"$SUBSET\"): ctest exit $rc after $(($(date +%s) - built)) s"
exit $rc
