/*
 * send_bench.c - time `send`'s own work (store + static regeneration,
 * DESIGN.md "Sending") at a given length of history.
 *
 *	send_bench CONFIG PEER FILL N
 *
 * Fills the conversation with PEER (which must exist) with FILL outgoing
 * messages straight into LMDB (5,000 per write transaction, as many sends
 * would leave them), publishes once, then times N calls of
 * ic_outbox_send() -- the store transaction and the rewrite of the newest
 * feed page and stub, what a send does before it answers -- and prints:
 *	send_bench: history <H> messages, <N> sends, p50 <ms> ms, p90 <ms> ms
 * The hub notification after the response is not timed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "cgi/cgi.h"
#include "text/config.h"
#include "messages/outbox.h"
#include "cgi/site.h"
#include "store/store.h"
#include "store/store_conv.h"
#include "store/store_msg.h"

#define BATCH 5000

struct fill_ctx {
	struct ic_arena *a;
	const struct ic_config *cfg;
	const char *peer;
	long long count;
};

static enum ic_err fill_txn(struct ic_store_txn *t, void *p)
{
	struct fill_ctx *c = p;
	struct ic_conv conv;
	long long now = time(NULL);
	enum ic_err rc = ic_store_conv_by_peer_in_txn(t, c->a, c->peer, &conv);
	const char *topic_url = ic_site_topic_url(c->a, c->cfg, conv.id);

	for (long long i = 0; rc == IC_OK && i < c->count; i++) {
		struct ic_msg m = {0};

		m.conv = conv.id;
		m.dir = 'o';
		m.seq = ++conv.out_seq;
		m.uid = m.url = ic_msg_uid(c->a, topic_url, m.seq, 0);
		m.published = m.received = now;
		m.text = "an older message of the history, of a typical length";
		m.author = c->cfg->me;
		rc = ic_store_msg_put_in_txn(t, c->a, &m);
	}
	/* As if every one of them had been published when it was sent. */
	conv.published_seq = conv.out_seq;
	if (rc == IC_OK)
		rc = ic_store_conv_put_in_txn(t, c->a, &conv);
	return rc;
}

static int cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int fail(struct ic_req *req, const char *what, enum ic_err rc)
{
	fprintf(stderr, "send_bench: %s: %s: %s\n", what, ic_strerror(rc),
	        req->errbuf);
	return 1;
}

int main(int argc, char **argv)
{
	struct ic_req req;
	struct ic_store *st;
	long long fill, n;
	double *ms;
	enum ic_err rc;

	if (argc != 5) {
		fprintf(stderr, "usage: send_bench CONFIG PEER FILL N\n");
		return 2;
	}
	fill = atoll(argv[3]);
	n = atoll(argv[4]);
	if (n < 1 || fill < 0 || ic_cgi_req_init(&req, "send", stdin, stdout))
		return 2;
	rc = ic_config_load_default(&req.cfg, req.arena, argv[1], NULL,
	                            req.errbuf);
	if (rc != IC_OK)
		return fail(&req, "configuration", rc);
	req.cfg_loaded = true;
	rc = ic_req_store(&req, &st);
	if (rc != IC_OK)
		return fail(&req, "store", rc);
	for (long long done = 0; done < fill; done += BATCH) {
		struct fill_ctx c = {ic_arena_new(0), &req.cfg, argv[2],
		                     fill - done < BATCH ? fill - done : BATCH};

		if (c.a == NULL)
			return 2;
		rc = ic_store_update(st, fill_txn, &c, req.errbuf);
		ic_arena_free(c.a);
		if (rc != IC_OK)
			return fail(&req, "filling the history", rc);
	}
	ms = calloc((size_t)n, sizeof(*ms));
	if (ms == NULL)
		return 2;
	for (long long i = 0; i < n; i++) {
		double t0 = now_ms();

		rc = ic_outbox_send(&req, argv[2], "a new message, timed", NULL,
		                    NULL, 0, NULL);
		if (rc != IC_OK)
			return fail(&req, "send", rc);
		ms[i] = now_ms() - t0;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("send_bench: history %lld messages, %lld sends, p50 %.2f ms, "
	       "p90 %.2f ms\n",
	       fill, n, ms[n / 2], ms[(n * 9) / 10]);
	free(ms);
	ic_cgi_req_free(&req);
	return 0;
}
