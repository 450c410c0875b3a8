#!/usr/bin/env bash
# Cluster benchmarks (issue 4, section 7).
#
#   bench/cluster.sh placement           # place() of 1,000,000 checks over 100 members (CPU, movement)
# (bench/run.sh passes these scenario names on to this script.)
#
# Environment (defaults in brackets):
#   BUILD [build-bench]        build directory (configured and built here, Release)
#   OUT [$BUILD/bench-results/cluster]  where the JSON reports go
#   PLACE_CHECKS [1000000] PLACE_MEMBERS [100]   placement scenario size
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-$ROOT/build-bench}"
OUT="${OUT:-$BUILD/bench-results/cluster}"
PLACE_CHECKS="${PLACE_CHECKS:-1000000}"
PLACE_MEMBERS="${PLACE_MEMBERS:-100}"
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then scenarios=(placement); fi

if ! command -v cmake >/dev/null 2>&1 || ! command -v ninja >/dev/null 2>&1; then
  bash "$ROOT/scripts/install-deps.sh"
fi
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$BUILD" placement_bench >/dev/null
mkdir -p "$OUT"

for s in "${scenarios[@]}"; do
  echo
  case "$s" in
    placement)
      echo "\$ placement_bench --checks $PLACE_CHECKS --members $PLACE_MEMBERS"
      "$BUILD/placement_bench" --checks "$PLACE_CHECKS" --members "$PLACE_MEMBERS" \
        --json-file "$OUT/placement.json"
      ;;
    *) echo "cluster bench: unknown scenario '$s' (placement)" >&2; exit 2 ;;
  esac
done
echo
echo "cluster bench: JSON reports in $OUT"
