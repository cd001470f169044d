"""A feed page as large as the configuration allows (issue 10).

`feed_page_size` may be 10 to 500 (docs/configuration.md); the publisher
and the store once kept their own cap of 50, so with feed_page_size = 100
the 51st message was stored, `send` said it was sent, and the newest page
was never rewritten again: the correspondent never saw it.  Here alice's
pages hold 100 messages; she sends past 50 and every message must be on
her newest page (DESIGN.md "Sending") and reach bob.
"""

import os
import re
import unittest

import harness
from chat import conversation, homepage, run_ok, settle, state_with

PAGE_SIZE = 100
SENT = 53  # past the old cap of 50, still on the first page

SITES = [harness.SiteSpec(n, conf={"feed_page_size": str(PAGE_SIZE)},
                          files={"htdocs/index.html": homepage})
         for n in ("alice", "bob")]
apache = None


def setUpModule():
    global apache
    apache = harness.Apache(sites=SITES)
    apache.start()


def tearDownModule():
    apache.stop()


def texts(site, peer):
    return [m["text"] for m in conversation(site, peer)["messages"]]


class FeedPageSize(unittest.TestCase):
    def test_page_of_100_publishes_and_delivers_past_50_messages(self):
        alice, bob = apache["alice"], apache["bob"]
        both = (alice, bob)
        run_ok(alice, "ticket", "--invite", bob.url)
        settle(lambda: state_with(bob, alice) == "request", both)
        run_ok(bob, "ticket", "--accept", alice.url)
        settle(lambda: state_with(alice, bob) == "active", both)
        want = ["page message %03d" % i for i in range(1, SENT + 1)]
        for text in want:
            run_ok(alice, "send", "--to", bob.url, text)

        # The page the correspondent is served: one topic, one page file,
        # holding every message (entries newest first).
        feeds = os.path.join(alice.data_dir, "feeds")
        topics = [t for t in os.listdir(feeds) if not t.startswith(".")]
        self.assertEqual(len(topics), 1)
        pages = sorted(n for n in os.listdir(os.path.join(feeds, topics[0]))
                       if re.fullmatch(r"page-\d+\.html", n))
        self.assertEqual(pages, ["page-1.html"])
        with open(os.path.join(feeds, topics[0], "page-1.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertEqual(page.count('class="h-entry"'), SENT)
        on_page = re.findall(r"page message \d{3}", page)
        self.assertEqual(on_page, list(reversed(want)))

        settle(lambda: len(texts(bob, alice)) >= SENT, both, timeout=60)
        self.assertEqual(texts(bob, alice), want)
        self.assertEqual(apache.log_problems(), [])


if __name__ == "__main__":
    unittest.main()
