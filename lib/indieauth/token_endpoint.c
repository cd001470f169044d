/*
 * token_endpoint.c - metadata, ticket grant, revocation, introspection
 * (see token_endpoint.h).
 */
#include "indieauth/token_endpoint.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/crypto.h"
#include "store/due.h"
#include "text/html.h"
#include "text/json.h"
#include "text/url.h"
#include "core/log.h"
#include "cgi/page.h"
#include "cgi/site.h"
#include "store/store.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_auth.h"
#include "store/store_token.h"
#include "indieauth/oauth.h"
#include "indieauth/token_check.h"
#include "indieauth/indieauth_server.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 6750 §3: the realm of our WWW-Authenticate challenges. */
#define REALM "Bearer realm=\"IndieChat\""

/* --- Responses ----------------------------------------------------------- */

/* RFC 6749 §3.2: parameters must not be repeated; NULL for absent. */
static const char *param(struct ic_req *req, const char *name, bool *repeated)
{
	if (ic_form_count(&req->form, name) > 1)
		*repeated = true;
	return ic_form_get(&req->form, name);
}

/* --- Metadata (TE-8) ------------------------------------------------------ */

static bool add_strings(cJSON *obj, const char *name, const char *const *values,
                        size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, name);

	for (size_t i = 0; arr && i < n; i++) {
		cJSON *s = cJSON_CreateString(values[i]);

		if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return false;
		}
	}
	return arr != NULL;
}

static bool add_url(cJSON *j, const char *name, const char *url)
{
	return url && cJSON_AddStringToObject(j, name, url);
}

enum ic_err ic_metadata_get(struct ic_req *req)
{
	static const char *const grants[] = {"authorization_code",
	                                     IC_GRANT_REFRESH, IC_GRANT_TICKET,
	                                     IC_GRANT_TICKET_URN};
	static const char *const scopes[] = {IC_TOKEN_SCOPE_READ, "profile"};
	static const char *const none[] = {"none"};
	static const char *const code[] = {"code"};
	static const char *const s256[] = {"S256"};
	struct ic_arena *a = req->arena;
	const struct ic_config *cfg = &req->cfg;
	bool builtin = ic_authz_builtin(cfg);
	cJSON *j = cJSON_CreateObject();
	enum ic_err rc = IC_ERR_NOMEM;

	/* RFC 8414 §2: without the built-in server no grant here uses an
	 * authorization endpoint, so none is named (the owner's own
	 * server signs them in: STANDARDS.md §5 "Design conflict"). */
	if (j != NULL && add_url(j, "issuer", ic_site_issuer(a, cfg)) &&
	    (!builtin ||
	     (add_url(j, "authorization_endpoint",
	              ic_site_authorization_endpoint(a, cfg)) &&
	      add_strings(j, "response_types_supported", code, 1) &&
	      add_strings(j, "code_challenge_methods_supported", s256, 1) &&
	      cJSON_AddTrueToObject(j, "authorization_response_iss_parameter_"
	                               "supported"))) &&
	    add_url(j, "token_endpoint", ic_site_token_endpoint(a, cfg)) &&
	    add_url(j, "ticket_endpoint", ic_site_ticket_endpoint(a, cfg)) &&
	    add_url(j, "revocation_endpoint",
	            ic_site_revocation_endpoint(a, cfg)) &&
	    add_url(j, "introspection_endpoint",
	            ic_site_introspection_endpoint(a, cfg)) &&
	    add_strings(j, "grant_types_supported", grants + (builtin ? 0 : 1),
	                builtin ? 4 : 3) &&
	    add_strings(j, "scopes_supported", scopes, builtin ? 2 : 1) &&
	    add_strings(j, "revocation_endpoint_auth_methods_supported", none,
	                1) &&
	    add_strings(j, "introspection_endpoint_auth_methods_supported",
	                (const char *const[]){"Bearer"}, 1))
		rc = ic_resp_json(req, j);
	cJSON_Delete(j);
	if (rc != IC_OK)
		return ic_fail(req->errbuf, rc, "could not build the metadata");
	req->resp.cache_control = "public, max-age=300";
	return IC_OK;
}

/* --- The issuer's own page (TE-8) ------------------------------------------
 */

enum ic_err ic_issuer_get(struct ic_req *req)
{
	struct ic_arena *a = req->arena;
	const char *meta = ic_site_metadata_url(a, &req->cfg);
	const char *token = ic_site_token_endpoint(a, &req->cfg);
	const char *ticket = ic_site_ticket_endpoint(a, &req->cfg);
	const struct ic_html_var vars[] = {
	        {"meta", meta, IC_HTML_URL},
	        {"token", token, IC_HTML_URL},
	        {"ticket", ticket, IC_HTML_URL},
	        {"me", req->cfg.me, IC_HTML_URL},
	};
	struct ic_buf head = IC_BUF_INIT(4096);
	struct ic_buf *b = &req->resp.body;
	enum ic_err rc;

	if (meta == NULL || token == NULL || ticket == NULL)
		return IC_ERR_NOMEM;
	/* Both forms: Apache joins repeated Link headers into one line that
	 * some parsers cannot read (DESIGN.md "Apache"). */
	rc = ic_resp_add_header(
	        &req->resp, "Link",
	        ic_arena_printf(a, "<%s>; rel=\"indieauth-metadata\"", meta));
	if (rc == IC_OK)
		rc = ic_resp_add_header(
		        &req->resp, "Link",
		        ic_arena_printf(a, "<%s>; rel=\"token_endpoint\"",
		                        token));
	if (rc == IC_OK)
		rc = ic_html_render(
		        &head,
		        "<link rel=\"indieauth-metadata\" "
		        "href=\"{{meta}}\">\n"
		        "<link rel=\"token_endpoint\" href=\"{{token}}\">\n"
		        "<link rel=\"ticket_endpoint\" "
		        "href=\"{{ticket}}\">\n",
		        vars, ARRAY_SIZE(vars), req->errbuf);
	ic_buf_reset(b);
	if (rc == IC_OK)
		rc = ic_html_page_start(b, "IndieChat", head.buf);
	ic_buf_release(&head);
	if (rc == IC_OK)
		rc = ic_html_render(
		        b,
		        "<p>The IndieChat of <a href=\"{{me}}\">{{me}}</a>: "
		        "<a href=\"{{meta}}\">its IndieAuth "
		        "metadata</a>.</p>\n",
		        vars, ARRAY_SIZE(vars), req->errbuf);
	if (rc == IC_OK)
		rc = ic_html_page_end(b);
	if (rc != IC_OK)
		return rc;
	req->resp.content_type = "text/html; charset=utf-8";
	req->resp.cache_control = "public, max-age=300";
	return IC_OK;
}

/* --- Ticket grant (TE-1..TE-5, TE-7) ---------------------------------------
 */

struct redeem {
	struct ic_arena *a;
	const char *ticket_hash;
	const char *token_hash;
	const char *refresh_hash;
	long long now;
	struct ic_ticket ticket; /* filled by the transaction */
	bool replayed;           /* a used ticket came back (TE-2) */
};

/* TE-6: the refresh token that renews @p tok, idle-expiring. */
static enum ic_err put_refresh_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *hash,
                                      const struct ic_issued_token *tok,
                                      long long now)
{
	struct ic_refresh_token r = {
	        .conv = tok->conv,
	        .subject = tok->subject,
	        .resource = tok->resource,
	        .scope = tok->scope,
	        .client_id = tok->client_id ? tok->client_id : "",
	        .grant = tok->grant,
	        .issued = now,
	        .idle_expires = now + IC_REFRESH_IDLE_SECONDS,
	};

	enum ic_err rc = ic_store_refresh_put_in_txn(t, a, hash, &r);

	return rc ? rc : ic_store_auth_gc_schedule_in_txn(t, a, r.idle_expires);
}

/* Conversation @p id, or the position IC_CONV_NONE when it is gone, for
 * conv_state.h's table. */
static enum ic_err conv_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                               const char *id, struct ic_conv *conv)
{
	enum ic_err rc = ic_store_conv_get_in_txn(t, a, id, conv);

	if (rc != IC_ERR_NOT_FOUND)
		return rc;
	memset(conv, 0, sizeof(*conv));
	conv->state = IC_CONV_NONE;
	return IC_OK;
}

/* Drop every access and refresh token whose record has @p field equal to
 * @p value (TS-5, TE-2; store_token.h). */
static enum ic_err drop_tokens_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *field,
                                      const char *value)
{
	enum ic_err rc = ic_store_del_where_in_txn(t, a, IC_DB_ISSUED_TOKENS,
	                                           field, value, NULL);

	return rc ? rc
	          : ic_store_del_where_in_txn(t, a, IC_DB_REFRESH, field, value,
	                                      NULL);
}

/* TE-2 (RFC 6749 §4.1.2, §10.5): a ticket redeemed twice was stolen or
 * replayed, and we cannot tell which redeemer is the thief: everything
 * its first redemption began -- the token, the refresh token, and what
 * refreshing them gave since -- is dropped.  Committed, though the
 * answer is invalid_grant. */
static enum ic_err revoke_replayed_in_txn(struct ic_store_txn *t,
                                          struct redeem *r)
{
	r->replayed = true;
	return drop_tokens_in_txn(t, r->a, "grant", r->ticket_hash);
}

/* TE-2: check-and-consume the ticket and store the token's binding in one
 * write transaction, so a ticket can never yield two tokens.  Re-runnable
 * (store.h): the ticket is read afresh on every run. */
static enum ic_err redeem_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct redeem *r = ctx;
	struct ic_issued_token tok;
	enum ic_err rc;

	memset(&r->ticket, 0, sizeof(r->ticket));
	r->replayed = false;
	rc = ic_store_ticket_take_in_txn(t, r->a, r->ticket_hash, r->now,
	                                 &r->ticket);
	if (rc == IC_ERR_GONE && r->ticket.used)
		return revoke_replayed_in_txn(t, r);
	if (rc != IC_OK)
		return rc;
	if (r->ticket.conv && *r->ticket.conv) {
		struct ic_conv conv;

		rc = conv_in_txn(t, r->a, r->ticket.conv, &conv);
		if (rc != IC_OK)
			return rc;
		/* Blocking is revoking at the source: no ticket issued
		 * before the block yields a token after it (TE-12). */
		if (!ic_conv_allows(conv.state, conv.access_revoked,
		                    IC_CONV_EV_TOKEN_REDEEM))
			return IC_ERR_NOT_FOUND; /* as unknown: no leak */
		/* Peers that do not refresh (TE-6) get a fresh ticket from
		 * lazy maintenance before this token expires. */
		rc = conv.state == IC_CONV_NONE
		             ? IC_OK
		             : ic_due_schedule_in_txn(
		                       t, r->a, "ticket", r->ticket.conv,
		                       r->now + IC_TOKEN_LIFETIME_SECONDS -
		                               IC_TOKEN_RENEW_AHEAD,
		                       0, false);
		/* TS-5: one token per correspondent; the older ones go, so
		 * asking for tickets (TE-14) cannot pile tokens up. */
		if (rc == IC_OK)
			rc = drop_tokens_in_txn(t, r->a, "conv",
			                        r->ticket.conv);
		if (rc != IC_OK)
			return rc;
	}
	tok = (struct ic_issued_token){
	        .conv = r->ticket.conv,
	        .subject = r->ticket.subject,
	        .resource = r->ticket.resource,
	        .scope = IC_TOKEN_SCOPE_READ,
	        .grant = r->ticket_hash,
	        .issued = r->now,
	        .expires = r->now + IC_TOKEN_LIFETIME_SECONDS,
	        .revoked = false,
	};
	rc = ic_store_issued_put_in_txn(t, r->a, r->token_hash, &tok);
	if (rc == IC_OK)
		rc = put_refresh_in_txn(t, r->a, r->refresh_hash, &tok, r->now);
	/* The used ticket remembers what it gave, for a replay (TE-2). */
	r->ticket.token_hash = r->token_hash;
	r->ticket.refresh_hash = r->refresh_hash;
	return rc ? rc
	          : ic_store_ticket_put_in_txn(t, r->a, r->ticket_hash,
	                                       &r->ticket);
}

/* An optional scope may only narrow what the ticket grants: "read". */
static bool scope_ok(const char *scope)
{
	while (scope && *scope) {
		size_t len;

		scope += strspn(scope, " ");
		len = strcspn(scope, " ");
		if (len && (len != strlen(IC_TOKEN_SCOPE_READ) ||
		            strncmp(scope, IC_TOKEN_SCOPE_READ, len) != 0))
			return false;
		scope += len;
	}
	return true;
}

/* TE-3: the access token answer, with a refresh token (TE-6). */
static enum ic_err token_success(struct ic_req *req, const char *token,
                                 const char *refresh, const char *scope,
                                 const char *me, long long expires_in)
{
	cJSON *j = cJSON_CreateObject();

	if (j != NULL &&
	    (!cJSON_AddStringToObject(j, "access_token", token) ||
	     !cJSON_AddStringToObject(j, "token_type", "Bearer") ||
	     !cJSON_AddStringToObject(j, "scope", scope) ||
	     !cJSON_AddStringToObject(j, "me", me) ||
	     !cJSON_AddNumberToObject(j, "expires_in", (double)expires_in) ||
	     !cJSON_AddStringToObject(j, "refresh_token", refresh))) {
		cJSON_Delete(j);
		j = NULL;
	}
	return ic_oauth_json(req, 200, j);
}

/* Two fresh secrets: an access token and a refresh token (TE-7). */
static enum ic_err mint_pair(struct ic_req *req, char **token, char **refresh,
                             const char **token_hash, const char **refresh_hash)
{
	enum ic_err rc = ic_crypto_token(req->arena, token, req->errbuf);

	if (rc == IC_OK)
		rc = ic_crypto_token(req->arena, refresh, req->errbuf);
	if (rc != IC_OK)
		return rc;
	*token_hash = ic_secret_hash(req->arena, *token);
	*refresh_hash = ic_secret_hash(req->arena, *refresh);
	if (*token_hash == NULL || *refresh_hash == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory for hash");
	return IC_OK;
}

/* Mint a token, then redeem the ticket for it in one transaction. */
static enum ic_err redeem(struct ic_req *req, const char *ticket)
{
	struct redeem r = {.a = req->arena, .now = (long long)time(NULL)};
	struct ic_store *st;
	char *token, *refresh;
	enum ic_err rc;

	if (strlen(ticket) > IC_TOKEN_MAX_SECRET_CHARS)
		return ic_oauth_error(req, "invalid_grant", "unknown ticket");
	/* TE-7: 256 random bits; only its hash is stored. */
	rc = mint_pair(req, &token, &refresh, &r.token_hash, &r.refresh_hash);
	if (rc != IC_OK)
		return rc;
	r.ticket_hash = ic_secret_hash(req->arena, ticket);
	if (r.ticket_hash == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory for hash");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, redeem_in_txn, &r, req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return ic_oauth_error(req, "invalid_grant", "unknown ticket");
	if (rc == IC_OK && r.replayed) {
		ic_log(IC_LOG_WARN,
		       "ticket for %s presented again: the token it gave "
		       "is revoked (TE-2)",
		       r.ticket.subject);
		rc = IC_ERR_GONE;
	}
	if (rc == IC_ERR_GONE)
		return ic_oauth_error(req, "invalid_grant",
		                      "ticket already used or expired");
	if (rc != IC_OK)
		return rc;
	ic_log(IC_LOG_INFO, "token issued for conversation %s to %s",
	       r.ticket.conv, r.ticket.subject);
	/* TE-4: me is the subject the ticket was issued to. */
	return token_success(req, token, refresh, IC_TOKEN_SCOPE_READ,
	                     r.ticket.subject, IC_TOKEN_LIFETIME_SECONDS);
}

/* --- Authorization code grant (IndieAuth §5.3.3) ------------------------ */

struct code_grant {
	struct ic_arena *a;
	const char *token_hash, *refresh_hash;
	struct ic_issued_token tok;
	long long now;
	const char *code_hash;
	struct ic_auth_code code;
};

static enum ic_err code_grant_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct code_grant *g = ctx;
	struct ic_auth_code c = g->code;
	enum ic_err rc =
	        ic_store_issued_put_in_txn(t, g->a, g->token_hash, &g->tok);

	if (rc == IC_OK)
		rc = put_refresh_in_txn(t, g->a, g->refresh_hash, &g->tok,
		                        g->now);
	/* The used code remembers what it gave, for a replay (§4.1.2). */
	c.token_hash = g->token_hash;
	c.refresh_hash = g->refresh_hash;
	return rc ? rc : ic_store_code_put_in_txn(t, g->a, g->code_hash, &c);
}

static enum ic_err grant_code(struct ic_req *req)
{
	struct code_grant g = {
	        req->arena, NULL, NULL, {0}, (long long)time(NULL), NULL, {0}};
	const char *error, *desc;
	struct ic_auth_code c;
	struct ic_store *st;
	char *token, *refresh;
	enum ic_err rc = ic_authz_take_code(req, &c, &error, &desc);

	if (rc != IC_OK)
		return rc;
	if (error != NULL)
		return ic_oauth_error(req, error, desc);
	/* STANDARDS.md §0 item 8: a code issued without a scope is for
	 * sign-in only and never yields a token. */
	if (*c.scope == '\0')
		return ic_oauth_error(
		        req, "invalid_grant",
		        "the code was issued without a scope: "
		        "redeem it at the authorization endpoint");
	rc = mint_pair(req, &token, &refresh, &g.token_hash, &g.refresh_hash);
	if (rc != IC_OK)
		return rc;
	g.code = c;
	g.code_hash =
	        ic_secret_hash(req->arena, ic_form_get(&req->form, "code"));
	if (g.code_hash == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory for hash");
	g.tok = (struct ic_issued_token){
	        .conv = "",
	        .subject = c.me,
	        .resource = "",
	        .scope = c.scope,
	        .client_id = c.client_id,
	        .issued = g.now,
	        .expires = g.now + IC_TOKEN_LIFETIME_SECONDS,
	};
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, code_grant_in_txn, &g, req->errbuf);
	if (rc != IC_OK)
		return rc;
	ic_log(IC_LOG_INFO, "token issued to client %s, scope %s", c.client_id,
	       c.scope);
	return token_success(req, token, refresh, c.scope, c.me,
	                     IC_TOKEN_LIFETIME_SECONDS);
}

/* --- Refresh grant (TE-6, IndieAuth §5.5) --------------------------------- */

struct refresh_grant {
	struct ic_arena *a;
	const char *old_hash, *token_hash, *refresh_hash;
	const char *client_id, *scope; /* as asked; scope NULL: the same */
	long long now;
	const char *error, *desc; /* an OAuth error: nothing committed */
	struct ic_refresh_token r;
	struct ic_issued_token tok;
};

/* Every word of @p want is in @p have (a narrower or equal scope). */
static bool scope_within(const char *want, const char *have)
{
	while (want && *want) {
		char word[64];
		size_t len;

		want += strspn(want, " ");
		len = strcspn(want, " ");
		if (len >= sizeof(word))
			return false;
		memcpy(word, want, len);
		word[len] = '\0';
		if (len && !ic_token_scope_has(have, word))
			return false;
		want += len;
	}
	return true;
}

static enum ic_err refuse(struct refresh_grant *g, const char *error,
                          const char *desc)
{
	g->error = error;
	g->desc = desc;
	return IC_ERR_BAD_INPUT; /* abort: the old token stays as it was */
}

static enum ic_err refresh_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct refresh_grant *g = ctx;
	struct ic_refresh_token next;
	enum ic_err rc;

	g->error = g->desc = NULL;
	memset(&g->tok, 0, sizeof(g->tok));
	rc = ic_store_refresh_take_in_txn(t, g->a, g->old_hash, g->now, &g->r);
	if (rc == IC_ERR_NOT_FOUND)
		return refuse(g, "invalid_grant", "unknown refresh token");
	if (rc == IC_ERR_GONE)
		return IC_OK; /* idle too long: commit its deletion */
	if (rc != IC_OK)
		return rc;
	if (*g->r.client_id &&
	    (g->client_id == NULL || strcmp(g->client_id, g->r.client_id) != 0))
		return refuse(g, "invalid_grant",
		              "the refresh token belongs to another client");
	if (g->scope && (!*g->scope || !scope_within(g->scope, g->r.scope)))
		return refuse(g, "invalid_scope",
		              "a refresh may only keep or narrow the scope");
	if (*g->r.conv) {
		struct ic_conv conv;

		rc = conv_in_txn(t, g->a, g->r.conv, &conv);
		if (rc != IC_OK)
			return rc;
		if (!ic_conv_allows(conv.state, conv.access_revoked,
		                    IC_CONV_EV_TOKEN_REFRESH))
			return refuse(g, "invalid_grant",
			              "unknown refresh token"); /* no leak */
	}
	g->tok = (struct ic_issued_token){
	        .conv = g->r.conv,
	        .subject = g->r.subject,
	        .resource = g->r.resource,
	        .scope = g->scope ? g->scope : g->r.scope,
	        .client_id = *g->r.client_id ? g->r.client_id : NULL,
	        .grant = g->r.grant,
	        .issued = g->now,
	        .expires = g->now + IC_TOKEN_LIFETIME_SECONDS,
	};
	/* TS-5: the access token this refresh replaces goes with it. */
	rc = drop_tokens_in_txn(t, g->a, "conv", g->r.conv);
	if (rc == IC_OK)
		rc = ic_store_issued_put_in_txn(t, g->a, g->token_hash,
		                                &g->tok);
	if (rc != IC_OK)
		return rc;
	/* TE-6: the new refresh token keeps the original scope. */
	next = g->r;
	next.idle_expires = g->now + IC_REFRESH_IDLE_SECONDS;
	rc = ic_store_refresh_put_in_txn(t, g->a, g->refresh_hash, &next);
	return rc ? rc
	          : ic_store_auth_gc_schedule_in_txn(t, g->a,
	                                             next.idle_expires);
}

static enum ic_err grant_refresh(struct ic_req *req, const char *old,
                                 const char *client_id, const char *scope)
{
	struct refresh_grant g = {.a = req->arena,
	                          .now = (long long)time(NULL),
	                          .client_id = client_id,
	                          .scope = scope};
	struct ic_store *st;
	char *token, *refresh;
	enum ic_err rc;

	if (old == NULL || *old == '\0')
		return ic_oauth_error(req, "invalid_request",
		                      "refresh_token is missing");
	if (strlen(old) > IC_TOKEN_MAX_SECRET_CHARS)
		return ic_oauth_error(req, "invalid_grant",
		                      "unknown refresh token");
	g.old_hash = ic_secret_hash(req->arena, old);
	rc = g.old_hash ? mint_pair(req, &token, &refresh, &g.token_hash,
	                            &g.refresh_hash)
	                : IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, refresh_in_txn, &g, req->errbuf);
	if (g.error != NULL)
		return ic_oauth_error(req, g.error, g.desc);
	if (rc != IC_OK)
		return rc;
	if (g.tok.scope == NULL)
		return ic_oauth_error(req, "invalid_grant",
		                      "the refresh token expired unused");
	ic_log(IC_LOG_INFO, "token refreshed for %s", g.tok.subject);
	return token_success(req, token, refresh, g.tok.scope, g.tok.subject,
	                     IC_TOKEN_LIFETIME_SECONDS);
}

/* --- Ticket requests (TE-14, indieauth#87) -------------------------------- */

struct wanted {
	struct ic_arena *a;
	const char *peer; /* canonical profile URL of the asker */
	long long now;
	bool scheduled;
};

/* A correspondent with an accepted conversation gets a fresh ticket from
 * lazy maintenance right after the response, at most one per
 * IC_TICKET_REQUEST_INTERVAL; everybody else gets nothing.  A clock that
 * stepped back (ticket_wanted in the future) does not block the ask. */
static enum ic_err wanted_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct wanted *w = ctx;
	struct ic_conv conv;
	enum ic_err rc = ic_store_conv_by_peer_in_txn(t, w->a, w->peer, &conv);

	w->scheduled = false;
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc != IC_OK)
		return rc;
	if (!ic_conv_allows(conv.state, conv.access_revoked,
	                    IC_CONV_EV_TICKET_WANTED))
		return IC_OK;
	if (conv.ticket_wanted && conv.ticket_wanted <= w->now &&
	    w->now - conv.ticket_wanted < IC_TICKET_REQUEST_INTERVAL)
		return IC_OK;
	conv.ticket_wanted = w->now;
	rc = ic_store_conv_put_in_txn(t, w->a, &conv);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, w->a, "ticket", conv.id, w->now,
		                            0, false);
	w->scheduled = rc == IC_OK;
	return rc;
}

/* After the response: the lookup and the write, so a known asker costs
 * no more time before the answer than a stranger (TE-14: no oracle). */
static enum ic_err wanted_after(struct ic_req *req)
{
	struct wanted *w = req->after_ctx;
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_update(st, wanted_in_txn, w, req->errbuf);
	if (rc == IC_OK && w->scheduled)
		ic_log(IC_LOG_INFO, "%s asked for a ticket: one goes out",
		       w->peer);
	return rc;
}

/*
 * action=ticket&subject=URL: "send me a ticket".  Whether the subject is
 * a correspondent, a stranger, declined or blocked, the answer is the
 * same 202 with the same body, given before anything is looked up
 * (TE-14: no oracle of who we talk to); only a malformed request is
 * refused, for any subject alike.
 */
static enum ic_err ticket_wanted(struct ic_req *req, const char *subject)
{
	struct wanted *w;
	char *peer;
	enum ic_err rc;

	if (subject == NULL || *subject == '\0')
		return ic_oauth_error(req, "invalid_request",
		                      "subject is missing");
	if (ic_url_canonical_profile(req->arena, subject,
	                             req->cfg.dev_mode ? IC_URL_DEV : 0, &peer,
	                             NULL) != IC_OK)
		return ic_oauth_error(req, "invalid_request",
		                      "subject is not a profile URL");
	/* Over the asker's site limit (ratelimit.h): answered alike. */
	if (!req->rate_quiet) {
		w = ic_arena_calloc(req->arena, 1, sizeof(*w));
		if (w == NULL)
			return IC_ERR_NOMEM;
		*w = (struct wanted){req->arena, peer, (long long)time(NULL),
		                     false};
		req->after = wanted_after;
		req->after_ctx = w;
	}
	rc = ic_resp_text(req, 202, "ticket request received\n");
	return rc == IC_OK ? ic_oauth_no_store(req) : rc;
}

enum ic_err ic_token_endpoint_token(struct ic_req *req)
{
	bool repeated = false;
	const char *grant = param(req, "grant_type", &repeated);
	const char *ticket = param(req, "ticket", &repeated);
	const char *scope = param(req, "scope", &repeated);
	const char *refresh = param(req, "refresh_token", &repeated);
	const char *client_id = param(req, "client_id", &repeated);
	const char *action = param(req, "action", &repeated);
	/* indieauth#87: Publ sends subject=, Zegnat's server me=. */
	const char *subject = param(req, "subject", &repeated);
	const char *asker = param(req, "me", &repeated);

	if (repeated)
		return ic_oauth_error(req, "invalid_request",
		                      "a parameter is repeated");
	if (action != NULL && grant == NULL) {
		if (strcmp(action, "ticket") == 0)
			return ticket_wanted(req, subject ? subject : asker);
		return ic_oauth_error(req, "invalid_request",
		                      "the only action is ticket");
	}
	if (grant == NULL || *grant == '\0')
		return ic_oauth_error(req, "invalid_request",
		                      "grant_type is missing");
	if (strcmp(grant, "authorization_code") == 0 &&
	    ic_authz_builtin(&req->cfg))
		return grant_code(req);
	if (strcmp(grant, IC_GRANT_REFRESH) == 0)
		return grant_refresh(req, refresh, client_id, scope);
	if (strcmp(grant, IC_GRANT_TICKET) != 0 &&
	    strcmp(grant, IC_GRANT_TICKET_URN) != 0)
		return ic_oauth_error(req, "unsupported_grant_type",
		                      "supported: authorization_code, "
		                      "refresh_token, ticket");
	if (ticket == NULL || *ticket == '\0')
		return ic_oauth_error(req, "invalid_request",
		                      "ticket is missing");
	if (!scope_ok(scope))
		return ic_oauth_error(req, "invalid_scope",
		                      "a ticket grants only the read scope");
	return redeem(req, ticket);
}

/* --- Revocation (TE-12) ------------------------------------------------------
 */

struct revoke {
	struct ic_arena *a;
	const char *hash;
	bool revoked;
};

static enum ic_err revoke_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct revoke *r = ctx;
	enum ic_err rc =
	        ic_store_issued_revoke_in_txn(t, r->a, r->hash, &r->revoked);

	/* RFC 7009 §2.1: a refresh token can be revoked as well. */
	if (rc == IC_OK) {
		rc = ic_store_txn_del(t, IC_DB_REFRESH, r->hash,
		                      strlen(r->hash));
		if (rc == IC_OK)
			r->revoked = true;
		else if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
	}
	return rc;
}

enum ic_err ic_token_endpoint_revoke(struct ic_req *req)
{
	bool repeated = false;
	const char *token = param(req, "token", &repeated);
	struct revoke r = {req->arena, NULL, false};
	struct ic_store *st;
	enum ic_err rc;

	if (repeated || token == NULL || *token == '\0')
		return ic_oauth_error(req, "invalid_request",
		                      "exactly one token is required");
	/* RFC 7009 §2.2: an unknown token is answered 200 as well. */
	if (strlen(token) <= IC_TOKEN_MAX_SECRET_CHARS) {
		r.hash = ic_secret_hash(req->arena, token);
		if (r.hash == NULL)
			return ic_fail(req->errbuf, IC_ERR_NOMEM,
			               "no memory for hash");
		rc = ic_req_store(req, &st);
		if (rc == IC_OK)
			rc = ic_store_update(st, revoke_in_txn, &r,
			                     req->errbuf);
		if (rc != IC_OK)
			return rc;
	}
	if (r.revoked)
		ic_log(IC_LOG_INFO, "token %.12s revoked", r.hash);
	req->resp.status = 200;
	ic_buf_reset(&req->resp.body);
	return ic_oauth_no_store(req);
}

/* --- Introspection (TE-11) -------------------------------------------------
 */

/* 401 for the introspection caller.  RFC 6750 §3.1: no error code when
 * no credential was sent at all. */
static enum ic_err unauthenticated(struct ic_req *req, bool presented)
{
	req->resp.www_authenticate =
	        presented ? REALM ", error=\"invalid_token\"" : REALM;
	return ic_fail(req->errbuf, IC_ERR_UNAUTHENTICATED,
	               "introspection needs a valid bearer token");
}

static enum ic_err introspect_answer(struct ic_req *req, bool active,
                                     const struct ic_issued_token *tok)
{
	cJSON *j = cJSON_CreateObject();

	/* TE-11: JSON booleans and integers; an inactive token says only
	 * that. */
	if (j != NULL &&
	    (!cJSON_AddBoolToObject(j, "active", active) ||
	     (active &&
	      ((tok->subject &&
	        !cJSON_AddStringToObject(j, "me", tok->subject)) ||
	       !cJSON_AddStringToObject(j, "scope", tok->scope) ||
	       (tok->client_id && *tok->client_id &&
	        !cJSON_AddStringToObject(j, "client_id", tok->client_id)) ||
	       !cJSON_AddNumberToObject(j, "exp", (double)tok->expires) ||
	       !cJSON_AddNumberToObject(j, "iat", (double)tok->issued))))) {
		cJSON_Delete(j);
		j = NULL;
	}
	return ic_oauth_json(req, 200, j);
}

enum ic_err ic_token_endpoint_introspect(struct ic_req *req)
{
	const char *bearer = ic_cgi_bearer(req);
	bool repeated = false, presented;
	const char *token = param(req, "token", &repeated);
	long long now = (long long)time(NULL);
	struct ic_issued_token tok;
	struct ic_store *st;
	enum ic_err rc;

	presented = req->env.authorization && *req->env.authorization;
	if (bearer == NULL)
		return unauthenticated(req, presented);
	rc = ic_req_store(req, &st);
	if (rc != IC_OK)
		return rc;
	rc = ic_token_lookup(st, req->arena, bearer, now, NULL, req->errbuf);
	if (rc == IC_ERR_UNAUTHENTICATED)
		return unauthenticated(req, true);
	if (rc != IC_OK)
		return rc;
	if (repeated || token == NULL || *token == '\0')
		return ic_oauth_error(req, "invalid_request",
		                      "exactly one token is required");
	if (strlen(token) > IC_TOKEN_MAX_SECRET_CHARS)
		return introspect_answer(req, false, NULL);
	rc = ic_token_lookup(st, req->arena, token, now, &tok, req->errbuf);
	if (rc == IC_ERR_UNAUTHENTICATED)
		return introspect_answer(req, false, NULL);
	if (rc != IC_OK)
		return rc;
	return introspect_answer(req, true, &tok);
}

/* --- Terminal face -----------------------------------------------------------
 */

struct list_ctx {
	struct ic_req *req;
	long long now;
	size_t n;
};

static enum ic_err list_one(const void *k, size_t kl, const void *v, size_t vl,
                            void *ctx)
{
	struct list_ctx *c = ctx;
	struct ic_arena *a = c->req->arena;
	char issued[32], expires[32], human[32];
	const char *conv, *subject, *resource, *scope, *state;
	long long exp;
	cJSON *j;

	if (ic_json_parse(a, v, vl, &j) != IC_OK)
		return IC_OK; /* a corrupt record grants nothing */
	conv = ic_json_str(a, j, "conv");
	subject = ic_json_str(a, j, "subject");
	resource = ic_json_str(a, j, "resource");
	scope = ic_json_str(a, j, "scope");
	exp = ic_json_num(j, "expires", 0);
	state = ic_json_bool(j, "revoked", true) ? "revoked"
	        : exp <= c->now                  ? "expired"
	                                         : "active";
	ic_page_time(ic_json_num(j, "issued", 0), issued, human);
	ic_page_time(exp, expires, human);
	fprintf(c->req->out, "%.*s  %-7s  %s  %s  %s  %s  %s  %s\n",
	        (int)(kl < 12 ? kl : 12), (const char *)k, state,
	        conv ? conv : "-", subject ? subject : "-",
	        resource ? resource : "-", scope ? scope : "-", issued,
	        expires);
	c->n++;
	return IC_OK;
}

static enum ic_err list_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct list_ctx *c = ctx;

	c->n = 0;
	return ic_store_txn_scan(t, IC_DB_ISSUED_TOKENS, NULL, 0, list_one, c);
}

enum ic_err ic_token_endpoint_cli_list(struct ic_req *req, int argc,
                                       char **argv)
{
	struct list_ctx c = {req, (long long)time(NULL), 0};
	struct ic_store *st;
	enum ic_err rc;

	(void)argv;
	if (argc > 1)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--tokens takes no arguments");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, list_in_txn, &c, req->errbuf);
	if (rc == IC_OK)
		fprintf(req->out, "%zu issued token(s)\n", c.n);
	return rc;
}
