/*
 * search_bench.c - the search's speed goals (issue 15), in-process.
 *
 *	search_bench DATA_DIR N [STORES]
 *
 * Fills a fresh store in DATA_DIR (which must not hold one) with N
 * messages, both directions over 20 conversations, each 8 to 20 words
 * drawn from a 5,000-word vocabulary with Zipf frequencies (word 0 is in
 * most messages, as "the" is), 1,000 per write transaction, indexed as
 * they are stored.  Then prints the p50 of 30 searches each:
 *	search_bench: N messages, common word p50 <ms> ms (<n> results), ...
 * for a common word, a rare word (in 5 messages), a two-letter prefix
 * and two words (common AND a prefix), over every conversation.
 *
 * Then times STORES (default 200) stores of one message, each its own
 * committed write transaction as `send` and `receive` store one (message,
 * uid, conversation record, synced commit), alternately with the index
 * and without it (ic_store_index_enable(false): the only difference is
 * the index's writes), and prints both p50s and their ratio (goal <=
 * 1.2x), and the means, which count the stores that moved the recent
 * messages into the word index (one in IC_SEARCH_RECENT_MAX: pass
 * STORES > IC_SEARCH_RECENT_MAX to be sure to meet one; scripts/bench
 * passes 4,200).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ic_limits.h"
#include "store/store.h"
#include "store/store_conv.h"
#include "store/store_index.h"
#include "store/store_msg.h"
#include "store/store_search.h"

#define CONVS 20
#define VOCAB 5000
#define BATCH 1000
#define RUNS  30
#define T0    1790000000LL

static char vocab[VOCAB][16];
static double zipf_cdf[VOCAB];
static unsigned long long rng = 88172645463325252ULL;

static unsigned long long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Pronounceable words; word i's frequency is 1 / (i + 1). */
static void make_vocab(void)
{
	static const char cons[] = "bcdfghklmnprstvz", vow[] = "aeiou";
	double sum = 0;

	for (int i = 0; i < VOCAB; i++) {
		int len = 2 + (int)(next_rand() % 4), k = 0;

		for (int j = 0; j < len; j++) {
			vocab[i][k++] = cons[next_rand() % 16];
			vocab[i][k++] = vow[next_rand() % 5];
		}
		vocab[i][k] = '\0';
		sum += 1.0 / (i + 1);
		zipf_cdf[i] = sum;
	}
	for (int i = 0; i < VOCAB; i++)
		zipf_cdf[i] /= sum;
	strcpy(vocab[0], "the");
}

static const char *zipf_word(void)
{
	double u = (double)(next_rand() % 1000000) / 1e6;
	int lo = 0, hi = VOCAB - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return vocab[lo];
}

static char *sentence(struct ic_arena *a, long long i)
{
	char buf[512];
	int n = 8 + (int)(next_rand() % 13), k = 0;

	for (int w = 0; w < n; w++)
		k += snprintf(buf + k, sizeof(buf) - (size_t)k, "%s%s",
		              w ? " " : "", zipf_word());
	if (i % 20000 == 7) /* the rare word: 5 in 100,000 */
		snprintf(buf + k, sizeof(buf) - (size_t)k, " zanzibar");
	return ic_arena_strdup(a, buf);
}

struct fill {
	struct ic_conv c[CONVS];
	long long from, to, now;
	bool one; /* a single message, with its conversation record */
};

static char conv_ids[CONVS][32];

static enum ic_err fill_txn(struct ic_store_txn *t, void *p)
{
	struct fill *f = p;
	struct ic_arena *a = ic_arena_new(0);
	enum ic_err rc = IC_OK;

	if (a == NULL)
		return IC_ERR_NOMEM;
	for (long long i = f->from; rc == IC_OK && i < f->to; i++) {
		struct ic_conv *c = &f->c[i % CONVS];
		struct ic_msg m = {0};

		m.conv = c->id;
		m.dir = i % 3 ? 'o' : 'i';
		m.seq = m.dir == 'o' ? ++c->out_seq : ++c->in_seq;
		m.uid = ic_arena_printf(a, "https://b.example/%s#%c%lld", c->id,
		                        m.dir, m.seq);
		m.url = m.uid;
		m.published = m.received = f->now ? f->now : T0 + i;
		m.order = c->out_seq + c->in_seq;
		m.text = sentence(a, i);
		m.author = m.uid;
		rc = ic_store_msg_put_in_txn(t, a, &m);
	}
	for (int k = 0; rc == IC_OK && k < CONVS; k++)
		if (!f->one || k == f->from % CONVS)
			rc = ic_store_conv_put_in_txn(t, a, &f->c[k]);
	ic_arena_free(a);
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[n / 2];
}

static double time_query(struct ic_store *st, const char *q, size_t *found,
                         bool *more)
{
	double t[RUNS];
	char eb[IC_ERRBUF_SIZE];

	for (int r = 0; r < RUNS; r++) {
		struct ic_arena *a = ic_arena_new(0);
		struct ic_search s;
		double t0 = now_ms();

		if (ic_store_search(st, a, q, NULL, IC_SEARCH_LIMIT, &s, eb)) {
			fprintf(stderr, "search_bench: %s: %s\n", q, eb);
			exit(1);
		}
		t[r] = now_ms() - t0;
		*found = s.n;
		*more = s.more;
		ic_arena_free(a);
	}
	return median(t, RUNS);
}

static void fill(struct ic_store *st, struct fill *f, long long n)
{
	char eb[IC_ERRBUF_SIZE];

	for (f->from = 0; f->from < n; f->from += BATCH) {
		f->to = f->from + BATCH < n ? f->from + BATCH : n;
		if (ic_store_update(st, fill_txn, f, eb)) {
			fprintf(stderr, "search_bench: fill: %s\n", eb);
			exit(1);
		}
	}
}

static double mean(const double *v, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += v[i];
	return sum / n;
}

/* p50 and mean: the mean counts the stores that moved the waiting words
 * into the word index (one in IC_SEARCH_RECENT_MAX). */
static void report(double *with, double *without, int k)
{
	double mw = mean(with, k), mwo = mean(without, k);
	double w = median(with, k), wo = median(without, k);

	printf("search_bench: store one message p50 %.3f ms with the index, "
	       "%.3f ms without: ratio %.2fx (goal <= 1.2x); mean %.3f vs "
	       "%.3f ms: %.2fx; max with %.1f ms; %d each\n",
	       w, wo, w / wo, mw, mwo, mw / mwo, with[k - 1], k);
}

static void stores(struct ic_store *st, struct fill *f, long long n, int k)
{
	double *with = calloc((size_t)k, sizeof(double));
	double *without = calloc((size_t)k, sizeof(double));
	char eb[IC_ERRBUF_SIZE];

	f->one = true;
	for (int i = 0; i < 2 * k; i++) {
		double t0;

		ic_store_index_enable(i % 2 == 0);
		f->from = n + i;
		f->to = f->from + 1;
		f->now = time(NULL);
		t0 = now_ms();
		if (ic_store_update(st, fill_txn, f, eb)) {
			fprintf(stderr, "search_bench: store: %s\n", eb);
			exit(1);
		}
		(i % 2 ? without : with)[i / 2] = now_ms() - t0;
	}
	ic_store_index_enable(true);
	report(with, without, k);
	free(with);
	free(without);
}

int main(int argc, char **argv)
{
	struct fill f = {0};
	struct ic_store *st;
	char eb[IC_ERRBUF_SIZE];
	long long n = argc > 2 ? atoll(argv[2]) : 100000;
	int k = argc > 3 ? atoi(argv[3]) : 200;
	static const char *q[][2] = {{"common word", "the"},
	                             {"rare word", "zanzibar"},
	                             {"2-letter prefix", "ka"},
	                             {"word AND prefix", "the ka"}};

	if (argc < 3 || n < 1 || k < 1) {
		fprintf(stderr, "usage: search_bench DATA_DIR N [STORES]\n");
		return 2;
	}
	if (ic_store_open(&st, argv[1], eb)) {
		fprintf(stderr, "search_bench: %s\n", eb);
		return 1;
	}
	make_vocab();
	for (int i = 0; i < CONVS; i++) {
		snprintf(conv_ids[i], sizeof(conv_ids[i]), "benchconv%02d", i);
		f.c[i].id = conv_ids[i];
		f.c[i].peer = conv_ids[i];
		f.c[i].state = IC_CONV_ACTIVE;
		f.c[i].created = f.c[i].updated = T0;
		f.c[i].page_size = 50;
	}
	fill(st, &f, n);
	printf("search_bench: %lld messages,", n);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		size_t found;
		bool more;
		double ms = time_query(st, q[i][1], &found, &more);

		printf("%s %s \"%s\" p50 %.2f ms (%zu%s results)", i ? ";" : "",
		       q[i][0], q[i][1], ms, found, more ? "+" : "");
	}
	printf(" (goal <= 20 ms)\n");
	stores(st, &f, n, k);
	ic_store_close(st);
	return 0;
}
