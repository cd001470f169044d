/*
 * html.h - HTML output: escaped unless you say otherwise.
 *
 * cgit's html.h vocabulary with the default reversed (STYLE.md "HTML out"):
 * the short names escape, and the one writer that does not has a long name
 * that is easy to grep for.  Pages are literal markup with escaped holes,
 * rendered by ic_html_render(); data is never printf'd into HTML (SEC-11,
 * MP-4: the static feed is on the sender's own origin, so anything left
 * unescaped would be stored XSS).
 *
 * Invariants of everything written through the escaping calls:
 *  - the five characters & < > " ' never appear raw, so one escaping is
 *    safe both in element text and inside a quoted attribute value;
 *  - the output is valid UTF-8: each ill-formed sequence becomes one
 *    U+FFFD (the "maximal subpart" rule of Unicode ch. 3), and so do
 *    surrogates, overlongs and noncharacters (HTML5 parse errors);
 *  - NUL and other control characters (C0 except TAB, LF, CR; DEL; C1)
 *    are dropped, because HTML5 makes them parse errors.
 *
 * Every writer appends to a struct ic_buf (buf.h) and returns enum ic_err.
 * IC_ERR_TOO_LARGE / IC_ERR_NOMEM come from the buffer, which is then empty
 * (buf.h's rule).  After IC_ERR_INTERNAL or IC_ERR_BAD_INPUT the buffer
 * holds a partial page: discard it and answer with an error page.
 * Nothing here allocates except the buffer, does I/O, or links anything
 * beyond libc: `feed` links this module on its hot path (DESIGN.md).
 * JSON is not built here; use cJSON.
 */
#ifndef IC_HTML_H
#define IC_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* --- Escaping writers ------------------------------------------------- */

/**
 * Append the C string @p s as HTML text: & < > " ' become entities,
 * invalid UTF-8 becomes U+FFFD, control characters are dropped.
 * @param[out] out  the page being built.
 * @param[in]  s    untrusted text; NULL is a bug.
 * @return IC_OK; IC_ERR_INTERNAL for a NULL @p s; IC_ERR_TOO_LARGE or
 *         IC_ERR_NOMEM from the buffer.
 */
enum ic_err ic_html_text(struct ic_buf *out, const char *s) IC_WARN_UNUSED;

/**
 * As ic_html_text(), for @p len bytes that may hold NULs (they are
 * dropped).  @p s may be NULL only when @p len is 0.
 */
enum ic_err ic_html_textn(struct ic_buf *out, const char *s,
                          size_t len) IC_WARN_UNUSED;

/**
 * Append @p s for use inside a double-quoted attribute value, as in
 * `<p title="` ... `">`.  Always write the quotes around it: the escaping
 * keeps a value from closing its quotes, but an unquoted value could
 * still be split at a space.  Same escaping and errors as ic_html_text().
 * For href/src use ic_html_url() instead.
 */
enum ic_err ic_html_attr(struct ic_buf *out, const char *s) IC_WARN_UNUSED;

/* --- URLs ------------------------------------------------------------- */

/**
 * Whether @p url may be written into an href or src (SEC-11).
 * Allowed, case-insensitively for schemes: "http:", "https:", "mailto:",
 * and references starting with '/', '#' or '?'.  A protocol-relative
 * "//host/..." is allowed: it takes the page's own scheme, which is http
 * or https, so it cannot run script.  Everything else is refused: other
 * schemes (javascript:, data:, vbscript:, file:), bare relative paths,
 * the empty string, and any URL holding a control character anywhere
 * (browsers drop TAB and LF inside URLs, so "java\tscript:" would run) or
 * starting with whitespace.  Entities are not decoded: the text
 * "java&#x09;script:" is refused as an unknown scheme, and is harmless
 * anyway because it is escaped to "&amp;#x09;".
 * @param[in] url  NUL-terminated; NULL gives false.
 */
bool ic_html_url_ok(const char *url);

/**
 * Append @p url for a double-quoted href or src value.
 * An allowed URL (ic_html_url_ok()) is written with & and ' as entities
 * and with the bytes a URL may not hold raw (space, " < > \ ^ ` { | },
 * '[' and ']' outside an IPv6 host, a '%' not followed by two hex digits,
 * non-ASCII) percent-encoded; so "/\evil" stays a path on this host
 * instead of becoming "//evil".
 * A refused URL writes "#" instead, so the markup stays well formed and
 * inert, and returns IC_ERR_BAD_INPUT so the caller notices.  A page
 * showing URLs that came from peers checks ic_html_url_ok() first and
 * renders them as text when they are refused.
 * @return IC_OK; IC_ERR_BAD_INPUT (refused, "#" written); buffer errors.
 */
enum ic_err ic_html_url(struct ic_buf *out, const char *url) IC_WARN_UNUSED;

/* --- The only unescaped writer ---------------------------------------- */

/**
 * Append @p s exactly as it is.  Only for string literals in our own code,
 * markup this module or a page generated, and sanitizer output (MC-3).
 * Never for anything that came from a request, a peer or the database
 * without passing the sanitizer.
 * @return IC_OK; IC_ERR_INTERNAL for NULL; buffer errors.
 */
enum ic_err ic_html_raw_trusted(struct ic_buf *out,
                                const char *s) IC_WARN_UNUSED;

/* --- Templates -------------------------------------------------------- */

/** How a template variable is written; the variable decides, never the
 * template text, so escaping cannot be forgotten in a template. */
enum ic_html_kind {
	IC_HTML_TEXT = 0, /* escaped as ic_html_text(); the default */
	IC_HTML_URL,      /* checked and written as ic_html_url() */
	IC_HTML_TRUSTED   /* raw: sanitizer output or markup we generated */
};

/** One named value for a template hole.  Nothing is copied. */
struct ic_html_var {
	const char *name;
	const char *value;
	enum ic_html_kind kind;
};

/**
 * Append @p tpl with each hole `{{name}}` replaced by the value of the
 * variable called `name`, written as its kind says.
 *
 * @p tpl is trusted literal markup (a string literal in our code).  Hole
 * names are made of ASCII letters, digits, '_', '-' and '.'.  The
 * template cannot hold a literal "{{" (write "&#123;&#123;").  A hole may
 * only stand in element text or inside a quoted attribute value; holes in
 * a tag outside quotes (`<p class={{c}}>`), inside <script>/<style> or
 * inside a comment are refused, since escaping does not make those
 * places safe.  When two variables share a name the first wins.
 * One pass over @p tpl, no allocation besides @p out.
 *
 * @param[out] out     the page being built.
 * @param[in]  tpl     the template.
 * @param[in]  vars    @p nvars variables; may be NULL when @p nvars is 0.
 * @param[out] errbuf  optional IC_ERRBUF_SIZE buffer: names the hole or
 *                     variable and the offset in @p tpl.
 * @return IC_OK;
 *         IC_ERR_INTERNAL for a template bug: a hole naming no variable,
 *         "{{{", an unclosed or empty hole, a bad character in a name, a
 *         hole in a refused place, a variable with a NULL value or an
 *         unknown kind — tests catch these, they are never silent;
 *         IC_ERR_BAD_INPUT when an IC_HTML_URL value is refused ("#" is
 *         written in its place);
 *         IC_ERR_TOO_LARGE / IC_ERR_NOMEM from the buffer.
 */
enum ic_err ic_html_render(struct ic_buf *out, const char *tpl,
                           const struct ic_html_var *vars, size_t nvars,
                           char *errbuf) IC_WARN_UNUSED;

/* --- Page skeleton ---------------------------------------------------- */

/**
 * Append the start of an HTML5 document, through the opening <body>:
 * doctype, <html lang="en">, <meta charset="utf-8">, the viewport meta,
 * the escaped @p title, then @p head_extra_trusted raw (links, styles).
 * The result passes tidy clean (tests/unit/tidy_check.h).
 * @param[in] title               untrusted text; must hold a visible
 *                                character after escaping, since HTML5
 *                                forbids an empty <title>.
 * @param[in] head_extra_trusted  markup we generated, or NULL.
 * @return IC_OK; IC_ERR_INTERNAL for a NULL or blank @p title (a page
 *         must compose a title that cannot be blank, e.g. with a fixed
 *         prefix); buffer errors.
 */
enum ic_err ic_html_page_start(struct ic_buf *out, const char *title,
                               const char *head_extra_trusted) IC_WARN_UNUSED;

/** Append "</body></html>".  @return IC_OK or buffer errors. */
enum ic_err ic_html_page_end(struct ic_buf *out) IC_WARN_UNUSED;

#endif /* IC_HTML_H */
