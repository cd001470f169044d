"""The FastCGI mode of the same five programs (issue 13).

Under mod_fcgid with at most two responders per program
(FcgidMaxProcessesPerClass 2: one is not enough, as `auth` fetches its own
metadata while it signs an owner in), two owners' requests are interleaved
on the same processes:

* alice's and bob's requests alternate through the same `feed` and `auth`
  processes (the ping route reports its pid on a development site; the
  test asserts a process served both sites), each owner signs in and reads
  their own pages: every answer carries its own
  site's configuration (`me`, base URL), a session cookie of one site is
  nothing on the other, a request without a cookie right after an owner's
  is not signed in (no session, cookie or response carried over);
* the work after the response still happens: invitation, acceptance and
  a message go from alice to bob through the web forms, with no
  maintenance run by the test, so the detached after-work of the
  FastCGI requests delivers them;
* a crash of one request (its responder killed mid-request) costs that
  request only: the next requests of both sites are answered by a fresh
  process;
* a message sent from the page is on the correspondent's site when the
  answer comes: the responder delivered it itself, before answering
  (program.c, IC_FCGI_INLINE_AFTER_MS), with no detached work;
* a subscriber that holds the delivery does not hold the answer: it comes
  while that subscriber still has the connection open, and the detached
  work delivers the message once the subscriber answers.

Under mod_proxy_fcgi with the harness as the process manager (one
responder, as spawn-fcgi or systemd socket activation would run it), the
programs' own bound holds: after IC_FCGI_MAX_REQUESTS requests the
process exits cleanly and the next request gets a fresh one, without a
failed request in between.
"""

import json
import os
import re
import signal
import threading
import time
import unittest

import urllib.parse

import harness
import hub_callbacks
from chat import homepage, inbox, conversation, state_with
from hub_callbacks import Callbacks
from web import Owner, set_passphrase

PASS = "correct horse battery staple fcgi"
# lib/core/ic_limits.h IC_FCGI_MAX_REQUESTS
FCGI_MAX_REQUESTS = int(re.search(
    r"#define IC_FCGI_MAX_REQUESTS (\d+)",
    open(os.path.join(harness.SRCDIR, "lib", "core", "ic_limits.h")).read()).group(1))

SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage}) for n in ("alice", "bob")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES, fastcgi="fcgid",
                            server_lines=["FcgidMaxProcessesPerClass 2"])
    apache.start()


def tearDownModule():
    apache.stop()


def ping_pid(site, prog="feed"):
    r = site.get(site.b(prog + "/ping"))
    if r.status != 200:
        raise AssertionError("%s ping: %d %r" % (prog, r.status, r.body[:200]))
    return r.json()["pid"]


def wait_for(cond, timeout=30):
    """Wait for cond() without running maintenance: what arrives, arrives
    through the programs' own work after the response."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not reached in %ds" % timeout)


class InterleavedOwners(unittest.TestCase):
    def test_1_two_owners_one_process(self):
        alice, bob = apache["alice"], apache["bob"]
        for s in (alice, bob):
            set_passphrase(s, PASS)
        A, B = Owner(alice), Owner(bob)
        # Sign-ins interleaved step by step would need two browsers in
        # one; one after the other still shares the auth process.
        self.assertEqual(A.sign_in(PASS).status, 303)
        self.assertEqual(B.sign_in(PASS).status, 303)
        pids = {(s.name, prog): set() for s in (alice, bob) for prog in ("feed", "auth")}
        for round_ in range(6):
            for me, other, owner, stranger in ((alice, bob, A, B), (bob, alice, B, A)):
                with self.subTest(round=round_, site=me.name):
                    page = owner.get(me.b("feed/"))
                    self.assertEqual(page.status, 200, page.body[:300])
                    text = page.text
                    self.assertIn(me.host, text)
                    self.assertNotIn(other.host, text)
                    session = owner.get(me.b("auth/session"))
                    self.assertEqual(session.status, 200)
                    self.assertEqual(session.json()["me"], me.url)
                    # The other owner's cookie is nothing here.
                    r = me.get(me.b("feed/"), stranger.headers())
                    self.assertEqual(r.status, 303, r.body[:300])
                    self.assertIsNone(r.header("Set-Cookie"))
                    # Nor is a request with no cookie right after.
                    r = me.get(me.b("feed/"))
                    self.assertEqual(r.status, 303)
                    r = me.get(me.b("auth/session"))
                    self.assertNotEqual(r.status, 200)
                    for prog in ("feed", "auth"):
                        pids[(me.name, prog)].add(ping_pid(me, prog))
        for prog in ("feed", "auth"):
            both = pids[("alice", prog)] & pids[("bob", prog)]
            self.assertTrue(both, "no %s process served both sites: %r" % (prog, pids))
        # Each site's data stayed in its own data_dir: the sessions each
        # owner holds are valid on their own site only (checked above),
        # and neither store names the other site yet.
        self.assertEqual(inbox(alice), [])
        self.assertEqual(inbox(bob), [])

    def test_2_work_after_the_response(self):
        alice, bob = apache["alice"], apache["bob"]
        A, B = Owner(alice), Owner(bob)
        self.assertEqual(A.sign_in(PASS).status, 303)
        self.assertEqual(B.sign_in(PASS).status, 303)
        r = A.post(alice.b("ticket/invite"), {"url": bob.url, "next": alice.b("feed/")})
        self.assertIn(r.status, (302, 303), r.body[:300])
        wait_for(lambda: state_with(bob, alice) == "request")
        r = B.post(bob.b("ticket/accept"), {"url": alice.url, "next": bob.b("feed/")})
        self.assertIn(r.status, (302, 303), r.body[:300])
        wait_for(lambda: state_with(alice, bob) == "active")
        r = A.post(alice.b("send"), {"to": bob.url, "text": "Hello over FastCGI",
                                     "next": alice.b("feed/")})
        self.assertIn(r.status, (302, 303), r.body[:300])
        wait_for(lambda: [m["text"] for m in conversation(bob, alice)["messages"]]
                 == ["Hello over FastCGI"])
        self.assertEqual(apache.log_problems(), [])

    def test_3_crash_of_one_request(self):
        alice, bob = apache["alice"], apache["bob"]
        pid = ping_pid(alice)
        got = {}
        # Freeze the responder, send it a request, kill it mid-request.
        os.kill(pid, signal.SIGSTOP)
        t = threading.Thread(target=lambda: got.setdefault(
            "r", alice.get(alice.b("feed/ping"), timeout=60)))
        t.start()
        time.sleep(1.0)
        os.kill(pid, signal.SIGKILL)
        t.join(60)
        self.assertGreaterEqual(got["r"].status, 500)
        for s in (alice, bob, alice):
            new = ping_pid(s)
            self.assertNotEqual(new, pid)
        self.assertEqual(inbox(alice)[0]["peer"], bob.url)


def texts(site, peer):
    return [m["text"] for m in conversation(site, peer)["messages"]]


def topic_of(sender, receiver):
    """The sender's topic the receiver subscribed to, from the hub's
    verification of intent in the access log (WS-S-16)."""
    with open(apache.access_log, "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            if '"GET %s/' % receiver.b("listener") not in line or "?" not in line:
                continue
            q = urllib.parse.parse_qs(line.split("?", 1)[1].split(" ")[0])
            t = q.get("hub.topic", [""])[0]
            if t.startswith(sender.base_url + "/feed/"):
                return t
    return None


class SendFromThePage(unittest.TestCase):
    """After InterleavedOwners (in name order): alice and bob are acquainted."""

    def test_1_on_the_other_site_when_the_answer_comes(self):
        alice, bob = apache["alice"], apache["bob"]
        A = Owner(alice)
        self.assertEqual(A.sign_in(PASS).status, 303)
        wait_for(lambda: state_with(alice, bob) == "active")
        for i in range(3):
            text = "Already there %d" % i
            r = A.post(alice.b("send"), {"to": bob.url, "text": text,
                                         "next": alice.b("feed/")})
            self.assertIn(r.status, (302, 303), r.body[:300])
            self.assertIn(text, texts(bob, alice))

    def test_2_a_subscriber_that_holds_does_not_hold_the_answer(self):
        alice, bob = apache["alice"], apache["bob"]
        A = Owner(alice)
        self.assertEqual(A.sign_in(PASS).status, 303)
        topic = topic_of(alice, bob)
        self.assertIsNotNone(topic)
        server = hub_callbacks.start()
        held = threading.Event()
        Callbacks.hold_posts["/held"] = held
        try:
            body = urllib.parse.urlencode({
                "hub.mode": "subscribe", "hub.topic": topic,
                "hub.callback": hub_callbacks.url(server, "/held")})
            r = alice.request("POST", alice.b("feed/hub"), body=body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(r.status, 202, r.body[:300])
            wait_for(lambda: Callbacks.seen.get("/held"))
            time.sleep(0.5)  # the verification's answer is stored
            got = {}
            t = threading.Thread(target=lambda: got.setdefault("r", A.post(
                alice.b("send"), {"to": bob.url, "text": "Past the slow one",
                                  "next": alice.b("feed/")})))
            t.start()
            # The subscriber holds the delivery for HOLD_SECONDS (15 s):
            # the answer comes while it still does.
            t.join(hub_callbacks.HOLD_SECONDS * 2 / 3)
            self.assertFalse(t.is_alive(), "the answer waited for the subscriber")
            self.assertFalse(held.is_set())
            self.assertIn(got["r"].status, (302, 303), got["r"].body[:300])
            wait_for(lambda: Callbacks.posts.get("/held"))
            # Released, the subscriber answers the detached retry, which
            # then reaches bob (the server stays up until it has).
            held.set()
            wait_for(lambda: "Past the slow one" in texts(bob, alice))
        finally:
            held.set()
            server.shutdown()
        self.assertEqual(texts(bob, alice).count("Past the slow one"), 1)


class RequestBound(unittest.TestCase):
    """mod_proxy_fcgi, one responder: the programs' own bound."""

    def test_fresh_process_after_the_bound(self):
        with harness.Apache(sites=["carol"], fastcgi="proxy", fcgi_processes=1) as a:
            carol = a["carol"]
            pids = []
            for _ in range(FCGI_MAX_REQUESTS + 5):
                r = carol.get(carol.b("feed/ping"))
                self.assertEqual(r.status, 200, r.body[:200])
                pids.append(r.json()["pid"])
            first = pids[0]
            self.assertEqual(pids[:FCGI_MAX_REQUESTS], [first] * FCGI_MAX_REQUESTS)
            self.assertNotIn(first, pids[FCGI_MAX_REQUESTS:])
            self.assertEqual(len(set(pids[FCGI_MAX_REQUESTS:])), 1)
            # Exited on its own, cleanly: not killed by the manager.
            self.assertEqual(a.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
