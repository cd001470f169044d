/*
 * test_store_rate.c - the fixed-window counters (lib/store/store_rate.c)
 * in a real LMDB: two requests in one second, the window's edge, a clock
 * stepping back (neither a reset nor a lock-out longer than one window),
 * all-or-nothing judging, and the clean-up of ended windows.
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
#include "store/store_rate.h"

#define T0 1700000000LL
#define W  60

static const struct ic_rate_rule two = {"two", 2, W, false};
static const struct ic_rate_rule five = {"five", 5, W, false};
static const struct ic_rate_rule look = {"two", 2, W, true};

struct take {
	struct ic_arena *a;
	const struct ic_rate_hit *hits;
	size_t n;
	long long now, retry;
	long long count; /* of hits[0] afterwards */
	size_t removed;
	long long next;
	bool gc;
};

static enum ic_err take_in_txn(struct ic_store_txn *t, void *p)
{
	struct take *c = p;
	enum ic_err rc;

	if (c->gc)
		return ic_store_rate_gc_in_txn(t, c->a, c->now, &c->removed,
		                               &c->next);
	rc = ic_store_rate_take_in_txn(t, c->a, c->hits, c->n, c->now,
	                               &c->retry);
	if (rc == IC_OK)
		rc = ic_store_rate_count_in_txn(t, c->a, c->hits[0].rule,
		                                c->hits[0].key, c->now,
		                                &c->count);
	return rc;
}

/* Judge one request at @p now; the seconds to wait (0: let through). */
static long long hit_n(struct ic_fx *fx, const struct ic_rate_hit *h, size_t n,
                       long long now, long long *count)
{
	struct ic_arena *a = ic_arena_new(0);
	struct take c = {a, h, n, now, -1, 0, 0, 0, false};

	assert_non_null(a);
	assert_int_equal(ic_fx_txn(fx, NULL, true, take_in_txn, &c), IC_OK);
	if (count)
		*count = c.count;
	ic_arena_free(a);
	return c.retry;
}

static long long hit(struct ic_fx *fx, const struct ic_rate_rule *r,
                     const char *key, long long now)
{
	struct ic_rate_hit h = {r, key};

	return hit_n(fx, &h, 1, now, NULL);
}

static void same_second(void **state)
{
	struct ic_fx *fx = *state;

	assert_int_equal(hit(fx, &two, "a", T0), 0);
	assert_int_equal(hit(fx, &two, "a", T0), 0);
	/* The third in the same second waits for the whole window. */
	assert_int_equal(hit(fx, &two, "a", T0), W);
	/* Another key has its own window. */
	assert_int_equal(hit(fx, &two, "b", T0), 0);
}

static void window_edge(void **state)
{
	struct ic_fx *fx = *state;
	long long count;
	struct ic_rate_hit h = {&two, "a"};

	assert_int_equal(hit(fx, &two, "a", T0), 0);
	assert_int_equal(hit(fx, &two, "a", T0 + 10), 0);
	assert_int_equal(hit(fx, &two, "a", T0 + 10), W - 10);
	/* The last second of the window is still in it... */
	assert_int_equal(hit(fx, &two, "a", T0 + W - 1), 1);
	/* ...and its end starts a new one. */
	assert_int_equal(hit_n(fx, &h, 1, T0 + W, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(hit(fx, &two, "a", T0 + W), 0);
	/* Refused requests are not counted: the count stays at the limit. */
	assert_int_equal(hit(fx, &two, "a", T0 + W + 1), W - 1);
	assert_int_equal(hit_n(fx, &h, 1, T0 + W + 1, &count), W - 1);
	assert_int_equal(count, 2);
}

static void clock_steps_back(void **state)
{
	struct ic_fx *fx = *state;
	long long count;
	struct ic_rate_hit h = {&two, "a"};

	assert_int_equal(hit(fx, &two, "a", T0), 0);
	assert_int_equal(hit(fx, &two, "a", T0), 0);
	/* A day back: still full (no reset), but the wait is one window
	 * from now, not a day and a window. */
	assert_int_equal(hit(fx, &two, "a", T0 - 86400), W);
	assert_int_equal(hit(fx, &two, "a", T0 - 86400 + 1), W - 1);
	assert_int_equal(hit_n(fx, &h, 1, T0 - 86400 + W, &count), 0);
	assert_int_equal(count, 1);
	/* A window with room that moves back keeps its count as well. */
	assert_int_equal(hit(fx, &five, "b", T0), 0);
	assert_int_equal(hit(fx, &five, "b", T0), 0);
	h.rule = &five;
	h.key = "b";
	assert_int_equal(hit_n(fx, &h, 1, T0 - 5, &count), 0);
	assert_int_equal(count, 3);
}

static void all_or_nothing(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_rate_hit h[] = {{&five, "x"}, {&two, "y"}, {&two, NULL}};
	long long count;

	assert_int_equal(hit(fx, &two, "y", T0), 0);
	assert_int_equal(hit(fx, &two, "y", T0 + 20), 0);
	/* "y" is full until T0 + W: "x" is not counted either. */
	assert_int_equal(hit_n(fx, h, 3, T0 + 30, &count), W - 30);
	assert_int_equal(count, 0);
	assert_int_equal(hit_n(fx, h, 3, T0 + W, &count), 0);
	assert_int_equal(count, 1);
}

static void check_only_counts_nothing(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_rate_hit h = {&look, "z"};
	long long count;

	for (int i = 0; i < 5; i++)
		assert_int_equal(hit_n(fx, &h, 1, T0, &count), 0);
	assert_int_equal(count, 0);
	/* Counted under the same name, it is seen. */
	assert_int_equal(hit(fx, &two, "z", T0), 0);
	assert_int_equal(hit(fx, &two, "z", T0), 0);
	assert_int_equal(hit_n(fx, &h, 1, T0, &count), W);
}

static void long_keys_are_hashed(void **state)
{
	struct ic_fx *fx = *state;
	char key[600];

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_int_equal(hit(fx, &two, key, T0), 0);
	assert_int_equal(hit(fx, &two, key, T0), 0);
	assert_int_equal(hit(fx, &two, key, T0), W);
}

struct when {
	struct ic_arena *a;
	long long when;
};

static enum ic_err when_in_txn(struct ic_store_txn *t, void *p)
{
	struct when *w = p;

	return ic_due_when_in_txn(t, w->a, IC_RATE_GC_JOB, "all", &w->when);
}

/* The first window's end is when the clean-up is due. */
static long long gc_due(struct ic_fx *fx)
{
	struct when w = {ic_arena_new(0), 0};

	assert_int_equal(ic_fx_txn(fx, NULL, false, when_in_txn, &w), IC_OK);
	ic_arena_free(w.a);
	return w.when;
}

static void clean_up(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct take c = {a, NULL, 0, T0 + W, 0, 0, 0, 0, true};
	static const struct ic_rate_rule longer = {"long", 2, 10 * W, false};

	assert_int_equal(hit(fx, &two, "old", T0), 0);
	assert_int_equal(hit(fx, &longer, "kept", T0), 0);
	assert_int_equal(gc_due(fx), T0 + W);
	assert_int_equal(ic_fx_txn(fx, NULL, true, take_in_txn, &c), IC_OK);
	assert_int_equal(c.removed, 1);
	assert_int_equal(c.next, T0 + 10 * W);
	/* The ended window is gone: a fresh one starts with room. */
	assert_int_equal(hit(fx, &two, "old", T0 + W), 0);
	assert_int_equal(hit(fx, &longer, "kept", T0 + W), 0);
	assert_int_equal(hit(fx, &longer, "kept", T0 + W), 10 * W - W);
	ic_arena_free(a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(same_second),
	        T(window_edge),
	        T(clock_steps_back),
	        T(all_or_nothing),
	        T(check_only_counts_nothing),
	        T(long_keys_are_hashed),
	        T(clean_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
