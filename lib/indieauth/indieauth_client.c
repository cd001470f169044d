/*
 * indieauth_client.c - signing the owner in with their domain (see
 * indieauth_client.h).
 */
#include "indieauth/indieauth_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/crypto.h"
#include "net/discover.h"
#include "text/form.h"
#include "text/json.h"
#include "core/log.h"
#include "cgi/page.h"
#include "net/peer.h"
#include "cgi/owner_url.h"
#include "cgi/session.h"
#include "cgi/site.h"
#include "store/store.h"
#include "cgi/maint.h"
#include "store/store_auth.h"
#include "store/store_token.h"
#include "text/url.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *default_next(struct ic_req *req)
{
	return ic_url_path(&req->cfg, ic_url_inbox(req->arena, &req->cfg));
}

static const char *safe_next(struct ic_req *req, const char *next)
{
	return ic_session_next_ok(&req->cfg, next) ? next : default_next(req);
}

/* --- The sign-in page ---------------------------------------------------- */

static enum ic_err login_page(struct ic_req *req, int status, const char *error,
                              const char *me, const char *next)
{
	const char *action = ic_url_signin(req->arena, &req->cfg, NULL);
	const struct ic_html_var vars[] = {
	        {"action", action ? action : "", IC_HTML_URL},
	        {"me", me ? me : req->cfg.me, IC_HTML_TEXT},
	        {"next", safe_next(req, next), IC_HTML_TEXT},
	        {"error", error ? error : "", IC_HTML_TEXT},
	};
	enum ic_err rc = ic_page_begin(req, "Sign in");

	if (rc == IC_OK)
		rc = ic_page_render(req, "<h1>Sign in to IndieChat</h1>\n",
		                    NULL, 0);
	if (rc == IC_OK && error)
		rc = ic_page_render(req,
		                    "<p class=\"error\" role=\"alert\">"
		                    "{{error}}</p>\n",
		                    vars, ARRAY_SIZE(vars));
	if (rc == IC_OK)
		rc = ic_page_render(
		        req,
		        "<form method=\"post\" action=\"{{action}}\">\n"
		        "<p><label for=\"me\">Your domain</label>\n"
		        "<input id=\"me\" name=\"me\" type=\"url\" "
		        "inputmode=\"url\" autocomplete=\"url\" required "
		        "value=\"{{me}}\"></p>\n"
		        "<input type=\"hidden\" name=\"next\" value=\"{{next}}\">\n"
		        "<p><button type=\"submit\">Sign in</button></p>\n"
		        "</form>\n"
		        "<p>You will be sent to your site's IndieAuth server "
		        "to prove that the site is yours.</p>\n",
		        vars, ARRAY_SIZE(vars));
	return rc == IC_OK ? ic_page_end(req, status) : rc;
}

enum ic_err ic_signin_login_get(struct ic_req *req)
{
	const char *next = ic_form_get(&req->query, "next");
	struct ic_owner owner;

	if (ic_session_get(req, &owner) == IC_OK) {
		req->resp.status = 303;
		req->resp.cache_control = "no-store";
		req->resp.location =
		        ic_session_absolute(req, safe_next(req, next));
		return req->resp.location ? IC_OK : IC_ERR_NOMEM;
	}
	return login_page(req, 200, NULL, NULL, next);
}

/* --- Discovery (IA-C-5…IA-C-8) ------------------------------------------ */

struct authz_server {
	const char *issuer;   /* "" for a legacy server (IA-C-7) */
	const char *endpoint; /* authorization_endpoint */
};

static bool is_2xx(long status)
{
	return status >= 200 && status < 300;
}

/* IA-C-6: https (http in dev_mode), no query or fragment, a prefix of the
 * metadata URL. */
static bool issuer_ok(struct ic_req *req, const char *issuer,
                      const char *meta_url)
{
	bool https = strncmp(issuer, "https://", 8) == 0;
	bool http = req->cfg.dev_mode && strncmp(issuer, "http://", 7) == 0;

	return (https || http) && strpbrk(issuer, "?#") == NULL &&
	       strncmp(meta_url, issuer, strlen(issuer)) == 0;
}

/* The code and the PKCE verifier go there: https, unless dev_mode. */
static enum ic_err endpoint_ok(struct ic_req *req, const char *endpoint,
                               char *errbuf)
{
	if (strncmp(endpoint, "https://", 8) == 0 ||
	    (req->cfg.dev_mode && strncmp(endpoint, "http://", 7) == 0))
		return IC_OK;
	return ic_fail(errbuf, IC_ERR_PROTOCOL,
	               "the authorization endpoint %s is not https", endpoint);
}

static enum ic_err read_metadata(struct ic_req *req, const char *meta_url,
                                 struct authz_server *out, char *errbuf)
{
	struct ic_fetch_result res;
	cJSON *meta;
	const char *ae;
	enum ic_err rc =
	        ic_peer_get(req, meta_url, NULL, 0, &res, NULL, errbuf);

	if (rc != IC_OK)
		return rc;
	if (!is_2xx(res.status))
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "the IndieAuth metadata at %s answered HTTP %ld",
		               meta_url, res.status);
	if (ic_json_parse(req->arena, res.body, res.body_len, &meta) != IC_OK ||
	    !cJSON_IsObject(meta))
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "the IndieAuth metadata at %s is not JSON",
		               meta_url);
	out->issuer = ic_peer_str(req, meta, "issuer");
	ae = ic_peer_str(req, meta, "authorization_endpoint");
	if (out->issuer == NULL || !issuer_ok(req, out->issuer, meta_url))
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "the metadata's issuer is missing, not https, "
		               "or not a prefix of %s",
		               meta_url);
	if (ae == NULL ||
	    ic_url_resolve(req->arena, meta_url, ae, (char **)&out->endpoint,
	                   NULL) != IC_OK)
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "the metadata names no usable "
		               "authorization_endpoint");
	return endpoint_ok(req, out->endpoint, errbuf);
}

/* Find the authorization server of profile @p url; @p res keeps the fetch
 * of the profile (its redirect chain). */
static enum ic_err discover_server(struct ic_req *req, const char *url,
                                   struct ic_fetch_result *res,
                                   struct authz_server *out, char *errbuf)
{
	struct ic_discovery d;
	const char *meta;
	enum ic_err rc = ic_peer_get(req, url, NULL, 0, res, &d, errbuf);

	memset(out, 0, sizeof(*out));
	/* The sign-in page is anyone's to read: say why without telling
	 * what a name resolves to or which ports answer (the details go to
	 * the log), so it is no probe of the server's network. */
	if (rc == IC_ERR_BLOCKED || rc == IC_ERR_NETWORK) {
		ic_log(IC_LOG_INFO, "sign-in discovery of %s: %s", url,
		       errbuf ? errbuf : "");
		return ic_fail(
		        errbuf, rc,
		        rc == IC_ERR_BLOCKED
		                ? "%s is not public: its address is refused"
		                : "%s cannot be reached",
		        url);
	}
	if (rc != IC_OK) {
		char why[IC_ERRBUF_SIZE];

		/* Copied: errbuf is also the destination. */
		snprintf(why, sizeof(why), "%s",
		         errbuf && *errbuf ? errbuf : ic_strerror(rc));
		return ic_fail(errbuf, rc, "%s could not be fetched: %s", url,
		               why);
	}
	if (!is_2xx(res->status))
		return ic_fail(errbuf, IC_ERR_PROTOCOL, "%s answered HTTP %ld",
		               url, res->status);
	meta = ic_discover_find(&d, "indieauth-metadata");
	if (meta != NULL)
		return read_metadata(req, meta, out, errbuf);
	out->endpoint = ic_discover_find(&d, "authorization_endpoint");
	out->issuer = "";
	if (out->endpoint == NULL)
		return ic_fail(errbuf, IC_ERR_NOT_FOUND,
		               "%s advertises no IndieAuth server "
		               "(rel=\"indieauth-metadata\")",
		               url);
	return endpoint_ok(req, out->endpoint, errbuf);
}

/* --- Starting (IA-C-9…IA-C-12) ---------------------------------------- */

struct put_state {
	struct ic_arena *a;
	const char *hash;
	const struct ic_signin_state *s;
};

static enum ic_err put_state_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct put_state *p = ctx;
	size_t pending;
	enum ic_err rc = ic_store_state_count_in_txn(
	        t, p->a, p->s->expires - IC_SIGNIN_STATE_LIFETIME,
	        IC_SIGNIN_MAX_PENDING, &pending);

	/* Anyone may start a sign-in: a bounded number at a time, so
	 * nobody can fill the database with them (SEC-14). */
	if (rc == IC_OK && pending >= IC_SIGNIN_MAX_PENDING)
		return IC_ERR_CONFLICT;
	if (rc == IC_OK)
		rc = ic_store_state_put_in_txn(t, p->a, p->hash, p->s);

	/* An abandoned sign-in is deleted once it expires (SEC-14). */
	return rc ? rc
	          : ic_store_auth_gc_schedule_in_txn(t, p->a, p->s->expires);
}

/* IA-C-10: the endpoint's own query is kept, ours appended. */
static char *authorization_url(struct ic_req *req, const char *endpoint,
                               const char *state, const char *challenge,
                               const char *me)
{
	struct ic_buf q = IC_BUF_INIT(8192);
	char *url = NULL;
	enum ic_err rc;

	rc = ic_form_add(&q, "response_type", "code");
	if (!rc)
		rc = ic_form_add(&q, "client_id",
		                 ic_site_client_id(req->arena, &req->cfg));
	if (!rc)
		rc = ic_form_add(&q, "redirect_uri",
		                 ic_site_redirect_uri(req->arena, &req->cfg));
	if (!rc)
		rc = ic_form_add(&q, "state", state);
	if (!rc)
		rc = ic_form_add(&q, "code_challenge", challenge);
	if (!rc)
		rc = ic_form_add(&q, "code_challenge_method", "S256");
	if (!rc)
		rc = ic_form_add(&q, "me", me);
	if (rc == IC_OK)
		url = ic_arena_printf(req->arena, "%.*s%s%s",
		                      (int)strcspn(endpoint, "#"), endpoint,
		                      strchr(endpoint, '?') ? "&" : "?", q.buf);
	ic_buf_release(&q);
	return url;
}

enum ic_err ic_signin_login_post(struct ic_req *req)
{
	const char *typed = ic_form_get(&req->form, "me");
	const char *next = safe_next(req, ic_form_get(&req->form, "next"));
	char why[IC_ERRBUF_SIZE] = "";
	struct ic_signin_state s = {0};
	struct ic_fetch_result res;
	struct authz_server as;
	struct put_state put;
	struct ic_store *st;
	char *me, *state, *binding, *verifier, challenge[44];
	const char *url, *cookie;
	enum ic_err rc;

	/* Another site may not start (and so replace) a sign-in here. */
	if (!ic_session_origin_ok(req))
		return login_page(req, 403,
		                  "This sign-in form was sent from "
		                  "another site.",
		                  NULL, next);
	if (typed == NULL || *typed == '\0')
		return login_page(req, 400,
		                  "Type your domain, e.g. "
		                  "example.com.",
		                  NULL, next);
	rc = ic_url_canonical_profile(req->arena, typed,
	                              req->cfg.dev_mode ? IC_URL_DEV : 0, &me,
	                              why);
	if (rc != IC_OK)
		return login_page(req, 400,
		                  ic_arena_printf(req->arena,
		                                  "That is not a profile URL "
		                                  "(%s).",
		                                  why),
		                  typed, next);
	rc = discover_server(req, me, &res, &as, why);
	/* IA-C-1: a bare host is tried as https first, then as http. */
	if (rc == IC_ERR_NETWORK && strstr(typed, "://") == NULL &&
	    strncmp(me, "https://", 8) == 0) {
		char *http = ic_arena_printf(req->arena, "http://%s", me + 8);

		if (http == NULL)
			return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
		why[0] = '\0';
		if (discover_server(req, http, &res, &as, why) == IC_OK) {
			me = http;
			rc = IC_OK;
		}
	}
	if (rc != IC_OK)
		return login_page(req, 400,
		                  ic_arena_printf(req->arena,
		                                  "Cannot sign in with %s: %s",
		                                  me, why),
		                  typed, next);
	rc = ic_crypto_token(req->arena, &state, req->errbuf);
	if (!rc)
		rc = ic_crypto_token(req->arena, &binding, req->errbuf);
	if (!rc)
		rc = ic_crypto_token(req->arena, &verifier, req->errbuf);
	if (!rc)
		rc = ic_crypto_pkce_s256(verifier, challenge, req->errbuf);
	if (rc != IC_OK)
		return rc;
	s.binding_hash = ic_secret_hash(req->arena, binding);
	s.verifier = verifier;
	s.issuer = as.issuer;
	s.authorization_endpoint = as.endpoint;
	s.entered_me = me;
	for (size_t i = 0; i < res.nredirects && i < IC_STATE_MAX_CHAIN; i++)
		s.chain[s.nchain++] = res.redirects[i];
	s.next = next;
	s.expires = (long long)time(NULL) + IC_SIGNIN_STATE_LIFETIME;
	put = (struct put_state){req->arena, ic_secret_hash(req->arena, state),
	                         &s};
	url = authorization_url(req, as.endpoint, state, challenge, me);
	cookie = ic_session_set_cookie(req, IC_COOKIE_SIGNIN, binding,
	                               IC_SIGNIN_STATE_LIFETIME);
	if (s.binding_hash == NULL || put.hash == NULL || url == NULL ||
	    cookie == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, put_state_in_txn, &put, req->errbuf);
	if (rc == IC_ERR_CONFLICT) {
		ic_log(IC_LOG_WARN, "sign-in refused: %d sign-ins pending",
		       IC_SIGNIN_MAX_PENDING);
		return login_page(req, 429,
		                  "Too many sign-ins are in progress; try "
		                  "again in a few minutes.",
		                  typed, next);
	}
	if (rc != IC_OK)
		return rc;
	ic_log(IC_LOG_INFO, "sign-in started for %s at %s", me, as.endpoint);
	req->resp.status = 302;
	req->resp.cache_control = "no-store";
	req->resp.location = url;
	return ic_resp_add_header(&req->resp, "Set-Cookie", cookie);
}

/* --- Coming back (IA-C-13…IA-C-19) -------------------------------------- */

struct take_state {
	struct ic_arena *a;
	const char *hash;
	long long now;
	bool expired;
	struct ic_signin_state s;
};

static enum ic_err take_state_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct take_state *p = ctx;
	enum ic_err rc =
	        ic_store_state_take_in_txn(t, p->a, p->hash, p->now, &p->s);

	/* Commit the deletion of an expired state too. */
	p->expired = rc == IC_ERR_GONE;
	return p->expired ? IC_OK : rc;
}

static enum ic_err fail_page(struct ic_req *req, int status,
                             const char *message)
{
	ic_log(IC_LOG_INFO, "sign-in refused (%d): %s", status, message);
	return ic_page_message(req, status, "Sign-in failed", message);
}

/* IA-C-13: the state exists, is unused and unexpired, and was started in
 * this browser; it is consumed whatever comes next. */
static enum ic_err check_state(struct ic_req *req, struct take_state *ts,
                               const char **problem)
{
	const char *state = ic_form_get(&req->query, "state");
	const char *name = ic_session_cookie_name(req, IC_COOKIE_SIGNIN);
	const char *binding = name ? ic_cgi_cookie(req, name) : NULL;
	const char *bhash;
	struct ic_store *st;
	enum ic_err rc;

	*problem = NULL;
	if (state == NULL || *state == '\0' || strlen(state) > 512) {
		*problem = "The answer carries no state.";
		return IC_OK;
	}
	ts->a = req->arena;
	ts->hash = ic_secret_hash(req->arena, state);
	ts->now = (long long)time(NULL);
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, take_state_in_txn, ts, req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		*problem = "This sign-in is unknown or was already used: "
		           "start again.";
	else if (rc == IC_OK && ts->expired)
		*problem = "This sign-in took too long: start again.";
	else if (rc != IC_OK)
		return rc;
	else if (binding == NULL ||
	         (bhash = ic_secret_hash(req->arena, binding)) == NULL ||
	         !ic_session_equal(bhash, ts->s.binding_hash))
		*problem = "This sign-in was started in another browser.";
	return IC_OK;
}

/* IA-C-15, IA-C-16: redeem the code at the authorization endpoint. */
static enum ic_err redeem_code(struct ic_req *req, const struct take_state *ts,
                               const char *code, const char **me,
                               const char **problem)
{
	struct ic_buf body = IC_BUF_INIT(8192);
	struct ic_fetch_result res;
	char why[IC_ERRBUF_SIZE] = "";
	cJSON *j = NULL;
	enum ic_err rc;

	*me = NULL;
	rc = ic_form_add(&body, "grant_type", "authorization_code");
	if (!rc)
		rc = ic_form_add(&body, "code", code);
	if (!rc)
		rc = ic_form_add(&body, "client_id",
		                 ic_site_client_id(req->arena, &req->cfg));
	if (!rc)
		rc = ic_form_add(&body, "redirect_uri",
		                 ic_site_redirect_uri(req->arena, &req->cfg));
	if (!rc)
		rc = ic_form_add(&body, "code_verifier", ts->s.verifier);
	if (rc == IC_OK)
		rc = ic_peer_post_form(req, ts->s.authorization_endpoint,
		                       body.buf, body.len, &res, &j, why);
	ic_buf_release(&body);
	if (rc == IC_ERR_NOMEM)
		return rc;
	if (rc != IC_OK) {
		*problem = ic_arena_printf(req->arena,
		                           "The authorization endpoint could "
		                           "not be reached: %s",
		                           why);
		return IC_OK;
	}
	if (!is_2xx(res.status) || j == NULL) {
		const char *e = j ? ic_peer_str(req, j, "error") : NULL;
		const char *d =
		        j ? ic_peer_str(req, j, "error_description") : NULL;

		*problem =
		        ic_arena_printf(req->arena,
		                        "The authorization server refused the "
		                        "code (HTTP %ld%s%s%s%s).",
		                        res.status, e ? ": " : "", e ? e : "",
		                        d ? ", " : "", d ? d : "");
		return IC_OK;
	}
	*me = ic_peer_str(req, j, "me");
	if (*me == NULL)
		*problem = "The authorization server's answer has no me.";
	return IC_OK;
}

static bool on_chain(const struct ic_signin_state *s, const char *me)
{
	if (ic_url_equal(me, s->entered_me))
		return true;
	for (size_t i = 0; i < s->nchain; i++)
		if (ic_url_equal(me, s->chain[i]))
			return true;
	return false;
}

/* IA-C-16, IA-C-17: @p returned is a valid profile URL, and either the one
 * entered (or on its redirect chain) or one that names the same
 * authorization server. */
static enum ic_err confirm_me(struct ic_req *req, const struct take_state *ts,
                              const char *returned, char **me,
                              const char **problem)
{
	char why[IC_ERRBUF_SIZE] = "";
	struct ic_fetch_result res;
	struct authz_server as;
	enum ic_err rc;

	rc = ic_url_canonical_profile(req->arena, returned,
	                              req->cfg.dev_mode ? IC_URL_DEV : 0, me,
	                              why);
	if (rc == IC_ERR_NOMEM)
		return rc;
	if (rc != IC_OK) {
		*problem = ic_arena_printf(req->arena,
		                           "The server returned an invalid "
		                           "profile URL (%s).",
		                           why);
		return IC_OK;
	}
	if (on_chain(&ts->s, *me))
		return IC_OK;
	rc = discover_server(req, *me, &res, &as, why);
	if (rc == IC_ERR_NOMEM)
		return rc;
	if (rc != IC_OK ||
	    !ic_url_equal(as.endpoint, ts->s.authorization_endpoint) ||
	    strcmp(as.issuer, ts->s.issuer) != 0)
		*problem = ic_arena_printf(
		        req->arena,
		        "The server answered for %s, which does not name "
		        "that server as its own.",
		        *me);
	return IC_OK;
}

struct put_session {
	struct ic_arena *a;
	const char *hash;
	struct ic_session s;
};

static enum ic_err put_session_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct put_session *p = ctx;
	enum ic_err rc = ic_store_session_put_in_txn(t, p->a, p->hash, &p->s);

	return rc ? rc
	          : ic_store_auth_gc_schedule_in_txn(t, p->a, p->s.expires);
}

static enum ic_err start_session(struct ic_req *req, const char *next)
{
	long long now = (long long)time(NULL);
	struct put_session p = {req->arena,
	                        NULL,
	                        {req->cfg.me, now, now + IC_SESSION_LIFETIME}};
	struct ic_store *st;
	const char *cookie;
	char *id;
	enum ic_err rc = ic_crypto_token(req->arena, &id, req->errbuf);

	if (rc != IC_OK)
		return rc;
	p.hash = ic_secret_hash(req->arena, id);
	cookie = ic_session_set_cookie(req, IC_COOKIE_SESSION, id,
	                               IC_SESSION_LIFETIME);
	if (p.hash == NULL || cookie == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, put_session_in_txn, &p, req->errbuf);
	if (rc != IC_OK)
		return rc;
	ic_log(IC_LOG_INFO, "owner %s signed in", req->cfg.me);
	req->resp.status = 303;
	req->resp.cache_control = "no-store";
	req->resp.location = ic_session_absolute(req, safe_next(req, next));
	if (req->resp.location == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	return ic_resp_add_header(&req->resp, "Set-Cookie", cookie);
}

enum ic_err ic_signin_callback(struct ic_req *req)
{
	const char *iss = ic_form_get(&req->query, "iss");
	const char *code = ic_form_get(&req->query, "code");
	const char *error = ic_form_get(&req->query, "error");
	const char *problem = NULL, *returned = NULL;
	const char *clear = ic_session_set_cookie(req, IC_COOKIE_SIGNIN, "", 0);
	struct take_state ts = {0};
	char *me = NULL;
	enum ic_err rc;

	if (clear == NULL ||
	    ic_resp_add_header(&req->resp, "Set-Cookie", clear) != IC_OK)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	rc = check_state(req, &ts, &problem);
	if (rc != IC_OK)
		return rc;
	if (problem)
		return fail_page(req, 400, problem);
	/* IA-C-14: an error answer may not come from the intended server,
	 * so nothing in it is trusted beyond showing it. */
	if (error != NULL)
		return fail_page(req, 400,
		                 ic_arena_printf(req->arena,
		                                 "The authorization server "
		                                 "said: %s.",
		                                 error));
	if (*ts.s.issuer ? iss == NULL || strcmp(iss, ts.s.issuer) != 0 : false)
		return fail_page(req, 400,
		                 "The answer does not come from the server "
		                 "the sign-in was sent to (iss).");
	if (code == NULL || *code == '\0')
		return fail_page(req, 400, "The answer carries no code.");
	rc = redeem_code(req, &ts, code, &returned, &problem);
	if (rc == IC_OK && problem == NULL)
		rc = confirm_me(req, &ts, returned, &me, &problem);
	if (rc != IC_OK)
		return rc;
	if (problem)
		return fail_page(req, 400, problem);
	/* IA-C-19: any IndieAuth user can prove who they are; only the
	 * owner may come in. */
	if (!ic_url_equal(me, req->cfg.me))
		return fail_page(
		        req, 403,
		        ic_arena_printf(req->arena,
		                        "You signed in as %s, but this "
		                        "IndieChat belongs to %s.",
		                        me, req->cfg.me));
	return start_session(req, ts.s.next);
}

/* --- Sign-out, client id, session info ------------------------------------ */

struct del_session {
	const char *hash;
};

static enum ic_err del_session_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct del_session *d = ctx;

	return ic_store_session_del_in_txn(t, d->hash);
}

enum ic_err ic_signin_logout(struct ic_req *req)
{
	struct del_session d = {req->owner->session_hash};
	struct ic_store *st;
	const char *clear;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_update(st, del_session_in_txn, &d, req->errbuf);
	if (rc != IC_OK)
		return rc;
	clear = ic_session_set_cookie(req, IC_COOKIE_SESSION, "", 0);
	req->resp.status = 303;
	req->resp.cache_control = "no-store";
	req->resp.location = ic_url_signin(req->arena, &req->cfg, NULL);
	if (clear == NULL || req->resp.location == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	return ic_resp_add_header(&req->resp, "Set-Cookie", clear);
}

/* IA-C-4: the Client ID Metadata Document, or h-app for older servers. */
enum ic_err ic_signin_client(struct ic_req *req)
{
	const char *id = ic_site_client_id(req->arena, &req->cfg);
	const char *uri = ic_arena_printf(req->arena, "%s/", req->cfg.base_url);
	const char *cb = ic_site_redirect_uri(req->arena, &req->cfg);
	cJSON *j, *arr;
	enum ic_err rc;

	if (id == NULL || uri == NULL || cb == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	req->resp.vary = "Accept";
	req->resp.cache_control = "public, max-age=300";
	if (!ic_cgi_wants_json(req)) {
		const struct ic_html_var vars[] = {
		        {"uri", uri, IC_HTML_URL},
		        {"cb", cb, IC_HTML_URL},
		};

		rc = ic_page_begin(req, "IndieChat");
		if (rc == IC_OK)
			rc = ic_page_render(
			        req,
			        "<div class=\"h-app\"><h1><a class=\"u-url "
			        "p-name\" href=\"{{uri}}\">IndieChat</a></h1>"
			        "<p>Private messages between personal "
			        "websites.</p></div>\n"
			        "<p><a rel=\"redirect_uri\" href=\"{{cb}}\">"
			        "Sign-in callback</a></p>\n",
			        vars, ARRAY_SIZE(vars));
		if (rc == IC_OK)
			rc = ic_page_end(req, 200);
		req->resp.cache_control = "public, max-age=300";
		return rc;
	}
	j = cJSON_CreateObject();
	arr = j ? cJSON_AddArrayToObject(j, "redirect_uris") : NULL;
	rc = arr && cJSON_AddItemToArray(arr, cJSON_CreateString(cb)) &&
	                     cJSON_AddStringToObject(j, "client_id", id) &&
	                     cJSON_AddStringToObject(j, "client_name",
	                                             "IndieChat") &&
	                     cJSON_AddStringToObject(j, "client_uri", uri)
	             ? ic_resp_json(req, j)
	             : IC_ERR_NOMEM;
	cJSON_Delete(j);
	return rc;
}

enum ic_err ic_signin_session(struct ic_req *req)
{
	const struct ic_owner *owner = req->owner;
	cJSON *j = cJSON_CreateObject();
	enum ic_err rc;

	req->resp.cache_control = "no-store";
	rc = j && cJSON_AddStringToObject(j, "me", owner->me) &&
	                     cJSON_AddStringToObject(j, "csrf", owner->csrf) &&
	                     cJSON_AddNumberToObject(j, "expires",
	                                             (double)owner->expires)
	             ? ic_resp_json(req, j)
	             : ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	cJSON_Delete(j);
	return rc;
}

/* --- Clean-up job --------------------------------------------------------- */

enum ic_err ic_signin_gc_job(struct ic_req *req, const char *id)
{
	(void)id;
	return ic_maint_gc_job(req, IC_AUTH_GC_JOB, ic_store_auth_gc_in_txn,
	                       "expired sign-in record(s)");
}
