/*
 * store_notify.c - what the owner is still to be told (see store_notify.h).
 */
#include "store/store_notify.h"

#include <string.h>

#include "core/ic_limits.h"
#include "store/conv_state.h"
#include "store/due.h"
#include "store/store_conv.h"
#include "text/json.h"

struct rec {
	struct ic_notify_batch pending, flight;
	long long batch, sent;
};

/* The names of one batch's fields: pending ones bare, in flight "f_". */
#define NFIELDS 8
static const char *const names[2][NFIELDS] = {
        {"requests", "accepted", "count", "from", "to", "first", "last",
         "problems"},
        {"f_requests", "f_accepted", "f_count", "f_from", "f_to", "f_first",
         "f_last", "f_problems"},
};

static long long *field(struct ic_notify_batch *b, int i)
{
	long long *f[NFIELDS] = {&b->requests, &b->accepted, &b->count,
	                         &b->from,     &b->to,       &b->first,
	                         &b->last,     &b->problems};

	return f[i];
}

static bool empty(const struct ic_notify_batch *b)
{
	return b->requests == 0 && b->accepted == 0 && b->count == 0 &&
	       b->problems == 0;
}

/* A record that is missing or unreadable is an empty one: the next write
 * replaces it (a corrupt record must not stop notifications for good). */
static enum ic_err load(struct ic_store_txn *t, struct ic_arena *a,
                        const char *conv, struct rec *r)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_NOTIFY, conv,
	                                       strlen(conv), &j);

	memset(r, 0, sizeof(*r));
	if (rc == IC_ERR_NOT_FOUND || rc == IC_ERR_DATABASE)
		return IC_OK;
	if (rc != IC_OK)
		return rc;
	for (int i = 0; i < NFIELDS; i++) {
		*field(&r->pending, i) = ic_json_num(j, names[0][i], 0);
		*field(&r->flight, i) = ic_json_num(j, names[1][i], 0);
	}
	r->flight.told = ic_json_num(j, "f_told", 0);
	r->batch = ic_json_num(j, "batch", 0);
	r->sent = ic_json_num(j, "sent", 0);
	return IC_OK;
}

static enum ic_err save(struct ic_store_txn *t, struct ic_arena *a,
                        const char *conv, struct rec *r)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc = j ? IC_OK : IC_ERR_NOMEM;

	for (int i = 0; rc == IC_OK && i < NFIELDS; i++) {
		rc = ic_json_add_num(j, names[0][i], *field(&r->pending, i));
		if (rc == IC_OK)
			rc = ic_json_add_num(j, names[1][i],
			                     *field(&r->flight, i));
	}
	if (rc == IC_OK && r->flight.told)
		rc = ic_json_add_num(j, "f_told", r->flight.told);
	if (rc == IC_OK)
		rc = ic_json_add_num(j, "batch", r->batch);
	if (rc == IC_OK)
		rc = ic_json_add_num(j, "sent", r->sent);
	if (rc == IC_OK)
		rc = ic_store_txn_put_json(t, IC_DB_NOTIFY, conv, strlen(conv),
		                           j);
	return rc;
}

/* One mail per conversation per IC_NOTIFY_COALESCE_SECONDS; a "sent" in
 * the future (the clock stepped back) waits at most that long. */
static long long next_slot(const struct rec *r, long long now)
{
	long long when = r->sent + IC_NOTIFY_COALESCE_SECONDS;

	if (when <= now || r->sent > now)
		return r->sent > now ? now + IC_NOTIFY_COALESCE_SECONDS : now;
	return when;
}

enum ic_err ic_store_notify_event_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *conv,
                                         enum ic_notify_kind kind,
                                         long long count, long long from,
                                         long long to, long long now)
{
	struct rec r;
	long long when;
	enum ic_err rc = load(t, a, conv, &r);

	if (rc != IC_OK)
		return rc;
	if (empty(&r.pending))
		r.pending.first = now;
	r.pending.last = now;
	if (kind == IC_NOTIFY_REQUEST)
		r.pending.requests = 1;
	else if (kind == IC_NOTIFY_ACCEPTED)
		r.pending.accepted = 1;
	else if (kind == IC_NOTIFY_PROBLEM)
		r.pending.problems = 1;
	else if (count > 0) {
		if (r.pending.count == 0)
			r.pending.from = from;
		r.pending.to = to;
		r.pending.count += count;
	}
	rc = save(t, a, conv, &r);
	/* A batch in flight has its retry scheduled, with its backoff. */
	if (rc != IC_OK ||
	    (!empty(&r.flight) &&
	     ic_due_when_in_txn(t, a, IC_NOTIFY_JOB, conv, &when) == IC_OK))
		return rc;
	return ic_due_schedule_in_txn(t, a, IC_NOTIFY_JOB, conv,
	                              next_slot(&r, now), 0, true);
}

enum ic_err ic_store_notify_claim_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *conv,
                                         struct ic_notify_batch *out,
                                         long long *batch)
{
	struct rec r;
	enum ic_err rc = load(t, a, conv, &r);

	if (rc != IC_OK)
		return rc;
	if (empty(&r.flight)) {
		if (empty(&r.pending))
			return IC_ERR_NOT_FOUND;
		r.flight = r.pending;
		r.flight.told = 0;
		memset(&r.pending, 0, sizeof(r.pending));
		r.batch++;
		rc = save(t, a, conv, &r);
	}
	*out = r.flight;
	*batch = r.batch;
	return rc;
}

enum ic_err ic_store_notify_done_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *conv,
                                        long long batch, long long now,
                                        bool mailed)
{
	struct rec r;
	enum ic_err rc = load(t, a, conv, &r);

	if (rc != IC_OK || r.batch != batch || empty(&r.flight))
		return rc;
	memset(&r.flight, 0, sizeof(r.flight));
	if (mailed)
		r.sent = now;
	rc = save(t, a, conv, &r);
	/* Nothing more: the job ends here (an earlier schedule left in the
	 * queue would let the next event skip the minute). */
	if (rc == IC_OK && empty(&r.pending))
		return ic_due_cancel_in_txn(t, a, IC_NOTIFY_JOB, conv);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, a, IC_NOTIFY_JOB, conv,
		                            next_slot(&r, now), 0, false);
	return rc;
}

enum ic_err ic_store_notify_told_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *conv,
                                        long long batch, unsigned channel)
{
	struct rec r;
	enum ic_err rc = load(t, a, conv, &r);

	if (rc != IC_OK || r.batch != batch || empty(&r.flight))
		return rc;
	r.flight.told |= (long long)channel;
	return save(t, a, conv, &r);
}

enum ic_err ic_store_notify_forget_in_txn(struct ic_store_txn *t,
                                          const char *conv)
{
	enum ic_err rc = ic_store_txn_del(t, IC_DB_NOTIFY, conv, strlen(conv));

	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

enum ic_err ic_store_notify_problem_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a, const char *conv,
                                           bool on, long long now)
{
	struct ic_conv c;
	enum ic_err rc;

	if (!on)
		return IC_OK;
	rc = ic_store_conv_get_in_txn(t, a, conv, &c);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc != IC_OK || c.notify_muted || ic_conv_closed(c.state))
		return rc;
	return ic_store_notify_event_in_txn(t, a, conv, IC_NOTIFY_PROBLEM, 0, 0,
	                                    0, now);
}
