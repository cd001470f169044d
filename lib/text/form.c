/*
 * form.c - the application/x-www-form-urlencoded codec (see form.h; H-6).
 *
 * The decoder sizes the field array once (after counting the pairs against
 * IC_MAX_FORM_FIELDS), then decodes each name and value straight into
 * arena memory: a decoded string is never longer than its source.
 */
#include "text/form.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/ic_limits.h"

/* Why one name or value could not be decoded. */
enum decode_result {
	DECODE_OK,
	DECODE_ESCAPE, /* '%' not followed by two hex digits */
	DECODE_NUL,    /* a NUL byte, raw or %00 */
	DECODE_UTF8,   /* not valid UTF-8 */
	DECODE_LONG,   /* past the cap */
	DECODE_NOMEM
};

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the UTF-8 sequence at @p s (RFC 3629 §4: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when it is invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	/* The second byte's range depends on the first (Table 3-7 of the
	 * Unicode Standard). */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static bool valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len > 0) {
		size_t n = utf8_seq_len(p, len);

		if (n == 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/* Decode '+' and %XX from @p src into @p dst (room for @p cap bytes). */
static enum decode_result unescape(const char *src, size_t len, char *dst,
                                   size_t cap, size_t *out_len)
{
	size_t i = 0, n = 0;

	while (i < len) {
		char c = src[i++];

		if (c == '%') {
			int h1 = i < len ? hex_value(src[i]) : -1;
			int h2 = i + 1 < len ? hex_value(src[i + 1]) : -1;

			if (h1 < 0 || h2 < 0)
				return DECODE_ESCAPE;
			c = (char)(h1 * 16 + h2);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == '\0')
			return DECODE_NUL;
		if (n == cap)
			return DECODE_LONG;
		dst[n++] = c;
	}
	dst[n] = '\0';
	*out_len = n;
	return DECODE_OK;
}

/* Decode one name or value into arena memory, at most @p cap bytes. */
static enum decode_result decode(struct ic_arena *a, const char *src,
                                 size_t len, size_t cap, const char **out,
                                 size_t *out_len)
{
	size_t room = len < cap ? len : cap;
	enum decode_result r;
	char *dst;

	/* Each decoded byte takes at most 3 source bytes. */
	if (len / 3 > cap)
		return DECODE_LONG;
	dst = ic_arena_alloc(a, room + 1);
	if (dst == NULL)
		return DECODE_NOMEM;
	r = unescape(src, len, dst, room, out_len);
	if (r == DECODE_OK && !valid_utf8(dst, *out_len))
		r = DECODE_UTF8;
	*out = dst;
	return r;
}

/* One line naming what went wrong; @p name is NULL for the name itself. */
static enum ic_err decode_error(enum decode_result r, const char *name,
                                size_t cap, char *errbuf)
{
	const char *what = name ? "the value of form field" : "a form field";
	const char *shown = name ? name : "name";

	switch (r) {
	case DECODE_ESCAPE:
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "bad %%-escape in %s %.64s", what, shown);
	case DECODE_NUL:
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "NUL byte in %s %.64s",
		               what, shown);
	case DECODE_UTF8:
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "invalid UTF-8 in %s %.64s", what, shown);
	case DECODE_LONG:
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "%s %.64s is longer than %zu bytes", what, shown,
		               cap);
	case DECODE_NOMEM:
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "out of memory decoding a form");
	case DECODE_OK:
		break;
	}
	return IC_OK;
}

/* Non-empty '&'-separated pairs in @p data. */
static size_t count_pairs(const char *data, size_t len)
{
	size_t n = 0, i = 0;

	while (i < len) {
		const char *amp = memchr(data + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - data) : len;

		n += end > i;
		i = end + 1;
	}
	return n;
}

static enum ic_err decode_pair(struct ic_arena *a, const char *p, size_t len,
                               struct ic_form_field *fld, char *errbuf)
{
	const char *eq = memchr(p, '=', len);
	size_t name_len = eq ? (size_t)(eq - p) : len, ignored;
	const char *v = eq ? eq + 1 : p + len;
	enum decode_result r;

	r = decode(a, p, name_len, IC_MAX_FORM_NAME_BYTES, &fld->name,
	           &ignored);
	if (r != DECODE_OK)
		return decode_error(r, NULL, IC_MAX_FORM_NAME_BYTES, errbuf);
	r = decode(a, v, (size_t)(p + len - v), IC_MAX_FORM_VALUE_BYTES,
	           &fld->value, &fld->value_len);
	if (r != DECODE_OK)
		return decode_error(r, fld->name, IC_MAX_FORM_VALUE_BYTES,
		                    errbuf);
	return IC_OK;
}

static enum ic_err decode_pairs(struct ic_arena *a, const char *data,
                                size_t len, struct ic_form_field *fields,
                                char *errbuf)
{
	size_t i = 0, k = 0;

	while (i < len) {
		const char *amp = memchr(data + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - data) : len;

		if (end > i) {
			enum ic_err rc = decode_pair(a, data + i, end - i,
			                             &fields[k++], errbuf);

			if (rc != IC_OK)
				return rc;
		}
		i = end + 1;
	}
	return IC_OK;
}

enum ic_err ic_form_parse(struct ic_form *f, struct ic_arena *a,
                          const char *data, size_t len, char *errbuf)
{
	struct ic_form_field *fields;
	size_t n;
	enum ic_err rc;

	f->fields = NULL;
	f->n = 0;
	if (data == NULL)
		len = 0;
	n = count_pairs(data, len);
	if (n > IC_MAX_FORM_FIELDS)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "more than %u form fields",
		               (unsigned)IC_MAX_FORM_FIELDS);
	if (n == 0)
		return IC_OK;
	fields = ic_arena_calloc(a, n, sizeof(*fields));
	if (fields == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "out of memory decoding a form");
	rc = decode_pairs(a, data, len, fields, errbuf);
	if (rc != IC_OK)
		return rc;
	f->fields = fields;
	f->n = n;
	return IC_OK;
}

const char *ic_form_get(const struct ic_form *f, const char *name)
{
	if (f == NULL || name == NULL)
		return NULL;
	/* H-6: duplicates are resolved deterministically, first wins. */
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return f->fields[i].value;
	return NULL;
}

size_t ic_form_count(const struct ic_form *f, const char *name)
{
	size_t n = 0;

	if (f == NULL || name == NULL)
		return 0;
	for (size_t i = 0; i < f->n; i++)
		n += strcmp(f->fields[i].name, name) == 0;
	return n;
}

/* RFC 3986 §2.3 unreserved characters: the only ones sent as they are. */
static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

enum ic_err ic_form_escape(struct ic_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0;

	while (i < len) {
		size_t run = i;
		enum ic_err rc;

		while (run < len && unreserved((unsigned char)s[run]))
			run++;
		rc = ic_buf_add(out, s + i, run - i);
		if (rc != IC_OK || run == len)
			return rc;
		/* H-6: '&', '=', '+', '%', '#', space and non-ASCII alike. */
		unsigned char c = (unsigned char)s[run];
		char esc[3] = {'%', hex[c >> 4], hex[c & 0xf]};

		rc = ic_buf_add(out, esc, sizeof(esc));
		if (rc != IC_OK)
			return rc;
		i = run + 1;
	}
	return IC_OK;
}

enum ic_err ic_form_add(struct ic_buf *out, const char *name, const char *value)
{
	enum ic_err rc = IC_OK;

	if (name == NULL || value == NULL)
		return IC_ERR_INTERNAL;
	if (out->len > 0)
		rc = ic_buf_addc(out, '&');
	if (rc == IC_OK)
		rc = ic_form_escape(out, name, strlen(name));
	if (rc == IC_OK)
		rc = ic_buf_addc(out, '=');
	if (rc == IC_OK)
		rc = ic_form_escape(out, value, strlen(value));
	return rc;
}
