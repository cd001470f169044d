"""Lazy maintenance through the real server (DESIGN.md "Work after the
response, and no daemon").

On a fresh site `listener --maintain-status` shows no run yet; one GET of
`B/<prog>/ping` makes the program, after its complete response, spawn a
detached `listener --maintain`, so within 10 s the status shows a run.  Each
program is kicked on its own fresh site; a site nobody requested keeps its own
state (sites share nothing).  Runs under mpm_event + mod_cgid and under
mpm_prefork + mod_cgi, the two setups the detach pattern has to survive.
"""

import json
import os
import time
import unittest

import harness

KICK_SITES = {prog: "kick-" + prog for prog in harness.PROGRAMS}
QUIET = "quiet"
DEADLINE = 10.0  # seconds; the only timing bound in these tests
POLL = 0.1


class LazyMaintenance:
    """Mixin: the cases; subclasses choose the MPM."""

    mpm = None

    @classmethod
    def setUpClass(cls):
        cls.apache = harness.Apache(sites=list(KICK_SITES.values()) + [QUIET], mpm=cls.mpm)
        cls.apache.start()

    @classmethod
    def tearDownClass(cls):
        problems = cls.apache.log_problems()
        cls.apache.stop()
        if problems:
            raise AssertionError("crash or sanitizer report in the error log:\n" +
                                 "\n".join(problems[:20]))

    def status(self, site):
        p = site.run("listener", "--maintain-status", timeout=30)
        self.assertEqual(p.returncode, 0, "listener --maintain-status failed: %r" % p.stderr)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            self.fail("--maintain-status printed no JSON: %r" % p.stdout)
        self.assertIsInstance(doc, dict)
        return doc

    def last_run(self, site):
        value = self.status(site).get("last_run", 0)
        self.assertIsInstance(value, (int, float))
        return value

    def wait_for_run(self, site):
        deadline = time.monotonic() + DEADLINE
        while True:
            value = self.last_run(site)
            if value > 0 or time.monotonic() >= deadline:
                return value
            time.sleep(POLL)

    def assert_files_owned_by_site_user(self, site):
        """Whatever the detached run created belongs to the CGI user."""
        want = os.stat(site.data_dir).st_uid
        for dirpath, dirnames, filenames in os.walk(site.data_dir):
            for n in dirnames + filenames:
                path = os.path.join(dirpath, n)
                self.assertEqual(os.lstat(path).st_uid, want, "%s has the wrong owner" % path)

    def test_fresh_site_has_no_maintenance_run(self):
        self.assertEqual(self.last_run(self.apache[QUIET]), 0)

    def test_one_ping_spawns_a_detached_maintain_after_the_response(self):
        for prog, name in KICK_SITES.items():
            with self.subTest(prog=prog):
                site = self.apache[name]
                self.assertEqual(self.last_run(site), 0, "site %s not fresh" % name)
                r = site.request("GET", site.b(prog + "/ping"))
                self.assertEqual(r.status, 200, r.body[:300])
                length = r.header("Content-Length")
                if length is not None:
                    self.assertEqual(int(length), len(r.body), "Content-Length not honoured")
                self.assertEqual(json.loads(r.body)["program"], prog)
                self.assertGreater(self.wait_for_run(site), 0,
                                   "no listener --maintain run within %g s" % DEADLINE)
                self.assert_files_owned_by_site_user(site)

    def test_sites_do_not_share_maintenance_state(self):
        # Runs after the kicks above (alphabetical order): they all ran, yet
        # the site nobody requested has still not run.
        kicked = self.apache[KICK_SITES["feed"]]
        if self.last_run(kicked) == 0:
            r = kicked.request("GET", kicked.b("feed/ping"))
            self.assertEqual(r.status, 200)
            self.assertGreater(self.wait_for_run(kicked), 0)
        self.assertEqual(self.last_run(self.apache[QUIET]), 0)


class LazyMaintenanceEventCgid(LazyMaintenance, unittest.TestCase):
    mpm = "event"


class LazyMaintenancePreforkCgi(LazyMaintenance, unittest.TestCase):
    mpm = "prefork"


if __name__ == "__main__":
    unittest.main()
