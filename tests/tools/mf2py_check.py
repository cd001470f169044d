#!/usr/bin/python3
"""mf2py_check.py - check a feed page or stub IndieChat published with
Debian's python3-mf2py, an mf2 parser independent of ours (STANDARDS.md §8).

    mf2py_check.py FILE EXPECT.json

EXPECT.json (written by tests/tools/render_sample) gives the kind ("page"
or "stub"), the base URL the file is served at, the feed's URL, the author
and recipient URLs, and for a page each entry's uid, url, published and
original text.  The checks:

  page: exactly one top-level item, an h-feed (MP-1) with name, url and an
        author h-card with the owner's url; exactly len(entries) children,
        all h-entry, in order, each with uid, url, published (MP-2), an
        author h-card with the owner's url, content with html and value,
        the value equal to the original text up to whitespace (MP-4: text,
        not markup), no name (MP-3), and the recipient's h-card in
        category (MP-5); rel=self/hub/token_endpoint/indieauth-metadata
        present, self exactly once (WS-P-2/3, MP-7, TE-8).
  stub: the same h-feed and <head> rels, no children, no h-entry or
        content anywhere, and none of EXPECT's "private" strings (the
        page's name, recipient, uids, urls, texts) in the parse or the
        file (MP-6, WS-P-7).

Exits 0 when every check passes, 1 with one line per failure on stderr,
2 when mf2py is missing or the arguments are wrong.  Standard library plus
mf2py only; run with /usr/bin/python3.
"""

import html
import json
import sys

try:
    import mf2py
except ImportError:
    sys.stderr.write("mf2py_check: python3-mf2py is missing "
                     "(apt-get install python3-mf2py)\n")
    sys.exit(2)


def words(s):
    """Whitespace-insensitive form: parsers differ in how they turn <p>
    and <br> into text (mf2py collapses runs, others keep textContent)."""
    return " ".join(s.split())


def first(props, name):
    values = props.get(name) or []
    return values[0] if values else None


def url_of(value):
    """A u-* value is a string, or {"value", "alt"} for an <img> with alt."""
    if isinstance(value, dict):
        return value.get("value")
    return value


class Checker:
    def __init__(self, raw):
        self.raw = raw
        self.failures = []

    def fail(self, msg):
        self.failures.append(msg)

    def expect(self, cond, msg):
        if not cond:
            self.fail(msg)
        return cond

    def card(self, where, value, want_url):
        """An embedded h-card whose url is want_url."""
        if not self.expect(isinstance(value, dict) and
                           "h-card" in value.get("type", []),
                           "%s is not an h-card: %r" % (where, value)):
            return
        props = value.get("properties", {})
        self.expect(url_of(first(props, "url")) == want_url,
                    "%s url %r, want %r" % (where, first(props, "url"),
                                             want_url))
        self.expect(bool(first(props, "name")), "%s has no name" % where)

    def rels(self, doc, want):
        rels = doc.get("rels", {})
        self.expect(rels.get("self") == [want["base_url"]],
                    "rel=self %r, want exactly [%r]" %
                    (rels.get("self"), want["base_url"]))
        for rel in ("hub", "token_endpoint", "indieauth-metadata"):
            self.expect(len(rels.get(rel, [])) == 1,
                        "rel=%s %r, want one URL" % (rel, rels.get(rel)))

    def feed(self, doc, want):
        items = doc.get("items", [])
        if not self.expect(len(items) == 1,
                           "%d top-level items, want one h-feed" %
                           len(items)):
            return None
        feed = items[0]
        if not self.expect(feed.get("type") == ["h-feed"],
                           "top-level type %r, want h-feed" %
                           feed.get("type")):
            return None
        props = feed.get("properties", {})
        self.expect(bool(first(props, "name")), "h-feed has no name")
        self.expect(first(props, "url") == want["feed_url"],
                    "h-feed url %r, want %r" % (first(props, "url"),
                                                want["feed_url"]))
        self.card("h-feed author", first(props, "author"),
                  want["author_url"])
        return feed

    def entry(self, i, entry, want, recipient_url, author_url):
        where = "entry %d" % i
        if not self.expect(entry.get("type") == ["h-entry"],
                           "%s type %r" % (where, entry.get("type"))):
            return
        props = entry.get("properties", {})
        for name in ("uid", "url"):
            self.expect(first(props, name) == want[name],
                        "%s %s %r, want %r" % (where, name,
                                               first(props, name),
                                               want[name]))
        published = first(props, "published") or ""
        self.expect(published.replace(" ", "T") == want["published"],
                    "%s published %r, want %r" % (where, published,
                                                  want["published"]))
        self.card(where + " author", first(props, "author"), author_url)
        self.expect("name" not in props,
                    "%s has a name (MP-3): %r" % (where, props.get("name")))
        content = first(props, "content")
        if self.expect(isinstance(content, dict) and "html" in content and
                       "value" in content,
                       "%s content is not {html, value}: %r" %
                       (where, content)):
            self.expect(words(content["value"]) == words(want["text"]),
                        "%s content value %r, want the text %r" %
                        (where, content["value"], want["text"]))
            self.expect("<script" not in content["html"],
                        "%s content html holds markup from the text" % where)
        # Issue 15: a reply's in-reply-to, outside content; none otherwise.
        if want.get("in_reply_to"):
            self.expect(props.get("in-reply-to") == [want["in_reply_to"]],
                        "%s in-reply-to %r, want %r" %
                        (where, props.get("in-reply-to"), want["in_reply_to"]))
        else:
            self.expect("in-reply-to" not in props,
                        "%s has an in-reply-to: %r" %
                        (where, props.get("in-reply-to")))
        categories = props.get("category", [])
        self.expect(len(categories) == 1,
                    "%s has %d categories, want the recipient" %
                    (where, len(categories)))
        if categories:
            self.card(where + " category", categories[0], recipient_url)

    def check(self, doc, want):
        self.rels(doc, want)
        feed = self.feed(doc, want)
        if feed is None:
            return
        children = feed.get("children", [])
        wanted = want["entries"] if want["kind"] == "page" else []
        self.expect(len(children) == len(wanted),
                    "%d children, want %d" % (len(children), len(wanted)))
        for i, (entry, w) in enumerate(zip(children, wanted)):
            self.entry(i, entry, w, want["recipient_url"],
                       want["author_url"])
        if want["kind"] == "stub":
            self.nothing_private(doc, want)

    def nothing_private(self, doc, want):
        """MP-6, WS-P-7: no entry, no content, and none of the page's
        private strings anywhere in what a hub would parse."""
        strings = []
        walk(doc, strings, self)
        for secret in want["private"]:
            for s in strings:
                if secret in s:
                    self.fail("stub shows private %r in %r" % (secret, s))
            if secret in html.unescape(self.raw):
                self.fail("stub file holds private %r" % secret)


def walk(node, strings, checker):
    """Collect every string in a parse and flag entries and content."""
    if isinstance(node, dict):
        if "h-entry" in node.get("type", []):
            checker.fail("stub holds an h-entry")
        if "content" in node.get("properties", {}):
            checker.fail("stub holds a content property")
        for key, value in node.items():
            strings.append(key)
            walk(value, strings, checker)
    elif isinstance(node, list):
        for value in node:
            walk(value, strings, checker)
    elif isinstance(node, str):
        strings.append(node)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: mf2py_check.py FILE EXPECT.json\n")
        return 2
    with open(argv[2], encoding="utf-8") as f:
        want = json.load(f)
    with open(argv[1], encoding="utf-8") as f:
        html_text = f.read()
    doc = mf2py.parse(doc=html_text, url=want["base_url"])
    checker = Checker(html_text)
    checker.check(doc, want)
    for msg in checker.failures:
        sys.stderr.write("mf2py_check: %s: %s\n" % (argv[1], msg))
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
