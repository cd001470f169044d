/*
 * websub_subscriber.c - subscribing, the callback, renewal (see the
 * header; STANDARDS.md §2).
 */
#include "websub/websub_subscriber.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "store/due.h"
#include "text/form.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "net/peer.h"
#include "feed/receive.h"
#include "feed/receive_attach.h"
#include "cgi/program.h"
#include "cgi/site.h"
#include "store/conv_state.h"
#include "store/store_conv.h"
#include "store/store_notify.h"
#include "store/store_sub.h"
#include "store/store_token.h"
#include "text/url.h"

/* --- Subscribing ------------------------------------------------------ */

struct sub_ctx {
	struct ic_req *req;
	struct ic_sub sub;
	const char *retire; /* unsubscribe: the id to mark gone */
	const char *bearer; /* subscribe at their own hub: our token */
};

static enum ic_err held_txn(struct ic_store_txn *t, void *p)
{
	struct sub_ctx *c = p;
	struct ic_held_token h;
	enum ic_err rc =
	        ic_store_held_get_in_txn(t, c->req->arena, c->sub.conv, &h);

	if (rc == IC_OK)
		c->bearer = h.access_token;
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

/*
 * Issue 13: at their own hub (the origin of their feed: a hub elsewhere
 * is a third party, which must see neither our token nor, signing with
 * our secret, be able to put words in their mouth) we show our token;
 * an IndieChat hub then sends us their private page, and a delivery
 * needs no fetch.  Any other hub ignores the header.
 */
static enum ic_err their_own_hub(struct ic_req *req, struct sub_ctx *c,
                                 const char *resource, char *errbuf)
{
	struct ic_store *st;
	enum ic_err rc;

	if (!ic_url_same_origin(c->sub.hub, resource) ||
	    !ic_url_same_origin(c->sub.topic, resource))
		return IC_OK;
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, held_txn, c, errbuf);
	c->sub.private_feed = rc == IC_OK && c->bearer != NULL;
	return rc;
}

static enum ic_err put_pending_txn(struct ic_store_txn *t, void *p)
{
	struct sub_ctx *c = p;

	return ic_store_sub_put_in_txn(t, c->req->arena, &c->sub);
}

/* WS-S-1, WS-S-3, WS-S-5: hub and self of the topic, headers first. */
static enum ic_err discover_hub(struct ic_req *req, const char *resource,
                                const char **hub, const char **self,
                                char *errbuf)
{
	struct ic_fetch_result res;
	struct ic_discovery d;
	enum ic_err rc = ic_peer_get(req, resource, NULL,
	                             IC_MAX_FETCH_FEED_BYTES, &res, &d, errbuf);

	if (rc != IC_OK)
		return rc;
	*hub = ic_discover_find(&d, "hub");
	*self = ic_discover_find(&d, "self");
	if (*hub == NULL)
		return ic_fail(errbuf, IC_ERR_NOT_FOUND,
		               "%s advertises no WebSub hub", resource);
	if (*self == NULL)
		*self = res.final_url ? res.final_url : resource;
	return IC_OK;
}

/* WS-S-8, WS-S-14: the (un)subscribe POST, form-encoded. */
static enum ic_err hub_request(struct ic_req *req, const struct ic_sub *s,
                               const char *mode, const char *bearer,
                               char *errbuf)
{
	struct ic_buf form = IC_BUF_INIT(IC_MAX_BODY_BYTES);
	char lease[24];
	struct ic_fetch_req f = {0};
	struct ic_fetch_result res;
	enum ic_err rc;

	snprintf(lease, sizeof(lease), "%d", IC_WEBSUB_LEASE_SECONDS);
	if ((rc = ic_form_add(&form, "hub.mode", mode)) != IC_OK ||
	    (rc = ic_form_add(&form, "hub.topic", s->topic)) != IC_OK ||
	    (rc = ic_form_add(&form, "hub.callback",
	                      ic_site_callback_url(req->arena, &req->cfg,
	                                           s->id))) != IC_OK ||
	    (strcmp(mode, "subscribe") == 0 &&
	     ((rc = ic_form_add(&form, "hub.secret", s->secret)) != IC_OK ||
	      (rc = ic_form_add(&form, "hub.lease_seconds", lease)) !=
	              IC_OK))) {
		ic_buf_release(&form);
		return ic_fail(errbuf, rc, "building the hub request");
	}
	f.url = s->hub;
	f.bearer = bearer;
	f.body = form.buf;
	f.body_len = form.len;
	f.dev_mode = req->cfg.dev_mode;
	rc = ic_fetch(req->arena, &f, &res, errbuf);
	ic_buf_release(&form);
	if (rc != IC_OK)
		return rc;
	/* WS-S-12: 202 is the answer; any 2xx will do in practice. */
	if (res.status < 200 || res.status > 299)
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "hub %s refused %s (HTTP %ld): %.200s", s->hub,
		               mode, res.status, res.body ? res.body : "");
	return IC_OK;
}

enum ic_err ic_websub_subscribe(struct ic_req *req, const char *conv_id,
                                const char *resource, char *errbuf)
{
	struct sub_ctx c = {req, {0}, NULL, NULL};
	unsigned char raw[32];
	char *id, *secret;
	struct ic_store *st;
	enum ic_err rc;

	rc = discover_hub(req, resource, &c.sub.hub, &c.sub.topic, errbuf);
	if (rc == IC_OK)
		rc = ic_crypto_random_id(req->arena, IC_SITE_ID_BYTES, &id,
		                         errbuf);
	/* WS-S-10: 32 random bytes as 64 hex digits, under 200 bytes. */
	if (rc == IC_OK)
		rc = ic_crypto_random(raw, sizeof(raw), errbuf);
	if (rc != IC_OK)
		return rc;
	secret = ic_arena_alloc(req->arena, 2 * sizeof(raw) + 1);
	if (secret == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(secret + 2 * i, 3, "%02x", raw[i]);
	c.sub.id = id;
	c.sub.conv = conv_id;
	c.sub.secret = secret;
	c.sub.mode = "subscribe";
	c.sub.state = IC_SUB_PENDING;
	c.sub.requested = time(NULL);
	rc = their_own_hub(req, &c, resource, errbuf);
	if (rc != IC_OK)
		return rc;
	/* WS-S-13: committed before the POST; the hub verifies inside it. */
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, put_pending_txn, &c, errbuf);
	if (rc != IC_OK)
		return rc;
	rc = hub_request(req, &c.sub, "subscribe", c.bearer, errbuf);
	if (rc == IC_OK)
		ic_log(IC_LOG_INFO, "subscribing to %s at %s", c.sub.topic,
		       c.sub.hub);
	return rc;
}

static enum ic_err retire_txn(struct ic_store_txn *t, void *p)
{
	struct sub_ctx *c = p;
	enum ic_err rc =
	        ic_store_sub_get_in_txn(t, c->req->arena, c->retire, &c->sub);

	if (rc != IC_OK)
		return rc;
	c->sub.state = IC_SUB_GONE;
	c->sub.mode = "unsubscribe";
	c->sub.requested = time(NULL);
	return ic_store_sub_put_in_txn(t, c->req->arena, &c->sub);
}

enum ic_err ic_websub_unsubscribe(struct ic_req *req, const char *sub_id,
                                  char *errbuf)
{
	struct sub_ctx c = {req, {0}, sub_id, NULL};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_update(st, retire_txn, &c, errbuf);
	if (rc != IC_OK)
		return rc;
	return hub_request(req, &c.sub, "unsubscribe", NULL, errbuf);
}

enum ic_err ic_websub_publish_external(struct ic_req *req,
                                       const char *topic_url, char *errbuf)
{
	struct ic_buf form = IC_BUF_INIT(IC_MAX_BODY_BYTES);
	struct ic_fetch_req f = {0};
	struct ic_fetch_result res;
	enum ic_err rc;

	/* WS-P-5: Switchboard and websub.rocks read either name. */
	if ((rc = ic_form_add(&form, "hub.mode", "publish")) != IC_OK ||
	    (rc = ic_form_add(&form, "hub.url", topic_url)) != IC_OK ||
	    (rc = ic_form_add(&form, "hub.topic", topic_url)) != IC_OK) {
		ic_buf_release(&form);
		return ic_fail(errbuf, rc, "building the publish request");
	}
	f.url = req->cfg.hub;
	f.body = form.buf;
	f.body_len = form.len;
	f.dev_mode = req->cfg.dev_mode;
	f.timeout_ms = ic_req_net_timeout_ms(req);
	rc = ic_fetch(req->arena, &f, &res, errbuf);
	ic_buf_release(&form);
	if (rc == IC_OK && (res.status < 200 || res.status > 299))
		rc = ic_fail(errbuf, IC_ERR_PROTOCOL,
		             "hub %s refused the publish ping (HTTP %ld)",
		             req->cfg.hub, res.status);
	return rc;
}

/* --- The callback: verification of intent ---------------------------- */

struct verify_ctx {
	struct ic_req *req;
	const char *id, *mode, *topic, *reason;
	long long lease, now;
	bool matched;
};

/* WS-S-9, WS-S-14: once a renewal is verified the older callbacks of the
 * conversation are retired, and an "unsubscribe" job tells the hub so
 * (after this answer: no network I/O inside the transaction); a hub that
 * misses it drops them at their next 410. */
static enum ic_err retire_older_txn(struct ic_store_txn *t,
                                    struct verify_ctx *c,
                                    const struct ic_sub *keep)
{
	struct ic_sub *subs;
	size_t n;
	enum ic_err rc = ic_store_sub_by_conv_in_txn(t, c->req->arena,
	                                             keep->conv, &subs, &n);

	for (size_t i = 0; rc == IC_OK && i < n; i++) {
		if (strcmp(subs[i].id, keep->id) == 0 ||
		    subs[i].state == IC_SUB_GONE)
			continue;
		subs[i].state = IC_SUB_GONE;
		rc = ic_store_sub_put_in_txn(t, c->req->arena, &subs[i]);
		if (rc == IC_OK)
			rc = ic_due_schedule_in_txn(
			        t, c->req->arena, IC_WEBSUB_UNSUBSCRIBE_JOB,
			        subs[i].id, c->now, 0, true);
	}
	return rc;
}

long long ic_websub_renew_in(long long lease)
{
	/* A quarter of the lease ahead of its end, at least a minute when
	 * the lease allows, never less than half of it: a lease of 60 s is
	 * renewed after 30 s, one of a day after 18 h (WS-S-18 MUST). */
	long long margin = lease / 4 > IC_WEBSUB_RENEW_MARGIN
	                           ? lease / 4
	                           : IC_WEBSUB_RENEW_MARGIN;

	if (margin > lease / 2)
		margin = lease / 2;
	if (margin < 1)
		margin = 1;
	return lease > margin ? lease - margin : 1;
}

static enum ic_err verify_txn(struct ic_store_txn *t, void *p)
{
	struct verify_ctx *c = p;
	struct ic_arena *a = c->req->arena;
	struct ic_sub s;
	long long renew;
	enum ic_err rc = ic_store_sub_get_in_txn(t, a, c->id, &s);

	c->matched = false;
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc != IC_OK || strcmp(s.topic, c->topic) != 0)
		return rc;
	if (strcmp(c->mode, "denied") == 0) {
		/* WS-S-20: can come at any time; stop renewing.  Issue 16:
		 * the owner hears of it once, when it begins. */
		bool news = s.state != IC_SUB_DENIED;

		s.state = IC_SUB_DENIED;
		c->matched = true;
		ic_due_cancel_in_txn(t, a, "renew", s.conv);
		rc = ic_store_sub_put_in_txn(t, a, &s);
		if (rc == IC_OK && news)
			rc = ic_store_notify_problem_in_txn(
			        t, a, s.conv, ic_config_notify_on(&c->req->cfg),
			        c->now);
		return rc;
	}
	/* WS-S-15, WS-S-21: only a pending request we made, still fresh. */
	if (s.mode == NULL || strcmp(s.mode, c->mode) != 0 ||
	    s.requested + IC_WEBSUB_PENDING_SECONDS < c->now ||
	    (strcmp(c->mode, "subscribe") == 0 && s.state != IC_SUB_PENDING))
		return IC_OK;
	c->matched = true;
	s.mode = NULL;
	if (strcmp(c->mode, "unsubscribe") == 0) {
		s.state = IC_SUB_GONE;
		return ic_store_sub_put_in_txn(t, a, &s);
	}
	s.state = IC_SUB_ACTIVE;
	s.lease_expires = c->now + c->lease; /* WS-S-17 */
	rc = ic_store_sub_put_in_txn(t, a, &s);
	if (rc == IC_OK)
		rc = retire_older_txn(t, c, &s);
	/* WS-S-18: renew before the lease runs out, whatever its length. */
	renew = c->now + ic_websub_renew_in(c->lease);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(t, a, "renew", s.conv, renew, 0,
		                            false);
	return rc;
}

/* WS-S-19: printable ASCII only, bounded. */
static bool challenge_ok(const char *ch)
{
	size_t n = 0;

	for (; ch[n] != '\0'; n++)
		if (ch[n] < 0x21 || ch[n] > 0x7e ||
		    n >= IC_WEBSUB_MAX_CHALLENGE)
			return false;
	return n > 0;
}

static long long lease_of(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return IC_WEBSUB_DEFAULT_LEASE;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v <= 0)
		return IC_WEBSUB_DEFAULT_LEASE;
	return v > IC_WEBSUB_MAX_LEASE ? IC_WEBSUB_MAX_LEASE : v;
}

enum ic_err ic_websub_callback_get(struct ic_req *req)
{
	struct verify_ctx c = {req,
	                       ic_req_param(req, "id"),
	                       ic_form_get(&req->query, "hub.mode"),
	                       ic_form_get(&req->query, "hub.topic"),
	                       NULL,
	                       0,
	                       time(NULL),
	                       false};
	const char *challenge = ic_form_get(&req->query, "hub.challenge");
	struct ic_store *st;
	enum ic_err rc;

	if (c.mode == NULL || c.topic == NULL ||
	    (strcmp(c.mode, "subscribe") != 0 &&
	     strcmp(c.mode, "unsubscribe") != 0 &&
	     strcmp(c.mode, "denied") != 0))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "not a verification of intent");
	if (strcmp(c.mode, "denied") != 0 &&
	    (challenge == NULL || !challenge_ok(challenge)))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "hub.challenge missing or not printable ASCII");
	c.lease = lease_of(ic_form_get(&req->query, "hub.lease_seconds"));
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, verify_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	/* WS-S-16: anything we did not ask for is 404. */
	if (!c.matched)
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "no pending %s of that topic here", c.mode);
	if (strcmp(c.mode, "denied") == 0) {
		ic_log(IC_LOG_WARN, "hub denied the subscription to %s: %s",
		       c.topic,
		       ic_form_get(&req->query, "hub.reason")
		               ? ic_form_get(&req->query, "hub.reason")
		               : "no reason given");
		return ic_resp_text(req, 200, "");
	}
	ic_log(IC_LOG_INFO, "%s to %s verified", c.mode, c.topic);
	/* WS-S-15: exactly the challenge (ic_resp_text adds a newline);
	 * WS-S-19: as text that no browser sniffs into HTML. */
	req->resp.status = 200;
	req->resp.content_type = "text/plain; charset=utf-8";
	req->resp.nosniff = true;
	req->resp.cache_control = "no-store";
	return ic_buf_adds(&req->resp.body, challenge);
}

/* --- The callback: content delivery ---------------------------------- */

struct deliver_ctx {
	struct ic_req *req;
	const char *id;
	struct ic_sub sub;
	bool found;
};

static enum ic_err find_sub_txn(struct ic_store_txn *t, void *p)
{
	struct deliver_ctx *c = p;
	enum ic_err rc =
	        ic_store_sub_get_in_txn(t, c->req->arena, c->id, &c->sub);

	c->found = rc == IC_OK;
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

static enum ic_err fetch_due_txn(struct ic_store_txn *t, void *p)
{
	struct deliver_ctx *c = p;

	/* "Fetch due" survives a crash of the work after the response. */
	return ic_due_schedule_in_txn(t, c->req->arena, "fetch", c->sub.conv,
	                              time(NULL) + IC_RECEIVE_RETRY_SECONDS, 0,
	                              true);
}

static enum ic_err fetch_after(struct ic_req *req)
{
	const char *conv = req->after_ctx;

	return ic_websub_fetch_job(req, conv);
}

/*
 * Issue 13: a body counts only when signed by the hub of their own origin
 * that we gave our token (their_own_hub()); WS-S-25: the callback id, not
 * the Link header, says whose it is.  Read before the answer: it needs no
 * network, and a crash before the 2xx makes the hub deliver it again,
 * where a crash of the work after the response would leave it to the
 * next poll.
 * @param[out] whole  the page was stored on its own: nothing to fetch.
 */
static enum ic_err read_delivered(struct ic_req *req, const struct ic_sub *s,
                                  bool *whole)
{
	enum ic_err rc;

	*whole = false;
	if (!s->private_feed || s->secret == NULL || *s->secret == '\0' ||
	    req->body_len == 0)
		return IC_OK;
	rc = ic_receive_delivered(req, s->conv, req->body, req->body_len, whole,
	                          req->errbuf);
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

enum ic_err ic_websub_callback_post(struct ic_req *req)
{
	struct deliver_ctx c = {req, ic_req_param(req, "id"), {0}, false};
	struct ic_store *st;
	bool whole;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_view(st, find_sub_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	/* WS-S-26, WS-S-29: retired or never ours: the hub may drop it. */
	if (!c.found || c.sub.state == IC_SUB_GONE ||
	    c.sub.state == IC_SUB_DENIED)
		return ic_fail(req->errbuf, IC_ERR_GONE,
		               "no such subscription");
	if (c.sub.state != IC_SUB_ACTIVE)
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "subscription not verified yet");
	/* WS-S-23, WS-S-24: the raw body, constant time; 403 otherwise. */
	if (c.sub.secret && *c.sub.secret) {
		rc = ic_crypto_hub_signature_verify(
		        req->env.hub_signature, c.sub.secret,
		        strlen(c.sub.secret), req->body, req->body_len,
		        req->errbuf);
		if (rc != IC_OK) {
			ic_log(IC_LOG_WARN, "delivery to %s refused: %s",
			       c.sub.topic, req->errbuf);
			return rc;
		}
	}
	/* Another hub's delivery is the public stub: we fetch the page, and
	 * the child that will starts now (cgi/program.h). */
	if (!c.sub.private_feed)
		ic_program_after_early(req, fetch_after);
	rc = read_delivered(req, &c.sub, &whole);
	if (rc == IC_OK && !whole)
		rc = ic_store_update(st, fetch_due_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	/* WS-S-22, WS-S-27: acknowledge now, fetch after the response. */
	if (!whole) {
		req->after = fetch_after;
		req->after_ctx = ic_arena_strdup(req->arena, c.sub.conv);
	}
	return ic_resp_text(req, 202, "accepted\n");
}

/* --- Due jobs ----------------------------------------------------------- */

enum ic_err ic_websub_renew_job(struct ic_req *req, const char *conv_id)
{
	struct ic_conv conv;
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	if (rc == IC_OK)
		rc = ic_store_conv_get(st, req->arena, conv_id, &conv,
		                       req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK; /* the conversation is gone: nothing to renew */
	if (rc != IC_OK)
		return rc;
	if (conv.their_resource == NULL || !ic_conv_may_receive(conv.state))
		return IC_OK;
	return ic_websub_subscribe(req, conv_id, conv.their_resource,
	                           req->errbuf);
}

enum ic_err ic_websub_unsubscribe_job(struct ic_req *req, const char *sub_id)
{
	enum ic_err rc = ic_websub_unsubscribe(req, sub_id, req->errbuf);

	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK; /* forgotten meanwhile: nothing to tell */
	if (rc == IC_ERR_PROTOCOL) {
		/* The hub refused: it will drop the callback at its 410. */
		ic_log(IC_LOG_INFO, "%s", req->errbuf);
		return IC_OK;
	}
	return rc;
}

enum ic_err ic_websub_fetch_job(struct ic_req *req, const char *conv_id)
{
	enum ic_err rc = ic_receive_fetch(req, conv_id, req->errbuf);

	/* Issue 15: the new messages' files at once; what fails here stays
	 * due as its own "attach" job. */
	if (rc == IC_OK)
		(void)ic_receive_attach_job(req, conv_id);

	/* No conversation or no token (declined, blocked): nothing to read,
	 * and nothing to retry. */
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}
