#!/usr/bin/env python3
"""The package dependency graph of labelcurve's main code, from its imports and same-package-free
references (fully qualified names), as a Markdown table and a Mermaid diagram for docs/ARCHITECTURE.md.

Run from the repository root: python3 .ci/package_graph.py [--mermaid]
Imports, static imports and fully qualified io.labelcurve.* names in code count (not in comments or strings); same-package use needs no import and
is not an edge. ArchitectureTest (starter) checks the same graph on the bytecode: no cycles.
"""
import collections
import pathlib
import re
import sys

MODULES = ["workflows", "activities", "worker", "starter"]
PREFIX = "io.labelcurve."
ref = re.compile(r"\bio\.labelcurve\.([a-z_.]+)\.[A-Z]")

module_of = {}
edges = collections.defaultdict(set)
classes = collections.Counter()
for module in MODULES:
    for f in pathlib.Path(module, "src/main/java").rglob("*.java"):
        text = f.read_text(encoding="utf-8")
        # Javadoc {@link}s and comments are not dependencies (javac drops them): strip them, and string literals, first.
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r'"""(?:.|\n)*?"""|"(?:\\.|[^"\\\n])*"', '""', text)
        text = re.sub(r"//[^\n]*", "", text)
        pkg = re.search(r"^package\s+io\.labelcurve\.([a-z_.]+);", text, re.M).group(1)
        module_of[pkg] = module
        classes[pkg] += 1
        for m in ref.finditer(text):
            target = m.group(1)
            if target != pkg:
                edges[pkg].add(target)


def short(p):
    return p.split(".", 1)[1] if "." in p else p


if "--mermaid" in sys.argv:
    print("```mermaid\nflowchart LR")
    for module in MODULES:
        print(f"  subgraph {module}")
        for p in sorted(k for k, v in module_of.items() if v == module):
            print(f"    {p.replace('.', '_')}[{p}]")
        print("  end")
    for p in sorted(edges):
        for t in sorted(edges[p]):
            if t in module_of:
                print(f"  {p.replace('.', '_')} --> {t.replace('.', '_')}")
    print("```")
else:
    print("| module | package | classes | depends on (labelcurve packages) |")
    print("|---|---|---|---|")
    for module in MODULES:
        for p in sorted(k for k, v in module_of.items() if v == module):
            deps = ", ".join(sorted(t for t in edges[p] if t in module_of)) or "—"
            print(f"| {module} | `{p}` | {classes[p]} | {deps} |")
