#!/usr/bin/env bash
# `make lint`: clang-format check + clang-tidy over src/ (uses BUILD/compile_commands.json).
# clang-tidy runs one file per core; its findings are printed, and any finding fails.
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
status=0
echo "lint: clang-format"
if ! find src tests bench fuzz -name '*.cc' -o -name '*.h' 2>/dev/null | sort |
  xargs clang-format --dry-run --Werror; then
  status=1
fi
echo "lint: clang-tidy ($(nproc) at a time)"
out=$(find src -name '*.cc' | sort |
  xargs -P "$(nproc)" -n 1 clang-tidy -p "$build" --quiet 2>/dev/null)
if [ -n "$out" ]; then
  echo "$out"
  status=1
fi
[ $status -eq 0 ] && echo "lint: clean"
exit $status
