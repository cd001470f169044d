/*
 * ticket_sender.c - discover a ticket endpoint, issue and send a ticket.
 */
#include "ticketauth/ticket_sender.h"

#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "text/form.h"
#include "core/ic_limits.h"
#include "text/json.h"
#include "core/log.h"
#include "net/peer.h"
#include "cgi/site.h"
#include "store/conv_state.h"
#include "store/store_auth.h"
#include "store/store_conv.h"
#include "store/store_token.h"

static bool scheme_ok(struct ic_req *req, const char *url)
{
	return strncmp(url, "https://", 8) == 0 ||
	       (req->cfg.dev_mode && strncmp(url, "http://", 7) == 0);
}

enum ic_err ic_ticket_discover(struct ic_req *req, const char *subject,
                               const char **endpoint, char *errbuf)
{
	struct ic_fetch_result res;
	struct ic_discovery d;
	const char *ep = NULL, *murl;
	enum ic_err rc;

	*endpoint = NULL;
	rc = ic_peer_get(req, subject, NULL, 0, &res, &d, errbuf);
	if (rc != IC_OK)
		return rc;
	if (res.status != 200)
		return ic_fail(errbuf, IC_ERR_NOT_FOUND, "%s answered HTTP %ld",
		               subject, res.status);
	/* gRegorLove reads only the metadata, Publ only the rel (TR-1):
	 * metadata first, as the wiki says, then the rel. */
	murl = ic_discover_find(&d, "indieauth-metadata");
	if (murl != NULL) {
		struct ic_fetch_result mres;
		cJSON *meta;

		if (ic_peer_get(req, murl, NULL, 0, &mres, NULL, errbuf) ==
		            IC_OK &&
		    mres.status == 200 &&
		    ic_json_parse(req->arena, mres.body, mres.body_len,
		                  &meta) == IC_OK)
			ep = ic_peer_str(req, meta, "ticket_endpoint");
	}
	if (ep == NULL)
		ep = ic_discover_find(&d, "ticket_endpoint");
	if (ep == NULL)
		return ic_fail(errbuf, IC_ERR_NOT_FOUND,
		               "%s cannot receive private messages: it "
		               "advertises no ticket endpoint",
		               subject);
	if (!scheme_ok(req, ep))
		return ic_fail(errbuf, IC_ERR_BLOCKED,
		               "ticket endpoint %s is not https", ep);
	*endpoint = ep;
	return IC_OK;
}

struct issue_ctx {
	struct ic_req *req;
	const char *conv_id;
	const char *hash;
	struct ic_conv conv;
	const char *resource;
	long long now;
};

static enum ic_err issue_txn(struct ic_store_txn *t, void *p)
{
	struct issue_ctx *c = p;
	struct ic_ticket tk = {0};
	enum ic_err rc = ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id,
	                                          &c->conv);

	if (rc)
		return rc;
	/* A blocked or declined site, or one whose access the owner
	 * revoked, gets no new ticket, whatever was due. */
	rc = ic_conv_apply(&c->conv, IC_CONV_EV_TICKET_ISSUE,
	                   ic_store_txn_errbuf(t));
	if (rc)
		return rc;
	c->resource =
	        ic_site_topic_url(c->req->arena, &c->req->cfg, c->conv_id);
	if (c->resource == NULL)
		return IC_ERR_NOMEM;
	tk.conv = c->conv_id;
	tk.subject = c->conv.peer;
	tk.resource = c->resource;
	tk.expires = c->now + IC_TICKET_LIFETIME;
	rc = ic_store_ticket_put_in_txn(t, c->req->arena, c->hash, &tk);
	/* Forgotten once a replay could no longer revoke anything (TE-2). */
	return rc ? rc
	          : ic_store_auth_gc_schedule_in_txn(
	                    t, c->req->arena,
	                    tk.expires + IC_TICKET_REPLAY_MEMORY);
}

static enum ic_err sent_txn(struct ic_store_txn *t, void *p)
{
	struct issue_ctx *c = p;
	struct ic_conv conv;
	enum ic_err rc =
	        ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id, &conv);

	if (rc)
		return rc;
	conv.ticket_sent = c->now;
	return ic_store_conv_put_in_txn(t, c->req->arena, &conv);
}

static enum ic_err peer_of(struct ic_req *req, const char *conv_id,
                           const char **peer, char *errbuf);

enum ic_err ic_ticket_send(struct ic_req *req, const char *conv_id,
                           char *errbuf)
{
	struct issue_ctx c = {req, conv_id, NULL, {0}, NULL, time(NULL)};
	struct ic_buf form = IC_BUF_INIT(IC_MAX_BODY_BYTES);
	struct ic_fetch_result res;
	struct ic_store *st;
	const char *endpoint, *peer;
	char *ticket;
	cJSON *answer;
	enum ic_err rc;

	rc = peer_of(req, conv_id, &peer, errbuf);
	if (rc == IC_OK)
		rc = ic_ticket_discover(req, peer, &endpoint, errbuf);
	if (rc == IC_OK)
		rc = ic_crypto_token(req->arena, &ticket, errbuf);
	if (rc != IC_OK)
		return rc;
	c.hash = ic_secret_hash(req->arena, ticket);
	rc = ic_req_store(req, &st);
	/* TS-2: committed before the POST, which may redeem it inline. */
	if (rc == IC_OK)
		rc = ic_store_update(st, issue_txn, &c, errbuf);
	if (rc == IC_OK &&
	    ((rc = ic_form_add(&form, "ticket", ticket)) != IC_OK ||
	     (rc = ic_form_add(&form, "resource", c.resource)) != IC_OK ||
	     (rc = ic_form_add(&form, "subject", c.conv.peer)) != IC_OK ||
	     (rc = ic_form_add(&form, "iss",
	                       ic_site_issuer(req->arena, &req->cfg))) !=
	             IC_OK))
		ic_fail(errbuf, rc, "cannot build the ticket form");
	if (rc == IC_OK)
		rc = ic_peer_post_form(req, endpoint, form.buf, form.len, &res,
		                       &answer, errbuf);
	ic_buf_release(&form);
	if (rc != IC_OK)
		return rc;
	if (res.status < 200 || res.status > 299) {
		const char *why =
		        answer ? ic_peer_str(req, answer, "error_description")
		               : NULL;

		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "ticket endpoint %s answered HTTP %ld%s%s",
		               endpoint, res.status, why ? ": " : "",
		               why ? why : "");
	}
	ic_log(IC_LOG_INFO, "ticket for %s accepted by %s", c.conv.peer,
	       endpoint);
	return ic_store_update(st, sent_txn, &c, errbuf);
}

struct peer_ctx {
	struct ic_req *req;
	const char *conv_id;
	struct ic_conv conv;
};

static enum ic_err peer_txn(struct ic_store_txn *t, void *p)
{
	struct peer_ctx *c = p;

	return ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id, &c->conv);
}

static enum ic_err peer_of(struct ic_req *req, const char *conv_id,
                           const char **peer, char *errbuf)
{
	struct peer_ctx c = {req, conv_id, {0}};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_view(st, peer_txn, &c, errbuf);
	*peer = c.conv.peer;
	return rc;
}
