/*
 * export.h - `feed --export DIR`: every conversation as an archive that
 * is readable without IndieChat (issue 15; README "Export").
 *
 *   DIR/index.html            the conversations, linking each one
 *   DIR/<conv>/index.html     one conversation: a self-contained mf2
 *                             h-feed of h-entries, both directions, each
 *                             with its author's h-card, dt-published,
 *                             u-url/u-uid, a reply's u-in-reply-to, and
 *                             e-content (our text escaped, their sanitized
 *                             HTML); inline CSS only, no
 *                             script, nothing fetched
 *   DIR/<conv>/messages.json  the same as mf2 JSON, the shape a parser
 *                             gives for that page ({"items":[{"type":
 *                             ["h-feed"], ..., "children":[h-entry...]}]})
 *   DIR/<conv>/attachments/   the files its messages carry, ours and our
 *                             copies of theirs, as <sha256>.<ext> (copied,
 *                             not linked); each entry names its own by
 *                             that relative path (u-photo <img>, u-video
 *                             <video>, u-audio <audio>, u-attachment
 *                             link; the same properties in the JSON) so
 *                             the archive stays whole offline.  A file
 *                             not here (never fetched) is named, not
 *                             linked.
 *
 * Each conversation is written as it streams from the store
 * (store/store_history.h): memory is flat in the length of the history.
 * The archive is written to DIR.partial-PID and renamed to DIR when
 * complete; DIR must not exist.
 */
#ifndef IC_EXPORT_H
#define IC_EXPORT_H

#include "cgi/cgi.h"
#include "core/err.h"

/**
 * Export every conversation into the new directory @p dir (0700, files
 * 0600) and say where on req->out.
 * @return IC_OK; IC_ERR_BAD_INPUT (@p dir empty or exists, or its parent
 *         is missing: nothing written); IC_ERR_IO (the partial directory
 *         is left for inspection and named in the message);
 *         IC_ERR_DATABASE; IC_ERR_NOMEM.
 */
enum ic_err ic_export_make(struct ic_req *req, const char *dir);

/** As ic_export_make(), saying nothing: @p n gets the conversations. */
enum ic_err ic_export_write(struct ic_req *req, const char *dir, size_t *n);

#endif /* IC_EXPORT_H */
