#!/usr/bin/env bash
# Runs the engine benchmarks against local targets and prints/writes the figures.
#
#   bench/run.sh                 # every scenario: idle small medium large exec exec-over icmp
#   bench/run.sh idle large      # some of them
#   DURATION=30 bench/run.sh large
#   bench/run.sh chaos           # 3 members under random disturbances, 600 s (bench/cluster.sh)
#
# Environment (defaults in brackets):
#   BUILD [build-bench]   build directory (configured and built here, Release)
#   OUT [$BUILD/bench-results]  where the JSON reports go
#   DURATION [120]        measured seconds of each loaded scenario (warm-up: one interval more)
#   INTERVAL [10s]        check interval
#   LARGE_CHECKS [100000] checks in the "large" scenario
#   ICMP_CHECKS [10000]   checks in the "icmp" scenario (one worker, 127.0.0.1..254)
#   EXEC_FACTOR [1.0]     exec scenario: schedule this fraction of the measured spawn ceiling
#   EXEC_OVER_FACTOR [1.5]  exec-over scenario: schedule more than the ceiling (the engine's max)
#   EXEC_SIDE_CHECKS [10000]  tcp/http checks running beside the exec load
#   NGINX_WORKERS [1]     nginx worker processes (they share the 2 cores with 9volt)
#   BASE_PORT [18080]     first of the ports nginx listens on (see below)
#   ADDRS [8]             loopback addresses 127.0.0.2 .. 127.0.0.(1+ADDRS)
#   PROFILE_CHECKS [100000]  checks in the "profile" scenario (not in the default list): the
#                         large load under `perf record -e cpu-clock` (software clock: this
#                         machine has no hardware counters), flat report by symbol
#   BENCH_ARGS []         extra engine_bench flags for every scenario (e.g. "--wake-step-ms 0")
#   BASELINE_REV []       also build the engine at this git revision and run every scenario
#                         with both binaries back to back (same machine, same minute)
#
# Everything runs on 127.0.0.0/8. Nothing system-wide is changed: no sysctl is written (the
# values that matter are printed), nginx runs from a temp dir on our ports and is stopped by
# its pid on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-$ROOT/build-bench}"
OUT="${OUT:-$BUILD/bench-results}"
DURATION="${DURATION:-120}"
INTERVAL="${INTERVAL:-10s}"
LARGE_CHECKS="${LARGE_CHECKS:-100000}"
EXEC_FACTOR="${EXEC_FACTOR:-1.0}"
EXEC_OVER_FACTOR="${EXEC_OVER_FACTOR:-1.5}"
EXEC_SIDE_CHECKS="${EXEC_SIDE_CHECKS:-10000}"
NGINX_WORKERS="${NGINX_WORKERS:-1}"
BASE_PORT="${BASE_PORT:-18080}"
ADDRS="${ADDRS:-8}"
BASELINE_REV="${BASELINE_REV:-}"
read -r -a BENCH_ARGS <<<"${BENCH_ARGS:-}"
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then scenarios=(idle small medium large exec exec-over icmp); fi

# The cluster scenarios (placement, cluster, write-rate, one-member, outage, soak, million, chaos, locations, grpc-floor) live in bench/cluster.sh:
# run them there first, then the engine scenarios, if any, here.
cluster_scenarios=() engine_scenarios=()
for s in "${scenarios[@]}"; do
  case "$s" in
    placement | cluster | write-rate | one-member | outage | soak | million | chaos | locations | grpc-floor) cluster_scenarios+=("$s") ;;
    *) engine_scenarios+=("$s") ;;
  esac
done
if [ ${#cluster_scenarios[@]} -gt 0 ]; then
  BUILD="$BUILD" bash "$ROOT/bench/cluster.sh" "${cluster_scenarios[@]}"
  [ ${#engine_scenarios[@]} -gt 0 ] || exit 0
fi
scenarios=("${engine_scenarios[@]}")

# --- dependencies (idempotent, like scripts/install-deps.sh) --------------------------------
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v ninja >/dev/null 2>&1 || need+=(ninja-build)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "bench: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Debian's policy-rc.d (present in containers) keeps the packaged nginx service from
  # starting; we never use it anyway, only our own instance below.
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# --- build ------------------------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$BUILD" engine_bench >/dev/null
BENCH="$BUILD/engine_bench"
mkdir -p "$OUT"

WORK="$(mktemp -d /tmp/9volt-bench.XXXXXX)"
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

BASELINE_BENCH=""
if [ -n "$BASELINE_REV" ]; then
  # The engine (and checks) as of BASELINE_REV with today's harness: exported with git
  # archive into $BASE_BUILD-src, so the repository's work tree is never touched. A fixed
  # path (not the temp dir): the next run can reuse $BASE_BUILD (CMake refuses a build dir
  # whose source dir moved), and ccache hits.
  BASE_BUILD="${BASE_BUILD:-$BUILD-baseline}"
  BASE_SRC="$BASE_BUILD-src"
  rm -rf "$BASE_SRC"
  mkdir -p "$BASE_SRC"
  git -C "$ROOT" archive "$BASELINE_REV" | tar -x -C "$BASE_SRC"
  rm -rf "$BASE_SRC/bench"
  cp -r "$ROOT/bench" "$BASE_SRC/bench"
  cp "$ROOT/CMakeLists.txt" "$BASE_SRC/CMakeLists.txt"
  cp -r "$ROOT/cmake/." "$BASE_SRC/cmake/" # what today's CMakeLists.txt includes
  echo "bench: building the baseline $BASELINE_REV in $BASE_BUILD"
  cmake -S "$BASE_SRC" -B "$BASE_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_TESTING=OFF >/dev/null
  ninja -C "$BASE_BUILD" engine_bench >/dev/null
  BASELINE_BENCH="$BASE_BUILD/engine_bench"
fi

# --- targets: one nginx, many addresses and ports ----------------------------------------------
# 10,000 fresh connections/s on loopback would exhaust one (address, port) pair's ephemeral
# ports within seconds while closed connections sit in TIME_WAIT (60 s): each destination
# has ip_local_port_range ports of its own, so the load is spread over ADDRS addresses x
# several ports (tcp checks close first, so their TIME_WAIT is on our side; nginx closes the
# http ones, keepalive_timeout 0).
echo "bench: sysctl (not changed): $(sysctl -n net.ipv4.ip_local_port_range | tr '\t' '-') ports," \
  "tcp_tw_reuse=$(sysctl -n net.ipv4.tcp_tw_reuse), tcp_max_tw_buckets=$(sysctl -n net.ipv4.tcp_max_tw_buckets)," \
  "somaxconn=$(sysctl -n net.core.somaxconn); ulimit -n $(ulimit -n)"
HTTP_PORTS=("$BASE_PORT" "$((BASE_PORT + 1))")
TCP_PORTS=("$((BASE_PORT + 10))" "$((BASE_PORT + 11))" "$((BASE_PORT + 12))" "$((BASE_PORT + 13))")
listen_http="" listen_tcp="" http_urls="" tcp_targets=""
for i in $(seq 2 $((ADDRS + 1))); do
  for p in "${HTTP_PORTS[@]}"; do
    listen_http+="    listen 127.0.0.$i:$p backlog=4096;"$'\n'
    http_urls+="http://127.0.0.$i:$p/,"
  done
  for p in "${TCP_PORTS[@]}"; do
    listen_tcp+="    listen 127.0.0.$i:$p backlog=4096;"$'\n'
    tcp_targets+="127.0.0.$i:$p,"
  done
done
http_urls="${http_urls%,}" tcp_targets="${tcp_targets%,}"
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes $NGINX_WORKERS;
worker_rlimit_nofile 65536;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 16384; multi_accept on; }
http {
  access_log off;
  keepalive_timeout 0;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
$listen_http
    location / { default_type text/plain; return 200 "ok\n"; }
  }
  # tcp targets: a tcp check only connects (and closes); nginx accepts and sees EOF.
  server {
$listen_tcp
    location / { return 204; }
  }
}
CONF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 100); do
  if curl -fsS -o /dev/null "http://127.0.0.2:$BASE_PORT/" 2>/dev/null; then break; fi
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/logs/error.log"; exit 1; }
  sleep 0.1
done
echo "bench: nginx pid $NGINX_PID on 127.0.0.2-$((ADDRS + 1)) ports ${HTTP_PORTS[*]} (http) ${TCP_PORTS[*]} (tcp)"

# Waits for TIME_WAIT from the previous scenario to drain a little, so scenarios do not
# inherit each other's port pressure.
settle() {
  local tw
  for _ in $(seq 70); do
    tw=$(ss -Htan state time-wait 2>/dev/null | wc -l)
    [ "$tw" -lt 20000 ] && return 0
    sleep 1
  done
}

# bench NAME ARGS...: runs the scenario (and the baseline binary when asked).
bench() {
  local name="$1"
  shift
  local bins=("$BENCH") tags=("")
  if [ -n "$BASELINE_BENCH" ]; then bins+=("$BASELINE_BENCH") tags+=("-baseline"); fi
  for k in "${!bins[@]}"; do
    settle
    echo
    echo "\$ ${bins[$k]#"$ROOT/"} --label $name${tags[$k]} $*" | sed "s#$tcp_targets#<tcp targets>#; s#$http_urls#<http urls>#"
    "${bins[$k]}" --label "$name${tags[$k]}" --json-file "$OUT/$name${tags[$k]}.json" "$@" \
      ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}
  done
}

targets=(--tcp-target "$tcp_targets" --http-url "$http_urls")
for s in "${scenarios[@]}"; do
  case "$s" in
    idle) bench idle --idle ;;
    small) bench small --checks 1000 --interval "$INTERVAL" --duration "$DURATION" "${targets[@]}" ;;
    medium) bench medium --checks 10000 --interval "$INTERVAL" --duration "$DURATION" "${targets[@]}" ;;
    large) bench large --checks "$LARGE_CHECKS" --interval "$INTERVAL" --duration "$DURATION" "${targets[@]}" ;;
    exec)
      bench exec --checks "$EXEC_SIDE_CHECKS" --exec-ceiling-factor "$EXEC_FACTOR" \
        --interval "$INTERVAL" --duration "$DURATION" "${targets[@]}"
      ;;
    icmp)
      # 10,000 icmp checks (3 pings each) on one worker against 127.0.0.x: the shared
      # socket's scale. Needs ping sockets or CAP_NET_RAW (docs/operations.md).
      bench icmp --checks 0 --icmp-checks "${ICMP_CHECKS:-10000}" --workers 1 \
        --interval "$INTERVAL" --duration "$DURATION"
      ;;
    exec-over)
      bench exec-over --checks "$EXEC_SIDE_CHECKS" --exec-ceiling-factor "$EXEC_OVER_FACTOR" \
        --interval "$INTERVAL" --duration "$DURATION" "${targets[@]}"
      ;;
    profile)
      command -v perf >/dev/null 2>&1 || {
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends linux-perf >/dev/null
      }
      settle
      echo
      echo "\$ perf record -e cpu-clock -F 999 -o $OUT/perf.data -- engine_bench --label profile" \
        "--checks ${PROFILE_CHECKS:-100000} --interval $INTERVAL --duration $DURATION <targets>"
      perf record -q -e cpu-clock -F 999 -o "$OUT/perf.data" -- "$BENCH" --label profile \
        --checks "${PROFILE_CHECKS:-100000}" --interval "$INTERVAL" --duration "$DURATION" \
        --json-file "$OUT/profile.json" "${targets[@]}"
      # Into a file first: `head` closing the pipe early would fail the script (pipefail).
      perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio \
        >"$OUT/perf-report.txt" 2>/dev/null || true
      grep -v '^#' "$OUT/perf-report.txt" | grep -v '^$' | sed -n 1,40p >"$OUT/perf-top.txt" || true
      cat "$OUT/perf-top.txt"
      ;;
    *) echo "bench: unknown scenario '$s' (idle small medium large exec exec-over profile)" >&2; exit 2 ;;
  esac
done
echo
echo "bench: JSON reports in $OUT"
