/*
 * fetch.c - the single guarded outbound HTTP request (see fetch.h).
 *
 * One fetch is a loop over hops.  Each hop: normalise and split the URL,
 * resolve its host and check every address (SEC-3), build a fresh curl
 * handle that is pinned to the checked addresses (CURLOPT_RESOLVE) and
 * refuses any other address when it opens a socket, perform it with
 * CURLOPT_FOLLOWLOCATION off, then decide from the status whether to stop
 * or to follow the Location ourselves (H-4, H-5).  A fresh handle per hop
 * keeps the DNS pins of one hop from ever serving another.
 */
#include "net/fetch.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/curl_lazy.h"

#include "core/buf.h"
#include "core/ic_limits.h"
#include "text/url.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown" /* configure passes it in DEFS */
#endif

/* H-8: hubs complain about requests without one (feedbin/feedbin#290). */
#define IC_FETCH_USER_AGENT                                                    \
	"IndieChat/" PACKAGE_VERSION " (+https://indieweb.org/IndieChat)"

/* What stays the same, or changes only by rule, across the hops. */
struct plan {
	const struct ic_fetch_req *req;
	const char *method; /* changes to GET on 303 (H-5) */
	const char *body;   /* NULL once the method became GET */
	size_t body_len;
	const char *origin_url; /* the normalised request URL: bearer origin */
	size_t max_bytes;
	int max_redirects;
	struct timespec deadline;
};

/* One request/response exchange. */
struct hop {
	struct ic_arena *a;
	const struct plan *plan;
	const char *url;
	struct ic_url_parts parts;
	bool dev_mode;
	struct sockaddr_storage addrs[IC_MAX_FETCH_ADDRS];
	size_t naddrs;
	/* Response. */
	struct ic_buf body;
	struct ic_fetch_header *headers; /* IC_MAX_RESPONSE_HEADERS slots */
	size_t nheaders;
	size_t header_bytes;
	enum ic_err fail; /* set by a callback that stopped the transfer */
	const char *fail_what;
	char curl_err[CURL_ERROR_SIZE];
};

/* --- Address policy (SEC-3) --------------------------------------------- */

static bool v4_public(uint32_t ip)
{
	/* IANA IPv4 special-purpose registry, plus multicast and class E. */
	static const struct {
		uint32_t net;
		unsigned bits;
	} refused[] = {
	        {0x00000000, 8},  /* "this network", 0.0.0.0 */
	        {0x0a000000, 8},  /* private (RFC 1918) */
	        {0x64400000, 10}, /* shared address space, CGNAT (RFC 6598) */
	        {0x7f000000, 8},  /* loopback */
	        {0xa9fe0000, 16}, /* link-local, cloud metadata */
	        {0xac100000, 12}, /* private (RFC 1918) */
	        {0xc0000000, 24}, /* IETF protocol assignments */
	        {0xc0000200, 24}, /* TEST-NET-1 */
	        {0xc0586300, 24}, /* 6to4 relay anycast (deprecated) */
	        {0xc0a80000, 16}, /* private (RFC 1918) */
	        {0xc6120000, 15}, /* benchmarking */
	        {0xc6336400, 24}, /* TEST-NET-2 */
	        {0xcb007100, 24}, /* TEST-NET-3 */
	        {0xe0000000, 4},  /* multicast */
	        {0xf0000000, 4},  /* reserved, and 255.255.255.255 broadcast */
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - refused[i].bits);

		if ((ip & mask) == refused[i].net)
			return false;
	}
	return true;
}

static uint32_t v4_from_bytes(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static bool v6_public(const unsigned char *b)
{
	/* NAT64 well-known prefix (RFC 6052): as public as what it embeds. */
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};

	if (memcmp(b, nat64, sizeof(nat64)) == 0)
		return v4_public(v4_from_bytes(b + 12));
	/* Only global unicast; this drops ::, ::1, ::ffff:0:0/96 (mapped),
	 * ::/96 (compatible), fc00::/7, fe80::/10, fec0::/10, ff00::/8. */
	if ((b[0] & 0xe0) != 0x20)
		return false;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
		return false; /* 2001::/23 IETF assignments, Teredo */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return false; /* 2001:db8::/32 documentation */
	if (b[0] == 0x20 && b[1] == 0x02)
		return false; /* 2002::/16 6to4 embeds any IPv4 address */
	return true;
}

bool ic_fetch_addr_public(const struct sockaddr *sa)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return v4_public(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		        (const struct sockaddr_in6 *)sa;

		return v6_public(in6->sin6_addr.s6_addr);
	}
	return false;
}

/* The policy of this fetch (SEC-3; addr_allowed exists for tests). */
static bool addr_ok(const struct ic_fetch_req *req, const struct sockaddr *sa)
{
	return req->dev_mode || ic_fetch_addr_public(sa) ||
	       (req->addr_allowed && req->addr_allowed(sa));
}

/* Text form of an address, for messages and CURLOPT_RESOLVE. */
static void addr_text(const struct sockaddr *sa, char *out, size_t size)
{
	const void *src =
	        sa->sa_family == AF_INET
	                ? (const void *)&((const struct sockaddr_in *)sa)
	                          ->sin_addr
	                : (const void *)&((const struct sockaddr_in6 *)sa)
	                          ->sin6_addr;

	if (inet_ntop(sa->sa_family, src, out, (socklen_t)size) == NULL)
		snprintf(out, size, "?");
}

static bool same_addr(const struct sockaddr *x, const struct sockaddr *y)
{
	if (x->sa_family != y->sa_family)
		return false;
	if (x->sa_family == AF_INET)
		return ((const struct sockaddr_in *)x)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)y)->sin_addr.s_addr;
	if (x->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)x)->sin6_addr,
		              &((const struct sockaddr_in6 *)y)->sin6_addr,
		              sizeof(struct in6_addr)) == 0;
	return false;
}

static bool is_localhost_name(const char *host)
{
	size_t n = strlen(host);

	if (n > 0 && host[n - 1] == '.')
		n--; /* the root label */
	return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	       (n > 10 && strncasecmp(host + n - 10, ".localhost", 10) == 0);
}

/*
 * Resolve the hop's host, refuse it when any address is not public (a
 * name that mixes public and private addresses is an attack or a mistake),
 * and keep the first IC_MAX_FETCH_ADDRS addresses for pinning.
 */
static enum ic_err resolve_host(struct hop *h, char *errbuf)
{
	struct addrinfo hints = {0}, *list = NULL;
	const char *host = h->parts.host;
	enum ic_err rc = IC_OK;
	int gai;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* RFC 6761 §6.3: localhost and *.localhost are loopback, whatever
	 * DNS says.  The demo's alice.localhost and bob.localhost rely on
	 * it; the address check below still refuses them outside dev_mode. */
	if (is_localhost_name(host)) {
		hints.ai_flags = AI_NUMERICHOST;
		gai = getaddrinfo("127.0.0.1", NULL, &hints, &list);
	} else {
		gai = getaddrinfo(host, NULL, &hints, &list);
	}
	if (gai == EAI_MEMORY)
		return ic_fail(errbuf, IC_ERR_NOMEM, "%s: out of memory", host);
	if (gai != 0)
		return ic_fail(errbuf, IC_ERR_NETWORK, "cannot resolve %s: %s",
		               host, gai_strerror(gai));
	for (struct addrinfo *ai = list; ai && rc == IC_OK; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (!addr_ok(h->plan->req, ai->ai_addr)) {
			char txt[INET6_ADDRSTRLEN];

			addr_text(ai->ai_addr, txt, sizeof(txt));
			rc = ic_fail(errbuf, IC_ERR_BLOCKED,
			             "%s resolves to non-public address %s",
			             host, txt);
		} else if (h->naddrs < IC_MAX_FETCH_ADDRS &&
		           (size_t)ai->ai_addrlen <= sizeof(h->addrs[0])) {
			memcpy(&h->addrs[h->naddrs++], ai->ai_addr,
			       ai->ai_addrlen);
		}
	}
	freeaddrinfo(list);
	if (rc == IC_OK && h->naddrs == 0)
		rc = ic_fail(errbuf, IC_ERR_NETWORK, "%s has no IP address",
		             host);
	return rc;
}

/* "host:port:addr,[v6addr],..." for CURLOPT_RESOLVE. */
static char *resolve_entry(struct hop *h)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_URL_BYTES);
	enum ic_err rc;

	rc = ic_buf_addf(&b, "%s:%u:", h->parts.host, h->parts.port);
	for (size_t i = 0; i < h->naddrs && rc == IC_OK; i++) {
		const struct sockaddr *sa =
		        (const struct sockaddr *)&h->addrs[i];
		char txt[INET6_ADDRSTRLEN];

		addr_text(sa, txt, sizeof(txt));
		rc = ic_buf_addf(&b,
		                 sa->sa_family == AF_INET6 ? "%s[%s]" : "%s%s",
		                 i ? "," : "", txt);
	}
	if (rc != IC_OK) {
		ic_buf_release(&b);
		return NULL;
	}
	return ic_arena_take_buf(h->a, &b);
}

/* --- curl callbacks ----------------------------------------------------- */

/* Second line of SEC-3: the socket curl opens must be one we checked. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose,
                                    struct curl_sockaddr *addr)
{
	struct hop *h = ud;

	if (purpose == CURLSOCKTYPE_IPCXN && addr_ok(h->plan->req, &addr->addr))
		for (size_t i = 0; i < h->naddrs; i++)
			if (same_addr(&addr->addr,
			              (const struct sockaddr *)&h->addrs[i]))
				/* CLOEXEC: a detached child (DESIGN.md) must
				 * not inherit a peer's connection. */
				return socket(addr->family,
				              addr->socktype | SOCK_CLOEXEC,
				              addr->protocol);
	h->fail = IC_ERR_BLOCKED;
	h->fail_what = "an address that was not checked";
	return CURL_SOCKET_BAD;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct hop *h = ud;
	enum ic_err rc = ic_buf_add(&h->body, data, size * n);

	if (rc != IC_OK) {
		h->fail = rc;
		h->fail_what = "body";
		return 0; /* CURLE_WRITE_ERROR: stop the transfer */
	}
	return size * n;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
	                   (*e)[-1] == '\r' || (*e)[-1] == '\n'))
		(*e)--;
}

/* Store one "Name: value" line; returns false when out of memory. */
static bool keep_header(struct hop *h, const char *line, const char *end)
{
	const char *colon = memchr(line, ':', (size_t)(end - line));
	const char *ns = line, *ne, *vs, *ve = end;
	struct ic_fetch_header *hd;

	if (colon == NULL || colon == line)
		return true; /* not a header line; ignore it */
	ne = colon;
	vs = colon + 1;
	trim(&ns, &ne);
	trim(&vs, &ve);
	hd = &h->headers[h->nheaders];
	hd->name = ic_arena_memdup(h->a, ns, (size_t)(ne - ns));
	hd->value = ic_arena_memdup(h->a, vs, (size_t)(ve - vs));
	if (hd->name == NULL || hd->value == NULL)
		return false;
	h->nheaders++;
	return true;
}

static size_t header_fail(struct hop *h, enum ic_err rc, const char *what)
{
	h->fail = rc;
	h->fail_what = what;
	return 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct hop *h = ud;
	size_t len = size * n;
	const char *s = data, *e = data + len;

	/* H-7: the caps count every header byte of the hop, 1xx included. */
	h->header_bytes += len;
	if (h->header_bytes > IC_MAX_RESPONSE_HEADER_BYTES)
		return header_fail(h, IC_ERR_TOO_LARGE, "header bytes");
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		h->nheaders = 0; /* a new response (after a 1xx) starts */
		return len;
	}
	trim(&s, &e);
	if (s == e)
		return len; /* the blank line that ends the headers */
	if (h->nheaders == IC_MAX_RESPONSE_HEADERS)
		return header_fail(h, IC_ERR_TOO_LARGE, "header count");
	if (!keep_header(h, s, e))
		return header_fail(h, IC_ERR_NOMEM, "headers");
	return len;
}

/* --- Building one hop's request ----------------------------------------- */

static void free_easy(void *p)
{
	curl_easy_cleanup(p);
}

static void free_slist(void *p)
{
	curl_slist_free_all(p);
}

static long long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static bool bearer_goes(const struct hop *h)
{
	/* SEC-4: only to the origin the caller named, whatever redirected. */
	return h->plan->req->bearer &&
	       ic_url_same_origin(h->plan->origin_url, h->url);
}

/* The header lines of this hop's request, registered with the arena. */
static enum ic_err build_headers(struct hop *h, struct curl_slist **out)
{
	const struct ic_fetch_req *req = h->plan->req;
	const char *lines[4 + IC_FETCH_MAX_EXTRA_HEADERS] = {NULL};
	size_t n = 0;
	struct curl_slist *list = NULL;

	if (req->accept)
		lines[n++] = ic_arena_printf(h->a, "Accept: %s", req->accept);
	if (h->plan->body)
		lines[n++] = ic_arena_printf(
		        h->a, "Content-Type: %s",
		        req->content_type
		                ? req->content_type
		                : "application/x-www-form-urlencoded");
	if (bearer_goes(h))
		lines[n++] = ic_arena_printf(h->a, "Authorization: %s %s",
		                             req->auth_scheme ? req->auth_scheme
		                                              : "Bearer",
		                             req->bearer);
	for (size_t i = 0; i < req->nheaders; i++)
		lines[n++] =
		        ic_arena_printf(h->a, "%s: %s", req->headers[i].name,
		                        req->headers[i].value);
	lines[n++] = "Expect:"; /* no 100-continue round trip for bodies */
	for (size_t i = 0; i < n; i++) {
		struct curl_slist *next;

		if (lines[i] == NULL ||
		    (next = curl_slist_append(list, lines[i])) == NULL) {
			curl_slist_free_all(list);
			return IC_ERR_NOMEM;
		}
		list = next;
	}
	*out = list;
	return ic_arena_on_free(h->a, free_slist, list);
}

/* Method and body for this hop (H-5: 307/308 keep both, see plan). */
static CURLcode set_method(CURL *c, const struct plan *p)
{
	CURLcode cc = CURLE_OK;

	if (strcmp(p->method, "GET") == 0)
		return curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (strcmp(p->method, "HEAD") == 0)
		return curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (strcmp(p->method, "POST") != 0)
		cc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, p->method);
	if (cc == CURLE_OK && (p->body || strcmp(p->method, "POST") == 0)) {
		cc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                      (curl_off_t)p->body_len);
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			                      p->body ? p->body : "");
	}
	return cc;
}

/* The policy options every hop carries (SEC-3, SEC-4, H-7, H-8). */
static CURLcode set_policy(CURL *c, struct hop *h, long long left)
{
	long conn = left < IC_FETCH_CONNECT_TIMEOUT_MS
	                    ? (long)left
	                    : IC_FETCH_CONNECT_TIMEOUT_MS;
	CURLcode cc = CURLE_OK;

#define SET(opt, val)                                                          \
	do {                                                                   \
		if (cc == CURLE_OK)                                            \
			cc = curl_easy_setopt(c, opt, val);                    \
	} while (0)
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_UNRESTRICTED_AUTH, 0L);
	SET(CURLOPT_PROXY, ""); /* no proxy from the environment */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, conn);
	SET(CURLOPT_TIMEOUT_MS, (long)left);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->plan->max_bytes);
	SET(CURLOPT_USERAGENT, IC_FETCH_USER_AGENT);
	SET(CURLOPT_ERRORBUFFER, h->curl_err);
	SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	SET(CURLOPT_OPENSOCKETDATA, h);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, h);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, h);
#undef SET
	return cc;
}

/* Pin the host to the checked addresses.  IP literals are not looked up
 * by curl at all; the socket callback still checks them. */
static enum ic_err pin(CURL *c, struct hop *h)
{
	struct curl_slist *pins;
	char *entry;
	unsigned char tmp[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, h->parts.host, tmp) == 1 ||
	    inet_pton(AF_INET6, h->parts.host, tmp) == 1)
		return IC_OK;
	entry = resolve_entry(h);
	if (entry == NULL || (pins = curl_slist_append(NULL, entry)) == NULL)
		return IC_ERR_NOMEM;
	if (ic_arena_on_free(h->a, free_slist, pins) != IC_OK)
		return IC_ERR_NOMEM;
	if (curl_easy_setopt(c, CURLOPT_RESOLVE, pins) != CURLE_OK)
		return IC_ERR_INTERNAL;
	return IC_OK;
}

/* A fresh, fully configured handle for this hop. */
static enum ic_err make_handle(struct hop *h, long long left, CURL **out,
                               char *errbuf)
{
	CURL *c = curl_easy_init();
	struct curl_slist *headers = NULL;
	enum ic_err rc;

	if (c == NULL || ic_arena_on_free(h->a, free_easy, c) != IC_OK)
		return ic_fail(errbuf, IC_ERR_NOMEM, "%s: no curl handle",
		               h->parts.host);
	rc = build_headers(h, &headers);
	if (rc == IC_OK)
		rc = pin(c, h);
	if (rc != IC_OK)
		return ic_fail(errbuf, rc, "%s: cannot set up the request",
		               h->parts.host);
	if (set_policy(c, h, left) != CURLE_OK ||
	    set_method(c, h->plan) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_URL, h->url) != CURLE_OK)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "%s: libcurl refused an option", h->parts.host);
	*out = c;
	return IC_OK;
}

/* --- Performing a hop --------------------------------------------------- */

/* Translate a failed transfer into our code and one line (CURLcode enters
 * our code here and nowhere else). */
static enum ic_err curl_failure(struct hop *h, CURLcode cc, char *errbuf)
{
	const char *host = h->parts.host;
	const char *why = h->curl_err[0] ? h->curl_err : curl_easy_strerror(cc);

	/* A callback stopped the transfer: its reason beats curl's. */
	if (h->fail == IC_ERR_TOO_LARGE)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "%s: response %s past the cap", host,
		               h->fail_what);
	if (h->fail == IC_ERR_BLOCKED)
		return ic_fail(errbuf, IC_ERR_BLOCKED,
		               "%s: refused to connect to %s", host,
		               h->fail_what);
	if (h->fail != IC_OK)
		return ic_fail(errbuf, h->fail, "%s: out of memory for the %s",
		               host, h->fail_what);
	switch (cc) {
	case CURLE_FILESIZE_EXCEEDED:
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "%s: body larger than %zu bytes", host,
		               h->plan->max_bytes);
	case CURLE_OUT_OF_MEMORY:
		return ic_fail(errbuf, IC_ERR_NOMEM, "%s: out of memory", host);
	case CURLE_URL_MALFORMAT:
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "%s: %s", host, why);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return ic_fail(errbuf, IC_ERR_BLOCKED, "%s: %s", host, why);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_TOO_MANY_REDIRECTS:
		return ic_fail(errbuf, IC_ERR_PROTOCOL, "%s: %s", host, why);
	default:
		return ic_fail(errbuf, IC_ERR_NETWORK, "%s: %s", host, why);
	}
}

/* Run one hop and, on success, move its response into @p res. */
static enum ic_err run_hop(struct hop *h, struct ic_fetch_result *res,
                           char *errbuf)
{
	long long left = ms_left(&h->plan->deadline);
	CURL *c = NULL;
	CURLcode cc;
	enum ic_err rc;

	if (left <= 0)
		return ic_fail(errbuf, IC_ERR_NETWORK,
		               "%s: timed out after %ld ms", h->parts.host,
		               h->plan->req->timeout_ms > 0
		                       ? h->plan->req->timeout_ms
		                       : (long)IC_FETCH_TIMEOUT_MS);
	rc = resolve_host(h, errbuf);
	if (rc == IC_OK)
		rc = make_handle(h, left, &c, errbuf);
	if (rc != IC_OK)
		return rc;
	ic_buf_init(&h->body, h->plan->max_bytes);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		ic_buf_release(&h->body);
		return curl_failure(h, cc, errbuf);
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status) !=
	    CURLE_OK)
		res->status = 0;
	res->body_len = h->body.len;
	res->body = ic_arena_take_buf(h->a, &h->body);
	res->headers = h->headers;
	res->nheaders = h->nheaders;
	if (res->body == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "%s: out of memory",
		               h->parts.host);
	return IC_OK;
}

/* Set up and run the hop to @p url; @p host receives its host name. */
static enum ic_err do_hop(struct ic_arena *a, const struct plan *p,
                          const char *url, struct ic_fetch_result *res,
                          const char **host, char *errbuf)
{
	struct hop *h = ic_arena_calloc(a, 1, sizeof(*h));
	enum ic_err rc;

	if (h == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "fetch: out of memory");
	h->a = a;
	h->plan = p;
	h->url = url;
	h->dev_mode = p->req->dev_mode;
	h->headers = ic_arena_calloc(a, IC_MAX_RESPONSE_HEADERS,
	                             sizeof(*h->headers));
	if (h->headers == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "fetch: out of memory");
	rc = ic_url_parts(a, url, &h->parts, errbuf);
	if (rc != IC_OK)
		return rc;
	*host = h->parts.host;
	/* SEC-4, RFC 6750 §5.3: a bearer token never crosses the network in
	 * clear text (dev_mode excepted, for the loopback test suites). */
	if (bearer_goes(h) && !h->dev_mode &&
	    strcmp(h->parts.scheme, "https") != 0)
		return ic_fail(errbuf, IC_ERR_BLOCKED,
		               "%s: refusing to send a bearer token over http",
		               h->parts.host);
	return run_hop(h, res, errbuf);
}

/* --- The redirect loop (H-4, H-5) --------------------------------------- */

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
	       status == 307 || status == 308;
}

/* Adjust method and body for following a @p status redirect (H-5). */
static enum ic_err redirect_method(struct plan *p, long status,
                                   const char *host, char *errbuf)
{
	bool safe =
	        strcmp(p->method, "GET") == 0 || strcmp(p->method, "HEAD") == 0;

	if (status == 303 && strcmp(p->method, "HEAD") != 0) {
		p->method = "GET";
		p->body = NULL;
		p->body_len = 0;
	} else if ((status == 301 || status == 302) && !safe) {
		/* Never turn a hub or token POST silently into a GET. */
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "%s answered %ld to a %s; not following (H-5)",
		               host, status, p->method);
	}
	return IC_OK;
}

/* Where the redirect in @p res points, resolved against @p url (H-2). */
static enum ic_err next_url(struct ic_arena *a, const char *url,
                            const struct ic_fetch_result *res, const char *host,
                            char **out, char *errbuf)
{
	const char *loc = ic_fetch_header(res, "Location");
	char why[IC_ERRBUF_SIZE] = "";
	enum ic_err rc;

	rc = ic_url_resolve(a, url, loc, out, why);
	if (rc == IC_ERR_NOMEM)
		return ic_fail(errbuf, rc, "fetch: out of memory");
	if (rc != IC_OK)
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "%s: unusable redirect Location: %s", host, why);
	return IC_OK;
}

static bool has_ctl(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!(*s >= 'A' && *s <= 'Z') && !(*s >= 'a' && *s <= 'z') &&
		    !(*s >= '0' && *s <= '9') && !strchr("!#$%&'*+-.^_`|~", *s))
			return false;
	return true;
}

/* Check the request and fill in the defaults. */
static enum ic_err make_plan(struct ic_arena *a, const struct ic_fetch_req *req,
                             struct plan *p, char *errbuf)
{
	long timeout =
	        req->timeout_ms > 0 ? req->timeout_ms : IC_FETCH_TIMEOUT_MS;
	char *norm;
	enum ic_err rc;

	memset(p, 0, sizeof(*p));
	p->req = req;
	p->method = req->method ? req->method : req->body ? "POST" : "GET";
	if (!is_token(p->method))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "fetch: bad method");
	/* A CR or LF would let a value smuggle in header lines. */
	if (has_ctl(req->accept) || has_ctl(req->content_type) ||
	    has_ctl(req->bearer) ||
	    (req->auth_scheme && !is_token(req->auth_scheme)))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "fetch: control character in a header value");
	if (req->nheaders > IC_FETCH_MAX_EXTRA_HEADERS)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "fetch: more than %d extra headers",
		               IC_FETCH_MAX_EXTRA_HEADERS);
	for (size_t i = 0; i < req->nheaders; i++)
		if (!is_token(req->headers[i].name) ||
		    strcasecmp(req->headers[i].name, "Authorization") == 0 ||
		    has_ctl(req->headers[i].value))
			return ic_fail(errbuf, IC_ERR_BAD_INPUT,
			               "fetch: bad extra header");
	rc = ic_url_normalize(a, req->url ? req->url : "", &norm, errbuf);
	if (rc != IC_OK)
		return rc;
	p->origin_url = norm;
	p->body = req->body;
	p->body_len = req->body ? req->body_len : 0;
	p->max_bytes = req->max_bytes ? req->max_bytes : IC_MAX_FETCH_BYTES;
	p->max_redirects =
	        req->max_redirects ? req->max_redirects : IC_MAX_REDIRECTS;
	clock_gettime(CLOCK_MONOTONIC, &p->deadline);
	p->deadline.tv_sec += timeout / 1000;
	p->deadline.tv_nsec += (timeout % 1000) * 1000000;
	if (p->deadline.tv_nsec >= 1000000000) {
		p->deadline.tv_sec++;
		p->deadline.tv_nsec -= 1000000000;
	}
	return IC_OK;
}

/* Parse every Link header of the final response, raw (H-1). */
static enum ic_err collect_links(struct ic_arena *a,
                                 struct ic_fetch_result *res, const char *host,
                                 char *errbuf)
{
	for (size_t i = 0; i < res->nheaders; i++) {
		const struct ic_fetch_header *hd = &res->headers[i];
		enum ic_err rc;

		if (strcasecmp(hd->name, "Link") != 0)
			continue;
		rc = ic_link_parse(&res->links, a, hd->value, strlen(hd->value),
		                   NULL);
		if (rc == IC_ERR_TOO_LARGE)
			return ic_fail(
			        errbuf, rc,
			        "%s: Link headers past %d links or %d rels",
			        host, IC_MAX_LINKS, IC_MAX_LINK_RELS);
		if (rc != IC_OK)
			return ic_fail(errbuf, rc, "%s: out of memory", host);
	}
	return IC_OK;
}

enum ic_err ic_fetch(struct ic_arena *a, const struct ic_fetch_req *req,
                     struct ic_fetch_result *res, char *errbuf)
{
	struct plan p;
	const char *host = "?";
	char *url;
	enum ic_err rc;
	size_t slots;

	memset(res, 0, sizeof(*res));
	rc = make_plan(a, req, &p, errbuf);
	if (rc != IC_OK)
		return rc;
	slots = p.max_redirects > 0 ? (size_t)p.max_redirects + 1 : 1;
	res->redirects = ic_arena_calloc(a, slots, sizeof(*res->redirects));
	if (res->redirects == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "fetch: out of memory");
	url = (char *)p.origin_url;
	for (;;) {
		res->redirects[res->nredirects++] = url;
		res->final_url = url;
		rc = do_hop(a, &p, url, res, &host, errbuf);
		if (rc != IC_OK)
			return rc;
		if (p.max_redirects < 0 || !is_redirect(res->status) ||
		    ic_fetch_header(res, "Location") == NULL)
			break;
		if (res->nredirects >= slots)
			return ic_fail(errbuf, IC_ERR_PROTOCOL,
			               "%s: more than %d redirects", host,
			               p.max_redirects);
		rc = redirect_method(&p, res->status, host, errbuf);
		if (rc == IC_OK)
			rc = next_url(a, url, res, host, &url, errbuf);
		if (rc != IC_OK)
			return rc;
	}
	res->content_type = ic_fetch_header(res, "Content-Type");
	return collect_links(a, res, host, errbuf);
}

const char *ic_fetch_header(const struct ic_fetch_result *res, const char *name)
{
	if (res == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < res->nheaders; i++)
		if (strcasecmp(res->headers[i].name, name) == 0)
			return res->headers[i].value;
	return NULL;
}
