/*
 * ticket_endpoint.c - receive, redeem and file tickets (see the header).
 */
#include "ticketauth/ticket_endpoint.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/crypto.h"
#include "store/due.h"
#include "text/form.h"
#include "core/ic_limits.h"
#include "text/json.h"
#include "core/log.h"
#include "net/peer.h"
#include "feed/credential.h"
#include "feed/receive.h"
#include "cgi/ratelimit.h"
#include "cgi/site.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_notify.h"
#include "store/store_token.h"
#include "indieauth/oauth.h"
#include "text/url.h"
#include "websub/websub_subscriber.h"

struct pending {
	const char *ticket, *resource, *iss;
};

static enum ic_err redeem_after(struct ic_req *req)
{
	struct pending *p = req->after_ctx;
	const char *conv;
	enum ic_err rc = ic_ticket_redeem(req, p->ticket, p->resource, p->iss,
	                                  &conv, req->errbuf);

	if (rc != IC_OK)
		ic_log(IC_LOG_WARN, "ticket for %s not redeemed: %s",
		       p->resource, req->errbuf);
	return rc;
}

static bool http_url(struct ic_req *req, const char *u)
{
	return u && (strncmp(u, "https://", 8) == 0 ||
	             (req->cfg.dev_mode && strncmp(u, "http://", 7) == 0));
}

enum ic_err ic_ticket_endpoint_post(struct ic_req *req)
{
	const char *ticket = ic_form_get(&req->form, "ticket");
	const char *resource = ic_form_get(&req->form, "resource");
	const char *subject = ic_form_get(&req->form, "subject");
	const char *iss = ic_form_get(&req->form, "iss");
	struct pending *p;
	size_t tlen = ticket ? strlen(ticket) : 0;

	/* TR-2 */
	if (ticket == NULL || resource == NULL || subject == NULL)
		return ic_oauth_error(
		        req, "invalid_request",
		        "ticket, resource and subject are required");
	if (tlen < IC_TICKET_MIN_CHARS || tlen > IC_TICKET_MAX_CHARS)
		return ic_oauth_error(req, "invalid_request",
		                      "ticket must be 16 to 512 characters");
	if (!http_url(req, resource) || strlen(resource) > IC_MAX_URL_BYTES ||
	    (iss && (!http_url(req, iss) || strlen(iss) > IC_MAX_URL_BYTES)))
		return ic_oauth_error(req, "invalid_request",
		                      "resource and iss must be https URLs");
	/* TR-3 */
	if (!ic_url_equal(subject, req->cfg.me))
		return ic_oauth_error(req, "invalid_request",
		                      "subject is not a user on this site");
	/* Over its site's limit (ratelimit.h): the same 202, no redemption. */
	if (req->rate_quiet)
		return ic_resp_text(req, 202, "ticket received");
	p = ic_arena_calloc(req->arena, 1, sizeof(*p));
	if (p == NULL)
		return IC_ERR_NOMEM;
	p->ticket = ticket;
	p->resource = resource;
	p->iss = iss;
	req->after = redeem_after;
	req->after_ctx = p;
	/* TR-4: accepted; redemption follows (TR-8). */
	return ic_resp_text(req, 202, "ticket received");
}

/* TR-5: the token endpoint that can redeem a ticket for @resource. */
static enum ic_err token_endpoint_for(struct ic_req *req, const char *resource,
                                      const char *iss, const char **out,
                                      char *errbuf)
{
	struct ic_fetch_result res;
	struct ic_discovery d;
	const char *ep = NULL, *murl;
	cJSON *meta;
	enum ic_err rc;

	*out = NULL;
	/* An issuer only vouches for its own site's resource: otherwise any
	 * site could file a token under a correspondent's name (TR-5). */
	if (iss != NULL && !ic_url_same_origin(iss, resource))
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "iss %s is not the site of %s", iss, resource);
	if (iss != NULL &&
	    ic_peer_metadata(req, iss, &meta, NULL, errbuf) == IC_OK) {
		const char *issuer = ic_peer_str(req, meta, "issuer");

		/* The metadata must be the issuer's own (RFC 8414 §3.3). */
		if (issuer && strcmp(issuer, iss) == 0)
			ep = ic_peer_str(req, meta, "token_endpoint");
	}
	if (ep == NULL) {
		rc = ic_peer_get(req, resource, NULL, 0, &res, &d, errbuf);
		if (rc != IC_OK)
			return rc;
		murl = ic_discover_find(&d, "indieauth-metadata");
		if (murl &&
		    ic_peer_get(req, murl, NULL, 0, &res, NULL, errbuf) ==
		            IC_OK &&
		    res.status == 200 &&
		    ic_json_parse(req->arena, res.body, res.body_len, &meta) ==
		            IC_OK)
			ep = ic_peer_str(req, meta, "token_endpoint");
		if (ep == NULL)
			ep = ic_discover_find(&d, "token_endpoint");
	}
	if (ep == NULL)
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "no token endpoint found for %s", resource);
	if (!http_url(req, ep))
		return ic_fail(errbuf, IC_ERR_BLOCKED,
		               "token endpoint %s is not https", ep);
	/* Rec (TR-5): the resource's site vouches for its token endpoint. */
	if (iss == NULL && !ic_url_same_origin(ep, resource))
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "token endpoint %s is not on %s's site", ep,
		               resource);
	*out = ep;
	return IC_OK;
}

struct file_ctx {
	struct ic_req *req;
	const char *resource, *endpoint;
	struct ic_token_answer ans; /* what the token endpoint gave */
	long long now;
	const char *conv_id; /* out: NULL when ignored */
	bool is_new;
	const char *found; /* contact whose origin matches */
	bool full;         /* IC_MAX_MESSAGE_REQUESTS are pending */
};

static enum ic_err match_contact(const void *k, size_t kl, const void *v,
                                 size_t vl, void *p)
{
	struct file_ctx *c = p;
	char *url = ic_arena_memdup(c->req->arena, k, kl);

	(void)v;
	(void)vl;
	if (url == NULL)
		return IC_ERR_NOMEM;
	if (ic_url_same_origin(url, c->resource)) {
		c->found = url;
		return IC_STORE_STOP;
	}
	return IC_OK;
}

static enum ic_err new_request(struct ic_store_txn *t, struct file_ctx *c,
                               struct ic_conv *conv)
{
	char *id, *origin;
	enum ic_err rc =
	        ic_crypto_random_id(c->req->arena, IC_SITE_ID_BYTES, &id, NULL);

	if (rc == IC_OK)
		rc = ic_url_origin(c->req->arena, c->resource, &origin, NULL);
	if (rc)
		return rc;
	memset(conv, 0, sizeof(*conv));
	conv->id = id;
	/* The sender is the resource's site (MC-5, TR-7): its origin is
	 * the best profile URL we know until its h-card says more. */
	conv->peer = ic_arena_printf(c->req->arena, "%s/", origin);
	conv->state = IC_CONV_NONE; /* the ticket makes it a request */
	conv->created = c->now;
	conv->page_size = c->req->cfg.feed_page_size;
	c->is_new = true;
	(void)t;
	return conv->peer ? IC_OK : IC_ERR_NOMEM;
}

/* Issue 16: a new request, or our invitation accepted, is news for the
 * owner, recorded in the transaction that files it; a ticket renewing a
 * running conversation is not. */
static enum ic_err tell_owner(struct ic_store_txn *t, struct file_ctx *c,
                              const struct ic_conv *conv,
                              enum ic_conv_state was)
{
	enum ic_notify_kind kind;

	if (!ic_config_notify_on(&c->req->cfg) || conv->notify_muted)
		return IC_OK;
	if (c->is_new && conv->state == IC_CONV_REQUEST)
		kind = IC_NOTIFY_REQUEST;
	else if (was == IC_CONV_INVITED && conv->state == IC_CONV_ACTIVE)
		kind = IC_NOTIFY_ACCEPTED;
	else
		return IC_OK;
	return ic_store_notify_event_in_txn(t, c->req->arena, conv->id, kind, 0,
	                                    0, 0, c->now);
}

static enum ic_err file_txn(struct ic_store_txn *t, void *p)
{
	struct file_ctx *c = p;
	struct ic_conv conv;
	struct ic_held_token held = {0};
	enum ic_conv_state was;
	enum ic_err rc;

	c->conv_id = NULL;
	c->found = NULL;
	c->is_new = false;
	rc = ic_store_txn_scan(t, IC_DB_CONTACTS, NULL, 0, match_contact, c);
	if (rc)
		return rc;
	if (c->found) {
		rc = ic_store_conv_by_peer_in_txn(t, c->req->arena, c->found,
		                                  &conv);
		if (rc)
			return rc;
	} else if ((rc = new_request(t, c, &conv)) != IC_OK ||
	           (rc = ic_ratelimit_requests_full_in_txn(
	                    t, c->req->arena, &c->full)) != IC_OK ||
	           c->full) {
		return rc; /* at the cap (a race past the check): not filed */
	}
	/* A new sender's ticket is a request, an answer to our invitation
	 * makes the conversation active; decline and block stop here, with
	 * the same outward 202. */
	was = conv.state;
	rc = ic_conv_apply(&conv, IC_CONV_EV_TICKET_FILED,
	                   ic_store_txn_errbuf(t));
	if (rc != IC_OK)
		return rc == IC_ERR_GONE ? IC_OK : rc;
	rc = tell_owner(t, c, &conv, was);
	if (rc)
		return rc;
	conv.their_resource = c->resource;
	conv.updated = c->now;
	conv.ticket_asked = 0; /* what we waited for came (TE-14) */
	rc = ic_store_conv_put_in_txn(t, c->req->arena, &conv);
	if (rc)
		return rc;
	held.conv = conv.id;
	held.resource = c->resource;
	held.access_token = c->ans.access_token;
	held.refresh_token = c->ans.refresh_token;
	held.token_endpoint = c->endpoint;
	held.me = c->ans.me;
	held.scope = c->ans.scope;
	held.expires = c->ans.expires_in > 0 ? c->now + c->ans.expires_in : 0;
	held.obtained = c->now;
	c->conv_id = conv.id;
	rc = ic_store_held_put_in_txn(t, c->req->arena, &held);
	if (rc == IC_OK) /* TR-11: refreshed before it runs out */
		rc = ic_credential_schedule_in_txn(t, c->req->arena, &held);
	/* Whatever happens to the subscribe and the first fetch after this
	 * commit, the feed is read and the subscription retried: a fetch
	 * poll now, and a renewal once a verification is overdue (the
	 * verification replaces it with the lease's own). */
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, c->req->arena, "fetch", conv.id,
		                            c->now + IC_DUE_LEASE, 0, true);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, c->req->arena, "renew", conv.id,
		                            c->now + IC_WEBSUB_PENDING_SECONDS,
		                            0, false);
	return rc;
}

/* TR-6: POST the ticket and check the token response. */
static enum ic_err redeem_at(struct ic_req *req, const char *endpoint,
                             const char *ticket, struct file_ctx *c,
                             char *errbuf)
{
	struct ic_buf form = IC_BUF_INIT(IC_MAX_BODY_BYTES);
	struct ic_fetch_result res;
	cJSON *ans;
	enum ic_err rc;

	if ((rc = ic_form_add(&form, "grant_type", "ticket")) != IC_OK ||
	    (rc = ic_form_add(&form, "ticket", ticket)) != IC_OK)
		return rc;
	rc = ic_peer_post_form(req, endpoint, form.buf, form.len, &res, &ans,
	                       errbuf);
	ic_buf_release(&form);
	if (rc != IC_OK)
		return rc;
	if (res.status != 200 || ans == NULL)
		return ic_fail(
		        errbuf, IC_ERR_PROTOCOL,
		        "token endpoint %s refused the ticket (HTTP %ld)",
		        endpoint, res.status);
	return ic_credential_answer(req, endpoint, ans, &c->ans, errbuf);
}

/* Whether the resource's site is one we declined or blocked. */
static enum ic_err ignored_txn(struct ic_store_txn *t, void *p)
{
	struct file_ctx *c = p;
	struct ic_conv conv;
	enum ic_err rc;

	c->found = NULL;
	c->is_new = false; /* here: "ignore this sender" */
	rc = ic_store_txn_scan(t, IC_DB_CONTACTS, NULL, 0, match_contact, c);
	if (rc || c->found == NULL)
		return rc ? rc
		          : ic_ratelimit_requests_full_in_txn(t, c->req->arena,
		                                              &c->full);
	rc = ic_store_conv_by_peer_in_txn(t, c->req->arena, c->found, &conv);
	if (rc == IC_OK)
		c->is_new = !ic_conv_allows(conv.state, conv.access_revoked,
		                            IC_CONV_EV_TICKET_FILED);
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

enum ic_err ic_ticket_redeem(struct ic_req *req, const char *ticket,
                             const char *resource, const char *iss,
                             const char **conv_id, char *errbuf)
{
	struct file_ctx c = {0};
	struct ic_store *st;
	const char *endpoint;
	enum ic_err rc;

	*conv_id = NULL;
	/* DESIGN.md: later tickets of a declined or blocked site are
	 * ignored -- not even redeemed, so it learns nothing from us. */
	c.req = req;
	c.resource = resource;
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, ignored_txn, &c, errbuf);
	if (rc != IC_OK)
		return rc;
	if (c.is_new) {
		ic_log(IC_LOG_INFO,
		       "ticket from %s ignored (declined or "
		       "blocked)",
		       c.found);
		return IC_OK;
	}
	/* Issue 12: a flood of strangers cannot fill the disk; known
	 * correspondents are never refused here. */
	if (c.full) {
		ic_log(IC_LOG_WARN,
		       "ticket from %s not redeemed: %d message requests are "
		       "pending",
		       resource, IC_MAX_MESSAGE_REQUESTS);
		return IC_OK;
	}
	c = (struct file_ctx){0};
	rc = token_endpoint_for(req, resource, iss, &endpoint, errbuf);
	if (rc == IC_OK)
		rc = redeem_at(req, endpoint, ticket, &c, errbuf);
	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc != IC_OK)
		return rc;
	c.req = req;
	c.resource = resource;
	c.endpoint = endpoint;
	c.now = time(NULL);
	rc = ic_store_update(st, file_txn, &c, errbuf);
	if (rc != IC_OK || c.conv_id == NULL)
		return rc;
	*conv_id = c.conv_id;
	ic_log(IC_LOG_INFO, "token for %s filed (%s conversation)", resource,
	       c.is_new ? "new request" : "known");
	/* TR-10: subscribe, then read what is there already. */
	rc = ic_websub_subscribe(req, c.conv_id, resource, errbuf);
	if (rc != IC_OK)
		ic_log(IC_LOG_WARN, "subscribing to %s failed: %s", resource,
		       errbuf);
	return ic_receive_fetch(req, c.conv_id, errbuf);
}
