#!/usr/bin/python3
"""Run IndieChat's integration tests against a real Apache (python3 stdlib only).

Usage: python3 tests/integration/run.py [-k SUBSTRING]... [test_module ...]

Discovers tests/integration/test_*.py (unittest; each module starts one
Apache in setUpModule), prints one TAP line per test (each subTest counts as
one test), the tail of Apache's error log under every failure, and ends with
exactly one line `integration: N passed, N failed`.  Exit status 1 when
anything failed or errored, or when nothing ran.

Environment: IC_TOP_BUILDDIR (the build tree with cgi-bin/<prog>),
IC_TOP_SRCDIR, IC_FASTCGI=1 (mount the programs as FastCGI responders under
mod_fcgid; =proxy: under mod_proxy_fcgi), IC_KEEP_TMP=1 (keep Apache's temporary directories); see
harness.py.
"""

import argparse
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import harness  # noqa: E402


def _comment(text):
    return "\n".join("# " + line for line in text.rstrip("\n").splitlines())


class TapResult(unittest.TestResult):
    """Prints a TAP line per test or subtest; counts passes and failures."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.n = 0
        self.passed = 0
        self.failed = 0
        self.nskipped = 0  # unittest keeps its own list in .skipped
        self._marks = {}
        self._had_subtests = set()
        self._started = 0.0

    def _line(self, ok, name, extra=""):
        self.n += 1
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        self.stream.write("%s %d - %s%s\n" % ("ok" if ok else "not ok", self.n, name, extra))
        self.stream.flush()

    def _details(self, err, test):
        text = self._exc_info_to_string(err, test) if isinstance(err, tuple) else str(err)
        self.stream.write(_comment(text) + "\n")
        for a in harness.live_instances():
            since = self._marks.get(id(a), 0)
            tail = a.error_log_tail(40, since=since)
            if tail:
                self.stream.write("# -- apache error log (%s, since the test began) --\n" % a.root)
                self.stream.write(_comment(tail) + "\n")
        self.stream.flush()

    def startTest(self, test):
        super().startTest(test)
        self._started = time.monotonic()
        self._marks = {id(a): a.log_mark() for a in harness.live_instances()}

    def addSuccess(self, test):
        super().addSuccess(test)
        if test.id() not in self._had_subtests:
            self._line(True, test.id())

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test.id())
        self._details(err, test)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, str(test) if isinstance(test, unittest.suite._ErrorHolder) else test.id())
        self._details(err, test)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        self._had_subtests.add(test.id())
        self._line(err is None, subtest.id())
        if err is not None:
            self._details(err, test)
        self._marks = {id(a): a.log_mark() for a in harness.live_instances()}

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.nskipped += 1
        self.stream.write("ok - %s # SKIP %s\n" % (test.id(), reason))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test.id(), " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test.id(), " (unexpected success)")


def _filter(suite, keep):
    out = unittest.TestSuite()
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            sub = _filter(t, keep)
            if sub.countTestCases():
                out.addTest(sub)
        elif keep(t):
            out.addTest(t)
    return out


def main(argv):
    ap = argparse.ArgumentParser(description="IndieChat integration tests on a real Apache")
    ap.add_argument("modules", nargs="*", help="test modules (test_x or test_x.py); default all")
    ap.add_argument("-k", action="append", default=[], help="run only tests whose id contains this")
    args = ap.parse_args(argv)

    loader = unittest.TestLoader()
    if args.modules:
        names = [os.path.splitext(os.path.basename(m))[0] for m in args.modules]
        suite = loader.loadTestsFromNames(names)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    if args.k:
        suite = _filter(suite, lambda t: any(k in t.id() for k in args.k))

    out = sys.stdout
    out.write("# integration: builddir %s, apache %s, programs as %s\n" % (
        harness.default_builddir(), harness.APACHE2, harness.fastcgi_mode() or "CGI"))
    result = TapResult(out)
    t0 = time.monotonic()
    try:
        suite.run(result)
    except KeyboardInterrupt as e:
        result._line(False, "interrupted (%s)" % (e or "SIGINT"))
    finally:
        harness.stop_all()
    out.write("1..%d\n" % result.n)
    if result.nskipped:
        out.write("# skipped: %d\n" % result.nskipped)
    out.write("# %.1f s\n" % (time.monotonic() - t0))
    out.write("integration: %d passed, %d failed\n" % (result.passed, result.failed))
    out.flush()
    return 1 if result.failed or result.n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
