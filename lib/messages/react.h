/*
 * react.h - reactions ("reacji", issue 15): one emoji on one message.
 *
 * On the wire a reaction is the IndieWeb reacji: an h-entry whose content
 * is a single emoji and whose u-in-reply-to is the u-uid of the message
 * it reacts to, so a foreign mf2 reader sees a reply made of one emoji.
 * We publish it as one of our entries (an 'o' message, so it travels and
 * is caught up like any message), but a page shows it under its target,
 * not as a message.  The receiver stores it on the target (their_reaction
 * in store_msg.h; feed/receive.h ic_receive_reaction_in_txn()), not as
 * a message: no unread count, no notification; its uid is kept as an
 * alias of the target's, so it is de-duplicated.
 *
 * One reaction per person per message: a newer one (by dt-published)
 * replaces the older, and one arriving late (catch-up) changes nothing.
 * Removing a reaction makes the tombstone of its entry (edit.h): a
 * receiver that kept it drops it; one that never saw it stores nothing.
 */
#ifndef IC_REACT_H
#define IC_REACT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store.h"
#include "store/store_msg.h"
#include "text/emoji.h"

#define IC_REACT_MAX_BYTES IC_EMOJI_MAX_BYTES

/** ic_emoji_one() (text/emoji.h): what a reaction may be. */
bool ic_react_emoji_ok(const char *s);

/**
 * True when @p m is a reaction by the reacji rule: it answers a message
 * (in_reply_to) and its text is one emoji.
 */
bool ic_react_is(const struct ic_msg *m);

/**
 * React with @p emoji to the message @p target_uid (ours or theirs) of
 * the conversation with @p peer: publish it as a reacji entry and keep it
 * as our reaction on the target, replacing any earlier one.
 * @param[out] out  the published entry (optional).
 * @return IC_OK; IC_ERR_BAD_INPUT (not one emoji, no uid: nothing
 *         changes); IC_ERR_NOT_FOUND (no such conversation or message);
 *         as ic_outbox_send() otherwise.
 */
enum ic_err ic_react_send(struct ic_req *req, const char *peer,
                          const char *target_uid, const char *emoji,
                          struct ic_msg *out);

/**
 * Remove our reaction on the message @p target_uid of the conversation
 * with @p peer: its entry becomes a tombstone (ic_edit_delete()) and the
 * target keeps no reaction of ours.
 * @param[out] out  the tombstone (optional).
 * @return IC_OK; IC_ERR_NOT_FOUND (no such conversation or message, or
 *         no reaction of ours on it: nothing changes); as
 *         ic_edit_delete() otherwise.
 */
enum ic_err ic_react_remove(struct ic_req *req, const char *peer,
                            const char *target_uid, struct ic_msg *out);

#endif /* IC_REACT_H */
