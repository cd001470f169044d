/*
 * mf2_backcompat.c - microformats1 backward compatibility, the
 * "backcompat" rules of microformats2-parsing (see mf2_int.h).
 *
 * The spec's rules, as this file applies them:
 *  - an element with no h-* root class but a classic root class (vcard,
 *    hentry, ...) is a microformat of the h-* type that root maps to;
 *  - inside such a backcompat root only the classic property classes of
 *    its vocabulary are parsed, each as the p-/u-/dt-/e- property it maps
 *    to; h-* property classes (p-name...) are ignored there;
 *  - nested roots, classic or h-*, are parsed as usual: as a property when
 *    they carry a (classic, inside a backcompat root) property class,
 *    else as children;
 *  - rel=bookmark and rel=tag (and hnews' rel=principles) act as property
 *    classes inside the roots whose parser-compatibility notes say so;
 *  - nothing is implied for a backcompat root (see mf2_implied()).
 * The mappings are those of each vocabulary's "Parser Compatibility"
 * section on microformats.org (h-card, h-entry, h-feed...), checked
 * against the microformats/tests suite's microformats-v1 series.
 *
 * "item" (hReview's reviewed thing) is a root only inside hreview and
 * hreview-aggregate: as a class it is far too common elsewhere to be read
 * as h-item on any page.
 *
 * Cost: one pass over the class (and, inside a backcompat root, rel)
 * tokens of each element against the small tables below; all memory from
 * the parse's arena.
 */
#include "mf2/mf2_int.h"

#include <string.h>

/* One classic property class (or rel value) and what it maps to. */
struct bc_prop {
	const char *v1;
	enum prefix kind;
	const char *v2;
};

/* One classic vocabulary: its root class and h-* type, its properties and
 * rels, and (inside) the vocabularies that must surround it, if any. */
struct bc_vocab {
	const char *root;
	const char *type;
	const struct bc_prop *props;
	const struct bc_prop *rels;
	uint32_t inside;
};

#define END                                                                    \
	{                                                                      \
		NULL, PFX_P, NULL                                              \
	}

static const struct bc_prop adr_props[] = {
        {"post-office-box", PFX_P, "post-office-box"},
        {"extended-address", PFX_P, "extended-address"},
        {"street-address", PFX_P, "street-address"},
        {"locality", PFX_P, "locality"},
        {"region", PFX_P, "region"},
        {"postal-code", PFX_P, "postal-code"},
        {"country-name", PFX_P, "country-name"},
        END};

static const struct bc_prop geo_props[] = {{"latitude", PFX_P, "latitude"},
                                           {"longitude", PFX_P, "longitude"},
                                           END};

static const struct bc_prop hentry_props[] = {
        {"entry-title", PFX_P, "name"},
        {"entry-summary", PFX_P, "summary"},
        {"entry-content", PFX_E, "content"},
        {"published", PFX_DT, "published"},
        {"updated", PFX_DT, "updated"},
        {"author", PFX_P, "author"},
        {"category", PFX_P, "category"},
        {"geo", PFX_P, "geo"},
        {"latitude", PFX_P, "latitude"},
        {"longitude", PFX_P, "longitude"},
        END};

static const struct bc_prop hentry_rels[] = {
        {"bookmark", PFX_U, "url"}, {"tag", PFX_P, "category"}, END};

static const struct bc_prop hfeed_props[] = {{"author", PFX_P, "author"},
                                             {"photo", PFX_U, "photo"},
                                             {"url", PFX_U, "url"},
                                             {"category", PFX_P, "category"},
                                             END};

static const struct bc_prop tag_rels[] = {{"tag", PFX_P, "category"}, END};

static const struct bc_prop hnews_props[] = {
        {"entry", PFX_P, "entry"},
        {"source-org", PFX_P, "source-org"},
        {"dateline", PFX_P, "dateline"},
        {"geo", PFX_P, "geo"},
        END};

static const struct bc_prop hnews_rels[] = {{"principles", PFX_U, "principles"},
                                            END};

static const struct bc_prop hproduct_props[] = {
        {"fn", PFX_P, "name"},
        {"photo", PFX_U, "photo"},
        {"brand", PFX_P, "brand"},
        {"category", PFX_P, "category"},
        {"description", PFX_P, "description"},
        {"identifier", PFX_U, "identifier"},
        {"url", PFX_U, "url"},
        {"review", PFX_P, "review"},
        {"price", PFX_P, "price"},
        END};

static const struct bc_prop hrecipe_props[] = {
        {"fn", PFX_P, "name"},
        {"ingredient", PFX_P, "ingredient"},
        {"yield", PFX_P, "yield"},
        {"instructions", PFX_E, "instructions"},
        {"duration", PFX_DT, "duration"},
        {"photo", PFX_U, "photo"},
        {"summary", PFX_P, "summary"},
        {"author", PFX_P, "author"},
        {"nutrition", PFX_P, "nutrition"},
        {"category", PFX_P, "category"},
        END};

static const struct bc_prop hresume_props[] = {
        {"summary", PFX_P, "summary"},
        {"contact", PFX_P, "contact"},
        {"education", PFX_P, "education"},
        {"experience", PFX_P, "experience"},
        {"skill", PFX_P, "skill"},
        {"affiliation", PFX_P, "affiliation"},
        END};

static const struct bc_prop hreview_props[] = {
        {"summary", PFX_P, "name"},
        {"item", PFX_P, "item"},
        {"reviewer", PFX_P, "author"},
        {"dtreviewed", PFX_DT, "reviewed"},
        {"rating", PFX_P, "rating"},
        {"best", PFX_P, "best"},
        {"worst", PFX_P, "worst"},
        {"description", PFX_E, "content"},
        END};

static const struct bc_prop hreview_rels[] = {
        {"bookmark", PFX_U, "url"}, {"tag", PFX_P, "category"}, END};

static const struct bc_prop hreview_aggregate_props[] = {
        {"summary", PFX_P, "name"},
        {"item", PFX_P, "item"},
        {"rating", PFX_P, "rating"},
        {"average", PFX_P, "average"},
        {"best", PFX_P, "best"},
        {"worst", PFX_P, "worst"},
        {"count", PFX_P, "count"},
        {"votes", PFX_P, "votes"},
        END};

static const struct bc_prop vcard_props[] = {
        {"fn", PFX_P, "name"},
        {"honorific-prefix", PFX_P, "honorific-prefix"},
        {"given-name", PFX_P, "given-name"},
        {"additional-name", PFX_P, "additional-name"},
        {"family-name", PFX_P, "family-name"},
        {"honorific-suffix", PFX_P, "honorific-suffix"},
        {"nickname", PFX_P, "nickname"},
        {"email", PFX_U, "email"},
        {"logo", PFX_U, "logo"},
        {"photo", PFX_U, "photo"},
        {"url", PFX_U, "url"},
        {"uid", PFX_U, "uid"},
        {"category", PFX_P, "category"},
        {"adr", PFX_P, "adr"},
        {"extended-address", PFX_P, "extended-address"},
        {"street-address", PFX_P, "street-address"},
        {"locality", PFX_P, "locality"},
        {"region", PFX_P, "region"},
        {"postal-code", PFX_P, "postal-code"},
        {"country-name", PFX_P, "country-name"},
        {"label", PFX_P, "label"},
        {"geo", PFX_P, "geo"},
        {"latitude", PFX_P, "latitude"},
        {"longitude", PFX_P, "longitude"},
        {"tel", PFX_P, "tel"},
        {"note", PFX_P, "note"},
        {"bday", PFX_DT, "bday"},
        {"key", PFX_P, "key"},
        {"org", PFX_P, "org"},
        {"organization-name", PFX_P, "organization-name"},
        {"organization-unit", PFX_P, "organization-unit"},
        {"title", PFX_P, "job-title"},
        {"role", PFX_P, "role"},
        /* vCard properties h-card has no name for, kept as they were
         * (the suite's v1/hcard/single and multiple expect them). */
        {"agent", PFX_P, "agent"},
        {"class", PFX_P, "class"},
        {"mailer", PFX_P, "mailer"},
        {"rev", PFX_P, "rev"},
        {"sort-string", PFX_P, "sort-string"},
        {"sound", PFX_U, "sound"},
        {"tz", PFX_P, "tz"},
        END};

static const struct bc_prop vevent_props[] = {
        {"summary", PFX_P, "name"},
        {"dtstart", PFX_DT, "start"},
        {"dtend", PFX_DT, "end"},
        {"duration", PFX_DT, "duration"},
        {"description", PFX_P, "description"},
        {"url", PFX_U, "url"},
        {"category", PFX_P, "category"},
        {"location", PFX_P, "location"},
        {"geo", PFX_P, "location"},
        {"attendee", PFX_P, "attendee"},
        {"contact", PFX_P, "contact"},
        {"organizer", PFX_P, "organizer"},
        END};

static const struct bc_prop item_props[] = {{"fn", PFX_P, "name"},
                                            {"photo", PFX_U, "photo"},
                                            {"url", PFX_U, "url"},
                                            END};

/* Indexes into vocabs[], for `inside`. */
enum { BC_HREVIEW = 9, BC_HREVIEW_AGGREGATE = 10 };

static const struct bc_vocab vocabs[] = {
        {"adr", "h-adr", adr_props, NULL, 0},
        {"geo", "h-geo", geo_props, NULL, 0},
        {"hentry", "h-entry", hentry_props, hentry_rels, 0},
        {"hfeed", "h-feed", hfeed_props, tag_rels, 0},
        {"hnews", "h-news", hnews_props, hnews_rels, 0},
        {"hproduct", "h-product", hproduct_props, tag_rels, 0},
        {"hrecipe", "h-recipe", hrecipe_props, tag_rels, 0},
        {"hresume", "h-resume", hresume_props, NULL, 0},
        {"vevent", "h-event", vevent_props, tag_rels, 0},
        {"hreview", "h-review", hreview_props, hreview_rels, 0},
        {"hreview-aggregate", "h-review-aggregate", hreview_aggregate_props,
         NULL, 0},
        {"vcard", "h-card", vcard_props, tag_rels, 0},
        {"item", "h-item", item_props, NULL,
         (1u << BC_HREVIEW) | (1u << BC_HREVIEW_AGGREGATE)},
};

#define NVOCABS (sizeof(vocabs) / sizeof(vocabs[0]))

static bool token_is(const char *t, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(t, s, n) == 0;
}

/* The classic vocabularies whose root class the element has, given the
 * vocabularies `ctx` of the backcompat root around it (0 if none). */
static uint32_t bc_root_set(const char *cls, uint32_t ctx)
{
	const char *p = cls, *t;
	uint32_t set = 0;
	size_t n;

	while (mf2_next_token(&p, &t, &n))
		for (size_t v = 0; v < NVOCABS; v++)
			if (token_is(t, n, vocabs[v].root) &&
			    (vocabs[v].inside == 0 || (vocabs[v].inside & ctx)))
				set |= 1u << v;
	return set;
}

/* The h-* types of `set`, sorted (the table's types are unique); h-item
 * only when it is the sole type, as "item vcard" reviews a person. */
static enum ic_err bc_roots(struct mf2 *m, uint32_t set, struct classes *c)
{
	c->roots = ic_arena_alloc(m->a, NVOCABS * sizeof(*c->roots));
	if (c->roots == NULL)
		return mf2_nomem(m);
	c->nroots = 0;
	for (size_t v = 0; v < NVOCABS; v++) {
		size_t k;

		if (!(set & (1u << v)))
			continue;
		if (strcmp(vocabs[v].root, "item") == 0 &&
		    (set & ~(1u << v)) != 0)
			continue;
		k = c->nroots++;
		while (k > 0 && strcmp(c->roots[k - 1], vocabs[v].type) > 0) {
			c->roots[k] = c->roots[k - 1];
			k--;
		}
		c->roots[k] = vocabs[v].type;
	}
	c->bc = set;
	return IC_OK;
}

/* Add p to c->props once (a class and a rel may give the same one). */
static void add_prop(struct classes *c, const struct bc_prop *p)
{
	for (size_t i = 0; i < c->nprops; i++)
		if (c->props[i].kind == p->kind &&
		    strcmp(c->props[i].name, p->v2) == 0)
			return;
	c->props[c->nprops++] = (struct prop){p->kind, p->v2};
}

/* Map each token of `list` through the tables of the vocabularies in
 * ctx (props or rels), in token order. */
static void map_tokens(const char *list, uint32_t ctx, bool rels,
                       struct classes *c)
{
	const char *p = list, *t;
	size_t n;

	while (mf2_next_token(&p, &t, &n))
		for (size_t v = 0; v < NVOCABS; v++) {
			const struct bc_prop *bp =
			        rels ? vocabs[v].rels : vocabs[v].props;

			if (!(ctx & (1u << v)) || bp == NULL)
				continue;
			for (; bp->v1 != NULL; bp++)
				if (token_is(t, n, bp->v1))
					add_prop(c, bp);
		}
}

static size_t count_tokens(const char *s)
{
	const char *t;
	size_t n, count = 0;

	while (s != NULL && mf2_next_token(&s, &t, &n))
		count++;
	return count;
}

/* The classic properties of an element inside a backcompat root: its
 * class tokens, then its rel tokens, each mapped through every vocabulary
 * in ctx.  No table maps one token to more than one property of a
 * vocabulary, so NVOCABS entries per token are enough. */
static enum ic_err bc_props(struct mf2 *m, const GumboNode *n, uint32_t ctx,
                            struct classes *c)
{
	const char *cls = attr(n, "class"), *rel = attr(n, "rel");
	size_t cap = (count_tokens(cls) + count_tokens(rel)) * NVOCABS;

	c->nprops = 0;
	if (cap == 0)
		return IC_OK;
	c->props = ic_arena_alloc(m->a, cap * sizeof(*c->props));
	if (c->props == NULL)
		return mf2_nomem(m);
	if (cls != NULL)
		map_tokens(cls, ctx, false, c);
	if (rel != NULL)
		map_tokens(rel, ctx, true, c);
	return IC_OK;
}

/* A u-* value inside a backcompat root is the plain URL: the {"value",
 * "alt"} form for <img> came with microformats2 (the suite's v1 series and
 * microformats-parser keep classic output unchanged). */
cJSON *mf2_bc_url(const struct item *it, cJSON *v)
{
	cJSON *plain;

	if (it->bc == 0 || !cJSON_IsObject(v))
		return v;
	plain = cJSON_DetachItemFromObjectCaseSensitive(v, "value");
	if (plain == NULL)
		return v;
	cJSON_Delete(v);
	return plain;
}

enum ic_err mf2_element_classes(struct mf2 *m, const GumboNode *n, uint32_t ctx,
                                struct classes *c)
{
	const char *cls = attr(n, "class");
	enum ic_err rc = mf2_parse_classes(m, n, c);
	uint32_t set;

	c->bc = 0;
	if (rc != IC_OK)
		return rc;
	if (c->nroots == 0 && cls != NULL && (set = bc_root_set(cls, ctx)))
		rc = bc_roots(m, set, c);
	if (rc == IC_OK && ctx != 0)
		rc = bc_props(m, n, ctx, c);
	return rc;
}

/* --- The include pattern ---------------------------------------------- */

/* Index the first element of each id, once per parse (only pages that
 * use the include pattern pay for it). */
static enum ic_err index_ids(struct mf2 *m, const GumboNode *n)
{
	for (unsigned int i = 0; i < kids(n)->length; i++) {
		const GumboNode *c = kid(n, i);
		const char *id;
		enum ic_err rc;

		if (!is_element(c))
			continue;
		rc = mf2_visit(m);
		if (rc != IC_OK)
			return rc;
		id = attr(c, "id");
		if (id != NULL && *id != '\0') {
			struct slot *sl =
			        mf2_index_get(m, &m->ids_indexed, id, true);

			if (sl == NULL)
				return mf2_nomem(m);
			if (sl->node == NULL)
				sl->node = c;
		}
		rc = index_ids(m, c);
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

static bool is_ancestor_or_self(const GumboNode *a, const GumboNode *n)
{
	for (; n != NULL; n = n->parent)
		if (n == a)
			return true;
	return false;
}

/* The element with id t[0..len), or NULL when there is none or including
 * it from n would go round a loop or too deep. */
static enum ic_err include_target(struct mf2 *m, const GumboNode *n,
                                  const char *t, size_t len,
                                  const GumboNode **out)
{
	char *id = ic_arena_strndup(m->a, t, len);
	struct slot *sl;
	enum ic_err rc = IC_OK;

	*out = NULL;
	if (id == NULL)
		return mf2_nomem(m);
	if (!m->ids_indexed) {
		m->ids_indexed = true;
		rc = index_ids(m, m->root);
	}
	sl = rc == IC_OK ? mf2_index_get(m, &m->ids_indexed, id, false) : NULL;
	if (sl == NULL || sl->node == NULL ||
	    m->nincl == IC_MAX_MF2_INCLUDE_NEST ||
	    is_ancestor_or_self(sl->node, n))
		return rc;
	for (size_t i = 0; i < m->nincl; i++)
		if (m->incl[i] == sl->node)
			return IC_OK;
	*out = sl->node;
	return IC_OK;
}

/* Walk one include reference list: ids separated by whitespace. */
static enum ic_err
include_ids(struct mf2 *m, const GumboNode *n, const char *list,
            enum ic_err (*each)(struct mf2 *, const GumboNode *, void *),
            void *ctx)
{
	const char *p = list, *t;
	size_t len;
	enum ic_err rc = IC_OK;

	while (rc == IC_OK && mf2_next_token(&p, &t, &len)) {
		const GumboNode *target;

		rc = include_target(m, n, t, len, &target);
		if (rc != IC_OK || target == NULL)
			continue;
		m->incl[m->nincl++] = target;
		rc = each(m, target, ctx);
		m->nincl--;
	}
	return rc;
}

static bool has_class(const GumboNode *n, const char *name)
{
	const char *p = attr(n, "class"), *t;
	size_t len;

	while (p != NULL && mf2_next_token(&p, &t, &len))
		if (token_is(t, len, name))
			return true;
	return false;
}

enum ic_err mf2_bc_includes(struct mf2 *m, const GumboNode *n,
                            enum ic_err (*each)(struct mf2 *m,
                                                const GumboNode *t, void *ctx),
                            void *ctx)
{
	const char *ref = attr(n, "itemref");

	if (ref != NULL)
		return include_ids(m, n, ref, each, ctx);
	if (has_class(n, "include")) {
		ref = is_tag(n, GUMBO_TAG_OBJECT) ? attr(n, "data")
		                                  : attr(n, "href");
		if (ref != NULL && ref[0] == '#')
			return include_ids(m, n, ref + 1, each, ctx);
	}
	if (is_tag(n, GUMBO_TAG_TD) && (ref = attr(n, "headers")) != NULL)
		return include_ids(m, n, ref, each, ctx);
	return IC_OK;
}

static enum ic_err include_text(struct mf2 *m, const GumboNode *t, void *b)
{
	return mf2_text_kids(m, t, b, TEXT_MF);
}

/* Included content counts as the element's own (include-pattern), so
 * it is part of the text (v1/includes/heventitemref). */
enum ic_err mf2_bc_text_value(struct mf2 *m, const GumboNode *el, cJSON **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	const char *s;
	size_t len;
	enum ic_err rc;

	if (attr(el, "itemref") == NULL && !has_class(el, "include") &&
	    !is_tag(el, GUMBO_TAG_TD))
		return mf2_p_plain_value(m, el, out);
	rc = mf2_text_kids(m, el, &b, TEXT_MF);
	if (rc == IC_OK)
		rc = mf2_bc_includes(m, el, include_text, &b);
	len = b.len;
	s = trim(b.buf, &len);
	if (rc == IC_OK)
		rc = mf2_new_string(m, s, len, out);
	ic_buf_release(&b);
	return rc;
}
