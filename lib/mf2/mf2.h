/*
 * mf2.h - the microformats2 parser that `listener` runs on fetched feeds.
 *
 * ic_mf2_parse() turns an HTML document into the canonical mf2 JSON
 * document of the microformats2-parsing spec, `{"items": [...], "rels":
 * {...}, "rel-urls": {...}}`, exactly as the microformats/tests suite
 * expects it (STANDARDS.md MC-1, MC-2, MC-7 and §11.5).  The HTML is parsed
 * with gumbo, so the tree is the one a browser builds (DESIGN.md).
 *
 * What it implements: roots `h-*` (lowercase letters, digits and hyphens,
 * one optional vendor segment as in `h-x-`), properties `p-`, `u-`, `dt-`,
 * `e-`; nested microformats as property values (with `value`, and `html`
 * for `e-`) or `children`; `id`; the implied `name`, `photo` and `url`
 * rules; the value-class pattern (`value`, `value-title`), with date, time
 * and timezone combined for `dt-*` and a date implied from an earlier
 * `dt-*`; `<base href>`; `rels` and `rel-urls`; `<template>` ignored.
 * Backcompat (microformats1) roots are NOT parsed: IndieChat's peers
 * publish mf2 (MP-1, MP-2).
 *
 * Values, as the suite expects them:
 *  - `u-*` values are absolute: a relative reference is resolved against
 *    the document base (the first `<base href>`, else @p base_url); a
 *    reference with a scheme is kept as written, whatever the scheme --
 *    `javascript:` URLs are passed through and the consumer checks them;
 *  - `e-*` gives `html` (the inner HTML serialised as HTML5 does, with
 *    `href` and `src` made absolute, trimmed; `<script>` is kept: sanitising
 *    is a separate step, MC-3) and `value` (the text, see below);
 *  - text (`p-*`, `e-*` `value`, implied `name`) is the textContent with
 *    `<script>` and `<style>` dropped and each `<img>` replaced by its `alt`,
 *    else by " " + its absolute `src` + " ", then trimmed of ASCII
 *    whitespace; attribute values (`title`, `alt`, `value`, `datetime`) are
 *    taken as written, untrimmed;
 *  - `dt-*` values are kept as authored, except that the value-class
 *    pattern builds "YYYY-MM-DD HH:MM[:SS]" with a space, am/pm turned into
 *    24-hour time and a timezone written `Z` or `±HH:MM` (the tests
 *    README's comparison form).
 *
 * Hostile input (limits in ic_limits.h, "mf2 parsing"): a document larger
 * than IC_MAX_MF2_INPUT_BYTES, holding more than IC_MAX_MF2_ITEMS
 * microformats or IC_MAX_MF2_PROPERTIES property values and rel links,
 * producing more than IC_MAX_MF2_OUTPUT_BYTES of text or needing more
 * than IC_MAX_MF2_NODE_VISITS node visits, or whose tree would cost gumbo
 * more than its byte or time budget (text/html5.h: "HTML too costly to
 * parse"; deep nesting is what makes gumbo slow) is refused whole with
 * IC_ERR_TOO_LARGE.  Sloppy is not hostile: depth is judged on the tree
 * gumbo built (300 unclosed <a>s in a paragraph are 4 levels there, not
 * 300), and elements nested deeper than IC_MAX_MF2_DEPTH are ignored, not
 * the page: one deep entry loses its deep part, the others are whole.
 * No recursion goes deeper than that cap.
 *
 * Memory: the gumbo tree lives only during the call.  The result is a cJSON
 * tree registered with the caller's arena (cJSON_Delete runs when the arena
 * is freed); the caller reads it and must neither free it nor keep it past
 * ic_arena_free().
 *
 * The parser does no I/O and keeps no state between calls.
 */
#ifndef IC_MF2_H
#define IC_MF2_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "core/err.h"

/* --- Parsing ------------------------------------------------------------ */

/**
 * Parse @p len bytes of HTML at @p base_url into the canonical mf2 JSON
 * document (MC-1, MC-2).
 *
 * @param[in]  a         arena: owns the result and scratch memory
 * @param[in]  html      the document, any bytes (need not be
 *                       NUL-terminated); NULL with @p len 0 is an empty one
 * @param[in]  len       its length
 * @param[in]  base_url  the URL the document was fetched from (after
 *                       redirects): an absolute http(s) URL
 * @param[out] out       the document `{"items", "rels", "rel-urls"}`,
 *                       owned by @p a; NULL on failure
 * @param[out] errbuf    IC_ERRBUF_SIZE bytes, or NULL: names the limit or
 *                       the argument that failed
 * @return IC_OK;
 *         IC_ERR_BAD_INPUT when @p base_url is not an absolute http(s) URL
 *         (or @p a / @p out is NULL);
 *         IC_ERR_TOO_LARGE past one of the IC_MAX_MF2_* limits (depth
 *         aside) or gumbo's budgets ("HTML too costly to parse"): the page
 *         is hostile or not a feed we accept, drop it;
 *         IC_ERR_NOMEM when memory runs out.
 * Side effects: none besides memory (no I/O, no globals).
 */
enum ic_err ic_mf2_parse(struct ic_arena *a, const char *html, size_t len,
                         const char *base_url, cJSON **out, char *errbuf);

/* --- Reading values ----------------------------------------------------- */

/**
 * Read an mf2 `dt-*` value leniently into seconds since the epoch (MC-7).
 *
 * Accepts the HTML5 date and date-time forms and what publishers write:
 * `YYYY-MM-DD`, optionally followed by `T`, `t` or a space and `HH:MM`,
 * `HH:MM:SS` or `HH:MM:SS.fraction` (the fraction is dropped), optionally
 * followed by `Z`, `z`, `±HH`, `±HHMM` or `±HH:MM`.  Surrounding ASCII
 * whitespace is ignored.  A value without a time is midnight; a value
 * without a timezone is read as UTC (mf2 gives no better guess).
 *
 * @param[in]  s       the value, e.g. "2015-04-29 15:34"
 * @param[out] epoch   seconds since 1970-01-01T00:00:00Z
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; IC_ERR_BAD_INPUT when @p s is NULL, is not one of the
 *         forms above or names an impossible date or time.
 */
enum ic_err ic_mf2_datetime(const char *s, long long *epoch, char *errbuf);

#endif /* IC_MF2_H */
