/*
 * discover.c - Link headers first, then `<head>` links (see discover.h).
 *
 * The HTML side parses with gumbo, which builds the tree exactly as a
 * browser would: a `<link>` after body content lands in `<body>`, and is
 * therefore not found by a walk of `<head>` (H-3, WebSub §8.1).
 */
#include "net/discover.h"

#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "core/ic_limits.h"
#include "text/html5.h"
#include "text/url.h"

/* --- Walking <head> ----------------------------------------------------- */

/* Called for every element under <head>, in document order; returns false
 * to stop the walk. */
typedef bool (*visit_fn)(const GumboElement *el, void *ctx);

/*
 * Depth-first, in document order, with an explicit stack of at most
 * IC_MAX_HTML_DEPTH levels: deeper elements are not visited, and no input
 * can make this recurse.  Only element nodes are visited or descended
 * into; a <template>'s contents are a GUMBO_NODE_TEMPLATE and so are
 * skipped, as inert content should be.
 */
static void walk(const GumboNode *root, visit_fn visit, void *ctx)
{
	struct {
		const GumboVector *kids;
		unsigned int next;
	} stack[IC_MAX_HTML_DEPTH];
	size_t depth = 1;

	stack[0].kids = &root->v.element.children;
	stack[0].next = 0;
	while (depth > 0) {
		const GumboNode *n;

		if (stack[depth - 1].next >= stack[depth - 1].kids->length) {
			depth--;
			continue;
		}
		n = stack[depth - 1].kids->data[stack[depth - 1].next++];
		if (n->type != GUMBO_NODE_ELEMENT)
			continue;
		if (!visit(&n->v.element, ctx))
			return;
		if (depth < IC_MAX_HTML_DEPTH &&
		    n->v.element.children.length > 0) {
			stack[depth].kids = &n->v.element.children;
			stack[depth].next = 0;
			depth++;
		}
	}
}

/* The <head> element gumbo always creates under <html>, or NULL. */
static const GumboNode *find_head(const GumboOutput *out)
{
	const GumboNode *root = out->root;

	if (root == NULL || root->type != GUMBO_NODE_ELEMENT)
		return NULL;
	for (unsigned int i = 0; i < root->v.element.children.length; i++) {
		const GumboNode *n = root->v.element.children.data[i];

		if (n->type == GUMBO_NODE_ELEMENT &&
		    n->v.element.tag == GUMBO_TAG_HEAD)
			return n;
	}
	return NULL;
}

static const char *attr(const GumboElement *el, const char *name)
{
	const GumboAttribute *at = gumbo_get_attribute(&el->attributes, name);

	return at ? at->value : NULL;
}

/* --- <base href> (H-2) -------------------------------------------------- */

struct base_ctx {
	const char *href;
};

static bool visit_base(const GumboElement *el, void *ctx)
{
	struct base_ctx *b = ctx;

	if (el->tag != GUMBO_TAG_BASE || attr(el, "href") == NULL)
		return true;
	b->href = attr(el, "href");
	return false; /* the first base with an href is the one */
}

/* --- <link rel href> (H-3) ---------------------------------------------- */

struct link_ctx {
	struct ic_link_list *out;
	struct ic_arena *a;
	const char *base;
	char *errbuf;
	enum ic_err rc;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool list_has_token(const struct ic_link_list *l, const char *t,
                           size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t j = 0; j < l->items[i].nrels; j++)
			if (strlen(l->items[i].rels[j]) == len &&
			    strncasecmp(l->items[i].rels[j], t, len) == 0)
				return true;
	return false;
}

/* Whether every token of @p rels is already in @p l (so first-wins
 * lookups can never return a link carrying only these). */
static bool rels_all_known(const struct ic_link_list *l, const char *rels)
{
	const char *p = rels;

	while (*p) {
		const char *start;

		while (is_space(*p))
			p++;
		start = p;
		while (*p && !is_space(*p))
			p++;
		if (p > start && !list_has_token(l, start, (size_t)(p - start)))
			return false;
	}
	return true;
}

static bool href_empty(const char *href)
{
	while (is_space(*href))
		href++;
	return *href == '\0';
}

static bool visit_link(const GumboElement *el, void *ctx)
{
	struct link_ctx *lc = ctx;
	const char *rel = attr(el, "rel"), *href = attr(el, "href");
	char *abs;
	enum ic_err rc;

	if (el->tag != GUMBO_TAG_LINK || rel == NULL || href == NULL ||
	    href_empty(href) || rels_all_known(lc->out, rel))
		return true;
	rc = ic_url_resolve(lc->a, lc->base, href, &abs, NULL);
	if (rc == IC_ERR_NOMEM) {
		lc->rc = ic_fail(lc->errbuf, rc, "discovery: out of memory");
		return false;
	}
	if (rc != IC_OK)
		return true; /* not an http(s) URL: not a link we can use */
	if (lc->out->n >= IC_MAX_LINKS) {
		lc->rc = ic_fail(lc->errbuf, IC_ERR_TOO_LARGE,
		                 "HTML head: more than %d links with new rels",
		                 IC_MAX_LINKS);
		return false;
	}
	rc = ic_link_append(lc->out, lc->a, abs, strlen(abs), rel, strlen(rel),
	                    NULL);
	if (rc == IC_ERR_NOMEM) {
		lc->rc = ic_fail(lc->errbuf, rc, "discovery: out of memory");
		return false;
	}
	return true; /* IC_ERR_TOO_LARGE here: too many rels; skip it */
}

/* --- Parsing ------------------------------------------------------------ */

static void free_html5(void *p)
{
	ic_html5_free(p);
}

/* The tree lives until the arena is freed; gumbo runs on the shared
 * budget (text/html5.h), so a hostile page is refused, not parsed into
 * hundreds of MB. */
static enum ic_err parse_html(struct ic_arena *a, const char *html, size_t len,
                              GumboOutput **out, char *errbuf)
{
	struct ic_html5 *h = ic_arena_calloc(a, 1, sizeof(*h));
	enum ic_err rc;

	if (h == NULL || ic_arena_on_free(a, free_html5, h) != IC_OK)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "discovery: out of memory");
	rc = ic_html5_parse(html, html ? len : 0, NULL, h, errbuf);
	if (rc != IC_OK)
		return rc;
	*out = h->g;
	return IC_OK;
}

enum ic_err ic_discover_html_links(struct ic_link_list *out, struct ic_arena *a,
                                   const char *html, size_t len,
                                   const char *doc_url, char *errbuf)
{
	struct link_ctx lc = {out, a, NULL, errbuf, IC_OK};
	struct base_ctx bc = {NULL};
	const GumboNode *head;
	GumboOutput *g = NULL;
	char *base, *frozen;
	enum ic_err rc;

	if (len > IC_MAX_FETCH_FEED_BYTES)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "HTML document larger than %u bytes",
		               IC_MAX_FETCH_FEED_BYTES);
	rc = ic_url_resolve(a, doc_url ? doc_url : "", "", &base, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = parse_html(a, html, len, &g, errbuf);
	if (rc != IC_OK)
		return rc;
	head = find_head(g);
	if (head == NULL)
		return IC_OK;
	walk(head, visit_base, &bc);
	/* H-2: a base that does not resolve leaves the document URL. */
	lc.base = base;
	if (bc.href && ic_url_resolve(a, base, bc.href, &frozen, NULL) == IC_OK)
		lc.base = frozen;
	walk(head, visit_link, &lc);
	return lc.rc;
}

/* --- Both sources ------------------------------------------------------- */

bool ic_discover_is_html(const char *ct)
{
	static const char *const types[] = {"text/html",
	                                    "application/xhtml+xml"};

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i]);

		if (strncasecmp(ct, types[i], n) == 0 &&
		    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' ||
		     ct[n] == '\t'))
			return true;
	}
	return false;
}

/* Header links with their targets resolved against the final URL (H-2). */
static enum ic_err resolve_header_links(struct ic_discovery *d,
                                        struct ic_arena *a,
                                        const struct ic_fetch_result *res,
                                        char *errbuf)
{
	for (size_t i = 0; i < res->links.n && i < IC_MAX_LINKS; i++) {
		struct ic_link l = res->links.items[i];
		char *abs;
		enum ic_err rc;

		rc = ic_url_resolve(a, res->final_url, l.target, &abs, NULL);
		if (rc == IC_ERR_NOMEM)
			return ic_fail(errbuf, rc, "discovery: out of memory");
		if (rc != IC_OK)
			continue;
		l.target = abs;
		d->header.items[d->header.n++] = l;
	}
	return IC_OK;
}

enum ic_err ic_discover(struct ic_discovery *d, struct ic_arena *a,
                        const struct ic_fetch_result *res, char *errbuf)
{
	enum ic_err rc;
	char *base;

	memset(d, 0, sizeof(*d));
	if (res == NULL || res->final_url == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "discovery: no final URL");
	rc = ic_url_resolve(a, res->final_url, "", &base, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = resolve_header_links(d, a, res, errbuf);
	if (rc != IC_OK)
		return rc;
	/* WS-S-1: embedded links only when the resource is HTML. */
	if (!ic_discover_is_html(res->content_type) || res->body == NULL)
		return IC_OK;
	return ic_discover_html_links(&d->html, a, res->body, res->body_len,
	                              res->final_url, errbuf);
}

const char *ic_discover_find(const struct ic_discovery *d, const char *rel)
{
	const char *t;

	if (d == NULL)
		return NULL;
	/* WS-S-3, IA-C-5: for each rel on its own, the header wins. */
	t = ic_link_find(&d->header, rel);
	return t ? t : ic_link_find(&d->html, rel);
}

enum ic_err ic_discover_rel(struct ic_arena *a,
                            const struct ic_fetch_result *res, const char *rel,
                            const char **out, char *errbuf)
{
	struct ic_discovery *d = ic_arena_alloc(a, sizeof(*d));
	enum ic_err rc;

	*out = NULL;
	if (d == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "discovery: out of memory");
	rc = ic_discover(d, a, res, errbuf);
	if (rc != IC_OK)
		return rc;
	*out = ic_discover_find(d, rel);
	if (*out == NULL)
		return ic_fail(errbuf, IC_ERR_NOT_FOUND, "no rel=\"%s\" link",
		               rel ? rel : "");
	return IC_OK;
}
