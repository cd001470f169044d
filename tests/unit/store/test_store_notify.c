/*
 * test_store_notify.c - the owner's pending notifications (issue 16,
 * lib/store/store_notify.c) in a real LMDB: a burst coalesced into one
 * batch a minute after the last mail, a batch in flight kept (with its
 * number) until it is done, and events meanwhile kept for the next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "fixture.h"
#include "store/due.h"
#include "store/store_conv.h"
#include "store/store_notify.h"

#define T0   1700000000LL
#define CONV "c1"

enum op { EVENT, CLAIM, DONE, TOLD };

struct call {
	struct ic_arena *a;
	enum op op;
	enum ic_notify_kind kind;
	long long count, from, to, now;
	struct ic_notify_batch got;
	long long batch;
	long long due;    /* the job's due time afterwards, 0: none */
	unsigned channel; /* TOLD */
};

static enum ic_err call_in_txn(struct ic_store_txn *t, void *p)
{
	struct call *c = p;
	enum ic_err rc = IC_OK;

	if (c->op == EVENT)
		rc = ic_store_notify_event_in_txn(t, c->a, CONV, c->kind,
		                                  c->count, c->from, c->to,
		                                  c->now);
	else if (c->op == CLAIM)
		rc = ic_store_notify_claim_in_txn(t, c->a, CONV, &c->got,
		                                  &c->batch);
	else if (c->op == TOLD)
		rc = ic_store_notify_told_in_txn(t, c->a, CONV, c->batch,
		                                 c->channel);
	else
		rc = ic_store_notify_done_in_txn(t, c->a, CONV, c->batch,
		                                 c->now, true);
	if (rc == IC_OK &&
	    ic_due_when_in_txn(t, c->a, IC_NOTIFY_JOB, CONV, &c->due) != IC_OK)
		c->due = 0;
	return rc;
}

static enum ic_err run(struct ic_fx *fx, struct call *c)
{
	enum ic_err rc;

	c->a = ic_arena_new(0);
	assert_non_null(c->a);
	rc = ic_fx_txn(fx, NULL, true, call_in_txn, c);
	ic_arena_free(c->a);
	return rc;
}

static long long messages(struct ic_fx *fx, long long n, long long from,
                          long long now)
{
	struct call c = {.op = EVENT,
	                 .kind = IC_NOTIFY_MESSAGES,
	                 .count = n,
	                 .from = from,
	                 .to = from + n - 1,
	                 .now = now};

	assert_int_equal(run(fx, &c), IC_OK);
	return c.due;
}

static void burst_is_one_batch(void **state)
{
	struct ic_fx *fx = *state;
	struct call claim = {.op = CLAIM}, done = {.op = DONE};

	/* A quiet conversation: due at once, and stays so. */
	assert_int_equal(messages(fx, 1, 1, T0), T0);
	assert_int_equal(messages(fx, 2, 2, T0 + 5), T0);
	assert_int_equal(run(fx, &claim), IC_OK);
	assert_int_equal(claim.got.count, 3);
	assert_int_equal(claim.got.from, 1);
	assert_int_equal(claim.got.to, 3);
	assert_int_equal(claim.got.first, T0);
	assert_int_equal(claim.got.last, T0 + 5);
	assert_int_equal(claim.batch, 1);
	done.batch = claim.batch;
	done.now = T0 + 6;
	assert_int_equal(run(fx, &done), IC_OK);
	/* Nothing left. */
	assert_int_equal(run(fx, &claim), IC_ERR_NOT_FOUND);
	/* The next one waits a minute after the last mail. */
	assert_int_equal(messages(fx, 1, 4, T0 + 10),
	                 T0 + 6 + IC_NOTIFY_COALESCE_SECONDS);
}

static void in_flight_is_kept_until_done(void **state)
{
	struct ic_fx *fx = *state;
	struct call claim = {.op = CLAIM}, again = {.op = CLAIM};
	struct call done = {.op = DONE}, req = {.op = EVENT};

	messages(fx, 2, 1, T0);
	assert_int_equal(run(fx, &claim), IC_OK);
	/* sendmail failed: the same batch again, same number. */
	assert_int_equal(run(fx, &again), IC_OK);
	assert_int_equal(again.batch, claim.batch);
	assert_int_equal(again.got.count, 2);
	/* A request meanwhile goes to the next batch, not this one. */
	req.kind = IC_NOTIFY_REQUEST;
	req.now = T0 + 1;
	assert_int_equal(run(fx, &req), IC_OK);
	assert_int_equal(run(fx, &again), IC_OK);
	assert_int_equal(again.got.requests, 0);
	done.batch = claim.batch;
	done.now = T0 + 2;
	assert_int_equal(run(fx, &done), IC_OK);
	assert_int_equal(done.due, T0 + 2 + IC_NOTIFY_COALESCE_SECONDS);
	assert_int_equal(run(fx, &again), IC_OK);
	assert_int_equal(again.batch, claim.batch + 1);
	assert_int_equal(again.got.requests, 1);
	assert_int_equal(again.got.count, 0);
	/* A stale "done" (an older batch) changes nothing. */
	assert_int_equal(run(fx, &done), IC_OK);
	assert_int_equal(run(fx, &claim), IC_OK);
	assert_int_equal(claim.batch, again.batch);
}

/* The channels that told a batch stay marked while it is retried, and a
 * new batch starts with none (issue 16: no channel is told twice). */
static void told_channels_belong_to_their_batch(void **state)
{
	struct ic_fx *fx = *state;
	struct call claim = {.op = CLAIM}, done = {.op = DONE};
	struct call told = {.op = TOLD, .channel = IC_NOTIFY_CH_EMAIL};

	messages(fx, 2, 1, T0);
	assert_int_equal(run(fx, &claim), IC_OK);
	assert_int_equal(claim.got.told, 0);
	told.batch = claim.batch;
	assert_int_equal(run(fx, &told), IC_OK);
	told.channel = IC_NOTIFY_CH_WEBHOOK;
	assert_int_equal(run(fx, &told), IC_OK);
	assert_int_equal(run(fx, &claim), IC_OK);
	assert_int_equal(claim.got.told,
	                 IC_NOTIFY_CH_EMAIL | IC_NOTIFY_CH_WEBHOOK);
	/* Another batch's mark changes nothing. */
	told.batch = claim.batch + 1;
	told.channel = IC_NOTIFY_CH_NTFY;
	assert_int_equal(run(fx, &told), IC_OK);
	assert_int_equal(run(fx, &claim), IC_OK);
	assert_int_equal(claim.got.told,
	                 IC_NOTIFY_CH_EMAIL | IC_NOTIFY_CH_WEBHOOK);
	done.batch = claim.batch;
	done.now = T0 + 1;
	assert_int_equal(run(fx, &done), IC_OK);
	messages(fx, 1, 3, T0 + 2);
	assert_int_equal(run(fx, &claim), IC_OK);
	assert_int_equal(claim.batch, 2);
	assert_int_equal(claim.got.told, 0);
}

/* Issue 16: a delivery problem is news only for an open conversation whose
 * notifications are on and not muted. */
struct problem {
	struct ic_arena *a;
	bool on, muted, put;
	enum ic_conv_state state;
};

static enum ic_err problem_in_txn(struct ic_store_txn *t, void *p)
{
	struct problem *c = p;
	struct ic_conv conv = {.id = CONV,
	                       .peer = "https://bob.example/",
	                       .state = c->state,
	                       .created = 1,
	                       .page_size = 50,
	                       .notify_muted = c->muted};
	enum ic_err rc =
	        c->put ? ic_store_conv_put_in_txn(t, c->a, &conv) : IC_OK;

	return rc ? rc
	          : ic_store_notify_problem_in_txn(t, c->a, CONV, c->on, T0);
}

static enum ic_err problem(struct ic_fx *fx, struct problem *c)
{
	enum ic_err rc;

	c->a = ic_arena_new(0);
	assert_non_null(c->a);
	rc = ic_fx_txn(fx, NULL, true, problem_in_txn, c);
	ic_arena_free(c->a);
	return rc;
}

static void problems_only_where_the_owner_listens(void **state)
{
	struct ic_fx *fx = *state;
	struct call claim = {.op = CLAIM};
	struct problem none = {.on = true},
	               off = {.put = true, .state = IC_CONV_ACTIVE};
	struct problem muted = {.on = true,
	                        .muted = true,
	                        .put = true,
	                        .state = IC_CONV_ACTIVE};
	struct problem blocked = {
	        .on = true, .put = true, .state = IC_CONV_BLOCKED};
	struct problem told = {
	        .on = true, .put = true, .state = IC_CONV_ACTIVE};

	assert_int_equal(problem(fx, &none), IC_OK); /* no conversation */
	assert_int_equal(problem(fx, &off), IC_OK);
	assert_int_equal(problem(fx, &muted), IC_OK);
	assert_int_equal(problem(fx, &blocked), IC_OK);
	assert_int_equal(run(fx, &claim), IC_ERR_NOT_FOUND);
	assert_int_equal(problem(fx, &told), IC_OK);
	assert_int_equal(run(fx, &claim), IC_OK);
	assert_int_equal(claim.got.problems, 1);
	assert_int_equal(claim.got.count, 0);
	assert_int_equal(claim.got.first, T0);
	assert_int_equal(claim.due, T0); /* at once */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(burst_is_one_batch),
	        T(in_flight_is_kept_until_done),
	        T(problems_only_where_the_owner_listens),
	        T(told_channels_belong_to_their_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
