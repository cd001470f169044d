/*
 * handshake.c - invite, accept, decline, block, revoke (see
 * handshake.h).  Which of them a conversation allows, and what state it
 * moves to, is conv_state.h's table; this file does the rest.
 */
#include "messages/handshake.h"

#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "store/due.h"
#include "core/log.h"
#include "feed/feed_pages.h"
#include "messages/outbox.h"
#include "cgi/site.h"
#include "store/store_auth.h"
#include "store/conv_state.h"
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

/* The conversation with c->peer, or a position IC_CONV_NONE for the
 * table when there is none yet. */
static enum ic_err find_conv(struct ic_store_txn *t, struct state_ctx *c)
{
	enum ic_err rc = ic_store_conv_by_peer_in_txn(t, c->req->arena, c->peer,
	                                              &c->conv);

	if (rc != IC_ERR_NOT_FOUND)
		return rc;
	memset(&c->conv, 0, sizeof(c->conv));
	c->conv.peer = c->peer;
	c->conv.state = IC_CONV_NONE;
	return IC_OK;
}

/* Apply @ev to the conversation with c->peer (conv_state.h's table). */
static enum ic_err step(struct ic_store_txn *t, struct state_ctx *c,
                        enum ic_conv_event ev)
{
	enum ic_err rc = find_conv(t, c);

	if (rc == IC_OK)
		rc = ic_conv_apply(&c->conv, ev, ic_store_txn_errbuf(t));
	return rc;
}

static enum ic_err new_conv(struct ic_store_txn *t, struct state_ctx *c)
{
	char *id;
	enum ic_err rc = ic_crypto_random_id(c->req->arena, IC_SITE_ID_BYTES,
	                                     &id, ic_store_txn_errbuf(t));

	if (rc)
		return rc;
	c->conv.id = id;
	c->conv.created = c->now;
	c->conv.page_size = c->req->cfg.feed_page_size;
	return IC_OK;
}

static enum ic_err invite_txn(struct ic_store_txn *t, void *p)
{
	struct state_ctx *c = p;
	enum ic_err rc = find_conv(t, c);
	bool is_new = rc == IC_OK && c->conv.state == IC_CONV_NONE;

	/* New: invited.  Known: only to give back revoked access. */
	if (rc == IC_OK)
		rc = ic_conv_apply(&c->conv, IC_CONV_EV_INVITE,
		                   ic_store_txn_errbuf(t));
	if (rc == IC_OK && is_new)
		rc = new_conv(t, c);
	if (rc)
		return rc;
	c->conv.updated = c->now;
	rc = ic_store_conv_put_in_txn(t, c->req->arena, &c->conv);
	/* Until the ticket is delivered, maintenance keeps trying (TS-4). */
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(
		        t, c->req->arena, "ticket", c->conv.id,
		        c->now + ic_due_backoff(1), 0, false);
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
	if (rc == IC_ERR_NOT_FOUND ||
	    (rc == IC_OK && when > c->now + IC_TICKET_RETRY_HORIZON))
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
		rc = ic_feed_pages_publish(req, c.conv.id, req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (conv_id)
		*conv_id = c.conv.id;
	return send_ticket(req, &c);
}

static enum ic_err accept_txn(struct ic_store_txn *t, void *p)
{
	struct state_ctx *c = p;
	/* A declined request forgot their token and subscription: they
	 * must send a new ticket (an invitation from us) to start again. */
	enum ic_err rc = step(t, c, IC_CONV_EV_ACCEPT);

	if (rc)
		return rc;
	c->conv.updated = c->now;
	rc = ic_store_conv_put_in_txn(t, c->req->arena, &c->conv);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(
		        t, c->req->arena, "ticket", c->conv.id,
		        c->now + ic_due_backoff(1), 0, false);
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
		rc = ic_feed_pages_publish(req, c.conv.id, req->errbuf);
	if (rc != IC_OK)
		return rc;
	return send_ticket(req, &c);
}

/* TE-12: the tokens we issued them stop reading our feed at once, their
 * refresh tokens die, and no renewal ticket goes out: revoking is
 * blocking at the source, their next fetch is 401. */
static enum ic_err cut_access_in_txn(struct ic_store_txn *t,
                                     struct state_ctx *c)
{
	struct ic_arena *a = c->req->arena;
	enum ic_err rc = ic_store_issued_revoke_conv_in_txn(t, a, c->conv.id,
	                                                    &c->revoked);

	if (rc == IC_OK)
		rc = ic_store_refresh_del_conv_in_txn(t, a, c->conv.id, NULL);
	if (rc == IC_OK)
		rc = ic_due_cancel_in_txn(t, a, "ticket", c->conv.id);
	return rc;
}

static enum ic_err decline_txn(struct ic_store_txn *t, void *p)
{
	struct state_ctx *c = p;
	struct ic_arena *a = c->req->arena;
	enum ic_err rc =
	        step(t, c, c->block ? IC_CONV_EV_BLOCK : IC_CONV_EV_DECLINE);

	if (rc)
		return rc;
	c->conv.updated = c->now;
	c->conv.their_resource = NULL;
	rc = ic_store_conv_put_in_txn(t, a, &c->conv);
	if (rc == IC_OK)
		rc = ic_store_held_del_in_txn(t, c->conv.id);
	if (rc == IC_OK)
		rc = ic_due_cancel_in_txn(t, a, "fetch", c->conv.id);
	if (rc == IC_OK)
		rc = ic_due_cancel_in_txn(t, a, "ticket", c->conv.id);
	if (rc == IC_OK && c->block)
		rc = cut_access_in_txn(t, c);
	return rc;
}

static enum ic_err revoke_txn(struct ic_store_txn *t, void *p)
{
	struct state_ctx *c = p;
	bool was = false;
	enum ic_err rc = find_conv(t, c);

	if (rc == IC_OK) {
		was = c->conv.access_revoked;
		rc = ic_conv_apply(&c->conv, IC_CONV_EV_REVOKE,
		                   ic_store_txn_errbuf(t));
	}
	if (rc == IC_OK)
		rc = cut_access_in_txn(t, c);
	/* Nothing may bring their access back but a new invitation. */
	if (rc == IC_OK && c->conv.access_revoked != was)
		rc = ic_store_conv_put_in_txn(t, c->req->arena, &c->conv);
	return rc;
}

enum ic_err ic_handshake_revoke(struct ic_req *req, const char *url, int *count)
{
	struct state_ctx c = {req, NULL, {0}, time(NULL), 0, false};
	struct ic_store *st;
	enum ic_err rc = ic_handshake_canonical(req, url, &c.peer);

	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, revoke_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	ic_log(IC_LOG_INFO, "revoked %d token(s) of %s", c.revoked, c.peer);
	if (count)
		*count = c.revoked;
	return IC_OK;
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
