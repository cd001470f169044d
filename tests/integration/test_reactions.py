"""Reactions (reacji) between two real sites (issue 15).

alice and bob converse (chat.converse()); bob reacts to alice's first
message with `send --react UID EMOJI`: his site keeps it as his reaction on
that message, alice's site keeps it as bob's reaction on the same message,
with no new message, no unread count and nothing received.  A newer
reaction replaces the older; input that is not one emoji, or a uid that is
no message of the conversation, is refused and changes nothing.  With the
hub down (test_lost_notifications.py's fixture) bob changes his reaction
and sends more than a page after it: alice's catch-up (rel="prev") keeps
the newest one.  From the web, alice's owner session reacts with a POST to
the send route (`react` + `reply_to`, CSRF) and the conversation page shows
both reactions with a picker.  bob's feed page read by another parser is
the reacji convention: an h-entry with the emoji as content and an
in-reply-to.  Last, `send --unreact` makes the reaction's entry a
tombstone and alice's site drops the reaction.
"""

import glob
import json
import os
import time
import unittest
import urllib.request

import harness
from chat import conversation, converse, homepage, inbox, run_ok, settle
from test_external_hub import hub_fixture, hub_pair, stop_hub_pair
from test_replies import entries, foreign_parse, node_modules, content_value
from web import Owner, set_passphrase

apache = None
hub = None
hub_url = None
PASS = "a demo passphrase"
UP = "\U0001F44D"
HEART = "\u2764\ufe0f"
JOY = "\U0001F602"
WOW = "\U0001F62E"


def setUpModule():
    global apache, hub, hub_url
    apache, hub, hub_url = hub_pair(lambda a: set_passphrase(a["alice"], PASS))


def tearDownModule():
    stop_hub_pair(apache, hub)


def hub_control(name):
    return hub_fixture(hub_url, name)


def by_text(site, peer):
    return {m["text"]: m for m in conversation(site, peer)["messages"]}


def conv_of(site, peer):
    data = inbox(site)
    convs = data["conversations"] if isinstance(data, dict) else data
    return [c for c in convs if c["peer"] == peer.url][0]


class Reactions(unittest.TestCase):
    """In name order: test_1 sets the conversation up."""

    def test_1_a_reaction_lands_on_its_target(self):
        alice, bob = apache["alice"], apache["bob"]
        converse(self, alice, bob)
        hello = by_text(bob, alice)["Hello Bob"]
        before = conv_of(alice, bob)
        time.sleep(1.05)
        out = run_ok(bob, "send", "--to", alice.url, "--react", hello["uid"], UP)
        self.assertIn(b"reacted ", out)
        self.assertEqual(by_text(bob, alice)["Hello Bob"]["my_reaction"], UP)
        settle(lambda: by_text(alice, bob)["Hello Bob"].get("their_reaction") == UP,
               (alice, bob))
        # No message, nothing unread, nothing received on alice's side.
        self.assertNotIn(UP, by_text(alice, bob))
        after = conv_of(alice, bob)
        self.assertEqual(after["received"], before["received"])
        self.assertEqual(after["unread"], before["unread"])
        # A newer one replaces it.
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "--react", hello["uid"], HEART)
        self.assertEqual(by_text(bob, alice)["Hello Bob"]["my_reaction"], HEART)
        settle(lambda: by_text(alice, bob)["Hello Bob"].get("their_reaction") == HEART,
               (alice, bob))
        self.assertEqual(conv_of(alice, bob)["received"], before["received"])
        self.assertEqual(apache.log_problems(), [])

    def test_2_bad_reactions_are_refused_and_change_nothing(self):
        alice, bob = apache["alice"], apache["bob"]
        hello = by_text(bob, alice).get("Hello Bob")
        if hello is None:
            self.skipTest("needs test_1's conversation")
        sent = conv_of(bob, alice)["sent"]
        for args, why in ((["--react", hello["uid"], "ok"], "one emoji"),
                          (["--react", hello["uid"], UP + UP], "one emoji"),
                          (["--react", hello["uid"], UP + " "], "one emoji"),
                          (["--react", hello["uid"], "x" * 5000], "one emoji"),
                          (["--react", "https://nowhere.example/m1", UP], "no message"),
                          (["--react", hello["uid"]], "--react needs")):
            with self.subTest(args=args[-1][:10]):
                r = bob.run("send", "--to", alice.url, *args)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(why, (r.stdout + r.stderr).decode(errors="replace"))
        self.assertEqual(conv_of(bob, alice)["sent"], sent)
        self.assertEqual(by_text(bob, alice)["Hello Bob"]["my_reaction"], HEART)

    def test_3_lost_pings_catch_up_keeps_the_newest_reaction(self):
        alice, bob = apache["alice"], apache["bob"]
        if "Hello Bob" not in by_text(bob, alice):
            self.skipTest("needs test_1's conversation")
        hi = by_text(bob, alice)["Hi Alice, got it"]
        received = conv_of(alice, bob)["received"]
        hub_control("down")
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "--react", hi["uid"], WOW)
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "--react", hi["uid"], JOY)
        # More than a page (10) after them: alice reaches them only
        # through rel="prev".
        for i in range(11):
            run_ok(bob, "send", "--to", alice.url, "Filler %02d" % i)
        time.sleep(0.5)
        self.assertNotIn("their_reaction", by_text(alice, bob)["Hi Alice, got it"])
        hub_control("up")
        settle(lambda: "Filler 10" in by_text(alice, bob) and
               by_text(alice, bob)["Hi Alice, got it"].get("their_reaction") == JOY,
               (alice, bob), timeout=60)
        got = by_text(alice, bob)
        self.assertNotIn(JOY, got)
        self.assertNotIn(WOW, got)
        self.assertEqual(conv_of(alice, bob)["received"], received + 11)
        self.assertEqual(apache.log_problems(), [])

    def test_4_the_web_reacts_with_a_post_and_shows_reactions(self):
        alice, bob = apache["alice"], apache["bob"]
        if "Hello Bob" not in by_text(alice, bob):
            self.skipTest("needs test_1's conversation")
        hello = by_text(alice, bob)["Hello Bob"]
        conv = conv_of(alice, bob)["id"]
        page = alice.b("feed/with/" + conv)
        o = Owner(alice)
        self.assertEqual(o.sign_in(PASS).status, 303)
        sent = conv_of(alice, bob)["sent"]
        # Without CSRF, or not one emoji: refused, nothing sent.
        r = o.post(alice.b("send"), {"to": bob.url, "reply_to": hello["uid"],
                                     "react": UP}, csrf=False)
        self.assertGreaterEqual(r.status, 400)
        r = o.post(alice.b("send"), {"to": bob.url, "reply_to": hello["uid"],
                                     "react": "no", "next": page})
        self.assertEqual(r.status, 400, r.body[:300])
        self.assertIn(b"one emoji", r.body)
        self.assertEqual(conv_of(alice, bob)["sent"], sent)
        # A GET changes nothing.
        self.assertIn(o.get(alice.b("send") + "?react=x").status, (404, 405))
        r = o.post(alice.b("send"), {"to": bob.url, "reply_to": hello["uid"],
                                     "react": JOY, "next": page})
        self.assertEqual(r.status, 303, r.body[:300])
        self.assertEqual(by_text(alice, bob)["Hello Bob"]["my_reaction"], JOY)
        settle(lambda: by_text(bob, alice)["Hello Bob"].get("their_reaction") == JOY,
               (alice, bob))
        html = o.get(page).body.decode()
        # Both reactions under the message, and a picker on each one.
        self.assertIn('<ul class="reactions"><li class="reaction mine" title="You">', html)
        self.assertIn('%s from You' % JOY, html)
        self.assertIn('%s from bob.localhost' % HEART, html)
        self.assertIn('<details class="react">', html)
        self.assertIn('name="react" value="%s"' % UP, html)
        # The sent reaction is no message of the page.
        self.assertNotIn('<p class="text">%s</p>' % JOY, html)
        api = json.loads(o.get(alice.b("feed/api/with/" + conv)).body)
        got = {m["text"]: m for m in api["messages"]}
        self.assertEqual(got["Hello Bob"]["my_reaction"], JOY)
        self.assertEqual(got["Hello Bob"]["their_reaction"], HEART)
        self.assertNotIn(JOY, got)
        self.assertEqual(apache.log_problems(), [])

    def test_5_a_foreign_reader_sees_a_reacji(self):
        alice, bob = apache["alice"], apache["bob"]
        hello = by_text(bob, alice).get("Hello Bob")
        if hello is None or "my_reaction" not in hello:
            self.skipTest("needs test_1's conversation")
        pages = [p for p in glob.glob(os.path.join(bob.data_dir, "feeds", "*", "page-*.html"))
                 if HEART in open(p, encoding="utf-8").read()]
        self.assertEqual(len(pages), 1, pages)
        if not os.path.isdir(os.path.join(node_modules(), "microformats-parser")):
            self.fail("npm microformats-parser missing: npm ci --prefix tests/js")
        doc = foreign_parse(pages[0], bob.url)
        react = [e for e in entries(doc) if content_value(e).strip() == HEART]
        self.assertEqual(len(react), 1)
        self.assertEqual(react[0]["properties"]["in-reply-to"], [hello["uid"]])

    def test_6_a_reaction_is_removed_by_its_tombstone(self):
        alice, bob = apache["alice"], apache["bob"]
        second = by_text(bob, alice).get("Second one")
        if second is None:
            self.skipTest("needs test_1's conversation")
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "--react", second["uid"], WOW)
        settle(lambda: by_text(alice, bob)["Second one"].get("their_reaction") == WOW,
               (alice, bob))
        mine = [m for m in conversation(bob, alice)["messages"] if m["text"] == WOW]
        # A reaction's entry is no message to edit or delete.
        for args in (["--edit", mine[-1]["uid"], "text"], ["--delete", mine[-1]["uid"]]):
            r = bob.run("send", "--to", alice.url, *args)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("is a reaction", (r.stdout + r.stderr).decode(errors="replace"))
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "--unreact", second["uid"])
        self.assertNotIn("my_reaction", by_text(bob, alice)["Second one"])
        settle(lambda: "their_reaction" not in by_text(alice, bob)["Second one"],
               (alice, bob))
        # Nothing left to remove; the other reactions stay; no empty
        # message came.
        r = bob.run("send", "--to", alice.url, "--unreact", second["uid"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no reaction", (r.stdout + r.stderr).decode(errors="replace"))
        self.assertEqual(by_text(alice, bob)["Hello Bob"]["their_reaction"], HEART)
        self.assertNotIn("", by_text(alice, bob))
        self.assertEqual(apache.log_problems(), [])

if __name__ == "__main__":
    unittest.main()
