/*
 * handshake.c - invite, accept, decline, block (see handshake.h).
 */
#include "messages/handshake.h"

#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "store/due.h"
#include "core/log.h"
#include "messages/outbox.h"
#include "cgi/site.h"
#include "store/store_auth.h"
#include "store/store_conv.h"
#include "store/store_sub.h"
#include "store/store_token.h"
#include "ticketauth/ticket_sender.h"
#include "text/url.h"
#include "websub/websub_subscriber.h"

enum ic_err ic_handshake_canonical(struct ic_req *req, const char *url,
				   const char **out)
{
	char *canon;
	enum ic_err rc = ic_url_canonical_profile(
		req->arena, url, req->cfg.dev_mode ? IC_URL_DEV : 0, &canon,
		req->errbuf);

	*out = canon;
	return rc;
}

struct state_ctx {
	struct ic_req *req;
	const char *peer;
	struct ic_conv conv;
	long long now;
	int revoked;
	bool block;
};

static enum ic_err invite_txn(struct ic_store_txn *t, void *p)
{
	struct state_ctx *c = p;
	struct ic_arena *a = c->req->arena;
	char *id;
	enum ic_err rc = ic_store_conv_by_peer_in_txn(t, a, c->peer, &c->conv);

	/* Inviting someone whose access was revoked gives it back. */
	if (rc == IC_OK && c->conv.access_revoked &&
	    c->conv.state != IC_CONV_BLOCKED &&
	    c->conv.state != IC_CONV_DECLINED) {
		c->conv.access_revoked = false;
		c->conv.updated = c->now;
		rc = ic_store_conv_put_in_txn(t, a, &c->conv);
		return rc ? rc
			  : ic_due_schedule_in_txn(t, a, "ticket", c->conv.id,
						   c->now + ic_due_backoff(1),
						   0, false);
	}
	if (rc == IC_OK)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_CONFLICT,
			       "there is already a conversation with %s (%s)",
			       c->peer, ic_conv_state_name(c->conv.state));
	if (rc != IC_ERR_NOT_FOUND)
		return rc;
	rc = ic_crypto_random_id(a, IC_SITE_ID_BYTES, &id,
				 ic_store_txn_errbuf(t));
	if (rc)
		return rc;
	memset(&c->conv, 0, sizeof(c->conv));
	c->conv.id = id;
	c->conv.peer = c->peer;
	c->conv.state = IC_CONV_INVITED;
	c->conv.created = c->conv.updated = c->now;
	c->conv.page_size = c->req->cfg.feed_page_size;
	rc = ic_store_conv_put_in_txn(t, a, &c->conv);
	/* Until the ticket is delivered, maintenance keeps trying (TS-4). */
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, a, "ticket", id,
					    c->now + ic_due_backoff(1), 0,
					    false);
	return rc;
}

static enum ic_err ticket_done_txn(struct ic_store_txn *t, void *p)
{
	struct state_ctx *c = p;
	long long when;
	enum ic_err rc = ic_due_when_in_txn(t, c->req->arena, "ticket",
					    c->conv.id, &when);

	/* Only the retry goes; a renewal the redeemer's token endpoint
	 * scheduled (weeks ahead, inside our POST) stays. */
	if (rc == IC_ERR_NOT_FOUND || (rc == IC_OK &&
				       when > c->now + IC_TICKET_RETRY_HORIZON))
		return IC_OK;
	return rc ? rc
		  : ic_due_cancel_in_txn(t, c->req->arena, "ticket",
					 c->conv.id);
}

/* Send our ticket now; on success the retry job goes away. */
static enum ic_err send_ticket(struct ic_req *req, struct state_ctx *c)
{
	struct ic_store *st;
	enum ic_err rc = ic_ticket_send(req, c->conv.id, req->errbuf);

	if (rc == IC_OK && ic_req_store(req, &st) == IC_OK)
		rc = ic_store_update(st, ticket_done_txn, c, req->errbuf);
	return rc;
}

enum ic_err ic_handshake_invite(struct ic_req *req, const char *url,
				const char **conv_id)
{
	struct state_ctx c = {req, NULL, {0}, time(NULL), 0, false};
	struct ic_store *st;
	enum ic_err rc = ic_handshake_canonical(req, url, &c.peer);

	if (rc == IC_OK && ic_url_equal(c.peer, req->cfg.me))
		rc = ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
			     "that is this site's own address");
	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, invite_txn, &c, req->errbuf);
	if (rc == IC_OK)
		rc = ic_outbox_publish(req, c.conv.id, req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (conv_id)
		*conv_id = c.conv.id;
	return send_ticket(req, &c);
}

static enum ic_err accept_txn(struct ic_store_txn *t, void *p)
{
	struct state_ctx *c = p;
	enum ic_err rc = ic_store_conv_by_peer_in_txn(t, c->req->arena,
						      c->peer, &c->conv);

	if (rc)
		return rc;
	/* A declined request forgot their token and subscription: they
	 * must send a new ticket (an invitation from us) to start again. */
	if (c->conv.state != IC_CONV_REQUEST)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_CONFLICT,
			       "the conversation with %s is %s, not a request",
			       c->peer, ic_conv_state_name(c->conv.state));
	c->conv.state = IC_CONV_ACTIVE;
	c->conv.updated = c->now;
	rc = ic_store_conv_put_in_txn(t, c->req->arena, &c->conv);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, c->req->arena, "ticket",
					    c->conv.id,
					    c->now + ic_due_backoff(1), 0,
					    false);
	return rc;
}

enum ic_err ic_handshake_accept(struct ic_req *req, const char *url)
{
	struct state_ctx c = {req, NULL, {0}, time(NULL), 0, false};
	struct ic_store *st;
	enum ic_err rc = ic_handshake_canonical(req, url, &c.peer);

	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, accept_txn, &c, req->errbuf);
	if (rc == IC_OK)
		rc = ic_outbox_publish(req, c.conv.id, req->errbuf);
	if (rc != IC_OK)
		return rc;
	return send_ticket(req, &c);
}

static enum ic_err decline_txn(struct ic_store_txn *t, void *p)
{
	struct state_ctx *c = p;
	struct ic_arena *a = c->req->arena;
	enum ic_err rc = ic_store_conv_by_peer_in_txn(t, a, c->peer, &c->conv);

	if (rc)
		return rc;
	c->conv.state = c->block ? IC_CONV_BLOCKED : IC_CONV_DECLINED;
	c->conv.updated = c->now;
	c->conv.their_resource = NULL;
	rc = ic_store_conv_put_in_txn(t, a, &c->conv);
	if (rc == IC_OK)
		rc = ic_store_held_del_in_txn(t, c->conv.id);
	if (rc == IC_OK)
		rc = ic_due_cancel_in_txn(t, a, "fetch", c->conv.id);
	if (rc == IC_OK)
		rc = ic_due_cancel_in_txn(t, a, "ticket", c->conv.id);
	/* Revoking is blocking at the source: their next fetch is 401. */
	if (rc == IC_OK && c->block)
		rc = ic_store_issued_revoke_conv_in_txn(t, a, c->conv.id,
							&c->revoked);
	if (rc == IC_OK && c->block)
		rc = ic_store_refresh_del_conv_in_txn(t, a, c->conv.id, NULL);
	return rc;
}

struct subs_ctx {
	struct ic_req *req;
	const char *conv_id;
	struct ic_sub *subs;
	size_t n;
};

static enum ic_err subs_txn(struct ic_store_txn *t, void *p)
{
	struct subs_ctx *c = p;

	return ic_store_sub_by_conv_in_txn(t, c->req->arena, c->conv_id,
					   &c->subs, &c->n);
}

/* Whatever the hubs answered, their deliveries now get 410 (WS-S-26). */
static enum ic_err gone_txn(struct ic_store_txn *t, void *p)
{
	struct subs_ctx *c = p;
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && i < c->n; i++) {
		struct ic_sub sub;

		rc = ic_store_sub_get_in_txn(t, c->req->arena, c->subs[i].id,
					     &sub);
		if (rc == IC_OK && sub.state != IC_SUB_GONE) {
			sub.state = IC_SUB_GONE;
			rc = ic_store_sub_put_in_txn(t, c->req->arena, &sub);
		}
	}
	return rc;
}

enum ic_err ic_handshake_decline(struct ic_req *req, const char *url,
				 bool block)
{
	struct state_ctx c = {req, NULL, {0}, time(NULL), 0, block};
	struct subs_ctx s = {req, NULL, NULL, 0};
	struct ic_store *st;
	enum ic_err rc = ic_handshake_canonical(req, url, &c.peer);

	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, decline_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	s.conv_id = c.conv.id;
	rc = ic_store_view(st, subs_txn, &s, req->errbuf);
	/* After the commit: deliveries already get 410 whatever the hub
	 * says; unsubscribing just spares it the work (WS-S-14). */
	for (size_t i = 0; rc == IC_OK && i < s.n; i++)
		if (s.subs[i].state != IC_SUB_GONE &&
		    ic_websub_unsubscribe(req, s.subs[i].id, req->errbuf) !=
			    IC_OK)
			ic_log(IC_LOG_WARN, "unsubscribing %s: %s",
			       s.subs[i].topic, req->errbuf);
	if (rc == IC_OK)
		rc = ic_store_update(st, gone_txn, &s, req->errbuf);
	if (c.revoked)
		ic_log(IC_LOG_INFO, "revoked %d token(s) of %s", c.revoked,
		       c.peer);
	return rc;
}
