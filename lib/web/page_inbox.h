/*
 * page_inbox.h - the owner's pages in `feed` (docs/web.md "Pages"):
 *
 *   GET B/feed/                 inbox: message requests, conversations
 *                               newest first with unread counts, invite
 *   GET B/feed/contacts         everyone, with revoke and block
 *   GET B/feed/api/inbox        the inbox as JSON (ETag, 304)
 *
 * All need the owner's session (session.h); without it the pages answer
 * 303 to the sign-in page and the JSON 401.  They link no libcurl or
 * libcrypto: `feed` is the hot read path (DESIGN.md).  The conversation
 * page is page_conversation.h.
 */
#ifndef IC_PAGE_INBOX_H
#define IC_PAGE_INBOX_H

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

enum ic_err ic_page_inbox(struct ic_req *req);
enum ic_err ic_page_contacts(struct ic_req *req);
enum ic_err ic_page_api_inbox(struct ic_req *req);

/* Shared with page_conversation.c. */
struct ic_conv;

/** The name to show for a correspondent: h-card name, else the URL. */
const char *ic_page_peer_label(const struct ic_conv *c);

struct ic_owner;

/**
 * The conversation list (issue 14): message requests (with accept,
 * decline, block; their forms come back to @p here) and the open
 * conversations, newest activity first, each with avatar, name, preview
 * of the last message, time and unread count.  @p current, when not
 * NULL, is the id of the conversation shown beside it (aria-current).
 */
enum ic_err ic_page_sidebar(struct ic_req *req, const struct ic_owner *o,
                            const char *here, const char *current);

/**
 * @p t as the list shows it beside a conversation, seen at @p now:
 * "now", "5 min", "14:02", "Yesterday", "Tue", "05 Dec", "05 Dec 2025"
 * (UTC; the page script puts them in the reader's zone).
 */
void ic_page_short_time(long long t, long long now, char out[32]);

/**
 * A correspondent's photo (@p photo from their h-card, when it is a safe
 * URL) or else the initials of @p name on a colour chosen by @p peer:
 * `img.avatar.photo` or `span.avatar.avN` (N from a hash of the URL).
 */
enum ic_err ic_page_avatar(struct ic_req *req, const char *peer,
                           const char *name, const char *photo);

/**
 * Answer @p body (JSON, deleted here) with a weak ETag of its bytes, or
 * 304 when the request's If-None-Match has it already.
 */
enum ic_err ic_page_json_etag(struct ic_req *req, struct cJSON *body);

#endif /* IC_PAGE_INBOX_H */
