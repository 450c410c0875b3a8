#!/usr/bin/env python3
"""Compile CPU of the tests' object files at -O3 and at -O1, ccache off, one file at a time.

Why the tests compile at -O1 (tests/CMakeLists.txt). Usage, from the repository:
    python3 bench/compile_levels.py [build-dir=build] [sample=14] [seed=11]
It reads <build>/compile_commands.json (written by the default configure), picks `sample`
test files at random and compiles each twice into a temp file; the build is untouched.
"""
import json
import os
import random
import resource
import subprocess
import sys
import tempfile

build = sys.argv[1] if len(sys.argv) > 1 else "build"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 14
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 11

commands = json.load(open(os.path.join(build, "compile_commands.json")))
# The tests' own files; the bench compiles a few of them again, at the bench's level.
tests = [c for c in commands if "/tests/" in c["file"] and " -o bench/" not in c["command"]]
random.seed(seed)
sample = random.sample(tests, min(count, len(tests)))


def cpu_of(command, directory):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, shell=True, cwd=directory, check=True, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


total = {"-O3": 0.0, "-O1": 0.0}
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "x.o")
    for c in sample:
        head, tail = c["command"].split(" -o ", 1)
        rest = tail.split(" ", 1)[1]  # drops the build's own object path
        base = f"{head} -o {out} {rest}".replace("/usr/bin/ccache ", "")
        base = base.replace(" -O1 ", " -O3 ")  # from either configuration
        for level in ("-O3", "-O1"):
            t = cpu_of(base.replace(" -O3 ", f" {level} "), c["directory"])
            total[level] += t
            print(f"{level} {t:6.1f} s  {os.path.relpath(c['file'])}", flush=True)
less = 100 * (1 - total["-O1"] / total["-O3"])
print(f"{len(sample)} of {len(tests)} test files: -O3 {total['-O3']:.0f} s CPU, "
      f"-O1 {total['-O1']:.0f} s CPU ({less:.0f}% less)")
