/*
 * notify.c - the notification job: email, ntfy/Gotify, webhook, Web Push (see
 * notify.h).
 */
#include "notify/notify.h"

#include <string.h>
#include <time.h>

#include "cgi/owner_url.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "notify/notify_mail.h"
#include "notify/notify_push.h"
#include "notify/push_post.h"
#include "notify/sendmail.h"
#include "notify/webpush_send.h"
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

/* Every channel off, muted, or closed since (a block after the event):
 * nothing to send. */
static bool unwanted(const struct claim *c)
{
	return !ic_config_notify_on(&c->req->cfg) || c->conv.notify_muted ||
	       ic_conv_closed(c->conv.state);
}

/* The channels that are on (enum ic_notify_channel bits). */
static unsigned channels_on(const struct ic_config *cfg)
{
	return (ic_config_notify_email_on(cfg) ? IC_NOTIFY_CH_EMAIL : 0u) |
	       (ic_config_notify_ntfy_on(cfg) ? IC_NOTIFY_CH_NTFY : 0u) |
	       (ic_config_notify_webhook_on(cfg) ? IC_NOTIFY_CH_WEBHOOK : 0u) |
	       (ic_config_notify_webpush_on(cfg) ? IC_NOTIFY_CH_WEBPUSH : 0u);
}

/* Whether channel @p ch carries the texts (its *_text key). */
static bool with_text(const struct ic_config *cfg, unsigned ch)
{
	return ch == IC_NOTIFY_CH_EMAIL     ? cfg->notify_email_text
	       : ch == IC_NOTIFY_CH_NTFY    ? cfg->notify_ntfy_text
	       : ch == IC_NOTIFY_CH_WEBHOOK ? cfg->notify_webhook_text
	       : ch == IC_NOTIFY_CH_WEBPUSH ? cfg->notify_webpush_text
	                                    : false;
}

/* Whether a channel still to tell the batch wants the texts. */
static bool texts_wanted(const struct claim *c)
{
	unsigned todo = channels_on(&c->req->cfg) & ~(unsigned)c->what.told;

	for (unsigned ch = 1; ch <= IC_NOTIFY_CH_LAST; ch <<= 1)
		if ((todo & ch) && with_text(&c->req->cfg, ch))
			return true;
	return false;
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
	if (rc == IC_OK && c->what.count && texts_wanted(c))
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

struct told {
	struct claim *c;
	unsigned channel;
};

static enum ic_err told_txn(struct ic_store_txn *t, void *p)
{
	struct told *w = p;

	return ic_store_notify_told_in_txn(t, w->c->req->arena, w->c->conv_id,
	                                   w->c->batch, w->channel);
}

static enum ic_err build_mail(struct claim *c, char **mail, size_t *len,
                              char *errbuf)
{
	struct ic_req *req = c->req;
	struct ic_url_parts site;
	struct ic_notify_mail m = {0};
	enum ic_err rc =
	        ic_url_parts(req->arena, req->cfg.base_url, &site, errbuf);

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
	if (req->cfg.notify_email_text) {
		m.texts = c->texts;
		m.ntexts = c->ntexts;
	}
	if (m.link == NULL || m.unsubscribe == NULL)
		return IC_ERR_NOMEM;
	return ic_notify_mail_build(req->arena, &m, mail, len, errbuf);
}

static enum ic_err send_mail(struct claim *c, char *errbuf)
{
	char *mail;
	size_t len;
	enum ic_err rc = build_mail(c, &mail, &len, errbuf);

	if (rc == IC_OK)
		rc = ic_sendmail(c->req->cfg.sendmail, mail, len, errbuf);
	return rc;
}

/* The ntfy or Gotify POST, the webhook's, or Web Push to each device. */
static enum ic_err send_push(struct ic_store *store, struct claim *c,
                             unsigned ch, char *errbuf)
{
	const struct ic_config *cfg = &c->req->cfg;
	struct ic_arena *a = c->req->arena;
	struct ic_notify_push p = {0};
	struct ic_notify_post post;
	enum ic_err rc;

	p.conv = c->conv_id;
	p.batch = c->batch;
	p.peer_name = c->conv.peer_name;
	p.peer_url = c->conv.peer;
	p.link = ic_url_conversation(a, cfg, c->conv_id);
	p.date = c->now;
	p.what = &c->what;
	if (with_text(cfg, ch)) {
		p.texts = c->texts;
		p.ntexts = c->ntexts;
	}
	if (p.link == NULL)
		return IC_ERR_NOMEM;
	if (ch == IC_NOTIFY_CH_WEBPUSH)
		return ic_webpush_send(c->req, store, &p, errbuf);
	if (ch == IC_NOTIFY_CH_WEBHOOK)
		rc = ic_notify_webhook_build(a, &p, cfg->notify_webhook_secret,
		                             strlen(cfg->notify_webhook_secret),
		                             &post, errbuf);
	else if (strcmp(cfg->notify_ntfy_format, "gotify") == 0)
		rc = ic_notify_gotify_build(a, &p, &post, errbuf);
	else
		rc = ic_notify_ntfy_build(a, &p, &post, errbuf);
	if (rc != IC_OK)
		return rc;
	if (ch == IC_NOTIFY_CH_WEBHOOK)
		return ic_push_post(a, cfg->notify_webhook_url, NULL,
		                    cfg->dev_mode, &post, errbuf);
	return ic_push_post(a, cfg->notify_ntfy_url, cfg->notify_ntfy_token,
	                    cfg->dev_mode, &post, errbuf);
}

static const char *channel_name(unsigned ch)
{
	return ch == IC_NOTIFY_CH_EMAIL     ? "email"
	       : ch == IC_NOTIFY_CH_NTFY    ? "ntfy"
	       : ch == IC_NOTIFY_CH_WEBHOOK ? "webhook"
	                                    : "Web Push";
}

/* Each channel on that has not told the batch yet, independently: one
 * that succeeds is marked at once, so a retry after another's failure
 * does not send it again.  The first failure is the job's error (the
 * runner retries with backoff); the others are logged. */
static enum ic_err send_all(struct ic_store *store, struct claim *c)
{
	unsigned todo = channels_on(&c->req->cfg) & ~(unsigned)c->what.told;
	enum ic_err first = IC_OK;

	for (unsigned ch = 1; ch <= IC_NOTIFY_CH_LAST; ch <<= 1) {
		char errbuf[IC_ERRBUF_SIZE] = "";
		struct told w = {c, ch};
		enum ic_err rc;

		if (!(todo & ch))
			continue;
		rc = ch == IC_NOTIFY_CH_EMAIL ? send_mail(c, errbuf)
		                              : send_push(store, c, ch, errbuf);
		if (rc == IC_OK)
			rc = ic_store_update(store, told_txn, &w, errbuf);
		if (rc == IC_OK)
			continue;
		ic_log(IC_LOG_WARN,
		       "could not notify the owner about %s by "
		       "%s: %s",
		       c->conv_id, channel_name(ch), errbuf);
		if (first == IC_OK) {
			first = rc;
			ic_failf(c->req->errbuf, "%s: %s", channel_name(ch),
			         errbuf);
		}
	}
	return first;
}

enum ic_err ic_notify_job(struct ic_req *req, const char *conv)
{
	struct claim c = {.req = req, .conv_id = conv};
	struct ic_store *store;
	enum ic_err rc = ic_req_store(req, &store);

	c.now = (long long)time(NULL);
	if (rc == IC_OK)
		rc = ic_store_update(store, claim_txn, &c, req->errbuf);
	if (rc != IC_OK || !c.send)
		return rc;
	/* A failure leaves the batch in flight: the runner retries it. */
	rc = send_all(store, &c);
	if (rc != IC_OK)
		return rc;
	c.now = (long long)time(NULL);
	rc = ic_store_update(store, done_txn, &c, req->errbuf);
	if (rc == IC_OK)
		ic_log(IC_LOG_INFO,
		       "told the owner about %s: %lld message(s)%s%s", conv,
		       c.what.count, c.what.requests ? ", a request" : "",
		       c.what.accepted ? ", an acceptance" : "");
	return rc;
}
