/*
 * maint.c - claim, spawn and record lazy maintenance (see maint.h).
 */
#include "cgi/maint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/log.h"
#include "store/due.h"
#include "store/store.h"

#define MAINT_KEY "maint"

static void spawn_maintain(struct ic_req *req);

static long num(const cJSON *rec, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, name);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

static void from_json(const cJSON *rec, struct ic_maint_state *st)
{
	st->last_run = (time_t)num(rec, "last_run");
	st->next_due = (time_t)num(rec, "next_due");
	st->claimed = (time_t)num(rec, "claimed");
	st->runs = num(rec, "runs");
	st->stale_readers = num(rec, "stale_readers");
}

static cJSON *to_json(const struct ic_maint_state *st)
{
	cJSON *rec = cJSON_CreateObject();

	if (rec == NULL)
		return NULL;
	if (!cJSON_AddNumberToObject(rec, "v", 1) ||
	    !cJSON_AddNumberToObject(rec, "last_run", (double)st->last_run) ||
	    !cJSON_AddNumberToObject(rec, "next_due", (double)st->next_due) ||
	    !cJSON_AddNumberToObject(rec, "claimed", (double)st->claimed) ||
	    !cJSON_AddNumberToObject(rec, "runs", (double)st->runs) ||
	    !cJSON_AddNumberToObject(rec, "stale_readers",
	                             (double)st->stale_readers)) {
		cJSON_Delete(rec);
		return NULL;
	}
	return rec;
}

enum ic_err ic_maint_read(struct ic_store *store, struct ic_arena *a,
                          struct ic_maint_state *st, char *errbuf)
{
	cJSON *rec;
	enum ic_err rc;

	memset(st, 0, sizeof(*st));
	rc = ic_store_get_json(store, a, IC_DB_META, MAINT_KEY,
	                       strlen(MAINT_KEY), &rec, errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc == IC_OK)
		from_json(rec, st);
	return rc;
}

/* Read the record inside a write transaction (zero-copy, parsed here). */
static enum ic_err txn_read(struct ic_store_txn *t, struct ic_maint_state *st)
{
	const void *v;
	size_t vlen;
	cJSON *rec;
	enum ic_err rc;

	memset(st, 0, sizeof(*st));
	rc = ic_store_txn_get(t, IC_DB_META, MAINT_KEY, strlen(MAINT_KEY), &v,
	                      &vlen);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc != IC_OK)
		return rc;
	rec = cJSON_ParseWithLength(v, vlen);
	if (rec == NULL)
		return IC_ERR_DATABASE;
	from_json(rec, st);
	cJSON_Delete(rec);
	return IC_OK;
}

static enum ic_err txn_write(struct ic_store_txn *t,
                             const struct ic_maint_state *st)
{
	cJSON *rec = to_json(st);
	enum ic_err rc;

	if (rec == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_put_json(t, IC_DB_META, MAINT_KEY, strlen(MAINT_KEY),
	                           rec);
	cJSON_Delete(rec);
	return rc;
}

struct claim_ctx {
	time_t now;
	bool claimed;
};

/* A claim is held by a run until that run records its end; one left by
 * a run that died is stale after IC_MAINT_CLAIM_SECONDS, and one from the
 * future (the clock stepped back) is stale at once. */
static bool claim_held(const struct ic_maint_state *st, time_t now)
{
	return st->claimed && st->claimed <= now &&
	       now - st->claimed < IC_MAINT_CLAIM_SECONDS;
}

/* Due: a queued job is, or the periodic run is (a next_due further away
 * than one interval means the clock stepped back: due too). */
static bool work_due(const struct ic_maint_state *st, long long first,
                     time_t now)
{
	if (first != 0 && first <= now)
		return true;
	return st->next_due <= now || st->next_due - now > IC_MAINT_INTERVAL;
}

static enum ic_err claim_txn(struct ic_store_txn *t, void *ctx)
{
	struct claim_ctx *c = ctx;
	struct ic_maint_state st;
	enum ic_err rc = txn_read(t, &st);

	c->claimed = false; /* re-runnable after a map resize */
	if (rc != IC_OK)
		return rc;
	/* While a run holds the claim it will see any job queued now: it
	 * looks at the queue again in the transaction that ends it. */
	if (claim_held(&st, c->now) ||
	    !work_due(&st, ic_due_first_in_txn(t), c->now))
		return IC_OK;
	st.claimed = c->now;
	c->claimed = true;
	return txn_write(t, &st);
}

enum ic_err ic_maint_claim(struct ic_store *store, time_t now, bool *claimed,
                           char *errbuf)
{
	struct claim_ctx c = {now, false};
	enum ic_err rc = ic_store_update(store, claim_txn, &c, errbuf);

	*claimed = rc == IC_OK && c.claimed;
	return rc;
}

struct record_ctx {
	time_t now;
	int stale;
	bool again; /* a job fell due while we ran: not ended */
};

/* End the run, unless a job is due: in one transaction with the look at
 * the queue, so a job queued by a request that saw our claim is never
 * left behind (that request did not spawn a run of its own). */
static enum ic_err record_txn(struct ic_store_txn *t, void *ctx)
{
	struct record_ctx *c = ctx;
	struct ic_maint_state st;
	long long first;
	enum ic_err rc = txn_read(t, &st);

	c->again = false;
	if (rc != IC_OK)
		return rc;
	first = ic_due_first_in_txn(t);
	st.stale_readers += c->stale;
	c->stale = 0;
	if (first != 0 && first <= c->now) {
		c->again = true;
		st.claimed = c->now;
		return txn_write(t, &st);
	}
	st.last_run = c->now;
	st.next_due = c->now + IC_MAINT_INTERVAL;
	st.claimed = 0;
	st.runs++;
	return txn_write(t, &st);
}

/* Take data_dir/maintain.lock, waiting at most IC_MAINT_LOCK_WAIT_MS: a
 * run that has just recorded its end still holds it for a moment, and the
 * run its claim's release let start must not give up on it.  -1 when busy
 * (another run is working: it looks at the queue before it ends) or
 * failing. */
static int take_lock(struct ic_req *req, bool *busy)
{
	char *path = ic_arena_printf(req->arena, "%s/maintain.lock",
	                             req->cfg.data_dir);
	int fd, waited = 0;

	*busy = false;
	if (path == NULL)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ic_failf(req->errbuf, "cannot open %s: %s", path,
		         strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		*busy = errno == EWOULDBLOCK;
		if (!*busy || waited >= IC_MAINT_LOCK_WAIT_MS) {
			if (!*busy)
				ic_failf(req->errbuf, "cannot lock %s: %s",
				         path, strerror(errno));
			close(fd);
			return -1;
		}
		usleep(10 * 1000);
		waited += 10;
	}
	*busy = false;
	return fd;
}

struct job_ctx {
	struct ic_req *req;
	struct ic_due job;
	long long now;
	long long leased; /* the job's due time while we hold it */
	bool ok;
};

static enum ic_err take_txn(struct ic_store_txn *t, void *p)
{
	struct job_ctx *c = p;

	c->leased = c->now + IC_DUE_LEASE; /* what ic_due_take_in_txn sets */
	return ic_due_take_in_txn(t, c->req->arena, c->now, &c->job);
}

static enum ic_err finish_txn(struct ic_store_txn *t, void *p)
{
	struct job_ctx *c = p;
	long long when;
	enum ic_err rc = ic_due_when_in_txn(t, c->req->arena, c->job.kind,
	                                    c->job.id, &when);

	/* A job the handler rescheduled (a poll) or that someone cancelled
	 * meanwhile (a decline) is theirs now: leave it as it is. */
	if (rc == IC_ERR_NOT_FOUND || (rc == IC_OK && when != c->leased))
		return IC_OK;
	if (rc != IC_OK)
		return rc;
	if (c->ok)
		return ic_due_cancel_in_txn(t, c->req->arena, c->job.kind,
		                            c->job.id);
	/* The lease put it IC_DUE_LEASE ahead; retry after the backoff. */
	return ic_due_schedule_in_txn(
	        t, c->req->arena, c->job.kind, c->job.id,
	        c->now + ic_due_backoff(c->job.attempts + 1),
	        c->job.attempts + 1, false);
}

static const struct ic_maint_job *job_for(const struct ic_maint_job *jobs,
                                          size_t n, const char *kind)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(jobs[i].kind, kind) == 0)
			return &jobs[i];
	return NULL;
}

/* Run due jobs one by one until none is due or the budget is spent. */
static enum ic_err run_jobs(struct ic_req *req, struct ic_store *store,
                            const struct ic_maint_job *jobs, size_t njobs,
                            int *done, time_t end)
{
	enum ic_err rc = IC_OK;

	while (time(NULL) < end) {
		struct job_ctx c = {req, {0}, time(NULL), 0, false};
		const struct ic_maint_job *h;

		rc = ic_store_update(store, take_txn, &c, req->errbuf);
		if (rc == IC_ERR_NOT_FOUND)
			return IC_OK;
		if (rc != IC_OK)
			return rc;
		h = job_for(jobs, njobs, c.job.kind);
		if (h == NULL) {
			ic_log(IC_LOG_WARN,
			       "dropping due job of unknown kind %s",
			       c.job.kind);
			c.ok = true;
		} else {
			req->errbuf[0] = '\0';
			c.ok = h->run(req, c.job.id) == IC_OK;
			if (!c.ok)
				ic_log(IC_LOG_WARN,
				       "%s %s failed (attempt %d): %s",
				       c.job.kind, c.job.id, c.job.attempts + 1,
				       req->errbuf);
			else if (done)
				(*done)++;
		}
		c.now = time(NULL);
		rc = ic_store_update(store, finish_txn, &c, req->errbuf);
		if (rc != IC_OK)
			return rc;
	}
	return IC_OK;
}

/* Run due jobs and record the end; again while jobs fell due meanwhile
 * and the budget lasts.  *more: due work is left for a fresh run. */
static enum ic_err run_and_record(struct ic_req *req, struct ic_store *store,
                                  const struct ic_maint_job *jobs, size_t njobs,
                                  struct record_ctx *c, int *done, bool *more)
{
	time_t end = time(NULL) + IC_MAINT_BUDGET_SECONDS;
	enum ic_err rc;

	*more = false;
	do {
		rc = run_jobs(req, store, jobs, njobs, done, end);
		if (rc != IC_OK)
			return rc;
		c->now = time(NULL);
		rc = ic_store_update(store, record_txn, c, req->errbuf);
		if (rc != IC_OK)
			return rc;
	} while (c->again && time(NULL) < end);
	*more = c->again;
	return IC_OK;
}

enum ic_err ic_maint_run(struct ic_req *req, const struct ic_maint_job *jobs,
                         size_t njobs, bool *ran, int *done)
{
	struct record_ctx c = {0, 0, false};
	struct ic_store *store;
	bool busy, more = false;
	int fd;
	enum ic_err rc;

	*ran = false;
	if (done)
		*done = 0;
	rc = ic_req_store(req, &store);
	if (rc != IC_OK)
		return rc;
	fd = take_lock(req, &busy);
	if (fd < 0)
		return busy ? IC_OK : IC_ERR_IO;
	/* Apache kills CGIs mid-request: their reader slots stay taken. */
	rc = ic_store_reader_check(store, &c.stale, req->errbuf);
	if (rc == IC_OK)
		rc = run_and_record(req, store, jobs, njobs, &c, done, &more);
	*ran = rc == IC_OK;
	close(fd); /* releases the lock */
	/* The budget ran out with work due: it must not wait for a request.
	 * The claim is still ours; a fresh run takes it over. */
	if (more)
		spawn_maintain(req);
	return rc;
}

/* The directory the running program lives in, from the arena. */
static char *program_dir(struct ic_arena *a)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	return ic_arena_strdup(a, path);
}

static void exec_maintain(struct ic_req *req, const char *dir)
{
	char *listener = ic_arena_printf(req->arena, "%s/listener", dir);
	char *cfg = ic_arena_printf(req->arena, "INDIECHAT_CONFIG=%s",
	                            req->cfg.path);
	char *argv[] = {"listener", "--maintain", NULL};
	/* A minimal environment: no request data, no secrets. */
	char *envp[] = {cfg, "PATH=/usr/bin:/bin", NULL};

	ic_log_to_data_dir(req->cfg.data_dir);
	if (listener && cfg)
		execve(listener, argv, envp);
	_exit(127);
}

/* Detach and exec `listener --maintain` beside the running program. */
static void spawn_maintain(struct ic_req *req)
{
	char *dir = program_dir(req->arena);
	bool child;

	if (dir == NULL) {
		ic_log(IC_LOG_WARN, "cannot find the program directory");
		return;
	}
	/* The child must not touch the parent's LMDB environment. */
	if (ic_cgi_detach(NULL, req->fastcgi, &child) != IC_OK) {
		ic_log(IC_LOG_WARN, "cannot fork for maintenance");
		return;
	}
	if (child)
		exec_maintain(req, dir);
}

void ic_maint_kick(struct ic_req *req)
{
	struct ic_store *store;
	bool claimed;

	if (ic_req_store(req, &store) != IC_OK ||
	    ic_maint_claim(store, time(NULL), &claimed, req->errbuf) != IC_OK) {
		ic_log(IC_LOG_WARN, "maintenance check failed: %s",
		       req->errbuf);
		return;
	}
	if (claimed)
		spawn_maintain(req);
}

/* --- Clean-up jobs ------------------------------------------------------- */

struct gc_run {
	struct ic_arena *a;
	const char *kind;
	ic_maint_gc_fn gc;
	long long now, next;
	size_t removed;
};

static enum ic_err gc_txn(struct ic_store_txn *t, void *p)
{
	struct gc_run *g = p;
	enum ic_err rc = g->gc(t, g->a, g->now, &g->removed, &g->next);

	/* Not keep_earlier: the lease is sooner, and a job whose schedule
	 * is still its lease counts as done (finish_txn). */
	if (rc == IC_OK && g->next)
		rc = ic_due_schedule_in_txn(t, g->a, g->kind, "all", g->next, 0,
		                            false);
	return rc;
}

enum ic_err ic_maint_gc_job(struct ic_req *req, const char *kind,
                            ic_maint_gc_fn gc, const char *what)
{
	struct gc_run g = {req->arena, kind, gc, (long long)time(NULL), 0, 0};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_update(st, gc_txn, &g, req->errbuf);
	if (rc == IC_OK && g.removed)
		ic_log(IC_LOG_INFO, "removed %zu %s", g.removed, what);
	return rc;
}
