"""A message travels in one delivery between two IndieChat sites
(issue 13: fewer processes and round trips on the message path).

The receiver subscribes at the sender's own hub with the token it holds
for the sender's feed.  The hub checks the token as `feed` would (TE-10)
and sends that subscriber the newest private page, signed with the
subscriber's secret (WS-S-23), in place of the public stub: the receiver
stores the message from the delivery and fetches nothing.  Anyone else's
subscription, and one with a bad token, still gets the stub (WS-P-7), and
a third-party hub never sees the token.  The sender's message shows
"fetched" once the delivery was acknowledged, as when the feed is read.
"""

import hashlib
import hmac
import json
import time
import unittest
import urllib.parse

import harness
import hub_callbacks
from hub_callbacks import Callbacks
from chat import acquaint, conversation, homepage, run_ok, settle
from web import Owner, set_passphrase

SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage})
         for n in ("alice", "bob")]
apache = None
PASS = "correct horse battery staple"


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()
    set_passphrase(apache["bob"], PASS)


def tearDownModule():
    apache.stop()


def log_size():
    with open(apache.access_log, "rb") as f:
        return len(f.read())


def log_since(pos):
    with open(apache.access_log, "rb") as f:
        return f.read()[pos:].decode("utf-8", "replace").splitlines()


def wait(cond, timeout=20):
    """Wait for cond() without running maintenance (a poll would fetch)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("condition not reached in %ds" % timeout)


def texts(site, peer):
    return [m["text"] for m in conversation(site, peer)["messages"]]


class PrivateDelivery(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.alice, cls.bob = apache["alice"], apache["bob"]
        both = (cls.alice, cls.bob)
        acquaint(cls.alice, cls.bob)
        # Both subscriptions verified before we look.
        run_ok(cls.alice, "send", "--to", cls.bob.url, "warm-up")
        settle(lambda: "warm-up" in texts(cls.bob, cls.alice), both)
        cls.server = hub_callbacks.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()

    def test_1_the_message_comes_in_the_delivery_and_nothing_is_fetched(self):
        alice, bob = self.alice, self.bob
        pos = log_size()
        run_ok(bob, "send", "--to", alice.url, "In one delivery")
        wait(lambda: "In one delivery" in texts(alice, bob))
        lines = log_since(pos)
        delivered = [l for l in lines if '"POST %s/' % alice.b("listener") in l]
        fetched = [l for l in lines if '"GET %s/' % bob.b("feed") in l]
        self.assertTrue(delivered, lines)
        self.assertEqual(fetched, [], "alice fetched bob's feed: %r" % fetched)
        # Issue 6's states: the acknowledged delivery counts as fetched,
        # with no fetch of bob's feed at all.
        owner = Owner(bob)
        self.assertEqual(owner.sign_in(PASS).status, 303)

        def state():
            inbox = json.loads(owner.get(bob.b("feed/api/inbox")).body)
            conv = [c["id"] for c in inbox["conversations"]
                    if c["peer"] == alice.url][0]
            msgs = json.loads(owner.get(bob.b("feed/api/with/" + conv)).body)
            return [m["state"] for m in msgs["messages"]
                    if m["text"] == "In one delivery"]
        self.assertEqual(wait(state_fetched(state)), ["fetched"])
        # Once only, in order, on both sides.
        self.assertEqual(texts(alice, bob).count("In one delivery"), 1)

    def topic_of_bob(self):
        """Bob's topic for alice: his feed's URL in alice's inbox JSON is
        not exposed, so read it from the verification in the log."""
        with open(apache.access_log, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                if '"GET %s/' % alice_listener(self.alice) not in line:
                    continue
                q = urllib.parse.parse_qs(line.split("?", 1)[1].split(" ")[0])
                t = q.get("hub.topic", [""])[0]
                if t.startswith(self.bob.base_url + "/feed/"):
                    return t
        return None

    def subscribe(self, topic, path, secret, token=None):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        body = urllib.parse.urlencode({
            "hub.mode": "subscribe", "hub.topic": topic, "hub.secret": secret,
            "hub.callback": hub_callbacks.url(self.server, path)})
        r = self.bob.request("POST", self.bob.b("feed/hub"), body=body,
                             headers=headers)
        self.assertEqual(r.status, 202, r.body[:300])

    def test_2_anyone_else_and_a_bad_token_get_the_stub(self):
        alice, bob = self.alice, self.bob
        topic = self.topic_of_bob()
        self.assertIsNotNone(topic)
        secret = "another-subscriber-secret"
        self.subscribe(topic, "/anyone", secret)
        self.subscribe(topic, "/bad-token", secret, token="not-a-token-of-bob")
        time.sleep(1.0)  # both verified by bob's maintenance
        settle(lambda: True, (bob,))
        run_ok(bob, "send", "--to", alice.url, "Not for strangers")
        wait(lambda: "Not for strangers" in texts(alice, bob))
        got = wait(lambda: (lambda p: p if len(p.get("/anyone", [])) and
                            len(p.get("/bad-token", [])) else None)(
            dict(Callbacks.posts)))
        stub = bob.request("GET", topic).body
        for path in ("/anyone", "/bad-token"):
            headers, body = got[path][-1]
            sig = headers.get("X-Hub-Signature")
            self.assertNotIn(b"Not for strangers", body)
            self.assertEqual(body, stub, path)
            self.assertEqual(sig, "sha256=" + hmac.new(
                secret.encode(), body, hashlib.sha256).hexdigest())


def state_fetched(state):
    return lambda: (lambda s: s if s == ["fetched"] else None)(state())


def alice_listener(alice):
    return alice.b("listener")


if __name__ == "__main__":
    unittest.main()
