/*
 * mf2_common.c - the parse state's helpers shared by the parts of
 * the mf2 parser (see mf2_int.h): JSON output charged to the limits, the
 * index of names, URL resolution and class names.
 */
#include "mf2/mf2_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/ic_limits.h"
#include "text/url.h"

/* --- The parser's state -------------------------------------------------- */

enum ic_err mf2_nomem(struct mf2 *m)
{
	return ic_fail(m->errbuf, IC_ERR_NOMEM, "mf2: out of memory");
}

/* Charge one node to the visit budget (IC_MAX_MF2_NODE_VISITS). */
enum ic_err mf2_visit(struct mf2 *m)
{
	if (++m->visits > IC_MAX_MF2_NODE_VISITS)
		return ic_fail(m->errbuf, IC_ERR_TOO_LARGE,
		               "mf2: more than %u node visits",
		               (unsigned)IC_MAX_MF2_NODE_VISITS);
	return IC_OK;
}

enum ic_err mf2_buf_err(struct mf2 *m, enum ic_err rc)
{
	if (rc == IC_ERR_TOO_LARGE)
		return ic_fail(m->errbuf, rc, "mf2: more than %u bytes of text",
		               (unsigned)IC_MAX_MF2_OUTPUT_BYTES);
	return mf2_nomem(m);
}

/* A JSON string of s[0..n), charged to IC_MAX_MF2_OUTPUT_BYTES. */
enum ic_err mf2_new_string(struct mf2 *m, const char *s, size_t n, cJSON **out)
{
	char *z = NULL;

	*out = NULL;
	m->out_bytes += n;
	if (m->out_bytes > IC_MAX_MF2_OUTPUT_BYTES)
		return mf2_buf_err(m, IC_ERR_TOO_LARGE);
	if (s[n] != '\0') {
		z = ic_arena_strndup(m->a, s, n);
		if (z == NULL)
			return mf2_nomem(m);
		s = z;
	}
	*out = cJSON_CreateString(s);
	return *out ? IC_OK : mf2_nomem(m);
}

enum ic_err mf2_add_to_array(struct mf2 *m, cJSON *arr, cJSON *v)
{
	if (!cJSON_AddItemToArray(arr, v)) {
		cJSON_Delete(v);
		return mf2_nomem(m);
	}
	return IC_OK;
}

/* The key is not copied (cJSON_AddItemToObjectCS): a feed's thousands of
 * members would each cost a malloc and a free.  Every key here is a
 * literal or arena text, which outlives the document (mf2_int.h). */
enum ic_err mf2_add_to_object(struct mf2 *m, cJSON *obj, const char *k,
                              cJSON *v)
{
	if (v == NULL || !cJSON_AddItemToObjectCS(obj, k, v)) {
		cJSON_Delete(v);
		return mf2_nomem(m);
	}
	return IC_OK;
}

enum ic_err mf2_add_string(struct mf2 *m, cJSON *obj, const char *k,
                           const char *s)
{
	cJSON *v;
	enum ic_err rc = mf2_new_string(m, s, strlen(s), &v);

	return rc != IC_OK ? rc : mf2_add_to_object(m, obj, k, v);
}

/* Count one property value or rel link (IC_MAX_MF2_PROPERTIES). */
enum ic_err mf2_count_prop(struct mf2 *m)
{
	if (++m->nprops > IC_MAX_MF2_PROPERTIES)
		return ic_fail(m->errbuf, IC_ERR_TOO_LARGE,
		               "mf2: more than %d property values",
		               IC_MAX_MF2_PROPERTIES);
	return IC_OK;
}

/* --- An index of names ---------------------------------------------------- */

static uint32_t str_hash(const void *owner, const char *key)
{
	uint32_t h = 2166136261u ^ (uint32_t)(uintptr_t)owner;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

static struct slot *index_probe(struct slot *slots, size_t cap,
                                const void *owner, const char *key, uint32_t h)
{
	size_t i = h & (cap - 1);

	while (slots[i].owner != NULL &&
	       (slots[i].hash != h || slots[i].owner != owner ||
	        strcmp(slots[i].key, key) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static bool index_grow(struct mf2 *m)
{
	size_t cap = m->nslots ? 2 * m->nslots : 256;
	struct slot *slots = ic_arena_calloc(m->a, cap, sizeof(*slots));

	if (slots == NULL)
		return false;
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slots[i].owner != NULL)
			*index_probe(slots, cap, m->slots[i].owner,
			             m->slots[i].key, m->slots[i].hash) =
			        m->slots[i];
	m->slots = slots;
	m->nslots = cap;
	return true;
}

/* The slot of (owner, key); with `insert`, a new empty one (val NULL) when
 * absent, else NULL when absent.  NULL with `insert` means no memory. */
struct slot *mf2_index_get(struct mf2 *m, const void *owner, const char *key,
                           bool insert)
{
	uint32_t h = str_hash(owner, key);
	struct slot *sl;

	if (m->nslots == 0 && !insert)
		return NULL;
	if (insert && 2 * (m->nused + 1) > m->nslots && !index_grow(m))
		return NULL;
	sl = index_probe(m->slots, m->nslots, owner, key, h);
	if (sl->owner != NULL)
		return sl;
	if (!insert)
		return NULL;
	*sl = (struct slot){.owner = owner, .key = key, .hash = h};
	m->nused++;
	return sl;
}

/* The array member `name` of obj, created empty when absent. */
enum ic_err mf2_member_array(struct mf2 *m, cJSON *obj, const char *name,
                             cJSON **arr)
{
	struct slot *sl = mf2_index_get(m, obj, name, true);

	if (sl == NULL)
		return mf2_nomem(m);
	if (sl->val == NULL) {
		cJSON *a = cJSON_CreateArray();
		enum ic_err rc = mf2_add_to_object(m, obj, name, a);

		if (rc != IC_OK)
			return rc;
		sl->val = a;
	}
	*arr = sl->val;
	return IC_OK;
}

/* --- URLs --------------------------------------------------------------- */

/* RFC 3986 §3.1: does s start with "scheme:"? */
bool mf2_has_scheme(const char *s, size_t n)
{
	size_t i = 1;

	if (n == 0 || !is_alpha((unsigned char)s[0]))
		return false;
	while (i < n && (is_alpha((unsigned char)s[i]) ||
	                 is_digit((unsigned char)s[i]) || s[i] == '+' ||
	                 s[i] == '-' || s[i] == '.'))
		i++;
	return i < n && s[i] == ':';
}

/* A relative reference against the document base: absolute, else (when
 * it cannot be resolved) trimmed, from the arena.  The base is parsed once
 * per parse, on first use (m->base does not change once the walks start).
 * A base that cannot be parsed resolves nothing, as ic_url_resolve()
 * would not. */
static enum ic_err resolve_relative(struct mf2 *m, const char *ref,
                                    const char *t, size_t n, const char **out)
{
	char *abs = NULL;
	enum ic_err rc = IC_ERR_BAD_INPUT;

	if (m->base_h == NULL && !m->base_bad) {
		rc = ic_url_base_new(m->a, m->base, &m->base_h, NULL);
		if (rc == IC_ERR_NOMEM)
			return mf2_nomem(m);
		m->base_bad = rc != IC_OK;
	}
	if (m->base_h != NULL)
		rc = ic_url_resolve_at(m->a, m->base_h, ref, &abs, NULL);
	if (rc == IC_ERR_NOMEM)
		return mf2_nomem(m);
	*out = rc == IC_OK ? abs : ic_arena_strndup(m->a, t, n);
	return *out ? IC_OK : mf2_nomem(m);
}

/*
 * MC-1: a URL value made absolute against the document base.  The suite
 * expects no normalisation, so an empty reference is the base as written
 * and a reference with a scheme (any scheme: `mailto:`, `javascript:`...)
 * is kept as written; only relative references go through libcurl
 * (ic_url_resolve_at()).  One that cannot be resolved is kept as written
 * too: consumers check every URL they use (MC-5).  A feed repeats its
 * references (the author's photo in every entry, u-url u-uid on one
 * link), so each relative one is resolved once per parse and remembered
 * in the index (owner &m->base_h, key a copy of the reference).
 */
enum ic_err mf2_resolve(struct mf2 *m, const char *ref, const char **out)
{
	size_t n = strlen(ref);
	const char *t = trim(ref, &n);
	struct slot *sl;
	char *key;
	enum ic_err rc;

	if (n == 0) {
		*out = m->base;
		return IC_OK;
	}
	if (mf2_has_scheme(t, n)) {
		*out = (t == ref && n == strlen(ref))
		               ? ref
		               : ic_arena_strndup(m->a, t, n);
		return *out ? IC_OK : mf2_nomem(m);
	}
	sl = mf2_index_get(m, &m->base_h, ref, false);
	if (sl != NULL) {
		*out = sl->str;
		return IC_OK;
	}
	rc = resolve_relative(m, ref, t, n, out);
	if (rc != IC_OK)
		return rc;
	key = ic_arena_strdup(m->a, ref);
	sl = key ? mf2_index_get(m, &m->base_h, key, true) : NULL;
	if (sl == NULL)
		return mf2_nomem(m);
	sl->str = *out;
	return IC_OK;
}

/* --- Class names ---------------------------------------------------------- */

/* [a-z]+(-[a-z]+)* */
static bool letters_dashed(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (; i < n; i++) {
		if (s[i] == '-' && s[i + 1] == '-')
			return false;
		if (s[i] != '-' && !is_lower((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* A root or property name after its prefix (MC-1: lowercase letters,
 * hyphens, one optional leading vendor segment of letters and digits):
 * ([a-z0-9]+-)?[a-z]+(-[a-z]+)* */
static bool valid_name(const char *s, size_t n)
{
	size_t k = 0;

	if (letters_dashed(s, n))
		return true;
	while (k < n &&
	       (is_lower((unsigned char)s[k]) || is_digit((unsigned char)s[k])))
		k++;
	return k > 0 && k < n && s[k] == '-' &&
	       letters_dashed(s + k + 1, n - k - 1);
}

/* The next class token in *p, or false at the end. */
bool mf2_next_token(const char **p, const char **tok, size_t *n)
{
	const char *s = *p;

	while (*s && is_ws((unsigned char)*s))
		s++;
	if (*s == '\0')
		return false;
	*tok = s;
	while (*s && !is_ws((unsigned char)*s))
		s++;
	*n = (size_t)(s - *tok);
	*p = s;
	return true;
}

/* What kind of class token this is, with *name after the prefix. */
static unsigned token_kind(const char *t, size_t n, enum prefix *kind,
                           const char **name, size_t *nn)
{
	static const struct {
		const char *pfx;
		enum prefix kind;
	} pfx[] = {
	        {"p-", PFX_P}, {"u-", PFX_U}, {"dt-", PFX_DT}, {"e-", PFX_E}};

	if (n == 5 && memcmp(t, "value", 5) == 0)
		return CLS_VALUE;
	if (n == 11 && memcmp(t, "value-title", 11) == 0)
		return CLS_VALUE_TITLE;
	if (n > 2 && t[0] == 'h' && t[1] == '-' && valid_name(t + 2, n - 2))
		return CLS_ROOT;
	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		size_t pl = strlen(pfx[i].pfx);

		if (n > pl && memcmp(t, pfx[i].pfx, pl) == 0 &&
		    valid_name(t + pl, n - pl)) {
			*kind = pfx[i].kind;
			*name = t + pl;
			*nn = n - pl;
			return CLS_PROP;
		}
	}
	return 0;
}

/* Which kinds of class an element has, without allocating. */
unsigned mf2_class_flags(const GumboNode *n)
{
	const char *p = is_element(n) ? attr(n, "class") : NULL, *t, *nm;
	unsigned flags = 0;
	enum prefix k;
	size_t len, nl;

	if (p == NULL)
		return 0;
	while (mf2_next_token(&p, &t, &len))
		flags |= token_kind(t, len, &k, &nm, &nl);
	return flags;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Roots (sorted, unique: the suite's `type`) and properties (in class
 * order, duplicates kept) of an element, from arena memory. */
enum ic_err mf2_parse_classes(struct mf2 *m, const GumboNode *n,
                              struct classes *c)
{
	const char *cls = attr(n, "class"), *p, *t, *nm;
	size_t len, nl, count = 0, u = 0;
	enum prefix k;

	memset(c, 0, sizeof(*c));
	if (cls == NULL || !(mf2_class_flags(n) & (CLS_ROOT | CLS_PROP)))
		return IC_OK;
	for (p = cls; mf2_next_token(&p, &t, &len);)
		count++;
	c->roots = ic_arena_alloc(m->a, count * sizeof(*c->roots) + 1);
	c->props = ic_arena_alloc(m->a, count * sizeof(*c->props) + 1);
	if (c->roots == NULL || c->props == NULL)
		return mf2_nomem(m);
	for (p = cls; mf2_next_token(&p, &t, &len);) {
		unsigned kind = token_kind(t, len, &k, &nm, &nl);
		char *s;

		if (kind != CLS_ROOT && kind != CLS_PROP)
			continue;
		s = kind == CLS_ROOT ? ic_arena_strndup(m->a, t, len)
		                     : ic_arena_strndup(m->a, nm, nl);
		if (s == NULL)
			return mf2_nomem(m);
		if (kind == CLS_ROOT)
			c->roots[c->nroots++] = s;
		else
			c->props[c->nprops++] = (struct prop){k, s};
	}
	qsort(c->roots, c->nroots, sizeof(*c->roots), cmp_str);
	for (size_t i = 0; i < c->nroots; i++)
		if (u == 0 || strcmp(c->roots[u - 1], c->roots[i]) != 0)
			c->roots[u++] = c->roots[i];
	c->nroots = u;
	return IC_OK;
}
