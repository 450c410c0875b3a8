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
# The build's compile commands without GCC's precompiled header (cmake/Precompiled.cmake):
# clang cannot read a .gch, so each file parses its own includes here.
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
python3 - "$build/compile_commands.json" "$db/compile_commands.json" <<'PY'
import json, re, sys
commands = json.load(open(sys.argv[1]))
for c in commands:
    c["command"] = re.sub(r" -include \S*cmake_pch\.hxx| -Winvalid-pch| -fpch-preprocess", "",
                          c["command"])
json.dump(commands, open(sys.argv[2], "w"))
PY
out=$(find src -name '*.cc' | sort |
  xargs -P "$(nproc)" -n 1 clang-tidy -p "$db" --quiet 2>/dev/null)
if [ -n "$out" ]; then
  echo "$out"
  status=1
fi
[ $status -eq 0 ] && echo "lint: clean"
exit $status
