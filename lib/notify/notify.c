/*
 * notify.c - the email notification job (see notify.h).
 */
#include "notify/notify.h"

#include <string.h>
#include <time.h>

#include "cgi/owner_url.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "notify/notify_mail.h"
#include "notify/sendmail.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_msg.h"
#include "store/store_notify.h"
#include "text/url.h"

struct claim {
	struct ic_req *req;
	const char *conv_id;
	struct ic_conv conv;
	struct ic_notify_batch what;
	long long batch, now;
	const char **texts;
	size_t ntexts;
	bool send; /* out: a batch to tell */
};

/* The texts of the batch's messages, the first IC_NOTIFY_TEXTS_MAX. */
static enum ic_err load_texts(struct ic_store_txn *t, struct claim *c)
{
	long long to = c->what.to;
	struct ic_msg *m;
	size_t n;
	enum ic_err rc;

	if (to - c->what.from >= IC_NOTIFY_TEXTS_MAX)
		to = c->what.from + IC_NOTIFY_TEXTS_MAX - 1;
	rc = ic_store_msg_range_in_txn(t, c->req->arena, c->conv_id, 'i',
	                               c->what.from, to, &m, &n);
	if (rc != IC_OK)
		return rc;
	c->texts = ic_arena_calloc(c->req->arena, n ? n : 1, sizeof(char *));
	if (c->texts == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (m[i].text)
			c->texts[c->ntexts++] = m[i].text;
	return IC_OK;
}

/* The owner read the conversation (its page, its live view, or the
 * terminal) since the messages came: they need no mail.  A request or an
 * acceptance in the same batch still does; else the batch ends unsent. */
static enum ic_err read_already(struct ic_store_txn *t, struct claim *c)
{
	c->what.count = 0;
	c->send = c->what.requests || c->what.accepted;
	if (c->send)
		return IC_OK;
	return ic_store_notify_done_in_txn(t, c->req->arena, c->conv_id,
	                                   c->batch, c->now, false);
}

/* Off, muted, or closed since (a block after the event): no mail. */
static bool unwanted(const struct claim *c)
{
	return !ic_config_notify_email_on(&c->req->cfg) ||
	       c->conv.notify_muted || ic_conv_closed(c->conv.state);
}

static enum ic_err claim_txn(struct ic_store_txn *t, void *p)
{
	struct claim *c = p;
	enum ic_err rc = ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id,
	                                          &c->conv);

	c->send = false;
	c->ntexts = 0;
	if (rc == IC_ERR_NOT_FOUND || (rc == IC_OK && unwanted(c)))
		return ic_store_notify_forget_in_txn(t, c->conv_id);
	if (rc == IC_OK)
		rc = ic_store_notify_claim_in_txn(t, c->req->arena, c->conv_id,
		                                  &c->what, &c->batch);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK; /* told already */
	if (rc == IC_OK && c->what.count && c->conv.unread == 0)
		return read_already(t, c);
	if (rc == IC_OK && c->req->cfg.notify_email_text && c->what.count)
		rc = load_texts(t, c);
	c->send = rc == IC_OK;
	return rc;
}

static enum ic_err done_txn(struct ic_store_txn *t, void *p)
{
	struct claim *c = p;

	return ic_store_notify_done_in_txn(t, c->req->arena, c->conv_id,
	                                   c->batch, c->now, true);
}

static enum ic_err build(struct claim *c, char **mail, size_t *len)
{
	struct ic_req *req = c->req;
	struct ic_url_parts site;
	struct ic_notify_mail m = {0};
	enum ic_err rc =
	        ic_url_parts(req->arena, req->cfg.base_url, &site, req->errbuf);

	if (rc != IC_OK)
		return rc;
	m.host = site.host;
	m.to = req->cfg.notify_email;
	m.conv = c->conv_id;
	m.batch = c->batch;
	m.peer_name = c->conv.peer_name;
	m.peer_url = c->conv.peer;
	m.link = ic_url_conversation(req->arena, &req->cfg, c->conv_id);
	m.unsubscribe = ic_url_settings(req->arena, &req->cfg);
	m.date = c->now;
	m.what = &c->what;
	m.texts = c->texts;
	m.ntexts = c->ntexts;
	if (m.link == NULL || m.unsubscribe == NULL)
		return IC_ERR_NOMEM;
	return ic_notify_mail_build(req->arena, &m, mail, len, req->errbuf);
}

enum ic_err ic_notify_job(struct ic_req *req, const char *conv)
{
	struct claim c = {.req = req, .conv_id = conv};
	struct ic_store *store;
	char *mail;
	size_t len;
	enum ic_err rc = ic_req_store(req, &store);

	c.now = (long long)time(NULL);
	if (rc == IC_OK)
		rc = ic_store_update(store, claim_txn, &c, req->errbuf);
	if (rc != IC_OK || !c.send)
		return rc;
	rc = build(&c, &mail, &len);
	/* A failure leaves the batch in flight: the runner retries it. */
	if (rc == IC_OK)
		rc = ic_sendmail(req->cfg.sendmail, mail, len, req->errbuf);
	if (rc != IC_OK)
		return rc;
	c.now = (long long)time(NULL);
	rc = ic_store_update(store, done_txn, &c, req->errbuf);
	if (rc == IC_OK)
		ic_log(IC_LOG_INFO,
		       "emailed the owner about %s: %lld message(s)%s%s", conv,
		       c.what.count, c.what.requests ? ", a request" : "",
		       c.what.accepted ? ", an acceptance" : "");
	return rc;
}
