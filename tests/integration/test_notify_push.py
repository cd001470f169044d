"""Push notifications: ntfy/Gotify and a signed webhook (issue 16).

Three sites.  A local HTTP server stands in for the owners' push services
and keeps every POST it is given (path, headers, body); it answers 200,
or 500 to the first POST of a path told to fail once.

- alice: `notify_ntfy_url` (ntfy form, with `notify_ntfy_token`) and
  `notify_webhook_url` with its secret; texts off (privacy by default).
- carol: the same service in Gotify form and a webhook, both with their
  `*_text` key on.  Her webhook answers 500 to its first POST.
- bob has no channel: he only writes.

1. bob invites alice and carol: each is told of the message request on
   both channels at once, from the work after the ticket's response.
   alice's ntfy POST has Title, Click (the conversation page), Tags,
   Priority and the Bearer token; her webhook's JSON says who and how
   many, and X-IndieChat-Signature verifies (sha256=HMAC of the raw body).
   carol's webhook fails; lazy maintenance (`listener --maintain`, as the
   cron line or any later request runs it) retries it after the backoff
   and it arrives, with the same delivery id, while her Gotify channel,
   which succeeded, is not sent again (store_notify.h, "f_told").
2. They accept; bob writes to each.  One notification a conversation a
   minute: the message's waits for the minute after the request's.
   alice's carries no text; carol's Gotify message and webhook "texts"
   carry it.
3. alice mutes the conversation (`feed --mute`): bob's next message
   reaches her and no service hears of it.

The messages themselves never wait for a push service.  The test waits
out the coalescing minute and one retry backoff (about 90 s).
"""

import hashlib
import hmac
import http.server
import json
import threading
import time
import unittest

import harness
from chat import homepage, inbox, run_ok, settle, state_with

COALESCE = 60  # IC_NOTIFY_COALESCE_SECONDS
SECRET = {"alice": "alice-webhook-secret-0123", "carol": "carol-webhook-secret-4567"}
REQUEST_FROM_BOB = r"^Message request from (Bob|bob\.localhost(:\d+)?)$"
TOKEN = {"alice": "tk_alice.token-1", "carol": "gotify_app_token"}

apache = None


class Services(http.server.BaseHTTPRequestHandler):
    """Every POST kept, by path; FAIL_ONCE paths answer 500 first."""
    lock = threading.Lock()
    posts = {}
    fail_once = set()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Services.lock:
            failing = self.path in Services.fail_once
            Services.fail_once.discard(self.path)
            Services.posts.setdefault(self.path, []).append(
                {"headers": self.headers, "body": body, "status": 500 if failing else 200})
        self.send_response(500 if failing else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id":1}')

    def log_message(self, *args):
        pass


def posts(path, ok_only=False):
    with Services.lock:
        got = list(Services.posts.get(path, []))
    return [p for p in got if p["status"] == 200] if ok_only else got


server = None


def url(path):
    return "http://127.0.0.1:%d%s" % (server.server_address[1], path)


def spec(name, **conf):
    conf.setdefault("name", name.capitalize())
    return harness.SiteSpec(name, conf=conf, files={"htdocs/index.html": homepage})


def setUpModule():
    global apache, server
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Services)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Services.fail_once.add("/carol/hook")
    apache = harness.Apache(sites=[
        spec("alice", notify_ntfy_url=url("/alice/ntfy"), notify_ntfy_token=TOKEN["alice"],
             notify_webhook_url=url("/alice/hook"), notify_webhook_secret=SECRET["alice"]),
        spec("bob"),
        spec("carol", notify_ntfy_url=url("/carol/message"), notify_ntfy_format="gotify",
             notify_ntfy_token=TOKEN["carol"], notify_ntfy_text="yes",
             notify_webhook_url=url("/carol/hook"), notify_webhook_secret=SECRET["carol"],
             notify_webhook_text="yes"),
    ])
    apache.start()


def tearDownModule():
    apache.stop()
    server.shutdown()


def received(site, peer):
    return next((c["received"] for c in inbox(site) if c["peer"] == peer.url), 0)


class NotifyPush(unittest.TestCase):

    def check_signed(self, post, owner):
        """The webhook's signature verifies; its JSON, parsed."""
        sig = post["headers"]["X-IndieChat-Signature"]
        want = "sha256=" + hmac.new(SECRET[owner].encode(), post["body"],
                                    hashlib.sha256).hexdigest()
        self.assertTrue(hmac.compare_digest(sig, want), (sig, want))
        self.assertEqual(post["headers"]["Content-Type"], "application/json")
        self.assertIsNone(post["headers"]["Authorization"])  # a webhook signs
        return json.loads(post["body"])

    def check_hook(self, doc, site, peer, messages=0, requests=0):
        self.assertEqual(doc["v"], 1)
        self.assertEqual(doc["event"], "notification")
        self.assertEqual(doc["peer"]["url"], peer.url)
        # Named from the h-card, or by the host before it was read.
        self.assertRegex(doc["peer"]["name"], r"^(Bob|bob\.localhost(:\d+)?)$")
        self.assertEqual(doc["counts"], {"messages": messages, "requests": requests,
                                         "accepted": 0, "problems": 0})
        self.assertTrue(doc["link"].startswith(site.b_url("feed/with/")), doc["link"])
        self.assertTrue(doc["id"].startswith(doc["conversation"] + "."))
        self.assertLess(abs(doc["date"] - time.time()), 300)

    def test_requests_messages_retry_and_mute(self):
        alice, bob, carol = apache["alice"], apache["bob"], apache["carol"]
        sites = (alice, bob, carol)
        # 1. Message requests: told at once on both channels.
        run_ok(bob, "ticket", "--invite", alice.url)
        run_ok(bob, "ticket", "--invite", carol.url)
        settle(lambda: state_with(alice, bob) == "request"
               and state_with(carol, bob) == "request", sites)
        settle(lambda: posts("/alice/ntfy") and posts("/alice/hook")
               and posts("/carol/message") and posts("/carol/hook"), sites, timeout=30)
        requested_at = time.time()
        [ntfy] = posts("/alice/ntfy")
        h = ntfy["headers"]
        # Named from bob's h-card, or by his host when the request is
        # told before his h-card was read (every channel alike).
        self.assertRegex(h["Title"], REQUEST_FROM_BOB)
        self.assertTrue(h["Click"].startswith(alice.b_url("feed/with/")), h["Click"])
        self.assertEqual(h["Tags"], "wave,indiechat")
        self.assertEqual(h["Priority"], "4")
        self.assertEqual(h["Authorization"], "Bearer " + TOKEN["alice"])
        self.assertTrue(h["Content-Type"].startswith("text/plain"))
        self.assertIn(bob.url, ntfy["body"].decode())
        [hook] = posts("/alice/hook")
        self.check_hook(self.check_signed(hook, "alice"), alice, bob, requests=1)
        self.assertNotIn("texts", json.loads(hook["body"]))
        [gotify] = posts("/carol/message")
        self.assertEqual(gotify["headers"]["Authorization"], "Bearer " + TOKEN["carol"])
        doc = json.loads(gotify["body"])
        self.assertRegex(doc["title"], REQUEST_FROM_BOB)
        self.assertEqual(doc["priority"], 7)
        self.assertTrue(doc["extras"]["client::notification"]["click"]["url"]
                        .startswith(carol.b_url("feed/with/")))
        # carol's webhook failed; the retry (backoff 30 s) brings it.
        self.assertEqual([p["status"] for p in posts("/carol/hook")], [500])
        settle(lambda: posts("/carol/hook", ok_only=True), sites, timeout=90)
        first, retry = posts("/carol/hook")
        self.assertEqual(first["body"] and json.loads(first["body"])["id"],
                         json.loads(retry["body"])["id"])  # the same delivery
        self.check_hook(self.check_signed(retry, "carol"), carol, bob, requests=1)
        for s in sites:
            s.run("listener", "--maintain")
        self.assertEqual(len(posts("/carol/message")), 1)  # told once
        self.assertEqual(len(posts("/alice/ntfy")), 1)
        self.assertEqual(len(posts("/alice/hook")), 1)
        # 2. Accepted; one message each, told a minute after the request.
        run_ok(alice, "ticket", "--accept", bob.url)
        run_ok(carol, "ticket", "--accept", bob.url)
        settle(lambda: state_with(bob, alice) == "active"
               and state_with(bob, carol) == "active", sites)
        run_ok(bob, "send", "--to", alice.url, "quick words for alice")
        run_ok(bob, "send", "--to", carol.url, "Secret words for Carol")
        settle(lambda: received(alice, bob) >= 1 and received(carol, bob) >= 1, sites)
        time.sleep(max(0, requested_at + COALESCE - 5 - time.time()))
        settle(lambda: len(posts("/alice/ntfy")) >= 2 and len(posts("/alice/hook")) >= 2
               and len(posts("/carol/message")) >= 2
               and len(posts("/carol/hook", ok_only=True)) >= 2, sites, timeout=90)
        ntfy = posts("/alice/ntfy")[1]
        self.assertEqual(ntfy["headers"]["Title"], "New message from Bob")
        self.assertEqual(ntfy["headers"]["Tags"], "speech_balloon,indiechat")
        self.assertEqual(ntfy["headers"]["Priority"], "3")
        self.assertNotIn(b"quick", ntfy["body"])  # privacy by default
        hook = posts("/alice/hook")[1]
        self.check_hook(self.check_signed(hook, "alice"), alice, bob, messages=1)
        self.assertNotIn(b"quick", hook["body"])
        self.assertNotIn("texts", json.loads(hook["body"]))
        doc = json.loads(posts("/carol/message")[1]["body"])
        self.assertEqual(doc["title"], "New message from Bob")
        self.assertIn("Secret words for Carol", doc["message"])
        hook = posts("/carol/hook", ok_only=True)[1]
        doc = self.check_signed(hook, "carol")
        self.check_hook(doc, carol, bob, messages=1)
        self.assertEqual(doc["texts"], ["Secret words for Carol"])
        # 3. Muted: the message arrives, no service hears of it.
        self.assertIn(b"muted", run_ok(alice, "feed", "--mute", bob.url))
        before = len(posts("/alice/ntfy")), len(posts("/alice/hook"))
        run_ok(bob, "send", "--to", alice.url, "while muted")
        settle(lambda: received(alice, bob) >= 2, sites)
        for _ in range(2):
            for s in sites:
                s.run("listener", "--maintain")
        time.sleep(1)
        self.assertEqual((len(posts("/alice/ntfy")), len(posts("/alice/hook"))), before)
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
