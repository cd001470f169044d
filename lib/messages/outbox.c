/*
 * outbox.c - store, publish, notify (see outbox.h).
 */
#include "messages/outbox.h"

#include "feed/feed_pages.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/crypto.h"
#include "store/due.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "feed/feed_pages.h"
#include "cgi/site.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "websub/websub_hub.h"
#include "websub/websub_subscriber.h"

struct send_ctx {
	struct ic_req *req;
	const char *peer, *text, *reply_to;
	const struct ic_attach *att;
	size_t natt;
	struct ic_conv conv;
	struct ic_msg msg;
	long long now;
};

static enum ic_err send_txn(struct ic_store_txn *t, void *p)
{
	struct send_ctx *c = p;
	struct ic_arena *a = c->req->arena;
	const char *topic_url;
	unsigned long long nonce;
	enum ic_err rc = ic_store_conv_by_peer_in_txn(t, a, c->peer, &c->conv);

	if (rc)
		return rc;
	rc = ic_conv_apply(&c->conv, IC_CONV_EV_SEND, ic_store_txn_errbuf(t));
	if (rc)
		return rc;
	/* Issue 15: only a message of this very conversation is answered;
	 * uids are scoped to it (store_msg.h). */
	if (c->reply_to &&
	    !ic_store_msg_uid_known_in_txn(t, c->conv.id, c->reply_to))
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_NOT_FOUND,
		               "there is no message %s in the conversation "
		               "with %s to reply to",
		               c->reply_to, c->peer);
	topic_url = ic_site_topic_url(a, &c->req->cfg, c->conv.id);
	c->conv.out_seq++;
	c->conv.revision++;
	c->conv.updated = c->now;
	memset(&c->msg, 0, sizeof(c->msg));
	c->msg.conv = c->conv.id;
	c->msg.dir = 'o';
	c->msg.seq = c->conv.out_seq;
	/* MP-2: the uid is fixed here, at creation, and never changes. */
	rc = ic_crypto_random(&nonce, sizeof(nonce), ic_store_txn_errbuf(t));
	if (rc)
		return rc;
	c->msg.uid = ic_msg_uid(a, topic_url, c->msg.seq, nonce);
	c->msg.url = c->msg.uid;
	c->msg.published = c->now;
	c->msg.received = c->now;
	c->msg.order = c->conv.out_seq + c->conv.in_seq;
	c->msg.text = c->text;
	c->msg.author = c->req->cfg.me;
	c->msg.in_reply_to = c->reply_to;
	/* Issue 15: the files are already under data_dir (store_blob.h);
	 * their list is part of the record, so of this transaction. */
	c->msg.att = c->att;
	c->msg.natt = c->natt;
	if (topic_url == NULL || c->msg.uid == NULL)
		return IC_ERR_NOMEM;
	rc = ic_store_msg_put_in_txn(t, a, &c->msg);
	if (rc == IC_OK)
		rc = ic_store_conv_put_in_txn(t, a, &c->conv);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, a, "notify", c->conv.id, c->now,
		                            0, true);
	return rc;
}

enum ic_err ic_outbox_send(struct ic_req *req, const char *peer,
                           const char *text, const char *reply_to,
                           const struct ic_attach *att, size_t natt,
                           struct ic_msg *out)
{
	struct send_ctx c = {req,  peer, text, reply_to,  att,
	                     natt, {0},  {0},  time(NULL)};
	struct ic_store *st;
	enum ic_err rc;

	/* A photo needs no words; a message without either is nothing. */
	if (text == NULL ||
	    (natt == 0 && text[strspn(text, " \t\r\n")] == '\0'))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "the message is empty");
	if (strlen(text) > IC_MAX_MESSAGE_BYTES)
		return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
		               "the message is over %u bytes",
		               (unsigned)IC_MAX_MESSAGE_BYTES);
	if (reply_to != NULL &&
	    (*reply_to == '\0' || strlen(reply_to) > IC_MAX_UID_BYTES))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "the message to reply to is not a uid");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, send_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	if (out)
		*out = c.msg;
	/* The message is stored: a failed publish is not a failed send (a
	 * retry would store it twice).  The notify job publishes again. */
	if (ic_feed_pages_publish(req, c.conv.id, req->errbuf) != IC_OK)
		ic_log(IC_LOG_WARN, "publishing %s failed, retried later: %s",
		       c.conv.id, req->errbuf);
	req->errbuf[0] = '\0';
	return IC_OK;
}

/* --- Notifying ------------------------------------------------------------ */

struct done_ctx {
	struct ic_req *req;
	const char *conv_id;
	bool ok;
	long long when;
	int attempts;
	long long revision;  /* the conversation's, when we read the stub */
	long long published; /* its published_seq then */
	/* Our messages up to this seq reached the correspondent in the
	 * hub's delivery of the private page: as good as their fetch. */
	long long read_by_hub;
};

static enum ic_err revision_txn(struct ic_store_txn *t, void *p)
{
	struct done_ctx *c = p;
	struct ic_conv conv;
	enum ic_err rc =
	        ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id, &conv);

	long long when, now = time(NULL);

	c->revision = rc == IC_OK ? conv.revision : -1;
	c->published = rc == IC_OK ? conv.published_seq : 0;
	if (rc != IC_OK)
		return rc;
	/* Hold the job while we publish, as ic_due_take_in_txn() would: a
	 * maintenance run that a subscriber's reaction to our delivery
	 * starts would otherwise take it too and deliver everything again.
	 * A job already held (by maintenance running this) stays as it is. */
	rc = ic_due_when_in_txn(t, c->req->arena, "notify", c->conv_id, &when);
	if (rc == IC_ERR_NOT_FOUND || (rc == IC_OK && when > now))
		return IC_OK;
	if (rc != IC_OK)
		return rc;
	return ic_due_schedule_in_txn(t, c->req->arena, "notify", c->conv_id,
	                              now + IC_NOTIFY_HOLD_SECONDS, 0, false);
}

/* Issue 6's "fetched", when the hub carried the page to them (as
 * feed_serve.c marks it when they read it). */
static enum ic_err mark_read_by_hub(struct ic_store_txn *t,
                                    const struct done_ctx *c)
{
	struct ic_conv conv;
	enum ic_err rc;

	if (c->read_by_hub <= 0)
		return IC_OK;
	rc = ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id, &conv);
	if (rc != IC_OK || conv.fetched_seq >= c->read_by_hub)
		return rc;
	conv.fetched_seq = c->read_by_hub;
	conv.their_fetch = (long long)time(NULL);
	return ic_store_conv_put_in_txn(t, c->req->arena, &conv);
}

static enum ic_err notify_done_txn(struct ic_store_txn *t, void *p)
{
	struct done_ctx *c = p;
	struct ic_conv conv;
	enum ic_err rc = mark_read_by_hub(t, c);

	if (rc != IC_OK)
		return rc;
	if (c->ok) {
		/* A send after we read the stub needs its own ping: its job
		 * (merged into ours) stays due. */
		rc = ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id,
		                              &conv);
		if (rc != IC_OK)
			return rc;
		if (conv.notified_seq < c->published) {
			conv.notified_seq = c->published;
			rc = ic_store_conv_put_in_txn(t, c->req->arena, &conv);
			if (rc != IC_OK)
				return rc;
		}
		if (conv.revision != c->revision)
			return IC_OK;
		return ic_due_cancel_in_txn(t, c->req->arena, "notify",
		                            c->conv_id);
	}
	return ic_due_schedule_in_txn(t, c->req->arena, "notify", c->conv_id,
	                              c->when, c->attempts, true);
}

enum ic_err ic_outbox_notify(struct ic_req *req, const char *conv_id,
                             char *errbuf)
{
	struct done_ctx d = {req, conv_id, false, 0, 0, -1, 0, 0};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_update(st, revision_txn, &d, errbuf);
	if (rc != IC_OK)
		return rc;
	if (req->cfg.hub && *req->cfg.hub) {
		rc = ic_websub_publish_external(
		        req, ic_site_topic_url(req->arena, &req->cfg, conv_id),
		        errbuf);
	} else {
		struct ic_hub_counts n;

		rc = ic_websub_hub_publish(req, conv_id, &n, errbuf);
		d.read_by_hub = n.privately > 0 ? n.published : 0;
		if (rc == IC_OK && n.failed > 0)
			rc = ic_fail(errbuf, IC_ERR_NETWORK,
			             "%d of %d subscriber(s) not reached",
			             n.failed, n.delivered + n.failed);
	}
	d.ok = rc == IC_OK;
	d.when = time(NULL) + ic_due_backoff(1);
	ic_store_update(st, notify_done_txn, &d, NULL);
	return rc;
}

enum ic_err ic_outbox_notify_after(struct ic_req *req)
{
	const char *conv_id = req->after_ctx;

	return ic_outbox_notify(req, conv_id, req->errbuf);
}

void ic_outbox_notify_soon(struct ic_req *req, const char *conv_id)
{
	req->after = ic_outbox_notify_after;
	req->after_ctx = (void *)conv_id;
	req->after_inline = true;
}
