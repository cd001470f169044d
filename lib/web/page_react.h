/*
 * page_react.h - a message's reactions and its reaction picker on the
 * conversation page (issue 15; messages/react.h).
 */
#ifndef IC_PAGE_REACT_H
#define IC_PAGE_REACT_H

#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store_conv.h"
#include "store/store_msg.h"

/* The picker's emoji, as the page offers them; any one emoji may be sent
 * (send --react, or the form's `react` field). */
#define IC_PAGE_REACT_PICKS 6

/**
 * Under message @p m of conversation @p c: its reactions (each side's,
 * one chip with a count when both chose the same emoji) and, when the
 * conversation is open, a picker: a <details> whose buttons POST `react`
 * and `reply_to` (the message's uid) to the send route, with the
 * owner's CSRF token, coming back to the conversation.
 */
enum ic_err ic_page_react_item(struct ic_req *req, const struct ic_conv *c,
                               const struct ic_msg *m);

#endif /* IC_PAGE_REACT_H */
