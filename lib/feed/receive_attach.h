/*
 * receive_attach.h - a correspondent's attachments (issue 15): read from
 * the h-entry, fetched after the message is stored, kept as our copy.
 *
 * An entry announces pictures as u-photo, video as u-video, sound as
 * u-audio and other files as u-attachment links (mf2/mf2_publish.h);
 * only URLs under the correspondent's own feed,
 * "<resource>/attachment/<64 hex>[?name=NAME]", are taken: the token we
 * hold is for that resource, and the hex is the SHA-256 the fetched
 * bytes must have.  Anything else (other hosts, data: or javascript:
 * URLs, more than IC_MAX_ATTACHMENTS) is ignored: a foreign reader's
 * photos stay links in the text.
 *
 * The message is stored first with each file IC_ATTACH_PENDING and an
 * "attach" due job in the same transaction; the job fetches each file
 * with the held token through ic_fetch()'s rules (net/peer.h: http(s),
 * public addresses, timeouts, the attach_max_file_bytes cap), checks the
 * hash, types it from the bytes, writes it under data_dir
 * (store/store_blob.h) and marks it stored, too large or failed.  A
 * network failure leaves it pending and the job retried with the due
 * queue's back-off; a kill -9 at any point leaves the message stored
 * once and the job due.
 */
#ifndef IC_RECEIVE_ATTACH_H
#define IC_RECEIVE_ATTACH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cgi/cgi.h"
#include "core/arena.h"
#include "core/err.h"
#include "store/store_msg.h"

/* The due job's kind (store/due.h), keyed by conversation id. */
#define IC_RECEIVE_ATTACH_JOB "attach"

/**
 * The attachments h-entry @p entry announces under @p resource, each
 * IC_ATTACH_PENDING with its URL, id and name (no type or size yet:
 * those come from the bytes).  Pure: no I/O.
 * @param[out] out, n  an arena array, NULL and 0 when none
 * @param[out] files   how many of them are u-attachment (non-picture)
 *                     links: their lines end e-content's text
 */
enum ic_err ic_receive_attachments(struct ic_arena *a, const cJSON *entry,
                                   const char *resource, struct ic_attach **out,
                                   size_t *n, size_t *files);

/**
 * Cut the file lines our feed puts at the end of e-content (each starts
 * with U+1F4CE PAPERCLIP) out of the text @p text, in place, with the
 * white space before them.
 */
void ic_receive_strip_file_lines(char *text);

/**
 * The "attach" due job for conversation @p conv: fetch up to
 * IC_RECEIVE_ATTACH_PER_JOB pending files (network; writes data_dir and
 * LMDB).
 * @return IC_OK when none is left pending (or no conversation or token:
 *         nothing to retry); IC_ERR_NETWORK and the like when one is to be
 *         tried again (req->errbuf says which).
 */
enum ic_err ic_receive_attach_job(struct ic_req *req, const char *conv);

#endif /* IC_RECEIVE_ATTACH_H */
