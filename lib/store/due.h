/*
 * due.h - the due-work queue of lazy maintenance (DESIGN.md "Work after
 * the response, and no daemon").
 *
 * Every piece of work that must happen later -- notify a hub again, fetch
 * a correspondent's feed (catch-up), send a ticket again, renew a lease --
 * is a job (kind, id) with a due time, in LMDB, so it survives crashes.
 * `listener --maintain` takes due jobs one at a time.  Taking a job does
 * not delete it: it is pushed IC_DUE_LEASE seconds into the future with
 * one more attempt, so a worker killed mid-job leaves it to be retried;
 * the handler then cancels it (done) or reschedules it (retry later).
 *
 * due: "q:<due time, 16 hex>:<kind>:<id>" -> {"v":1, "kind", "id", "attempts"}
 *      "k:<kind>:<id>"                      -> the "q:" key (one job per
 *                                              kind and id)
 * All functions run inside a write transaction the caller owns.
 */
#ifndef IC_DUE_H
#define IC_DUE_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ic_limits.h"
#include "store/store.h"

struct ic_due {
	const char *kind; /* "notify", "fetch", "ticket", "renew", … */
	const char *id;   /* usually a conversation or subscription id */
	long long when;
	int attempts; /* how often it was taken before */
};

/**
 * Schedule (kind, id) at @p when, replacing an earlier schedule of the
 * same job unless @p keep_earlier and that one is sooner.
 */
enum ic_err ic_due_schedule_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                   const char *kind, const char *id,
                                   long long when, int attempts,
                                   bool keep_earlier);

/**
 * When job (kind, id) is due.
 * @return IC_OK; IC_ERR_NOT_FOUND (not scheduled).
 */
enum ic_err ic_due_when_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                               const char *kind, const char *id,
                               long long *when);

/** Remove job (kind, id); IC_OK when it was not there. */
enum ic_err ic_due_cancel_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                 const char *kind, const char *id);

/**
 * The earliest job due at or before @p now, leased for IC_DUE_LEASE
 * seconds with attempts + 1.  @return IC_OK; IC_ERR_NOT_FOUND (none due).
 */
enum ic_err ic_due_take_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                               long long now, struct ic_due *out);

/** The due time of the earliest job, or 0 when the queue is empty. */
long long ic_due_first_in_txn(struct ic_store_txn *t);

/** Backoff after @p attempts failures: 30 s doubling, at most 1 hour. */
long long ic_due_backoff(int attempts);

#endif /* IC_DUE_H */
