/*
 * websub_hub_endpoint.c - B/feed/hub: check, record, queue (see header).
 */
#include "websub/websub_hub_endpoint.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indieauth/token_check.h"
#include "store/due.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "cgi/site.h"
#include "store/store_conv.h"
#include "store/store_sub.h"

char *ic_websub_hub_job_id(struct ic_arena *a, const char *topic,
                           const char *callback)
{
	return ic_arena_printf(a, "%s %s", topic, callback);
}

enum ic_err ic_websub_hub_job_parse(struct ic_arena *a, const char *id,
                                    const char **topic, const char **callback)
{
	const char *sp = strchr(id, ' ');

	if (sp == NULL || sp == id || sp[1] == '\0')
		return IC_ERR_BAD_INPUT;
	*topic = ic_arena_memdup(a, id, (size_t)(sp - id));
	*callback = sp + 1;
	return *topic ? IC_OK : IC_ERR_NOMEM;
}

/* An absolute http(s) URL we could call back; the real checks (address,
 * redirects) are the guarded fetch's when the hub uses it. */
static bool callback_ok(const char *u)
{
	size_t n = strlen(u);

	if (n > IC_MAX_URL_BYTES ||
	    (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
		return false;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '#')
			return false;
	u = strstr(u, "://") + 3; /* a host must follow the scheme */
	return *u != '\0' && *u != '/' && *u != '?' && *u != ':';
}

/* Our topic id in @p topic_url (B/feed/<id>), or NULL. */
static const char *our_topic(struct ic_req *req, const char *topic_url)
{
	char *prefix = ic_site_topic_url(req->arena, &req->cfg, "");
	size_t n = prefix ? strlen(prefix) : 0;

	if (prefix == NULL || strncmp(topic_url, prefix, n) != 0 ||
	    !ic_site_id_ok(topic_url + n))
		return NULL;
	return topic_url + n;
}

static long long lease_of(const char *s, bool *ok)
{
	char *end;
	long long v;

	*ok = true;
	if (s == NULL || *s == '\0')
		return IC_HUB_LEASE_DEFAULT;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v <= 0) {
		*ok = false;
		return 0;
	}
	return v < IC_HUB_LEASE_MIN   ? IC_HUB_LEASE_MIN
	       : v > IC_HUB_LEASE_MAX ? IC_HUB_LEASE_MAX
	                              : v;
}

struct record_ctx {
	struct ic_req *req;
	const char *topic, *callback, *mode, *secret;
	long long lease, now;
	const char *token; /* the hash of a bearer token good for the topic */
};

static enum ic_err record_txn(struct ic_store_txn *t, void *p)
{
	struct record_ctx *c = p;
	struct ic_arena *a = c->req->arena;
	struct ic_conv conv;
	struct ic_hub_sub s;
	enum ic_err rc = ic_store_conv_get_in_txn(t, a, c->topic, &conv);

	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(ic_store_txn_errbuf(t), rc,
		               "hub.topic is not a topic of this hub");
	if (rc)
		return rc;
	rc = ic_store_hub_sub_get_in_txn(t, a, c->topic, c->callback, &s);
	if (rc == IC_ERR_NOT_FOUND) {
		if (strcmp(c->mode, "unsubscribe") == 0)
			return ic_fail(ic_store_txn_errbuf(t), rc,
			               "no such subscription");
		memset(&s, 0, sizeof(s));
		s.topic = c->topic;
		s.callback = c->callback;
		s.state = IC_SUB_PENDING;
	} else if (rc) {
		return rc;
	}
	/* An active subscription stays active, on its old secret, until
	 * the subscriber confirms the new request. */
	s.mode = c->mode;
	s.pending_secret = c->secret;
	s.lease = c->lease;
	s.requested = c->now;
	s.topic_rev = conv.revision;
	s.pending_token = c->token;
	rc = ic_store_hub_sub_put_in_txn(t, a, &s);
	if (rc == IC_OK)
		rc = ic_due_schedule_in_txn(
		        t, a, "hub_verify",
		        ic_websub_hub_job_id(a, c->topic, c->callback), c->now,
		        0, false);
	return rc;
}

/*
 * Issue 13: a subscriber that shows the conversation's token (TE-10, as
 * `feed` checks it) is the correspondent and will be sent the private
 * page.  A bad or foreign token is no error here: the subscription is
 * recorded as anyone's, for the stub, and the request answered as usual.
 */
static const char *correspondent(struct ic_req *req, const char *topic_url)
{
	const char *bearer = ic_cgi_bearer(req);

	if (bearer == NULL || topic_url == NULL)
		return NULL;
	if (ic_token_check(req, bearer, topic_url, NULL) == IC_OK)
		return ic_secret_hash(req->arena, bearer);
	ic_log(IC_LOG_INFO,
	       "hub: token refused (%s): a subscription for the stub",
	       req->errbuf);
	return NULL;
}

static enum ic_err bad(struct ic_req *req, const char *why)
{
	return ic_fail(req->errbuf, IC_ERR_BAD_INPUT, "%s", why);
}

enum ic_err ic_websub_hub_endpoint_post(struct ic_req *req)
{
	const char *topic_url = ic_form_get(&req->form, "hub.topic");
	struct record_ctx c = {req,
	                       NULL,
	                       ic_form_get(&req->form, "hub.callback"),
	                       ic_form_get(&req->form, "hub.mode"),
	                       ic_form_get(&req->form, "hub.secret"),
	                       0,
	                       time(NULL),
	                       NULL};
	struct ic_store *st;
	bool lease_ok;
	enum ic_err rc;

	if (c.mode && strcmp(c.mode, "publish") == 0)
		return bad(req, "only this site publishes to its topics");
	if (c.mode == NULL || (strcmp(c.mode, "subscribe") != 0 &&
	                       strcmp(c.mode, "unsubscribe") != 0))
		return bad(req, "hub.mode must be subscribe or unsubscribe");
	if (topic_url == NULL)
		return bad(req, "hub.topic is missing");
	c.topic = our_topic(req, topic_url);
	if (c.topic == NULL)
		return bad(req, "hub.topic is not a topic of this hub");
	if (c.callback == NULL || !callback_ok(c.callback))
		return bad(req, "hub.callback must be an absolute http(s) URL");
	if (c.secret &&
	    (*c.secret == '\0' || strlen(c.secret) >= IC_HUB_SECRET_MAX))
		return bad(req, "hub.secret must be 1 to 199 bytes");
	c.lease = lease_of(ic_form_get(&req->form, "hub.lease_seconds"),
	                   &lease_ok);
	if (!lease_ok)
		return bad(req, "hub.lease_seconds must be a positive integer");
	if (strcmp(c.mode, "subscribe") == 0)
		c.token = correspondent(
		        req, ic_site_topic_url(req->arena, &req->cfg, c.topic));
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, record_txn, &c, req->errbuf);
	if (rc != IC_OK)
		return rc;
	ic_log(IC_LOG_INFO, "hub: %s request for %s from %s", c.mode, c.topic,
	       c.callback);
	/* Verification of intent follows from lazy maintenance (§5.3). */
	return ic_resp_text(req, 202, "accepted: verification follows");
}
