"""Email notifications through the sendmail interface (issue 16).

Three sites, each with `notify_email` set and `sendmail` naming its own
copy of tests/fixtures/recording_sendmail (it keeps every mail it is given
in DIR/mail/, or fails with DIR/exit_code's status).  carol also has
`notify_email_text = yes`.

1. bob's sendmail is down (exit 75, EX_TEMPFAIL) when alice and carol
   invite him: each message request is attempted and fails; the messages
   themselves are unaffected.  His MTA comes back.
2. bob accepts both: alice and carol are told at once ("accepted"), from
   the work after the ticket's response.
3. bob sends alice three messages quickly and carol one.  A conversation
   gets one mail a minute at most: alice's three messages wait for the
   minute after her "accepted" mail and then go out as one mail with a
   count, without their text (privacy by default); carol's has its text.
   Nobody reads them meanwhile (the inbox's counts only): messages read
   before their mail goes are not mailed (tests/unit/notify).
   Lazy maintenance (here `listener --maintain`, as the cron line or any
   later request would run it) sends what came due.
4. bob's two requests went out once each after the retry, each with its
   own Message-ID.
5. bob revokes alice's access: her refresh is refused and she waits for a
   new ticket, a delivery problem she is told of once, by mail.

The test waits out the coalescing minute at most twice.
"""

import email
import email.policy
import email.utils
import os
import shutil
import time
import unittest

import harness
from chat import conversation, homepage, inbox, run_ok, settle, state_with

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "recording_sendmail")
COALESCE = 60  # IC_NOTIFY_COALESCE_SECONDS

apache = None


def mail_dir(site):
    return os.path.join(site.dir, "mta")


def spec(name, **conf):
    conf.update({
        "name": name.capitalize(),
        "notify_email": "%s@mail.example" % name,
        "sendmail": lambda site, sites: os.path.join(mail_dir(site), "sendmail"),
    })
    return harness.SiteSpec(name, conf=conf, files={"htdocs/index.html": homepage})


def setUpModule():
    global apache
    apache = harness.Apache(sites=[spec("alice"), spec("bob"),
                                   spec("carol", notify_email_text="yes")])
    apache.start()
    for site in (apache["alice"], apache["bob"], apache["carol"]):
        os.makedirs(mail_dir(site), exist_ok=True)
        shutil.copy(FIXTURE, os.path.join(mail_dir(site), "sendmail"))
        os.chmod(os.path.join(mail_dir(site), "sendmail"), 0o755)
        apache.give_to_site_user(mail_dir(site))


def tearDownModule():
    apache.stop()


def mails(site):
    """Every mail the site's sendmail took, oldest first, parsed."""
    d = os.path.join(mail_dir(site), "mail")
    names = sorted(n for n in os.listdir(d) if n.endswith(".eml")) if os.path.isdir(d) else []
    out = []
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            raw = f.read()
        with open(os.path.join(d, n[:-4] + ".argv"), encoding="utf-8") as f:
            argv = f.read().split("\n")[:-1]
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        msg.raw, msg.argv = raw, argv
        out.append(msg)
    return out


def failed(site):
    try:
        with open(os.path.join(mail_dir(site), "failed.log"), encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def set_mta_down(site, down):
    path = os.path.join(mail_dir(site), "exit_code")
    if down:
        with open(path, "w", encoding="utf-8") as f:
            f.write("75\n")
        apache.give_to_site_user(path)
    elif os.path.exists(path):
        os.unlink(path)


def with_subject(site, text):
    return [m for m in mails(site) if text in str(m["Subject"])]


class NotifyEmail(unittest.TestCase):

    def check_headers(self, m, site, to):
        self.assertEqual(m.argv, ["-i", "-t"])
        self.assertEqual(str(m["To"]), to)
        self.assertIn("indiechat@", str(m["From"]))
        self.assertEqual(str(m["Auto-Submitted"]), "auto-generated")
        self.assertEqual(str(m["List-Unsubscribe"]), "<%s>" % site.b_url("auth/settings"))
        self.assertEqual(str(m["MIME-Version"]), "1.0")
        self.assertEqual(m.get_content_type(), "text/plain")
        self.assertEqual(m.get_content_charset(), "utf-8")
        self.assertEqual(str(m["Content-Transfer-Encoding"]), "8bit")
        self.assertIsNotNone(email.utils.parsedate_to_datetime(str(m["Date"])))
        self.assertRegex(str(m["Message-ID"]), r"^<notify\.[A-Za-z0-9]+\.\d+@.+>$")
        self.assertIn(site.b_url("feed/with/"), m.get_content())

    def test_requests_accepts_and_a_coalesced_burst(self):
        alice, bob, carol = apache["alice"], apache["bob"], apache["carol"]
        sites = (alice, bob, carol)
        # 1. bob's MTA is down while the requests arrive.
        set_mta_down(bob, True)
        run_ok(alice, "ticket", "--invite", bob.url)
        run_ok(carol, "ticket", "--invite", bob.url)
        settle(lambda: state_with(bob, alice) == "request"
               and state_with(bob, carol) == "request", sites)
        settle(lambda: len(failed(bob)) >= 2, sites, timeout=30)
        self.assertEqual(mails(bob), [])
        set_mta_down(bob, False)
        # 2. Accepted: alice and carol are told at once.
        run_ok(bob, "ticket", "--accept", alice.url)
        run_ok(bob, "ticket", "--accept", carol.url)
        settle(lambda: state_with(alice, bob) == "active"
               and state_with(carol, bob) == "active", sites)
        settle(lambda: with_subject(alice, "accepted your invitation")
               and with_subject(carol, "accepted your invitation"), sites)
        accepted_at = time.time()
        acc = with_subject(alice, "accepted your invitation")
        self.assertEqual(len(acc), 1)
        self.check_headers(acc[0], alice, "alice@mail.example")
        # 3. A burst for alice, one message for carol.
        for i in (1, 2, 3):
            run_ok(bob, "send", "--to", alice.url, "quick %d for alice" % i)
        run_ok(bob, "send", "--to", carol.url, "Secret words for Carol")
        # Counted from the inbox: reading the conversation would mark the
        # messages read, and read messages are not mailed.
        settle(lambda: received(alice, bob) >= 3 and received(carol, bob) >= 1, sites)
        in_window = time.time() - accepted_at < COALESCE - 5
        if in_window:  # within the minute of the last mail: held back
            self.assertEqual(with_subject(alice, "from Bob"), [])
        time.sleep(max(0, accepted_at + COALESCE + 2 - time.time()))
        settle(lambda: sum(n_of(m) for m in message_mails(alice)) >= 3
               and message_mails(carol), sites, timeout=30)
        news = message_mails(alice)
        self.assertEqual(sum(n_of(m) for m in news), 3)
        if in_window:
            self.assertEqual(len(news), 1, [str(m["Subject"]) for m in news])
            self.assertEqual(str(news[0]["Subject"]), "3 new messages from Bob")
        for m in news:
            self.check_headers(m, alice, "alice@mail.example")
            self.assertIn("Bob", m.get_content())
            self.assertNotIn(b"quick", m.raw)  # privacy by default
        told = message_mails(carol)
        self.assertEqual(len(told), 1)
        self.assertEqual(str(told[0]["Subject"]), "New message from Bob")
        self.assertIn("Secret words for Carol", told[0].get_content())
        # 4. bob's requests: retried after the failure, then sent once each.
        settle(lambda: len(with_subject(bob, "Message request from")) >= 2, sites,
               timeout=90)
        for _ in range(2):
            for s in sites:
                s.run("listener", "--maintain")
        reqs = with_subject(bob, "Message request from")
        self.assertEqual(len(reqs), 2, [str(m["Subject"]) for m in reqs])
        self.assertEqual(len({str(m["Message-ID"]) for m in reqs}), 2)
        for m in reqs:
            self.check_headers(m, bob, "bob@mail.example")
        self.assertEqual(sorted(str(m["Subject"]).split()[-1].lower() for m in reqs),
                         ["alice", "carol"])
        # The messages themselves never waited for the mail.
        self.assertEqual(len(conversation(alice, bob)["messages"]), 3)
        # A conversation's notifications muted and back (feed --mute).
        self.assertIn(b"muted", run_ok(alice, "feed", "--mute", bob.url))
        self.assertIn(b": on", run_ok(alice, "feed", "--unmute", bob.url))
        self.assertNotEqual(alice.run("feed", "--mute", "https://nobody.example/").returncode, 0)

        # 5. A delivery problem that needs the owner: bob revokes alice's
        # access, her refresh is refused and she waits for a new ticket.
        # She is told once, when the wait begins, in the conversation's
        # next slot (bursts coalesce as for messages).
        run_ok(bob, "ticket", "--revoke", alice.url)
        run_ok(bob, "send", "--to", alice.url, "you cannot read this")
        settle(lambda: conversation(alice, bob)["waiting_for_ticket"], sites, timeout=30)
        settle(lambda: with_subject(alice, "cannot be read for now"), sites,
               timeout=COALESCE + 30)
        for s in sites:
            s.run("listener", "--maintain")
        [told] = with_subject(alice, "cannot be read for now")
        self.assertEqual(str(told["Subject"]), "Messages from Bob cannot be read for now")
        self.check_headers(told, alice, "alice@mail.example")
        self.assertIn("a new ticket was asked for", told.get_content())
        self.assertEqual(apache.log_problems(), [])


def received(site, peer):
    return next((c["received"] for c in inbox(site) if c["peer"] == peer.url), 0)


def message_mails(site):
    return [m for m in mails(site) if "from Bob" in str(m["Subject"])
            and "request" not in str(m["Subject"])]


def n_of(m):
    """The count a "new message(s) from" Subject says."""
    subject = str(m["Subject"])
    return 1 if subject.startswith("New message") else int(subject.split()[0])


if __name__ == "__main__":
    unittest.main()
