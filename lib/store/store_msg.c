/*
 * store_msg.c - message records and the uid index (see store_msg.h).
 */
#include "store/store_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/due.h"
#include "store/store_blob.h"
#include "store/store_blobref.h"
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

const char *ic_attach_state_name(enum ic_attach_state s)
{
	switch (s) {
	case IC_ATTACH_PENDING:
		return "pending";
	case IC_ATTACH_TOO_LARGE:
		return "too_large";
	case IC_ATTACH_FAILED:
		return "failed";
	case IC_ATTACH_STORED:
		break;
	}
	return "stored";
}

static enum ic_attach_state attach_state(const char *name)
{
	for (int s = IC_ATTACH_PENDING; s <= IC_ATTACH_FAILED; s++)
		if (name && strcmp(name, ic_attach_state_name(s)) == 0)
			return (enum ic_attach_state)s;
	return IC_ATTACH_STORED;
}

static enum ic_err attach_to_json(const struct ic_attach *x, cJSON *arr)
{
	cJSON *j = cJSON_CreateObject();
	enum ic_err rc;

	if (j == NULL || !cJSON_AddItemToArray(arr, j)) {
		cJSON_Delete(j);
		return IC_ERR_NOMEM;
	}
	rc = ic_json_add_str(j, "id", x->id);
	if (!rc)
		rc = ic_json_add_str(j, "type", x->type);
	if (!rc)
		rc = ic_json_add_str(j, "name", x->name);
	if (!rc)
		rc = ic_json_add_num(j, "size", x->size);
	if (!rc && x->width)
		rc = ic_json_add_num(j, "width", x->width);
	if (!rc && x->height)
		rc = ic_json_add_num(j, "height", x->height);
	if (!rc && x->stripped)
		rc = ic_json_add_bool(j, "stripped", true);
	if (!rc && x->state != IC_ATTACH_STORED)
		rc = ic_json_add_str(j, "state",
		                     ic_attach_state_name(x->state));
	if (!rc)
		rc = ic_json_add_str(j, "url", x->url);
	return rc;
}

/* Absent when there are none: old records and new ones read the same. */
static enum ic_err attachments_to_json(const struct ic_msg *m, cJSON *j)
{
	cJSON *arr;
	enum ic_err rc = IC_OK;

	if (m->natt == 0)
		return IC_OK;
	arr = cJSON_AddArrayToObject(j, "attachments");
	if (arr == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; rc == IC_OK && i < m->natt; i++)
		rc = attach_to_json(&m->att[i], arr);
	return rc;
}

static enum ic_err attachments_from_json(struct ic_arena *a, const cJSON *j,
                                         struct ic_msg *m)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "attachments");
	const cJSON *x;
	struct ic_attach *att;
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	size_t i = 0;

	if (n <= 0)
		return IC_OK;
	att = ic_arena_calloc(a, (size_t)n, sizeof(*att));
	if (att == NULL)
		return IC_ERR_NOMEM;
	cJSON_ArrayForEach(x, arr)
	{
		att[i].id = ic_json_str(a, x, "id");
		att[i].type = ic_json_str(a, x, "type");
		att[i].name = ic_json_str(a, x, "name");
		att[i].size = ic_json_num(x, "size", 0);
		att[i].width = (unsigned)ic_json_num(x, "width", 0);
		att[i].height = (unsigned)ic_json_num(x, "height", 0);
		att[i].stripped = ic_json_bool(x, "stripped", false);
		att[i].state = attach_state(ic_json_str(a, x, "state"));
		att[i].url = ic_json_str(a, x, "url");
		if (att[i].type == NULL || att[i].name == NULL)
			return IC_ERR_DATABASE;
		i++;
	}
	m->att = att;
	m->natt = i;
	return IC_OK;
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
	/* Both absent on a message that answers nothing: old records and
	 * new ones read the same. */
	if (!rc)
		rc = ic_json_add_str(j, "in_reply_to", m->in_reply_to);
	if (!rc && m->reply_unknown)
		rc = ic_json_add_bool(j, "reply_unknown", true);
	/* Reactions: absent when there is none, as in old records. */
	if (!rc && m->my_reaction)
		rc = ic_json_add_str(j, "my_reaction", m->my_reaction);
	if (!rc && m->my_reaction)
		rc = ic_json_add_num(j, "my_reaction_at", m->my_reaction_at);
	if (!rc && m->their_reaction)
		rc = ic_json_add_str(j, "their_reaction", m->their_reaction);
	if (!rc && m->updated)
		rc = ic_json_add_num(j, "updated", m->updated);
	if (!rc && m->deleted)
		rc = ic_json_add_bool(j, "deleted", true);
	if (!rc && m->my_reaction_uid)
		rc = ic_json_add_str(j, "my_reaction_uid", m->my_reaction_uid);
	if (!rc && m->their_reaction_uid)
		rc = ic_json_add_str(j, "their_reaction_uid",
		                     m->their_reaction_uid);
	if (!rc && m->reaction)
		rc = ic_json_add_bool(j, "reaction", true);
	if (!rc && m->their_reaction)
		rc = ic_json_add_num(j, "their_reaction_at",
		                     m->their_reaction_at);
	if (!rc)
		rc = attachments_to_json(m, j);
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
	m->in_reply_to = ic_json_str(a, j, "in_reply_to");
	m->reply_unknown = ic_json_bool(j, "reply_unknown", false);
	m->my_reaction = ic_json_str(a, j, "my_reaction");
	m->my_reaction_at = ic_json_num(j, "my_reaction_at", 0);
	m->their_reaction = ic_json_str(a, j, "their_reaction");
	m->their_reaction_at = ic_json_num(j, "their_reaction_at", 0);
	m->updated = ic_json_num(j, "updated", 0);
	m->deleted = ic_json_bool(j, "deleted", false);
	m->my_reaction_uid = ic_json_str(a, j, "my_reaction_uid");
	m->their_reaction_uid = ic_json_str(a, j, "their_reaction_uid");
	m->reaction = ic_json_bool(j, "reaction", false);
	if (m->uid == NULL || m->text == NULL)
		return IC_ERR_DATABASE;
	return attachments_from_json(a, j, m);
}

/* The search index changes in the transaction that stores the message
 * (store_index.h): an overwrite first drops the old text's postings. */
static enum ic_err reindex(struct ic_store_txn *t, const struct ic_msg *m,
                           const struct ic_msg *old)
{
	enum ic_err rc = IC_OK;

	if (old)
		rc = ic_store_index_msg_in_txn(t, old->conv, old->dir, old->seq,
		                               old->received, old->text, false);
	if (rc == IC_OK)
		rc = ic_store_index_msg_in_txn(t, m->conv, m->dir, m->seq,
		                               m->received, m->text, true);
	return rc;
}

/* "<conv> p <id>": a received file still to fetch, so the job that
 * fetches them reads only those (store_msg.h). */
static enum ic_err index_pending(struct ic_store_txn *t, struct ic_arena *a,
                                 const struct ic_msg *m,
                                 const struct ic_attach *x, const char *key)
{
	/* One key per message: two messages may carry the same bytes. */
	char *k = ic_arena_printf(a, "%s p %s %s", m->conv, x->id, key);
	enum ic_err rc;

	if (k == NULL)
		return IC_ERR_NOMEM;
	if (x->state == IC_ATTACH_PENDING)
		return ic_store_txn_put(t, IC_DB_ATTACHMENTS, k, strlen(k), key,
		                        strlen(key), 0);
	rc = ic_store_txn_del(t, IC_DB_ATTACHMENTS, k, strlen(k));
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

/* The conversation's index of its files (store_msg.h), one key per file
 * and direction; an overwrite (a received copy fetched later) writes the
 * same keys again. */
static enum ic_err index_attachments(struct ic_store_txn *t, struct ic_arena *a,
                                     const struct ic_msg *m, const char *key)
{
	for (size_t i = 0; i < m->natt; i++) {
		char *k;
		enum ic_err rc;

		if (m->att[i].id == NULL)
			continue;
		k = ic_arena_printf(a, "%s %c %s", m->conv, m->dir,
		                    m->att[i].id);
		if (k == NULL)
			return IC_ERR_NOMEM;
		rc = ic_store_txn_put(t, IC_DB_ATTACHMENTS, k, strlen(k), key,
		                      strlen(key), 0);
		if (rc == IC_OK && m->dir == 'i')
			rc = index_pending(t, a, m, &m->att[i], key);
		if (rc)
			return rc;
	}
	return IC_OK;
}

bool ic_store_msg_has_attachment_in_txn(struct ic_store_txn *t,
                                        const char *conv, char dir,
                                        const char *id)
{
	char key[256];
	const void *v;
	size_t vl;

	if (dir == 0)
		return ic_store_msg_has_attachment_in_txn(t, conv, 'o', id) ||
		       ic_store_msg_has_attachment_in_txn(t, conv, 'i', id);
	if (snprintf(key, sizeof(key), "%s %c %s", conv, dir, id) >=
	    (int)sizeof(key))
		return false;
	return ic_store_txn_get(t, IC_DB_ATTACHMENTS, key, strlen(key), &v,
	                        &vl) == IC_OK;
}

static bool names_file(const struct ic_msg *m, const char *id)
{
	for (size_t i = 0; m && i < m->natt; i++)
		if (m->att[i].id && strcmp(m->att[i].id, id) == 0)
			return true;
	return false;
}

/* "<conv> <dir> <id>" named the message @p key: it names another message
 * of the conversation carrying the file that way, or goes (feed serves a
 * file only where a message carries it: store_msg.h). */
static enum ic_err unindex_file(struct ic_store_txn *t, struct ic_arena *a,
                                const struct ic_msg *m, const char *id,
                                const char *key)
{
	char *k = ic_arena_printf(a, "%s %c %s", m->conv, m->dir, id);
	char *prefix = ic_arena_printf(a, "%s:%c:", m->conv, m->dir);
	const char *other;
	const void *v;
	size_t vl;
	enum ic_err rc;

	if (k == NULL || prefix == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_get(t, IC_DB_ATTACHMENTS, k, strlen(k), &v, &vl);
	if (rc == IC_ERR_NOT_FOUND ||
	    (rc == IC_OK && (vl != strlen(key) || memcmp(v, key, vl) != 0)))
		return IC_OK;
	if (rc == IC_OK)
		rc = ic_store_blobref_find_in_txn(t, a, id, prefix, &other);
	if (rc == IC_OK)
		return ic_store_txn_put(t, IC_DB_ATTACHMENTS, k, strlen(k),
		                        other, strlen(other), 0);
	return rc == IC_ERR_NOT_FOUND
	               ? ic_store_txn_del(t, IC_DB_ATTACHMENTS, k, strlen(k))
	               : rc;
}

/* Message @p key no longer names file @p id (an edit that dropped it, a
 * tombstone): its reference, its index keys go; the file goes after the
 * commit when nothing else names it (store_blobref.h). */
static enum ic_err drop_file(struct ic_store_txn *t, struct ic_arena *a,
                             const struct ic_msg *m, const char *id,
                             const char *key)
{
	char *pk = ic_arena_printf(a, "%s p %s %s", m->conv, id, key);
	enum ic_err rc = ic_store_blobref_del_in_txn(t, a, id, key);

	if (pk == NULL)
		return IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = unindex_file(t, a, m, id, key);
	if (rc == IC_OK) {
		rc = ic_store_txn_del(t, IC_DB_ATTACHMENTS, pk, strlen(pk));
		if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
	}
	if (rc == IC_OK && ic_store_blob_id_ok(id) &&
	    !ic_store_blobref_named_in_txn(t, id))
		rc = ic_due_schedule_in_txn(t, a, IC_BLOB_GC_JOB, id,
		                            (long long)time(NULL), 0, true);
	return rc;
}

/* A file our message names that no message named before: a send wrote
 * it before this transaction, and the job that removes unnamed files
 * may have taken it since (under this same writer lock: see
 * store_blobref.h).  Then the send fails rather than name no file. */
static enum ic_err file_still_there(struct ic_store_txn *t, struct ic_arena *a,
                                    const struct ic_msg *m,
                                    const struct ic_attach *x)
{
	char *path;

	/* A received file is named (pending) before its bytes are written:
	 * no job can take it in between. */
	if (m->dir != 'o' || x->state != IC_ATTACH_STORED ||
	    ic_store_blobref_named_in_txn(t, x->id))
		return IC_OK;
	path = ic_store_blob_path(a, ic_store_txn_data_dir(t), x->id);
	if (path == NULL)
		return IC_ERR_NOMEM;
	if (access(path, F_OK) == 0)
		return IC_OK;
	return ic_fail(ic_store_txn_errbuf(t), IC_ERR_GONE,
	               "attachment %s was removed as unused meanwhile: "
	               "attach it again",
	               x->id);
}

/* Issue 15, deletes: the references of message @p key go from what
 * @p old named to what @p m names (store_blobref.h).  Every file @p m
 * names is written again (puts are idempotent: a record stored before
 * the index gains its references with its next write). */
static enum ic_err refs(struct ic_store_txn *t, struct ic_arena *a,
                        const struct ic_msg *m, const struct ic_msg *old,
                        const char *key)
{
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && old && i < old->natt; i++)
		if (old->att[i].id && !names_file(m, old->att[i].id))
			rc = drop_file(t, a, m, old->att[i].id, key);
	for (size_t i = 0; rc == IC_OK && i < m->natt; i++) {
		const struct ic_attach *x = &m->att[i];

		if (x->id == NULL || !ic_store_blob_id_ok(x->id))
			continue; /* no file of ours has that name */
		if (!names_file(old, x->id))
			rc = file_still_there(t, a, m, x);
		if (rc == IC_OK)
			rc = ic_store_blobref_put_in_txn(t, a, x->id, key);
	}
	return rc;
}

/* The stored record before an overwrite, or NULL. */
static enum ic_err old_record(struct ic_store_txn *t, struct ic_arena *a,
                              const struct ic_msg *m, struct ic_msg **old)
{
	size_t n = 0;
	enum ic_err rc = ic_store_msg_range_in_txn(t, a, m->conv, m->dir,
	                                           m->seq, m->seq, old, &n);

	if (rc == IC_OK && n != 1)
		*old = NULL;
	return rc;
}

static enum ic_err put(struct ic_store_txn *t, struct ic_arena *a,
                       const struct ic_msg *given, bool is_new)
{
	char *key = msg_key(a, given->conv, given->dir, given->seq);
	char *ukey = uid_key(a, given->conv, given->uid);
	struct ic_msg m = *given, *old = NULL;
	cJSON *j;
	enum ic_err rc = IC_OK;

	if (key == NULL || ukey == NULL)
		return IC_ERR_NOMEM;
	/* Issue 15: a tombstone keeps no file, nor their names. */
	if (m.deleted) {
		m.att = NULL;
		m.natt = 0;
	}
	if (is_new) {
		/* The uid index first: a known uid writes nothing. */
		rc = ic_store_txn_put(t, IC_DB_MESSAGE_UIDS, ukey, strlen(ukey),
		                      key, strlen(key), IC_STORE_NOOVERWRITE);
	} else {
		rc = old_record(t, a, &m, &old);
	}
	if (rc == IC_OK)
		rc = reindex(t, &m, old);
	if (rc == IC_OK)
		rc = refs(t, a, &m, old, key);
	if (rc == IC_OK)
		rc = index_attachments(t, a, &m, key);
	if (rc)
		return rc;
	rc = to_json(a, &m, &j);
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

enum ic_err ic_store_msg_alias_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *uid,
                                      const struct ic_msg *target)
{
	char *key = msg_key(a, target->conv, target->dir, target->seq);
	char *ukey = uid_key(a, target->conv, uid);

	if (key == NULL || ukey == NULL)
		return IC_ERR_NOMEM;
	return ic_store_txn_put(t, IC_DB_MESSAGE_UIDS, ukey, strlen(ukey), key,
	                        strlen(key), IC_STORE_NOOVERWRITE);
}

/* "<conv>:<d>:<seq, 12 digits>" -> direction and seq. */
static bool parse_key(const char *key, size_t kl, size_t conv_len, char *dir,
                      long long *seq)
{
	char digits[13];
	char *end;

	if (kl != conv_len + 15 || key[conv_len] != ':' ||
	    key[conv_len + 2] != ':')
		return false;
	memcpy(digits, key + conv_len + 3, 12);
	digits[12] = '\0';
	*dir = key[conv_len + 1];
	*seq = strtoll(digits, &end, 10);
	return *end == '\0' && (*dir == 'o' || *dir == 'i');
}

enum ic_err ic_store_msg_by_uid_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *conv,
                                       const char *uid, struct ic_msg *out)
{
	char key[1024];
	const void *v;
	size_t vl;
	char dir;
	long long seq;
	struct ic_msg *m = NULL;
	size_t n = 0;
	int kn = snprintf(key, sizeof(key), "%s %s", conv, uid);
	enum ic_err rc;

	if (kn < 0 || (size_t)kn >= sizeof(key))
		return IC_ERR_NOT_FOUND;
	rc = ic_store_txn_get(t, IC_DB_MESSAGE_UIDS, key, (size_t)kn, &v, &vl);
	if (rc != IC_OK)
		return rc;
	if (!parse_key(v, vl, strlen(conv), &dir, &seq))
		return IC_ERR_DATABASE;
	rc = ic_store_msg_range_in_txn(t, a, conv, dir, seq, seq, &m, &n);
	if (rc == IC_OK && n != 1)
		rc = IC_ERR_DATABASE;
	if (rc == IC_OK)
		*out = *m;
	return rc;
}

char *ic_msg_quote(struct ic_arena *a, const char *text, size_t max)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	char *out = ic_arena_alloc(a, max + 4);
	size_t o = 0;
	bool space = false;

	if (out == NULL)
		return NULL;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	while (*p && *p != '\n' && *p != '\r') {
		size_t n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;

		if (*p <= ' ') {
			space = o > 0;
			p++;
			continue;
		}
		if (o + n + (space ? 1 : 0) > max)
			break;
		if (space)
			out[o++] = ' ';
		space = false;
		size_t i = 0;

		for (; i < n && p[i]; i++) /* a cut sequence stops at NUL */
			out[o++] = (char)p[i];
		p += i;
	}
	/* Cut short: the rest of the line, or lines after it. */
	if (*p && strspn((const char *)p, " \t\r\n") != strlen((const char *)p))
		memcpy(out + o, "\xe2\x80\xa6", 3), o += 3;
	out[o] = '\0';
	return out;
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

/* The message the attachments index names for one direction. */
static enum ic_err attachment_one(struct ic_store_txn *t, struct ic_arena *a,
                                  const char *conv, char dir, const char *id,
                                  const struct ic_attach **out)
{
	char *k = ic_arena_printf(a, "%s %c %s", conv, dir, id);
	const void *v;
	size_t vl;
	char d;
	long long seq;
	struct ic_msg *m = NULL;
	size_t n = 0;
	enum ic_err rc;

	if (k == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_get(t, IC_DB_ATTACHMENTS, k, strlen(k), &v, &vl);
	if (rc != IC_OK)
		return rc;
	if (!parse_key(v, vl, strlen(conv), &d, &seq) || d != dir)
		return IC_ERR_DATABASE;
	rc = ic_store_msg_range_in_txn(t, a, conv, dir, seq, seq, &m, &n);
	if (rc == IC_OK && n != 1)
		rc = IC_ERR_DATABASE;
	for (size_t i = 0; rc == IC_OK && i < m->natt; i++)
		if (m->att[i].id && strcmp(m->att[i].id, id) == 0) {
			*out = &m->att[i];
			return IC_OK;
		}
	return rc == IC_OK ? IC_ERR_DATABASE : rc;
}

enum ic_err ic_store_msg_attachment_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a, const char *conv,
                                           char dir, const char *id,
                                           const struct ic_attach **out)
{
	enum ic_err rc;

	if (dir != 0)
		return attachment_one(t, a, conv, dir, id, out);
	rc = attachment_one(t, a, conv, 'o', id, out);
	return rc == IC_ERR_NOT_FOUND ? attachment_one(t, a, conv, 'i', id, out)
	                              : rc;
}

struct pending_ctx {
	struct ic_arena *a;
	size_t plen, max, n;
	const char **ids, **keys;
};

/* "<conv> p <64 hex> <message key>" -> the message key: copy both. */
static enum ic_err pending_cb(const void *k, size_t kl, const void *v,
                              size_t vl, void *p)
{
	struct pending_ctx *c = p;
	char *id, *key;

	if (c->n == c->max)
		return IC_STORE_STOP;
	if (kl < c->plen + 64)
		return IC_ERR_DATABASE;
	id = ic_arena_alloc(c->a, 65);
	key = ic_arena_alloc(c->a, vl + 1);
	if (id == NULL || key == NULL)
		return IC_ERR_NOMEM;
	memcpy(id, (const char *)k + c->plen, 64);
	id[64] = '\0';
	memcpy(key, v, vl);
	key[vl] = '\0';
	c->ids[c->n] = id;
	c->keys[c->n++] = key;
	return IC_OK;
}

enum ic_err ic_store_msg_pending_attachments_in_txn(
        struct ic_store_txn *t, struct ic_arena *a, const char *conv,
        size_t max, const char ***ids, const char ***keys, size_t *n)
{
	char *prefix = ic_arena_printf(a, "%s p ", conv);
	struct pending_ctx c = {a, 0, max, 0, NULL, NULL};
	enum ic_err rc;

	*n = 0;
	if (prefix == NULL ||
	    (c.ids = ic_arena_calloc(a, max ? max : 1, sizeof(*c.ids))) ==
	            NULL ||
	    (c.keys = ic_arena_calloc(a, max ? max : 1, sizeof(*c.keys))) ==
	            NULL)
		return IC_ERR_NOMEM;
	c.plen = strlen(prefix);
	rc = ic_store_txn_scan(t, IC_DB_ATTACHMENTS, prefix, c.plen, pending_cb,
	                       &c);
	*ids = c.ids;
	*keys = c.keys;
	*n = c.n;
	return rc;
}

enum ic_err ic_store_msg_by_key_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *conv,
                                       const char *key, struct ic_msg *out)
{
	char d;
	long long seq;
	struct ic_msg *m = NULL;
	size_t n = 0;
	enum ic_err rc;

	if (!parse_key(key, strlen(key), strlen(conv), &d, &seq) ||
	    strncmp(key, conv, strlen(conv)) != 0)
		return IC_ERR_DATABASE;
	rc = ic_store_msg_range_in_txn(t, a, conv, d, seq, seq, &m, &n);
	if (rc == IC_OK && n != 1)
		rc = IC_ERR_NOT_FOUND;
	if (rc == IC_OK)
		*out = *m;
	return rc;
}

enum ic_err ic_store_msg_by_attachment_in_txn(struct ic_store_txn *t,
                                              struct ic_arena *a,
                                              const char *conv, const char *id,
                                              struct ic_msg *out)
{
	char *k = ic_arena_printf(a, "%s i %s", conv, id);
	const void *v;
	size_t vl;
	char d;
	long long seq;
	struct ic_msg *m = NULL;
	size_t n = 0;
	enum ic_err rc;

	if (k == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_get(t, IC_DB_ATTACHMENTS, k, strlen(k), &v, &vl);
	if (rc != IC_OK)
		return rc;
	if (!parse_key(v, vl, strlen(conv), &d, &seq) || d != 'i')
		return IC_ERR_DATABASE;
	rc = ic_store_msg_range_in_txn(t, a, conv, 'i', seq, seq, &m, &n);
	if (rc == IC_OK && n != 1)
		rc = IC_ERR_DATABASE;
	if (rc == IC_OK)
		*out = *m;
	return rc;
}

/* --- Building the file references of older messages ---------------------- */

struct build_ctx {
	struct ic_arena *a;
	const char *after; /* exclusive */
	size_t max, n;
	struct ic_msg *msgs;
	const char **keys;
};

static enum ic_err build_cb(const void *k, size_t kl, const void *v, size_t vl,
                            void *p)
{
	struct build_ctx *c = p;
	char dir, *key, *conv;
	long long seq;
	cJSON *j;

	if (c->after && kl == strlen(c->after) && memcmp(k, c->after, kl) == 0)
		return IC_OK; /* the last one done */
	if (c->n == c->max)
		return IC_STORE_STOP;
	if (kl < 16 || !parse_key(k, kl, kl - 15, &dir, &seq))
		return IC_ERR_DATABASE;
	key = ic_arena_alloc(c->a, kl + 1);
	conv = ic_arena_alloc(c->a, kl - 15 + 1);
	if (key == NULL || conv == NULL)
		return IC_ERR_NOMEM;
	memcpy(key, k, kl);
	key[kl] = '\0';
	memcpy(conv, k, kl - 15);
	conv[kl - 15] = '\0';
	if (ic_json_parse(c->a, v, vl, &j) != IC_OK ||
	    from_json(c->a, j, conv, dir, seq, &c->msgs[c->n]) != IC_OK)
		return IC_ERR_DATABASE;
	c->keys[c->n++] = key;
	return IC_OK;
}

/* The references of one message stored before the index, and its
 * conversation's index key when none names another message (the scan is
 * over: writing the messages is allowed). */
static enum ic_err build_one(struct ic_store_txn *t, struct ic_arena *a,
                             const struct ic_msg *m, const char *key)
{
	enum ic_err rc = IC_OK;

	/* A tombstone from before kept its files' list: written again, it
	 * drops them as a delete now does. */
	if (m->deleted)
		return m->natt ? put(t, a, m, false) : IC_OK;
	for (size_t i = 0; rc == IC_OK && i < m->natt; i++) {
		const char *id = m->att[i].id;
		char *k;
		const void *v;
		size_t vl;

		if (id == NULL || !ic_store_blob_id_ok(id))
			continue;
		rc = ic_store_blobref_put_in_txn(t, a, id, key);
		k = ic_arena_printf(a, "%s %c %s", m->conv, m->dir, id);
		if (rc == IC_OK && k == NULL)
			rc = IC_ERR_NOMEM;
		if (rc == IC_OK &&
		    ic_store_txn_get(t, IC_DB_ATTACHMENTS, k, strlen(k), &v,
		                     &vl) == IC_ERR_NOT_FOUND)
			rc = ic_store_txn_put(t, IC_DB_ATTACHMENTS, k,
			                      strlen(k), key, strlen(key), 0);
	}
	return rc;
}

enum ic_err ic_store_msg_refs_build_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a, size_t max,
                                           bool *done)
{
	struct build_ctx c = {a, NULL, max ? max : 1, 0, NULL, NULL};
	bool built;
	enum ic_err rc =
	        ic_store_blobref_build_state_in_txn(t, a, &built, &c.after);

	*done = built;
	if (rc != IC_OK || built)
		return rc;
	c.msgs = ic_arena_calloc(a, c.max, sizeof(*c.msgs));
	c.keys = ic_arena_calloc(a, c.max, sizeof(*c.keys));
	if (c.msgs == NULL || c.keys == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_scan_from(t, IC_DB_MESSAGES, c.after,
	                            c.after ? strlen(c.after) : 0, NULL, 0,
	                            build_cb, &c);
	for (size_t i = 0; rc == IC_OK && i < c.n; i++)
		rc = build_one(t, a, &c.msgs[i], c.keys[i]);
	/* Fewer than asked for: the end of the messages was reached. */
	*done = rc == IC_OK && c.n < c.max;
	if (rc == IC_OK)
		rc = ic_store_blobref_build_mark_in_txn(
		        t, a, *done ? NULL : c.keys[c.n - 1]);
	return rc;
}
