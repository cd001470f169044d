/* test_err.c - error codes and messages (lib/core/err.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/err.h"

static void test_err_every_code_has_a_sentence(void **state)
{
	(void)state;
	for (int c = 0; c < IC_ERR_LAST; c++) {
		const char *s = ic_strerror((enum ic_err)c);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		assert_string_not_equal(s, "unknown error");
	}
	assert_string_equal(ic_strerror((enum ic_err)999), "unknown error");
}

static void test_err_codes_keep_their_numbers(void **state)
{
	(void)state;
	/* Numbers are fixed forever: logs and peers may quote them. */
	assert_int_equal(IC_OK, 0);
	assert_int_equal(IC_ERR_BAD_INPUT, 1);
	assert_int_equal(IC_ERR_TOO_LARGE, 2);
	assert_int_equal(IC_ERR_DATABASE, 10);
	assert_int_equal(IC_ERR_BLOCKED, 16);
}

static void test_err_failf_is_one_line(void **state)
{
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	ic_failf(errbuf, "field %s\nbad\r", "x");
	assert_string_equal(errbuf, "field x bad ");
	ic_failf(NULL, "ignored %d", 1);
}

static void test_err_failf_truncates_long_messages(void **state)
{
	char errbuf[IC_ERRBUF_SIZE];
	char big[1000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ic_failf(errbuf, "%s", big);
	assert_int_equal(strlen(errbuf), IC_ERRBUF_SIZE - 1);
}

static void test_err_fail_returns_code(void **state)
{
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(ic_fail(errbuf, IC_ERR_GONE, "retired %s", "cb"),
	                 IC_ERR_GONE);
	assert_string_equal(errbuf, "retired cb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_err_every_code_has_a_sentence),
	        cmocka_unit_test(test_err_codes_keep_their_numbers),
	        cmocka_unit_test(test_err_failf_is_one_line),
	        cmocka_unit_test(test_err_failf_truncates_long_messages),
	        cmocka_unit_test(test_err_fail_returns_code),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
