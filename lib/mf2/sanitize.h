/*
 * sanitize.h - allow-list HTML sanitizer for received messages (MC-3).
 *
 * A received message's e-content comes from someone else's site and is
 * hostile by assumption (STANDARDS.md §0 item 12, §10, SEC-11): mf2
 * parsers keep <script> in `html`.  It is sanitized before it is stored
 * (DESIGN.md "Receiving") and the stored result is what the owner's pages
 * write with ic_html_raw_trusted().
 *
 * How: gumbo parses the fragment as the HTML5 fragment algorithm does in a
 * <div>, so the tree is the one a browser would build, entities decoded;
 * a walk with an explicit stack (no recursion, any depth) writes back only
 * what the allow-list names, every text and attribute through html.h's
 * escaping writers.  Nothing of the input's markup is copied through.
 *
 * Allowed elements, without attributes unless listed:
 *   p br hr em strong b i u s del ins sub sup small code pre kbd samp
 *   blockquote[cite] q[cite] cite ul ol[start] li dl dt dd span
 *   abbr[title] time[datetime] h3 h4 h5 h6, and a[href] which always gets
 *   rel="nofollow noopener noreferrer".
 * Decisions:
 *  - h1 and h2 become h3: the page around a message owns levels 1 and 2
 *    (page and conversation titles), so a message cannot outrank them.
 *    h3-h6 are kept, which keeps the mapping idempotent.
 *  - href: http, https (resolved against @p base_url) or mailto only;
 *    any other scheme, or a URL that does not parse, and the link
 *    becomes its plain text.  cite: http(s) only, else dropped.  Schemes
 *    are checked on the decoded, resolved URL, so entity-encoded, mixed
 *    case and whitespace- or control-obfuscated "javascript:" never pass.
 *  - <img> loads nothing: a remote image fetched when the owner opens the
 *    page tells its sender when and from where the message was read (a
 *    read receipt, a tracking pixel).  It becomes a link
 *    <a href=src rel=...>[image: alt]</a> (or "[image]" without alt), the
 *    text alone when src is not http(s) or the image is inside a link.
 *  - ol[start]: 1 to 9 ASCII digits, else dropped.
 *  - Dropped with their content: script, style, template, iframe,
 *    object, embed, applet, svg, math (and anything else outside the HTML
 *    namespace), noscript, noembed, noframes, frame, frameset, textarea,
 *    select, head, title.  Comments are dropped.  Every other element
 *    (div, table, form, input, unknown tags...) is dropped and its
 *    content kept.  So no on* or style attribute, no id or class (no DOM
 *    clobbering), no <base>, no form control survives.
 *  - An element is also dropped, content kept, when the HTML parser would
 *    not nest it where it stands (a block inside <p>, <a> inside <a>, <li>
 *    directly in <li>, a heading directly in a heading); and past
 *    IC_MAX_HTML_DEPTH levels of nesting everything is flattened to text.
 *    So the output parses back to exactly the tree that was written:
 *    balanced, and sanitizing it again gives the same bytes (idempotent).
 *
 * Where the output goes: it is flow content for the inside of a <div>,
 * <article> or <li>; never put it inside <p>, <a> or inline elements,
 * where its blocks would close the surrounding element.
 *
 * Limits (ic_limits.h): input IC_MAX_SANITIZE_INPUT_BYTES, output
 * IC_MAX_SANITIZED_BYTES, gumbo's memory the budget of text/html5.h
 * (HTML tree building clones formatting elements: a few KiB of hostile
 * markup can ask for gigabytes, so the parse is stopped at the budget).
 *
 * Results live in the caller's arena until ic_arena_free().  The parse
 * tree is freed before the functions return.  No I/O; only gumbo and
 * libcurl's URL parser (through url.h) are linked, so `feed` must not
 * call this module (DESIGN.md hot read path).
 */
#ifndef IC_SANITIZE_H
#define IC_SANITIZE_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/** rel written on every link the sanitizer keeps (MC-3). */
#define IC_SANITIZE_LINK_REL "nofollow noopener noreferrer"

/**
 * Sanitize the HTML fragment @p html for storage and display (MC-3).
 *
 * @param[in]  a         arena for the result.
 * @param[in]  html      @p len bytes of untrusted HTML, any encoding
 *                       errors included; may be NULL when @p len is 0.
 * @param[in]  len       bytes in @p html.
 * @param[in]  base_url  absolute http(s) URL relative links resolve
 *                       against (the entry's page), or NULL: then only
 *                       absolute http(s) and mailto links are kept.
 * @param[out] out       the sanitized HTML, NUL-terminated, from @p a;
 *                       "" when nothing is left.  NULL on error.
 * @param[out] outlen    optional: its length.
 * @param[out] errbuf    IC_ERRBUF_SIZE bytes, or NULL.
 * @return IC_OK;
 *         IC_ERR_TOO_LARGE when the input, the output or the parser's
 *         memory passes its cap (store nothing, or the text version);
 *         IC_ERR_BAD_INPUT when @p base_url is not an absolute http(s)
 *         URL, or @p html is NULL with a length;
 *         IC_ERR_NOMEM.
 */
enum ic_err ic_sanitize_html(struct ic_arena *a, const char *html, size_t len,
                             const char *base_url, char **out, size_t *outlen,
                             char *errbuf);

/**
 * The plain text of the HTML fragment @p html, for previews,
 * notifications and the terminal face.
 *
 * Content dropped by ic_sanitize_html() is dropped here too (script,
 * style...); block elements and <br> separate words; images read
 * "[image: alt]"; runs of whitespace become one space, none at either
 * end.  The result is plain UTF-8, not HTML: escape it to show it in a
 * page.  Control characters (C0 but whitespace, DEL, C1, so no terminal
 * escape sequences) are removed and invalid UTF-8 becomes U+FFFD.
 *
 * @param[in]  a       arena for the result.
 * @param[in]  html    @p len bytes of untrusted HTML; NULL when @p len is 0.
 * @param[in]  len     bytes in @p html.
 * @param[out] out     the text, NUL-terminated, from @p a.  NULL on error.
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL.
 * @return IC_OK; IC_ERR_TOO_LARGE (input, output or parser memory past
 *         its cap); IC_ERR_BAD_INPUT (NULL @p html with a length);
 *         IC_ERR_NOMEM.
 */
enum ic_err ic_sanitize_text(struct ic_arena *a, const char *html, size_t len,
                             char **out, char *errbuf);

#endif /* IC_SANITIZE_H */
