"""Notifications under load (issue 16): 200 deliveries in parallel, one
notification per event.

bob sends alice 200 messages from 8 parallel senders.  Every delivery's
detached work on alice's site stores what came and runs the notify job
for the conversation at once (due work must not wait for a later
request), so many of those runs race each other and lazy maintenance for
the same batch.  The batch's claim (store/store_notify.h) makes exactly
one of them tell it: once every message is stored and the coalescing
minute is over, alice's mails (tests/fixtures/recording_sendmail) count
200 new messages together, no Message-ID twice, and the mails are few
(coalesced: one at once, the rest a minute later), not one per delivery.
"""

import concurrent.futures
import email
import email.policy
import os
import shutil
import time
import unittest

import harness
from chat import acquaint, homepage, inbox, run_ok, settle

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "recording_sendmail")
COALESCE = 60  # IC_NOTIFY_COALESCE_SECONDS
N = 200
apache = None


def mail_dir(site):
    return os.path.join(site.dir, "mta")


def mailing_sites(*peers):
    """alice, whose owner is told by mail through the recording sendmail,
    and `peers` (names), each with its own name in its h-card; started."""
    conf = {"name": "Alice", "notify_email": "alice@mail.example",
            "sendmail": lambda site, sites: os.path.join(mail_dir(site), "sendmail")}
    a = harness.Apache(sites=[harness.SiteSpec("alice", conf=conf, files={"htdocs/index.html": homepage})]
                       + [harness.SiteSpec(n, conf={"name": n.capitalize()},
                                           files={"htdocs/index.html": homepage}) for n in peers])
    a.start()
    install_sendmail(a, a["alice"])
    return a


def setUpModule():
    global apache
    apache = mailing_sites("bob")


def install_sendmail(apache, site):
    """The recording sendmail as `site`'s MTA, where its conf names it."""
    os.makedirs(mail_dir(site), exist_ok=True)
    shutil.copy(FIXTURE, os.path.join(mail_dir(site), "sendmail"))
    os.chmod(os.path.join(mail_dir(site), "sendmail"), 0o755)
    apache.give_to_site_user(mail_dir(site))


def tearDownModule():
    apache.stop()


def mails(site):
    d = os.path.join(mail_dir(site), "mail")
    names = sorted(n for n in os.listdir(d) if n.endswith(".eml")) if os.path.isdir(d) else []
    out = []
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
    return out


def message_mails(site):
    return [m for m in mails(site) if "from Bob" in str(m["Subject"])
            and "request" not in str(m["Subject"])]


def n_of(m):
    subject = str(m["Subject"])
    return 1 if subject.startswith("New message") else int(subject.split()[0])


def received(site, peer):
    return next((c["received"] for c in inbox(site) if c["peer"] == peer.url), 0)


class NotifyLoad(unittest.TestCase):
    def test_200_parallel_deliveries_are_told_once(self):
        alice, bob = apache["alice"], apache["bob"]
        both = (alice, bob)
        acquaint(alice, bob)
        settle(lambda: any("accepted" in str(m["Subject"]) for m in mails(alice)), both)

        def send(i):
            r = bob.run("send", "--to", alice.url, "load %03d" % i)
            return r.returncode

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            self.assertEqual(set(pool.map(send, range(N))), {0})
        # Counted from the inbox: reading would mark them read (no mail).
        settle(lambda: received(alice, bob) >= N, both, timeout=120)
        self.assertEqual(received(alice, bob), N)
        deadline = time.time() + COALESCE + 60
        while sum(n_of(m) for m in message_mails(alice)) < N and time.time() < deadline:
            time.sleep(1)
            alice.run("listener", "--maintain")
        for _ in range(2):  # anything still due would go now
            alice.run("listener", "--maintain")
        told = message_mails(alice)
        self.assertEqual(sum(n_of(m) for m in told), N, [str(m["Subject"]) for m in told])
        ids = [str(m["Message-ID"]) for m in told]
        self.assertEqual(len(ids), len(set(ids)), ids)
        self.assertLessEqual(len(told), 3, [str(m["Subject"]) for m in told])
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
