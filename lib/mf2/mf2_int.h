/*
 * mf2_int.h - internal to lib/mf2/: what the parts of the microformats2
 * parser (mf2.h) share.  Include it only from lib/mf2/mf2*.c; nothing
 * outside lib/mf2/ may use it, and the mf2_ prefix (not ic_) says so.
 *
 * The parser follows the parts of the microformats2-parsing spec:
 *  - mf2.c:             the entry point ic_mf2_parse(), <base href>, the
 *                       document walk,
 *                       finding roots, items, rels and rel-urls;
 *  - mf2_common.c:      the parse state's helpers: JSON output charged to
 *                       the limits, the name index, URLs, class names;
 *  - mf2_property.c:    "parsing a p-/u-/dt-/e- property", with text
 *                       content and the HTML serialisation for e-*;
 *  - mf2_value_class.c: the value-class pattern, date and time joining
 *                       for dt-*, and ic_mf2_datetime();
 *  - mf2_implied.c:     "parsing for implied properties" (name, photo,
 *                       url).
 *  - mf2_backcompat.c:  microformats1 ("backcompat") roots and property
 *                       classes, mapped to their h-* equivalents.
 *
 * Lifetimes: one struct mf2 lives on ic_mf2_parse()'s stack for one call.
 * Strings and scratch memory come from its arena (m->a) and live until the
 * caller frees it; GumboNode pointers are valid only during the call,
 * while the gumbo tree exists.  cJSON values returned by the helpers below
 * are owned by the caller until added to a container (the add_* helpers
 * consume them, even on failure).  Every error is reported through
 * m->errbuf by the helper that found it, so callers just pass it up.
 */
#ifndef IC_MF2_INT_H
#define IC_MF2_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <gumbo.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/ic_limits.h"
#include "text/url.h"

/* --- Characters --------------------------------------------------------- */

static inline bool is_ws(unsigned char c)
{
	/* HTML's ASCII whitespace (class lists, URLs, trimming). */
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static inline bool is_trim_ws(unsigned char c)
{
	return is_ws(c) || c == '\v';
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool is_alpha(unsigned char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static inline unsigned char to_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Trim ASCII whitespace from both ends of s[0..*n). */
static inline const char *trim(const char *s, size_t *n)
{
	while (*n > 0 && is_trim_ws((unsigned char)s[0])) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_trim_ws((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

/* --- The parser's state -------------------------------------------------- */

struct mf2 {
	struct ic_arena *a;
	const char *doc_base; /* the base URL as the caller gave it */
	const char *base;     /* the document base: <base href> or doc_base */
	cJSON *items, *rels, *rel_urls;
	size_t nitems, nprops, out_bytes, visits;
	size_t depth;       /* tree levels the recursion is down: mf2_down() */
	struct slot *slots; /* the index: see mf2_index_get() */
	size_t nslots, nused;
	const GumboNode *root; /* the document, for ids (mf2_backcompat.c) */
	bool ids_indexed;      /* ids are in the index (owner &ids_indexed) */
	const GumboNode *incl[IC_MAX_MF2_INCLUDE_NEST]; /* includes in walk */
	struct ic_url_base *base_h; /* m->base parsed: see mf2_resolve() */
	bool base_bad;              /* ... it could not be */
	size_t nincl;
	char *errbuf;
};

/*
 * Every recursion over the tree (the document walks, text content, e-*
 * serialisation, the value-class search) goes down a level through
 * mf2_down() and back through mf2_up().  The count is shared, so however
 * one walk starts another, none goes deeper than IC_MAX_MF2_DEPTH levels
 * below the document: that bounds the C stack, and what is nested deeper
 * is ignored (issue 11: a deep entry loses its deep part, the page is
 * still parsed).  false: do not enter the children.
 */
static inline bool mf2_down(struct mf2 *m)
{
	if (m->depth >= IC_MAX_MF2_DEPTH)
		return false;
	m->depth++;
	return true;
}

static inline void mf2_up(struct mf2 *m)
{
	m->depth--;
}

/* One microformat being parsed. */
struct item {
	cJSON *obj, *props, *children;
	const GumboNode *el;
	const char *date; /* first dt-* date: implied for a later bare time */
	uint32_t bc;      /* a backcompat root: whose classic properties it
	                   * reads (struct classes' bc); 0 for h-* */
	bool has_pe;      /* a p-* or e-* property: no implied name */
	bool has_u;       /* a u-* property: no implied photo or url */
	bool has_nested;  /* a nested microformat: no implied anything */
	bool name_p;      /* name came from p-name or was implied */
	bool url_u;       /* url came from u-url or was implied */
};

/* --- An index of names ---------------------------------------------------- */

/*
 * cJSON finds an object member or an array element by walking the list,
 * so a page with thousands of property names or rel links would make
 * every lookup linear and the parse quadratic.  One open-addressing table
 * per parse maps (container, name) to the member instead: property arrays
 * of an item, rels arrays, rel-urls entries, and the strings already in a
 * rels list; and each relative reference to its absolute URL.  Keys live
 * in the arena or the gumbo tree, both of which outlive the parse.
 */
struct slot {
	const void *owner;
	const char *key;
	uint32_t hash;
	cJSON *val;
	const GumboNode *node; /* for an id: its first element */
	const char *str;       /* for a reference: its absolute URL */
};

/* --- Gumbo helpers -------------------------------------------------------- */

static inline bool is_element(const GumboNode *n)
{
	return n->type == GUMBO_NODE_ELEMENT;
}

static inline bool is_tag(const GumboNode *n, GumboTag tag)
{
	return n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == tag;
}

static inline const GumboVector *kids(const GumboNode *n)
{
	return &n->v.element.children;
}

static inline const GumboNode *kid(const GumboNode *n, unsigned int i)
{
	return n->v.element.children.data[i];
}

/* gumbo_get_attribute(), which calls strcasecmp() on every attribute
 * (1% of a feed's parse): the first letters are compared first.  @p name
 * is lowercase ASCII, as every name asked for here is. */
static inline const char *attr(const GumboNode *n, const char *name)
{
	const GumboVector *v = &n->v.element.attributes;

	for (unsigned int i = 0; i < v->length; i++) {
		const GumboAttribute *at = v->data[i];

		if (to_lower((unsigned char)at->name[0]) ==
		            (unsigned char)name[0] &&
		    strcasecmp(at->name, name) == 0)
			return at->value;
	}
	return NULL;
}

/* --- Class names ---------------------------------------------------------- */

enum prefix { PFX_P, PFX_U, PFX_DT, PFX_E };

struct prop {
	enum prefix kind;
	const char *name;
};

struct classes {
	const char **roots;
	size_t nroots;
	struct prop *props;
	size_t nprops;
	uint32_t bc; /* backcompat roots: a set of mf2_backcompat.c's
	              * vocabularies, 0 for h-* roots or none */
};

#define CLS_ROOT        0x1u
#define CLS_PROP        0x2u
#define CLS_VALUE       0x4u
#define CLS_VALUE_TITLE 0x8u

/* --- Text content ----------------------------------------------------------
 */

enum text_mode {
	TEXT_DOM, /* the DOM's textContent (rel-urls "text") */
	TEXT_MF   /* script/style dropped, img replaced (p-*, e-* value) */
};

/* --- mf2_common.c: output, limits, the index, URLs, class names ----------- */

enum ic_err mf2_nomem(struct mf2 *m);
enum ic_err mf2_visit(struct mf2 *m);
enum ic_err mf2_buf_err(struct mf2 *m, enum ic_err rc);
enum ic_err mf2_new_string(struct mf2 *m, const char *s, size_t n, cJSON **out);
enum ic_err mf2_add_to_array(struct mf2 *m, cJSON *arr, cJSON *v);
/* Object keys (k, name) are not copied: a literal or arena text only. */
enum ic_err mf2_add_to_object(struct mf2 *m, cJSON *obj, const char *k,
                              cJSON *v);
enum ic_err mf2_add_string(struct mf2 *m, cJSON *obj, const char *k,
                           const char *s);
enum ic_err mf2_count_prop(struct mf2 *m);
struct slot *mf2_index_get(struct mf2 *m, const void *owner, const char *key,
                           bool insert);
enum ic_err mf2_member_array(struct mf2 *m, cJSON *obj, const char *name,
                             cJSON **arr);
bool mf2_has_scheme(const char *s, size_t n);
enum ic_err mf2_resolve(struct mf2 *m, const char *ref, const char **out);
bool mf2_next_token(const char **p, const char **tok, size_t *n);
unsigned mf2_class_flags(const GumboNode *n);
enum ic_err mf2_parse_classes(struct mf2 *m, const GumboNode *n,
                              struct classes *c);

/* --- mf2_property.c: properties, text content, e-* html ------------------- */

enum ic_err mf2_text_kids(struct mf2 *m, const GumboNode *n, struct ic_buf *b,
                          enum text_mode mode);
enum ic_err mf2_p_value(struct mf2 *m, const GumboNode *n, cJSON **out);
enum ic_err mf2_p_plain_value(struct mf2 *m, const GumboNode *n, cJSON **out);
enum ic_err mf2_u_value(struct mf2 *m, const GumboNode *n, cJSON **out);
enum ic_err mf2_dt_value(struct mf2 *m, const GumboNode *n, struct item *it,
                         cJSON **out);
enum ic_err mf2_e_fill(struct mf2 *m, const GumboNode *n, cJSON *obj);
enum ic_err mf2_url_json(struct mf2 *m, const char *ref, const char *alt,
                         cJSON **out);
enum ic_err mf2_add_prop(struct mf2 *m, struct item *it, const char *name,
                         cJSON *v);
bool mf2_has_prop(struct mf2 *m, const struct item *it, const char *name);
enum ic_err mf2_plain_prop(struct mf2 *m, const GumboNode *n, struct item *it,
                           const struct prop *p);

/* --- mf2_value_class.c: the value-class pattern, dates and times --------- */

enum ic_err mf2_vcp_text(struct mf2 *m, const GumboNode *n, struct ic_buf *b,
                         bool *found);
enum ic_err mf2_vcp_datetime(struct mf2 *m, const GumboNode *n,
                             struct ic_buf *out, bool *found);
size_t mf2_scan_date(const char *s, size_t n);
bool mf2_scan_time(const char *s, size_t n, char time[24], char tz[8]);

/* --- mf2_backcompat.c: microformats1 roots and properties --------------- */

/* The roots and properties of element n inside an item whose `bc` is ctx
 * (0 outside any item or inside an h-* one): h-* roots, else classic ones
 * (with c->bc set); h-* properties, or inside a backcompat root the
 * classic ones it maps.  Arena memory, like mf2_parse_classes(). */
enum ic_err mf2_element_classes(struct mf2 *m, const GumboNode *n, uint32_t ctx,
                                struct classes *c);
/* The include pattern, for a backcompat item: call each(m, t, ctx) for
 * every element t that n includes by itemref, class="include" (a href,
 * object data "#id") or td headers, as if t were one more child of n.
 * Missing ids, circular includes and those nested deeper than
 * IC_MAX_MF2_INCLUDE_NEST are skipped. */
enum ic_err mf2_bc_includes(struct mf2 *m, const GumboNode *n,
                            enum ic_err (*each)(struct mf2 *m,
                                                const GumboNode *t, void *ctx),
                            void *ctx);
/* The p-* value of a nested backcompat root: mf2_p_plain_value(), with
 * the text of what it includes after its own. */
enum ic_err mf2_bc_text_value(struct mf2 *m, const GumboNode *el, cJSON **out);
/* v, or for an item that is a backcompat root its plain URL string in
 * place of a {"value", "alt"} object (which it then deletes). */
cJSON *mf2_bc_url(const struct item *it, cJSON *v);

/* --- mf2_implied.c: implied properties ------------------------------------ */

enum ic_err mf2_implied(struct mf2 *m, struct item *it);

#endif /* IC_MF2_INT_H */
