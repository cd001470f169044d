/*
 * store_rate.c - fixed-window request counters (see store_rate.h).
 */
#include "store/store_rate.h"

#include <string.h>

#include "core/digest.h"
#include "core/ic_limits.h"
#include "store/due.h"
#include "text/json.h"

/* One window as read from the store. */
struct window {
	const char *key; /* the record's key */
	long long start, count;
	bool found, moved; /* moved: its start came from the future */
	bool fresh;        /* a new window: the clean-up must know its end */
};

/* "<rule>|<key>", or the SHA-256 of it when LMDB could not take it. */
static const char *record_key(struct ic_arena *a, const char *rule,
                              const char *key)
{
	char *k = ic_arena_printf(a, "%s|%s", rule, key);
	char hex[65];

	if (k == NULL || strlen(k) <= IC_RATE_MAX_KEY_BYTES)
		return k;
	ic_digest_sha256_hex(k, strlen(k), hex);
	return ic_arena_printf(a, "%s|#%s", rule, hex);
}

static enum ic_err load(struct ic_store_txn *t, struct ic_arena *a,
                        const struct ic_rate_hit *h, long long now,
                        struct window *w)
{
	cJSON *j;
	enum ic_err rc;

	memset(w, 0, sizeof(*w));
	w->key = record_key(a, h->rule->name, h->key);
	if (w->key == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_get_json(t, a, IC_DB_RATE_WINDOWS, w->key,
	                           strlen(w->key), &j);
	/* A corrupt record counts as none: the next write replaces it. */
	if (rc == IC_ERR_NOT_FOUND || rc == IC_ERR_DATABASE)
		rc = IC_OK;
	else if (rc == IC_OK) {
		w->found = true;
		w->start = ic_json_num(j, "start", 0);
		w->count = ic_json_num(j, "count", 0);
	}
	if (rc != IC_OK)
		return rc;
	if (!w->found || now >= w->start + h->rule->window) {
		w->start = now; /* a new window */
		w->count = 0;
		w->fresh = true;
	} else if (now < w->start) {
		/* The clock stepped back: keep the count, end the window at
		 * most one window from now. */
		w->start = now;
		w->moved = true;
	}
	return IC_OK;
}

static enum ic_err save(struct ic_store_txn *t, struct ic_arena *a,
                        const struct ic_rate_rule *r, const struct window *w)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc = j ? IC_OK : IC_ERR_NOMEM;

	if (rc == IC_OK)
		rc = ic_json_add_num(j, "start", w->start);
	if (rc == IC_OK)
		rc = ic_json_add_num(j, "count", w->count);
	if (rc == IC_OK)
		rc = ic_json_add_num(j, "end", w->start + r->window);
	if (rc == IC_OK)
		rc = ic_store_txn_put_json(t, IC_DB_RATE_WINDOWS, w->key,
		                           strlen(w->key), j);
	/* The clean-up comes when the first window ends, not before. */
	if (rc == IC_OK && (w->fresh || w->moved))
		rc = ic_due_schedule_in_txn(t, a, IC_RATE_GC_JOB, "all",
		                            w->start + r->window, 0, true);
	return rc;
}

enum ic_err ic_store_rate_take_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a,
                                      const struct ic_rate_hit *hits, size_t n,
                                      long long now, long long *retry_after)
{
	struct window *w = ic_arena_calloc(a, n ? n : 1, sizeof(*w));
	enum ic_err rc = w ? IC_OK : IC_ERR_NOMEM;

	*retry_after = 0;
	for (size_t i = 0; rc == IC_OK && i < n; i++) {
		const struct ic_rate_rule *r = hits[i].rule;

		if (hits[i].key == NULL)
			continue;
		rc = load(t, a, &hits[i], now, &w[i]);
		if (rc == IC_OK && w[i].count >= r->limit &&
		    w[i].start + r->window - now > *retry_after)
			*retry_after = w[i].start + r->window - now;
	}
	for (size_t i = 0; rc == IC_OK && i < n; i++) {
		if (hits[i].key == NULL)
			continue;
		/* Refused: only a window moved back from the future is
		 * written, so the wait it says stays within one window. */
		if (*retry_after > 0 || hits[i].rule->check_only) {
			if (w[i].moved)
				rc = save(t, a, hits[i].rule, &w[i]);
			continue;
		}
		w[i].count++;
		rc = save(t, a, hits[i].rule, &w[i]);
	}
	return rc;
}

enum ic_err ic_store_rate_count_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a,
                                       const struct ic_rate_rule *rule,
                                       const char *key, long long now,
                                       long long *count)
{
	struct ic_rate_hit h = {rule, key};
	struct window w;
	enum ic_err rc = load(t, a, &h, now, &w);

	*count = rc == IC_OK ? w.count : 0;
	return rc;
}

/* --- Clean-up ---------------------------------------------------------- */

struct gc_ctx {
	struct ic_arena *a;
	long long now, next;
	char **keys;
	size_t n;
};

static enum ic_err gc_collect(const void *k, size_t kl, const void *v,
                              size_t vl, void *ctx)
{
	struct gc_ctx *g = ctx;
	cJSON *j;
	long long end = 0; /* a corrupt record is useless: remove it */

	if (ic_json_parse(g->a, v, vl, &j) == IC_OK)
		end = ic_json_num(j, "end", 0);
	if (end > g->now) {
		if (!g->next || end < g->next)
			g->next = end;
		return IC_OK;
	}
	if (g->n == IC_RATE_GC_MAX) {
		g->next = g->now + IC_AUTH_GC_AGAIN_SECONDS; /* more to do */
		return IC_STORE_STOP;
	}
	g->keys[g->n] = ic_arena_memdup(g->a, k, kl);
	return g->keys[g->n++] ? IC_OK : IC_ERR_NOMEM;
}

enum ic_err ic_store_rate_gc_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    long long now, size_t *removed,
                                    long long *next)
{
	struct gc_ctx g = {a, now, 0, NULL, 0};
	enum ic_err rc;

	*removed = 0;
	*next = 0;
	g.keys = ic_arena_calloc(a, IC_RATE_GC_MAX, sizeof(*g.keys));
	if (g.keys == NULL)
		return IC_ERR_NOMEM;
	/* Collect first: a scan must not write its own database. */
	rc = ic_store_txn_scan(t, IC_DB_RATE_WINDOWS, NULL, 0, gc_collect, &g);
	for (size_t i = 0; rc == IC_OK && i < g.n; i++) {
		rc = ic_store_txn_del(t, IC_DB_RATE_WINDOWS, g.keys[i],
		                      strlen(g.keys[i]));
		if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
	}
	if (rc == IC_OK) {
		*removed = g.n;
		*next = g.next;
	}
	return rc;
}
