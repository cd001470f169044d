/*
 * url.h - parse, resolve, canonicalise and compare http(s) URLs.
 *
 * Every URL IndieChat handles is an http or https URL: profile URLs
 * (IA-C-1, IA-C-2), endpoints found by discovery (H-2), hub and topic URLs,
 * authors of entries (MC-5).  This module is the one place that turns text
 * into such a URL, on top of libcurl's URL API (curl_url(), CURLU), so that
 * what we compare is what the fetch module will request.
 *
 * Invariants:
 *  - only the schemes http and https are accepted; anything else is
 *    IC_ERR_BAD_INPUT with a message that says so;
 *  - inputs and results are at most IC_MAX_URL_BYTES long (IC_ERR_TOO_LARGE);
 *  - results are NUL-terminated strings allocated from the caller's arena
 *    and live until ic_arena_free(); nothing here needs to be freed;
 *  - every libcurl handle is released before the function returns;
 *  - messages written to errbuf name the rule that failed and never echo a
 *    whole URL (a query may carry a token); they may name a host.
 *
 * Links the objects that use it with libcurl, so the `feed` program's hot
 * read path (DESIGN.md) must not call into this module.
 */
#ifndef IC_URL_H
#define IC_URL_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"

/** ic_url_canonical_profile() flag: dev_mode -- allow a port, `localhost`,
 *  `*.localhost` and loopback IP literals (127.0.0.0/8, [::1]). */
#define IC_URL_DEV 0x1u

/** The pieces of an http(s) URL, as ic_url_parts() returns them. */
struct ic_url_parts {
	const char *scheme; /* "http" or "https", lowercase */
	const char *host;   /* lowercase; an IPv6 literal without brackets */
	unsigned port;      /* the given port, else 80 or 443 */
	const char *path;   /* at least "/", as given (dot segments kept) */
	const char *query;  /* without the '?'; NULL when there is none */
};

/* --- Building URLs ---------------------------------------------------- */

/**
 * Resolve @p ref against @p base (RFC 3986 §5.2; H-2).
 *
 * @p base is the final URL after redirects, or an HTML document's base URL
 * (its `<base href>` already resolved); @p ref is a link target as found
 * in a Link header or an `href`, relative or absolute, protocol-relative
 * (`//host/x`), query-only (`?q`), fragment-only (`#f`) or empty.  Leading
 * and trailing ASCII whitespace of @p ref is ignored, as HTML does.  Dot
 * segments are removed from the result.
 *
 * @param[in]  a       arena for the result
 * @param[in]  base    an absolute http(s) URL
 * @param[in]  ref     the reference to resolve
 * @param[out] out     the absolute URL, from @p a
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; IC_ERR_BAD_INPUT when @p base or the result is not a
 *         valid http(s) URL; IC_ERR_TOO_LARGE past IC_MAX_URL_BYTES;
 *         IC_ERR_NOMEM.
 */
enum ic_err ic_url_resolve(struct ic_arena *a, const char *base,
                           const char *ref, char **out, char *errbuf);

/* A base URL parsed and checked once, for resolving many references (a
 * parser resolving every link of a page).  Owned by the arena it was made
 * in; its libcurl handle is released by ic_arena_free(). */
struct ic_url_base;

/*
 * For unit tests only: false sends every URL through libcurl, the oracle
 * that the plain URLs' shortcuts (url.c) are checked against.  Plain URLs
 * are the common case of a feed page, and the shortcut keeps a receiver
 * that only parses a page it was delivered from loading libcurl at all.
 */
extern bool ic_url_plain_fast;

/**
 * Parse and check @p base once for ic_url_resolve_at().
 *
 * @param[in]  a       arena that owns the result
 * @param[in]  base    an absolute http(s) URL, as for ic_url_resolve()
 * @param[out] out     the parsed base, from @p a
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; otherwise what ic_url_resolve() returns for this base.
 */
enum ic_err ic_url_base_new(struct ic_arena *a, const char *base,
                            struct ic_url_base **out, char *errbuf);

/**
 * ic_url_resolve() against a base from ic_url_base_new(): the same result
 * and the same errors, without parsing the base again.
 */
enum ic_err ic_url_resolve_at(struct ic_arena *a, const struct ic_url_base *b,
                              const char *ref, char **out, char *errbuf);

/**
 * Normalise @p in for storage and comparison (H-10).
 *
 * Lowercases the scheme and the host, turns an empty path into "/", drops
 * a default port (":443" on https, ":80" on http) and an empty query or
 * fragment marker; keeps everything else exactly (dot segments, percent
 * escapes, userinfo, fragment).  Idempotent: normalising a result again
 * gives the same string.
 *
 * @param[in]  a       arena for the result
 * @param[in]  in      an absolute http(s) URL
 * @param[out] out     the normalised URL, from @p a
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; IC_ERR_BAD_INPUT (not a URL, not http(s));
 *         IC_ERR_TOO_LARGE; IC_ERR_NOMEM.
 */
enum ic_err ic_url_normalize(struct ic_arena *a, const char *in, char **out,
                             char *errbuf);

/**
 * Turn what a user typed, or a `me` a server returned, into a canonical
 * profile URL (IA-C-1), or say which rule of IA-C-2 it breaks.
 *
 * A bare host (`Example.com`, `example.com/path`) gets `https://` in front
 * (IA-C-1 recommends trying https first); surrounding whitespace is
 * ignored; an empty path becomes "/"; scheme and host are lowercased.  An
 * internationalised host must be given in its punycode (xn--) form.
 * Rejected (IA-C-2): another scheme, `.`/`..` segments (also
 * percent-encoded), a fragment, userinfo, a port, an IPv4 or IPv6 literal,
 * a host that is not a domain name; with IC_URL_DEV a port, `localhost`,
 * `*.localhost` and loopback literals pass.  A query is allowed and kept.
 *
 * @param[in]  a       arena for the result
 * @param[in]  input   the URL or bare host
 * @param[in]  flags   0, or IC_URL_DEV in dev_mode
 * @param[out] out     the canonical URL, from @p a
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL: the rule that failed
 * @return IC_OK; IC_ERR_BAD_INPUT for every rejection; IC_ERR_TOO_LARGE;
 *         IC_ERR_NOMEM.
 */
enum ic_err ic_url_canonical_profile(struct ic_arena *a, const char *input,
                                     unsigned flags, char **out, char *errbuf);

/**
 * The origin of @p url: `scheme://host[:port]`, lowercase, the port only
 * when it is not the scheme's default (for MC-5 same-origin checks).
 *
 * @param[in]  a       arena for the result
 * @param[in]  url     an absolute http(s) URL
 * @param[out] out     the origin, from @p a
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; IC_ERR_BAD_INPUT; IC_ERR_TOO_LARGE; IC_ERR_NOMEM.
 */
enum ic_err ic_url_origin(struct ic_arena *a, const char *url, char **out,
                          char *errbuf);

/**
 * Split @p url into scheme, host, port, path and query.
 *
 * @param[in]  a       arena for the strings in @p out
 * @param[in]  url     an absolute http(s) URL
 * @param[out] out     the parts (see struct ic_url_parts), from @p a
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; IC_ERR_BAD_INPUT; IC_ERR_TOO_LARGE; IC_ERR_NOMEM.
 */
enum ic_err ic_url_parts(struct ic_arena *a, const char *url,
                         struct ic_url_parts *out, char *errbuf);

/* --- Comparing URLs --------------------------------------------------- */

/**
 * Whether @p a and @p b name the same URL under H-10: scheme and host
 * compared case-insensitively, an empty path equal to "/", a default port
 * equal to none (RFC 3986 §6.2.3), every other part compared exactly.
 * @return false when either is NULL, unparsable or not http(s), or when
 *         memory runs out.
 */
bool ic_url_equal(const char *a, const char *b);

/**
 * Whether @p a and @p b have the same origin (scheme, host and port, as
 * ic_url_origin() computes it; MC-5).
 * @return false when either is NULL, unparsable or not http(s).
 */
bool ic_url_same_origin(const char *a, const char *b);

#endif /* IC_URL_H */
