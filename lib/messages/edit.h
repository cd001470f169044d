/*
 * edit.h - editing or deleting one of our messages (issue 15).
 *
 * An edit replaces the text of one of our own messages and keeps its
 * u-uid; the entry gains dt-updated (mf2_publish.h), and every feed page
 * from the message's page to the newest is written again, then the hub
 * is pinged as for a send.  A receiver that reads the entry with a newer
 * dt-updated than it has replaces the text (feed/receive.c); the same or
 * an older one changes nothing.  Delivery states are the message's seq's,
 * as before the edit.
 *
 * What reaches a receiver is the page its fetch reads: the newest one,
 * and older ones only in a catch-up.  So a change also puts the message's
 * seq in the conversation's carry list (store_conv.h), and the newest
 * page carries the changed entry again while it is among the last
 * IC_FEED_CARRY_MAX changes (feed/feed_pages.c): a receiver that reads
 * only the newest page sees it too.
 *
 * A delete is an edit to a tombstone: the entry stays in the feed with
 * its u-uid, no content and a dt-deleted (mf2_publish.h), so every
 * receiver, one that was offline included, drops the text when it reads
 * it.  A deleted message can be neither edited nor deleted again.
 */
#ifndef IC_EDIT_H
#define IC_EDIT_H

#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store_msg.h"

/**
 * Replace the text of our message @p uid in the conversation with
 * @p peer by @p text, and publish.
 * @param[out] out  the message as edited (optional).
 * @return IC_OK; IC_ERR_BAD_INPUT (empty text, or @p uid is theirs or
 *         one of our reactions: nothing changes); IC_ERR_TOO_LARGE;
 *         IC_ERR_NOT_FOUND (no such conversation or message);
 *         IC_ERR_CONFLICT (declined or blocked, or the message was
 *         deleted); store errors (a failed publish is logged and
 *         repaired by the next one).
 */
enum ic_err ic_edit_send(struct ic_req *req, const char *peer, const char *uid,
                         const char *text, struct ic_msg *out);

/**
 * Delete our message @p uid in the conversation with @p peer: keep its
 * tombstone (text "", deleted) and publish.
 * @return as ic_edit_send(); IC_ERR_CONFLICT also when it was deleted.
 */
enum ic_err ic_edit_delete(struct ic_req *req, const char *peer,
                           const char *uid, struct ic_msg *out);

/**
 * As ic_edit_delete(), also for the entry of one of our reactions (which
 * the other two refuse: react.h ic_react_remove() is the way).
 */
enum ic_err ic_edit_delete_reaction(struct ic_req *req, const char *peer,
                                    const char *uid, struct ic_msg *out);

#endif /* IC_EDIT_H */
