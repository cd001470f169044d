/*
 * due.c - the crash-safe due-work queue (see due.h).
 */
#include "store/due.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/json.h"

static char *queue_key(struct ic_arena *a, long long when, const char *kind,
                       const char *id)
{
	return ic_arena_printf(a, "q:%016llx:%s:%s",
	                       (unsigned long long)(when < 0 ? 0 : when), kind,
	                       id);
}

static char *index_key(struct ic_arena *a, const char *kind, const char *id)
{
	return ic_arena_printf(a, "k:%s:%s", kind, id);
}

static long long when_of(const char *qkey, size_t len)
{
	char hex[17];

	if (len < 19 || strncmp(qkey, "q:", 2) != 0)
		return 0;
	memcpy(hex, qkey + 2, 16);
	hex[16] = '\0';
	return (long long)strtoull(hex, NULL, 16);
}

/* Remove the job's queue entry and index; report its time if present. */
static enum ic_err unlink_job(struct ic_store_txn *t, struct ic_arena *a,
                              const char *kind, const char *id, long long *when)
{
	char *ikey = index_key(a, kind, id);
	const void *v;
	size_t vl;
	enum ic_err rc;
	char *qkey;

	*when = 0;
	if (ikey == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_get(t, IC_DB_DUE, ikey, strlen(ikey), &v, &vl);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc)
		return rc;
	qkey = ic_arena_memdup(a, v, vl);
	if (qkey == NULL)
		return IC_ERR_NOMEM;
	*when = when_of(qkey, vl);
	rc = ic_store_txn_del(t, IC_DB_DUE, qkey, vl);
	if (rc && rc != IC_ERR_NOT_FOUND)
		return rc;
	rc = ic_store_txn_del(t, IC_DB_DUE, ikey, strlen(ikey));
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

enum ic_err ic_due_schedule_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                   const char *kind, const char *id,
                                   long long when, int attempts,
                                   bool keep_earlier)
{
	long long old;
	char *qkey, *ikey;
	cJSON *j;
	enum ic_err rc = unlink_job(t, a, kind, id, &old);

	if (rc)
		return rc;
	if (keep_earlier && old && old < when)
		when = old;
	qkey = queue_key(a, when, kind, id);
	ikey = index_key(a, kind, id);
	j = ic_json_record(a, 1);
	if (qkey == NULL || ikey == NULL || j == NULL ||
	    ic_json_add_str(j, "kind", kind) || ic_json_add_str(j, "id", id) ||
	    ic_json_add_num(j, "attempts", attempts))
		return IC_ERR_NOMEM;
	rc = ic_store_txn_put_json(t, IC_DB_DUE, qkey, strlen(qkey), j);
	if (rc)
		return rc;
	return ic_store_txn_put(t, IC_DB_DUE, ikey, strlen(ikey), qkey,
	                        strlen(qkey), 0);
}

enum ic_err ic_due_when_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                               const char *kind, const char *id,
                               long long *when)
{
	char *ikey = index_key(a, kind, id);
	const void *v;
	size_t vl;
	enum ic_err rc;

	*when = 0;
	if (ikey == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_get(t, IC_DB_DUE, ikey, strlen(ikey), &v, &vl);
	if (rc == IC_OK)
		*when = when_of(v, vl);
	return rc;
}

enum ic_err ic_due_cancel_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                 const char *kind, const char *id)
{
	long long old;

	return unlink_job(t, a, kind, id, &old);
}

struct first_ctx {
	struct ic_arena *a;
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
};

static enum ic_err first_one(const void *k, size_t kl, const void *v, size_t vl,
                             void *ctx)
{
	struct first_ctx *f = ctx;

	f->klen = kl;
	f->vlen = vl;
	if (f->a) {
		f->key = ic_arena_memdup(f->a, k, kl);
		f->val = ic_arena_memdup(f->a, v, vl);
		if (f->key == NULL || f->val == NULL)
			return IC_ERR_NOMEM;
	} else {
		f->key = k;
	}
	return IC_STORE_STOP;
}

long long ic_due_first_in_txn(struct ic_store_txn *t)
{
	struct first_ctx f = {NULL, NULL, 0, NULL, 0};

	if (ic_store_txn_scan(t, IC_DB_DUE, "q:", 2, first_one, &f) != IC_OK ||
	    f.key == NULL)
		return 0;
	return when_of(f.key, f.klen);
}

enum ic_err ic_due_take_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                               long long now, struct ic_due *out)
{
	struct first_ctx f = {a, NULL, 0, NULL, 0};
	cJSON *j;
	enum ic_err rc =
	        ic_store_txn_scan(t, IC_DB_DUE, "q:", 2, first_one, &f);

	if (rc)
		return rc;
	if (f.key == NULL || when_of(f.key, f.klen) > now)
		return IC_ERR_NOT_FOUND;
	if (ic_json_parse(a, f.val, f.vlen, &j) != IC_OK)
		return IC_ERR_DATABASE;
	out->kind = ic_json_str(a, j, "kind");
	out->id = ic_json_str(a, j, "id");
	out->attempts = (int)ic_json_num(j, "attempts", 0);
	out->when = when_of(f.key, f.klen);
	if (out->kind == NULL || out->id == NULL)
		return IC_ERR_DATABASE;
	/* Lease it: a worker killed mid-job leaves it to be retried. */
	return ic_due_schedule_in_txn(t, a, out->kind, out->id,
	                              now + IC_DUE_LEASE, out->attempts + 1,
	                              false);
}

long long ic_due_backoff(int attempts)
{
	long long s = IC_DUE_BACKOFF_FIRST;

	for (int i = 1; i < attempts && s < IC_DUE_BACKOFF_MAX; i++)
		s *= 2;
	return s < IC_DUE_BACKOFF_MAX ? s : IC_DUE_BACKOFF_MAX;
}
