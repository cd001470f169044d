"""Isolation between conversations, and what blocking and declining cut off.

Three sites: alice converses with bob and with carol (invite + accept,
messages both ways, chat.converse()), and says one more thing to carol only.
Then, through the real Apache:

* bob's token, the one alice issued him, reads alice's feed for bob and
  nothing else: on alice's topic for carol it gets 401 with
  WWW-Authenticate error="invalid_token" (RS-6, TE-10, RS-2);
* `ticket --block` on alice for bob revokes what she issued him: his next
  fetch of his own topic is 401 (TE-12, TS-5), carol's token still reads;
  declining him afterwards leaves him blocked;
* `ticket --revoke` on alice for carol: carol's next fetch is 401 too
  (TE-12), the conversation stays active;
* deliveries to a subscription retired by block (alice's callback for
  bob's feed) or by decline (carol's callback for alice's feed) get 410
  (WS-S-26), signed or not.

Each "this does not arrive" has a control in the same window: a message
on a conversation that is still live (carol to alice after the block,
bob to carol after the decline; bob and carol converse too) must arrive,
so the absence is not just a wait that was too short.

The tokens are the holders' own: a holder keeps the token it must present
in its held_tokens database in clear (DESIGN.md "Storage"); records are
cJSON, so the test reads them out of data.mdb's bytes.  The callback ids
come from Apache's access log (the hubs' POSTs to B/listener/<id>).
"""

import json
import os
import re
import time
import unittest
import urllib.parse

import harness
from chat import conversation, converse, homepage, inbox, run_ok, settle, state_with

SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage})
         for n in ("alice", "bob", "carol")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def held_tokens(site):
    """{resource: [access_token, ...]} from site's LMDB file, read as bytes.

    Freed pages may still hold older copies of a record: every distinct
    token seen for a resource is listed, the caller tries them."""
    found = {}
    for name in os.listdir(site.data_dir):
        if not name.endswith(".mdb") or "lock" in name:
            continue
        with open(os.path.join(site.data_dir, name), "rb") as f:
            data = f.read()
        for m in re.finditer(rb'\{[^{}]*"access_token"\s*:\s*"[^"]+"[^{}]*\}', data):
            try:
                rec = json.loads(m.group(0).decode("utf-8"))
            except ValueError:
                continue
            if rec.get("resource") and rec.get("access_token"):
                lst = found.setdefault(rec["resource"], [])
                if rec["access_token"] not in lst:
                    lst.append(rec["access_token"])
    return found


def resource_of(holder, issuer):
    """The issuer's feed URL the holder has a token for."""
    for res in held_tokens(holder):
        if res.startswith(issuer.base_url + "/feed/"):
            return res
    raise AssertionError("%s holds no token for a feed of %s: %r" % (
        holder.name, issuer.name, held_tokens(holder)))


def working_token(holder, issuer, resource):
    """The token among holder's copies that reads resource now."""
    for tok in held_tokens(holder).get(resource, []):
        r = issuer.get(resource, headers={"Authorization": "Bearer " + tok})
        if r.status == 200:
            return tok, r
    raise AssertionError("no token held by %s reads %s" % (holder.name, resource))


def callback_topics(site):
    """{callback id: topic} of site's subscriptions, from the hubs'
    verification GETs to B/listener/<id>?hub.mode=subscribe&hub.topic=...
    in Apache's access log."""
    found = {}
    pat = re.compile(r'"GET %s/([A-Za-z0-9_-]+)\?([^ "]*) HTTP' % re.escape(site.b("listener")))
    with open(apache.access_log, "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            if not line.startswith("%s.localhost:" % site.name):
                continue
            m = pat.search(line)
            if m:
                q = urllib.parse.parse_qs(m.group(2))
                if q.get("hub.mode") == ["subscribe"] and q.get("hub.topic"):
                    found[m.group(1)] = q["hub.topic"][0]
    return found


def inbox_peers(site):
    return sorted(c["peer"] for c in inbox(site))


def texts_from(site, peer):
    return [m["text"] for m in conversation(site, peer)["messages"]]


def arrives(site, peer, text, sites):
    """The control of a "does not arrive" check: text, sent by peer in the
    same window, does reach site."""
    settle(lambda: text in texts_from(site, peer), sites)


def deliver(site, cid, topic, signature=None):
    h = {"Content-Type": "text/html; charset=utf-8",
         "Link": '<%s>; rel="self"' % topic}
    if signature:
        h["X-Hub-Signature"] = signature
    return site.request("POST", site.b("listener/" + cid), headers=h,
                        body="<p>a stale delivery</p>")


class Isolation(unittest.TestCase):
    """Tests run in name order: test_1_* before the block (test_2_*) and the
    decline (test_3_*)."""

    @classmethod
    def setUpClass(cls):
        cls.alice, cls.bob, cls.carol = apache["alice"], apache["bob"], apache["carol"]
        converse(cls("test_1_token_reads_its_own_topic_only_rs_6"), cls.alice, cls.bob)
        converse(cls("test_1_token_reads_its_own_topic_only_rs_6"), cls.alice, cls.carol)
        # The controls' live conversation after alice blocks bob and carol
        # declines alice.
        converse(cls("test_1_token_reads_its_own_topic_only_rs_6"), cls.bob, cls.carol)
        run_ok(cls.alice, "send", "--to", cls.carol.url, "For Carol only")
        settle(lambda: any(m["text"] == "For Carol only"
                           for m in conversation(cls.carol, cls.alice)["messages"]),
               (cls.alice, cls.carol))
        cls.res_bob = resource_of(cls.bob, cls.alice)      # alice's topic for bob
        cls.res_carol = resource_of(cls.carol, cls.alice)  # alice's topic for carol
        cls.tok_bob, cls.page_bob = working_token(cls.bob, cls.alice, cls.res_bob)
        cls.tok_carol, cls.page_carol = working_token(cls.carol, cls.alice, cls.res_carol)

    def bearer(self, tok):
        return {"Authorization": "Bearer " + tok}

    def assert_invalid_token(self, r, secret_texts=()):
        self.assertEqual(r.status, 401, r)
        self.assertIn('error="invalid_token"', r.header("WWW-Authenticate") or "", r)
        for t in secret_texts:
            self.assertNotIn(t.encode(), r.body)

    def test_1_token_reads_its_own_topic_only_rs_6(self):
        self.assertNotEqual(self.res_bob, self.res_carol)
        # Each token reads its own conversation, and only that one's messages.
        self.assertIn(b"Hello Bob", self.page_bob.body)
        self.assertNotIn(b"For Carol only", self.page_bob.body)  # RS-6
        # ... nor who else alice talks to.
        self.assertNotIn(self.carol.host.encode(), self.page_bob.body)
        self.assertNotIn(self.bob.host.encode(), self.page_carol.body)
        self.assertIn(b"For Carol only", self.page_carol.body)
        # RS-6, TE-10: bob's token on carol's topic -> 401 invalid_token.
        r = self.alice.get(self.res_carol, headers=self.bearer(self.tok_bob))
        self.assert_invalid_token(r, ["For Carol only", "Hello Bob"])
        # ... and carol's on bob's.
        r = self.alice.get(self.res_carol.rsplit("/", 1)[0] + "/" +
                           self.res_bob.rsplit("/", 1)[1],
                           headers=self.bearer(self.tok_carol))
        self.assert_invalid_token(r, ["Hello Bob", "For Carol only"])
        # A token is not a key to older pages of another topic either.
        r = self.alice.get(self.res_carol + "/1", headers=self.bearer(self.tok_bob))
        self.assertIn(r.status, (401, 404), r)
        self.assertNotIn(b"For Carol only", r.body)

    def test_1_tokens_are_bound_to_a_resource_not_to_a_site_te_10(self):
        # bob's token is for one resource of alice; it opens nothing on carol.
        r = self.carol.get(self.res_carol.replace(self.alice.base_url, self.carol.base_url),
                           headers=self.bearer(self.tok_bob))
        self.assertIn(r.status, (401, 404), r)
        # The holder side keeps the token verbatim; the issuer only a hash:
        # alice's own database never holds bob's token in clear (TE-7).
        for name in os.listdir(self.alice.data_dir):
            p = os.path.join(self.alice.data_dir, name)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    self.assertNotIn(self.tok_bob.encode(), f.read(), name)

    def test_2_block_revokes_and_deliveries_get_410_te_12_ts_5_ws_s_26(self):
        alice, bob = self.alice, self.bob
        # alice's callbacks: one for bob's feed, one for carol's.
        subs = callback_topics(alice)
        for_bob = [c for c, t in subs.items() if t.startswith(bob.base_url + "/feed/")]
        for_carol = [c for c, t in subs.items() if t.startswith(self.carol.base_url + "/feed/")]
        self.assertTrue(for_bob and for_carol, subs)
        run_ok(alice, "ticket", "--block", bob.url)
        # TE-12, TS-5: bob's next fetch is 401.
        r = alice.get(self.res_bob, headers=self.bearer(self.tok_bob))
        self.assert_invalid_token(r, ["Hello Bob", "Second one"])
        # carol's conversation is untouched.
        r = alice.get(self.res_carol, headers=self.bearer(self.tok_carol))
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"For Carol only", r.body)
        # WS-S-26: deliveries to the retired callback -> 410, signed or not.
        for cid in for_bob:
            for sig in (None, "sha256=" + "0" * 64):
                r = deliver(alice, cid, subs[cid], sig)
                self.assertEqual(r.status, 410, (cid, sig, r))
        # carol's callback is still live (a bad signature is refused, not gone).
        r = deliver(alice, for_carol[-1], subs[for_carol[-1]], "sha256=" + "0" * 64)
        self.assertNotEqual(r.status, 410, r)
        # bob keeps sending; nothing reaches alice's conversation.  The
        # control: carol writes to alice in the same window, and that
        # arrives.
        run_ok(bob, "send", "--to", alice.url, "After the block")
        run_ok(self.carol, "send", "--to", alice.url, "Carol, during the block")
        time.sleep(1)
        for s in (alice, bob, self.carol):
            s.run("listener", "--maintain")
        arrives(alice, self.carol, "Carol, during the block", (alice, self.carol))
        # Nothing from bob after the block reaches alice's conversation.
        self.assertNotIn("After the block", texts_from(alice, bob))
        self.assertEqual(state_with(alice, bob), "blocked")
        self.assertEqual(apache.log_problems(), [])

    def test_2b_tickets_after_the_block_are_ignored_ts_5(self):
        # DESIGN.md "Decline/block": later tickets from a blocked site get
        # the same 202 and change nothing.  bob's side has no way left to
        # send one (his conversation is "active"), so mint one on bob with
        # the test tool and POST it to alice's ticket endpoint as bob would.
        alice, bob = self.alice, self.bob
        self.assertEqual(state_with(alice, bob), "blocked")
        mint = apache.tool("tests/tools/ticket_mint")
        if mint is None:
            self.skipTest("tests/tools/ticket_mint not built (run make check)")
        topic = [t for t in callback_topics(alice).values()
                 if t.startswith(bob.base_url + "/feed/")][0]
        p = apache.run_as_site_user([mint, bob.conf_path, alice.url, topic, "300"])
        self.assertEqual(p.returncode, 0, p.stderr)
        ticket = p.stdout.decode("ascii").strip()
        mark = os.path.getsize(apache.access_log)
        r = alice.request("POST", alice.b("ticket"),
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          body=urllib.parse.urlencode({"ticket": ticket, "resource": topic,
                                                       "subject": alice.url, "iss": bob.url}))
        self.assertEqual(r.status, 202, r)  # the same answer as for anyone
        # The control: carol writes to alice in the same window; it
        # arrives, and its delivery is in the log read below.
        run_ok(self.carol, "send", "--to", alice.url, "Carol, after bob's ticket")
        time.sleep(1)
        alice.run("listener", "--maintain")
        arrives(alice, self.carol, "Carol, after bob's ticket", (alice, self.carol))
        self.assertEqual(state_with(alice, bob), "blocked")
        self.assertEqual(inbox_peers(alice), sorted([bob.url, self.carol.url]))
        with open(apache.access_log, "rb") as f:
            f.seek(mark)
            later = f.read().decode("utf-8", "replace")
        for_carol = [c for c, t in callback_topics(alice).items()
                     if t.startswith(self.carol.base_url + "/feed/")]
        self.assertTrue(any(re.search(r'"POST %s HTTP[^"]*" 2\d\d' % re.escape(
            alice.b("listener/" + c)), later) for c in for_carol), later)
        # No redemption, no subscription, no fetch of bob's feed by alice:
        # the ticket is ignored before any request leaves (DESIGN.md).
        self.assertNotIn('"POST %s HTTP' % bob.b("auth/token"), later)
        self.assertNotIn("hub.topic=" + urllib.parse.quote(topic, safe=""), later)
        after = later.split('"POST %s HTTP' % bob.b("auth/token"))[-1]
        self.assertIsNone(re.search(r'bob\.localhost:\S+ \S+ "GET %s ' % re.escape(
            urllib.parse.urlsplit(topic).path), after), later)

    def test_2c_decline_after_block_stays_blocked(self):
        # A block already declines (DESIGN.md "Decline/block"): declining
        # afterwards must not turn it back into a mere decline, which
        # would offer Revoke and Block again (lib/store/conv_state.c).
        alice, bob = self.alice, self.bob
        self.assertEqual(state_with(alice, bob), "blocked")
        run_ok(alice, "ticket", "--decline", bob.url)
        self.assertEqual(state_with(alice, bob), "blocked")
        r = alice.get(self.res_bob, headers=self.bearer(self.tok_bob))
        self.assert_invalid_token(r, ["Hello Bob", "Second one"])

    def test_2d_terminal_revoke_ends_access_te_12(self):
        # `ticket --revoke URL` does from a shell what B/ticket/revoke does
        # on the contacts page: the token alice issued carol stops reading
        # at once (TE-12); the conversation itself stays as it was.
        alice, carol = self.alice, self.carol
        r = alice.get(self.res_carol, headers=self.bearer(self.tok_carol))
        self.assertEqual(r.status, 200, r)
        out = run_ok(alice, "ticket", "--revoke", carol.url)
        self.assertIn(b"revoked", out)
        r = alice.get(self.res_carol, headers=self.bearer(self.tok_carol))
        self.assert_invalid_token(r, ["For Carol only"])
        self.assertEqual(state_with(alice, carol), "active")
        # Repeating it is harmless; nobody to revoke is an error that says so.
        run_ok(alice, "ticket", "--revoke", carol.url)
        p = alice.run("ticket", "--revoke", "http://nobody.localhost/")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"no conversation", p.stderr + p.stdout)
        p = alice.run("ticket", "--revoke")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(apache.log_problems(), [])

    def test_3_decline_retires_the_subscription_410_ws_s_26(self):
        carol, alice = self.carol, self.alice
        subs = {c: t for c, t in callback_topics(carol).items()
                if t.startswith(alice.base_url + "/feed/")}
        self.assertTrue(subs)
        run_ok(carol, "ticket", "--decline", alice.url)
        self.assertEqual(state_with(carol, alice), "declined")
        for cid, topic in subs.items():
            for sig in (None, "sha256=" + "0" * 64):
                r = deliver(carol, cid, topic, sig)
                self.assertEqual(r.status, 410, (cid, sig, r))
        # alice keeps writing to carol: nothing is stored on carol's side,
        # and any delivery her hub still makes is answered 410.  The
        # control: bob writes to carol in the same window, and that
        # arrives through carol's live callback for bob's feed.
        bob = self.bob
        live = [c for c, t in callback_topics(carol).items()
                if t.startswith(bob.base_url + "/feed/")]
        self.assertTrue(live)
        mark = os.path.getsize(apache.access_log)
        run_ok(alice, "send", "--to", carol.url, "After the decline")
        run_ok(bob, "send", "--to", carol.url, "Bob, during the decline")
        time.sleep(1)
        for s in (alice, bob, carol):
            s.run("listener", "--maintain")
        arrives(carol, bob, "Bob, during the decline", (bob, carol))
        self.assertNotIn("After the decline", texts_from(carol, alice))
        with open(apache.access_log, "rb") as f:
            f.seek(mark)
            later = f.read().decode("utf-8", "replace")
        self.assertTrue(any(re.search(r'"POST %s HTTP[^"]*" 2\d\d' % re.escape(
            carol.b("listener/" + c)), later) for c in live), later)
        for cid in subs:
            for m in re.finditer(r'"POST %s HTTP[^"]*" (\d+)' % re.escape(carol.b("listener/" + cid)), later):
                self.assertEqual(m.group(1), "410", later)
        # A callback id that never existed is 410 too (WS-S-26, WS-S-29).
        r = carol.request("POST", carol.b("listener/" + "a" * 26),
                          headers={"Content-Type": "text/html"}, body="x")
        self.assertEqual(r.status, 410, r)
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
