/*
 * store_history.c - a conversation's history, paged or streamed, in
 * memory that does not grow with it (see store_history.h).
 */
#include "store/store_history.h"

#include <stdlib.h>
#include <string.h>

#include "core/ic_limits.h"

/* --- One page ---------------------------------------------------------- */

struct page_read {
	struct ic_arena *a;
	const char *id;
	long long out_before, in_before;
	struct ic_conv conv;
	struct ic_msg *out, *in;
	size_t nout, nin;
};

/* The last seq of a direction to read: below @p before when paging back,
 * else the newest (as web/page_conversation.c). */
static long long upto(long long last, long long before)
{
	return before > 0 && before - 1 < last ? before - 1 : last;
}

static enum ic_err page_txn(struct ic_store_txn *t, void *p)
{
	struct page_read *r = p;
	enum ic_err rc = ic_store_conv_get_in_txn(t, r->a, r->id, &r->conv);
	long long to_out = upto(r->conv.out_seq, r->out_before);
	long long to_in = upto(r->conv.in_seq, r->in_before);

	r->nout = r->nin = 0;
	/* IC_PAGE_MESSAGES of each side is enough: the merged page keeps
	 * at most that many, so no side can contribute more. */
	if (rc == IC_OK && to_out > 0)
		rc = ic_store_msg_range_in_txn(t, r->a, r->id, 'o',
		                               to_out - IC_PAGE_MESSAGES + 1,
		                               to_out, &r->out, &r->nout);
	if (rc == IC_OK && to_in > 0)
		rc = ic_store_msg_range_in_txn(t, r->a, r->id, 'i',
		                               to_in - IC_PAGE_MESSAGES + 1,
		                               to_in, &r->in, &r->nin);
	return rc;
}

enum ic_err ic_store_history_page(struct ic_store *st, struct ic_arena *a,
                                  const char *conv, long long out_before,
                                  long long in_before,
                                  struct ic_history_page *page, char *errbuf)
{
	struct page_read r = {.a = a,
	                      .id = conv,
	                      .out_before = out_before,
	                      .in_before = in_before};
	const struct ic_msg **all;
	size_t n, drop;
	long long lo_out = 0, lo_in = 0;
	enum ic_err rc = ic_store_view(st, page_txn, &r, errbuf);

	memset(page, 0, sizeof(*page));
	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(errbuf, rc, "no such conversation");
	if (rc != IC_OK)
		return rc;
	n = r.nout + r.nin;
	all = ic_arena_calloc(a, n ? n : 1, sizeof(*all));
	if (all == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < r.nout; i++)
		all[i] = &r.out[i];
	for (size_t i = 0; i < r.nin; i++)
		all[r.nout + i] = &r.in[i];
	qsort(all, n, sizeof(*all), ic_msg_by_time);
	/* Keep the newest; the bounds move to the oldest kept of each
	 * side, and a side with nothing kept keeps everything below its
	 * old bound (or below its newest + 1). */
	drop = n > IC_PAGE_MESSAGES ? n - IC_PAGE_MESSAGES : 0;
	page->conv = r.conv;
	page->msgs = all + drop;
	page->n = n - drop;
	for (size_t i = 0; i < page->n; i++) {
		const struct ic_msg *m = page->msgs[i];
		long long *lo = m->dir == 'o' ? &lo_out : &lo_in;

		if (*lo == 0 || m->seq < *lo)
			*lo = m->seq;
	}
	page->out_before = lo_out       ? lo_out
	                   : out_before ? out_before
	                                : r.conv.out_seq + 1;
	page->in_before = lo_in       ? lo_in
	                  : in_before ? in_before
	                              : r.conv.in_seq + 1;
	page->older = page->out_before > 1 || page->in_before > 1;
	return IC_OK;
}

/* --- The whole history, as a stream ------------------------------------ */

/* One direction's place in the stream: the chunk in hand and where the
 * next one starts. */
struct side {
	char dir;
	long long next, last; /* seqs still to read: next..last */
	struct ic_arena *a;   /* the chunk's arena, NULL when none */
	struct ic_msg *items;
	size_t n, i;
};

struct chunk_read {
	struct ic_arena *a;
	const char *id;
	struct side *s;
};

static enum ic_err chunk_txn(struct ic_store_txn *t, void *p)
{
	struct chunk_read *c = p;
	long long to = c->s->next + IC_HISTORY_CHUNK - 1;

	return ic_store_msg_range_in_txn(t, c->a, c->id, c->s->dir, c->s->next,
	                                 to < c->s->last ? to : c->s->last,
	                                 &c->s->items, &c->s->n);
}

/* Make sure @p s has a message in hand, reading the next chunk when the
 * one in hand is used up; false at the end of its direction. */
static enum ic_err refill(struct ic_store *st, const char *id, struct side *s,
                          bool *more, char *errbuf)
{
	while (s->i >= s->n) {
		struct chunk_read c = {NULL, id, s};
		enum ic_err rc;

		ic_arena_free(s->a);
		s->a = NULL;
		s->items = NULL;
		s->n = s->i = 0;
		if (s->next > s->last) {
			*more = false;
			return IC_OK;
		}
		/* The chunk before was copied out and is done with: its
		 * pages of the map need not stay resident (store.h). */
		ic_store_drop_resident(st);
		c.a = s->a = ic_arena_new(0);
		if (s->a == NULL)
			return IC_ERR_NOMEM;
		rc = ic_store_view(st, chunk_txn, &c, errbuf);
		if (rc != IC_OK)
			return rc;
		/* Seqs are dense, but a gap would only make a chunk short. */
		s->next += IC_HISTORY_CHUNK;
	}
	*more = true;
	return IC_OK;
}

struct start_read {
	struct ic_arena *a;
	const char *id;
	struct ic_conv conv;
};

static enum ic_err start_txn(struct ic_store_txn *t, void *p)
{
	struct start_read *s = p;

	return ic_store_conv_get_in_txn(t, s->a, s->id, &s->conv);
}

enum ic_err ic_store_history_each(struct ic_store *st, struct ic_arena *a,
                                  const char *conv, ic_history_fn fn, void *ctx,
                                  struct ic_conv *conv_out, char *errbuf)
{
	struct start_read start = {.a = a, .id = conv};
	struct side sides[2] = {{.dir = 'o', .next = 1},
	                        {.dir = 'i', .next = 1}};
	enum ic_err rc = ic_store_view(st, start_txn, &start, errbuf);

	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(errbuf, rc, "no such conversation");
	if (rc != IC_OK)
		return rc;
	if (conv_out)
		*conv_out = start.conv;
	/* What was stored when the dump began: a message that arrives
	 * while it runs is in the next one, never half in this one. */
	sides[0].last = start.conv.out_seq;
	sides[1].last = start.conv.in_seq;
	for (;;) {
		bool more_out, more_in;
		const struct ic_msg *mo, *mi, *m;

		rc = refill(st, conv, &sides[0], &more_out, errbuf);
		if (rc == IC_OK)
			rc = refill(st, conv, &sides[1], &more_in, errbuf);
		if (rc != IC_OK || (!more_out && !more_in))
			break;
		mo = more_out ? &sides[0].items[sides[0].i] : NULL;
		mi = more_in ? &sides[1].items[sides[1].i] : NULL;
		m = mo == NULL                      ? mi
		    : mi == NULL                    ? mo
		    : ic_msg_by_time(&mo, &mi) <= 0 ? mo
		                                    : mi;
		sides[m == mo ? 0 : 1].i++;
		rc = fn(m, ctx);
		if (rc != IC_OK)
			break;
	}
	ic_arena_free(sides[0].a);
	ic_arena_free(sides[1].a);
	return rc == IC_STORE_STOP ? IC_OK : rc;
}
