"""Rate limits and blocking at the public endpoints (issue 12).

A flood of message requests: 1,000 fake sites (fakeNNNN.localhost:PORT,
all answered by one small HTTP server in this module: a feed that names
its token endpoint, a token endpoint that grants anything) POST tickets to
alice's real ticket endpoint through Apache.  Most come from 127.0.0.2,
some from other loopback addresses (Linux lets a client bind any
127.x.y.z as its source).  Meanwhile bob, a real correspondent alice
invited, accepts -- his ticket comes from 127.0.0.1, his site's own
address -- and writes.  The test shows:
* 429 with Retry-After (1..IC_RATE_WINDOW seconds) for the flood, per
  address: 127.0.0.2 is refused after IC_RATE_STRANGER_ADDR tickets while
  other addresses still get theirs;
* past IC_RATE_STRANGERS from all strangers together, the other addresses'
  tickets are answered with the same 202 and not acted on (anyone can
  claim any site, so a limit kept per claimed site must not show in the
  answer, or it would tell who alice's correspondents are);
* at most IC_RATE_STRANGERS message requests, never more than
  IC_MAX_MESSAGE_REQUESTS, and a data directory under DATA_BOUND bytes;
* bob's ticket is redeemed and his message shows on alice's side while
  the flood goes on (the control).

A blocked site gets the answers an unknown site gets, everywhere it can
ask: the ticket endpoint (up to its 429), a refresh grant, the feed and
introspection with its revoked token, revocation, the hub; status, body
and headers compared whole (minus Date and the framing Apache chooses,
and with the seconds of Retry-After, which depend on when each window
began).  And it reaches
nothing: its tickets make no request to its site, while an unknown
site's ticket is redeemed there.
"""

import collections
import http.client
import json
import os
import re
import threading
import unittest
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from chat import conversation, homepage, inbox, run_ok, settle, state_with

FLOOD_SITES = 1000
# The data directory after the flood: LMDB with at most IC_RATE_STRANGERS
# small conversations and the counters, the feeds directory, the lock.
DATA_BOUND = 2 * 1024 * 1024


def limits():
    """The numbers of lib/core/ic_limits.h this test is about."""
    path = os.path.join(harness.SRCDIR, "lib", "core", "ic_limits.h")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = {}
    for name in ("IC_RATE_WINDOW", "IC_RATE_STRANGER_ADDR", "IC_RATE_STRANGER_SITE",
                 "IC_RATE_STRANGERS", "IC_MAX_MESSAGE_REQUESTS"):
        out[name] = int(re.search(r"#define %s (\d+)" % name, text).group(1))
    return out


L = limits()


class FakeSites:
    """One server answering for any number of sites, told apart by Host."""

    def __init__(self):
        self.hits = collections.Counter()  # host -> requests
        self.tokens = {}  # host -> alice's token answer and resource
        self.alice_token_endpoint = None
        fakes = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def answer(self, status, body, ctype="text/html; charset=utf-8", headers=()):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                host = self.headers.get("Host", "")
                fakes.hits[host] += 1
                base = "http://%s/" % host
                if self.path == "/":
                    self.answer(200, '<!DOCTYPE html><html><head><title>f</title>'
                                '<link rel="ticket_endpoint" href="%sticket"></head>'
                                '<body><a class="h-card" href="%s">f</a></body></html>'
                                % (base, base))
                    return
                self.answer(200, '<!DOCTYPE html><html><head><title>f</title>'
                            '<link rel="token_endpoint" href="%stoken">'
                            '<link rel="self" href="%sfeed"></head><body>'
                            '<div class="h-feed"><a class="p-author h-card" href="%s">f</a>'
                            '</div></body></html>' % (base, base, base),
                            headers=[("Link", '<%stoken>; rel="token_endpoint"' % base)])

            def do_POST(self):
                host = self.headers.get("Host", "")
                fakes.hits[host] += 1
                n = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(n).decode())
                if self.path == "/token":
                    self.answer(200, json.dumps({
                        "access_token": "tok-" + host, "token_type": "Bearer",
                        "scope": "read", "expires_in": 3600}), "application/json")
                    return
                # Our ticket endpoint: redeem alice's ticket at once.
                ticket = form.get("ticket", [""])[0]
                r = harness.http_request(
                    "127.0.0.1", fakes.alice_port, fakes.alice_host, "POST",
                    fakes.alice_token_endpoint,
                    {"Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/json"},
                    "grant_type=ticket&ticket=" + urllib.parse.quote(ticket))
                if r.status == 200:
                    tok = r.json()
                    tok["resource"] = form.get("resource", [""])[0]
                    fakes.tokens[host] = tok
                self.answer(202, "accepted", "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def host(self, name):
        return "%s.localhost:%d" % (name, self.port)

    def url(self, name):
        return "http://%s/" % self.host(name)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


apache = None
fakes = None


def setUpModule():
    global apache, fakes
    fakes = FakeSites()
    try:
        apache = harness.Apache(sites=[harness.SiteSpec(n, files={"htdocs/index.html": homepage})
                                       for n in ("alice", "bob", "carol")])
        apache.start()
    except BaseException:
        fakes.stop()
        raise


def tearDownModule():
    apache.stop()
    fakes.stop()


def post(site, path, body, source="127.0.0.1", headers=()):
    """POST a form to `site` from the loopback address `source`."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30,
                                      source_address=(source, 0))
    try:
        hdrs = {"Host": site.host,
                "Content-Type": "application/x-www-form-urlencoded"}
        hdrs.update(headers)
        conn.request("POST", site.b(path), body=body.encode(), headers=hdrs)
        r = conn.getresponse()
        return harness.Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def send_ticket(site, fake, source, subject=None):
    body = urllib.parse.urlencode({
        "ticket": "t" * 24, "resource": fakes.url(fake) + "feed",
        "subject": subject or site.url})
    return post(site, "ticket", body, source)


# Not compared: Date, and the framing Apache picks for a CGI's answer
# (Content-Length when the program ended with its first write, chunked when
# it went on to kick lazy maintenance): the body is compared whole.
FRAMING = ("date", "content-length", "transfer-encoding")


def comparable(r):
    """Status, headers minus FRAMING, body; the digits of a wait made N."""
    def n(s):
        return re.sub(r"\d+", "N", s)
    headers = sorted((k.lower(), n(v) if k.lower() == "retry-after" else v)
                     for k, v in r.headers if k.lower() not in FRAMING)
    return (r.status, headers, n(r.body.decode("utf-8", "replace")))


def data_size(site):
    total = 0
    for root, _, files in os.walk(site.data_dir):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


class Flood(unittest.TestCase):
    def test_a_flood_of_1000_sites_neither_fills_the_disk_nor_hides_bob(self):
        alice, bob = apache["alice"], apache["bob"]
        both = (alice, bob)
        run_ok(alice, "ticket", "--invite", bob.url)
        settle(lambda: state_with(bob, alice) == "request", both)
        before = data_size(alice)
        names = ["fake%04d" % i for i in range(FLOOD_SITES)]
        results = []  # (source, status, retry-after)

        def one(args):
            name, source = args
            r = send_ticket(alice, name, source)
            return source, r.status, r.header("Retry-After")

        # 1. One address: its allowance, then 429.
        for name in names[:2 * L["IC_RATE_STRANGER_ADDR"]]:
            results.append(one((name, "127.0.0.2")))
        first = [s for _, s, _ in results]
        self.assertEqual(first, [202] * L["IC_RATE_STRANGER_ADDR"]
                         + [429] * L["IC_RATE_STRANGER_ADDR"])
        # 2. Other addresses still get theirs, up to everyone's limit.
        others = L["IC_RATE_STRANGERS"] - L["IC_RATE_STRANGER_ADDR"]
        per = L["IC_RATE_STRANGER_ADDR"] // 2
        start = len(results)
        jobs = [(names[start + i], "127.0.0.%d" % (3 + i // per)) for i in range(others)]
        with ThreadPoolExecutor(4) as pool:
            results += list(pool.map(one, jobs))
        self.assertEqual([s for _, s, _ in results[start:]], [202] * others)
        # 3. The rest of the flood, while bob accepts and writes.
        start = len(results)
        rest = [(name, "127.0.0.2" if i % 10 else "127.0.1.%d" % (1 + (i // 10) % 200))
                for i, name in enumerate(names[start:])]
        with ThreadPoolExecutor(6) as pool:
            flood = pool.map(one, rest)
            run_ok(bob, "ticket", "--accept", alice.url)
            run_ok(bob, "send", "--to", alice.url, "Through the flood")
            results += list(flood)
        self.assertEqual(len(results), FLOOD_SITES)
        # The flooding address: 429; the others: the same 202, ignored.
        self.assertEqual({s for src, s, _ in results[start:] if src == "127.0.0.2"}, {429})
        self.assertEqual({s for src, s, _ in results[start:] if src != "127.0.0.2"}, {202})
        accepted = sum(1 for _, s, _ in results if s == 202)
        for _, status, wait in results:
            if status == 429:
                self.assertIsNotNone(wait)
                self.assertTrue(1 <= int(wait) <= L["IC_RATE_WINDOW"], wait)
        # The control: bob's ticket was redeemed, his message shows.
        settle(lambda: state_with(alice, bob) == "active", both, timeout=30)
        settle(lambda: any(m["text"] == "Through the flood"
                           for m in conversation(alice, bob)["messages"]), both, timeout=30)
        # Bounded: requests and disk.
        requests = [c for c in inbox(alice) if c["state"] == "request"]
        self.assertLessEqual(len(requests), L["IC_RATE_STRANGERS"])
        self.assertLessEqual(len(requests), L["IC_MAX_MESSAGE_REQUESTS"])
        size = data_size(alice)
        print("\n# flood: %d accepted, %d refused, %d message requests, data %d -> %d bytes"
              % (accepted, FLOOD_SITES - accepted, len(requests), before, size))
        self.assertLess(size, DATA_BOUND)


class BlockedIsUnknown(unittest.TestCase):
    def test_a_blocked_site_gets_an_unknown_sites_answers_and_reaches_nothing(self):
        carol = apache["carol"]
        fakes.alice_port = carol.port
        fakes.alice_host = "carol.localhost:%d" % carol.port
        fakes.alice_token_endpoint = carol.b("auth/token")
        blk, unk = fakes.url("blocked"), fakes.url("unknown")
        # The blocked site was a correspondent: carol accepted it, it
        # redeemed her ticket (a token and a refresh token), she blocked it.
        self.assertEqual(send_ticket(carol, "blocked", "127.0.2.1").status, 202)
        settle(lambda: any(c["peer"] == blk and c["state"] == "request"
                           for c in inbox(carol)), (carol,))
        run_ok(carol, "ticket", "--accept", blk)
        tok = fakes.tokens[fakes.host("blocked")]
        self.assertIn("refresh_token", tok)
        run_ok(carol, "ticket", "--block", blk)
        hits = fakes.hits[fakes.host("blocked")]
        unknown_hits = fakes.hits[fakes.host("unknown")]
        # The blocked site's ticket above counts in its site's window: the
        # unknown site's first ticket counts too (refused, as not for us).
        self.assertEqual(send_ticket(carol, "unknown", "127.0.2.3",
                                     "http://nobody.localhost/").status, 400)
        pairs = []
        # The ticket endpoint, up to and past the per-site limit (where
        # both are answered alike and neither is acted on).
        for i in range(L["IC_RATE_STRANGER_SITE"] + 1):
            pairs.append((send_ticket(carol, "blocked", "127.0.3.%d" % (2 * i + 1)),
                          send_ticket(carol, "unknown", "127.0.3.%d" % (2 * i + 2))))
        self.assertEqual(pairs[-1][0].status, 202)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        # A refresh grant with its refresh token (deleted at the block).
        pairs.append(tuple(
            post(carol, "auth/token", "grant_type=refresh_token&refresh_token=" + t,
                 "127.0.2.%d" % s)
            for t, s in ((tok["refresh_token"], 4), ("r" * 43, 5))))
        # The feed, introspection and revocation with its revoked token.
        feed = urllib.parse.urlparse(tok["resource"]).path
        pairs.append(tuple(
            carol.request("GET", feed, {"Authorization": "Bearer " + t})
            for t in (tok["access_token"], "x" * 43)))
        pairs.append(tuple(
            carol.request("POST", carol.b("auth/introspect"),
                          dict(form, Authorization="Bearer " + t), "token=" + t)
            for t in (tok["access_token"], "x" * 43)))
        pairs.append(tuple(
            carol.request("POST", carol.b("auth/revoke"), form, "token=" + t)
            for t in (tok["access_token"], "x" * 43)))
        for blocked, unknown in pairs:
            self.assertEqual(comparable(blocked), comparable(unknown))
        # Reaches nothing: the unknown site's tickets were redeemed at its
        # site, the blocked site's made no request to it.
        settle(lambda: fakes.hits[fakes.host("unknown")] > unknown_hits, (carol,))
        carol.run("listener", "--maintain")
        self.assertEqual(fakes.hits[fakes.host("blocked")], hits)
        # The hub does not know who asks: a subscription to the blocked
        # site's old topic is answered alike for either callback.
        blocked, unknown = (
            carol.request("POST", carol.b("feed/hub"), form, urllib.parse.urlencode({
                "hub.mode": "subscribe", "hub.topic": tok["resource"],
                "hub.callback": u + "callback"}))
            for u in (blk, unk))
        self.assertEqual(comparable(blocked), comparable(unknown))


if __name__ == "__main__":
    unittest.main()
