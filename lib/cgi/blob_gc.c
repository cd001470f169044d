/*
 * blob_gc.c - the due jobs that remove attachment files (see blob_gc.h).
 */
#include "cgi/blob_gc.h"

#include <time.h>

#include "core/ic_limits.h"
#include "core/log.h"
#include "store/due.h"
#include "store/store.h"
#include "store/store_blobref.h"
#include "store/store_msg.h"

struct gc_ctx {
	struct ic_arena *a;
	const char *id;
	long long now, when;
	bool removed, force, scheduled;
	size_t swept;
};

static enum ic_err collect_txn(struct ic_store_txn *t, void *p)
{
	struct gc_ctx *c = p;

	return ic_store_blobref_collect_in_txn(t, c->a, c->id, &c->removed);
}

enum ic_err ic_blob_gc_job(struct ic_req *req, const char *id)
{
	struct gc_ctx c = {.a = req->arena, .id = id};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_update(st, collect_txn, &c, req->errbuf);
	if (rc == IC_OK && c.removed)
		ic_log(IC_LOG_INFO,
		       "removed attachment %s: no message names it", id);
	return rc;
}

/* A build step, or a sweep; the job scheduled again in the same
 * transaction (the runner then keeps it: maint.h). */
static enum ic_err sweep_txn(struct ic_store_txn *t, void *p)
{
	struct gc_ctx *c = p;
	bool done, more;
	enum ic_err rc = ic_store_msg_refs_build_in_txn(
	        t, c->a, IC_BLOB_REFS_BUILD_CHUNK, &done);

	c->swept = 0;
	if (rc == IC_OK && !done)
		c->when = c->now; /* a build step: the next one at once */
	else if (rc == IC_OK) {
		rc = ic_store_blobref_sweep_in_txn(t, c->a, c->now, &c->swept,
		                                   &more);
		c->when = c->now +
		          (more ? IC_MAINT_INTERVAL : IC_BLOB_SWEEP_INTERVAL);
	}
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, c->a, IC_BLOB_SWEEP_JOB, "all",
		                            c->when, 0, false);
	return rc;
}

enum ic_err ic_blob_sweep_job(struct ic_req *req, const char *id)
{
	/* An arena of its own: the build runs this job again and again in
	 * one maintenance run, whose request arena would keep every step's
	 * messages. */
	struct gc_ctx c = {.a = ic_arena_new(0), .now = (long long)time(NULL)};
	struct ic_store *st;
	enum ic_err rc = c.a ? ic_req_store(req, &st) : IC_ERR_NOMEM;

	(void)id;
	if (rc == IC_OK)
		rc = ic_store_update(st, sweep_txn, &c, req->errbuf);
	ic_arena_free(c.a);
	if (rc == IC_OK && c.swept)
		ic_log(IC_LOG_INFO,
		       "removed %zu attachment file(s) no message names",
		       c.swept);
	return rc;
}

static enum ic_err schedule_txn(struct ic_store_txn *t, void *p)
{
	struct gc_ctx *c = p;
	long long when;

	if (!c->force && ic_due_when_in_txn(t, c->a, IC_BLOB_SWEEP_JOB, "all",
	                                    &when) == IC_OK)
		return IC_OK;
	return ic_due_schedule_in_txn(t, c->a, IC_BLOB_SWEEP_JOB, "all",
	                              c->when, 0, false);
}

static enum ic_err scheduled_txn(struct ic_store_txn *t, void *p)
{
	struct gc_ctx *c = p;
	long long when;

	c->scheduled = ic_due_when_in_txn(t, c->a, IC_BLOB_SWEEP_JOB, "all",
	                                  &when) == IC_OK;
	return IC_OK;
}

enum ic_err ic_blob_sweep_schedule(struct ic_req *req, long long when)
{
	struct gc_ctx c = {.a = req->arena,
	                   .when = when ? when : (long long)time(NULL),
	                   .force = when != 0};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	/* A read first: every maintenance run asks, one in a store's life
	 * writes. */
	if (rc == IC_OK && !c.force)
		rc = ic_store_view(st, scheduled_txn, &c, req->errbuf);
	if (rc == IC_OK && !c.scheduled)
		rc = ic_store_update(st, schedule_txn, &c, req->errbuf);
	return rc;
}
