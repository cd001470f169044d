#!/usr/bin/env python3
"""parse_mf2_test.py - `listener --parse-mf2` (issue 13), run as built.

TAP.  The command prints what the listener's parser makes of a page:
  1. files of the vendored microformats suite, with --base as the suite's
     runner uses (http://example.test), compare equal to the suite's JSON
     the way the suite documents its comparison for these cases (objects
     unordered, arrays in order);
  2. relative URLs in a file without --base resolve against
     http://localhost/;
  3. a URL on loopback is refused by the SSRF rules (no configuration, so
     no dev_mode), with a sentence and exit status 1;
  4. a missing file and a bad --base are errors that say so.
"""
import json
import os
import subprocess
import sys
import tempfile

TOP = os.environ.get("IC_TOP_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
SUITE = os.path.join(TOP, "tests", "conformance", "microformats-tests",
                     "microformats-v2")
LISTENER = os.path.join(os.environ.get("IC_TOP_BUILDDIR", "."), "cgi-bin",
                        "listener")
CASES = ["h-entry/justahyperlink", "h-entry/impliedname", "h-card/p-property",
         "rel/duplicate-rels", "h-card/relativeurls"]
results = []


def run(*args):
    env = {k: v for k, v in os.environ.items() if k != "INDIECHAT_CONFIG"}
    return subprocess.run([LISTENER, "--parse-mf2"] + list(args), env=env,
                          capture_output=True, text=True, timeout=60)


def check(ok, name, detail=""):
    results.append((ok, name, detail))


for case in CASES:
    html = os.path.join(SUITE, case + ".html")
    if not os.path.exists(html):
        check(False, "suite file " + case, "missing: " + html)
        continue
    p = run(html, "--base", "http://example.test")
    with open(os.path.join(SUITE, case + ".json"), encoding="utf-8") as f:
        want = json.load(f)
    try:
        got = json.loads(p.stdout)
    except ValueError:
        got = None
    check(p.returncode == 0 and got == want, "suite " + case,
          "exit %d\n%s\n%s" % (p.returncode, p.stdout[:2000], p.stderr))

with tempfile.TemporaryDirectory() as d:
    page = os.path.join(d, "page.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write('<a class="h-card" href="/me">Me</a>\n')
    p = run(page)
    got = json.loads(p.stdout) if p.returncode == 0 else {}
    url = (got.get("items") or [{}])[0].get("properties", {}).get("url")
    check(url == ["http://localhost/me"], "default base is http://localhost/",
          p.stdout + p.stderr)
    p = run(page, "--base", "ftp://x/")
    check(p.returncode != 0 and "--base" in p.stderr, "bad --base refused",
          p.stderr)
    p = run(os.path.join(d, "nothing.html"))
    check(p.returncode == 1 and p.stderr.strip() != "", "missing file refused",
          p.stderr)

p = run("http://127.0.0.1:9/feed")
check(p.returncode == 1 and p.stdout == "" and p.stderr.strip() != "",
      "loopback URL refused (SSRF)", p.stdout + p.stderr)

print("1..%d" % len(results))
for i, (ok, name, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        for line in str(detail).splitlines()[:30]:
            print("# " + line)
sys.exit(0)
