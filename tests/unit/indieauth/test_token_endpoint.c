/* test_token_endpoint.c - metadata, ticket grant, revocation and
 * introspection (lib/indieauth/token_endpoint.c) and the bearer check `feed`
 * uses (lib/indieauth/token_check.c).  Handlers run through the real dispatcher
 * with a real LMDB in a fresh data_dir per test (the shared fixture,
 * fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <time.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "cgi/route.h"
#include "store/due.h"
#include "store/store.h"
#include "store/store_conv.h"
#include "store/store_token.h"
#include "indieauth/token_check.h"
#include "indieauth/token_endpoint.h"

#define BASE   IC_FX_BASE
#define FEED_A BASE "/feed/aaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FEED_B BASE "/feed/bbbbbbbbbbbbbbbbbbbbbbbbbb"
#define BOB    "https://bob.example/"
#define TICKET "ticket-0123456789abcdefghijklmnopqrstuvwxyz"

/* The auth program's rows for this module (cgi-bin/auth.c). */
static const struct ic_route routes[] = {
        {"GET", "/metadata", ic_metadata_get, IC_NEED_NOTHING, ""},
        {"POST", "/token", ic_token_endpoint_token, IC_NEED_FORM, ""},
        {"POST", "/revoke", ic_token_endpoint_revoke, IC_NEED_FORM, ""},
        {"POST", "/introspect", ic_token_endpoint_introspect, IC_NEED_FORM, ""},
};

/* Dispatch METHOD PATH with a form BODY (or none) as the auth program
 * does, and split the CGI output. */
static void run(struct ic_fx *f, struct ic_fx_run *r, const char *method,
                const char *path, const char *body, const char *authorization)
{
	const struct ic_fx_call call = {.program = "auth",
	                                .method = method,
	                                .path = path,
	                                .body = body,
	                                .authorization = authorization};

	ic_fx_run(f, routes, sizeof(routes) / sizeof(routes[0]), &call, r);
}

static void assert_no_store(const struct ic_fx_run *r)
{
	assert_true(ic_fx_has_header(r, "Cache-Control: no-store\r\n"));
	assert_true(ic_fx_has_header(r, "Pragma: no-cache\r\n"));
}

static void assert_oauth_error(struct ic_fx_run *r, const char *error)
{
	assert_int_equal(r->rc, IC_OK);
	assert_int_equal(r->status, 400);
	assert_true(ic_fx_has_header(r, "Content-Type: application/json"));
	assert_no_store(r);
	assert_non_null(r->json);
	assert_string_equal(ic_fx_jstr(r, "error"), error);
	assert_non_null(ic_fx_jstr(r, "error_description"));
}

/* --- Planting records -------------------------------------------------------
 */

struct plant {
	struct ic_arena *a;
	const char *hash;
	struct ic_ticket tk;
	struct ic_issued_token tok;
	bool is_ticket;
};

static enum ic_err plant_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct plant *p = ctx;

	if (p->is_ticket)
		return ic_store_ticket_put_in_txn(t, p->a, p->hash, &p->tk);
	return ic_store_issued_put_in_txn(t, p->a, p->hash, &p->tok);
}

static void plant(struct ic_fx *f, struct plant *p, const char *secret)
{
	p->a = ic_arena_new(0);
	assert_non_null(p->a);
	p->hash = ic_secret_hash(p->a, secret);
	assert_int_equal(ic_fx_txn(f, NULL, true, plant_in_txn, p), IC_OK);
	ic_arena_free(p->a);
}

static void plant_ticket(struct ic_fx *f, const char *ticket, long long expires)
{
	struct plant p = {0};

	p.is_ticket = true;
	p.tk = (struct ic_ticket){"conv1", BOB,  FEED_A, expires,
	                          false,   NULL, NULL};
	plant(f, &p, ticket);
}

static void plant_token(struct ic_fx *f, const char *token,
                        const char *resource, const char *scope,
                        long long expires, bool revoked)
{
	struct plant p = {0};
	long long now = (long long)time(NULL);

	p.tok = (struct ic_issued_token){.conv = "conv1",
	                                 .subject = BOB,
	                                 .resource = resource,
	                                 .scope = scope,
	                                 .issued = now - 10,
	                                 .expires = expires,
	                                 .revoked = revoked};
	plant(f, &p, token);
}

/* Redeem TICKET planted for FEED_A; returns the access token (malloc). */
static char *redeem_ok(struct ic_fx *f)
{
	struct ic_fx_run r;
	char *token;

	plant_ticket(f, TICKET, (long long)time(NULL) + 300);
	run(f, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET, NULL);
	assert_int_equal(r.status, 200);
	token = strdup(ic_fx_jstr(&r, "access_token"));
	ic_fx_done(&r);
	return token;
}

/* --- Metadata (TE-8)
 * ---------------------------------------------------------- */

static bool array_has(const cJSON *arr, const char *s)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
	{
		if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
			return true;
	}
	return false;
}

static void test_metadata_lists_endpoints_and_ticket_grants_te_8(void **state)
{
	struct ic_fx_run r;
	const cJSON *g;

	run(*state, &r, "GET", "/metadata", NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_true(ic_fx_has_header(&r, "Content-Type: application/json"));
	assert_true(ic_fx_has_header(&r, "Cache-Control: public, max-age=300"));
	assert_string_equal(ic_fx_jstr(&r, "issuer"), BASE "/");
	assert_string_equal(ic_fx_jstr(&r, "token_endpoint"),
	                    BASE "/auth/token");
	assert_string_equal(ic_fx_jstr(&r, "ticket_endpoint"), BASE "/ticket");
	assert_string_equal(ic_fx_jstr(&r, "revocation_endpoint"),
	                    BASE "/auth/revoke");
	assert_string_equal(ic_fx_jstr(&r, "introspection_endpoint"),
	                    BASE "/auth/introspect");
	g = cJSON_GetObjectItem(r.json, "grant_types_supported");
	assert_true(array_has(g, "ticket"));
	assert_true(array_has(g, IC_GRANT_TICKET_URN));
	/* sign_in = builtin (the default): the built-in authorization
	 * endpoint, its grant, PKCE and the iss parameter (issue 5). */
	assert_true(array_has(g, "authorization_code"));
	assert_true(array_has(g, "refresh_token"));
	assert_string_equal(ic_fx_jstr(&r, "authorization_endpoint"),
	                    BASE "/auth/authorize");
	assert_true(array_has(
	        cJSON_GetObjectItem(r.json, "code_challenge_methods_supported"),
	        "S256"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(
	        r.json, "authorization_response_iss_parameter_supported")));
	assert_true(array_has(cJSON_GetObjectItem(r.json, "scopes_supported"),
	                      "read"));
	assert_true(array_has(
	        cJSON_GetObjectItem(
	                r.json, "revocation_endpoint_auth_methods_supported"),
	        "none"));
	ic_fx_done(&r);
}

/* --- Ticket grant
 * --------------------------------------------------------------- */

static void
test_token_redeem_answers_bearer_read_me_expires_te_3_te_4(void **state)
{
	struct ic_fx_run r;
	const cJSON *exp;

	plant_ticket(*state, TICKET, (long long)time(NULL) + 300);
	run(*state, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET,
	    NULL);
	assert_int_equal(r.status, 200);
	assert_true(ic_fx_has_header(&r, "Content-Type: application/json"));
	assert_no_store(&r);
	assert_true(strlen(ic_fx_jstr(&r, "access_token")) >=
	            43); /* 256 bits */
	assert_string_equal(ic_fx_jstr(&r, "token_type"), "Bearer");
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read");
	assert_string_equal(ic_fx_jstr(&r, "me"), BOB); /* the subject, TE-4 */
	exp = cJSON_GetObjectItem(r.json, "expires_in");
	assert_true(cJSON_IsNumber(exp));
	assert_int_equal((long long)exp->valuedouble,
	                 IC_TOKEN_LIFETIME_SECONDS);
	ic_fx_done(&r);
}

static void test_token_urn_grant_type_is_accepted_te_8(void **state)
{
	struct ic_fx_run r;

	plant_ticket(*state, TICKET, (long long)time(NULL) + 300);
	run(*state, &r, "POST", "/token",
	    "grant_type=urn%3Aindieweb.org%3Aparams%3Aoauth%3Agrant-type%3A"
	    "ticket&ticket=" TICKET "&scope=read",
	    NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "token_type"), "Bearer");
	ic_fx_done(&r);
}

static void test_token_redeem_twice_invalid_grant_te_2(void **state)
{
	char *token = redeem_ok(*state);
	struct ic_fx_run r;

	run(*state, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET,
	    NULL);
	assert_oauth_error(&r, "invalid_grant");
	assert_null(ic_fx_jstr(&r, "access_token"));
	ic_fx_done(&r);
	free(token);
}

static void test_token_expired_ticket_invalid_grant_te_2(void **state)
{
	struct ic_fx_run r;

	plant_ticket(*state, TICKET, (long long)time(NULL) - 1);
	run(*state, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET,
	    NULL);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
}

static void test_token_unknown_ticket_invalid_grant_te_2(void **state)
{
	struct ic_fx_run r;

	run(*state, &r, "POST", "/token", "grant_type=ticket&ticket=nope",
	    NULL);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
}

static void test_token_missing_ticket_invalid_request_te_5(void **state)
{
	struct ic_fx_run r;

	run(*state, &r, "POST", "/token", "grant_type=ticket", NULL);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
	run(*state, &r, "POST", "/token", "grant_type=ticket&ticket=", NULL);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
	run(*state, &r, "POST", "/token", "ticket=" TICKET, NULL);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
}

static void test_token_repeated_parameter_invalid_request_te_5(void **state)
{
	struct ic_fx_run r;

	plant_ticket(*state, TICKET, (long long)time(NULL) + 300);
	run(*state, &r, "POST", "/token",
	    "grant_type=ticket&ticket=" TICKET "&ticket=x", NULL);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
}

static void test_token_grant_type_foo_unsupported_grant_type_te_5(void **state)
{
	struct ic_fx_run r;

	run(*state, &r, "POST", "/token", "grant_type=foo&ticket=" TICKET,
	    NULL);
	assert_oauth_error(&r, "unsupported_grant_type");
	ic_fx_done(&r);
}

static void test_token_wider_scope_invalid_scope_te_5(void **state)
{
	struct ic_fx_run r;

	plant_ticket(*state, TICKET, (long long)time(NULL) + 300);
	run(*state, &r, "POST", "/token",
	    "grant_type=ticket&ticket=" TICKET "&scope=read+write", NULL);
	assert_oauth_error(&r, "invalid_scope");
	ic_fx_done(&r);
	/* The ticket was not consumed by the refused request. */
	run(*state, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET,
	    NULL);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
}

static void test_token_get_is_405_te_1(void **state)
{
	struct ic_fx_run r;

	run(*state, &r, "GET", "/token", NULL, NULL);
	assert_int_equal(r.rc, IC_ERR_METHOD);
	assert_int_equal(r.status, 405);
	assert_true(ic_fx_has_header(&r, "Allow: POST\r\n"));
	ic_fx_done(&r);
}

/* TE-7: neither the ticket nor the token is anywhere in the database, by
 * API scan of every key and value and in the raw file. */
struct needle {
	const char *s;
	int hits;
};

static enum ic_err find(const void *k, size_t kl, const void *v, size_t vl,
                        void *ctx)
{
	struct needle *n = ctx;
	size_t len = strlen(n->s);

	if (memmem(k, kl, n->s, len) || memmem(v, vl, n->s, len))
		n->hits++;
	return IC_OK;
}

static enum ic_err scan_all(struct ic_store_txn *t, void *ctx)
{
	for (int db = 0; db < IC_DB__COUNT; db++) {
		enum ic_err rc = ic_store_txn_scan(t, (enum ic_store_db)db,
		                                   NULL, 0, find, ctx);
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

static void test_token_db_holds_only_hashes_te_7(void **state)
{
	struct ic_fx *f = *state;
	char *token = redeem_ok(f);
	struct needle nt = {token, 0}, nk = {TICKET, 0};
	struct ic_store *st = NULL;
	char path[128];
	struct ic_arena *a = ic_arena_new(0);
	void *val;
	size_t vlen;
	const char *h = ic_secret_hash(a, token);

	assert_int_equal(ic_store_open(&st, f->dir, NULL), IC_OK);
	assert_int_equal(ic_store_view(st, scan_all, &nt, NULL), IC_OK);
	assert_int_equal(ic_store_view(st, scan_all, &nk, NULL), IC_OK);
	assert_int_equal(nt.hits, 0);
	assert_int_equal(nk.hits, 0);
	/* ... but its hash is the key of the issued token. */
	assert_int_equal(ic_store_get(st, a, IC_DB_ISSUED_TOKENS, h, strlen(h),
	                              &val, &vlen, NULL),
	                 IC_OK);
	ic_store_close(st);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	assert_false(ic_fx_file_has(path, token));
	assert_false(ic_fx_file_has(path, TICKET));
	ic_arena_free(a);
	free(token);
}

/* --- ic_token_check (TE-10, RS-2, RS-6)
 * ------------------------------------------ */

static enum ic_err check(struct ic_fx *f, const char *bearer,
                         const char *resource, struct ic_issued_token *out)
{
	struct ic_req req;
	enum ic_err rc;

	ic_fx_req_init(f, &req, "auth", stdin, stdout);
	rc = ic_token_check(&req, bearer, resource, out);
	if (out)
		out->conv = out->subject = out->resource = out->scope = NULL;
	ic_cgi_req_free(&req);
	return rc;
}

static void test_token_check_good_token_ok_te_10(void **state)
{
	struct ic_fx *f = *state;
	char *token = redeem_ok(f);
	struct ic_req req;
	struct ic_issued_token tok;

	ic_fx_req_init(f, &req, "auth", stdin, stdout);
	assert_int_equal(ic_token_check(&req, token, FEED_A, &tok), IC_OK);
	assert_string_equal(tok.subject, BOB);
	assert_string_equal(tok.resource, FEED_A);
	assert_string_equal(tok.conv, "conv1");
	assert_true(tok.expires > (long long)time(NULL));
	ic_cgi_req_free(&req);
	free(token);
}

static void test_token_check_expired_unauthenticated_te_10(void **state)
{
	struct ic_fx *f = *state;

	plant_token(f, "expired-token", FEED_A, "read",
	            (long long)time(NULL) - 1, false);
	assert_int_equal(check(f, "expired-token", FEED_A, NULL),
	                 IC_ERR_UNAUTHENTICATED);
}

static void test_token_check_revoked_unauthenticated_te_12(void **state)
{
	struct ic_fx *f = *state;
	char *token = redeem_ok(f);
	char body[128];
	struct ic_fx_run r;

	assert_int_equal(check(f, token, FEED_A, NULL), IC_OK);
	snprintf(body, sizeof(body), "token=%s", token);
	run(f, &r, "POST", "/revoke", body, NULL);
	assert_int_equal(r.status, 200);
	assert_no_store(&r);
	ic_fx_done(&r);
	assert_int_equal(check(f, token, FEED_A, NULL), IC_ERR_UNAUTHENTICATED);
	/* Also a token planted revoked. */
	plant_token(f, "revoked-token", FEED_A, "read",
	            (long long)time(NULL) + 60, true);
	assert_int_equal(check(f, "revoked-token", FEED_A, NULL),
	                 IC_ERR_UNAUTHENTICATED);
	free(token);
}

static void test_token_check_other_resource_unauthenticated_rs_6(void **state)
{
	struct ic_fx *f = *state;
	char *token = redeem_ok(f);

	assert_int_equal(check(f, token, FEED_B, NULL), IC_ERR_UNAUTHENTICATED);
	assert_int_equal(check(f, token, FEED_A "/2", NULL),
	                 IC_ERR_UNAUTHENTICATED);
	assert_int_equal(check(f, token, NULL, NULL), IC_ERR_UNAUTHENTICATED);
	free(token);
}

static void test_token_check_scope_without_read_forbidden_rs_2(void **state)
{
	struct ic_fx *f = *state;

	plant_token(f, "write-token", FEED_A, "write readme",
	            (long long)time(NULL) + 60, false);
	assert_int_equal(check(f, "write-token", FEED_A, NULL),
	                 IC_ERR_FORBIDDEN);
	plant_token(f, "multi-token", FEED_A, "write read",
	            (long long)time(NULL) + 60, false);
	assert_int_equal(check(f, "multi-token", FEED_A, NULL), IC_OK);
}

static void
test_token_check_unknown_or_missing_unauthenticated_rs_2(void **state)
{
	struct ic_fx *f = *state;

	assert_int_equal(check(f, "no-such-token", FEED_A, NULL),
	                 IC_ERR_UNAUTHENTICATED);
	assert_int_equal(check(f, NULL, FEED_A, NULL), IC_ERR_UNAUTHENTICATED);
	assert_int_equal(check(f, "", FEED_A, NULL), IC_ERR_UNAUTHENTICATED);
}

static void test_token_scope_has_matches_whole_words(void **state)
{
	(void)state;
	assert_true(ic_token_scope_has("read", "read"));
	assert_true(ic_token_scope_has("  profile read ", "read"));
	assert_false(ic_token_scope_has("reader", "read"));
	assert_false(ic_token_scope_has("rea", "read"));
	assert_false(ic_token_scope_has("", "read"));
	assert_false(ic_token_scope_has(NULL, "read"));
}

/* --- Revocation (TE-12)
 * -------------------------------------------------------------- */

static void test_revoke_unknown_token_is_200_te_12(void **state)
{
	struct ic_fx_run r;

	run(*state, &r, "POST", "/revoke", "token=never-issued", NULL);
	assert_int_equal(r.status, 200);
	assert_no_store(&r);
	assert_string_equal(r.body, "");
	ic_fx_done(&r);
	run(*state, &r, "POST", "/revoke", "token_type_hint=access_token",
	    NULL);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
}

/* --- Introspection (TE-11)
 * ----------------------------------------------------------- */

static void test_introspect_without_bearer_is_401_te_11(void **state)
{
	struct ic_fx_run r;

	run(*state, &r, "POST", "/introspect", "token=x", NULL);
	assert_int_equal(r.rc, IC_ERR_UNAUTHENTICATED);
	assert_int_equal(r.status, 401);
	assert_true(ic_fx_has_header(
	        &r, "WWW-Authenticate: Bearer realm=\"IndieChat\""));
	assert_false(ic_fx_has_header(&r, "invalid_token"));
	ic_fx_done(&r);
	run(*state, &r, "POST", "/introspect", "token=x", "Bearer bogus");
	assert_int_equal(r.status, 401);
	assert_true(ic_fx_has_header(&r, "error=\"invalid_token\""));
	ic_fx_done(&r);
}

static void test_introspect_active_and_inactive_tokens_te_11(void **state)
{
	struct ic_fx *f = *state;
	char *token = redeem_ok(f);
	char auth[128], body[128];
	const cJSON *active, *exp, *iat;
	struct ic_fx_run r;

	snprintf(auth, sizeof(auth), "Bearer %s", token);
	snprintf(body, sizeof(body), "token=%s", token);
	run(f, &r, "POST", "/introspect", body, auth);
	assert_int_equal(r.status, 200);
	assert_no_store(&r);
	active = cJSON_GetObjectItem(r.json, "active");
	assert_true(cJSON_IsTrue(active));
	assert_string_equal(ic_fx_jstr(&r, "me"), BOB);
	assert_string_equal(ic_fx_jstr(&r, "scope"), "read");
	exp = cJSON_GetObjectItem(r.json, "exp");
	iat = cJSON_GetObjectItem(r.json, "iat");
	assert_true(cJSON_IsNumber(exp) && cJSON_IsNumber(iat));
	assert_int_equal((long long)(exp->valuedouble - iat->valuedouble),
	                 IC_TOKEN_LIFETIME_SECONDS);
	ic_fx_done(&r);
	/* An unknown token: {"active": false} and nothing else. */
	run(f, &r, "POST", "/introspect", "token=unknown", auth);
	assert_int_equal(r.status, 200);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "active")));
	assert_int_equal(cJSON_GetArraySize(r.json), 1);
	ic_fx_done(&r);
	run(f, &r, "POST", "/introspect", "", auth);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
	free(token);
}

/* TE-2 (Rec): the second redemption also revokes what the first gave, the
 * access token and its refresh token, as a replayed code does. */
static void test_token_replayed_ticket_revokes_its_tokens_te_2(void **state)
{
	struct ic_fx *f = *state;
	struct ic_fx_run r;
	char *token, *refresh, body[256];

	plant_ticket(f, TICKET, (long long)time(NULL) + 300);
	run(f, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET, NULL);
	assert_int_equal(r.status, 200);
	token = strdup(ic_fx_jstr(&r, "access_token"));
	refresh = strdup(ic_fx_jstr(&r, "refresh_token"));
	ic_fx_done(&r);
	assert_int_equal(check(f, token, FEED_A, NULL), IC_OK);

	run(f, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET, NULL);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	assert_int_equal(check(f, token, FEED_A, NULL), IC_ERR_UNAUTHENTICATED);
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&refresh_token=%s", refresh);
	run(f, &r, "POST", "/token", body, NULL);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	free(refresh);
	free(token);
}

/* --- Ticket requests (TE-14) ---------------------------------------------- */

struct conv_plant {
	struct ic_arena *a;
	const char *id, *peer;
	enum ic_conv_state state;
	bool revoked;
	long long wanted;
	long long due; /* out: when the "ticket" job is due, or -1 */
};

static enum ic_err conv_plant_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct conv_plant *p = ctx;
	struct ic_conv c = {.id = p->id,
	                    .peer = p->peer,
	                    .state = p->state,
	                    .created = 1,
	                    .page_size = 50,
	                    .access_revoked = p->revoked,
	                    .ticket_wanted = p->wanted};

	return ic_store_conv_put_in_txn(t, p->a, &c);
}

static enum ic_err conv_due_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct conv_plant *p = ctx;
	enum ic_err rc = ic_due_when_in_txn(t, p->a, "ticket", p->id, &p->due);

	if (rc == IC_ERR_NOT_FOUND)
		p->due = -1;
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

static void plant_conv(struct ic_fx *f, struct conv_plant *p)
{
	p->a = ic_arena_new(0);
	assert_non_null(p->a);
	assert_int_equal(ic_fx_txn(f, NULL, true, conv_plant_in_txn, p), IC_OK);
}

static long long ticket_due(struct ic_fx *f, struct conv_plant *p)
{
	assert_int_equal(ic_fx_txn(f, NULL, false, conv_due_in_txn, p), IC_OK);
	return p->due;
}

/* Ask for a ticket as @p who, and run the work after the response (the
 * lookup happens there, TE-14); the whole answer goes to @p out. */
static void ask(struct ic_fx *f, const char *who, char *out, size_t size)
{
	struct ic_fx_run r;
	char body[256];
	struct ic_fx_call call = {.program = "auth",
	                          .method = "POST",
	                          .path = "/token",
	                          .body = body,
	                          .run_after = true};

	snprintf(body, sizeof(body), "action=ticket&subject=%s", who);
	ic_fx_run(f, routes, sizeof(routes) / sizeof(routes[0]), &call, &r);
	assert_int_equal(r.rc, IC_OK);
	assert_int_equal(r.status, 202);
	assert_no_store(&r);
	snprintf(out, size, "%.*s", (int)r.outlen, r.out);
	ic_fx_done(&r);
}

static void test_ticket_request_same_answer_for_all_te_14(void **state)
{
	struct ic_fx *f = *state;
	struct conv_plant active = {.id = "convactive",
	                            .peer = "https://active.example/",
	                            .state = IC_CONV_ACTIVE};
	struct conv_plant blocked = {.id = "convblocked",
	                             .peer = "https://blocked.example/",
	                             .state = IC_CONV_BLOCKED,
	                             .revoked = true};
	struct conv_plant request = {.id = "convrequest",
	                             .peer = "https://request.example/",
	                             .state = IC_CONV_REQUEST};
	char a[4096], b[4096], c[4096], u[4096];

	plant_conv(f, &active);
	plant_conv(f, &blocked);
	plant_conv(f, &request);
	ask(f, "https://active.example/", a, sizeof(a));
	ask(f, "https://blocked.example/", b, sizeof(b));
	ask(f, "https://request.example", c, sizeof(c));
	ask(f, "https://nobody.example/", u, sizeof(u));
	/* No oracle: the same bytes for all of them. */
	assert_string_equal(a, u);
	assert_string_equal(b, u);
	assert_string_equal(c, u);
	/* Only the accepted conversation gets a ticket, due now. */
	assert_true(ticket_due(f, &active) >= 0);
	assert_true(ticket_due(f, &active) <= (long long)time(NULL));
	assert_int_equal(ticket_due(f, &blocked), -1);
	assert_int_equal(ticket_due(f, &request), -1);
	ic_arena_free(active.a);
	ic_arena_free(blocked.a);
	ic_arena_free(request.a);
}

/* One ticket per IC_TICKET_REQUEST_INTERVAL; a clock stepped back (the
 * last ask in the future) does not lock the correspondent out. */
static void test_ticket_request_rate_limited_te_14(void **state)
{
	struct ic_fx *f = *state;
	long long now = (long long)time(NULL);
	struct conv_plant recent = {.id = "convrecent",
	                            .peer = "https://recent.example/",
	                            .state = IC_CONV_ACTIVE,
	                            .wanted = now - 5};
	struct conv_plant future = {.id = "convfuture",
	                            .peer = "https://future.example/",
	                            .state = IC_CONV_ACTIVE,
	                            .wanted = now + 3600};
	struct conv_plant revoked = {.id = "convrevoked",
	                             .peer = "https://revoked.example/",
	                             .state = IC_CONV_ACTIVE,
	                             .revoked = true};
	char out[4096];

	plant_conv(f, &recent);
	plant_conv(f, &future);
	plant_conv(f, &revoked);
	ask(f, "https://recent.example/", out, sizeof(out));
	ask(f, "https://future.example/", out, sizeof(out));
	ask(f, "https://revoked.example/", out, sizeof(out));
	assert_int_equal(ticket_due(f, &recent), -1);
	assert_true(ticket_due(f, &future) >= 0);
	assert_int_equal(ticket_due(f, &revoked), -1);
	ic_arena_free(recent.a);
	ic_arena_free(future.a);
	ic_arena_free(revoked.a);
}

static void test_ticket_request_without_subject_te_14(void **state)
{
	struct ic_fx_run r;

	run(*state, &r, "POST", "/token", "action=ticket", NULL);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
	run(*state, &r, "POST", "/token", "action=other&subject=x", NULL);
	assert_oauth_error(&r, "invalid_request");
	ic_fx_done(&r);
}

/* TE-2: what a refresh of the first redemption gave dies with a replay
 * too: the line of tokens the ticket began. */
static void test_token_replay_revokes_refreshed_tokens_te_2(void **state)
{
	struct ic_fx *f = *state;
	struct ic_fx_run r;
	char *token, *refresh, *fresh, body[256];
	struct conv_plant conv = {
	        .id = "conv1", .peer = BOB, .state = IC_CONV_ACTIVE};

	plant_conv(f, &conv);
	ic_arena_free(conv.a);
	plant_ticket(f, TICKET, (long long)time(NULL) + 300);
	run(f, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET, NULL);
	assert_int_equal(r.status, 200);
	token = strdup(ic_fx_jstr(&r, "access_token"));
	refresh = strdup(ic_fx_jstr(&r, "refresh_token"));
	ic_fx_done(&r);
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&refresh_token=%s", refresh);
	run(f, &r, "POST", "/token", body, NULL);
	assert_int_equal(r.status, 200);
	fresh = strdup(ic_fx_jstr(&r, "access_token"));
	ic_fx_done(&r);
	/* TS-5: the refresh replaced the first token. */
	assert_int_equal(check(f, token, FEED_A, NULL), IC_ERR_UNAUTHENTICATED);
	assert_int_equal(check(f, fresh, FEED_A, NULL), IC_OK);
	run(f, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET, NULL);
	assert_oauth_error(&r, "invalid_grant");
	ic_fx_done(&r);
	assert_int_equal(check(f, fresh, FEED_A, NULL), IC_ERR_UNAUTHENTICATED);
	free(fresh);
	free(refresh);
	free(token);
}

/* TS-5: a new ticket's token replaces the conversation's older ones, so
 * tickets asked for again and again (TE-14) leave one live token. */
static void test_token_new_ticket_replaces_older_tokens_ts_5(void **state)
{
	struct ic_fx *f = *state;
	char *first = redeem_ok(f), *second;
	struct ic_fx_run r;

	plant_ticket(f, TICKET "-2", (long long)time(NULL) + 300);
	run(f, &r, "POST", "/token", "grant_type=ticket&ticket=" TICKET "-2",
	    NULL);
	assert_int_equal(r.status, 200);
	second = strdup(ic_fx_jstr(&r, "access_token"));
	ic_fx_done(&r);
	assert_int_equal(check(f, first, FEED_A, NULL), IC_ERR_UNAUTHENTICATED);
	assert_int_equal(check(f, second, FEED_A, NULL), IC_OK);
	free(second);
	free(first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_metadata_lists_endpoints_and_ticket_grants_te_8),
	        T(test_token_redeem_answers_bearer_read_me_expires_te_3_te_4),
	        T(test_token_urn_grant_type_is_accepted_te_8),
	        T(test_token_redeem_twice_invalid_grant_te_2),
	        T(test_token_replayed_ticket_revokes_its_tokens_te_2),
	        T(test_token_replay_revokes_refreshed_tokens_te_2),
	        T(test_token_new_ticket_replaces_older_tokens_ts_5),
	        T(test_ticket_request_same_answer_for_all_te_14),
	        T(test_ticket_request_rate_limited_te_14),
	        T(test_ticket_request_without_subject_te_14),
	        T(test_token_expired_ticket_invalid_grant_te_2),
	        T(test_token_unknown_ticket_invalid_grant_te_2),
	        T(test_token_missing_ticket_invalid_request_te_5),
	        T(test_token_repeated_parameter_invalid_request_te_5),
	        T(test_token_grant_type_foo_unsupported_grant_type_te_5),
	        T(test_token_wider_scope_invalid_scope_te_5),
	        T(test_token_get_is_405_te_1),
	        T(test_token_db_holds_only_hashes_te_7),
	        T(test_token_check_good_token_ok_te_10),
	        T(test_token_check_expired_unauthenticated_te_10),
	        T(test_token_check_revoked_unauthenticated_te_12),
	        T(test_token_check_other_resource_unauthenticated_rs_6),
	        T(test_token_check_scope_without_read_forbidden_rs_2),
	        T(test_token_check_unknown_or_missing_unauthenticated_rs_2),
	        T(test_token_scope_has_matches_whole_words),
	        T(test_revoke_unknown_token_is_200_te_12),
	        T(test_introspect_without_bearer_is_401_te_11),
	        T(test_introspect_active_and_inactive_tokens_te_11),
#undef T
	};

	return cmocka_run_group_tests_name("token_endpoint", tests, NULL, NULL);
}
