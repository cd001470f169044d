/*
 * store_rate.h - fixed-window request counters (issue 12: rate limits on
 * the ticket and token endpoints; the policy is cgi/ratelimit.c's).
 *
 * A counter is (rule, key): the rule says what is counted, how many per
 * window and how long the window is; the key is a client address or a
 * site's origin.  Fixed windows, because each counter is then one small
 * record read and written in the request's own transaction, and the
 * burst they allow at a window's edge (twice the limit) is still bounded.
 *
 * rate_windows: "<rule>|<key>" -> {"v":1, "start", "count", "end"}
 *   start: when the window began (unix seconds), end = start + window
 *   (what the clean-up reads).  A key too long for LMDB is replaced by
 *   its SHA-256.
 *
 * The clock: a window that starts in the future (the clock stepped back)
 * restarts now and keeps its count, so a backward step neither resets a
 * limit nor makes anybody wait longer than one window.
 *
 * Growth: a window is created only by a request that is let through, and
 * the due job IC_RATE_GC_JOB deletes windows that have ended, at most
 * IC_RATE_GC_MAX per run.  All functions run in the caller's write
 * transaction; strings come from the caller's arena.
 */
#ifndef IC_STORE_RATE_H
#define IC_STORE_RATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

/* The due job that deletes ended windows. */
#define IC_RATE_GC_JOB "rate_gc"

struct ic_rate_rule {
	const char *name; /* "ticket-addr", ...: part of the key */
	long long limit;  /* requests let through per window */
	long long window; /* seconds */
	bool check_only;  /* look, never count (counted elsewhere) */
};

/* One counter a request is judged by: a rule and its key. */
struct ic_rate_hit {
	const struct ic_rate_rule *rule;
	const char *key; /* NULL: this rule does not apply */
};

/**
 * Judge one request by all of @p hits at @p now: when every counter is
 * below its limit, count it in each (unless check_only) and set
 * *@p retry_after to 0; otherwise count nothing and set it to the
 * seconds until the fullest window frees (>= 1).
 * @return IC_OK either way; a store error.
 */
enum ic_err ic_store_rate_take_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a,
                                      const struct ic_rate_hit *hits, size_t n,
                                      long long now, long long *retry_after);

/**
 * The count in (@p rule, @p key)'s window at @p now (0 when it has ended
 * or none exists), for tests and the status page.
 */
enum ic_err ic_store_rate_count_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a,
                                       const struct ic_rate_rule *rule,
                                       const char *key, long long now,
                                       long long *count);

/**
 * Delete windows that ended at or before @p now, at most IC_RATE_GC_MAX.
 * @param[out] removed  windows deleted.
 * @param[out] next     the earliest end still stored (0: none).
 */
enum ic_err ic_store_rate_gc_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    long long now, size_t *removed,
                                    long long *next);

#endif /* IC_STORE_RATE_H */
