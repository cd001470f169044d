/*
 * mf2_dump.h - `listener --parse-mf2 FILE|URL [--base URL]`: the parser
 * from the command line, as mf2py and microformats-parser offer theirs,
 * for owners debugging a correspondent's feed and for benchmarks
 * (issue 13).
 *
 * A URL is fetched through the guarded fetch (net/peer: SSRF rules,
 * IC_MAX_FETCH_FEED_BYTES, the time limits) anonymously, and its final
 * URL is the base; a file is read whole (at most IC_MAX_FETCH_FEED_BYTES)
 * and resolved against --base, else IC_MF2_DUMP_DEFAULT_BASE.  The parse
 * is the same bounded one the listener runs on every feed.
 */
#ifndef IC_MF2_DUMP_H
#define IC_MF2_DUMP_H

#include <stdio.h>

#include "cgi/cgi.h"
#include "core/err.h"

/* Relative URLs in a file without --base resolve against this, as a
 * browser resolves a page it was given no address for. */
#define IC_MF2_DUMP_DEFAULT_BASE "http://localhost/"

/**
 * Parse @p source (an http(s) URL or a file path) and print the mf2 JSON
 * document, indented, to @p out.
 * @param[in] base  the base URL for a file, or NULL; ignored for a URL
 * @return IC_OK; IC_ERR_BAD_INPUT (bad --base); fetch and file errors
 *         (IC_ERR_PROTOCOL for an HTTP status other than 200); the
 *         parser's (IC_ERR_TOO_LARGE for a page past its budgets);
 * IC_ERR_NOMEM.
 */
enum ic_err ic_mf2_dump(struct ic_req *req, const char *source,
                        const char *base, FILE *out);

#endif /* IC_MF2_DUMP_H */
