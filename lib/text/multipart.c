/*
 * multipart.c - multipart/form-data, bounded (see multipart.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem(): linear delimiter search */
#endif
#include "text/multipart.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/ic_limits.h"

#define MAX_BOUNDARY 70 /* RFC 2046 §5.1.1 */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* A parameter value: a quoted-string (backslash escapes) or a token up to
 * ';'.  Copied into the arena; NULL when out of memory. */
static char *param_value(struct ic_arena *a, const char **pp, const char *end)
{
	const char *p = *pp;
	char *out = ic_arena_alloc(a, (size_t)(end - p) + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			out[o++] = *p;
		}
		if (p < end)
			p++;
	} else {
		while (p < end && *p != ';' && *p != ' ' && *p != '\t')
			out[o++] = *p++;
	}
	out[o] = '\0';
	*pp = p;
	return out;
}

/* Walk "; key=value" parameters after a header's first value, calling
 * back for the ones wanted (name, filename or boundary). */
static bool param(struct ic_arena *a, const char *p, const char *end,
                  const char *key, char **out)
{
	size_t kl = strlen(key);

	*out = NULL;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));

		if (semi == NULL)
			return true;
		p = skip_ws(semi + 1, end);
		if ((size_t)(end - p) > kl && strncasecmp(p, key, kl) == 0 &&
		    p[kl] == '=') {
			p += kl + 1;
			*out = param_value(a, &p, end);
			return *out != NULL;
		}
	}
	return true;
}

static enum ic_err boundary_of(struct ic_arena *a, const char *ct, char **out,
                               char *errbuf)
{
	static const char mt[] = "multipart/form-data";
	const char *end = ct ? ct + strlen(ct) : NULL;

	if (ct == NULL || strncasecmp(ct, mt, sizeof(mt) - 1) != 0 ||
	    (ct[sizeof(mt) - 1] != ';' && ct[sizeof(mt) - 1] != ' '))
		return ic_fail(errbuf, IC_ERR_MEDIA_TYPE,
		               "the body is not multipart/form-data");
	if (!param(a, ct, end, "boundary", out))
		return IC_ERR_NOMEM;
	if (*out == NULL || **out == '\0' || strlen(*out) > MAX_BOUNDARY)
		return ic_fail(errbuf, IC_ERR_MEDIA_TYPE,
		               "multipart/form-data without a boundary of 1 "
		               "to 70 characters");
	return IC_OK;
}

/* One header line of a part: Content-Disposition and Content-Type are
 * read, others skipped. */
static enum ic_err header_line(struct ic_arena *a, const char *p,
                               const char *end, struct ic_multipart_part *part,
                               char *errbuf)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	static const char cd[] = "content-disposition", ct[] = "content-type";
	char *name, *filename;

	if (colon == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "a part's header line has no ':'");
	if ((size_t)(colon - p) == sizeof(ct) - 1 &&
	    strncasecmp(p, ct, sizeof(ct) - 1) == 0) {
		const char *v = skip_ws(colon + 1, end);
		char *t = ic_arena_alloc(a, (size_t)(end - v) + 1);

		if (t == NULL)
			return IC_ERR_NOMEM;
		memcpy(t, v, (size_t)(end - v));
		t[end - v] = '\0';
		part->type = t;
		return IC_OK;
	}
	if ((size_t)(colon - p) != sizeof(cd) - 1 ||
	    strncasecmp(p, cd, sizeof(cd) - 1) != 0)
		return IC_OK;
	if (!param(a, colon + 1, end, "name", &name) ||
	    !param(a, colon + 1, end, "filename", &filename))
		return IC_ERR_NOMEM;
	if (name && strlen(name) > IC_MAX_FORM_NAME_BYTES)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "a part's name is over %d bytes",
		               IC_MAX_FORM_NAME_BYTES);
	part->name = name;
	part->filename = filename;
	return IC_OK;
}

/* The header block [p, end) of one part, CRLF-separated lines. */
static enum ic_err headers(struct ic_arena *a, const char *p, const char *end,
                           struct ic_multipart_part *part, char *errbuf)
{
	enum ic_err rc = IC_OK;

	while (rc == IC_OK && p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);

		if (eol == NULL)
			eol = end;
		if (eol > p)
			rc = header_line(a, p, eol, part, errbuf);
		p = eol + 2;
	}
	if (rc == IC_OK && part->name == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "a part has no Content-Disposition name");
	return rc;
}

/* The part whose header block starts at @p p; *next is where the next
 * delimiter line starts (after its CRLF). */
static enum ic_err one_part(struct ic_arena *a, const char *body, size_t len,
                            size_t p, const char *delim, size_t dl,
                            struct ic_multipart_part *part, size_t *next,
                            char *errbuf)
{
	size_t room = len - p, hdr_end, data;
	const char *e, *d;
	enum ic_err rc;

	if (room >= 2 && memcmp(body + p, "\r\n", 2) == 0) {
		hdr_end = p; /* no header lines: refused below (no name) */
		data = p + 2;
	} else {
		size_t look = room < IC_MAX_MULTIPART_HEADER_BYTES + 4
		                      ? room
		                      : IC_MAX_MULTIPART_HEADER_BYTES + 4;

		e = memmem(body + p, look, "\r\n\r\n", 4);
		if (e == NULL)
			return ic_fail(errbuf,
			               look < room ? IC_ERR_TOO_LARGE
			                           : IC_ERR_BAD_INPUT,
			               "a part's headers do not end");
		hdr_end = (size_t)(e - body);
		data = hdr_end + 4;
	}
	memset(part, 0, sizeof(*part));
	rc = headers(a, body + p, body + hdr_end, part, errbuf);
	if (rc != IC_OK)
		return rc;
	d = memmem(body + data, len - data, delim, dl);
	if (d == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "a part does not end with the boundary");
	part->data = (const unsigned char *)body + data;
	part->len = (size_t)(d - body) - data;
	*next = (size_t)(d - body) + 2; /* at "--boundary" */
	return IC_OK;
}

enum ic_err ic_multipart_parse(struct ic_multipart *m, struct ic_arena *a,
                               const char *content_type, const void *body,
                               size_t len, char *errbuf)
{
	const char *b = body;
	char *boundary, *delim;
	size_t dl, pos;
	const char *first;
	enum ic_err rc;

	memset(m, 0, sizeof(*m));
	rc = boundary_of(a, content_type, &boundary, errbuf);
	if (rc != IC_OK)
		return rc;
	/* "\r\n--boundary": what ends every part's data. */
	delim = ic_arena_printf(a, "\r\n--%s", boundary);
	m->parts =
	        ic_arena_calloc(a, IC_MAX_MULTIPART_PARTS, sizeof(*m->parts));
	if (delim == NULL || m->parts == NULL)
		return IC_ERR_NOMEM;
	dl = strlen(delim);
	/* The first delimiter opens the body or follows a preamble. */
	if (len >= dl - 2 && memcmp(b, delim + 2, dl - 2) == 0)
		first = b;
	else if ((first = memmem(b, len, delim, dl)) != NULL)
		first += 2;
	else
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "the body has no boundary line");
	pos = (size_t)(first - b);
	for (;;) {
		size_t p = pos + dl - 2;

		if (len - p >= 2 && memcmp(b + p, "--", 2) == 0)
			return IC_OK; /* the close delimiter; epilogue ignored
			               */
		while (p < len && (b[p] == ' ' || b[p] == '\t'))
			p++;
		if (len - p < 2 || memcmp(b + p, "\r\n", 2) != 0)
			break;
		if (m->n == IC_MAX_MULTIPART_PARTS) {
			m->n = 0;
			return ic_fail(errbuf, IC_ERR_TOO_LARGE,
			               "more than %d parts",
			               IC_MAX_MULTIPART_PARTS);
		}
		rc = one_part(a, b, len, p + 2, delim, dl, &m->parts[m->n],
		              &pos, errbuf);
		if (rc != IC_OK) {
			m->n = 0;
			return rc;
		}
		m->n++;
	}
	m->n = 0;
	return ic_fail(errbuf, IC_ERR_BAD_INPUT,
	               "a boundary line is not followed by CRLF or \"--\"");
}

const struct ic_multipart_part *ic_multipart_get(const struct ic_multipart *m,
                                                 const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->parts[i].name, name) == 0)
			return &m->parts[i];
	return NULL;
}
