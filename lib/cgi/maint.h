/*
 * maint.h - lazy maintenance: due work without a daemon (DESIGN.md).
 *
 * Every program, after its response is complete, asks ic_maint_kick()
 * whether maintenance is due.  If it is, the first request to notice
 * claims the run in one short write transaction (so a burst of requests
 * spawns one job, not one each), detaches from the web server and execs
 * `listener --maintain` beside itself.  `listener --maintain` runs under
 * an exclusive lock file in data_dir, bounded in time, and records when it
 * ran and when it is due next.  A cron line running the same command is
 * optional, for quiet sites.
 *
 * State: the META record "maint" = {"v":1, "last_run": unix time,
 * "next_due": unix time, "claimed": unix time, "runs": count,
 * "stale_readers": count}.
 */
#ifndef IC_MAINT_H
#define IC_MAINT_H

#include <stdbool.h>
#include <time.h>

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store.h"

struct ic_store;

/** The maintenance record as numbers (0 when never run). */
struct ic_maint_state {
	time_t last_run;
	time_t next_due;
	time_t claimed;
	long runs;
	long stale_readers;
};

/**
 * Read the maintenance record.
 * @param[out] st  zeroed when there is no record yet.
 * @return IC_OK or the store's error.
 */
enum ic_err ic_maint_read(struct ic_store *store, struct ic_arena *a,
                          struct ic_maint_state *st, char *errbuf);

/**
 * Claim a due run: in one write transaction, if next_due <= @p now or a
 * job in the due queue is due, and no run holds the claim, record the
 * claim.  A run holds it until it records its end, which it does only in
 * a transaction that finds no job due: so a job queued while a run holds
 * the claim is that run's, and a job queued after is the next claim's.
 * No due job waits for a later request (issue 11).  A claim left by a
 * killed run lapses after IC_MAINT_CLAIM_SECONDS; one dated in the future
 * (the clock stepped back) lapses at once.
 * @param[out] claimed  true when this caller should start the run.
 */
enum ic_err ic_maint_claim(struct ic_store *store, time_t now, bool *claimed,
                           char *errbuf);

/**
 * A handler for one kind of due job (lib/store/due.h).  It returns IC_OK when
 * the job is done (the job is then removed) or an error (the job is
 * retried after ic_due_backoff()); it may itself reschedule its job.
 */
struct ic_maint_job {
	const char *kind;
	enum ic_err (*run)(struct ic_req *req, const char *id);
};

/**
 * Run maintenance now (the `listener --maintain` command): take the lock
 * file data_dir/maintain.lock, waiting at most IC_MAINT_LOCK_WAIT_MS
 * (IC_OK without work when another run holds it, @p ran = false: that run
 * looks at the queue before it ends), clear stale LMDB reader slots, run
 * the due jobs with the handlers in @p jobs (a job of an unknown kind is
 * logged and dropped) for at most IC_MAINT_BUDGET_SECONDS, then record
 * the run and release the claim.  Jobs still due when the budget is spent
 * go to a fresh detached run, not to the next request.
 * @param[out] done  jobs completed (optional).
 * @return IC_OK or the store's / lock file's error.
 */
enum ic_err ic_maint_run(struct ic_req *req, const struct ic_maint_job *jobs,
                         size_t njobs, bool *ran, int *done);

/** A clean-up in one write transaction (store/store_auth.h, store_rate.h):
 * deletes what ended by @p now, counts it, names the next end still
 * stored (0: none). */
typedef enum ic_err (*ic_maint_gc_fn)(struct ic_store_txn *t,
                                      struct ic_arena *a, long long now,
                                      size_t *removed, long long *next);

/**
 * Run the clean-up job @p kind: @p gc, then the job rescheduled in the
 * same transaction for the next end, replacing its lease (so the runner
 * keeps it rather than removing a finished job), and "removed N @p what"
 * logged when something went.
 */
enum ic_err ic_maint_gc_job(struct ic_req *req, const char *kind,
                            ic_maint_gc_fn gc, const char *what);

/**
 * After the response: if maintenance is due and this request claims it,
 * detach and exec `listener --maintain` from the directory of the running
 * program.  Never fails visibly: problems are logged, and the next request
 * tries again.  Returns in the original process; the detached child never
 * returns (it execs or exits).
 */
void ic_maint_kick(struct ic_req *req);

#endif /* IC_MAINT_H */
