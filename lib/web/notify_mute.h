/*
 * notify_mute.h - the owner mutes or unmutes one conversation's
 * notifications (issue 16): `feed --mute URL`, `feed --unmute URL`, and
 * the conversation page's Mute button (B/ticket/mute, /unmute).
 *
 * A muted conversation records no event (store/store_notify.h) and what
 * it had pending is dropped in the same transaction, so nothing already
 * waiting goes out after the mute.  Its messages are stored and shown as
 * ever; only the owner's notifications stop.
 */
#ifndef IC_NOTIFY_MUTE_H
#define IC_NOTIFY_MUTE_H

#include <stdbool.h>

#include "cgi/cgi.h"
#include "core/err.h"

/**
 * Mute (@p on) or unmute the conversation with @p url; @p peer (optional)
 * gets the correspondent's URL as stored, from req->arena.
 * @return IC_OK; IC_ERR_NOT_FOUND (no conversation with them, a
 *         sentence in req->errbuf); the store's errors.
 */
enum ic_err ic_notify_mute(struct ic_req *req, const char *url, bool on,
                           const char **peer);

#endif /* IC_NOTIFY_MUTE_H */
