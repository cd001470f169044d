/*
 * test_store_history.c - a conversation's history paged and streamed
 * (lib/store/store_history.c, issue 15): the pages and their bounds as
 * the conversation page's "Older messages" gives them, the stream in time
 * order with every message once, and memory that does not grow with the
 * history (what stays in the caller's arena, a deterministic measure;
 * scripts/bench and tests/integration/test_history.py give peak RSS).
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
#include "store/store_history.h"

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
	                                  f->to, f->each, 0};

	return ic_fx_put_pairs(t, &pairs);
}

/* A conversation of @p pairs messages each way, in transactions of 5,000
 * pairs (as scripts/bench's send_bench fills one). */
static struct ic_store *history(struct ic_fx *fx, long long pairs)
{
	struct ic_store *st;

	assert_int_equal(ic_fx_open_req(fx, "feed"), IC_OK);
	assert_int_equal(ic_req_store(&fx->req, &st), IC_OK);
	for (long long from = 1; from <= pairs; from += 5000) {
		struct fill f = {
		        from, from + 4999 < pairs ? from + 4999 : pairs, pairs};

		assert_int_equal(ic_fx_txn(fx, &fx->req, true, fill_txn, &f),
		                 IC_OK);
	}
	return st;
}

static void test_store_history_pages_back_as_older_messages(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_store *st = history(fx, 150);
	struct ic_history_page p;
	char errbuf[IC_ERRBUF_SIZE];

	/* The newest 100 of 300: pairs 101..150. */
	assert_int_equal(ic_store_history_page(st, fx->req.arena, CONV, 0, 0,
	                                       &p, errbuf),
	                 IC_OK);
	assert_int_equal(p.n, IC_PAGE_MESSAGES);
	assert_int_equal(p.msgs[0]->seq, 101);
	assert_int_equal(p.msgs[0]->dir, 'o');
	assert_int_equal(p.msgs[p.n - 1]->seq, 150);
	assert_int_equal(p.msgs[p.n - 1]->dir, 'i');
	assert_int_equal(p.out_before, 101);
	assert_int_equal(p.in_before, 101);
	assert_true(p.older);
	/* The page before, and the last one: nothing older. */
	assert_int_equal(ic_store_history_page(st, fx->req.arena, CONV, 101,
	                                       101, &p, errbuf),
	                 IC_OK);
	assert_int_equal(p.n, IC_PAGE_MESSAGES);
	assert_int_equal(p.msgs[0]->seq, 51);
	assert_true(p.older);
	assert_int_equal(ic_store_history_page(st, fx->req.arena, CONV,
	                                       p.out_before, p.in_before, &p,
	                                       errbuf),
	                 IC_OK);
	assert_int_equal(p.n, IC_PAGE_MESSAGES);
	assert_int_equal(p.msgs[0]->seq, 1);
	assert_false(p.older);
	for (size_t i = 1; i < p.n; i++)
		assert_true(ic_msg_by_time(&p.msgs[i - 1], &p.msgs[i]) < 0);
}

static void test_store_history_unknown_conversation_not_found(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_store *st = history(fx, 1);
	struct ic_history_page p;
	char errbuf[IC_ERRBUF_SIZE];

	assert_int_equal(ic_store_history_page(st, fx->req.arena, "nosuch", 0,
	                                       0, &p, errbuf),
	                 IC_ERR_NOT_FOUND);
	assert_string_equal(errbuf, "no such conversation");
}

struct seen {
	long long n;
	long long next_out, next_in; /* the seq each side must show next */
	long long last_published;
	long long stop_after;
};

static enum ic_err see(const struct ic_msg *m, void *p)
{
	struct seen *s = p;
	long long *next = m->dir == 'o' ? &s->next_out : &s->next_in;

	/* Every message once, each side in seq order, all in time order. */
	if (m->seq != *next || m->published < s->last_published)
		return IC_ERR_INTERNAL;
	(*next)++;
	s->last_published = m->published;
	s->n++;
	return s->stop_after && s->n == s->stop_after ? IC_STORE_STOP : IC_OK;
}

static void test_store_history_streams_every_message_in_order(void **state)
{
	struct ic_fx *fx = *state;
	/* Past two chunks each way, and not a multiple of one. */
	long long pairs = 2 * IC_HISTORY_CHUNK + 7;
	struct ic_store *st = history(fx, pairs);
	struct seen s = {0, 1, 1, 0, 0};
	struct ic_conv c;
	char errbuf[IC_ERRBUF_SIZE];

	assert_int_equal(ic_store_history_each(st, fx->req.arena, CONV, see, &s,
	                                       &c, errbuf),
	                 IC_OK);
	assert_int_equal(s.n, 2 * pairs);
	assert_int_equal(c.out_seq, pairs);
	/* The callback stops it early, with success. */
	memset(&s, 0, sizeof(s));
	s.next_out = s.next_in = 1;
	s.stop_after = 5;
	assert_int_equal(ic_store_history_each(st, fx->req.arena, CONV, see, &s,
	                                       NULL, errbuf),
	                 IC_OK);
	assert_int_equal(s.n, 5);
}

/* What a read leaves in the caller's arena. */
static size_t page_cost(struct ic_fx *fx, struct ic_store *st)
{
	struct ic_history_page p;
	char errbuf[IC_ERRBUF_SIZE];
	size_t before = ic_arena_used(fx->req.arena);

	assert_int_equal(ic_store_history_page(st, fx->req.arena, CONV, 0, 0,
	                                       &p, errbuf),
	                 IC_OK);
	return ic_arena_used(fx->req.arena) - before;
}

static size_t stream_cost(struct ic_fx *fx, struct ic_store *st, long long want)
{
	struct seen s = {0, 1, 1, 0, 0};
	char errbuf[IC_ERRBUF_SIZE];
	size_t before = ic_arena_used(fx->req.arena);

	assert_int_equal(ic_store_history_each(st, fx->req.arena, CONV, see, &s,
	                                       NULL, errbuf),
	                 IC_OK);
	assert_int_equal(s.n, want);
	return ic_arena_used(fx->req.arena) - before;
}

/* Issue 15: `feed --conversation` held all 20,000 messages of a history
 * (54 MiB).  A page and the whole stream now leave the same few
 * kilobytes at 10 and at 20,000 messages. */
static void test_store_history_memory_flat_in_history_length(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_store *st = history(fx, 5);
	size_t page10 = page_cost(fx, st), stream10 = stream_cost(fx, st, 10);
	size_t page20k, stream20k;
	struct fill f = {6, 10000, 10000};

	for (; f.from <= 10000; f.from += 5000) {
		f.to = f.from + 4999 < 10000 ? f.from + 4999 : 10000;
		assert_int_equal(ic_fx_txn(fx, &fx->req, true, fill_txn, &f),
		                 IC_OK);
	}
	page20k = page_cost(fx, st);
	stream20k = stream_cost(fx, st, 20000);
	/* A page of 100 is bigger than one of 10; its cost is bounded by
	 * the page, not by the history: check against a page read at 20,000
	 * being no bigger than a page's worth of records. */
	assert_true(page20k < page10 + IC_PAGE_MESSAGES * 2 * 1024);
	/* The stream keeps nothing of the history in the caller's arena:
	 * only the conversation record, the same at any length. */
	print_message("# arena: page %zu B at 10, %zu B at 20000; stream %zu "
	              "B at 10, %zu B at 20000\n",
	              page10, page20k, stream10, stream20k);
	assert_true(stream20k <= stream10 + 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_store_history_pages_back_as_older_messages),
	        T(test_store_history_unknown_conversation_not_found),
	        T(test_store_history_streams_every_message_in_order),
	        T(test_store_history_memory_flat_in_history_length),
#undef T
	};

	return cmocka_run_group_tests_name("store_history", tests, NULL, NULL);
}
