#!/usr/bin/env bash
# `make test-asan` / `make test-tsan` (tests/README.md "Sanitizers"):
#   scripts/sanitize.sh asan [ctest args...]   AddressSanitizer + UBSan, build-asan/, every test
#   scripts/sanitize.sh tsan [ctest args...]   ThreadSanitizer, build-tsan/, unit + integration
# Builds with gcc (-DNINEVOLT_SANITIZE=...) in its own directory and runs ctest there. Every
# process the tests start (9volt servers too) is instrumented and writes its reports to
# <build>/sanitizer/ (log_path): after ctest the script prints every report and fails if
# there is one, also when the process that found it was a child whose exit nobody checked.
#   JOBS=N        build and test parallelism (default: cores)
#   SANITIZE_BUILD=dir
#   SANITIZE_TARGETS="a b"  build only these targets (e.g. the unit test binaries, with
#                           `-L unit`); default: everything
set -uo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitize.sh asan|tsan [ctest args...]}
shift
root=$(pwd)
JOBS=${JOBS:-$(nproc)}
case "$kind" in
  asan)
    build=${SANITIZE_BUILD:-build-asan}
    flags=address,undefined
    default_tests=()  # the whole suite
    ;;
  tsan)
    build=${SANITIZE_BUILD:-build-tsan}
    flags=thread
    default_tests=(-L 'unit|integration|fuzz')
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan|tsan [ctest args...]" >&2
    exit 2
    ;;
esac
reports="$root/$build/sanitizer"

# -O1: the sanitizers' usual level (fast enough to run, quicker to build than -O2). gRPC,
# protobuf and abseil linked shared (not static in 9volt, cmake/StaticGrpc.cmake): the
# module names in tests/tsan.supp then match in the 9volt servers the tests start too.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNINEVOLT_STATIC_GRPC=OFF \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -DNDEBUG" -DNINEVOLT_SANITIZE="$flags" >/dev/null || exit 2
targets=()
for t in ${SANITIZE_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j "$JOBS" "${targets[@]}" || exit 2

rm -rf "$reports"
mkdir -p "$reports"
# halt_on_error: the first finding ends the process (and fails its test) with the report in
# $reports. LeakSanitizer runs at every exit; tests/lsan.supp and tests/tsan.supp list what
# is suppressed, and why.
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="log_path=$reports/tsan:suppressions=$root/tests/tsan.supp:halt_on_error=1:second_deadlock_stack=1:history_size=4"

tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=("${default_tests[@]}")
start=$(date +%s)
(cd "$build" && ctest --output-on-failure -j "$JOBS" --timeout 1800 "${tests[@]}")
rc=$?
echo "sanitize: $kind: ctest exit $rc after $(( $(date +%s) - start ))s"
found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
  echo "sanitize: $kind: $(echo "$found" | wc -l) report(s):"
  for f in $found; do
    echo "===== $f"
    cat "$f"
  done
  exit 1
fi
exit $rc
