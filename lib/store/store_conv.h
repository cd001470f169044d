/*
 * store_conv.h - conversations and contacts (DESIGN.md "Conversations,
 * topics, tokens").
 *
 * A conversation is between the owner and one correspondent today, but
 * the two records are separate so a group can come later: a contact
 * (keyed by the correspondent's canonical profile URL) points at the
 * conversation it belongs to, and a conversation (keyed by its topic id,
 * the random base32 id in B/feed/<topic>) holds the state and counters.
 *
 * All functions run inside a transaction (STYLE.md "…_in_txn"): the
 * caller owns the transaction and keeps it short.  Strings of records
 * read are copied into the arena given.
 */
#ifndef IC_STORE_CONV_H
#define IC_STORE_CONV_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ic_limits.h"
#include "store/conv_state.h"
#include "store/store.h"

struct ic_conv {
	const char *id;             /* topic id: B/feed/<id> */
	const char *peer;           /* correspondent's profile URL */
	enum ic_conv_state state;   /* never IC_CONV_NONE once stored */
	long long created, updated; /* unix seconds */
	long long out_seq;          /* messages we sent (last seq) */
	long long in_seq;           /* messages we received (last seq) */
	long long unread;           /* received, not yet read by the owner */
	long long revision;         /* bumps on every send (WS-P-7 marker) */
	long long page_size; /* entries per feed page, fixed at creation */
	const char *their_resource; /* their feed for us (TR-6), or NULL */
	const char *peer_name;      /* from their h-card, or NULL */
	const char *peer_photo;     /* from their h-card, or NULL */
	long long ticket_sent;      /* when our last ticket was accepted */
	long long last_fetch;       /* when we last fetched their feed */
	long long their_fetch;      /* when their token last read ours */
	long long published_seq;    /* our messages already on feed pages */
	/* Delivery state of our messages (issue 6): seqs up to
	 * notified_seq were announced to the hub; up to fetched_seq were on
	 * the newest page when their token read it. */
	long long notified_seq, fetched_seq;
	/* The owner revoked their access (B/ticket/revoke): no refresh, no
	 * renewal ticket, until the owner invites them again. */
	bool access_revoked;
	/* Why their feed could not be read the last time we tried (too
	 * large, too costly to parse, an HTTP error), a sentence; NULL after
	 * a fetch that worked.  Shown to the owner, never to the peer. */
	const char *fetch_error;
	long long fetch_error_at;
	/* TE-14, TR-11: when we asked them for a ticket because the token
	 * we held for their feed died and could not be refreshed; 0 when
	 * not waiting.  A ticket filed from them clears it. */
	long long ticket_asked;
	/* TE-14: when they last asked us for a ticket that we then sent
	 * (rate-limited by IC_TICKET_REQUEST_INTERVAL); 0 when never. */
	long long ticket_wanted;
	/* Issue 13: the ETag of their newest feed page when we last stored
	 * it whole, sent back in If-None-Match; NULL when none. */
	const char *their_etag;
	/* Issue 16: the owner muted its notifications (feed --mute). */
	bool notify_muted;
	/* Issue 15: bumps whenever a stored message changes in place (a
	 * reaction, an edit, a delete), so a live page knows to read its
	 * messages again; 0 in old records. */
	long long changes;
	/* Issue 15: the seqs of our messages most recently changed in place
	 * (edited, deleted, a reaction removed), oldest first, at most
	 * IC_FEED_CARRY_MAX: the newest feed page carries again those on
	 * older pages (feed/feed_pages.h).  Empty in old records. */
	long long carry[IC_FEED_CARRY_MAX];
	size_t ncarry;
};

/**
 * Put @p seq last in @p c's carry list (moving it there when it is in
 * already, dropping the oldest when the list is full).  Nothing is
 * written: the caller puts @p c.
 */
void ic_conv_carry(struct ic_conv *c, long long seq);

/**
 * Apply @p ev to conversation @p c (its state and access_revoked) by the
 * one table of conv_state.h; a conversation not stored yet has state
 * IC_CONV_NONE.  Nothing is written: the caller puts @p c.
 * @return as ic_conv_step(); @p c is untouched on refusal.
 */
enum ic_err ic_conv_apply(struct ic_conv *c, enum ic_conv_event ev,
                          char *errbuf);

/**
 * Read conversation @p id.
 * @return IC_OK; IC_ERR_NOT_FOUND; IC_ERR_DATABASE (corrupt record).
 */
enum ic_err ic_store_conv_get_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *id, struct ic_conv *out);

/**
 * Read conversation @p id in a short read transaction of its own, for
 * callers that need nothing else from the store at that moment.
 * @return as ic_store_conv_get_in_txn().
 */
enum ic_err ic_store_conv_get(struct ic_store *st, struct ic_arena *a,
                              const char *id, struct ic_conv *out,
                              char *errbuf);

/** Write @p c (and its contact entry) inside a write transaction. */
enum ic_err ic_store_conv_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const struct ic_conv *c);

/**
 * The conversation with correspondent @p peer (a canonical profile URL).
 * @return IC_OK; IC_ERR_NOT_FOUND.
 */
enum ic_err ic_store_conv_by_peer_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *peer,
                                         struct ic_conv *out);

/**
 * Every conversation, newest activity first.
 * @param[out] out  an arena array of @p n records.
 */
enum ic_err ic_store_conv_list_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, struct ic_conv **out,
                                      size_t *n);

#endif /* IC_STORE_CONV_H */
