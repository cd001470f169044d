/*
 * buf.c - the capped string buffer (see buf.h for the invariants).
 */
#include "core/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char ic_buf_empty[1];

void ic_buf_init(struct ic_buf *b, size_t cap)
{
	b->buf = ic_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->max = cap;
}

void ic_buf_release(struct ic_buf *b)
{
	if (b->alloc)
		free(b->buf);
	ic_buf_init(b, b->max);
}

char *ic_buf_take(struct ic_buf *b, size_t *len)
{
	char *s;

	if (len)
		*len = b->len;
	if (b->alloc) {
		s = b->buf;
	} else {
		s = malloc(1);
		if (s)
			*s = '\0';
	}
	ic_buf_init(b, b->max);
	return s;
}

void ic_buf_reset(struct ic_buf *b)
{
	ic_buf_truncate(b, 0);
}

void ic_buf_truncate(struct ic_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->buf[len] = '\0'; /* len < old len, so this is allocated memory */
}

enum ic_err ic_buf_grow(struct ic_buf *b, size_t extra)
{
	size_t want, next;
	char *p;

	if (extra > b->max || b->len > b->max - extra) {
		ic_buf_release(b);
		return IC_ERR_TOO_LARGE;
	}
	want = b->len + extra + 1; /* cannot overflow: max < SIZE_MAX */
	if (want <= b->alloc)
		return IC_OK;
	/* Grow by half again, as git does, but never past the cap + 1. */
	next = b->alloc < 64 ? 64 : b->alloc + b->alloc / 2;
	if (next < want)
		next = want;
	if (next > b->max + 1)
		next = b->max + 1;
	p = realloc(b->alloc ? b->buf : NULL, next);
	if (p == NULL) {
		ic_buf_release(b);
		return IC_ERR_NOMEM;
	}
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = next;
	return IC_OK;
}

enum ic_err ic_buf_add(struct ic_buf *b, const void *data, size_t len)
{
	enum ic_err rc = ic_buf_grow(b, len);

	if (rc != IC_OK)
		return rc;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return IC_OK;
}

enum ic_err ic_buf_adds(struct ic_buf *b, const char *s)
{
	return ic_buf_add(b, s, strlen(s));
}

enum ic_err ic_buf_addc(struct ic_buf *b, char c)
{
	return ic_buf_add(b, &c, 1);
}

enum ic_err ic_buf_vaddf(struct ic_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	enum ic_err rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		ic_buf_release(b);
		return IC_ERR_INTERNAL;
	}
	rc = ic_buf_grow(b, (size_t)n);
	if (rc != IC_OK)
		return rc;
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return IC_OK;
}

enum ic_err ic_buf_addf(struct ic_buf *b, const char *fmt, ...)
{
	va_list ap;
	enum ic_err rc;

	va_start(ap, fmt);
	rc = ic_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}
