"""Export (issue 15; README "Export"): every conversation as an archive
readable without IndieChat.

alice and bob converse (one message holds markup, which must arrive as
text); `feed --export DIR` writes DIR/index.html linking each
conversation, and per conversation index.html (an mf2 h-feed of
h-entries) and messages.json (mf2 JSON).  Our own parser
(`listener --parse-mf2 FILE`) reads the page back into what
messages.json says; the page holds no script and links nothing it needs
to load.  The settings page's download (GET B/feed/export) is the same
archive as one tar.  Memory flat in the history's length is test_history's.
"""

import hashlib
import html
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
import unittest

import harness
from chat import conversation, converse, homepage, run_ok, settle
from test_attachments import MP4, OPUS, PDF, png
from web import Owner, set_passphrase

SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage}) for n in ("alice", "bob")]
MARKUP = "<script>alert(1)</script> & <b>bold</b>"
PASS = "export-test-passphrase"
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def read_as_site_user(path):
    r = apache.run_as_site_user(["cat", path])
    if r.returncode != 0:
        raise AssertionError("cannot read %s: %s" % (path, r.stderr))
    return r.stdout.decode("utf-8")


class Export(unittest.TestCase):
    def test_export_is_mf2_html_and_json_that_our_parser_agrees_with(self):
        alice, bob = apache["alice"], apache["bob"]
        converse(self, alice, bob)
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, MARKUP)
        # Issue 15: a reply to bob's message keeps its u-in-reply-to.
        theirs = [m for m in conversation(alice, bob)["messages"] if m["direction"] == "in"]
        run_ok(alice, "send", "--to", bob.url, "--reply-to", theirs[0]["uid"], "Answering that")
        settle(lambda: len(conversation(bob, alice)["messages"]) >= 5, (alice, bob))
        place = apache.run_as_site_user(["mktemp", "-d"]).stdout.decode().strip()
        out_dir = os.path.join(place, "export")
        out = run_ok(alice, "feed", "--export", out_dir).decode()
        self.assertIn("exported 1 conversation to %s/index.html" % out_dir, out)
        r = alice.run("feed", "--export", out_dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn("already exists", r.stderr.decode())

        conv = conversation(alice, bob)
        top = read_as_site_user(os.path.join(out_dir, "index.html"))
        self.assertIn('href="%s/index.html"' % conv["id"], top)
        page_path = os.path.join(out_dir, conv["id"], "index.html")
        page = read_as_site_user(page_path)
        data = json.loads(read_as_site_user(os.path.join(out_dir, conv["id"], "messages.json")))

        # Self-contained: no script, nothing loaded from elsewhere.
        self.assertNotIn("<script", page)
        self.assertIsNone(re.search(r"<link|\ssrc=", page))
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)

        # The JSON: one h-feed, the messages as h-entries in order.
        feed = data["items"][0]
        self.assertEqual(feed["type"], ["h-feed"])
        entries = feed["children"]
        want = [m["text"] for m in conv["messages"]]
        self.assertEqual([e["properties"]["content"][0]["value"] for e in entries], want)
        self.assertEqual([e["properties"]["uid"][0] for e in entries],
                         [m["uid"] for m in conv["messages"]])
        authors = [e["properties"]["author"][0]["properties"]["url"][0] for e in entries]
        self.assertEqual(authors, [alice.url, bob.url, alice.url, alice.url, alice.url])
        self.assertEqual([e["properties"].get("in-reply-to") for e in entries],
                         [None, None, None, None, [theirs[0]["uid"]]])
        self.assertIn('class="u-in-reply-to" href="%s"' % html.escape(theirs[0]["uid"]), page)

        # Our parser reads the page into the same entries.
        parsed = json.loads(run_ok(alice, "listener", "--parse-mf2", page_path))
        pfeed = parsed["items"][0]
        self.assertEqual(pfeed["type"], ["h-feed"])
        self.assertEqual(pfeed["properties"]["name"], feed["properties"]["name"])
        pentries = pfeed["children"]
        self.assertEqual(len(pentries), len(entries))
        for got, exp in zip(pentries, entries):
            gp, ep = got["properties"], exp["properties"]
            with self.subTest(uid=ep["uid"][0]):
                self.assertEqual(got["type"], ["h-entry"])
                self.assertEqual(gp["uid"], ep["uid"])
                self.assertEqual(gp.get("in-reply-to"), ep.get("in-reply-to"))
                self.assertEqual(gp["url"], ep["url"])
                self.assertEqual(gp["published"], ep["published"])
                self.assertEqual(gp["content"][0]["value"], ep["content"][0]["value"])
                self.assertEqual(gp["content"][0]["html"], ep["content"][0]["html"])
                self.assertEqual(gp["author"][0]["type"], ["h-card"])
                self.assertEqual(gp["author"][0]["properties"]["url"],
                                 ep["author"][0]["properties"]["url"])
                self.assertEqual(gp["author"][0]["properties"]["name"],
                                 ep["author"][0]["properties"]["name"])

        # The settings page's download: the same archive as one tar, to
        # the owner only, streamed, and nothing left in data_dir.
        owner = Owner(alice)
        r = owner.get(alice.b("feed/export"))
        self.assertEqual(r.status, 303)  # no session: sign in first
        set_passphrase(alice, PASS)
        owner.sign_in(PASS)
        settings = owner.get(alice.b("auth/settings")).body.decode()
        self.assertIn('<a id="export" href="%s" download>' % alice.b_url("feed/export"), settings)
        r = owner.get(alice.b("feed/export"))
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(r.header("Content-Type"), "application/x-tar")
        self.assertRegex(r.header("Content-Disposition"),
                         r'^attachment; filename="indiechat-export-\d{4}-\d\d-\d\d\.tar"$')
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        with tarfile.open(fileobj=io.BytesIO(r.body), mode="r:") as tar:
            names = tar.getnames()
            self.assertEqual(names[0], "indiechat-export")
            for name in ("index.html", conv["id"] + "/index.html", conv["id"] + "/messages.json"):
                self.assertIn("indiechat-export/" + name, names)
            got = json.load(tar.extractfile("indiechat-export/%s/messages.json" % conv["id"]))
            self.assertEqual(got, data)
            self.assertEqual(tar.extractfile("indiechat-export/%s/index.html" % conv["id"])
                             .read().decode(), page)
        r = owner.site.request("HEAD", alice.b("feed/export"), owner.headers())
        self.assertEqual((r.status, r.body), (200, b""))
        left = apache.run_as_site_user(["ls", "-a", alice.data_dir]).stdout.decode().split()
        self.assertEqual([n for n in left if n.startswith(".export-")], [])
        self.assertEqual(apache.log_problems(), [])

    def test_files_are_in_the_archive_and_the_pages_link_them(self):
        """Issue 15: "attachments included, readable without IndieChat":
        ours and our copies of theirs under <conv>/attachments/, named by
        their SHA-256 and an extension, linked by relative paths from the
        page (img, video, audio, a link) and the JSON, in --export and in
        the settings page's tar."""
        alice, bob = apache["alice"], apache["bob"]
        if not [m for m in conversation(alice, bob)["messages"]]:
            self.skipTest("needs the conversation of the test before")
        files = tempfile.mkdtemp(prefix="ic-export-")
        self.addCleanup(shutil.rmtree, files, True)
        os.chmod(files, 0o755)

        def write(name, data):
            path = os.path.join(files, name)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)
            return path
        sent = {"image/png": png(2, 2), "video/mp4": MP4, "application/pdf": PDF}
        time.sleep(1.05)
        run_ok(alice, "send", "--to", bob.url, "--attach", write("a.png", png(2, 2)),
               "--attach", write("clip.mp4", MP4), "--attach", write("doc.pdf", PDF),
               "three files")
        time.sleep(1.05)
        run_ok(bob, "send", "--to", alice.url, "--attach", write("voice.ogg", OPUS), "a voice note")

        def fetched():
            m = {x["text"]: x for x in conversation(alice, bob)["messages"]}.get("a voice note")
            return m if m and all(a["state"] == "stored" for a in m["attachments"]) else None
        settle(fetched, (alice, bob), timeout=120)
        ext = {"image/png": "png", "video/mp4": "mp4", "application/pdf": "pdf",
               "audio/ogg": "ogg"}
        want = {hashlib.sha256(b).hexdigest(): (b, ext[t]) for t, b in sent.items()}
        want[hashlib.sha256(OPUS).hexdigest()] = (OPUS, "ogg")

        place = apache.run_as_site_user(["mktemp", "-d"]).stdout.decode().strip()
        out_dir = os.path.join(place, "export")
        run_ok(alice, "feed", "--export", out_dir)
        conv = conversation(alice, bob)["id"]
        listing = apache.run_as_site_user(
            ["ls", os.path.join(out_dir, conv, "attachments")]).stdout.decode().split()
        self.assertEqual(sorted(listing), sorted("%s.%s" % (h, e) for h, (_, e) in want.items()))
        for h, (data, e) in want.items():
            r = apache.run_as_site_user(["cat", os.path.join(out_dir, conv, "attachments",
                                                             "%s.%s" % (h, e))])
            self.assertEqual(r.stdout, data)
        page = read_as_site_user(os.path.join(out_dir, conv, "index.html"))
        ids = {e: h for h, (_, e) in want.items() if e != "ogg"}
        self.assertRegex(page, r'<img class="u-photo" src="attachments/%s\.png" width="2" '
                         r'height="2" alt="a.png">' % ids["png"])
        self.assertRegex(page, r'<video class="u-video" src="attachments/%s\.mp4" controls'
                         % ids["mp4"])
        self.assertIn('<audio class="u-audio" src="attachments/%s.ogg" controls'
                      % hashlib.sha256(OPUS).hexdigest(), page)
        self.assertIn('href="attachments/%s.pdf"' % ids["pdf"], page)
        # Every src and href into the archive names a file that is there;
        # nothing is loaded from a site.
        refs = set(re.findall(r'(?:src|href)="(attachments/[^"]+)"', page))
        self.assertEqual(refs, {"attachments/" + n for n in listing})
        self.assertEqual(re.findall(r'\ssrc="(?!attachments/)', page), [])
        data = json.loads(read_as_site_user(os.path.join(out_dir, conv, "messages.json")))
        by_text = {e["properties"]["content"][0]["value"]: e["properties"]
                   for e in data["items"][0]["children"]}
        props = by_text["three files"]
        self.assertEqual(props["photo"], [{"value": "attachments/%s.png" % ids["png"],
                                           "alt": "a.png"}])
        self.assertEqual(props["video"], ["attachments/%s.mp4" % ids["mp4"]])
        self.assertEqual(props["attachment"], ["attachments/%s.pdf" % ids["pdf"]])
        self.assertEqual(by_text["a voice note"]["audio"],
                         ["attachments/%s.ogg" % hashlib.sha256(OPUS).hexdigest()])

        # The same files in the settings page's tar.
        owner = Owner(alice)
        set_passphrase(alice, PASS)
        owner.sign_in(PASS)
        r = owner.get(alice.b("feed/export"))
        self.assertEqual(r.status, 200, r.body[:300])
        with tarfile.open(fileobj=io.BytesIO(r.body), mode="r:") as tar:
            for h, (data, e) in want.items():
                name = "indiechat-export/%s/attachments/%s.%s" % (conv, h, e)
                self.assertEqual(tar.extractfile(name).read(), data)
            self.assertEqual(tar.extractfile("indiechat-export/%s/index.html" % conv)
                             .read().decode(), page)
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
