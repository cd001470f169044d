/*
 * test_views.c - the owner's terminal views (lib/web/views.c): `feed
 * --conversation` shows one page with the bounds of the page before, as
 * the conversation page's "Older messages" does, or with --all every
 * message as one JSON object whose "messages" array is streamed; both
 * parse as JSON, and either marks the conversation read (issue 15).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "fixture.h"
#include "store/store_conv.h"
#include "store/store_msg.h"
#include "web/views.h"

#define CONV "abcdefghijklmnopqrstuvwxyz"
#define BOB  "https://bob.example/"
#define T0   1790000000LL

struct fill {
	long long from, to; /* message pairs from..to (one each way) */
	long long each;     /* pairs in the whole conversation */
};

/* Pair i: ours at T0 + 2i, theirs one second later (fixture.h). */
static enum ic_err fill_txn(struct ic_store_txn *t, void *p)
{
	const struct fill *f = p;
	const struct ic_fx_pairs pairs = {CONV,  BOB,     T0, f->from,
	                                  f->to, f->each, 3};

	return ic_fx_put_pairs(t, &pairs);
}

/* Run the view on a conversation of @p pairs messages each way; its
 * output in *@p out (free()). */
static enum ic_err view(struct ic_fx *fx, long long pairs,
                        const struct ic_view_history *opt, char **out)
{
	struct fill f = {1, pairs, pairs};
	size_t len;
	enum ic_err rc;

	if (!fx->req_open) { /* the first view of the test seeds the store */
		assert_int_equal(ic_fx_open_req(fx, "feed"), IC_OK);
		assert_int_equal(ic_fx_txn(fx, &fx->req, true, fill_txn, &f),
		                 IC_OK);
	}
	fx->req.out = open_memstream(out, &len);
	assert_non_null(fx->req.out);
	rc = ic_view_conversation(&fx->req, "bob.example", opt);
	fclose(fx->req.out);
	fx->req.out = stdout;
	return rc;
}

static void test_views_conversation_json_page_with_older_bounds(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_view_history opt = {.json = true};
	char *out = NULL;
	cJSON *j;

	assert_int_equal(view(fx, 120, &opt, &out), IC_OK);
	j = cJSON_Parse(out);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "messages")),
	                 IC_PAGE_MESSAGES);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "older")));
	assert_int_equal(cJSON_GetObjectItem(j, "out_before")->valuedouble, 71);
	assert_int_equal(cJSON_GetObjectItem(j, "in_before")->valuedouble, 71);
	assert_string_equal(cJSON_GetObjectItem(j, "peer")->valuestring, BOB);
	/* The unread count as found; then it is read. */
	assert_int_equal(cJSON_GetObjectItem(j, "unread")->valuedouble, 3);
	cJSON_Delete(j);
	free(out);
}

static void test_views_conversation_all_streams_valid_json(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_view_history opt = {.json = true, .all = true};
	char *out = NULL;
	const cJSON *msgs, *first;
	cJSON *j;

	assert_int_equal(view(fx, 3 * IC_HISTORY_CHUNK, &opt, &out), IC_OK);
	j = cJSON_Parse(out);
	assert_non_null(j);
	msgs = cJSON_GetObjectItem(j, "messages");
	assert_int_equal(cJSON_GetArraySize(msgs), 6 * IC_HISTORY_CHUNK);
	first = cJSON_GetArrayItem(msgs, 0);
	assert_string_equal(
	        cJSON_GetObjectItem(first, "direction")->valuestring, "out");
	assert_int_equal(cJSON_GetObjectItem(first, "seq")->valuedouble, 1);
	assert_null(cJSON_GetObjectItem(j, "older"));
	cJSON_Delete(j);
	free(out);
}

static void test_views_conversation_text_names_the_older_page(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_view_history opt = {.out_before = 71, .in_before = 71};
	char *out = NULL;

	assert_int_equal(view(fx, 120, &opt, &out), IC_OK);
	assert_non_null(strstr(out, "Conversation with " BOB " (active)\n"));
	assert_non_null(strstr(out, "Older messages: feed --conversation "
	                            "bob.example --out-before 21 "
	                            "--in-before 21\n"));
	free(out);
	/* The last page names none. */
	opt.out_before = opt.in_before = 21;
	assert_int_equal(view(fx, 120, &opt, &out), IC_OK);
	assert_null(strstr(out, "Older messages"));
	free(out);
}

static void test_views_conversation_unknown_peer_not_found(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_view_history opt = {.json = true};
	char *out = NULL;

	assert_int_equal(ic_fx_open_req(fx, "feed"), IC_OK);
	fx->req.out = open_memstream(&out, &(size_t){0});
	assert_int_equal(ic_view_conversation(&fx->req, "nobody.example", &opt),
	                 IC_ERR_NOT_FOUND);
	fclose(fx->req.out);
	fx->req.out = stdout;
	/* Nothing printed, not even half a JSON object. */
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_views_conversation_json_page_with_older_bounds),
	        T(test_views_conversation_all_streams_valid_json),
	        T(test_views_conversation_text_names_the_older_page),
	        T(test_views_conversation_unknown_peer_not_found),
#undef T
	};

	return cmocka_run_group_tests_name("views", tests, NULL, NULL);
}
