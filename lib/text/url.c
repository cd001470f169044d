/*
 * url.c - http(s) URLs on libcurl's URL API (see url.h).
 *
 * libcurl parses and resolves; this file adds what IndieChat's rules need
 * on top: http(s) only, lowercase hosts (H-10), the profile URL rules of
 * IA-C-1/IA-C-2, and two fixes for libcurl 7.88's relative resolution
 * (an empty reference and a fragment-only reference must keep the base's
 * path and query, RFC 3986 §5.2.2; curl drops the last path segment).
 *
 * Checks that libcurl's parser would hide (it removes dot segments, an
 * empty port and an empty fragment) are made on the text before parsing.
 *
 * One file: resolution, normalisation and the profile rules all stand on
 * the same libcurl glue and checks (url_open(), stable_host(), the scheme
 * and port checks, the resolution fixes); split, that glue would become
 * an interface of its own for no other user.  Resolving many references
 * against one base (ic_url_base_new()) adds plain references, which need
 * no libcurl, and plain absolute URLs need none either (a receiver reads
 * our own feed pages without loading it); their rules sit beside the
 * libcurl calls they must agree with, which is why the file passed 1,000
 * lines.
 */
#include "text/url.h"

#include <arpa/inet.h>
#include "core/curl_lazy.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ic_limits.h"

/* Parse any scheme, so that our own check can answer "must use http or
 * https" rather than curl's "unsupported scheme"; keep dot segments, so
 * that normalising changes nothing but what H-10 allows. */
#define PARSE_FLAGS (CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS)

/* Relative resolution: RFC 3986 §5.2.4 removes dot segments. */
#define RESOLVE_FLAGS CURLU_NON_SUPPORT_SCHEME

/* HTML's "ASCII whitespace", stripped around hrefs and typed URLs. */
#define ASCII_WS " \t\n\f\r"

/* --- Small helpers ---------------------------------------------------- */

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ascii_hex(char c)
{
	return ascii_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static bool ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Lowercase ASCII letters in place; report whether anything changed. */
static bool lower_in_place(char *s)
{
	bool changed = false;

	for (; *s; s++) {
		char c = ascii_lower(*s);

		changed |= c != *s;
		*s = c;
	}
	return changed;
}

static bool has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* Strip ASCII whitespace from both ends of @p s; return the length left. */
static const char *trim(const char *s, size_t *len)
{
	size_t n = strlen(s);

	while (n > 0 && strchr(ASCII_WS, *s) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(ASCII_WS, s[n - 1]) != NULL)
		n--;
	*len = n;
	return s;
}

/* --- libcurl glue ----------------------------------------------------- */

/* Translate a CURLUcode where it enters our code (STYLE.md: errors). */
static enum ic_err curl_error(CURLUcode uc, const char *what, char *errbuf)
{
	if (uc == CURLUE_OUT_OF_MEMORY)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory parsing %s",
		               what);
#if LIBCURL_VERSION_NUM >= 0x075000 /* curl_url_strerror(): 7.80.0 */
	return ic_fail(errbuf, IC_ERR_BAD_INPUT, "%s is not a valid URL: %s",
	               what, curl_url_strerror(uc));
#else
	return ic_fail(errbuf, IC_ERR_BAD_INPUT,
	               "%s is not a valid URL (libcurl code %d)", what,
	               (int)uc);
#endif
}

/* Codes curl_url_get() returns for a part that is simply not there. */
static bool part_absent(CURLUcode uc)
{
	return uc == CURLUE_NO_PORT || uc == CURLUE_NO_QUERY ||
	       uc == CURLUE_NO_FRAGMENT || uc == CURLUE_NO_USER ||
	       uc == CURLUE_NO_PASSWORD || uc == CURLUE_NO_HOST;
}

static enum ic_err check_length(const char *s, const char *what, char *errbuf)
{
	if (s == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "no %s given", what);
	if (strnlen(s, IC_MAX_URL_BYTES + 1) > IC_MAX_URL_BYTES)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "%s is longer than %u bytes", what,
		               (unsigned)IC_MAX_URL_BYTES);
	return IC_OK;
}

static enum ic_err check_scheme(CURLU *h, const char *what, char *errbuf)
{
	char *scheme = NULL;
	CURLUcode uc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
	bool ok;

	if (uc != CURLUE_OK)
		return curl_error(uc, what, errbuf);
	/* curl lowercases the scheme it parses. */
	ok = strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
	curl_free(scheme);
	if (!ok)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "%s must use http or https", what);
	return IC_OK;
}

/* curl accepts port 0, which no server listens on (RFC 6335 §6). */
static enum ic_err check_port(CURLU *h, const char *what, char *errbuf)
{
	char *port = NULL;
	CURLUcode uc = curl_url_get(h, CURLUPART_PORT, &port, 0);
	bool zero = uc == CURLUE_OK && strtoul(port, NULL, 10) == 0;

	curl_free(port);
	if (zero)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "%s has port 0", what);
	return IC_OK;
}

/* Parse @p in into a new handle *hp (caller cleans up) and require http(s). */
/*
 * A host name has no percent-encoding (RFC 3986 §3.2.2 allows it, DNS
 * does not), and libcurl decodes "%30" to "0", which a second parse turns
 * into the IPv4 address 0.0.0.0 (found by fuzz_url): refuse any '%' in
 * the authority of an absolute URL.
 */
static bool authority_has_percent(const char *in)
{
	const char *p = in ? strstr(in, "://") : NULL;
	size_t n;
	const char *at;

	if (p == NULL)
		return false;
	p += 3;
	n = strcspn(p, "/?#");
	/* Only the host: userinfo may be percent-encoded. */
	while ((at = memchr(p, '@', n)) != NULL) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	return memchr(p, '%', n) != NULL;
}

/*
 * libcurl normalises some hosts only on a second parse ("http:/1%30" has
 * host "1%30" once and "1.0.0.0"-like forms after): a host that does not
 * survive a round trip through the URL string is refused, so every
 * function here sees one stable reading of it (found by fuzz_url).
 */
static enum ic_err stable_host(CURLU *h, unsigned flags, const char *what,
                               char *errbuf)
{
	char *url = NULL, *first = NULL, *second = NULL;
	CURLU *again = curl_url();
	enum ic_err rc = IC_ERR_NOMEM;

	if (again != NULL &&
	    curl_url_get(h, CURLUPART_URL, &url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &first, 0) == CURLUE_OK) {
		rc = IC_OK;
		if (strchr(first, '%') != NULL ||
		    curl_url_set(again, CURLUPART_URL, url, flags) !=
		            CURLUE_OK ||
		    curl_url_get(again, CURLUPART_HOST, &second, 0) !=
		            CURLUE_OK ||
		    strcmp(first, second) != 0)
			rc = ic_fail(errbuf, IC_ERR_BAD_INPUT,
			             "%s host is not in a canonical form",
			             what);
	}
	curl_free(url);
	curl_free(first);
	curl_free(second);
	curl_url_cleanup(again);
	return rc;
}

static enum ic_err url_open(const char *in, unsigned flags, const char *what,
                            CURLU **hp, char *errbuf)
{
	enum ic_err rc;
	CURLUcode uc;
	CURLU *h;

	*hp = NULL;
	rc = check_length(in, what, errbuf);
	if (rc != IC_OK)
		return rc;
	if (authority_has_percent(in))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "%s host must not be percent-encoded (write an "
		               "international name in its punycode xn-- form)",
		               what);
	h = curl_url();
	if (h == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory parsing %s",
		               what);
	uc = curl_url_set(h, CURLUPART_URL, in, flags);
	rc = uc == CURLUE_OK ? check_scheme(h, what, errbuf)
	                     : curl_error(uc, what, errbuf);
	if (rc == IC_OK)
		rc = check_port(h, what, errbuf);
	if (rc == IC_OK)
		rc = stable_host(h, flags, what, errbuf);
	if (rc != IC_OK) {
		curl_url_cleanup(h);
		return rc;
	}
	*hp = h;
	return IC_OK;
}

/* Copy one part into the arena; an absent part gives *out == NULL. */
static enum ic_err get_part(CURLU *h, CURLUPart part, unsigned flags,
                            struct ic_arena *a, char **out, char *errbuf)
{
	char *s = NULL;
	CURLUcode uc = curl_url_get(h, part, &s, flags);

	*out = NULL;
	if (part_absent(uc))
		return IC_OK;
	if (uc != CURLUE_OK)
		return curl_error(uc, "URL", errbuf);
	*out = ic_arena_strdup(a, s);
	curl_free(s);
	if (*out == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "out of memory copying URL");
	return IC_OK;
}

/* H-10: the host compares case-insensitively, so store it lowercase. */
static enum ic_err lower_host(CURLU *h, char *errbuf)
{
	char *host = NULL;
	CURLUcode uc = curl_url_get(h, CURLUPART_HOST, &host, 0);

	if (uc != CURLUE_OK)
		return curl_error(uc, "URL host", errbuf);
	if (lower_in_place(host))
		uc = curl_url_set(h, CURLUPART_HOST, host, 0);
	curl_free(host);
	if (uc != CURLUE_OK)
		return curl_error(uc, "URL host", errbuf);
	return IC_OK;
}

/* The whole URL, default port dropped, into the arena. */
static enum ic_err url_string(CURLU *h, struct ic_arena *a, char **out,
                              char *errbuf)
{
	char *s = NULL;
	CURLUcode uc =
	        curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT);
	enum ic_err rc;

	if (uc != CURLUE_OK)
		return curl_error(uc, "URL", errbuf);
	rc = check_length(s, "the resulting URL", errbuf);
	if (rc == IC_OK) {
		*out = ic_arena_strdup(a, s);
		if (*out == NULL)
			rc = ic_fail(errbuf, IC_ERR_NOMEM,
			             "out of memory copying URL");
	}
	curl_free(s);
	return rc;
}

/* --- Resolve and normalise -------------------------------------------- */

/*
 * RFC 3986 §5.2.2: an empty reference is the base without its fragment,
 * "#f" is the base with fragment f.  curl 7.88 gets both wrong (it drops
 * the last path segment), so join the text ourselves and let curl parse
 * the whole URL, which also validates the fragment.
 */
static CURLUcode set_fragment_only(CURLU *h, const char *ref)
{
	char *base = NULL, *joined;
	CURLUcode uc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);

	if (uc == CURLUE_OK)
		uc = curl_url_get(h, CURLUPART_URL, &base, 0);
	if (uc != CURLUE_OK)
		return uc;
	joined = malloc(strlen(base) + strlen(ref) + 1);
	if (joined == NULL) {
		curl_free(base);
		return CURLUE_OUT_OF_MEMORY;
	}
	strcpy(joined, base);
	strcat(joined, ref);
	curl_free(base);
	uc = curl_url_set(h, CURLUPART_URL, joined, RESOLVE_FLAGS);
	free(joined);
	return uc;
}

static enum ic_err apply_ref(CURLU *h, struct ic_arena *a, const char *ref,
                             char *errbuf)
{
	size_t len;
	const char *t;
	char *copy;
	CURLUcode uc;
	enum ic_err rc = check_length(ref, "reference", errbuf);

	if (rc != IC_OK)
		return rc;
	t = trim(ref, &len);
	copy = ic_arena_strndup(a, t, len);
	if (copy == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory resolving");
	if (copy[0] == '\0' || copy[0] == '#')
		uc = set_fragment_only(h, copy);
	else
		uc = curl_url_set(h, CURLUPART_URL, copy, RESOLVE_FLAGS);
	if (uc != CURLUE_OK)
		return curl_error(uc, "the reference", errbuf);
	return IC_OK;
}

/*
 * A resolved URL's checks: http(s), no port 0, a host that survives a
 * round trip.  The base passed them, and they look only at the scheme and
 * the authority, so a result whose URL starts with the base's
 * "scheme://authority" as curl prints it (`origin`, e.g. every relative
 * reference without an authority) passes them too: those skip the checks,
 * whose host round trip is a whole second parse.
 */
static bool same_origin(const char *url, const char *origin)
{
	size_t n = strlen(origin);

	return strncmp(url, origin, n) == 0 &&
	       (url[n] == '\0' || url[n] == '/' || url[n] == '?' ||
	        url[n] == '#');
}

static enum ic_err result_checks(CURLU *h, char *errbuf)
{
	/* An absolute reference may name another scheme (H-2 resolves only
	 * what we could fetch). */
	enum ic_err rc = check_scheme(h, "the resolved URL", errbuf);

	if (rc == IC_OK)
		rc = check_port(h, "the resolved URL", errbuf);
	if (rc == IC_OK)
		rc = stable_host(h, RESOLVE_FLAGS, "the resolved URL", errbuf);
	return rc;
}

/* Apply @p ref to @p h (the base), check the result, copy it out. */
static enum ic_err resolve_on(CURLU *h, const char *origin, struct ic_arena *a,
                              const char *ref, char **out, char *errbuf)
{
	char *s = NULL;
	CURLUcode uc;
	enum ic_err rc = apply_ref(h, a, ref, errbuf);

	if (rc != IC_OK)
		return rc;
	uc = curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT);
	if (uc != CURLUE_OK || !same_origin(s, origin))
		rc = result_checks(h, errbuf);
	if (rc == IC_OK && uc != CURLUE_OK)
		rc = curl_error(uc, "URL", errbuf);
	if (rc == IC_OK)
		rc = check_length(s, "the resulting URL", errbuf);
	if (rc == IC_OK && (*out = ic_arena_strdup(a, s)) == NULL)
		rc = ic_fail(errbuf, IC_ERR_NOMEM, "out of memory copying URL");
	curl_free(s);
	return rc;
}

/* The "scheme://authority" of the checked base @p h, as curl prints it
 * (NULL when out of memory or, which cannot happen, unprintable). */
static char *origin_of(CURLU *h, struct ic_arena *a)
{
	char *s = NULL, *o = NULL, *auth;

	if (curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK)
		return NULL;
	auth = strstr(s, "://");
	if (auth != NULL)
		o = ic_arena_strndup(a, s,
		                     strcspn(auth + 3, "/?#") +
		                             (size_t)(auth + 3 - s));
	curl_free(s);
	return o;
}

/* The checked base's URL up to the last '/' of its path, as curl prints
 * it: what a relative path is merged onto (RFC 3986 section 5.2.3). */
static char *dir_of(CURLU *h, struct ic_arena *a)
{
	char *s = NULL, *d = NULL, *auth, *slash;

	if (curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK)
		return NULL;
	auth = strstr(s, "://");
	if (auth != NULL) {
		auth += 3;
		auth[strcspn(auth, "?#")] = '\0';
		slash = strrchr(auth, '/');
		if (slash != NULL)
			d = ic_arena_strndup(a, s, (size_t)(slash + 1 - s));
	}
	curl_free(s);
	return d;
}

/*
 * Plain references need no libcurl.  A reference made only of the
 * characters below (no space, no backslash, nothing to percent-encode),
 * whose "%" are escapes, with no "." or ".." segment and no "%2e", at most
 * one "?" and one "#" in that order, each followed by something, resolves
 * to the base's "scheme://authority" followed by it (starting with "/")
 * or to the base's directory followed by it (starting otherwise): nothing
 * for libcurl to remove, encode or check.  That is nearly every link of a
 * feed (RFC 3986 section 5.2.2 with section 5.2.3's merge); the rest,
 * and results past IC_MAX_URL_BYTES, go through libcurl as before.
 * tests/unit/text/test_url.c checks the two give the same result.
 */
static bool plain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL);
}

/* Is s[0..n) a "." or ".." segment? */
static bool dot_segment(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') ||
	       (n == 2 && s[0] == '.' && s[1] == '.');
}

static bool plain_ref(const char *r, size_t n)
{
	size_t seg = 0; /* where the current path segment starts */
	bool in_path = true, query = false, fragment = false;

	/* Not empty, not only a query or fragment, not "//authority", and
	 * no ':' before the first '/' ("x:y" has a scheme, RFC 3986
	 * section 4.2). */
	if (n == 0 || r[0] == '?' || r[0] == '#' ||
	    (r[0] == '/' && n > 1 && r[1] == '/') ||
	    memchr(r, ':', strcspn(r, "/?#") < n ? strcspn(r, "/?#") : n))
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? r[i] : '\0';

		if (in_path &&
		    (c == '/' || c == '?' || c == '#' || c == '\0')) {
			if (dot_segment(r + seg, i - seg))
				return false;
			seg = i + 1;
		}
		if (c == '\0')
			break;
		if (c == '?' || c == '#') {
			/* libcurl drops an empty query or fragment */
			if (fragment || (c == '?' && query) || i + 1 == n ||
			    r[i + 1] == '#')
				return false;
			in_path = false;
			query = query || c == '?';
			fragment = c == '#';
		} else if (c == '%') {
			if (i + 2 >= n || !ascii_hex(r[i + 1]) ||
			    !ascii_hex(r[i + 2]) ||
			    (r[i + 1] == '2' && (r[i + 2] | 0x20) == 'e'))
				return false;
		} else if (!plain_char((unsigned char)c))
			return false;
	}
	return true;
}

/*
 * Plain absolute URLs need no libcurl either: "http://" or "https://",
 * a host of lowercase letters, digits, '-' and '.' (no empty label) whose
 * last label starts with a letter (so no IPv4 form for libcurl to
 * rewrite), an optional port of 1-5 digits without a leading zero that
 * is not the scheme's default (libcurl drops that one), then a path that
 * starts with a single '/' and is a plain reference.  libcurl would print
 * such a URL back unchanged; it is its own resolution and normalisation.
 * @return the length of its "scheme://authority", or 0 when not plain.
 */
static size_t plain_absolute(const char *u, size_t n)
{
	size_t i = strncmp(u, "https://", 8) == 0  ? 8
	           : strncmp(u, "http://", 7) == 0 ? 7
	                                           : 0;
	size_t label = i, host_end, port = 0;
	bool letter_first = false;

	if (i == 0 || n > IC_MAX_URL_BYTES)
		return 0;
	for (; i < n && u[i] != ':' && u[i] != '/'; i++) {
		char c = u[i];

		if (c == '.') {
			if (i == label)
				return 0; /* empty label */
			label = i + 1;
		} else if (!((c >= 'a' && c <= 'z') || ascii_digit(c) ||
		             c == '-')) {
			return 0;
		}
		if (i == label)
			letter_first = c >= 'a' && c <= 'z';
	}
	host_end = i;
	if (host_end == label || !letter_first)
		return 0; /* empty, ends in '.', or a number last */
	if (i < n && u[i] == ':') {
		size_t d = ++i;

		for (; i < n && ascii_digit(u[i]) && i - d < 6; i++)
			port = port * 10 + (size_t)(u[i] - '0');
		if (i == d || i - d > 5 || u[d] == '0' || port > 65535 ||
		    port == (u[4] == 's' ? 443u : 80u))
			return 0;
	}
	if (i >= n || u[i] != '/' || !plain_ref(u + i, n - i))
		return 0;
	return i;
}

bool ic_url_plain_fast = true;

/* The parts of a plain absolute base that references are joined to. */
struct plain_base {
	size_t origin;  /* "scheme://authority" */
	size_t dir;     /* up to the last '/' of the path */
	size_t no_frag; /* all but the fragment */
};

static bool plain_base_of(const char *base, struct plain_base *pb)
{
	size_t n = base ? strnlen(base, IC_MAX_URL_BYTES + 1) : 0, path_end;

	pb->origin = ic_url_plain_fast && base ? plain_absolute(base, n) : 0;
	/* libcurl 7.88 merges a reference onto a base's fragment when that
	 * holds a '/': the shortcut must agree, so such bases are its. */
	if (pb->origin == 0 || strchr(base, '#') != NULL)
		return false;
	pb->no_frag = strcspn(base, "#");
	path_end = strcspn(base, "?#");
	pb->dir = path_end;
	while (base[pb->dir - 1] != '/')
		pb->dir--;
	return true;
}

/* ic_url_resolve() for a plain base and an empty, plain relative or plain
 * absolute reference; *out stays NULL for libcurl to do the rest. */
static enum ic_err resolve_plain_base(struct ic_arena *a, const char *base,
                                      const char *ref, char **out, char *errbuf)
{
	struct plain_base pb;
	size_t n;
	const char *t;

	if (ref == NULL || !plain_base_of(base, &pb) ||
	    strnlen(ref, IC_MAX_URL_BYTES + 1) > IC_MAX_URL_BYTES)
		return IC_OK;
	t = trim(ref, &n);
	if (n == 0)
		*out = ic_arena_strndup(a, base, pb.no_frag);
	else if (plain_absolute(t, n))
		*out = ic_arena_strndup(a, t, n);
	else if (plain_ref(t, n) &&
	         (t[0] == '/' ? pb.origin : pb.dir) + n <= IC_MAX_URL_BYTES)
		*out = ic_arena_printf(a, "%.*s%.*s",
		                       (int)(t[0] == '/' ? pb.origin : pb.dir),
		                       base, (int)n, t);
	else
		return IC_OK;
	return *out ? IC_OK
	            : ic_fail(errbuf, IC_ERR_NOMEM, "out of memory resolving");
}

enum ic_err ic_url_resolve(struct ic_arena *a, const char *base,
                           const char *ref, char **out, char *errbuf)
{
	CURLU *h;
	char *origin;
	enum ic_err rc;

	*out = NULL;
	rc = resolve_plain_base(a, base, ref, out, errbuf);
	if (rc != IC_OK || *out != NULL)
		return rc;
	rc = url_open(base, RESOLVE_FLAGS, "base URL", &h, errbuf);
	if (rc != IC_OK)
		return rc;
	origin = origin_of(h, a);
	rc = origin == NULL
	             ? ic_fail(errbuf, IC_ERR_NOMEM, "out of memory resolving")
	             : resolve_on(h, origin, a, ref, out, errbuf);
	curl_url_cleanup(h);
	return rc;
}

/* --- A base for many references ----------------------------------------- */

struct ic_url_base {
	CURLU *h;     /* the base, parsed and checked once; NULL when plain */
	char *url;    /* the base as given (plain: it is its own normal form) */
	char *origin; /* its "scheme://authority" (see same_origin()) */
	char *dir;    /* its URL up to the last '/' of its path */
};

/* The plain reference's result in *out, else *out stays NULL. */
static enum ic_err resolve_plain(struct ic_arena *a,
                                 const struct ic_url_base *b, const char *ref,
                                 char **out, char *errbuf)
{
	size_t n;
	const char *t = trim(ref, &n), *head;

	if (strnlen(ref, IC_MAX_URL_BYTES + 1) > IC_MAX_URL_BYTES ||
	    !plain_ref(t, n))
		return IC_OK;
	head = t[0] == '/' ? b->origin : b->dir;
	if (strlen(head) + n > IC_MAX_URL_BYTES)
		return IC_OK; /* libcurl says why */
	*out = ic_arena_printf(a, "%s%.*s", head, (int)n, t);
	if (*out == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory resolving");
	return IC_OK;
}

static void base_cleanup(void *h)
{
	curl_url_cleanup(h);
}

enum ic_err ic_url_base_new(struct ic_arena *a, const char *base,
                            struct ic_url_base **out, char *errbuf)
{
	struct ic_url_base *b;
	struct plain_base pb;
	CURLU *h;
	enum ic_err rc;

	*out = NULL;
	if (base != NULL && plain_base_of(base, &pb)) {
		b = ic_arena_calloc(a, 1, sizeof(*b));
		if (b == NULL || (b->url = ic_arena_strdup(a, base)) == NULL ||
		    (b->origin = ic_arena_strndup(a, base, pb.origin)) ==
		            NULL ||
		    (b->dir = ic_arena_strndup(a, base, pb.dir)) == NULL)
			return ic_fail(errbuf, IC_ERR_NOMEM,
			               "out of memory resolving");
		*out = b;
		return IC_OK;
	}
	rc = url_open(base, RESOLVE_FLAGS, "base URL", &h, errbuf);
	if (rc != IC_OK)
		return rc;
	if (ic_arena_on_free(a, base_cleanup, h) != IC_OK)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory resolving");
	b = ic_arena_alloc(a, sizeof(*b));
	if (b == NULL || (b->origin = origin_of(h, a)) == NULL ||
	    (b->dir = dir_of(h, a)) == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory resolving");
	b->h = h;
	*out = b;
	return IC_OK;
}

enum ic_err ic_url_resolve_at(struct ic_arena *a, const struct ic_url_base *b,
                              const char *ref, char **out, char *errbuf)
{
	CURLU *h;
	enum ic_err rc;

	*out = NULL;
	rc = resolve_plain(a, b, ref, out, errbuf);
	if (rc != IC_OK || *out != NULL)
		return rc;
	if (b->h == NULL) /* a plain base: libcurl for the rest */
		return ic_url_resolve(a, b->url, ref, out, errbuf);
	h = curl_url_dup(b->h);
	if (h == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory resolving");
	rc = resolve_on(h, b->origin, a, ref, out, errbuf);
	curl_url_cleanup(h);
	return rc;
}

enum ic_err ic_url_normalize(struct ic_arena *a, const char *in, char **out,
                             char *errbuf)
{
	CURLU *h;
	enum ic_err rc;

	*out = NULL;
	rc = url_open(in, PARSE_FLAGS, "URL", &h, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = lower_host(h, errbuf);
	if (rc == IC_OK)
		rc = url_string(h, a, out, errbuf);
	curl_url_cleanup(h);
	return rc;
}

/* --- Profile URLs (IA-C-1, IA-C-2) ------------------------------------ */

#define PROFILE "profile URL"

/* Length of a leading "scheme:" name (RFC 3986 §3.1), 0 when none. */
static size_t scheme_name_len(const char *s)
{
	size_t i = 1;

	if (!ascii_alpha(s[0]))
		return 0;
	while (ascii_alpha(s[i]) || ascii_digit(s[i]) || s[i] == '+' ||
	       s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i : 0;
}

/*
 * IA-C-1: "Example.com" and "example.com:8080/x" are bare hosts; a leading
 * name followed by "://", or by ':' and something that is not a port, is a
 * scheme.
 */
static bool is_bare_host(const char *s)
{
	size_t k = scheme_name_len(s), i;

	if (k == 0)
		return true;
	if (strncmp(s + k, "://", 3) == 0)
		return false;
	for (i = k + 1; ascii_digit(s[i]); i++)
		continue;
	return s[i] == '\0' || s[i] == '/' || s[i] == '?' || s[i] == '#';
}

static bool scheme_is_http(const char *s)
{
	size_t k = scheme_name_len(s);

	return (k == 4 && strncasecmp(s, "http", 4) == 0) ||
	       (k == 5 && strncasecmp(s, "https", 5) == 0);
}

/* A path segment that RFC 3986 §5.2.4 would remove: ".", "..", also
 * percent-encoded ("%2e", ".%2E", ...). */
static bool is_dot_segment(const char *seg, size_t len)
{
	size_t dots = 0, i = 0;

	while (i < len) {
		if (seg[i] == '.')
			i++;
		else if (len - i >= 3 && seg[i] == '%' && seg[i + 1] == '2' &&
		         ascii_lower(seg[i + 2]) == 'e')
			i += 3;
		else
			return false;
		dots++;
	}
	return dots == 1 || dots == 2;
}

static bool has_dot_segment(const char *path, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i + 1;

		while (j < len && path[j] != '/')
			j++;
		if (is_dot_segment(path + i + 1, j - i - 1))
			return true;
		i = j;
	}
	return false;
}

/* Whether the authority [auth, end) carries a port ("host:", "[v6]:"). */
static bool has_port(const char *auth, const char *end)
{
	const char *p = auth;

	if (p < end && *p == '[') {
		p = memchr(p, ']', (size_t)(end - p));
		if (p == NULL)
			return false; /* curl rejects it later */
	}
	return memchr(p, ':', (size_t)(end - p)) != NULL;
}

/* IA-C-2 rules that curl's parser would hide, checked on the text. */
static enum ic_err profile_text_checks(const char *url, unsigned flags,
                                       char *errbuf)
{
	const char *auth = strstr(url, "://"), *end, *path_end;

	if (strchr(url, '#') != NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must not have a fragment (#...)");
	if (auth == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must start with https:// or http://");
	auth += 3;
	/* curl would skip a third slash and read the rest as the host. */
	if (*auth == '/' || *auth == '\\')
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must have a host after //");
	end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must not contain a user name or "
		                       "password");
	if (!(flags & IC_URL_DEV) && has_port(auth, end))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must not contain a port");
	path_end = end + strcspn(end, "?");
	if (has_dot_segment(end, (size_t)(path_end - end)))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must not contain . or .. path "
		                       "segments");
	return IC_OK;
}

/* Whether curl found part @p part (absent parts answer CURLUE_NO_*). */
static bool has_part(CURLU *h, CURLUPart part)
{
	char *s = NULL;
	CURLUcode uc = curl_url_get(h, part, &s, 0);

	curl_free(s);
	return uc == CURLUE_OK;
}

/* The same IA-C-2 rules on what curl parsed: whatever the text looked
 * like, the URL we return cannot carry these. */
static enum ic_err profile_parsed_checks(CURLU *h, unsigned flags, char *errbuf)
{
	char *path = NULL;
	bool dots;

	if (has_part(h, CURLUPART_FRAGMENT))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must not have a fragment (#...)");
	if (has_part(h, CURLUPART_USER) || has_part(h, CURLUPART_PASSWORD))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must not contain a user name or "
		                       "password");
	if (!(flags & IC_URL_DEV) && has_part(h, CURLUPART_PORT))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must not contain a port");
	if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " has no path");
	dots = has_dot_segment(path, strlen(path));
	curl_free(path);
	if (dots)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must not contain . or .. path "
		                       "segments");
	return IC_OK;
}

/* WHATWG URL "ends in a number": the last label is decimal or 0x-hex,
 * which makes the host an IPv4 address (valid or not), never a name. */
static bool ends_in_number(const char *host)
{
	const char *last = strrchr(host, '.');
	const char *p = last ? last + 1 : host;

	if (*p == '\0')
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; *p; p++)
			if (!ascii_hex(*p))
				return false;
		return true;
	}
	for (; *p; p++)
		if (!ascii_digit(*p))
			return false;
	return true;
}

static bool is_loopback_literal(const char *host)
{
	unsigned char addr[16];
	char v6[64];
	size_t n = strlen(host);

	if (host[0] == '[' && n >= 2 && n - 2 < sizeof(v6)) {
		memcpy(v6, host + 1, n - 2);
		v6[n - 2] = '\0';
		return inet_pton(AF_INET6, v6, addr) == 1 &&
		       memcmp(addr, &in6addr_loopback, 16) == 0;
	}
	return inet_pton(AF_INET, host, addr) == 1 && addr[0] == 127;
}

static bool is_localhost(const char *host)
{
	size_t n = strlen(host);

	return strcmp(host, "localhost") == 0 ||
	       (n > 10 && strcmp(host + n - 10, ".localhost") == 0);
}

/* Letters, digits and hyphens, not first or last (RFC 1123 §2.1). */
static bool valid_label(const char *l, size_t len)
{
	if (len == 0 || len > IC_DNS_MAX_LABEL || l[0] == '-' ||
	    l[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!ascii_alpha(l[i]) && !ascii_digit(l[i]) && l[i] != '-')
			return false;
	return true;
}

static bool valid_domain(const char *host)
{
	size_t n = strlen(host);

	if (n == 0 || n > IC_DNS_MAX_NAME)
		return false;
	while (*host) {
		size_t len = strcspn(host, ".");

		if (!valid_label(host, len))
			return false;
		host += len;
		if (*host == '.' && *++host == '\0')
			return false; /* a trailing dot names another URL */
	}
	return true;
}

static enum ic_err profile_host_rules(const char *host, unsigned flags,
                                      char *errbuf)
{
	bool dev = (flags & IC_URL_DEV) != 0;

	if (host[0] == '[' || ends_in_number(host)) {
		if (dev && is_loopback_literal(host))
			return IC_OK;
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " host must be a domain name, not an "
		                       "IP address");
	}
	if (is_localhost(host)) {
		if (dev)
			return IC_OK;
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " host %.64s is allowed only in "
		                       "dev_mode",
		               host);
	}
	if (!valid_domain(host))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " host %.64s is not a valid domain name",
		               host);
	return IC_OK;
}

/*
 * Lowercase the host, then apply the rules.  An internationalised host
 * must come in its punycode form: libcurl converts only when the process
 * runs in a UTF-8 locale (libidn2's idn2_lookup_ul), and a CGI runs in "C".
 */
static enum ic_err profile_host(CURLU *h, unsigned flags, char *errbuf)
{
	char *host = NULL;
	CURLUcode uc;
	enum ic_err rc = lower_host(h, errbuf);

	if (rc != IC_OK)
		return rc;
	uc = curl_url_get(h, CURLUPART_HOST, &host, 0);
	if (uc != CURLUE_OK)
		return curl_error(uc, PROFILE, errbuf);
	if (has_non_ascii(host))
		rc = ic_fail(errbuf, IC_ERR_BAD_INPUT,
		             PROFILE " host must be written in ASCII (use its "
		                     "xn-- punycode form)");
	else
		rc = profile_host_rules(host, flags, errbuf);
	curl_free(host);
	return rc;
}

/* IA-C-1: "example.com" -> "https://example.com" (try https first). */
static char *with_scheme(struct ic_arena *a, const char *s, size_t len)
{
	if (is_bare_host(s))
		return ic_arena_printf(a, "https://%.*s", (int)len, s);
	return ic_arena_strndup(a, s, len);
}

static enum ic_err profile_prepare(struct ic_arena *a, const char *input,
                                   char **url, char *errbuf)
{
	size_t len;
	const char *s;
	enum ic_err rc = check_length(input, PROFILE, errbuf);

	if (rc != IC_OK)
		return rc;
	s = trim(input, &len);
	if (len == 0)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, PROFILE " is empty");
	*url = with_scheme(a, s, len);
	if (*url == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory");
	if (!scheme_is_http(*url))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               PROFILE " must use http or https");
	return check_length(*url, PROFILE, errbuf);
}

enum ic_err ic_url_canonical_profile(struct ic_arena *a, const char *input,
                                     unsigned flags, char **out, char *errbuf)
{
	char *url = NULL;
	CURLU *h;
	enum ic_err rc;

	*out = NULL;
	rc = profile_prepare(a, input, &url, errbuf);
	if (rc == IC_OK)
		rc = profile_text_checks(url, flags, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = url_open(url, PARSE_FLAGS, PROFILE, &h, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = profile_parsed_checks(h, flags, errbuf);
	if (rc == IC_OK)
		rc = profile_host(h, flags, errbuf);
	if (rc == IC_OK)
		rc = url_string(h, a, out, errbuf);
	curl_url_cleanup(h);
	return rc;
}

/* --- Origins and parts -------------------------------------------------- */

enum ic_err ic_url_origin(struct ic_arena *a, const char *url, char **out,
                          char *errbuf)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLU *h;
	enum ic_err rc;

	*out = NULL;
	if (url != NULL && plain_base_of(url, &(struct plain_base){0})) {
		*out = ic_arena_strndup(a, url,
		                        plain_absolute(url, strlen(url)));
		return *out ? IC_OK
		            : ic_fail(errbuf, IC_ERR_NOMEM, "out of memory");
	}
	rc = url_open(url, PARSE_FLAGS, "URL", &h, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = lower_host(h, errbuf);
	if (rc == IC_OK)
		rc = get_part(h, CURLUPART_SCHEME, 0, a, &scheme, errbuf);
	if (rc == IC_OK)
		rc = get_part(h, CURLUPART_HOST, 0, a, &host, errbuf);
	if (rc == IC_OK)
		rc = get_part(h, CURLUPART_PORT, CURLU_NO_DEFAULT_PORT, a,
		              &port, errbuf);
	curl_url_cleanup(h);
	if (rc != IC_OK)
		return rc;
	if (host == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "URL has no host");
	*out = ic_arena_printf(a, "%s://%s%s%s", scheme, host, port ? ":" : "",
	                       port ? port : "");
	if (*out == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory");
	return IC_OK;
}

/* "[::1]" -> "::1": callers resolve and compare addresses without them. */
static void strip_brackets(char *host)
{
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
}

static enum ic_err parts_fill(CURLU *h, struct ic_arena *a,
                              struct ic_url_parts *p, char *errbuf)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL;
	enum ic_err rc = get_part(h, CURLUPART_SCHEME, 0, a, &scheme, errbuf);

	if (rc == IC_OK)
		rc = get_part(h, CURLUPART_HOST, 0, a, &host, errbuf);
	if (rc == IC_OK)
		rc = get_part(h, CURLUPART_PORT, CURLU_DEFAULT_PORT, a, &port,
		              errbuf);
	if (rc == IC_OK)
		rc = get_part(h, CURLUPART_PATH, 0, a, &path, errbuf);
	if (rc == IC_OK)
		rc = get_part(h, CURLUPART_QUERY, 0, a, &query, errbuf);
	if (rc != IC_OK)
		return rc;
	if (host == NULL || port == NULL || path == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "URL has no host");
	strip_brackets(host);
	p->scheme = scheme;
	p->host = host;
	p->port = (unsigned)strtoul(port, NULL, 10); /* curl checked it */
	p->path = path;
	p->query = query;
	return IC_OK;
}

enum ic_err ic_url_parts(struct ic_arena *a, const char *url,
                         struct ic_url_parts *out, char *errbuf)
{
	CURLU *h;
	enum ic_err rc;

	memset(out, 0, sizeof(*out));
	rc = url_open(url, PARSE_FLAGS, "URL", &h, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = lower_host(h, errbuf);
	if (rc == IC_OK)
		rc = parts_fill(h, a, out, errbuf);
	curl_url_cleanup(h);
	return rc;
}

/* --- Comparing ---------------------------------------------------------- */

/* Apply @p fn to both and compare the results; false on any failure. */
static bool same_under(enum ic_err (*fn)(struct ic_arena *, const char *,
                                         char **, char *),
                       const char *x, const char *y)
{
	struct ic_arena *a;
	char *nx = NULL, *ny = NULL;
	bool same = false;

	if (x == NULL || y == NULL)
		return false;
	a = ic_arena_new(0);
	if (a == NULL)
		return false;
	if (fn(a, x, &nx, NULL) == IC_OK && fn(a, y, &ny, NULL) == IC_OK)
		same = strcmp(nx, ny) == 0;
	ic_arena_free(a);
	return same;
}

bool ic_url_equal(const char *a, const char *b)
{
	return same_under(ic_url_normalize, a, b);
}

bool ic_url_same_origin(const char *a, const char *b)
{
	return same_under(ic_url_origin, a, b);
}
