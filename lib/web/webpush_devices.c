/*
 * webpush_devices.c - the owner's devices for Web Push (see
 * webpush_devices.h).
 */
#include "web/webpush_devices.h"

#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cgi/owner_url.h"
#include "cgi/page.h"
#include "cgi/session.h"
#include "core/ic_limits.h"
#include "notify/webpush.h"
#include "store/store_webpush.h"
#include "text/url.h"

struct devices {
	struct ic_arena *a;
	const char *new_priv, *new_pub; /* offered when none is stored */
	const char *pub;                /* out: the site's public key */
	struct ic_webpush_device dev;   /* to add; endpoint alone: remove */
	bool add, remove;
	size_t n; /* out: devices after the change */
};

static enum ic_err count(struct ic_store_txn *t, struct devices *d)
{
	struct ic_webpush_device *all;

	return ic_store_webpush_list_in_txn(t, d->a, &all, &d->n);
}

static enum ic_err devices_txn(struct ic_store_txn *t, void *p)
{
	struct devices *d = p;
	const char *priv;
	enum ic_err rc = IC_OK;

	if (d->new_priv)
		rc = ic_store_webpush_vapid_in_txn(t, d->a, d->new_priv,
		                                   d->new_pub, &priv, &d->pub);
	if (rc == IC_OK && d->add)
		rc = ic_store_webpush_add_in_txn(t, d->a, &d->dev);
	if (rc == IC_OK && d->remove) {
		rc = ic_store_webpush_remove_in_txn(t, d->dev.endpoint);
		if (rc == IC_ERR_NOT_FOUND) /* gone already: the wish holds */
			rc = IC_OK;
	}
	return rc == IC_OK ? count(t, d) : rc;
}

static enum ic_err run(struct ic_req *req, struct devices *d)
{
	struct ic_store *store;
	enum ic_err rc = ic_req_store(req, &store);

	d->a = req->arena;
	return rc == IC_OK ? ic_store_update(store, devices_txn, d, req->errbuf)
	                   : rc;
}

enum ic_err ic_webpush_key_get(struct ic_req *req)
{
	struct devices d = {0};
	char *priv, *pub;
	cJSON *j;
	enum ic_err rc;

	/* A fresh pair each time is cheap (one scalar multiplication); the
	 * store keeps the first and ignores the rest. */
	rc = ic_webpush_vapid_keygen(req->arena, &priv, &pub, req->errbuf);
	d.new_priv = priv;
	d.new_pub = pub;
	if (rc == IC_OK)
		rc = run(req, &d);
	if (rc != IC_OK)
		return rc;
	req->resp.cache_control = "no-store";
	j = cJSON_CreateObject();
	rc = j && cJSON_AddStringToObject(j, "key", d.pub) &&
	                     cJSON_AddNumberToObject(j, "devices", (double)d.n)
	             ? ic_resp_json(req, j)
	             : IC_ERR_NOMEM;
	cJSON_Delete(j);
	return rc;
}

/* 303 to the form's next (else the settings page), or {"ok":true,
 * "devices": n}. */
static enum ic_err done(struct ic_req *req, size_t n)
{
	const char *next = ic_form_get(&req->form, "next");
	cJSON *j;
	enum ic_err rc;

	req->resp.cache_control = "no-store";
	if (!ic_cgi_wants_json(req)) {
		req->resp.status = 303;
		req->resp.location =
		        ic_session_next_ok(&req->cfg, next)
		                ? ic_session_absolute(req, next)
		                : ic_url_settings(req->arena, &req->cfg);
		return req->resp.location ? IC_OK : IC_ERR_NOMEM;
	}
	j = cJSON_CreateObject();
	rc = j && cJSON_AddTrueToObject(j, "ok") &&
	                     cJSON_AddNumberToObject(j, "devices", (double)n)
	             ? ic_resp_json(req, j)
	             : IC_ERR_NOMEM;
	cJSON_Delete(j);
	return rc;
}

/* One non-empty value of form field @p name, else a 400 naming it. */
static const char *field(struct ic_req *req, const char *name, enum ic_err *rc)
{
	const char *v = ic_form_get(&req->form, name);

	if (*rc != IC_OK)
		return NULL;
	if (v && *v && ic_form_count(&req->form, name) == 1)
		return v;
	*rc = ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
	              "the subscription needs one %s", name);
	return NULL;
}

/* The push endpoint: https, or http where the guarded fetch would reach
 * it too (dev_mode: the local fixtures); bounded. */
static enum ic_err check_endpoint(struct ic_req *req, const char *url)
{
	struct ic_url_parts u;

	if (strlen(url) > IC_WEBPUSH_ENDPOINT_MAX)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "the push endpoint is longer than %d bytes",
		               IC_WEBPUSH_ENDPOINT_MAX);
	if (ic_url_parts(req->arena, url, &u, NULL) != IC_OK ||
	    (strcmp(u.scheme, "https") != 0 && !req->cfg.dev_mode))
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "the push endpoint must be an https URL");
	return IC_OK;
}

static enum ic_err do_subscribe(struct ic_req *req)
{
	struct devices d = {.add = true};
	enum ic_err rc = IC_OK;

	d.dev.endpoint = field(req, "endpoint", &rc);
	d.dev.p256dh = field(req, "p256dh", &rc);
	d.dev.auth = field(req, "auth", &rc);
	d.dev.added = (long long)time(NULL);
	if (rc == IC_OK)
		rc = check_endpoint(req, d.dev.endpoint);
	if (rc == IC_OK)
		rc = ic_webpush_check_keys(d.dev.p256dh, d.dev.auth,
		                           req->errbuf);
	if (rc == IC_OK)
		rc = run(req, &d);
	return rc == IC_OK ? done(req, d.n) : rc;
}

static enum ic_err do_unsubscribe(struct ic_req *req)
{
	struct devices d = {.remove = true};
	enum ic_err rc = IC_OK;

	d.dev.endpoint = field(req, "endpoint", &rc);
	if (rc == IC_OK)
		rc = run(req, &d);
	return rc == IC_OK ? done(req, d.n) : rc;
}

enum ic_err ic_webpush_subscribe(struct ic_req *req)
{
	return ic_page_refused(req, do_subscribe(req));
}

enum ic_err ic_webpush_unsubscribe(struct ic_req *req)
{
	return ic_page_refused(req, do_unsubscribe(req));
}
