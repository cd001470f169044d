"""History in the terminal (issue 15): `feed --conversation` at any length.

alice and bob converse; then alice's conversation with bob is filled to
HISTORY messages straight into LMDB (tests/bench/send_bench, as
scripts/bench fills one).  The default view is one page (the newest
IC_PAGE_MESSAGES, as the conversation page), the pages walked back with
--out-before/--in-before give every message once, and `--all --json`
streams them all as one valid JSON object.  Peak RSS (ru_maxrss, through
tests/bench/peak_rss) of the page, of the stream and of `feed --export`
(test_export checks what it writes) is measured at a few
messages and at HISTORY: the heap does not grow with the history, so the
check is a memory bound, never a timing: within 3 MiB of the small one
(the old view held all 20,000 messages: 54 MiB).  ru_maxrss also counts
the pages of data.mdb a read has mapped; the stream lets go of them as it
goes (ic_store_drop_resident()), else a dump would count the whole file.
"""

import json
import os
import subprocess
import unittest

import harness
from chat import converse, homepage, run_ok

HISTORY = int(os.environ.get("IC_HISTORY_MESSAGES", "20000"))
PAGE = 100  # IC_PAGE_MESSAGES
SITES = [harness.SiteSpec(n, files={"htdocs/index.html": homepage}) for n in ("alice", "bob")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def peak_rss_kib(site, *args):
    """ru_maxrss of one `feed` run, its output thrown away (as scripts/bench)."""
    env = harness._base_env()
    env["INDIECHAT_CONFIG"] = site.conf_path
    argv = [apache.tool("tests/bench/peak_rss"), site.program("feed")] + list(args)
    kw = {}
    if harness.is_root():  # files it creates must stay the CGI user's
        kw = {"user": harness.SITE_USER, "group": harness.SITE_GROUP, "extra_groups": []}
    r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    if r.returncode != 0:
        raise AssertionError("feed %s failed: %s" % (" ".join(args), r.stderr.decode()))
    return int(r.stderr.decode().strip().splitlines()[-1])


def view(site, peer, *args):
    return json.loads(run_ok(site, "feed", "--conversation", peer.url, "--json", *args))


class History(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.alice, cls.bob = apache["alice"], apache["bob"]

    def test_1_page_and_stream_at_a_few_and_at_history_length(self):
        alice, bob = self.alice, self.bob
        converse(self, alice, bob)
        few = view(alice, bob)
        self.assertEqual([m["text"] for m in few["messages"]],
                         ["Hello Bob", "Hi Alice, got it", "Second one"])
        self.assertFalse(few["older"])
        place = apache.run_as_site_user(["mktemp", "-d"]).stdout.decode().strip()
        small = {"page": peak_rss_kib(alice, "--conversation", bob.url, "--json"),
                 "all": peak_rss_kib(alice, "--conversation", bob.url, "--all", "--json"),
                 "export": peak_rss_kib(alice, "--export", os.path.join(place, "small"))}

        bench = apache.tool("tests/bench/send_bench")
        if bench is None:
            self.skipTest("tests/bench/send_bench not built")
        # Fill to HISTORY: 3 messages are there, send_bench sends 1 more.
        p = apache.run_as_site_user([bench, alice.conf_path, bob.url, str(HISTORY - 4), "1"],
                                    timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        big = {"page": peak_rss_kib(alice, "--conversation", bob.url, "--json"),
               "all": peak_rss_kib(alice, "--conversation", bob.url, "--all", "--json"),
               "export": peak_rss_kib(alice, "--export", os.path.join(place, "big"))}
        mdb = os.path.getsize(os.path.join(alice.data_dir, "data.mdb"))
        print("\n# peak RSS, 3 -> %d messages: feed --conversation %d -> %d KiB, "
              "--all --json %d -> %d KiB, --export %d -> %d KiB (data.mdb %d KiB)"
              % (HISTORY, small["page"], big["page"], small["all"], big["all"],
                 small["export"], big["export"], mdb // 1024))

        # Memory bound: what the program holds does not grow with the
        # history (the file is several times the bound).
        for k in small:
            with self.subTest(view=k):
                self.assertLess(big[k], small[k] + 3 * 1024)
                self.assertLess(big[k], 16 * 1024)  # DESIGN.md: <= 16 MiB

        # The newest page, and the whole stream as one JSON document.
        page = view(alice, bob)
        self.assertEqual(len(page["messages"]), PAGE)
        self.assertTrue(page["older"])
        self.assertEqual(page["messages"][-1]["text"], "a new message, timed")
        everything = view(alice, bob, "--all")["messages"]
        self.assertEqual(len(everything), HISTORY)
        self.assertEqual(everything[-PAGE:], page["messages"])
        self.assertEqual(len({m["uid"] for m in everything}), HISTORY)
        self.assertEqual([m["text"] for m in everything[:3]],
                         ["Hello Bob", "Hi Alice, got it", "Second one"])
        type(self).everything = everything
        # The export of that history is whole, and its JSON parses.
        r = apache.run_as_site_user(["/bin/sh", "-c", 'cat "$0"/*/messages.json',
                                     os.path.join(place, "big")], timeout=120)
        entries = json.loads(r.stdout)["items"][0]["children"]
        self.assertEqual(len(entries), HISTORY)
        self.assertEqual([e["properties"]["uid"][0] for e in entries],
                         [m["uid"] for m in everything])

    def test_2_pages_walked_back_give_every_message_once(self):
        if not hasattr(type(self), "everything"):
            self.skipTest("needs test_1")
        alice, bob = self.alice, self.bob
        got, args = [], []
        for _ in range(HISTORY // PAGE + 2):
            page = view(alice, bob, *args)
            got[:0] = page["messages"]
            if not page["older"]:
                break
            args = ["--out-before", str(page["out_before"]), "--in-before", str(page["in_before"])]
        self.assertFalse(page["older"])
        self.assertEqual(got, type(self).everything)
        # The text face names the command for the page before.
        text = run_ok(alice, "feed", "--conversation", bob.url).decode()
        self.assertIn("Older messages: feed --conversation %s --out-before " % bob.url, text)

    def test_3_bad_arguments_are_refused_and_change_nothing(self):
        alice, bob = self.alice, self.bob
        for args, says in (
                (["--out-before", "x"], "--out-before needs a message number"),
                (["--in-before"], "--in-before needs a message number"),
                (["--all", "--out-before", "5"], "--all shows every message"),
                (["--sideways"], "unknown option --sideways"),
                ([bob.url], "--conversation takes one URL")):
            with self.subTest(args=args):
                r = alice.run("feed", "--conversation", bob.url, *args)
                self.assertEqual(r.returncode, 2, r.stdout)
                self.assertIn(says, r.stderr.decode())
                self.assertEqual(r.stdout, b"")
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
