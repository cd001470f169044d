/*
 * test_store_auth.c - the records of sign-in (lib/store/store_auth.c):
 * sign-in states, authorization codes, refresh tokens, wrong-passphrase
 * counters and the passphrase hash, each in a real LMDB in a fresh
 * data_dir (fixture.h).  Single-use records are checked and consumed in
 * one write transaction (SEC-6, SEC-15); secrets are stored only as their
 * hashes (TE-7, SEC-8).
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
#include "indieauth/indieauth_client.h"
#include "cgi/session.h"
#include "store/store_auth.h"
#include "store/store_token.h"

#define HASH   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SECRET "session-secret-Zq8pW3nL5vK7xT2mR9sY4bH6jD1fG0cA"

static long long now(void)
{
	return (long long)time(NULL);
}

/* One operation on one record kind, run inside a transaction; the
 * transaction commits whatever the operation answered, so a test sees
 * what the store function itself wrote. */
enum op {
	STATE_PUT,
	STATE_TAKE,
	CODE_PUT,
	CODE_TAKE,
	REFRESH_PUT,
	REFRESH_TAKE,
	RATE_GET,
	RATE_PUT,
	PASS_GET,
	PASS_PUT,
	SESSION_PUT,
	SESSION_GET,
	SESSION_DEL,
};

struct call {
	enum op op;
	struct ic_arena *a;
	const char *key;
	long long now;
	enum ic_err rc; /* what the store function answered */
	struct ic_signin_state state;
	struct ic_auth_code code;
	struct ic_refresh_token refresh;
	struct ic_rate rate;
	struct ic_session session;
	const char *pass;
};

static enum ic_err call_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct call *c = ctx;
	enum ic_err rc = IC_ERR_INTERNAL;

	switch (c->op) {
	case STATE_PUT:
		rc = ic_store_state_put_in_txn(t, c->a, c->key, &c->state);
		break;
	case STATE_TAKE:
		rc = ic_store_state_take_in_txn(t, c->a, c->key, c->now,
		                                &c->state);
		break;
	case CODE_PUT:
		rc = ic_store_code_put_in_txn(t, c->a, c->key, &c->code);
		break;
	case CODE_TAKE:
		rc = ic_store_code_take_in_txn(t, c->a, c->key, c->now,
		                               &c->code);
		break;
	case REFRESH_PUT:
		rc = ic_store_refresh_put_in_txn(t, c->a, c->key, &c->refresh);
		break;
	case REFRESH_TAKE:
		rc = ic_store_refresh_take_in_txn(t, c->a, c->key, c->now,
		                                  &c->refresh);
		break;
	case RATE_GET:
		rc = ic_store_rate_get_in_txn(t, c->a, c->key, &c->rate);
		break;
	case RATE_PUT:
		rc = ic_store_rate_put_in_txn(t, c->a, c->key, &c->rate);
		break;
	case PASS_GET:
		rc = ic_store_passphrase_get_in_txn(t, c->a, &c->pass);
		break;
	case PASS_PUT:
		rc = ic_store_passphrase_put_in_txn(t, c->a, c->pass);
		break;
	case SESSION_PUT:
		rc = ic_store_session_put_in_txn(t, c->a, c->key, &c->session);
		break;
	case SESSION_GET:
		rc = ic_store_session_get_in_txn(t, c->a, c->key, c->now,
		                                 &c->session);
		break;
	case SESSION_DEL:
		rc = ic_store_session_del_in_txn(t, c->key);
		break;
	}
	c->rc = rc;
	return IC_OK;
}

/* Run @p c in a write transaction and return what the store function
 * answered. */
static enum ic_err run(struct ic_fx *fx, struct call *c)
{
	assert_int_equal(ic_fx_txn(fx, NULL, true, call_in_txn, c), IC_OK);
	return c->rc;
}

/* Whether @p key is in @p db, by a raw read. */
struct raw {
	enum ic_store_db db;
	const char *key;
	bool found;
};

static enum ic_err raw_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct raw *r = ctx;
	const void *v;
	size_t vl;
	enum ic_err rc =
	        ic_store_txn_get(t, r->db, r->key, strlen(r->key), &v, &vl);

	r->found = rc == IC_OK;
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

static bool stored(struct ic_fx *fx, enum ic_store_db db, const char *key)
{
	struct raw r = {db, key, false};

	assert_int_equal(ic_fx_txn(fx, NULL, false, raw_in_txn, &r), IC_OK);
	return r.found;
}

static struct call new_call(struct ic_arena *a, enum op op, const char *key)
{
	struct call c;

	memset(&c, 0, sizeof(c));
	c.op = op;
	c.a = a;
	c.key = key;
	c.now = now();
	return c;
}

/* --- Sign-in states (IA-C-11, IA-C-13) --------------------------------- */

static void put_state(struct ic_fx *fx, struct ic_arena *a, long long expires)
{
	struct call c = new_call(a, STATE_PUT, HASH);

	c.state = (struct ic_signin_state){
	        .binding_hash = "bbbb",
	        .verifier = "verifier-0123456789012345678901234567890123",
	        .issuer = "https://auth.example/",
	        .authorization_endpoint = "https://auth.example/authorize",
	        .entered_me = IC_FX_ME,
	        .chain = {"http://alice.example/", IC_FX_ME},
	        .nchain = 2,
	        .next = "/indiechat/feed/",
	        .expires = expires,
	};
	assert_int_equal(run(fx, &c), IC_OK);
}

static void test_store_state_take_is_single_use_ia_c_13(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c;

	put_state(fx, a, now() + 600);
	c = new_call(a, STATE_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_OK);
	/* IA-C-11: everything the callback needs came back. */
	assert_string_equal(c.state.binding_hash, "bbbb");
	assert_string_equal(c.state.verifier,
	                    "verifier-0123456789012345678901234567890123");
	assert_string_equal(c.state.issuer, "https://auth.example/");
	assert_string_equal(c.state.authorization_endpoint,
	                    "https://auth.example/authorize");
	assert_string_equal(c.state.entered_me, IC_FX_ME);
	assert_int_equal(c.state.nchain, 2);
	assert_string_equal(c.state.chain[0], "http://alice.example/");
	assert_string_equal(c.state.chain[1], IC_FX_ME);
	assert_string_equal(c.state.next, "/indiechat/feed/");
	/* Single use: gone from the database. */
	assert_false(stored(fx, IC_DB_STATES, HASH));
	c = new_call(a, STATE_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_ERR_NOT_FOUND);
	ic_arena_free(a);
}

static void test_store_state_expired_is_gone_and_deleted_ia_c_13(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c;

	put_state(fx, a, now() - 1);
	c = new_call(a, STATE_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_ERR_GONE);
	assert_false(stored(fx, IC_DB_STATES, HASH));
	c = new_call(a, STATE_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_ERR_NOT_FOUND);
	ic_arena_free(a);
}

/* The real caller: B/auth/callback with an expired state must commit the
 * deletion the store made inside its transaction. */
static void test_store_state_expired_deleted_by_callback_ia_c_13(void **state)
{
	static const struct ic_route routes[] = {
	        {"GET", "/callback", ic_signin_callback, IC_NEED_NOTHING, ""},
	};
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	const char *hash = ic_secret_hash(a, "the-state");
	struct ic_fx_call call = {
	        .program = "auth",
	        .path = "/callback",
	        .query = "code=c&state=the-state&iss=https%3A%2F%2Fauth."
	                 "example%2F",
	};
	struct ic_fx_run r;
	struct call c = new_call(a, STATE_PUT, hash);

	c.state = (struct ic_signin_state){"bbbb",
	                                   "v",
	                                   "https://auth.example/",
	                                   "https://auth.example/authorize",
	                                   IC_FX_ME,
	                                   {NULL},
	                                   0,
	                                   "",
	                                   now() - 1};
	assert_int_equal(run(fx, &c), IC_OK);
	ic_fx_run(fx, routes, 1, &call, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "took too long"));
	ic_fx_done(&r);
	/* Found by this test: check_state() used to return IC_ERR_GONE from
	 * its ic_store_update() callback, which rolled the deletion back
	 * (fixed on main, d03820b). */
	assert_false(stored(fx, IC_DB_STATES, hash));
	ic_arena_free(a);
}

/* --- Authorization codes ------------------------------------------------ */

static void put_code(struct ic_fx *fx, struct ic_arena *a, long long expires)
{
	struct call c = new_call(a, CODE_PUT, HASH);

	c.code = (struct ic_auth_code){
	        .client_id = "https://app.example/",
	        .redirect_uri = "https://app.example/cb",
	        .challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	        .scope = "",
	        .me = IC_FX_ME,
	        .expires = expires,
	        .used = false,
	};
	assert_int_equal(run(fx, &c), IC_OK);
}

static void test_store_code_take_marks_used_sec_6(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c;

	put_code(fx, a, now() + 300);
	c = new_call(a, CODE_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_string_equal(c.code.client_id, "https://app.example/");
	assert_string_equal(c.code.redirect_uri, "https://app.example/cb");
	assert_string_equal(c.code.challenge,
	                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	assert_string_equal(c.code.scope, "");
	assert_string_equal(c.code.me, IC_FX_ME);
	/* Kept, marked used, so a replay is recognised. */
	assert_true(stored(fx, IC_DB_CODES, HASH));
	c = new_call(a, CODE_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_ERR_GONE);
	ic_arena_free(a);
}

static void test_store_code_expired_is_gone_sec_7(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c;

	put_code(fx, a, now() - 1);
	c = new_call(a, CODE_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_ERR_GONE);
	c = new_call(a, CODE_TAKE, "no-such-code-hash");
	assert_int_equal(run(fx, &c), IC_ERR_NOT_FOUND);
	ic_arena_free(a);
}

/* --- Refresh tokens (TE-6) ---------------------------------------------- */

static void put_refresh(struct ic_fx *fx, struct ic_arena *a,
                        long long idle_expires)
{
	struct call c = new_call(a, REFRESH_PUT, HASH);

	c.refresh = (struct ic_refresh_token){
	        .conv = "conv1",
	        .subject = "https://bob.example/",
	        .resource = IC_FX_BASE "/feed/aaaa",
	        .scope = "read",
	        .client_id = "",
	        .issued = now() - 10,
	        .idle_expires = idle_expires,
	};
	assert_int_equal(run(fx, &c), IC_OK);
}

static void test_store_refresh_take_deletes_te_6(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c;

	put_refresh(fx, a, now() + 3600);
	c = new_call(a, REFRESH_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_string_equal(c.refresh.conv, "conv1");
	assert_string_equal(c.refresh.subject, "https://bob.example/");
	assert_string_equal(c.refresh.resource, IC_FX_BASE "/feed/aaaa");
	assert_string_equal(c.refresh.scope, "read");
	assert_string_equal(c.refresh.client_id, "");
	assert_false(stored(fx, IC_DB_REFRESH, HASH));
	c = new_call(a, REFRESH_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_ERR_NOT_FOUND);
	ic_arena_free(a);
}

static void test_store_refresh_idle_expired_is_gone_te_6(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c;

	put_refresh(fx, a, now() - 1);
	c = new_call(a, REFRESH_TAKE, HASH);
	assert_int_equal(run(fx, &c), IC_ERR_GONE);
	assert_false(stored(fx, IC_DB_REFRESH, HASH));
	ic_arena_free(a);
}

/* --- Rate counters (SEC-14) ---------------------------------------------- */

static void test_store_rate_round_trip_and_delete_at_zero_sec_14(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c = new_call(a, RATE_GET, "pw 192.0.2.1");

	/* Nothing recorded: zeroes. */
	c.rate = (struct ic_rate){7, 7, 7};
	assert_int_equal(run(fx, &c), IC_OK);
	assert_int_equal(c.rate.failures, 0);
	assert_int_equal(c.rate.until, 0);
	assert_int_equal(c.rate.last, 0);
	c = new_call(a, RATE_PUT, "pw 192.0.2.1");
	c.rate = (struct ic_rate){4, 1234, 1200};
	assert_int_equal(run(fx, &c), IC_OK);
	c = new_call(a, RATE_GET, "pw 192.0.2.1");
	assert_int_equal(run(fx, &c), IC_OK);
	assert_int_equal(c.rate.failures, 4);
	assert_int_equal(c.rate.until, 1234);
	assert_int_equal(c.rate.last, 1200);
	assert_true(stored(fx, IC_DB_RATE, "pw 192.0.2.1"));
	/* Another address has its own counter. */
	c = new_call(a, RATE_GET, "pw 192.0.2.2");
	assert_int_equal(run(fx, &c), IC_OK);
	assert_int_equal(c.rate.failures, 0);
	/* failures = 0 deletes the record. */
	c = new_call(a, RATE_PUT, "pw 192.0.2.1");
	c.rate = (struct ic_rate){0, 99, 99};
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(stored(fx, IC_DB_RATE, "pw 192.0.2.1"));
	/* ... and deleting what is not there is fine. */
	assert_int_equal(run(fx, &c), IC_OK);
	ic_arena_free(a);
}

/* --- Passphrase hash ------------------------------------------------------ */

static void test_store_passphrase_get_put_sec_8(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c = new_call(a, PASS_GET, NULL);

	assert_int_equal(run(fx, &c), IC_ERR_NOT_FOUND);
	assert_null(c.pass);
	c = new_call(a, PASS_PUT, NULL);
	c.pass = "$y$j9T$salt$hash";
	assert_int_equal(run(fx, &c), IC_OK);
	c = new_call(a, PASS_GET, NULL);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_string_equal(c.pass, "$y$j9T$salt$hash");
	/* Replaced, not added. */
	c = new_call(a, PASS_PUT, NULL);
	c.pass = "$y$j9T$other$hash";
	assert_int_equal(run(fx, &c), IC_OK);
	c = new_call(a, PASS_GET, NULL);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_string_equal(c.pass, "$y$j9T$other$hash");
	ic_arena_free(a);
}

/* --- Sessions (IA-C-20) -----------------------------------------------------
 */

static void test_store_session_get_expired_and_del_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct call c = new_call(a, SESSION_PUT, HASH);

	c.session = (struct ic_session){IC_FX_ME, now(), now() + 60};
	assert_int_equal(run(fx, &c), IC_OK);
	c = new_call(a, SESSION_GET, HASH);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_string_equal(c.session.me, IC_FX_ME);
	c = new_call(a, SESSION_GET, HASH);
	c.now = now() + 61;
	assert_int_equal(run(fx, &c), IC_ERR_NOT_FOUND);
	c = new_call(a, SESSION_DEL, HASH);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(stored(fx, IC_DB_SESSIONS, HASH));
	assert_int_equal(run(fx, &c), IC_OK); /* unknown is fine */
	ic_arena_free(a);
}

/* TE-7 / SEC-8: a session stored by its hash leaves no trace of the
 * secret in the database file. */
static void test_store_db_dump_has_no_session_secret_te_7(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	const char *hash = ic_secret_hash(a, SECRET);
	char path[128];

	ic_fx_session(fx, SECRET, IC_FX_ME, now() + 3600);
	assert_true(stored(fx, IC_DB_SESSIONS, hash));
	snprintf(path, sizeof(path), "%s/data.mdb", fx->dir);
	assert_false(ic_fx_file_has(path, SECRET));
	assert_true(ic_fx_file_has(path, hash));
	/* Nor its CSRF token, which is derived from it. */
	{
		char csrf[65];

		ic_session_csrf(SECRET, csrf);
		assert_false(ic_fx_file_has(path, csrf));
	}
	ic_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_store_state_take_is_single_use_ia_c_13),
	        T(test_store_state_expired_is_gone_and_deleted_ia_c_13),
	        T(test_store_state_expired_deleted_by_callback_ia_c_13),
	        T(test_store_code_take_marks_used_sec_6),
	        T(test_store_code_expired_is_gone_sec_7),
	        T(test_store_refresh_take_deletes_te_6),
	        T(test_store_refresh_idle_expired_is_gone_te_6),
	        T(test_store_rate_round_trip_and_delete_at_zero_sec_14),
	        T(test_store_passphrase_get_put_sec_8),
	        T(test_store_session_get_expired_and_del_ia_c_20),
	        T(test_store_db_dump_has_no_session_secret_te_7),
#undef T
	};

	return cmocka_run_group_tests_name("store_auth", tests, NULL, NULL);
}
