/*
 * html5.h - the one bounded way to run gumbo, the HTML5 parser.
 *
 * Every module that parses HTML (mf2, sanitize, discover) calls
 * ic_html5_parse(), so one policy holds everywhere: gumbo gets a private
 * allocator that charges a byte budget, by default IC_HTML5_BASE_BYTES +
 * IC_HTML5_BYTES_PER_INPUT_BYTE x the input (ic_limits.h).  HTML5 tree
 * building can clone formatting elements once per paragraph, so a few KiB
 * can ask for gigabytes; such a parse is abandoned and refused with
 * IC_ERR_TOO_LARGE ("HTML too costly to parse: over N bytes").
 *
 * And a time budget: gumbo's tree building costs, for each tag, up to
 * the depth of the open elements (scope checks walk the whole stack), so
 * deep nesting is quadratic: 160,000 levels of "<div/>" (960 KB) took
 * 56 s.  No text prescan can predict the tree HTML5 builds (self-closing
 * divs open, <noscript> content, "<!-->" comments...), so the cost is
 * measured instead: the allocator, which gumbo calls for every tag and
 * node, reads the clock, and a parse that has used more CPU time than
 * IC_HTML5_BASE_MS + IC_HTML5_NS_PER_INPUT_BYTE x the input is abandoned
 * the same way ("HTML too costly to parse: over N ms").  Every input is
 * thus parsed or refused in time linear in its size.  Only the thread's
 * own CPU time counts, so a busy machine does not cause refusals.
 *
 * gumbo 0.10.1 does not check its allocator's result, so the allocator
 * never returns NULL: past the budget (or when malloc fails) it
 * siglongjmp()s out of gumbo back to ic_html5_parse(), which frees every
 * block gumbo had (all are in slabs or on a list owned by the parse).
 * gumbo holds no global state, locks or descriptors, so abandoning it
 * leaks nothing.  Small blocks come from slabs and are recycled by size
 * class, so gumbo's thousands of allocations cost a few mallocs.
 *
 * Re-entrancy: no static state; each parse has its own budget, list and
 * jump buffer, so parses may run in several threads or one after another
 * after a refusal.  A parse must not be started from inside another
 * parse's allocator (nothing does).
 *
 * Memory: the tree (out->g) and everything in it lives until
 * ic_html5_free(out); it is freed at once, slabs and large blocks.  Never pass
 * it to gumbo_destroy_output() (its allocator was the parse's).  No I/O.
 */
#ifndef IC_HTML5_H
#define IC_HTML5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gumbo.h>

#include "core/err.h"

struct ic_html5_block; /* private: one large block gumbo holds */
struct ic_html5_slab;  /* private: a slab of gumbo's small blocks */

/* How to parse.  A NULL options pointer means a whole document with the
 * default budget. */
struct ic_html5_opts {
	/* Bytes gumbo's allocator may hold at once (slabs of small blocks,
	 * large blocks with their header); 0: ic_html5_budget(len). */
	size_t max_bytes;
	/* CPU milliseconds gumbo may take; 0: ic_html5_time_budget_ns(len). */
	unsigned int max_ms;
	/* Parse as the HTML5 fragment algorithm does with a <div> as the
	 * context element (out->g->root is then the <html> element whose
	 * children are the fragment), not as a whole document. */
	bool div_fragment;
};

/* A parsed tree.  Read out->g; the other fields are for the caller's
 * information (peak_bytes) or private (blocks, slabs). */
struct ic_html5 {
	GumboOutput *g;    /* the tree; NULL before a parse or after free */
	size_t peak_bytes; /* most bytes gumbo held at once (also set
	                    * when the parse was refused) */
	size_t budget;     /* the budget the parse ran with */
	uint64_t time_budget_ms;       /* its time budget, in CPU ms */
	struct ic_html5_block *blocks; /* private: gumbo's large blocks */
	struct ic_html5_slab *slabs;   /* private: ... and its slabs */
};

/** The default budget for @p len bytes of input (saturates, never wraps). */
size_t ic_html5_budget(size_t len);

/** The default time budget for @p len bytes, in CPU nanoseconds
 * (saturates). */
uint64_t ic_html5_time_budget_ns(size_t len);

/**
 * Parse @p len bytes of HTML with gumbo within a byte budget.
 *
 * @param[in]  html    any bytes (need not be NUL-terminated); NULL with
 *                     @p len 0 is an empty document
 * @param[in]  len     its length
 * @param[in]  opts    NULL, or the options above
 * @param[out] out     the tree, to be released with ic_html5_free(); on
 *                     failure it holds no tree (g NULL; free is still
 *                     allowed) but peak_bytes and the budgets are set
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK;
 *         IC_ERR_BAD_INPUT when @p out is NULL or @p html NULL with len > 0;
 *         IC_ERR_TOO_LARGE when gumbo would hold more than the budget
 *         ("HTML too costly to parse: over N bytes") or take more CPU
 *         time than its time budget ("... over N ms");
 *         IC_ERR_NOMEM when malloc fails.
 * Side effects: none besides memory.
 */
enum ic_err ic_html5_parse(const char *html, size_t len,
                           const struct ic_html5_opts *opts,
                           struct ic_html5 *out, char *errbuf);

/**
 * The deepest element nesting in @p h's tree (the root element is 1; 0
 * without a tree).  Walked on each call, without recursion: the parsers
 * bound their own walks, so only tests ask.
 */
size_t ic_html5_depth(const struct ic_html5 *h);

/** Free the tree of @p h (NULL, or already freed: nothing happens). */
void ic_html5_free(struct ic_html5 *h);

#endif /* IC_HTML5_H */
