"""Deletes between two real sites (issue 15).

alice and bob converse (chat.converse()); alice deletes her last message
with `send --to URL --delete UID`: her feed keeps the entry as a tombstone
(its u-uid, no e-content, dt-deleted), and bob's site drops its text and
shows "Message deleted".  bob cannot delete alice's message from his side
(only his own), nor can a uid that is no message of the conversation be
deleted; a deleted message cannot be edited.  With the hub down
(test_lost_notifications.py's fixture) alice deletes her first message and
sends more than a page after it: bob's catch-up (rel="prev") drops it too.
A foreign mf2 reader sees the tombstone's uid and deleted property, and no
content.  (A peer's tombstone for one of *our* uids is ignored and logged:
tests/unit/feed/test_react.c, which forges such a page.)
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
from test_replies import entries, foreign_parse, node_modules

apache = None
hub = None
hub_url = None


def setUpModule():
    global apache, hub, hub_url
    apache, hub, hub_url = hub_pair()


def tearDownModule():
    stop_hub_pair(apache, hub)


def hub_control(name):
    return hub_fixture(hub_url, name)


def by_uid(site, peer):
    return {m["uid"]: m for m in conversation(site, peer)["messages"]}


class Deletes(unittest.TestCase):
    """In name order: test_1 sets the conversation up."""

    uids = {}

    def test_1_a_delete_leaves_a_tombstone_everywhere(self):
        alice, bob = apache["alice"], apache["bob"]
        converse(self, alice, bob)
        for m in conversation(alice, bob)["messages"]:
            Deletes.uids[m["text"]] = m["uid"]
        uid = Deletes.uids["Second one"]
        time.sleep(1.05)
        out = run_ok(alice, "send", "--to", bob.url, "--delete", uid)
        self.assertIn(b"deleted ", out)
        mine = by_uid(alice, bob)[uid]
        self.assertTrue(mine["deleted"])
        self.assertEqual(mine["text"], "")
        settle(lambda: by_uid(bob, alice)[uid].get("deleted"), (alice, bob))
        got = by_uid(bob, alice)[uid]
        self.assertEqual(got["text"], "")
        self.assertEqual(len(conversation(bob, alice)["messages"]), 3)  # still in its place
        # Gone from search too.
        self.assertNotIn(b"Second one", run_ok(bob, "feed", "--search", "Second", "--json"))
        self.assertEqual(apache.log_problems(), [])

    def test_2_only_our_own_messages_and_only_once(self):
        alice, bob = apache["alice"], apache["bob"]
        if not Deletes.uids:
            self.skipTest("needs test_1's conversation")
        before_bob = conversation(bob, alice)
        before_alice = conversation(alice, bob)
        for site, peer, args, why in (
                (bob, alice, ["--delete", Deletes.uids["Hello Bob"]], "only your own"),
                (alice, bob, ["--delete", "https://nowhere.example/m1"], "no message"),
                (alice, bob, ["--delete", Deletes.uids["Second one"]], "was deleted"),
                (alice, bob, ["--edit", Deletes.uids["Second one"], "again"], "was deleted"),
                (alice, bob, ["--delete"], "--delete needs")):
            with self.subTest(why=why, site=site.name):
                r = site.run("send", "--to", peer.url, *args)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(why, (r.stdout + r.stderr).decode(errors="replace"))
        self.assertEqual(conversation(bob, alice), before_bob)
        self.assertEqual(conversation(alice, bob), before_alice)

    def test_3_an_offline_receiver_drops_it_on_catch_up(self):
        alice, bob = apache["alice"], apache["bob"]
        if not Deletes.uids:
            self.skipTest("needs test_1's conversation")
        uid = Deletes.uids["Hello Bob"]
        hub_control("down")
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "--delete", uid)
        # More than a page (10) after it: bob reaches the tombstone only
        # through rel="prev".
        for i in range(11):
            run_ok(alice, "send", "--to", bob.url, "Filler %02d" % i)
        time.sleep(0.5)
        self.assertEqual(by_uid(bob, alice)[uid]["text"], "Hello Bob")
        hub_control("up")
        settle(lambda: "Filler 10" in [m["text"] for m in conversation(bob, alice)["messages"]]
               and by_uid(bob, alice)[uid].get("deleted"), (alice, bob), timeout=60)
        self.assertEqual(by_uid(bob, alice)[uid]["text"], "")
        self.assertEqual(apache.log_problems(), [])

    def test_4_a_foreign_reader_sees_the_tombstone(self):
        alice = apache["alice"]
        if not Deletes.uids:
            self.skipTest("needs test_1's conversation")
        uid = Deletes.uids["Second one"]
        pages = [p for p in glob.glob(os.path.join(alice.data_dir, "feeds", "*", "page-*.html"))
                 if "dt-deleted" in open(p, encoding="utf-8").read()]
        self.assertGreaterEqual(len(pages), 1)
        if not os.path.isdir(os.path.join(node_modules(), "microformats-parser")):
            self.fail("npm microformats-parser missing: npm ci --prefix tests/js")
        found = []
        for p in pages:
            here = [e for e in entries(foreign_parse(p, alice.url))
                    if e["properties"].get("uid") == [uid]]
            self.assertLessEqual(len(here), 1, p)  # a u-uid once a page
            found += here
        # On its own page, and carried by the newest when that is another
        # (docs/web.md "Edits"): the same tombstone each time.
        self.assertIn(len(found), (1, 2))
        for e in found:
            self.assertIn("deleted", e["properties"])
            self.assertNotIn("content", e["properties"])
        self.assertNotIn("Second one", open(pages[0], encoding="utf-8").read())


if __name__ == "__main__":
    unittest.main()
