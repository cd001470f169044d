/*
 * mf2_publish.h - the static microformats2 pages IndieChat publishes for
 * each conversation (STANDARDS.md §8, DESIGN.md "Sending").
 *
 * `send` renders, after every message, the conversation's newest feed page
 * (the private representation of the WebSub topic, served by `feed` to a
 * correspondent holding a bearer token) and its public stub (what `feed`
 * answers to anonymous requests, i.e. to hubs).  `lib/core/file.h` then writes
 * them atomically (WS-P-6).
 *
 * A page is one HTML5 document with one root h-feed (MP-1) whose children
 * are the messages as h-entry (MP-2..MP-5), and a <head> advertising self,
 * hub, token endpoint and IndieAuth metadata (MP-7, WS-P-1..3, TE-8).  The
 * stub has the same <head> and an h-feed with the owner's h-card, a
 * revision marker and dt-updated, and nothing private: no entry, no text,
 * no recipient, not even the page's name (MP-6, WS-P-7).
 *
 * Invariants of everything rendered here:
 *  - every datum is written through html.h's escaping writers; message
 *    text is never markup (MP-4), URLs in it are not linked;
 *  - every URL written into an href or src is an absolute http(s) URL,
 *    since parsers absolutise relative URLs against whatever base they
 *    were given (MP-4);
 *  - the output is byte-identical for identical input (no clock, no
 *    locale, no randomness), so a stub changes exactly when its input
 *    does (WS-P-7), and is clean under tests/unit/tidy_check.h;
 *  - nothing allocates except @p out, and only libc and html/buf are
 *    used: `feed` and `send` link this without libcurl, gumbo or tidy.
 *
 * Ownership: the structs below only point at the caller's strings; the
 * renderer keeps nothing.
 */
#ifndef IC_MF2_PUBLISH_H
#define IC_MF2_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store_msg.h"

/** A person shown as an h-card: the owner (author) or the recipient. */
struct ic_feed_person {
	const char *name;  /* p-name; an empty name shows the URL instead */
	const char *url;   /* u-url: canonical profile URL, absolute http(s) */
	const char *photo; /* u-photo, absolute http(s); may be NULL */
};

/** One message on a page. */
struct ic_feed_entry {
	const char *uid;  /* u-uid: stable, unique, a URI (no spaces) */
	const char *url;  /* u-url: permalink, absolute http(s) */
	time_t published; /* dt-published, seconds since the epoch */
	const char *text; /* plain text as the owner typed it (UTF-8) */
	/* Issue 15: the u-uid of the message this one answers, or NULL:
	 * an absolute http(s) URL is written <a class="u-in-reply-to">,
	 * any other URI <data class="u-in-reply-to">; either must pass
	 * ic_mf2_publish_reply_ok(). */
	const char *in_reply_to;
	/* The answered message's first words, shown to other readers
	 * beside the link ("↪ In reply to: …"), outside e-content; NULL or
	 * "" shows the link's target instead. */
	const char *reply_quote;
	/* Issue 15: when the text was edited (dt-updated after e-content,
	 * "Edited …" for other readers), seconds; 0: never. */
	time_t updated;
	/* Issue 15: a tombstone: no e-content and no reply context, a
	 * dt-deleted at @c updated instead ("Message deleted" for other
	 * readers).  @c text is ignored. */
	bool deleted;
	/* Issue 15: the message's files, served at
	 * <topic_url>/attachment/<id>?name=<name>.  Images are
	 * <img class="u-photo" width height alt> after e-content, video and
	 * sound <video class="u-video"> / <audio class="u-audio"> (controls,
	 * preload="metadata", a plain link inside) beside them; other files
	 * a "\xF0\x9F\x93\x8E <a class="u-attachment">name</a> (size)" line
	 * at the end of e-content, the link a foreign reader sees. */
	const struct ic_attach *att;
	size_t natt;
};

/** One conversation's feed page, or the input for its stub. */
struct ic_feed_page {
	const char *self_url;       /* this page's URL: the topic URL for the
	                               newest page, B/feed/<topic>/<n> for
	                               older ones (rel=self, WS-P-2/3) */
	const char *topic_url;      /* the feed's URL: u-url of the h-feed */
	const char *hub_url;        /* rel=hub */
	const char *token_endpoint; /* rel=token_endpoint (TE-8) */
	const char *metadata_url;   /* rel=indieauth-metadata (TE-8) */
	const char *prev_url;       /* rel=prev: the next-older page; NULL on
	                               the oldest page */
	const char *name;           /* h-feed p-name; page only, never in the
	                               stub; must hold a visible character */
	struct ic_feed_person owner, recipient;
	const struct ic_feed_entry *entries; /* newest first */
	size_t nentries;                     /* at most IC_FEED_PAGE_MAX */
	unsigned long revision;              /* changes on every send */
	time_t updated;                      /* dt-updated of the h-feed */
};

/**
 * True when @p uid may be written as an entry's in-reply-to: not empty,
 * no space or control character, not a javascript:, data: or vbscript:
 * URI, and when it starts http(s):// a URL ic_html_url_ok() takes.  The outbox
 * leaves out a reply target that fails this (a peer's odd uid must not stop our
 * pages from publishing).
 */
bool ic_mf2_publish_reply_ok(const char *uid);

/**
 * Render one feed page: the h-feed with the owner's h-card and one h-entry
 * per message (u-uid, u-url, dt-published in UTC, p-author h-card,
 * u-category h-card for the recipient, for a reply a paragraph
 * "↪ In reply to: QUOTE" whose link is the u-in-reply-to (outside
 * e-content, so the text of the message stays the text), e-content with
 * the text escaped;
 * blank lines separate <p> paragraphs, other newlines become <br>), and a
 * visible rel=prev link to older messages when @p p->prev_url is set.
 * All URLs in @p p except photos and prev_url are required.
 *
 * @param[out] out     the document is appended; the caller sizes its cap
 *                     (IC_MAX_RESPONSE_BYTES fits a full page).
 * @param[in]  p       the page; every entry's uid, url and text required.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer naming the field.
 * @return IC_OK;
 *         IC_ERR_INTERNAL when a required field is NULL, the name is
 *         blank, or a template failed (a bug in the caller or here);
 *         IC_ERR_BAD_INPUT when a URL is not absolute http(s), a uid is
 *         empty or holds a space or control character, or a time is
 *         before 1970 or past year 9999 (all checked before anything is
 *         written);
 *         IC_ERR_TOO_LARGE when nentries > IC_FEED_PAGE_MAX (checked
 *         first too), or from the buffer (then empty), as is
 *         IC_ERR_NOMEM.  After IC_ERR_INTERNAL from a template @p out may
 *         hold part of a page: discard it.
 */
enum ic_err ic_mf2_publish_page(struct ic_buf *out,
                                const struct ic_feed_page *p,
                                char *errbuf) IC_WARN_UNUSED;

/**
 * Render the public stub of @p p's topic (WS-P-7, MP-6, RS-3): the same
 * <head> with self = topic_url (no prev), and an h-feed with a fixed name,
 * u-url = topic_url, the owner's h-card, a visible revision marker and
 * dt-updated.  Only topic_url, hub_url, token_endpoint, metadata_url,
 * owner, revision and updated are read: name, recipient and entries never
 * reach a hub.
 *
 * @param[out] out     the document is appended.
 * @param[in]  p       the page whose stub this is.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer naming the field.
 * @return as ic_mf2_publish_page().
 */
enum ic_err ic_mf2_publish_stub(struct ic_buf *out,
                                const struct ic_feed_page *p,
                                char *errbuf) IC_WARN_UNUSED;

#endif /* IC_MF2_PUBLISH_H */
