/*
 * multipart.h - a bounded multipart/form-data parser (RFC 7578, RFC 2046
 * §5.1), for the compose box's attach button (issue 15).
 *
 * The body is parsed in place: each part's data points into the caller's
 * body (not copied, not NUL-terminated; the length says where it ends),
 * its field name, file name and type are copied into the arena.  Limits:
 * the boundary is 1-70 characters (RFC 2046), at most
 * IC_MAX_MULTIPART_PARTS parts, each part's header block at most
 * IC_MAX_MULTIPART_HEADER_BYTES, names at most IC_MAX_FORM_NAME_BYTES.
 * The body's own size is the router's cap.  The search for delimiters is
 * memmem(3) (linear), so the time is linear in the body.  Pure: no I/O;
 * what tests/fuzz/fuzz_multipart.c calls.
 */
#ifndef IC_MULTIPART_H
#define IC_MULTIPART_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

struct ic_multipart_part {
	const char *name;          /* the form field's name */
	const char *filename;      /* as sent (untrusted), or NULL: no file */
	const char *type;          /* the part's Content-Type, or NULL */
	const unsigned char *data; /* into the body */
	size_t len;
};

struct ic_multipart {
	struct ic_multipart_part *parts; /* arena array */
	size_t n;
};

/**
 * Parse @p len bytes at @p body, sent with Content-Type @p content_type
 * ("multipart/form-data; boundary=...").
 * @param[out] m       the parts, in order; zeroed first (n 0 on error)
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL: what is wrong
 * @return IC_OK; IC_ERR_MEDIA_TYPE (not multipart/form-data, or no usable
 *         boundary); IC_ERR_BAD_INPUT (no closing delimiter, a part
 *         without a name, a header line without ':'); IC_ERR_TOO_LARGE
 *         (too many parts, a header block or name too long);
 *         IC_ERR_NOMEM.
 */
enum ic_err ic_multipart_parse(struct ic_multipart *m, struct ic_arena *a,
                               const char *content_type, const void *body,
                               size_t len, char *errbuf);

/** The first part named @p name, or NULL. */
const struct ic_multipart_part *ic_multipart_get(const struct ic_multipart *m,
                                                 const char *name);

#endif /* IC_MULTIPART_H */
