/*
 * store_sub.c - subscription records (see store_sub.h).
 */
#include "store/store_sub.h"

#include <string.h>

#include "text/json.h"

static const char *const state_names[] = {"pending", "active", "denied",
                                          "gone"};

static const char *state_name(enum ic_sub_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "gone";
}

static enum ic_sub_state state_parse(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (strcmp(s, state_names[i]) == 0)
			return (enum ic_sub_state)i;
	return IC_SUB_GONE;
}

enum ic_err ic_store_sub_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    const struct ic_sub *s)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "conv", s->conv);
	if (!rc)
		rc = ic_json_add_str(j, "topic", s->topic);
	if (!rc)
		rc = ic_json_add_str(j, "hub", s->hub);
	if (!rc)
		rc = ic_json_add_str(j, "secret", s->secret);
	if (!rc)
		rc = ic_json_add_str(j, "mode", s->mode);
	if (!rc)
		rc = ic_json_add_str(j, "state", state_name(s->state));
	if (!rc)
		rc = ic_json_add_num(j, "requested", s->requested);
	if (!rc)
		rc = ic_json_add_num(j, "lease_expires", s->lease_expires);
	if (!rc && s->private_feed)
		rc = ic_json_add_bool(j, "private", true);
	if (rc)
		return rc;
	return ic_store_txn_put_json(t, IC_DB_SUBSCRIPTIONS, s->id,
	                             strlen(s->id), j);
}

static enum ic_err sub_from_json(struct ic_arena *a, const cJSON *j,
                                 const char *id, struct ic_sub *s)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->conv = ic_json_str(a, j, "conv");
	s->topic = ic_json_str(a, j, "topic");
	s->hub = ic_json_str(a, j, "hub");
	s->secret = ic_json_str(a, j, "secret");
	s->mode = ic_json_str(a, j, "mode");
	s->state = state_parse(ic_json_str(a, j, "state"));
	s->requested = ic_json_num(j, "requested", 0);
	s->lease_expires = ic_json_num(j, "lease_expires", 0);
	s->private_feed = ic_json_bool(j, "private", false);
	return s->conv && s->topic && s->hub ? IC_OK : IC_ERR_DATABASE;
}

enum ic_err ic_store_sub_get_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    const char *id, struct ic_sub *out)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_SUBSCRIPTIONS, id,
	                                       strlen(id), &j);

	return rc ? rc : sub_from_json(a, j, ic_arena_strdup(a, id), out);
}

struct by_conv {
	struct ic_arena *a;
	const char *conv;
	struct ic_sub *items;
	size_t n, cap;
};

static enum ic_err by_conv_one(const void *k, size_t kl, const void *v,
                               size_t vl, void *ctx)
{
	struct by_conv *b = ctx;
	struct ic_sub s;
	cJSON *j;

	if (ic_json_parse(b->a, v, vl, &j) != IC_OK ||
	    sub_from_json(b->a, j, ic_arena_memdup(b->a, k, kl), &s) != IC_OK)
		return IC_OK; /* unreadable: not this conversation's */
	if (strcmp(s.conv, b->conv) != 0)
		return IC_OK;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;
		struct ic_sub *p = ic_arena_calloc(b->a, cap, sizeof(*p));

		if (p == NULL)
			return IC_ERR_NOMEM;
		if (b->n)
			memcpy(p, b->items, b->n * sizeof(*p));
		b->items = p;
		b->cap = cap;
	}
	b->items[b->n++] = s;
	return IC_OK;
}

enum ic_err ic_store_sub_by_conv_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *conv,
                                        struct ic_sub **out, size_t *n)
{
	struct by_conv b = {a, conv, NULL, 0, 0};
	enum ic_err rc = ic_store_txn_scan(t, IC_DB_SUBSCRIPTIONS, NULL, 0,
	                                   by_conv_one, &b);

	*out = b.items;
	*n = b.n;
	return rc;
}

static char *hub_key(struct ic_arena *a, const char *topic,
                     const char *callback)
{
	return ic_arena_printf(a, "%s %s", topic, callback);
}

enum ic_err ic_store_hub_sub_put_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a,
                                        const struct ic_hub_sub *s)
{
	char *key = hub_key(a, s->topic, s->callback);
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL || key == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "secret", s->secret);
	if (!rc)
		rc = ic_json_add_str(j, "mode", s->mode);
	if (!rc)
		rc = ic_json_add_str(j, "state", state_name(s->state));
	if (!rc)
		rc = ic_json_add_num(j, "requested", s->requested);
	if (!rc)
		rc = ic_json_add_num(j, "expires", s->expires);
	if (!rc)
		rc = ic_json_add_str(j, "pending_secret", s->pending_secret);
	if (!rc)
		rc = ic_json_add_num(j, "lease", s->lease);
	if (!rc)
		rc = ic_json_add_num(j, "topic_rev", s->topic_rev);
	if (!rc)
		rc = ic_json_add_str(j, "token", s->token);
	if (!rc)
		rc = ic_json_add_str(j, "pending_token", s->pending_token);
	if (rc)
		return rc;
	return ic_store_txn_put_json(t, IC_DB_HUB_SUBS, key, strlen(key), j);
}

static void hub_from_json(struct ic_arena *a, const cJSON *j,
                          struct ic_hub_sub *s)
{
	s->secret = ic_json_str(a, j, "secret");
	s->mode = ic_json_str(a, j, "mode");
	s->state = state_parse(ic_json_str(a, j, "state"));
	s->requested = ic_json_num(j, "requested", 0);
	s->expires = ic_json_num(j, "expires", 0);
	s->pending_secret = ic_json_str(a, j, "pending_secret");
	s->lease = ic_json_num(j, "lease", 0);
	s->topic_rev = ic_json_num(j, "topic_rev", -1);
	s->token = ic_json_str(a, j, "token");
	s->pending_token = ic_json_str(a, j, "pending_token");
}

enum ic_err ic_store_hub_sub_get_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *topic,
                                        const char *callback,
                                        struct ic_hub_sub *out)
{
	char *key = hub_key(a, topic, callback);
	cJSON *j;
	enum ic_err rc;

	if (key == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_txn_get_json(t, a, IC_DB_HUB_SUBS, key, strlen(key), &j);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->topic = ic_arena_strdup(a, topic);
	out->callback = ic_arena_strdup(a, callback);
	hub_from_json(a, j, out);
	return IC_OK;
}

enum ic_err ic_store_hub_sub_del_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *topic,
                                        const char *callback)
{
	char *key = hub_key(a, topic, callback);

	if (key == NULL)
		return IC_ERR_NOMEM;
	return ic_store_txn_del(t, IC_DB_HUB_SUBS, key, strlen(key));
}

struct hub_list {
	struct ic_arena *a;
	size_t plen;
	struct ic_hub_sub *items;
	size_t n, cap;
};

static enum ic_err hub_list_one(const void *k, size_t kl, const void *v,
                                size_t vl, void *ctx)
{
	struct hub_list *h = ctx;
	struct ic_hub_sub s = {0};
	cJSON *j;

	if (ic_json_parse(h->a, v, vl, &j) != IC_OK)
		return IC_OK;
	hub_from_json(h->a, j, &s);
	if (s.state != IC_SUB_ACTIVE)
		return IC_OK;
	s.topic = ic_arena_strndup(h->a, k, h->plen - 1);
	s.callback =
	        ic_arena_memdup(h->a, (const char *)k + h->plen, kl - h->plen);
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4;
		struct ic_hub_sub *p = ic_arena_calloc(h->a, cap, sizeof(*p));

		if (p == NULL)
			return IC_ERR_NOMEM;
		if (h->n)
			memcpy(p, h->items, h->n * sizeof(*p));
		h->items = p;
		h->cap = cap;
	}
	h->items[h->n++] = s;
	return IC_OK;
}

enum ic_err ic_store_hub_sub_list_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *topic,
                                         struct ic_hub_sub **out, size_t *n)
{
	char *prefix = ic_arena_printf(a, "%s ", topic);
	struct hub_list h = {a, 0, NULL, 0, 0};
	enum ic_err rc;

	if (prefix == NULL)
		return IC_ERR_NOMEM;
	h.plen = strlen(prefix);
	rc = ic_store_txn_scan(t, IC_DB_HUB_SUBS, prefix, h.plen, hub_list_one,
	                       &h);
	*out = h.items;
	*n = h.n;
	return rc;
}
