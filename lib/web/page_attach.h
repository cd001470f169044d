/*
 * page_attach.h - a message's files on the owner's conversation page and
 * in its JSON, and the route that serves them to the owner (issue 15).
 *
 * A picture is drawn inline with its width and height set (its box is
 * known before it loads), at most 20rem wide (indiechat.css); a video
 * or a sound is the browser's own player (<video controls>, <audio
 * controls>, preload="metadata"), as wide; another
 * file is a download chip with its name and size; a received file that
 * is not here says why (not fetched yet, too large, could not be
 * fetched).  The bytes come from B/feed/with/<conv>/attachment/<sha256>,
 * for the owner's session: ours and our copies of theirs, with the
 * headers feed/feed_serve.h gives every file; the owner never needs the
 * correspondent's token.  No network code: linked by `feed`.
 */
#ifndef IC_PAGE_ATTACH_H
#define IC_PAGE_ATTACH_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store_msg.h"

/** Append message @p m's files (if any) of conversation @p conv to the page. */
enum ic_err ic_page_attachments(struct ic_req *req, const char *conv,
                                const struct ic_msg *m);

/**
 * Add "attachments" (src, name, type, size as text, width, height, state,
 * why, stripped) to the message object @p e; false when out of memory.
 */
bool ic_page_attachments_json(struct ic_req *req, const char *conv,
                              const struct ic_msg *m, cJSON *e);

/**
 * GET B/feed/with/{conv}/attachment/{id} (owner session): a file a
 * message of that conversation carries, ours or our copy of theirs.
 * @return IC_OK; IC_ERR_NOT_FOUND (no such file here, or not fetched).
 */
enum ic_err ic_page_conversation_attachment(struct ic_req *req);

#endif /* IC_PAGE_ATTACH_H */
