/*
 * webpush.h - the cryptography of a Web Push message (issue 16): RFC 8291
 * message encryption and RFC 8292 VAPID, on OpenSSL libcrypto.  Pure, no
 * I/O: the job (notify.h) builds with it what push_post.h sends to the
 * push service of each of the owner's devices (RFC 8030).
 *
 *  - Encryption (RFC 8291 §3.3-3.4, RFC 8188): an ephemeral P-256 key
 *    pair and a random 16-byte salt per message; ECDH with the device's
 *    p256dh key, HKDF-SHA-256 with its auth secret, then AES-128-GCM of
 *    the payload and its 0x02 delimiter in one record.  The body is the
 *    aes128gcm header (salt, rs = 4096, the ephemeral public key as keyid)
 *    and that record; it goes with `Content-Encoding: aes128gcm`.
 *  - VAPID (RFC 8292): an ES256 JWT signed with the site's key pair, aud =
 *    the push service's origin, exp = now + IC_WEBPUSH_VAPID_SECONDS (at
 *    most 24 h, §2), sub = the owner's contact when it is a mailto: or
 *    https: URI; the header is `vapid t=<jwt>, k=<public key>`.
 *
 * Keys travel as unpadded base64url, as the browser's PushSubscription
 * gives them: p256dh an uncompressed point (65 bytes), auth 16 bytes, the
 * VAPID private key a 32-byte scalar.  Each is decoded strictly and
 * checked (length, on the curve) before use: a bad one is IC_ERR_BAD_INPUT
 * with a sentence naming the field, and nothing is built.
 *
 * Limits: one record of at most IC_WEBPUSH_RS bytes, the size every push
 * service must accept (RFC 8291 §4), so a payload has at most
 * IC_WEBPUSH_PLAIN_MAX bytes (3993); more is IC_ERR_TOO_LARGE.
 *
 * Ownership: everything returned lives in the arena given.  Secrets
 * (private keys, ECDH output, derived keys) are cleansed from the stack.
 */
#ifndef IC_WEBPUSH_H
#define IC_WEBPUSH_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/* An uncompressed P-256 point: 0x04, X, Y. */
#define IC_WEBPUSH_KEY_BYTES 65
/* A P-256 private scalar. */
#define IC_WEBPUSH_PRIV_BYTES 32
/* The subscription's auth secret (RFC 8291 §3.2). */
#define IC_WEBPUSH_AUTH_BYTES 16
#define IC_WEBPUSH_SALT_BYTES 16
/* The record size we declare, and the whole body's limit (RFC 8291 §4). */
#define IC_WEBPUSH_RS 4096
/* salt, rs, idlen, keyid (RFC 8188 §2.1). */
#define IC_WEBPUSH_HEADER_BYTES                                                \
	(IC_WEBPUSH_SALT_BYTES + 4 + 1 + IC_WEBPUSH_KEY_BYTES)
#define IC_WEBPUSH_TAG_BYTES 16
/* The largest payload: the body minus header, delimiter and tag. */
#define IC_WEBPUSH_PLAIN_MAX                                                   \
	(IC_WEBPUSH_RS - IC_WEBPUSH_HEADER_BYTES - 1 - IC_WEBPUSH_TAG_BYTES)
/* A VAPID JWT's lifetime: RFC 8292 §2 allows 24 h; half leaves room for
 * a push service whose clock is ahead. */
#define IC_WEBPUSH_VAPID_SECONDS (12 * 3600)

/**
 * Encrypt @p len bytes of @p plain for a device whose subscription keys
 * are @p p256dh and @p auth (base64url), with a fresh ephemeral key and
 * salt.
 * @param[out] out     the aes128gcm body, from @p a.
 * @param[out] outlen  its length: IC_WEBPUSH_HEADER_BYTES + @p len + 17.
 * @return IC_OK; IC_ERR_BAD_INPUT (a key that is not base64url, of the
 *         wrong length, or not on the curve); IC_ERR_TOO_LARGE (@p len
 *         past IC_WEBPUSH_PLAIN_MAX); IC_ERR_NOMEM; IC_ERR_INTERNAL
 *         (libcrypto failed).
 */
enum ic_err ic_webpush_encrypt(struct ic_arena *a, const char *p256dh,
                               const char *auth, const void *plain, size_t len,
                               unsigned char **out, size_t *outlen,
                               char *errbuf);

/**
 * ic_webpush_encrypt() with the ephemeral private key @p as_priv and the
 * salt @p salt given: a test-only seam, for the RFC 8291 Appendix A
 * vector.  Production code never calls it (reusing a salt or key with
 * the same device would repeat the content key).
 */
enum ic_err
ic_webpush_encrypt_with(struct ic_arena *a, const char *p256dh,
                        const char *auth, const void *plain, size_t len,
                        const unsigned char as_priv[IC_WEBPUSH_PRIV_BYTES],
                        const unsigned char salt[IC_WEBPUSH_SALT_BYTES],
                        unsigned char **out, size_t *outlen, char *errbuf);

/**
 * Check a subscription's keys as a browser sent them: @p p256dh a P-256
 * point and @p auth 16 bytes, both base64url.
 * @return IC_OK; IC_ERR_BAD_INPUT (@p errbuf names the key and why).
 */
enum ic_err ic_webpush_check_keys(const char *p256dh, const char *auth,
                                  char *errbuf);

/**
 * A new VAPID key pair, as base64url: @p priv (43 characters, secret)
 * and @p pub (87, what the browser's applicationServerKey takes).
 * @return IC_OK; IC_ERR_NOMEM; IC_ERR_INTERNAL (no randomness).
 */
enum ic_err ic_webpush_vapid_keygen(struct ic_arena *a, char **priv, char **pub,
                                    char *errbuf);

/**
 * The public key (base64url) of VAPID private key @p priv (base64url).
 * @return IC_OK; IC_ERR_BAD_INPUT (not a P-256 scalar); IC_ERR_NOMEM;
 *         IC_ERR_INTERNAL.
 */
enum ic_err ic_webpush_vapid_public(struct ic_arena *a, const char *priv,
                                    char **pub, char *errbuf);

/**
 * The Authorization header value for a POST to @p endpoint (an http(s)
 * URL): `vapid t=<ES256 JWT>, k=<public key>`, valid from @p now (unix
 * seconds) for IC_WEBPUSH_VAPID_SECONDS.  @p sub is put in the JWT when
 * it is a mailto: or https: URI, left out otherwise (it is optional).
 * @return IC_OK; IC_ERR_BAD_INPUT (a bad key or endpoint); IC_ERR_NOMEM;
 *         IC_ERR_INTERNAL (libcrypto failed).
 */
enum ic_err ic_webpush_vapid_auth(struct ic_arena *a, const char *priv,
                                  const char *endpoint, const char *sub,
                                  long long now, char **header, char *errbuf);

#endif /* IC_WEBPUSH_H */
