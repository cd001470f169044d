/* test_curl_lazy.c - libcurl loaded at its first use (lib/core/curl_lazy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/curl_lazy.h"

/* A process that never calls curl never loads it (issue 13: the CGIs
 * that answer without a URL or a request skip its 38 libraries). */
static void test_curl_lazy_not_loaded_until_used(void **state)
{
	(void)state;
	assert_false(ic_curl_loaded());
}

/* Loaded in a thread of its own while the caller goes on; joined before
 * use and before a fork, whose child then has the whole table. */
static void test_curl_lazy_preload_in_a_thread(void **state)
{
	CURL *c;
	pid_t pid;
	int status;

	(void)state;
	ic_curl_preload();
	ic_curl_preload(); /* started once */
	ic_curl_preload_join();
	ic_curl_preload_join(); /* safe to repeat */
	assert_true(ic_curl_loaded());
	ic_curl_preload(); /* loaded: nothing to do */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		c = curl_easy_init();
		_exit(c != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_curl_lazy_first_call_loads_the_real_library(void **state)
{
	CURLU *h;
	char *host = NULL;

	(void)state;
	h = curl_url();
	assert_non_null(h);
	assert_true(ic_curl_loaded());
	assert_int_equal(
	        curl_url_set(h, CURLUPART_URL, "https://Example.COM/a/../b", 0),
	        CURLUE_OK);
	assert_int_equal(curl_url_get(h, CURLUPART_HOST, &host, 0), CURLUE_OK);
	assert_string_equal(host, "Example.COM");
	curl_free(host);
	curl_url_cleanup(h);
	/* Variadic through the table: a real option on a real handle. */
	CURL *c = curl_easy_init();
	assert_non_null(c);
	assert_int_equal(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10L),
	                 CURLE_OK);
	curl_easy_cleanup(c);
}

int main(void)
{
	/* Order matters: the first test runs before anything loads curl. */
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_curl_lazy_not_loaded_until_used),
	        cmocka_unit_test(test_curl_lazy_preload_in_a_thread),
	        cmocka_unit_test(
	                test_curl_lazy_first_call_loads_the_real_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
