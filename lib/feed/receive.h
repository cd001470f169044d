/*
 * receive.h - read a correspondent's feed and store what is new
 * (DESIGN.md "Receiving"; STANDARDS.md §9).
 *
 * The sender's feed is the mailbox: a notification only says "look now".
 * ic_receive_fetch() GETs the feed with the token we hold, parses the mf2
 * (gumbo), keeps entries whose author is the feed's own site (MC-5),
 * skips u-uids it has seen (MC-4), sanitizes e-content with the
 * allow-list (MC-3) and stores the rest in one write transaction; when a
 * page held only new entries it follows rel="prev" to older pages
 * (catch-up, bounded by IC_MAX_CATCHUP_PAGES).  Running it twice stores
 * nothing twice.
 *
 * Replies (issue 15): an entry's in-reply-to is kept only when it names
 * a message of this same conversation that is stored here (ours or
 * theirs); anything else it names, hostile or just not here, is stored
 * as "a reply to a message not here" (store_msg.h reply_unknown).  The
 * sender's visible "In reply to" quote is outside e-content and so never
 * part of the stored text.
 */
#ifndef IC_RECEIVE_H
#define IC_RECEIVE_H

#include <stdbool.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store.h"
#include "store/store_msg.h"

/**
 * Fetch conversation @p conv_id's feed and store new messages.
 * @return IC_OK; IC_ERR_NOT_FOUND (no such conversation or no token);
 *         IC_ERR_UNAUTHENTICATED (the feed refused our token: 401);
 *         IC_ERR_PROTOCOL (not a feed); fetch and store errors.
 */
enum ic_err ic_receive_fetch(struct ic_req *req, const char *conv_id,
                             char *errbuf);

/**
 * Store what is new on @p body (@p len bytes): our correspondent's newest
 * page as their own hub delivered it (issue 13), to a subscription we made
 * with our token (websub_subscriber.h says when a body is trusted as
 * theirs).  No network: it reads nothing else, so the listener can do it
 * before it answers the delivery, and a crash then loses nothing (the hub
 * delivers again).  The same checks as a fetched page (MC-4, MC-5, MC-3).
 * @param[out] whole  true when the page was read and stored on its own;
 *                    false when it cannot stand alone: unreadable, no
 *                    entries (the stub of a hub that sends none), or every
 *                    entry new with an older page behind it (catch-up):
 *                    then nothing was stored and the caller fetches.
 * @return IC_OK; IC_ERR_NOT_FOUND (no such conversation or no token);
 *         store errors.
 */
enum ic_err ic_receive_delivered(struct ic_req *req, const char *conv_id,
                                 const char *body, size_t len, bool *whole,
                                 char *errbuf);

/**
 * What the parsed h-entry @p entry (ic_mf2_parse()'s JSON) answers: its
 * first in-reply-to, a string or an h-cite's uid, else its url; a value
 * to look up, or NULL when there is none or it is unusable (longer than
 * IC_MAX_UID_BYTES, a space or control character, a javascript:, data:
 * or vbscript: URL).  *@p claimed says whether the entry had any
 * in-reply-to at all.  The string points into @p entry.
 */
const char *ic_receive_reply_target(const cJSON *entry, bool *claimed);

/**
 * Fill @p m's in_reply_to or reply_unknown (store_msg.h) from @p entry,
 * in the transaction that stores @p m: known means a uid of @p m->conv
 * stored here, so another conversation's uids are unknown.
 */
void ic_receive_reply_in_txn(struct ic_store_txn *t, const cJSON *entry,
                             struct ic_msg *m);

/**
 * In the transaction that stores a received page: when the entry (u-uid
 * @p uid, text @p text, published @p published, parsed h-entry @p item)
 * is a reacji (messages/react.h) to a message of @p conv stored here, keep it
 * as their reaction on that message and return true (the caller stores no
 * message); false when it is something else.  *@p rc gets store errors.
 */
bool ic_receive_reaction_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                const char *conv, const char *uid,
                                const char *text, long long published,
                                const cJSON *item, enum ic_err *rc);

#endif /* IC_RECEIVE_H */
