/*
 * mf2_implied.c - "Parsing for implied properties" of the
 * microformats2-parsing spec (see mf2_int.h): name, photo and url.
 */
#include "mf2/mf2_int.h"

#include <string.h>

#include "core/ic_limits.h"

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
		} else if (*n >= 2 && s[*n - 2] == '\xc2' &&
		           s[*n - 1] == '\xa0')
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

/* MP-3/MC-1: nothing is implied next to a nested microformat, nor for a
 * backcompat root (the parsing spec's backcompat rules: classic
 * vocabularies had no implied properties); no name next to an explicit
 * p-* or e-*, no photo or url next to a u-*. */
enum ic_err mf2_implied(struct mf2 *m, struct item *it)
{
	enum ic_err rc = IC_OK;

	if (it->has_nested || it->bc != 0)
		return IC_OK;
	if (!mf2_has_prop(m, it, "name") && !it->has_pe)
		rc = implied_name(m, it);
	if (rc == IC_OK && !mf2_has_prop(m, it, "photo") && !it->has_u)
		rc = implied_photo(m, it);
	if (rc == IC_OK && !mf2_has_prop(m, it, "url") && !it->has_u)
		rc = implied_url(m, it);
	return rc;
}
