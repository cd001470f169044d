#!/usr/bin/env python3
"""layers_test.py - the tree keeps the layers of lib/README.md (issue 10).

TAP.  Checks, from the sources alone:
  1. every file under lib/ sits in a folder that lib/README.md lists;
  2. each folder has a README saying what it owns;
  3. a file includes only its own folder and the layers above it in the
     list (nothing includes upward; cgi-bin/ and tests/ may use any);
  4. no two modules include each other, directly or round a loop;
  5. a file over 1,000 lines says in its header why it is one file
     ("One file:" in its first 40 lines).
"""
import os
import re
import sys

TOP = os.environ.get("IC_TOP_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
LIB = os.path.join(TOP, "lib")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

results = []


def check(ok, name, detail=()):
    results.append((ok, name, list(detail)))


def layers():
    with open(os.path.join(LIB, "README.md"), encoding="utf-8") as f:
        return re.findall(r"^\d+\. `([a-z0-9_]+)/`", f.read(), re.M)


def sources(order):
    found, stray = {}, []
    for root, _dirs, files in os.walk(LIB):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), LIB)
            if rel == "README.md":
                continue
            folder = rel.split(os.sep)[0] if os.sep in rel else None
            if folder not in order or rel.count(os.sep) != 1:
                stray.append(rel)
            elif name.endswith((".c", ".h")):
                found[rel] = folder
    return found, stray


def find_cycle(graph):
    """A loop in the module graph as a list, or None (iterative DFS)."""
    state = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(graph.get(nxt, ())))))
    return None


def main():
    order = layers()
    check(len(order) >= 8, "lib/README.md lists the layers", order)
    rank = {d: i for i, d in enumerate(order)}
    files, stray = sources(order)
    check(not stray, "every file under lib/ is in a listed folder", stray)
    missing = [d for d in order
               if not os.path.isfile(os.path.join(LIB, d, "README"))]
    check(not missing, "every layer folder has a README", missing)

    upward, unqualified, graph, long_files = [], [], {}, []
    for rel, folder in sorted(files.items()):
        with open(os.path.join(LIB, rel), encoding="utf-8") as f:
            text = f.read()
        mod = os.path.splitext(rel)[0]
        graph.setdefault(mod, set())
        for inc in INCLUDE.findall(text):
            if "/" not in inc:
                unqualified.append("%s: %s" % (rel, inc))
                continue
            dep_folder = inc.split("/")[0]
            if dep_folder not in rank:
                unqualified.append("%s: %s" % (rel, inc))
            elif rank[dep_folder] > rank[folder]:
                upward.append("%s includes %s" % (rel, inc))
            dep = os.path.splitext(inc)[0]
            if dep != mod:
                graph[mod].add(dep)
        lines = text.count("\n")
        head = "\n".join(text.split("\n")[:40])
        if lines > 1000 and "One file:" not in head:
            long_files.append("%s: %d lines" % (rel, lines))
    check(not unqualified, "includes name a listed folder", unqualified)
    check(not upward, "nothing includes upward", upward)
    cycle = find_cycle(graph)
    check(cycle is None, "no import cycle between modules",
          [" -> ".join(cycle)] if cycle else [])
    check(not long_files, "files over 1,000 lines say why they are one file",
          long_files)

    print("1..%d" % len(results))
    for i, (ok, name, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            for d in detail:
                print("#   %s" % d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
