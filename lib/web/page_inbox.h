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

/**
 * Answer @p body (JSON, deleted here) with a weak ETag of its bytes, or
 * 304 when the request's If-None-Match has it already.
 */
enum ic_err ic_page_json_etag(struct ic_req *req, struct cJSON *body);

#endif /* IC_PAGE_INBOX_H */
