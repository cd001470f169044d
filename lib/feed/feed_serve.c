/*
 * feed_serve.c - the private feed and its public stub (see the header).
 */
#include "feed/feed_serve.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "cgi/site.h"
#include "store/store_blob.h"
#include "store/store_conv.h"
#include "store/store_msg.h"
#include "text/media.h"
#include "indieauth/token_check.h"

struct conv_ctx {
	const char *id;
	struct ic_conv conv;
};

/* WS-P-2, WS-P-3, TE-8, RS-5: the same rels as the pages' <head>, on
 * every answer, 401s included, so discovery works from any of them. */
static enum ic_err add_links(struct ic_req *req, const char *topic_url)
{
	struct ic_arena *a = req->arena;
	const char *v[4] = {
	        ic_arena_printf(a, "<%s>; rel=\"hub\"",
	                        ic_site_hub_url(a, &req->cfg)),
	        ic_arena_printf(a, "<%s>; rel=\"self\"", topic_url),
	        ic_arena_printf(a, "<%s>; rel=\"token_endpoint\"",
	                        ic_site_token_endpoint(a, &req->cfg)),
	        ic_arena_printf(a, "<%s>; rel=\"indieauth-metadata\"",
	                        ic_site_metadata_url(a, &req->cfg)),
	};
	enum ic_err rc = IC_OK;

	for (size_t i = 0; rc == IC_OK && i < 4; i++)
		rc = v[i] ? ic_resp_add_header(&req->resp, "Link", v[i])
		          : IC_ERR_NOMEM;
	return rc;
}

/* Issue 13: a strong ETag of the page's bytes; a reader that sends it
 * back in If-None-Match (our listener does) gets a 304 and parses
 * nothing.  Hashing the bytes we send, not the file's stat, keeps the tag
 * and the body of one answer from two versions of a page. */
static enum ic_err etag(struct ic_req *req)
{
	const char *inm = req->env.if_none_match;
	char hex[65];
	const char *tag;
	enum ic_err rc;

	ic_digest_sha256_hex(req->resp.body.buf, req->resp.body.len, hex);
	tag = ic_arena_printf(req->arena, "\"%.32s\"", hex);
	if (tag == NULL)
		return IC_ERR_NOMEM;
	rc = ic_resp_add_header(&req->resp, "ETag", tag);
	if (rc == IC_OK && inm && strstr(inm, tag) != NULL) {
		req->resp.status = 304;
		req->resp.content_type = NULL;
		ic_buf_reset(&req->resp.body);
	}
	return rc;
}

/* The file as the body: pages are replaced by rename(), so the read
 * sees one whole version. */
static enum ic_err body_from_file(struct ic_req *req, const char *dir,
                                  const char *name)
{
	char *path = ic_arena_printf(req->arena, "%s/%s", dir, name);
	char *data;
	size_t len;
	enum ic_err rc;

	if (path == NULL)
		return IC_ERR_NOMEM;
	rc = ic_file_read(req->arena, path, IC_MAX_RESPONSE_BYTES, &data, &len,
	                  req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(req->errbuf, rc, "no such feed");
	if (rc == IC_OK && ic_buf_add(&req->resp.body, data, len) != IC_OK)
		rc = IC_ERR_NOMEM;
	req->resp.content_type = "text/html; charset=utf-8";
	return rc == IC_OK ? etag(req) : rc;
}

/* RS-2: the bearer challenge; error= only when a token was presented
 * (RS-3 says not to name an error to a client that sent none). */
static enum ic_err refuse(struct ic_req *req, enum ic_err why)
{
	req->resp.www_authenticate =
	        why == IC_ERR_FORBIDDEN
	                ? "Bearer realm=\"IndieChat\", error=\"insufficient_scope\""
	                : "Bearer realm=\"IndieChat\", error=\"invalid_token\"";
	req->resp.cache_control = "no-store";
	return ic_fail(req->errbuf, why,
	               why == IC_ERR_FORBIDDEN ? "token does not grant read"
	                                       : "invalid or expired token");
}

/* Token check and conversation lookup shared by both routes. */
static enum ic_err authorize(struct ic_req *req, struct conv_ctx *c,
                             const char **topic_url, bool *anonymous)
{
	const char *bearer = ic_cgi_bearer(req);
	struct ic_issued_token tok;
	struct ic_store *st;
	enum ic_err rc;

	c->id = ic_req_param(req, "topic");
	if (c->id == NULL || !ic_site_id_ok(c->id))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND, "no such feed");
	*topic_url = ic_site_topic_url(req->arena, &req->cfg, c->id);
	if (*topic_url == NULL)
		return IC_ERR_NOMEM;
	rc = add_links(req, *topic_url);
	req->resp.vary = "Authorization";
	/* A malformed Authorization header is not "no credentials". */
	*anonymous = bearer == NULL && req->env.authorization == NULL;
	if (rc != IC_OK || *anonymous)
		return rc;
	if (bearer == NULL) {
		req->resp.www_authenticate =
		        "Bearer realm=\"IndieChat\", error=\"invalid_request\"";
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "Authorization is not a bearer token");
	}
	/* TE-10, RS-6: the token must be for this very resource. */
	rc = ic_token_check(req, bearer, *topic_url, &tok);
	if (rc == IC_ERR_UNAUTHENTICATED || rc == IC_ERR_FORBIDDEN)
		return refuse(req, rc);
	if (rc == IC_OK)
		rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_conv_get(st, req->arena, c->id, &c->conv,
		                       req->errbuf);
	/* A token outliving its conversation reads nothing. */
	if (rc == IC_ERR_NOT_FOUND)
		return refuse(req, IC_ERR_UNAUTHENTICATED);
	return rc;
}

struct fetched_ctx {
	struct ic_arena *a;
	const char *id;
};

static enum ic_err fetched_txn(struct ic_store_txn *t, void *p)
{
	struct fetched_ctx *f = p;
	struct ic_conv conv;
	enum ic_err rc = ic_store_conv_get_in_txn(t, f->a, f->id, &conv);

	if (rc != IC_OK || conv.fetched_seq >= conv.published_seq)
		return rc;
	conv.fetched_seq = conv.published_seq;
	conv.their_fetch = (long long)time(NULL);
	return ic_store_conv_put_in_txn(t, f->a, &conv);
}

/* Best effort: a failure here must not fail the correspondent's read. */
static void mark_fetched(struct ic_req *req, const char *id)
{
	struct fetched_ctx f = {req->arena, id};
	struct ic_store *st;

	if (ic_req_store(req, &st) == IC_OK)
		ic_store_update(st, fetched_txn, &f, NULL);
}

enum ic_err ic_feed_serve_topic(struct ic_req *req)
{
	struct conv_ctx c;
	const char *topic_url, *dir;
	bool anonymous;
	enum ic_err rc = authorize(req, &c, &topic_url, &anonymous);

	if (rc != IC_OK)
		return rc;
	dir = ic_site_feed_dir(req->arena, &req->cfg, c.id);
	if (dir == NULL)
		return IC_ERR_NOMEM;
	if (anonymous) {
		/* RS-3, WS-P-7: what hubs see; no message text in it. */
		req->resp.cache_control = "no-cache";
		return body_from_file(req, dir, IC_SITE_STUB_FILE);
	}
	req->resp.cache_control = "private, no-store"; /* RS-4 */
	rc = body_from_file(
	        req, dir,
	        ic_site_page_file(
	                req->arena,
	                ic_site_page_of(c.conv.out_seq, c.conv.page_size)));
	/* Our messages on that page now show as fetched (issue 6).  A write
	 * only when something new was fetched, so a correspondent polling an
	 * unchanged feed costs no write transaction. */
	if (rc == IC_OK && c.conv.fetched_seq < c.conv.published_seq)
		mark_fetched(req, c.id);
	return rc;
}

enum ic_err ic_feed_serve_page(struct ic_req *req)
{
	struct conv_ctx c;
	const char *topic_url, *dir, *arg = ic_req_param(req, "page");
	char *end;
	long long n;
	bool anonymous;
	enum ic_err rc = authorize(req, &c, &topic_url, &anonymous);

	if (rc != IC_OK)
		return rc;
	if (anonymous) {
		req->resp.www_authenticate = "Bearer realm=\"IndieChat\"";
		return ic_fail(req->errbuf, IC_ERR_UNAUTHENTICATED,
		               "older pages need a bearer token");
	}
	n = arg ? strtoll(arg, &end, 10) : 0;
	if (arg == NULL || *end != '\0' || n < 1 ||
	    n > ic_site_page_of(c.conv.out_seq, c.conv.page_size))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND, "no such page");
	dir = ic_site_feed_dir(req->arena, &req->cfg, c.id);
	if (dir == NULL)
		return IC_ERR_NOMEM;
	req->resp.cache_control = "private, no-store";
	return body_from_file(req, dir, ic_site_page_file(req->arena, n));
}

/* --- Attachments (issue 15) ------------------------------------------------
 */

struct att_ctx {
	struct ic_arena *a;
	const char *conv, *id;
	char dir; /* 'o' for a correspondent, 0 (either) for the owner */
	const char *key;
	struct ic_msg msg;
	const struct ic_attach *att;
};

/* The message of this conversation carrying the file, and its record
 * (type, name): a file is served only where a message carries it. */
static enum ic_err att_txn(struct ic_store_txn *t, void *p)
{
	struct att_ctx *c = p;

	if (!ic_store_msg_has_attachment_in_txn(t, c->conv, c->dir, c->id))
		return IC_ERR_NOT_FOUND;
	return ic_store_msg_attachment_in_txn(t, c->a, c->conv, c->dir, c->id,
	                                      &c->att);
}

/* Headers that keep a file a file: the type from the bytes (sniffed when
 * it was stored), nosniff, a CSP that gives an HTML or SVG (always served
 * as a download) no script, no style, no origin. */
static enum ic_err att_headers(struct ic_req *req, const struct ic_attach *x)
{
	enum ic_media_kind k = ic_media_kind_of(x->type);
	const char *disp =
	        ic_arena_printf(req->arena, "%s; filename=\"%s\"",
	                        ic_media_is_image(k) || ic_media_is_video(k) ||
	                                        ic_media_is_audio(k)
	                                ? "inline"
	                                : "attachment",
	                        x->name);
	enum ic_err rc;

	if (disp == NULL)
		return IC_ERR_NOMEM;
	req->resp.content_type = ic_media_type_of(k);
	req->resp.nosniff = true;
	/* Content-addressed: the bytes under this URL never change. */
	req->resp.cache_control = "private, max-age=31536000, immutable";
	rc = ic_resp_add_header(&req->resp, "Content-Disposition", disp);
	if (rc == IC_OK)
		rc = ic_resp_add_header(&req->resp, "Content-Security-Policy",
		                        "default-src 'none'; sandbox");
	return rc;
}

enum ic_err ic_feed_serve_file(struct ic_req *req, const char *conv, char dir)
{
	struct att_ctx c = {.a = req->arena, .conv = conv, .dir = dir};
	struct ic_store *st;
	const char *path;
	enum ic_err rc;

	c.id = ic_req_param(req, "id");
	if (!ic_store_blob_id_ok(c.id))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "no such attachment");
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_view(st, att_txn, &c, req->errbuf);
	if (rc == IC_ERR_NOT_FOUND ||
	    (rc == IC_OK && c.att->state != IC_ATTACH_STORED))
		return ic_fail(req->errbuf, IC_ERR_NOT_FOUND,
		               "no such attachment");
	if (rc != IC_OK)
		return rc;
	path = ic_store_blob_path(req->arena, req->cfg.data_dir, c.id);
	if (path == NULL)
		return IC_ERR_NOMEM;
	rc = ic_resp_file(req, path, req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return ic_fail(req->errbuf, rc, "no such attachment");
	if (rc == IC_OK)
		rc = att_headers(req, c.att);
	/* Issue 15: a browser seeks in a video with Range requests. */
	return rc == IC_OK ? ic_resp_file_range(req) : rc;
}

enum ic_err ic_feed_serve_attachment(struct ic_req *req)
{
	struct conv_ctx c;
	const char *topic_url;
	bool anonymous;
	enum ic_err rc = authorize(req, &c, &topic_url, &anonymous);

	if (rc != IC_OK)
		return rc;
	if (anonymous) {
		req->resp.www_authenticate = "Bearer realm=\"IndieChat\"";
		return ic_fail(req->errbuf, IC_ERR_UNAUTHENTICATED,
		               "attachments need a bearer token");
	}
	/* Their token reads the files of our messages to them, no other. */
	rc = ic_feed_serve_file(req, c.id, 'o');
	req->resp.vary = "Authorization";
	return rc;
}
