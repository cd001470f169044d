/*
 * test_store_search.c - the message search (lib/store/store_index.c,
 * lib/store/store_search.c, issue 15): words and prefixes, AND, one
 * conversation or all, both directions, newest first, the limits, the
 * index kept in the storing transaction (an overwrite re-indexes), the
 * lazy build for messages stored before the index, and hostile queries.
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
#include "store/store_index.h"
#include "store/store_msg.h"
#include "store/store_search.h"

#define C1  "conv1conv1conv1conv1conv1c"
#define C2  "conv2conv2conv2conv2conv2c"
#define BOB "https://bob.example/"
#define T0  1790000000LL

struct put {
	const char *conv;
	char dir;
	long long seq, received;
	const char *text;
	bool update;
};

static enum ic_err put_txn(struct ic_store_txn *t, void *p)
{
	const struct put *w = p;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_msg m = {0};
	enum ic_err rc;

	if (a == NULL)
		return IC_ERR_NOMEM;
	m.conv = w->conv;
	m.dir = w->dir;
	m.seq = w->seq;
	m.uid = ic_arena_printf(a, "%s%s/%c/%lld", BOB, w->conv, w->dir,
	                        w->seq);
	m.url = m.uid;
	m.published = m.received = w->received;
	m.order = w->seq;
	m.text = w->text;
	m.author = w->dir == 'i' ? BOB : IC_FX_ME;
	rc = w->update ? ic_store_msg_update_in_txn(t, a, &m)
	               : ic_store_msg_put_in_txn(t, a, &m);
	ic_arena_free(a);
	return rc;
}

static void put(struct ic_fx *fx, const char *conv, char dir, long long seq,
                const char *text)
{
	struct put w = {conv, dir,  seq, T0 + seq * 10 + (dir == 'i'),
	                text, false};

	assert_int_equal(ic_fx_txn(fx, &fx->req, true, put_txn, &w), IC_OK);
}

static struct ic_store *open_store(struct ic_fx *fx)
{
	struct ic_store *st;

	assert_int_equal(ic_fx_open_req(fx, "feed"), IC_OK);
	assert_int_equal(ic_req_store(&fx->req, &st), IC_OK);
	return st;
}

static struct ic_search find(struct ic_fx *fx, const char *q, const char *conv,
                             size_t limit)
{
	struct ic_store *st;
	struct ic_search s;
	char errbuf[IC_ERRBUF_SIZE] = "";

	assert_int_equal(ic_req_store(&fx->req, &st), IC_OK);
	if (ic_store_search(st, fx->req.arena, q, conv, limit, &s, errbuf) !=
	    IC_OK)
		fail_msg("search %s: %s", q, errbuf);
	return s;
}

/* Three messages each way in two conversations. */
static void corpus(struct ic_fx *fx)
{
	open_store(fx);
	put(fx, C1, 'o', 1, "Hello Bob, shall we meet for lunch?");
	put(fx, C1, 'i', 1, "Yes! Lunch at the Harbour Café, 12:30.");
	put(fx, C1, 'o', 2, "Perfect, see you at the harbour");
	put(fx, C2, 'o', 1, "The report is due on Friday");
	put(fx, C2, 'i', 1, "I will send the REPORT tomorrow");
	put(fx, C2, 'i', 2, "helpful notes attached");
}

static void test_search_word_both_directions_newest_first(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_search s;

	corpus(fx);
	s = find(fx, "lunch", NULL, 50);
	assert_int_equal(s.n, 2);
	assert_false(s.more);
	assert_int_equal(s.r[0].dir, 'i'); /* received later */
	assert_int_equal(s.r[1].dir, 'o');
	assert_string_equal(s.r[0].conv, C1);
	/* Case folds; the excerpt marks the word as written. */
	s = find(fx, "REPORT", NULL, 50);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.r[0].excerpt, "I will send the REPORT tomorrow");
	assert_int_equal(s.r[0].mark_at, 16);
	assert_int_equal(s.r[0].mark_len, 6);
	/* Non-ASCII bytes are letters: "Café" is one word. */
	s = find(fx, "café", NULL, 50);
	assert_int_equal(s.n, 1);
	s = find(fx, "caf", NULL, 50);
	assert_int_equal(s.n, 1);
}

static void test_search_prefix_and_and(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_search s;

	corpus(fx);
	/* The last word is a prefix: "hel" finds hello and helpful. */
	s = find(fx, "hel", NULL, 50);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.r[0].excerpt, "helpful notes attached");
	/* Every word must match; the last as a prefix. */
	s = find(fx, "the harb", NULL, 50);
	assert_int_equal(s.n, 2);
	s = find(fx, "see harb", NULL, 50);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].seq, 2);
	s = find(fx, "harbour lunch", NULL, 50);
	assert_int_equal(s.n, 1);
	/* Words before the last are whole words: "harb" is not "harbour". */
	s = find(fx, "harb lunch", NULL, 50);
	assert_int_equal(s.n, 0);
	s = find(fx, "nothing", NULL, 50);
	assert_int_equal(s.n, 0);
}

static void test_search_one_conversation(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_search s;

	corpus(fx);
	s = find(fx, "the", NULL, 50);
	assert_int_equal(s.n, 4);
	s = find(fx, "the", C2, 50);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.r[0].conv, C2);
	assert_string_equal(s.r[1].conv, C2);
	s = find(fx, "th", C1, 50);
	assert_int_equal(s.n, 2);
	s = find(fx, "the", "noconversation", 50);
	assert_int_equal(s.n, 0);
}

static void test_search_limit_says_more(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_search s;

	open_store(fx);
	for (long long i = 1; i <= 30; i++)
		put(fx, i % 2 ? C1 : C2, 'o', i, "common words here");
	s = find(fx, "common", NULL, 10);
	assert_int_equal(s.n, 10);
	assert_true(s.more);
	assert_int_equal(s.r[0].seq, 30);
	for (size_t i = 1; i < s.n; i++)
		assert_true(s.r[i].received < s.r[i - 1].received);
	s = find(fx, "com", C1, 15);
	assert_int_equal(s.n, 15);
	assert_false(s.more);
	s = find(fx, "here common", NULL, 50);
	assert_int_equal(s.n, 30);
	assert_false(s.more);
}

static void test_search_update_reindexes(void **state)
{
	struct ic_fx *fx = *state;
	struct put w = {C1, 'o', 1, T0, "first words", false};
	struct ic_search s;

	open_store(fx);
	assert_int_equal(ic_fx_txn(fx, &fx->req, true, put_txn, &w), IC_OK);
	w.text = "second text";
	w.update = true;
	assert_int_equal(ic_fx_txn(fx, &fx->req, true, put_txn, &w), IC_OK);
	assert_int_equal(find(fx, "first", NULL, 50).n, 0);
	s = find(fx, "second", NULL, 50);
	assert_int_equal(s.n, 1);
	/* A known uid writes nothing, the index neither. */
	w.update = false;
	w.text = "third";
	assert_int_equal(ic_fx_txn(fx, &fx->req, true, put_txn, &w),
	                 IC_ERR_CONFLICT);
	assert_int_equal(find(fx, "third", NULL, 50).n, 0);
}

static enum ic_err conv_txn(struct ic_store_txn *t, void *p)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_conv c = {0};
	enum ic_err rc;

	(void)p;
	if (a == NULL)
		return IC_ERR_NOMEM;
	c.id = C1;
	c.peer = BOB;
	c.state = IC_CONV_ACTIVE;
	c.created = c.updated = T0;
	c.out_seq = 300;
	c.page_size = 50;
	rc = ic_store_conv_put_in_txn(t, a, &c);
	ic_arena_free(a);
	return rc;
}

static void test_search_builds_index_of_older_messages(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_search s;

	open_store(fx);
	/* Stored as an older program would: no postings. */
	ic_store_index_enable(false);
	for (long long i = 1; i <= 300; i++)
		put(fx, C1, 'o', i, i == 299 ? "needle" : "hay");
	ic_store_index_enable(true);
	assert_int_equal(ic_fx_txn(fx, &fx->req, true, conv_txn, NULL), IC_OK);
	s = find(fx, "needle", NULL, 50);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].seq, 299);
	assert_int_equal(find(fx, "hay", NULL, 50).n, 50);
}

struct many {
	long long n;
};

/* @p n messages in one conversation, ours, one transaction. */
static enum ic_err many_txn(struct ic_store_txn *t, void *p)
{
	const struct many *m = p;
	enum ic_err rc = IC_OK;

	for (long long i = 1; rc == IC_OK && i <= m->n; i++) {
		struct put w = {C1,
		                'o',
		                i,
		                T0 + i,
		                i % 100 == 0 ? "hundred mark" : "plain message",
		                false};

		rc = put_txn(t, &w);
	}
	return rc;
}

static void test_search_recent_moves_into_the_index(void **state)
{
	struct ic_fx *fx = *state;
	struct many m = {IC_SEARCH_RECENT_MAX + 250};
	struct put w = {C1, 'o', 200, T0 + 200, "edited", true};
	long long newest = m.n / 100 * 100;
	struct ic_search s;

	open_store(fx);
	/* Past IC_SEARCH_RECENT_MAX the newest wait in search_words, the
	 * older are in the word index: a search reads both, newest first. */
	assert_int_equal(ic_fx_txn(fx, &fx->req, true, many_txn, &m), IC_OK);
	s = find(fx, "hundred", NULL, IC_SEARCH_LIMIT_MAX);
	assert_int_equal(s.n, (size_t)m.n / 100);
	assert_int_equal(s.r[0].seq, newest);
	assert_int_equal(s.r[s.n - 1].seq, 100);
	s = find(fx, "hun", C1, 5);
	assert_int_equal(s.n, 5);
	assert_true(s.more);
	assert_int_equal(s.r[0].seq, newest);
	assert_int_equal(s.r[4].seq, newest - 400);
	s = find(fx, "mark hund", NULL, IC_SEARCH_LIMIT_MAX);
	assert_int_equal(s.n, (size_t)m.n / 100);
	/* An overwrite of a message already moved drops its postings. */
	assert_int_equal(ic_fx_txn(fx, &fx->req, true, put_txn, &w), IC_OK);
	assert_int_equal(find(fx, "hundred", NULL, 50).n,
	                 (size_t)m.n / 100 - 1);
	assert_int_equal(find(fx, "edited", NULL, 50).n, 1);
}

static void test_search_hostile_input(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_store *st;
	struct ic_search s;
	char errbuf[IC_ERRBUF_SIZE];
	char big[IC_SEARCH_QUERY_MAX + 2], bin[16], longword[200];
	const char *many = "aa bb cc dd ee ff gg hh ii";

	corpus(fx);
	assert_int_equal(ic_req_store(&fx->req, &st), IC_OK);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(
	        ic_store_search(st, fx->req.arena, big, NULL, 50, &s, errbuf),
	        IC_ERR_BAD_INPUT);
	assert_string_equal(errbuf, "a search is at most 256 bytes");
	assert_int_equal(
	        ic_store_search(st, fx->req.arena, many, NULL, 50, &s, errbuf),
	        IC_ERR_BAD_INPUT);
	assert_string_equal(errbuf, "a search has at most 8 words");
	assert_int_equal(ic_store_search(st, fx->req.arena, "a ! ?", NULL, 50,
	                                 &s, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_store_search(st, fx->req.arena, "lunch", NULL, 0,
	                                 &s, errbuf),
	                 IC_ERR_BAD_INPUT);
	/* Binary bytes: control bytes split words, high bytes are letters;
	 * nothing matches and nothing breaks. */
	for (size_t i = 0; i < sizeof(bin) - 1; i++)
		bin[i] =
		        (char)(i % 3 == 2 ? 1 + i % 31 : 0x80 + (i * 37) % 128);
	bin[sizeof(bin) - 1] = '\0';
	assert_int_equal(
	        ic_store_search(st, fx->req.arena, bin, NULL, 50, &s, errbuf),
	        IC_OK);
	assert_int_equal(s.n, 0);
	/* A long word is indexed and searched by its first 32 bytes. */
	memset(longword, 'q', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	put(fx, C1, 'o', 9, longword);
	s = find(fx, longword, NULL, 50);
	assert_int_equal(s.n, 1);
	assert_true(strlen(s.r[0].excerpt) <= IC_SEARCH_EXCERPT + 6);
}

static void test_search_words_per_message_capped(void **state)
{
	struct ic_fx *fx = *state;
	size_t cap = (IC_SEARCH_WORDS_PER_MSG + 10) * 6 + 1, n = 0;
	char *text;

	open_store(fx);
	text = ic_arena_alloc(fx->req.arena, cap);
	assert_non_null(text);
	for (int i = 0; i < IC_SEARCH_WORDS_PER_MSG + 10; i++)
		n += (size_t)snprintf(text + n, cap - n, "w%04d ", i);
	put(fx, C1, 'o', 1, text);
	assert_int_equal(find(fx, "w0000", NULL, 50).n, 1);
	assert_int_equal(find(fx, "w0511", NULL, 50).n, 1);
	assert_int_equal(find(fx, "w0512", NULL, 50).n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_search_word_both_directions_newest_first),
	        T(test_search_prefix_and_and),
	        T(test_search_one_conversation),
	        T(test_search_limit_says_more),
	        T(test_search_update_reindexes),
	        T(test_search_builds_index_of_older_messages),
	        T(test_search_recent_moves_into_the_index),
	        T(test_search_hostile_input),
	        T(test_search_words_per_message_capped),
#undef T
	};

	return cmocka_run_group_tests_name("store_search", tests, NULL, NULL);
}
