#!/usr/bin/env bash
# Cluster benchmarks (issue 4, section 7): placement alone, and real 9volt clusters on one etcd.
#
#   bench/cluster.sh placement           # place() of 1,000,000 checks over 100 members (CPU, movement)
#   bench/cluster.sh cluster             # 10 members, 100,000 checks: settle, steady etcd rate, kill -9, RSS
#   bench/cluster.sh write-rate          # steady etcd revision rate with 1,000 and 10,000 checks
#   bench/cluster.sh locations           # 10,000 checks x 3 locations on 6 members, a location lost
#   bench/cluster.sh one-member          # CHECKS checks on a single member (its digest alone)
#   bench/cluster.sh outage              # OUTAGE_CHECKS checks every 10 s, every target down OUTAGE s
#   bench/cluster.sh soak                # 3 members, SOAK_CHECKS checks, SOAK s on an etcd with its defaults
#   bench/cluster.sh million             # MILLION_CHECKS tiny monitors placed over 3 members: no txn refused
#   bench/cluster.sh placement cluster write-rate
#   bench/cluster.sh chaos               # 3 members, 1,000 checks, DURATION s of random disturbances
# (bench/run.sh passes these scenario names on to this script.)
#
# Environment (defaults in brackets):
#   BUILD [build-bench]        build directory (configured and built here, Release)
#   OUT [$BUILD/bench-results/cluster]  where the JSON reports and member logs go
#   PLACE_CHECKS [1000000] PLACE_MEMBERS [100]   placement scenario size
#   MEMBERS [10]               9volt server processes
#   CHECKS [100000]            checks in the "cluster" scenario
#   RATE_CHECKS [1000 10000]   check counts of the "write-rate" scenario (one cluster each)
#   INTERVAL [60s]             check interval (http checks against the harness's own target)
#   STEADY [60]                seconds over which etcd's revision rate is sampled
#   WORKERS [1]                engine threads per member (10 members share 2 cores)
#   KILL [member]              what the cluster scenario kills with -9: member | director
#   CHURN [0]                  cluster: 1 = after the steady phase, edit 10% of the monitors and
#                              stop and restart one member, then measure memory again
#   DURATION [600]             chaos: seconds of disturbances
#   SEED [from the clock]      chaos: the schedule's random seed (printed; give it to re-run one)
#   CHAOS_CHECKS [1000] TTL [2]  chaos: monitors, member-ttl in seconds
#   KINDS [all]                chaos: only these disturbances, e.g. KINDS=cut,etcd-stop
#   LABEL []                   chaos: appended to the run's name (chaos-<DURATION>s-<LABEL>)
#   CHAOS_OUT [bench/results/chaos-v2]  chaos: <label>.json and .txt, and <label>/ (console,
#                              member and etcd logs); exit 1 if any invariant was violated
#   OUTAGE_CHECKS [10000] OUTAGE [120]  outage: checks (every 10 s, thresholds 2/3), seconds down
#   MILLION_CHECKS [1000000] MILLION_MEMBERS [3]  million: monitors (interval 24h: placed and
#                              loaded, hardly run), members; exit 1 if a member logged a warning
#   SOAK_CHECKS [100000] SOAK [3600] SOAK_MEMBERS [3]  soak: checks, seconds, members; every 10th
#                              check down for half of each FLAP_CYCLE [600] s; the plot and
#                              CSV go to SOAK_OUT [bench/results/soak]
#   LOC_CHECKS [10000]         locations: checks, each from 3 locations (2 members each); the
#                              last location's members are killed after the steady phase
#   SETTLE [15]                grpc-floor: seconds an idle server runs before it is measured,
#                              beside grpc_floor_probe (one gRPC call to etcd, nothing else)
#   REV []                     build the 9volt binary at this git revision (git archive into a
#                              temp dir, built in $BUILD-rev) instead of the work tree: other
#                              people's half-done edits stay out of the measurement
#
# Everything runs on 127.0.0.0/8: etcd (Debian's etcd-server) on free loopback ports in a temp
# dir, the http target inside cluster_bench, the members on free ports. cluster_bench starts
# and stops every process itself, by pid; nothing system-wide is changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-$ROOT/build-bench}"
OUT="${OUT:-$BUILD/bench-results/cluster}"
PLACE_CHECKS="${PLACE_CHECKS:-1000000}"
PLACE_MEMBERS="${PLACE_MEMBERS:-100}"
MEMBERS="${MEMBERS:-10}"
CHECKS="${CHECKS:-100000}"
RATE_CHECKS="${RATE_CHECKS:-1000 10000}"
INTERVAL="${INTERVAL:-60s}"
STEADY="${STEADY:-60}"
WORKERS="${WORKERS:-1}"
KILL="${KILL:-member}"
CHURN="${CHURN:-0}"
REV="${REV:-}"
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then scenarios=(placement cluster write-rate); fi

# --- dependencies: etcd-server and the build tools (scripts/install-deps.sh is idempotent) -----
needs_cluster=0
for s in "${scenarios[@]}"; do
  case "$s" in cluster | write-rate | one-member | outage | soak | million | chaos | locations | grpc-floor) needs_cluster=1 ;; esac
done
if [ "$needs_cluster" = 1 ] || ! command -v cmake >/dev/null 2>&1; then
  bash "$ROOT/scripts/install-deps.sh"
fi

# --- build -------------------------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
targets=(placement_bench)
if [ "$needs_cluster" = 1 ]; then
  targets+=(cluster_bench chaos_bench grpc_floor grpc_floor_probe)
  [ -n "$REV" ] || targets+=(9volt)
fi
ninja -C "$BUILD" "${targets[@]}" >/dev/null
NINEVOLT="$BUILD/9volt"
what="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo ' + uncommitted changes in src/')"
if [ "$needs_cluster" = 1 ] && [ -n "$REV" ]; then
  # The tree at REV goes to a stable directory, $BUILD-rev-src; only files whose content
  # differs are replaced there, so the next build of another revision is incremental.
  REV_SRC="$BUILD-rev-src"
  EXPORT="$(mktemp -d /tmp/9volt-cluster-src.XXXXXX)"
  trap 'rm -rf "$EXPORT"' EXIT
  git -C "$ROOT" archive "$REV" | tar -x -C "$EXPORT"
  mkdir -p "$REV_SRC"
  (cd "$EXPORT" && find . -type f) | while read -r f; do
    if ! cmp -s "$EXPORT/$f" "$REV_SRC/$f"; then
      mkdir -p "$(dirname "$REV_SRC/$f")"
      cp "$EXPORT/$f" "$REV_SRC/$f"
    fi
  done
  echo "cluster bench: building 9volt at $REV ($REV_SRC) in $BUILD-rev"
  cmake -S "$REV_SRC" -B "$BUILD-rev" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    -DNINEVOLT_BUILD_BENCH=OFF >/dev/null
  ninja -C "$BUILD-rev" 9volt >/dev/null
  NINEVOLT="$BUILD-rev/9volt"
  what="$(git -C "$ROOT" rev-parse --short "$REV")"
fi
mkdir -p "$OUT"
echo "cluster bench: 9volt at $what, $(nproc) cores, results in $OUT"

for s in "${scenarios[@]}"; do
  echo
  case "$s" in
    placement)
      echo "\$ placement_bench --checks $PLACE_CHECKS --members $PLACE_MEMBERS"
      "$BUILD/placement_bench" --checks "$PLACE_CHECKS" --members "$PLACE_MEMBERS" \
        --json-file "$OUT/placement.json"
      ;;
    cluster)
      churn=()
      [ "$CHURN" = 1 ] && churn=(--churn)
      echo "\$ cluster_bench --members $MEMBERS --checks $CHECKS --interval $INTERVAL --steady $STEADY --kill $KILL ${churn[*]}"
      "$BUILD/cluster_bench" --binary "$NINEVOLT" --members "$MEMBERS" --checks "$CHECKS" \
        --interval "$INTERVAL" --steady "$STEADY" --workers "$WORKERS" --kill "$KILL" "${churn[@]}" \
        --out "$OUT" --label "cluster-$CHECKS-kill-$KILL${churn:+-churn}"
      ;;
    write-rate)
      for n in $RATE_CHECKS; do
        echo "\$ cluster_bench --members $MEMBERS --checks $n --interval $INTERVAL --steady $STEADY --kill none"
        "$BUILD/cluster_bench" --binary "$NINEVOLT" --members "$MEMBERS" --checks "$n" \
          --interval "$INTERVAL" --steady "$STEADY" --workers "$WORKERS" --kill none \
          --out "$OUT" --label "rate-$n"
        echo
      done
      ;;
    locations)
      n="${LOC_CHECKS:-10000}"
      echo "\$ cluster_bench --members 6 --locations 3 --checks $n --interval $INTERVAL --steady $STEADY --kill location"
      "$BUILD/cluster_bench" --binary "$NINEVOLT" --members 6 --locations 3 --checks "$n" \
        --interval "$INTERVAL" --steady "$STEADY" --workers "$WORKERS" --kill location \
        --out "$OUT" --label "locations-$n${REV:+-$REV}"
      ;;
    one-member)
      echo "\$ cluster_bench --members 1 --checks $CHECKS --interval $INTERVAL --steady $STEADY --kill none"
      "$BUILD/cluster_bench" --binary "$NINEVOLT" --members 1 --checks "$CHECKS" \
        --interval "$INTERVAL" --steady "$STEADY" --workers "$WORKERS" --kill none \
        --out "$OUT" --label "one-member-$CHECKS"
      ;;
    million)
      n="${MILLION_CHECKS:-1000000}"
      echo "\$ cluster_bench --members ${MILLION_MEMBERS:-3} --checks $n --interval 24h --place-only"
      "$BUILD/cluster_bench" --binary "$NINEVOLT" --members "${MILLION_MEMBERS:-3}" --checks "$n" \
        --interval 24h --workers "$WORKERS" --kill none --place-only --settle-timeout 1800 \
        --out "$OUT" --label "million-$n${REV:+-$REV}"
      ;;
    outage)
      n="${OUTAGE_CHECKS:-10000}"
      echo "\$ cluster_bench --members $MEMBERS --checks $n --interval 10s --steady $STEADY --outage ${OUTAGE:-120} --kill none"
      "$BUILD/cluster_bench" --binary "$NINEVOLT" --members "$MEMBERS" --checks "$n" \
        --interval 10s --steady "$STEADY" --workers "$WORKERS" --outage "${OUTAGE:-120}" \
        --kill none --out "$OUT" --label "outage-$n${REV:+-$REV}"
      ;;
    soak)
      n="${SOAK_CHECKS:-100000}" secs="${SOAK:-3600}" label="soak-${SOAK_CHECKS:-100000}-${SOAK:-3600}s"
      soak_out="${SOAK_OUT:-$ROOT/bench/results/soak}"
      bash "$ROOT/scripts/install-deps.sh" soak
      echo "\$ cluster_bench --members ${SOAK_MEMBERS:-3} --checks $n --interval $INTERVAL --soak $secs --etcd-defaults --state-dump-interval 1s"
      rc=0
      "$BUILD/cluster_bench" --binary "$NINEVOLT" --members "${SOAK_MEMBERS:-3}" --checks "$n" \
        --interval "$INTERVAL" --workers "$WORKERS" --soak "$secs" --etcd-defaults \
        --flap-cycle "${FLAP_CYCLE:-600}" --state-dump-interval 1s --kill none --out "$OUT" --label "$label" || rc=$?
      mkdir -p "$soak_out"
      cp "$OUT/$label/soak.csv" "$soak_out/$label.csv"
      cp "$OUT/$label.json" "$soak_out/$label.json" 2>/dev/null || true
      gnuplot -e "csv='$soak_out/$label.csv'; png='$soak_out/$label.png'; title='9volt soak: $n checks on ${SOAK_MEMBERS:-3} members, etcd with its defaults ($what)'" \
        "$ROOT/bench/plot_soak.gp"
      echo "soak: $soak_out/$label.png, $soak_out/$label.csv"
      [ "$rc" = 0 ] || { echo "soak: FAILED (see above)"; exit 1; }
      ;;
    chaos)
      chaos_out="${CHAOS_OUT:-$ROOT/bench/results/chaos-v2}"
      duration="${DURATION:-600}"
      mkdir -p "$chaos_out"
      echo "\$ chaos_bench --duration $duration --checks ${CHAOS_CHECKS:-1000} --ttl ${TTL:-2} ${SEED:+--seed $SEED} (9volt at $what; load $(cut -d' ' -f1-3 /proc/loadavg))"
      "$BUILD/chaos_bench" --binary "$NINEVOLT" --duration "$duration" \
        --checks "${CHAOS_CHECKS:-1000}" --ttl "${TTL:-2}" --seed "${SEED:-0}" \
        ${KINDS:+--kinds "$KINDS"} --out "$chaos_out" --label "chaos-${duration}s${LABEL:+-$LABEL}"
      ;;
    grpc-floor)
      echo "\$ grpc_floor --binary 9volt --probe grpc_floor_probe --settle ${SETTLE:-15}"
      "$BUILD/grpc_floor" --binary "$NINEVOLT" --probe "$BUILD/grpc_floor_probe" \
        --settle "${SETTLE:-15}" --json-file "$OUT/grpc-floor${REV:+-$REV}.json"
      ;;
    *) echo "cluster bench: unknown scenario '$s' (placement cluster write-rate one-member outage soak million chaos locations grpc-floor)" >&2; exit 2 ;;
  esac
done
echo
echo "cluster bench: JSON reports in $OUT"
