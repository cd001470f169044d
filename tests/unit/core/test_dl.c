/* test_dl.c - shared libraries opened at run time (lib/core/dl.c). */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/dl.h"

/* A library that is not there: the sentence names it, no handle. */
static void test_dl_open_missing_library(void **state)
{
	char errbuf[IC_ERRBUF_SIZE] = "";
	void *lib = &lib;

	(void)state;
	assert_int_equal(ic_dl_open("libic-none.so.9", RTLD_LAZY, &lib, errbuf),
	                 IC_ERR_IO);
	assert_null(lib);
	assert_non_null(strstr(errbuf, "cannot load libic-none.so.9: "));
}

/* A function found lands in the slot, callable; one missing leaves the
 * slot as it was and says which library lacks which name. */
static void test_dl_sym_found_and_missing(void **state)
{
	char errbuf[IC_ERRBUF_SIZE] = "";
	size_t (*len)(const char *) = NULL;
	void *lib;

	(void)state;
	assert_int_equal(ic_dl_open("libc.so.6", RTLD_NOW, &lib, errbuf),
	                 IC_OK);
	assert_int_equal(ic_dl_sym(lib, "libc.so.6", "strlen", &len, errbuf),
	                 IC_OK);
	assert_non_null(len);
	assert_int_equal(len("four"), 4);
	assert_int_equal(ic_dl_sym(lib, "libc.so.6", "ic_no_such_function",
	                           &len, errbuf),
	                 IC_ERR_IO);
	assert_string_equal(errbuf, "libc.so.6 has no ic_no_such_function");
	assert_int_equal(len("four"), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dl_open_missing_library),
	        cmocka_unit_test(test_dl_sym_found_and_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
