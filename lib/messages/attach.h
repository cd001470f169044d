/*
 * attach.h - turning the owner's files into a message's attachments
 * (issue 15, "Photos and files"), before the outbox stores the message.
 *
 * Each file is checked against the per-file and per-message limits
 * (configuration keys attach_max_file_bytes and attach_max_message_bytes,
 * defaults in core/ic_limits.h), typed from its bytes (text/media.h, the
 * name is never trusted), cleaned (a JPEG loses its EXIF/XMP metadata,
 * GPS location included), and written under data_dir by its SHA-256
 * (store/store_blob.h).  Every limit is checked for every file before any
 * file is written, so a refused send stores nothing.  What the outbox
 * then keeps in the message's record is the returned struct ic_attach.
 */
#ifndef IC_ATTACH_H
#define IC_ATTACH_H

#include <stddef.h>

#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store_msg.h"

/** The configured per-file and per-message caps, with defaults for 0. */
void ic_attach_limits(const struct ic_config *cfg, size_t *file_max,
                      size_t *message_max);

/**
 * Type, clean and store @p len bytes named @p name as one attachment.
 * @p data may be rewritten in place (a JPEG's metadata is cut out).
 * @param[out] out  the attachment (strings from req->arena)
 * @return IC_OK; IC_ERR_TOO_LARGE (over the per-file cap);
 *         IC_ERR_BAD_INPUT (empty, or a JPEG whose segments do not fit);
 *         IC_ERR_IO (the file could not be written under data_dir).
 *         req->errbuf names the file and the limit.
 */
enum ic_err ic_attach_from_bytes(struct ic_req *req, const char *name,
                                 unsigned char *data, size_t len,
                                 struct ic_attach *out);

/**
 * The files at @p paths[0..@p n) as attachments: the limits are checked
 * for all of them first (nothing is written when one is over), then each
 * is read and stored as ic_attach_from_bytes() does.
 * @param[out] out  arena array of @p n attachments
 * @return IC_OK; IC_ERR_TOO_LARGE (a file, or all of them together, over
 *         the limits; more than IC_MAX_ATTACHMENTS files);
 *         IC_ERR_NOT_FOUND (no such file); IC_ERR_BAD_INPUT (not a
 *         regular file, empty, a broken JPEG); IC_ERR_IO.
 */
enum ic_err ic_attach_from_files(struct ic_req *req, const char *const *paths,
                                 size_t n, struct ic_attach **out);

/**
 * The files of a multipart form body (the compose box's attach button):
 * the parts named @p field that carry a file (a part with an empty file
 * name and no bytes is "no file chosen" and skipped).  Limits are checked
 * for all of them first, as ic_attach_from_files() does.
 * @param[out] out, n  arena array of the attachments, NULL and 0 for none
 * @return as ic_attach_from_files().
 */
enum ic_err ic_attach_from_parts(struct ic_req *req, const char *field,
                                 struct ic_attach **out, size_t *n);

#endif /* IC_ATTACH_H */
