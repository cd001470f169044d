"""A deleted message takes its files with it (issue 15, deletes).

alice sends bob a photo, and the same bytes again in a second message;
bob stores his copies.  alice deletes the first photo's message
(`send --to URL --delete UID`): once maintenance has run (the removal is
a due job the tombstone's transaction scheduled), the file is gone from
alice's data_dir and bob's token gets 404 for it; when bob has read the
tombstone, his copy is gone too and his owner route answers 404.  The
bytes both messages carry stay on both sites until the second message is
deleted as well.  A file in data_dir/attachments that no message names
(a failed send's upload) is removed by the sweep
(`listener --sweep-attachments`: the daily maintenance job, due now) once
it is an hour old; a fresh one stays.
"""

import hashlib
import json
import os
import shutil
import tempfile
import time
import unittest

import harness
from chat import acquaint, conversation, homepage, run_ok, settle
from test_attachments import png
from test_isolation import resource_of, working_token
from web import Owner, set_passphrase

apache = None
files_dir = None
PASS = "a demo passphrase"
ONE = png(5, 4)
SHARED = png(7, 3)


def setUpModule():
    global apache, files_dir
    files_dir = tempfile.mkdtemp(prefix="ic-attach-del-")
    os.chmod(files_dir, 0o755)
    sites = [harness.SiteSpec(n, files={"htdocs/index.html": homepage})
             for n in ("alice", "bob")]
    apache = harness.Apache(sites=sites)
    apache.start()
    set_passphrase(apache["bob"], PASS)


def tearDownModule():
    apache.stop()
    shutil.rmtree(files_dir, ignore_errors=True)


def write(name, data):
    path = os.path.join(files_dir, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)
    return path


def blob_path(site, sha):
    return os.path.join(site.data_dir, "attachments", sha)


def has(site, data):
    return os.path.exists(blob_path(site, hashlib.sha256(data).hexdigest()))


def by_text(site, peer):
    return {m["text"]: m for m in conversation(site, peer)["messages"]}


class AttachmentDelete(unittest.TestCase):
    """In name order: test_1 sets the conversation up."""

    uids = {}

    def _token_status(self, data):
        alice, bob = apache["alice"], apache["bob"]
        tok, _ = working_token(bob, alice, resource_of(bob, alice))
        url = resource_of(bob, alice) + "/attachment/" + hashlib.sha256(data).hexdigest()
        return alice.get(url, headers={"Authorization": "Bearer " + tok}).status

    def _owner_status(self, data):
        alice, bob = apache["alice"], apache["bob"]
        o = Owner(bob)
        self.assertEqual(o.sign_in(PASS).status, 303)
        conv = json.loads(o.get(bob.b("feed/api/inbox")).body)["conversations"][0]["id"]
        sha = hashlib.sha256(data).hexdigest()
        return o.get(bob.b("feed/with/%s/attachment/%s" % (conv, sha))).status

    def test_1_both_sites_hold_the_files(self):
        alice, bob = apache["alice"], apache["bob"]
        acquaint(alice, bob)
        for text, data, name in (("one photo", ONE, "one.png"),
                                 ("shared photo", SHARED, "shared.png"),
                                 ("shared again", SHARED, "again.png")):
            run_ok(alice, "send", "--to", bob.url, "--attach", write(name, data), text)

        def stored():
            got = by_text(bob, alice)
            return all(t in got and got[t]["attachments"][0]["state"] == "stored"
                       for t in ("one photo", "shared photo", "shared again"))
        settle(stored, (alice, bob), timeout=120)
        for t, m in by_text(alice, bob).items():
            AttachmentDelete.uids[t] = m["uid"]
        for site in (alice, bob):
            self.assertTrue(has(site, ONE) and has(site, SHARED), site.name)
        self.assertEqual(self._token_status(ONE), 200)
        self.assertEqual(self._owner_status(ONE), 200)
        self.assertEqual(apache.log_problems(), [])

    def test_2_a_delete_removes_the_file_on_both_sites(self):
        if not self.uids:
            self.skipTest("needs test_1")
        alice, bob = apache["alice"], apache["bob"]
        time.sleep(1.05)  # dt-deleted after dt-published
        run_ok(alice, "send", "--to", bob.url, "--delete", self.uids["one photo"])
        # At once: no message carries it, whatever maintenance has done.
        self.assertEqual(self._token_status(ONE), 404)
        # The tombstone lists no file.
        mine = by_text(alice, bob)[""]
        self.assertEqual(mine.get("attachments", []), [])
        settle(lambda: not has(alice, ONE), (alice,), timeout=60)
        self.assertEqual(self._token_status(ONE), 404)
        # bob reads the tombstone: his copy goes, his page's route says 404.
        settle(lambda: not has(bob, ONE), (alice, bob), timeout=120)
        self.assertEqual(self._owner_status(ONE), 404)
        theirs = [m for m in conversation(bob, alice)["messages"]
                  if m["uid"] == self.uids["one photo"]][0]
        self.assertTrue(theirs.get("deleted"))
        self.assertEqual(theirs.get("attachments", []), [])
        self.assertEqual(apache.log_problems(), [])

    def test_3_bytes_two_messages_carry_stay_until_both_are_deleted(self):
        if not self.uids:
            self.skipTest("needs test_1")
        alice, bob = apache["alice"], apache["bob"]
        run_ok(alice, "send", "--to", bob.url, "--delete", self.uids["shared photo"])
        settle(lambda: by_text(bob, alice).get("shared photo") is None,
               (alice, bob), timeout=120)
        for s in (alice, bob):
            run_ok(s, "listener", "--maintain")
            self.assertTrue(has(s, SHARED), s.name)
        self.assertEqual(self._token_status(SHARED), 200)
        self.assertEqual(self._owner_status(SHARED), 200)
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "--delete", self.uids["shared again"])
        settle(lambda: not has(alice, SHARED) and not has(bob, SHARED),
               (alice, bob), timeout=120)
        self.assertEqual(self._token_status(SHARED), 404)
        self.assertEqual(self._owner_status(SHARED), 404)
        self.assertEqual(apache.log_problems(), [])

    def test_4_the_sweep_removes_old_files_nothing_names(self):
        alice = apache["alice"]
        d = os.path.join(alice.data_dir, "attachments")
        owner = os.stat(d)
        old, fresh = b"an upload whose send failed", b"an upload being sent"
        hour_ago = time.time() - 3600 - 60
        for data, when in ((old, hour_ago), (fresh, time.time() - 60)):
            p = blob_path(alice, hashlib.sha256(data).hexdigest())
            with open(p, "wb") as f:
                f.write(data)
            os.chown(p, owner.st_uid, owner.st_gid)
            os.utime(p, (when, when))
        # A temporary file a crash left behind, as old.
        tmp = os.path.join(d, "." + hashlib.sha256(b"x").hexdigest() + ".Ab12Cd")
        with open(tmp, "wb") as f:
            f.write(b"half")
        os.chown(tmp, owner.st_uid, owner.st_gid)
        os.utime(tmp, (hour_ago, hour_ago))
        out = run_ok(alice, "listener", "--sweep-attachments")
        self.assertIn(b"maintenance done", out)
        self.assertFalse(has(alice, old))
        self.assertFalse(os.path.exists(tmp))
        self.assertTrue(has(alice, fresh))
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
