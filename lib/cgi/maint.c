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

static enum ic_err claim_txn(struct ic_store_txn *t, void *ctx)
{
	struct claim_ctx *c = ctx;
	struct ic_maint_state st;
	enum ic_err rc = txn_read(t, &st);

	long long first;

	c->claimed = false; /* re-runnable after a map resize */
	if (rc != IC_OK)
		return rc;
	first = ic_due_first_in_txn(t);
	/* A claim holds for a while, so a burst spawns one run; but work
	 * that fell due after the last claim (a hub verification queued a
	 * moment ago) need not wait for the window to pass. */
	if (st.claimed && st.claimed + IC_MAINT_CLAIM_SECONDS > c->now &&
	    !(first > st.claimed && first <= c->now))
		return IC_OK;
	if (st.next_due > c->now && (first == 0 || first > c->now))
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
};

static enum ic_err record_txn(struct ic_store_txn *t, void *ctx)
{
	struct record_ctx *c = ctx;
	struct ic_maint_state st;
	enum ic_err rc = txn_read(t, &st);

	if (rc != IC_OK)
		return rc;
	st.last_run = c->now;
	st.next_due = c->now + IC_MAINT_INTERVAL;
	st.runs++;
	st.stale_readers += c->stale;
	return txn_write(t, &st);
}

/* Take data_dir/maintain.lock without waiting; -1 when busy or failing. */
static int take_lock(struct ic_req *req, bool *busy)
{
	char *path = ic_arena_printf(req->arena, "%s/maintain.lock",
				     req->cfg.data_dir);
	int fd;

	*busy = false;
	if (path == NULL)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ic_failf(req->errbuf, "cannot open %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		*busy = errno == EWOULDBLOCK;
		if (!*busy)
			ic_failf(req->errbuf, "cannot lock %s: %s", path,
				 strerror(errno));
		close(fd);
		return -1;
	}
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
	return ic_due_schedule_in_txn(t, c->req->arena, c->job.kind,
				      c->job.id,
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
			    int *done)
{
	time_t end = time(NULL) + IC_MAINT_BUDGET_SECONDS;
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
			ic_log(IC_LOG_WARN, "dropping due job of unknown kind %s",
			       c.job.kind);
			c.ok = true;
		} else {
			req->errbuf[0] = '\0';
			c.ok = h->run(req, c.job.id) == IC_OK;
			if (!c.ok)
				ic_log(IC_LOG_WARN, "%s %s failed (attempt %d): %s",
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

enum ic_err ic_maint_run(struct ic_req *req, const struct ic_maint_job *jobs,
			 size_t njobs, bool *ran, int *done)
{
	struct record_ctx c = {0, 0};
	struct ic_store *store;
	bool busy;
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
		rc = run_jobs(req, store, jobs, njobs, done);
	if (rc == IC_OK) {
		c.now = time(NULL);
		rc = ic_store_update(store, record_txn, &c, req->errbuf);
	}
	*ran = rc == IC_OK;
	close(fd); /* releases the lock */
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

void ic_maint_kick(struct ic_req *req)
{
	struct ic_store *store;
	bool claimed, child;
	char *dir;

	if (ic_req_store(req, &store) != IC_OK ||
	    ic_maint_claim(store, time(NULL), &claimed, req->errbuf) !=
		    IC_OK) {
		ic_log(IC_LOG_WARN, "maintenance check failed: %s",
		       req->errbuf);
		return;
	}
	if (!claimed)
		return;
	dir = program_dir(req->arena);
	if (dir == NULL) {
		ic_log(IC_LOG_WARN, "cannot find the program directory");
		return;
	}
	/* The child must not touch the parent's LMDB environment. */
	if (ic_cgi_detach(NULL, &child) != IC_OK) {
		ic_log(IC_LOG_WARN, "cannot fork for maintenance");
		return;
	}
	if (child)
		exec_maintain(req, dir);
}
