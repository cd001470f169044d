/*
 * store_auth.c - sessions, sign-in states, codes, refresh tokens, rate
 * counters and the passphrase hash (see store_auth.h).
 */
#include "store/store_auth.h"

#include <string.h>

#include "store/due.h"
#include "text/json.h"
#include "store/store_token.h"

#define PASSPHRASE_KEY "passphrase_hash"

static enum ic_err put(struct ic_store_txn *t, enum ic_store_db db,
                       const char *key, const cJSON *j)
{
	return ic_store_txn_put_json(t, db, key, strlen(key), j);
}

static enum ic_err get(struct ic_store_txn *t, struct ic_arena *a,
                       enum ic_store_db db, const char *key, cJSON **j)
{
	return ic_store_txn_get_json(t, a, db, key, strlen(key), j);
}

static enum ic_err del(struct ic_store_txn *t, enum ic_store_db db,
                       const char *key)
{
	enum ic_err rc = ic_store_txn_del(t, db, key, strlen(key));

	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

/* --- Sessions ------------------------------------------------------------ */

enum ic_err ic_store_session_put_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *hash,
                                        const struct ic_session *s)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "me", s->me);
	if (!rc)
		rc = ic_json_add_num(j, "created", s->created);
	if (!rc)
		rc = ic_json_add_num(j, "expires", s->expires);
	return rc ? rc : put(t, IC_DB_SESSIONS, hash, j);
}

enum ic_err ic_store_session_get_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *hash,
                                        long long now, struct ic_session *out)
{
	cJSON *j;
	enum ic_err rc = get(t, a, IC_DB_SESSIONS, hash, &j);

	if (rc)
		return rc;
	out->me = ic_json_str(a, j, "me");
	out->created = ic_json_num(j, "created", 0);
	out->expires = ic_json_num(j, "expires", 0);
	if (out->me == NULL)
		return IC_ERR_DATABASE;
	return out->expires > now ? IC_OK : IC_ERR_NOT_FOUND;
}

enum ic_err ic_store_session_del_in_txn(struct ic_store_txn *t,
                                        const char *hash)
{
	return del(t, IC_DB_SESSIONS, hash);
}

/* --- Sign-in states ------------------------------------------------------- */

enum ic_err ic_store_state_put_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *hash,
                                      const struct ic_signin_state *s)
{
	cJSON *j = ic_json_record(a, 1), *chain;
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "binding", s->binding_hash);
	if (!rc)
		rc = ic_json_add_str(j, "verifier", s->verifier);
	if (!rc)
		rc = ic_json_add_str(j, "issuer", s->issuer);
	if (!rc)
		rc = ic_json_add_str(j, "authorization_endpoint",
		                     s->authorization_endpoint);
	if (!rc)
		rc = ic_json_add_str(j, "me", s->entered_me);
	if (!rc)
		rc = ic_json_add_str(j, "next", s->next);
	if (!rc)
		rc = ic_json_add_num(j, "expires", s->expires);
	if (rc)
		return rc;
	chain = cJSON_AddArrayToObject(j, "chain");
	for (size_t i = 0; chain && i < s->nchain; i++) {
		cJSON *u = cJSON_CreateString(s->chain[i]);

		if (u == NULL || !cJSON_AddItemToArray(chain, u)) {
			cJSON_Delete(u);
			return IC_ERR_NOMEM;
		}
	}
	return chain ? put(t, IC_DB_STATES, hash, j) : IC_ERR_NOMEM;
}

static void state_from_json(struct ic_arena *a, const cJSON *j,
                            struct ic_signin_state *out)
{
	const cJSON *chain = cJSON_GetObjectItemCaseSensitive(j, "chain");
	const cJSON *u;

	memset(out, 0, sizeof(*out));
	out->binding_hash = ic_json_str(a, j, "binding");
	out->verifier = ic_json_str(a, j, "verifier");
	out->issuer = ic_json_str(a, j, "issuer");
	out->authorization_endpoint =
	        ic_json_str(a, j, "authorization_endpoint");
	out->entered_me = ic_json_str(a, j, "me");
	out->next = ic_json_str(a, j, "next");
	out->expires = ic_json_num(j, "expires", 0);
	cJSON_ArrayForEach(u, chain)
	{
		if (out->nchain < IC_STATE_MAX_CHAIN && cJSON_IsString(u))
			out->chain[out->nchain++] =
			        ic_arena_strdup(a, u->valuestring);
	}
}

struct count_ctx {
	struct ic_arena *a;
	long long now;
	size_t n, stop;
};

static enum ic_err count_one(const void *k, size_t kl, const void *v, size_t vl,
                             void *ctx)
{
	struct count_ctx *c = ctx;
	cJSON *j;

	(void)k;
	(void)kl;
	if (ic_json_parse(c->a, v, vl, &j) == IC_OK &&
	    ic_json_num(j, "expires", 0) > c->now)
		c->n++;
	return c->n >= c->stop ? IC_STORE_STOP : IC_OK;
}

enum ic_err ic_store_state_count_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, long long now,
                                        size_t stop, size_t *count)
{
	struct count_ctx c = {a, now, 0, stop};
	enum ic_err rc =
	        ic_store_txn_scan(t, IC_DB_STATES, NULL, 0, count_one, &c);

	*count = c.n;
	return rc;
}

enum ic_err ic_store_state_take_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *hash,
                                       long long now,
                                       struct ic_signin_state *out)
{
	cJSON *j;
	enum ic_err rc = get(t, a, IC_DB_STATES, hash, &j);

	if (rc)
		return rc;
	state_from_json(a, j, out);
	rc = del(t, IC_DB_STATES, hash);
	if (rc)
		return rc;
	if (!out->binding_hash || !out->verifier || !out->issuer ||
	    !out->authorization_endpoint || !out->entered_me)
		return IC_ERR_DATABASE;
	return out->expires > now ? IC_OK : IC_ERR_GONE;
}

/* --- Authorization codes ---------------------------------------------------
 */

enum ic_err ic_store_code_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *hash,
                                     const struct ic_auth_code *c)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "client_id", c->client_id);
	if (!rc)
		rc = ic_json_add_str(j, "redirect_uri", c->redirect_uri);
	if (!rc)
		rc = ic_json_add_str(j, "challenge", c->challenge);
	if (!rc)
		rc = ic_json_add_str(j, "scope", c->scope);
	if (!rc)
		rc = ic_json_add_str(j, "me", c->me);
	if (!rc)
		rc = ic_json_add_num(j, "expires", c->expires);
	if (!rc)
		rc = ic_json_add_bool(j, "used", c->used);
	if (!rc)
		rc = ic_json_add_str(j, "token_hash", c->token_hash);
	if (!rc)
		rc = ic_json_add_str(j, "refresh_hash", c->refresh_hash);
	return rc ? rc : put(t, IC_DB_CODES, hash, j);
}

enum ic_err ic_store_code_take_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *hash,
                                      long long now, struct ic_auth_code *out)
{
	cJSON *j;
	enum ic_err rc = get(t, a, IC_DB_CODES, hash, &j);

	if (rc)
		return rc;
	out->client_id = ic_json_str(a, j, "client_id");
	out->redirect_uri = ic_json_str(a, j, "redirect_uri");
	out->challenge = ic_json_str(a, j, "challenge");
	out->scope = ic_json_str(a, j, "scope");
	out->me = ic_json_str(a, j, "me");
	out->expires = ic_json_num(j, "expires", 0);
	out->used = ic_json_bool(j, "used", true);
	out->token_hash = ic_json_str(a, j, "token_hash");
	out->refresh_hash = ic_json_str(a, j, "refresh_hash");
	if (!out->client_id || !out->redirect_uri || !out->challenge ||
	    !out->scope || !out->me)
		return IC_ERR_DATABASE;
	if (out->used || out->expires <= now)
		return IC_ERR_GONE;
	out->used = true;
	return ic_store_code_put_in_txn(t, a, hash, out);
}

/* --- Refresh tokens ----------------------------------------------------------
 */

enum ic_err ic_store_refresh_put_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *hash,
                                        const struct ic_refresh_token *r)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "conv", r->conv);
	if (!rc)
		rc = ic_json_add_str(j, "subject", r->subject);
	if (!rc)
		rc = ic_json_add_str(j, "resource", r->resource);
	if (!rc)
		rc = ic_json_add_str(j, "scope", r->scope);
	if (!rc)
		rc = ic_json_add_str(j, "client_id", r->client_id);
	if (!rc && r->grant)
		rc = ic_json_add_str(j, "grant", r->grant);
	if (!rc)
		rc = ic_json_add_num(j, "issued", r->issued);
	if (!rc)
		rc = ic_json_add_num(j, "idle_expires", r->idle_expires);
	return rc ? rc : put(t, IC_DB_REFRESH, hash, j);
}

enum ic_err ic_store_refresh_take_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *hash,
                                         long long now,
                                         struct ic_refresh_token *out)
{
	cJSON *j;
	enum ic_err rc = get(t, a, IC_DB_REFRESH, hash, &j);

	if (rc)
		return rc;
	out->conv = ic_json_str(a, j, "conv");
	out->subject = ic_json_str(a, j, "subject");
	out->resource = ic_json_str(a, j, "resource");
	out->scope = ic_json_str(a, j, "scope");
	out->client_id = ic_json_str(a, j, "client_id");
	out->grant = ic_json_str(a, j, "grant");
	out->issued = ic_json_num(j, "issued", 0);
	out->idle_expires = ic_json_num(j, "idle_expires", 0);
	rc = del(t, IC_DB_REFRESH, hash);
	if (rc)
		return rc;
	if (!out->conv || !out->subject || !out->resource || !out->scope ||
	    !out->client_id)
		return IC_ERR_DATABASE;
	return out->idle_expires > now ? IC_OK : IC_ERR_GONE;
}

enum ic_err ic_store_refresh_del_conv_in_txn(struct ic_store_txn *t,
                                             struct ic_arena *a,
                                             const char *conv, int *count)
{
	char **keys;
	size_t n;
	enum ic_err rc;

	if (count)
		*count = 0;
	if (conv == NULL || *conv == '\0')
		return IC_OK;
	rc = ic_store_conv_keys_in_txn(t, a, IC_DB_REFRESH, conv, &keys, &n);
	for (size_t i = 0; rc == IC_OK && i < n; i++)
		rc = del(t, IC_DB_REFRESH, keys[i]);
	if (rc == IC_OK && count)
		*count = (int)n;
	return rc;
}

/* --- Rate counters -------------------------------------------------------- */

enum ic_err ic_store_rate_get_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *key, struct ic_rate *out)
{
	cJSON *j;
	enum ic_err rc = get(t, a, IC_DB_RATE, key, &j);

	memset(out, 0, sizeof(*out));
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc)
		return rc;
	out->failures = ic_json_num(j, "failures", 0);
	out->until = ic_json_num(j, "until", 0);
	out->last = ic_json_num(j, "last", 0);
	return IC_OK;
}

enum ic_err ic_store_rate_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *key, const struct ic_rate *r)
{
	cJSON *j;
	enum ic_err rc;

	if (r->failures <= 0)
		return del(t, IC_DB_RATE, key);
	j = ic_json_record(a, 1);
	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_num(j, "failures", r->failures);
	if (!rc)
		rc = ic_json_add_num(j, "until", r->until);
	if (!rc)
		rc = ic_json_add_num(j, "last", r->last);
	return rc ? rc : put(t, IC_DB_RATE, key, j);
}

/* --- Passphrase -------------------------------------------------------------
 */

enum ic_err ic_store_passphrase_get_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a, const char **out)
{
	cJSON *j;
	enum ic_err rc = get(t, a, IC_DB_META, PASSPHRASE_KEY, &j);

	*out = NULL;
	if (rc)
		return rc;
	*out = ic_json_str(a, j, "hash");
	return *out && **out ? IC_OK : IC_ERR_NOT_FOUND;
}

enum ic_err ic_store_passphrase_put_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a, const char *hash)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "hash", hash);
	return rc ? rc : put(t, IC_DB_META, PASSPHRASE_KEY, j);
}

/* --- Clean-up
 * ----------------------------------------------------------------- */

struct gc_ctx {
	struct ic_arena *a;
	const char *field; /* the record's expiry member */
	long long after;   /* added to it */
	long long now, next;
	char **keys;
	size_t n, cap;
};

static enum ic_err gc_collect(const void *k, size_t kl, const void *v,
                              size_t vl, void *ctx)
{
	struct gc_ctx *g = ctx;
	cJSON *j;
	long long exp;

	if (ic_json_parse(g->a, v, vl, &j) != IC_OK)
		exp = 0; /* a corrupt record is useless: remove it */
	else
		exp = ic_json_num(j, g->field, 0) + g->after;
	if (exp > g->now) {
		if (!g->next || exp < g->next)
			g->next = exp;
		return IC_OK;
	}
	if (g->n == g->cap)
		return IC_STORE_STOP;
	g->keys[g->n] = ic_arena_memdup(g->a, k, kl);
	return g->keys[g->n++] ? IC_OK : IC_ERR_NOMEM;
}

enum ic_err ic_store_auth_gc_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    long long now, size_t *removed,
                                    long long *next)
{
	static const struct {
		enum ic_store_db db;
		const char *field; /* when the record ends (plus after) */
		long long after;
	} kinds[] = {
	        {IC_DB_STATES, "expires", 0},
	        {IC_DB_CODES, "expires", 0},
	        {IC_DB_SESSIONS, "expires", 0},
	        {IC_DB_REFRESH, "idle_expires", 0},
	        {IC_DB_TICKETS, "expires", IC_TICKET_REPLAY_MEMORY},
	        /* An expired token is refused like an unknown one. */
	        {IC_DB_ISSUED_TOKENS, "expires", 0},
	        /* A wrong-passphrase count is forgotten after a day. */
	        {IC_DB_RATE, "last", IC_PASSPHRASE_FORGET_AFTER},
	};
	struct gc_ctx g = {a, NULL, 0, now, 0, NULL, 0, IC_AUTH_GC_MAX};
	enum ic_err rc = IC_OK;

	*removed = 0;
	g.keys = ic_arena_calloc(a, IC_AUTH_GC_MAX, sizeof(*g.keys));
	if (g.keys == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; rc == IC_OK && i < sizeof(kinds) / sizeof(kinds[0]);
	     i++) {
		g.field = kinds[i].field;
		g.after = kinds[i].after;
		g.n = 0;
		/* Collect first: a scan must not write its own database. */
		rc = ic_store_txn_scan(t, kinds[i].db, NULL, 0, gc_collect, &g);
		for (size_t k = 0; rc == IC_OK && k < g.n; k++) {
			rc = ic_store_txn_del(t, kinds[i].db, g.keys[k],
			                      strlen(g.keys[k]));
			if (rc == IC_ERR_NOT_FOUND)
				rc = IC_OK;
		}
		*removed += g.n;
		g.cap -= g.n;
		g.keys += g.n;
		if (g.cap == 0) {
			/* more to do: soon again */
			g.next = now + IC_AUTH_GC_AGAIN_SECONDS;
			break;
		}
	}
	*next = g.next;
	return rc;
}

enum ic_err ic_store_auth_gc_schedule_in_txn(struct ic_store_txn *t,
                                             struct ic_arena *a, long long when)
{
	return ic_due_schedule_in_txn(t, a, IC_AUTH_GC_JOB, "all", when, 0,
	                              true);
}
