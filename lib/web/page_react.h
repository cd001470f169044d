/*
 * page_react.h - a message's reactions and its reaction picker on the
 * conversation page (issue 15; messages/react.h), and the menu of our
 * own messages (Edit, Delete for everyone; messages/edit.h).  Every form
 * posts to the send route with the owner's CSRF token and comes back to
 * the conversation.
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
 * one chip with a count when both chose the same emoji; ours a button
 * posting `unreact`) and, when the
 * conversation is open, a picker: a <details> whose buttons POST `react`
 * and `reply_to` (the message's uid) to the send route, with the
 * owner's CSRF token, coming back to the conversation.
 */
enum ic_err ic_page_react_item(struct ic_req *req, const struct ic_conv *c,
                               const struct ic_msg *m);

/**
 * For our own message @p m (not deleted, conversation open): the "more"
 * menu, a <details class="more"> holding `a.edit` (?edit=UID: the page
 * opens with the compose box editing it) and `form.delete` posting
 * `delete` = its uid, with a required confirmation checkbox.  Nothing
 * for theirs.
 */
enum ic_err ic_page_react_more(struct ic_req *req, const struct ic_conv *c,
                               const struct ic_msg *m);

/**
 * The Reply action of message @p m: `a.reply` to ?reply_to=UID#text
 * (the compose form answering it, without the script); nothing in a
 * closed conversation or for a deleted message.
 */
enum ic_err ic_page_react_reply(struct ic_req *req, const struct ic_conv *c,
                                const struct ic_msg *m);

/**
 * In the compose form: the hidden `edit` field (@p editing's uid, or
 * empty) and `#edit-bar` ("Editing message", Cancel back to @p here),
 * hidden when @p editing is NULL (the script shows it).
 */
enum ic_err ic_page_react_edit_bar(struct ic_req *req,
                                   const struct ic_msg *editing,
                                   const char *here);

#endif /* IC_PAGE_REACT_H */
