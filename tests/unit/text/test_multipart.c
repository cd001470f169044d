/*
 * test_multipart.c - multipart/form-data as a browser sends the compose
 * form with files (RFC 7578), and the bodies it must refuse: no boundary,
 * no closing line, a part without a name, too many parts, endless
 * headers (issue 15).  Arbitrary bytes: tests/fuzz/fuzz_multipart.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/ic_limits.h"
#include "text/multipart.h"

#define CT "multipart/form-data; boundary=----WebKitFormBoundaryx7"
#define B  "------WebKitFormBoundaryx7"

static enum ic_err parse(struct ic_arena *a, const char *ct, const char *body,
                         size_t len, struct ic_multipart *m, char *errbuf)
{
	return ic_multipart_parse(m, a, ct, body, len, errbuf);
}

static void test_multipart_browser_form_with_two_files(void **state)
{
	static const char body[] =
	        "preamble is ignored\r\n" B "\r\n"
	        "Content-Disposition: form-data; name=\"text\"\r\n\r\n"
	        "hello\r\nworld\r\n" B "\r\n"
	        "Content-Disposition: form-data; name=\"file\"; "
	        "filename=\"a \\\"b\\\".png\"\r\n"
	        "Content-Type: image/png\r\n\r\n"
	        "\x89PNG\r\n\x1a\n\0\0\r\n" B "\r\n"
	        "content-disposition: form-data; name=\"file\"; filename=\"\"\r\n"
	        "Content-Type: application/octet-stream\r\n\r\n"
	        "\r\n" B "--\r\nepilogue";
	struct ic_arena *a = ic_arena_new(0);
	struct ic_multipart m;

	(void)state;
	assert_int_equal(parse(a, CT, body, sizeof(body) - 1, &m, NULL), IC_OK);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.parts[0].name, "text");
	assert_null(m.parts[0].filename);
	assert_int_equal(m.parts[0].len, 12);
	assert_memory_equal(m.parts[0].data, "hello\r\nworld", 12);
	assert_string_equal(m.parts[1].filename, "a \"b\".png");
	assert_string_equal(m.parts[1].type, "image/png");
	assert_int_equal(m.parts[1].len, 10);
	assert_memory_equal(m.parts[1].data, "\x89PNG\r\n\x1a\n\0\0", 10);
	assert_string_equal(m.parts[2].filename, "");
	assert_int_equal(m.parts[2].len, 0);
	assert_ptr_equal(ic_multipart_get(&m, "file"), &m.parts[1]);
	assert_null(ic_multipart_get(&m, "nope"));
	ic_arena_free(a);
}

static void test_multipart_refuses_what_is_not_a_form(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE];
	struct ic_multipart m;
	char long_ct[200];

	(void)state;
	assert_int_equal(parse(a, "application/x-www-form-urlencoded", "a=b", 3,
	                       &m, errbuf),
	                 IC_ERR_MEDIA_TYPE);
	assert_int_equal(parse(a, "multipart/form-data", "", 0, &m, errbuf),
	                 IC_ERR_MEDIA_TYPE);
	assert_int_equal(parse(a, NULL, "", 0, &m, errbuf), IC_ERR_MEDIA_TYPE);
	snprintf(long_ct, sizeof(long_ct),
	         "multipart/form-data; boundary=%071d", 0);
	assert_int_equal(parse(a, long_ct, "", 0, &m, errbuf),
	                 IC_ERR_MEDIA_TYPE);
	assert_non_null(strstr(errbuf, "boundary"));
	/* No closing line, no delimiter at all, a nameless part. */
	assert_int_equal(parse(a, CT, B "\r\n\r\nx", 31, &m, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(parse(a, CT, "x", 1, &m, errbuf), IC_ERR_BAD_INPUT);
	{
		static const char nameless[] =
		        B "\r\nContent-Type: text/plain\r\n\r\nx\r\n" B "--";

		assert_int_equal(parse(a, CT, nameless, sizeof(nameless) - 1,
		                       &m, errbuf),
		                 IC_ERR_BAD_INPUT);
		assert_int_equal(m.n, 0);
	}
	ic_arena_free(a);
}

static void test_multipart_limits(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE];
	struct ic_multipart m;
	static char body[64 * 1024];
	size_t n = 0;

	(void)state;
	for (int i = 0; i <= IC_MAX_MULTIPART_PARTS; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
		                      B "\r\nContent-Disposition: form-data; "
		                        "name=\"f%d\"\r\n\r\nx\r\n",
		                      i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, B "--");
	assert_int_equal(parse(a, CT, body, n, &m, errbuf), IC_ERR_TOO_LARGE);
	assert_int_equal(m.n, 0);
	/* A header block that never ends. */
	n = (size_t)snprintf(body, sizeof(body), B "\r\nX-A: ");
	memset(body + n, 'a', IC_MAX_MULTIPART_HEADER_BYTES + 100);
	n += IC_MAX_MULTIPART_HEADER_BYTES + 100;
	n += (size_t)snprintf(body + n, sizeof(body) - n,
	                      "\r\n\r\nx\r\n" B "--");
	assert_int_equal(parse(a, CT, body, n, &m, errbuf), IC_ERR_TOO_LARGE);
	ic_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_multipart_browser_form_with_two_files),
	        cmocka_unit_test(test_multipart_refuses_what_is_not_a_form),
	        cmocka_unit_test(test_multipart_limits),
	};

	return cmocka_run_group_tests_name("multipart", tests, NULL, NULL);
}
