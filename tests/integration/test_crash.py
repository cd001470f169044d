"""Crashes: `kill -9` of sends mid-regeneration and of the listener mid-fetch.

DESIGN.md: every state change is one LMDB transaction, feed pages are
replaced by rename (WS-P-6), and "fetch due" / "notify due" survive a crash.
Pages are written without fsync (derived from LMDB, feed/feed_pages.h):
a power loss, simulated here by emptying them under a stale boot stamp,
is repaired from the store before any page is read.
So whatever instant a process dies at:
  * every feed page and stub on disk is whole (never a torn file);
  * every message alice has stored reaches bob, exactly once (MC-4), once
    maintenance has run -- nothing lost, nothing duplicated.
The kills land at random points of real runs; the assertions hold for any.
"""

import os
import random
import signal
import subprocess
import threading
import time
import unittest

import harness
from chat import conversation, homepage, run_ok, settle, state_with

SITES = [harness.SiteSpec(n, conf={"feed_page_size": "10"}, files={"htdocs/index.html": homepage})
         for n in ("alice", "bob")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def spawn(site, *args):
    """Start a program as the site user, without waiting for it."""
    env = harness._base_env()
    env.update(apache._sanitizer_env())
    env["INDIECHAT_CONFIG"] = site.conf_path
    kw = {}
    if harness.is_root():
        kw = {"user": harness.SITE_USER, "group": harness.SITE_GROUP, "extra_groups": []}
    return subprocess.Popen([site.program(args[0])] + list(args[1:]), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def kill_soon(proc, rng):
    time.sleep(rng.uniform(0, 0.012))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait() == -signal.SIGKILL


def feed_files(site):
    root = os.path.join(site.data_dir, "feeds")
    for topic in os.listdir(root):
        for name in os.listdir(os.path.join(root, topic)):
            if name.endswith(".html") and not name.startswith("."):
                yield os.path.join(root, topic, name)


def texts(site, peer, prefix):
    return [m["text"] for m in conversation(site, peer)["messages"] if m["text"].startswith(prefix)]


class Crash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        alice, bob = apache["alice"], apache["bob"]
        run_ok(alice, "ticket", "--invite", bob.url)
        settle(lambda: state_with(bob, alice) == "request", (alice, bob))
        run_ok(bob, "ticket", "--accept", alice.url)
        settle(lambda: state_with(alice, bob) == "active", (alice, bob))

    def check_pages_whole(self, site):
        for path in feed_files(site):
            with open(path, "rb") as f:
                data = f.read()
            self.assertTrue(data.rstrip().endswith(b"</html>"), path)

    def test_kill_9_of_sends_loses_and_duplicates_nothing_ws_p_6(self):
        alice, bob = apache["alice"], apache["bob"]
        rng = random.Random(4)
        torn = []
        stop = threading.Event()

        def watch_pages():
            # Readers during the kills must never see a partial page.
            while not stop.is_set():
                for path in list(feed_files(alice)):
                    try:
                        with open(path, "rb") as f:
                            data = f.read()
                    except FileNotFoundError:
                        continue
                    if not data.rstrip().endswith(b"</html>"):
                        torn.append(path)
                time.sleep(0.001)

        watcher = threading.Thread(target=watch_pages)
        watcher.start()
        killed = 0
        try:
            for i in range(40):
                killed += kill_soon(spawn(alice, "send", "--to", bob.url, "crash-send %02d" % i), rng)
        finally:
            stop.set()
            watcher.join()
        self.assertGreater(killed, 0, "no send was killed: the test tested nothing")
        self.assertEqual(torn, [])
        self.check_pages_whole(alice)
        stored = texts(alice, bob, "crash-send")
        self.assertEqual(len(stored), len(set(stored)))
        # Whatever was stored is published and delivered by maintenance.
        settle(lambda: sorted(texts(bob, alice, "crash-send")) == sorted(stored),
               (alice, bob), timeout=60)
        got = texts(bob, alice, "crash-send")
        self.assertEqual(len(got), len(set(got)))  # MC-4
        self.assertEqual(apache.log_problems(), [])

    def test_the_early_notifier_leaves_with_its_send(self):
        """`send` starts the child for its notify before it stores
        (program.h ic_program_after_early()): a send that fails, or is
        killed, must not leave that child waiting."""
        alice, bob = apache["alice"], apache["bob"]

        def left(marker):
            found = []
            for pid in os.listdir("/proc"):
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        if marker.encode() in f.read():
                            found.append(pid)
                except OSError:
                    pass
            return found

        def gone(marker):
            deadline = time.time() + 10
            while left(marker) and time.time() < deadline:
                time.sleep(0.05)
            return left(marker)

        r = alice.run("send", "--to", "http://nobody.localhost/", "early-child failed send")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(gone("early-child failed send"), [])
        proc = spawn(alice, "send", "--to", bob.url, "early-child killed send")
        time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertEqual(gone("early-child killed send"), [])

    def test_kill_9_of_the_listener_mid_fetch_loses_and_duplicates_nothing(self):
        alice, bob = apache["alice"], apache["bob"]
        listener = os.path.realpath(bob.program("listener"))
        killed = []
        stop = threading.Event()

        def killer():
            # Every listener process -- the CGI answering a delivery, the
            # detached fetch after it, maintenance -- dies at random.
            rng = random.Random(9)
            while not stop.is_set():
                for pid in os.listdir("/proc"):
                    if not pid.isdigit():
                        continue
                    try:
                        exe = os.readlink("/proc/%s/exe" % pid)
                    except OSError:
                        continue
                    if exe == listener and rng.random() < 0.5:
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                            killed.append(pid)
                        except OSError:
                            pass
                time.sleep(rng.uniform(0, 0.004))

        t = threading.Thread(target=killer)
        t.start()
        try:
            for i in range(25):
                run_ok(alice, "send", "--to", bob.url, "crash-fetch %02d" % i)
                time.sleep(0.02)
        finally:
            stop.set()
            t.join()
        self.assertGreater(len(killed), 0, "no listener was killed: the test tested nothing")
        settle(lambda: len(texts(bob, alice, "crash-fetch")) >= 25, (alice, bob), timeout=90)
        got = texts(bob, alice, "crash-fetch")
        self.assertEqual(sorted(got), ["crash-fetch %02d" % i for i in range(25)])
        self.check_pages_whole(alice)

    def power_loss(self, site):
        """What a power loss may leave of pages written without fsync
        (feed/feed_pages.h): the stamp of a boot that is over, and empty
        pages and stubs.  Returns the pages emptied."""
        with open(os.path.join(site.data_dir, "pages.boot"), "w") as f:
            f.write("00000000-0000-4000-8000-000000000000\n")
        emptied = list(feed_files(site))
        for path in emptied:
            with open(path, "r+b") as f:  # keeps the owner and the mode
                f.truncate(0)
        return emptied

    def check_stamp_is_this_boot(self, site):
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read()
        with open(os.path.join(site.data_dir, "pages.boot")) as f:
            self.assertEqual(f.read(), boot)

    def test_a_power_loss_is_repaired_from_the_store_before_a_page_is_read(self):
        alice, bob = apache["alice"], apache["bob"]
        for i in range(3):
            run_ok(alice, "send", "--to", bob.url, "before-power-loss %d" % i)
        settle(lambda: len(texts(bob, alice, "before-power-loss")) == 3, (alice, bob))
        # Pages written in this boot, without fsync, carry its stamp.
        self.check_stamp_is_this_boot(alice)

        emptied = self.power_loss(alice)
        self.assertTrue(emptied)
        # The first request of the new boot, an anonymous GET of a stub,
        # finds every page written again from LMDB, durably.
        topic = os.path.basename(os.path.dirname(emptied[0]))
        r = alice.get(alice.b_url("/feed/" + topic))
        self.assertEqual(r.status, 200)
        self.assertTrue(r.body.rstrip().endswith(b"</html>"))
        self.check_pages_whole(alice)
        self.check_stamp_is_this_boot(alice)
        newest = max((p for p in feed_files(alice) if "/page-" in p), key=os.path.getmtime)
        with open(newest, encoding="utf-8") as f:
            self.assertIn("before-power-loss 2", f.read())

        # Lazy maintenance (the hub's retries read pages) repairs first too.
        self.power_loss(alice)
        run_ok(alice, "listener", "--maintain")
        self.check_pages_whole(alice)
        self.check_stamp_is_this_boot(alice)

        # And the conversation goes on, nothing lost or doubled (MC-4).
        run_ok(alice, "send", "--to", bob.url, "before-power-loss 3")
        settle(lambda: len(texts(bob, alice, "before-power-loss")) == 4, (alice, bob))
        self.assertEqual(texts(bob, alice, "before-power-loss"),
                         ["before-power-loss %d" % i for i in range(4)])
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
