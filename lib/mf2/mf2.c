/*
 * mf2.c - microformats2 parsing on gumbo (see mf2.h).
 *
 * The order of work, each step bounded (ic_limits.h, "mf2 parsing"):
 *  1. gumbo builds the tree on the shared byte and time budgets
 *     (text/html5.h): a page whose tree would cost more (deep nesting is
 *     quadratic for gumbo) is refused, and the tree is freed at once,
 *     without gumbo's recursive destructor;
 *  2. find_base(): `<base href>`;
 *  3. rels and rel-urls (walk_rels), then the microformats (walk), in
 *     document order.  Recursion follows the tree but goes no deeper
 *     than IC_MAX_MF2_DEPTH levels (mf2_down()): what is nested deeper is
 *     ignored, so one sloppy or hostile entry loses its deep part and the
 *     rest of the page is parsed.  Every subtree walk is charged to a
 *     visit budget.
 *
 * Spec section names in comments are those of microformats2-parsing; the
 * other parts of the spec are in the mf2_*.c files named in mf2_int.h.
 */
#include "mf2/mf2.h"
#include "mf2/mf2_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ic_limits.h"
#include "text/html5.h"
#include "text/url.h"

/* --- Microformats --------------------------------------------------------- */

static enum ic_err parse_item(struct mf2 *m, const GumboNode *el,
                              const struct classes *cl, struct item *it);
static enum ic_err walk(struct mf2 *m, const GumboNode *n, struct item *it);

/* The first value of a nested item's property, copied, or NULL. */
static cJSON *first_of(const struct item *sub, const char *name)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(sub->props, name);

	return cJSON_Duplicate(cJSON_GetArrayItem(arr, 0), true);
}

/*
 * "value" of a nested microformat that is also a property
 * (tests v2-unit/nested): p-* takes the name it has from p-name or
 * implication, u-* the url it has from u-url or implication, else the
 * element is parsed as that kind of property; e-* adds html and value.
 */
static enum ic_err nested_value(struct mf2 *m, const GumboNode *el,
                                struct item *it, const struct item *sub,
                                enum prefix kind, cJSON *obj)
{
	cJSON *v = NULL, *inner;
	enum ic_err rc = IC_OK;

	if (kind == PFX_E)
		return mf2_e_fill(m, el, obj);
	if (kind == PFX_P && sub->name_p && (v = first_of(sub, "name"))) {
		inner = cJSON_IsObject(v)
		                ? cJSON_DetachItemFromObject(v, "value")
		                : NULL;
		if (inner != NULL) {
			cJSON_Delete(v);
			v = inner;
		}
	} else if (kind == PFX_U && sub->url_u && (v = first_of(sub, "url")))
		;
	else if (kind == PFX_P && sub->bc != 0)
		/* A classic root's own property classes may carry "value"
		 * (hReview's "average value"): they are its properties, not
		 * value-class parts of it (v1/hproduct/aggregate). */
		rc = mf2_bc_text_value(m, el, &v);
	else if (kind == PFX_P)
		rc = mf2_p_value(m, el, &v);
	else if (kind == PFX_U) {
		rc = mf2_u_value(m, el, &v);
		v = rc == IC_OK ? mf2_bc_url(it, v) : v;
	} else
		rc = mf2_dt_value(m, el, it, &v);
	return rc == IC_OK ? mf2_add_to_object(m, obj, "value", v) : rc;
}

/* A microformat that is a property of `it` (once per property class) or
 * else one of its children. */
static enum ic_err nested_item(struct mf2 *m, const GumboNode *el,
                               struct item *it, const struct classes *cl)
{
	struct item sub;
	enum ic_err rc = parse_item(m, el, cl, &sub);

	if (rc != IC_OK)
		return rc;
	it->has_nested = true;
	if (cl->nprops == 0) {
		if (it->children == NULL &&
		    (it->children = cJSON_CreateArray()) == NULL) {
			cJSON_Delete(sub.obj);
			return mf2_nomem(m);
		}
		return mf2_add_to_array(m, it->children, sub.obj);
	}
	for (size_t i = 0; i < cl->nprops && rc == IC_OK; i++) {
		bool last = i + 1 == cl->nprops;
		cJSON *obj = last ? sub.obj : cJSON_Duplicate(sub.obj, true);

		if (obj == NULL) {
			rc = mf2_nomem(m);
			break;
		}
		it->has_pe |= cl->props[i].kind == PFX_P ||
		              cl->props[i].kind == PFX_E;
		it->has_u |= cl->props[i].kind == PFX_U;
		rc = nested_value(m, el, it, &sub, cl->props[i].kind, obj);
		if (rc == IC_OK)
			rc = mf2_add_prop(m, it, cl->props[i].name, obj);
		else
			cJSON_Delete(obj);
		if (last)
			return rc;
	}
	cJSON_Delete(sub.obj);
	return rc;
}

/*
 * One element child c met by walk(): with `it` NULL (outside any
 * microformat) a root found becomes a top-level item; inside a
 * microformat, property elements give values and the walk goes on into
 * them, while a nested root is parsed on its own.
 */
static enum ic_err walk_child(struct mf2 *m, const GumboNode *c,
                              struct item *it)
{
	struct classes cl;
	enum ic_err rc = mf2_visit(m);

	if (rc == IC_OK)
		rc = mf2_element_classes(m, c, it ? it->bc : 0, &cl);
	if (rc == IC_OK && cl.nroots > 0 && it == NULL) {
		struct item top;

		rc = parse_item(m, c, &cl, &top);
		if (rc == IC_OK)
			rc = mf2_add_to_array(m, m->items, top.obj);
	} else if (rc == IC_OK && cl.nroots > 0)
		rc = nested_item(m, c, it, &cl);
	else if (rc == IC_OK) {
		for (size_t k = 0; it && k < cl.nprops && rc == IC_OK; k++)
			rc = mf2_plain_prop(m, c, it, &cl.props[k]);
		if (rc == IC_OK)
			rc = walk(m, c, it);
	}
	return rc;
}

static enum ic_err include_child(struct mf2 *m, const GumboNode *t, void *it)
{
	return walk_child(m, t, it);
}

/*
 * Walk the element children of `n` in document order; inside a
 * backcompat root, then what n includes (mf2_bc_includes()).  <template>
 * is skipped (tests mixed/ignoretemplate).
 */
static enum ic_err walk(struct mf2 *m, const GumboNode *n, struct item *it);

static enum ic_err walk_kids(struct mf2 *m, const GumboNode *n, struct item *it)
{
	for (unsigned int i = 0; i < kids(n)->length; i++) {
		const GumboNode *c = kid(n, i);
		enum ic_err rc;

		if (!is_element(c))
			continue;
		rc = walk_child(m, c, it);
		if (rc != IC_OK)
			return rc;
	}
	if (it != NULL && it->bc != 0)
		return mf2_bc_includes(m, n, include_child, it);
	return IC_OK;
}

/* Into n's children, unless they are deeper than the parse goes. */
static enum ic_err walk(struct mf2 *m, const GumboNode *n, struct item *it)
{
	enum ic_err rc;

	if (!mf2_down(m))
		return IC_OK;
	rc = walk_kids(m, n, it);
	mf2_up(m);
	return rc;
}

static enum ic_err item_shell(struct mf2 *m, const GumboNode *el,
                              const struct classes *cl, struct item *it)
{
	cJSON *type;
	const char *id = attr(el, "id");
	enum ic_err rc = IC_OK;

	it->obj = cJSON_CreateObject();
	if (it->obj == NULL)
		return mf2_nomem(m);
	type = cJSON_CreateArray();
	rc = mf2_add_to_object(m, it->obj, "type", type);
	if (rc != IC_OK)
		return rc;
	for (size_t i = 0; i < cl->nroots && rc == IC_OK; i++) {
		cJSON *t;

		rc = mf2_new_string(m, cl->roots[i], strlen(cl->roots[i]), &t);
		if (rc == IC_OK)
			rc = mf2_add_to_array(m, type, t);
	}
	if (rc != IC_OK)
		return rc;
	it->props = cJSON_CreateObject();
	rc = mf2_add_to_object(m, it->obj, "properties", it->props);
	if (rc != IC_OK)
		return rc;
	/* The suite's mixed/id: a non-empty id is kept, on h-* roots only
	 * (v1/includes/hcarditemref: classic output has no id). */
	if (id != NULL && *id != '\0' && cl->bc == 0)
		return mf2_add_string(m, it->obj, "id", id);
	return IC_OK;
}

/* "Parsing a microformat": it->obj is the new item; on failure it has
 * been deleted. */
static enum ic_err parse_item(struct mf2 *m, const GumboNode *el,
                              const struct classes *cl, struct item *it)
{
	enum ic_err rc;

	memset(it, 0, sizeof(*it));
	it->el = el;
	it->bc = cl->bc;
	if (++m->nitems > IC_MAX_MF2_ITEMS)
		return ic_fail(m->errbuf, IC_ERR_TOO_LARGE,
		               "mf2: more than %d microformats",
		               IC_MAX_MF2_ITEMS);
	rc = item_shell(m, el, cl, it);
	if (rc == IC_OK)
		rc = walk(m, el, it);
	if (rc == IC_OK)
		rc = mf2_implied(m, it);
	if (rc == IC_OK && it->children &&
	    !cJSON_AddItemToObjectCS(it->obj, "children", it->children)) {
		cJSON_Delete(it->children);
		rc = mf2_nomem(m);
	} else if (rc != IC_OK)
		cJSON_Delete(it->children);
	if (rc != IC_OK) {
		cJSON_Delete(it->obj);
		it->obj = NULL;
	}
	return rc;
}

/* --- rels and rel-urls -----------------------------------------------------
 */

/* Append s to the array, once (a set kept in document order). */
static enum ic_err add_unique(struct mf2 *m, cJSON *arr, const char *s)
{
	struct slot *sl = mf2_index_get(m, arr, s, true);
	cJSON *v;
	enum ic_err rc;

	if (sl == NULL)
		return mf2_nomem(m);
	if (sl->val != NULL)
		return IC_OK;
	rc = mf2_count_prop(m);
	if (rc == IC_OK)
		rc = mf2_new_string(m, s, strlen(s), &v);
	if (rc == IC_OK)
		rc = mf2_add_to_array(m, arr, v);
	if (rc == IC_OK)
		sl->val = v;
	return rc;
}

/* The rel-urls entry of url: created with the link's text on first sight;
 * title, media, hreflang and type filled in where still missing. */
static enum ic_err rel_url_entry(struct mf2 *m, const GumboNode *n,
                                 const char *url, cJSON **entry)
{
	static const char *const keys[] = {"hreflang", "media", "title",
	                                   "type"};
	struct slot *sl = mf2_index_get(m, m->rel_urls, url, true);
	cJSON *e;
	enum ic_err rc = IC_OK;

	if (sl == NULL)
		return mf2_nomem(m);
	e = sl->val;
	if (e == NULL) {
		struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);

		e = sl->val = cJSON_AddObjectToObject(m->rel_urls, url);
		if (e == NULL || cJSON_AddArrayToObject(e, "rels") == NULL)
			return mf2_nomem(m);
		rc = mf2_text_kids(m, n, &b, TEXT_DOM);
		if (rc == IC_OK)
			rc = mf2_add_string(m, e, "text", b.buf);
		ic_buf_release(&b);
	}
	for (size_t i = 0; i < 4 && rc == IC_OK; i++)
		if (attr(n, keys[i]) &&
		    !cJSON_GetObjectItemCaseSensitive(e, keys[i]))
			rc = mf2_add_string(m, e, keys[i], attr(n, keys[i]));
	*entry = e;
	return rc;
}

/* "Parse a hyperlink element for rel microformats". */
static enum ic_err rel_link(struct mf2 *m, const GumboNode *n)
{
	const char *rel = attr(n, "rel"), *href = attr(n, "href"), *url, *t;
	cJSON *entry = NULL, *arr;
	size_t len;
	enum ic_err rc;

	if (rel == NULL || href == NULL)
		return IC_OK;
	rc = mf2_resolve(m, href, &url);
	if (rc == IC_OK)
		rc = rel_url_entry(m, n, url, &entry);
	while (rc == IC_OK && mf2_next_token(&rel, &t, &len)) {
		char *r = ic_arena_strndup(m->a, t, len);

		if (r == NULL)
			return mf2_nomem(m);
		rc = mf2_member_array(m, m->rels, r, &arr);
		if (rc == IC_OK)
			rc = add_unique(m, arr, url);
		if (rc == IC_OK)
			rc = add_unique(
			        m,
			        cJSON_GetObjectItemCaseSensitive(entry, "rels"),
			        r);
	}
	return rc;
}

static int cmp_json_str(const void *x, const void *y)
{
	return strcmp((*(cJSON *const *)x)->valuestring,
	              (*(cJSON *const *)y)->valuestring);
}

/* "Parse a hyperlink element for rel microformats": each rel-urls entry's
 * "rels" is "sorted alphabetically" (the rels arrays keep document
 * order).  Sorted once, after the walk, so that a URL with many rel
 * values costs n log n, not n^2. */
static enum ic_err sort_rel_urls(struct mf2 *m)
{
	cJSON *e;

	cJSON_ArrayForEach(e, m->rel_urls)
	{
		cJSON *rels = cJSON_GetObjectItemCaseSensitive(e, "rels"), *v;
		size_t n = (size_t)cJSON_GetArraySize(rels), i = 0;
		cJSON **vs;

		if (n < 2)
			continue;
		vs = ic_arena_alloc(m->a, n * sizeof(*vs));
		if (vs == NULL)
			return mf2_nomem(m);
		cJSON_ArrayForEach(v, rels) vs[i++] = v;
		qsort(vs, n, sizeof(*vs), cmp_json_str);
		/* Relink the list in place: cJSON arrays are doubly linked,
		 * the head's prev pointing at the tail. */
		for (i = 0; i < n; i++) {
			vs[i]->next = i + 1 < n ? vs[i + 1] : NULL;
			vs[i]->prev = i > 0 ? vs[i - 1] : vs[n - 1];
		}
		rels->child = vs[0];
	}
	return IC_OK;
}

static enum ic_err walk_rels(struct mf2 *m, const GumboNode *n);

static enum ic_err walk_rels_kids(struct mf2 *m, const GumboNode *n)
{
	for (unsigned int i = 0; i < kids(n)->length; i++) {
		const GumboNode *c = kid(n, i);
		enum ic_err rc;

		if (!is_element(c))
			continue;
		rc = mf2_visit(m);
		if (rc == IC_OK &&
		    (is_tag(c, GUMBO_TAG_A) || is_tag(c, GUMBO_TAG_AREA) ||
		     is_tag(c, GUMBO_TAG_LINK)))
			rc = rel_link(m, c);
		if (rc == IC_OK)
			rc = walk_rels(m, c);
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

static enum ic_err walk_rels(struct mf2 *m, const GumboNode *n)
{
	enum ic_err rc;

	if (!mf2_down(m))
		return IC_OK;
	rc = walk_rels_kids(m, n);
	mf2_up(m);
	return rc;
}

/* --- <base href> ------------------------------------------------------------
 */

/*
 * The first <base> with an href outside <template> is the base (HTML).
 * Iterative, over the levels the rest of the parse visits.
 */
static const char *find_base(const GumboNode *root)
{
	struct {
		const GumboNode *n;
		unsigned int next;
		bool inert;
	} stack[IC_MAX_MF2_DEPTH + 1];
	size_t depth = 1;

	stack[0].n = root;
	stack[0].next = 0;
	stack[0].inert = false;
	while (depth > 0) {
		const GumboNode *p = stack[depth - 1].n, *c;

		if (stack[depth - 1].next >= kids(p)->length) {
			depth--;
			continue;
		}
		c = kid(p, stack[depth - 1].next++);
		if (c->type != GUMBO_NODE_ELEMENT &&
		    c->type != GUMBO_NODE_TEMPLATE)
			continue;
		if (!stack[depth - 1].inert && is_tag(c, GUMBO_TAG_BASE) &&
		    attr(c, "href") != NULL)
			return attr(c, "href");
		if (depth > IC_MAX_MF2_DEPTH)
			continue; /* deeper than the walks go */
		stack[depth].n = c;
		stack[depth].next = 0;
		stack[depth].inert = stack[depth - 1].inert ||
		                     c->type == GUMBO_NODE_TEMPLATE;
		depth++;
	}
	return NULL;
}

/* MC-1: the document base is the first <base href>, itself resolved
 * against the document URL; one that is not http(s) is ignored. */
static enum ic_err set_base(struct mf2 *m, const char *href)
{
	size_t n;
	const char *t;
	char *abs;
	enum ic_err rc;

	m->base = m->doc_base;
	if (href == NULL)
		return IC_OK;
	n = strlen(href);
	t = trim(href, &n);
	if (n == 0)
		return IC_OK;
	if (mf2_has_scheme(t, n)) {
		/* Absolute: keep it as written (no normalisation), if it
		 * is a base we can resolve against. */
		char *copy = ic_arena_strndup(m->a, t, n);

		if (copy == NULL)
			return mf2_nomem(m);
		rc = ic_url_resolve(m->a, copy, "", &abs, NULL);
		if (rc == IC_OK)
			m->base = copy;
		return rc == IC_ERR_NOMEM ? mf2_nomem(m) : IC_OK;
	}
	rc = ic_url_resolve(m->a, m->doc_base, href, &abs, NULL);
	if (rc == IC_OK)
		m->base = abs;
	return rc == IC_ERR_NOMEM ? mf2_nomem(m) : IC_OK;
}

/* --- Entry point ------------------------------------------------------------
 */

static void delete_json(void *p)
{
	cJSON_Delete(p);
}

/* {"items": [], "rels": {}, "rel-urls": {}}, owned by the arena. */
static enum ic_err new_document(struct mf2 *m, cJSON **doc)
{
	cJSON *d = cJSON_CreateObject();

	if (d == NULL)
		return mf2_nomem(m);
	if (ic_arena_on_free(m->a, delete_json, d) != IC_OK)
		return mf2_nomem(m);
	m->items = cJSON_AddArrayToObject(d, "items");
	m->rels = cJSON_AddObjectToObject(d, "rels");
	m->rel_urls = cJSON_AddObjectToObject(d, "rel-urls");
	if (m->items == NULL || m->rels == NULL || m->rel_urls == NULL)
		return mf2_nomem(m);
	*doc = d;
	return IC_OK;
}

static enum ic_err parse_tree(struct mf2 *m, GumboOutput *g, cJSON **doc)
{
	enum ic_err rc = set_base(m, find_base(g->document));

	m->root = g->document;
	if (rc == IC_OK)
		rc = new_document(m, doc);
	if (rc == IC_OK)
		rc = walk_rels(m, g->document);
	if (rc == IC_OK)
		rc = sort_rel_urls(m);
	if (rc == IC_OK)
		rc = walk(m, g->document, NULL);
	return rc;
}

enum ic_err ic_mf2_parse(struct ic_arena *a, const char *html, size_t len,
                         const char *base_url, cJSON **out, char *errbuf)
{
	struct mf2 m = {.a = a, .errbuf = errbuf};
	struct ic_html5 h;
	cJSON *doc = NULL;
	char *check;
	enum ic_err rc;

	if (out != NULL)
		*out = NULL;
	if (a == NULL || out == NULL || (html == NULL && len > 0))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "mf2: no arena, result or document given");
	if (len > IC_MAX_MF2_INPUT_BYTES)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "mf2: document larger than %u bytes",
		               (unsigned)IC_MAX_MF2_INPUT_BYTES);
	/* The base must be one we can resolve against. */
	rc = ic_url_resolve(a, base_url ? base_url : "", "", &check, errbuf);
	if (rc != IC_OK)
		return rc;
	m.doc_base = base_url;
	rc = ic_html5_parse(html, len, NULL, &h, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = parse_tree(&m, h.g, &doc);
	ic_html5_free(&h); /* the whole gumbo tree, at once */
	if (rc == IC_OK)
		*out = doc;
	return rc;
}
