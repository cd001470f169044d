/*
 * webpush_send.c - Web Push to each of the owner's devices (see
 * webpush_send.h).
 */
#include "notify/webpush_send.h"

#include <string.h>
#include <time.h>

#include "core/ic_limits.h"
#include "core/log.h"
#include "notify/push_post.h"
#include "notify/webpush.h"
#include "store/store_webpush.h"
#include "text/url.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

struct devices {
	struct ic_arena *a;
	const char *priv, *pub;
	struct ic_webpush_device *d;
	size_t n;
};

static enum ic_err load_txn(struct ic_store_txn *t, void *p)
{
	struct devices *l = p;
	enum ic_err rc = ic_store_webpush_vapid_in_txn(t, l->a, NULL, NULL,
	                                               &l->priv, &l->pub);

	l->n = 0;
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK; /* no key: no device ever subscribed */
	return rc == IC_OK ? ic_store_webpush_list_in_txn(t, l->a, &l->d, &l->n)
	                   : rc;
}

struct change {
	struct ic_arena *a;
	const char *endpoint, *id; /* id NULL: remove the device */
};

static enum ic_err change_txn(struct ic_store_txn *t, void *p)
{
	struct change *c = p;
	enum ic_err rc;

	if (c->id)
		return ic_store_webpush_told_in_txn(t, c->a, c->endpoint,
		                                    c->id);
	rc = ic_store_webpush_remove_in_txn(t, c->endpoint);
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

/* The contact RFC 8292 §2.1 asks for: the owner's address, else the
 * site (webpush.c leaves out one that is not https). */
static const char *contact(struct ic_req *req)
{
	const struct ic_config *cfg = &req->cfg;

	if (cfg->notify_email && cfg->notify_email[0])
		return ic_arena_printf(req->arena, "mailto:%s",
		                       cfg->notify_email);
	return cfg->base_url;
}

/* Encrypt @p json for device @p d and POST it; @p status: the answer. */
static enum ic_err send_one(struct ic_req *req, const struct devices *l,
                            const struct ic_webpush_device *d, const char *json,
                            size_t len, long *status, char *errbuf)
{
	struct ic_arena *a = req->arena;
	struct ic_notify_post post = {0};
	unsigned char *body;
	char *auth;
	enum ic_err rc = ic_webpush_encrypt(a, d->p256dh, d->auth, json, len,
	                                    &body, &post.len, errbuf);

	*status = 0;
	if (rc == IC_OK)
		rc = ic_webpush_vapid_auth(a, l->priv, d->endpoint,
		                           contact(req), (long long)time(NULL),
		                           &auth, errbuf);
	if (rc != IC_OK)
		return rc;
	post.body = (const char *)body;
	post.content_type = "application/octet-stream";
	post.headers[0] =
	        (struct ic_fetch_header){"Content-Encoding", "aes128gcm"};
	post.headers[1] =
	        (struct ic_fetch_header){"TTL", STR(IC_WEBPUSH_TTL_SECONDS)};
	post.headers[2] = (struct ic_fetch_header){"Urgency", "normal"};
	post.nheaders = 3;
	/* auth is "vapid <credential>": fetch writes the scheme itself. */
	return ic_push_post_status(a, d->endpoint, "vapid",
	                           auth + strlen("vapid "), req->cfg.dev_mode,
	                           &post, status, errbuf);
}

/* Tell device @p d; IC_OK when told or gone. */
static enum ic_err tell(struct ic_req *req, struct ic_store *store,
                        const struct devices *l,
                        const struct ic_webpush_device *d, const char *id,
                        const char *json, size_t len, char *errbuf)
{
	struct change c = {req->arena, d->endpoint, id};
	long status;
	enum ic_err rc = send_one(req, l, d, json, len, &status, errbuf);

	if (rc != IC_OK && status != 404 && status != 410)
		return rc;
	if (rc != IC_OK) {
		/* Not the endpoint in the log: it is a capability. */
		ic_log(IC_LOG_INFO,
		       "a Web Push device is gone (HTTP %ld): removed", status);
		c.id = NULL;
	}
	return ic_store_update(store, change_txn, &c, errbuf);
}

enum ic_err ic_webpush_send(struct ic_req *req, struct ic_store *store,
                            const struct ic_notify_push *p, char *errbuf)
{
	struct devices l = {.a = req->arena};
	enum ic_err first = IC_OK, rc;
	char *json,
	        *id = ic_arena_printf(req->arena, "%s:%lld", p->conv, p->batch);
	size_t len;

	rc = id ? ic_store_view(store, load_txn, &l, errbuf) : IC_ERR_NOMEM;
	if (rc != IC_OK || l.n == 0)
		return rc;
	rc = ic_notify_webpush_build(req->arena, p, &json, &len, errbuf);
	for (size_t i = 0; rc == IC_OK && i < l.n; i++) {
		char eb[IC_ERRBUF_SIZE] = "";
		struct ic_url_parts u;
		enum ic_err r;

		if (ic_store_webpush_was_told(&l.d[i], id))
			continue;
		r = tell(req, store, &l, &l.d[i], id, json, len, eb);
		if (r == IC_OK)
			continue;
		if (ic_url_parts(req->arena, l.d[i].endpoint, &u, NULL) !=
		    IC_OK)
			u.host = "?";
		ic_log(IC_LOG_WARN, "Web Push to a device at %s failed: %s",
		       u.host, eb);
		if (first == IC_OK) {
			first = r;
			ic_failf(errbuf, "the push service at %s: %s", u.host,
			         eb);
		}
	}
	return rc != IC_OK ? rc : first;
}
