/*
 * feed_pages.c - writing our feed pages and stubs from LMDB, and making
 * them whole after a power loss (see feed_pages.h).
 */
#include "feed/feed_pages.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "cgi/site.h"
#include "core/boot.h"
#include "core/file.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "mf2/mf2_publish.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_msg.h"

static enum ic_err pages_ready(struct ic_req *req, bool *whole, char *errbuf);

struct page_ctx {
	struct ic_req *req;
	const char *conv_id;
	struct ic_conv conv;
	struct ic_msg *msgs;
	size_t n;
	long long page;      /* 0: the newest; set to the page read */
	const char **quotes; /* per message: its reply target's first words */
};

static int cmp_seq(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

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

/*
 * Issue 15: the newest page also carries the entries of our messages on
 * older pages that changed lately (store_conv.h carry): the same u-uid
 * with its newer dt-updated or dt-deleted, after the page's own entries.
 * A receiver that reads only the newest page applies the change by its
 * rule (newer dt-updated wins, the same changes nothing); a foreign
 * reader that de-duplicates by u-uid shows the message once.  The page
 * stays whole: its own entries are all there, the carried ones extra.
 * @p first is the page's first seq; the carried ones go in front of
 * @p c->msgs (oldest first there, so the page lists them last).
 */
static enum ic_err carry_txn(struct ic_store_txn *t, struct page_ctx *c,
                             long long first)
{
	long long seqs[IC_FEED_CARRY_MAX];
	size_t k = 0;
	struct ic_msg *all;

	for (size_t i = 0; i < c->conv.ncarry; i++)
		if (c->conv.carry[i] < first)
			seqs[k++] = c->conv.carry[i];
	if (k == 0)
		return IC_OK;
	qsort(seqs, k, sizeof(seqs[0]), cmp_seq);
	all = ic_arena_calloc(c->req->arena, k + c->n, sizeof(*all));
	if (all == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < k; i++) {
		struct ic_msg *one = NULL;
		size_t got = 0;
		enum ic_err rc = ic_store_msg_range_in_txn(
		        t, c->req->arena, c->conv_id, 'o', seqs[i], seqs[i],
		        &one, &got);

		if (rc != IC_OK)
			return rc;
		if (got == 1)
			all[i] = one[0];
		else
			k = i; /* gone (a restore may surprise): stop here */
	}
	if (c->n)
		memcpy(all + k, c->msgs, c->n * sizeof(*all));
	c->msgs = all;
	c->n += k;
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
	if (rc == IC_OK && c->page == newest)
		rc = carry_txn(t, c, first);
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
		e[i].updated = (time_t)m->updated;
		e[i].deleted = m->deleted;
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
	 * tell every hub how many messages were sent: a random marker
	 * (getrandom: `feed` repairs pages too, and links no libcrypto). */
	if (getrandom(&p->revision, sizeof(p->revision), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(p->revision))
		p->revision = (unsigned long)c->conv.revision;
	p->updated =
	        (time_t)(c->conv.updated ? c->conv.updated : c->conv.created);
	if (p->topic_url == NULL || p->hub_url == NULL || p->name == NULL ||
	    p->owner.name == NULL)
		return IC_ERR_NOMEM;
	return IC_OK;
}

/* @p durable: fsync'd, as after a power loss (see ic_outbox_pages_ready);
 * else the page cache's copy, which a killed process cannot tear. */
static enum ic_err write_doc(const char *dir, const char *name,
                             const struct ic_feed_page *p, bool stub,
                             bool durable, char *errbuf)
{
	struct ic_buf out = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	enum ic_err rc = stub ? ic_mf2_publish_stub(&out, p, errbuf)
	                      : ic_mf2_publish_page(&out, p, errbuf);

	if (rc == IC_OK && durable)
		rc = ic_file_write_atomic(dir, name, out.buf, out.len, errbuf);
	else if (rc == IC_OK)
		rc = ic_file_write_derived(dir, name, out.buf, out.len, errbuf);
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
                              bool durable, struct page_ctx *c, char *errbuf)
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
		rc = write_doc(dir, ic_site_page_file(req->arena, c->page),
		               &page, false, durable, errbuf);
	if (rc == IC_OK &&
	    c->page == ic_site_page_of(c->conv.out_seq, c->conv.page_size))
		rc = write_doc(dir, IC_SITE_STUB_FILE, &page, true, durable,
		               errbuf);
	return rc;
}

/*
 * Every page that holds a message not yet published is rewritten, not
 * just the newest: two sends racing over a page boundary, or a publish
 * that failed, would otherwise leave a message on no page at all.
 */
static enum ic_err publish(struct ic_req *req, const char *conv_id, bool all,
                           bool durable, char *errbuf)
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
	rc = write_page(req, st, dir, conv_id, 0, durable, &c, errbuf);
	newest = c.page;
	done.seq = c.conv.out_seq;
	first = all ? 1
	            : ic_site_page_of(c.conv.published_seq + 1,
	                              c.conv.page_size);
	for (long long n = first < 1 ? 1 : first; rc == IC_OK && n < newest;
	     n++)
		rc = write_page(req, st, dir, conv_id, n, durable, &c, errbuf);
	if (rc == IC_OK)
		rc = ic_store_update(st, published_txn, &done, errbuf);
	close(lock);
	return rc;
}

enum ic_err ic_feed_pages_publish(struct ic_req *req, const char *conv_id,
                                  char *errbuf)
{
	bool whole;
	enum ic_err rc = pages_ready(req, &whole, errbuf);

	return rc ? rc : publish(req, conv_id, false, !whole, errbuf);
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

/* Every conversation's every page, fsync'd when @p durable. */
static enum ic_err publish_all(struct ic_req *req, bool durable, size_t *done,
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
		rc = publish(req, c.convs[i].id, true, durable, errbuf);
		if (rc == IC_OK)
			(*done)++;
	}
	return rc;
}

enum ic_err ic_feed_pages_republish_all(struct ic_req *req, size_t *done,
                                        char *errbuf)
{
	bool whole;
	enum ic_err rc = pages_ready(req, &whole, errbuf);

	*done = 0;
	return rc ? rc : publish_all(req, !whole, done, errbuf);
}

/*
 * The pages of an earlier boot may have been torn by the power loss or
 * crash that ended it (core/boot.h): write them all again, durably, under
 * a lock of the whole site's pages so that only one request does it, then
 * stamp this boot.  A publish that read the stamp as current writes its
 * page without fsync; one of the earlier boot waits for the lock.
 */
static enum ic_err repair_pages(struct ic_req *req, char *errbuf)
{
	const char *dir = req->cfg.data_dir;
	size_t n = 0;
	int lock = lock_feed_dir(dir, errbuf);
	enum ic_err rc = IC_OK;

	if (lock < 0)
		return IC_ERR_IO;
	if (!ic_boot_stamp_is_current(dir, IC_SITE_PAGES_STAMP)) {
		rc = publish_all(req, true, &n, errbuf);
		if (rc == IC_OK)
			rc = ic_boot_stamp_write(dir, IC_SITE_PAGES_STAMP,
			                         errbuf);
		if (rc == IC_OK && n > 0)
			ic_log(IC_LOG_INFO,
			       "feed pages of an earlier boot written again "
			       "from the store: %zu conversation(s)",
			       n);
	}
	close(lock);
	return rc;
}

static enum ic_err pages_ready(struct ic_req *req, bool *whole, char *errbuf)
{
	char id[IC_BOOT_ID_SIZE];
	enum ic_err rc;

	*whole = false;
	if (!ic_boot_id(id)) /* no way to tell: every page is fsync'd */
		return IC_OK;
	if (ic_boot_stamp_is_current(req->cfg.data_dir, IC_SITE_PAGES_STAMP)) {
		*whole = true;
		return IC_OK;
	}
	rc = repair_pages(req, errbuf);
	*whole = rc == IC_OK;
	return rc;
}

enum ic_err ic_feed_pages_ready(struct ic_req *req)
{
	bool whole;

	return pages_ready(req, &whole, req->errbuf);
}
