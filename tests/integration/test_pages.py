"""The owner's web pages between two sites under the real Apache (issue 6).

Everything goes through the pages' own forms and JSON, as a browser would
(tests/integration/web.py keeps the cookies and the CSRF token): sign in
with the built-in server, invite, accept, send both ways, read, block.
The correspondents' side is real HTTP between the sites (tickets, hub,
feeds); `settle()` runs `listener --maintain` between looks.  The browser
itself (JavaScript, live updates, keyboard, phone width) is tested in
tests/browser/.
"""

import json
import os
import re
import subprocess
import unittest

import harness
from chat import homepage, settle, state_with
from web import Owner, set_passphrase

PASS = "a demo passphrase"
SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage})
         for n in ("alice", "bob", "carol")]
SITES.append(harness.SiteSpec("static"))  # advertises nothing
SITES.append(harness.SiteSpec(
    "noauth", files={"htdocs/index.html": homepage},
    # Without CGIPassAuth the programs never see Authorization (H-9).
    vhost=["<Location /indiechat>", "    CGIPassAuth Off", "</Location>"]))
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()
    for name in ("alice", "bob", "carol", "noauth"):
        set_passphrase(apache[name], PASS)


def tearDownModule():
    apache.stop()


def api(owner, path):
    r = owner.get(owner.site.b(path))
    assert r.status == 200, (path, r.status, r.body[:200])
    return json.loads(r.body)


def tidy_clean(tc, body):
    tool = os.path.join(apache.builddir, "tests", "tidy-check")
    if not os.path.exists(tool):
        tc.skipTest("tests/tidy-check not built (make check builds it)")
    p = subprocess.run([tool, "-"], input=body, capture_output=True)
    tc.assertEqual(p.returncode, 0, p.stdout.decode()[:2000])


class Pages(unittest.TestCase):
    def test_owner_pages_need_a_session_ia_c_20(self):
        s = apache["carol"]
        for page in ("feed/", "feed/contacts", "feed/with/aaaaaaaaaaaaaaaaaaaaaaaaaa",
                     "auth/settings", "auth/status"):
            with self.subTest(page=page):
                r = s.get(s.b(page))
                self.assertEqual(r.status, 303, r.body[:200])
                self.assertIn("/auth/login?next=", r.header("Location"))
        for page in ("feed/api/inbox", "feed/api/with/aaaaaaaaaaaaaaaaaaaaaaaaaa"):
            with self.subTest(page=page):
                self.assertEqual(s.get(s.b(page)).status, 401)

    def test_pages_are_framed_safely_and_tidy_clean(self):
        o = Owner(apache["carol"])
        self.assertEqual(o.sign_in(PASS).status, 303)
        for page in ("feed/", "feed/contacts", "auth/settings", "auth/status", "auth/login"):
            with self.subTest(page=page):
                r = o.get(o.site.b(page))
                self.assertEqual(r.status, 200 if page != "auth/login" else 303, r.body[:200])
                if r.status != 200:
                    continue
                self.assertEqual(r.header("X-Frame-Options"), "DENY")
                self.assertIn("frame-ancestors 'none'", r.header("Content-Security-Policy"))
                self.assertIn("no-store", r.header("Cache-Control"))
                tidy_clean(self, r.body)

    def test_web_conversation_invite_accept_send_read_block(self):
        alice, bob = apache["alice"], apache["bob"]
        A, B = Owner(alice), Owner(bob)
        self.assertEqual(A.sign_in(PASS).status, 303)
        self.assertEqual(B.sign_in(PASS).status, 303)

        # Invite through the inbox's form: 303 back to the inbox.
        r = A.post(alice.b("ticket/invite"), {"url": bob.url, "next": alice.b("feed/")})
        self.assertEqual(r.status, 303, r.body[:300])
        self.assertEqual(r.header("Location"), alice.b_url("feed/"))
        settle(lambda: state_with(bob, alice) == "request", [alice, bob])

        # Bob sees a message request with accept / decline / block.
        page = B.get(bob.b("feed/")).body.decode()
        m = re.search(r'<li class="request" data-peer="([^"]+)">', page)
        self.assertIsNotNone(m, page[-1500:])
        self.assertEqual(m.group(1), alice.url)
        for form in ("accept", "decline", "block"):
            self.assertIn('<form class="%s"' % form, page)
        r = B.post(bob.b("ticket/accept"), {"url": alice.url, "next": bob.b("feed/")})
        self.assertEqual(r.status, 303, r.body[:300])
        settle(lambda: state_with(alice, bob) == "active", [alice, bob])

        # Alice writes; Bob's inbox counts it unread, his title says so.
        r = A.post(alice.b("send"), {"to": bob.url, "text": "Hello <script>x()</script> Bob"},
                   {"Accept": "application/json"})
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertTrue(json.loads(r.body)["ok"])
        settle(lambda: api(B, "feed/api/inbox")["unread"] == 1, [alice, bob])
        self.assertTrue(B.get(bob.b("feed/")).body.decode().count("<title>(1) Inbox"))
        conv_b = api(B, "feed/api/inbox")["conversations"][0]["id"]

        # A HEAD of the conversation answers as its GET would and marks
        # nothing read: a safe method changes nothing (RFC 9110 §9.2.1).
        r = B.site.request("HEAD", bob.b("feed/with/" + conv_b), B.headers())
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertEqual(api(B, "feed/api/inbox")["unread"], 1)

        # Opening the conversation shows it, escaped, and marks it read.
        page = B.get(bob.b("feed/with/" + conv_b)).body.decode()
        self.assertIn("Hello &lt;script&gt;x()&lt;/script&gt; Bob", page)
        self.assertNotIn("<script>x()", page)
        self.assertIn('<form id="compose"', page)
        self.assertEqual(api(B, "feed/api/inbox")["unread"], 0)

        # Bob answers from his compose form (303 back to the page).
        r = B.post(bob.b("send"), {"to": alice.url, "text": "Hi Alice",
                                   "next": bob.b("feed/with/" + conv_b)})
        self.assertEqual(r.status, 303, r.body[:300])
        self.assertEqual(r.header("Location"), bob.b_url("feed/with/" + conv_b))
        conv_a = api(A, "feed/api/inbox")["conversations"][0]["id"]

        def both():
            msgs = api(A, "feed/api/with/" + conv_a)["messages"]
            return [(m["dir"], m["text"]) for m in msgs] if len(msgs) == 2 else None

        seen = settle(both, [alice, bob])
        self.assertEqual(seen, [("out", "Hello <script>x()</script> Bob"), ("in", "Hi Alice")])

        # Issue 14: an address in a message is a link on the other side's
        # page (escaped first; rel noopener noreferrer nofollow), in a
        # bubble, after a day separator, with the list beside it and a way
        # back; the page stays tidy-clean.
        r = A.post(alice.b("send"), {"to": bob.url, "text": "see https://example.com/x?a=1&b=2.\nbye",
                                     "next": alice.b("feed/with/" + conv_a)})
        self.assertEqual(r.status, 303, r.body[:300])
        settle(lambda: len(api(B, "feed/api/with/" + conv_b)["messages"]) == 3, [alice, bob])
        page = B.get(bob.b("feed/with/" + conv_b)).body.decode()
        self.assertIn('<a href="https://example.com/x?a=1&amp;b=2" rel="noopener noreferrer nofollow">'
                      'https://example.com/x?a=1&amp;b=2</a>.', page)
        self.assertIn('<li class="day" data-day="', page)
        self.assertIn('<div class="bubble">', page)
        self.assertIn('<a id="back" class="back"', page)
        self.assertIn('aria-current="page"', page)
        tidy_clean(self, page.encode())
        inbox = api(B, "feed/api/inbox")["conversations"][0]
        self.assertEqual(inbox["preview"], "see https://example.com/x?a=1&b=2. bye")
        # Bob's token read the page holding alice's message: "fetched".
        out = [m for m in api(A, "feed/api/with/" + conv_a)["messages"] if m["dir"] == "out"]
        self.assertEqual(out[0]["state"], "fetched")

        # ETag: an unchanged conversation is a 304 without a body.
        msgs = api(A, "feed/api/with/" + conv_a)["messages"]
        self.assertEqual(len(msgs), 3)
        r1 = A.get(alice.b("feed/api/with/" + conv_a))
        r2 = A.get(alice.b("feed/api/with/" + conv_a), {"If-None-Match": r1.header("ETag")})
        self.assertEqual(r2.status, 304)
        self.assertEqual(r2.body, b"")
        # ?out=N&in=M: only what is newer.
        later = api(A, "feed/api/with/%s?out=2&in=1" % conv_a)
        self.assertEqual(later["messages"], [])

        # Issue 16: the header's Mute button stops alice's notifications of
        # this conversation (as `feed --mute`); Unmute turns them on again.
        # Without the CSRF token nothing changes.
        here = alice.b("feed/with/" + conv_a)
        self.assertIn('<form class="mute"', A.get(here).body.decode())
        r = A.post(alice.b("ticket/mute"), {"url": bob.url, "next": here})
        self.assertEqual(r.status, 303, r.body[:300])
        self.assertEqual(r.header("Location"), alice.b_url("feed/with/" + conv_a))
        page = A.get(here).body.decode()
        self.assertIn('<form class="unmute"', page)
        self.assertNotIn('<form class="mute"', page)
        tidy_clean(self, page.encode())
        r = A.post(alice.b("ticket/unmute"), {"url": bob.url, "next": here}, csrf=False)
        self.assertEqual(r.status, 403, r.body[:300])
        self.assertIn('<form class="unmute"', A.get(here).body.decode())
        r = A.post(alice.b("ticket/unmute"), {"url": bob.url, "next": here})
        self.assertEqual(r.status, 303, r.body[:300])
        self.assertIn('<form class="mute"', A.get(here).body.decode())
        r = A.post(alice.b("ticket/mute"), {"url": "https://nobody.example/", "next": here})
        self.assertEqual(r.status, 404, r.body[:300])

        # Alice blocks bob: his next message never arrives (TS-5, TE-12).
        r = A.post(alice.b("ticket/block"), {"url": bob.url})
        self.assertEqual(r.status, 303, r.body[:300])
        B.post(bob.b("send"), {"to": alice.url, "text": "are you there?"})
        for s in (alice, bob):
            s.run("listener", "--maintain")
        msgs = api(A, "feed/api/with/" + conv_a)["messages"]
        self.assertNotIn("are you there?", [m["text"] for m in msgs])
        self.assertEqual(api(A, "feed/api/with/" + conv_a)["state"], "blocked")
        self.assertEqual(apache.log_problems(), [])

    def test_invite_to_a_site_without_ticket_endpoint_says_so(self):
        o = Owner(apache["carol"])
        o.sign_in(PASS)
        r = o.post(o.site.b("ticket/invite"), {"url": apache["static"].url})
        self.assertEqual(r.status, 404, r.body[:300])
        self.assertIn(b"cannot receive invitations", r.body)

    def test_status_page_checks_live(self):
        o = Owner(apache["carol"])
        o.sign_in(PASS)
        page = o.get(o.site.b("auth/status")).body.decode()
        checks = dict(re.findall(r'<li class="check (\w+)" data-check="([\w-]+)"', page)[::-1])
        levels = {name: lv for lv, name in re.findall(
            r'<li class="check (\w+)" data-check="([\w-]+)"', page)}
        for name in ("homepage-links", "authorization-header", "hub",
                     "subscriptions", "deliveries", "retries"):
            self.assertEqual(levels.get(name), "ok", (name, page[-2500:]))
        del checks
        # The same site without CGIPassAuth: the check says what to fix.
        n = Owner(apache["noauth"])
        n.sign_in(PASS)
        page = n.get(n.site.b("auth/status")).body.decode()
        self.assertIn('<li class="check fail" data-check="authorization-header"', page)
        self.assertIn("CGIPassAuth On", page)


if __name__ == "__main__":
    unittest.main()
