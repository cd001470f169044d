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
 */
#ifndef IC_RECEIVE_H
#define IC_RECEIVE_H

#include <time.h>

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

/**
 * Fetch conversation @p conv_id's feed and store new messages.
 * @return IC_OK; IC_ERR_NOT_FOUND (no such conversation or no token);
 *         IC_ERR_UNAUTHENTICATED (the feed refused our token: 401);
 *         IC_ERR_PROTOCOL (not a feed); fetch and store errors.
 */
enum ic_err ic_receive_fetch(struct ic_req *req, const char *conv_id,
                             char *errbuf);

/**
 * As ic_receive_fetch(), with @p body (@p len bytes) read as the feed's
 * newest page instead of fetching it (issue 13): our correspondent's own
 * hub delivered it to a subscription we made with our token
 * (websub_subscriber.h says when the body is trusted as theirs).  A body
 * with no entries (their stub) or that does not parse is set aside and
 * the feed fetched as usual; older pages are fetched as ever.
 */
enum ic_err ic_receive_delivered(struct ic_req *req, const char *conv_id,
                                 const char *body, size_t len, char *errbuf);

#endif /* IC_RECEIVE_H */
