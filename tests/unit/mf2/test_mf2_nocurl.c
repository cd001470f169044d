/*
 * test_mf2_nocurl.c - reading one of our own feed pages needs no libcurl
 * (issue 13).  A receiver whose correspondent's hub delivered the private
 * page (feed/receive.h) parses it, sanitizes it and checks its authors'
 * origin (MC-5) without loading libcurl: in CGI mode that load alone
 * costs about as much as the rest of the receiving.  Its own program, so
 * that no other test has loaded libcurl first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/curl_lazy.h"
#include "core/ic_limits.h"
#include "mf2/mf2.h"
#include "mf2/mf2_publish.h"
#include "mf2/sanitize.h"
#include "text/url.h"

#define SITE  "http://alice.localhost:8080/"
#define TOPIC "http://alice.localhost:8080/indiechat/feed/3zzs6io5v2k5z63zz"

static const struct ic_feed_entry entries[] = {
        {TOPIC "#m2-6a11457886", TOPIC "#m2-6a11457886", 1700000060,
         "see https://example.com/x?a=1&b=2 <b>bold</b>",
         /* Issue 15: a reply, its link read without libcurl too. */
         TOPIC "#m1-ef9b9ebb5b", "Grüße, 日本 🎉", 0, false, NULL, 0},
        {TOPIC "#m1-ef9b9ebb5b", TOPIC "#m1-ef9b9ebb5b", 1700000000,
         "Grüße, 日本 🎉\n\nsecond paragraph", NULL, NULL, 0, false, NULL, 0},
};

static void test_reading_our_page_loads_no_libcurl(void **state)
{
	struct ic_feed_page p = {
	        .self_url = TOPIC,
	        .topic_url = TOPIC,
	        .hub_url = "http://alice.localhost:8080/indiechat/feed/hub",
	        .token_endpoint =
	                "http://alice.localhost:8080/indiechat/auth/token",
	        .metadata_url =
	                "http://alice.localhost:8080/indiechat/auth/metadata",
	        .prev_url = TOPIC "/1",
	        .name = "Messages from Alice",
	        .owner = {"Alice", SITE, SITE "me.jpg"},
	        .recipient = {"Bob", "http://bob.localhost:8080/", NULL},
	        .entries = entries,
	        .nentries = 2,
	        .revision = 7,
	        .updated = 1700000060,
	};
	struct ic_buf b = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	struct ic_arena *a = ic_arena_new(0);
	char err[IC_ERRBUF_SIZE] = "", *clean;
	size_t len;
	cJSON *doc;

	(void)state;
	assert_int_equal(ic_mf2_publish_page(&b, &p, err), IC_OK);
	assert_int_equal(ic_mf2_parse(a, b.buf, b.len, TOPIC, &doc, err),
	                 IC_OK);
	assert_int_equal(ic_sanitize_html(a, "<p>x <a href=\"/y\">y</a></p>",
	                                  28, TOPIC, &clean, &len, NULL),
	                 IC_OK);
	assert_true(ic_url_same_origin(SITE, TOPIC));
	assert_false(ic_curl_loaded());
	/* The control: a URL that is not plain does load it. */
	assert_true(ic_url_same_origin("HTTP://Alice.localhost:8080/", TOPIC));
	assert_true(ic_curl_loaded());
	ic_buf_release(&b);
	ic_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reading_our_page_loads_no_libcurl),
	};

	return cmocka_run_group_tests_name("mf2_nocurl", tests, NULL, NULL);
}
