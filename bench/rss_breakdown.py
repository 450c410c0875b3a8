#!/usr/bin/env python3
"""Where a process's resident memory goes: /proc/PID/smaps grouped by file (or kind of
anonymous mapping), with RSS, PSS and USS (private) per group. See README.md.

    bench/rss_breakdown.py PID [--top N]

RSS counts every resident page mapped, PSS divides shared pages by the number of processes
mapping them, USS (Private_Clean + Private_Dirty) is what killing the process would give
back. Pages of a library that were written (relocations, .data) are private and counted as
"anon" inside that library's row; in /proc/PID/status they are part of RssAnon.

Anonymous mappings carry no name, so they are classified by shape: the 8 MiB default
thread stack (plus its guard page), glibc malloc arenas (reserved 64 MiB at a time, mostly
PROT_NONE), [heap] (the main arena), [stack] (the main thread) and "other anon".
"""
import argparse
import collections
import os
import re
import sys

HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$")
KIB_FIELD = re.compile(r"^(\w+):\s+(\d+) kB$")


def parse(pid):
    maps = []
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = HEADER.match(line)
            if m:
                start, end = int(m.group(1), 16), int(m.group(2), 16)
                cur = {"size": end - start, "perms": m.group(3), "name": m.group(4).strip()}
                maps.append(cur)
                continue
            m = KIB_FIELD.match(line)
            if m and cur is not None:
                cur[m.group(1)] = int(m.group(2))
    return maps


def group_of(i, maps):
    mp = maps[i]
    name = mp["name"]
    if name:
        return os.path.basename(name) if name.startswith("/") else name
    size = mp["size"]
    # A thread stack: an anonymous rw mapping right after its ---p guard page, 8 MiB in total
    # (the default RLIMIT_STACK) or whatever the thread was created with.
    prev = maps[i - 1] if i > 0 else None
    if mp["perms"] == "---p":
        nxt = maps[i + 1] if i + 1 < len(maps) else None
        if size == 4096 and nxt and not nxt["name"] and nxt["perms"] == "rw-p":
            return "[thread stacks]"
        return "[reserved, no access]"
    if prev and prev["perms"] == "---p" and prev["size"] == 4096 and size >= 64 * 1024:
        return "[thread stacks]"
    # glibc arenas: a 64 MiB-aligned reservation whose used head is rw and the rest ---p.
    nxt = maps[i + 1] if i + 1 < len(maps) else None
    if nxt and nxt["perms"] == "---p" and not nxt["name"] and \
            (size + nxt["size"]) in (64 << 20, 128 << 20):
        return "[malloc arenas]"
    return "[other anon]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pid")
    ap.add_argument("--top", type=int, default=25, help="rows to print (rest summed)")
    args = ap.parse_args()
    maps = parse(args.pid)
    rows = collections.defaultdict(lambda: collections.Counter())
    for i, mp in enumerate(maps):
        g = rows[group_of(i, maps)]
        g["rss"] += mp.get("Rss", 0)
        g["pss"] += mp.get("Pss", 0)
        g["uss"] += mp.get("Private_Clean", 0) + mp.get("Private_Dirty", 0)
        g["anon"] += mp.get("Anonymous", 0)
        g["maps"] += 1
    total = collections.Counter()
    for g in rows.values():
        total.update(g)
    ordered = sorted(rows.items(), key=lambda kv: -kv[1]["rss"])
    print(f"{'mapping':<34} {'RSS':>7} {'PSS':>7} {'USS':>7} {'anon':>7}  (KiB)")
    rest = collections.Counter()
    for k, (name, g) in enumerate(ordered):
        if k < args.top:
            print(f"{name[:34]:<34} {g['rss']:>7} {g['pss']:>7} {g['uss']:>7} {g['anon']:>7}")
        else:
            rest.update(g)
    if rest:
        print(f"{'(' + str(len(ordered) - args.top) + ' more)':<34} {rest['rss']:>7} "
              f"{rest['pss']:>7} {rest['uss']:>7} {rest['anon']:>7}")
    files = sum(1 for n in rows if not n.startswith("["))
    print(f"{'total (' + str(files) + ' files)':<34} {total['rss']:>7} {total['pss']:>7} "
          f"{total['uss']:>7} {total['anon']:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
