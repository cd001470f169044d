/*
 * crypto.h - random secrets, hashes, HMAC and the encodings around them.
 *
 * One layer for randomness (getrandom(2)), SHA-256, HMAC (RFC 2104 over
 * libmd's SHA-1/SHA-2) and constant-time comparison, so that the rest of
 * lib/ never hashes or draws randomness itself and never compares a
 * secret with memcmp().  It links only libmd, so any program can use it
 * without libcrypto's 2.3 ms at exec (crypto.c says why).
 *
 * Invariants:
 *  - every secret we issue comes from ic_crypto_random() (the kernel's CSPRNG)
 *    and has at least 128 bits (TE-7, TS-2; we use IC_SECRET_BYTES = 256);
 *  - secrets are stored only as SHA-256 hashes (DESIGN.md "Storage"), so
 *    ic_crypto_sha256*() is how a presented secret is looked up;
 *  - secret-dependent comparisons go through ic_crypto_equal() (constant
 *    time for equal lengths);
 *  - error messages name the field and the reason, never a secret or a
 *    signature value.
 *
 * Ownership: strings returned through `char **out` live in the arena `a`
 * given to the call; fixed-size outputs are written into caller buffers
 * whose sizes are stated on each function.  Nothing here keeps state.
 */
#ifndef IC_CRYPTO_H
#define IC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ic_limits.h"

/* Bytes of a SHA-256 digest. */
#define IC_CRYPTO_SHA256_BYTES 32
/* Largest HMAC output we produce (SHA-512). */
#define IC_CRYPTO_MAX_MAC_BYTES 64

/** Characters of unpadded base64url for @p n bytes (no terminator). */
#define IC_CRYPTO_B64URL_LEN(n) ((n) / 3 * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
/** Characters of unpadded base32 for @p n bytes (no terminator). */
#define IC_CRYPTO_B32_LEN(n) (((n)*8 + 4) / 5)

/** HMAC hash functions, the four WebSub allows (WS-S-23). */
enum ic_crypto_hmac_alg {
	IC_HMAC_SHA1,
	IC_HMAC_SHA256,
	IC_HMAC_SHA384,
	IC_HMAC_SHA512
};

/* --- Random secrets and ids (TE-7, TS-2) ------------------------------ */

/**
 * Fill @p buf with @p n bytes from the kernel's CSPRNG (getrandom(2)).
 * @param[out] buf     receives the bytes (n == 0 is fine).
 * @param[in]  n       how many bytes.
 * @param[out] errbuf  optional, IC_ERRBUF_SIZE bytes.
 * @return IC_OK, or IC_ERR_INTERNAL when the generator failed (the
 *         contents of @p buf must then not be used).
 */
enum ic_err ic_crypto_random(void *buf, size_t n, char *errbuf);

/**
 * A fresh bearer secret: IC_SECRET_BYTES random bytes as unpadded
 * base64url (43 characters), for tokens, tickets, sessions and states
 * (TE-7, TS-2: opaque, 16-512 characters, >= 128 bits).
 * @param[in]  a    the arena the string comes from.
 * @param[out] out  receives the NUL-terminated token (from @p a).
 * @return IC_OK; IC_ERR_INTERNAL (no randomness); IC_ERR_NOMEM.
 */
enum ic_err ic_crypto_token(struct ic_arena *a, char **out, char *errbuf);

/**
 * A random identifier for URLs (topic ids, callback ids): @p nbytes random
 * bytes as lowercase unpadded RFC 4648 base32, e.g. 26 characters for 16
 * bytes.  Lowercase base32 survives case-folding proxies and reads well.
 * @param[in]  a       the arena the string comes from.
 * @param[in]  nbytes  IC_CRYPTO_MIN_ID_BYTES..IC_CRYPTO_MAX_ID_BYTES.
 * @param[out] out     receives the NUL-terminated id (from @p a).
 * @return IC_OK; IC_ERR_INTERNAL for @p nbytes out of range (a bug) or no
 *         randomness; IC_ERR_NOMEM.
 */
enum ic_err ic_crypto_random_id(struct ic_arena *a, size_t nbytes, char **out,
                                char *errbuf);

/* --- Hashes and comparison -------------------------------------------- */

/**
 * SHA-256 of @p len bytes at @p data (NULL is fine when @p len is 0).
 * @param[out] out  receives IC_CRYPTO_SHA256_BYTES bytes.
 * Cannot fail.
 */
void ic_crypto_sha256(const void *data, size_t len,
                      unsigned char out[IC_CRYPTO_SHA256_BYTES]);

/**
 * SHA-256 of @p data as 64 lowercase hex digits and a NUL, the form in
 * which issued secrets are stored and looked up (TE-7).
 * @param[out] out  receives 65 bytes.
 */
void ic_crypto_sha256_hex(const void *data, size_t len, char out[65]);

/**
 * Compare @p n bytes in time that depends only on @p n.
 * @return true when equal (and for n == 0).
 */
bool ic_crypto_equal(const void *a, const void *b, size_t n);

/**
 * HMAC of @p len bytes at @p data under @p key.
 * @param[in]     alg     which hash.
 * @param[in]     key     the key; NULL is fine when @p keylen is 0.
 * @param[out]    out     receives the MAC.
 * @param[in,out] outlen  in: bytes available at @p out (give
 *                        IC_CRYPTO_MAX_MAC_BYTES to fit any @p alg);
 *                        out: the MAC length (20, 32, 48 or 64).
 * @return IC_OK; IC_ERR_INTERNAL for a bad @p alg or a too-small @p out.
 *         A key longer than the hash's block is hashed first (RFC 2104).
 */
enum ic_err ic_crypto_hmac(enum ic_crypto_hmac_alg alg, const void *key,
                           size_t keylen, const void *data, size_t len,
                           unsigned char *out, size_t *outlen, char *errbuf);

/* --- WebSub signatures (WS-S-23, WS-S-24) ----------------------------- */

/**
 * Check an X-Hub-Signature header against the raw delivery body.
 *
 * The header is `method=hex`: the method is sha1, sha256, sha384 or sha512
 * in any case; the hex may be upper or lower case.  The hex is decoded and
 * must be exactly the digest length (websub.rocks 301 sends a valid
 * signature plus 4 digits: rejected), then compared in constant time.
 * Surrounding spaces and tabs are ignored (HTTP OWS).
 *
 * @param[in]  header     the header value, or NULL when absent.
 * @param[in]  secret     the subscription's hub.secret.
 * @param[in]  body       the raw body, exactly as received (NULL if len 0).
 * @param[out] errbuf     says which of the three failures it was.
 * @return IC_OK when the signature matches; IC_ERR_FORBIDDEN when it is
 *         missing ("signature missing", WS-S-24: answer 403), malformed
 *         (unknown method, bad hex, wrong length) or does not match
 *         (WS-S-23: do not process the body).
 */
enum ic_err ic_crypto_hub_signature_verify(const char *header,
                                           const void *secret, size_t secretlen,
                                           const void *body, size_t len,
                                           char *errbuf);

/**
 * Sign a delivery body for our built-in hub's fan-out: the header value
 * `sha256=<64 lowercase hex>` (WebSub §7.1.2; SHA-256 per §8.3).
 * @param[out] header_value  NUL-terminated, from arena @p a.
 * @return IC_OK; IC_ERR_NOMEM.
 */
enum ic_err ic_crypto_hub_signature(struct ic_arena *a, const void *secret,
                                    size_t secretlen, const void *body,
                                    size_t len, char **header_value,
                                    char *errbuf);

/* --- PKCE (IA-C-9) ---------------------------------------------------- */

/**
 * The S256 code_challenge for a PKCE code_verifier: unpadded
 * base64url(SHA-256(verifier)) (RFC 7636 §4.2).
 * @param[in]  verifier  43-128 characters of [A-Za-z0-9-._~] (§4.1).
 * @param[out] out       receives 43 characters and a NUL.
 * @return IC_OK; IC_ERR_BAD_INPUT when @p verifier is NULL, has the wrong
 *         length or a character outside the set (@p out is then "").
 */
enum ic_err ic_crypto_pkce_s256(const char *verifier, char out[44],
                                char *errbuf);

/* --- Encodings -------------------------------------------------------- */

/**
 * Unpadded base64url (RFC 4648 §5) of @p len bytes.
 * @param[out] out  receives IC_CRYPTO_B64URL_LEN(len) characters and a NUL.
 * @return the number of characters written, without the NUL.
 */
size_t ic_crypto_b64url_encode(const void *in, size_t len, char *out);

/**
 * Decode unpadded base64url (RFC 4648 §5), strictly: only the URL-safe
 * alphabet, no '=' padding, no whitespace, and the unused low bits of the
 * last character must be zero, so each byte string has one encoding (a
 * key compared or stored as text cannot hide a second form).
 * @param[in]  in      @p inlen characters (need not be NUL-terminated).
 * @param[out] out     receives the bytes.
 * @param[in]  outcap  bytes available at @p out.
 * @param[out] outlen  receives the number of bytes decoded.
 * @return IC_OK; IC_ERR_BAD_INPUT for a character outside the alphabet,
 *         an impossible length (4n+1) or stray low bits; IC_ERR_TOO_LARGE
 *         when the result would pass @p outcap.
 */
enum ic_err ic_crypto_b64url_decode(const char *in, size_t inlen,
                                    unsigned char *out, size_t outcap,
                                    size_t *outlen, char *errbuf);

/**
 * Unpadded lowercase base32 (RFC 4648 §6 alphabet, lowercased).
 * @param[out] out  receives IC_CRYPTO_B32_LEN(len) characters and a NUL.
 * @return the number of characters written, without the NUL.
 */
size_t ic_crypto_b32_encode(const void *in, size_t len, char *out);

/**
 * Lowercase hex of @p len bytes.
 * @param[out] out  receives 2 * @p len characters and a NUL.
 */
void ic_crypto_hex_encode(const void *in, size_t len, char *out);

/**
 * Decode @p hexlen hex digits (either case) into bytes.
 * @param[out] out     receives @p hexlen / 2 bytes.
 * @param[in]  outcap  bytes available at @p out.
 * @param[out] outlen  receives the number of bytes decoded.
 * @return IC_OK; IC_ERR_BAD_INPUT for an odd length or a non-hex
 *         character; IC_ERR_TOO_LARGE when the result would pass @p outcap.
 *         On error nothing useful is in @p out.
 */
enum ic_err ic_crypto_hex_decode(const char *hex, size_t hexlen,
                                 unsigned char *out, size_t outcap,
                                 size_t *outlen, char *errbuf);

#endif /* IC_CRYPTO_H */
