/*
 * outbox.c - store, publish, notify (see outbox.h).
 */
#include "messages/outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/crypto.h"
#include "store/due.h"
#include "core/file.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "mf2/mf2_publish.h"
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
	if (ic_outbox_publish(req, c.conv.id, req->errbuf) != IC_OK)
		ic_log(IC_LOG_WARN, "publishing %s failed, retried later: %s",
		       c.conv.id, req->errbuf);
	req->errbuf[0] = '\0';
	return IC_OK;
}

/* --- Publishing ---------------------------------------------------------- */

struct page_ctx {
	struct ic_req *req;
	const char *conv_id;
	struct ic_conv conv;
	struct ic_msg *msgs;
	size_t n;
	long long page;      /* 0: the newest; set to the page read */
	const char **quotes; /* per message: its reply target's first words */
};

/* Chars of the answered message shown beside a reply's link. */
#define REPLY_QUOTE_BYTES 80

/* Issue 15: each reply's target, read in the page's transaction.  A
 * target that is gone (it cannot be, but a restore may surprise) keeps
 * the link and shows its uid. */
static enum ic_err quotes_txn(struct ic_store_txn *t, struct page_ctx *c)
{
	c->quotes =
	        c->n ? ic_arena_calloc(c->req->arena, c->n, sizeof(*c->quotes))
	             : NULL;
	if (c->n && c->quotes == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < c->n; i++) {
		struct ic_msg target;
		enum ic_err rc;

		if (c->msgs[i].in_reply_to == NULL)
			continue;
		rc = ic_store_msg_by_uid_in_txn(t, c->req->arena, c->conv_id,
		                                c->msgs[i].in_reply_to,
		                                &target);
		if (rc == IC_ERR_NOT_FOUND)
			continue;
		if (rc != IC_OK)
			return rc;
		c->quotes[i] = ic_msg_quote(c->req->arena, target.text,
		                            REPLY_QUOTE_BYTES);
		if (c->quotes[i] == NULL)
			return IC_ERR_NOMEM;
	}
	return IC_OK;
}

/* Read the conversation and the messages of page c->page. */
static enum ic_err page_txn(struct ic_store_txn *t, void *p)
{
	struct page_ctx *c = p;
	long long first, last, newest;
	enum ic_err rc = ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id,
	                                          &c->conv);

	if (rc)
		return rc;
	newest = ic_site_page_of(c->conv.out_seq, c->conv.page_size);
	if (c->page < 1 || c->page > newest)
		c->page = newest;
	first = (c->page - 1) * c->conv.page_size + 1;
	last = c->page * c->conv.page_size;
	if (last > c->conv.out_seq)
		last = c->conv.out_seq;
	c->n = 0;
	c->msgs = NULL;
	c->quotes = NULL;
	if (last < first)
		return IC_OK;
	rc = ic_store_msg_range_in_txn(t, c->req->arena, c->conv_id, 'o', first,
	                               last, &c->msgs, &c->n);
	return rc == IC_OK ? quotes_txn(t, c) : rc;
}

/* The configured name, else "example.com" for https://example.com/. */
static const char *owner_name(struct ic_req *req)
{
	const char *me = req->cfg.me, *host = strstr(me, "://");
	size_t n;

	if (req->cfg.name && *req->cfg.name)
		return req->cfg.name;
	host = host ? host + 3 : me;
	n = strcspn(host, "/");
	return ic_arena_strndup(req->arena, host, n);
}

static enum ic_err fill_page(struct ic_req *req, struct page_ctx *c,
                             struct ic_feed_page *p)
{
	const struct ic_config *cfg = &req->cfg;
	struct ic_feed_entry *e = NULL;

	memset(p, 0, sizeof(*p));
	if (c->n) {
		e = ic_arena_calloc(req->arena, c->n, sizeof(*e));
		if (e == NULL)
			return IC_ERR_NOMEM;
	}
	for (size_t i = 0; i < c->n; i++) { /* newest first */
		const struct ic_msg *m = &c->msgs[c->n - 1 - i];

		e[i].uid = m->uid;
		e[i].url = m->url;
		e[i].published = (time_t)m->published;
		e[i].text = m->text;
		e[i].att = m->att;
		e[i].natt = m->natt;
		/* A peer's uid we cannot write is left out, not fatal: the
		 * page must publish (mf2_publish.h). */
		if (ic_mf2_publish_reply_ok(m->in_reply_to)) {
			e[i].in_reply_to = m->in_reply_to;
			e[i].reply_quote = c->quotes[c->n - 1 - i];
		}
	}
	p->topic_url = ic_site_topic_url(req->arena, cfg, c->conv_id);
	p->self_url = p->topic_url;
	p->hub_url = ic_site_hub_url(req->arena, cfg);
	p->token_endpoint = ic_site_token_endpoint(req->arena, cfg);
	p->metadata_url = ic_site_metadata_url(req->arena, cfg);
	p->prev_url = c->page > 1 ? ic_site_page_url(req->arena, cfg,
	                                             c->conv_id, c->page - 1)
	                          : NULL;
	p->name = ic_arena_printf(req->arena, "Messages from %s",
	                          owner_name(req));
	p->owner.name = owner_name(req);
	p->owner.url = cfg->me;
	p->owner.photo = cfg->photo && *cfg->photo ? cfg->photo : NULL;
	p->recipient.name =
	        c->conv.peer_name ? c->conv.peer_name : c->conv.peer;
	p->recipient.url = c->conv.peer;
	p->entries = e;
	p->nentries = c->n;
	/* WS-P-7: the stub must change on every send, but a counter would
	 * tell every hub how many messages were sent: a random marker. */
	if (ic_crypto_random(&p->revision, sizeof(p->revision), NULL) != IC_OK)
		p->revision = (unsigned long)c->conv.revision;
	p->updated =
	        (time_t)(c->conv.updated ? c->conv.updated : c->conv.created);
	if (p->topic_url == NULL || p->hub_url == NULL || p->name == NULL ||
	    p->owner.name == NULL)
		return IC_ERR_NOMEM;
	return IC_OK;
}

static enum ic_err write_doc(struct ic_req *req, const char *dir,
                             const char *name, const struct ic_feed_page *p,
                             bool stub, char *errbuf)
{
	struct ic_buf out = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	enum ic_err rc = stub ? ic_mf2_publish_stub(&out, p, errbuf)
	                      : ic_mf2_publish_page(&out, p, errbuf);

	(void)req;
	if (rc == IC_OK)
		rc = ic_file_write_atomic(dir, name, out.buf, out.len, errbuf);
	ic_buf_release(&out);
	return rc;
}

/*
 * Two sends to one conversation may publish at once; each reads LMDB and
 * writes the files under an exclusive lock on the feed's directory, so
 * the last to write also read last and an older page never wins.
 */
static int lock_feed_dir(const char *dir, char *errbuf)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/.lock", dir) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		ic_failf(errbuf, "cannot lock %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct published_ctx {
	struct ic_req *req;
	const char *conv_id;
	long long seq;
};

static enum ic_err published_txn(struct ic_store_txn *t, void *p)
{
	struct published_ctx *c = p;
	struct ic_conv conv;
	enum ic_err rc =
	        ic_store_conv_get_in_txn(t, c->req->arena, c->conv_id, &conv);

	if (rc || conv.published_seq >= c->seq)
		return rc;
	conv.published_seq = c->seq;
	return ic_store_conv_put_in_txn(t, c->req->arena, &conv);
}

/* Render page @p n (0: the newest) and, for the newest, the stub. */
static enum ic_err write_page(struct ic_req *req, struct ic_store *st,
                              const char *dir, const char *conv_id, long long n,
                              struct page_ctx *c, char *errbuf)
{
	struct ic_feed_page page;
	enum ic_err rc;

	*c = (struct page_ctx){req, conv_id, {0}, NULL, 0, n, NULL};
	rc = ic_store_view(st, page_txn, c, errbuf);
	if (rc == IC_OK)
		rc = fill_page(req, c, &page);
	/* The page first, then the stub: a hub that sees the new stub and
	 * makes a subscriber fetch finds the new page already (WS-P-6). */
	if (rc == IC_OK)
		rc = write_doc(req, dir, ic_site_page_file(req->arena, c->page),
		               &page, false, errbuf);
	if (rc == IC_OK &&
	    c->page == ic_site_page_of(c->conv.out_seq, c->conv.page_size))
		rc = write_doc(req, dir, IC_SITE_STUB_FILE, &page, true,
		               errbuf);
	return rc;
}

/*
 * Every page that holds a message not yet published is rewritten, not
 * just the newest: two sends racing over a page boundary, or a publish
 * that failed, would otherwise leave a message on no page at all.
 */
static enum ic_err publish(struct ic_req *req, const char *conv_id, bool all,
                           char *errbuf)
{
	struct page_ctx c;
	struct published_ctx done = {req, conv_id, 0};
	struct ic_store *st;
	char *dir = ic_site_feed_dir(req->arena, &req->cfg, conv_id);
	long long first, newest;
	int lock;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc != IC_OK)
		return rc;
	if (dir == NULL)
		return IC_ERR_NOMEM;
	rc = ic_file_mkdirs(dir, 0700, errbuf);
	if (rc != IC_OK)
		return rc;
	lock = lock_feed_dir(dir, errbuf);
	if (lock < 0)
		return IC_ERR_IO;
	rc = write_page(req, st, dir, conv_id, 0, &c, errbuf);
	newest = c.page;
	done.seq = c.conv.out_seq;
	first = all ? 1
	            : ic_site_page_of(c.conv.published_seq + 1,
	                              c.conv.page_size);
	for (long long n = first < 1 ? 1 : first; rc == IC_OK && n < newest;
	     n++)
		rc = write_page(req, st, dir, conv_id, n, &c, errbuf);
	if (rc == IC_OK)
		rc = ic_store_update(st, published_txn, &done, errbuf);
	close(lock);
	return rc;
}

enum ic_err ic_outbox_publish(struct ic_req *req, const char *conv_id,
                              char *errbuf)
{
	return publish(req, conv_id, false, errbuf);
}

struct list_ctx {
	struct ic_req *req;
	struct ic_conv *convs;
	size_t n;
};

static enum ic_err list_txn(struct ic_store_txn *t, void *p)
{
	struct list_ctx *c = p;

	return ic_store_conv_list_in_txn(t, c->req->arena, &c->convs, &c->n);
}

/* A conversation has a feed once we invited or accepted them (handshake.c
 * publishes then) or sent them something; a message request we never
 * answered, or declined, has none and gets none. */
static bool has_feed(const struct ic_conv *c)
{
	return c->out_seq > 0 ||
	       (c->state != IC_CONV_REQUEST && c->state != IC_CONV_DECLINED);
}

enum ic_err ic_outbox_republish_all(struct ic_req *req, size_t *done,
                                    char *errbuf)
{
	struct list_ctx c = {req, NULL, 0};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	*done = 0;
	if (rc == IC_OK)
		rc = ic_store_view(st, list_txn, &c, errbuf);
	for (size_t i = 0; rc == IC_OK && i < c.n; i++) {
		if (!has_feed(&c.convs[i]))
			continue;
		rc = publish(req, c.convs[i].id, true, errbuf);
		if (rc == IC_OK)
			(*done)++;
	}
	return rc;
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
