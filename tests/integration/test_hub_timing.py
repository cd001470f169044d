"""The built-in hub verifies every request without waiting for luck
(issue 11; WebSub §5.3, WS-H-*).

A subscription request is answered 202 and its verification of intent is a
due job that lazy maintenance runs.  Maintenance used to start only when
the earliest due time was later than the last claim, both in whole
seconds: a request arriving in the same second as the end of the previous
run was never verified until another request came a minute later (on a
quiet site, never).  Here, through the real Apache, pairs of subscription
requests are sent within one second, at several spacings, and nothing else
is asked of the site (no cron, no `listener --maintain` by hand): every
request must be verified at its callback within DEADLINE.

The callbacks are a local HTTP server that echoes hub.challenge.
"""

import hashlib
import hmac
import re
import threading
import time
import unittest
import urllib.parse

import harness
from hub_callbacks import Callbacks
import hub_callbacks
from chat import homepage, run_ok, settle, state_with

SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage})
         for n in ("alice", "bob")]
DEADLINE = 15.0  # seconds per pair; the only timing bound here
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def alice_topic(alice, bob):
    """The topic of alice's feed for bob, from her hub's verification GET
    to bob's listener in Apache's access log."""
    pat = re.compile(r'"GET %s/[A-Za-z0-9_-]+\?([^ "]*) HTTP' % re.escape(bob.b("listener")))
    with open(apache.access_log, "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = pat.search(line)
            if m:
                q = urllib.parse.parse_qs(m.group(1))
                t = q.get("hub.topic", [""])[0]
                if t.startswith(alice.base_url + "/feed/"):
                    return t
    return None


class HubTiming(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.alice, cls.bob = apache["alice"], apache["bob"]
        run_ok(cls.alice, "ticket", "--invite", cls.bob.url)
        both = (cls.alice, cls.bob)
        settle(lambda: state_with(cls.bob, cls.alice) == "request", both)
        cls.topic = settle(lambda: alice_topic(cls.alice, cls.bob), both)
        cls.server = hub_callbacks.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()

    def subscribe(self, path, mode="subscribe", secret=None):
        form = {
            "hub.mode": mode,
            "hub.topic": self.topic,
            "hub.callback": hub_callbacks.url(self.server, path),
        }
        if secret:
            form["hub.secret"] = secret
        body = urllib.parse.urlencode(form)
        r = self.alice.request("POST", self.alice.b("feed/hub"), body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 202, r.body[:300])

    def wait_verified(self, paths, mode):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            with Callbacks.lock:
                if all(mode in Callbacks.seen.get(p, []) for p in paths):
                    return
            time.sleep(0.05)
        with Callbacks.lock:
            got = {p: Callbacks.seen.get(p) for p in paths}
        self.fail("not every %s request was verified within %g s, with no "
                  "later request to the site: %r" % (mode, DEADLINE, got))

    def test_two_requests_within_one_second_are_both_verified(self):
        # The spacings straddle the time one maintenance run takes, so
        # that the second request lands in the second its run ended.
        for i, gap in enumerate((0.0, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8)):
            with self.subTest(gap=gap):
                a, b = "/cb/%d/a" % i, "/cb/%d/b" % i
                self.subscribe(a)
                time.sleep(gap)
                self.subscribe(b)
                self.wait_verified([a, b], "subscribe")

    def test_unsubscribe_right_after_subscribe_is_verified(self):
        path = "/cb/unsub"
        self.subscribe(path)
        self.subscribe(path, "unsubscribe")
        self.wait_verified([path], "unsubscribe")

    def wait_posts(self, path, n):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            with Callbacks.lock:
                got = list(Callbacks.posts.get(path, []))
            if len(got) >= n:
                return got
            time.sleep(0.05)
        self.fail("%d deliveries to %s expected within %g s, got %d"
                  % (n, path, DEADLINE, len(got)))

    def held_subscribe(self, path, secret, publish):
        """Subscribe, and run publish() while the hub's verification GET
        waits at the callback; then let the callback answer."""
        with Callbacks.lock:
            Callbacks.seen[path] = []
            Callbacks.hold[path] = release = threading.Event()
        self.subscribe(path, secret=secret)
        settle(lambda: Callbacks.seen.get(path), (self.alice,))
        publish()
        release.set()
        self.wait_verified([path], "subscribe")

    def test_a_publish_while_a_subscription_waits_reaches_it(self):
        # Fan-out goes to active subscribers only, and a subscriber's own
        # first fetch may come before a publish: a message sent while the
        # subscription waited for its verification would wait for the next
        # poll (the Flood test of test_rate_limits met it under load).  The
        # hub sends the topic as it is now once such a subscription is
        # active: the full contents of the topic, signed (WebSub §7,
        # WS-S-23), Link hub and self (WS-P-1).
        alice, bob = self.alice, self.bob
        run_ok(bob, "ticket", "--accept", alice.url)
        settle(lambda: state_with(alice, bob) == "active", (alice, bob))
        path, secret = "/cb/current", "s3cret-for-the-current-topic"
        self.held_subscribe(path, secret, lambda: run_ok(
            alice, "send", "--to", bob.url, "While you waited"))
        (headers, body), = self.wait_posts(path, 1)
        stub = alice.request("GET", self.topic)
        self.assertEqual(stub.status, 200)
        self.assertEqual(body, stub.body)
        want = "sha256=" + hmac.new(secret.encode(), body,
                                    hashlib.sha256).hexdigest()
        self.assertEqual(headers.get("X-Hub-Signature"), want)
        self.assertIn('<%s>; rel="self"' % self.topic, headers.get("Link", ""))
        self.assertIn('rel="hub"', headers.get("Link", ""))
        self.assertNotIn(b"While you waited", body)  # the public stub
        # A renewal of an active subscription: the publish reached it the
        # usual way, once; nothing is sent again on its verification.
        self.held_subscribe(path, secret, lambda: run_ok(
            alice, "send", "--to", bob.url, "Once only"))
        self.wait_posts(path, 2)
        time.sleep(1.0)
        with Callbacks.lock:
            self.assertEqual(len(Callbacks.posts.get(path, [])), 2)
        # No publish while pending: nothing but the verification.
        quiet = "/cb/quiet"
        self.held_subscribe(quiet, secret, lambda: None)
        time.sleep(1.0)
        with Callbacks.lock:
            self.assertEqual(Callbacks.posts.get(quiet, []), [])


if __name__ == "__main__":
    unittest.main()
