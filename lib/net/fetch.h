/*
 * fetch.h - THE guarded outbound HTTP request (libcurl; DESIGN.md
 * "Security rules", STANDARDS.md H-4, H-5, H-7, H-8, SEC-3, SEC-4).
 *
 * Every URL that comes from outside -- a profile, metadata, `iss`,
 * `resource`, `subject`, a hub, a topic, a ticket endpoint -- is fetched
 * through ic_fetch() and nothing else, so the rules below hold everywhere:
 *
 *  - http and https only, on the first request and on every redirect;
 *  - the host is resolved here (getaddrinfo) and refused when any of its
 *    addresses is not public (loopback, private, link-local, CGNAT,
 *    multicast, unspecified, reserved, documentation, IPv4-mapped, ULA;
 *    SEC-3), unless dev_mode; the checked addresses are then pinned with
 *    CURLOPT_RESOLVE and checked again when curl opens the socket, so DNS
 *    rebinding cannot swap them between check and connect;
 *  - proxies from the environment are ignored (a proxy would make the
 *    address check meaningless);
 *  - redirects are followed here, not by curl, up to max_redirects, with
 *    the same checks on every hop and the chain recorded (H-4): 307/308
 *    re-send method and body, 303 becomes GET, and a 301/302 answer to a
 *    request other than GET/HEAD is an error, never a silent POST-to-GET
 *    (H-5);
 *  - `Authorization: Bearer` goes only to the origin (scheme, host, port)
 *    of the request URL: it is dropped on any hop to another origin, is
 *    never sent over plain http outside dev_mode (SEC-4, RFC 6750 §5.3),
 *    and CURLOPT_UNRESTRICTED_AUTH stays off;
 *  - connect time, total time (across all hops), body bytes, and response
 *    header count and bytes are capped (H-7, ic_limits.h);
 *  - every request says `User-Agent: IndieChat/<version>
 *    (+https://indieweb.org/IndieChat)` (H-8).
 *
 * Ownership: everything ic_fetch() returns -- body, headers, URLs, links --
 * and every libcurl handle and header list it creates live in the caller's
 * arena (handles are released by arena cleanups).  The request struct is
 * only read.
 *
 * This module links libcurl: the `feed` program's hot read path must not
 * call it (DESIGN.md).
 */
#ifndef IC_FETCH_H
#define IC_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/arena.h"
#include "core/err.h"
#include "text/link.h"

/** What to fetch.  Zero/NULL fields take the defaults named. */
/* Most extra headers one request may carry (ic_fetch_req.headers). */
#define IC_FETCH_MAX_EXTRA_HEADERS 4

struct ic_fetch_header;

struct ic_fetch_req {
	const char *method;       /* NULL: "POST" with a body, else "GET" */
	const char *url;          /* absolute http(s) URL; required */
	const char *body;         /* request body, or NULL */
	size_t body_len;          /* bytes in body */
	const char *content_type; /* of the body; NULL: form-urlencoded */
	const char *accept;       /* Accept header, or NULL for none */
	const char *bearer;       /* token for Authorization: Bearer, or NULL */
	/* The Authorization scheme of `bearer`: NULL for "Bearer"; "vapid"
	 * for Web Push (RFC 8292 §3), whose credential goes by the same
	 * origin-only rules. */
	const char *auth_scheme;
	/* Extra request headers (a hub's X-Hub-Signature and Link on a fat
	 * ping): *nheaders name/value pairs, sent on every hop.  Names must
	 * be HTTP tokens and not Authorization; values without CR/LF. */
	const struct ic_fetch_header *headers;
	size_t nheaders;
	size_t max_bytes;  /* body cap; 0: IC_MAX_FETCH_BYTES */
	long timeout_ms;   /* all hops together; 0: IC_FETCH_TIMEOUT_MS */
	int max_redirects; /* 0: IC_MAX_REDIRECTS; < 0: follow none */
	bool dev_mode;     /* allow loopback/private addresses (tests) */
	/* For unit tests only: admit a non-public address when this returns
	 * true (the test admits its fixture's 127.0.0.1 and nothing else,
	 * so every other hop still meets the real policy).  NULL: only
	 * public addresses, or any address in dev_mode. */
	bool (*addr_allowed)(const struct sockaddr *sa);
};

/** One response header line, as received (name and trimmed value). */
struct ic_fetch_header {
	const char *name;
	const char *value;
};

/** The final response and how we got there.  All memory is the arena's. */
struct ic_fetch_result {
	long status;               /* HTTP status of the final response */
	char *body;                /* final response body, NUL-terminated */
	size_t body_len;           /* bytes in body (may hold NULs) */
	const char *content_type;  /* its Content-Type value, or NULL */
	const char *final_url;     /* the URL that gave the final response */
	const char **redirects;    /* every URL requested, in order, as
	                              ic_url_normalize() wrote them: [0] is
	                              req->url, [nredirects-1] is final_url
	                              (H-4, IA-C-8) */
	size_t nredirects;         /* 1 + number of redirects followed */
	struct ic_link_list links; /* Link headers of the final response,
	                              targets RAW (unresolved; resolve
	                              against final_url, H-2) */
	struct ic_fetch_header *headers; /* final response's headers */
	size_t nheaders;
};

/**
 * Perform one guarded HTTP request, following redirects (see the top of
 * this file for the rules).  Any status code is a successful fetch: the
 * caller decides what a 404 means.  A 3xx comes back as the result only
 * when it has no Location or when @p req->max_redirects is negative.
 *
 * @param[in]  a     arena for the result, the handles and their cleanups.
 * @param[in]  req   what to fetch.
 * @param[out] res   the final response (zeroed first).
 * @param[out] errbuf  optional, IC_ERRBUF_SIZE bytes; names the host.
 * @return IC_OK;
 *         IC_ERR_BAD_INPUT   the URL (or a header value) is unusable, or
 *                            the scheme is not http(s);
 *         IC_ERR_BLOCKED     the host (or a redirect hop's host) resolves
 *                            to a non-public address outside dev_mode, or a
 *                            bearer token would go over plain http;
 *         IC_ERR_NETWORK     DNS, connect, TLS, send/receive failed or a
 *                            timeout hit (curl's message in errbuf);
 *         IC_ERR_TOO_LARGE   body past max_bytes, headers past
 *                            IC_MAX_RESPONSE_HEADERS/_HEADER_BYTES, or more
 *                            Link values than IC_MAX_LINKS;
 *         IC_ERR_PROTOCOL    too many redirects, a bad or non-http(s)
 *                            Location, or a 301/302 answer to a request
 *                            other than GET/HEAD (H-5);
 *         IC_ERR_NOMEM.
 *         On error @p res holds what was known (redirects so far).
 * Side effects: network I/O; blocking DNS resolution.
 */
enum ic_err ic_fetch(struct ic_arena *a, const struct ic_fetch_req *req,
                     struct ic_fetch_result *res, char *errbuf);

/**
 * The value of the first header called @p name (ASCII case-insensitive)
 * in @p res's final response.
 * @return a string owned by the fetch's arena, or NULL.
 */
const char *ic_fetch_header(const struct ic_fetch_result *res,
                            const char *name);

/**
 * Whether @p sa is an address a guarded fetch may connect to outside
 * dev_mode (SEC-3).  Refused IPv4: 0/8, 10/8, 100.64/10, 127/8,
 * 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24,
 * 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4 (with
 * 255.255.255.255).  IPv6: only global unicast 2000::/3 passes, minus
 * 2001::/23, 2001:db8::/32 and 2002::/16 (6to4); plus NAT64 64:ff9b::/96
 * when its embedded IPv4 address passes.  So ::, ::1, IPv4-mapped
 * ::ffff:0:0/96, fc00::/7, fe80::/10 and ff00::/8 are refused.
 * @param[in] sa  an AF_INET or AF_INET6 address; other families, NULL:
 *                false.
 */
bool ic_fetch_addr_public(const struct sockaddr *sa);

#endif /* IC_FETCH_H */
