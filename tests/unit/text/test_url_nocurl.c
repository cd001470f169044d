/* test_url_nocurl.c - URLs and requests when libcurl cannot be loaded
 * (lib/core/curl_lazy.c built here with a soname that does not exist):
 * an error with a sentence, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

/* This program's own copy of the loader, pointed at nothing; the
 * library's copy is then never linked in (same symbols, found here). */
#define IC_CURL_SONAME "libcurl-not-installed-for-this-test.so.0"
#include "../../../lib/core/curl_lazy.c"

#include "core/arena.h"
#include "core/err.h"
#include "text/url.h"

static void test_url_nocurl_errors_not_crashes(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE] = "";
	char *out = NULL;

	(void)state;
	assert_non_null(a);
	assert_int_not_equal(
	        ic_url_normalize(a, "https://example.com/", &out, errbuf),
	        IC_OK);
	assert_null(out);
	assert_true(strlen(errbuf) > 0);
	assert_false(ic_curl_loaded());
	ic_arena_free(a);
}

static void test_url_nocurl_stand_ins_answer_as_failures(void **state)
{
	char *part = (char *)1;

	(void)state;
	assert_null(curl_easy_init());
	assert_null(curl_url());
	assert_null(curl_slist_append(NULL, "x: y"));
	assert_int_equal(curl_easy_perform(NULL), CURLE_FAILED_INIT);
	assert_int_equal(curl_easy_setopt(NULL, CURLOPT_TIMEOUT_MS, 1L),
	                 CURLE_FAILED_INIT);
	assert_int_equal(curl_url_get(NULL, CURLUPART_HOST, &part, 0),
	                 CURLUE_OUT_OF_MEMORY);
	assert_null(part);
	assert_string_equal(curl_easy_strerror(CURLE_OK),
	                    "libcurl could not be loaded");
	curl_free(NULL);
	curl_slist_free_all(NULL);
	curl_url_cleanup(NULL);
	curl_easy_cleanup(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_url_nocurl_errors_not_crashes),
	        cmocka_unit_test(test_url_nocurl_stand_ins_answer_as_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
