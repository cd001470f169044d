/*
 * mf2.c - microformats2 parsing on gumbo (see mf2.h).
 *
 * The order of work, each step bounded (ic_limits.h, "mf2 parsing"):
 *  1. prescan(): estimate the nesting on the raw text, so that gumbo's
 *     tree building (quadratic in depth) never sees a deep document;
 *  2. gumbo builds the tree in a private bump pool (pool_*): faster than
 *     malloc for its many small blocks, and freed at once, without
 *     gumbo's recursive destructor;
 *  3. check_tree(): measure the real depth and find `<base href>`;
 *  4. rels and rel-urls (walk_rels), then the microformats (walk), in
 *     document order.  Recursion follows the tree, whose depth step 3 has
 *     bounded; every subtree walk is charged to a visit budget.
 *
 * Spec section names in comments are those of microformats2-parsing.
 */
#include "mf2/mf2.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "core/buf.h"
#include "core/ic_limits.h"
#include "text/url.h"

/* --- Gumbo's memory: a bump pool ------------------------------------------ */

/* Gumbo allocates and frees many small blocks and never reallocs (it
 * copies, then frees the old block), so a bump pool that only takes back
 * the latest block loses little and frees everything in one go. */
#define POOL_CHUNK (64u * 1024 - 64)
#define POOL_ALIGN 16u

struct pool_chunk {
	struct pool_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

struct pool {
	struct pool_chunk *head;
	unsigned char *last; /* the latest block in head, or NULL */
	size_t last_mark;    /* head->used before it */
};

static void *pool_alloc(void *ud, size_t size)
{
	struct pool *p = ud;
	struct pool_chunk *c = p->head, *nc;
	size_t n, sz;

	if (size > SIZE_MAX / 2)
		return NULL;
	n = (size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	if (c == NULL || c->size - c->used < n) {
		sz = n > POOL_CHUNK / 4 ? n : POOL_CHUNK;
		nc = malloc(sizeof(*nc) + sz);
		if (nc == NULL)
			return NULL; /* gumbo cannot recover; see mf2.h */
		nc->size = sz;
		nc->used = 0;
		if (sz != POOL_CHUNK && c != NULL) {
			/* A large block gets its own chunk behind the head, so
			 * the head keeps serving small ones. */
			nc->next = c->next;
			c->next = nc;
			nc->used = n;
			return nc->data;
		}
		nc->next = c;
		p->head = c = nc;
	}
	p->last = c->data + c->used;
	p->last_mark = c->used;
	c->used += n;
	return p->last;
}

static void pool_free(void *ud, void *ptr)
{
	struct pool *p = ud;

	if (ptr != NULL && ptr == p->last) {
		p->head->used = p->last_mark;
		p->last = NULL;
	}
}

static void pool_release(struct pool *p)
{
	while (p->head) {
		struct pool_chunk *c = p->head;

		p->head = c->next;
		free(c);
	}
}

/* --- Characters --------------------------------------------------------- */

static bool is_ws(unsigned char c)
{
	/* HTML's ASCII whitespace (class lists, URLs, trimming). */
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_trim_ws(unsigned char c)
{
	return is_ws(c) || c == '\v';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alpha(unsigned char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static unsigned char to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Trim ASCII whitespace from both ends of s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
	while (*n > 0 && is_trim_ws((unsigned char)s[0])) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_trim_ws((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

/* --- 1. Prescan: nesting before gumbo ------------------------------------ */

/*
 * A loose tokenizer that follows start and end tags and keeps a stack of
 * tag-name hashes, to estimate how deep gumbo's tree will be.  Void
 * elements and self-closing tags do not nest; raw-text elements are
 * skipped whole; an end tag pops to its start tag if that is among the top
 * PRESCAN_WINDOW entries (else it is ignored, as gumbo ignores a stray end
 * tag); elements that HTML closes implicitly (p, li, td...) pop an open
 * one of the same name.  It can be fooled by a few tree-building rules
 * (the tree check in step 3 still bounds recursion); it exists to reject
 * plainly deep documents in linear time.
 */
#define PRESCAN_WINDOW 16

struct tagname {
	const char *s;
	size_t n;
};

static bool name_in(const struct tagname *t, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == t->n &&
		    strncasecmp(*list, t->s, t->n) == 0)
			return true;
	return false;
}

static const char *const void_tags[] = {
        "area", "base",  "br",     "col",   "embed",    "hr",
        "img",  "input", "link",   "meta",  "param",    "source",
        "track", "wbr",  "basefont", "bgsound", "frame", "keygen",
        "image", NULL};
static const char *const raw_tags[] = {"script",   "style",    "textarea",
                                       "title",    "xmp",      "iframe",
                                       "noembed",  "noframes", "noscript",
                                       NULL};
static const char *const autoclose_tags[] = {
        "p",  "li",    "dt", "dd",       "option",   "optgroup",
        "tr", "td",    "th", "tbody",    "thead",    "tfoot",
        "rb", "rt",    "rtc", "rp",      "colgroup", "caption",
        NULL};

static uint32_t name_hash(const struct tagname *t)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < t->n; i++)
		h = (h ^ to_lower((unsigned char)t->s[i])) * 16777619u;
	return h;
}

/* After "<!" or "<?": a comment ends at "-->", anything else at '>'. */
static size_t skip_decl(const char *s, size_t len, size_t i)
{
	const char *e;

	if (len - i >= 3 && s[i] == '!' && s[i + 1] == '-' && s[i + 2] == '-') {
		for (i += 3; i + 2 < len; i++)
			if (s[i] == '-' && s[i + 1] == '-' && s[i + 2] == '>')
				return i + 3;
		return len;
	}
	e = memchr(s + i, '>', len - i);
	return e ? (size_t)(e - s) + 1 : len;
}

/* From just after a tag name to just after its '>', honouring quoted
 * attribute values; *self_closing when "/>" ends it. */
static size_t skip_tag(const char *s, size_t len, size_t i, bool *self_closing)
{
	char prev = 0;

	*self_closing = false;
	while (i < len && s[i] != '>') {
		if ((s[i] == '"' || s[i] == '\'') && prev == '=') {
			const char *q = memchr(s + i + 1, s[i], len - i - 1);

			if (q == NULL)
				return len;
			i = (size_t)(q - s) + 1;
			prev = 'v';
			continue;
		}
		if (!is_ws((unsigned char)s[i]))
			prev = s[i];
		i++;
	}
	*self_closing = prev == '/';
	return i < len ? i + 1 : len;
}

/* Past the end tag that closes raw text `t` (e.g. "</script"). */
static size_t skip_raw(const char *s, size_t len, size_t i,
                       const struct tagname *t)
{
	while (i < len) {
		const char *lt = memchr(s + i, '<', len - i);

		if (lt == NULL)
			return len;
		i = (size_t)(lt - s) + 1;
		if (i + 1 + t->n <= len && s[i] == '/' &&
		    strncasecmp(s + i + 1, t->s, t->n) == 0)
			return i;
	}
	return len;
}

static size_t read_name(const char *s, size_t len, size_t i, struct tagname *t)
{
	t->s = s + i;
	while (i < len && !is_ws((unsigned char)s[i]) && s[i] != '/' &&
	       s[i] != '>')
		i++;
	t->n = (size_t)(s + i - t->s);
	return i;
}

static void pop_to(uint32_t *stack, size_t *depth, uint32_t h)
{
	size_t stop = *depth > PRESCAN_WINDOW ? *depth - PRESCAN_WINDOW : 0;

	for (size_t k = *depth; k > stop; k--)
		if (stack[k - 1] == h) {
			*depth = k - 1;
			return;
		}
}

static enum ic_err prescan(const char *s, size_t len, char *errbuf)
{
	uint32_t stack[IC_MAX_MF2_DEPTH];
	size_t depth = 0, i = 0;

	while (i < len) {
		const char *lt = memchr(s + i, '<', len - i);
		struct tagname t;
		bool closing, self;

		if (lt == NULL)
			break;
		i = (size_t)(lt - s) + 1;
		if (i >= len)
			break;
		if (s[i] == '!' || s[i] == '?') {
			i = skip_decl(s, len, i);
			continue;
		}
		closing = s[i] == '/';
		if (i + closing >= len)
			break;
		if (!is_alpha((unsigned char)s[i + closing]))
			continue;
		i = read_name(s, len, i + closing, &t);
		i = skip_tag(s, len, i, &self);
		if (closing) {
			pop_to(stack, &depth, name_hash(&t));
			continue;
		}
		if (name_in(&t, raw_tags)) {
			i = skip_raw(s, len, i, &t);
			continue;
		}
		if (self || name_in(&t, void_tags))
			continue;
		if (t.n == 9 && strncasecmp(t.s, "plaintext", 9) == 0)
			break;
		if (name_in(&t, autoclose_tags))
			pop_to(stack, &depth, name_hash(&t));
		if (depth == IC_MAX_MF2_DEPTH)
			return ic_fail(errbuf, IC_ERR_TOO_LARGE,
			               "mf2: HTML nested deeper than %d elements",
			               IC_MAX_MF2_DEPTH);
		stack[depth++] = name_hash(&t);
	}
	return IC_OK;
}

/* --- The parser's state -------------------------------------------------- */

struct mf2 {
	struct ic_arena *a;
	const char *doc_base; /* the base URL as the caller gave it */
	const char *base;     /* the document base: <base href> or doc_base */
	cJSON *items, *rels, *rel_urls;
	size_t nitems, nprops, out_bytes, visits;
	struct slot *slots; /* the index: see mf2_index_get() */
	size_t nslots, nused;
	char *errbuf;
};

/* One microformat being parsed. */
struct item {
	cJSON *obj, *props, *children;
	const GumboNode *el;
	const char *date;  /* first dt-* date: implied for a later bare time */
	bool has_pe;       /* a p-* or e-* property: no implied name */
	bool has_u;        /* a u-* property: no implied photo or url */
	bool has_nested;   /* a nested microformat: no implied anything */
	bool name_p;       /* name came from p-name or was implied */
	bool url_u;        /* url came from u-url or was implied */
};

static enum ic_err mf2_nomem(struct mf2 *m)
{
	return ic_fail(m->errbuf, IC_ERR_NOMEM, "mf2: out of memory");
}

/* Charge one node to the visit budget (IC_MAX_MF2_NODE_VISITS). */
static enum ic_err mf2_visit(struct mf2 *m)
{
	if (++m->visits > IC_MAX_MF2_NODE_VISITS)
		return ic_fail(m->errbuf, IC_ERR_TOO_LARGE,
		               "mf2: more than %u node visits",
		               (unsigned)IC_MAX_MF2_NODE_VISITS);
	return IC_OK;
}

static enum ic_err mf2_buf_err(struct mf2 *m, enum ic_err rc)
{
	if (rc == IC_ERR_TOO_LARGE)
		return ic_fail(m->errbuf, rc, "mf2: more than %u bytes of text",
		               (unsigned)IC_MAX_MF2_OUTPUT_BYTES);
	return mf2_nomem(m);
}

/* A JSON string of s[0..n), charged to IC_MAX_MF2_OUTPUT_BYTES. */
static enum ic_err mf2_new_string(struct mf2 *m, const char *s, size_t n,
                              cJSON **out)
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

static enum ic_err mf2_add_to_array(struct mf2 *m, cJSON *arr, cJSON *v)
{
	if (!cJSON_AddItemToArray(arr, v)) {
		cJSON_Delete(v);
		return mf2_nomem(m);
	}
	return IC_OK;
}

static enum ic_err mf2_add_to_object(struct mf2 *m, cJSON *obj, const char *k,
                                 cJSON *v)
{
	if (v == NULL || !cJSON_AddItemToObject(obj, k, v)) {
		cJSON_Delete(v);
		return mf2_nomem(m);
	}
	return IC_OK;
}

static enum ic_err mf2_add_string(struct mf2 *m, cJSON *obj, const char *k,
                              const char *s)
{
	cJSON *v;
	enum ic_err rc = mf2_new_string(m, s, strlen(s), &v);

	return rc != IC_OK ? rc : mf2_add_to_object(m, obj, k, v);
}

/* Count one property value or rel link (IC_MAX_MF2_PROPERTIES). */
static enum ic_err mf2_count_prop(struct mf2 *m)
{
	if (++m->nprops > IC_MAX_MF2_PROPERTIES)
		return ic_fail(m->errbuf, IC_ERR_TOO_LARGE,
		               "mf2: more than %d property values",
		               IC_MAX_MF2_PROPERTIES);
	return IC_OK;
}

/* --- An index of names ---------------------------------------------------- */

/*
 * cJSON finds an object member or an array element by walking the list,
 * so a page with thousands of property names or rel links would make
 * every lookup linear and the parse quadratic.  One open-addressing table
 * per parse maps (container, name) to the member instead: property arrays
 * of an item, rels arrays, rel-urls entries, and the strings already in a
 * rels list.  Keys live in the arena or the gumbo tree, both of which
 * outlive the parse.
 */
struct slot {
	const void *owner;
	const char *key;
	uint32_t hash;
	cJSON *val;
};

static uint32_t str_hash(const void *owner, const char *key)
{
	uint32_t h = 2166136261u ^ (uint32_t)(uintptr_t)owner;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

static struct slot *index_probe(struct slot *slots, size_t cap,
                                const void *owner, const char *key,
                                uint32_t h)
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
static struct slot *mf2_index_get(struct mf2 *m, const void *owner,
                              const char *key, bool insert)
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
	*sl = (struct slot){owner, key, h, NULL};
	m->nused++;
	return sl;
}

/* The array member `name` of obj, created empty when absent. */
static enum ic_err mf2_member_array(struct mf2 *m, cJSON *obj, const char *name,
                                cJSON **arr)
{
	struct slot *sl = mf2_index_get(m, obj, name, true);

	if (sl == NULL)
		return mf2_nomem(m);
	if (sl->val == NULL &&
	    (sl->val = cJSON_AddArrayToObject(obj, name)) == NULL)
		return mf2_nomem(m);
	*arr = sl->val;
	return IC_OK;
}

/* --- Gumbo helpers -------------------------------------------------------- */

static bool is_element(const GumboNode *n)
{
	return n->type == GUMBO_NODE_ELEMENT;
}

static bool is_tag(const GumboNode *n, GumboTag tag)
{
	return n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == tag;
}

static const GumboVector *kids(const GumboNode *n)
{
	return &n->v.element.children;
}

static const GumboNode *kid(const GumboNode *n, unsigned int i)
{
	return n->v.element.children.data[i];
}

static const char *attr(const GumboNode *n, const char *name)
{
	const GumboAttribute *at =
	        gumbo_get_attribute(&n->v.element.attributes, name);

	return at ? at->value : NULL;
}

/* --- URLs --------------------------------------------------------------- */

/* RFC 3986 §3.1: does s start with "scheme:"? */
static bool mf2_has_scheme(const char *s, size_t n)
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

/*
 * MC-1: a URL value made absolute against the document base.  The suite
 * expects no normalisation, so an empty reference is the base as written
 * and a reference with a scheme (any scheme: `mailto:`, `javascript:`...)
 * is kept as written; only relative references go through
 * ic_url_resolve().  One that cannot be resolved is kept as written too:
 * consumers check every URL they use (MC-5).
 */
static enum ic_err mf2_resolve(struct mf2 *m, const char *ref, const char **out)
{
	size_t n = strlen(ref);
	const char *t = trim(ref, &n);
	char *abs;
	enum ic_err rc;

	if (n == 0) {
		*out = m->base;
		return IC_OK;
	}
	if (!mf2_has_scheme(t, n)) {
		rc = ic_url_resolve(m->a, m->base, ref, &abs, NULL);
		if (rc == IC_ERR_NOMEM)
			return mf2_nomem(m);
		if (rc == IC_OK) {
			*out = abs;
			return IC_OK;
		}
	}
	*out = (t == ref && n == strlen(ref)) ? ref
	                                      : ic_arena_strndup(m->a, t, n);
	return *out ? IC_OK : mf2_nomem(m);
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
	while (k < n && (is_lower((unsigned char)s[k]) ||
	                 is_digit((unsigned char)s[k])))
		k++;
	return k > 0 && k < n && s[k] == '-' &&
	       letters_dashed(s + k + 1, n - k - 1);
}

enum prefix { PFX_P, PFX_U, PFX_DT, PFX_E };

struct prop {
	enum prefix kind;
	char *name;
};

struct classes {
	const char **roots;
	size_t nroots;
	struct prop *props;
	size_t nprops;
};

#define CLS_ROOT        0x1u
#define CLS_PROP        0x2u
#define CLS_VALUE       0x4u
#define CLS_VALUE_TITLE 0x8u

/* The next class token in *p, or false at the end. */
static bool mf2_next_token(const char **p, const char **tok, size_t *n)
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
	} pfx[] = {{"p-", PFX_P}, {"u-", PFX_U}, {"dt-", PFX_DT}, {"e-", PFX_E}};

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
static unsigned mf2_class_flags(const GumboNode *n)
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
static enum ic_err mf2_parse_classes(struct mf2 *m, const GumboNode *n,
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

/* --- Text content (MC-2) ------------------------------------------------ */

enum text_mode {
	TEXT_DOM, /* the DOM's textContent (rel-urls "text") */
	TEXT_MF   /* script/style dropped, img replaced (p-*, e-* value) */
};

static enum ic_err text_of(struct mf2 *m, const GumboNode *n,
                           struct ic_buf *b, enum text_mode mode);

/* An <img> in mf2 text: its alt, else " " + absolute src + " ". */
static enum ic_err text_img(struct mf2 *m, const GumboNode *n,
                            struct ic_buf *b)
{
	const char *alt = attr(n, "alt"), *src = attr(n, "src"), *abs;
	enum ic_err rc;

	if (alt != NULL)
		rc = ic_buf_adds(b, alt);
	else if (src != NULL) {
		rc = mf2_resolve(m, src, &abs);
		if (rc != IC_OK)
			return rc;
		rc = ic_buf_addc(b, ' ');
		if (rc == IC_OK)
			rc = ic_buf_adds(b, abs);
		if (rc == IC_OK)
			rc = ic_buf_addc(b, ' ');
	} else
		return IC_OK;
	return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
}

static enum ic_err mf2_text_kids(struct mf2 *m, const GumboNode *n,
                             struct ic_buf *b, enum text_mode mode)
{
	for (unsigned int i = 0; i < kids(n)->length; i++) {
		enum ic_err rc = text_of(m, kid(n, i), b, mode);

		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

static enum ic_err text_of(struct mf2 *m, const GumboNode *n,
                           struct ic_buf *b, enum text_mode mode)
{
	enum ic_err rc = mf2_visit(m);

	if (rc != IC_OK)
		return rc;
	switch (n->type) {
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
	case GUMBO_NODE_CDATA:
		rc = ic_buf_adds(b, n->v.text.text);
		return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
	case GUMBO_NODE_ELEMENT:
		break;
	default:
		return IC_OK; /* comments; <template> content is inert */
	}
	if (mode == TEXT_MF) {
		if (is_tag(n, GUMBO_TAG_SCRIPT) || is_tag(n, GUMBO_TAG_STYLE))
			return IC_OK;
		if (is_tag(n, GUMBO_TAG_IMG))
			return text_img(m, n, b);
	}
	return mf2_text_kids(m, n, b, mode);
}

/* The trimmed mf2 text of an element's content, as a JSON string. */
static enum ic_err text_value(struct mf2 *m, const GumboNode *n, cJSON **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	enum ic_err rc = mf2_text_kids(m, n, &b, TEXT_MF);
	size_t len = b.len;
	const char *t = trim(b.buf, &len);

	if (rc == IC_OK)
		rc = mf2_new_string(m, t, len, out);
	ic_buf_release(&b);
	return rc;
}

/* --- HTML serialisation for e-* `html` (MC-2) ----------------------------- */

static enum ic_err serialize(struct mf2 *m, const GumboNode *n,
                             struct ic_buf *b);

static enum ic_err add_escaped(struct ic_buf *b, const char *s, bool in_attr)
{
	const char *run = s;
	enum ic_err rc = IC_OK;

	for (; *s && rc == IC_OK; s++) {
		const char *rep = NULL;
		size_t skip = 1;

		if (*s == '&')
			rep = "&amp;";
		else if (*s == '\xc2' && s[1] == '\xa0') {
			rep = "&nbsp;";
			skip = 2;
		} else if (in_attr && *s == '"')
			rep = "&quot;";
		else if (!in_attr && *s == '<')
			rep = "&lt;";
		else if (!in_attr && *s == '>')
			rep = "&gt;";
		if (rep == NULL)
			continue;
		rc = ic_buf_add(b, run, (size_t)(s - run));
		if (rc == IC_OK)
			rc = ic_buf_adds(b, rep);
		s += skip - 1;
		run = s + 1;
	}
	return rc == IC_OK ? ic_buf_adds(b, run) : rc;
}

/* The element's name as HTML serialises it. */
static enum ic_err add_tag_name(struct ic_buf *b, const GumboElement *el)
{
	GumboStringPiece piece = el->original_tag;
	const char *svg;
	enum ic_err rc = IC_OK;

	if (el->tag != GUMBO_TAG_UNKNOWN)
		return ic_buf_adds(b, gumbo_normalized_tagname(el->tag));
	gumbo_tag_from_original_text(&piece);
	if (el->tag_namespace == GUMBO_NAMESPACE_SVG) {
		svg = gumbo_normalize_svg_tagname(&piece);
		if (svg != NULL)
			return ic_buf_adds(b, svg);
	}
	for (size_t i = 0; i < piece.length && rc == IC_OK; i++) {
		unsigned char c = (unsigned char)piece.data[i];

		rc = ic_buf_addc(b, (char)(el->tag_namespace ==
		                                           GUMBO_NAMESPACE_SVG
		                                   ? c
		                                   : to_lower(c)));
	}
	return rc;
}

static bool is_void(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_AREA:
	case GUMBO_TAG_BASE:
	case GUMBO_TAG_BR:
	case GUMBO_TAG_COL:
	case GUMBO_TAG_EMBED:
	case GUMBO_TAG_HR:
	case GUMBO_TAG_IMG:
	case GUMBO_TAG_INPUT:
	case GUMBO_TAG_LINK:
	case GUMBO_TAG_META:
	case GUMBO_TAG_PARAM:
	case GUMBO_TAG_SOURCE:
	case GUMBO_TAG_TRACK:
	case GUMBO_TAG_WBR:
	case GUMBO_TAG_BASEFONT:
	case GUMBO_TAG_BGSOUND:
	case GUMBO_TAG_FRAME:
	case GUMBO_TAG_KEYGEN:
		return true;
	default:
		return false;
	}
}

/* Text in these is serialised as it is (HTML's serialisation algorithm). */
static bool is_raw_parent(const GumboNode *p)
{
	if (p == NULL || p->type != GUMBO_NODE_ELEMENT)
		return false;
	switch (p->v.element.tag) {
	case GUMBO_TAG_STYLE:
	case GUMBO_TAG_SCRIPT:
	case GUMBO_TAG_XMP:
	case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_NOEMBED:
	case GUMBO_TAG_NOFRAMES:
	case GUMBO_TAG_PLAINTEXT:
	case GUMBO_TAG_NOSCRIPT:
		return true;
	default:
		return false;
	}
}

static enum ic_err add_attr(struct mf2 *m, struct ic_buf *b,
                            const GumboAttribute *at)
{
	static const char *const ns[] = {"", "xlink:", "xml:", "xmlns:"};
	const char *value = at->value;
	enum ic_err rc;

	/* MC-2: links in e-* html are made absolute, as the suite's
	 * h-entry/urlincontent expects. */
	if (strcmp(at->name, "href") == 0 || strcmp(at->name, "src") == 0) {
		rc = mf2_resolve(m, at->value, &value);
		if (rc != IC_OK)
			return rc;
	}
	rc = ic_buf_addc(b, ' ');
	if (rc == IC_OK && at->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE &&
	    !(at->attr_namespace == GUMBO_ATTR_NAMESPACE_XMLNS &&
	      strcmp(at->name, "xmlns") == 0))
		rc = ic_buf_adds(b, ns[at->attr_namespace]);
	if (rc == IC_OK)
		rc = ic_buf_adds(b, at->name);
	if (rc == IC_OK)
		rc = ic_buf_adds(b, "=\"");
	if (rc == IC_OK)
		rc = add_escaped(b, value, true);
	if (rc == IC_OK)
		rc = ic_buf_addc(b, '"');
	return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
}

static enum ic_err serialize_kids(struct mf2 *m, const GumboNode *n,
                                  struct ic_buf *b)
{
	for (unsigned int i = 0; i < kids(n)->length; i++) {
		enum ic_err rc = serialize(m, kid(n, i), b);

		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

static enum ic_err serialize_element(struct mf2 *m, const GumboNode *n,
                                     struct ic_buf *b)
{
	const GumboElement *el = &n->v.element;
	enum ic_err rc = ic_buf_addc(b, '<');

	if (rc == IC_OK)
		rc = add_tag_name(b, el);
	if (rc != IC_OK)
		return mf2_buf_err(m, rc);
	for (unsigned int i = 0; i < el->attributes.length; i++) {
		rc = add_attr(m, b, el->attributes.data[i]);
		if (rc != IC_OK)
			return rc;
	}
	rc = ic_buf_addc(b, '>');
	if (rc != IC_OK)
		return mf2_buf_err(m, rc);
	if (el->tag_namespace == GUMBO_NAMESPACE_HTML && is_void(el->tag))
		return IC_OK;
	rc = serialize_kids(m, n, b);
	if (rc != IC_OK)
		return rc;
	rc = ic_buf_adds(b, "</");
	if (rc == IC_OK)
		rc = add_tag_name(b, el);
	if (rc == IC_OK)
		rc = ic_buf_addc(b, '>');
	return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
}

static enum ic_err serialize(struct mf2 *m, const GumboNode *n,
                             struct ic_buf *b)
{
	enum ic_err rc = mf2_visit(m);

	if (rc != IC_OK)
		return rc;
	switch (n->type) {
	case GUMBO_NODE_ELEMENT:
	case GUMBO_NODE_TEMPLATE:
		return serialize_element(m, n, b);
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
		rc = is_raw_parent(n->parent) ? ic_buf_adds(b, n->v.text.text)
		                              : add_escaped(b, n->v.text.text,
		                                            false);
		break;
	case GUMBO_NODE_CDATA:
		rc = ic_buf_addf(b, "<![CDATA[%s]]>", n->v.text.text);
		break;
	case GUMBO_NODE_COMMENT:
		rc = ic_buf_addf(b, "<!--%s-->", n->v.text.text);
		break;
	default:
		break;
	}
	return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
}

/* --- Value-class pattern ---------------------------------------------------- */

/*
 * The `value` and `value-title` descendants of a property element, in
 * document order, that belong to it: the search does not enter another
 * property or microformat (though such an element may itself be a value)
 * nor a value element (tests v2-unit/value).
 */
struct vcp {
	const GumboNode **els;
	size_t n, cap;
};

static enum ic_err vcp_collect(struct mf2 *m, const GumboNode *n,
                               struct vcp *v)
{
	for (unsigned int i = 0; i < kids(n)->length; i++) {
		const GumboNode *c = kid(n, i);
		unsigned f;
		enum ic_err rc;

		if (!is_element(c))
			continue;
		rc = mf2_visit(m);
		if (rc != IC_OK)
			return rc;
		f = mf2_class_flags(c);
		if (f & (CLS_VALUE | CLS_VALUE_TITLE)) {
			if (v->n == v->cap) {
				size_t cap = v->cap ? 2 * v->cap : 8;
				const GumboNode **els = ic_arena_alloc(
				        m->a, cap * sizeof(*els));

				if (els == NULL)
					return mf2_nomem(m);
				if (v->n)
					memcpy(els, v->els,
					       v->n * sizeof(*els));
				v->els = els;
				v->cap = cap;
			}
			v->els[v->n++] = c;
			continue;
		}
		if (f & (CLS_ROOT | CLS_PROP))
			continue;
		rc = vcp_collect(m, c, v);
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

/* The text one value element contributes, into *b; `dt` adds the
 * datetime attribute of time/ins/del. */
static enum ic_err vcp_part(struct mf2 *m, const GumboNode *c, bool dt,
                            struct ic_buf *b)
{
	const char *s = NULL;
	enum ic_err rc;

	if (mf2_class_flags(c) & CLS_VALUE_TITLE)
		s = attr(c, "title");
	else if (is_tag(c, GUMBO_TAG_IMG) || is_tag(c, GUMBO_TAG_AREA))
		s = attr(c, "alt");
	else if (is_tag(c, GUMBO_TAG_DATA))
		s = attr(c, "value");
	else if (is_tag(c, GUMBO_TAG_ABBR))
		s = attr(c, "title");
	else if (dt && (is_tag(c, GUMBO_TAG_TIME) || is_tag(c, GUMBO_TAG_INS) ||
	                is_tag(c, GUMBO_TAG_DEL)))
		s = attr(c, "datetime");
	if (s != NULL || is_tag(c, GUMBO_TAG_IMG) || is_tag(c, GUMBO_TAG_AREA) ||
	    (mf2_class_flags(c) & CLS_VALUE_TITLE)) {
		rc = ic_buf_adds(b, s ? s : "");
		return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
	}
	return mf2_text_kids(m, c, b, TEXT_DOM);
}

/* p-* and u-*: the parts concatenated; *found false when there are none. */
static enum ic_err mf2_vcp_text(struct mf2 *m, const GumboNode *n,
                            struct ic_buf *b, bool *found)
{
	struct vcp v = {NULL, 0, 0};
	enum ic_err rc = vcp_collect(m, n, &v);

	*found = v.n > 0;
	for (size_t i = 0; i < v.n && rc == IC_OK; i++)
		rc = vcp_part(m, v.els[i], false, b);
	return rc;
}

/* --- Dates and times (value-class pattern for dt-*, MC-7) ------------------ */

struct dt_parts {
	char date[16];
	char time[24];
	char tz[8];
};

static size_t digits(const char *s, size_t n, size_t i, size_t want)
{
	size_t k = 0;

	while (i + k < n && k < want && is_digit((unsigned char)s[i + k]))
		k++;
	return k;
}

/* YYYY-MM-DD or YYYY-DDD at s[0..n): its length, or 0. */
static size_t mf2_scan_date(const char *s, size_t n)
{
	if (digits(s, n, 0, 4) != 4 || n < 5 || s[4] != '-')
		return 0;
	if (digits(s, n, 5, 2) == 2 && n > 7 && s[7] == '-' &&
	    digits(s, n, 8, 2) == 2 && (n == 10 || !is_digit((unsigned char)s[10])))
		return 10;
	if (digits(s, n, 5, 3) == 3 && (n == 8 || !is_digit((unsigned char)s[8])))
		return 8;
	return 0;
}

/* Z, z, ±HH, ±HHMM, ±HH:MM filling the whole of s[0..n); normalised
 * into out ("Z" or "±HH:MM" or "±HH", the tests README's form). */
static bool scan_tz(const char *s, size_t n, char out[8])
{
	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		strcpy(out, "Z");
		return true;
	}
	if (n < 3 || (s[0] != '+' && s[0] != '-') || digits(s, n, 1, 2) != 2)
		return false;
	if (n == 3) {
		memcpy(out, s, 3);
		out[3] = '\0';
		return true;
	}
	if ((n == 5 && digits(s, n, 3, 2) == 2) ||
	    (n == 6 && s[3] == ':' && digits(s, n, 4, 2) == 2)) {
		memcpy(out, s, 3);
		out[3] = ':';
		memcpy(out + 4, s + n - 2, 2);
		out[6] = '\0';
		return true;
	}
	return false;
}

/* am/pm suffix (am, pm, a.m., p.m., any case) at s[i..n): its length,
 * *pm set; 0 when there is none. */
static size_t scan_ampm(const char *s, size_t n, size_t i, bool *pm)
{
	char c;

	if (i >= n)
		return 0;
	c = (char)to_lower((unsigned char)s[i]);
	if (c != 'a' && c != 'p')
		return 0;
	*pm = c == 'p';
	if (i + 2 <= n && to_lower((unsigned char)s[i + 1]) == 'm')
		return 2;
	if (i + 4 <= n && s[i + 1] == '.' &&
	    to_lower((unsigned char)s[i + 2]) == 'm' && s[i + 3] == '.')
		return 4;
	return 0;
}

/*
 * A time, with an optional timezone, filling the whole of s[0..n):
 * H[:MM[:SS[.f]]] am|pm, or HH:MM[:SS[.f]]; written into p->time (am/pm
 * turned into 24-hour "HH:MM[:SS]") and p->tz.
 */
static bool mf2_scan_time(const char *s, size_t n, char time[24], char tz[8])
{
	size_t h = digits(s, n, 0, 2), i = h, frac_end, ampm;
	bool pm = false, has_min = false;

	if (h == 0)
		return false;
	if (i < n && s[i] == ':' && digits(s, n, i + 1, 2) == 2) {
		has_min = true;
		i += 3;
		if (i < n && s[i] == ':' && digits(s, n, i + 1, 2) == 2) {
			i += 3;
			if (i < n && s[i] == '.' && digits(s, n, i + 1, 9) > 0)
				i += 1 + digits(s, n, i + 1, 9);
		}
	}
	frac_end = i;
	while (i < n && s[i] == ' ')
		i++;
	ampm = scan_ampm(s, n, i, &pm);
	if (ampm == 0) {
		i = frac_end;
		if (h != 2 || !has_min)
			return false;
	}
	if (frac_end >= 24)
		return false;
	tz[0] = '\0';
	if (i + ampm < n && !scan_tz(s + i + ampm, n - i - ampm, tz))
		return false;
	if (ampm == 0) {
		memcpy(time, s, frac_end);
		time[frac_end] = '\0';
		return true;
	}
	{
		int hour = (s[0] - '0') * (h == 2 ? 10 : 1) +
		           (h == 2 ? s[1] - '0' : 0);

		if (hour < 1 || hour > 12)
			return false;
		hour = hour % 12 + (pm ? 12 : 0);
		time[0] = (char)('0' + hour / 10);
		time[1] = (char)('0' + hour % 10);
		if (has_min) {
			memcpy(time + 2, s + h, frac_end - h);
			time[2 + frac_end - h] = '\0';
		} else
			strcpy(time + 2, ":00");
	}
	return true;
}

/* One value part: date, time, timezone or date-time; first of each wins
 * (tests v2-unit/value/value-dt). */
static void dt_add_part(struct dt_parts *p, const char *s, size_t n)
{
	char time[24], tz[8];
	size_t d;

	s = trim(s, &n);
	if (n == 0)
		return;
	d = mf2_scan_date(s, n);
	if (d == n) {
		if (p->date[0] == '\0') {
			memcpy(p->date, s, d);
			p->date[d] = '\0';
		}
		return;
	}
	if (d > 0 && (s[d] == 'T' || s[d] == 't' || s[d] == ' ')) {
		if (p->date[0] == '\0' && p->time[0] == '\0' &&
		    mf2_scan_time(s + d + 1, n - d - 1, time, tz)) {
			memcpy(p->date, s, d);
			p->date[d] = '\0';
			strcpy(p->time, time);
			if (p->tz[0] == '\0')
				strcpy(p->tz, tz);
		}
		return;
	}
	if (mf2_scan_time(s, n, time, tz)) {
		if (p->time[0] == '\0') {
			strcpy(p->time, time);
			if (p->tz[0] == '\0')
				strcpy(p->tz, tz);
		}
		return;
	}
	if (p->tz[0] == '\0' && scan_tz(s, n, tz))
		strcpy(p->tz, tz);
}

/* dt-*: combine the value parts into "date time tz"; *found false when no
 * date or time was among them. */
static enum ic_err mf2_vcp_datetime(struct mf2 *m, const GumboNode *n,
                                struct ic_buf *out, bool *found)
{
	struct vcp v = {NULL, 0, 0};
	struct dt_parts p = {"", "", ""};
	enum ic_err rc = vcp_collect(m, n, &v);

	for (size_t i = 0; i < v.n && rc == IC_OK; i++) {
		struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);

		rc = vcp_part(m, v.els[i], true, &b);
		if (rc == IC_OK)
			dt_add_part(&p, b.buf, b.len);
		ic_buf_release(&b);
	}
	*found = rc == IC_OK && (p.date[0] || p.time[0]);
	if (!*found)
		return rc;
	rc = ic_buf_adds(out, p.date);
	if (rc == IC_OK && p.date[0] && p.time[0])
		rc = ic_buf_addc(out, ' ');
	if (rc == IC_OK && p.time[0])
		rc = ic_buf_addf(out, "%s%s", p.time, p.tz);
	return rc == IC_OK ? IC_OK : mf2_buf_err(m, rc);
}

/* --- Property values ------------------------------------------------------ */

/* Attribute `name` of n when n is a <tag>, else NULL. */
static const char *first_attr(const GumboNode *n, GumboTag tag,
                              const char *name)
{
	return is_tag(n, tag) ? attr(n, name) : NULL;
}

/* "Parsing a p- property" (MC-2: text without script/style). */
static enum ic_err mf2_p_value(struct mf2 *m, const GumboNode *n, cJSON **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	const char *s;
	bool found;
	enum ic_err rc = mf2_vcp_text(m, n, &b, &found);

	if (rc == IC_OK && found)
		rc = mf2_new_string(m, b.buf, b.len, out);
	ic_buf_release(&b);
	if (rc != IC_OK || found)
		return rc;
	if ((s = first_attr(n, GUMBO_TAG_ABBR, "title")) ||
	    (s = first_attr(n, GUMBO_TAG_LINK, "title")) ||
	    (s = first_attr(n, GUMBO_TAG_DATA, "value")) ||
	    (s = first_attr(n, GUMBO_TAG_INPUT, "value")) ||
	    (s = first_attr(n, GUMBO_TAG_IMG, "alt")) ||
	    (s = first_attr(n, GUMBO_TAG_AREA, "alt")))
		return mf2_new_string(m, s, strlen(s), out);
	return text_value(m, n, out);
}

/* The URL-bearing attribute of a u-* element, or NULL. */
static const char *u_attr(const GumboNode *n)
{
	const char *s;

	if ((s = first_attr(n, GUMBO_TAG_A, "href")) ||
	    (s = first_attr(n, GUMBO_TAG_AREA, "href")) ||
	    (s = first_attr(n, GUMBO_TAG_LINK, "href")) ||
	    (s = first_attr(n, GUMBO_TAG_IMG, "src")) ||
	    (s = first_attr(n, GUMBO_TAG_AUDIO, "src")) ||
	    (s = first_attr(n, GUMBO_TAG_VIDEO, "src")) ||
	    (s = first_attr(n, GUMBO_TAG_SOURCE, "src")) ||
	    (s = first_attr(n, GUMBO_TAG_IFRAME, "src")) ||
	    (s = first_attr(n, GUMBO_TAG_VIDEO, "poster")) ||
	    (s = first_attr(n, GUMBO_TAG_OBJECT, "data")))
		return s;
	return NULL;
}

/* An absolute URL value; for an <img> with alt, {"value", "alt"}. */
static enum ic_err mf2_url_json(struct mf2 *m, const char *ref, const char *alt,
                            cJSON **out)
{
	const char *abs;
	cJSON *o, *v;
	enum ic_err rc = mf2_resolve(m, ref, &abs);

	if (rc != IC_OK)
		return rc;
	if (alt == NULL)
		return mf2_new_string(m, abs, strlen(abs), out);
	o = cJSON_CreateObject();
	if (o == NULL)
		return mf2_nomem(m);
	rc = mf2_new_string(m, abs, strlen(abs), &v);
	if (rc == IC_OK)
		rc = mf2_add_to_object(m, o, "value", v);
	if (rc == IC_OK)
		rc = mf2_add_string(m, o, "alt", alt);
	if (rc != IC_OK) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return IC_OK;
}

/* "Parsing a u- property" (MC-1: absolute against the document base). */
static enum ic_err mf2_u_value(struct mf2 *m, const GumboNode *n, cJSON **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	const char *s = u_attr(n);
	char *text = NULL;
	size_t len;
	bool found;
	enum ic_err rc;

	if (s != NULL)
		return mf2_url_json(m, s,
		                is_tag(n, GUMBO_TAG_IMG) ? attr(n, "alt") : NULL,
		                out);
	rc = mf2_vcp_text(m, n, &b, &found);
	if (rc == IC_OK && !found) {
		if ((s = first_attr(n, GUMBO_TAG_ABBR, "title")) ||
		    (s = first_attr(n, GUMBO_TAG_DATA, "value")) ||
		    (s = first_attr(n, GUMBO_TAG_INPUT, "value"))) {
			rc = ic_buf_adds(&b, s);
			if (rc != IC_OK)
				rc = mf2_buf_err(m, rc);
		} else
			rc = mf2_text_kids(m, n, &b, TEXT_MF);
	}
	len = b.len;
	s = trim(b.buf, &len);
	if (rc == IC_OK && (text = ic_arena_strndup(m->a, s, len)) == NULL)
		rc = mf2_nomem(m);
	ic_buf_release(&b);
	return rc == IC_OK ? mf2_url_json(m, text, NULL, out) : rc;
}

/* A date for a bare time (VCP), and the first date kept for later ones. */
static enum ic_err dt_imply_date(struct mf2 *m, struct item *it,
                                 struct ic_buf *b)
{
	char time[24], tz[8];
	size_t d = mf2_scan_date(b->buf, b->len);
	enum ic_err rc;

	if (d > 0) {
		if (it->date == NULL) {
			it->date = ic_arena_strndup(m->a, b->buf, d);
			if (it->date == NULL)
				return mf2_nomem(m);
		}
		return IC_OK;
	}
	if (it->date == NULL || !mf2_scan_time(b->buf, b->len, time, tz))
		return IC_OK;
	{
		struct ic_buf nb = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);

		rc = ic_buf_addf(&nb, "%s %s", it->date, b->buf);
		if (rc != IC_OK)
			return mf2_buf_err(m, rc);
		ic_buf_release(b);
		*b = nb;
	}
	return IC_OK;
}

/* "Parsing a dt- property". */
static enum ic_err mf2_dt_value(struct mf2 *m, const GumboNode *n,
                            struct item *it, cJSON **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	const char *s;
	size_t len;
	bool found;
	enum ic_err rc = mf2_vcp_datetime(m, n, &b, &found);

	if (rc == IC_OK && !found) {
		if ((s = first_attr(n, GUMBO_TAG_TIME, "datetime")) ||
		    (s = first_attr(n, GUMBO_TAG_INS, "datetime")) ||
		    (s = first_attr(n, GUMBO_TAG_DEL, "datetime")) ||
		    (s = first_attr(n, GUMBO_TAG_ABBR, "title")) ||
		    (s = first_attr(n, GUMBO_TAG_DATA, "value")) ||
		    (s = first_attr(n, GUMBO_TAG_INPUT, "value"))) {
			rc = ic_buf_adds(&b, s);
			if (rc != IC_OK)
				rc = mf2_buf_err(m, rc);
		} else {
			rc = mf2_text_kids(m, n, &b, TEXT_MF);
			len = b.len;
			s = trim(b.buf, &len);
			if (rc == IC_OK && len < b.len) {
				memmove(b.buf, s, len);
				ic_buf_truncate(&b, len);
			}
		}
	}
	if (rc == IC_OK)
		rc = dt_imply_date(m, it, &b);
	if (rc == IC_OK)
		rc = mf2_new_string(m, b.buf, b.len, out);
	ic_buf_release(&b);
	return rc;
}

/* "Parsing an e- property": {"html", "value"} added to obj (MC-2). */
static enum ic_err mf2_e_fill(struct mf2 *m, const GumboNode *n, cJSON *obj)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	cJSON *v = NULL;
	size_t len;
	const char *t;
	enum ic_err rc = serialize_kids(m, n, &b);

	len = b.len;
	t = trim(b.buf, &len);
	if (rc == IC_OK)
		rc = mf2_new_string(m, t, len, &v);
	ic_buf_release(&b);
	if (rc == IC_OK)
		rc = mf2_add_to_object(m, obj, "html", v);
	if (rc == IC_OK)
		rc = text_value(m, n, &v);
	if (rc == IC_OK)
		rc = mf2_add_to_object(m, obj, "value", v);
	return rc;
}

static enum ic_err e_value(struct mf2 *m, const GumboNode *n, cJSON **out)
{
	cJSON *o = cJSON_CreateObject();
	enum ic_err rc;

	if (o == NULL)
		return mf2_nomem(m);
	rc = mf2_e_fill(m, n, o);
	if (rc != IC_OK) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return IC_OK;
}

/* Append v to properties[name] of it; v is consumed either way. */
static enum ic_err mf2_add_prop(struct mf2 *m, struct item *it, const char *name,
                            cJSON *v)
{
	cJSON *arr = NULL;
	enum ic_err rc = mf2_count_prop(m);

	if (rc == IC_OK)
		rc = mf2_member_array(m, it->props, name, &arr);
	if (rc != IC_OK) {
		cJSON_Delete(v);
		return rc;
	}
	return mf2_add_to_array(m, arr, v);
}

static bool mf2_has_prop(struct mf2 *m, const struct item *it, const char *name)
{
	return mf2_index_get(m, it->props, name, false) != NULL;
}

/* The value of one property class on a plain (non-root) element. */
static enum ic_err mf2_plain_prop(struct mf2 *m, const GumboNode *n,
                              struct item *it, const struct prop *p)
{
	cJSON *v = NULL;
	enum ic_err rc;

	switch (p->kind) {
	case PFX_P:
		rc = mf2_p_value(m, n, &v);
		it->has_pe = true;
		it->name_p |= strcmp(p->name, "name") == 0;
		break;
	case PFX_U:
		rc = mf2_u_value(m, n, &v);
		it->has_u = true;
		it->url_u |= strcmp(p->name, "url") == 0;
		break;
	case PFX_DT:
		rc = mf2_dt_value(m, n, it, &v);
		break;
	default:
		rc = e_value(m, n, &v);
		it->has_pe = true;
		break;
	}
	return rc == IC_OK ? mf2_add_prop(m, it, p->name, v) : rc;
}

/* --- Microformats --------------------------------------------------------- */

static enum ic_err parse_item(struct mf2 *m, const GumboNode *el,
                              const struct classes *cl, struct item *it);

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
		inner = cJSON_IsObject(v) ? cJSON_DetachItemFromObject(v, "value")
		                          : NULL;
		if (inner != NULL) {
			cJSON_Delete(v);
			v = inner;
		}
	} else if (kind == PFX_U && sub->url_u && (v = first_of(sub, "url")))
		;
	else if (kind == PFX_P)
		rc = mf2_p_value(m, el, &v);
	else if (kind == PFX_U)
		rc = mf2_u_value(m, el, &v);
	else
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
 * Walk the element children of `n` in document order.  With `it` NULL
 * (outside any microformat) roots found become top-level items; inside a
 * microformat, property elements give values and the walk goes on into
 * them, while a nested root is parsed on its own.  <template> is skipped
 * (tests mixed/ignoretemplate).
 */
static enum ic_err walk(struct mf2 *m, const GumboNode *n, struct item *it)
{
	for (unsigned int i = 0; i < kids(n)->length; i++) {
		const GumboNode *c = kid(n, i);
		struct classes cl;
		enum ic_err rc;

		if (!is_element(c))
			continue;
		rc = mf2_visit(m);
		if (rc == IC_OK)
			rc = mf2_parse_classes(m, c, &cl);
		if (rc == IC_OK && cl.nroots > 0 && it == NULL) {
			struct item top;

			rc = parse_item(m, c, &cl, &top);
			if (rc == IC_OK)
				rc = mf2_add_to_array(m, m->items, top.obj);
		} else if (rc == IC_OK && cl.nroots > 0)
			rc = nested_item(m, c, it, &cl);
		else if (rc == IC_OK) {
			for (size_t k = 0; it && k < cl.nprops && rc == IC_OK;
			     k++)
				rc = mf2_plain_prop(m, c, it, &cl.props[k]);
			if (rc == IC_OK)
				rc = walk(m, c, it);
		}
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

/* --- Implied properties ------------------------------------------------- */

/* The only element child of n that is not a microformat, or NULL. */
static const GumboNode *only_child(const GumboNode *n)
{
	const GumboNode *found = NULL;

	for (unsigned int i = 0; i < kids(n)->length; i++) {
		const GumboNode *c = kid(n, i);

		if (c->type != GUMBO_NODE_ELEMENT &&
		    c->type != GUMBO_NODE_TEMPLATE)
			continue;
		if (found != NULL)
			return NULL;
		found = c;
	}
	return found && !(mf2_class_flags(found) & CLS_ROOT) ? found : NULL;
}

/* The only child of n with tag t (among its element children) that has
 * attribute a and is not a microformat, or NULL. */
static const GumboNode *only_of_type(const GumboNode *n, GumboTag t,
                                     const char *a)
{
	const GumboNode *found = NULL;

	for (unsigned int i = 0; i < kids(n)->length; i++) {
		const GumboNode *c = kid(n, i);

		if (!is_tag(c, t))
			continue;
		if (found != NULL)
			return NULL;
		found = c;
	}
	if (found == NULL || attr(found, a) == NULL ||
	    (mf2_class_flags(found) & CLS_ROOT))
		return NULL;
	return found;
}

/* img/area with a non-empty alt, or abbr with a non-empty title. */
static const char *name_attr(const GumboNode *c)
{
	const char *s = NULL;

	if (c == NULL || (mf2_class_flags(c) & CLS_ROOT))
		return NULL;
	if (is_tag(c, GUMBO_TAG_IMG) || is_tag(c, GUMBO_TAG_AREA))
		s = attr(c, "alt");
	else if (is_tag(c, GUMBO_TAG_ABBR))
		s = attr(c, "title");
	return s && *s ? s : NULL;
}

/* Trim ASCII whitespace and no-break spaces (implied name rule). */
static const char *trim_name(const char *s, size_t *n)
{
	for (;;) {
		s = trim(s, n);
		if (*n >= 2 && s[0] == '\xc2' && s[1] == '\xa0') {
			s += 2;
			*n -= 2;
		} else if (*n >= 2 && s[*n - 2] == '\xc2' && s[*n - 1] == '\xa0')
			*n -= 2;
		else
			return s;
	}
}

/* "Parsing for implied properties": name. */
static enum ic_err implied_name(struct mf2 *m, struct item *it)
{
	const GumboNode *el = it->el, *c;
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	const char *s = NULL;
	size_t len;
	cJSON *v;
	enum ic_err rc = IC_OK;

	if (is_tag(el, GUMBO_TAG_IMG) || is_tag(el, GUMBO_TAG_AREA))
		s = attr(el, "alt") ? attr(el, "alt") : "";
	else if (is_tag(el, GUMBO_TAG_ABBR) && attr(el, "title"))
		s = attr(el, "title");
	else if ((s = name_attr(only_child(el))) == NULL) {
		c = only_child(el);
		s = c ? name_attr(only_child(c)) : NULL;
	}
	if (s != NULL) {
		rc = ic_buf_adds(&b, s);
		if (rc != IC_OK)
			rc = mf2_buf_err(m, rc);
	} else
		rc = mf2_text_kids(m, el, &b, TEXT_MF);
	len = b.len;
	s = trim_name(b.buf, &len);
	if (rc == IC_OK)
		rc = mf2_new_string(m, s, len, &v);
	ic_buf_release(&b);
	if (rc == IC_OK)
		rc = mf2_add_prop(m, it, "name", v);
	it->name_p = true;
	return rc;
}

/* "Parsing for implied properties": photo. */
static enum ic_err implied_photo(struct mf2 *m, struct item *it)
{
	const GumboNode *el = it->el, *c = NULL, *oc;
	cJSON *v;
	enum ic_err rc;

	if ((is_tag(el, GUMBO_TAG_IMG) && attr(el, "src")) ||
	    (is_tag(el, GUMBO_TAG_OBJECT) && attr(el, "data")))
		c = el;
	if (c == NULL)
		c = only_of_type(el, GUMBO_TAG_IMG, "src");
	if (c == NULL)
		c = only_of_type(el, GUMBO_TAG_OBJECT, "data");
	if (c == NULL && (oc = only_child(el)) != NULL) {
		c = only_of_type(oc, GUMBO_TAG_IMG, "src");
		if (c == NULL)
			c = only_of_type(oc, GUMBO_TAG_OBJECT, "data");
	}
	if (c == NULL)
		return IC_OK;
	if (is_tag(c, GUMBO_TAG_IMG))
		rc = mf2_url_json(m, attr(c, "src"), attr(c, "alt"), &v);
	else
		rc = mf2_url_json(m, attr(c, "data"), NULL, &v);
	return rc == IC_OK ? mf2_add_prop(m, it, "photo", v) : rc;
}

/* "Parsing for implied properties": url. */
static enum ic_err implied_url(struct mf2 *m, struct item *it)
{
	const GumboNode *el = it->el, *c = NULL, *oc;
	cJSON *v;
	enum ic_err rc;

	if ((is_tag(el, GUMBO_TAG_A) || is_tag(el, GUMBO_TAG_AREA)) &&
	    attr(el, "href"))
		c = el;
	if (c == NULL)
		c = only_of_type(el, GUMBO_TAG_A, "href");
	if (c == NULL)
		c = only_of_type(el, GUMBO_TAG_AREA, "href");
	if (c == NULL && (oc = only_child(el)) != NULL) {
		c = only_of_type(oc, GUMBO_TAG_A, "href");
		if (c == NULL)
			c = only_of_type(oc, GUMBO_TAG_AREA, "href");
	}
	if (c == NULL)
		return IC_OK;
	rc = mf2_url_json(m, attr(c, "href"), NULL, &v);
	if (rc == IC_OK)
		rc = mf2_add_prop(m, it, "url", v);
	it->url_u = true;
	return rc;
}

/* MP-3/MC-1: nothing is implied next to a nested microformat; no name
 * next to an explicit p-* or e-*, no photo or url next to a u-*. */
static enum ic_err mf2_implied(struct mf2 *m, struct item *it)
{
	enum ic_err rc = IC_OK;

	if (it->has_nested)
		return IC_OK;
	if (!mf2_has_prop(m, it, "name") && !it->has_pe)
		rc = implied_name(m, it);
	if (rc == IC_OK && !mf2_has_prop(m, it, "photo") && !it->has_u)
		rc = implied_photo(m, it);
	if (rc == IC_OK && !mf2_has_prop(m, it, "url") && !it->has_u)
		rc = implied_url(m, it);
	return rc;
}

static enum ic_err item_shell(struct mf2 *m, const GumboNode *el,
                              const struct classes *cl, struct item *it)
{
	cJSON *type;
	const char *id = attr(el, "id");
	enum ic_err rc = IC_OK;

	it->obj = cJSON_CreateObject();
	type = cJSON_AddArrayToObject(it->obj, "type");
	if (it->obj == NULL || type == NULL)
		return mf2_nomem(m);
	for (size_t i = 0; i < cl->nroots && rc == IC_OK; i++) {
		cJSON *t;

		rc = mf2_new_string(m, cl->roots[i], strlen(cl->roots[i]), &t);
		if (rc == IC_OK)
			rc = mf2_add_to_array(m, type, t);
	}
	if (rc != IC_OK)
		return rc;
	it->props = cJSON_AddObjectToObject(it->obj, "properties");
	if (it->props == NULL)
		return mf2_nomem(m);
	/* The suite's mixed/id: a non-empty id is kept. */
	if (id != NULL && *id != '\0')
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
	    !cJSON_AddItemToObject(it->obj, "children", it->children)) {
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

/* --- rels and rel-urls ----------------------------------------------------- */

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
	static const char *const keys[] = {"hreflang", "media", "title", "type"};
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
			        m, cJSON_GetObjectItemCaseSensitive(entry, "rels"),
			        r);
	}
	return rc;
}

static enum ic_err walk_rels(struct mf2 *m, const GumboNode *n)
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

/* --- 3. The tree: depth and <base href> ----------------------------------- */

/*
 * Iterative, so that any tree can be measured: deeper than
 * IC_MAX_MF2_DEPTH is refused, which bounds every recursion after this.
 * The first <base> with an href outside <template> is the base (HTML).
 */
static enum ic_err check_tree(struct mf2 *m, const GumboNode *root,
                              const char **base_href)
{
	struct {
		const GumboNode *n;
		unsigned int next;
		bool inert;
	} stack[IC_MAX_MF2_DEPTH + 1];
	size_t depth = 1;

	*base_href = NULL;
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
		if (*base_href == NULL && !stack[depth - 1].inert &&
		    is_tag(c, GUMBO_TAG_BASE))
			*base_href = attr(c, "href");
		if (depth > IC_MAX_MF2_DEPTH)
			return ic_fail(m->errbuf, IC_ERR_TOO_LARGE,
			               "mf2: HTML tree deeper than %d elements",
			               IC_MAX_MF2_DEPTH);
		stack[depth].n = c;
		stack[depth].next = 0;
		stack[depth].inert = stack[depth - 1].inert ||
		                     c->type == GUMBO_NODE_TEMPLATE;
		depth++;
	}
	return IC_OK;
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

/* --- Entry point ------------------------------------------------------------ */

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
	const char *base_href;
	enum ic_err rc = check_tree(m, g->document, &base_href);

	if (rc == IC_OK)
		rc = set_base(m, base_href);
	if (rc == IC_OK)
		rc = new_document(m, doc);
	if (rc == IC_OK)
		rc = walk_rels(m, g->document);
	if (rc == IC_OK)
		rc = walk(m, g->document, NULL);
	return rc;
}

enum ic_err ic_mf2_parse(struct ic_arena *a, const char *html, size_t len,
                         const char *base_url, cJSON **out, char *errbuf)
{
	struct mf2 m = {.a = a, .errbuf = errbuf};
	struct pool pool = {NULL, NULL, 0};
	GumboOptions opts = kGumboDefaultOptions;
	GumboOutput *g;
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
	rc = prescan(html ? html : "", len, errbuf);
	if (rc != IC_OK)
		return rc;
	opts.max_errors = 0; /* parse errors are of no use here */
	opts.allocator = pool_alloc;
	opts.deallocator = pool_free;
	opts.userdata = &pool;
	g = gumbo_parse_with_options(&opts, html ? html : "", len);
	rc = g ? parse_tree(&m, g, &doc) : mf2_nomem(&m);
	pool_release(&pool); /* the whole gumbo tree, at once */
	if (rc == IC_OK)
		*out = doc;
	return rc;
}

/* --- Datetimes (MC-7) --------------------------------------------------- */

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static long long days_from_civil(long long y, unsigned mo, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static bool valid_day(int y, int mo, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (mo < 1 || mo > 12 || d < 1)
		return false;
	return d <= mdays[mo - 1] + (mo == 2 && leap);
}

/* Offset in seconds from a timezone already checked by scan_tz(). */
static long long tz_seconds(const char *tz)
{
	long long off;

	if (tz[0] == '\0' || tz[0] == 'Z')
		return 0;
	off = num(tz + 1, 2) * 3600LL + (tz[3] ? num(tz + 4, 2) * 60LL : 0);
	return tz[0] == '-' ? -off : off;
}

/* HH:MM[:SS[.f]] then an optional timezone; seconds since midnight. */
static bool lenient_time(const char *s, size_t n, long long *secs,
                         long long *off)
{
	size_t i = 5;
	int h, mi, sec = 0;
	char tz[8] = "";

	if (n < 5 || digits(s, n, 0, 2) != 2 || s[2] != ':' ||
	    digits(s, n, 3, 2) != 2)
		return false;
	h = num(s, 2);
	mi = num(s + 3, 2);
	if (i < n && s[i] == ':') {
		if (digits(s, n, i + 1, 2) != 2)
			return false;
		sec = num(s + i + 1, 2);
		i += 3;
		if (i < n && s[i] == '.') {
			size_t f = digits(s, n, i + 1, 9);

			if (f == 0)
				return false;
			i += 1 + f;
		}
	}
	if (i < n && !scan_tz(s + i, n - i, tz))
		return false;
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	*secs = h * 3600LL + mi * 60LL + sec;
	*off = tz_seconds(tz);
	return true;
}

enum ic_err ic_mf2_datetime(const char *s, long long *epoch, char *errbuf)
{
	size_t n;
	long long secs = 0, off = 0;
	int y, mo, d;

	if (s == NULL || epoch == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "mf2: no datetime");
	n = strlen(s);
	s = trim(s, &n);
	if (mf2_scan_date(s, n) != 10)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "mf2: datetime does not start with YYYY-MM-DD");
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	if (!valid_day(y, mo, d))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "mf2: datetime names no real day");
	if (n > 10 && ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	               !lenient_time(s + 11, n - 11, &secs, &off)))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "mf2: datetime has no valid time after the date");
	*epoch = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + secs -
	         off;
	return IC_OK;
}
