/*
 * page_conversation.h - one conversation in the browser (docs/web.md):
 *
 *   GET B/feed/with/{conv}       both directions in order, with times,
 *                                the correspondent's name and photo, the
 *                                delivery state of our messages, and the
 *                                compose form (POST B/send)
 *   GET B/feed/api/with/{conv}   the same as JSON for the live script:
 *                                ?out=N&in=M gives only messages after
 *                                those seqs; ETag / 304
 *
 * The page shows the newest IC_PAGE_MESSAGES messages of each direction,
 * so its cost does not grow with the history.  Opening either marks the
 * conversation read (one write transaction, only when something was
 * unread).  The delivery state of each of our messages (issue 6) is
 * ic_msg_delivery()'s, in the page and in the JSON alike: the script
 * shows it and works nothing out.
 */
#ifndef IC_PAGE_CONVERSATION_H
#define IC_PAGE_CONVERSATION_H

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

enum ic_err ic_page_conversation(struct ic_req *req);
enum ic_err ic_page_api_conversation(struct ic_req *req);

#endif /* IC_PAGE_CONVERSATION_H */
