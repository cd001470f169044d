/*
 * webpush_devices.h - the owner's devices for Web Push (issue 16): the
 * settings page's "Notify this browser" switch talks to these
 * (`auth` program; public/indiechat.js):
 *
 *   GET  B/auth/webpush              {"key": VAPID public key, "devices": n}
 *                                    (IC_NEED_OWNER_API; makes the site's
 *                                    key pair on first use)
 *   POST B/auth/webpush/subscribe    endpoint, p256dh, auth
 *   POST B/auth/webpush/unsubscribe  endpoint
 *
 * The POSTs are IC_NEED_OWNER_ACTION (session, CSRF field, same Origin:
 * the router refuses anything else before these run).  They answer 200
 * JSON {"ok": true, "devices": n} to the script, or 303 to the form's
 * next.  A subscription is checked before it is kept: the endpoint an
 * https URL (plain http only in dev_mode, where the guarded fetch allows
 * the local test fixtures too), at most IC_WEBPUSH_ENDPOINT_MAX bytes;
 * the keys as notify/webpush.h wants them; at most
 * IC_WEBPUSH_DEVICES_MAX devices.  A bad one is a 400 whose message says
 * what is wrong, and nothing is stored.
 */
#ifndef IC_WEBPUSH_DEVICES_H
#define IC_WEBPUSH_DEVICES_H

#include "cgi/cgi.h"
#include "core/err.h"

enum ic_err ic_webpush_key_get(struct ic_req *req);
enum ic_err ic_webpush_subscribe(struct ic_req *req);
enum ic_err ic_webpush_unsubscribe(struct ic_req *req);

#endif /* IC_WEBPUSH_DEVICES_H */
