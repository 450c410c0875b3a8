#!/usr/bin/env bash
# clang-format check + clang-tidy over src/ (uses BUILD/compile_commands.json).
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
status=0
files=$(find src -name '*.cc' -o -name '*.h' | sort)
echo "lint: clang-format"
if ! clang-format --dry-run --Werror $files; then status=1; fi
echo "lint: clang-tidy"
srcs=$(find src -name '*.cc' | sort)
if ! clang-tidy -p "$build" --quiet $srcs 2>/dev/null; then status=1; fi
exit $status
