/*
 * digest.h - SHA-256 for the hot read path, on libmd.
 *
 * `feed` hashes the bearer token of every request to look it up (TE-7:
 * tokens are stored hashed).  OpenSSL's libcrypto costs about 3 ms per
 * exec of a CGI in dynamic loading and initialisation (measured here:
 * 4.9 ms vs 0.9 ms for a bare program), more than everything else `feed`
 * does; libmd (BSD's message digests) costs nothing noticeable.  So the
 * one digest the read path needs comes from libmd, and the rest of
 * lib/core/crypto.h (random, HMAC, constant-time compare) stays on OpenSSL
 * for the programs that need them.  Both give the same bytes:
 * tests/unit/test_crypto.c checks them against each other.
 */
#ifndef IC_DIGEST_H
#define IC_DIGEST_H

#include <stddef.h>

/** SHA-256 of @p len bytes at @p data as 64 lowercase hex digits + NUL. */
void ic_digest_sha256_hex(const void *data, size_t len, char out[65]);

#endif /* IC_DIGEST_H */
