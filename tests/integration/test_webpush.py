"""Web Push to the owner's devices (issue 16; RFC 8030, 8291, 8292).

Two sites, alice with `notify_webpush = yes`, bob writing to her, and a
push service in this process (push_service.py) that checks every POST's
VAPID JWT against alice's key, decrypts its aes128gcm body with the
device's own private key, and answers as told.

alice signs in (the built-in server) and, as the settings page's switch
does, fetches her VAPID key (B/auth/webpush) and subscribes three devices
(B/auth/webpush/subscribe, session + CSRF): "phone" answers 201, "old" 410
(its user unsubscribed), "flaky" 500 once, then 201.  A bad subscription
is refused with a reason, and nothing is stored.

1. bob invites alice: "phone" gets one notification, which decrypts to
   {title: "Bob" (or his host, when his h-card is not fetched yet),
   body: "Message request", url: the conversation page,
   tag: its id}; "old" is removed (404/410 is no failure); "flaky"'s 500
   makes the job retry after its backoff, and the retry reaches "flaky"
   only: "phone" is not told twice, "flaky" gets it once, never a third
   POST however often maintenance runs.
2. alice accepts, bob writes: a minute after the request (coalescing),
   "phone" gets {body: "New message"}, no text (privacy by default).
3. alice mutes bob (`feed --mute`): his next message reaches her and no
   device hears of it.
Also: the fixture's decryption against RFC 8291 Appendix A, so the
end-to-end checks rest on a decryptor known to be right.
"""

import json
import time
import unittest

import harness
import push_service
from chat import homepage, inbox, run_ok, settle, state_with
from cryptography.hazmat.primitives.asymmetric import ec
from web import Owner, set_passphrase

COALESCE = 60  # IC_NOTIFY_COALESCE_SECONDS
PASS = "correct horse battery staple webpush"
JSON = {"Accept": "application/json"}

apache = None
service = None


def setUpModule():
    global apache, service
    service = push_service.start()
    apache = harness.Apache(sites=[
        harness.SiteSpec("alice", conf={"name": "Alice", "notify_webpush": "yes"},
                         files={"htdocs/index.html": homepage}),
        harness.SiteSpec("bob", conf={"name": "Bob"}, files={"htdocs/index.html": homepage}),
    ])
    apache.start()


def tearDownModule():
    apache.stop()
    service.shutdown()


def received(site, peer):
    return next((c["received"] for c in inbox(site) if c["peer"] == peer.url), 0)


class Rfc8291Vector(unittest.TestCase):
    def test_fixture_decrypts_appendix_a(self):
        ua = ec.derive_private_key(
            int.from_bytes(push_service.b64d("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"),
                           "big"), ec.SECP256R1())
        body = push_service.b64d(
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
            "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
            "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
        self.assertEqual(push_service.decrypt(body, ua, push_service.b64d("BTBZMqHH6r4Tts7J_aSIgg")),
                         b"When I grow up, I want to be a watermelon")


class WebPush(unittest.TestCase):
    def subscribe(self, owner, sub, status=200):
        r = owner.post(owner.site.b("auth/webpush/subscribe"), sub, headers=JSON)
        self.assertEqual(r.status, status, r.body[:300])
        return r

    def devices(self, owner):
        r = owner.get(owner.site.b("auth/webpush"), headers=JSON)
        self.assertEqual(r.status, 200, r.body[:300])
        return r.json()

    def check_clean(self, *devs):
        for d in devs:
            for p in d.posts:
                self.assertEqual(p["problems"], [], d.name)

    def test_devices_told_once_gone_removed_retried_muted(self):
        alice, bob = apache["alice"], apache["bob"]
        sites = (alice, bob)
        set_passphrase(alice, PASS)
        owner = Owner(alice)
        self.assertEqual(owner.sign_in(PASS).status, 303)
        key = self.devices(owner)["key"]
        self.assertEqual(self.devices(owner), {"key": key, "devices": 0})  # one key
        phone, old, flaky = (push_service.Device(service, n) for n in ("phone", "old", "flaky"))
        for d in (phone, old, flaky):
            d.vapid_key = key
            self.subscribe(owner, d.subscription())
        old.gone = True
        flaky.answers = [500]
        bad = dict(phone.subscription(), endpoint=push_service.url(service, "/push/bad"),
                   p256dh="BCVx")
        self.assertIn(b"p256dh", self.subscribe(owner, bad, status=400).body)
        self.assertEqual(self.devices(owner)["devices"], 3)
        # Without the CSRF token: refused, nothing changes.
        r = owner.post(alice.b("auth/webpush/unsubscribe"),
                       {"endpoint": phone.subscription()["endpoint"]}, headers=JSON, csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(self.devices(owner)["devices"], 3)

        # 1. A message request: phone told, old removed, flaky retried.
        run_ok(bob, "ticket", "--invite", alice.url)
        settle(lambda: state_with(alice, bob) == "request", sites)
        requested_at = time.time()
        settle(lambda: phone.posts and old.posts and flaky.posts, sites, timeout=30)
        [note] = phone.told()
        # Bob's name, or his host when his h-card was not fetched yet:
        # the request is told as soon as his ticket is stored.
        self.assertIn(note["title"], ("Bob", bob.host.split(":")[0]))
        self.assertEqual(note["body"], "Message request")
        self.assertTrue(note["url"].startswith(alice.b_url("feed/with/")), note["url"])
        self.assertEqual(note["url"], alice.b_url("feed/with/" + note["tag"]))
        self.assertEqual([p["status"] for p in old.posts], [410])
        # The job removes "old" right after the 410 reaches it: the
        # fixture saw the POST a moment before.
        settle(lambda: self.devices(owner)["devices"] == 2, sites, timeout=10)
        self.assertEqual([p["status"] for p in flaky.posts], [500])
        settle(lambda: flaky.told(), sites, timeout=90)
        for _ in range(3):
            for s in sites:
                s.run("listener", "--maintain")
        self.assertEqual([p["status"] for p in flaky.posts], [500, 201])
        self.assertEqual(flaky.told(), [note])
        self.assertEqual(len(phone.posts), 1)  # once per device
        self.assertEqual(len(old.posts), 1)

        # 2. A message, told a minute after the request, without its text.
        run_ok(alice, "ticket", "--accept", bob.url)
        settle(lambda: state_with(bob, alice) == "active", sites)
        run_ok(bob, "send", "--to", alice.url, "Secret words for Alice")
        settle(lambda: received(alice, bob) >= 1, sites)
        time.sleep(max(0, requested_at + COALESCE - 5 - time.time()))
        settle(lambda: len(phone.posts) >= 2 and len(flaky.posts) >= 3, sites, timeout=90)
        note = phone.told()[1]
        self.assertEqual((note["title"], note["body"]), ("Bob", "New message"))
        self.assertNotIn("Secret", json.dumps(note))
        self.assertEqual(flaky.told()[1], note)

        # 3. Muted: the message arrives, no device hears of it.
        self.assertIn(b"muted", run_ok(alice, "feed", "--mute", bob.url))
        before = len(phone.posts), len(flaky.posts)
        run_ok(bob, "send", "--to", alice.url, "while muted")
        settle(lambda: received(alice, bob) >= 2, sites)
        for _ in range(2):
            for s in sites:
                s.run("listener", "--maintain")
        time.sleep(1)
        self.assertEqual((len(phone.posts), len(flaky.posts)), before)
        self.check_clean(phone, old, flaky)
        # Unsubscribing removes the device.
        r = owner.post(alice.b("auth/webpush/unsubscribe"),
                       {"endpoint": phone.subscription()["endpoint"]}, headers=JSON)
        self.assertEqual((r.status, r.json()["devices"]), (200, 1))
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
