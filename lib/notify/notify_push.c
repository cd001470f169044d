/*
 * notify_push.c - the owner's notification as an ntfy, Gotify or webhook
 * POST (see notify_push.h).
 */
#include "notify/notify_push.h"

#include <string.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/ic_limits.h"
#include "notify/notify_mail.h"
#include "notify/webpush.h"
#include "text/json.h"

/* A text as a push carries it: control bytes dropped but LF and tab (a CR
 * before LF dropped, a lone CR made LF), at most @p room bytes, cut on a
 * character boundary with "[...]"; *used: the bytes it took of @p room. */
static char *clip_text(struct ic_arena *a, const char *text, size_t room,
                       size_t *used)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), o = 0;
	char *out = ic_arena_alloc(a, (n < room ? n : room) + 6);
	bool cut = false;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];

		if (ch == '\r' && s[i + 1] == '\n')
			continue;
		if (ch == '\r')
			ch = '\n';
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			continue;
		if (o == room) {
			cut = true;
			break;
		}
		out[o++] = (char)ch;
	}
	/* Not in the middle of a character: back to its first byte. */
	while (cut && o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
		o--;
	if (cut && o > 0 && (unsigned char)out[o - 1] >= 0xc0)
		o--;
	*used = o;
	out[o] = '\0';
	if (cut)
		memcpy(out + o, "[...]", 6);
	return out;
}

/* Values of ours must be there and one line each: else a bug. */
static bool ours_ok(const struct ic_notify_push *p)
{
	const char *v[] = {p->conv, p->peer_url, p->link};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] == NULL || v[i][strcspn(v[i], "\r\n")] != '\0')
			return false;
	return p->what != NULL;
}

/* What happened, one line per kind of event. */
static enum ic_err describe(struct ic_buf *b, const struct ic_notify_push *p,
                            const char *name)
{
	const struct ic_notify_batch *w = p->what;
	enum ic_err rc = IC_OK;

	if (w->requests)
		rc = ic_buf_addf(b,
		                 "%s (%s) asks to start a conversation: a "
		                 "message request.\n",
		                 name, p->peer_url);
	if (rc == IC_OK && w->accepted)
		rc = ic_buf_addf(b, "%s (%s) accepted your invitation.\n", name,
		                 p->peer_url);
	if (rc == IC_OK && w->count)
		rc = ic_buf_addf(b, "%s (%s) sent you %lld new message%s.\n",
		                 name, p->peer_url, w->count,
		                 w->count == 1 ? "" : "s");
	return rc;
}

/* The plain text both ntfy and Gotify show: what happened, the texts. */
static enum ic_err message_text(struct ic_arena *a,
                                const struct ic_notify_push *p,
                                const char *name, char **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_NOTIFY_PUSH_MAX);
	size_t room = IC_NOTIFY_PUSH_TEXT_MAX, used;
	enum ic_err rc = describe(&b, p, name);

	for (size_t i = 0; rc == IC_OK && i < p->ntexts && room > 0; i++) {
		char *t = clip_text(a, p->texts[i], room, &used);

		rc = t ? ic_buf_addf(&b, "\n%s\n", t) : IC_ERR_NOMEM;
		room -= used;
	}
	/* ntfy shows the last line break as an empty line. */
	while (rc == IC_OK && b.len > 0 && b.buf[b.len - 1] == '\n')
		ic_buf_truncate(&b, b.len - 1);
	if (rc == IC_OK && (*out = ic_arena_take_buf(a, &b)) == NULL)
		rc = IC_ERR_NOMEM;
	if (rc != IC_OK)
		ic_buf_release(&b);
	return rc;
}

/* The title, one header line: ASCII as it is, else RFC 2047 words. */
static enum ic_err title_header(struct ic_arena *a, const char *title,
                                const char **out)
{
	struct ic_buf b = IC_BUF_INIT(IC_NOTIFY_PUSH_MAX);
	enum ic_err rc = ic_notify_header_words(&b, title, " ");

	if (rc == IC_OK && (*out = ic_arena_take_buf(a, &b)) == NULL)
		rc = IC_ERR_NOMEM;
	if (rc != IC_OK)
		ic_buf_release(&b);
	return rc;
}

/* ntfy's emoji tags: shown before the title. */
static const char *tags(const struct ic_notify_batch *w)
{
	if (w->requests)
		return "wave,indiechat";
	if (w->count)
		return "speech_balloon,indiechat";
	return "handshake,indiechat";
}

static enum ic_err fail_build(char *errbuf, enum ic_err rc)
{
	return ic_fail(errbuf, rc, "cannot build the push notification: %s",
	               ic_strerror(rc));
}

enum ic_err ic_notify_ntfy_build(struct ic_arena *a,
                                 const struct ic_notify_push *p,
                                 struct ic_notify_post *out, char *errbuf)
{
	const char *name, *title, *hdr = NULL;
	char *body = NULL;
	enum ic_err rc;

	memset(out, 0, sizeof(*out));
	if (!ours_ok(p))
		return fail_build(errbuf, IC_ERR_INTERNAL);
	name = ic_notify_mail_name(a, p->peer_name, p->peer_url);
	title = name ? ic_notify_mail_subject(a, p->what, name) : NULL;
	rc = title ? message_text(a, p, name, &body) : IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = title_header(a, title, &hdr);
	if (rc != IC_OK)
		return fail_build(errbuf, rc);
	out->body = body;
	out->len = strlen(body);
	out->content_type = "text/plain; charset=utf-8";
	out->headers[0] = (struct ic_fetch_header){"Title", hdr};
	out->headers[1] = (struct ic_fetch_header){"Click", p->link};
	out->headers[2] = (struct ic_fetch_header){"Tags", tags(p->what)};
	/* 4 ("high") for a request: a stranger waits for an answer. */
	out->headers[3] = (struct ic_fetch_header){
	        "Priority", p->what->requests ? "4" : "3"};
	out->nheaders = 4;
	return IC_OK;
}

/* @p j printed into @p out: the body of a JSON POST. */
static enum ic_err json_body(struct ic_arena *a, cJSON *j,
                             struct ic_notify_post *out)
{
	char *s = cJSON_PrintUnformatted(j);
	size_t n = s ? strlen(s) : 0;

	if (s == NULL)
		return IC_ERR_NOMEM;
	out->body = ic_arena_strndup(a, s, n);
	cJSON_free(s);
	if (out->body == NULL)
		return IC_ERR_NOMEM;
	out->len = n;
	out->content_type = "application/json";
	return n > IC_NOTIFY_PUSH_MAX ? IC_ERR_TOO_LARGE : IC_OK;
}

static void delete_tree(void *p)
{
	cJSON_Delete(p);
}

/* An object of Gotify's fields only (no "v"), freed with @p a. */
static cJSON *plain_object(struct ic_arena *a)
{
	cJSON *o = cJSON_CreateObject();

	/* On failure the cleanup has run already. */
	if (o != NULL && ic_arena_on_free(a, delete_tree, o) != IC_OK)
		return NULL;
	return o;
}

/* Gotify's extras: the click URL, and plain text (no markdown). */
static enum ic_err gotify_extras(cJSON *j, const char *link)
{
	cJSON *ex = cJSON_AddObjectToObject(j, "extras");
	cJSON *disp =
	        ex ? cJSON_AddObjectToObject(ex, "client::display") : NULL;
	cJSON *note =
	        ex ? cJSON_AddObjectToObject(ex, "client::notification") : NULL;
	cJSON *click = note ? cJSON_AddObjectToObject(note, "click") : NULL;
	enum ic_err rc = disp && click ? IC_OK : IC_ERR_NOMEM;

	if (rc == IC_OK)
		rc = ic_json_add_str(disp, "contentType", "text/plain");
	if (rc == IC_OK)
		rc = ic_json_add_str(click, "url", link);
	return rc;
}

enum ic_err ic_notify_gotify_build(struct ic_arena *a,
                                   const struct ic_notify_push *p,
                                   struct ic_notify_post *out, char *errbuf)
{
	const char *name, *title;
	char *text = NULL;
	cJSON *j = NULL;
	enum ic_err rc;

	memset(out, 0, sizeof(*out));
	if (!ours_ok(p))
		return fail_build(errbuf, IC_ERR_INTERNAL);
	name = ic_notify_mail_name(a, p->peer_name, p->peer_url);
	title = name ? ic_notify_mail_subject(a, p->what, name) : NULL;
	rc = title ? message_text(a, p, name, &text) : IC_ERR_NOMEM;
	if (rc == IC_OK && (j = plain_object(a)) == NULL)
		rc = IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "title", title);
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "message", text);
	/* Gotify's 4-7 is a normal notification, 8-10 a loud one. */
	if (rc == IC_OK)
		rc = ic_json_add_num(j, "priority", p->what->requests ? 7 : 5);
	if (rc == IC_OK)
		rc = gotify_extras(j, p->link);
	if (rc == IC_OK)
		rc = json_body(a, j, out);
	return rc == IC_OK ? IC_OK : fail_build(errbuf, rc);
}

/* The webhook's "texts": the clipped texts, IC_NOTIFY_TEXT_MAX bytes. */
static enum ic_err webhook_texts(struct ic_arena *a, cJSON *j,
                                 const struct ic_notify_push *p)
{
	cJSON *arr = cJSON_AddArrayToObject(j, "texts");
	size_t room = IC_NOTIFY_TEXT_MAX, used;

	if (arr == NULL)
		return IC_ERR_NOMEM;
	for (size_t i = 0; i < p->ntexts && room > 0; i++) {
		char *t = clip_text(a, p->texts[i], room, &used);
		cJSON *s = t ? cJSON_CreateString(t) : NULL;

		if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return IC_ERR_NOMEM;
		}
		room -= used;
	}
	return IC_OK;
}

/* docs/configuration.md, "The webhook's JSON": keep the two together. */
static enum ic_err webhook_json(struct ic_arena *a, cJSON *j,
                                const struct ic_notify_push *p,
                                const char *name)
{
	const struct ic_notify_batch *w = p->what;
	char *id = ic_arena_printf(a, "%s.%lld", p->conv, p->batch), *summary;
	cJSON *peer = cJSON_AddObjectToObject(j, "peer");
	cJSON *counts = cJSON_AddObjectToObject(j, "counts");
	enum ic_err rc = id && peer && counts ? IC_OK : IC_ERR_NOMEM;

	if (rc == IC_OK)
		rc = ic_json_add_str(j, "event", "notification");
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "id", id);
	if (rc == IC_OK)
		rc = ic_json_add_num(j, "date", p->date);
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "conversation", p->conv);
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "link", p->link);
	if (rc == IC_OK)
		rc = ic_json_add_str(peer, "url", p->peer_url);
	if (rc == IC_OK)
		rc = ic_json_add_str(peer, "name", name);
	if (rc == IC_OK)
		rc = ic_json_add_num(counts, "messages", w->count);
	if (rc == IC_OK)
		rc = ic_json_add_num(counts, "requests", w->requests);
	if (rc == IC_OK)
		rc = ic_json_add_num(counts, "accepted", w->accepted);
	if (rc == IC_OK &&
	    (summary = ic_notify_mail_subject(a, w, name)) == NULL)
		rc = IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "summary", summary);
	if (rc == IC_OK && p->texts != NULL)
		rc = webhook_texts(a, j, p);
	return rc;
}

enum ic_err ic_notify_webhook_build(struct ic_arena *a,
                                    const struct ic_notify_push *p,
                                    const char *secret, size_t secretlen,
                                    struct ic_notify_post *out, char *errbuf)
{
	const char *name;
	char *sig = NULL;
	cJSON *j = NULL;
	enum ic_err rc;

	memset(out, 0, sizeof(*out));
	if (!ours_ok(p) || secret == NULL || secretlen == 0)
		return fail_build(errbuf, IC_ERR_INTERNAL);
	name = ic_notify_mail_name(a, p->peer_name, p->peer_url);
	rc = name && (j = ic_json_record(a, 1)) != NULL ? IC_OK : IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = webhook_json(a, j, p, name);
	if (rc == IC_OK)
		rc = json_body(a, j, out);
	/* The signature covers the exact bytes sent. */
	if (rc == IC_OK)
		rc = ic_crypto_hub_signature(a, secret, secretlen, out->body,
		                             out->len, &sig, NULL);
	if (rc != IC_OK)
		return fail_build(errbuf, rc);
	out->headers[0] =
	        (struct ic_fetch_header){"X-IndieChat-Signature", sig};
	out->nheaders = 1;
	return IC_OK;
}

/* Web Push's body without the texts: a phone's lock screen shows it. */
static char *webpush_what(struct ic_arena *a, const struct ic_notify_batch *w)
{
	if (w->requests)
		return ic_arena_strdup(a, "Message request");
	if (w->count > 1)
		return ic_arena_printf(a, "%lld new messages", w->count);
	if (w->count == 1)
		return ic_arena_strdup(a, "New message");
	return ic_arena_strdup(a, "Accepted your invitation");
}

/* The texts, one paragraph each, IC_WEBPUSH_TEXT_MAX bytes together. */
static char *webpush_texts(struct ic_arena *a, const struct ic_notify_push *p)
{
	struct ic_buf b = IC_BUF_INIT(IC_WEBPUSH_TEXT_MAX + 256);
	size_t room = IC_WEBPUSH_TEXT_MAX, used;
	enum ic_err rc = IC_OK;
	char *out;

	for (size_t i = 0; rc == IC_OK && i < p->ntexts && room > 0; i++) {
		char *t = clip_text(a, p->texts[i], room, &used);

		rc = t ? ic_buf_addf(&b, "%s%s", i ? "\n" : "", t)
		       : IC_ERR_NOMEM;
		room -= used;
	}
	out = rc == IC_OK ? ic_arena_take_buf(a, &b) : NULL;
	if (out == NULL)
		ic_buf_release(&b);
	return out;
}

enum ic_err ic_notify_webpush_build(struct ic_arena *a,
                                    const struct ic_notify_push *p, char **json,
                                    size_t *len, char *errbuf)
{
	struct ic_notify_post post;
	const char *name, *body;
	cJSON *j = NULL;
	enum ic_err rc;

	*json = NULL;
	*len = 0;
	if (!ours_ok(p))
		return fail_build(errbuf, IC_ERR_INTERNAL);
	name = ic_notify_mail_name(a, p->peer_name, p->peer_url);
	body = p->ntexts && p->what->count ? webpush_texts(a, p)
	                                   : webpush_what(a, p->what);
	rc = name && body && (j = plain_object(a)) != NULL ? IC_OK
	                                                   : IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "title", name);
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "body", body);
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "url", p->link);
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "tag", p->conv);
	if (rc == IC_OK)
		rc = json_body(a, j, &post);
	if (rc == IC_OK && post.len > IC_WEBPUSH_PLAIN_MAX)
		rc = IC_ERR_TOO_LARGE;
	if (rc != IC_OK)
		return fail_build(errbuf, rc);
	*json = (char *)post.body;
	*len = post.len;
	return IC_OK;
}
