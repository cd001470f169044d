/*
 * store_conv.c - conversation and contact records (see store_conv.h).
 *
 * conversations: <topic id> -> {"v":1, "peer", "state", counters…}
 * contacts:      <profile URL> -> {"v":1, "conv": <topic id>}
 */
#include "store/store_conv.h"

#include <stdlib.h>
#include <string.h>

#include "core/ic_limits.h"
#include "text/json.h"

enum ic_err ic_conv_apply(struct ic_conv *c, enum ic_conv_event ev,
                          char *errbuf)
{
	return ic_conv_step(&c->state, &c->access_revoked, ev, c->peer, errbuf);
}

void ic_conv_carry(struct ic_conv *c, long long seq)
{
	size_t k = 0;

	for (size_t i = 0; i < c->ncarry; i++)
		if (c->carry[i] != seq)
			c->carry[k++] = c->carry[i];
	if (k == IC_FEED_CARRY_MAX) {
		memmove(c->carry, c->carry + 1, (k - 1) * sizeof(c->carry[0]));
		k--;
	}
	c->carry[k++] = seq;
	c->ncarry = k;
}

/* "carry": [seq, ...]; anything but positive numbers is skipped. */
static void carry_from_json(const cJSON *j, struct ic_conv *c)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "carry"))
	{
		if (cJSON_IsNumber(it) && it->valuedouble >= 1 &&
		    c->ncarry < IC_FEED_CARRY_MAX)
			c->carry[c->ncarry++] = (long long)it->valuedouble;
	}
}

static enum ic_err carry_to_json(cJSON *j, const struct ic_conv *c)
{
	cJSON *arr;

	if (c->ncarry == 0)
		return IC_OK;
	arr = cJSON_AddArrayToObject(j, "carry");
	for (size_t i = 0; arr && i < c->ncarry; i++)
		if (!cJSON_AddItemToArray(
		            arr, cJSON_CreateNumber((double)c->carry[i])))
			return IC_ERR_NOMEM;
	return arr ? IC_OK : IC_ERR_NOMEM;
}

static enum ic_err from_json(struct ic_arena *a, const cJSON *j, const char *id,
                             struct ic_conv *c)
{
	memset(c, 0, sizeof(*c));
	c->id = ic_arena_strdup(a, id);
	c->peer = ic_json_str(a, j, "peer");
	if (c->id == NULL || c->peer == NULL ||
	    ic_conv_state_parse(ic_json_str(a, j, "state"), &c->state) != IC_OK)
		return IC_ERR_DATABASE;
	c->created = ic_json_num(j, "created", 0);
	c->updated = ic_json_num(j, "updated", 0);
	c->out_seq = ic_json_num(j, "out_seq", 0);
	c->in_seq = ic_json_num(j, "in_seq", 0);
	c->unread = ic_json_num(j, "unread", 0);
	c->revision = ic_json_num(j, "revision", 0);
	c->page_size =
	        ic_json_num(j, "page_size", IC_CONFIG_FEED_PAGE_SIZE_DEFAULT);
	c->their_resource = ic_json_str(a, j, "their_resource");
	c->peer_name = ic_json_str(a, j, "peer_name");
	c->peer_photo = ic_json_str(a, j, "peer_photo");
	c->ticket_sent = ic_json_num(j, "ticket_sent", 0);
	c->last_fetch = ic_json_num(j, "last_fetch", 0);
	c->their_fetch = ic_json_num(j, "their_fetch", 0);
	c->published_seq = ic_json_num(j, "published_seq", 0);
	c->notified_seq = ic_json_num(j, "notified_seq", 0);
	c->fetched_seq = ic_json_num(j, "fetched_seq", 0);
	c->access_revoked = ic_json_bool(j, "access_revoked", false);
	c->fetch_error = ic_json_str(a, j, "fetch_error");
	c->fetch_error_at = ic_json_num(j, "fetch_error_at", 0);
	c->ticket_asked = ic_json_num(j, "ticket_asked", 0);
	c->ticket_wanted = ic_json_num(j, "ticket_wanted", 0);
	c->changes = ic_json_num(j, "changes", 0);
	c->their_etag = ic_json_str(a, j, "their_etag");
	c->notify_muted = ic_json_bool(j, "notify_muted", false);
	carry_from_json(j, c);
	return IC_OK;
}

static enum ic_err to_json(struct ic_arena *a, const struct ic_conv *c,
                           cJSON **out)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "peer", c->peer);
	if (!rc)
		rc = ic_json_add_str(j, "state", ic_conv_state_name(c->state));
	if (!rc)
		rc = ic_json_add_num(j, "created", c->created);
	if (!rc)
		rc = ic_json_add_num(j, "updated", c->updated);
	if (!rc)
		rc = ic_json_add_num(j, "out_seq", c->out_seq);
	if (!rc)
		rc = ic_json_add_num(j, "in_seq", c->in_seq);
	if (!rc)
		rc = ic_json_add_num(j, "unread", c->unread);
	if (!rc)
		rc = ic_json_add_num(j, "revision", c->revision);
	if (!rc)
		rc = ic_json_add_num(j, "page_size", c->page_size);
	if (!rc)
		rc = ic_json_add_str(j, "their_resource", c->their_resource);
	if (!rc)
		rc = ic_json_add_str(j, "peer_name", c->peer_name);
	if (!rc)
		rc = ic_json_add_str(j, "peer_photo", c->peer_photo);
	if (!rc)
		rc = ic_json_add_num(j, "ticket_sent", c->ticket_sent);
	if (!rc)
		rc = ic_json_add_num(j, "last_fetch", c->last_fetch);
	if (!rc)
		rc = ic_json_add_num(j, "their_fetch", c->their_fetch);
	if (!rc)
		rc = ic_json_add_num(j, "published_seq", c->published_seq);
	if (!rc)
		rc = ic_json_add_num(j, "notified_seq", c->notified_seq);
	if (!rc)
		rc = ic_json_add_num(j, "fetched_seq", c->fetched_seq);
	if (!rc && c->access_revoked)
		rc = ic_json_add_bool(j, "access_revoked", true);
	if (!rc && c->notify_muted)
		rc = ic_json_add_bool(j, "notify_muted", true);
	if (!rc && c->fetch_error) {
		rc = ic_json_add_str(j, "fetch_error", c->fetch_error);
		if (!rc)
			rc = ic_json_add_num(j, "fetch_error_at",
			                     c->fetch_error_at);
	}
	if (!rc && c->ticket_asked)
		rc = ic_json_add_num(j, "ticket_asked", c->ticket_asked);
	if (!rc && c->ticket_wanted)
		rc = ic_json_add_num(j, "ticket_wanted", c->ticket_wanted);
	if (!rc && c->changes)
		rc = ic_json_add_num(j, "changes", c->changes);
	if (!rc && c->their_etag)
		rc = ic_json_add_str(j, "their_etag", c->their_etag);
	if (!rc)
		rc = carry_to_json(j, c);
	*out = j;
	return rc;
}

enum ic_err ic_store_conv_get_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *id, struct ic_conv *out)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_CONVERSATIONS, id,
	                                       strlen(id), &j);

	return rc ? rc : from_json(a, j, id, out);
}

enum ic_err ic_store_conv_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const struct ic_conv *c)
{
	cJSON *j, *contact;
	enum ic_err rc;

	/* "none" is where a conversation starts from, never what it is. */
	if ((unsigned)c->state >= IC_CONV_NONE)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_INTERNAL,
		               "conversation %s has no state to store", c->id);
	rc = to_json(a, c, &j);
	if (rc)
		return rc;
	rc = ic_store_txn_put_json(t, IC_DB_CONVERSATIONS, c->id, strlen(c->id),
	                           j);
	if (rc)
		return rc;
	contact = ic_json_record(a, 1);
	if (contact == NULL || ic_json_add_str(contact, "conv", c->id))
		return IC_ERR_NOMEM;
	return ic_store_txn_put_json(t, IC_DB_CONTACTS, c->peer,
	                             strlen(c->peer), contact);
}

enum ic_err ic_store_conv_by_peer_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *peer,
                                         struct ic_conv *out)
{
	cJSON *j;
	const char *id;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_CONTACTS, peer,
	                                       strlen(peer), &j);

	if (rc)
		return rc;
	id = ic_json_str(a, j, "conv");
	if (id == NULL)
		return IC_ERR_DATABASE;
	return ic_store_conv_get_in_txn(t, a, id, out);
}

struct list_ctx {
	struct ic_arena *a;
	struct ic_conv *items;
	size_t n, cap;
	enum ic_err rc;
};

static enum ic_err list_one(const void *k, size_t kl, const void *v, size_t vl,
                            void *ctx)
{
	struct list_ctx *l = ctx;
	cJSON *j;
	char *id;
	enum ic_err rc;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct ic_conv *p = ic_arena_calloc(l->a, cap, sizeof(*p));

		if (p == NULL)
			return IC_ERR_NOMEM;
		if (l->n)
			memcpy(p, l->items, l->n * sizeof(*p));
		l->items = p;
		l->cap = cap;
	}
	id = ic_arena_memdup(l->a, k, kl);
	rc = ic_json_parse(l->a, v, vl, &j);
	if (id == NULL || rc == IC_ERR_NOMEM)
		return IC_ERR_NOMEM;
	if (rc || from_json(l->a, j, id, &l->items[l->n]))
		return IC_ERR_DATABASE;
	l->n++;
	return IC_OK;
}

static int newest_first(const void *x, const void *y)
{
	const struct ic_conv *a = x, *b = y;

	return (a->updated < b->updated) - (a->updated > b->updated);
}

enum ic_err ic_store_conv_list_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, struct ic_conv **out,
                                      size_t *n)
{
	struct list_ctx l = {a, NULL, 0, 0, IC_OK};
	enum ic_err rc = ic_store_txn_scan(t, IC_DB_CONVERSATIONS, NULL, 0,
	                                   list_one, &l);

	if (rc)
		return rc;
	if (l.n)
		qsort(l.items, l.n, sizeof(*l.items), newest_first);
	*out = l.items;
	*n = l.n;
	return IC_OK;
}

struct get_ctx {
	struct ic_arena *a;
	const char *id;
	struct ic_conv *out;
};

static enum ic_err get_txn(struct ic_store_txn *t, void *p)
{
	struct get_ctx *c = p;

	return ic_store_conv_get_in_txn(t, c->a, c->id, c->out);
}

enum ic_err ic_store_conv_get(struct ic_store *st, struct ic_arena *a,
                              const char *id, struct ic_conv *out, char *errbuf)
{
	struct get_ctx c = {a, id, out};

	return ic_store_view(st, get_txn, &c, errbuf);
}
