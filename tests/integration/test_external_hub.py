"""A conversation through an external, Switchboard-like hub (`hub = URL`).

Both sites name tests/fixtures/switchboard_hub.py as their hub.  The hub
plays Switchboard's part (PEERS.md §2.1): it HEAD-checks the topic, fetches
it anonymously, notifies only when the body's hash changed, and fat-pings
that body signed with sha256.  So: subscriptions at it (WS-S-8..WS-S-17),
publish pings from `send` (WS-P-5), deliveries the listener checks
(WS-S-23) -- and since it only ever sees the public stub, no message text
reaches the hub (WS-P-7).
"""

import json
import os
import re
import select
import subprocess
import sys
import unittest
import urllib.request

import harness
from chat import converse, homepage

HERE = os.path.dirname(os.path.abspath(__file__))
HUB_SCRIPT = os.path.join(HERE, "..", "fixtures", "switchboard_hub.py")
hub = None
hub_url = None
apache = None


def start_hub():
    proc = subprocess.Popen(
        ["/usr/bin/python3", "-B", HUB_SCRIPT, "--port", "0", "--name", "hub",
         "--retry-delays", "0.5,1,2"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    line = proc.stdout.readline().decode() if ready else ""
    m = re.fullmatch(r"PORT (\d+)\n", line)
    if not m:
        proc.kill()
        raise RuntimeError("hub fixture did not start: %r" % line)
    return proc, "http://hub.localhost:%s/" % m.group(1)


def hub_pair(then=None):
    """The hub fixture and alice and bob using it, pages of 10 (the
    smallest allowed, so a few messages make older pages); `then(apache)`
    finishes the set-up.  Returns (apache, hub, hub_url); a failure stops
    the hub again."""
    proc, url = start_hub()
    sites = [harness.SiteSpec(n, conf={"hub": url, "feed_page_size": "10"},
                              files={"htdocs/index.html": homepage})
             for n in ("alice", "bob")]
    try:
        a = harness.Apache(sites=sites)
        a.start()
        if then:
            then(a)
    except BaseException:
        proc.stdin.close()
        proc.terminate()
        raise
    return a, proc, url


def stop_hub_pair(a, proc):
    a.stop()
    proc.stdin.close()
    proc.terminate()
    proc.wait(5)


def hub_fixture(url, name, method="POST"):
    """The fixture's control route `name` (e.g. "drop", "deliver")."""
    req = urllib.request.Request(
        url.replace("hub.localhost", "127.0.0.1") + "_fixture/" + name,
        data=b"" if method == "POST" else None, method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def hub_state():
    with urllib.request.urlopen(hub_url.replace("hub.localhost", "127.0.0.1")
                                + "_fixture/state", timeout=10) as r:
        return json.loads(r.read())


def setUpModule():
    global apache, hub, hub_url
    hub, hub_url = start_hub()
    sites = [harness.SiteSpec(n, conf={"hub": hub_url}, files={"htdocs/index.html": homepage})
             for n in ("alice", "bob")]
    apache = harness.Apache(sites=sites)
    apache.start()


def tearDownModule():
    apache.stop()
    hub.stdin.close()
    hub.terminate()
    hub.wait(5)


class ExternalHub(unittest.TestCase):
    def test_conversation_through_switchboard_like_hub_ws_p_5_ws_p_7(self):
        converse(self, apache["alice"], apache["bob"])
        st = hub_state()
        active = [s for s in st["subscriptions"] if s.get("active")]
        # One active subscription per side, each with a secret (WS-S-10).
        self.assertGreaterEqual(len(active), 2, st["subscriptions"])
        self.assertTrue(all(s.get("secret") for s in active))
        self.assertTrue(any(s.get("deliveries") for s in active))
        # WS-P-7: the hub only ever saw stubs.
        for url, topic in st["topics"].items():
            body = topic.get("body") or ""
            for text in ("Hello Bob", "Hi Alice", "Second one"):
                self.assertNotIn(text, body, url)
        # Issue 13: our token goes only to the feed's own hub, never here.
        self.assertEqual(st["authorization_seen"], 0)
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    sys.exit(unittest.main())
