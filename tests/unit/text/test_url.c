/* test_url.c - http(s) URLs on libcurl's URL API (lib/text/url.c):
 * H-2 resolution, H-10 comparison, IA-C-1/IA-C-2 profile URLs, MC-5 origins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "text/url.h"

static int setup(void **state)
{
	*state = ic_arena_new(0);
	return *state == NULL;
}

static int teardown(void **state)
{
	ic_arena_free(*state);
	return 0;
}

/* --- helpers: each returns the result, or NULL and leaves the message --- */

static char errbuf[IC_ERRBUF_SIZE];

static const char *resolve(void **state, const char *base, const char *ref)
{
	char *out = (char *)"unset";

	errbuf[0] = '\0';
	if (ic_url_resolve(*state, base, ref, &out, errbuf) != IC_OK) {
		assert_null(out);
		return NULL;
	}
	return out;
}

static const char *normalize(void **state, const char *in)
{
	char *out = (char *)"unset";

	errbuf[0] = '\0';
	if (ic_url_normalize(*state, in, &out, errbuf) != IC_OK) {
		assert_null(out);
		return NULL;
	}
	return out;
}

static const char *profile(void **state, const char *in, unsigned flags)
{
	char *out = (char *)"unset";

	errbuf[0] = '\0';
	if (ic_url_canonical_profile(*state, in, flags, &out, errbuf) !=
	    IC_OK) {
		assert_null(out);
		return NULL;
	}
	return out;
}

/* The profile URL @in is rejected, with a message containing @why. */
static void assert_profile_rejected(void **state, const char *in,
                                    unsigned flags, const char *why)
{
	char *out = NULL;

	errbuf[0] = '\0';
	assert_int_equal(
	        ic_url_canonical_profile(*state, in, flags, &out, errbuf),
	        IC_ERR_BAD_INPUT);
	assert_null(out);
	if (strstr(errbuf, why) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", in, errbuf, why);
}

/* A string of @n copies of 'a' after @prefix, from the arena. */
static char *long_url(void **state, const char *prefix, size_t n)
{
	size_t p = strlen(prefix);
	char *s = ic_arena_alloc(*state, p + n + 1);

	assert_non_null(s);
	memcpy(s, prefix, p);
	memset(s + p, 'a', n);
	s[p + n] = '\0';
	return s;
}

/* --- resolve (H-2) ----------------------------------------------------- */

static void test_url_resolve_root_relative_link_header_h_2(void **state)
{
	/* indieauth.rocks identity "header.": Link: </token> on the page. */
	assert_string_equal(resolve(state, "http://header.x/", "/token"),
	                    "http://header.x/token");
	assert_string_equal(resolve(state, "http://header.x/", "/auth"),
	                    "http://header.x/auth");
}

static void test_url_resolve_path_relative_against_document_h_2(void **state)
{
	assert_string_equal(
	        resolve(state, "https://a.example/dir/page.html", "other.html"),
	        "https://a.example/dir/other.html");
	assert_string_equal(resolve(state, "https://a.example/dir/", "x/y"),
	                    "https://a.example/dir/x/y");
}

static void test_url_resolve_against_base_href_h_2(void **state)
{
	/* <base href="/app/"> on https://site.example/page: resolve the
	 * base first, then the link against it. */
	const char *base = resolve(state, "https://site.example/page", "/app/");

	assert_non_null(base);
	assert_string_equal(base, "https://site.example/app/");
	assert_string_equal(resolve(state, base, "token"),
	                    "https://site.example/app/token");
}

static void test_url_resolve_dot_dot_segments_h_2(void **state)
{
	const char *b = "http://a/b/c/d;p?q";

	assert_string_equal(resolve(state, b, "../g"), "http://a/b/g");
	assert_string_equal(resolve(state, b, "../.."), "http://a/");
	/* RFC 3986 §5.4.2: ".." above the root stays at the root. */
	assert_string_equal(resolve(state, b, "../../../../g"), "http://a/g");
	assert_string_equal(resolve(state, b, "g/./h"), "http://a/b/c/g/h");
	assert_string_equal(resolve(state, b, "./g"), "http://a/b/c/g");
}

static void test_url_resolve_query_only_keeps_path_h_2(void **state)
{
	assert_string_equal(resolve(state, "http://a/b/c/d;p?q", "?y"),
	                    "http://a/b/c/d;p?y");
}

static void
test_url_resolve_fragment_only_keeps_path_and_query_h_2(void **state)
{
	/* RFC 3986 §5.4.1; libcurl 7.88 alone gives http://a/b/c/#s. */
	assert_string_equal(resolve(state, "http://a/b/c/d;p?q", "#s"),
	                    "http://a/b/c/d;p?q#s");
	assert_string_equal(resolve(state, "http://a/b/c/d;p?q#old", "#s"),
	                    "http://a/b/c/d;p?q#s");
}

static void
test_url_resolve_empty_reference_is_base_without_fragment_h_2(void **state)
{
	assert_string_equal(resolve(state, "http://a/b/c/d;p?q#f", ""),
	                    "http://a/b/c/d;p?q");
	assert_string_equal(resolve(state, "http://a/b/c/d;p?q", "  \t"),
	                    "http://a/b/c/d;p?q");
}

static void test_url_resolve_absolute_reference_replaces_base_h_2(void **state)
{
	assert_string_equal(resolve(state, "http://header.x/a",
	                            "https://other.example/token"),
	                    "https://other.example/token");
}

static void test_url_resolve_protocol_relative_keeps_scheme_h_2(void **state)
{
	assert_string_equal(resolve(state, "https://a.example/x", "//other/x"),
	                    "https://other/x");
	assert_string_equal(resolve(state, "http://a.example/x", "//other/x"),
	                    "http://other/x");
}

static void test_url_resolve_trims_whitespace_around_href_h_2(void **state)
{
	assert_string_equal(resolve(state, "https://a.example/", " \n/token\t"),
	                    "https://a.example/token");
}

static void test_url_resolve_rejects_non_http_results(void **state)
{
	assert_null(resolve(state, "https://a.example/", "ftp://f/x"));
	assert_non_null(strstr(errbuf, "http or https"));
	assert_null(resolve(state, "https://a.example/", "mailto:me@x"));
	assert_true(errbuf[0] != '\0');
}

static void test_url_resolve_rejects_bad_base(void **state)
{
	char *out = NULL;

	assert_null(resolve(state, "not a url", "/x"));
	assert_non_null(strstr(errbuf, "base URL"));
	assert_null(resolve(state, "ftp://a/", "/x"));
	assert_null(resolve(state, "/relative/base", "/x"));
	assert_int_equal(ic_url_resolve(*state, NULL, "/x", &out, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(
	        ic_url_resolve(*state, "https://a/", NULL, &out, errbuf),
	        IC_ERR_BAD_INPUT);
}

static void test_url_resolve_past_max_url_bytes_is_too_large(void **state)
{
	char *out = NULL;
	char *ref = long_url(state, "/", IC_MAX_URL_BYTES);
	char *half = long_url(state, "", IC_MAX_URL_BYTES - 10);

	assert_int_equal(
	        ic_url_resolve(*state, "https://a.example/", ref, &out, errbuf),
	        IC_ERR_TOO_LARGE);
	/* The reference fits, the result does not. */
	assert_int_equal(ic_url_resolve(*state,
	                                "https://a-long-host.example/dir/",
	                                half, &out, errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_null(out);
}

/* ic_url_resolve_at() against a base parsed once gives what
 * ic_url_resolve() gives, result and error alike, also for the references
 * it resolves without libcurl (url.c: plain references). */
static void assert_same_resolution(void **state, const struct ic_url_base *b,
                                   const char *base, const char *ref)
{
	char *want = NULL, *got = NULL, err1[IC_ERRBUF_SIZE] = "",
	     err2[IC_ERRBUF_SIZE] = "";
	enum ic_err rc1 = ic_url_resolve(*state, base, ref, &want, err1);
	enum ic_err rc2 = ic_url_resolve_at(*state, b, ref, &got, err2);

	if (rc1 != rc2 || (want && (!got || strcmp(want, got) != 0)))
		fail_msg("base %s ref \"%s\": %d %s / %d %s", base, ref,
		         (int)rc1, want ? want : err1, (int)rc2,
		         got ? got : err2);
	assert_string_equal(err1, err2);
}

/* A reference of up to 16 bytes from characters that make URLs hard:
 * dots, slashes, escapes, "?" and "#", space, backslash, a high byte. */
static void random_ref(unsigned long *seed, char ref[17])
{
	static const char chars[] = "ab/./..%2e%2F%41?#?# \\\x80:@;=+!~_-";
	size_t n;

	*seed = *seed * 6364136223846793005ul + 1442695040888963407ul;
	n = (*seed >> 33) % 17;
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 6364136223846793005ul + 1442695040888963407ul;
		ref[i] = chars[(*seed >> 33) % (sizeof(chars) - 1)];
	}
	ref[n] = '\0';
}

static void test_url_resolve_at_equals_resolve_h_2(void **state)
{
	static const char *const bases[] = {
	        "https://alice.example/feed/",
	        "https://alice.example",
	        "http://Host.Example:8080/a/b.html?q=1#f",
	        "https://u:p@h.example:443/dir/page?x/y#z/w",
	        "http://[::1]:8080/x/y/",
	        "https://h.example/a/../b/./c",
	};
	static const char *const refs[] = {
	        "/x",       "x",         "x/y?q#f",
	        "/a/b/",    "../x",      "./x",
	        "/a/./b",   "/a/..",     "a/..",
	        "?q",       "#f",        "",
	        " /t ",     "/%41%2e",   "/%2E",
	        "/%zz",     "/%4",       "/a b",
	        "/a\\b",    "\\\\x/y",   "//other.example/x",
	        "/x?",      "/x#",       "/x?#",
	        "/x#a?b",   "/x?a?b",    "/x#a#b",
	        "x:y",      "/é",        "/a;b=c,d*e+f!g$h&i'j(k)l~m_n.o-p@q:r",
	        ".",        "..",        "...",
	        "/...",     "/.a",       "/a.",
	        "%2e%2e/x", "/x?y/../z", "/x#y/../z",
	};
	unsigned long seed = 13;
	char ref[17];

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		struct ic_url_base *b = NULL;

		assert_int_equal(ic_url_base_new(*state, bases[i], &b, NULL),
		                 IC_OK);
		for (size_t j = 0; j < sizeof(refs) / sizeof(refs[0]); j++)
			assert_same_resolution(state, b, bases[i], refs[j]);
		for (int k = 0; k < 3000; k++) {
			random_ref(&seed, ref);
			assert_same_resolution(state, b, bases[i], ref);
		}
		assert_same_resolution(state, b, bases[i],
		                       long_url(state, "/", IC_MAX_URL_BYTES));
		assert_same_resolution(
		        state, b, bases[i],
		        long_url(state, "", IC_MAX_URL_BYTES - 10));
	}
}

/* --- Plain URLs without libcurl (url.c) ------------------------------ */

/* An absolute URL from pieces that make the shortcut's rules matter:
 * schemes, hosts (upper case, IPv4 forms, empty labels, a trailing dot,
 * userinfo), ports (default, leading zero, out of range) and paths. */
static void random_absolute(unsigned long *seed, char *out, size_t size)
{
	static const char *const schemes[] = {"http://", "https://", "HTTP://",
	                                      "ftp://", "http:/"};
	static const char *const hosts[] = {"alice.example",
	                                    "Alice.example",
	                                    "127.0.0.1",
	                                    "0x7f",
	                                    "a..b",
	                                    "a.example.",
	                                    "localhost",
	                                    "x1.y-z",
	                                    "1a.example",
	                                    "u@h.example",
	                                    "",
	                                    "h_1.example",
	                                    "[::1]",
	                                    "xn--bcher-kva.example"};
	static const char *const ports[] = {"",   ":80",    ":443",   ":8080",
	                                    ":0", ":080",   ":65535", ":65536",
	                                    ":",  ":123456"};
	char ref[17];
	size_t i[3];

	for (size_t k = 0; k < 3; k++) {
		*seed = *seed * 6364136223846793005ul + 1442695040888963407ul;
		i[k] = (size_t)(*seed >> 33);
	}
	random_ref(seed, ref);
	snprintf(out, size, "%s%s%s%s%s", schemes[i[0] % 5],
	         hosts[i[1] % (sizeof(hosts) / sizeof(hosts[0]))],
	         ports[i[2] % (sizeof(ports) / sizeof(ports[0]))],
	         (i[0] >> 8) % 4 ? "/" : "", ref);
}

/* The shortcut's answer for (base, ref) and the origin of ref equal
 * libcurl's, result and error alike; with @p at, ic_url_resolve_at()'s
 * too.  (Not for any base: for a base with a '/' in its fragment
 * libcurl 7.88 and ic_url_resolve_at()'s plain references disagree, and
 * the latter follows RFC 3986.) */
static void assert_plain_like_curl(void **state, const char *base,
                                   const char *ref, bool at_too)
{
	char *want = NULL, *got = NULL, *at = NULL;
	char e1[IC_ERRBUF_SIZE] = "", e2[IC_ERRBUF_SIZE] = "";
	struct ic_url_base *b = NULL;
	enum ic_err rc1, rc2, rc3 = IC_OK;

	ic_url_plain_fast = false;
	rc1 = ic_url_resolve(*state, base, ref, &want, e1);
	ic_url_plain_fast = true;
	rc2 = ic_url_resolve(*state, base, ref, &got, e2);
	if (at_too && ic_url_base_new(*state, base, &b, NULL) == IC_OK)
		rc3 = ic_url_resolve_at(*state, b, ref, &at, NULL);
	if (rc1 != rc2 || (want && (!got || strcmp(want, got) != 0)) ||
	    (b && (rc3 != rc1 || (want && (!at || strcmp(want, at) != 0)))))
		fail_msg("base %s ref \"%s\": curl %d %s / plain %d %s / at %s",
		         base, ref, (int)rc1, want ? want : e1, (int)rc2,
		         got ? got : e2, at ? at : "-");
	assert_string_equal(e1, e2);
	ic_url_plain_fast = false;
	rc1 = ic_url_origin(*state, ref, &want, NULL);
	ic_url_plain_fast = true;
	rc2 = ic_url_origin(*state, ref, &got, NULL);
	if (rc1 != rc2 || (rc1 == IC_OK && strcmp(want, got) != 0))
		fail_msg("origin of \"%s\": curl %d %s / plain %d %s", ref,
		         (int)rc1, rc1 ? "-" : want, (int)rc2, rc2 ? "-" : got);
}

static void test_url_plain_urls_resolve_as_curl_does_h_2(void **state)
{
	static const char *const bases[] = {
	        "https://alice.example/feed/",
	        "http://alice.localhost:8080/indiechat/feed/abc",
	        "https://alice.example/a/b?q=1#f",
	        "https://alice.example:443/x",
	        "http://127.0.0.1:8080/x/",
	        "https://Alice.example/x",
	        "https://alice.example",
	};
	unsigned long seed = 29;
	char ref[17], abs_url[96];

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		assert_plain_like_curl(state, bases[i], "", true);
		assert_plain_like_curl(state, bases[i], " ", true);
		assert_plain_like_curl(state, bases[i], "#x", true);
		assert_plain_like_curl(state, bases[i],
		                       "https://bob.example/p?q#r", true);
		for (int k = 0; k < 2000; k++) {
			random_ref(&seed, ref);
			assert_plain_like_curl(state, bases[i], ref, true);
			random_absolute(&seed, abs_url, sizeof(abs_url));
			assert_plain_like_curl(state, bases[i], abs_url, true);
			assert_plain_like_curl(state, abs_url, ref, false);
		}
		assert_plain_like_curl(
		        state, bases[i],
		        long_url(state, "https://h.example/", IC_MAX_URL_BYTES),
		        true);
	}
}

/* A base ic_url_resolve() refuses is refused the same way. */
static void test_url_base_new_refuses_what_resolve_refuses(void **state)
{
	struct ic_url_base *b = (struct ic_url_base *)"unset";
	char err1[IC_ERRBUF_SIZE], *out;

	assert_int_equal(ic_url_base_new(*state, "ftp://x/", &b, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_null(b);
	assert_int_equal(ic_url_resolve(*state, "ftp://x/", "/", &out, err1),
	                 IC_ERR_BAD_INPUT);
	assert_string_equal(errbuf, err1);
}

/* --- normalize (H-10) ------------------------------------------------- */

static void test_url_normalize_lowercases_scheme_and_host_h_10(void **state)
{
	assert_string_equal(normalize(state, "HTTPS://Example.COM"),
	                    "https://example.com/");
	assert_string_equal(normalize(state, "http://Example.COM/Path?Q=A"),
	                    "http://example.com/Path?Q=A");
}

static void test_url_normalize_drops_only_default_port_h_10(void **state)
{
	assert_string_equal(normalize(state, "https://example.com:443/a"),
	                    "https://example.com/a");
	assert_string_equal(normalize(state, "http://example.com:80/a"),
	                    "http://example.com/a");
	assert_string_equal(normalize(state, "http://example.com:443/a"),
	                    "http://example.com:443/a");
	assert_string_equal(normalize(state, "https://example.com:8443/a"),
	                    "https://example.com:8443/a");
}

static void
test_url_normalize_keeps_fragment_and_dot_segments_h_10(void **state)
{
	assert_string_equal(normalize(state, "https://x.example/a/../b#Frag"),
	                    "https://x.example/a/../b#Frag");
	assert_string_equal(normalize(state, "https://x.example/%7Ea%2f"),
	                    "https://x.example/%7Ea%2f");
}

/* Found by fuzz_url: "%30" decoded to "0", then to 0.0.0.0 on reparse. */
static void test_url_normalize_refuses_percent_encoded_host(void **state)
{
	char *out = (char *)"unchanged";
	char msg[IC_ERRBUF_SIZE];

	assert_int_equal(ic_url_normalize(*state, "http://%30/", &out, msg),
	                 IC_ERR_BAD_INPUT);
	assert_null(out);
	assert_non_null(strstr(msg, "percent"));
}

static void test_url_normalize_is_idempotent_h_10(void **state)
{
	static const char *const in[] = {
	        "HTTPS://Example.COM", "https://EXAMPLE.com:443/x?y#z",
	        "http://[::1]:8080/a", "https://user@Example.com/",
	        "https://x.example/?",
	};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		const char *once = normalize(state, in[i]);

		assert_non_null(once);
		assert_string_equal(normalize(state, once), once);
	}
}

static void test_url_normalize_rejects_other_schemes_and_garbage(void **state)
{
	assert_null(normalize(state, "ftp://example.com/"));
	assert_non_null(strstr(errbuf, "http or https"));
	assert_null(normalize(state, "example.com"));
	assert_null(normalize(state, "https://exa mple.com/"));
	assert_null(normalize(state, ""));
	assert_null(normalize(state, NULL));
}

static void test_url_normalize_past_max_url_bytes_is_too_large(void **state)
{
	char *out = NULL;
	char *ok = long_url(state, "https://a.example/",
	                    IC_MAX_URL_BYTES - strlen("https://a.example/"));

	assert_int_equal(ic_url_normalize(*state, ok, &out, errbuf), IC_OK);
	assert_int_equal(strlen(out), IC_MAX_URL_BYTES);
	assert_int_equal(ic_url_normalize(*state,
	                                  long_url(state, "https://a.example/",
	                                           IC_MAX_URL_BYTES),
	                                  &out, errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(errbuf, "2048"));
}

/* --- canonical profile (IA-C-1, IA-C-2) ------------------------------- */

static void test_url_profile_bare_host_gets_https_and_slash_ia_c_1(void **state)
{
	assert_string_equal(profile(state, "Example.com", 0),
	                    "https://example.com/");
	assert_string_equal(profile(state, "  example.com/~me  ", 0),
	                    "https://example.com/~me");
	assert_string_equal(profile(state, "example.com?x=1", 0),
	                    "https://example.com/?x=1");
}

static void
test_url_profile_uppercase_equals_lowercase_ia_c_1_h_10(void **state)
{
	assert_string_equal(profile(state, "HTTPS://Example.COM", 0),
	                    "https://example.com/");
	assert_true(
	        ic_url_equal("HTTPS://Example.COM", "https://example.com/"));
}

static void test_url_profile_keeps_http_path_and_query_ia_c_2(void **state)
{
	assert_string_equal(profile(state, "http://example.com/u/alice", 0),
	                    "http://example.com/u/alice");
	assert_string_equal(profile(state, "https://example.com/?id=1", 0),
	                    "https://example.com/?id=1");
}

static void test_url_profile_rejects_port_ia_c_2(void **state)
{
	assert_profile_rejected(state, "https://example.com:8443/", 0, "port");
	assert_profile_rejected(state, "https://example.com:443/", 0, "port");
	assert_profile_rejected(state, "example.com:8443", 0, "port");
	assert_profile_rejected(state, "https://example.com:/", 0, "port");
}

static void test_url_profile_rejects_ipv4_literal_ia_c_2(void **state)
{
	assert_profile_rejected(state, "https://1.2.3.4/", 0, "IP address");
	/* Other spellings of an address are addresses too. */
	assert_profile_rejected(state, "https://0x7f000001/", 0, "IP address");
	assert_profile_rejected(state, "https://1.2.3.999/", 0, "IP address");
	assert_profile_rejected(state, "https://example.123/", 0, "IP address");
}

static void test_url_profile_rejects_ipv6_literal_ia_c_2(void **state)
{
	assert_profile_rejected(state, "https://[2001:db8::1]/", 0,
	                        "IP address");
	assert_profile_rejected(state, "https://[::1]/", 0, "IP address");
}

static void test_url_profile_rejects_userinfo_ia_c_2(void **state)
{
	assert_profile_rejected(state, "https://u:p@x/", 0, "user name");
	assert_profile_rejected(state, "https://u@example.com/", 0,
	                        "user name");
	assert_profile_rejected(state, "https://@example.com/", 0, "user name");
}

static void test_url_profile_rejects_fragment_ia_c_2(void **state)
{
	assert_profile_rejected(state, "https://x/#me", 0, "fragment");
	assert_profile_rejected(state, "https://x/#", 0, "fragment");
}

static void test_url_profile_rejects_dot_segments_ia_c_2(void **state)
{
	assert_profile_rejected(state, "https://x/a/../b", 0, ". or ..");
	assert_profile_rejected(state, "https://x/./b", 0, ". or ..");
	assert_profile_rejected(state, "https://x/a/..", 0, ". or ..");
	assert_profile_rejected(state, "https://x/a/%2e%2E/b", 0, ". or ..");
	assert_profile_rejected(state, "https://x/a/.%2e", 0, ". or ..");
	/* Dots inside a segment are fine. */
	assert_string_equal(profile(state, "https://x/a..b/.well", 0),
	                    "https://x/a..b/.well");
}

static void test_url_profile_rejects_other_schemes_ia_c_2(void **state)
{
	assert_profile_rejected(state, "ftp://x/", 0, "http or https");
	assert_profile_rejected(state, "mailto:me@example.com", 0,
	                        "http or https");
	assert_profile_rejected(state, "javascript:alert(1)", 0,
	                        "http or https");
}

static void test_url_profile_rejects_localhost_outside_dev_ia_c_2(void **state)
{
	assert_profile_rejected(state, "https://localhost/", 0, "dev_mode");
	assert_profile_rejected(state, "http://alice.localhost/", 0,
	                        "dev_mode");
	assert_profile_rejected(state, "http://127.0.0.1/", 0, "IP address");
}

static void
test_url_profile_rejects_hosts_that_are_not_domain_names_ia_c_2(void **state)
{
	assert_profile_rejected(state, "https://exa_mple.com/", 0,
	                        "domain name");
	assert_profile_rejected(state, "https://-example.com/", 0,
	                        "domain name");
	assert_profile_rejected(state, "https://example..com/", 0,
	                        "domain name");
	assert_profile_rejected(state, "https://example.com./", 0,
	                        "domain name");
}

static void test_url_profile_rejects_empty_and_malformed(void **state)
{
	char *out = NULL;

	assert_profile_rejected(state, "", 0, "empty");
	assert_profile_rejected(state, "   ", 0, "empty");
	assert_profile_rejected(state, "https://exa mple.com/", 0, "");
	assert_profile_rejected(state, "https:example.com", 0, "");
	assert_int_equal(
	        ic_url_canonical_profile(*state, NULL, 0, &out, errbuf),
	        IC_ERR_BAD_INPUT);
	assert_int_equal(ic_url_canonical_profile(
	                         *state, long_url(state, "https://x/", 3000), 0,
	                         &out, errbuf),
	                 IC_ERR_TOO_LARGE);
}

static void test_url_profile_idn_host_must_be_punycode_ia_c_2(void **state)
{
	assert_profile_rejected(state,
	                        "https://b\xc3\xbc"
	                        "cher.example/",
	                        0, "punycode");
	assert_profile_rejected(state, "https://b%C3%BCcher.example/", 0,
	                        "punycode");
	assert_string_equal(profile(state, "https://XN--bcher-kva.example/", 0),
	                    "https://xn--bcher-kva.example/");
}

static void test_url_profile_dev_allows_port_localhost_loopback(void **state)
{
	assert_string_equal(profile(state, "http://localhost:8080", IC_URL_DEV),
	                    "http://localhost:8080/");
	assert_string_equal(profile(state, "localhost:8080", IC_URL_DEV),
	                    "https://localhost:8080/");
	assert_string_equal(
	        profile(state, "http://Alice.Localhost:8081/", IC_URL_DEV),
	        "http://alice.localhost:8081/");
	assert_string_equal(
	        profile(state, "http://127.0.0.1:8080/", IC_URL_DEV),
	        "http://127.0.0.1:8080/");
	assert_string_equal(profile(state, "http://[::1]:8080/", IC_URL_DEV),
	                    "http://[::1]:8080/");
	assert_string_equal(
	        profile(state, "https://example.com:8443/", IC_URL_DEV),
	        "https://example.com:8443/");
}

static void test_url_profile_dev_still_rejects_other_rules(void **state)
{
	assert_profile_rejected(state, "https://1.2.3.4/", IC_URL_DEV,
	                        "IP address");
	assert_profile_rejected(state, "https://[2001:db8::1]/", IC_URL_DEV,
	                        "IP address");
	assert_profile_rejected(state, "http://localhost/#me", IC_URL_DEV,
	                        "fragment");
	assert_profile_rejected(state, "http://u@localhost/", IC_URL_DEV,
	                        "user name");
	assert_profile_rejected(state, "http://localhost/a/../b", IC_URL_DEV,
	                        ". or ..");
}

/* --- equal, origin, parts --------------------------------------------- */

static void test_url_equal_follows_h_10(void **state)
{
	(void)state;
	assert_true(
	        ic_url_equal("HTTPS://Example.COM", "https://example.com/"));
	assert_true(ic_url_equal("https://example.com:443/",
	                         "https://example.com"));
	assert_true(ic_url_equal("https://EXAMPLE.com/a?b=c",
	                         "https://example.com/a?b=c"));
	/* Everything but scheme and host compares exactly. */
	assert_false(
	        ic_url_equal("https://example.com/A", "https://example.com/a"));
	assert_false(ic_url_equal("https://example.com/a?b=C",
	                          "https://example.com/a?b=c"));
	assert_false(ic_url_equal("https://example.com/a/../b",
	                          "https://example.com/b"));
	assert_false(
	        ic_url_equal("http://example.com/", "https://example.com/"));
	assert_false(ic_url_equal("https://example.com:8443/",
	                          "https://example.com/"));
}

static void test_url_equal_unparsable_is_false_h_10(void **state)
{
	(void)state;
	assert_false(ic_url_equal("not a url", "not a url"));
	assert_false(ic_url_equal("ftp://x/", "ftp://x/"));
	assert_false(ic_url_equal(NULL, "https://x/"));
	assert_false(ic_url_equal("https://x/", NULL));
}

static void test_url_origin_is_scheme_host_port_lowercase_mc_5(void **state)
{
	char *out = NULL;

	assert_int_equal(ic_url_origin(*state, "HTTPS://Alice.Example:443/a?b",
	                               &out, errbuf),
	                 IC_OK);
	assert_string_equal(out, "https://alice.example");
	assert_int_equal(ic_url_origin(*state, "http://alice.example:8080/",
	                               &out, errbuf),
	                 IC_OK);
	assert_string_equal(out, "http://alice.example:8080");
	assert_int_equal(
	        ic_url_origin(*state, "ftp://alice.example/", &out, errbuf),
	        IC_ERR_BAD_INPUT);
	assert_null(out);
}

static void test_url_same_origin_mc_5(void **state)
{
	(void)state;
	assert_true(ic_url_same_origin("https://alice.example/feed/x",
	                               "https://ALICE.example/"));
	assert_true(ic_url_same_origin("https://alice.example:443/",
	                               "https://alice.example/b"));
	/* MC-5: an author on another site is not the sender. */
	assert_false(ic_url_same_origin("https://alice.example/",
	                                "https://other.example/"));
	assert_false(ic_url_same_origin("https://alice.example/",
	                                "http://alice.example/"));
	assert_false(ic_url_same_origin("https://alice.example/",
	                                "https://alice.example:8443/"));
	assert_false(ic_url_same_origin("https://alice.example/",
	                                "https://sub.alice.example/"));
	assert_false(ic_url_same_origin("https://alice.example/", "garbage"));
}

static void test_url_parts_fill_default_port_and_query(void **state)
{
	struct ic_url_parts p;

	assert_int_equal(ic_url_parts(*state, "HTTPS://Alice.Example/a/b?x=1",
	                              &p, errbuf),
	                 IC_OK);
	assert_string_equal(p.scheme, "https");
	assert_string_equal(p.host, "alice.example");
	assert_int_equal(p.port, 443);
	assert_string_equal(p.path, "/a/b");
	assert_string_equal(p.query, "x=1");
	assert_int_equal(
	        ic_url_parts(*state, "http://alice.example", &p, errbuf),
	        IC_OK);
	assert_int_equal(p.port, 80);
	assert_string_equal(p.path, "/");
	assert_null(p.query);
}

static void test_url_parts_explicit_port_and_ipv6_host(void **state)
{
	struct ic_url_parts p;

	assert_int_equal(
	        ic_url_parts(*state, "http://[::1]:8080/x", &p, errbuf), IC_OK);
	assert_string_equal(p.host, "::1");
	assert_int_equal(p.port, 8080);
	assert_int_equal(
	        ic_url_parts(*state, "https://a.example:444/", &p, errbuf),
	        IC_OK);
	assert_int_equal(p.port, 444);
}

static void test_url_parts_rejects_non_http(void **state)
{
	struct ic_url_parts p;

	assert_int_equal(ic_url_parts(*state, "file:///etc/passwd", &p, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_null(p.host);
	assert_int_equal(ic_url_parts(*state, "gopher://x/", &p, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(
	        ic_url_parts(*state, "https://x.example:99999/", &p, errbuf),
	        IC_ERR_BAD_INPUT);
	/* Port 0 parses in libcurl but reaches no server. */
	assert_int_equal(
	        ic_url_parts(*state, "https://x.example:0/", &p, errbuf),
	        IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "port 0"));
	assert_null(resolve(state, "https://a.example/", "//x.example:0/"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_url_resolve_root_relative_link_header_h_2),
	        T(test_url_resolve_path_relative_against_document_h_2),
	        T(test_url_resolve_against_base_href_h_2),
	        T(test_url_resolve_dot_dot_segments_h_2),
	        T(test_url_resolve_query_only_keeps_path_h_2),
	        T(test_url_resolve_fragment_only_keeps_path_and_query_h_2),
	        T(test_url_resolve_empty_reference_is_base_without_fragment_h_2),
	        T(test_url_resolve_absolute_reference_replaces_base_h_2),
	        T(test_url_resolve_protocol_relative_keeps_scheme_h_2),
	        T(test_url_resolve_trims_whitespace_around_href_h_2),
	        T(test_url_resolve_rejects_non_http_results),
	        T(test_url_resolve_rejects_bad_base),
	        T(test_url_resolve_past_max_url_bytes_is_too_large),
	        T(test_url_resolve_at_equals_resolve_h_2),
	        T(test_url_plain_urls_resolve_as_curl_does_h_2),
	        T(test_url_base_new_refuses_what_resolve_refuses),
	        T(test_url_normalize_lowercases_scheme_and_host_h_10),
	        T(test_url_normalize_drops_only_default_port_h_10),
	        T(test_url_normalize_keeps_fragment_and_dot_segments_h_10),
	        T(test_url_normalize_is_idempotent_h_10),
	        T(test_url_normalize_refuses_percent_encoded_host),
	        T(test_url_normalize_rejects_other_schemes_and_garbage),
	        T(test_url_normalize_past_max_url_bytes_is_too_large),
	        T(test_url_profile_bare_host_gets_https_and_slash_ia_c_1),
	        T(test_url_profile_uppercase_equals_lowercase_ia_c_1_h_10),
	        T(test_url_profile_keeps_http_path_and_query_ia_c_2),
	        T(test_url_profile_rejects_port_ia_c_2),
	        T(test_url_profile_rejects_ipv4_literal_ia_c_2),
	        T(test_url_profile_rejects_ipv6_literal_ia_c_2),
	        T(test_url_profile_rejects_userinfo_ia_c_2),
	        T(test_url_profile_rejects_fragment_ia_c_2),
	        T(test_url_profile_rejects_dot_segments_ia_c_2),
	        T(test_url_profile_rejects_other_schemes_ia_c_2),
	        T(test_url_profile_rejects_localhost_outside_dev_ia_c_2),
	        T(test_url_profile_rejects_hosts_that_are_not_domain_names_ia_c_2),
	        T(test_url_profile_rejects_empty_and_malformed),
	        T(test_url_profile_idn_host_must_be_punycode_ia_c_2),
	        T(test_url_profile_dev_allows_port_localhost_loopback),
	        T(test_url_profile_dev_still_rejects_other_rules),
	        T(test_url_equal_follows_h_10),
	        T(test_url_equal_unparsable_is_false_h_10),
	        T(test_url_origin_is_scheme_host_port_lowercase_mc_5),
	        T(test_url_same_origin_mc_5),
	        T(test_url_parts_fill_default_port_and_query),
	        T(test_url_parts_explicit_port_and_ipv6_host),
	        T(test_url_parts_rejects_non_http),
	};

	return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
