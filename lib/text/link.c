/*
 * link.c - RFC 8288 `Link` header parser (see link.h; H-1).
 *
 * The grammar (RFC 8288 §3):
 *	Link       = #link-value
 *	link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
 *	link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
 *
 * The parser walks the value once with a cursor that only moves forward.
 * Anything it cannot read as a link is skipped up to the next comma that
 * is outside `<...>` and outside a quoted string, so a broken link costs
 * only itself.
 */
#include "text/link.h"

#include <string.h>

/* Where the cursor is and where the value ends. */
struct cursor {
	const char *p;
	const char *end;
};

/* One link as read from the header, before it is copied to the arena. */
struct pending {
	const char *target;
	size_t tlen;
	const char *rel; /* raw parameter value, maybe still quoted */
	size_t rlen;
	bool rel_quoted;
	bool has_rel;
	bool anchored;
	bool bad;
};

/* What parse_link() found. */
enum step {
	STEP_LINK, /* a complete link-value was read (maybe unusable) */
	STEP_SKIP, /* malformed: skipped, go on with the next link */
	STEP_STOP  /* the rest of the value is unusable (unterminated) */
};

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* ASCII whitespace: HTML splits rel on it; Link is read as leniently. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* RFC 7230 §3.2.6 tchar. */
static bool is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ascii_ieq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

static void skip_ows(struct cursor *c)
{
	while (c->p < c->end && is_ows(*c->p))
		c->p++;
}

/*
 * Move past a quoted string starting at c->p (which is '"').
 * @return false when it is not terminated (the cursor is then at the end).
 */
static bool skip_quoted(struct cursor *c)
{
	for (c->p++; c->p < c->end; c->p++) {
		if (*c->p == '\\') {
			if (c->end - c->p < 2)
				break;
			c->p++;
		} else if (*c->p == '"') {
			c->p++;
			return true;
		}
	}
	c->p = c->end;
	return false;
}

/*
 * Move to the next byte in @p stops that is outside `<...>` and outside a
 * quoted string, without consuming it (or to the end).
 */
static void skip_to(struct cursor *c, const char *stops)
{
	while (c->p < c->end) {
		char ch = *c->p;

		if (ch != '\0' && strchr(stops, ch))
			return;
		if (ch == '"') {
			skip_quoted(c);
		} else if (ch == '<') {
			const char *gt =
			        memchr(c->p, '>', (size_t)(c->end - c->p));

			c->p = gt ? gt + 1 : c->end;
		} else {
			c->p++;
		}
	}
}

/* A URI-Reference never holds controls, spaces, quotes or angle brackets
 * (RFC 3986 §2); a target that does is not a target. */
static bool target_ok(const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)t[i];

		if (ch <= 0x20 || ch == 0x7f || ch == '<' || ch == '>' ||
		    ch == '"')
			return false;
	}
	return true;
}

/* Read "<target>" at c->p; see enum step. */
static enum step read_target(struct cursor *c, struct pending *pl)
{
	const char *t = c->p + 1, *q = t;

	while (q < c->end && *q != '>' && *q != '<')
		q++;
	if (q == c->end)
		return STEP_STOP; /* unterminated `<`: the rest is its target */
	if (*q == '<') {
		/* Another `<` before any `>`: this one was never closed.
		 * Restart at the new `<` so the link after it survives. */
		c->p = q;
		return STEP_SKIP;
	}
	c->p = q + 1;
	while (t < q && is_ows(*t))
		t++;
	while (q > t && is_ows(q[-1]))
		q--;
	pl->target = t;
	pl->tlen = (size_t)(q - t);
	if (!target_ok(t, pl->tlen))
		pl->bad = true;
	return STEP_LINK;
}

/*
 * Read one parameter after its ';' (the cursor is past OWS).
 * @return false when an unterminated quoted string ate the rest.
 */
static bool read_param(struct cursor *c, struct pending *pl)
{
	const char *name = c->p, *val = NULL;
	size_t nlen, vlen = 0;
	bool quoted = false;

	while (c->p < c->end && is_tchar(*c->p))
		c->p++;
	nlen = (size_t)(c->p - name);
	skip_ows(c);
	if (nlen == 0) {
		/* An empty parameter ("<a>; rel=hub;") is sloppy, not junk. */
		if (c->p == c->end || *c->p == ';' || *c->p == ',')
			return true;
		pl->bad = true;
		skip_to(c, ";,");
		return true;
	}
	if (c->p < c->end && *c->p == '=') {
		c->p++;
		skip_ows(c);
		val = c->p;
		if (c->p < c->end && *c->p == '"') {
			quoted = true;
			if (!skip_quoted(c))
				return false;
			val++;
			vlen = (size_t)(c->p - val) - 1;
		} else {
			/* Lenient: a bare value runs to OWS, ';' or ','. */
			while (c->p < c->end && !is_ows(*c->p) &&
			       *c->p != ';' && *c->p != ',')
				c->p++;
			vlen = (size_t)(c->p - val);
		}
	}
	/* RFC 8288 §3.3: only the first rel counts; `rel*` is not rel. */
	if (ascii_ieq(name, nlen, "rel") && !pl->has_rel && val) {
		pl->has_rel = true;
		pl->rel = val;
		pl->rlen = vlen;
		pl->rel_quoted = quoted;
	} else if (ascii_ieq(name, nlen, "anchor")) {
		pl->anchored = true;
	}
	/* Junk after a value ("rel=hub self"): skip to the next param. */
	skip_ows(c);
	if (c->p < c->end && *c->p != ';' && *c->p != ',')
		skip_to(c, ";,");
	return true;
}

/* Read one link-value at c->p, which is not OWS or ','. */
static enum step parse_link(struct cursor *c, struct pending *pl)
{
	enum step st;

	if (*c->p != '<') {
		skip_to(c, ",");
		return STEP_SKIP;
	}
	st = read_target(c, pl);
	if (st != STEP_LINK)
		return st;
	for (;;) {
		skip_ows(c);
		if (c->p == c->end)
			return STEP_LINK;
		if (*c->p == ',') {
			c->p++;
			return STEP_LINK;
		}
		if (*c->p != ';') {
			/* "<a> rel=hub": not a link-value; drop it. */
			pl->bad = true;
			skip_to(c, ",");
			continue;
		}
		c->p++;
		skip_ows(c);
		if (!read_param(c, pl))
			return STEP_STOP;
	}
}

/* The unescaped content of a quoted rel value, in the arena; its length
 * goes to @p outlen (it may hold NUL bytes, so strlen() will not do). */
static char *unquote(struct ic_arena *a, const char *s, size_t len,
                     size_t *outlen)
{
	char *out = ic_arena_alloc(a, len + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		*o++ = s[i];
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

static enum ic_err keep_link(struct ic_link_list *out, struct ic_arena *a,
                             const struct pending *pl, char *errbuf)
{
	const char *rel = pl->rel;
	size_t rlen = pl->rlen;

	if (pl->bad || !pl->has_rel || pl->anchored)
		return IC_OK;
	if (pl->rel_quoted) {
		rel = unquote(a, pl->rel, pl->rlen, &rlen);
		if (rel == NULL)
			return ic_fail(errbuf, IC_ERR_NOMEM,
			               "Link header: out of memory");
	}
	return ic_link_append(out, a, pl->target, pl->tlen, rel, rlen, errbuf);
}

enum ic_err ic_link_parse(struct ic_link_list *out, struct ic_arena *a,
                          const char *value, size_t len, char *errbuf)
{
	struct cursor c = {value, value ? value + len : value};

	while (c.p < c.end) {
		struct pending pl = {0};
		enum step st;
		enum ic_err rc;

		if (is_ows(*c.p) || *c.p == ',') {
			c.p++;
			continue;
		}
		st = parse_link(&c, &pl);
		if (st == STEP_STOP)
			break;
		if (st == STEP_SKIP)
			continue;
		rc = keep_link(out, a, &pl, errbuf);
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

/* Whether token @p t (length @p len) is already among @p link's rels. */
static bool has_token(const struct ic_link *link, const char *t, size_t len)
{
	for (size_t i = 0; i < link->nrels; i++)
		if (ascii_ieq(t, len, link->rels[i]))
			return true;
	return false;
}

/* A relation type is a token or a URI: never a control character. */
static bool token_ok(const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			return false;
	return true;
}

static char *lower_dup(struct ic_arena *a, const char *s, size_t len)
{
	char *d = ic_arena_memdup(a, s, len);

	if (d)
		for (size_t i = 0; i < len; i++)
			d[i] = ascii_lower(d[i]);
	return d;
}

enum ic_err ic_link_append(struct ic_link_list *out, struct ic_arena *a,
                           const char *target, size_t tlen, const char *rels,
                           size_t rlen, char *errbuf)
{
	struct ic_link link = {0};
	size_t i = 0;

	while (i < rlen) {
		size_t start;

		while (i < rlen && is_space(rels[i]))
			i++;
		start = i;
		while (i < rlen && !is_space(rels[i]))
			i++;
		if (i == start || !token_ok(rels + start, i - start) ||
		    has_token(&link, rels + start, i - start))
			continue;
		if (link.nrels == IC_MAX_LINK_RELS)
			return ic_fail(errbuf, IC_ERR_TOO_LARGE,
			               "link: more than %d rel values",
			               IC_MAX_LINK_RELS);
		link.rels[link.nrels] = lower_dup(a, rels + start, i - start);
		if (link.rels[link.nrels++] == NULL)
			return ic_fail(errbuf, IC_ERR_NOMEM,
			               "link: out of memory");
	}
	if (link.nrels == 0)
		return IC_OK;
	if (out->n >= IC_MAX_LINKS)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "link: more than %d links", IC_MAX_LINKS);
	link.target = ic_arena_memdup(a, target, tlen);
	if (link.target == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "link: out of memory");
	out->items[out->n++] = link;
	return IC_OK;
}

bool ic_link_has_rel(const struct ic_link *link, const char *rel)
{
	return link && rel && has_token(link, rel, strlen(rel));
}

const char *ic_link_find(const struct ic_link_list *l, const char *rel)
{
	if (l == NULL || rel == NULL)
		return NULL;
	for (size_t i = 0; i < l->n && i < IC_MAX_LINKS; i++)
		if (ic_link_has_rel(&l->items[i], rel))
			return l->items[i].target;
	return NULL;
}
