/*
 * test_reply.c - replies to one message (issue 15) through the layers
 * that carry them: the store record (old records stay readable), the
 * quote, the feed markup (u-in-reply-to and the visible fallback quote
 * outside e-content), our parser reading that markup back, and the
 * receiver's choice of what a hostile in-reply-to may name.  The same
 * between two real sites: tests/integration/test_replies.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "core/ic_limits.h"
#include "feed/receive.h"
#include "fixture.h"
#include "mf2/mf2.h"
#include "mf2/mf2_publish.h"
#include "store/store_msg.h"

#define TOPIC "https://alice.example/indiechat/feed/abcdefghijklmnopqrstuvwxyz"
#define ALICE "https://alice.example/"
#define BOB   "https://bob.example/"
#define CAROL "https://carol.example/"
#define CONV  "abcdefghijklmnopqrstuvwxyz"
#define OTHER "zyxwvutsrqponmlkjihgfedcba"
#define T1    1700000000
/* ic_fx_put_pairs()'s uids: PEER, direction, seq. */
#define BOB_I1   BOB "i/1"
#define CAROL_I1 CAROL "i/1"

static struct ic_feed_page page_of(const struct ic_feed_entry *e, size_t n)
{
	struct ic_feed_page p = {
	        .self_url = TOPIC,
	        .topic_url = TOPIC,
	        .hub_url = "https://alice.example/indiechat/hub",
	        .token_endpoint = "https://alice.example/indiechat/token",
	        .metadata_url = "https://alice.example/indiechat/metadata",
	        .name = "Alice to Bob",
	        .owner = {"Alice", ALICE, NULL},
	        .recipient = {"Bob", BOB, NULL},
	        .entries = e,
	        .nentries = n,
	        .revision = 1,
	        .updated = T1,
	};
	return p;
}

static char *render(const struct ic_feed_entry *e, size_t n, enum ic_err *rc)
{
	struct ic_buf out = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	struct ic_feed_page p = page_of(e, n);
	char *html;

	*rc = ic_mf2_publish_page(&out, &p, NULL);
	html = strdup(out.buf ? out.buf : "");
	ic_buf_release(&out);
	return html;
}

/* The reply's link is the u-in-reply-to, its text the quote (escaped),
 * and both come before e-content: the message's text stays the text. */
static void test_reply_feed_markup(void **state)
{
	const struct ic_feed_entry e[] = {
	        {TOPIC "#m2-00000000aa", TOPIC "#m2-00000000aa", T1 + 60,
	         "yes, <b>that</b>", TOPIC "#m1-0000000001",
	         "are you <coming> & when?", 0, false, NULL, 0},
	        {"tag:alice.example,2026:m3", TOPIC "#m3", T1 + 90, "and this",
	         "tag:bob.example,2026:x", NULL, 0, false, NULL, 0},
	};
	enum ic_err rc;
	char *html = render(e, 2, &rc), *link, *content;

	(void)state;
	assert_int_equal(rc, IC_OK);
	link = strstr(html, "<a class=\"u-in-reply-to\" href=\"" TOPIC
	                    "#m1-0000000001\">are you &lt;coming&gt; &amp; "
	                    "when?</a>");
	assert_non_null(link);
	assert_non_null(strstr(html,
	                       "<p class=\"reply-context\">\xe2\x86\xaa "
	                       "In reply to: <a class=\"u-in-reply-to\""));
	content = strstr(html, "<div class=\"e-content\">");
	assert_non_null(content);
	assert_true(link < content);
	/* A uid that is no http(s) URL: a <data> value; no quote shows the
	 * uid. */
	assert_non_null(strstr(html, "<data class=\"u-in-reply-to\" "
	                             "value=\"tag:bob.example,2026:x\">"
	                             "tag:bob.example,2026:x</data>"));
	free(html);
}

static void test_reply_feed_refuses_unwritable_targets(void **state)
{
	const char *bad[] = {"javascript:alert(1)", "JavaScript:alert(1)",
	                     "data:text/html,x",    "has space",
	                     "tab\there",           ""};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ic_feed_entry e = {
		        TOPIC "#m1", TOPIC "#m1", T1,    "x",  bad[i],
		        NULL,        0,           false, NULL, 0};
		enum ic_err rc;
		char *html = render(&e, 1, &rc);

		assert_false(ic_mf2_publish_reply_ok(bad[i]));
		assert_int_equal(rc, IC_ERR_BAD_INPUT);
		free(html);
	}
	assert_true(ic_mf2_publish_reply_ok(TOPIC "#m1-0000000001"));
	assert_true(ic_mf2_publish_reply_ok("urn:uuid:1234"));
}

/* The first h-entry of a parsed page. */
static const cJSON *first_entry(const cJSON *doc)
{
	const cJSON *feed = cJSON_GetArrayItem(
	        cJSON_GetObjectItemCaseSensitive(doc, "items"), 0);

	return cJSON_GetArrayItem(
	        cJSON_GetObjectItemCaseSensitive(feed, "children"), 0);
}

/* What our own parser (and so the receiver) reads from the markup: the
 * in-reply-to, and a content without the fallback quote. */
static void test_reply_markup_parses_back(void **state)
{
	const struct ic_feed_entry e = {TOPIC "#m2-00000000aa",
	                                TOPIC "#m2-00000000aa",
	                                T1 + 60,
	                                "yes, that",
	                                TOPIC "#m1-0000000001",
	                                "are you coming?",
	                                0,
	                                false,
	                                NULL,
	                                0};
	struct ic_arena *a = ic_arena_new(0);
	enum ic_err rc;
	char *html = render(&e, 1, &rc);
	const cJSON *entry, *content, *props;
	cJSON *doc = NULL;
	bool claimed = false;

	(void)state;
	assert_int_equal(rc, IC_OK);
	assert_int_equal(ic_mf2_parse(a, html, strlen(html), TOPIC, &doc, NULL),
	                 IC_OK);
	entry = first_entry(doc);
	assert_non_null(entry);
	props = cJSON_GetObjectItemCaseSensitive(entry, "properties");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	                                               props, "in-reply-to"),
	                                       0)
	                            ->valuestring,
	                    TOPIC "#m1-0000000001");
	content = cJSON_GetArrayItem(
	        cJSON_GetObjectItemCaseSensitive(props, "content"), 0);
	assert_string_equal(
	        cJSON_GetObjectItemCaseSensitive(content, "value")->valuestring,
	        "yes, that");
	assert_null(strstr(
	        cJSON_GetObjectItemCaseSensitive(content, "html")->valuestring,
	        "In reply to"));
	assert_string_equal(ic_receive_reply_target(entry, &claimed),
	                    TOPIC "#m1-0000000001");
	assert_true(claimed);
	free(html);
	ic_arena_free(a);
}

/* Two conversations: CONV with bob, OTHER with carol. */
static enum ic_err two_convs_txn(struct ic_store_txn *t, void *p)
{
	const struct ic_fx_pairs bob = {CONV, BOB, T1, 1, 2, 2, 0};
	const struct ic_fx_pairs carol = {OTHER, CAROL, T1, 1, 2, 2, 0};
	enum ic_err rc = ic_fx_put_pairs(t, &bob);
	struct ic_arena *a = p;
	/* A message of bob's whose uid is a script URL: a peer chooses its
	 * uids, and a reply must still never name it. */
	struct ic_msg m = {.conv = CONV,
	                   .dir = 'i',
	                   .seq = 3,
	                   .uid = "javascript:alert(1)",
	                   .published = T1 + 9,
	                   .text = "x",
	                   .author = BOB};

	if (rc == IC_OK)
		rc = ic_fx_put_pairs(t, &carol);
	return rc == IC_OK ? ic_store_msg_put_in_txn(t, a, &m) : rc;
}

struct resolve {
	const char *json; /* the h-entry */
	struct ic_msg m;
};

static enum ic_err resolve_txn(struct ic_store_txn *t, void *p)
{
	struct resolve *r = p;
	cJSON *e = cJSON_Parse(r->json);

	assert_non_null(e);
	memset(&r->m, 0, sizeof(r->m));
	r->m.conv = CONV;
	ic_receive_reply_in_txn(t, e, &r->m);
	/* Keep the answer past the tree (it points into it). */
	if (r->m.in_reply_to) {
		static char keep[512];

		snprintf(keep, sizeof(keep), "%s", r->m.in_reply_to);
		r->m.in_reply_to = keep;
	}
	cJSON_Delete(e);
	return IC_OK;
}

/* In conversation CONV, the entry @p json answers: the uid kept, or NULL;
 * *unknown when it named something not kept. */
static const char *resolve(struct ic_fx *fx, const char *json, bool *unknown)
{
	struct resolve r = {json, {0}};

	assert_int_equal(ic_fx_txn(fx, NULL, false, resolve_txn, &r), IC_OK);
	*unknown = r.m.reply_unknown;
	return r.m.in_reply_to;
}

#define ENTRY(irt)                                                             \
	"{\"type\":[\"h-entry\"],\"properties\":{\"in-reply-to\":[" irt "]}}"

static void test_reply_receive_keeps_only_this_conversations_uids(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	char long_uid[IC_MAX_UID_BYTES + 64], json[IC_MAX_UID_BYTES + 200];
	bool unknown;

	assert_int_equal(ic_fx_txn(fx, NULL, true, two_convs_txn, a), IC_OK);
	/* Theirs and ours, as a string and as an h-cite. */
	assert_string_equal(resolve(fx, ENTRY("\"" BOB_I1 "\""), &unknown),
	                    BOB_I1);
	assert_false(unknown);
	assert_string_equal(
	        resolve(fx,
	                ENTRY("{\"type\":[\"h-cite\"],"
	                      "\"properties\":{\"url\":[\"" BOB "o/2\"]}}"),
	                &unknown),
	        BOB "o/2");
	/* Nothing claimed: no reply at all. */
	assert_null(resolve(fx, "{\"type\":[\"h-entry\"],\"properties\":{}}",
	                    &unknown));
	assert_false(unknown);
	/* Hostile: another conversation's uid, a script URL (even one that
	 * is a stored uid here), a space, an unknown URL, not a string. */
	assert_null(resolve(fx, ENTRY("\"" CAROL_I1 "\""), &unknown));
	assert_true(unknown);
	assert_null(resolve(fx, ENTRY("\"javascript:alert(1)\""), &unknown));
	assert_true(unknown);
	assert_null(resolve(fx, ENTRY("\"" BOB "i/1 x\""), &unknown));
	assert_true(unknown);
	assert_null(
	        resolve(fx, ENTRY("\"https://bob.example/nope\""), &unknown));
	assert_true(unknown);
	assert_null(resolve(fx, ENTRY("42"), &unknown));
	assert_true(unknown);
	/* Overlong: past IC_MAX_UID_BYTES. */
	memset(long_uid, 'a', sizeof(long_uid) - 1);
	long_uid[sizeof(long_uid) - 1] = '\0';
	memcpy(long_uid, BOB_I1, strlen(BOB_I1));
	snprintf(json, sizeof(json), ENTRY("\"%s\""), long_uid);
	assert_null(resolve(fx, json, &unknown));
	assert_true(unknown);
	ic_arena_free(a);
}

struct roundtrip {
	struct ic_arena *a;
	struct ic_msg *out, *in, target;
	size_t nout, nin;
	enum ic_err found;
};

static enum ic_err roundtrip_put_txn(struct ic_store_txn *t, void *p)
{
	struct roundtrip *r = p;
	struct ic_msg reply = {.conv = CONV,
	                       .dir = 'o',
	                       .seq = 3,
	                       .uid = TOPIC "#m3",
	                       .published = T1 + 20,
	                       .text = "yes",
	                       .author = ALICE,
	                       .in_reply_to = BOB_I1};
	struct ic_msg lost = {.conv = CONV,
	                      .dir = 'i',
	                      .seq = 3,
	                      .uid = BOB "i/3",
	                      .published = T1 + 21,
	                      .text = "?",
	                      .author = BOB,
	                      .reply_unknown = true};
	const struct ic_fx_pairs bob = {CONV, BOB, T1, 1, 2, 2, 0};
	enum ic_err rc = ic_fx_put_pairs(t, &bob);

	if (rc == IC_OK)
		rc = ic_store_msg_put_in_txn(t, r->a, &reply);
	return rc == IC_OK ? ic_store_msg_put_in_txn(t, r->a, &lost) : rc;
}

static enum ic_err roundtrip_get_txn(struct ic_store_txn *t, void *p)
{
	struct roundtrip *r = p;
	enum ic_err rc = ic_store_msg_range_in_txn(t, r->a, CONV, 'o', 1, 3,
	                                           &r->out, &r->nout);

	if (rc == IC_OK)
		rc = ic_store_msg_range_in_txn(t, r->a, CONV, 'i', 1, 3, &r->in,
		                               &r->nin);
	if (rc == IC_OK)
		r->found = ic_store_msg_by_uid_in_txn(t, r->a, CONV, BOB_I1,
		                                      &r->target);
	return rc;
}

/* The record keeps the reply; records without it (every older one)
 * read as no reply; the uid lookup finds a message of either side. */
static void test_reply_store_record(void **state)
{
	struct roundtrip r = {0};

	r.a = ic_arena_new(0);
	assert_int_equal(ic_fx_txn(*state, NULL, true, roundtrip_put_txn, &r),
	                 IC_OK);
	assert_int_equal(ic_fx_txn(*state, NULL, false, roundtrip_get_txn, &r),
	                 IC_OK);
	assert_int_equal(r.nout, 3);
	assert_int_equal(r.nin, 3);
	assert_null(r.out[0].in_reply_to);
	assert_false(r.out[0].reply_unknown);
	assert_string_equal(r.out[2].in_reply_to, BOB_I1);
	assert_false(r.out[2].reply_unknown);
	assert_null(r.in[2].in_reply_to);
	assert_true(r.in[2].reply_unknown);
	assert_int_equal(r.found, IC_OK);
	assert_int_equal(r.target.dir, 'i');
	assert_int_equal(r.target.seq, 1);
	ic_arena_free(r.a);
}

/* The quote: the first non-blank line, spaces folded, cut at a
 * character boundary with "…". */
static void test_reply_quote(void **state)
{
	struct ic_arena *a = ic_arena_new(0);

	(void)state;
	assert_string_equal(ic_msg_quote(a, "  hello   there ", 80),
	                    "hello there");
	assert_string_equal(ic_msg_quote(a, "\n\nfirst\nsecond", 80),
	                    "first\xe2\x80\xa6");
	assert_string_equal(ic_msg_quote(a, "abcdefghij", 5),
	                    "abcde\xe2\x80\xa6");
	/* "é" is two bytes: never cut in half. */
	assert_string_equal(ic_msg_quote(a, "abcd\xc3\xa9z", 5),
	                    "abcd\xe2\x80\xa6");
	assert_string_equal(ic_msg_quote(a, NULL, 80), "");
	ic_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_reply_feed_markup),
	        T(test_reply_feed_refuses_unwritable_targets),
	        T(test_reply_markup_parses_back),
	        T(test_reply_receive_keeps_only_this_conversations_uids),
	        T(test_reply_store_record),
	        T(test_reply_quote),
#undef T
	};

	return cmocka_run_group_tests_name("reply", tests, NULL, NULL);
}
