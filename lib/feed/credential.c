/*
 * credential.c - keeping alive the token we hold for a correspondent's
 * feed (see credential.h).
 */
#include "feed/credential.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "net/peer.h"
#include "store/due.h"
#include "store/store_conv.h"
#include "store/store_notify.h"
#include "text/form.h"
#include "text/json.h"
#include "text/url.h"

enum ic_err ic_credential_answer(struct ic_req *req, const char *endpoint,
                                 const cJSON *ans, struct ic_token_answer *out,
                                 char *errbuf)
{
	const char *type = ic_peer_str(req, ans, "token_type");

	memset(out, 0, sizeof(*out));
	out->access_token = ic_peer_str(req, ans, "access_token");
	out->refresh_token = ic_peer_str(req, ans, "refresh_token");
	out->me = ic_peer_str(req, ans, "me");
	out->scope = ic_peer_str(req, ans, "scope");
	out->expires_in = ic_json_num(ans, "expires_in", 0);
	if (out->expires_in == 0) {
		/* IndieAuth's example sends numbers as strings (§12 item 4). */
		const char *s = ic_peer_str(req, ans, "expires_in");

		out->expires_in = s ? strtoll(s, NULL, 10) : 0;
	}
	if (out->expires_in < 0)
		out->expires_in = 0;
	if (out->expires_in > IC_HELD_MAX_EXPIRES_IN)
		out->expires_in = IC_HELD_MAX_EXPIRES_IN;
	if (out->access_token == NULL || *out->access_token == '\0' ||
	    strlen(out->access_token) > IC_MAX_AUTHORIZATION_BYTES - 8)
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "token response from %s has no usable "
		               "access_token",
		               endpoint);
	if (type && strcasecmp(type, "bearer") != 0)
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "token type %s is not Bearer", type);
	if (out->refresh_token &&
	    (*out->refresh_token == '\0' ||
	     strlen(out->refresh_token) > IC_TOKEN_MAX_SECRET_CHARS))
		out->refresh_token = NULL; /* unusable: as if none */
	/* TR-7: `me` should be us; gRegorLove sends the issuer: warn only. */
	if (out->me && !ic_url_equal(out->me, req->cfg.me))
		ic_log(IC_LOG_WARN, "token from %s names me=%s, not us",
		       endpoint, out->me);
	return IC_OK;
}

enum ic_err ic_credential_schedule_in_txn(struct ic_store_txn *t,
                                          struct ic_arena *a,
                                          const struct ic_held_token *held)
{
	long long life, at;

	if (held->refresh_token == NULL || held->expires <= held->obtained)
		return IC_OK;
	life = held->expires - held->obtained;
	if (life > IC_HELD_MAX_EXPIRES_IN) /* a record from before the clamp */
		life = IC_HELD_MAX_EXPIRES_IN;
	at = held->obtained + life / 100 * IC_HELD_REFRESH_AT_PERCENT;
	if (at < held->obtained + IC_HELD_REFRESH_FLOOR)
		at = held->obtained + IC_HELD_REFRESH_FLOOR;
	return ic_due_schedule_in_txn(t, a, IC_CREDENTIAL_REFRESH_JOB,
	                              held->conv, at, 0, false);
}

/* What one renewal works on: the held token and its conversation. */
struct renew {
	struct ic_req *req;
	const char *conv_id;
	long long now;
	struct ic_held_token held;
	struct ic_conv conv;
	struct ic_token_answer ans; /* a successful refresh */
	enum { LOAD, REFRESHED, DROP_REFRESH, ASKED } step;
};

static enum ic_err load_txn(struct ic_store_txn *t, void *p)
{
	struct renew *r = p;
	enum ic_err rc = ic_store_held_get_in_txn(t, r->req->arena, r->conv_id,
	                                          &r->held);

	return rc ? rc
	          : ic_store_conv_get_in_txn(t, r->req->arena, r->conv_id,
	                                     &r->conv);
}

/* Record the outcome of a step, re-reading both records: a ticket filed
 * meanwhile must not be overwritten by an older token. */
static enum ic_err save_txn(struct ic_store_txn *t, void *p)
{
	struct renew *r = p;
	struct ic_arena *a = r->req->arena;
	struct ic_held_token held;
	struct ic_conv conv;
	enum ic_err rc = ic_store_held_get_in_txn(t, a, r->conv_id, &held);

	if (rc == IC_OK)
		rc = ic_store_conv_get_in_txn(t, a, r->conv_id, &conv);
	if (rc != IC_OK)
		return rc;
	if (strcmp(held.access_token, r->held.access_token) != 0)
		return IC_OK; /* replaced meanwhile: the newer one stands */
	if (r->step == REFRESHED) {
		held.access_token = r->ans.access_token;
		if (r->ans.refresh_token) /* rotated; else the old one stays */
			held.refresh_token = r->ans.refresh_token;
		if (r->ans.scope)
			held.scope = r->ans.scope;
		held.obtained = r->now;
		held.expires =
		        r->ans.expires_in > 0 ? r->now + r->ans.expires_in : 0;
		conv.ticket_asked = 0;
		rc = ic_credential_schedule_in_txn(t, a, &held);
		/* Issue 13: their hub sends us their page only while the token
		 * we subscribed with reads it, and the refresh dropped that
		 * one (TS-5): subscribe again, with this one. */
		if (rc == IC_OK)
			rc = ic_due_schedule_in_txn(t, a, "renew", r->conv_id,
			                            r->now, 0, false);
	} else if (r->step == DROP_REFRESH) {
		held.refresh_token = NULL;
	} else if (r->step == ASKED) {
		/* Issue 16: their messages stop until they answer; the
		 * owner hears of it once, when the wait begins. */
		if (conv.ticket_asked == 0)
			rc = ic_store_notify_problem_in_txn(
			        t, a, r->conv_id,
			        ic_config_notify_on(&r->req->cfg), r->now);
		conv.ticket_asked = r->now;
	}
	if (rc == IC_OK)
		rc = ic_store_held_put_in_txn(t, a, &held);
	return rc ? rc : ic_store_conv_put_in_txn(t, a, &conv);
}

static enum ic_err save(struct renew *r, char *errbuf)
{
	struct ic_store *st;
	enum ic_err rc = ic_req_store(r->req, &st);

	return rc ? rc : ic_store_update(st, save_txn, r, errbuf);
}

/* POST @p form to the held token's endpoint. */
static enum ic_err post(struct renew *r, struct ic_buf *form,
                        struct ic_fetch_result *res, cJSON **ans, char *errbuf)
{
	enum ic_err rc =
	        ic_peer_post_form(r->req, r->held.token_endpoint, form->buf,
	                          form->len, res, ans, errbuf);

	ic_buf_release(form);
	return rc;
}

/* TE-6: IC_OK (refreshed), IC_ERR_GONE (refused: ask for a ticket), or an
 * error to retry later. */
static enum ic_err refresh(struct renew *r, char *errbuf)
{
	struct ic_buf form = IC_BUF_INIT(IC_MAX_BODY_BYTES);
	struct ic_fetch_result res;
	const char *error;
	cJSON *ans;
	enum ic_err rc;

	/* IndieAuth §5.5 names the client: we are, by our profile URL. */
	if ((rc = ic_form_add(&form, "grant_type", "refresh_token")) != IC_OK ||
	    (rc = ic_form_add(&form, "refresh_token", r->held.refresh_token)) !=
	            IC_OK ||
	    (rc = ic_form_add(&form, "client_id", r->req->cfg.me)) != IC_OK) {
		ic_buf_release(&form);
		return ic_fail(errbuf, rc, "cannot build the refresh form");
	}
	rc = post(r, &form, &res, &ans, errbuf);
	if (rc != IC_OK)
		return rc;
	if (res.status == 200 && ans != NULL)
		return ic_credential_answer(r->req, r->held.token_endpoint, ans,
		                            &r->ans, errbuf);
	error = ans ? ic_peer_str(r->req, ans, "error") : NULL;
	/* RFC 6749 §5.2: invalid_grant is the refresh token's death; a 401
	 * is a server that does not know the grant's client. */
	if ((res.status == 400 && error &&
	     strcmp(error, "invalid_grant") == 0) ||
	    res.status == 401)
		return ic_fail(errbuf, IC_ERR_GONE,
		               "%s refused our refresh token (%s)",
		               r->held.token_endpoint,
		               error ? error : "HTTP 401");
	return ic_fail(errbuf, IC_ERR_PROTOCOL,
	               "refreshing at %s failed: HTTP %ld%s%s",
	               r->held.token_endpoint, res.status, error ? ", " : "",
	               error ? error : "");
}

/* TE-14: ask for a ticket, at most once per IC_TICKET_ASK_INTERVAL.
 * Whatever the answer (an endpoint that does not know the action says
 * so with a 400), we then wait for a ticket: theirs may come anyway. */
static enum ic_err ask(struct renew *r, char *errbuf)
{
	struct ic_buf form = IC_BUF_INIT(IC_MAX_BODY_BYTES);
	struct ic_fetch_result res;
	const char *who = r->conv.peer;
	cJSON *ans;
	enum ic_err rc;

	if (r->conv.ticket_asked && r->conv.ticket_asked <= r->now &&
	    r->now - r->conv.ticket_asked < IC_TICKET_ASK_INTERVAL)
		return ic_fail(errbuf, IC_ERR_UNAUTHENTICATED,
		               "waiting for a new ticket from %s", who);
	/* indieauth#87: subject= (Publ), me= (Zegnat); both name us. */
	if ((rc = ic_form_add(&form, "action", "ticket")) != IC_OK ||
	    (rc = ic_form_add(&form, "subject", r->req->cfg.me)) != IC_OK ||
	    (rc = ic_form_add(&form, "me", r->req->cfg.me)) != IC_OK) {
		ic_buf_release(&form);
		return ic_fail(errbuf, rc, "cannot build the ticket request");
	}
	rc = post(r, &form, &res, &ans, errbuf);
	if (rc != IC_OK)
		return rc;
	ic_log(IC_LOG_INFO, "asked %s for a new ticket: HTTP %ld",
	       r->held.token_endpoint, res.status);
	r->step = ASKED;
	rc = save(r, errbuf);
	return rc ? rc
	          : ic_fail(errbuf, IC_ERR_UNAUTHENTICATED,
	                    "waiting for a new ticket from %s", who);
}

static enum ic_err renew(struct ic_req *req, const char *conv_id, bool early,
                         char *errbuf)
{
	struct renew r = {.req = req, .conv_id = conv_id, .now = time(NULL)};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_view(st, load_txn, &r, errbuf);
	if (rc != IC_OK)
		return rc;
	if (r.held.token_endpoint == NULL || *r.held.token_endpoint == '\0')
		return ic_fail(errbuf, IC_ERR_UNAUTHENTICATED,
		               "no token endpoint known for %s", r.conv.peer);
	if (r.held.refresh_token == NULL)
		return early ? IC_OK : ask(&r, errbuf);
	rc = refresh(&r, errbuf);
	if (rc == IC_OK) {
		r.step = REFRESHED;
		rc = save(&r, errbuf);
		if (rc == IC_OK)
			ic_log(IC_LOG_INFO, "token for %s refreshed",
			       r.held.resource);
		return rc;
	}
	if (rc != IC_ERR_GONE)
		return rc;
	ic_log(IC_LOG_INFO, "%s", errbuf);
	r.step = DROP_REFRESH;
	rc = save(&r, errbuf);
	return rc ? rc : ask(&r, errbuf);
}

enum ic_err ic_credential_renew(struct ic_req *req, const char *conv_id,
                                char *errbuf)
{
	return renew(req, conv_id, false, errbuf);
}

enum ic_err ic_credential_refresh_job(struct ic_req *req, const char *conv_id)
{
	enum ic_err rc = renew(req, conv_id, true, req->errbuf);

	/* Nothing held (declined, blocked, forgotten), or waiting for a
	 * ticket: nothing to retry; the ticket or the next 401 moves on. */
	return rc == IC_ERR_NOT_FOUND || rc == IC_ERR_UNAUTHENTICATED ? IC_OK
	                                                              : rc;
}
