"""TicketAuth interoperability: TKT-01..TKT-10 (STANDARDS.md 11.4) against
WordPress-, Publ- and gRegorLove-like correspondents (issue 12).

The correspondents are tests/fixtures/peer_site.py with `--profile
wordpress|publ|gregorlove` (PEERS.md 2.9, 2.10: who sends, who redeems in
the POST or after a 202, where each looks for endpoints, ticket and token
lifetimes, what `me` their token answers carry).  Our side is a real Apache
site, alice, whose vhost also maps the issuer B/ and its RFC 8414 well-known
address as scripts/install's snippet does (TE-8, TE-9); dave runs without
dev_mode for TKT-10.  The Publ-like peers ping a Switchboard-like hub
(tests/fixtures/switchboard_hub.py), which alice subscribes at, so a post
there reaches alice as Publ's would.

Directions: "we send" = alice's ticket goes to the peer, which redeems it
at B/auth/token and reads alice's feed; "they send" = the peer's ticket
comes to B/ticket and alice redeems it at the peer's token endpoint.
WordPress sends no tickets (wordpress-indieauth #172), so it has only the
first direction.

Beyond the TKT cases (the lead's features, tests written from the spec):
(a) TE-14 ticket requests at B/auth/token; (b) TR-11 renewal: refresh on
401, action=ticket when the refresh is refused, proactive refresh by lazy
maintenance; (c) TE-2 replay revokes what the ticket gave; (d) the
conversation page says we are waiting for a new ticket.
"""

import json
import os
import re
import select
import socket
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import harness
from chat import homepage, run_ok, state_with
from web import Owner, set_passphrase

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
PASS = "an interop passphrase"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DEADLINE = 20.0


class Fixture:
    """A fixture process (peer_site.py or switchboard_hub.py) and its URL."""

    def __init__(self, script, name, *args):
        self.name = name
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-B", os.path.join(FIXTURES, script), "--name", name,
             "--port", "0", "--timeout", "5"] + list(args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().decode() if ready else ""
        m = re.fullmatch(r"PORT (\d+)\n", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("%s fixture did not start: %r" % (name, line))
        self.port = int(m.group(1))
        self.url = "http://%s.localhost:%d/" % (name, self.port)

    def control(self, name, body=None, query=""):
        req = urllib.request.Request(
            "http://127.0.0.1:%d/_fixture/%s%s" % (self.port, name, query),
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     "Host": "%s.localhost:%d" % (self.name, self.port)})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    # peer_site helpers
    def events(self, kind):
        return [e for e in self.control("events", query="?kind=" + kind)["events"]]

    def requests(self, path):
        return self.control("requests", query="?path=" + urllib.parse.quote(path))["requests"]

    def received(self):
        return self.control("received")["received"]

    def tokens(self):
        return self.control("tokens")

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def issuer_vhost(site, sites):
    """What scripts/install's snippet adds: B/ and its well-known address."""
    auth = os.path.join(site.apache.cgi_dir, "auth")
    return ('ScriptAliasMatch "^%s/?$" "%s/issuer"\n'
            '    ScriptAliasMatch "^/\\.well-known/oauth-authorization-server%s/?$" "%s/metadata"'
            % (re.escape(site.base_path), auth, re.escape(site.base_path), auth))


hub = None
peers = {}
apache = None
alice = None
owner = None
PEERS = [
    # name, profile, extra options
    ("wp", "wordpress", []),
    ("wpreplay", "wordpress", []),
    ("publ", "publ", ["HUB"]),
    ("greg", "gregorlove", []),
    ("pubrefresh", "publ", ["HUB"]),
    ("pubgiveup", "publ", ["HUB"]),
    ("pubwait", "publ", ["HUB", "--ticket-requests", "ignore"]),
    ("pubshort", "publ", ["--token-lifetime", "40"]),
    ("known1", "publ", []),
    ("known2", "publ", []),
    ("stranger", "publ", []),
    ("spammer", "publ", []),
]


def setUpModule():
    global hub, apache, alice, owner
    try:
        hub = Fixture("switchboard_hub.py", "hub", "--retry-delays", "0.5,1,2")
        for i, (name, profile, extra) in enumerate(PEERS):
            # Each site sends from its own address, as on the internet:
            # our per-address limits (issue 12) see them apart.
            args = ["--profile", profile, "--source", "127.0.4.%d" % (i + 1)]
            for x in extra:
                args += ["--hub", hub.url] if x == "HUB" else [x]
            peers[name] = Fixture("peer_site.py", name, *args)
        apache = harness.Apache(sites=[
            harness.SiteSpec("alice", files={"htdocs/index.html": homepage},
                             vhost=[issuer_vhost]),
            # A page that is not WordPress's owner but names its ticket
            # endpoint: what WordPress says to a wrong subject (TKT-03).
            harness.SiteSpec("impostor", mount=False, files={"htdocs/index.html": lambda s, ss: (
                '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>I</title>'
                '<link rel="ticket_endpoint" href="%sticket"></head><body></body></html>\n'
                % peers["wp"].url)}),
            harness.SiteSpec("dave", conf={
                "dev_mode": "false", "sign_in": "external", "me": "https://dave.localhost/",
                "base_url": lambda s, ss: "https://%s/indiechat" % s.host}),
        ])
        apache.start()
    except BaseException:
        tearDownModule()
        raise
    alice = apache["alice"]
    set_passphrase(alice, PASS)
    owner = Owner(alice)
    if owner.sign_in(PASS).status != 303:
        raise AssertionError("alice could not sign in")


def tearDownModule():
    if apache is not None:
        apache.stop()
    for p in list(peers.values()) + ([hub] if hub else []):
        p.stop()


# ---------------------------------------------------------------- helpers


def maintain():
    alice.run("listener", "--maintain")


def wait(cond, what, timeout=DEADLINE, tick=maintain):
    """Poll cond() until true, running alice's due maintenance between looks."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not reached in %gs: %s" % (timeout, what))
        time.sleep(0.2)
        if tick:
            tick()


def conversation(peer):
    r = alice.run("feed", "--conversation", peer.url, "--json")
    return json.loads(r.stdout) if r.returncode == 0 else None


def texts(peer):
    c = conversation(peer)
    return [m["text"] for m in (c or {}).get("messages", [])]


def conv_id(peer):
    r = owner.get(alice.b("feed/api/inbox"))
    assert r.status == 200, r.body[:200]
    for c in json.loads(r.body)["conversations"]:
        if c["peer"] == peer.url:
            return c["id"]
    raise AssertionError("no conversation with %s in alice's inbox" % peer.url)


def redeemed_by(peer, n=1):
    """The peer's redemptions, once there are n of them."""
    return wait(lambda: (lambda r: r if len(r) >= n else None)(peer.tokens()["redemptions"]),
                "%s redeemed %d ticket(s)" % (peer.name, n))


def they_invite(peer, topic, **extra):
    body = {"subject": alice.url, "topic": topic}
    body.update(extra)
    return peer.control("invite", body)


def redeemed_at_peer(peer, n=1):
    """Tickets the peer issued that were redeemed (by alice)."""
    return wait(lambda: (lambda e: e if len(e) >= n else None)(peer.events("ticket_redeemed")),
                "%s saw %d redemption(s) of its tickets" % (peer.name, n))


def subscribed(peer):
    """alice holds an active subscription at the hub for a topic of peer."""
    st = hub.control("state")
    return [s for s in st["subscriptions"]
            if s.get("active") and s.get("topic", "").startswith(peer.url)]


def feed_reads(peer, topic, status=None):
    return [r for r in peer.requests("/feed/" + topic) if status is None or r["status"] == status]


def header_values(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def has_refresh_grant(peer, refresh_token=None):
    return [r for r in peer.requests("/token")
            if r["fields"].get("grant_type") == "refresh_token"
            and (refresh_token is None or r["fields"].get("refresh_token") == refresh_token)]


def ticket_requests_from_alice(peer):
    return [r for r in peer.requests("/token")
            if r["fields"].get("action") == "ticket"
            and r["fields"].get("subject") == alice.url]


def setup_conversation(peer, topic, accept=True):
    """peer invites alice (they send), alice accepts (we send); waits until
    both tickets were redeemed."""
    sent = they_invite(peer, topic)
    assert sent["ok"] and sent["status"] == 202, sent
    wait(lambda: state_with(alice, peer) == "request", "%s is a request" % peer.name)
    if accept:
        run_ok(alice, "ticket", "--accept", peer.url)
        wait(lambda: any(r.get("ok") for r in peer.tokens()["redemptions"]),
             "%s redeemed alice's ticket" % peer.name)
    return sent


# ---------------------------------------------------------------- WordPress


class WordPressWeSend(unittest.TestCase):
    """We send -> WordPress redeems (the only direction WordPress has)."""

    @classmethod
    def setUpClass(cls):
        cls.wp = peers["wp"]
        cls.invite = alice.run("ticket", "--invite", cls.wp.url)
        cls.red = redeemed_by(cls.wp)[0]

    def test_tkt_07_sync_redeemer_inside_our_post_succeeds(self):
        self.assertEqual(self.invite.returncode, 0, self.invite.stderr)
        self.assertTrue(self.red["ok"], self.red)
        first = self.wp.received()[0]["ticket"]
        posts = [p for p in self.wp.requests("/ticket") if p["fields"].get("ticket") == first]
        self.assertEqual(len(posts), 1, posts)
        self.assertEqual(posts[0]["status"], 200)  # redeemed before answering
        self.assertEqual(state_with(alice, self.wp), "invited")

    def test_tkt_01_four_parameters_token_endpoint_found(self):
        got = self.wp.received()[0]
        self.assertEqual(got["subject"], self.wp.url)
        self.assertTrue(got["resource"].startswith(alice.b_url("feed/")), got)
        self.assertEqual(got["iss"], alice.b_url() + "/")
        self.assertGreaterEqual(len(got["ticket"]), 43)
        self.assertEqual(self.red["token_endpoint"], alice.b_url("auth/token"))

    def test_tkt_02_iss_metadata_issuer_equals_iss(self):
        # WordPress looks at iss first: the RFC 8414 well-known address of
        # B/, whose metadata names issuer == iss.
        self.assertTrue(self.red["discovery"][0].startswith("iss "), self.red["discovery"])
        self.assertEqual(self.wp.events("metadata_issuer_mismatch"), [])

    def test_tkt_06_me_is_the_subject(self):
        held = self.wp.tokens()["held"][self.red["resource"]]
        self.assertEqual(held["me"], self.wp.url)

    def test_tkt_08_token_reads_private_feed_bad_token_401_with_links(self):
        self.assertEqual(self.red["fetch_status"], 200)
        fetched = self.wp.control("fetch", {"resource": self.red["resource"]})
        self.assertEqual(fetched["status"], 200)
        self.assertIn("no-store", " ".join(header_values(fetched["headers"], "Cache-Control")))
        bad = self.wp.control("fetch", {"resource": self.red["resource"], "token": "x" * 43})
        self.assertEqual(bad["status"], 401)
        self.assertIn('error="invalid_token"',
                      " ".join(header_values(bad["headers"], "WWW-Authenticate")))
        links = " ".join(header_values(bad["headers"], "Link"))
        self.assertIn('rel="token_endpoint"', links)
        self.assertIn(alice.b_url("auth/token"), links)

    def test_tkt_09_refresh_gives_a_working_token(self):
        out = self.wp.control("refresh", {"resource": self.red["resource"]})
        self.assertEqual(out["status"], 200, out)
        self.assertEqual(out["json"]["token_type"].lower(), "bearer")
        self.assertEqual(out["fetch_status"], 200)

    def test_tkt_05_expired_ticket_invalid_grant(self):
        tool = apache.tool("tests/tools/ticket_mint")
        self.assertIsNotNone(tool, "tests/tools/ticket_mint is not built (make check builds it)")
        p = apache.run_as_site_user([tool, alice.conf_path, self.wp.url, self.red["resource"], "-5"])
        self.assertEqual(p.returncode, 0, p.stderr)
        ticket = p.stdout.decode().strip()
        # As if alice had sent it: WordPress redeems inside the POST.
        body = urllib.parse.urlencode({"ticket": ticket, "resource": self.red["resource"],
                                       "subject": self.wp.url,
                                       "iss": alice.b_url() + "/"}).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/ticket" % self.wp.port, data=body,
                                     headers=dict(FORM, Host="wp.localhost:%d" % self.wp.port))
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, doc = r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            status, doc = e.code, json.loads(e.read())
        self.assertEqual(status, 400, doc)
        self.assertEqual(doc["error"], "invalid_grant")

    def test_tkt_03_subject_not_its_owner_refused_and_said(self):
        imp = apache["impostor"]
        r = alice.run("ticket", "--invite", imp.url)
        posts = [p for p in self.wp.requests("/ticket")
                 if p["fields"].get("subject") == imp.url]
        self.assertEqual([p["status"] for p in posts], [400])
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        # The owner is told why (TS-4): the status and WordPress's words.
        self.assertNotEqual(r.returncode, 0, out)
        self.assertIn("400", out)
        self.assertIn("Subject is not a user on this site", out)

    def test_they_send_not_implemented_by_wordpress(self):
        out = self.wp.control("invite", {"subject": alice.url})
        self.assertFalse(out["ok"])
        self.assertIn("does not send", out["error"])


class WordPressReplay(unittest.TestCase):
    """TKT-04 / TE-2 (c): the peer redeems our ticket twice."""

    def test_tkt_04_second_redemption_invalid_grant_and_tokens_revoked_te_2(self):
        wp = peers["wpreplay"]
        run_ok(alice, "ticket", "--invite", wp.url)
        red = redeemed_by(wp)[0]
        self.assertTrue(red["ok"], red)
        held = wp.tokens()["held"][red["resource"]]
        again = wp.control("replay", {})
        self.assertEqual(again["status"], 400, again)
        self.assertEqual(again["json"].get("error"), "invalid_grant")
        # Rec (RFC 6749 4.1.2): what the ticket gave stops working.
        f = wp.control("fetch", {"resource": red["resource"], "token": held["access_token"]})
        self.assertEqual(f["status"], 401, "the first redemption's token still reads the feed")
        r = wp.control("refresh", {"resource": red["resource"]})
        self.assertEqual(r["status"], 400, r)
        self.assertEqual(r["json"].get("error"), "invalid_grant")


# ---------------------------------------------------------------- Publ


class PublBothWays(unittest.TestCase):
    """Publ sends (TKT as the redeemer) and, once alice accepts, redeems."""

    @classmethod
    def setUpClass(cls):
        cls.p = peers["publ"]
        cls.first = they_invite(cls.p, "publ", iss=None)  # resource discovery
        wait(lambda: state_with(alice, cls.p) == "request", "publ's ticket filed")

    def test_1_they_send_tkt_01_redeemed_via_resource(self):
        self.assertTrue(self.first["ok"], self.first)
        self.assertEqual(self.first["status"], 202)
        red = redeemed_at_peer(self.p)
        self.assertEqual(red[0]["subject"], alice.url)
        wait(lambda: feed_reads(self.p, "publ", 200), "alice read publ's feed")

    def test_2_they_send_tkt_02_with_iss_metadata(self):
        since = self.p.control("events", query="?kind=request")["last"]
        sent = they_invite(self.p, "publ", iss=self.p.url)
        self.assertEqual(sent["status"], 202, sent)
        redeemed_at_peer(self.p, 2)
        meta = [e for e in self.p.control("events", query="?kind=request&since=%d" % since)["events"]
                if e["path"] in ("/.well-known/oauth-authorization-server", "/metadata")]
        self.assertTrue(meta, "alice did not read the issuer's metadata")

    def test_3_they_send_tkt_03_subject_not_owner_400(self):
        out = self.p.control("invite", {"subject": "http://nobody.localhost/", "topic": "publ-x",
                                        "ticket_endpoint": alice.b_url("ticket")})
        self.assertEqual(out["status"], 400, out)
        self.assertEqual(json.loads(out["body"])["error"], "invalid_request")

    def test_4_they_send_tkt_04_replayed_ticket_refused_by_publ(self):
        sent = they_invite(self.p, "publ", ticket=self.first["ticket"])
        self.assertEqual(sent["status"], 202, sent)
        wait(lambda: [e for e in self.p.events("ticket_refused") if e.get("reason") == "reused"],
             "alice's second redemption of a used ticket")
        self.assertEqual(state_with(alice, self.p), "request")

    def test_5_they_send_tkt_05_expired_ticket_refused(self):
        sent = they_invite(self.p, "publ", lifetime=-1)
        self.assertEqual(sent["status"], 202, sent)
        wait(lambda: [e for e in self.p.events("ticket_refused") if e.get("reason") == "expired"],
             "alice's redemption of an expired ticket")
        self.assertEqual(state_with(alice, self.p), "request")

    def test_6_they_send_tkt_06_tkt_08_message_arrives(self):
        toks = self.p.tokens()["issued"]
        self.assertTrue(all(t["subject"] == alice.url for t in toks))
        wait(lambda: subscribed(self.p), "alice subscribed at publ's hub")
        self.p.control("post", {"topic": "publ", "html": "<p>Hello from Publ</p>"})
        wait(lambda: "Hello from Publ" in texts(self.p), "publ's message at alice")

    def test_7_we_send_tkt_01_06_08_09_publ_redeems(self):
        run_ok(alice, "ticket", "--accept", self.p.url)
        red = wait(lambda: [r for r in self.p.tokens()["redemptions"] if r.get("ok")],
                   "publ redeemed alice's ticket")[0]
        got = self.p.received()[0]
        self.assertEqual(got["subject"], self.p.url)           # TKT-01
        self.assertEqual(got["iss"], alice.b_url() + "/")
        self.assertEqual(red["token_endpoint"], alice.b_url("auth/token"))
        self.assertEqual(red["me"], self.p.url)                # TKT-06
        self.assertEqual(red["fetch_status"], 200)             # TKT-08
        wait(lambda: state_with(alice, self.p) == "active", "active")
        run_ok(alice, "send", "--to", self.p.url, "Hello Publ")
        f = self.p.control("fetch", {"resource": red["resource"]})
        self.assertIn("Hello Publ", f["body"])
        r = self.p.control("refresh", {"resource": red["resource"]})  # TKT-09
        self.assertEqual(r["status"], 200, r)
        self.assertEqual(r["fetch_status"], 200)


# ---------------------------------------------------------------- gRegorLove


class GRegorLoveBothWays(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.g = peers["greg"]
        cls.first = they_invite(cls.g, "greg")  # iss = its URL
        wait(lambda: state_with(alice, cls.g) == "request", "greg's ticket filed")

    def test_1_they_send_tkt_01_02_06_me_is_issuer_tolerated(self):
        self.assertEqual(self.first["status"], 202, self.first)
        red = redeemed_at_peer(self.g)
        self.assertEqual(red[0]["subject"], alice.url)
        # TR-7: its answer says me = its own URL; alice files it anyway.
        wait(lambda: feed_reads(self.g, "greg", 200), "alice read greg's feed")

    def test_2_they_send_tkt_03_subject_not_owner_400(self):
        out = self.g.control("invite", {"subject": "http://nobody.localhost/", "topic": "greg-x",
                                        "ticket_endpoint": alice.b_url("ticket")})
        self.assertEqual(out["status"], 400, out)

    def test_3_they_send_tkt_04_replay_and_tkt_05_expired_refused(self):
        sent = they_invite(self.g, "greg", ticket=self.first["ticket"])
        self.assertEqual(sent["status"], 202, sent)
        sent = they_invite(self.g, "greg", lifetime=-1)
        self.assertEqual(sent["status"], 202, sent)
        wait(lambda: {e.get("reason") for e in self.g.events("ticket_refused")} >= {"reused", "expired"},
             "alice's redemptions of a used and an expired ticket")
        self.assertEqual(state_with(alice, self.g), "request")

    def test_4_we_send_metadata_only_202_async(self):
        run_ok(alice, "ticket", "--accept", self.g.url)
        red = wait(lambda: [r for r in self.g.tokens()["redemptions"] if r.get("ok")],
                   "greg redeemed alice's ticket")[0]
        posts = self.g.requests("/ticket")
        self.assertEqual([p["status"] for p in posts], [202])  # TR-4
        self.assertEqual(red["fetch_status"], 200)               # TKT-08
        self.assertEqual(red["me"], self.g.url)                  # TKT-06
        r = self.g.control("refresh", {"resource": red["resource"]})  # TKT-09
        self.assertEqual(r["status"], 200, r)
        self.assertEqual(r["fetch_status"], 200)
        wait(lambda: state_with(alice, self.g) == "active", "active")


# ---------------------------------------------------------------- TKT-10


class Listener:
    """A bare TCP listener on 127.0.0.1 that counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()

    def close(self):
        self.sock.close()


class LoopbackRefused(unittest.TestCase):
    """TKT-10: without dev_mode (dave), a ticket whose resource or iss is on
    loopback is answered (202, no oracle) and never fetched.  The control
    in the same window: alice (dev_mode, loopback allowed) fetches hers."""

    def test_tkt_10_loopback_resource_and_iss_refused(self):
        dave = apache["dave"]
        refused, control = Listener(), Listener()
        self.addCleanup(refused.close)
        self.addCleanup(control.close)
        lb = "https://127.0.0.1:%d/" % refused.port
        cases = [(lb + "feed/lb", None), (lb + "feed/lb", lb),
                 ("https://tkt10.localhost:%d/feed/lb" % refused.port, None)]
        for resource, iss in cases:
            fields = {"ticket": "t" * 43, "resource": resource, "subject": "https://dave.localhost/"}
            if iss:
                fields["iss"] = iss
            r = dave.request("POST", dave.b("ticket"), FORM, urllib.parse.urlencode(fields).encode())
            with self.subTest(resource=resource, iss=iss):
                self.assertEqual(r.status, 202, r.body[:300])
        # We send: dave does not look for a ticket endpoint on loopback.
        for url in (lb, "https://tkt10.localhost:%d/" % refused.port):
            with self.subTest(invite=url):
                r = dave.run("ticket", "--invite", url)
                self.assertNotEqual(r.returncode, 0, r.stdout)
        r = alice.request("POST", alice.b("ticket"), FORM, urllib.parse.urlencode({
            "ticket": "c" * 43, "resource": "http://127.0.0.1:%d/feed/lb" % control.port,
            "subject": alice.url}).encode())
        self.assertEqual(r.status, 202, r.body[:300])
        wait(lambda: control.count, "alice's fetch of the control resource", tick=None)
        alice.run("ticket", "--invite", "http://127.0.0.1:%d/" % control.port)
        wait(lambda: control.count >= 2, "alice's discovery on the control invite", tick=None)
        time.sleep(1.0)
        self.assertEqual(refused.count, 0, "dave connected to a loopback address")


# ---------------------------------------------------------------- (a) TE-14


class TicketRequestsTe14(unittest.TestCase):
    """(a) action=ticket&subject=… at B/auth/token (indieauth#87)."""

    @classmethod
    def setUpClass(cls):
        cls.k1, cls.k2 = peers["known1"], peers["known2"]
        cls.stranger, cls.spammer = peers["stranger"], peers["spammer"]
        setup_conversation(cls.k1, "k1")
        setup_conversation(cls.k2, "k2")
        setup_conversation(cls.spammer, "spam", accept=False)
        run_ok(alice, "ticket", "--block", cls.spammer.url)
        cls.te = alice.b_url("auth/token")

    def ask(self, peer):
        return peer.control("request_ticket", {"token_endpoint": self.te, "subject": peer.url})

    def test_a_known_gets_a_ticket_unknown_and_blocked_the_same_202(self):
        n1 = len(self.k1.received())
        known, unknown, blocked = self.ask(self.k1), self.ask(self.stranger), self.ask(self.spammer)
        for r in (known, unknown, blocked):
            self.assertEqual(r["status"], 202, r)

        # Date and the framing are Apache's: whether it sends our
        # Content-Length or chunks depends on when the program's pipes
        # close (after the fork for the work after the answer), the same
        # work for every asker.  Everything else must be byte-equal.
        framing = ("date", "content-length", "transfer-encoding")

        def shape(r):
            return (r["status"], r["body"],
                    sorted((k.lower(), v) for k, v in r["headers"] if k.lower() not in framing))
        self.assertEqual(shape(unknown), shape(known))
        self.assertEqual(shape(blocked), shape(known))
        # The control: the known peer's ticket arrives, at its endpoint.
        got = wait(lambda: self.k1.received()[n1:], "a fresh ticket for known1")
        self.assertEqual(got[0]["subject"], self.k1.url)
        maintain()
        time.sleep(0.5)
        self.assertEqual(self.stranger.received(), [])
        self.assertEqual(self.spammer.received(), [])

    def test_b_second_request_in_a_short_window_is_rate_limited(self):
        n1, n2 = len(self.k1.received()), len(self.k2.received())
        if n1 < 2:
            self.ask(self.k1)  # the first request, if test_a did not run
            wait(lambda: len(self.k1.received()) > n1, "known1's first ticket")
            n1 = len(self.k1.received())
        self.assertEqual(self.ask(self.k1)["status"], 202)
        self.assertEqual(self.ask(self.k2)["status"], 202)
        wait(lambda: len(self.k2.received()) > n2, "known2's ticket (the control)")
        maintain()
        time.sleep(0.5)
        self.assertEqual(len(self.k1.received()), n1, "a second ticket within the window")


# ---------------------------------------------------------------- (b) TR-11


class RenewalTr11(unittest.TestCase):
    """(b) refresh on 401, action=ticket when the refresh is refused,
    proactive refresh by lazy maintenance."""

    def post_and_wait(self, peer, topic, text):
        peer.control("post", {"topic": topic, "html": "<p>%s</p>" % text})
        # The hub's notification came and alice's fetch met the 401 ...
        wait(lambda: feed_reads(peer, topic, 401), "alice's fetch refused with 401")
        # ... which she must get past on her own.
        wait(lambda: text in texts(peer), "%r stored at alice" % text)

    def test_a_refresh_on_401_then_message_stored(self):
        p = peers["pubrefresh"]
        setup_conversation(p, "r")
        wait(lambda: subscribed(p), "alice subscribed at pubrefresh's hub")
        issued = [r for r in p.tokens()["refresh"] if r["subject"] == alice.url]
        self.assertEqual(len(issued), 1, issued)
        p.control("revoke", {"subject": alice.url, "expire": True})  # expired early
        self.post_and_wait(p, "r", "After my token expired")
        self.assertTrue(has_refresh_grant(p, issued[0]["refresh_token"]),
                        "alice did not use the refresh token pubrefresh gave her")
        self.assertTrue(feed_reads(p, "r", 401))

    def test_b_refresh_refused_then_action_ticket_then_message_stored(self):
        p = peers["pubgiveup"]
        setup_conversation(p, "g")
        wait(lambda: subscribed(p), "alice subscribed at pubgiveup's hub")
        p.control("configure", {"refresh_grant": "invalid_grant"})
        p.control("revoke", {"subject": alice.url, "expire": True})
        n = len(p.events("ticket_sent"))
        self.post_and_wait(p, "g", "After the refresh was refused")
        self.assertTrue(has_refresh_grant(p))
        self.assertTrue(ticket_requests_from_alice(p), "alice sent no action=ticket")
        self.assertGreater(len(p.events("ticket_sent")), n)

    def test_c_proactive_refresh_before_expiry(self):
        # Tokens live 40 s: refreshed at 75 % of that (30 s), before they
        # run out, by a maintenance run that a request started.
        p = peers["pubshort"]
        sent = they_invite(p, "short")
        self.assertEqual(sent["status"], 202, sent)
        red = redeemed_at_peer(p)[0]
        deadline = red["time"] + 40

        last = [0.0]

        def kick():  # as test_lazy_maintenance does: a request, about once a second
            if time.monotonic() - last[0] >= 1.0:
                last[0] = time.monotonic()
                alice.request("GET", alice.b("listener/ping"))
        got = wait(lambda: p.events("token_refreshed"), "a refresh by lazy maintenance",
                   timeout=45, tick=kick)
        self.assertLess(got[0]["time"], deadline)


# ---------------------------------------------------------------- (d)


class WaitingForTicket(unittest.TestCase):
    """(d) the conversation page says we asked for a ticket and wait."""

    def test_waiting_for_a_new_ticket_shown_then_gone(self):
        p = peers["pubwait"]  # answers action=ticket with 202 and nothing else
        setup_conversation(p, "w")
        wait(lambda: subscribed(p), "alice subscribed at pubwait's hub")
        p.control("configure", {"refresh_grant": "invalid_grant"})
        p.control("revoke", {"subject": alice.url, "expire": True})
        p.control("post", {"topic": "w", "html": "<p>Can you read this?</p>"})
        wait(lambda: ticket_requests_from_alice(p), "alice asked pubwait for a ticket")
        conv = conv_id(p)
        page = owner.get(alice.b("feed/with/" + conv))
        self.assertEqual(page.status, 200)
        # "waiting for a new ticket from X": X its name (from its h-card) or URL.
        self.assertRegex(page.text, r"(?i)waiting for a new ticket from\s*(<[^>]*>\s*)*"
                                    r"(Pubwait|%s)" % re.escape(p.url.rstrip("/")))
        self.assertNotIn("Can you read this?", texts(p))
        # The ticket comes after all: the message arrives, the note goes.
        p.control("invite", {"subject": alice.url, "topic": "w"})
        wait(lambda: "Can you read this?" in texts(p), "the message after the new ticket")
        page = owner.get(alice.b("feed/with/" + conv))
        self.assertNotIn("waiting for a new ticket from", page.text.lower())


if __name__ == "__main__":
    unittest.main()
