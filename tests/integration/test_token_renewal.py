"""Keeping a held token alive between two IndieChat sites (issue 12).

Alice and bob converse (chat.converse()).  Then, through the real Apache:

1. bob's token endpoint revokes the access token alice holds for his feed
   (RFC 7009, as an issuer that forgets or rotates tokens would).  Bob's
   next message still reaches alice: her fetch gets 401, she refreshes at
   bob's token endpoint with the refresh token he gave her (TR-11, TE-6),
   reads the feed again with the new token, and stores the message.
2. Now bob revokes her access token and her refresh token too.  The
   refresh is refused (invalid_grant), so alice asks bob for a ticket
   (POST action=ticket&subject=alice, TE-14); bob's lazy maintenance sends
   her one, she redeems it and reads the message.  The evidence that the
   ticket was a new one: a POST to alice's ticket endpoint after the
   revocation, and a working token that is none of the revoked ones.
3. Bob's owner revokes alice's access (`ticket --revoke`): her refresh is
   refused and her ask gets no ticket (TE-14: not for a revoked
   correspondent), so her conversation says "Waiting for a new ticket from
   Bob" (page and JSON).  The control in the same window: alice's own
   message still reaches bob (her side of the conversation is untouched).

The tokens are the holder's own: records are cJSON in data.mdb, read as
bytes as test_isolation.py does (freed pages may keep older copies, so
every copy is revoked).
"""

import json
import os
import re
import unittest
import urllib.parse

import harness
from chat import conversation, converse, homepage, run_ok, settle
from web import Owner, set_passphrase

PASS = "correct horse battery staple renewal"

SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage})
         for n in ("alice", "bob")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def held_secrets(site, field):
    """Every value of `field` ("access_token", "refresh_token") in the held
    token records in site's LMDB files, newest copies and stale ones."""
    found = []
    pat = re.compile(rb'\{[^{}]*"%s"\s*:\s*"[^"]+"[^{}]*\}' % field.encode())
    for name in os.listdir(site.data_dir):
        if not name.endswith(".mdb") or "lock" in name:
            continue
        with open(os.path.join(site.data_dir, name), "rb") as f:
            data = f.read()
        for m in pat.finditer(data):
            try:
                rec = json.loads(m.group(0).decode("utf-8"))
            except ValueError:
                continue
            if rec.get("resource") and rec.get(field) not in found:
                found.append(rec[field])
    return found


def revoke_at(issuer, secrets):
    for s in secrets:
        r = issuer.request("POST", issuer.b("auth/revoke"),
                           {"Content-Type": "application/x-www-form-urlencoded"},
                           urllib.parse.urlencode({"token": s}))
        assert r.status == 200, r


def texts(site, peer):
    return [m["text"] for m in conversation(site, peer)["messages"]]


def ticket_posts(site):
    """How many POSTs site's ticket endpoint got, from the access log."""
    with open(apache.access_log, "rb") as f:
        log = f.read().decode("utf-8", "replace")
    return len([line for line in log.splitlines()
                if line.startswith("%s.localhost:" % site.name)
                and '"POST %s HTTP' % site.b("ticket") in line])


class Renewal(unittest.TestCase):
    """In name order: each step starts where the one before ended."""

    @classmethod
    def setUpClass(cls):
        cls.alice, cls.bob = apache["alice"], apache["bob"]
        converse(cls(), cls.alice, cls.bob)
        cls.both = (cls.alice, cls.bob)

    def reads_bob(self):
        """The tokens alice holds that read bob's feed for her now."""
        return [t for t in held_secrets(self.alice, "access_token")
                if self.feed_status(t) == 200]

    def feed_status(self, token):
        feed = conversation(self.bob, self.alice)["id"]
        r = self.bob.get(self.bob.b("feed/" + feed),
                         headers={"Authorization": "Bearer " + token})
        return r.status

    def test_1_a_401_is_refreshed_and_read_again_tr_11(self):
        since = apache.log_mark()
        old = held_secrets(self.alice, "access_token")
        self.assertTrue(old)
        revoke_at(self.bob, old)
        self.assertEqual([self.feed_status(t) for t in old], [401] * len(old))
        run_ok(self.bob, "send", "--to", self.alice.url, "after the revoke")
        settle(lambda: "after the revoke" in texts(self.alice, self.bob),
               self.both, timeout=30)
        fresh = self.reads_bob()
        self.assertTrue(fresh, "alice holds no working token after the refresh")
        self.assertFalse(set(fresh) & set(old))
        self.assertFalse(conversation(self.alice, self.bob)["waiting_for_ticket"])
        # Bob's token endpoint says which grant renewed it (TE-6).
        self.assertIn("token refreshed for %s" % self.alice.url,
                      apache.error_log_text(since))

    def test_2_a_dead_refresh_token_asks_for_a_ticket_te_14(self):
        since = apache.log_mark()
        tickets = ticket_posts(self.alice)
        old = held_secrets(self.alice, "access_token")
        revoke_at(self.bob, held_secrets(self.alice, "refresh_token") + old)
        run_ok(self.bob, "send", "--to", self.alice.url, "after the refresh died")
        settle(lambda: "after the refresh died" in texts(self.alice, self.bob),
               self.both, timeout=40)
        self.assertGreater(ticket_posts(self.alice), tickets,
                           "bob sent alice no new ticket")
        # Looked up after the answer (TE-14), so logged by the work after
        # the response, into bob's data_dir/indiechat.log.
        with open(os.path.join(self.bob.data_dir, "indiechat.log"),
                  encoding="utf-8", errors="replace") as f:
            self.assertIn("%s asked for a ticket: one goes out" % self.alice.url,
                          f.read())
        fresh = self.reads_bob()
        self.assertTrue(fresh)
        self.assertFalse(set(fresh) & set(old))
        self.assertFalse(conversation(self.alice, self.bob)["waiting_for_ticket"])

    def test_3_revoked_access_waits_for_a_ticket(self):
        run_ok(self.bob, "ticket", "--revoke", self.alice.url)
        tickets = ticket_posts(self.alice)
        run_ok(self.bob, "send", "--to", self.alice.url, "you cannot read this")
        # The control: alice's own message still reaches bob.
        run_ok(self.alice, "send", "--to", self.bob.url, "still here")
        settle(lambda: "still here" in texts(self.bob, self.alice), self.both)
        settle(lambda: conversation(self.alice, self.bob)["waiting_for_ticket"],
               self.both, timeout=30)
        self.assertNotIn("you cannot read this", texts(self.alice, self.bob))
        self.assertEqual(ticket_posts(self.alice), tickets)
        owner = Owner(self.alice)
        set_passphrase(self.alice, PASS)
        owner.sign_in(PASS)
        conv = conversation(self.alice, self.bob)["id"]
        page = owner.get(self.alice.b("feed/with/" + conv))
        self.assertEqual(page.status, 200)
        self.assertIn(b'id="ticket-wait"', page.body)
        self.assertIn(b"Waiting for a new ticket from", page.body)


if __name__ == "__main__":
    unittest.main()
