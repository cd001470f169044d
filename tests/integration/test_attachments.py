"""Photos and files between two real sites (issue 15, first section).

alice and bob are acquainted (chat.acquaint()).  alice sends a PNG, a PDF
and a JPEG carrying an EXIF block with a GPS position with
`send --attach`: the owner is told the metadata was removed, the files are
stored under alice's data_dir by their SHA-256 (never under the document
root), and the message's record lists them with the sizes read from the
bytes.  bob's token (the one alice's ticket gave him for the
conversation's feed) reads each at B/feed/<topic>/attachment/<sha256>
with its sniffed type, Content-Disposition (inline for an image,
attachment otherwise), nosniff, a sandboxing CSP and private caching; the
JPEG bob reads has no GPS bytes.  No token, a wrong token and a file that
no message of this conversation carries are refused.  A file over
attach_max_file_bytes is refused at send with a sentence naming the key,
and nothing is stored.
"""

import glob
import hashlib
import json
import os
import shutil
import struct
import tempfile
import unittest
import zlib

import harness
from chat import acquaint, conversation, homepage, run_ok, settle
from test_isolation import resource_of, working_token
from test_replies import entries, foreign_parse, node_modules
from web import Owner, set_passphrase

apache = None
files_dir = None
MAX_FILE = 200000
BOB_MAX_FILE = 150000
PASS = "a demo passphrase"

# SOI, JFIF, an EXIF block naming a GPS position, a 4 x 2 frame, a scan, EOI.
GPS = b"GPS 48.8584N 2.2945E"
EXIF = b"Exif\0\0" + GPS + b"\0\0"
JPEG = (b"\xff\xd8"
        + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xe1" + struct.pack(">H", len(EXIF) + 2) + EXIF
        + b"\xff\xc0\x00\x0b\x08\x00\x02\x00\x04\x01\x01\x11\x00"
        + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x12\x34"
        + b"\xff\xd9")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# Issue 15, u-video / u-audio: the smallest bytes each container is told
# by.  An MP4 is an ISO BMFF 'ftyp' box (here followed by an mdat box of
# 3000 bytes, so Range requests have something to cut); an Ogg Opus file
# starts with a page whose first packet is the OpusHead header (RFC 7845).
MP4 = (b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2"
       + struct.pack(">I", 8 + 3000) + b"mdat" + bytes(i % 251 for i in range(3000)))
OPUS = (b"OggS\0\x02" + b"\0" * 8 + b"\x01\0\0\0" + b"\0" * 8 + b"\x01\x13"
        + b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0")


def png(width, height):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    raw = b"".join(b"\0" + b"\x80\x20\x40" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def setUpModule():
    global apache, files_dir
    files_dir = tempfile.mkdtemp(prefix="ic-attach-")
    os.chmod(files_dir, 0o755)
    # bob takes less than alice sends: test_8's file is too large for him.
    sites = [harness.SiteSpec(n, conf={"attach_max_file_bytes": str(limit)},
                              files={"htdocs/index.html": homepage})
             for n, limit in (("alice", MAX_FILE), ("bob", BOB_MAX_FILE))]
    apache = harness.Apache(sites=sites)
    apache.start()
    set_passphrase(apache["bob"], PASS)


def tearDownModule():
    apache.stop()
    shutil.rmtree(files_dir, ignore_errors=True)


def blobs(site):
    d = os.path.join(site.data_dir, "attachments")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def write(name, data):
    """A file the site user can read, outside every site's directories."""
    path = os.path.join(files_dir, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)
    return path


class Attachments(unittest.TestCase):
    """In name order: test_1 sends, the others read what it sent."""

    sent = None

    def test_1_send_attaches_and_strips_the_jpeg(self):
        alice, bob = apache["alice"], apache["bob"]
        acquaint(alice, bob)
        files = [write("pixel art.png", png(3, 2)), write("report.pdf", PDF),
                 write("IMG_0001.JPG", JPEG)]
        r = alice.run("send", "--to", bob.url, "--attach", files[0], "--attach", files[1],
                      "--attach", files[2], "Holiday", "pictures")
        self.assertEqual(r.returncode, 0, r.stderr)
        err = r.stderr.decode()
        self.assertIn("removed the metadata", err)
        self.assertIn("IMG_0001.JPG", err)
        msg = [m for m in conversation(alice, bob)["messages"] if m["text"] == "Holiday pictures"]
        self.assertEqual(len(msg), 1)
        att = msg[0]["attachments"]
        self.assertEqual([(a["name"], a["type"], a["width"], a["height"]) for a in att],
                         [("pixel_art.png", "image/png", 3, 2),
                          ("report.pdf", "application/pdf", 0, 0),
                          ("IMG_0001.JPG", "image/jpeg", 4, 2)])
        self.assertEqual([a["stripped"] for a in att], [False, False, True])
        self.assertEqual(att[2]["size"], len(JPEG) - len(EXIF) - 4)
        # Content-addressed under data_dir, nothing under the document root.
        self.assertEqual(sorted(a["id"] for a in att), blobs(alice))
        self.assertEqual(att[0]["id"], hashlib.sha256(png(3, 2)).hexdigest())
        for root, _, names in os.walk(alice.docroot):
            self.assertFalse(set(names) & set(blobs(alice)), root)
        # --reply-to still works beside --attach, in any order.
        run_ok(alice, "send", "--to", bob.url, "--attach", files[1], "--reply-to",
               msg[0]["uid"], "again")
        again = [m for m in conversation(alice, bob)["messages"] if m["text"] == "again"][0]
        self.assertEqual(again["in_reply_to"], msg[0]["uid"])
        self.assertEqual(again["attachments"][0]["id"], att[1]["id"])
        Attachments.sent = att
        self.assertEqual(apache.log_problems(), [])

    def _url(self, a):
        alice, bob = apache["alice"], apache["bob"]
        return resource_of(bob, alice) + "/attachment/" + a["id"]

    def test_2_the_token_holder_reads_each_file_with_safe_headers(self):
        if not self.sent:
            self.skipTest("needs test_1")
        alice, bob = apache["alice"], apache["bob"]
        tok, _ = working_token(bob, alice, resource_of(bob, alice))
        auth = {"Authorization": "Bearer " + tok}
        want = {"image/png": "inline", "application/pdf": "attachment",
                "image/jpeg": "inline"}
        for a in self.sent:
            with self.subTest(name=a["name"]):
                r = alice.get(self._url(a), headers=auth)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.header("Content-Type"), a["type"])
                self.assertEqual(r.header("Content-Disposition"),
                                 '%s; filename="%s"' % (want[a["type"]], a["name"]))
                self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
                self.assertEqual(r.header("Content-Security-Policy"),
                                 "default-src 'none'; sandbox")
                self.assertTrue(r.header("Cache-Control").startswith("private"))
                self.assertEqual(len(r.body), a["size"])
                self.assertEqual(hashlib.sha256(r.body).hexdigest(), a["id"])
        jpeg = alice.get(self._url(self.sent[2]), headers=auth).body
        self.assertNotIn(GPS, jpeg)
        self.assertNotIn(b"Exif", jpeg)
        self.assertTrue(jpeg.startswith(b"\xff\xd8") and jpeg.endswith(b"\xff\xd9"))
        # HEAD: the headers, no body, nothing changed.
        r = alice.request("HEAD", self._url(self.sent[0]), headers=auth)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertEqual(apache.log_problems(), [])

    def test_3_strangers_and_other_files_are_refused(self):
        if not self.sent:
            self.skipTest("needs test_1")
        alice, bob = apache["alice"], apache["bob"]
        url = self._url(self.sent[0])
        self.assertEqual(alice.get(url).status, 401)
        r = alice.get(url, headers={"Authorization": "Bearer not-a-real-token"})
        self.assertIn(r.status, (401, 403))
        self.assertNotEqual(r.body[:8], b"\x89PNG\r\n\x1a\n")
        tok, _ = working_token(bob, alice, resource_of(bob, alice))
        auth = {"Authorization": "Bearer " + tok}
        base = resource_of(bob, alice) + "/attachment/"
        for bad in (hashlib.sha256(b"never sent").hexdigest(), "../../data.mdb",
                    "A" * 64, self.sent[0]["id"][:63]):
            with self.subTest(id=bad):
                self.assertEqual(alice.get(base + bad, headers=auth).status, 404)
        # Another conversation's topic with this token: refused.
        other = base.replace(resource_of(bob, alice).rsplit("/", 1)[1], "b" * 26)
        self.assertIn(alice.get(other + self.sent[0]["id"], headers=auth).status, (401, 403, 404))

    def test_4_an_oversized_file_is_refused_at_send_and_nothing_stored(self):
        alice, bob = apache["alice"], apache["bob"]
        if self.sent is None:
            self.skipTest("needs test_1")
        before_blobs = blobs(alice)
        before = len(conversation(alice, bob)["messages"])
        small = write("small.pdf", PDF + b"% small\n")
        big = write("big.bin", os.urandom(MAX_FILE + 1))
        r = alice.run("send", "--to", bob.url, "--attach", small, "--attach", big, "too big")
        self.assertNotEqual(r.returncode, 0)
        err = (r.stdout + r.stderr).decode(errors="replace")
        self.assertIn("attach_max_file_bytes", err)
        self.assertIn("big.bin", err)
        self.assertEqual(blobs(alice), before_blobs)
        self.assertEqual(len(conversation(alice, bob)["messages"]), before)
        # Types come from the bytes: an HTML page called .png is a download.
        fake = write("cute.png", b"<html><script>alert(1)</script></html>")
        run_ok(alice, "send", "--to", bob.url, "--attach", fake, "see this")
        m = [m for m in conversation(alice, bob)["messages"] if m["text"] == "see this"][0]
        self.assertEqual(m["attachments"][0]["type"], "application/octet-stream")
        tok, _ = working_token(bob, alice, resource_of(bob, alice))
        r = alice.get(self._url(m["attachments"][0]), headers={"Authorization": "Bearer " + tok})
        self.assertEqual(r.header("Content-Type"), "application/octet-stream")
        self.assertTrue(r.header("Content-Disposition").startswith("attachment;"))
        self.assertEqual(apache.log_problems(), [])

    def test_5_bob_stores_his_own_copies(self):
        if not self.sent:
            self.skipTest("needs test_1")
        alice, bob = apache["alice"], apache["bob"]

        def received():
            got = {m["text"]: m for m in conversation(bob, alice)["messages"]}
            m = got.get("Holiday pictures")
            if m and all(a["state"] == "stored" for a in m.get("attachments", [{}])):
                return got
            return None
        got = settle(received, (alice, bob), timeout=120)
        m = got["Holiday pictures"]
        self.assertEqual(m["direction"], "in")
        # The file line our feed adds to e-content is not the text.
        self.assertEqual(m["text"], "Holiday pictures")
        mine = {a["id"]: a for a in m["attachments"]}
        self.assertEqual(sorted(mine), sorted(a["id"] for a in self.sent))
        for a in self.sent:
            with self.subTest(name=a["name"]):
                b = mine[a["id"]]
                self.assertEqual((b["name"], b["type"], b["size"], b["width"], b["height"]),
                                 (a["name"], a["type"], a["size"], a["width"], a["height"]))
                with open(os.path.join(bob.data_dir, "attachments", a["id"]), "rb") as f:
                    data = f.read()
                self.assertEqual(hashlib.sha256(data).hexdigest(), a["id"])
        with open(os.path.join(bob.data_dir, "attachments", self.sent[2]["id"]), "rb") as f:
            self.assertNotIn(GPS, f.read())
        # A photo-less reply with a file, and the octet-stream fake.
        settle(lambda: all(a["state"] == "stored"
                           for t in ("again", "see this")
                           for a in {m["text"]: m for m in conversation(bob, alice)["messages"]}
                           .get(t, {"attachments": [{"state": "-"}]})["attachments"]),
               (alice, bob), timeout=120)
        later = {m["text"]: m for m in conversation(bob, alice)["messages"]}
        self.assertEqual(later["see this"]["attachments"][0]["type"], "application/octet-stream")
        self.assertEqual(later["again"]["in_reply_to"], m["uid"])
        # Each message once, whatever the job did (MC-4).
        uids = [x["uid"] for x in conversation(bob, alice)["messages"]]
        self.assertEqual(len(uids), len(set(uids)))
        self.assertEqual(apache.log_problems(), [])

    def test_6_bob_sees_them_on_his_page_from_his_own_copies(self):
        if not self.sent:
            self.skipTest("needs test_1")
        alice, bob = apache["alice"], apache["bob"]
        settle(lambda: all(a["state"] == "stored" for m in conversation(bob, alice)["messages"]
                           for a in m.get("attachments", [])), (alice, bob), timeout=120)
        o = Owner(bob)
        self.assertEqual(o.sign_in(PASS).status, 303)
        conv = json.loads(o.get(bob.b("feed/api/inbox")).body)["conversations"][0]["id"]
        page = o.get(bob.b("feed/with/" + conv)).body.decode()
        png_a, pdf_a = self.sent[0], self.sent[1]
        base = bob.b("feed/with/%s/attachment/" % conv)
        path = base[base.index("/", 8):] if base.startswith("http") else base
        # The picture's box is known before it loads; the PDF is a chip.
        self.assertIn('<img src="%s%s" width="3" height="2" alt="pixel_art.png"'
                      % (path, png_a["id"]), page)
        self.assertIn('download="report.pdf"', page)
        self.assertIn(">report.pdf</span>", page)
        # The owner's session reads bob's copy: no token of alice's.
        r = o.get(base + png_a["id"])
        self.assertEqual(r.status, 200)
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), png_a["id"])
        self.assertEqual(r.header("Content-Security-Policy"), "default-src 'none'; sandbox")
        self.assertTrue(r.header("Content-Disposition").startswith("inline;"))
        self.assertTrue(o.get(base + pdf_a["id"]).header("Content-Disposition")
                        .startswith("attachment;"))
        # The JSON the page's script reads gives the same.
        msgs = json.loads(o.get(bob.b("feed/api/with/" + conv)).body)["messages"]
        att = [m for m in msgs if m["text"] == "Holiday pictures"][0]["attachments"]
        self.assertEqual((att[0]["width"], att[0]["height"], att[0]["state"]), (3, 2, "stored"))
        # Without a session: nothing.
        self.assertNotEqual(bob.get(base + png_a["id"]).status, 200)
        self.assertEqual(o.get(base + hashlib.sha256(b"x").hexdigest()).status, 404)
        self.assertEqual(apache.log_problems(), [])

    def test_7_a_foreign_reader_sees_the_photo_and_the_file_link(self):
        if not self.sent:
            self.skipTest("needs test_1")
        alice = apache["alice"]
        if not os.path.isdir(os.path.join(node_modules(), "microformats-parser")):
            self.fail("npm microformats-parser missing: npm ci --prefix tests/js")
        pages = [p for p in glob.glob(os.path.join(alice.data_dir, "feeds", "*", "page-*.html"))
                 if "Holiday pictures" in open(p, encoding="utf-8").read()]
        self.assertEqual(len(pages), 1, pages)
        doc = foreign_parse(pages[0], alice.url)
        e = [x for x in entries(doc)
             if "Holiday pictures" in str(x["properties"].get("content"))][0]
        props = e["properties"]
        photos = [p["value"] if isinstance(p, dict) else p for p in props.get("photo", [])]
        png_a, pdf_a = self.sent[0], self.sent[1]
        self.assertTrue(any(png_a["id"] in p for p in photos), photos)
        self.assertTrue(any(self.sent[2]["id"] in p for p in photos), photos)
        # The PDF: a link any reader shows, in e-content.
        html = props["content"][0]["html"]
        self.assertIn(pdf_a["id"], html)
        self.assertIn("report.pdf</a>", html)
        self.assertFalse(any(pdf_a["id"] in p for p in photos))

    def test_8_a_file_too_large_for_bob_never_blocks_the_message(self):
        if not self.sent:
            self.skipTest("needs test_1")
        alice, bob = apache["alice"], apache["bob"]
        big = write("archive.bin", os.urandom(BOB_MAX_FILE + 1000))
        run_ok(alice, "send", "--to", bob.url, "--attach", big, "the archive")

        def judged():
            m = {x["text"]: x for x in conversation(bob, alice)["messages"]}.get("the archive")
            return m if m and m["attachments"][0]["state"] != "pending" else None
        # One failed try waits IC_DUE_BACKOFF_FIRST (30 s) for the next.
        m = settle(judged, (alice, bob), timeout=120)
        self.assertEqual(m["attachments"][0]["state"], "too_large")
        self.assertNotIn(m["attachments"][0]["id"], blobs(bob))
        uids = [x["uid"] for x in conversation(bob, alice)["messages"]]
        self.assertEqual(len(uids), len(set(uids)))
        self.assertEqual(apache.log_problems(), [])

    def test_9_video_and_audio_play_seek_and_reach_bob(self):
        """u-video / u-audio: typed from the bytes whatever the name, served
        with Range (206, 416), published as <video>/<audio> with a link
        inside, read by a foreign mf2 parser, fetched by bob, shown with
        the browser's player on his page."""
        if not self.sent:
            self.skipTest("needs test_1")
        alice, bob = apache["alice"], apache["bob"]
        files = [write("holiday.txt", MP4), write("voice-note.pdf", OPUS)]
        run_ok(alice, "send", "--to", bob.url, "--attach", files[0], "--attach", files[1],
               "A clip and a voice note")
        m = [m for m in conversation(alice, bob)["messages"]
             if m["text"] == "A clip and a voice note"][0]
        att = m["attachments"]
        self.assertEqual([(a["name"], a["type"]) for a in att],
                         [("holiday.txt", "video/mp4"), ("voice-note.pdf", "audio/ogg")])
        video, audio = att

        # Seeking: Range answered with 206, 416 past the end.
        tok, _ = working_token(bob, alice, resource_of(bob, alice))
        auth = {"Authorization": "Bearer " + tok}
        url = self._url(video)
        whole = alice.get(url, headers=auth)
        self.assertEqual(whole.status, 200)
        self.assertEqual(whole.body, MP4)
        self.assertEqual(whole.header("Accept-Ranges"), "bytes")
        self.assertTrue(whole.header("Content-Disposition").startswith("inline;"))
        size = len(MP4)
        for rng, lo, hi in (("bytes=0-99", 0, 99), ("bytes=100-", 100, size - 1),
                            ("bytes=-10", size - 10, size - 1),
                            ("bytes=3000-999999", 3000, size - 1)):
            with self.subTest(range=rng):
                r = alice.get(url, headers=dict(auth, Range=rng))
                self.assertEqual(r.status, 206, r.body[:200])
                self.assertEqual(r.header("Content-Range"), "bytes %d-%d/%d" % (lo, hi, size))
                self.assertEqual(r.body, MP4[lo:hi + 1])
                self.assertEqual(r.header("Content-Type"), "video/mp4")
                self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
                self.assertEqual(r.header("Content-Security-Policy"),
                                 "default-src 'none'; sandbox")
        r = alice.get(url, headers=dict(auth, Range="bytes=%d-" % size))
        self.assertEqual(r.status, 416)
        self.assertEqual(r.header("Content-Range"), "bytes */%d" % size)
        self.assertNotIn(MP4[:40], r.body)
        # A range without the token is still refused.
        self.assertEqual(alice.get(url, headers={"Range": "bytes=0-9"}).status, 401)

        # The feed: the players, with a plain link inside each.
        pages = [p for p in glob.glob(os.path.join(alice.data_dir, "feeds", "*", "page-*.html"))
                 if "A clip and a voice note" in open(p, encoding="utf-8").read()]
        self.assertEqual(len(pages), 1, pages)
        html = open(pages[0], encoding="utf-8").read()
        self.assertRegex(html, r'<video class="u-video" src="[^"]*%s\?name=holiday.txt" '
                         r'controls preload="metadata"[^>]*><a href="[^"]*%s'
                         % (video["id"], video["id"]))
        self.assertRegex(html, r'<audio class="u-audio" src="[^"]*%s[^"]*" controls '
                         r'preload="metadata"[^>]*><a href=' % audio["id"])
        # A foreign mf2 reader: the text, the u-video and u-audio URLs.
        if not os.path.isdir(os.path.join(node_modules(), "microformats-parser")):
            self.fail("npm microformats-parser missing: npm ci --prefix tests/js")
        e = [x for x in entries(foreign_parse(pages[0], alice.url))
             if "A clip and a voice note" in str(x["properties"].get("content"))][0]
        props = e["properties"]
        self.assertEqual(props["content"][0]["value"].strip(), "A clip and a voice note")
        self.assertTrue(any(video["id"] in v for v in props.get("video", [])), props)
        self.assertTrue(any(audio["id"] in v for v in props.get("audio", [])), props)
        self.assertNotIn("photo", props)

        # bob fetches both, types them from the bytes, and plays them.
        def received():
            x = {m["text"]: m for m in conversation(bob, alice)["messages"]}.get(
                "A clip and a voice note")
            return x if x and all(a["state"] == "stored" for a in x["attachments"]) else None
        got = settle(received, (alice, bob), timeout=120)
        self.assertEqual(got["text"], "A clip and a voice note")
        self.assertEqual(sorted((a["id"], a["type"]) for a in got["attachments"]),
                         sorted((a["id"], a["type"]) for a in att))
        o = Owner(bob)
        self.assertEqual(o.sign_in(PASS).status, 303)
        conv = json.loads(o.get(bob.b("feed/api/inbox")).body)["conversations"][0]["id"]
        page = o.get(bob.b("feed/with/" + conv)).body.decode()
        self.assertRegex(page, r'<video class="att-video" src="[^"]*/attachment/%s" controls '
                         r'preload="metadata"' % video["id"])
        self.assertRegex(page, r'<audio class="att-audio" src="[^"]*/attachment/%s" controls'
                         % audio["id"])
        base = bob.b("feed/with/%s/attachment/" % conv)
        r = o.get(base + video["id"], headers={"Range": "bytes=10-19"})
        self.assertEqual((r.status, r.body), (206, MP4[10:20]))
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
