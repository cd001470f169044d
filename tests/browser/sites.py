#!/usr/bin/python3
"""The IndieChat sites for the browser tests (issue 6), on the real-Apache harness.

Starts Debian's apache2 with sites alice, bob and carol (homepages
advertising the endpoints, as chat.homepage writes them; sign_in =
builtin), sets a passphrase on each with `auth --set-passphrase`, starts a
conversation between carol and alice through the terminal faces (carol
invites, alice accepts: the browser test drives alice and bob, and uses
carol's conversation as the control of its "does not arrive" check), then
prints one JSON line:

  {"sites": {"alice": {"url", "base_url", "passphrase", "name"}, "bob": {...},
             "carol": {...}},
   "root": "<harness dir>"}

(`--only alice` starts alice alone, for tests/browser/xss.test.js;
`--webpush` turns Web Push on, for tests/browser/webpush.test.js) and
keeps Apache running until stdin closes (or SIGTERM/SIGHUP/SIGINT), then
stops it.  With `--maintain SECONDS` it also runs `listener --maintain` on
both sites every SECONDS (what the optional cron line would do), so deliveries
never wait on a claim window while the browser test watches the pages.

Environment: as tests/integration/harness.py (IC_TOP_BUILDDIR, IC_TOP_SRCDIR,
IC_KEEP_TMP).
"""

import argparse
import json
import os
import secrets
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import chat  # noqa: E402
import harness  # noqa: E402

NAMES = ("alice", "bob", "carol")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--maintain", type=float, default=0,
                    help="run listener --maintain on every site this often (seconds; 0: never)")
    ap.add_argument("--only", nargs="+", choices=NAMES, default=list(NAMES),
                    help="start only these sites (carol's conversation with alice needs both)")
    ap.add_argument("--webpush", action="store_true",
                    help="notify_webpush = yes on every site (tests/browser/webpush.test.js)")
    args = ap.parse_args()

    extra = {"notify_webpush": "yes"} if args.webpush else {}
    specs = [harness.SiteSpec(n, conf=dict({"sign_in": "builtin", "name": n.capitalize()}, **extra),
                              files={"htdocs/index.html": chat.homepage})
             for n in args.only]
    apache = harness.Apache(sites=specs)
    stop = threading.Event()
    try:
        apache.start()
        out = {"sites": {}, "root": apache.root}
        for name in args.only:
            site = apache[name]
            phrase = "browser-%s-%s" % (name, secrets.token_hex(8))
            r = site.run("auth", "--set-passphrase", input=phrase + "\n")
            if r.returncode != 0:
                raise harness.HarnessError("%s: auth --set-passphrase failed (%d): %s%s" % (
                    name, r.returncode, r.stdout.decode(errors="replace"),
                    r.stderr.decode(errors="replace")))
            out["sites"][name] = {"name": name, "url": site.url, "base_url": site.base_url,
                                  "passphrase": phrase}
        if "alice" in args.only and "carol" in args.only:
            alice, carol = apache["alice"], apache["carol"]
            chat.run_ok(carol, "ticket", "--invite", alice.url)
            chat.settle(lambda: chat.state_with(alice, carol) == "request", (alice, carol), 60)
            chat.run_ok(alice, "ticket", "--accept", carol.url)
            chat.settle(lambda: chat.state_with(carol, alice) == "active", (alice, carol), 60)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()

        if args.maintain > 0:
            def maintain():
                while not stop.wait(args.maintain):
                    for site in apache.sites.values():
                        try:
                            site.run("listener", "--maintain", timeout=60)
                        except Exception as e:  # keep going; the test sees the effect
                            sys.stderr.write("# sites.py: maintain %s: %s\n" % (site.name, e))
            threading.Thread(target=maintain, daemon=True).start()

        # Block until the test closes our stdin (SIGTERM raises KeyboardInterrupt).
        while sys.stdin.buffer.read(4096):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        problems = apache.log_problems() if apache.root else []
        for p in problems:
            sys.stderr.write("# sites.py: log problem: %s\n" % p)
        if problems or os.environ.get("IC_BROWSER_LOG_TAIL"):
            sys.stderr.write("# sites.py: error log tail:\n%s\n" % apache.error_log_tail(60))
        apache.stop()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
