#!/usr/bin/python3
"""Parses a Prometheus text exposition (format 0.0.4) with the reference Python parser
(Debian's python3-prometheus-client) and prints it as JSON for a C++ test:
{"families": {name: {"type", "help"}}, "samples": [{"name", "labels", "value"}]}.
Exits non-zero (the parser's error on stderr) when the text does not parse, or when a
family appears twice (its samples must be together)."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    out = {"families": {}, "samples": []}
    for family in text_string_to_metric_families(text):
        if family.name in out["families"]:
            sys.exit(f"family {family.name} appears twice")
        out["families"][family.name] = {"type": family.type, "help": family.documentation}
        for s in family.samples:
            out["samples"].append({"name": s.name, "labels": s.labels, "value": s.value})
    json.dump(out, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
