/*
 * html.c - escaped HTML output and the tiny template layer (see html.h).
 *
 * Only libc and buf.h: `feed` links this on its hot path (DESIGN.md), so
 * no tidy, gumbo or libcurl here.
 */
#include "text/html.h"

#include <stdint.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const char utf8_replacement[] = "\xef\xbf\xbd";

/* What to write for one special ASCII byte, or NULL when it is kept. */
static const char *ascii_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
	case '\n':
	case '\r':
		return NULL;
	default:
		/* HTML5 parse errors: C0 controls, NUL and DEL are dropped. */
		return (c < 0x20 || c == 0x7f) ? "" : NULL;
	}
}

/*
 * Length of the well-formed UTF-8 sequence at @p s (Unicode 15, Table
 * 3-7), or 0 with *bad set to the length of its maximal subpart, which is
 * replaced by one U+FFFD.  Surrogates (ED A0..BF) and overlongs (C0, C1,
 * E0 80..9F, F0 80..8F) are ill-formed by that table.
 */
static size_t utf8_len(const unsigned char *s, size_t len, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		if (c == 0xed)
			hi = 0x9f; /* surrogates U+D800..DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else {
		*bad = 1; /* continuation, overlong lead C0/C1, F5..FF */
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* The code point of a well-formed sequence of @p n bytes. */
static uint32_t utf8_decode(const unsigned char *s, size_t n)
{
	uint32_t cp = s[0] & (0x7f >> n);

	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

/*
 * Classify the non-ASCII sequence at @p s: returns the bytes it takes and
 * sets *rep to NULL (keep them), "" (drop: C1 control) or U+FFFD
 * (ill-formed, or a noncharacter, which HTML5 makes a parse error).
 */
static size_t classify_utf8(const unsigned char *s, size_t len,
                            const char **rep)
{
	size_t bad = 0, n = utf8_len(s, len, &bad);
	uint32_t cp;

	if (n == 0) {
		*rep = utf8_replacement;
		return bad;
	}
	cp = utf8_decode(s, n);
	if (cp >= 0x80 && cp <= 0x9f)
		*rep = "";
	else if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		*rep = utf8_replacement;
	else
		*rep = NULL;
	return n;
}

/* The escaping loop shared by text and attribute values: kept bytes are
 * copied in runs, so plain text costs one ic_buf_add(). */
static enum ic_err escape(struct ic_buf *out, const unsigned char *s,
                          size_t len)
{
	size_t run = 0, i = 0, n;
	const char *rep;
	enum ic_err rc;

	while (i < len) {
		if (s[i] < 0x80) {
			rep = ascii_entity(s[i]);
			n = 1;
		} else {
			n = classify_utf8(s + i, len - i, &rep);
		}
		if (rep == NULL) {
			i += n;
			continue;
		}
		if ((rc = ic_buf_add(out, s + run, i - run)) != IC_OK)
			return rc;
		if ((rc = ic_buf_adds(out, rep)) != IC_OK)
			return rc;
		i += n;
		run = i;
	}
	return ic_buf_add(out, s + run, i - run);
}

enum ic_err ic_html_textn(struct ic_buf *out, const char *s, size_t len)
{
	if (s == NULL)
		return len == 0 ? IC_OK : IC_ERR_INTERNAL;
	return escape(out, (const unsigned char *)s, len);
}

enum ic_err ic_html_text(struct ic_buf *out, const char *s)
{
	if (s == NULL)
		return IC_ERR_INTERNAL;
	return escape(out, (const unsigned char *)s, strlen(s));
}

enum ic_err ic_html_attr(struct ic_buf *out, const char *s)
{
	/* Quotes are escaped too, so the text escaping is the attribute
	 * escaping (cgit's html_attr() does the same set). */
	return ic_html_text(out, s);
}

/* --- URLs ------------------------------------------------------------- */

static bool has_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)*prefix)
			return false;
	}
	return true;
}

bool ic_html_url_ok(const char *url)
{
	const unsigned char *p;

	if (url == NULL || *url == '\0')
		return false;
	/* SEC-11: browsers remove TAB, LF and CR anywhere in a URL and
	 * leading C0/space, which is how "java\tscript:" sneaks past naive
	 * checks; refuse every control character rather than guess. */
	for (p = (const unsigned char *)url; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	if (*url == '/' || *url == '#' || *url == '?')
		return true;
	/* An allow-list of schemes: anything not named here is refused,
	 * which covers javascript:, data:, vbscript: in any case. */
	return has_prefix_ci(url, "http:") || has_prefix_ci(url, "https:") ||
	       has_prefix_ci(url, "mailto:");
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* Bytes an RFC 3986 URL holds as they are (unreserved and reserved
 * characters); '[' and ']' only in the authority (an IPv6 literal, §3.2.2),
 * elsewhere they are encoded, as tidy and the URL standard want. */
static bool url_byte_kept(unsigned char c, bool in_authority)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	if (c == '[' || c == ']')
		return in_authority;
	return c != '\0' && strchr("-._~:/?#@!$()*+,;=", c) != NULL;
}

/* Offsets [*from, *to) of the authority of @p url ("//host:port"), or
 * an empty range when it has none (mailto:, /path, #frag, ?query). */
static void url_authority(const char *url, size_t *from, size_t *to)
{
	size_t at = 0;

	if (has_prefix_ci(url, "http:"))
		at = 5;
	else if (has_prefix_ci(url, "https:"))
		at = 6;
	*from = *to = 0;
	if (strncmp(url + at, "//", 2) != 0)
		return;
	*from = at + 2;
	*to = *from + strcspn(url + *from, "/?#");
}

/* Write one URL byte: kept, an entity for & and ', or %XX. */
static enum ic_err url_byte(struct ic_buf *out, const unsigned char *p,
                            bool in_authority)
{
	static const char hex[] = "0123456789ABCDEF";
	char pct[3] = {'%', hex[*p >> 4], hex[*p & 15]};

	if (url_byte_kept(*p, in_authority))
		return ic_buf_addc(out, (char)*p);
	if (*p == '%' && is_hex(p[1]) && is_hex(p[2]))
		return ic_buf_addc(out, '%');
	if (*p == '&')
		return ic_buf_adds(out, "&amp;");
	if (*p == '\'')
		return ic_buf_adds(out, "&#39;");
	return ic_buf_add(out, pct, sizeof(pct));
}

enum ic_err ic_html_url(struct ic_buf *out, const char *url)
{
	size_t from, to, i;
	enum ic_err rc;

	if (!ic_html_url_ok(url)) {
		rc = ic_buf_addc(out, '#');
		return rc != IC_OK ? rc : IC_ERR_BAD_INPUT;
	}
	url_authority(url, &from, &to);
	for (i = 0; url[i] != '\0'; i++) {
		rc = url_byte(out, (const unsigned char *)url + i,
		              i >= from && i < to);
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

enum ic_err ic_html_raw_trusted(struct ic_buf *out, const char *s)
{
	if (s == NULL)
		return IC_ERR_INTERNAL;
	return ic_buf_adds(out, s);
}

/* --- Templates -------------------------------------------------------- */

/*
 * Where the template's literal markup has got to, just enough to know
 * whether a hole may stand there.  Holes go only in TEXT or in a quoted
 * attribute value (DQ, SQ); TAG is inside a tag outside quotes, RAW is
 * the content of <script> or <style>, COMMENT is inside <!-- -->.
 */
enum tpl_ctx { CTX_TEXT, CTX_TAG, CTX_DQ, CTX_SQ, CTX_RAW, CTX_COMMENT };

struct tpl_state {
	enum tpl_ctx ctx;
	const char *raw_end; /* "</script" or "</style" while in or entering
	                        RAW, else NULL */
};

/* If @p p (just after '<') starts tag @p name, return its end tag. */
static const char *raw_tag(const char *p)
{
	static const char *const raw[] = {"script", "style"};
	static const char *const end[] = {"</script", "</style"};

	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		size_t n = strlen(raw[i]);
		char after;

		if (!has_prefix_ci(p, raw[i]))
			continue;
		after = p[n];
		if (after == '>' || after == '/' || after == ' ' ||
		    after == '\t' || after == '\n' || after == '\r' ||
		    after == '\f')
			return end[i];
	}
	return NULL;
}

/* Advance @p st over the literal byte at @p p; returns bytes consumed. */
static size_t tpl_step(struct tpl_state *st, const char *p)
{
	switch (st->ctx) {
	case CTX_TEXT:
		if (strncmp(p, "<!--", 4) == 0) {
			st->ctx = CTX_COMMENT;
			return 4;
		}
		if (*p == '<') {
			st->ctx = CTX_TAG;
			st->raw_end = raw_tag(p + 1);
		}
		return 1;
	case CTX_TAG:
		if (*p == '"')
			st->ctx = CTX_DQ;
		else if (*p == '\'')
			st->ctx = CTX_SQ;
		else if (*p == '>')
			st->ctx = st->raw_end ? CTX_RAW : CTX_TEXT;
		return 1;
	case CTX_DQ:
		if (*p == '"')
			st->ctx = CTX_TAG;
		return 1;
	case CTX_SQ:
		if (*p == '\'')
			st->ctx = CTX_TAG;
		return 1;
	case CTX_RAW:
		if (has_prefix_ci(p, st->raw_end)) {
			st->ctx = CTX_TAG;
			st->raw_end = NULL;
		}
		return 1;
	case CTX_COMMENT:
		if (strncmp(p, "-->", 3) == 0) {
			st->ctx = CTX_TEXT;
			return 3;
		}
		return 1;
	}
	return 1;
}

static bool hole_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static const struct ic_html_var *find_var(const struct ic_html_var *vars,
                                          size_t nvars, const char *name,
                                          size_t len)
{
	for (size_t i = 0; i < nvars; i++)
		if (vars[i].name && strncmp(vars[i].name, name, len) == 0 &&
		    vars[i].name[len] == '\0')
			return &vars[i];
	return NULL;
}

/* Longest hole name quoted in an error message. */
#define HOLE_NAME_QUOTED 64

static enum ic_err write_var(struct ic_buf *out, const struct ic_html_var *v,
                             char *errbuf)
{
	enum ic_err rc;

	if (v->value == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "template variable %s has no value", v->name);
	switch (v->kind) {
	case IC_HTML_TEXT:
		return ic_html_text(out, v->value);
	case IC_HTML_URL:
		rc = ic_html_url(out, v->value);
		if (rc == IC_ERR_BAD_INPUT)
			ic_failf(errbuf,
			         "template variable %s: URL refused "
			         "(scheme not http, https or mailto)",
			         v->name);
		return rc;
	case IC_HTML_TRUSTED:
		return ic_html_raw_trusted(out, v->value);
	}
	return ic_fail(errbuf, IC_ERR_INTERNAL,
	               "template variable %s has unknown kind %d", v->name,
	               (int)v->kind);
}

/*
 * Parse the hole at @p tpl + @p at (which starts with "{{") and write its
 * variable.  On success *next is the offset just past "}}".
 */
static enum ic_err render_hole(struct ic_buf *out, const char *tpl, size_t at,
                               const struct tpl_state *st,
                               const struct ic_html_var *vars, size_t nvars,
                               char *errbuf, size_t *next)
{
	const char *name = tpl + at + 2;
	const struct ic_html_var *v;
	size_t len = 0;

	if (*name == '{')
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "template: \"{{{\" at offset %zu (raw output "
		               "is chosen by the variable's kind)",
		               at);
	while (hole_name_char(name[len]))
		len++;
	if (name[len] == '\0' || (name[len] == '}' && name[len + 1] != '}'))
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "template: unclosed \"{{\" at offset %zu", at);
	if (name[len] != '}')
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "template: bad character in hole name at "
		               "offset %zu",
		               at + 2 + len);
	if (len == 0)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "template: empty hole at offset %zu", at);
	if (st->ctx != CTX_TEXT && st->ctx != CTX_DQ && st->ctx != CTX_SQ)
		return ic_fail(
		        errbuf, IC_ERR_INTERNAL,
		        "template: hole {{%.*s}} at offset %zu is not "
		        "in text or a quoted attribute value",
		        (int)(len < HOLE_NAME_QUOTED ? len : HOLE_NAME_QUOTED),
		        name, at);
	v = find_var(vars, nvars, name, len);
	if (v == NULL)
		return ic_fail(
		        errbuf, IC_ERR_INTERNAL,
		        "template: hole {{%.*s}} names no variable",
		        (int)(len < HOLE_NAME_QUOTED ? len : HOLE_NAME_QUOTED),
		        name);
	*next = at + 2 + len + 2;
	return write_var(out, v, errbuf);
}

enum ic_err ic_html_render(struct ic_buf *out, const char *tpl,
                           const struct ic_html_var *vars, size_t nvars,
                           char *errbuf)
{
	struct tpl_state st = {CTX_TEXT, NULL};
	size_t lit = 0, i = 0;
	enum ic_err rc;

	if (tpl == NULL || (vars == NULL && nvars != 0))
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "template: NULL template or variables");
	while (tpl[i] != '\0') {
		if (tpl[i] != '{' || tpl[i + 1] != '{') {
			i += tpl_step(&st, tpl + i);
			continue;
		}
		if ((rc = ic_buf_add(out, tpl + lit, i - lit)) != IC_OK)
			return rc;
		rc = render_hole(out, tpl, i, &st, vars, nvars, errbuf, &i);
		if (rc != IC_OK)
			return rc;
		lit = i;
	}
	return ic_buf_add(out, tpl + lit, i - lit);
}

/* --- Page skeleton ---------------------------------------------------- */

/* Whether bytes [from, to) of @p b hold something other than ASCII
 * whitespace: HTML5 forbids a <title> without text (tidy does not). */
static bool has_visible(const struct ic_buf *b, size_t from)
{
	for (size_t i = from; i < b->len; i++)
		if (!strchr(" \t\n\r\f", b->buf[i]))
			return true;
	return false;
}

enum ic_err ic_html_page_start(struct ic_buf *out, const char *title,
                               const char *head_extra_trusted)
{
	enum ic_err rc;
	size_t at;

	rc = ic_buf_adds(out, "<!DOCTYPE html>\n"
	                      "<html lang=\"en\">\n"
	                      "<head>\n"
	                      "<meta charset=\"utf-8\">\n"
	                      "<meta name=\"viewport\" content=\"width=device-"
	                      "width, initial-scale=1\">\n"
	                      "<title>");
	if (rc != IC_OK)
		return rc;
	at = out->len;
	if ((rc = ic_html_text(out, title)) != IC_OK)
		return rc;
	if (!has_visible(out, at))
		return IC_ERR_INTERNAL;
	if ((rc = ic_buf_adds(out, "</title>\n")) != IC_OK)
		return rc;
	if (head_extra_trusted != NULL &&
	    (rc = ic_html_raw_trusted(out, head_extra_trusted)) != IC_OK)
		return rc;
	return ic_buf_adds(out, "</head>\n<body>\n");
}

enum ic_err ic_html_page_end(struct ic_buf *out)
{
	return ic_buf_adds(out, "</body>\n</html>\n");
}
