/*
 * websub_hub.c - verification of intent and fan-out (see the header).
 */
#include "websub/websub_hub.h"

#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/file.h"
#include "net/fetch.h"
#include "text/form.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "cgi/site.h"
#include "indieauth/token_check.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_sub.h"
#include "websub/websub_hub_endpoint.h"

static void deliver_current(struct ic_req *req, const struct ic_hub_sub *s,
                            const struct ic_conv *conv, bool reads);

/*
 * Whether the token whose hash @p token a subscriber showed still reads
 * @p topic (ic_token_reads(): a revoked, expired or dropped token does
 * not, and a refresh drops the older one, TS-5); NULL reads nothing.
 */
static enum ic_err token_reads(struct ic_store_txn *t, struct ic_req *req,
                               const char *topic, const char *token,
                               bool *reads)
{
	struct ic_issued_token tok = {0};
	enum ic_err rc;

	*reads = false;
	if (token == NULL)
		return IC_OK;
	rc = ic_store_issued_get_in_txn(t, req->arena, token, &tok);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc == IC_OK)
		*reads = ic_token_reads(
		        &tok, ic_site_topic_url(req->arena, &req->cfg, topic),
		        (long long)time(NULL));
	return rc;
}

/* --- Verification of intent ------------------------------------------- */

struct verify_ctx {
	struct ic_req *req;
	const char *topic, *callback;
	struct ic_hub_sub sub;
	const char *mode; /* the request verified, as it was read */
	long long requested, now;
	bool confirmed, found;
	bool missed; /* it became active after a publish it was not sent */
	struct ic_conv conv; /* the topic's conversation, when missed */
	bool reads;          /* and its token still reads it */
};

static enum ic_err load_txn(struct ic_store_txn *t, void *p)
{
	struct verify_ctx *c = p;
	enum ic_err rc = ic_store_hub_sub_get_in_txn(t, c->req->arena, c->topic,
	                                             c->callback, &c->sub);

	c->found = rc == IC_OK;
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

/* Settle the request, unless a newer one replaced it meanwhile. */
static enum ic_err settle_txn(struct ic_store_txn *t, void *p)
{
	struct verify_ctx *c = p;
	struct ic_arena *a = c->req->arena;
	struct ic_hub_sub s;
	enum ic_err rc =
	        ic_store_hub_sub_get_in_txn(t, a, c->topic, c->callback, &s);

	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc || s.mode == NULL || strcmp(s.mode, c->mode) != 0 ||
	    s.requested != c->requested)
		return rc;
	if (c->confirmed && strcmp(c->mode, "unsubscribe") == 0)
		return ic_store_hub_sub_del_in_txn(t, a, c->topic, c->callback);
	if (!c->confirmed && s.state != IC_SUB_ACTIVE)
		return ic_store_hub_sub_del_in_txn(t, a, c->topic, c->callback);
	if (c->confirmed && s.state != IC_SUB_ACTIVE) {
		rc = ic_store_conv_get_in_txn(t, a, c->topic, &c->conv);
		if (rc != IC_OK && rc != IC_ERR_NOT_FOUND)
			return rc;
		c->missed = rc == IC_OK && c->conv.revision != s.topic_rev;
		rc = c->missed ? token_reads(t, c->req, c->topic,
		                             s.pending_token, &c->reads)
		               : IC_OK;
		if (rc != IC_OK)
			return rc;
	}
	if (c->confirmed) {
		s.state = IC_SUB_ACTIVE;
		s.secret = s.pending_secret;
		s.token = s.pending_token;
		s.expires =
		        c->now + (s.lease > 0 ? s.lease : IC_HUB_LEASE_DEFAULT);
	}
	s.mode = NULL;
	s.pending_secret = NULL;
	s.pending_token = NULL;
	return ic_store_hub_sub_put_in_txn(t, a, &s);
}

/* The callback URL with the hub.* parameters added to its query. */
static char *verify_url(struct ic_req *req, const struct verify_ctx *c,
                        const char *challenge)
{
	struct ic_buf q = IC_BUF_INIT(IC_MAX_URL_BYTES * 2);
	char lease[24];
	char *url = NULL;

	snprintf(lease, sizeof(lease), "%lld",
	         c->sub.lease > 0 ? c->sub.lease : IC_HUB_LEASE_DEFAULT);
	if (ic_form_add(&q, "hub.mode", c->mode) == IC_OK &&
	    ic_form_add(&q, "hub.topic",
	                ic_site_topic_url(req->arena, &req->cfg, c->topic)) ==
	            IC_OK &&
	    ic_form_add(&q, "hub.challenge", challenge) == IC_OK &&
	    (strcmp(c->mode, "unsubscribe") == 0 ||
	     ic_form_add(&q, "hub.lease_seconds", lease) == IC_OK))
		url = ic_arena_printf(req->arena, "%s%c%s", c->callback,
		                      strchr(c->callback, '?') ? '&' : '?',
		                      q.buf);
	ic_buf_release(&q);
	return url;
}

enum ic_err ic_websub_hub_verify_job(struct ic_req *req, const char *id)
{
	struct verify_ctx c = {0};
	struct ic_fetch_req f = {0};
	struct ic_fetch_result res;
	struct ic_store *st;
	char *challenge;
	enum ic_err rc;

	c.req = req;
	c.now = time(NULL);
	if (ic_websub_hub_job_parse(req->arena, id, &c.topic, &c.callback) !=
	    IC_OK)
		return IC_OK; /* not ours to retry: a malformed job */
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, load_txn, &c, req->errbuf);
	if (rc != IC_OK || !c.found || c.sub.mode == NULL)
		return rc;
	c.mode = c.sub.mode;
	c.requested = c.sub.requested;
	if (c.requested + IC_HUB_PENDING_SECONDS >= c.now) {
		rc = ic_crypto_random_id(req->arena, IC_SITE_ID_BYTES,
		                         &challenge, req->errbuf);
		if (rc != IC_OK)
			return rc;
		f.method = "GET";
		f.url = verify_url(req, &c, challenge);
		f.max_bytes = IC_HUB_VERIFY_MAX_BYTES;
		f.max_redirects = -1; /* the callback answers itself */
		f.dev_mode = req->cfg.dev_mode;
		if (f.url == NULL)
			return IC_ERR_NOMEM;
		rc = ic_fetch(req->arena, &f, &res, req->errbuf);
		/* Unreachable: retried by lazy maintenance until it expires. */
		if (rc == IC_ERR_NETWORK)
			return rc;
		c.confirmed = rc == IC_OK && res.status >= 200 &&
		              res.status <= 299 &&
		              res.body_len == strlen(challenge) &&
		              memcmp(res.body, challenge, res.body_len) == 0;
	}
	ic_log(c.confirmed ? IC_LOG_INFO : IC_LOG_WARN,
	       "hub: %s of %s by %s %s", c.mode, c.topic, c.callback,
	       c.confirmed ? "verified" : "not confirmed");
	rc = ic_store_update(st, settle_txn, &c, req->errbuf);
	if (rc == IC_OK && c.missed) {
		c.sub.topic = c.topic;
		c.sub.callback = c.callback;
		c.sub.secret = c.sub.pending_secret;
		c.sub.token = c.sub.pending_token;
		deliver_current(req, &c.sub, &c.conv, c.reads);
	}
	return rc;
}

/* --- Fan-out ------------------------------------------------------------ */

/* What a delivery carries: the stub for everyone; the newest private page
 * for subscribers that proved they are the correspondent. */
struct content {
	char *stub, *page;
	size_t stub_len, page_len;
	long long published; /* the conversation's published_seq then */
};

struct list_ctx {
	struct ic_req *req;
	const char *topic;
	struct ic_hub_sub *subs;
	bool *reads; /* [n]: the subscriber's token still reads the topic */
	size_t n;
	struct ic_conv conv;
	bool has_conv;
};

static enum ic_err list_txn(struct ic_store_txn *t, void *p)
{
	struct list_ctx *c = p;
	enum ic_err rc =
	        ic_store_conv_get_in_txn(t, c->req->arena, c->topic, &c->conv);

	if (rc != IC_OK && rc != IC_ERR_NOT_FOUND)
		return rc;
	c->has_conv = rc == IC_OK;
	rc = ic_store_hub_sub_list_in_txn(t, c->req->arena, c->topic, &c->subs,
	                                  &c->n);
	if (rc != IC_OK || c->n == 0)
		return rc;
	c->reads = ic_arena_calloc(c->req->arena, c->n, sizeof(*c->reads));
	if (c->reads == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; rc == IC_OK && i < c->n; i++)
		rc = token_reads(t, c->req, c->topic, c->subs[i].token,
		                 &c->reads[i]);
	return rc;
}

struct drop_ctx {
	struct ic_req *req;
	const char *topic, *callback;
};

static enum ic_err drop_txn(struct ic_store_txn *t, void *p)
{
	struct drop_ctx *c = p;
	enum ic_err rc = ic_store_hub_sub_del_in_txn(t, c->req->arena, c->topic,
	                                             c->callback);

	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

/* The correspondent still reads this conversation (as `feed` would
 * answer their token: tokens go with a block, decline or revocation). */
static bool may_read(const struct ic_conv *conv)
{
	return !ic_conv_closed(conv->state) && !conv->access_revoked;
}

/* Read the stub, and the newest page when @p conv lets its reader have
 * it; files are replaced by rename(), so each read is one whole version.
 * The stub is required, the page is not (no page: the stub goes). */
static enum ic_err read_content(struct ic_req *req, const char *topic,
                                const struct ic_conv *conv, struct content *out,
                                char *errbuf)
{
	const char *dir = ic_site_feed_dir(req->arena, &req->cfg, topic);
	char *path;
	enum ic_err rc;

	memset(out, 0, sizeof(*out));
	path = dir ? ic_arena_printf(req->arena, "%s/%s", dir,
	                             IC_SITE_STUB_FILE)
	           : NULL;
	if (path == NULL)
		return IC_ERR_NOMEM;
	rc = ic_file_read(req->arena, path, IC_MAX_RESPONSE_BYTES, &out->stub,
	                  &out->stub_len, errbuf);
	if (rc != IC_OK || conv == NULL || !may_read(conv))
		return rc;
	out->published = conv->published_seq;
	path = ic_arena_printf(
	        req->arena, "%s/%s", dir,
	        ic_site_page_file(
	                req->arena,
	                ic_site_page_of(conv->out_seq, conv->page_size)));
	if (path == NULL ||
	    ic_file_read(req->arena, path, IC_MAX_DELIVERY_BYTES, &out->page,
	                 &out->page_len, errbuf) != IC_OK)
		out->page = NULL;
	return IC_OK;
}

/* One signed POST; @return the HTTP status, 0 when unreachable. */
static long deliver(struct ic_req *req, const struct ic_hub_sub *s,
                    const char *body, size_t len, const char *content_type,
                    const char *links)
{
	struct ic_fetch_header h[2] = {{"Link", links}, {NULL, NULL}};
	struct ic_fetch_req f = {0};
	struct ic_fetch_result res;
	char *sig;
	char errbuf[IC_ERRBUF_SIZE];

	f.method = "POST";
	f.url = s->callback;
	f.body = body;
	f.body_len = len;
	f.content_type = content_type;
	f.headers = h;
	f.nheaders = 1;
	f.max_bytes = IC_HUB_VERIFY_MAX_BYTES;
	f.max_redirects = -1; /* a 3xx is a failure (WebSub §7) */
	f.dev_mode = req->cfg.dev_mode;
	f.timeout_ms = ic_req_net_timeout_ms(req);
	if (s->secret && *s->secret) {
		if (ic_crypto_hub_signature(req->arena, s->secret,
		                            strlen(s->secret), body, len, &sig,
		                            errbuf) != IC_OK)
			return 0;
		h[1].name = "X-Hub-Signature";
		h[1].value = sig;
		f.nheaders = 2;
	}
	if (ic_fetch(req->arena, &f, &res, errbuf) != IC_OK) {
		ic_log(IC_LOG_WARN, "hub: delivery to %s failed: %s",
		       s->callback, errbuf);
		return 0;
	}
	return res.status;
}

/* The Link header of a delivery: our hub and the topic (WS-P-1). */
static char *delivery_links(struct ic_req *req, const char *topic_id)
{
	return ic_arena_printf(
	        req->arena, "<%s>; rel=\"hub\", <%s>; rel=\"self\"",
	        ic_site_hub_url(req->arena, &req->cfg),
	        ic_site_topic_url(req->arena, &req->cfg, topic_id));
}

/* One subscriber's delivery: the private page to the correspondent whose
 * token still @p reads it, else the stub.  @return the HTTP status, 0
 * when unreachable. */
static long deliver_to(struct ic_req *req, const struct ic_hub_sub *s,
                       bool reads, const struct content *c, const char *links,
                       bool *privately)
{
	*privately = reads && c->page != NULL;
	if (*privately)
		return deliver(req, s, c->page, c->page_len,
		               IC_HUB_CONTENT_TYPE, links);
	return deliver(req, s, c->stub, c->stub_len, IC_HUB_CONTENT_TYPE,
	               links);
}

/*
 * A publish while a new subscription waited for its verification reached
 * no one: fan-out sends to active subscribers only, and the subscriber's
 * own first fetch (TR-10, after our 202) may have come before it.  The
 * message would wait for the subscriber's next poll.  So the topic as it
 * is now goes to it once it is active.  Failure is only logged: the poll
 * still catches up.
 */
static void deliver_current(struct ic_req *req, const struct ic_hub_sub *s,
                            const struct ic_conv *conv, bool reads)
{
	struct content c;
	char *links = delivery_links(req, s->topic);
	char errbuf[IC_ERRBUF_SIZE];
	bool privately;
	long status;

	if (links == NULL || read_content(req, s->topic, conv, &c, errbuf))
		return; /* no stub yet: nothing was published to miss */
	status = deliver_to(req, s, reads, &c, links, &privately);
	ic_log(status >= 200 && status <= 299 ? IC_LOG_INFO : IC_LOG_WARN,
	       "hub: current %s delivered to %s: %ld", s->topic, s->callback,
	       status);
}

enum ic_err ic_websub_hub_publish(struct ic_req *req, const char *topic_id,
                                  struct ic_hub_counts *out, char *errbuf)
{
	struct list_ctx c = {0};
	struct content content;
	struct ic_store *st;
	long long now = time(NULL);
	char *links;
	enum ic_err rc;

	memset(out, 0, sizeof(*out));
	c.req = req;
	c.topic = topic_id;
	links = delivery_links(req, topic_id);
	if (links == NULL)
		return IC_ERR_NOMEM;
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, list_txn, &c, errbuf);
	if (rc == IC_OK)
		rc = read_content(req, topic_id, c.has_conv ? &c.conv : NULL,
		                  &content, errbuf);
	if (rc != IC_OK)
		return rc;
	out->published = content.published;
	for (size_t i = 0; i < c.n; i++) {
		struct drop_ctx d = {req, topic_id, c.subs[i].callback};
		bool privately;
		long status;

		if (c.subs[i].expires && c.subs[i].expires < now)
			continue; /* the lease ran out: no more deliveries */
		status = deliver_to(req, &c.subs[i], c.reads[i], &content,
		                    links, &privately);
		if (status >= 200 && status <= 299) {
			out->delivered++;
			out->privately += privately;
		} else if (status == 410) {
			ic_log(IC_LOG_INFO, "hub: %s is gone, dropped",
			       c.subs[i].callback);
			rc = ic_store_update(st, drop_txn, &d, errbuf);
			if (rc != IC_OK)
				return rc;
		} else {
			out->failed++;
		}
	}
	return IC_OK;
}
