/*
 * link.h - the HTTP `Link` header (RFC 8288), parsed for discovery (H-1).
 *
 * WebSub, IndieAuth and TicketAuth all find their endpoints through `rel`
 * links, and a peer may send them as repeated `Link` headers or as one
 * comma-joined value (Apache joins a CGI's repeated headers, DESIGN.md
 * "Apache").  ic_link_parse() takes ONE header value and appends its links
 * to a list, so the caller calls it once per header line and both forms
 * end up in the same list, in order.
 *
 * The parser is pure: no I/O, no libcurl, no allocation outside the arena,
 * so it can be fuzzed on its own (tests/fuzz/fuzz_link.c).  It is lenient
 * the way discovery must be: a malformed link (no `<...>`, a bad target, an
 * unterminated quote) is skipped and parsing goes on with the next
 * top-level comma, because one peer's garbage must not hide the good links
 * next to it.
 *
 * Invariants of a list:
 *  - targets are the raw URI-References between `<` and `>`, trimmed
 *    (relative ones are NOT resolved here: the base is the final URL of
 *    the fetch, which only the caller knows, H-2); a target holding a
 *    control byte, space, quote or angle bracket makes its link malformed;
 *  - rel tokens holding control bytes are dropped;
 *  - every kept link has at least one rel; rel tokens are stored in ASCII
 *    lowercase (relation types compare case-insensitively, RFC 8288 §2.1);
 *  - links carrying an `anchor` parameter are not kept: their context is
 *    another resource (RFC 8288 §3.2), so they say nothing about this one;
 *  - items[0..n) are in the order the peer sent them; "first wins"
 *    lookups (ic_link_find) rely on it.
 *
 * Ownership: the list is the caller's (it is a plain struct, zero it before
 * the first call); every string it points to lives in the arena given to
 * ic_link_parse() and dies with it.
 */
#ifndef IC_LINK_H
#define IC_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ic_limits.h"

/** One link: a target and the relation types it was given. */
struct ic_link {
	const char *target;                 /* raw URI-Reference, arena */
	const char *rels[IC_MAX_LINK_RELS]; /* lowercase tokens, arena */
	size_t nrels;                       /* >= 1 for every kept link */
};

/** Links in the order they were parsed.  Zero-initialise before use. */
struct ic_link_list {
	struct ic_link items[IC_MAX_LINKS];
	size_t n;
};

/**
 * Append the links of one `Link` header value to @p out (H-1).
 *
 * Commas inside `<...>` and inside quoted strings do not split links; `rel`
 * may be quoted or bare and may hold several space-separated tokens; the
 * first `rel` parameter of a link counts, later ones are ignored (RFC 8288
 * §3.3); other parameters (type, title, title*, hreflang, ...) are skipped,
 * quoted strings with backslash escapes included.  A link without a rel, or
 * with an `anchor`, is not kept.  Malformed pieces are skipped.
 *
 * @param[in,out] out  the list to append to (out->n grows).
 * @param[in]     a    arena for the target and rel strings.
 * @param[in]     value  the header value (need not be NUL-terminated, may
 *                     contain any bytes).
 * @param[in]     len  bytes in @p value.
 * @param[out]    errbuf  optional, IC_ERRBUF_SIZE bytes.
 * @return IC_OK (also when nothing usable was found);
 *         IC_ERR_TOO_LARGE when a link would be the (IC_MAX_LINKS+1)th in
 *           @p out or carries more than IC_MAX_LINK_RELS distinct rel
 *           tokens -- parsing stops there; the links already in @p out
 *           stay valid, but a caller must not treat the list as complete;
 *         IC_ERR_NOMEM when the arena is exhausted (the list stays valid).
 */
enum ic_err ic_link_parse(struct ic_link_list *out, struct ic_arena *a,
                          const char *value, size_t len, char *errbuf);

/**
 * Append one link built from a target and a rel string to @p out.
 *
 * Shared by the header parser and HTML discovery (`<link rel href>`, whose
 * rel attribute is the same space-separated token list, H-3).  @p rels is
 * split on ASCII whitespace, tokens are lowercased and de-duplicated; when
 * no token remains the link is not added (and that is not an error).
 *
 * @param[in,out] out  the list to append to.
 * @param[in]     a    arena for the copies.
 * @param[in]     target, tlen  the target bytes (copied as they are).
 * @param[in]     rels, rlen    the rel token list.
 * @param[out]    errbuf  optional, IC_ERRBUF_SIZE bytes.
 * @return IC_OK; IC_ERR_TOO_LARGE when the list is full or more than
 *         IC_MAX_LINK_RELS distinct tokens are given (nothing is added);
 *         IC_ERR_NOMEM when the arena is exhausted (nothing is added).
 */
enum ic_err ic_link_append(struct ic_link_list *out, struct ic_arena *a,
                           const char *target, size_t tlen, const char *rels,
                           size_t rlen, char *errbuf);

/**
 * The target of the first link in @p l whose rels include @p rel
 * (compared ASCII case-insensitively), in list order (H-3 "first wins").
 * @return a string owned by the list's arena, or NULL when none matches
 *         (also for a NULL @p l or @p rel).
 */
const char *ic_link_find(const struct ic_link_list *l, const char *rel);

/**
 * Whether @p link has relation type @p rel (ASCII case-insensitive).
 */
bool ic_link_has_rel(const struct ic_link *link, const char *rel);

#endif /* IC_LINK_H */
