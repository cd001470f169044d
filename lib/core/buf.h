/*
 * buf.h - a growable byte buffer that knows its limit.
 *
 * git's strbuf invariants with curl's dynbuf cap:
 *  - `buf` is never NULL and is always NUL-terminated, so it can be handed
 *    to any C string function; it may also hold embedded NULs (use `len`);
 *  - `alloc` and `max` are private; `max` is the largest `len` allowed;
 *  - every append returns enum ic_err and must be checked;
 *  - an append that would pass `max`, or whose allocation fails, releases
 *    the buffer and returns IC_ERR_TOO_LARGE or IC_ERR_NOMEM: the buffer is
 *    then empty and valid, never half-written;
 *  - memory belongs to the buffer until ic_buf_take() hands it to the
 *    caller (free() it) or ic_buf_release() frees it.
 *
 * Life cycle:
 *	struct ic_buf b = IC_BUF_INIT(IC_MAX_FORM_BYTES);
 *	if ((rc = ic_buf_adds(&b, "x")) != IC_OK) return rc;
 *	...
 *	ic_buf_release(&b);
 */
#ifndef IC_BUF_H
#define IC_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"

#define IC_WARN_UNUSED __attribute__((warn_unused_result))

struct ic_buf {
	char *buf;    /* never NULL, NUL-terminated */
	size_t len;   /* bytes in use, excluding the terminator */
	size_t alloc; /* private: bytes allocated, 0 while buf is static */
	size_t max;   /* private: the cap on len */
};

/* The shared empty string a fresh buffer points at; never written. */
extern char ic_buf_empty[1];

/** A usable empty buffer holding at most @p cap bytes; allocates nothing. */
#define IC_BUF_INIT(cap)                                                       \
	{                                                                      \
		ic_buf_empty, 0, 0, (cap)                                      \
	}

/* --- Life cycle ------------------------------------------------------- */

/** Initialise @p b as IC_BUF_INIT(cap) would. */
void ic_buf_init(struct ic_buf *b, size_t cap);

/** Free the memory and leave @p b empty and reusable with the same cap. */
void ic_buf_release(struct ic_buf *b);

/**
 * Hand the contents to the caller, who free()s them, and reset @p b.
 * @param[out] len  optional: receives the length.
 * @return a malloc'd NUL-terminated string, or NULL if even an empty
 *         string could not be allocated.
 */
char *ic_buf_take(struct ic_buf *b, size_t *len);

/* --- Size ------------------------------------------------------------- */

/** Keep the allocation, set the length to zero. */
void ic_buf_reset(struct ic_buf *b);

/** Shorten to @p len bytes (no-op when @p len >= b->len). */
void ic_buf_truncate(struct ic_buf *b, size_t len);

/**
 * Make room for @p extra more bytes without changing the contents.
 * @return IC_OK, IC_ERR_TOO_LARGE past the cap, IC_ERR_NOMEM.
 */
enum ic_err ic_buf_grow(struct ic_buf *b, size_t extra) IC_WARN_UNUSED;

/* --- Adding data ------------------------------------------------------ */

/** Append @p len bytes from @p data.  Errors as ic_buf_grow(). */
enum ic_err ic_buf_add(struct ic_buf *b, const void *data,
                       size_t len) IC_WARN_UNUSED;

/** Append the C string @p s. */
enum ic_err ic_buf_adds(struct ic_buf *b, const char *s) IC_WARN_UNUSED;

/** Append one byte. */
enum ic_err ic_buf_addc(struct ic_buf *b, char c) IC_WARN_UNUSED;

/** Append printf-formatted text. */
enum ic_err ic_buf_addf(struct ic_buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3))) IC_WARN_UNUSED;

/** Append vprintf-formatted text. */
enum ic_err ic_buf_vaddf(struct ic_buf *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0))) IC_WARN_UNUSED;

#endif /* IC_BUF_H */
