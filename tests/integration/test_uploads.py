"""Photos from a phone through the compose box (issue 15): uploads past
Apache's 1 MiB, read only for the owner.

A phone's photo is several MiB.  `B/send` alone takes bodies up to the
default `attach_max_message_bytes` plus the form (harness.py and
scripts/install write the same `LimitRequestBody`), and send judges the
session and Origin from the headers before it reads a byte of an upload
(lib/cgi/route.c gate_upload), so a stranger's upload costs the site
nothing.  Here, in both server modes:
* the compose form carries the site's caps (data-max-*) for the script;
* the owner's 3 MiB file goes through the page's multipart form and reaches
  bob whole (the same SHA-256 on his site);
* the same upload without the session, or from another Origin, is refused
  with 403 and nothing is stored;
* past the site's own `attach_max_message_bytes` the program answers 413 with
  a sentence, and past Apache's cap Apache does; nothing is stored either way.
"""

import hashlib
import json
import os
import unittest
import uuid

import harness
from chat import acquaint, homepage, run_ok, settle
from web import Owner, set_passphrase

PASS = "a demo passphrase"
MIB = 1048576
# alice's own caps (below Apache's 26 MiB for B/send): 4 MiB a file and a message.
ALICE_MAX = 4 * MIB
apache = None


def setUpModule():
    global apache
    conf = {"attach_max_file_bytes": str(ALICE_MAX), "attach_max_message_bytes": str(ALICE_MAX)}
    apache = harness.Apache(sites=[
        harness.SiteSpec("alice", conf=conf, files={"htdocs/index.html": homepage}),
        harness.SiteSpec("bob", files={"htdocs/index.html": homepage})])
    apache.start()
    set_passphrase(apache["alice"], PASS)
    acquaint(apache["alice"], apache["bob"])


def tearDownModule():
    apache.stop()


def pdf(size):
    """A PDF by its bytes (what the type check reads), `size` bytes long."""
    head = b"%PDF-1.4\n"
    tail = b"\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def multipart(fields, name, data):
    boundary = "ic-" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                    % (boundary, k, v)).encode())
    out.append(('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
                'Content-Type: application/octet-stream\r\n\r\n' % (boundary, name)).encode())
    out += [data, ("\r\n--%s--\r\n" % boundary).encode()]
    return "multipart/form-data; boundary=" + boundary, b"".join(out)


def blobs(site):
    d = os.path.join(site.data_dir, "attachments")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


class Uploads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.owner = Owner(apache["alice"])
        cls.owner.sign_in(PASS)

    def upload(self, data, text, owner=None, origin=None, name="scan.pdf"):
        alice, bob = apache["alice"], apache["bob"]
        fields = {"to": bob.url, "text": text}
        if owner is not None:
            fields["csrf"] = owner.csrf
        ctype, body = multipart(fields, name, data)
        headers = {"Content-Type": ctype, "Accept": "application/json",
                   "Origin": origin or "http://%s" % alice.host}
        if owner is not None:
            headers = owner.headers(headers)
        return alice.request("POST", alice.b("send"), headers, body, timeout=120)

    def test_0_the_compose_form_names_the_sites_own_caps(self):
        # The script checks a chosen file against these before an upload
        # starts (docs/web.md "Photos and files"); send checks them again.
        alice, bob = apache["alice"], apache["bob"]
        inbox = json.loads(self.owner.get(alice.b("feed/api/inbox")).body)
        conv = [c["id"] for c in inbox["conversations"] if c["peer"] == bob.url][0]
        r = self.owner.get(alice.b("feed/with/" + conv))
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertIn(('data-max-file="%d" data-max-message="%d" data-max-files="10"'
                       % (ALICE_MAX, ALICE_MAX)).encode(), r.body)
        # Its previews of chosen photos are blob: URLs.
        self.assertIn("img-src * data: blob:;", r.header("Content-Security-Policy"))

    def test_1_the_owner_sends_a_3_mib_file_and_bob_gets_it_whole(self):
        alice, bob = apache["alice"], apache["bob"]
        data = pdf(3 * MIB)
        r = self.upload(data, "the scan", owner=self.owner)
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertTrue(json.loads(r.body)["ok"])
        want = hashlib.sha256(data).hexdigest()
        self.assertIn(want, blobs(alice))
        settle(lambda: want in blobs(bob), (alice, bob), timeout=60)
        with open(os.path.join(bob.data_dir, "attachments", want), "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), want)
        self.assertEqual(apache.log_problems(), [])

    def test_2_strangers_and_other_origins_are_refused_before_the_upload(self):
        alice = apache["alice"]
        before = blobs(alice)
        data = pdf(3 * MIB)
        r = self.upload(data, "no session")
        self.assertEqual(r.status, 403, r.body[:300])
        self.assertIn(b"sign in first", r.body)
        r = self.upload(data, "cross-site", owner=self.owner, origin="http://evil.localhost")
        self.assertEqual(r.status, 403, r.body[:300])
        self.assertIn(b"cross-site", r.body)
        self.assertEqual(blobs(alice), before)

    def test_3_past_the_caps_413_and_nothing_stored(self):
        alice = apache["alice"]
        before = blobs(alice)
        # The site's own cap (4 MiB here) answers with a sentence.
        r = self.upload(pdf(5 * MIB), "too big for alice", owner=self.owner)
        self.assertEqual(r.status, 413, r.body[:300])
        self.assertIn(b"the files are too large: at most 4.0 MB in one message", r.body)
        # Past Apache's cap for B/send, Apache refuses.
        r = self.upload(pdf(harness.UPLOAD_REQUEST_BODY + MIB), "too big for Apache",
                        owner=self.owner)
        self.assertEqual(r.status, 413, r.body[:300])
        self.assertEqual(blobs(alice), before)
        # Other routes keep the 1 MiB cap.
        r = alice.request("POST", alice.b("auth/login"),
                          {"Content-Type": "application/x-www-form-urlencoded"},
                          b"me=" + b"x" * (2 * MIB))
        self.assertEqual(r.status, 413)

    def test_4_the_list_names_files_and_reactions_as_a_messenger_does(self):
        alice, bob = apache["alice"], apache["bob"]

        def preview(site, owner=None):
            if owner is None:
                return [c["preview"] for c in inbox_api(site) if c["peer"] == alice.url][0]
            d = json.loads(owner.get(site.b("feed/api/inbox")).body)
            return [c["preview"] for c in d["conversations"] if c["peer"] == bob.url][0]

        def inbox_api(site):
            owner = Owner(site)
            owner.sign_in(PASS)
            return json.loads(owner.get(site.b("feed/api/inbox")).body)["conversations"]

        r = self.upload(pdf(4096), "", owner=self.owner, name="minutes.pdf")
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(preview(alice, self.owner), "You: \U0001F4CE minutes.pdf")
        set_passphrase(bob, PASS)
        settle(lambda: preview(bob) == "\U0001F4CE minutes.pdf", (alice, bob), timeout=30)
        uid = json.loads(r.body)["uid"]
        run_ok(alice, "send", "--to", bob.url, "--react", uid, "\U0001F44D")
        self.assertEqual(preview(alice, self.owner), "You reacted \U0001F44D")


if __name__ == "__main__":
    unittest.main()
