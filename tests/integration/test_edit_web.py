"""Edit, delete and unreact from the web, and changes of older feed pages
(issue 15).

alice and bob converse (chat.converse()), on pages of 10 entries.  alice's
owner session POSTs to B/send (docs/web.md, the POST B/send table):
`edit` + `text` replaces the text of her message, `delete` leaves its
tombstone, `unreact` removes her reaction; each answers like a send (303 to
`next`, or {"ok": true, "uid": ...} for the script) and bob's site shows
the change.  Without the CSRF token, or for bob's message, a deleted one or
a reaction's entry, the POST is refused and nothing changes.  The page
offers the same: each of her messages has the "more" menu (Edit, Delete
for everyone), ?edit=UID opens the compose box editing it, her own
reaction is a button that posts `unreact`.

Then alice sends more than a page, so her first messages are on an older
page, edits one and deletes another: bob, online and only pinged (he reads
the newest page; nothing makes him walk back), shows both, because the
newest page carries the changed entries again.  With the hub down (the
pings lost) she edits an old message once more and sends a new one; when
the hub is back bob has the new message and the newest edit.  A foreign
mf2 reader sees each u-uid on the newest page once.
"""

import glob
import json
import os
import re
import time
import unittest
import urllib.parse
import urllib.request

import harness
from chat import conversation, converse, homepage, run_ok, settle
from test_external_hub import hub_fixture, hub_pair, stop_hub_pair
from test_replies import entries, foreign_parse, node_modules
from web import Owner, set_passphrase

apache = None
hub = None
hub_url = None
PASS = "a demo passphrase"
JOY = "\U0001F602"


def setUpModule():
    global apache, hub, hub_url
    apache, hub, hub_url = hub_pair()


def tearDownModule():
    stop_hub_pair(apache, hub)


def hub_control(name):
    return hub_fixture(hub_url, name)


def by_text(site, peer):
    return {m["text"]: m for m in conversation(site, peer)["messages"]}


def by_uid(site, peer):
    return {m["uid"]: m for m in conversation(site, peer)["messages"]}


def conv_id(site, peer):
    return json.loads(run_ok(site, "feed", "--conversation", peer.url, "--json"))["id"]


def listed(html):
    """The message list of a conversation page (not its templates)."""
    return html.split('<form id="compose"')[0]


def signed_in(site):
    set_passphrase(site, PASS)
    o = Owner(site)
    if o.sign_in(PASS).status != 303:
        raise AssertionError("sign-in failed")
    return o


class EditWeb(unittest.TestCase):
    """In name order: test_1 sets the conversation up."""

    owner = None
    page = None

    def test_1_edit_delete_unreact_from_the_web(self):
        alice, bob = apache["alice"], apache["bob"]
        converse(self, alice, bob)
        o = EditWeb.owner = signed_in(alice)
        page = EditWeb.page = alice.b("feed/with/" + conv_id(alice, bob))
        hello = by_text(alice, bob)["Hello Bob"]
        second = by_text(alice, bob)["Second one"]
        theirs = by_text(alice, bob)["Hi Alice, got it"]
        before = conversation(alice, bob)
        # The page: a menu on each of ours, none on theirs.
        html = o.get(page).body.decode()
        self.assertEqual(listed(html).count('<details class="more">'), 2)
        self.assertIn('name="delete" value="%s"' % hello["uid"], html)
        self.assertNotIn('name="delete" value="%s"' % theirs["uid"], html)
        self.assertIn('<template id="tools-out">', html)
        # Refused, nothing changes: no CSRF token; their message; no text;
        # no such message; a GET.
        r = o.post(alice.b("send"), {"to": bob.url, "edit": hello["uid"],
                                     "text": "forged"}, csrf=False)
        self.assertEqual(r.status, 403, r.body[:300])
        r = o.post(alice.b("send"), {"to": bob.url, "delete": hello["uid"]}, csrf=False)
        self.assertEqual(r.status, 403, r.body[:300])
        r = o.post(alice.b("send"), {"to": bob.url, "edit": theirs["uid"],
                                     "text": "mine now", "next": page})
        self.assertEqual(r.status, 400, r.body[:300])
        self.assertIn(b"only your own messages", r.body)
        r = o.post(alice.b("send"), {"to": bob.url, "delete": theirs["uid"], "next": page})
        self.assertEqual(r.status, 400, r.body[:300])
        r = o.post(alice.b("send"), {"to": bob.url, "edit": hello["uid"], "text": " ",
                                     "next": page})
        self.assertEqual(r.status, 400, r.body[:300])
        r = o.post(alice.b("send"), {"to": bob.url, "delete": "https://nowhere.example/1",
                                     "next": page})
        self.assertEqual(r.status, 404, r.body[:300])
        r = o.post(alice.b("send"), {"to": bob.url, "unreact": hello["uid"], "next": page})
        self.assertEqual(r.status, 404, r.body[:300])
        self.assertIn(o.get(alice.b("send") + "?delete=" + urllib.parse.quote(hello["uid"], safe="")).status, (404, 405))
        self.assertEqual(conversation(alice, bob), before)
        # ?edit=UID: the compose box edits it (no script needed).
        html = o.get(page + "?edit=" + urllib.parse.quote(hello["uid"], safe="")).body.decode()
        self.assertIn('id="edit" name="edit" value="%s"' % hello["uid"], html)
        self.assertIn('required>Hello Bob</textarea>', html)
        self.assertRegex(html, r'<div id="edit-bar" class="reply-bar edit-bar">')
        # An edit: 303 back; bob's site has the new text, "edited".
        time.sleep(1.05)
        r = o.post(alice.b("send"), {"to": bob.url, "edit": hello["uid"],
                                     "text": "Hello Bob, from the web", "reply_to": "",
                                     "next": page})
        self.assertEqual(r.status, 303, r.body[:300])
        self.assertTrue(r.header("Location").endswith(page), r.header("Location"))
        self.assertTrue(by_uid(alice, bob)[hello["uid"]]["edited"])
        settle(lambda: by_uid(bob, alice)[hello["uid"]]["text"] == "Hello Bob, from the web",
               (alice, bob))
        self.assertTrue(by_uid(bob, alice)[hello["uid"]]["edited"])
        # A delete, as the script posts it: JSON.
        r = o.post(alice.b("send"), {"to": bob.url, "delete": second["uid"]},
                   headers={"Accept": "application/json"})
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(json.loads(r.body), {"ok": True, "uid": second["uid"]})
        settle(lambda: by_uid(bob, alice)[second["uid"]].get("deleted"), (alice, bob))
        self.assertEqual(by_uid(bob, alice)[second["uid"]]["text"], "")
        # A deleted message is neither edited nor deleted again.
        for f in ({"edit": second["uid"], "text": "back"}, {"delete": second["uid"]}):
            r = o.post(alice.b("send"), dict(f, to=bob.url, next=page))
            self.assertEqual(r.status, 409, r.body[:300])
            self.assertIn(b"was deleted", r.body)
        html = o.get(page).body.decode()
        self.assertIn('<p class="text deleted">Message deleted</p>', html)
        self.assertEqual(listed(html).count('<details class="more">'), 1)
        # A reaction, then the same again from its button: removed.
        time.sleep(1.05)
        r = o.post(alice.b("send"), {"to": bob.url, "reply_to": theirs["uid"],
                                     "react": JOY, "next": page})
        self.assertEqual(r.status, 303, r.body[:300])
        settle(lambda: by_uid(bob, alice)[theirs["uid"]].get("their_reaction") == JOY,
               (alice, bob))
        html = o.get(page).body.decode()
        self.assertIn('<li class="reaction mine" title="You">', html)
        self.assertIn('name="unreact" value="%s" aria-pressed="true"' % theirs["uid"], html)
        mine = [m for m in conversation(alice, bob)["messages"] if m["text"] == JOY][0]
        for f in ({"edit": mine["uid"], "text": "x"}, {"delete": mine["uid"]}):
            r = o.post(alice.b("send"), dict(f, to=bob.url, next=page))
            self.assertEqual(r.status, 400, r.body[:300])
            self.assertIn(b"is a reaction", r.body)
        time.sleep(1.05)
        r = o.post(alice.b("send"), {"to": bob.url, "unreact": theirs["uid"], "next": page})
        self.assertEqual(r.status, 303, r.body[:300])
        self.assertNotIn("my_reaction", by_uid(alice, bob)[theirs["uid"]])
        settle(lambda: "their_reaction" not in by_uid(bob, alice)[theirs["uid"]],
               (alice, bob))
        self.assertEqual(apache.log_problems(), [])

    def test_2_changes_on_an_older_page_reach_an_online_receiver(self):
        alice, bob = apache["alice"], apache["bob"]
        if EditWeb.owner is None:
            self.skipTest("needs test_1's conversation")
        for i in range(12):
            run_ok(alice, "send", "--to", bob.url, "filler %02d" % i)
        settle(lambda: "filler 11" in by_text(bob, alice), (alice, bob), timeout=60)
        hello = by_text(alice, bob)["Hello Bob, from the web"]
        first = by_text(alice, bob)["filler 00"]
        # Both on page 1; the newest page is 2 (or later).
        feed = os.path.join(alice.data_dir, "feeds", conv_id(alice, bob))
        page1 = open(os.path.join(feed, "page-1.html"), encoding="utf-8").read()
        self.assertIn(hello["uid"], page1)
        self.assertIn(first["uid"], page1)
        time.sleep(1.05)
        o = EditWeb.owner
        r = o.post(alice.b("send"), {"to": bob.url, "edit": hello["uid"],
                                     "text": "Hello Bob, old page", "next": EditWeb.page})
        self.assertEqual(r.status, 303, r.body[:300])
        r = o.post(alice.b("send"), {"to": bob.url, "delete": first["uid"],
                                     "next": EditWeb.page})
        self.assertEqual(r.status, 303, r.body[:300])
        settle(lambda: by_uid(bob, alice)[hello["uid"]]["text"] == "Hello Bob, old page"
               and by_uid(bob, alice)[first["uid"]].get("deleted"), (alice, bob), timeout=60)
        # No message more, none twice.
        texts = [m["text"] for m in conversation(bob, alice)["messages"]]
        self.assertEqual(texts.count("Hello Bob, old page"), 1)
        self.assertEqual(len([t for t in texts if t.startswith("filler")]), 11)
        self.assertEqual(apache.log_problems(), [])

    def test_3_lost_pings_then_catch_up_keeps_the_newest_change(self):
        alice, bob = apache["alice"], apache["bob"]
        if EditWeb.owner is None:
            self.skipTest("needs test_1's conversation")
        hello = by_text(alice, bob)["Hello Bob, old page"]
        hub_control("down")
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "--edit", hello["uid"], "Hello Bob, lost ping")
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "--edit", hello["uid"], "Hello Bob, final")
        run_ok(alice, "send", "--to", bob.url, "After the lost pings")
        time.sleep(0.5)
        self.assertEqual(by_uid(bob, alice)[hello["uid"]]["text"], "Hello Bob, old page")
        hub_control("up")
        settle(lambda: "After the lost pings" in by_text(bob, alice)
               and by_uid(bob, alice)[hello["uid"]]["text"] == "Hello Bob, final",
               (alice, bob), timeout=60)
        self.assertEqual(apache.log_problems(), [])

    def test_4_a_foreign_reader_sees_each_uid_once_on_the_newest_page(self):
        alice, bob = apache["alice"], apache["bob"]
        if EditWeb.owner is None:
            self.skipTest("needs test_1's conversation")
        feed = os.path.join(alice.data_dir, "feeds", conv_id(alice, bob))
        pages = sorted(glob.glob(os.path.join(feed, "page-*.html")),
                       key=lambda p: int(re.search(r"(\d+)\.html$", p).group(1)))
        newest = pages[-1]
        if not os.path.isdir(os.path.join(node_modules(), "microformats-parser")):
            self.fail("npm microformats-parser missing: npm ci --prefix tests/js")
        doc = foreign_parse(newest, alice.url)
        uids = [e["properties"]["uid"][0] for e in entries(doc)]
        self.assertEqual(len(uids), len(set(uids)), uids)
        hello = by_text(alice, bob)["Hello Bob, final"]
        carried = [e for e in entries(doc) if e["properties"]["uid"] == [hello["uid"]]]
        self.assertEqual(len(carried), 1)
        self.assertIn("updated", carried[0]["properties"])


if __name__ == "__main__":
    unittest.main()
