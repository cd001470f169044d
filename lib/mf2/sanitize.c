/*
 * sanitize.c - allow-list HTML sanitizer on gumbo (see sanitize.h; MC-3).
 *
 * Three parts: gumbo runs on the shared byte budget (text/html5.h) so a
 * hostile fragment cannot make it eat the machine; one iterative tree walk with
 * an explicit stack; two writers on that walk, HTML (the allow-list) and plain
 * text.
 *
 * The HTML writer's invariant: what it writes, parsed again by the HTML5
 * fragment algorithm, gives back exactly the elements it wrote.  Two
 * things make that hold.  The tree it serialises came from an HTML5
 * parser, so most of it nests as the parser nests; and where dropping an
 * element (a <table>, a <div>) would bring together elements the parser
 * would not nest, nests() drops the inner one too, content kept.  The
 * tests and fuzz_sanitize check it as idempotence.
 */
#include "mf2/sanitize.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "core/buf.h"
#include "text/html.h"
#include "text/html5.h"
#include "core/ic_limits.h"
#include "text/url.h"

/* --- gumbo on a budget --------------------------------------------------- */

/* Arena cleanup: the tree of one parse. */
static void free_html5(void *userdata)
{
	ic_html5_free(userdata);
}

/*
 * Parse @p html as the HTML5 fragment algorithm does with a <div> as the
 * context element; *root is the <html> element whose children are the
 * fragment.  gumbo runs on the shared budget (text/html5.h): a hostile
 * fragment that would make it eat the machine is refused.  The tree lives
 * until the arena is freed.
 */
static enum ic_err parse_fragment(struct ic_arena *a, const char *html,
                                  size_t len, const GumboNode **root,
                                  char *errbuf)
{
	struct ic_html5 *h = ic_arena_calloc(a, 1, sizeof(*h));
	const struct ic_html5_opts opts = {.div_fragment = true};
	enum ic_err rc;

	if (h == NULL || ic_arena_on_free(a, free_html5, h) != IC_OK)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "sanitizer: out of memory");
	rc = ic_html5_parse(html, html ? len : 0, &opts, h, errbuf);
	if (rc != IC_OK)
		return rc;
	if (h->g->root == NULL || h->g->root->type != GUMBO_NODE_ELEMENT)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "HTML parser: no root");
	*root = h->g->root;
	return IC_OK;
}

/* --- The walk ------------------------------------------------------------ */

/*
 * enter() is called for every node in document order, with its depth (the
 * fragment's top level is 1) and may set *descend to visit the children;
 * leave() is called for every node after its children, or right after
 * enter() when they are not visited.
 */
struct walk_ops {
	enum ic_err (*enter)(void *ctx, const GumboNode *n, size_t depth,
	                     bool *descend);
	enum ic_err (*leave)(void *ctx, const GumboNode *n, size_t depth);
};

struct frame {
	const GumboNode *node;
	unsigned int next; /* index of the next child to visit */
};

struct stack {
	struct ic_arena *a;
	struct frame *f;
	size_t n, cap;
};

/* Any depth: the stack grows in the arena (old copies stay there, which
 * at most doubles its size), so no input can make this recurse. */
static enum ic_err push(struct stack *s, const GumboNode *node)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct frame *f = ic_arena_calloc(s->a, cap, sizeof(*f));

		if (f == NULL)
			return IC_ERR_NOMEM;
		if (s->n > 0)
			memcpy(f, s->f, s->n * sizeof(*f));
		s->f = f;
		s->cap = cap;
	}
	s->f[s->n].node = node;
	s->f[s->n].next = 0;
	s->n++;
	return IC_OK;
}

static const GumboVector *children(const GumboNode *n)
{
	if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
		return &n->v.element.children;
	return NULL;
}

static bool has_children(const GumboNode *n)
{
	const GumboVector *kids = children(n);

	return kids != NULL && kids->length > 0;
}

static enum ic_err walk(struct ic_arena *a, const GumboNode *root,
                        const struct walk_ops *ops, void *ctx)
{
	struct stack s = {a, NULL, 0, 0};
	enum ic_err rc = push(&s, root);

	while (rc == IC_OK && s.n > 0) {
		struct frame *top = &s.f[s.n - 1];
		const GumboVector *kids = children(top->node);
		const GumboNode *n;
		bool descend = false;

		if (top->next >= kids->length) {
			s.n--;
			if (s.n > 0) /* the root itself is not visited */
				rc = ops->leave(ctx, top->node, s.n);
			continue;
		}
		n = kids->data[top->next++];
		rc = ops->enter(ctx, n, s.n, &descend);
		if (rc != IC_OK)
			break;
		if (descend && has_children(n))
			rc = push(&s, n);
		else
			rc = ops->leave(ctx, n, s.n);
	}
	return rc;
}

/* --- What each element is ------------------------------------------------ */

enum el_kind {
	EL_UNWRAP, /* dropped, content kept */
	EL_DROP,   /* dropped with its content */
	EL_INLINE, /* kept: phrasing content */
	EL_BLOCK,  /* kept: its start tag closes an open <p> */
	EL_BR,
	EL_HR,
	EL_IMG, /* written as a link (privacy; sanitize.h) */
	EL_A
};

/* sanitize.h: dropped with their content. */
static const GumboTag drop_tags[] = {
        GUMBO_TAG_SCRIPT,   GUMBO_TAG_STYLE,    GUMBO_TAG_TEMPLATE,
        GUMBO_TAG_IFRAME,   GUMBO_TAG_OBJECT,   GUMBO_TAG_EMBED,
        GUMBO_TAG_APPLET,   GUMBO_TAG_SVG,      GUMBO_TAG_MATH,
        GUMBO_TAG_NOSCRIPT, GUMBO_TAG_NOEMBED,  GUMBO_TAG_NOFRAMES,
        GUMBO_TAG_FRAME,    GUMBO_TAG_FRAMESET, GUMBO_TAG_TEXTAREA,
        GUMBO_TAG_SELECT,   GUMBO_TAG_HEAD,     GUMBO_TAG_TITLE};

/* Kept phrasing elements. */
static const GumboTag inline_tags[] = {
        GUMBO_TAG_EM,   GUMBO_TAG_STRONG, GUMBO_TAG_B,     GUMBO_TAG_I,
        GUMBO_TAG_U,    GUMBO_TAG_S,      GUMBO_TAG_DEL,   GUMBO_TAG_INS,
        GUMBO_TAG_SUB,  GUMBO_TAG_SUP,    GUMBO_TAG_SMALL, GUMBO_TAG_CODE,
        GUMBO_TAG_KBD,  GUMBO_TAG_SAMP,   GUMBO_TAG_Q,     GUMBO_TAG_CITE,
        GUMBO_TAG_SPAN, GUMBO_TAG_ABBR,   GUMBO_TAG_TIME};

/* Kept blocks: each one's start tag closes an open <p> (HTML5 "in body"). */
static const GumboTag block_tags[] = {
        GUMBO_TAG_P,  GUMBO_TAG_PRE, GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_UL,
        GUMBO_TAG_OL, GUMBO_TAG_LI,  GUMBO_TAG_DL,         GUMBO_TAG_DT,
        GUMBO_TAG_DD, GUMBO_TAG_H1,  GUMBO_TAG_H2,         GUMBO_TAG_H3,
        GUMBO_TAG_H4, GUMBO_TAG_H5,  GUMBO_TAG_H6};

/* Not kept, but separate words in the text version. */
static const GumboTag word_break_tags[] = {
        GUMBO_TAG_DIV,      GUMBO_TAG_TABLE,   GUMBO_TAG_TR,
        GUMBO_TAG_TD,       GUMBO_TAG_TH,      GUMBO_TAG_CAPTION,
        GUMBO_TAG_SECTION,  GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,
        GUMBO_TAG_HEADER,   GUMBO_TAG_FOOTER,  GUMBO_TAG_NAV,
        GUMBO_TAG_MAIN,     GUMBO_TAG_FIGURE,  GUMBO_TAG_FIGCAPTION,
        GUMBO_TAG_ADDRESS,  GUMBO_TAG_DETAILS, GUMBO_TAG_SUMMARY,
        GUMBO_TAG_FIELDSET, GUMBO_TAG_LEGEND,  GUMBO_TAG_FORM,
        GUMBO_TAG_OPTION,   GUMBO_TAG_BUTTON,  GUMBO_TAG_INPUT,
        GUMBO_TAG_CENTER,   GUMBO_TAG_MENU,    GUMBO_TAG_DIR,
        GUMBO_TAG_LISTING,  GUMBO_TAG_XMP,     GUMBO_TAG_PLAINTEXT};

#define IN(t, list) in_list((t), (list), sizeof(list) / sizeof((list)[0]))

static bool in_list(GumboTag t, const GumboTag *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == t)
			return true;
	return false;
}

static enum el_kind html_kind(GumboTag t)
{
	if (IN(t, drop_tags))
		return EL_DROP;
	if (IN(t, inline_tags))
		return EL_INLINE;
	if (IN(t, block_tags))
		return EL_BLOCK;
	switch (t) {
	case GUMBO_TAG_BR:
		return EL_BR;
	case GUMBO_TAG_HR:
		return EL_HR;
	case GUMBO_TAG_IMG:
		return EL_IMG;
	case GUMBO_TAG_A:
		return EL_A;
	default:
		return EL_UNWRAP;
	}
}

/* Foreign (SVG, MathML) elements only occur inside <svg>/<math>, which
 * are dropped whole; checking the namespace too costs nothing. */
static enum el_kind node_kind(const GumboNode *n)
{
	if (n->type == GUMBO_NODE_TEMPLATE)
		return EL_DROP;
	if (n->v.element.tag_namespace != GUMBO_NAMESPACE_HTML)
		return EL_DROP;
	return html_kind(n->v.element.tag);
}

static bool is_heading(GumboTag t)
{
	return t == GUMBO_TAG_H1 || t == GUMBO_TAG_H2 || t == GUMBO_TAG_H3 ||
	       t == GUMBO_TAG_H4 || t == GUMBO_TAG_H5 || t == GUMBO_TAG_H6;
}

/* sanitize.h: h1 and h2 are the page's; a message starts at h3. */
static GumboTag demote(GumboTag t)
{
	return (t == GUMBO_TAG_H1 || t == GUMBO_TAG_H2) ? GUMBO_TAG_H3 : t;
}

static const char *attr(const GumboElement *el, const char *name)
{
	const GumboAttribute *at = gumbo_get_attribute(&el->attributes, name);

	return at ? at->value : NULL;
}

/* --- Writing HTML -------------------------------------------------------- */

struct html_ctx {
	struct ic_arena *a;
	const char *base; /* resolved base URL, or NULL */
	struct ic_buf out;
	GumboTag open[IC_MAX_HTML_DEPTH]; /* elements written and open */
	/* inner_block[i]: the innermost block but <p> in open[0..i] */
	GumboTag inner_block[IC_MAX_HTML_DEPTH];
	size_t nopen;
	bool pushed[IC_MAX_HTML_DEPTH]; /* by depth: node opened open[] */
	size_t in_a, in_p;              /* open <a>s and <p>s */
};

/*
 * Escaped text (html.h).  A CR is written as "&#13;": html.h keeps it
 * raw, and the parser would read a raw CR back as LF, so the second
 * sanitizing would differ from the first.
 */
static enum ic_err put_text(struct ic_buf *b, const char *s, size_t len)
{
	const char *cr;
	enum ic_err rc;

	while ((cr = memchr(s, '\r', len)) != NULL) {
		size_t n = (size_t)(cr - s);

		if ((rc = ic_html_textn(b, s, n)) != IC_OK ||
		    (rc = ic_buf_adds(b, "&#13;")) != IC_OK)
			return rc;
		s += n + 1;
		len -= n + 1;
	}
	return ic_html_textn(b, s, len);
}

/* ` name="value"`, the value escaped as text. */
static enum ic_err put_attr(struct ic_buf *b, const char *name,
                            const char *value)
{
	enum ic_err rc;

	if ((rc = ic_buf_addf(b, " %s=\"", name)) != IC_OK ||
	    (rc = put_text(b, value, strlen(value))) != IC_OK)
		return rc;
	return ic_buf_addc(b, '"');
}

/* ` name="url"`, the URL already checked by ic_html_url_ok(). */
static enum ic_err put_url_attr(struct ic_buf *b, const char *name,
                                const char *url)
{
	enum ic_err rc;

	if ((rc = ic_buf_addf(b, " %s=\"", name)) != IC_OK ||
	    (rc = ic_html_url(b, url)) != IC_OK)
		return rc;
	return ic_buf_addc(b, '"');
}

static bool is_ascii_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/*
 * The URL @p raw may become in an href, src or cite, or NULL when it may
 * not: http(s) resolved against the base (absolute only when there is
 * none), or mailto: when @p mailto.  gumbo has decoded the entities, so
 * "jav&#x09;ascript:" arrives as "jav\tascript:", which libcurl refuses;
 * ic_html_url_ok() then checks the result once more (SEC-11, MC-3).
 */
static enum ic_err safe_url(struct html_ctx *c, const char *raw, bool mailto,
                            char **out)
{
	size_t n = strlen(raw);
	enum ic_err rc;
	char *t, *abs = NULL;

	*out = NULL;
	while (n > 0 && is_ascii_ws(*raw))
		raw++, n--;
	while (n > 0 && is_ascii_ws(raw[n - 1]))
		n--;
	if (n > IC_MAX_URL_BYTES)
		return IC_OK;
	if ((t = ic_arena_strndup(c->a, raw, n)) == NULL)
		return IC_ERR_NOMEM;
	if (strncasecmp(t, "mailto:", 7) == 0) {
		*out = mailto && ic_html_url_ok(t) ? t : NULL;
		return IC_OK;
	}
	if (c->base != NULL)
		rc = ic_url_resolve(c->a, c->base, t, &abs, NULL);
	else
		rc = ic_url_normalize(c->a, t, &abs, NULL);
	if (rc == IC_ERR_NOMEM)
		return rc;
	if (rc == IC_OK && ic_html_url_ok(abs))
		*out = abs;
	return IC_OK;
}

/*
 * HTML5 "in body", start tag li (dd, dt): the parser walks up the open
 * elements to the first "special" one and closes it if it is an li (a dd
 * or dt).  Of what we write, every block but <p> is special and inline
 * elements are not, so inner_block[] answers in one look.
 */
static bool item_would_close(const struct html_ctx *c, GumboTag tag)
{
	GumboTag t =
	        c->nopen > 0 ? c->inner_block[c->nopen - 1] : GUMBO_TAG_UNKNOWN;

	if (tag == GUMBO_TAG_LI)
		return t == GUMBO_TAG_LI;
	return t == GUMBO_TAG_DD || t == GUMBO_TAG_DT;
}

/*
 * Whether the parser, reading the start tag of @p tag now, would nest it
 * inside what is open rather than close something first.  Of the
 * elements we write (none is a scope boundary): a block closes an open
 * <p> anywhere above it; a heading closes a heading that is the current
 * node; li, dd and dt close their kin (item_would_close()); <a> runs the
 * adoption agency on an open <a>.
 */
static bool nests(const struct html_ctx *c, GumboTag tag)
{
	if (tag == GUMBO_TAG_A)
		return c->in_a == 0;
	if (html_kind(tag) != EL_BLOCK && tag != GUMBO_TAG_HR)
		return true;
	if (c->in_p > 0)
		return false;
	if (is_heading(tag))
		return c->nopen == 0 || !is_heading(c->open[c->nopen - 1]);
	if (tag == GUMBO_TAG_LI || tag == GUMBO_TAG_DD || tag == GUMBO_TAG_DT)
		return !item_would_close(c, tag);
	return true;
}

/* The attributes each kept element may carry (sanitize.h). */
static enum ic_err put_attrs(struct html_ctx *c, GumboTag tag,
                             const GumboElement *el)
{
	const char *v;
	char *url;
	enum ic_err rc;

	switch (tag) {
	case GUMBO_TAG_OL:
		v = attr(el, "start");
		if (v != NULL && v[0] != '\0' && strlen(v) <= 9 &&
		    v[strspn(v, "0123456789")] == '\0')
			return put_attr(&c->out, "start", v);
		return IC_OK;
	case GUMBO_TAG_ABBR:
		v = attr(el, "title");
		return v ? put_attr(&c->out, "title", v) : IC_OK;
	case GUMBO_TAG_TIME:
		v = attr(el, "datetime");
		return v ? put_attr(&c->out, "datetime", v) : IC_OK;
	case GUMBO_TAG_Q:
	case GUMBO_TAG_BLOCKQUOTE:
		v = attr(el, "cite");
		if (v == NULL)
			return IC_OK;
		if ((rc = safe_url(c, v, false, &url)) != IC_OK)
			return rc;
		return url ? put_url_attr(&c->out, "cite", url) : IC_OK;
	default:
		return IC_OK;
	}
}

/* Write the start tag of @p tag and remember it as open at @p depth. */
static enum ic_err open_element(struct html_ctx *c, GumboTag tag,
                                const GumboElement *el, const char *href,
                                size_t depth)
{
	enum ic_err rc;

	if ((rc = ic_buf_addf(&c->out, "<%s", gumbo_normalized_tagname(tag))) !=
	    IC_OK)
		return rc;
	if (href != NULL) {
		if ((rc = put_url_attr(&c->out, "href", href)) != IC_OK ||
		    (rc = put_attr(&c->out, "rel", IC_SANITIZE_LINK_REL)) !=
		            IC_OK)
			return rc;
	} else if ((rc = put_attrs(c, tag, el)) != IC_OK) {
		return rc;
	}
	/* The parser drops one newline right after <pre>: give it one, so
	 * content starting with a newline keeps it. */
	if ((rc = ic_buf_adds(&c->out, tag == GUMBO_TAG_PRE ? ">\n" : ">")) !=
	    IC_OK)
		return rc;
	c->inner_block[c->nopen] =
	        html_kind(tag) == EL_BLOCK && tag != GUMBO_TAG_P ? tag
	        : c->nopen > 0 ? c->inner_block[c->nopen - 1]
	                       : GUMBO_TAG_UNKNOWN;
	c->open[c->nopen++] = tag;
	c->pushed[depth] = true;
	c->in_a += tag == GUMBO_TAG_A;
	c->in_p += tag == GUMBO_TAG_P;
	return IC_OK;
}

/* Whether @p s holds something besides ASCII whitespace. */
static bool has_content(const char *s)
{
	for (; s != NULL && *s; s++)
		if (!is_ascii_ws(*s))
			return true;
	return false;
}

/* "[image: alt]" or "[image]", as text. */
static enum ic_err put_image_text(struct ic_buf *b, const char *alt)
{
	enum ic_err rc;

	if (!has_content(alt))
		return ic_buf_adds(b, "[image]");
	if ((rc = ic_buf_adds(b, "[image: ")) != IC_OK ||
	    (rc = put_text(b, alt, strlen(alt))) != IC_OK)
		return rc;
	return ic_buf_addc(b, ']');
}

/* sanitize.h: an image is a link to it, never loaded. */
static enum ic_err put_image(struct html_ctx *c, const GumboElement *el,
                             size_t depth)
{
	const char *src = attr(el, "src");
	char *url = NULL;
	enum ic_err rc;

	if (depth < IC_MAX_HTML_DEPTH && c->in_a == 0 && src != NULL &&
	    (rc = safe_url(c, src, false, &url)) != IC_OK)
		return rc;
	if (url == NULL)
		return put_image_text(&c->out, attr(el, "alt"));
	if ((rc = ic_buf_adds(&c->out, "<a")) != IC_OK ||
	    (rc = put_url_attr(&c->out, "href", url)) != IC_OK ||
	    (rc = put_attr(&c->out, "rel", IC_SANITIZE_LINK_REL)) != IC_OK ||
	    (rc = ic_buf_addc(&c->out, '>')) != IC_OK ||
	    (rc = put_image_text(&c->out, attr(el, "alt"))) != IC_OK)
		return rc;
	return ic_buf_adds(&c->out, "</a>");
}

static enum ic_err html_element(struct html_ctx *c, const GumboNode *n,
                                size_t depth, bool *descend)
{
	const GumboElement *el = &n->v.element;
	enum el_kind kind = node_kind(n);
	GumboTag tag = demote(el->tag);
	char *href = NULL;
	enum ic_err rc;

	if (kind == EL_DROP)
		return IC_OK;
	*descend = true;
	if (depth >= IC_MAX_HTML_DEPTH) /* flattened: text only */
		return kind == EL_IMG ? put_image_text(&c->out, attr(el, "alt"))
		                      : IC_OK;
	if (kind == EL_IMG)
		return put_image(c, el, depth);
	if (kind == EL_BR)
		return ic_buf_adds(&c->out, "<br>");
	if (kind == EL_UNWRAP || !nests(c, tag))
		return IC_OK;
	if (kind == EL_HR)
		return ic_buf_adds(&c->out, "<hr>");
	if (kind == EL_A) {
		if (attr(el, "href") == NULL)
			return IC_OK;
		if ((rc = safe_url(c, attr(el, "href"), true, &href)) != IC_OK)
			return rc;
		if (href == NULL) /* MC-3: the link becomes its text */
			return IC_OK;
	}
	return open_element(c, tag, el, href, depth);
}

static enum ic_err html_enter(void *ctx, const GumboNode *n, size_t depth,
                              bool *descend)
{
	struct html_ctx *c = ctx;

	*descend = false;
	if (depth < IC_MAX_HTML_DEPTH)
		c->pushed[depth] = false;
	switch (n->type) {
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
	case GUMBO_NODE_CDATA:
		return put_text(&c->out, n->v.text.text,
		                strlen(n->v.text.text));
	case GUMBO_NODE_ELEMENT:
	case GUMBO_NODE_TEMPLATE:
		return html_element(c, n, depth, descend);
	default: /* comments */
		return IC_OK;
	}
}

static enum ic_err html_leave(void *ctx, const GumboNode *n, size_t depth)
{
	struct html_ctx *c = ctx;
	GumboTag tag;

	if (n->type != GUMBO_NODE_ELEMENT || depth >= IC_MAX_HTML_DEPTH ||
	    !c->pushed[depth])
		return IC_OK;
	c->pushed[depth] = false;
	tag = c->open[--c->nopen];
	c->in_a -= tag == GUMBO_TAG_A;
	c->in_p -= tag == GUMBO_TAG_P;
	return ic_buf_addf(&c->out, "</%s>", gumbo_normalized_tagname(tag));
}

/* --- Writing plain text -------------------------------------------------- */

struct text_ctx {
	struct ic_buf out;
	bool space; /* a separator is due before the next visible character */
};

/*
 * Length of the well-formed UTF-8 sequence at @p s (Unicode Table 3-7),
 * or 0 with *bad set to the bytes one U+FFFD replaces.  gumbo's text is
 * already valid; this keeps the text writer from having to trust it.
 */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, lo = c == 0xe0 ? 0xa0 : 0x80,
		hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, lo = c == 0xf0 ? 0x90 : 0x80,
		hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return *bad = 1, 0;
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi)
			return *bad = i, 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* One visible sequence, with the pending separator before it. */
static enum ic_err put_visible(struct text_ctx *c, const void *p, size_t n)
{
	enum ic_err rc;

	if (c->space && c->out.len > 0 &&
	    (rc = ic_buf_addc(&c->out, ' ')) != IC_OK)
		return rc;
	c->space = false;
	return ic_buf_add(&c->out, p, n);
}

/* Append @p len bytes of text: whitespace runs collapse into one
 * separator, C0 (but whitespace), DEL and C1 controls are dropped. */
static enum ic_err put_plain(struct text_ctx *c, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n, bad = 0;
	enum ic_err rc = IC_OK;

	while (rc == IC_OK && i < len) {
		if (is_ascii_ws((char)s[i])) {
			c->space = true;
			n = 1;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			n = 1;
		} else if ((n = utf8_seq(s + i, len - i, &bad)) == 0) {
			rc = put_visible(c, "\xef\xbf\xbd", 3);
			n = bad;
		} else if (!(n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			rc = put_visible(c, s + i, n); /* not C1 */
		}
		i += n;
	}
	return rc;
}

/* Elements that separate words when their markup is taken away. */
static bool breaks_words(GumboTag t)
{
	enum el_kind k = html_kind(t);

	return k == EL_BLOCK || k == EL_BR || k == EL_HR ||
	       IN(t, word_break_tags);
}

static enum ic_err text_enter(void *ctx, const GumboNode *n, size_t depth,
                              bool *descend)
{
	struct text_ctx *c = ctx;
	const char *alt;
	enum ic_err rc;

	(void)depth;
	*descend = false;
	if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
	    n->type == GUMBO_NODE_CDATA)
		return put_plain(c, n->v.text.text, strlen(n->v.text.text));
	if (n->type != GUMBO_NODE_ELEMENT || node_kind(n) == EL_DROP)
		return IC_OK;
	*descend = true;
	c->space |= breaks_words(n->v.element.tag);
	if (node_kind(n) != EL_IMG)
		return IC_OK;
	alt = attr(&n->v.element, "alt");
	if (!has_content(alt))
		return put_plain(c, "[image]", 7);
	if ((rc = put_plain(c, "[image: ", 8)) != IC_OK ||
	    (rc = put_plain(c, alt, strlen(alt))) != IC_OK)
		return rc;
	c->space = false; /* "[image: a cat]", not "[image: a cat ]" */
	return put_plain(c, "]", 1);
}

static enum ic_err text_leave(void *ctx, const GumboNode *n, size_t depth)
{
	struct text_ctx *c = ctx;

	(void)depth;
	if (n->type == GUMBO_NODE_ELEMENT && breaks_words(n->v.element.tag))
		c->space = true;
	return IC_OK;
}

/* --- Public functions ---------------------------------------------------- */

static enum ic_err check_input(const char *html, size_t len, char *errbuf)
{
	if (html == NULL && len > 0)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "sanitizer: no HTML but a length");
	if (len > IC_MAX_SANITIZE_INPUT_BYTES)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "HTML to sanitize is longer than %u bytes",
		               (unsigned)IC_MAX_SANITIZE_INPUT_BYTES);
	return IC_OK;
}

/* One message for a failed walk; @p b has been released by then. */
static enum ic_err walk_failed(enum ic_err rc, const char *what, char *errbuf)
{
	if (rc == IC_ERR_TOO_LARGE)
		return ic_fail(errbuf, rc, "sanitized %s longer than %u bytes",
		               what, (unsigned)IC_MAX_SANITIZED_BYTES);
	if (rc == IC_ERR_NOMEM)
		return ic_fail(errbuf, rc, "sanitizer: out of memory");
	return ic_fail(errbuf, rc, "sanitizer: %s", ic_strerror(rc));
}

static const struct walk_ops html_ops = {html_enter, html_leave};
static const struct walk_ops text_ops = {text_enter, text_leave};

enum ic_err ic_sanitize_html(struct ic_arena *a, const char *html, size_t len,
                             const char *base_url, char **out, size_t *outlen,
                             char *errbuf)
{
	const GumboNode *root;
	struct html_ctx *c;
	enum ic_err rc;
	char *base = NULL;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if ((rc = check_input(html, len, errbuf)) != IC_OK)
		return rc;
	if (base_url != NULL &&
	    ic_url_resolve(a, base_url, "", &base, NULL) != IC_OK)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "sanitizer: base URL is not an absolute "
		               "http(s) URL");
	if ((rc = parse_fragment(a, html, len, &root, errbuf)) != IC_OK)
		return rc;
	if ((c = ic_arena_calloc(a, 1, sizeof(*c))) == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "sanitizer: out of memory");
	c->a = a;
	c->base = base;
	ic_buf_init(&c->out, IC_MAX_SANITIZED_BYTES);
	if ((rc = walk(a, root, &html_ops, c)) != IC_OK) {
		ic_buf_release(&c->out);
		return walk_failed(rc, "HTML", errbuf);
	}
	if (outlen != NULL)
		*outlen = c->out.len;
	if ((*out = ic_arena_take_buf(a, &c->out)) == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "sanitizer: out of memory");
	return IC_OK;
}

enum ic_err ic_sanitize_text(struct ic_arena *a, const char *html, size_t len,
                             char **out, char *errbuf)
{
	struct text_ctx c = {IC_BUF_INIT(IC_MAX_SANITIZED_BYTES), false};
	const GumboNode *root;
	enum ic_err rc;

	*out = NULL;
	if ((rc = check_input(html, len, errbuf)) != IC_OK)
		return rc;
	if ((rc = parse_fragment(a, html, len, &root, errbuf)) != IC_OK)
		return rc;
	if ((rc = walk(a, root, &text_ops, &c)) != IC_OK) {
		ic_buf_release(&c.out);
		return walk_failed(rc, "text", errbuf);
	}
	if ((*out = ic_arena_take_buf(a, &c.out)) == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "sanitizer: out of memory");
	return IC_OK;
}
