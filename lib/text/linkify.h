/*
 * linkify.h - plain message text as HTML with its web and mail addresses
 * made links (issue 14).
 *
 * Our own messages are stored as plain text.  A messenger shows
 * "https://example.com/x" as a link, so the page escapes the text first
 * (html.h) and only then turns what it recognises into <a> elements: the
 * link markup is ours, the addresses go through ic_html_url(), so nothing
 * from the text can ever become markup of its own.  Only http:, https:
 * and mailto: are recognised; everything else stays text.
 */
#ifndef IC_LINKIFY_H
#define IC_LINKIFY_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/err.h"

/** The rel every link made from message text carries: the target page
 * gets no handle on ours, no Referer, and no ranking from us. */
#define IC_LINKIFY_REL "noopener noreferrer nofollow"

/**
 * Append @p text as escaped HTML text (as ic_html_text()), with each
 * http://, https:// or mailto: address in it as
 * `<a href="…" rel="noopener noreferrer nofollow">…</a>`.  An address
 * starts at the scheme (not glued to a preceding letter or digit) and
 * ends at white space, a control character or one of < > " ` ; trailing
 * punctuation (. , ; : ! ? ' and a ')' without its '(') is left out, as
 * people write "see https://example.com/.".  Line breaks are kept as
 * they are (the page shows them with white-space: pre-wrap).
 * @return IC_OK; IC_ERR_INTERNAL for NULL; buffer errors.
 */
enum ic_err ic_html_linkify(struct ic_buf *out, const char *text);

/**
 * Whether @p text holds something ic_html_linkify() may make a link (an
 * "http://", "https://" or "mailto:" anywhere, case-insensitively).
 * NULL gives false.
 */
bool ic_linkify_has_address(const char *text);

#endif /* IC_LINKIFY_H */
