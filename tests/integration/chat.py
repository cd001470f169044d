"""Helpers for tests that drive whole conversations between sites.

The owner's actions go through the programs' terminal faces; `settle()`
waits for the sites to converge, running `listener --maintain` (the
optional cron line) between looks so a test never waits on a claim window.
"""

import json
import time


def homepage(site, sites):
    """A static homepage that advertises the endpoints in its <head> (TR-1,
    TS-1), as the generated Apache snippet's Link headers would."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>%s</title>\n"
        "<link rel=\"indieauth-metadata\" href=\"%s\">\n"
        "<link rel=\"ticket_endpoint\" href=\"%s\">\n"
        "</head>\n<body>\n"
        "<div class=\"h-card\"><a class=\"u-url p-name\" href=\"%s\">%s</a></div>\n"
        "</body>\n</html>\n"
        % (site.name.capitalize(), site.b_url("auth/metadata"), site.b_url("ticket"),
           site.url, site.name.capitalize())
    )


def run_ok(site, *args):
    r = site.run(*args)
    if r.returncode != 0:
        raise AssertionError("%s %s failed (%d): %s%s" % (
            site.name, " ".join(args), r.returncode, r.stdout, r.stderr))
    return r.stdout


def inbox(site):
    return json.loads(run_ok(site, "feed", "--inbox", "--json"))


def conversation(site, peer):
    """Every message with `peer` (`--all`: the default is one page)."""
    return json.loads(run_ok(site, "feed", "--conversation", peer.url, "--all", "--json"))


def settle(cond, sites, timeout=20):
    """Wait until cond() is true, running due maintenance on `sites`."""
    deadline = time.time() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("condition not reached in %ds" % timeout)
        time.sleep(0.3)
        for s in sites:
            s.run("listener", "--maintain")


def state_with(site, peer):
    for c in inbox(site):
        if c["peer"] == peer.url:
            return c["state"]
    return None


def acquaint(alice, bob):
    """Alice invites bob, bob accepts: both sides "active" (TS-1..TS-3,
    TR-9), without a message yet."""
    both = (alice, bob)
    run_ok(alice, "ticket", "--invite", bob.url)
    settle(lambda: state_with(bob, alice) == "request", both)
    run_ok(bob, "ticket", "--accept", alice.url)
    settle(lambda: state_with(alice, bob) == "active", both)


def converse(tc, alice, bob):
    """The seed's flow on unittest.TestCase `tc`: invite, request, accept,
    three messages both ways; each side ends with all three, in order,
    each once."""
    both = (alice, bob)
    # TS-1..TS-3: the invitation; alice's side is "invited".
    run_ok(alice, "ticket", "--invite", bob.url)
    tc.assertEqual(state_with(alice, bob), "invited")
    # TR-9: on bob's side alice is a message request.
    settle(lambda: state_with(bob, alice) == "request", both)
    # Bob accepts: his ticket goes back, alice accepts at once.
    run_ok(bob, "ticket", "--accept", alice.url)
    tc.assertEqual(state_with(bob, alice), "active")
    settle(lambda: state_with(alice, bob) == "active", both)
    # Messages both ways, in order.
    # Published times have one-second resolution: a turn waits for the
    # next second so "in order" has one meaning on both sides.
    run_ok(alice, "send", "--to", bob.url, "Hello Bob")
    settle(lambda: len(conversation(bob, alice)["messages"]) >= 1, both)
    time.sleep(1.05)
    run_ok(bob, "send", "--to", alice.url, "Hi Alice, got it")
    settle(lambda: len(conversation(alice, bob)["messages"]) >= 2, both)
    time.sleep(1.05)
    run_ok(alice, "send", "--to", bob.url, "Second one")
    settle(lambda: len(conversation(bob, alice)["messages"]) >= 3, both)
    settle(lambda: len(conversation(alice, bob)["messages"]) >= 3, both)
    for site, peer in ((alice, bob), (bob, alice)):
        msgs = conversation(site, peer)["messages"]
        tc.assertEqual([m["text"] for m in msgs],
                   ["Hello Bob", "Hi Alice, got it", "Second one"], site.name)
        # MC-4: each stored once, whatever the pings and polls did.
        tc.assertEqual(len({m["uid"] for m in msgs}), 3)
