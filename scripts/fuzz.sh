#!/usr/bin/env bash
# `make fuzz` (fuzz/README.md): builds the libFuzzer targets with Debian's clang,
# -fsanitize=fuzzer,address,undefined, in their own build dir, then fuzzes each target for
# FUZZ_TIME seconds and prints a table: runs, execs/s, coverage, corpus and the outcome.
#
#   FUZZ_TIME=600       seconds per target
#   FUZZ_TARGETS="a b"  only these (names as in fuzz/CMakeLists.txt, without fuzz_)
#   FUZZ_BUILD=build-fuzz
#   FUZZ_JOBS=1         libFuzzer -fork workers per target (crashes are then collected
#                       instead of stopping the target: -ignore_crashes=1)
#   FUZZ_ARGS=...       more libFuzzer flags
#
# New inputs go to $FUZZ_BUILD/corpus/<target> (the seeds in fuzz/corpus/<target> are only
# read); crashing inputs to $FUZZ_BUILD/artifacts/<target>/. Exit status 1 if any target
# crashed, hung or broke an invariant.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_TIME=${FUZZ_TIME:-600}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_JOBS=${FUZZ_JOBS:-1}
FUZZ_ARGS=${FUZZ_ARGS:-}
CLANGXX=${CLANGXX:-$(command -v clang++-14 || command -v clang++)}
all_targets=$(sed -n 's/^nv_fuzz(\([a-z_0-9]*\).*/\1/p' fuzz/CMakeLists.txt)
targets=${FUZZ_TARGETS:-$all_targets}

if [ -z "$CLANGXX" ]; then
  echo "fuzz: no clang++ (bash scripts/install-deps.sh fuzz installs Debian's clang)" >&2
  exit 2
fi
cmake -S . -B "$FUZZ_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CLANGXX" -DNINEVOLT_FUZZ=ON -DNINEVOLT_SANITIZE=address,undefined \
  -DNINEVOLT_UI=OFF -DNINEVOLT_BUILD_BENCH=OFF >/dev/null || exit 2
build_targets=()
for t in $targets; do build_targets+=("fuzz_$t"); done
cmake --build "$FUZZ_BUILD" -j "${JOBS:-$(nproc)}" --target "${build_targets[@]}" || exit 2

# Leaks are reported (LeakSanitizer) but a target's process-wide state (a static world) is
# not one; UBSan findings stop the run like ASan's.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
summary=()
for t in $targets; do
  work="$FUZZ_BUILD/corpus/$t"
  artifacts="$FUZZ_BUILD/artifacts/$t"
  log="$FUZZ_BUILD/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  fork=()
  [ "$FUZZ_JOBS" -gt 1 ] && fork=(-fork="$FUZZ_JOBS" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  stamp="$FUZZ_BUILD/logs/.$t.start"
  touch "$stamp"
  echo "fuzz: $t for ${FUZZ_TIME}s (log: $log)"
  # shellcheck disable=SC2086
  "$FUZZ_BUILD/fuzz/fuzz_$t" "$work" "fuzz/corpus/$t" "${dict[@]}" "${fork[@]}" \
    -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 $FUZZ_ARGS >"$log" 2>&1
  rc=$?
  # One process: its final stats; -fork: the last status line of the parent
  # ("#508040: cov: 12304 ft: 12123 corp: 1054 exec/s 3779 oom/timeout/crash: 0/0/0 ...").
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\(\/[0-9a-zA-Z]*\)\?\).*/\1/p' <<<"$last")
  if [ -z "$runs" ]; then
    runs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
    eps=$(sed -n 's/.* exec\/s \([0-9]*\).*/\1/p' <<<"$last")
  fi
  found=$(find "$artifacts" -type f -newer "$stamp" | wc -l)  # this run's only
  outcome=ok
  if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then
    outcome="FAILED (rc $rc, $found artifact(s) in $artifacts)"
    status=1
  fi
  summary+=("$(printf '%-14s %10s %8s %7s %7s %12s  %s' "$t" "${runs:--}" "${eps:--}" \
    "${cov:--}" "${ft:--}" "${corp:--}" "$outcome")")
done
echo
printf '%-14s %10s %8s %7s %7s %12s  %s\n' target runs execs/s cov ft corpus outcome
printf '%s\n' "${summary[@]}"
exit $status
