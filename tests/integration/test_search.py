"""Search (issue 15) between two real Apache sites.

alice and bob converse (messages both ways), then alice searches her
messages: `feed --search` as text and JSON, one conversation or all, a
word and a prefix, and the search page as the signed-in owner, whose
results link to each message in its conversation page (the page holds
the element the link's fragment names).  A stranger without a session
gets the sign-in redirect and no result; a search changes nothing (the
unread count stays).
"""

import json
import os
import re
import subprocess
import unittest
import urllib.parse

import harness
from chat import conversation, converse, homepage, run_ok, settle
from web import Owner, set_passphrase

PASS = "correct horse battery staple search"
SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage}) for n in ("alice", "bob")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()
    set_passphrase(apache["alice"], PASS)


def tearDownModule():
    apache.stop()


def search(site, *args):
    return json.loads(run_ok(site, "feed", "--search", *args, "--json"))


class Search(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.alice, cls.bob = apache["alice"], apache["bob"]

    def test_1_terminal_both_directions_word_prefix_and(self):
        alice, bob = self.alice, self.bob
        converse(self, alice, bob)
        run_ok(bob, "send", "--to", alice.url, "Lunch at the <b>Harbour</b> Café?")
        settle(lambda: len(conversation(alice, bob)["messages"]) >= 4, (alice, bob))
        # A word both ways: ours ("Hello Bob") and theirs ("Hi Alice").
        r = search(alice, "alice")
        self.assertEqual([x["direction"] for x in r["results"]], ["in"])
        r = search(alice, "bob")
        self.assertEqual([x["excerpt"] for x in r["results"]], ["Hello Bob"])
        self.assertEqual(r["results"][0]["direction"], "out")
        self.assertEqual(r["results"][0]["peer"], bob.url)
        # The last word as a prefix; every word (AND); newest first.
        r = search(alice, "harb")
        self.assertEqual(len(r["results"]), 1)
        self.assertEqual(r["results"][0]["excerpt"], "Lunch at the <b>Harbour</b> Café?")
        self.assertEqual(len(search(alice, "the harbour caf")["results"]), 1)
        self.assertEqual(len(search(alice, "the second")["results"]), 0)
        r = search(alice, "hello", "--conversation", bob.url)
        self.assertEqual(len(r["results"]), 1)
        self.assertFalse(r["more"])
        # Text output, and bad input is a clear error.
        out = run_ok(alice, "feed", "--search", "second").decode()
        self.assertIn(">> %s  Second one" % bob.url, out)
        r = alice.run("feed", "--search", "x" * 300)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("at most 256 bytes", r.stderr.decode())
        r = alice.run("feed", "--search", "hello", "--conversation", "https://nobody.example/")
        self.assertNotEqual(r.returncode, 0)

    def test_2_page_as_owner_links_into_the_conversation(self):
        alice, bob = self.alice, self.bob
        o = Owner(alice)
        self.assertEqual(o.sign_in(PASS).status, 303)
        inbox = o.get(alice.b("feed/"))
        self.assertRegex(inbox.text, r'<form id="search"[^>]* method="get" '
                                     r'action="[^"]*/feed/search"')
        unread = conversation(alice, bob)  # reads it: then nothing unread
        before = json.loads(run_ok(alice, "feed", "--inbox", "--json"))
        r = o.get(alice.b("feed/search?q=" + urllib.parse.quote("harb")))
        self.assertEqual(r.status, 200, r.body[:300])
        tidy = os.path.join(apache.builddir, "tests", "tidy-check")
        if os.path.exists(tidy):  # make check builds it
            p = subprocess.run([tidy, "-"], input=r.body, capture_output=True)
            self.assertEqual(p.returncode, 0, p.stdout.decode()[:2000])
        # Escaped: their markup is text; the match is marked.
        self.assertIn("&lt;b&gt;<mark>Harbour</mark>&lt;/b&gt;", r.text)
        links = re.findall(r'<li class="result"><a href="([^"]+)"', r.text)
        self.assertEqual(len(links), 1)
        link = links[0].replace("&amp;", "&")
        path, frag = link.split("#")
        self.assertRegex(frag, r"^m-i-\d+$")
        page = o.get(path)
        self.assertEqual(page.status, 200)
        self.assertIn('id="%s"' % frag, page.text)
        # GET changes nothing: the inbox reads the same.
        self.assertEqual(json.loads(run_ok(alice, "feed", "--inbox", "--json")), before)
        self.assertTrue(unread["messages"])
        # A query the store refuses: a 400 page with the sentence.
        r = o.get(alice.b("feed/search?q=" + "y" * 300))
        self.assertEqual(r.status, 400)
        self.assertIn("at most 256 bytes", r.text)
        # No results.
        r = o.get(alice.b("feed/search?q=zzzz"))
        self.assertIn("No messages match.", r.text)
        # One conversation: named, with the way back to all of them.
        conv = search(alice, "harb")["results"][0]["conv"]
        r = o.get(alice.b("feed/search?q=harb&conv=" + conv))
        self.assertEqual(r.status, 200)
        self.assertIn('id="scope"', r.text)
        self.assertEqual(len(re.findall(r'<li class="result">', r.text)), 1)
        self.assertIn("search?q=harb", r.text)
        self.assertEqual(o.get(alice.b("feed/search?q=harb&conv=nosuch")).status, 404)

    def test_3_stranger_gets_nothing(self):
        alice = self.alice
        r = alice.get(alice.b("feed/search?q=hello"))
        self.assertEqual(r.status, 303)
        self.assertIn("/auth/login?next=", r.header("Location"))
        self.assertNotIn("Hello Bob", r.text)
        # A forged cookie is no session.
        r = alice.get(alice.b("feed/search?q=hello"),
                      {"Cookie": "__Host-ic_session=forged; ic_session=forged"})
        self.assertEqual(r.status, 303)
        self.assertNotIn("Hello Bob", r.text)


if __name__ == "__main__":
    unittest.main()
