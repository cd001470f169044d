"""Replies to one message between two real sites (issue 15).

alice and bob converse (chat.converse()); bob answers alice's first
message with `send --reply-to UID`: both sites store the reply with
in_reply_to = alice's uid, and a uid that is not in the conversation is
refused.  Then the hub goes down (the external hub fixture, as in
test_lost_notifications.py) while bob sends a message, a reply to it and
more than a page after them: once it is back, alice's catch-up (rel="prev",
pages of 10) stores each reply with its target, once.  Last, bob's private
feed page is read as another reader would: the npm microformats-parser (a
parser that is not ours) and our own `listener --parse-mf2` both see the
reply's in-reply-to and the visible fallback quote, and neither reads the
quote as part of the message's content.
"""

import glob
import json
import os
import subprocess
import time
import unittest
import urllib.request

import harness
from chat import conversation, converse, homepage, run_ok, settle
from test_external_hub import hub_fixture, hub_pair, stop_hub_pair

apache = None
hub = None
hub_url = None
REPLY = "Yes, hello to you too"


def setUpModule():
    global apache, hub, hub_url
    apache, hub, hub_url = hub_pair()


def tearDownModule():
    stop_hub_pair(apache, hub)


def hub_control(name):
    return hub_fixture(hub_url, name)


def by_text(site, peer):
    return {m["text"]: m for m in conversation(site, peer)["messages"]}


def node_modules():
    d = os.environ.get("IC_TOP_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    return os.path.join(os.path.abspath(d), "tests", "js", "node_modules")


def foreign_parse(path, base):
    """The npm microformats-parser's reading of the file at path."""
    script = ("const {mf2} = require(process.argv[1]);"
              "const html = require('fs').readFileSync(process.argv[2], 'utf8');"
              "process.stdout.write(JSON.stringify(mf2(html, {baseUrl: process.argv[3]})));")
    out = subprocess.run(["node", "-e", script,
                          os.path.join(node_modules(), "microformats-parser"), path, base],
                         check=True, capture_output=True, timeout=60)
    return json.loads(out.stdout)


def entries(doc):
    feed = [i for i in doc["items"] if "h-feed" in i["type"]][0]
    return [e for e in feed.get("children", []) if "h-entry" in e["type"]]


def content_value(entry):
    c = entry["properties"]["content"][0]
    return c["value"] if isinstance(c, dict) else c


class Replies(unittest.TestCase):
    """In name order: test_1 sets the conversation up."""

    def test_1_reply_travels_with_its_target(self):
        alice, bob = apache["alice"], apache["bob"]
        converse(self, alice, bob)
        hello = by_text(alice, bob)["Hello Bob"]
        self.assertEqual(hello["direction"], "out")
        # bob knows alice's message by the same uid.
        self.assertEqual(by_text(bob, alice)["Hello Bob"]["uid"], hello["uid"])
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "--reply-to", hello["uid"], REPLY)
        mine = by_text(bob, alice)[REPLY]
        self.assertEqual(mine["in_reply_to"], hello["uid"])
        settle(lambda: REPLY in by_text(alice, bob), (alice, bob))
        got = by_text(alice, bob)[REPLY]
        self.assertEqual(got["direction"], "in")
        self.assertEqual(got["in_reply_to"], hello["uid"])
        self.assertNotIn("reply_unknown", got)
        # Only the text is the text: the fallback quote stayed outside.
        self.assertEqual(got["text"], REPLY)
        # Messages that answer nothing say nothing of it.
        self.assertNotIn("in_reply_to", by_text(alice, bob)["Second one"])
        # A uid that is no message of this conversation is refused, and
        # nothing is sent.
        r = bob.run("send", "--to", alice.url, "--reply-to",
                    "https://nowhere.example/m1", "stray")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no message", (r.stdout + r.stderr).decode(errors="replace"))
        self.assertNotIn("stray", by_text(bob, alice))
        self.assertEqual(apache.log_problems(), [])

    def test_2_lost_pings_catch_up_keeps_replies(self):
        alice, bob = apache["alice"], apache["bob"]
        if REPLY not in by_text(alice, bob):
            self.skipTest("needs test_1's conversation")
        hi = by_text(bob, alice)["Hi Alice, got it"]
        hub_control("down")
        run_ok(bob, "send", "--to", alice.url, "Lost question")
        q = by_text(bob, alice)["Lost question"]
        run_ok(bob, "send", "--to", alice.url, "--reply-to", q["uid"], "Lost answer to myself")
        run_ok(bob, "send", "--to", alice.url, "--reply-to", hi["uid"], "Lost answer to my old one")
        # More than a page (10) after them: the replies are on an older
        # page, which alice reaches only through rel="prev".
        for i in range(11):
            run_ok(bob, "send", "--to", alice.url, "Filler %02d" % i)
        time.sleep(0.5)
        self.assertNotIn("Lost question", by_text(alice, bob))
        hub_control("up")
        settle(lambda: "Filler 10" in by_text(alice, bob) and "Lost question" in by_text(alice, bob),
               (alice, bob), timeout=60)
        got = conversation(alice, bob)["messages"]
        texts = [m["text"] for m in got]
        self.assertEqual(len(texts), len(set(m["uid"] for m in got)))  # MC-4: once each
        self.assertEqual(texts.count("Lost answer to myself"), 1)
        mine = {m["text"]: m for m in got}
        self.assertEqual(mine["Lost answer to myself"]["in_reply_to"], q["uid"])
        self.assertEqual(mine["Lost answer to my old one"]["in_reply_to"], hi["uid"])
        self.assertEqual(apache.log_problems(), [])

    def test_3_a_foreign_reader_sees_in_reply_to_and_the_quote(self):
        alice, bob = apache["alice"], apache["bob"]
        mine = by_text(bob, alice)
        if REPLY not in mine:
            self.skipTest("needs test_1's conversation")
        target = mine[REPLY]["in_reply_to"]
        pages = [p for p in glob.glob(os.path.join(bob.data_dir, "feeds", "*", "page-*.html"))
                 if REPLY in open(p, encoding="utf-8").read()]
        self.assertEqual(len(pages), 1, pages)
        html = open(pages[0], encoding="utf-8").read()
        self.assertIn("\u21aa In reply to: <a class=\"u-in-reply-to\" href=\"%s\">Hello Bob</a>"
                      % target.replace("&", "&amp;"), html)
        base = bob.url
        readers = {"listener --parse-mf2": json.loads(run_ok(bob, "listener", "--parse-mf2",
                                                             pages[0], "--base", base))}
        if os.path.isdir(os.path.join(node_modules(), "microformats-parser")):
            readers["microformats-parser"] = foreign_parse(pages[0], base)
        else:
            self.fail("npm microformats-parser missing: npm ci --prefix tests/js")
        for name, doc in readers.items():
            with self.subTest(reader=name):
                reply = [e for e in entries(doc) if content_value(e).strip() == REPLY]
                self.assertEqual(len(reply), 1, [content_value(e) for e in entries(doc)])
                props = reply[0]["properties"]
                self.assertEqual(props["in-reply-to"], [target])
                others = [e for e in entries(doc) if content_value(e).strip() != REPLY]
                self.assertTrue(all("in-reply-to" not in e["properties"] for e in others
                                    if not content_value(e).startswith("Lost answer")))
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
