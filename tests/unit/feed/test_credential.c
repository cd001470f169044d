/* test_credential.c - the token we hold for a correspondent's feed
 * (lib/feed/credential.c): checking a token endpoint's answer (TR-6,
 * TR-7) and when the early refresh is due (TR-11).  The network half
 * (refresh on 401, asking for a ticket) runs against real sites in
 * tests/integration/test_token_renewal.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "feed/credential.h"
#include "store/due.h"

#define EP "https://bob.example/token"

static enum ic_err answer(struct ic_fx *f, const char *json,
                          struct ic_token_answer *out)
{
	struct ic_req req;
	cJSON *j = cJSON_Parse(json);
	char errbuf[IC_ERRBUF_SIZE];
	enum ic_err rc;

	assert_non_null(j);
	ic_fx_req_init(f, &req, "listener", stdin, stdout);
	rc = ic_credential_answer(&req, EP, j, out, errbuf);
	/* The strings live in the request's arena: keep what the test
	 * compares before freeing it. */
	if (rc == IC_OK) {
		static char at[64], rt[64];

		snprintf(at, sizeof(at), "%s", out->access_token);
		snprintf(rt, sizeof(rt), "%s",
		         out->refresh_token ? out->refresh_token : "(none)");
		out->access_token = at;
		out->refresh_token = rt;
		out->me = out->scope = NULL;
	}
	ic_cgi_req_free(&req);
	cJSON_Delete(j);
	return rc;
}

static void test_answer_with_refresh_and_string_expiry_tr_6(void **state)
{
	struct ic_token_answer a;

	assert_int_equal(answer(*state,
	                        "{\"access_token\":\"abc\",\"token_type\":"
	                        "\"bearer\",\"expires_in\":\"3600\","
	                        "\"refresh_token\":\"r1\"}",
	                        &a),
	                 IC_OK);
	assert_string_equal(a.access_token, "abc");
	assert_string_equal(a.refresh_token, "r1");
	assert_int_equal(a.expires_in, 3600);
}

static void test_answer_refused_without_token_or_bearer_tr_6(void **state)
{
	struct ic_token_answer a;

	assert_int_equal(answer(*state, "{\"token_type\":\"Bearer\"}", &a),
	                 IC_ERR_PROTOCOL);
	assert_int_equal(
	        answer(*state,
	               "{\"access_token\":\"x\",\"token_type\":\"mac\"}", &a),
	        IC_ERR_PROTOCOL);
}

static void test_answer_negative_expiry_is_none(void **state)
{
	struct ic_token_answer a;

	assert_int_equal(answer(*state,
	                        "{\"access_token\":\"x\",\"expires_in\":-5}",
	                        &a),
	                 IC_OK);
	assert_int_equal(a.expires_in, 0);
	assert_string_equal(a.refresh_token, "(none)");
}

/* A peer's absurd numbers are bounded, not overflowed (issue 12 review). */
static void test_answer_expiry_is_clamped(void **state)
{
	struct ic_token_answer a;

	assert_int_equal(answer(*state,
	                        "{\"access_token\":\"x\",\"expires_in\":"
	                        "\"9223372036854775807\"}",
	                        &a),
	                 IC_OK);
	assert_int_equal(a.expires_in, IC_HELD_MAX_EXPIRES_IN);
	assert_int_equal(answer(*state,
	                        "{\"access_token\":\"x\",\"expires_in\":1e300}",
	                        &a),
	                 IC_OK);
	assert_int_equal(a.expires_in, 0);
}

struct sched {
	struct ic_arena *a;
	struct ic_held_token h;
	long long when; /* out: -1 when not scheduled */
};

static enum ic_err sched_txn(struct ic_store_txn *t, void *p)
{
	struct sched *s = p;
	enum ic_err rc = ic_credential_schedule_in_txn(t, s->a, &s->h);

	if (rc == IC_OK)
		rc = ic_due_when_in_txn(t, s->a, IC_CREDENTIAL_REFRESH_JOB,
		                        s->h.conv, &s->when);
	if (rc == IC_ERR_NOT_FOUND) {
		s->when = -1;
		rc = IC_OK;
	}
	return rc;
}

static long long due_for(struct ic_fx *f, const char *conv, const char *refresh,
                         long long obtained, long long expires)
{
	struct sched s = {.h = {.conv = conv,
	                        .refresh_token = refresh,
	                        .obtained = obtained,
	                        .expires = expires}};

	s.a = ic_arena_new(0);
	assert_non_null(s.a);
	assert_int_equal(ic_fx_txn(f, NULL, true, sched_txn, &s), IC_OK);
	ic_arena_free(s.a);
	return s.when;
}

/* TR-11: refreshed at 75 % of its life, never sooner than the floor
 * after it was obtained (a one-second token must not make us refresh
 * in a loop), and only when there is a refresh token and an expiry. */
static void test_early_refresh_is_due_at_three_quarters_tr_11(void **state)
{
	assert_int_equal(due_for(*state, "c1", "r", 1000, 1000 + 4000),
	                 1000 + 3000);
	assert_int_equal(due_for(*state, "c2", "r", 1000, 1001),
	                 1000 + IC_HELD_REFRESH_FLOOR);
	assert_int_equal(due_for(*state, "c3", NULL, 1000, 5000), -1);
	assert_int_equal(due_for(*state, "c4", "r", 1000, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_answer_with_refresh_and_string_expiry_tr_6),
	        T(test_answer_refused_without_token_or_bearer_tr_6),
	        T(test_answer_negative_expiry_is_none),
	        T(test_answer_expiry_is_clamped),
	        T(test_early_refresh_is_due_at_three_quarters_tr_11),
#undef T
	};

	return cmocka_run_group_tests_name("credential", tests, NULL, NULL);
}
