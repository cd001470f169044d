/* test_store_conv.c - conversation records (lib/store/store_conv.c):
 * issue 15's carry list, the seqs of our messages changed in place that
 * the newest feed page carries again (feed/feed_pages.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "fixture.h"
#include "store/store_conv.h"

#define CONV "c1"

static void test_store_conv_carry_moves_a_seq_last_once(void **state)
{
	struct ic_conv c = {0};

	(void)state;
	ic_conv_carry(&c, 3);
	ic_conv_carry(&c, 7);
	ic_conv_carry(&c, 3);
	assert_int_equal(c.ncarry, 2);
	assert_int_equal(c.carry[0], 7);
	assert_int_equal(c.carry[1], 3);
}

static void test_store_conv_carry_full_drops_the_oldest(void **state)
{
	struct ic_conv c = {0};

	(void)state;
	for (long long s = 1; s <= IC_FEED_CARRY_MAX + 2; s++)
		ic_conv_carry(&c, s);
	assert_int_equal(c.ncarry, IC_FEED_CARRY_MAX);
	assert_int_equal(c.carry[0], 3);
	assert_int_equal(c.carry[IC_FEED_CARRY_MAX - 1], IC_FEED_CARRY_MAX + 2);
}

struct rt {
	struct ic_arena *a;
	struct ic_conv in, out;
};

static enum ic_err put_get_txn(struct ic_store_txn *t, void *p)
{
	struct rt *r = p;
	enum ic_err rc = ic_store_conv_put_in_txn(t, r->a, &r->in);

	return rc ? rc : ic_store_conv_get_in_txn(t, r->a, CONV, &r->out);
}

static void test_store_conv_carry_survives_the_record(void **state)
{
	struct ic_fx *fx = *state;
	struct rt r = {.a = ic_arena_new(0)};

	assert_non_null(r.a);
	r.in.id = CONV;
	r.in.peer = "https://bob.example/";
	r.in.state = IC_CONV_ACTIVE;
	r.in.page_size = 10;
	ic_conv_carry(&r.in, 12);
	ic_conv_carry(&r.in, 4);
	assert_int_equal(ic_fx_txn(fx, NULL, true, put_get_txn, &r), IC_OK);
	assert_int_equal(r.out.ncarry, 2);
	assert_int_equal(r.out.carry[0], 12);
	assert_int_equal(r.out.carry[1], 4);
	/* An empty list is no field at all: old records read the same. */
	r.in.ncarry = 0;
	assert_int_equal(ic_fx_txn(fx, NULL, true, put_get_txn, &r), IC_OK);
	assert_int_equal(r.out.ncarry, 0);
	ic_arena_free(r.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_store_conv_carry_moves_a_seq_last_once),
	        cmocka_unit_test(test_store_conv_carry_full_drops_the_oldest),
	        cmocka_unit_test_setup_teardown(
	                test_store_conv_carry_survives_the_record, ic_fx_setup,
	                ic_fx_teardown),
	};

	return cmocka_run_group_tests_name("store_conv", tests, NULL, NULL);
}
