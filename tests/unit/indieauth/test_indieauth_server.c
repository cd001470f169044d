/*
 * test_indieauth_server.c - the built-in authorization endpoint
 * (lib/indieauth/indieauth_server.c; IndieAuth §5.2-§5.3) and the grants of the
 * token endpoint that build on it (lib/indieauth/token_endpoint.c:
 * authorization_code, refresh_token; TE-2..TE-7, TE-11, TE-12).  Every
 * request runs in-process through the auth program's routes with a real
 * LMDB in a fresh data_dir (fixture.h).
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
#include "indieauth/indieauth_server.h"
#include "web/owner_actions.h"
#include "cgi/session.h"
#include "indieauth/passphrase.h"
#include "store/store_auth.h"
#include "store/store_conv.h"
#include "store/store_token.h"
#include "indieauth/token_endpoint.h"

#define CLIENT   "https://app.example/"
#define REDIRECT "https://app.example/cb"
#define CLIENT_Q "https%3A%2F%2Fapp.example%2F"
#define REDIR_Q  "https%3A%2F%2Fapp.example%2Fcb"
/* RFC 7636 Appendix B. */
#define VERIFIER  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define PASS      "correct horse battery staple"
#define STATE     "st4te-xyz"
#define ISSUER    IC_FX_BASE "/"
#define BOB       "https://bob.example/"
#define TICKET    "ticket-0123456789abcdefghijklmnopqrstuvwxyz"

#define REQ_BASE                                                               \
	"response_type=code&client_id=" CLIENT_Q "&redirect_uri=" REDIR_Q      \
	"&state=" STATE "&code_challenge=" CHALLENGE                           \
	"&code_challenge_method=S256"

static const struct ic_route routes[] = {
        {"GET", "/authorize", ic_authz_get, IC_NEED_NOTHING, ""},
        {"POST", "/authorize", ic_authz_post, IC_NEED_FORM, ""},
        {"POST", "/token", ic_token_endpoint_token, IC_NEED_FORM, ""},
        {"POST", "/revoke", ic_token_endpoint_revoke, IC_NEED_FORM, ""},
        {"POST", "/introspect", ic_token_endpoint_introspect, IC_NEED_FORM, ""},
        {"POST", "/owner-revoke", ic_owner_revoke, IC_NEED_OWNER_ACTION, ""},
        {"POST", "/owner-invite", ic_owner_invite, IC_NEED_OWNER_ACTION, ""},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* The fixture, with the owner's passphrase in the configuration. */
static int setup(void **state)
{
	struct ic_fx *fx;
	static char hash[256];

	if (ic_fx_setup(state) != 0)
		return -1;
	fx = *state;
	if (hash[0] == '\0') {
		struct ic_arena *a = ic_arena_new(0);
		char *h;

		if (a == NULL || ic_passphrase_hash(a, PASS, &h, NULL) != IC_OK)
			return -1;
		snprintf(hash, sizeof(hash), "%s", h);
		ic_arena_free(a);
	}
	fx->cfg.passphrase_hash = hash;
	return 0;
}

static void get(struct ic_fx *fx, struct ic_fx_run *r, const char *query)
{
	struct ic_fx_call c = {.program = "auth",
	                       .method = "GET",
	                       .path = "/authorize",
	                       .query = query,
	                       .remote_addr = "192.0.2.1"};

	ic_fx_run(fx, routes, NROUTES, &c, r);
}

static void post(struct ic_fx *fx, struct ic_fx_run *r, const char *path,
                 const char *body)
{
	struct ic_fx_call c = {.program = "auth",
	                       .method = "POST",
	                       .path = path,
	                       .body = body,
	                       .remote_addr = "192.0.2.1"};

	ic_fx_run(fx, routes, NROUTES, &c, r);
}

/* The query of the Location header, parsed; its part before '?' in
 * @p where.  Returns false when there is no Location. */
struct loc {
	struct ic_arena *a;
	struct ic_form q;
	char where[1024];
};

static bool location(const struct ic_fx_run *r, struct loc *l)
{
	char *q;

	memset(l, 0, sizeof(*l));
	if (!ic_fx_header(r, "Location", l->where, sizeof(l->where)))
		return false;
	l->a = ic_arena_new(0);
	assert_non_null(l->a);
	q = strchr(l->where, '?');
	if (q != NULL) {
		*q++ = '\0';
		assert_int_equal(ic_form_parse(&l->q, l->a, q, strlen(q), NULL),
		                 IC_OK);
	}
	return true;
}

static const char *lget(const struct loc *l, const char *name)
{
	return ic_form_get(&l->q, name);
}

static void loc_free(struct loc *l)
{
	ic_arena_free(l->a);
	l->a = NULL;
}

/* The page's "Return to the client" link, parsed like a Location. */
static bool return_link(const struct ic_fx_run *r, struct loc *l)
{
	const char *p = strstr(r->body, "id=\"return\" href=\"");
	size_t n = 0;
	char *q;

	memset(l, 0, sizeof(*l));
	if (p == NULL)
		return false;
	p += strlen("id=\"return\" href=\"");
	/* Undo the attribute escaping of '&' (the only one a URL has). */
	while (*p && *p != '"' && n + 1 < sizeof(l->where)) {
		if (strncmp(p, "&amp;", 5) == 0) {
			l->where[n++] = '&';
			p += 5;
		} else {
			l->where[n++] = *p++;
		}
	}
	l->where[n] = '\0';
	l->a = ic_arena_new(0);
	assert_non_null(l->a);
	q = strchr(l->where, '?');
	if (q != NULL) {
		*q++ = '\0';
		assert_int_equal(ic_form_parse(&l->q, l->a, q, strlen(q), NULL),
		                 IC_OK);
	}
	return true;
}

/* RFC 9700 §4.11.2: a malformed request is a 400 page, no redirect, with a
 * link back to REDIRECT carrying error=@p error, our state and iss. */
static void assert_error_page(struct ic_fx_run *r, const char *error)
{
	struct loc l;

	assert_int_equal(r->rc, IC_OK);
	assert_int_equal(r->status, 400);
	assert_false(location(r, &l));
	assert_true(return_link(r, &l));
	assert_string_equal(l.where, REDIRECT);
	assert_string_equal(lget(&l, "error"), error);
	assert_string_equal(lget(&l, "state"), STATE);
	assert_string_equal(lget(&l, "iss"), ISSUER);
	assert_null(lget(&l, "code"));
	loc_free(&l);
}

/* A redirect back to REDIRECT carrying error=@p error, our state and iss. */
static void assert_redirect_error(struct ic_fx_run *r, const char *error)
{
	struct loc l;

	assert_int_equal(r->rc, IC_OK);
	assert_int_equal(r->status, 302);
	assert_true(location(r, &l));
	assert_string_equal(l.where, REDIRECT);
	assert_string_equal(lget(&l, "error"), error);
	assert_string_equal(lget(&l, "state"), STATE);
	assert_string_equal(lget(&l, "iss"), ISSUER);
	assert_null(lget(&l, "code"));
	loc_free(&l);
}

static void assert_oauth_error(struct ic_fx_run *r, const char *error)
{
	assert_int_equal(r->rc, IC_OK);
	assert_int_equal(r->status, 400);
	assert_true(ic_fx_has_header(r, "Content-Type: application/json"));
	assert_true(ic_fx_has_header(r, "Cache-Control: no-store\r\n"));
	assert_non_null(r->json);
	assert_string_equal(ic_fx_jstr(r, "error"), error);
	assert_non_null(ic_fx_jstr(r, "error_description"));
}

/* Approve REQ_BASE + @p extra with the right passphrase; the code
 * (malloc) or NULL. */
static char *approve(struct ic_fx *fx, const char *extra)
{
	char body[1024];
	struct ic_fx_run r;
	struct loc l;
	char *code;

	snprintf(body, sizeof(body), "%s%s&action=approve&passphrase=%s",
	         REQ_BASE, extra, "correct+horse+battery+staple");
	post(fx, &r, "/authorize", body);
	assert_int_equal(r.status, 302);
	assert_true(location(&r, &l));
	code = lget(&l, "code") ? strdup(lget(&l, "code")) : NULL;
	loc_free(&l);
	ic_fx_done(&r);
	return code;
}

/* POST @p path grant_type=authorization_code with @p code. */
static void redeem(struct ic_fx *fx, struct ic_fx_run *r, const char *path,
                   const char *code, const char *verifier,
                   const char *redirect_q)
{
	char body[1024];

	snprintf(body, sizeof(body),
	         "grant_type=authorization_code&code=%s&client_id=%s"
	         "&redirect_uri=%s&code_verifier=%s",
	         code, CLIENT_Q, redirect_q, verifier);
	post(fx, r, path, body);
}

/* --- The authorization request (GET) ----------------------------------- */

static void
test_authz_bad_client_is_400_page_without_redirect_ia_c_3(void **state)
{
	static const char *const bad[] = {
	        /* no client_id */
	        "response_type=code&redirect_uri=" REDIR_Q "&state=" STATE
	        "&code_challenge=" CHALLENGE "&code_challenge_method=S256",
	        /* not a URL, and not http(s) */
	        "response_type=code&client_id=app&redirect_uri=" REDIR_Q
	        "&state=" STATE "&code_challenge=" CHALLENGE
	        "&code_challenge_method=S256",
	        "response_type=code&client_id=javascript%3Aalert(1)"
	        "&redirect_uri=javascript%3Aalert(1)&state=" STATE,
	        /* userinfo and fragment */
	        "response_type=code&client_id=https%3A%2F%2Fu%3Ap%40app."
	        "example%2F"
	        "&redirect_uri=" REDIR_Q "&state=" STATE,
	        "response_type=code&client_id=" CLIENT_Q
	        "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%23x&state=" STATE,
	        /* redirect_uri on another origin (§10.1) */
	        "response_type=code&client_id=" CLIENT_Q
	        "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=" STATE
	        "&code_challenge=" CHALLENGE "&code_challenge_method=S256",
	        "response_type=code&client_id=" CLIENT_Q
	        "&redirect_uri=http%3A%2F%2Fapp.example%2Fcb&state=" STATE,
	        "response_type=code&client_id=" CLIENT_Q
	        "&redirect_uri=https%3A%2F%2Fapp.example%3A444%2Fcb&"
	        "state=" STATE,
	};
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct loc l;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		get(fx, &r, bad[i]);
		if (r.status != 400)
			fail_msg("case %zu: status %d", i, r.status);
		assert_false(location(&r, &l));
		assert_true(ic_fx_has_header(&r, "Content-Type: text/html"));
		assert_null(strstr(r.body, "<script>alert"));
		ic_fx_done(&r);
	}
}

static void
test_authz_missing_pkce_is_an_error_page_invalid_request_ia_c_9(void **state)
{
	static const char *const bad[] = {
	        "response_type=code&client_id=" CLIENT_Q
	        "&redirect_uri=" REDIR_Q "&state=" STATE
	        "&code_challenge_method=S256",
	        "response_type=code&client_id=" CLIENT_Q
	        "&redirect_uri=" REDIR_Q "&state=" STATE
	        "&code_challenge=" CHALLENGE,
	        "response_type=code&client_id=" CLIENT_Q
	        "&redirect_uri=" REDIR_Q "&state=" STATE
	        "&code_challenge=" CHALLENGE "&code_challenge_method=plain",
	        "response_type=code&client_id=" CLIENT_Q
	        "&redirect_uri=" REDIR_Q "&state=" STATE "&code_challenge=short"
	        "&code_challenge_method=S256",
	};
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		get(fx, &r, bad[i]);
		assert_error_page(&r, "invalid_request");
		assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
		ic_fx_done(&r);
	}
}

static void test_authz_missing_state_is_invalid_request_ia_c_11(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct loc l;

	get(fx, &r,
	    "response_type=code&client_id=" CLIENT_Q "&redirect_uri=" REDIR_Q
	    "&code_challenge=" CHALLENGE "&code_challenge_method=S256");
	assert_int_equal(r.status, 400);
	assert_false(location(&r, &l));
	assert_true(return_link(&r, &l));
	assert_string_equal(lget(&l, "error"), "invalid_request");
	assert_null(lget(&l, "state"));
	assert_string_equal(lget(&l, "iss"), ISSUER);
	loc_free(&l);
	ic_fx_done(&r);
}

static void test_authz_response_type_token_unsupported_ia_c_10(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	get(fx, &r,
	    "response_type=token&client_id=" CLIENT_Q "&redirect_uri=" REDIR_Q
	    "&state=" STATE "&code_challenge=" CHALLENGE
	    "&code_challenge_method=S256");
	assert_error_page(&r, "unsupported_response_type");
	ic_fx_done(&r);
}

static void test_authz_good_request_is_a_passphrase_page_ia_c_10(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct loc l;

	get(fx, &r, REQ_BASE "&scope=read+%3Cb%3E");
	assert_int_equal(r.status, 200);
	assert_false(location(&r, &l));
	assert_true(ic_fx_has_header(&r, "X-Frame-Options: DENY"));
	assert_true(ic_fx_has_header(&r, "Content-Security-Policy: "));
	assert_non_null(strstr(r.body, "name=\"passphrase\""));
	assert_non_null(strstr(r.body, "value=\"" CHALLENGE "\""));
	assert_non_null(strstr(r.body, "app.example"));
	/* The scope is shown, escaped. */
	assert_non_null(strstr(r.body, "read &lt;b&gt;"));
	assert_null(strstr(r.body, "read <b>"));
	ic_fx_done(&r);
}

static void test_authz_external_sign_in_is_404_ia_c_12(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	fx->cfg.sign_in = "external";
	get(fx, &r, REQ_BASE);
	assert_int_equal(r.rc, IC_ERR_NOT_FOUND);
	assert_int_equal(r.status, 404);
	ic_fx_done(&r);
	post(fx, &r, "/authorize",
	     REQ_BASE
	     "&action=approve&passphrase=correct+horse+battery+staple");
	assert_int_equal(r.rc, IC_ERR_NOT_FOUND);
	assert_int_equal(r.status, 404);
	ic_fx_done(&r);
	/* Nor are its codes redeemed at the token endpoint. */
	redeem(fx, &r, "/token", "x", VERIFIER, REDIR_Q);
	assert_oauth_error(&r, "unsupported_grant_type");
	ic_fx_done(&r);
}

/* --- Approval (POST) -------------------------------------------------------
 */

static void
test_authz_right_passphrase_redirects_with_code_ia_c_14(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct loc l;

	post(fx, &r, "/authorize",
	     REQ_BASE
	     "&action=approve&passphrase=correct+horse+battery+staple");
	assert_int_equal(r.status, 302);
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
	assert_true(location(&r, &l));
	assert_string_equal(l.where, REDIRECT);
	/* TE-7: 256 bits. */
	assert_true(strlen(lget(&l, "code")) >= 43);
	assert_string_equal(lget(&l, "state"), STATE);
	/* IA-C-14 / RFC 9207: iss is our issuer, as in the metadata. */
	assert_string_equal(lget(&l, "iss"), ISSUER);
	assert_null(lget(&l, "error"));
	loc_free(&l);
	ic_fx_done(&r);
}

static void test_authz_redirect_keeps_existing_query_ia_c_10(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct loc l;

	post(fx, &r, "/authorize",
	     "response_type=code&client_id=" CLIENT_Q
	     "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&state=" STATE
	     "&code_challenge=" CHALLENGE "&code_challenge_method=S256"
	     "&action=approve&passphrase=correct+horse+battery+staple");
	assert_int_equal(r.status, 302);
	assert_true(location(&r, &l));
	assert_string_equal(l.where, REDIRECT);
	assert_string_equal(lget(&l, "x"), "1");
	assert_non_null(lget(&l, "code"));
	loc_free(&l);
	ic_fx_done(&r);
}

static void test_authz_wrong_passphrase_is_401_ia_c_19(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct loc l;

	post(fx, &r, "/authorize",
	     REQ_BASE "&action=approve&passphrase=wrong+passphrase");
	assert_int_equal(r.status, 401);
	assert_false(location(&r, &l));
	assert_non_null(strstr(r.body, "Wrong passphrase"));
	assert_null(strstr(r.body, "wrong passphrase\""));
	ic_fx_done(&r);
	post(fx, &r, "/authorize", REQ_BASE "&action=approve");
	assert_int_equal(r.status, 401);
	ic_fx_done(&r);
}

static void test_authz_deny_is_access_denied_ia_c_14(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	post(fx, &r, "/authorize", REQ_BASE "&action=deny");
	assert_redirect_error(&r, "access_denied");
	ic_fx_done(&r);
}

struct rate_plant {
	struct ic_arena *a;
	struct ic_rate r;
};

static enum ic_err rate_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct rate_plant *p = ctx;

	return ic_store_rate_put_in_txn(t, p->a, "pw 192.0.2.1", &p->r);
}

static void test_authz_too_many_wrong_is_429_retry_after_sec_14(void **state)
{
	struct ic_fx *fx = *state;
	long long t = (long long)time(NULL);
	struct rate_plant p = {ic_arena_new(0), {5, t + 60, t}};
	struct ic_fx_run r;
	char v[32];

	/* The address is in its slow-down (timings stay out of the test:
	 * the counter is planted, passphrase.c's arithmetic is tested in
	 * test_passphrase.c). */
	assert_int_equal(ic_fx_txn(fx, NULL, true, rate_in_txn, &p), IC_OK);
	/* Even the right passphrase is not checked now. */
	post(fx, &r, "/authorize",
	     REQ_BASE
	     "&action=approve&passphrase=correct+horse+battery+staple");
	assert_int_equal(r.status, 429);
	assert_true(ic_fx_header(&r, "Retry-After", v, sizeof(v)));
	assert_true(atoi(v) > 0 && atoi(v) <= 60);
	assert_null(strstr(r.out, "Location:"));
	ic_fx_done(&r);
	ic_arena_free(p.a);
}

/* --- Profile redemption at the authorization endpoint (IA-C-15, IA-C-16) */

static void
test_authz_profile_redeem_right_verifier_gives_me_ia_c_16(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "");
	struct ic_fx_run r;

	redeem(fx, &r, "/authorize", code, VERIFIER, REDIR_Q);
	assert_int_equal(r.status, 200);
	assert_true(ic_fx_has_header(&r, "Content-Type: application/json"));
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
	assert_string_equal(ic_fx_jstr(&r, "me"), IC_FX_ME);
	/* No profile without the profile scope; never a token here. */
	assert_null(cJSON_GetObjectItem(r.json, "profile"));
	assert_null(cJSON_GetObjectItem(r.json, "access_token"));
	ic_fx_done(&r);
	free(code);
}

static void test_authz_profile_scope_adds_profile_ia_c_18(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "&scope=profile");
	struct ic_fx_run r;
	const cJSON *p;

	redeem(fx, &r, "/authorize", code, VERIFIER, REDIR_Q);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "me"), IC_FX_ME);
	p = cJSON_GetObjectItem(r.json, "profile");
	assert_true(cJSON_IsObject(p));
	ic_fx_done(&r);
	free(code);
}

static void test_authz_wrong_verifier_invalid_grant_ia_c_9(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "");
	struct ic_fx_run r;

	redeem(fx, &r, "/authorize", code,
	       "aBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", REDIR_Q);
	assert_oauth_error(&r, "invalid_grant");
	assert_null(ic_fx_jstr(&r, "me"));
	ic_fx_done(&r);
	/* The code was consumed by the failed attempt (SEC-6). */
	redeem(fx, &r, "/authorize", code, VERIFIER, REDIR_Q);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	free(code);
}

static void test_authz_code_reuse_invalid_grant_sec_6(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "");
	struct ic_fx_run r;

	redeem(fx, &r, "/authorize", code, VERIFIER, REDIR_Q);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
	redeem(fx, &r, "/authorize", code, VERIFIER, REDIR_Q);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	redeem(fx, &r, "/authorize", "never-issued", VERIFIER, REDIR_Q);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	free(code);
}

static void test_authz_redirect_uri_mismatch_invalid_grant_ia_c_15(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "");
	struct ic_fx_run r;

	redeem(fx, &r, "/authorize", code, VERIFIER,
	       "https%3A%2F%2Fapp.example%2Fother");
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	free(code);
}

static void test_authz_redeem_missing_fields_invalid_request_te_5(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	post(fx, &r, "/authorize",
	     "grant_type=authorization_code&code=x&client_id=" CLIENT_Q);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
	post(fx, &r, "/authorize", "grant_type=password&code=x");
	assert_oauth_error(&r, "unsupported_grant_type");
	ic_fx_done(&r);
}

/* --- Token endpoint: authorization_code grant ---------------------------- */

static void test_token_code_without_scope_invalid_grant_te_5(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "");
	struct ic_fx_run r;

	redeem(fx, &r, "/token", code, VERIFIER, REDIR_Q);
	assert_oauth_error(&r, "invalid_grant");
	assert_null(ic_fx_jstr(&r, "access_token"));
	ic_fx_done(&r);
	free(code);
}

/* A token response for a code issued with @p scope; the refresh token
 * and access token (malloc). */
static void code_tokens(struct ic_fx *fx, const char *scope_q, char **access,
                        char **refresh)
{
	char extra[128];
	char *code;
	struct ic_fx_run r;

	snprintf(extra, sizeof(extra), "&scope=%s", scope_q);
	code = approve(fx, extra);
	redeem(fx, &r, "/token", code, VERIFIER, REDIR_Q);
	assert_int_equal(r.status, 200);
	*access = strdup(ic_fx_jstr(&r, "access_token"));
	*refresh = strdup(ic_fx_jstr(&r, "refresh_token"));
	ic_fx_done(&r);
	free(code);
}

static void test_token_code_with_scope_gives_tokens_te_3(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "&scope=read+profile");
	struct ic_fx_run r;
	const char *a, *rt;

	redeem(fx, &r, "/token", code, VERIFIER, REDIR_Q);
	assert_int_equal(r.status, 200);
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store\r\n"));
	assert_true(ic_fx_has_header(&r, "Pragma: no-cache\r\n"));
	a = ic_fx_jstr(&r, "access_token");
	rt = ic_fx_jstr(&r, "refresh_token");
	assert_non_null(a);
	assert_non_null(rt);
	assert_true(strlen(a) >= 43 && strlen(rt) >= 43);
	assert_string_not_equal(a, rt);
	assert_string_equal(ic_fx_jstr(&r, "token_type"), "Bearer");
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read profile");
	assert_string_equal(ic_fx_jstr(&r, "me"), IC_FX_ME);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(r.json, "expires_in")));
	ic_fx_done(&r);
	/* Single use at the token endpoint too. */
	redeem(fx, &r, "/token", code, VERIFIER, REDIR_Q);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	free(code);
}

/* --- Token endpoint: refresh_token grant (TE-6) --------------------------- */

static void refresh(struct ic_fx *fx, struct ic_fx_run *r, const char *rt,
                    const char *scope_q)
{
	char body[512];

	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&refresh_token=%s&client_id=%s%s%s",
	         rt, CLIENT_Q, scope_q ? "&scope=" : "",
	         scope_q ? scope_q : "");
	post(fx, r, "/token", body);
}

static void test_token_refresh_rotates_and_keeps_scope_te_6(void **state)
{
	struct ic_fx *fx = *state;
	char *access, *rt, *rt2;
	struct ic_fx_run r;

	code_tokens(fx, "read+profile", &access, &rt);
	refresh(fx, &r, rt, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read profile");
	assert_string_equal(ic_fx_jstr(&r, "me"), IC_FX_ME);
	assert_string_not_equal(ic_fx_jstr(&r, "access_token"), access);
	rt2 = strdup(ic_fx_jstr(&r, "refresh_token"));
	assert_string_not_equal(rt2, rt);
	ic_fx_done(&r);
	/* The old refresh token is spent. */
	refresh(fx, &r, rt, NULL);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	/* The new one works. */
	refresh(fx, &r, rt2, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read profile");
	ic_fx_done(&r);
	free(access);
	free(rt);
	free(rt2);
}

static void test_token_refresh_may_narrow_scope_te_6(void **state)
{
	struct ic_fx *fx = *state;
	char *access, *rt, *rt2;
	struct ic_fx_run r;

	code_tokens(fx, "read+profile", &access, &rt);
	refresh(fx, &r, rt, "read");
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read");
	rt2 = strdup(ic_fx_jstr(&r, "refresh_token"));
	ic_fx_done(&r);
	/* TE-6: the new refresh token keeps the original scope. */
	refresh(fx, &r, rt2, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read profile");
	ic_fx_done(&r);
	free(access);
	free(rt);
	free(rt2);
}

static void test_token_refresh_wider_scope_invalid_scope_te_6(void **state)
{
	struct ic_fx *fx = *state;
	char *access, *rt;
	struct ic_fx_run r;

	code_tokens(fx, "read", &access, &rt);
	refresh(fx, &r, rt, "read+write");
	assert_oauth_error(&r, "invalid_scope");
	ic_fx_done(&r);
	refresh(fx, &r, rt, "reader");
	assert_oauth_error(&r, "invalid_scope");
	ic_fx_done(&r);
	/* The refused attempts changed nothing: the token still works. */
	refresh(fx, &r, rt, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read");
	ic_fx_done(&r);
	free(access);
	free(rt);
}

static void test_token_refresh_other_client_invalid_grant_te_6(void **state)
{
	struct ic_fx *fx = *state;
	char *access, *rt, body[512];
	struct ic_fx_run r;

	code_tokens(fx, "read", &access, &rt);
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&refresh_token=%s"
	         "&client_id=https%%3A%%2F%%2Fevil.example%%2F",
	         rt);
	post(fx, &r, "/token", body);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&refresh_token=%s", rt);
	post(fx, &r, "/token", body);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	/* Still usable by its own client. */
	refresh(fx, &r, rt, NULL);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
	post(fx, &r, "/token", "grant_type=refresh_token");
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
	free(access);
	free(rt);
}

/* --- Ticket grant with refresh tokens ------------------------------------- */

struct plant {
	struct ic_arena *a;
	const char *hash;
	enum ic_conv_state conv_state;
};

static enum ic_err plant_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct plant *p = ctx;
	struct ic_ticket tk = {"conv1",
	                       BOB,
	                       IC_FX_BASE "/feed/conv1",
	                       (long long)time(NULL) + 300,
	                       false,
	                       NULL,
	                       NULL};
	struct ic_conv c = {0};
	enum ic_err rc;

	c.id = "conv1";
	c.peer = BOB;
	c.state = p->conv_state;
	c.page_size = 50;
	c.created = (long long)time(NULL);
	rc = ic_store_conv_put_in_txn(t, p->a, &c);
	return rc ? rc : ic_store_ticket_put_in_txn(t, p->a, p->hash, &tk);
}

static void plant(struct ic_fx *fx, enum ic_conv_state s)
{
	struct plant p = {ic_arena_new(0), NULL, s};

	p.hash = ic_secret_hash(p.a, TICKET);
	assert_int_equal(ic_fx_txn(fx, NULL, true, plant_in_txn, &p), IC_OK);
	ic_arena_free(p.a);
}

static void set_conv_state(struct ic_fx *fx, enum ic_conv_state s)
{
	struct plant p = {ic_arena_new(0), NULL, s};

	/* Re-plant with another state; the ticket record is overwritten
	 * too, which does not matter once it was used. */
	p.hash = ic_secret_hash(p.a, "unused-" TICKET);
	assert_int_equal(ic_fx_txn(fx, NULL, true, plant_in_txn, &p), IC_OK);
	ic_arena_free(p.a);
}

static char *ticket_refresh_token(struct ic_fx *fx)
{
	struct ic_fx_run r;
	char *rt;

	plant(fx, IC_CONV_ACTIVE);
	post(fx, &r, "/token", "grant_type=ticket&ticket=" TICKET);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read");
	assert_string_equal(ic_fx_jstr(&r, "me"), BOB);
	assert_non_null(ic_fx_jstr(&r, "refresh_token"));
	rt = strdup(ic_fx_jstr(&r, "refresh_token"));
	ic_fx_done(&r);
	return rt;
}

static void test_token_ticket_grant_returns_refresh_token_te_6(void **state)
{
	struct ic_fx *fx = *state;
	char *rt = ticket_refresh_token(fx);
	struct ic_fx_run r;
	char body[256];

	/* A ticket-grant refresh token has no client binding (TE-6). */
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&refresh_token=%s", rt);
	post(fx, &r, "/token", body);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read");
	assert_string_equal(ic_fx_jstr(&r, "me"), BOB);
	ic_fx_done(&r);
	free(rt);
}

static void
test_token_refresh_of_blocked_conversation_refused_te_12(void **state)
{
	struct ic_fx *fx = *state;
	char *rt = ticket_refresh_token(fx);
	struct ic_fx_run r;
	char body[256];

	set_conv_state(fx, IC_CONV_BLOCKED);
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&refresh_token=%s", rt);
	post(fx, &r, "/token", body);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	free(rt);
}

/* The owner's "Revoke access" (B/ticket/revoke) from a signed-in page. */
static void owner_post(struct ic_fx *fx, struct ic_fx_run *r, const char *path)
{
	char body[512], csrf[65];
	struct ic_fx_call c = {.program = "ticket",
	                       .method = "POST",
	                       .path = path,
	                       .body = body,
	                       .accept = "application/json",
	                       .remote_addr = "192.0.2.1"};

	ic_fx_session(fx, "owner-session-id", IC_FX_ME,
	              (long long)time(NULL) + 3600);
	ic_session_csrf("owner-session-id", csrf);
	snprintf(body, sizeof(body), "url=%s&csrf=%s",
	         "https%3A%2F%2Fbob.example%2F", csrf);
	c.cookie = ic_fx_cookie(fx, "owner-session-id");
	ic_fx_run(fx, routes, NROUTES, &c, r);
}

static enum ic_err conv_of(struct ic_store_txn *t, void *ctx)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_conv c;
	enum ic_err rc = ic_store_conv_get_in_txn(t, a, "conv1", &c);

	*(bool *)ctx = rc == IC_OK && c.access_revoked;
	ic_arena_free(a);
	return rc;
}

static void test_owner_revoke_ends_refresh_te_12(void **state)
{
	struct ic_fx *fx = *state;
	char *rt = ticket_refresh_token(fx);
	struct ic_fx_run r;
	char body[256];
	bool revoked = false;

	owner_post(fx, &r, "/owner-revoke");
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
	assert_int_equal(ic_fx_txn(fx, NULL, false, conv_of, &revoked), IC_OK);
	assert_true(revoked);
	/* The revoked correspondent cannot refresh their way back in. */
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&refresh_token=%s", rt);
	post(fx, &r, "/token", body);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	free(rt);
}

/* --- Revocation and introspection ------------------------------------------
 */

static void test_token_revoked_refresh_token_unusable_te_12(void **state)
{
	struct ic_fx *fx = *state;
	char *access, *rt, body[256];
	struct ic_fx_run r;

	code_tokens(fx, "read", &access, &rt);
	snprintf(body, sizeof(body), "token=%s", rt);
	post(fx, &r, "/revoke", body);
	assert_int_equal(r.status, 200);
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
	ic_fx_done(&r);
	refresh(fx, &r, rt, NULL);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	free(access);
	free(rt);
}

/* RFC 6749 §4.1.2, TE-2: a code redeemed twice loses what it gave. */
static void test_token_code_replay_revokes_its_tokens_te_2(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "&scope=read");
	char *access, *rt, auth[128], body[128];
	struct ic_fx_call c = {
	        .program = "auth", .method = "POST", .path = "/introspect"};
	struct ic_fx_run r;

	redeem(fx, &r, "/token", code, VERIFIER, REDIR_Q);
	assert_int_equal(r.status, 200);
	access = strdup(ic_fx_jstr(&r, "access_token"));
	rt = strdup(ic_fx_jstr(&r, "refresh_token"));
	ic_fx_done(&r);
	redeem(fx, &r, "/token", code, VERIFIER, REDIR_Q);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	/* The first redemption's refresh token and access token are dead. */
	refresh(fx, &r, rt, NULL);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	snprintf(auth, sizeof(auth), "Bearer %s", access);
	snprintf(body, sizeof(body), "token=%s", access);
	c.authorization = auth;
	c.body = body;
	ic_fx_run(fx, routes, NROUTES, &c, &r);
	assert_int_equal(r.status, 401);
	ic_fx_done(&r);
	free(access);
	free(rt);
	free(code);
}

static void test_token_introspect_code_token_shows_client_id_te_11(void **state)
{
	struct ic_fx *fx = *state;
	char *access, *rt, auth[128], body[128];
	struct ic_fx_call c = {
	        .program = "auth", .method = "POST", .path = "/introspect"};
	struct ic_fx_run r;

	code_tokens(fx, "read", &access, &rt);
	snprintf(auth, sizeof(auth), "Bearer %s", access);
	snprintf(body, sizeof(body), "token=%s", access);
	c.authorization = auth;
	c.body = body;
	ic_fx_run(fx, routes, NROUTES, &c, &r);
	assert_int_equal(r.status, 200);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "active")));
	assert_string_equal(ic_fx_jstr(&r, "client_id"), CLIENT);
	assert_string_equal(ic_fx_jstr(&r, "me"), IC_FX_ME);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read");
	ic_fx_done(&r);
	/* A refresh token is not an access token. */
	snprintf(body, sizeof(body), "token=%s", rt);
	ic_fx_run(fx, routes, NROUTES, &c, &r);
	assert_int_equal(r.status, 200);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "active")));
	ic_fx_done(&r);
	free(access);
	free(rt);
}

/* TE-7: neither code nor tokens are in the database file. */
static void test_token_db_has_no_code_or_tokens_te_7(void **state)
{
	struct ic_fx *fx = *state;
	char *code = approve(fx, "&scope=read");
	struct ic_fx_run r;
	char path[128];
	char *access, *rt;

	redeem(fx, &r, "/token", code, VERIFIER, REDIR_Q);
	assert_int_equal(r.status, 200);
	access = strdup(ic_fx_jstr(&r, "access_token"));
	rt = strdup(ic_fx_jstr(&r, "refresh_token"));
	ic_fx_done(&r);
	snprintf(path, sizeof(path), "%s/data.mdb", fx->dir);
	assert_false(ic_fx_file_has(path, code));
	assert_false(ic_fx_file_has(path, access));
	assert_false(ic_fx_file_has(path, rt));
	assert_false(ic_fx_file_has(path, VERIFIER));
	free(code);
	free(access);
	free(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, ic_fx_teardown)
	        T(test_authz_bad_client_is_400_page_without_redirect_ia_c_3),
	        T(test_authz_missing_pkce_is_an_error_page_invalid_request_ia_c_9),
	        T(test_authz_missing_state_is_invalid_request_ia_c_11),
	        T(test_authz_response_type_token_unsupported_ia_c_10),
	        T(test_authz_good_request_is_a_passphrase_page_ia_c_10),
	        T(test_authz_external_sign_in_is_404_ia_c_12),
	        T(test_authz_right_passphrase_redirects_with_code_ia_c_14),
	        T(test_authz_redirect_keeps_existing_query_ia_c_10),
	        T(test_authz_wrong_passphrase_is_401_ia_c_19),
	        T(test_authz_deny_is_access_denied_ia_c_14),
	        T(test_authz_too_many_wrong_is_429_retry_after_sec_14),
	        T(test_authz_profile_redeem_right_verifier_gives_me_ia_c_16),
	        T(test_authz_profile_scope_adds_profile_ia_c_18),
	        T(test_authz_wrong_verifier_invalid_grant_ia_c_9),
	        T(test_authz_code_reuse_invalid_grant_sec_6),
	        T(test_authz_redirect_uri_mismatch_invalid_grant_ia_c_15),
	        T(test_authz_redeem_missing_fields_invalid_request_te_5),
	        T(test_token_code_without_scope_invalid_grant_te_5),
	        T(test_token_code_with_scope_gives_tokens_te_3),
	        T(test_token_refresh_rotates_and_keeps_scope_te_6),
	        T(test_token_refresh_may_narrow_scope_te_6),
	        T(test_token_refresh_wider_scope_invalid_scope_te_6),
	        T(test_token_refresh_other_client_invalid_grant_te_6),
	        T(test_token_ticket_grant_returns_refresh_token_te_6),
	        T(test_token_refresh_of_blocked_conversation_refused_te_12),
	        T(test_owner_revoke_ends_refresh_te_12),
	        T(test_token_revoked_refresh_token_unusable_te_12),
	        T(test_token_code_replay_revokes_its_tokens_te_2),
	        T(test_token_introspect_code_token_shows_client_id_te_11),
	        T(test_token_db_has_no_code_or_tokens_te_7),
#undef T
	};

	return cmocka_run_group_tests_name("indieauth_server", tests, NULL,
	                                   NULL);
}
