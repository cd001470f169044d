/*
 * webpush_send.h - the Web Push channel of the notification job (issue
 * 16, notify.h): one notification to each of the owner's devices
 * (store/store_webpush.h), encrypted for it and signed with the site's
 * VAPID key (webpush.h), POSTed to its push service (RFC 8030 §5) through
 * push_post.h with `Content-Encoding: aes128gcm`, `TTL`, `Urgency:
 * normal` and `Authorization: vapid t=…, k=…`.
 *
 * Per device: a 2xx is told (remembered, so a retry of the batch skips
 * it); 404 or 410 means the subscription is gone (RFC 8030 §7.3, the
 * user unsubscribed or the browser dropped it), so the device is removed
 * and that is no failure; anything else fails the channel, and the job
 * retries the batch with backoff for the devices not told yet.  No key
 * or no device: nothing to send, the channel has told.
 */
#ifndef IC_WEBPUSH_SEND_H
#define IC_WEBPUSH_SEND_H

#include "cgi/cgi.h"
#include "core/err.h"
#include "notify/notify_push.h"
#include "store/store.h"

/**
 * Tell every device not yet told what @p p says.
 * @return IC_OK (every device told or gone); the first device's error
 *         otherwise (@p errbuf says which push service, the others are
 *         logged).
 */
enum ic_err ic_webpush_send(struct ic_req *req, struct ic_store *store,
                            const struct ic_notify_push *p, char *errbuf);

#endif /* IC_WEBPUSH_SEND_H */
