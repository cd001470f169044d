/*
 * notify_push.h - the owner's notification as an HTTP POST to a push
 * service they run (issue 16): ntfy, Gotify, or a signed webhook.  Pure,
 * no I/O: the unit tests and the job (notify.h) share it; push_post.h
 * sends what it builds.
 *
 *  - ntfy (notify_ntfy_format = ntfy): the body is plain text, what
 *    happened and, when asked for, the texts; the headers are Title
 *    (RFC 2047 encoded words when not ASCII: ntfy decodes them), Click
 *    (the conversation page), Tags (emoji short codes) and Priority
 *    (1-5), as ntfy's publish API documents.
 *  - Gotify (notify_ntfy_format = gotify): JSON {title, message,
 *    priority, extras} for POST /message, the click URL in the
 *    "client::notification" extra; the app token goes as a Bearer token,
 *    which Gotify accepts like ntfy.
 *  - webhook: JSON (docs/configuration.md, "The webhook's JSON") with
 *    `X-IndieChat-Signature: sha256=<hex HMAC-SHA256 of the body under
 *    notify_webhook_secret>`, the form of WebSub's X-Hub-Signature.
 *
 * Privacy by default, as the mail: the texts are in only when the
 * caller passes them (the channel's *_text key).  The correspondent's
 * name is hostile: it goes through ic_notify_mail_name() (no control
 * characters, at most IC_NOTIFY_NAME_MAX bytes, their host when unusable)
 * before it reaches a header or the JSON.  Texts lose their control
 * characters but LF and tab, and are cut on a character boundary:
 * IC_NOTIFY_PUSH_TEXT_MAX bytes together for ntfy and Gotify (ntfy makes
 * a longer message an attachment), IC_NOTIFY_TEXT_MAX for the webhook.
 *
 * Ownership: everything built lives in the arena given.
 */
#ifndef IC_NOTIFY_PUSH_H
#define IC_NOTIFY_PUSH_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "net/fetch.h"
#include "store/store_notify.h"

/* What to tell: the same for every channel. */
struct ic_notify_push {
	const char *conv;      /* conversation id */
	long long batch;       /* its batch: with conv, the delivery id */
	const char *peer_name; /* from their h-card (hostile), or NULL */
	const char *peer_url;  /* their profile URL */
	const char *link;      /* the conversation page */
	long long date;        /* unix seconds: when this goes out */
	const struct ic_notify_batch *what;
	const char *const *texts; /* the new messages' texts, or NULL */
	size_t ntexts;
};

/* One POST, ready for ic_fetch(). */
struct ic_notify_post {
	const char *body;
	size_t len;
	const char *content_type;
	struct ic_fetch_header headers[IC_FETCH_MAX_EXTRA_HEADERS];
	size_t nheaders;
};

/**
 * Build the ntfy request.
 * @return IC_OK; IC_ERR_NOMEM; IC_ERR_TOO_LARGE (past IC_NOTIFY_PUSH_MAX,
 *         a bug); IC_ERR_INTERNAL when a value of ours is missing.
 */
enum ic_err ic_notify_ntfy_build(struct ic_arena *a,
                                 const struct ic_notify_push *p,
                                 struct ic_notify_post *out, char *errbuf);

/** Build the Gotify request.  Errors as ic_notify_ntfy_build(). */
enum ic_err ic_notify_gotify_build(struct ic_arena *a,
                                   const struct ic_notify_push *p,
                                   struct ic_notify_post *out, char *errbuf);

/**
 * Build the webhook request, signed with @p secret (@p secretlen bytes).
 * Errors as ic_notify_ntfy_build().
 */
enum ic_err ic_notify_webhook_build(struct ic_arena *a,
                                    const struct ic_notify_push *p,
                                    const char *secret, size_t secretlen,
                                    struct ic_notify_post *out, char *errbuf);

/**
 * Build the Web Push payload (before encryption, notify/webpush.h): JSON
 * {title: the correspondent's name, body: what happened ("New message",
 * "3 new messages", "Message request", "Accepted your invitation") or,
 * when @p p has texts, the texts (IC_WEBPUSH_TEXT_MAX bytes together),
 * url: the conversation page, tag: the conversation id (a newer
 * notification replaces the older one on the device)}, which
 * public/sw.js shows.  At most IC_WEBPUSH_PLAIN_MAX bytes.
 * @param[out] json  the payload, from @p a; @p len its length.
 * @return as ic_notify_ntfy_build().
 */
enum ic_err ic_notify_webpush_build(struct ic_arena *a,
                                    const struct ic_notify_push *p, char **json,
                                    size_t *len, char *errbuf);

#endif /* IC_NOTIFY_PUSH_H */
