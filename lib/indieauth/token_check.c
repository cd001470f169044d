/*
 * token_check.c - bearer tokens checked against issued_tokens (see
 * token_check.h).
 */
#include "indieauth/token_check.h"

#include <string.h>
#include <time.h>

struct lookup_ctx {
	struct ic_arena *a;
	const char *hash;
	struct ic_issued_token tok;
};

static enum ic_err lookup_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct lookup_ctx *c = ctx;

	memset(&c->tok, 0, sizeof(c->tok));
	return ic_store_issued_get_in_txn(t, c->a, c->hash, &c->tok);
}

enum ic_err ic_token_lookup(struct ic_store *st, struct ic_arena *a,
                            const char *secret, long long now,
                            struct ic_issued_token *out, char *errbuf)
{
	struct lookup_ctx c = {a, NULL, {0}};
	enum ic_err rc;

	if (secret == NULL || *secret == '\0')
		return ic_fail(errbuf, IC_ERR_UNAUTHENTICATED, "no token");
	/* Hash first, then look up: the lookup time says nothing about how
	 * much of a guessed token was right (TE-7). */
	c.hash = ic_secret_hash(a, secret);
	if (c.hash == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "no memory for the hash");
	rc = ic_store_view(st, lookup_in_txn, &c, errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(errbuf, IC_ERR_UNAUTHENTICATED, "unknown token");
	if (rc != IC_OK)
		return rc;
	if (out)
		*out = c.tok;
	if (c.tok.revoked)
		return ic_fail(errbuf, IC_ERR_UNAUTHENTICATED, "token revoked");
	if (c.tok.expires <= now)
		return ic_fail(errbuf, IC_ERR_UNAUTHENTICATED, "token expired");
	return IC_OK;
}

bool ic_token_scope_has(const char *scope, const char *want)
{
	size_t n = strlen(want);

	while (scope && *scope) {
		size_t len;

		scope += strspn(scope, " ");
		len = strcspn(scope, " ");
		if (len == n && n > 0 && strncmp(scope, want, n) == 0)
			return true;
		scope += len;
	}
	return false;
}

/* RS-6, RFC 6750 §5.2: a token reads only the feed it was issued for, so
 * one correspondent's token never opens another's; and only with read. */
static enum ic_err grants_read(const struct ic_issued_token *tok,
                               const char *resource_url, char *errbuf)
{
	if (resource_url == NULL || tok->resource == NULL ||
	    strcmp(tok->resource, resource_url) != 0)
		return ic_fail(errbuf, IC_ERR_UNAUTHENTICATED,
		               "token not issued for this resource");
	if (!ic_token_scope_has(tok->scope, IC_TOKEN_SCOPE_READ))
		return ic_fail(errbuf, IC_ERR_FORBIDDEN,
		               "token scope lacks read");
	return IC_OK;
}

bool ic_token_reads(const struct ic_issued_token *tok, const char *resource_url,
                    long long now)
{
	return !tok->revoked && tok->expires > now &&
	       grants_read(tok, resource_url, NULL) == IC_OK;
}

enum ic_err ic_token_check(struct ic_req *req, const char *bearer,
                           const char *resource_url,
                           struct ic_issued_token *out)
{
	struct ic_issued_token tok;
	struct ic_store *st;
	enum ic_err rc;

	if (bearer == NULL || *bearer == '\0')
		return ic_fail(req->errbuf, IC_ERR_UNAUTHENTICATED,
		               "no bearer token");
	rc = ic_req_store(req, &st);
	if (rc != IC_OK)
		return rc;
	rc = ic_token_lookup(st, req->arena, bearer, (long long)time(NULL),
	                     &tok, req->errbuf);
	if (rc != IC_OK)
		return rc;
	rc = grants_read(&tok, resource_url, req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (out)
		*out = tok;
	return IC_OK;
}
