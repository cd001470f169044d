"""Back up and restore a site (issue 15; README "Back up and restore").

alice and bob converse; `feed --backup DIR` copies alice's store while a
send runs (a hot copy: mdb_env_copy2 inside one read transaction); then
alice's data_dir is wiped and restored as README says: the backup's
data.mdb into the empty data_dir, owned by the site user, and
`send --republish` to write the feed pages again (they are derived from
the store and not in the backup).  The conversation goes on both ways:
the old messages are there, new ones are delivered each way, nothing is
stored twice.  The files messages carry (issue 15) are in the backup's
attachments/ and restored with it: alice's owner page still plays bob's
video, and bob's token still reads the picture alice sent.
"""

import hashlib
import os
import shutil
import tempfile
import threading
import time
import unittest

import harness
from chat import conversation, converse, homepage, run_ok, settle
from test_attachments import MP4, png
from test_isolation import resource_of, working_token

SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage}) for n in ("alice", "bob")]
OLD = ["Hello Bob", "Hi Alice, got it", "Second one"]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def as_site_user(*argv):
    r = apache.run_as_site_user(list(argv))
    if r.returncode != 0:
        raise AssertionError("%s failed: %s %s" % (argv, r.stdout, r.stderr))
    return r.stdout.decode()


def texts(site, peer):
    return [m["text"] for m in conversation(site, peer)["messages"]]


class BackupRestore(unittest.TestCase):
    def test_restore_onto_a_wiped_site_and_the_conversation_goes_on(self):
        alice, bob = apache["alice"], apache["bob"]
        both = (alice, bob)
        converse(self, alice, bob)
        # Issue 15: a picture from alice, a video from bob, both fetched.
        files = tempfile.mkdtemp(prefix="ic-backup-")
        self.addCleanup(shutil.rmtree, files, True)
        os.chmod(files, 0o755)
        for name, data in (("p.png", png(2, 3)), ("clip.mp4", MP4)):
            with open(os.path.join(files, name), "wb") as f:
                f.write(data)
            os.chmod(os.path.join(files, name), 0o644)
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "--attach", os.path.join(files, "p.png"), "a picture")
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "--attach", os.path.join(files, "clip.mp4"), "a clip")
        old = OLD + ["a picture", "a clip"]

        def stored(site, peer, text):
            m = {x["text"]: x for x in conversation(site, peer)["messages"]}.get(text)
            return m and all(a["state"] == "stored" for a in m["attachments"])
        settle(lambda: stored(alice, bob, "a clip") and stored(bob, alice, "a picture"),
               both, timeout=120)
        png_id, mp4_id = hashlib.sha256(png(2, 3)).hexdigest(), hashlib.sha256(MP4).hexdigest()
        place = as_site_user("mktemp", "-d").strip()
        backup = os.path.join(place, "alice-backup")

        # A hot copy: bob's messages are being received meanwhile.
        stop, during = threading.Event(), []

        def busy():
            while not stop.is_set() and len(during) < 5:
                during.append("during %d" % (len(during) + 1))
                run_ok(bob, "send", "--to", alice.url, during[-1])
        t = threading.Thread(target=busy)
        t.start()
        out = run_ok(alice, "feed", "--backup", backup).decode()
        stop.set()
        t.join()
        self.assertIn("backed up to %s: data.mdb" % backup, out)
        listing = as_site_user("ls", "-la", backup)
        self.assertIn("data.mdb", listing)
        self.assertIn("RESTORE.txt", listing)
        self.assertEqual(sorted(as_site_user("ls", os.path.join(backup, "attachments")).split()),
                         sorted([png_id, mp4_id]))
        self.assertIn("attachments", as_site_user("cat", os.path.join(backup, "RESTORE.txt")))
        self.assertNotIn(".partial", as_site_user("ls", "-a", place))
        # A second backup never overwrites the first.
        r = alice.run("feed", "--backup", backup)
        self.assertEqual(r.returncode, 2)
        self.assertIn("already exists", r.stderr.decode())

        # Wait for what bob sent during the backup, so the check below
        # knows what alice's site should hold after the restore.
        settle(lambda: all(x in texts(alice, bob) for x in during), both, timeout=30)
        before = conversation(alice, bob)["messages"]

        # Wipe alice's data_dir, then restore as README says.
        as_site_user("/bin/sh", "-c", 'rm -rf "$0"/* "$0"/.[!.]*', alice.data_dir)
        self.assertEqual(as_site_user("ls", "-A", alice.data_dir).strip(), "")
        as_site_user("install", "-m", "0600", os.path.join(backup, "data.mdb"),
                     alice.data_dir + "/")
        as_site_user("cp", "-R", os.path.join(backup, "attachments"), alice.data_dir + "/")
        out = run_ok(alice, "send", "--republish").decode()
        self.assertIn("republished the feed pages of 1 conversation", out)
        self.assertTrue(os.listdir(os.path.join(alice.data_dir, "feeds")))

        # The old messages are there (at least those before the backup;
        # bob's later ones come back with the next fetch of his feed).
        restored = texts(alice, bob)
        self.assertEqual(restored[:5], old)
        # The files came back: bob's token reads alice's picture, and
        # alice's own copy of bob's video is there to play.
        tok, _ = working_token(bob, alice, resource_of(bob, alice))
        r = alice.get(resource_of(bob, alice) + "/attachment/" + png_id,
                      headers={"Authorization": "Bearer " + tok})
        self.assertEqual((r.status, r.body), (200, png(2, 3)))
        clip = {m["text"]: m for m in conversation(alice, bob)["messages"]}["a clip"]
        self.assertEqual([(a["id"], a["type"], a["state"]) for a in clip["attachments"]],
                         [(mp4_id, "video/mp4", "stored")])
        self.assertEqual(as_site_user("sha256sum", os.path.join(alice.data_dir, "attachments",
                                                                mp4_id)).split()[0], mp4_id)
        # The conversation goes on, both ways.
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "after the restore, from bob")
        settle(lambda: "after the restore, from bob" in texts(alice, bob), both, timeout=30)
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "after the restore, from alice")
        settle(lambda: "after the restore, from alice" in texts(bob, alice), both, timeout=30)

        want = [m["text"] for m in before] + ["after the restore, from bob",
                                              "after the restore, from alice"]
        for site, peer in ((alice, bob), (bob, alice)):
            msgs = conversation(site, peer)["messages"]
            with self.subTest(site=site.name):
                # Everything once, in order, on both sides.
                self.assertEqual(sorted(m["text"] for m in msgs), sorted(want))
                self.assertEqual(len({m["uid"] for m in msgs}), len(msgs))
        self.assertEqual(texts(bob, alice)[:5], old)

        # An older backup: what alice sends after it is lost with the
        # restore, and her next message takes the lost one's seq.  Its
        # u-uid still differs (MC-4 would drop a known one on bob's side).
        older = os.path.join(place, "alice-older")
        run_ok(alice, "feed", "--backup", older)
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "sent after the older backup")
        settle(lambda: "sent after the older backup" in texts(bob, alice), both, timeout=30)
        as_site_user("/bin/sh", "-c", 'rm -rf "$0"/* "$0"/.[!.]*', alice.data_dir)
        as_site_user("install", "-m", "0600", os.path.join(older, "data.mdb"),
                     alice.data_dir + "/")
        as_site_user("cp", "-R", os.path.join(older, "attachments"), alice.data_dir + "/")
        run_ok(alice, "send", "--republish")
        self.assertNotIn("sent after the older backup", texts(alice, bob))
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "the next one, same seq")
        settle(lambda: "the next one, same seq" in texts(bob, alice), both, timeout=30)
        got = texts(bob, alice)
        self.assertEqual(got.count("sent after the older backup"), 1)
        self.assertEqual(got.count("the next one, same seq"), 1)
        self.assertEqual(apache.log_problems(), [])

    def test_backup_refuses_bad_directories_and_writes_nothing(self):
        alice = apache["alice"]
        r = alice.run("feed", "--backup")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--backup takes one directory", r.stderr.decode())
        r = alice.run("feed", "--backup", "/nonexistent-parent/backup")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot create", r.stderr.decode())
        self.assertFalse(os.path.exists("/nonexistent-parent"))


if __name__ == "__main__":
    unittest.main()
