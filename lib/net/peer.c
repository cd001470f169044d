/*
 * peer.c - request shapes for talking to other sites (see peer.h).
 */
#include "net/peer.h"

#include <string.h>
#include <strings.h>

#include "text/form.h"
#include "core/ic_limits.h"
#include "text/json.h"

enum ic_err ic_peer_get(struct ic_req *req, const char *url, const char *bearer,
                        size_t max_bytes, struct ic_fetch_result *res,
                        struct ic_discovery *d, char *errbuf)
{
	struct ic_fetch_req f = {0};
	enum ic_err rc;

	f.method = "GET";
	f.url = url;
	f.bearer = bearer;
	f.accept = "text/html, application/json;q=0.9, */*;q=0.1";
	f.max_bytes = max_bytes;
	f.dev_mode = req->cfg.dev_mode;
	rc = ic_fetch(req->arena, &f, res, errbuf);
	if (rc == IC_OK && d != NULL)
		rc = ic_discover(d, req->arena, res, errbuf);
	return rc;
}

/* An ETag we will send back: "..." or W/"...", printable ASCII, short. */
static const char *usable_etag(const struct ic_fetch_result *res)
{
	for (size_t i = 0; i < res->nheaders; i++) {
		const char *v = res->headers[i].value;
		size_t n = v ? strlen(v) : 0;

		if (strcasecmp(res->headers[i].name, "ETag") != 0)
			continue;
		if (n < 2 || n > IC_MAX_ETAG_BYTES || v[n - 1] != '"' ||
		    (v[0] != '"' && strncmp(v, "W/\"", 3) != 0))
			return NULL;
		for (size_t k = 0; k < n; k++)
			if (v[k] < 0x21 || v[k] > 0x7e)
				return NULL;
		return v;
	}
	return NULL;
}

enum ic_err ic_peer_get_feed(struct ic_req *req, const char *url,
                             const char *bearer, size_t max_bytes,
                             const char *etag, struct ic_fetch_result *res,
                             const char **etag_out, char *errbuf)
{
	struct ic_fetch_header h = {"If-None-Match", etag};
	struct ic_fetch_req f = {0};
	enum ic_err rc;

	f.method = "GET";
	f.url = url;
	f.bearer = bearer;
	f.accept = "text/html";
	f.max_bytes = max_bytes;
	f.dev_mode = req->cfg.dev_mode;
	if (etag != NULL) {
		f.headers = &h;
		f.nheaders = 1;
	}
	rc = ic_fetch(req->arena, &f, res, errbuf);
	*etag_out = rc == IC_OK ? usable_etag(res) : NULL;
	return rc;
}

static bool is_json(const char *ct)
{
	return ct && (strncasecmp(ct, "application/json", 16) == 0 ||
	              strstr(ct, "+json") != NULL);
}

/* Form-encoded answers of legacy servers, as a flat JSON object. */
static cJSON *form_to_json(struct ic_req *req, const char *body, size_t len)
{
	struct ic_form form;
	cJSON *o;

	if (ic_form_parse(&form, req->arena, body, len, NULL) != IC_OK ||
	    form.n == 0)
		return NULL;
	o = ic_json_record(req->arena, 0);
	if (o == NULL)
		return NULL;
	cJSON_DeleteItemFromObject(o, "v");
	for (size_t i = 0; i < form.n; i++)
		if (!cJSON_GetObjectItemCaseSensitive(o, form.fields[i].name) &&
		    !cJSON_AddStringToObject(o, form.fields[i].name,
		                             form.fields[i].value))
			return NULL;
	return o;
}

enum ic_err ic_peer_post_form(struct ic_req *req, const char *url,
                              const char *form, size_t len,
                              struct ic_fetch_result *res, cJSON **out,
                              char *errbuf)
{
	struct ic_fetch_req f = {0};
	enum ic_err rc;

	*out = NULL;
	f.method = "POST";
	f.url = url;
	f.body = form;
	f.body_len = len;
	f.content_type = "application/x-www-form-urlencoded";
	f.accept = "application/json";
	f.dev_mode = req->cfg.dev_mode;
	/* Tickets, refresh tokens and codes go to the endpoint we found and
	 * nowhere else: a 307 or 308 elsewhere would carry them (and our
	 * POST) to any site.  A 3xx is the answer, and a failure. */
	f.max_redirects = -1;
	rc = ic_fetch(req->arena, &f, res, errbuf);
	if (rc != IC_OK)
		return rc;
	if (is_json(res->content_type) ||
	    (res->body_len && res->body[0] == '{')) {
		if (ic_json_parse(req->arena, res->body, res->body_len, out) ==
		            IC_OK &&
		    !cJSON_IsObject(*out))
			*out = NULL;
	} else {
		*out = form_to_json(req, res->body, res->body_len);
	}
	return IC_OK;
}

enum ic_err ic_peer_metadata(struct ic_req *req, const char *url, cJSON **meta,
                             const char **meta_url, char *errbuf)
{
	struct ic_fetch_result res;
	struct ic_discovery d;
	const char *murl;
	enum ic_err rc;

	*meta = NULL;
	rc = ic_peer_get(req, url, NULL, 0, &res, &d, errbuf);
	if (rc != IC_OK)
		return rc;
	murl = ic_discover_find(&d, "indieauth-metadata");
	if (murl == NULL)
		return ic_fail(errbuf, IC_ERR_NOT_FOUND,
		               "%s advertises no indieauth-metadata", url);
	if (meta_url)
		*meta_url = murl;
	rc = ic_peer_get(req, murl, NULL, 0, &res, NULL, errbuf);
	if (rc != IC_OK)
		return rc;
	if (res.status != 200 ||
	    ic_json_parse(req->arena, res.body, res.body_len, meta) != IC_OK ||
	    !cJSON_IsObject(*meta))
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "metadata at %s is not a JSON object (HTTP %ld)",
		               murl, res.status);
	return IC_OK;
}

const char *ic_peer_str(struct ic_req *req, const cJSON *obj, const char *name)
{
	return ic_json_str(req->arena, obj, name);
}
