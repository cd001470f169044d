/*
 * test_websub_subscriber.c - the WebSub callback B/listener/<id>:
 * verification of intent and signed content delivery
 * (lib/websub/websub_subscriber.c; STANDARDS.md §2.3, §2.4).
 *
 * The handlers run on a real LMDB store in a temporary data_dir; the
 * request is built as the router would leave it (query parsed, {id}
 * captured, body read).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "core/crypto.h"
#include "store/due.h"
#include "cgi/route.h"
#include "store/store.h"
#include "store/store_sub.h"
#include "websub/websub_subscriber.h"

#define TOPIC  "https://alice.example/indiechat/feed/abcdefghijklmnopqrstuvwxyz"
#define SECRET "0123456789abcdef0123456789abcdef"
#define SUB_ID "subscriptionidaaaaaaaaaaaa"

/* The shared fixture on Bob's side, with listener's request open. */
static int setup(void **state)
{
	struct ic_fx *f;

	if (ic_fx_setup(state) != 0)
		return -1;
	f = *state;
	f->cfg.base_url = "https://bob.example/indiechat";
	f->cfg.me = "https://bob.example/";
	if (ic_fx_open_req(f, "listener") != IC_OK) {
		ic_fx_teardown(state);
		return -1;
	}
	return 0;
}

/* Fresh request state on the same store, as a new CGI would have. */
static void new_request(struct ic_fx *f, const char *method, const char *id,
                        const char *query)
{
	struct ic_req *req = &f->req;
	char path[128];

	ic_buf_release(&req->resp.body);
	memset(&req->resp, 0, sizeof(req->resp));
	ic_buf_init(&req->resp.body, 1 << 20);
	req->after = NULL;
	req->env.method = method;
	req->env.hub_signature = NULL;
	req->body = NULL;
	req->body_len = 0;
	snprintf(path, sizeof(path), "/%s", id);
	assert_true(ic_route_match("/{id}", path, req));
	assert_int_equal(ic_form_parse(&req->query, req->arena, query,
	                               strlen(query), NULL),
	                 IC_OK);
}

struct put_ctx {
	struct ic_arena *a;
	struct ic_sub s;
};

static enum ic_err put_txn(struct ic_store_txn *t, void *p)
{
	struct put_ctx *c = p;

	return ic_store_sub_put_in_txn(t, c->a, &c->s);
}

static void put_sub(struct ic_fx *f, const char *id, enum ic_sub_state state,
                    const char *mode, long long requested)
{
	struct ic_store *st;
	struct put_ctx c = {f->req.arena, {0}};

	c.s.id = id;
	c.s.conv = "convaaaaaaaaaaaaaaaaaaaaaa";
	c.s.topic = TOPIC;
	c.s.hub = "https://alice.example/indiechat/feed/hub";
	c.s.secret = SECRET;
	c.s.mode = mode;
	c.s.state = state;
	c.s.requested = requested;
	assert_int_equal(ic_req_store(&f->req, &st), IC_OK);
	assert_int_equal(ic_store_update(st, put_txn, &c, f->req.errbuf),
	                 IC_OK);
}

struct get_ctx {
	struct ic_arena *a;
	const char *id;
	struct ic_sub s;
	long long renew_due;
};

static enum ic_err get_txn(struct ic_store_txn *t, void *p)
{
	struct get_ctx *c = p;
	enum ic_err rc = ic_store_sub_get_in_txn(t, c->a, c->id, &c->s);

	if (rc == IC_OK &&
	    ic_due_when_in_txn(t, c->a, "renew", c->s.conv, &c->renew_due) ==
	            IC_ERR_NOT_FOUND)
		c->renew_due = 0;
	return rc;
}

static struct get_ctx get_sub(struct ic_fx *f, const char *id)
{
	struct ic_store *st;
	struct get_ctx c = {f->req.arena, id, {0}, 0};

	assert_int_equal(ic_req_store(&f->req, &st), IC_OK);
	assert_int_equal(ic_store_view(st, get_txn, &c, f->req.errbuf), IC_OK);
	return c;
}

static enum ic_err unsub_txn(struct ic_store_txn *t, void *p)
{
	struct get_ctx *c = p;

	if (ic_due_when_in_txn(t, c->a, IC_WEBSUB_UNSUBSCRIBE_JOB, c->id,
	                       &c->renew_due) == IC_ERR_NOT_FOUND)
		c->renew_due = 0;
	return IC_OK;
}

/* When the unsubscribe job of subscription @p id is due; 0 if none. */
static long long unsubscribe_due(struct ic_fx *f, const char *id)
{
	struct ic_store *st;
	struct get_ctx c = {f->req.arena, id, {0}, 0};

	assert_int_equal(ic_req_store(&f->req, &st), IC_OK);
	assert_int_equal(ic_store_view(st, unsub_txn, &c, f->req.errbuf),
	                 IC_OK);
	return c.renew_due;
}

static const char *verify_query(const char *mode, const char *topic,
                                const char *challenge)
{
	static char q[1024];

	snprintf(q, sizeof(q),
	         "hub.mode=%s&hub.topic=%s&hub.challenge=%s"
	         "&hub.lease_seconds=86400",
	         mode, topic, challenge);
	return q;
}

static void test_verify_pending_subscribe_echoes_challenge_ws_s_15(void **state)
{
	struct ic_fx *f = *state;
	long long now = time(NULL);
	struct get_ctx g;

	put_sub(f, SUB_ID, IC_SUB_PENDING, "subscribe", now);
	new_request(f, "GET", SUB_ID,
	            verify_query("subscribe", TOPIC, "c4allenge-123"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_OK);
	assert_int_equal(f->req.resp.status, 200);
	assert_string_equal(f->req.resp.body.buf, "c4allenge-123");
	/* WS-S-19: never HTML. */
	assert_string_equal(f->req.resp.content_type,
	                    "text/plain; charset=utf-8");
	assert_true(f->req.resp.nosniff);
	g = get_sub(f, SUB_ID);
	assert_int_equal(g.s.state, IC_SUB_ACTIVE);
	/* WS-S-17: the lease from the verification; WS-S-18: renew early. */
	assert_true(g.s.lease_expires >= now + 86400 &&
	            g.s.lease_expires <= now + 86400 + 5);
	assert_true(g.renew_due > now && g.renew_due < now + 86400);
}

static void
test_verify_wrong_topic_is_404_and_changes_nothing_ws_s_16(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, SUB_ID, IC_SUB_PENDING, "subscribe", time(NULL));
	new_request(f, "GET", SUB_ID,
	            verify_query("subscribe", TOPIC "?invalid", "abc"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_ERR_NOT_FOUND);
	assert_int_equal(get_sub(f, SUB_ID).s.state, IC_SUB_PENDING);
}

static void test_verify_unknown_callback_is_404_ws_s_16(void **state)
{
	struct ic_fx *f = *state;

	new_request(f, "GET", "nosuchsubscriptionaaaaaaaa",
	            verify_query("subscribe", TOPIC, "abc"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_ERR_NOT_FOUND);
}

static void test_verify_of_expired_pending_request_is_404_ws_s_21(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, SUB_ID, IC_SUB_PENDING, "subscribe",
	        time(NULL) - IC_WEBSUB_PENDING_SECONDS - 1);
	new_request(f, "GET", SUB_ID, verify_query("subscribe", TOPIC, "abc"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_ERR_NOT_FOUND);
	assert_int_equal(get_sub(f, SUB_ID).s.state, IC_SUB_PENDING);
}

static void test_verify_replayed_after_activation_is_404_ws_s_21(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, SUB_ID, IC_SUB_PENDING, "subscribe", time(NULL));
	new_request(f, "GET", SUB_ID, verify_query("subscribe", TOPIC, "abc"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_OK);
	new_request(f, "GET", SUB_ID, verify_query("subscribe", TOPIC, "abc"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_ERR_NOT_FOUND);
}

static void test_verify_unsolicited_unsubscribe_is_404_ws_s_15(void **state)
{
	struct ic_fx *f = *state;

	/* A forged unsubscribe (w3c/websub#42) of an active subscription. */
	put_sub(f, SUB_ID, IC_SUB_ACTIVE, NULL, time(NULL));
	new_request(f, "GET", SUB_ID,
	            verify_query("unsubscribe", TOPIC, "abc"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_ERR_NOT_FOUND);
	assert_int_equal(get_sub(f, SUB_ID).s.state, IC_SUB_ACTIVE);
}

static void test_verify_challenge_with_controls_refused_ws_s_19(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, SUB_ID, IC_SUB_PENDING, "subscribe", time(NULL));
	new_request(f, "GET", SUB_ID,
	            verify_query("subscribe", TOPIC, "a%0D%0ASet-Cookie:x"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_ERR_NOT_FOUND);
	assert_int_equal(get_sub(f, SUB_ID).s.state, IC_SUB_PENDING);
}

static void test_denied_marks_subscription_and_answers_200_ws_s_20(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, SUB_ID, IC_SUB_ACTIVE, NULL, time(NULL));
	new_request(f, "GET", SUB_ID,
	            "hub.mode=denied&hub.topic=" TOPIC "&hub.reason=no");
	assert_int_equal(ic_websub_callback_get(&f->req), IC_OK);
	assert_int_equal(f->req.resp.status, 200);
	assert_int_equal(get_sub(f, SUB_ID).s.state, IC_SUB_DENIED);
}

static void test_renewal_verified_retires_older_callback_ws_s_9(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, "oldsubscriptionaaaaaaaaaaa", IC_SUB_ACTIVE, NULL,
	        time(NULL) - 100000);
	put_sub(f, SUB_ID, IC_SUB_PENDING, "subscribe", time(NULL));
	new_request(f, "GET", SUB_ID, verify_query("subscribe", TOPIC, "abc"));
	assert_int_equal(ic_websub_callback_get(&f->req), IC_OK);
	assert_int_equal(get_sub(f, SUB_ID).s.state, IC_SUB_ACTIVE);
	assert_int_equal(get_sub(f, "oldsubscriptionaaaaaaaaaaa").s.state,
	                 IC_SUB_GONE);
	/* WS-S-14: the hub is told, by a job due now, not left to a 410. */
	assert_true(unsubscribe_due(f, "oldsubscriptionaaaaaaaaaaa") > 0);
	assert_true(unsubscribe_due(f, "oldsubscriptionaaaaaaaaaaa") <=
	            time(NULL));
	assert_int_equal(unsubscribe_due(f, SUB_ID), 0);
}

/* WS-S-18 is a MUST for every lease a hub may grant: renewal comes before
 * the end, also for leases at or under a minute. */
static void test_renewal_before_expiry_for_every_lease_ws_s_18(void **state)
{
	static const long long leases[] = {2,  3,   10,   30,    59,    60,
	                                   61, 120, 3600, 86400, 864000};

	(void)state;
	for (size_t i = 0; i < sizeof(leases) / sizeof(leases[0]); i++) {
		long long r = ic_websub_renew_in(leases[i]);

		assert_true(r >= 1);
		assert_true(r < leases[i]);
		assert_true(r >= leases[i] / 2);
	}
	assert_int_equal(ic_websub_renew_in(86400), 86400 - 21600);
	assert_int_equal(ic_websub_renew_in(120), 60);
	assert_int_equal(ic_websub_renew_in(60), 30);
}

/* The same, end to end: a verification granting 40 s schedules the
 * renewal before the 40 s are up. */
static void test_short_lease_renewed_before_expiry_ws_s_18(void **state)
{
	struct ic_fx *f = *state;
	long long now = time(NULL);
	struct get_ctx g;

	put_sub(f, SUB_ID, IC_SUB_PENDING, "subscribe", now);
	new_request(f, "GET", SUB_ID,
	            "hub.mode=subscribe&hub.topic=" TOPIC
	            "&hub.challenge=abc&hub.lease_seconds=40");
	assert_int_equal(ic_websub_callback_get(&f->req), IC_OK);
	g = get_sub(f, SUB_ID);
	assert_true(g.s.lease_expires >= now + 40);
	assert_true(g.renew_due > now && g.renew_due < g.s.lease_expires);
}

/* --- Deliveries ---------------------------------------------------------- */

static const char body[] = "<html><body>stub r=42</body></html>";

static void deliver(struct ic_fx *f, const char *id, const char *signature)
{
	new_request(f, "POST", id, "");
	f->req.body = body;
	f->req.body_len = sizeof(body) - 1;
	f->req.env.hub_signature = signature;
}

static enum ic_err due_txn(struct ic_store_txn *t, void *p)
{
	long long *when = p;
	struct ic_arena *a = ic_arena_new(0);
	enum ic_err rc =
	        a ? ic_due_when_in_txn(t, a, "fetch",
	                               "convaaaaaaaaaaaaaaaaaaaaaa", when)
	          : IC_ERR_NOMEM;

	ic_arena_free(a);
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

static long long fetch_due_time(struct ic_fx *f)
{
	struct ic_store *st;
	long long when = 0;

	assert_int_equal(ic_req_store(&f->req, &st), IC_OK);
	assert_int_equal(ic_store_view(st, due_txn, &when, f->req.errbuf),
	                 IC_OK);
	return when;
}

static void test_signed_delivery_accepted_and_fetch_due_ws_s_22_23(void **state)
{
	struct ic_fx *f = *state;
	char *sig;

	put_sub(f, SUB_ID, IC_SUB_ACTIVE, NULL, time(NULL));
	assert_int_equal(ic_crypto_hub_signature(f->req.arena, SECRET,
	                                         strlen(SECRET), body,
	                                         sizeof(body) - 1, &sig, NULL),
	                 IC_OK);
	deliver(f, SUB_ID, sig);
	assert_int_equal(ic_websub_callback_post(&f->req), IC_OK);
	assert_int_equal(f->req.resp.status, 202);
	/* WS-S-27: only a trigger; the fetch runs after the response and
	 * is recorded first so a crash cannot lose it. */
	assert_non_null(f->req.after);
	assert_true(fetch_due_time(f) > 0);
}

static void
test_unsigned_delivery_to_secret_subscription_403_ws_s_24(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, SUB_ID, IC_SUB_ACTIVE, NULL, time(NULL));
	deliver(f, SUB_ID, NULL);
	assert_int_equal(ic_websub_callback_post(&f->req), IC_ERR_FORBIDDEN);
	assert_null(f->req.after);
	assert_int_equal(fetch_due_time(f), 0);
}

static void test_wrong_signature_403_and_nothing_due_ws_s_23(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, SUB_ID, IC_SUB_ACTIVE, NULL, time(NULL));
	deliver(f, SUB_ID,
	        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58"
	        "b964ec3843");
	assert_int_equal(ic_websub_callback_post(&f->req), IC_ERR_FORBIDDEN);
	assert_null(f->req.after);
	assert_int_equal(fetch_due_time(f), 0);
}

static void
test_delivery_to_retired_or_unknown_callback_410_ws_s_26(void **state)
{
	struct ic_fx *f = *state;

	put_sub(f, SUB_ID, IC_SUB_GONE, NULL, time(NULL));
	deliver(f, SUB_ID, NULL);
	assert_int_equal(ic_websub_callback_post(&f->req), IC_ERR_GONE);
	deliver(f, "nosuchsubscriptionaaaaaaaa", NULL);
	assert_int_equal(ic_websub_callback_post(&f->req), IC_ERR_GONE);
	assert_int_equal(fetch_due_time(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, ic_fx_teardown)
	        T(test_verify_pending_subscribe_echoes_challenge_ws_s_15),
	        T(test_verify_wrong_topic_is_404_and_changes_nothing_ws_s_16),
	        T(test_verify_unknown_callback_is_404_ws_s_16),
	        T(test_verify_of_expired_pending_request_is_404_ws_s_21),
	        T(test_verify_replayed_after_activation_is_404_ws_s_21),
	        T(test_verify_unsolicited_unsubscribe_is_404_ws_s_15),
	        T(test_verify_challenge_with_controls_refused_ws_s_19),
	        T(test_denied_marks_subscription_and_answers_200_ws_s_20),
	        T(test_short_lease_renewed_before_expiry_ws_s_18),
	        cmocka_unit_test(
	                test_renewal_before_expiry_for_every_lease_ws_s_18),
	        T(test_renewal_verified_retires_older_callback_ws_s_9),
	        T(test_signed_delivery_accepted_and_fetch_due_ws_s_22_23),
	        T(test_unsigned_delivery_to_secret_subscription_403_ws_s_24),
	        T(test_wrong_signature_403_and_nothing_due_ws_s_23),
	        T(test_delivery_to_retired_or_unknown_callback_410_ws_s_26),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
