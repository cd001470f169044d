/*
 * push_post.h - send one push notification (notify_push.h) to the
 * owner's service with the guarded fetch (net/fetch.h), issue 16.
 *
 * The URL is the owner's own configuration, but it still goes through
 * ic_fetch() and its rules: public addresses only outside dev_mode,
 * redirects checked (a 307/308 re-sends the POST, a 301/302 is an
 * error), the Bearer token only to the URL's origin and never over plain
 * http.  One POST takes at most IC_NOTIFY_PUSH_TIMEOUT_MS and reads at
 * most IC_NOTIFY_PUSH_REPLY_BYTES of the answer, which is read only for
 * its status: any 2xx is delivered; anything else is an error the job
 * retries with backoff.
 */
#ifndef IC_PUSH_POST_H
#define IC_PUSH_POST_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"
#include "notify/notify_push.h"

/**
 * POST @p post to @p url, with `Authorization: Bearer @p bearer` unless
 * @p bearer is NULL or "".
 * @return IC_OK (2xx); IC_ERR_PROTOCOL (another status: @p errbuf names
 *         it); the errors of ic_fetch().
 */
enum ic_err ic_push_post(struct ic_arena *a, const char *url,
                         const char *bearer, bool dev_mode,
                         const struct ic_notify_post *post, char *errbuf);

/**
 * ic_push_post() for Web Push (RFC 8030 §5): `Authorization: @p scheme
 * @p cred` (VAPID's "vapid", RFC 8292 §3), and the answer's status in
 * @p status (0 when there was none), so that the caller can tell a
 * device that is gone (404, 410) from a push service that failed.
 * @return as ic_push_post().
 */
enum ic_err ic_push_post_status(struct ic_arena *a, const char *url,
                                const char *scheme, const char *cred,
                                bool dev_mode,
                                const struct ic_notify_post *post, long *status,
                                char *errbuf);

#endif /* IC_PUSH_POST_H */
