/*
 * mf2_property.c - "Parsing a p-/u-/dt-/e- property" of the
 * microformats2-parsing spec (see mf2_int.h), with the text content and the
 * HTML serialisation they use.
 */
#include "mf2/mf2_int.h"

#include <string.h>

#include "core/ic_limits.h"

/* --- Text content (MC-2) ------------------------------------------------ */

static enum ic_err text_of(struct mf2 *m, const GumboNode *n, struct ic_buf *b,
                           enum text_mode mode);

/* An <img> in mf2 text: its alt, else " " + absolute src + " ". */
static enum ic_err text_img(struct mf2 *m, const GumboNode *n, struct ic_buf *b)
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

/* Children deeper than IC_MAX_MF2_DEPTH add nothing (mf2_down()). */
enum ic_err mf2_text_kids(struct mf2 *m, const GumboNode *n, struct ic_buf *b,
                          enum text_mode mode)
{
	enum ic_err rc = IC_OK;

	if (!mf2_down(m))
		return IC_OK;
	for (unsigned int i = 0; i < kids(n)->length && rc == IC_OK; i++)
		rc = text_of(m, kid(n, i), b, mode);
	mf2_up(m);
	return rc;
}

static enum ic_err text_of(struct mf2 *m, const GumboNode *n, struct ic_buf *b,
                           enum text_mode mode)
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

/* The bytes add_escaped() stops at: NUL, and those it may replace. */
static const bool escape_stops[256] = {
        ['\0'] = true, ['&'] = true, ['"'] = true,
        ['<'] = true,  ['>'] = true, [0xc2] = true,
};

static bool escape_stop(unsigned char c)
{
	return escape_stops[c];
}

/* The entity for the special byte at s, or NULL to keep it. */
static const char *escape_of(const char *s, bool in_attr)
{
	if (*s == '&')
		return "&amp;";
	if (*s == '\xc2' && s[1] == '\xa0')
		return "&nbsp;";
	if (in_attr)
		return *s == '"' ? "&quot;" : NULL;
	if (*s == '<')
		return "&lt;";
	return *s == '>' ? "&gt;" : NULL;
}

/* The HTML serialisation's escaping of text (in_attr false) or of an
 * attribute value: runs without a special byte are copied whole. */
static enum ic_err add_escaped(struct ic_buf *b, const char *s, bool in_attr)
{
	const char *run = s, *rep;
	enum ic_err rc;

	for (;; s++) {
		while (!escape_stop((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		rep = escape_of(s, in_attr);
		if (rep == NULL)
			continue;
		rc = ic_buf_add(b, run, (size_t)(s - run));
		if (rc == IC_OK)
			rc = ic_buf_adds(b, rep);
		if (rc != IC_OK)
			return rc;
		if (*s == '\xc2')
			s++; /* a no-break space is two bytes */
		run = s + 1;
	}
	return ic_buf_add(b, run, (size_t)(s - run));
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

		rc = ic_buf_addc(b,
		                 (char)(el->tag_namespace == GUMBO_NAMESPACE_SVG
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

/* Children deeper than IC_MAX_MF2_DEPTH are left out (mf2_down()); the
 * element itself is still closed. */
static enum ic_err serialize_kids(struct mf2 *m, const GumboNode *n,
                                  struct ic_buf *b)
{
	enum ic_err rc = IC_OK;

	if (!mf2_down(m))
		return IC_OK;
	for (unsigned int i = 0; i < kids(n)->length && rc == IC_OK; i++)
		rc = serialize(m, kid(n, i), b);
	mf2_up(m);
	return rc;
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
		rc = is_raw_parent(n->parent)
		             ? ic_buf_adds(b, n->v.text.text)
		             : add_escaped(b, n->v.text.text, false);
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

/* --- Property values ------------------------------------------------------ */

/* Attribute `name` of n when n is a <tag>, else NULL. */
static const char *first_attr(const GumboNode *n, GumboTag tag,
                              const char *name)
{
	return is_tag(n, tag) ? attr(n, name) : NULL;
}

/* "Parsing a p- property" (MC-2: text without script/style). */
enum ic_err mf2_p_value(struct mf2 *m, const GumboNode *n, cJSON **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	bool found;
	enum ic_err rc = mf2_vcp_text(m, n, &b, &found);

	if (rc == IC_OK && found)
		rc = mf2_new_string(m, b.buf, b.len, out);
	ic_buf_release(&b);
	if (rc != IC_OK || found)
		return rc;
	return mf2_p_plain_value(m, n, out);
}

/* "Parsing a p- property" after its value-class step: the attributes,
 * then the text. */
enum ic_err mf2_p_plain_value(struct mf2 *m, const GumboNode *n, cJSON **out)
{
	const char *s;

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
enum ic_err mf2_url_json(struct mf2 *m, const char *ref, const char *alt,
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
enum ic_err mf2_u_value(struct mf2 *m, const GumboNode *n, cJSON **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_MF2_OUTPUT_BYTES);
	const char *s = u_attr(n);
	char *text = NULL;
	size_t len;
	bool found;
	enum ic_err rc;

	if (s != NULL)
		return mf2_url_json(
		        m, s, is_tag(n, GUMBO_TAG_IMG) ? attr(n, "alt") : NULL,
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
enum ic_err mf2_dt_value(struct mf2 *m, const GumboNode *n, struct item *it,
                         cJSON **out)
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
enum ic_err mf2_e_fill(struct mf2 *m, const GumboNode *n, cJSON *obj)
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
enum ic_err mf2_add_prop(struct mf2 *m, struct item *it, const char *name,
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

bool mf2_has_prop(struct mf2 *m, const struct item *it, const char *name)
{
	return mf2_index_get(m, it->props, name, false) != NULL;
}

/* The value of one property class on a plain (non-root) element. */
enum ic_err mf2_plain_prop(struct mf2 *m, const GumboNode *n, struct item *it,
                           const struct prop *p)
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
		v = rc == IC_OK ? mf2_bc_url(it, v) : v;
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
