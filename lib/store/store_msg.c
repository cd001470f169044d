/*
 * store_msg.c - message records and the uid index (see store_msg.h).
 */
#include "store/store_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_index.h"
#include "text/json.h"

char *ic_msg_uid(struct ic_arena *a, const char *topic_url, long long seq,
                 unsigned long long nonce)
{
	return ic_arena_printf(a, "%s#m%lld-%010llx", topic_url, seq,
	                       nonce & 0xffffffffffULL);
}

static char *msg_key(struct ic_arena *a, const char *conv, char dir,
                     long long seq)
{
	return ic_arena_printf(a, "%s:%c:%012lld", conv, dir, seq);
}

static char *uid_key(struct ic_arena *a, const char *conv, const char *uid)
{
	return ic_arena_printf(a, "%s %s", conv, uid);
}

enum ic_msg_state ic_msg_delivery(const struct ic_conv *c, long long seq)
{
	/* Both marks only grow, and fetched never passes what was
	 * published; a message is in the furthest state its seq reaches. */
	if (seq <= c->fetched_seq)
		return IC_MSG_FETCHED;
	return seq <= c->notified_seq ? IC_MSG_NOTIFIED : IC_MSG_STORED;
}

const char *ic_msg_state_name(enum ic_msg_state s)
{
	switch (s) {
	case IC_MSG_FETCHED:
		return "fetched";
	case IC_MSG_NOTIFIED:
		return "notified";
	case IC_MSG_STORED:
		break;
	}
	return "stored";
}

static enum ic_err to_json(struct ic_arena *a, const struct ic_msg *m,
                           cJSON **out)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "uid", m->uid);
	if (!rc)
		rc = ic_json_add_str(j, "url", m->url);
	if (!rc)
		rc = ic_json_add_num(j, "published", m->published);
	if (!rc)
		rc = ic_json_add_num(j, "received", m->received);
	if (!rc)
		rc = ic_json_add_num(j, "order", m->order);
	if (!rc)
		rc = ic_json_add_str(j, "text", m->text);
	if (!rc)
		rc = ic_json_add_str(j, "html", m->html);
	if (!rc)
		rc = ic_json_add_str(j, "author", m->author);
	*out = j;
	return rc;
}

static enum ic_err from_json(struct ic_arena *a, const cJSON *j,
                             const char *conv, char dir, long long seq,
                             struct ic_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->conv = conv;
	m->dir = dir;
	m->seq = seq;
	m->uid = ic_json_str(a, j, "uid");
	m->url = ic_json_str(a, j, "url");
	m->published = ic_json_num(j, "published", 0);
	m->received = ic_json_num(j, "received", 0);
	m->order = ic_json_num(j, "order", 0);
	m->text = ic_json_str(a, j, "text");
	m->html = ic_json_str(a, j, "html");
	m->author = ic_json_str(a, j, "author");
	return m->uid && m->text ? IC_OK : IC_ERR_DATABASE;
}

/* The search index changes in the transaction that stores the message
 * (store_index.h): an overwrite first drops the old text's postings. */
static enum ic_err reindex(struct ic_store_txn *t, struct ic_arena *a,
                           const struct ic_msg *m, bool is_new)
{
	struct ic_msg *old = NULL;
	size_t n = 0;
	enum ic_err rc = IC_OK;

	if (!is_new)
		rc = ic_store_msg_range_in_txn(t, a, m->conv, m->dir, m->seq,
		                               m->seq, &old, &n);
	if (rc == IC_OK && n == 1)
		rc = ic_store_index_msg_in_txn(t, old->conv, old->dir, old->seq,
		                               old->received, old->text, false);
	if (rc == IC_OK)
		rc = ic_store_index_msg_in_txn(t, m->conv, m->dir, m->seq,
		                               m->received, m->text, true);
	return rc;
}

static enum ic_err put(struct ic_store_txn *t, struct ic_arena *a,
                       const struct ic_msg *m, bool is_new)
{
	char *key = msg_key(a, m->conv, m->dir, m->seq);
	char *ukey = uid_key(a, m->conv, m->uid);
	cJSON *j;
	enum ic_err rc;

	if (key == NULL || ukey == NULL)
		return IC_ERR_NOMEM;
	if (is_new) {
		/* The uid index first: a known uid writes nothing. */
		rc = ic_store_txn_put(t, IC_DB_MESSAGE_UIDS, ukey, strlen(ukey),
		                      key, strlen(key), IC_STORE_NOOVERWRITE);
		if (rc)
			return rc;
	}
	rc = reindex(t, a, m, is_new);
	if (rc)
		return rc;
	rc = to_json(a, m, &j);
	if (rc)
		return rc;
	return ic_store_txn_put_json(t, IC_DB_MESSAGES, key, strlen(key), j);
}

enum ic_err ic_store_msg_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    const struct ic_msg *m)
{
	return put(t, a, m, true);
}

enum ic_err ic_store_msg_update_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a,
                                       const struct ic_msg *m)
{
	return put(t, a, m, false);
}

bool ic_store_msg_uid_known_in_txn(struct ic_store_txn *t, const char *conv,
                                   const char *uid)
{
	char key[1024];
	const void *v;
	size_t vl;
	int n = snprintf(key, sizeof(key), "%s %s", conv, uid);

	if (n < 0 || (size_t)n >= sizeof(key))
		return false;
	return ic_store_txn_get(t, IC_DB_MESSAGE_UIDS, key, (size_t)n, &v,
	                        &vl) == IC_OK;
}

struct range_ctx {
	struct ic_arena *a;
	const char *conv;
	char dir;
	long long to;
	struct ic_msg *items;
	size_t n, cap;
};

static enum ic_err range_one(const void *k, size_t kl, const void *v, size_t vl,
                             void *ctx)
{
	struct range_ctx *r = ctx;
	char digits[13];
	long long seq;
	cJSON *j;

	if (kl < 12)
		return IC_ERR_DATABASE;
	memcpy(digits, (const char *)k + kl - 12, 12);
	digits[12] = '\0';
	seq = strtoll(digits, NULL, 10);
	if (seq > r->to)
		return IC_STORE_STOP;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct ic_msg *p = ic_arena_calloc(r->a, cap, sizeof(*p));

		if (p == NULL)
			return IC_ERR_NOMEM;
		if (r->n)
			memcpy(p, r->items, r->n * sizeof(*p));
		r->items = p;
		r->cap = cap;
	}
	if (ic_json_parse(r->a, v, vl, &j) != IC_OK ||
	    from_json(r->a, j, r->conv, r->dir, seq, &r->items[r->n]) != IC_OK)
		return IC_ERR_DATABASE;
	r->n++;
	return IC_OK;
}

enum ic_err ic_store_msg_range_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *conv,
                                      char dir, long long from, long long to,
                                      struct ic_msg **out, size_t *n)
{
	struct range_ctx r = {a, conv, dir, to, NULL, 0, 0};
	char *start = msg_key(a, conv, dir, from < 1 ? 1 : from);
	enum ic_err rc;

	*out = NULL;
	*n = 0;
	if (start == NULL)
		return IC_ERR_NOMEM;
	/* Seqs are zero-padded, so key order is seq order: seek to @from and
	 * stop past @to, whatever the length of the history. */
	rc = ic_store_txn_scan_from(t, IC_DB_MESSAGES, start, strlen(start),
	                            start, strlen(start) - 12, range_one, &r);
	if (rc)
		return rc;
	*out = r.items;
	*n = r.n;
	return IC_OK;
}

int ic_msg_by_time(const void *x, const void *y)
{
	const struct ic_msg *a = *(const struct ic_msg *const *)x;
	const struct ic_msg *b = *(const struct ic_msg *const *)y;

	if (a->published != b->published)
		return (a->published > b->published) -
		       (a->published < b->published);
	/* Same second: the order they reached this site (store_msg.h). */
	if (a->order != b->order && a->order && b->order)
		return (a->order > b->order) - (a->order < b->order);
	if (a->dir != b->dir)
		return a->dir - b->dir;
	return (a->seq > b->seq) - (a->seq < b->seq);
}
