/*
 * tidy_check.h - check an HTML5 document with tidy-html5, for tests.
 *
 * A test helper, compiled into the unit tests that need it and into the
 * tests/tidy-check tool; never linked into lib/ (tidy stays off `feed`'s
 * hot path, DESIGN.md).  STYLE.md "Tests": every page and feed we generate
 * goes through tidy, as cgit's t0010-validate-html.sh does.
 *
 * What counts is what tidy 5.6 calls an error or a warning, never its
 * info-level notes, plus the HTML5 content-model errors that tidy 5.6
 * parses silently but that matter to us (measured, see tidy_check.c):
 *  - metadata in <body>: <link> whose rel is not body-ok (a <link
 *    rel="hub"> there is ignored by discovery, H-3, WS-P-3), <meta>
 *    without itemprop, <title>, <base>;
 *  - a <title> without visible text;
 *  - NUL, other C0 controls (not TAB LF FF CR), DEL and C1 controls.
 * Tidy is configured for HTML5 as it is written, not cleaned up: the
 * <data> element (which tidy 5.6 does not know) is declared, and tidy's
 * "trimming empty <p>" clean-up is off, because HTML5 allows empty
 * elements and mf2 markup has them for empty properties.
 */
#ifndef IC_TIDY_CHECK_H
#define IC_TIDY_CHECK_H

#include <stddef.h>

/**
 * Count the errors and warnings in the HTML5 document @p html.
 * @param[in]  html       @p len bytes, UTF-8; need not be NUL-terminated.
 * @param[out] report     optional: tidy's diagnostics, one per line
 *                        ("line L column C - Warning: ..."), then ours in
 *                        the same form; truncated to fit, always
 *                        NUL-terminated when @p reportlen > 0.
 * @param[in]  reportlen  size of @p report.
 * @return the number of errors plus warnings (0 = clean), or -1 when tidy
 *         itself failed (out of memory, document too large for tidy's
 *         unsigned sizes) with the reason in @p report.
 */
int tidy_check_html(const char *html, size_t len, char *report,
                    size_t reportlen);

#endif /* IC_TIDY_CHECK_H */
