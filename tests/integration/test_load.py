"""Load: two senders in parallel, IC_LOAD_MESSAGES (default 1,000) each way.

alice and bob send at the same time, each from a loop of `send --to`; every
send regenerates one feed page and pings the built-in hub, every ping makes
the other side's listener fetch.  When the sites have settled, each side
has every message of the other exactly once (MC-4: de-dup by u-uid), and
its own in order.  No timings are asserted: scripts/bench measures speed.
"""

import os
import threading
import unittest

import harness
from chat import conversation, homepage, run_ok, settle, state_with

N = int(os.environ.get("IC_LOAD_MESSAGES", "1000"))
SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage}) for n in ("alice", "bob")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def send_loop(site, peer, tag, n, errors):
    script = ('i=1; while [ $i -le %d ]; do "$P" --to "$U" "%s $i" >/dev/null || exit 1; '
              'i=$((i+1)); done' % (n, tag))
    r = apache.run_as_site_user(
        ["/bin/sh", "-c", script],
        env={"INDIECHAT_CONFIG": site.conf_path, "P": site.program("send"), "U": peer.url},
        timeout=3000)
    if r.returncode != 0:
        errors.append("%s: %s" % (site.name, r.stderr[-500:]))


class Load(unittest.TestCase):
    def test_two_parallel_senders_every_message_stored_exactly_once_mc_4(self):
        alice, bob = apache["alice"], apache["bob"]
        both = (alice, bob)
        run_ok(alice, "ticket", "--invite", bob.url)
        settle(lambda: state_with(bob, alice) == "request", both)
        run_ok(bob, "ticket", "--accept", alice.url)
        settle(lambda: state_with(alice, bob) == "active", both)
        errors = []
        threads = [threading.Thread(target=send_loop, args=(alice, bob, "from-alice", N, errors)),
                   threading.Thread(target=send_loop, args=(bob, alice, "from-bob", N, errors))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

        def received(site, peer, tag):
            msgs = conversation(site, peer)["messages"]
            return [m["text"] for m in msgs if m["text"].startswith(tag)]

        settle(lambda: len(received(bob, alice, "from-alice")) >= N, both, timeout=300)
        settle(lambda: len(received(alice, bob, "from-bob")) >= N, both, timeout=300)
        for site, peer, mine, theirs in ((alice, bob, "from-alice", "from-bob"),
                                         (bob, alice, "from-bob", "from-alice")):
            msgs = conversation(site, peer)["messages"]
            got = [m["text"] for m in msgs if m["text"].startswith(theirs)]
            self.assertEqual(len(got), N, site.name)
            self.assertEqual(sorted(got), sorted("%s %d" % (theirs, i) for i in range(1, N + 1)))
            self.assertEqual(len({m["uid"] for m in msgs}), len(msgs))
            own = [m["text"] for m in msgs if m["text"].startswith(mine)]
            self.assertEqual(own, ["%s %d" % (mine, i) for i in range(1, N + 1)])
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
