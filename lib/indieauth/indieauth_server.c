/*
 * indieauth_server.c - the built-in authorization endpoint (see
 * indieauth_server.h).
 */
#include "indieauth/indieauth_server.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/crypto.h"
#include "text/form.h"
#include "core/log.h"
#include "cgi/page.h"
#include "indieauth/passphrase.h"
#include "cgi/site.h"
#include "store/store.h"
#include "store/store_token.h"
#include "indieauth/token_check.h"
#include "indieauth/oauth.h"
#include "text/url.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

bool ic_authz_builtin(const struct ic_config *cfg)
{
	return cfg->sign_in == NULL || strcmp(cfg->sign_in, "external") != 0;
}

/* The parameters of an authorization request (§5.2). */
struct authz_req {
	const char *response_type, *client_id, *redirect_uri, *state;
	const char *challenge, *method, *scope;
};

static const char *one(const struct ic_form *f, const char *name)
{
	const char *v = ic_form_get(f, name);

	if (v == NULL || ic_form_count(f, name) != 1 || *v == '\0' ||
	    strlen(v) > IC_MAX_AUTHZ_PARAM_BYTES)
		return NULL;
	return v;
}

static void read_params(const struct ic_form *f, struct authz_req *r)
{
	r->response_type = one(f, "response_type");
	r->client_id = one(f, "client_id");
	r->redirect_uri = one(f, "redirect_uri");
	r->state = one(f, "state");
	r->challenge = one(f, "code_challenge");
	r->method = one(f, "code_challenge_method");
	r->scope = one(f, "scope");
}

/* IA-C-3 for the clients we serve: absolute http(s), no fragment, no
 * userinfo. */
static bool client_url_ok(struct ic_req *req, const char *url)
{
	struct ic_url_parts p;
	const char *auth;

	if (url == NULL || strchr(url, '#') != NULL ||
	    ic_url_parts(req->arena, url, &p, NULL) != IC_OK)
		return false;
	auth = strstr(url, "://");
	return auth && memchr(auth + 3, '@', strcspn(auth + 3, "/?")) == NULL;
}

/* Problems that must not be answered with a redirect: the redirect URI
 * itself is in question. */
static const char *client_problem(struct ic_req *req, const struct authz_req *r)
{
	if (!client_url_ok(req, r->client_id))
		return "client_id is missing or not a usable URL.";
	if (!client_url_ok(req, r->redirect_uri))
		return "redirect_uri is missing or not a usable URL.";
	if (!ic_url_same_origin(r->client_id, r->redirect_uri))
		return "redirect_uri is not on the client's own site, so "
		       "this server will not send a code there.";
	return NULL;
}

static bool scope_chars_ok(const char *scope)
{
	for (const char *p = scope; p && *p; p++)
		if (*p < 0x21 && *p != ' ')
			return false;
		else if (*p == 0x7f || *p == '"' || *p == '\\')
			return false;
	return true;
}

/* Problems answered by a redirect with error=… (RFC 6749 §4.1.2.1). */
static const char *request_error(const struct authz_req *r, const char **desc)
{
	if (r->response_type == NULL || strcmp(r->response_type, "code") != 0) {
		*desc = "response_type must be code";
		return "unsupported_response_type";
	}
	*desc = r->state == NULL       ? "state is required"
	        : r->challenge == NULL ? "code_challenge is required"
	        : r->method == NULL || strcmp(r->method, "S256") != 0
	                ? "code_challenge_method must be S256"
	        : strlen(r->challenge) != 43 ? "code_challenge is not S256"
	        : !scope_chars_ok(r->scope)  ? "bad characters in scope"
	                                     : NULL;
	return *desc ? "invalid_request" : NULL;
}

/* The client's redirect_uri with @p fields appended, from the arena. */
static char *back_url(struct ic_req *req, const char *uri,
                      const char *const *fields, size_t n)
{
	struct ic_buf q = IC_BUF_INIT(8192);
	char *url = NULL;
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && i + 1 < n; i += 2)
		if (fields[i + 1] != NULL)
			rc = ic_form_add(&q, fields[i], fields[i + 1]);
	if (rc == IC_OK)
		rc = ic_form_add(&q, "iss",
		                 ic_site_issuer(req->arena, &req->cfg));
	if (rc == IC_OK)
		url = ic_arena_printf(req->arena, "%.*s%s%s",
		                      (int)strcspn(uri, "#"), uri,
		                      strchr(uri, '?') ? "&" : "?", q.buf);
	ic_buf_release(&q);
	return url;
}

/* 302 to the client's redirect_uri with @p fields appended. */
static enum ic_err redirect_back(struct ic_req *req, const char *uri,
                                 const char *const *fields, size_t n)
{
	req->resp.status = 302;
	req->resp.cache_control = "no-store";
	req->resp.location = back_url(req, uri, fields, n);
	return req->resp.location ? IC_OK : IC_ERR_NOMEM;
}

/* A malformed request is answered with a page, not a redirect: client_id
 * and redirect_uri are anyone's choice, so an automatic redirect would make
 * this site an open redirector (RFC 9700 §4.11.2).  The page links back
 * with the error (RFC 6749 §4.1.2.1) for a person to follow. */
static enum ic_err request_error_page(struct ic_req *req,
                                      const struct authz_req *r,
                                      const char *error, const char *desc)
{
	const char *f[] = {"error", error,   "error_description",
	                   desc,    "state", r->state};
	const char *back = back_url(req, r->redirect_uri, f, ARRAY_SIZE(f));
	const struct ic_html_var vars[] = {
	        {"desc", desc, IC_HTML_TEXT},
	        {"error", error, IC_HTML_TEXT},
	        {"back", back ? back : "", IC_HTML_URL},
	        {"client", r->client_id, IC_HTML_TEXT},
	};
	enum ic_err rc;

	if (back == NULL)
		return IC_ERR_NOMEM;
	ic_log(IC_LOG_INFO, "authorization request refused: %s: %s", error,
	       desc);
	rc = ic_page_begin(req, "Bad sign-in request");
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<h1>Bad sign-in request</h1>\n"
		        "<p role=\"alert\">{{client}} sent a request "
		        "this server cannot answer: {{desc}} "
		        "(<code>{{error}}</code>).</p>\n"
		        "<p><a id=\"return\" href=\"{{back}}\">Return "
		        "to {{client}}</a></p>\n",
		        vars, ARRAY_SIZE(vars));
	return rc == IC_OK ? ic_page_end(req, 400) : rc;
}

/* After the owner's own click (Cancel), back to the client. */
static enum ic_err redirect_error(struct ic_req *req, const struct authz_req *r,
                                  const char *error, const char *desc)
{
	const char *f[] = {"error", error,   "error_description",
	                   desc,    "state", r->state};

	ic_log(IC_LOG_INFO, "authorization %s: %s", error, desc);
	return redirect_back(req, r->redirect_uri, f, ARRAY_SIZE(f));
}

/* --- The passphrase page ----------------------------------------------- */

static enum ic_err authorize_page(struct ic_req *req, int status,
                                  const struct authz_req *r, const char *error)
{
	const char *action =
	        ic_site_authorization_endpoint(req->arena, &req->cfg);
	const struct ic_html_var vars[] = {
	        {"action", action ? action : "", IC_HTML_URL},
	        {"client", r->client_id, IC_HTML_TEXT},
	        {"redirect", r->redirect_uri, IC_HTML_TEXT},
	        {"me", req->cfg.me, IC_HTML_TEXT},
	        {"scope", r->scope ? r->scope : "", IC_HTML_TEXT},
	        {"state", r->state, IC_HTML_TEXT},
	        {"challenge", r->challenge, IC_HTML_TEXT},
	        {"error", error ? error : "", IC_HTML_TEXT},
	};
	enum ic_err rc = ic_page_begin(req, "Sign in");

	if (rc == IC_OK)
		rc = ic_page_render(req,
		                    "<h1>Sign in as {{me}}</h1>\n"
		                    "<p><strong>{{client}}</strong> asks to "
		                    "know that you are {{me}}. You will be "
		                    "sent back to {{redirect}}.</p>\n",
		                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && r->scope)
		rc = ic_page_render(req,
		                    "<p>It also asks for access: "
		                    "<code>{{scope}}</code>.</p>\n",
		                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && error)
		rc = ic_page_render(req,
		                    "<p class=\"error\" role=\"alert\">"
		                    "{{error}}</p>\n",
		                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<form method=\"post\" action=\"{{action}}\">\n"
		        "<input type=\"hidden\" name=\"response_type\" "
		        "value=\"code\">\n"
		        "<input type=\"hidden\" name=\"client_id\" "
		        "value=\"{{client}}\">\n"
		        "<input type=\"hidden\" name=\"redirect_uri\" "
		        "value=\"{{redirect}}\">\n"
		        "<input type=\"hidden\" name=\"state\" "
		        "value=\"{{state}}\">\n"
		        "<input type=\"hidden\" name=\"code_challenge\" "
		        "value=\"{{challenge}}\">\n"
		        "<input type=\"hidden\" name=\"code_challenge_method\" "
		        "value=\"S256\">\n",
		        vars, ARRAY_SIZE(vars));
	if (rc == IC_OK && r->scope)
		rc = ic_page_render(req,
		                    "<input type=\"hidden\" name=\"scope\" "
		                    "value=\"{{scope}}\">\n",
		                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<p><label for=\"passphrase\">Passphrase</label>\n"
		        "<input id=\"passphrase\" name=\"passphrase\" "
		        "type=\"password\" autocomplete=\"current-password\" "
		        "required autofocus></p>\n"
		        "<p><button type=\"submit\" name=\"action\" "
		        "value=\"approve\">Sign in</button>\n"
		        "<button type=\"submit\" name=\"action\" value=\"deny\" "
		        "formnovalidate>Cancel</button></p>\n"
		        "</form>\n",
		        vars, ARRAY_SIZE(vars));
	return rc == IC_OK ? ic_page_end(req, status) : rc;
}

static enum ic_err check_request(struct ic_req *req, const struct ic_form *f,
                                 struct authz_req *r, bool *answered)
{
	const char *problem, *error, *desc;

	*answered = true;
	if (!ic_authz_builtin(&req->cfg))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "this site signs in with an external IndieAuth "
		               "server (sign_in = external)");
	read_params(f, r);
	problem = client_problem(req, r);
	if (problem)
		return ic_page_message(req, 400, "Bad sign-in request",
		                       problem);
	error = request_error(r, &desc);
	if (error)
		return request_error_page(req, r, error, desc);
	*answered = false;
	return IC_OK;
}

enum ic_err ic_authz_get(struct ic_req *req)
{
	struct authz_req r;
	bool answered;
	enum ic_err rc = check_request(req, &req->query, &r, &answered);

	if (rc != IC_OK || answered)
		return rc;
	return authorize_page(req, 200, &r, NULL);
}

/* --- Approval ------------------------------------------------------------- */

struct put_code {
	struct ic_arena *a;
	const char *hash;
	struct ic_auth_code c;
};

static enum ic_err put_code_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct put_code *p = ctx;
	enum ic_err rc = ic_store_code_put_in_txn(t, p->a, p->hash, &p->c);

	return rc ? rc
	          : ic_store_auth_gc_schedule_in_txn(t, p->a, p->c.expires);
}

static enum ic_err issue_code(struct ic_req *req, const struct authz_req *r)
{
	struct put_code p = {req->arena, NULL, {0}};
	struct ic_store *st;
	char *code;
	enum ic_err rc = ic_crypto_token(req->arena, &code, req->errbuf);

	if (rc != IC_OK)
		return rc;
	p.hash = ic_secret_hash(req->arena, code);
	p.c = (struct ic_auth_code){
	        .client_id = r->client_id,
	        .redirect_uri = r->redirect_uri,
	        .challenge = r->challenge,
	        .scope = r->scope ? r->scope : "",
	        .me = req->cfg.me,
	        .expires = (long long)time(NULL) + IC_CODE_LIFETIME,
	};
	if (p.hash == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, put_code_in_txn, &p, req->errbuf);
	if (rc != IC_OK)
		return rc;
	ic_log(IC_LOG_INFO, "authorization code issued to %s", r->client_id);
	{
		const char *f[] = {"code", code, "state", r->state};

		return redirect_back(req, r->redirect_uri, f, ARRAY_SIZE(f));
	}
}

static enum ic_err approve(struct ic_req *req)
{
	const char *action = ic_form_get(&req->form, "action");
	const char *pass = ic_form_get(&req->form, "passphrase");
	struct authz_req r;
	long long wait;
	bool answered, ok;
	enum ic_err rc = check_request(req, &req->form, &r, &answered);

	if (rc != IC_OK || answered)
		return rc;
	if (action && strcmp(action, "deny") == 0)
		return redirect_error(req, &r, "access_denied",
		                      "the owner cancelled");
	rc = ic_passphrase_check(req, pass ? pass : "", &ok, &wait);
	if (rc != IC_OK)
		return rc;
	if (wait > 0) {
		const char *s = ic_arena_printf(req->arena, "%lld", wait);

		rc = authorize_page(
		        req, 429, &r,
		        ic_arena_printf(req->arena,
		                        "Too many wrong passphrases. Try again "
		                        "in %lld seconds.",
		                        wait));
		return rc == IC_OK ? ic_resp_add_header(&req->resp,
		                                        "Retry-After", s)
		                   : rc;
	}
	if (!ok)
		return authorize_page(req, 401, &r, "Wrong passphrase.");
	return issue_code(req, &r);
}

/* --- Redemption (§5.3) -----------------------------------------------------
 */

struct take_code {
	struct ic_arena *a;
	const char *hash;
	long long now;
	bool replayed;
	struct ic_auth_code c;
};

static enum ic_err take_code_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct take_code *p = ctx;
	enum ic_err rc =
	        ic_store_code_take_in_txn(t, p->a, p->hash, p->now, &p->c);

	p->replayed = false;
	if (rc != IC_ERR_GONE || !p->c.used || p->c.token_hash == NULL)
		return rc;
	/* RFC 6749 §4.1.2: a code used twice was stolen or replayed: the
	 * tokens its first use gave are revoked too. */
	p->replayed = true;
	rc = ic_store_issued_revoke_in_txn(t, p->a, p->c.token_hash, NULL);
	if (rc == IC_OK && p->c.refresh_hash) {
		rc = ic_store_txn_del(t, IC_DB_REFRESH, p->c.refresh_hash,
		                      strlen(p->c.refresh_hash));
		if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
	}
	return rc;
}

enum ic_err ic_authz_take_code(struct ic_req *req, struct ic_auth_code *out,
                               const char **error, const char **desc)
{
	const char *code = one(&req->form, "code");
	const char *client_id = one(&req->form, "client_id");
	const char *redirect_uri = one(&req->form, "redirect_uri");
	const char *verifier = one(&req->form, "code_verifier");
	struct take_code p = {
	        req->arena, NULL, (long long)time(NULL), false, {0}};
	char challenge[44];
	struct ic_store *st;
	enum ic_err rc;

	*error = "invalid_request";
	if (code == NULL || client_id == NULL || redirect_uri == NULL ||
	    verifier == NULL) {
		*desc = "code, client_id, redirect_uri and code_verifier are "
		        "required, once each";
		return IC_OK;
	}
	*error = "invalid_grant";
	p.hash = ic_secret_hash(req->arena, code);
	if (p.hash == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, take_code_in_txn, &p, req->errbuf);
	if (rc == IC_OK && p.replayed) {
		ic_log(IC_LOG_WARN,
		       "authorization code of %s used twice: its "
		       "tokens are revoked",
		       p.c.client_id);
		rc = IC_ERR_GONE;
	}
	if (rc == IC_ERR_NOT_FOUND || rc == IC_ERR_GONE) {
		*desc = rc == IC_ERR_GONE ? "the code was already used or "
		                            "has expired"
		                          : "unknown code";
		return IC_OK;
	}
	if (rc != IC_OK)
		return rc;
	if (strcmp(p.c.client_id, client_id) != 0 ||
	    strcmp(p.c.redirect_uri, redirect_uri) != 0) {
		*desc = "client_id or redirect_uri differ from the request";
		return IC_OK;
	}
	if (ic_crypto_pkce_s256(verifier, challenge, NULL) != IC_OK ||
	    !ic_crypto_equal(challenge, p.c.challenge, 43) ||
	    strlen(p.c.challenge) != 43) {
		*desc = "the code_verifier does not match the code_challenge";
		return IC_OK;
	}
	*error = NULL;
	*desc = NULL;
	*out = p.c;
	return IC_OK;
}

static enum ic_err redeem_profile(struct ic_req *req)
{
	const char *grant = one(&req->form, "grant_type");
	const char *error, *desc;
	struct ic_auth_code c;
	cJSON *j;
	enum ic_err rc;

	if (grant == NULL || strcmp(grant, "authorization_code") != 0)
		return ic_oauth_error(req, "unsupported_grant_type",
		                      "only authorization_code is redeemed "
		                      "here");
	rc = ic_authz_take_code(req, &c, &error, &desc);
	if (rc != IC_OK)
		return rc;
	if (error != NULL)
		return ic_oauth_error(req, error, desc);
	j = cJSON_CreateObject();
	if (j == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	/* §5.3.2: the profile only when the profile scope was granted. */
	if (!cJSON_AddStringToObject(j, "me", c.me) ||
	    (ic_token_scope_has(c.scope, "profile") &&
	     !cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "profile"),
	                              "url", c.me))) {
		cJSON_Delete(j);
		j = NULL;
	}
	return ic_oauth_json(req, 200, j);
}

enum ic_err ic_authz_post(struct ic_req *req)
{
	if (!ic_authz_builtin(&req->cfg))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "this site signs in with an external IndieAuth "
		               "server (sign_in = external)");
	if (ic_form_get(&req->form, "grant_type") != NULL)
		return redeem_profile(req);
	return approve(req);
}
