/*
 * push_post.c - one push notification over the guarded fetch (see
 * push_post.h).
 */
#include "notify/push_post.h"

#include "core/ic_limits.h"
#include "net/fetch.h"

enum ic_err ic_push_post_status(struct ic_arena *a, const char *url,
                                const char *scheme, const char *cred,
                                bool dev_mode,
                                const struct ic_notify_post *post, long *status,
                                char *errbuf)
{
	struct ic_fetch_req f = {0};
	struct ic_fetch_result res;
	enum ic_err rc;

	*status = 0;
	f.method = "POST";
	f.url = url;
	f.body = post->body;
	f.body_len = post->len;
	f.content_type = post->content_type;
	f.bearer = cred && cred[0] ? cred : NULL;
	f.auth_scheme = scheme;
	f.headers = post->headers;
	f.nheaders = post->nheaders;
	f.max_bytes = IC_NOTIFY_PUSH_REPLY_BYTES;
	f.timeout_ms = IC_NOTIFY_PUSH_TIMEOUT_MS;
	f.dev_mode = dev_mode;
	rc = ic_fetch(a, &f, &res, errbuf);
	if (rc != IC_OK)
		return rc;
	*status = res.status;
	if (res.status < 200 || res.status > 299)
		/* Not the URL: a Gotify token may be in its query. */
		return ic_fail(errbuf, IC_ERR_PROTOCOL,
		               "it answered HTTP status %ld", res.status);
	return IC_OK;
}

enum ic_err ic_push_post(struct ic_arena *a, const char *url,
                         const char *bearer, bool dev_mode,
                         const struct ic_notify_post *post, char *errbuf)
{
	long status;

	return ic_push_post_status(a, url, NULL, bearer, dev_mode, post,
	                           &status, errbuf);
}
