#!/usr/bin/env python3
"""Counts the duplicated blocks in target/cpd.xml (written by `./mvnw -B -o pmd:cpd` from the root).

A block counts when it spans at least --min-lines lines (default 6: the "six or more identical or
same-shape lines" of docs/ARCHITECTURE.md). -v lists them, -f counts them per file.
Exits 1 when --max N is given and the count is over N.
"""
import argparse
import collections
import pathlib
import sys
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("report", nargs="?", default="target/cpd.xml")
ap.add_argument("--min-lines", type=int, default=6)
ap.add_argument("--max", type=int)
ap.add_argument("-v", action="store_true", help="list every block")
ap.add_argument("-f", action="store_true", help="blocks per file")
a = ap.parse_args()

root = pathlib.Path.cwd().resolve()
dups = [d for d in ET.parse(a.report).getroot().iter() if d.tag.endswith("duplication")]
counted = 0
per_file = collections.Counter()
for d in dups:
    lines = int(d.get("lines"))
    if lines < a.min_lines:
        continue
    counted += 1
    places = []
    for f in d:
        if f.tag.endswith("file"):
            path = pathlib.Path(f.get("path"))
            try:
                path = path.relative_to(root)
            except ValueError:
                pass
            places.append(f"{path}:{f.get('line')}")
    for p in {p.rsplit(":", 1)[0] for p in places}:
        per_file[p] += 1
    if a.v:
        print(f"{lines:3d} lines {d.get('tokens'):>4s} tokens  " + "  ".join(places))
if a.f:
    for p, c in per_file.most_common():
        print(f"{c:3d} {p}")
print(f"{counted} duplicated blocks of {a.min_lines} or more lines ({len(dups)} of 50 tokens or more)")
if a.max is not None and counted > a.max:
    sys.exit(1)
