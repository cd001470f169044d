/*
 * outbox.h - sending: store a message, publish the conversation's static
 * feed, notify the hub (DESIGN.md "Sending"; STANDARDS.md §3, §8).
 *
 * The order is the design's: one write transaction stores the message
 * with its fixed u-uid and marks "notify due"; then the page holding it
 * and the stub are rewritten atomically from LMDB (WS-P-6); the caller
 * answers; then, after the response, ic_outbox_notify() pings the hub.
 * The pages are written by feed/feed_pages.h, without fsync: LMDB is the
 * only durable truth, and a power loss is repaired from it.
 * A send rewrites one page of IC page_size entries, so its cost does not
 * grow with the history.  A reply's entry carries u-in-reply-to and the
 * answered message's first words, looked up when the page is written
 * (mf2_publish.h).
 */
#ifndef IC_OUTBOX_H
#define IC_OUTBOX_H

#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store_msg.h"

/**
 * Store @p text as the next message to @p peer (a profile URL) and
 * publish it.  The conversation must exist and not be declined/blocked.
 * @param reply_to  NULL, or the u-uid of the message (ours or theirs) of
 *                  this conversation that this one answers (issue 15).
 * @param att, natt  the message's files, already stored under data_dir
 *                  (messages/attach.h); NULL, 0 for none.  With files
 *                  the text may be empty.
 * @param[out] out  the stored message (optional).
 * @return IC_OK; IC_ERR_NOT_FOUND (no conversation with @p peer, or
 *         @p reply_to is no message of it: nothing is stored);
 *         IC_ERR_CONFLICT (declined or blocked); IC_ERR_BAD_INPUT (empty
 *         text and no files); IC_ERR_TOO_LARGE (over IC_MAX_MESSAGE_BYTES);
 * store and file errors (the message is stored then, and the next publish
 *         repairs the page).
 */
enum ic_err ic_outbox_send(struct ic_req *req, const char *peer,
                           const char *text, const char *reply_to,
                           const struct ic_attach *att, size_t natt,
                           struct ic_msg *out);

/**
 * Tell the hub that conversation @p conv_id's topic changed: the built-in
 * hub POSTs the stub to each subscriber (signed), an external hub gets
 * hub.mode=publish (WS-P-5).  Success cancels the "notify" due job;
 * failure leaves it for lazy maintenance (WS-P-8).
 */
enum ic_err ic_outbox_notify(struct ic_req *req, const char *conv_id,
                             char *errbuf);

/** req->after for a web send: notify once the response is out. */
enum ic_err ic_outbox_notify_after(struct ic_req *req);

/**
 * Have conversation @p conv_id (the arena's, living as long as @p req)
 * notified once the response is out: detached, or in a FastCGI responder
 * before it answers (cgi.h after_inline; notifying twice is harmless).
 */
void ic_outbox_notify_soon(struct ic_req *req, const char *conv_id);

#endif /* IC_OUTBOX_H */
