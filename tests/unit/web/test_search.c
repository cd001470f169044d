/*
 * test_search.c - the owner's search faces (lib/web/search.c, issue 15):
 * `feed --search` as text and JSON, one conversation or all, each result
 * linked to its message in the conversation page (bounds that make it
 * the newest shown, and its element id), and received text that cannot
 * reach the terminal as escape sequences.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "store/store_conv.h"
#include "store/store_msg.h"
#include "web/search.h"

#define CONV "abcdefghijklmnopqrstuvwxyz"
#define BOB  "https://bob.example/"
#define T0   1790000000LL

/* Pair i of 1..5: ours (order 2i - 1), then theirs (order 2i). */
static enum ic_err fill_txn(struct ic_store_txn *t, void *p)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_conv c = {0};
	enum ic_err rc = IC_OK;

	(void)p;
	if (a == NULL)
		return IC_ERR_NOMEM;
	for (long long i = 1; rc == IC_OK && i <= 5; i++) {
		for (int d = 0; rc == IC_OK && d < 2; d++) {
			struct ic_msg m = {0};

			m.conv = CONV;
			m.dir = d ? 'i' : 'o';
			m.seq = i;
			m.uid = ic_arena_printf(a, "%s%c/%lld", BOB, m.dir, i);
			m.url = m.uid;
			m.published = m.received = T0 + 2 * i + d;
			m.order = 2 * i - 1 + d;
			m.text = d && i == 3 ? "alert \x1b[31mred\x07 text"
			         : d         ? "their lunch plans"
			                     : "our lunch idea";
			m.author = d ? BOB : IC_FX_ME;
			rc = ic_store_msg_put_in_txn(t, a, &m);
		}
	}
	c.id = CONV;
	c.peer = BOB;
	c.state = IC_CONV_ACTIVE;
	c.created = c.updated = T0;
	c.out_seq = c.in_seq = 5;
	c.page_size = 50;
	c.unread = 2;
	if (rc == IC_OK)
		rc = ic_store_conv_put_in_txn(t, a, &c);
	ic_arena_free(a);
	return rc;
}

static enum ic_err run(struct ic_fx *fx, const char *q, const char *url,
                       bool json, char **out)
{
	size_t len;
	enum ic_err rc;

	if (!fx->req_open) {
		assert_int_equal(ic_fx_open_req(fx, "feed"), IC_OK);
		assert_int_equal(ic_fx_txn(fx, &fx->req, true, fill_txn, NULL),
		                 IC_OK);
	}
	fx->req.out = open_memstream(out, &len);
	assert_non_null(fx->req.out);
	rc = ic_view_search(&fx->req, q, url, json);
	fclose(fx->req.out);
	fx->req.out = stdout;
	return rc;
}

static void test_search_json_links_to_the_message(void **state)
{
	struct ic_fx *fx = *state;
	char *out = NULL;
	const cJSON *r, *first;
	cJSON *j;

	assert_int_equal(run(fx, "lunch", "bob.example", true, &out), IC_OK);
	j = cJSON_Parse(out);
	assert_non_null(j);
	r = cJSON_GetObjectItem(j, "results");
	assert_int_equal(cJSON_GetArraySize(r), 9); /* not their 3rd */
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "more")));
	first = cJSON_GetArrayItem(r, 0);
	assert_string_equal(
	        cJSON_GetObjectItem(first, "direction")->valuestring, "in");
	assert_string_equal(cJSON_GetObjectItem(first, "peer")->valuestring,
	                    BOB);
	/* Theirs 5 came after ours 1..5: all of ours are older. */
	assert_non_null(strstr(cJSON_GetObjectItem(first, "link")->valuestring,
	                       "/feed/with/" CONV
	                       "?out_before=6&in_before=6#m-i-5"));
	/* Ours 5 came after theirs 1..4. */
	assert_non_null(
	        strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(r, 1), "link")
	                       ->valuestring,
	               "?out_before=6&in_before=5#m-o-5"));
	cJSON_Delete(j);
	free(out);
}

static void test_search_text_is_clean_and_changes_nothing(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_store *st;
	struct ic_conv c;
	char *out = NULL;

	/* Escape bytes split words and never reach the terminal. */
	assert_int_equal(run(fx, "alert", NULL, false, &out), IC_OK);
	assert_non_null(strstr(out, "<< " BOB "  alert  [31mred  text\n"));
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	free(out);
	assert_int_equal(run(fx, "nothing", NULL, false, &out), IC_OK);
	assert_string_equal(out, "No messages match.\n");
	free(out);
	/* Searching reads: the unread count stays. */
	assert_int_equal(ic_req_store(&fx->req, &st), IC_OK);
	assert_int_equal(
	        ic_store_conv_get(st, fx->req.arena, CONV, &c, fx->req.errbuf),
	        IC_OK);
	assert_int_equal(c.unread, 2);
}

static void test_search_bad_input_and_unknown_peer(void **state)
{
	struct ic_fx *fx = *state;
	char *out = NULL;

	assert_int_equal(run(fx, "x", NULL, false, &out), IC_ERR_BAD_INPUT);
	free(out);
	assert_int_equal(run(fx, "lunch", "carol.example", false, &out),
	                 IC_ERR_NOT_FOUND);
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_search_json_links_to_the_message),
	        T(test_search_text_is_clean_and_changes_nothing),
	        T(test_search_bad_input_and_unknown_peer),
#undef T
	};

	return cmocka_run_group_tests_name("web_search", tests, NULL, NULL);
}
