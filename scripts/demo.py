"""scripts/demo's second half: the two sites (python3 stdlib only).

Run by scripts/demo after the build; see there.  Reuses the integration
harness (tests/integration/harness.py): Debian's apache2 as a private daemon
on 127.0.0.1, its own config in a temporary directory, stopped on Ctrl-C
with any detached worker; each site installed by scripts/install
(tests/integration/installed.py), its snippet Included verbatim.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
sys.dont_write_bytecode = True

import harness  # noqa: E402
from installed import Installed, sign_in  # noqa: E402

NAMES = ("alice", "bob")
# No look-alikes (0/o, 1/l/i): read off a terminal, typed into a form.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def passphrase():
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4))


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def inbox_state(site, peer_url):
    r = site.run("feed", "--inbox", "--json")
    if r.returncode != 0:
        return None
    for c in json.loads(r.stdout):
        if c.get("peer") == peer_url:
            return c.get("state")
    return None


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print("  ok      %s" % what)
        else:
            self.failed += 1
            print("  FAILED  %s%s" % (what, ("\n          " + detail) if detail else ""))
        sys.stdout.flush()
        return ok


def set_up_mail(site, apache):
    """Email notifications (issue 16) into a mailbox file of the site's
    own: scripts/demo_sendmail as its `sendmail`, `notify_email` set.
    Returns the mailbox's path."""
    mail = os.path.join(os.path.dirname(site.conf), "mail")
    os.makedirs(mail, exist_ok=True)
    os.chmod(os.path.dirname(site.conf), 0o755)
    shutil.copy(os.path.join(TOP, "scripts", "demo_sendmail"), os.path.join(mail, "sendmail"))
    os.chmod(os.path.join(mail, "sendmail"), 0o755)
    apache.give_to_site_user(mail)
    with open(site.conf, "a") as f:
        f.write("\n# scripts/demo: notifications by email into %s/mailbox, and by\n"
                "# Web Push to each browser turned on in the settings page\n"
                "notify_email = %s@localhost\nsendmail = %s/sendmail\n"
                "notify_webpush = yes\n" % (mail, site.name, mail))
    return os.path.join(mail, "mailbox")


def mailbox_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def run_checks(sites, phrases):
    c = Checks()
    alice, bob = sites["alice"], sites["bob"]
    for s in (alice, bob):
        r = s.site.get("/")
        c.check(r.status == 200 and b"h-card" in r.body and b"ticket_endpoint" in r.body,
                "%s homepage answers 200 with an h-card and the <link> lines" % s.name,
                "%d %r" % (r.status, r.body[:200]))
        rels = " ".join(r.header_all("Link"))
        c.check('rel="ticket_endpoint"' in rels and 'rel="indieauth-metadata"' in rels,
                "%s homepage sends the Link headers" % s.name, rels)
        r = s.site.get(s.site.b("auth/login"))
        c.check(r.status == 200, "%s %s answers 200" % (s.name, s.site.b_url("auth/login")),
                "%d %r" % (r.status, r.body[:200]))
        if c.check(phrases.get(s.name) is not None,
                   "%s has a passphrase (auth --set-passphrase)" % s.name):
            try:
                doc = sign_in(s.site, s.site.url, phrases[s.name])
                c.check(doc.get("me") == s.site.url, "%s signs in with it" % s.name, repr(doc))
            except AssertionError as e:
                c.check(False, "%s signs in with it" % s.name, str(e)[:300])
    r = alice.run("ticket", "--invite", bob.site.url)
    if c.check(r.returncode == 0, "alice: ticket --invite %s" % bob.site.url,
               (r.stdout + r.stderr).decode("utf-8", "replace").strip()):
        deadline = time.time() + 20
        state = None
        while time.time() < deadline:
            state = inbox_state(bob, alice.site.url)
            if state == "request":
                break
            time.sleep(0.3)
            for s in (alice, bob):
                s.run("listener", "--maintain")
        c.check(state == "request", "bob sees alice's invitation as a message request",
                "state %r" % state)
        deadline = time.time() + 20
        while "Message request" not in mailbox_text(bob.mailbox) and time.time() < deadline:
            time.sleep(0.3)
            bob.run("listener", "--maintain")
        mail = mailbox_text(bob.mailbox)
        c.check("Message request" in mail and ("Alice" in mail or alice.site.url in mail),
                "bob is told by email (into %s)" % bob.mailbox, mail[-400:])
    print("demo check: %d passed, %d failed" % (c.passed, c.failed))
    return c.failed == 0


def main(argv):
    ap = argparse.ArgumentParser(prog="scripts/demo", description="two IndieChat sites that chat")
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--check", action="store_true",
                    help="start, check, stop (also DEMO_CHECK=1)")
    ap.add_argument("--port", type=int, help="the port both sites share (default 8080; "
                    "with --check a free one)")
    a = ap.parse_args(argv)
    check = a.check or os.environ.get("DEMO_CHECK") == "1"
    port = a.port or (None if check else 8080)
    if port and not port_free(port):
        print("port %d is taken; using free ports" % port)
        port = None
    # Ctrl-C stops everything even when started with SIGINT ignored (from a
    # script's background job): the harness turns it into KeyboardInterrupt.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL if sig != signal.SIGINT else signal.default_int_handler)
    sites = {n: Installed(n, a.builddir, args=["--name", n.capitalize()], port=port)
             for n in NAMES}
    for s in sites.values():
        s.homepage_extra = "<p><a href=\"%s\">Sign in</a></p>\n" % "/indiechat/auth/login"
    apache = harness.Apache(sites=[s.spec for s in sites.values()], builddir=a.builddir,
                            programs=(), log_level="warn")
    try:
        apache.start()
        for s in sites.values():
            s.mailbox = set_up_mail(s, apache)
        phrases = {}
        for s in sites.values():
            pp = passphrase()
            r = s.run("auth", "--set-passphrase", input=(pp + "\n").encode())
            if r.returncode == 0:
                phrases[s.name] = pp
            else:
                print("warning: %s: auth --set-passphrase failed: %s" % (
                    s.name, (r.stdout + r.stderr).decode("utf-8", "replace").strip()))
        if check:
            print("demo: apache root %s" % apache.root)
            return 0 if run_checks(sites, phrases) else 1
        print()
        print("IndieChat demo: two sites on this machine, served by apache2 on 127.0.0.1")
        print("(%s; logs in %s/logs)." % ("both on port %d" % port if port else "free ports",
                                          apache.root))
        print()
        for s in sites.values():
            print("  %-6s %s" % (s.name, s.site.url))
            print("         sign in:    %s" % s.site.b_url("auth/login"))
            print("         passphrase: %s" % phrases.get(s.name, "(not set: see the warning)"))
        alice, bob = sites["alice"], sites["bob"]
        print()
        print("Sign in as alice with \"%s\" as your domain, then invite %s." % (
            alice.site.url, bob.site.url))
        print("The same from a terminal (the programs' terminal faces):")
        print("  " + alice.command("ticket", "--invite", bob.site.url))
        print("  " + bob.command("ticket", "--accept", alice.site.url))
        print("  " + alice.command("send", "--to", bob.site.url, "'Hello Bob'"))
        print("  " + bob.command("feed", "--conversation", alice.site.url))
        print()
        print("Notifications arrive by email (a message request, new messages while the")
        print("page is closed) in each site's mailbox file:")
        for s in sites.values():
            print("  %-6s %s" % (s.name, s.mailbox))
        print("and by Web Push with the tab closed: in a site's settings page, turn on")
        print("\"Notify this browser\" (the browser must reach its vendor's push service).")
        print()
        print("Press Ctrl-C to stop (apache and every site go away with it).")
        sys.stdout.flush()
        while harness._pid_alive(apache.pid):
            time.sleep(1)
        print("apache2 stopped on its own; see %s" % apache.error_log)
        return 1
    except KeyboardInterrupt:
        print("\nstopping")
        return 0
    except harness.HarnessError as e:
        print("scripts/demo: %s" % e, file=sys.stderr)
        return 1
    finally:
        apache.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
