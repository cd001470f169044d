"""The websub.rocks cases, offline, against a real Apache site (issue 11).

tests/fixtures/websub_rocks.py plays websub.rocks: for each subscriber case
it is a correspondent (its own origin s<num>.localhost) whose topic has the
case's discovery, redirect and self behaviour and whose hub verifies
synchronously and delivers signed, wrongly signed or unsigned content; for
each hub case it is websub.rocks' subscriber talking to OUR built-in hub.

Subscriber cases: IndieChat subscribes the way it does in real life.  The
fixture sends alice a ticket whose resource is the case's topic; alice
redeems it at the fixture's token endpoint (iss metadata, TR-5), files a
message request, discovers the topic's hub and subscribes (TR-10,
WS-S-1..13).  The case passes on websub.rocks' own criterion, checked from
the fixture's record.

Hub cases: alice invites bob and bob accepts, so alice's feed for bob is a
topic of alice's hub (found in the hub's verification GET to bob's
listener).  The fixture subscribes to it as websub.rocks would (100 bare,
101 with a secret, 102 with extra parameters, 103 twice, 104 then
unsubscribes); then alice sends one message and every delivery is checked
as websub.rocks checks it.

Only deadlines are timing bounds here (settle()).
"""

import json
import os
import re
import select
import subprocess
import sys
import unittest
import urllib.parse
import urllib.request

import harness
from chat import acquaint, homepage, run_ok, settle

HERE = os.path.dirname(os.path.abspath(__file__))
ROCKS = os.path.join(HERE, "..", "fixtures", "websub_rocks.py")
SUBSCRIBER_CASES = (100, 101, 102, 103, 104, 200, 201, 202, 203, 204, 205,
                    300, 301, 302)
# Not IndieChat feeds: discovery reads Link headers and HTML <head> only.
NOT_APPLICABLE = (102, 103)
HUB_CASES = (100, 101, 102, 103, 104)
apache = None
rocks = None


class Rocks:
    """The fixture process and its control API."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-B", ROCKS, "--port", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().decode() if ready else ""
        m = re.fullmatch(r"PORT (\d+)\n", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("websub.rocks fixture did not start: %r" % line)
        self.port = int(m.group(1))

    def control(self, name, body=None, **query):
        url = "http://127.0.0.1:%d/_fixture/%s" % (self.port, name)
        if query:
            url += "?" + urllib.parse.urlencode(query)
        req = urllib.request.Request(
            url, data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait(5)


def setUpModule():
    global apache, rocks
    rocks = Rocks()
    try:
        apache = harness.Apache(sites=[
            harness.SiteSpec(n, files={"htdocs/index.html": homepage})
            for n in ("alice", "bob")])
        apache.start()
    except BaseException:
        rocks.stop()
        raise


def tearDownModule():
    apache.stop()
    rocks.stop()


class SubscriberCases(unittest.TestCase):
    """websub.rocks /subscriber/1xx-3xx: alice is the subscriber."""

    @classmethod
    def setUpClass(cls):
        cls.alice = apache["alice"]
        cls.started = {}
        for num in SUBSCRIBER_CASES:
            s = rocks.control("sub/start", {"num": num, "subject": cls.alice.url})
            if s["ticket_status"] != 202:
                raise AssertionError("case %d: ticket not taken: %r" % (num, s))
            cls.started[num] = s

    def case(self, num):
        s = self.started[num]
        return rocks.control("sub/case", num=num, token=s["token"])

    def active(self, num):
        c = self.case(num)
        return c if any(s["active"] for s in c["subscriptions"].values()) else None

    def wait_active(self, num):
        c = settle(lambda: self.active(num), [self.alice])
        subs = c["subscriptions"]
        # One subscription, to the self URL websub.rocks expects, with a
        # secret under 200 bytes (WS-S-5, WS-S-8, WS-S-10).
        self.assertEqual(len(subs), 1, subs)
        sub = next(iter(subs.values()))
        self.assertTrue(sub["secret"] and len(sub["secret"]) < 200)
        cb = next(iter(subs))
        self.assertTrue(cb.startswith(self.alice.b_url("listener/")), cb)
        self.assertEqual([v["status"] for v in c["verifications"]], [200])
        return c, sub

    def test_cases(self):
        for num in SUBSCRIBER_CASES:
            with self.subTest("subscriber %d" % num):
                getattr(self, "check_%d" % num, self.check_subscribes)(num)

    def check_subscribes(self, num):
        c, sub = self.wait_active(num)
        topic = self.started[num]["topic"]
        want = {200: topic + "?self=other", 201: topic + "?redirect=complete",
                202: topic + "?redirect=complete"}.get(num, topic)
        self.assertEqual(sub["topic"], want)
        answers = [r["answer"] for r in c["hub_requests"]]
        if num in (203, 204):
            # The hub's 307/308 was followed with the same POST (WS-S-12).
            self.assertEqual(answers, [307 if num == 203 else 308, 202])
            self.assertEqual(c["hub_requests"][0]["params"],
                             c["hub_requests"][1]["params"])
        else:
            # 104: the body's ?error=wrongtag hub was never asked.
            self.assertEqual(answers, [202], c["hub_requests"])
        if num in (201, 202):
            queries = [d["query"] for d in c["discoveries"]]
            self.assertIn("", queries)
            self.assertIn("redirect=complete", queries)

    def check_not_applicable(self, num):
        # Alice read the topic (discovery) and fetched it with her token
        # (TR-10, after finding no hub) -- and in that window asked no hub.
        c = settle(lambda: (lambda c: c if any(d["bearer"] for d in c["discoveries"])
                            else None)(self.case(num)), [self.alice])
        self.assertTrue(c["redeemed"])
        self.assertTrue(any(not d["bearer"] for d in c["discoveries"]), c["discoveries"])
        self.assertEqual(c["hub_requests"], [])

    check_102 = check_103 = check_not_applicable

    def check_205(self, num):
        # The hub's verification names another topic: 404 (WS-S-16).
        c = settle(lambda: (lambda c: c if c["verifications"] else None)(self.case(num)),
                   [self.alice])
        self.assertEqual([v["status"] for v in c["verifications"]], [404])
        self.assertTrue(c["verifications"][0]["topic"].endswith("invalid=true"))
        self.assertEqual([r["answer"] for r in c["hub_requests"]], [200])
        self.assertEqual(c["subscriptions"], {})

    def publish(self, num):
        self.wait_active(num)
        s = self.started[num]
        d = rocks.control("sub/publish", {"num": num, "token": s["token"]})["delivered"]
        self.assertEqual(len(d), 1, d)
        return d[0]

    def check_300(self, num):
        d = self.publish(num)
        self.assertTrue(200 <= d["code"] < 300, d)          # WS-S-22
        self.assertEqual(d["signature"], "sha256")

    def check_301(self, num):
        d = self.publish(num)
        self.assertEqual(d["code"], 403, d)                  # WS-S-23, WS-S-24
        self.assertEqual(d["signature"], "sha256")

    def check_302(self, num):
        d = self.publish(num)
        self.assertEqual(d["code"], 403, d)                  # WS-S-24
        self.assertEqual(d["signature"], "")


def alice_topic(alice, bob):
    """Alice's topic for bob, from her hub's verification GET to bob's
    listener in Apache's access log (as test_hub_timing.py)."""
    pat = re.compile(r'"GET %s/[A-Za-z0-9_-]+\?([^ "]*) HTTP' % re.escape(bob.b("listener")))
    with open(apache.access_log, "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = pat.search(line)
            if m:
                t = urllib.parse.parse_qs(m.group(1)).get("hub.topic", [""])[0]
                if t.startswith(alice.base_url + "/feed/"):
                    return t
    return None


class HubCases(unittest.TestCase):
    """websub.rocks /hub/100-104: the fixture subscribes at alice's hub."""

    @classmethod
    def setUpClass(cls):
        cls.alice, cls.bob = apache["alice"], apache["bob"]
        both = (cls.alice, cls.bob)
        acquaint(cls.alice, cls.bob)
        cls.topic = settle(lambda: alice_topic(cls.alice, cls.bob), both)
        cls.hub = cls.alice.b_url("feed/hub")

    def hub_case(self, token):
        return rocks.control("hub/case", token=token)

    def verified(self, token, n, mode="subscribe"):
        """Wait for the n-th verification; it must be a clean `mode`."""
        c = settle(lambda: (lambda c: c if len(c["verifications"]) >= n else None)(
            self.hub_case(token)), [self.alice])
        v = c["verifications"][n - 1]
        self.assertEqual((v["mode"], v["error"]), (mode, None), c["verifications"])
        if mode == "subscribe":
            self.assertTrue(int(v["lease_seconds"]) > 0)
        return c

    def subscribe(self, token, action="subscribe"):
        r = rocks.control("hub/subscribe", {"token": token, "action": action})
        self.assertEqual(r["status"], 202, r)

    def test_cases(self):
        tokens = {}
        for num in HUB_CASES:
            tokens[num] = rocks.control("hub/start", {
                "num": num, "hub": self.hub, "topic": self.topic})["token"]
            self.subscribe(tokens[num])
        for num in HUB_CASES:
            with self.subTest("hub %d (verification)" % num):
                self.verified(tokens[num], 1)
        # 103: again before expiry; 104: unsubscribe.
        self.subscribe(tokens[103])
        self.subscribe(tokens[104], "unsubscribe")
        with self.subTest("hub 103 (re-subscription verified)"):
            self.verified(tokens[103], 2)
        with self.subTest("hub 104 (unsubscription verified)"):
            self.verified(tokens[104], 2, "unsubscribe")
        # One new post on alice's topic: every delivery is checked.
        run_ok(self.alice, "send", "--to", self.bob.url, "Hello rocks")
        got = settle(lambda: (lambda cs: cs if all(
            cs[n]["notifications"] for n in (100, 101, 102, 103)) else None)(
                {n: self.hub_case(t) for n, t in tokens.items()}),
            [self.alice, self.bob])
        for num in HUB_CASES:
            with self.subTest("hub %d" % num):
                notes = got[num]["notifications"]
                if num == 104:
                    # Delivered to the others in this same window, not here.
                    self.assertEqual(notes, [])
                    continue
                # 103: one subscription per topic+callback, so one delivery.
                self.assertEqual(len(notes), 1, notes)
                self.assertIsNone(notes[0]["error"], notes)
                self.assertEqual(notes[0]["signed"], num == 101)


if __name__ == "__main__":
    sys.exit(unittest.main())
