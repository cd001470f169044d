"""The conversation end to end, between two sites under the real Apache.

The seed's whole flow (DESIGN.md "Handshake", "Sending", "Receiving"):
alice invites bob (TS-1..TS-3) -> bob's ticket endpoint redeems at alice's
token endpoint (TR-5, TR-6, TE-1..TE-4), files a message request (TR-9),
subscribes at alice's built-in hub (WS-S-8..WS-S-17) and fetches once
(TR-10) -> bob accepts and sends his ticket back -> alice, who invited him,
accepts at once -> messages both ways, in order, each stored once (MC-4).

The owner's actions go through the programs' terminal faces (ticket
--invite/--accept, send --to, feed --inbox/--conversation); everything
between the sites is real HTTP through Apache.  Lazy maintenance does the
work after responses; `settle()` also runs `listener --maintain` (the
optional cron line) so a test never waits on a claim window.
"""

import os
import unittest

import harness
from chat import converse, homepage, run_ok


SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage}) for n in ("alice", "bob", "carol", "dave")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


class ConversationFlow(unittest.TestCase):
    """One conversation, in the order a person would live it."""

    def test_invite_accept_and_messages_both_ways_in_order(self):
        converse(self, apache["alice"], apache["bob"])
        self.assertEqual(apache.log_problems(), [])

    def test_feed_without_token_is_the_stub_and_bad_token_401_ws_p_7_rs_2(self):
        # Sites of their own: carol's only topic is her feed for dave.
        alice, bob = apache["carol"], apache["dave"]
        run_ok(alice, "ticket", "--invite", bob.url)
        run_ok(alice, "send", "--to", bob.url, "secret words")
        # The topic id is random and says nothing of bob: take it from
        # alice's feeds directory, as only the site itself can.
        feeds = os.path.join(alice.data_dir, "feeds")
        topics = [t for t in os.listdir(feeds) if not t.startswith(".")]
        self.assertTrue(topics)
        topic = topics[0]
        path = alice.b("feed/%s" % topic)
        anon = alice.get(path)
        self.assertEqual(anon.status, 200)
        self.assertNotIn(b"secret words", anon.body)  # WS-P-7
        links = ", ".join(anon.header_all("Link"))
        self.assertIn('rel="hub"', links)
        self.assertEqual(links.count('rel="self"'), 1)  # WS-P-2
        self.assertIn('rel="token_endpoint"', links)  # TE-8
        bad = alice.get(path, headers={"Authorization": "Bearer not-a-real-token"})
        self.assertEqual(bad.status, 401)
        self.assertIn('error="invalid_token"', bad.header("WWW-Authenticate") or "")
        self.assertIn('rel="token_endpoint"', ", ".join(bad.header_all("Link")))  # RS-5
        self.assertNotIn(b"secret words", bad.body)


if __name__ == "__main__":
    unittest.main()
