/*
 * test_websub_hub_endpoint.c - the built-in hub's front door B/feed/hub
 * (lib/websub/websub_hub_endpoint.c; WebSub §5.1, STANDARDS.md §3): what it
 * accepts is recorded as pending and queued for verification; what it
 * refuses is a 400/404 that stores nothing.
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
#include "store/due.h"
#include "store/store.h"
#include "store/store_conv.h"
#include "store/store_sub.h"
#include "websub/websub_hub_endpoint.h"

#define BASE     IC_FX_BASE
#define TOPIC_ID "abcdefghijklmnopqrstuvwxyz"
#define TOPIC    BASE "/feed/" TOPIC_ID
#define CALLBACK                                                               \
	"https://bob.example/indiechat/listener/cbcbcbcbcbcbcbcbcbcbcbcbcb"

static enum ic_err conv_txn(struct ic_store_txn *t, void *p)
{
	struct ic_req *req = p;
	struct ic_conv c = {0};

	c.id = TOPIC_ID;
	c.peer = "https://bob.example/";
	c.state = IC_CONV_ACTIVE;
	c.page_size = 50;
	return ic_store_conv_put_in_txn(t, req->arena, &c);
}

/* The shared fixture with feed's request open and conversation TOPIC_ID
 * stored. */
static int setup(void **state)
{
	struct ic_fx *f;

	if (ic_fx_setup(state) != 0)
		return -1;
	f = *state;
	if (ic_fx_open_req(f, "feed") != IC_OK ||
	    ic_fx_txn(f, &f->req, true, conv_txn, &f->req) != IC_OK) {
		ic_fx_teardown(state);
		return -1;
	}
	return 0;
}

static enum ic_err post(struct ic_fx *f, const char *body)
{
	assert_int_equal(ic_form_parse(&f->req.form, f->req.arena, body,
	                               strlen(body), NULL),
	                 IC_OK);
	memset(&f->req.resp, 0, sizeof(f->req.resp));
	ic_buf_init(&f->req.resp.body, 1 << 16);
	return ic_websub_hub_endpoint_post(&f->req);
}

struct look {
	struct ic_arena *a;
	struct ic_hub_sub s;
	bool found;
	long long due;
};

static enum ic_err look_txn(struct ic_store_txn *t, void *p)
{
	struct look *l = p;
	enum ic_err rc =
	        ic_store_hub_sub_get_in_txn(t, l->a, TOPIC_ID, CALLBACK, &l->s);

	l->found = rc == IC_OK;
	if (ic_due_when_in_txn(t, l->a, "hub_verify",
	                       ic_websub_hub_job_id(l->a, TOPIC_ID, CALLBACK),
	                       &l->due) != IC_OK)
		l->due = 0;
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

static struct look look(struct ic_fx *f)
{
	struct ic_store *st;
	struct look l = {f->req.arena, {0}, false, 0};

	assert_int_equal(ic_req_store(&f->req, &st), IC_OK);
	assert_int_equal(ic_store_view(st, look_txn, &l, NULL), IC_OK);
	return l;
}

static void test_subscribe_is_202_pending_and_queued_ws_s_12(void **state)
{
	struct ic_fx *f = *state;
	struct look l;

	assert_int_equal(post(f, "hub.mode=subscribe&hub.topic=" TOPIC
	                         "&hub.callback=" CALLBACK
	                         "&hub.secret=s3cret&hub.lease_seconds=86400"),
	                 IC_OK);
	assert_int_equal(f->req.resp.status, 202);
	l = look(f);
	assert_true(l.found);
	assert_int_equal(l.s.state, IC_SUB_PENDING);
	assert_string_equal(l.s.mode, "subscribe");
	assert_string_equal(l.s.pending_secret, "s3cret");
	assert_int_equal(l.s.lease, 86400);
	/* The verification runs from lazy maintenance, due now. */
	assert_true(l.due > 0 && l.due <= time(NULL));
}

static void test_lease_is_clamped_to_the_hub_range(void **state)
{
	struct ic_fx *f = *state;

	assert_int_equal(post(f,
	                      "hub.mode=subscribe&hub.topic=" TOPIC
	                      "&hub.callback=" CALLBACK "&hub.lease_seconds=5"),
	                 IC_OK);
	assert_int_equal(look(f).s.lease, IC_HUB_LEASE_MIN);
}

static void refused(struct ic_fx *f, const char *body, enum ic_err want)
{
	assert_int_equal(post(f, body), want);
	assert_false(look(f).found);
	assert_int_equal(look(f).due, 0);
}

static void test_bad_requests_refused_and_nothing_stored(void **state)
{
	struct ic_fx *f = *state;
	char secret[256], body[512];

	/* Only we publish our topics (WS-P-5 is our own ping). */
	refused(f, "hub.mode=publish&hub.topic=" TOPIC, IC_ERR_BAD_INPUT);
	refused(f, "hub.mode=watch&hub.topic=" TOPIC "&hub.callback=" CALLBACK,
	        IC_ERR_BAD_INPUT);
	refused(f, "hub.mode=subscribe&hub.callback=" CALLBACK,
	        IC_ERR_BAD_INPUT);
	/* A topic that is not ours, or not a topic at all. */
	refused(f,
	        "hub.mode=subscribe&hub.topic=https://evil.example/feed/" TOPIC_ID
	        "&hub.callback=" CALLBACK,
	        IC_ERR_BAD_INPUT);
	refused(f,
	        "hub.mode=subscribe&hub.topic=" BASE
	        "/feed/zzzzzzzzzzzzzzzzzzzzzzzzzz&hub.callback=" CALLBACK,
	        IC_ERR_NOT_FOUND);
	refused(f,
	        "hub.mode=subscribe&hub.topic=" TOPIC
	        "&hub.callback=javascript:alert(1)",
	        IC_ERR_BAD_INPUT);
	refused(f, "hub.mode=subscribe&hub.topic=" TOPIC, IC_ERR_BAD_INPUT);
	refused(f,
	        "hub.mode=subscribe&hub.topic=" TOPIC "&hub.callback=" CALLBACK
	        "&hub.lease_seconds=-1",
	        IC_ERR_BAD_INPUT);
	/* WebSub §5.1: a secret of 200 bytes or more (WS-S-10). */
	memset(secret, 'x', 200);
	secret[200] = '\0';
	snprintf(body, sizeof(body),
	         "hub.mode=subscribe&hub.topic=" TOPIC "&hub.callback=" CALLBACK
	         "&hub.secret=%s",
	         secret);
	refused(f, body, IC_ERR_BAD_INPUT);
	/* Unsubscribing what was never subscribed. */
	refused(f,
	        "hub.mode=unsubscribe&hub.topic=" TOPIC
	        "&hub.callback=" CALLBACK,
	        IC_ERR_NOT_FOUND);
}

static void test_job_id_round_trips(void **state)
{
	struct ic_fx *f = *state;
	const char *topic, *cb;

	assert_int_equal(
	        ic_websub_hub_job_parse(
	                f->req.arena,
	                ic_websub_hub_job_id(f->req.arena, TOPIC_ID, CALLBACK),
	                &topic, &cb),
	        IC_OK);
	assert_string_equal(topic, TOPIC_ID);
	assert_string_equal(cb, CALLBACK);
	assert_int_equal(
	        ic_websub_hub_job_parse(f->req.arena, "nospace", &topic, &cb),
	        IC_ERR_BAD_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, ic_fx_teardown)
	        T(test_subscribe_is_202_pending_and_queued_ws_s_12),
	        T(test_lease_is_clamped_to_the_hub_range),
	        T(test_bad_requests_refused_and_nothing_stored),
	        T(test_job_id_round_trips),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
