/*
 * test_session.c - owner sessions, their cookies and the CSRF guard
 * (lib/cgi/session.c; IA-C-19, IA-C-20, SEC-2, SEC-10; docs/web.md
 * "Cookies" and "CSRF").  Sessions are planted through store_auth in a
 * fresh data_dir per test (fixture.h) and read back by the real code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "fixture.h"
#include "text/form.h"
#include "cgi/session.h"

#define SID   "session-id-0123456789abcdefghijklmnopqrstu"
#define SID2  "session-id-zyxwvutsrqponmlkjihgfedcba98765"
#define LOCAL "http://127.0.0.1:8080/indiechat"

static long long now(void)
{
	return (long long)time(NULL);
}

/* A request of @p fx carrying @p cookie (may be NULL). */
static void req_with_cookie(struct ic_fx *fx, struct ic_req *req,
                            const char *cookie)
{
	ic_fx_req_init(fx, req, "feed", stdin, stdout);
	req->env.method = "POST";
	req->env.cookie = cookie;
}

static bool is_hex8(const char *s)
{
	for (int i = 0; i < 8; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* --- Cookie names and attributes (IA-C-20) --------------------------- */

static void test_session_cookie_name_is_per_site_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_req req;
	const char *a, *b;

	ic_fx_req_init(fx, &req, "feed", stdin, stdout);
	a = ic_session_cookie_name(&req, IC_COOKIE_SESSION);
	req.cfg.base_url = "https://alice.example/other";
	b = ic_session_cookie_name(&req, IC_COOKIE_SESSION);
	assert_non_null(a);
	assert_non_null(b);
	/* "__Host-ic_<8 hex>_session" */
	assert_int_equal(strlen(a), strlen("__Host-ic_12345678_session"));
	assert_memory_equal(a, "__Host-ic_", 10);
	assert_true(is_hex8(a + 10));
	assert_string_equal(a + 18, "_session");
	assert_string_not_equal(a, b);
	/* Another port on the same host is another site too. */
	req.cfg.base_url = "https://alice.example:8443/indiechat";
	assert_string_not_equal(
	        a, ic_session_cookie_name(&req, IC_COOKIE_SESSION));
	/* The sign-in cookie shares the site key. */
	req.cfg.base_url = IC_FX_BASE;
	b = ic_session_cookie_name(&req, IC_COOKIE_SIGNIN);
	assert_memory_equal(a, b, 18);
	assert_string_equal(b + 18, "_signin");
	ic_cgi_req_free(&req);
}

static void
test_session_https_cookie_has_host_prefix_and_secure_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_req req;
	const char *c;

	ic_fx_req_init(fx, &req, "feed", stdin, stdout);
	assert_true(ic_session_secure(&req.cfg));
	c = ic_session_set_cookie(&req, IC_COOKIE_SESSION, "v4lue",
	                          IC_SESSION_LIFETIME);
	assert_non_null(c);
	assert_memory_equal(c, "__Host-ic_", 10);
	assert_non_null(strstr(c, "_session=v4lue; "));
	assert_non_null(strstr(c, "; Path=/"));
	assert_non_null(strstr(c, "; HttpOnly"));
	assert_non_null(strstr(c, "; SameSite=Lax"));
	assert_non_null(strstr(c, "; Max-Age=1209600"));
	assert_non_null(strstr(c, "; Secure"));
	/* __Host- forbids Domain (RFC 6265bis §4.1.3.2). */
	assert_null(strstr(c, "Domain"));
	ic_cgi_req_free(&req);
}

static void test_session_dev_http_cookie_has_neither_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_req req;
	const char *c;

	fx->cfg.base_url = LOCAL;
	fx->cfg.dev_mode = true;
	ic_fx_req_init(fx, &req, "feed", stdin, stdout);
	assert_false(ic_session_secure(&req.cfg));
	c = ic_session_set_cookie(&req, IC_COOKIE_SESSION, "v", 60);
	assert_non_null(c);
	assert_memory_equal(c, "ic_", 3);
	assert_true(is_hex8(c + 3));
	assert_null(strstr(c, "__Host-"));
	assert_null(strstr(c, "Secure"));
	assert_non_null(strstr(c, "; HttpOnly"));
	assert_non_null(strstr(c, "; SameSite=Lax"));
	assert_non_null(strstr(c, "; Max-Age=60"));
	ic_cgi_req_free(&req);
}

static void test_session_delete_cookie_is_empty_max_age_0_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_req req;
	const char *c;

	ic_fx_req_init(fx, &req, "feed", stdin, stdout);
	c = ic_session_set_cookie(&req, IC_COOKIE_SESSION, "", 0);
	assert_non_null(c);
	assert_non_null(strstr(c, "_session=; "));
	assert_non_null(strstr(c, "; Max-Age=0"));
	ic_cgi_req_free(&req);
}

/* --- CSRF token and comparison (SEC-2, SEC-10) ------------------------- */

static void test_session_csrf_is_deterministic_per_session_sec_10(void **state)
{
	char a[65], b[65], c[65];

	(void)state;
	ic_session_csrf(SID, a);
	ic_session_csrf(SID, b);
	ic_session_csrf(SID2, c);
	assert_int_equal(strlen(a), 64);
	assert_true(strspn(a, "0123456789abcdef") == 64);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* Not the hash of the id alone: the session hash stored in the
	 * database must not be the CSRF token. */
	ic_session_csrf("", b);
	assert_int_equal(strlen(b), 64);
	assert_string_not_equal(a, b);
}

static void test_session_equal_cases_sec_2(void **state)
{
	(void)state;
	assert_true(ic_session_equal("abc", "abc"));
	assert_true(ic_session_equal("", ""));
	assert_false(ic_session_equal("abc", "abd"));
	assert_false(ic_session_equal("abc", "abcd"));
	assert_false(ic_session_equal("abcd", "abc"));
	assert_false(ic_session_equal("", "a"));
	assert_false(ic_session_equal("a", ""));
	/* A prefix followed by a NUL-like difference at the end. */
	assert_false(ic_session_equal("ab", "ab\x01"));
}

/* --- Where to go after signing in ----------------------------------- */

static void test_session_next_ok_accepts_paths_under_base_sec_10(void **state)
{
	struct ic_fx *fx = *state;

	assert_true(ic_session_next_ok(&fx->cfg, "/indiechat/feed/"));
	assert_true(ic_session_next_ok(&fx->cfg, "/indiechat/feed/with/abc"));
	assert_true(ic_session_next_ok(&fx->cfg, "/indiechat"));
	assert_true(ic_session_next_ok(&fx->cfg, "/indiechat/feed/?x=1"));
}

static void test_session_next_ok_rejects_elsewhere_sec_10(void **state)
{
	struct ic_fx *fx = *state;
	char longer[1100];

	assert_false(ic_session_next_ok(&fx->cfg, NULL));
	assert_false(ic_session_next_ok(&fx->cfg, ""));
	assert_false(ic_session_next_ok(&fx->cfg, "//evil"));
	assert_false(ic_session_next_ok(&fx->cfg, "//evil.example/indiechat/"));
	assert_false(ic_session_next_ok(&fx->cfg, "/\\evil"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/\\evil"));
	assert_false(ic_session_next_ok(&fx->cfg, "https://evil/"));
	assert_false(ic_session_next_ok(&fx->cfg, "https://alice.example/"
	                                          "indiechat/feed/"));
	assert_false(ic_session_next_ok(&fx->cfg, "/other/"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechatevil/"));
	assert_false(ic_session_next_ok(&fx->cfg, "indiechat/feed/"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/feed/\n"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/\r\nX: y"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/\tfeed"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/\x7f"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/ feed"));
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer, "/indiechat/", 11);
	assert_false(ic_session_next_ok(&fx->cfg, longer));
}

static void test_session_next_ok_rejects_dot_segments_sec_10(void **state)
{
	struct ic_fx *fx = *state;

	/* "/indiechat/../other/" resolves to "/other/", outside B; also
	 * percent-encoded dots (found by this test, fixed on main). */
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/../other/"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/feed/../../x"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/./feed/"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/%2e%2e/other/"));
	assert_false(ic_session_next_ok(&fx->cfg, "/indiechat/.."));
	/* Names that merely start with dots are fine. */
	assert_true(ic_session_next_ok(&fx->cfg, "/indiechat/feed/..x"));
}

static void test_session_next_ok_at_root_mount_sec_10(void **state)
{
	struct ic_fx *fx = *state;

	fx->cfg.base_url = "https://chat.example";
	assert_true(ic_session_next_ok(&fx->cfg, "/feed/"));
	assert_false(ic_session_next_ok(&fx->cfg, "//evil/"));
	assert_false(ic_session_next_ok(&fx->cfg, "/\\evil"));
}

/* --- Reading the session (IA-C-19, IA-C-20) ------------------------- */

static enum ic_err get_with(struct ic_fx *fx, const char *cookie,
                            struct ic_owner *o, struct ic_req *req)
{
	req_with_cookie(fx, req, cookie);
	return ic_session_get(req, o);
}

static void test_session_get_valid_session_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_owner o;
	struct ic_req req;
	char csrf[65];

	ic_fx_session(fx, SID, IC_FX_ME, now() + 3600);
	assert_int_equal(get_with(fx, ic_fx_cookie(fx, SID), &o, &req), IC_OK);
	assert_string_equal(o.me, IC_FX_ME);
	ic_session_csrf(SID, csrf);
	assert_string_equal(o.csrf, csrf);
	assert_int_equal(strlen(o.session_hash), 64);
	/* SEC-2: the stored key is a hash, never the id itself. */
	assert_null(strstr(o.session_hash, SID));
	assert_true(o.expires > now());
	ic_cgi_req_free(&req);
}

static void test_session_get_expired_unauthenticated_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_owner o;
	struct ic_req req;

	ic_fx_session(fx, SID, IC_FX_ME, now() - 1);
	assert_int_equal(get_with(fx, ic_fx_cookie(fx, SID), &o, &req),
	                 IC_ERR_UNAUTHENTICATED);
	ic_cgi_req_free(&req);
}

static void test_session_get_unknown_unauthenticated_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_owner o;
	struct ic_req req;

	ic_fx_session(fx, SID, IC_FX_ME, now() + 3600);
	assert_int_equal(get_with(fx, ic_fx_cookie(fx, SID2), &o, &req),
	                 IC_ERR_UNAUTHENTICATED);
	ic_cgi_req_free(&req);
	assert_int_equal(get_with(fx, NULL, &o, &req), IC_ERR_UNAUTHENTICATED);
	ic_cgi_req_free(&req);
	assert_int_equal(get_with(fx, "", &o, &req), IC_ERR_UNAUTHENTICATED);
	ic_cgi_req_free(&req);
	/* The right id under a cookie name of another site. */
	assert_int_equal(get_with(fx, "ic_00000000_session=" SID, &o, &req),
	                 IC_ERR_UNAUTHENTICATED);
	ic_cgi_req_free(&req);
}

static void test_session_of_another_me_unauthenticated_ia_c_19(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_owner o;
	struct ic_req req;

	ic_fx_session(fx, SID, "https://mallory.example/", now() + 3600);
	assert_int_equal(get_with(fx, ic_fx_cookie(fx, SID), &o, &req),
	                 IC_ERR_UNAUTHENTICATED);
	ic_cgi_req_free(&req);
}

/* --- The guard of owner POSTs (IA-C-20, SEC-10) ----------------------- */

static enum ic_err post_with(struct ic_fx *fx, const char *cookie,
                             const char *origin, const char *form)
{
	struct ic_owner o;
	struct ic_req req;
	enum ic_err rc;

	req_with_cookie(fx, &req, cookie);
	req.env.origin = origin;
	ic_fx_form(&req, form);
	rc = ic_session_require_post(&req, &o);
	if (rc != IC_OK)
		assert_true(req.errbuf[0] != '\0'); /* a reason is given */
	ic_cgi_req_free(&req);
	return rc;
}

static const char *csrf_form(const char *sid, char *buf, size_t size)
{
	char csrf[65];

	ic_session_csrf(sid, csrf);
	snprintf(buf, size, "text=hi&csrf=%s", csrf);
	return buf;
}

static void test_session_post_without_cookie_forbidden_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	char form[128];

	ic_fx_session(fx, SID, IC_FX_ME, now() + 3600);
	assert_int_equal(post_with(fx, NULL, NULL, csrf_form(SID, form, 128)),
	                 IC_ERR_FORBIDDEN);
}

static void test_session_post_wrong_csrf_forbidden_sec_10(void **state)
{
	struct ic_fx *fx = *state;
	const char *cookie;
	char form[128];

	ic_fx_session(fx, SID, IC_FX_ME, now() + 3600);
	cookie = ic_fx_cookie(fx, SID);
	/* The token of another session, none, empty, and a prefix. */
	assert_int_equal(
	        post_with(fx, cookie, NULL, csrf_form(SID2, form, 128)),
	        IC_ERR_FORBIDDEN);
	assert_int_equal(post_with(fx, cookie, NULL, "text=hi"),
	                 IC_ERR_FORBIDDEN);
	assert_int_equal(post_with(fx, cookie, NULL, "text=hi&csrf="),
	                 IC_ERR_FORBIDDEN);
	csrf_form(SID, form, 128);
	form[strlen(form) - 1] = '\0';
	assert_int_equal(post_with(fx, cookie, NULL, form), IC_ERR_FORBIDDEN);
}

static void test_session_post_csrf_repeated_forbidden_sec_10(void **state)
{
	struct ic_fx *fx = *state;
	char form[128], twice[256];
	char csrf[65];

	ic_fx_session(fx, SID, IC_FX_ME, now() + 3600);
	ic_session_csrf(SID, csrf);
	snprintf(twice, sizeof(twice), "%s&csrf=%s", csrf_form(SID, form, 128),
	         csrf);
	assert_int_equal(post_with(fx, ic_fx_cookie(fx, SID), NULL, twice),
	                 IC_ERR_FORBIDDEN);
}

static void test_session_post_foreign_origin_forbidden_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	const char *cookie;
	char form[128];

	ic_fx_session(fx, SID, IC_FX_ME, now() + 3600);
	cookie = ic_fx_cookie(fx, SID);
	csrf_form(SID, form, 128);
	assert_int_equal(post_with(fx, cookie, "https://evil.example", form),
	                 IC_ERR_FORBIDDEN);
	assert_int_equal(post_with(fx, cookie, "null", form), IC_ERR_FORBIDDEN);
	/* Same host, another scheme or port: another origin. */
	assert_int_equal(post_with(fx, cookie, "http://alice.example", form),
	                 IC_ERR_FORBIDDEN);
	assert_int_equal(
	        post_with(fx, cookie, "https://alice.example:8443", form),
	        IC_ERR_FORBIDDEN);
	assert_int_equal(
	        post_with(fx, cookie, "https://alice.example.evil", form),
	        IC_ERR_FORBIDDEN);
}

static void test_session_post_right_origin_ok_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	char form[128];

	ic_fx_session(fx, SID, IC_FX_ME, now() + 3600);
	assert_int_equal(post_with(fx, ic_fx_cookie(fx, SID),
	                           "https://alice.example",
	                           csrf_form(SID, form, 128)),
	                 IC_OK);
}

static void test_session_post_no_origin_right_csrf_ok_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	char form[128];

	ic_fx_session(fx, SID, IC_FX_ME, now() + 3600);
	assert_int_equal(post_with(fx, ic_fx_cookie(fx, SID), NULL,
	                           csrf_form(SID, form, 128)),
	                 IC_OK);
	assert_int_equal(post_with(fx, ic_fx_cookie(fx, SID), "",
	                           csrf_form(SID, form, 128)),
	                 IC_OK);
}

static void test_session_post_expired_session_forbidden_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	char form[128];

	ic_fx_session(fx, SID, IC_FX_ME, now() - 1);
	assert_int_equal(post_with(fx, ic_fx_cookie(fx, SID), NULL,
	                           csrf_form(SID, form, 128)),
	                 IC_ERR_FORBIDDEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_session_cookie_name_is_per_site_ia_c_20),
	        T(test_session_https_cookie_has_host_prefix_and_secure_ia_c_20),
	        T(test_session_dev_http_cookie_has_neither_ia_c_20),
	        T(test_session_delete_cookie_is_empty_max_age_0_ia_c_20),
	        T(test_session_csrf_is_deterministic_per_session_sec_10),
	        T(test_session_equal_cases_sec_2),
	        T(test_session_next_ok_accepts_paths_under_base_sec_10),
	        T(test_session_next_ok_rejects_elsewhere_sec_10),
	        T(test_session_next_ok_rejects_dot_segments_sec_10),
	        T(test_session_next_ok_at_root_mount_sec_10),
	        T(test_session_get_valid_session_ia_c_20),
	        T(test_session_get_expired_unauthenticated_ia_c_20),
	        T(test_session_get_unknown_unauthenticated_ia_c_20),
	        T(test_session_of_another_me_unauthenticated_ia_c_19),
	        T(test_session_post_without_cookie_forbidden_ia_c_20),
	        T(test_session_post_wrong_csrf_forbidden_sec_10),
	        T(test_session_post_csrf_repeated_forbidden_sec_10),
	        T(test_session_post_foreign_origin_forbidden_ia_c_20),
	        T(test_session_post_right_origin_ok_ia_c_20),
	        T(test_session_post_no_origin_right_csrf_ok_ia_c_20),
	        T(test_session_post_expired_session_forbidden_ia_c_20),
#undef T
	};

	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
