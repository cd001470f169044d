/*
 * store_token.c - tickets, issued tokens, held tokens (see store_token.h).
 */
#include "store/store_token.h"

#include <string.h>

#include "core/digest.h"
#include "text/json.h"

char *ic_secret_hash(struct ic_arena *a, const char *secret)
{
	char hex[65];

	ic_digest_sha256_hex(secret, strlen(secret), hex);
	return ic_arena_strdup(a, hex);
}

enum ic_err ic_store_ticket_put_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *hash,
                                       const struct ic_ticket *tk)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "conv", tk->conv);
	if (!rc)
		rc = ic_json_add_str(j, "subject", tk->subject);
	if (!rc)
		rc = ic_json_add_str(j, "resource", tk->resource);
	if (!rc)
		rc = ic_json_add_num(j, "expires", tk->expires);
	if (!rc)
		rc = ic_json_add_bool(j, "used", tk->used);
	if (!rc && tk->token_hash)
		rc = ic_json_add_str(j, "token_hash", tk->token_hash);
	if (!rc && tk->refresh_hash)
		rc = ic_json_add_str(j, "refresh_hash", tk->refresh_hash);
	if (rc)
		return rc;
	return ic_store_txn_put_json(t, IC_DB_TICKETS, hash, strlen(hash), j);
}

enum ic_err ic_store_ticket_take_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *hash,
                                        long long now, struct ic_ticket *out)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_TICKETS, hash,
	                                       strlen(hash), &j);

	if (rc)
		return rc;
	out->conv = ic_json_str(a, j, "conv");
	out->subject = ic_json_str(a, j, "subject");
	out->resource = ic_json_str(a, j, "resource");
	out->expires = ic_json_num(j, "expires", 0);
	out->used = ic_json_bool(j, "used", true);
	out->token_hash = ic_json_str(a, j, "token_hash");
	out->refresh_hash = ic_json_str(a, j, "refresh_hash");
	if (out->conv == NULL || out->subject == NULL || out->resource == NULL)
		return IC_ERR_DATABASE;
	if (out->used || out->expires <= now)
		return IC_ERR_GONE;
	out->used = true;
	return ic_store_ticket_put_in_txn(t, a, hash, out);
}

enum ic_err ic_store_issued_put_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *hash,
                                       const struct ic_issued_token *tok)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "conv", tok->conv);
	if (!rc)
		rc = ic_json_add_str(j, "subject", tok->subject);
	if (!rc)
		rc = ic_json_add_str(j, "resource", tok->resource);
	if (!rc)
		rc = ic_json_add_str(j, "scope", tok->scope);
	if (!rc)
		rc = ic_json_add_str(j, "client_id", tok->client_id);
	if (!rc && tok->grant)
		rc = ic_json_add_str(j, "grant", tok->grant);
	if (!rc)
		rc = ic_json_add_num(j, "issued", tok->issued);
	if (!rc)
		rc = ic_json_add_num(j, "expires", tok->expires);
	if (!rc)
		rc = ic_json_add_bool(j, "revoked", tok->revoked);
	if (rc)
		return rc;
	return ic_store_txn_put_json(t, IC_DB_ISSUED_TOKENS, hash, strlen(hash),
	                             j);
}

static enum ic_err issued_from_json(struct ic_arena *a, const cJSON *j,
                                    struct ic_issued_token *out)
{
	out->conv = ic_json_str(a, j, "conv");
	out->subject = ic_json_str(a, j, "subject");
	out->resource = ic_json_str(a, j, "resource");
	out->scope = ic_json_str(a, j, "scope");
	out->client_id = ic_json_str(a, j, "client_id");
	out->grant = ic_json_str(a, j, "grant");
	out->issued = ic_json_num(j, "issued", 0);
	out->expires = ic_json_num(j, "expires", 0);
	out->revoked = ic_json_bool(j, "revoked", true);
	return out->conv && out->resource && out->scope ? IC_OK
	                                                : IC_ERR_DATABASE;
}

enum ic_err ic_store_issued_get_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *hash,
                                       struct ic_issued_token *out)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_ISSUED_TOKENS, hash,
	                                       strlen(hash), &j);

	return rc ? rc : issued_from_json(a, j, out);
}

enum ic_err ic_store_issued_revoke_in_txn(struct ic_store_txn *t,
                                          struct ic_arena *a, const char *hash,
                                          bool *revoked)
{
	struct ic_issued_token tok;
	enum ic_err rc = ic_store_issued_get_in_txn(t, a, hash, &tok);

	if (revoked)
		*revoked = false;
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK; /* RFC 7009 §2.2: unknown tokens are no error */
	if (rc != IC_OK || tok.revoked)
		return rc;
	tok.revoked = true;
	rc = ic_store_issued_put_in_txn(t, a, hash, &tok);
	if (rc == IC_OK && revoked)
		*revoked = true;
	return rc;
}

struct conv_keys {
	struct ic_arena *a;
	const char *field;
	const char *conv; /* the value wanted */
	char **keys;
	size_t n, cap;
};

static enum ic_err collect(const void *k, size_t kl, const void *v, size_t vl,
                           void *ctx)
{
	struct conv_keys *r = ctx;
	cJSON *j;
	const char *conv;

	if (ic_json_parse(r->a, v, vl, &j) != IC_OK)
		return IC_OK; /* a corrupt record grants nothing anyway */
	conv = ic_json_str(r->a, j, r->field);
	if (conv == NULL || strcmp(conv, r->conv) != 0)
		return IC_OK;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		char **p = ic_arena_calloc(r->a, cap, sizeof(*p));

		if (p == NULL)
			return IC_ERR_NOMEM;
		if (r->n)
			memcpy(p, r->keys, r->n * sizeof(*p));
		r->keys = p;
		r->cap = cap;
	}
	r->keys[r->n] = ic_arena_memdup(r->a, k, kl);
	return r->keys[r->n++] ? IC_OK : IC_ERR_NOMEM;
}

enum ic_err ic_store_conv_keys_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, enum ic_store_db db,
                                      const char *conv, char ***keys, size_t *n)
{
	struct conv_keys r = {a, "conv", conv, NULL, 0, 0};
	enum ic_err rc = ic_store_txn_scan(t, db, NULL, 0, collect, &r);

	*keys = r.keys;
	*n = r.n;
	return rc;
}

enum ic_err ic_store_del_where_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, enum ic_store_db db,
                                      const char *field, const char *value,
                                      int *count)
{
	struct conv_keys r = {a, field, value, NULL, 0, 0};
	enum ic_err rc = IC_OK;

	if (count)
		*count = 0;
	if (value == NULL || *value == '\0')
		return IC_OK;
	/* Collect first: a scan must not write its own database. */
	rc = ic_store_txn_scan(t, db, NULL, 0, collect, &r);
	for (size_t i = 0; rc == IC_OK && i < r.n; i++) {
		rc = ic_store_txn_del(t, db, r.keys[i], strlen(r.keys[i]));
		if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
	}
	if (rc == IC_OK && count)
		*count = (int)r.n;
	return rc;
}

enum ic_err ic_store_issued_revoke_conv_in_txn(struct ic_store_txn *t,
                                               struct ic_arena *a,
                                               const char *conv, int *count)
{
	char **keys;
	size_t n;
	enum ic_err rc = ic_store_conv_keys_in_txn(t, a, IC_DB_ISSUED_TOKENS,
	                                           conv, &keys, &n);

	*count = 0;
	for (size_t i = 0; rc == IC_OK && i < n; i++) {
		struct ic_issued_token tok;

		rc = ic_store_issued_get_in_txn(t, a, keys[i], &tok);
		if (rc == IC_OK && !tok.revoked) {
			tok.revoked = true;
			rc = ic_store_issued_put_in_txn(t, a, keys[i], &tok);
			(*count)++;
		}
	}
	return rc;
}

enum ic_err ic_store_held_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const struct ic_held_token *h)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc;

	if (j == NULL)
		return IC_ERR_NOMEM;
	rc = ic_json_add_str(j, "resource", h->resource);
	if (!rc)
		rc = ic_json_add_str(j, "access_token", h->access_token);
	if (!rc && h->refresh_token && *h->refresh_token)
		rc = ic_json_add_str(j, "refresh_token", h->refresh_token);
	if (!rc)
		rc = ic_json_add_str(j, "token_endpoint", h->token_endpoint);
	if (!rc)
		rc = ic_json_add_str(j, "me", h->me);
	if (!rc)
		rc = ic_json_add_str(j, "scope", h->scope);
	if (!rc)
		rc = ic_json_add_num(j, "expires", h->expires);
	if (!rc)
		rc = ic_json_add_num(j, "obtained", h->obtained);
	if (rc)
		return rc;
	return ic_store_txn_put_json(t, IC_DB_HELD_TOKENS, h->conv,
	                             strlen(h->conv), j);
}

enum ic_err ic_store_held_get_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *conv,
                                     struct ic_held_token *out)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_HELD_TOKENS, conv,
	                                       strlen(conv), &j);

	if (rc)
		return rc;
	out->conv = ic_arena_strdup(a, conv);
	out->resource = ic_json_str(a, j, "resource");
	out->access_token = ic_json_str(a, j, "access_token");
	out->refresh_token = ic_json_str(a, j, "refresh_token");
	out->token_endpoint = ic_json_str(a, j, "token_endpoint");
	out->me = ic_json_str(a, j, "me");
	out->scope = ic_json_str(a, j, "scope");
	out->expires = ic_json_num(j, "expires", 0);
	out->obtained = ic_json_num(j, "obtained", 0);
	return out->resource && out->access_token ? IC_OK : IC_ERR_DATABASE;
}

enum ic_err ic_store_held_del_in_txn(struct ic_store_txn *t, const char *conv)
{
	enum ic_err rc =
	        ic_store_txn_del(t, IC_DB_HELD_TOKENS, conv, strlen(conv));

	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}
