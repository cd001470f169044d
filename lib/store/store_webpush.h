/*
 * store_webpush.h - Web Push's records (issue 16): the site's VAPID key
 * pair and the owner's devices, in the "webpush" database.
 *
 * webpush: "vapid"        -> {"v":1, "priv", "pub"}  (base64url, RFC 8292)
 *          "d:<sha256 hex of the endpoint>"
 *                         -> {"v":1, "endpoint", "p256dh", "auth", "added",
 *                             "told"}
 *
 * The key pair is made once per site, lazily, by whoever needs it first
 * (the settings page's switch, or the job): ic_store_webpush_vapid_in_txn()
 * keeps a pair already stored and stores the one offered otherwise, so two
 * racing first uses agree on one.  The private key never leaves the store
 * but to sign; backups carry it (a restored site keeps its devices).
 *
 * A device is keyed by its endpoint's hash: subscribing again from the
 * same browser replaces its keys, and a push service's 404/410 for an
 * endpoint removes exactly that device.  At most IC_WEBPUSH_DEVICES_MAX
 * devices.  Values are checked by the caller (notify/webpush.h for the
 * keys, web/ for the endpoint URL); this module only keeps them.
 *
 * Once per device: the job (notify.h) tells every device a batch, and a
 * device that failed makes it retry the batch; "told" keeps the ids
 * ("<conv>:<batch>") of the last IC_WEBPUSH_TOLD_KEEP notifications each
 * device got, so the retry skips the devices told already.  (The batch's
 * per-channel "f_told" bit, store_notify.h, is set once all are.)
 *
 * All functions run in the caller's transaction; what they return lives
 * in the arena given.
 */
#ifndef IC_STORE_WEBPUSH_H
#define IC_STORE_WEBPUSH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

/* One of the owner's devices, as its browser subscribed. */
struct ic_webpush_device {
	const char *endpoint; /* the push service URL (RFC 8030 §5) */
	const char *p256dh;   /* base64url, the device's P-256 key */
	const char *auth;     /* base64url, its auth secret */
	long long added;      /* unix seconds */
	const char *told;     /* the last notifications it got: " id id " */
};

/**
 * The site's VAPID key pair: the stored one, else @p new_priv and
 * @p new_pub are stored and returned (NULL for either: read only).
 * @return IC_OK; IC_ERR_NOT_FOUND (none stored, none offered);
 *         IC_ERR_NOMEM; IC_ERR_DATABASE.
 */
enum ic_err ic_store_webpush_vapid_in_txn(struct ic_store_txn *t,
                                          struct ic_arena *a,
                                          const char *new_priv,
                                          const char *new_pub,
                                          const char **priv, const char **pub);

/**
 * Add device @p d, or replace the one with the same endpoint.
 * @return IC_OK; IC_ERR_TOO_LARGE (IC_WEBPUSH_DEVICES_MAX devices
 *         already, the message says so); IC_ERR_NOMEM; IC_ERR_DATABASE.
 */
enum ic_err ic_store_webpush_add_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a,
                                        const struct ic_webpush_device *d);

/**
 * Remove the device subscribed at @p endpoint.
 * @return IC_OK; IC_ERR_NOT_FOUND (no such device: nothing changed);
 *         IC_ERR_DATABASE.
 */
enum ic_err ic_store_webpush_remove_in_txn(struct ic_store_txn *t,
                                           const char *endpoint);

/**
 * Device @p endpoint got notification @p id: remember it (the oldest of
 * more than IC_WEBPUSH_TOLD_KEEP is forgotten).  Nothing when the device
 * is gone.
 * @return IC_OK; IC_ERR_NOMEM; IC_ERR_DATABASE.
 */
enum ic_err ic_store_webpush_told_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a,
                                         const char *endpoint, const char *id);

/** Whether device @p d got notification @p id already. */
bool ic_store_webpush_was_told(const struct ic_webpush_device *d,
                               const char *id);

/**
 * The devices, in key order (at most IC_WEBPUSH_DEVICES_MAX); unreadable
 * records are skipped.
 * @return IC_OK; IC_ERR_NOMEM; IC_ERR_DATABASE.
 */
enum ic_err ic_store_webpush_list_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a,
                                         struct ic_webpush_device **out,
                                         size_t *n);

#endif /* IC_STORE_WEBPUSH_H */
