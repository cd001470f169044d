"""Edits between two real sites (issue 15).

alice and bob converse (chat.converse()); alice edits her first message
with `send --to URL --edit UID TEXT`: the uid stays, her feed entry gains
dt-updated, bob's site replaces the text and says "edited", and the
message's delivery state stays.  A uid that is bob's, or no message of
the conversation, is refused and changes nothing.  With the hub down
(test_lost_notifications.py's fixture) alice edits again, twice: bob's
catch-up keeps the newest text, once.  (A peer's entry that edits one of
our uids is ignored: the receiver checks the stored message is theirs;
no test here forges a page yet.)  Last, a foreign mf2 reader sees dt-updated and
the new text, and nothing of "Edited" in the content.
"""

import glob
import json
import os
import time
import unittest
import urllib.request

import harness
from chat import conversation, converse, homepage, run_ok, settle
from test_external_hub import hub_fixture, hub_pair, stop_hub_pair
from test_replies import entries, foreign_parse, node_modules, content_value

apache = None
hub = None
hub_url = None
NEW = "Hello Bob (edited)"
NEWER = "Hello Bob, take three"


def setUpModule():
    global apache, hub, hub_url
    apache, hub, hub_url = hub_pair()


def tearDownModule():
    stop_hub_pair(apache, hub)


def hub_control(name):
    return hub_fixture(hub_url, name)


def by_uid(site, peer):
    return {m["uid"]: m for m in conversation(site, peer)["messages"]}


def feed_pages(site, needle):
    return [p for p in glob.glob(os.path.join(site.data_dir, "feeds", "*", "page-*.html"))
            if needle in open(p, encoding="utf-8").read()]


class Edits(unittest.TestCase):
    """In name order: test_1 sets the conversation up."""

    uid = None

    def test_1_an_edit_replaces_the_text_and_keeps_the_uid(self):
        alice, bob = apache["alice"], apache["bob"]
        converse(self, alice, bob)
        msgs = conversation(alice, bob)["messages"]
        hello = [m for m in msgs if m["text"] == "Hello Bob"][0]
        Edits.uid = hello["uid"]
        state = hello.get("state")
        time.sleep(1.05)
        out = run_ok(alice, "send", "--to", bob.url, "--edit", hello["uid"], NEW)
        self.assertIn(b"edited ", out)
        mine = by_uid(alice, bob)[hello["uid"]]
        self.assertEqual(mine["text"], NEW)
        self.assertTrue(mine["edited"])
        self.assertEqual(mine.get("state"), state)
        settle(lambda: by_uid(bob, alice)[hello["uid"]]["text"] == NEW, (alice, bob))
        got = by_uid(bob, alice)[hello["uid"]]
        self.assertTrue(got["edited"])
        self.assertEqual(len(conversation(bob, alice)["messages"]), 3)  # no new message
        self.assertEqual(apache.log_problems(), [])

    def test_2_only_our_own_messages_can_be_edited(self):
        alice, bob = apache["alice"], apache["bob"]
        if Edits.uid is None:
            self.skipTest("needs test_1's conversation")
        theirs = [m for m in conversation(alice, bob)["messages"] if m["direction"] == "in"][0]
        before = conversation(alice, bob)
        for uid, text, why in ((theirs["uid"], "mine now", "only your own"),
                               ("https://nowhere.example/m1", "x", "no message"),
                               (Edits.uid, "   ", "empty")):
            with self.subTest(why=why):
                r = alice.run("send", "--to", bob.url, "--edit", uid, text)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(why, (r.stdout + r.stderr).decode(errors="replace"))
        self.assertEqual(conversation(alice, bob), before)

    def test_3_lost_pings_catch_up_keeps_the_newest_edit(self):
        alice, bob = apache["alice"], apache["bob"]
        if Edits.uid is None:
            self.skipTest("needs test_1's conversation")
        hub_control("down")
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "--edit", Edits.uid, "Hello Bob, take two")
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "--edit", Edits.uid, NEWER)
        run_ok(alice, "send", "--to", bob.url, "After the edits")
        time.sleep(0.5)
        self.assertEqual(by_uid(bob, alice)[Edits.uid]["text"], NEW)
        hub_control("up")
        settle(lambda: "After the edits" in [m["text"] for m in conversation(bob, alice)["messages"]]
               and by_uid(bob, alice)[Edits.uid]["text"] == NEWER, (alice, bob), timeout=60)
        texts = [m["text"] for m in conversation(bob, alice)["messages"]]
        self.assertEqual(texts.count(NEWER), 1)
        self.assertEqual(apache.log_problems(), [])

    def test_5_a_foreign_reader_sees_dt_updated(self):
        alice = apache["alice"]
        if Edits.uid is None:
            self.skipTest("needs test_1's conversation")
        pages = feed_pages(alice, NEWER)
        self.assertEqual(len(pages), 1, pages)
        if not os.path.isdir(os.path.join(node_modules(), "microformats-parser")):
            self.fail("npm microformats-parser missing: npm ci --prefix tests/js")
        doc = foreign_parse(pages[0], alice.url)
        e = [x for x in entries(doc) if x["properties"].get("uid") == [Edits.uid]]
        self.assertEqual(len(e), 1)
        self.assertEqual(content_value(e[0]).strip(), NEWER)
        self.assertIn("updated", e[0]["properties"])


if __name__ == "__main__":
    unittest.main()
