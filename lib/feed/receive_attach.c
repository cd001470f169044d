/*
 * receive_attach.c - a correspondent's attachments (see the header).
 */
#include "feed/receive_attach.h"

#include <string.h>
#include <time.h>

#include "core/digest.h"
#include "core/ic_limits.h"
#include "core/log.h"
#include "net/peer.h"
#include "store/due.h"
#include "store/store_blob.h"
#include "store/store_blobref.h"
#include "store/store_token.h"
#include "text/media.h"

#define PAPERCLIP "\xF0\x9F\x93\x8E"

/* "<resource>/attachment/<hex>[?name=NAME]" -> id and name, else false. */
static bool parse_url(struct ic_arena *a, const char *url, const char *resource,
                      struct ic_attach *x)
{
	size_t rl = strlen(resource);
	const char *p, *name = "file";
	char id[65];

	if (strncmp(url, resource, rl) != 0 ||
	    strncmp(url + rl, "/attachment/", 12) != 0)
		return false;
	p = url + rl + 12;
	if (strspn(p, "0123456789abcdef") != 64)
		return false;
	memcpy(id, p, 64);
	id[64] = '\0';
	p += 64;
	if (strncmp(p, "?name=", 6) == 0)
		name = p + 6;
	else if (*p != '\0')
		return false;
	x->id = ic_arena_strdup(a, id);
	x->name = ic_media_safe_name(a, name);
	x->url = url;
	x->type = ic_media_type_of(IC_MEDIA_FILE);
	x->state = IC_ATTACH_PENDING;
	return x->id && x->name;
}

/* A u-photo is a string or {"value", "alt"}; u-video, u-audio and
 * u-attachment a string. */
static const char *prop_url(const cJSON *v)
{
	if (cJSON_IsObject(v))
		v = cJSON_GetObjectItemCaseSensitive(v, "value");
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum ic_err take(struct ic_arena *a, const cJSON *props,
                        const char *name, const char *resource,
                        struct ic_attach *att, size_t *n, size_t *taken)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(props, name);
	const cJSON *v;

	cJSON_ArrayForEach(v, list)
	{
		const char *url = prop_url(v);
		bool dup = false;

		if (*n == IC_MAX_ATTACHMENTS)
			break;
		if (url == NULL || strlen(url) > IC_MAX_URL_BYTES ||
		    !parse_url(a, url, resource, &att[*n]))
			continue;
		for (size_t i = 0; i < *n; i++)
			dup = dup || strcmp(att[i].id, att[*n].id) == 0;
		if (!dup) {
			(*n)++;
			(*taken)++;
		}
	}
	return IC_OK;
}

enum ic_err ic_receive_attachments(struct ic_arena *a, const cJSON *entry,
                                   const char *resource, struct ic_attach **out,
                                   size_t *n, size_t *files)
{
	const cJSON *props =
	        cJSON_GetObjectItemCaseSensitive(entry, "properties");
	struct ic_attach *att;
	size_t photos = 0;
	enum ic_err rc;

	*out = NULL;
	*n = *files = 0;
	if (!cJSON_IsObject(props) || resource == NULL)
		return IC_OK;
	att = ic_arena_calloc(a, IC_MAX_ATTACHMENTS, sizeof(*att));
	if (att == NULL)
		return IC_ERR_NOMEM;
	/* Issue 15: u-video and u-audio are fetched as u-photo is: what
	 * they are comes from the bytes, not from the property. */
	rc = take(a, props, "photo", resource, att, n, &photos);
	if (rc == IC_OK)
		rc = take(a, props, "video", resource, att, n, &photos);
	if (rc == IC_OK)
		rc = take(a, props, "audio", resource, att, n, &photos);
	if (rc == IC_OK)
		rc = take(a, props, "attachment", resource, att, n, files);
	if (rc == IC_OK && *n)
		*out = att;
	return rc;
}

void ic_receive_strip_file_lines(char *text)
{
	char *cut = NULL;

	for (char *p = strstr(text, PAPERCLIP); p; p = strstr(p + 4, PAPERCLIP))
		if (p == text || p[-1] == '\n') {
			cut = p;
			break;
		}
	if (cut == NULL)
		return;
	while (cut > text && strchr(" \t\r\n", cut[-1]))
		cut--;
	*cut = '\0';
}

/* --- The job ---------------------------------------------------------- */

struct job_ctx {
	struct ic_req *req;
	const char *conv;
	struct ic_held_token held;
	const char **ids, **keys; /* pending files and their messages */
	size_t n;
	/* one file's outcome, for result_txn */
	const char *id, *key;
	struct ic_attach got;
};

static enum ic_err pending_txn(struct ic_store_txn *t, void *p)
{
	struct job_ctx *c = p;
	enum ic_err rc =
	        ic_store_held_get_in_txn(t, c->req->arena, c->conv, &c->held);

	if (rc != IC_OK)
		return rc;
	return ic_store_msg_pending_attachments_in_txn(
	        t, c->req->arena, c->conv, IC_RECEIVE_ATTACH_PER_JOB, &c->ids,
	        &c->keys, &c->n);
}

/* The message's record of the file takes the outcome; other fields of
 * the record stay as they are. */
static enum ic_err result_txn(struct ic_store_txn *t, void *p)
{
	struct job_ctx *c = p;
	struct ic_msg m;
	struct ic_attach *att;
	enum ic_err rc = ic_store_msg_by_key_in_txn(t, c->req->arena, c->conv,
	                                            c->key, &m);

	if (rc != IC_OK)
		return rc;
	att = ic_arena_calloc(c->req->arena, m.natt ? m.natt : 1, sizeof(*att));
	if (att == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < m.natt; i++) {
		att[i] = m.att[i];
		if (att[i].id && strcmp(att[i].id, c->id) == 0 &&
		    att[i].state == IC_ATTACH_PENDING) {
			att[i].state = c->got.state;
			att[i].type = c->got.type ? c->got.type : att[i].type;
			att[i].size = c->got.size;
			att[i].width = c->got.width;
			att[i].height = c->got.height;
		}
	}
	m.att = att;
	rc = ic_store_msg_update_in_txn(t, c->req->arena, &m);
	/* Deleted while its file was fetched: the bytes just written are
	 * named by nothing, and go as a delete's do (store_blobref.h). */
	if (rc == IC_OK && !ic_store_blobref_named_in_txn(t, c->id))
		rc = ic_due_schedule_in_txn(t, c->req->arena, IC_BLOB_GC_JOB,
		                            c->id, (long long)time(NULL), 0,
		                            true);
	return rc;
}

/* The bytes are what the URL named: their hash, typed from themselves. */
static enum ic_err keep_bytes(struct job_ctx *c, const char *url,
                              const struct ic_fetch_result *res)
{
	struct ic_media m;
	char id[65];
	enum ic_err rc;

	ic_digest_sha256_hex(res->body, res->body_len, id);
	if (strcmp(id, c->id) != 0) {
		ic_log(IC_LOG_WARN,
		       "attachment %s: bytes do not match its "
		       "name; not kept",
		       url);
		c->got.state = IC_ATTACH_FAILED;
		return IC_OK;
	}
	rc = ic_store_blob_put(c->req->arena, c->req->cfg.data_dir, res->body,
	                       res->body_len, id, c->req->errbuf);
	if (rc != IC_OK)
		return rc;
	ic_media_sniff((const unsigned char *)res->body, res->body_len, &m);
	c->got.state = IC_ATTACH_STORED;
	c->got.type = m.type;
	c->got.size = (long long)res->body_len;
	c->got.width = m.width;
	c->got.height = m.height;
	return IC_OK;
}

/* One file: IC_OK with c->got.state set to what became of it, or an
 * error when it is to be tried again. */
static enum ic_err fetch_one(struct job_ctx *c, const char *url)
{
	struct ic_fetch_result res;
	size_t file_max = c->req->cfg.attach_max_file
	                          ? c->req->cfg.attach_max_file
	                          : IC_CONFIG_ATTACH_FILE_BYTES_DEFAULT;
	const char *tag;
	enum ic_err rc;

	memset(&c->got, 0, sizeof(c->got));
	rc = ic_peer_get_feed(c->req, url, c->held.access_token, file_max, NULL,
	                      &res, &tag, c->req->errbuf);
	if (rc == IC_ERR_TOO_LARGE || rc == IC_ERR_BLOCKED ||
	    rc == IC_ERR_BAD_INPUT) {
		c->got.state = rc == IC_ERR_TOO_LARGE ? IC_ATTACH_TOO_LARGE
		                                      : IC_ATTACH_FAILED;
		return IC_OK;
	}
	if (rc != IC_OK)
		return rc;
	if (res.status == 404 || res.status == 410) {
		c->got.state = IC_ATTACH_FAILED;
		return IC_OK;
	}
	if (res.status != 200)
		return ic_fail(c->req->errbuf, IC_ERR_PROTOCOL,
		               "%s answered HTTP %ld", url, res.status);
	return keep_bytes(c, url, &res);
}

/* The URL the pending file was announced with. */
static enum ic_err url_txn(struct ic_store_txn *t, void *p)
{
	struct job_ctx *c = p;
	struct ic_msg m;
	enum ic_err rc = ic_store_msg_by_key_in_txn(t, c->req->arena, c->conv,
	                                            c->key, &m);

	c->got.url = NULL;
	for (size_t i = 0; rc == IC_OK && i < m.natt; i++)
		if (m.att[i].id && strcmp(m.att[i].id, c->id) == 0)
			c->got.url = m.att[i].url;
	return rc == IC_OK && c->got.url == NULL ? IC_ERR_NOT_FOUND : rc;
}

enum ic_err ic_receive_attach_job(struct ic_req *req, const char *conv)
{
	struct job_ctx c = {.req = req, .conv = conv};
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st), retry = IC_OK;

	if (rc == IC_OK)
		rc = ic_store_view(st, pending_txn, &c, req->errbuf);
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK; /* no conversation or no token: nothing to read */
	for (size_t i = 0; rc == IC_OK && i < c.n; i++) {
		const char *url;

		c.id = c.ids[i];
		c.key = c.keys[i];
		rc = ic_store_view(st, url_txn, &c, req->errbuf);
		url = c.got.url;
		if (rc == IC_OK)
			rc = fetch_one(&c, url);
		if (rc == IC_OK)
			rc = ic_store_update(st, result_txn, &c, req->errbuf);
		/* Its message is gone meanwhile: nothing to keep it for. */
		if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
		/* A file that failed for now waits; the others go on. */
		if (rc == IC_ERR_NETWORK || rc == IC_ERR_PROTOCOL ||
		    rc == IC_ERR_UNAUTHENTICATED) {
			ic_log(IC_LOG_INFO, "attachment %s: %s; tried again",
			       url, req->errbuf);
			retry = rc;
			rc = IC_OK;
		}
	}
	if (rc == IC_OK && retry == IC_OK && c.n == IC_RECEIVE_ATTACH_PER_JOB)
		retry = IC_ERR_NETWORK; /* more are waiting: come back */
	return rc != IC_OK ? rc : retry;
}
