/* test_buf.c - the capped string buffer (lib/core/buf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"

static void test_buf_init_is_empty_and_terminated(void **state)
{
	struct ic_buf b = IC_BUF_INIT(16);

	(void)state;
	assert_non_null(b.buf);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	ic_buf_release(&b);
}

static void test_buf_add_appends_and_terminates(void **state)
{
	struct ic_buf b = IC_BUF_INIT(64);

	(void)state;
	assert_int_equal(ic_buf_adds(&b, "hello"), IC_OK);
	assert_int_equal(ic_buf_addc(&b, ' '), IC_OK);
	assert_int_equal(ic_buf_addf(&b, "%d-%s", 42, "x"), IC_OK);
	assert_string_equal(b.buf, "hello 42-x");
	assert_int_equal(b.len, 10);
	ic_buf_release(&b);
}

static void test_buf_holds_embedded_nul(void **state)
{
	struct ic_buf b = IC_BUF_INIT(64);

	(void)state;
	assert_int_equal(ic_buf_add(&b, "a\0b", 3), IC_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.buf, "a\0b", 4);
	ic_buf_release(&b);
}

static void test_buf_add_up_to_cap_succeeds(void **state)
{
	struct ic_buf b = IC_BUF_INIT(5);

	(void)state;
	assert_int_equal(ic_buf_adds(&b, "12345"), IC_OK);
	assert_string_equal(b.buf, "12345");
	ic_buf_release(&b);
}

static void test_buf_add_past_cap_fails_and_stays_valid(void **state)
{
	struct ic_buf b = IC_BUF_INIT(5);

	(void)state;
	assert_int_equal(ic_buf_adds(&b, "1234"), IC_OK);
	assert_int_equal(ic_buf_adds(&b, "56"), IC_ERR_TOO_LARGE);
	assert_non_null(b.buf);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	/* Still usable afterwards, with the same cap. */
	assert_int_equal(ic_buf_adds(&b, "ok"), IC_OK);
	assert_string_equal(b.buf, "ok");
	assert_int_equal(ic_buf_addf(&b, "%s", "toolong"), IC_ERR_TOO_LARGE);
	assert_string_equal(b.buf, "");
	ic_buf_release(&b);
}

static void test_buf_huge_length_does_not_overflow(void **state)
{
	struct ic_buf b = IC_BUF_INIT(100);

	(void)state;
	assert_int_equal(ic_buf_adds(&b, "x"), IC_OK);
	assert_int_equal(ic_buf_grow(&b, (size_t)-1), IC_ERR_TOO_LARGE);
	assert_int_equal(b.len, 0);
	ic_buf_release(&b);
}

static void test_buf_take_hands_over_ownership(void **state)
{
	struct ic_buf b = IC_BUF_INIT(64);
	size_t len = 99;
	char *s;

	(void)state;
	assert_int_equal(ic_buf_adds(&b, "mine"), IC_OK);
	s = ic_buf_take(&b, &len);
	assert_string_equal(s, "mine");
	assert_int_equal(len, 4);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	free(s);
	/* Taking an empty buffer still gives a string the caller frees. */
	s = ic_buf_take(&b, NULL);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

static void test_buf_grows_across_many_appends(void **state)
{
	struct ic_buf b = IC_BUF_INIT(100000);

	(void)state;
	for (int i = 0; i < 10000; i++)
		assert_int_equal(ic_buf_addc(&b, (char)('a' + i % 26)), IC_OK);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.buf[25], 'z');
	assert_int_equal(b.buf[10000], '\0');
	ic_buf_release(&b);
}

static void test_buf_truncate_and_reset(void **state)
{
	struct ic_buf b = IC_BUF_INIT(64);

	(void)state;
	assert_int_equal(ic_buf_adds(&b, "abcdef"), IC_OK);
	ic_buf_truncate(&b, 3);
	assert_string_equal(b.buf, "abc");
	ic_buf_truncate(&b, 10);
	assert_string_equal(b.buf, "abc");
	ic_buf_reset(&b);
	assert_string_equal(b.buf, "");
	ic_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_buf_init_is_empty_and_terminated),
	        cmocka_unit_test(test_buf_add_appends_and_terminates),
	        cmocka_unit_test(test_buf_holds_embedded_nul),
	        cmocka_unit_test(test_buf_add_up_to_cap_succeeds),
	        cmocka_unit_test(test_buf_add_past_cap_fails_and_stays_valid),
	        cmocka_unit_test(test_buf_huge_length_does_not_overflow),
	        cmocka_unit_test(test_buf_take_hands_over_ownership),
	        cmocka_unit_test(test_buf_grows_across_many_appends),
	        cmocka_unit_test(test_buf_truncate_and_reset),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
