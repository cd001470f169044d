"""A notifier killed mid-send (issue 16 "Reliability"): `kill -9` while the
MTA has the mail loses no notification and sends none twice but the one
whose hand-off the kill cut short, and then with the same Message-ID.

alice's sendmail (tests/fixtures/recording_sendmail) stops answering on
demand: "before" reading the mail, or "after" keeping it.  bob (or carol)
sends a message; the detached work on alice's site that stores it runs the notify
job, which runs the MTA; the test kills that job with SIGKILL (and the MTA).
The batch stays claimed under the due job's lease (store/due.h,
IC_DUE_LEASE): maintenance right after the kill sends nothing, since it
cannot tell a dead run from a slow one.  Once the lease is over (a clock
step forward with libfaketime, instead of five minutes' wait) maintenance
sends the batch: one mail in all when the MTA never had it, and the same
Message-ID again when it had (mail systems drop the second; the at-least-
once rule of store/store_notify.h).  Nothing more is sent after that.
"""

import os
import signal
import threading
import time
import unittest

from chat import acquaint, run_ok, settle
from test_notify_load import mail_dir, mailing_sites, mails

LEASE = 300  # IC_DUE_LEASE
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
apache = None


def setUpModule():
    global apache
    apache = mailing_sites("bob", "carol")
    alice = apache["alice"]
    # A conversation each: a clock step in one test moves its "sent" ahead,
    # which would hold the other's first mail back a coalescing minute.
    for peer in (apache["bob"], apache["carol"]):
        acquaint(alice, peer)
    settle(lambda: sum("accepted" in str(m["Subject"]) for m in mails(alice)) >= 2,
           (alice, apache["bob"], apache["carol"]))


def tearDownModule():
    apache.stop()


def about(site, peer):
    """The mails that tell of messages from `peer` (Bob or Carol)."""
    return [m for m in mails(site) if "from %s" % peer in str(m["Subject"])
            and "accepted" not in str(m["Subject"])]


def parent_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    return int(stat[stat.rindex(")") + 2:].split()[1])


def command_of(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().split(b"\0")[0].decode()


def kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class NotifierKilledMidSend(unittest.TestCase):
    def setUp(self):
        self.alice = apache["alice"]
        self.mta = mail_dir(self.alice)

    def maintain(self, site, step=0):
        env = {"LD_PRELOAD": FAKETIME, "FAKETIME": "+%d" % step} if step else None
        r = site.run("listener", "--maintain", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)

    def hang_and_kill(self, mode, peer, text):
        """Send `text` from `peer` with alice's MTA hanging `mode`; kill -9 the
        notifier running it.  Returns the notifier's program."""
        pidfile = os.path.join(self.mta, "hanging.pid")
        with open(os.path.join(self.mta, "hang"), "w") as f:
            f.write(mode)
        run_ok(peer, "send", "--to", self.alice.url, text)
        # The first mail after the "accepted" one waits out the coalescing
        # minute (IC_NOTIFY_COALESCE_SECONDS); maintenance then tells it, in
        # the background, as it will hang in the MTA.
        deadline = time.time() + 100
        while not os.path.exists(pidfile) and time.time() < deadline:
            threading.Thread(target=self.alice.run, args=("listener", "--maintain"),
                             kwargs={"timeout": 200}, daemon=True).start()
            peer.run("listener", "--maintain")
            time.sleep(2)
        self.assertTrue(os.path.exists(pidfile), "the MTA was never run")
        time.sleep(0.2)  # the pid is written before the sleep starts
        mta = int(open(pidfile).read())
        notifier = parent_of(mta)
        program = command_of(notifier)
        self.assertIn(os.path.basename(program), ("listener", "feed", "send"), program)
        kill(notifier)
        kill(mta)
        os.unlink(pidfile)
        os.unlink(os.path.join(self.mta, "hang"))
        return program

    def test_killed_before_the_mta_had_it(self):
        carol = apache["carol"]
        before = len(about(self.alice, "Carol"))
        self.hang_and_kill("before", carol, "killed before")
        self.maintain(self.alice)
        self.assertEqual(len(about(self.alice, "Carol")), before,
                         "a claimed batch was sent again inside its lease")
        self.maintain(self.alice, step=LEASE + 60)
        told = about(self.alice, "Carol")[before:]
        self.assertEqual(len(told), 1, [str(m["Subject"]) for m in told])
        self.assertEqual(str(told[0]["Subject"]), "New message from Carol")
        self.maintain(self.alice, step=LEASE + 120)
        self.maintain(self.alice)
        self.assertEqual(len(about(self.alice, "Carol")), before + 1)
        self.assertEqual(apache.log_problems(), [])

    def test_killed_after_the_mta_had_it(self):
        before = len(about(self.alice, "Bob"))
        self.hang_and_kill("after", apache["bob"], "killed after")
        first = about(self.alice, "Bob")[before:]
        self.assertEqual(len(first), 1)
        self.maintain(self.alice)
        self.assertEqual(len(about(self.alice, "Bob")), before + 1)
        self.maintain(self.alice, step=LEASE + 60)
        told = about(self.alice, "Bob")[before:]
        # At least once: the cut hand-off goes again, as the same mail.
        self.assertEqual(len(told), 2, [str(m["Subject"]) for m in told])
        self.assertEqual(str(told[0]["Message-ID"]), str(told[1]["Message-ID"]))
        self.maintain(self.alice, step=LEASE + 120)
        self.maintain(self.alice)
        self.assertEqual(len(about(self.alice, "Bob")), before + 2)
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
