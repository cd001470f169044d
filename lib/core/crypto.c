/*
 * crypto.c - random secrets, hashes, HMAC and encodings (see crypto.h).
 *
 * Without libcrypto, on purpose (issue 13): mapping and relocating it
 * cost every program that links it 2.3 ms at exec (a bare program 1.6 ms,
 * the same linking libcrypto 3.9 ms), and `send` and `ticket` need
 * nothing else of it.  Randomness is getrandom(2), the kernel's CSPRNG
 * (what RAND_bytes seeds from); the hashes are libmd's SHA-1 and SHA-2
 * (already linked for SHA256Data); HMAC is RFC 2104's two nested hashes
 * over them, checked against the RFC 2202 and RFC 4231 vectors in
 * tests/unit/core/test_crypto.c; comparisons are constant-time.  Web
 * Push's elliptic curves and AES-GCM stay in libcrypto
 * (notify/webpush.c), linked only where they are used.  The encoders are
 * written here because they are a few lines each.
 */
#include "core/crypto.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <sha1.h>
#include <sha2.h>

#include "core/ic_limits.h"
#include "core/log.h"

/* The empty string, for NULL pointers with a zero length. */
static const unsigned char empty[1];

/* --- Random ----------------------------------------------------------- */

enum ic_err ic_crypto_random(void *buf, size_t n, char *errbuf)
{
	unsigned char *p = buf;

	/* Up to 256 bytes a call: never short once the pool is seeded, and
	 * not interrupted by signals (getrandom(2)); looped all the same. */
	while (n > 0) {
		ssize_t got = getrandom(p, n > 256 ? 256 : n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return ic_fail(errbuf, IC_ERR_INTERNAL,
			               "getrandom failed: %s", strerror(errno));
		p += got;
		n -= (size_t)got;
	}
	return IC_OK;
}

enum ic_err ic_crypto_token(struct ic_arena *a, char **out, char *errbuf)
{
	unsigned char raw[IC_SECRET_BYTES];
	char text[IC_CRYPTO_B64URL_LEN(IC_SECRET_BYTES) + 1];
	enum ic_err rc;

	*out = NULL;
	rc = ic_crypto_random(raw, sizeof(raw), errbuf);
	if (rc != IC_OK)
		return rc;
	ic_crypto_b64url_encode(raw, sizeof(raw), text);
	*out = ic_arena_strdup(a, text);
	/* Keep no copy of the secret on the stack. */
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(text, sizeof(text));
	if (*out == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "no memory for a token");
	return IC_OK;
}

enum ic_err ic_crypto_random_id(struct ic_arena *a, size_t nbytes, char **out,
                                char *errbuf)
{
	unsigned char raw[IC_CRYPTO_MAX_ID_BYTES];
	char text[IC_CRYPTO_B32_LEN(IC_CRYPTO_MAX_ID_BYTES) + 1];
	enum ic_err rc;

	*out = NULL;
	if (nbytes < IC_CRYPTO_MIN_ID_BYTES || nbytes > IC_CRYPTO_MAX_ID_BYTES)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "random id of %zu bytes: must be %d-%d", nbytes,
		               IC_CRYPTO_MIN_ID_BYTES, IC_CRYPTO_MAX_ID_BYTES);
	rc = ic_crypto_random(raw, nbytes, errbuf);
	if (rc != IC_OK)
		return rc;
	ic_crypto_b32_encode(raw, nbytes, text);
	*out = ic_arena_strdup(a, text);
	if (*out == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "no memory for a random id");
	return IC_OK;
}

/* --- Hashes ----------------------------------------------------------- */

void ic_crypto_sha256(const void *data, size_t len,
                      unsigned char out[IC_CRYPTO_SHA256_BYTES])
{
	SHA2_CTX c;

	SHA256Init(&c);
	SHA256Update(&c, data ? data : empty, len);
	SHA256Final(out, &c);
	explicit_bzero(&c, sizeof(c));
}

void ic_crypto_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[IC_CRYPTO_SHA256_BYTES];

	ic_crypto_sha256(data, len, md);
	ic_crypto_hex_encode(md, sizeof(md), out);
}

bool ic_crypto_equal(const void *a, const void *b, size_t n)
{
	/* Every byte is read whatever differs: the time tells nothing. */
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* --- HMAC (RFC 2104) over libmd's hashes ------------------------------ */

union md_ctx {
	SHA1_CTX sha1;
	SHA2_CTX sha2;
};

struct md {
	size_t size, block; /* digest and block length, bytes */
	void (*init)(union md_ctx *c);
	void (*update)(union md_ctx *c, const unsigned char *p, size_t n);
	void (*final)(union md_ctx *c, unsigned char *out);
};

static void sha1_init(union md_ctx *c)
{
	SHA1Init(&c->sha1);
}
static void sha1_update(union md_ctx *c, const unsigned char *p, size_t n)
{
	SHA1Update(&c->sha1, p, n);
}
static void sha1_final(union md_ctx *c, unsigned char *out)
{
	SHA1Final(out, &c->sha1);
}
static void sha256_init(union md_ctx *c)
{
	SHA256Init(&c->sha2);
}
static void sha256_update(union md_ctx *c, const unsigned char *p, size_t n)
{
	SHA256Update(&c->sha2, p, n);
}
static void sha256_final(union md_ctx *c, unsigned char *out)
{
	SHA256Final(out, &c->sha2);
}
static void sha384_init(union md_ctx *c)
{
	SHA384Init(&c->sha2);
}
static void sha384_update(union md_ctx *c, const unsigned char *p, size_t n)
{
	SHA384Update(&c->sha2, p, n);
}
static void sha384_final(union md_ctx *c, unsigned char *out)
{
	SHA384Final(out, &c->sha2);
}
static void sha512_init(union md_ctx *c)
{
	SHA512Init(&c->sha2);
}
static void sha512_update(union md_ctx *c, const unsigned char *p, size_t n)
{
	SHA512Update(&c->sha2, p, n);
}
static void sha512_final(union md_ctx *c, unsigned char *out)
{
	SHA512Final(out, &c->sha2);
}

static const struct md *hmac_md(enum ic_crypto_hmac_alg alg)
{
	static const struct md sha1 = {SHA1_DIGEST_LENGTH, SHA1_BLOCK_LENGTH,
	                               sha1_init, sha1_update, sha1_final},
	                       sha256 = {SHA256_DIGEST_LENGTH,
	                                 SHA256_BLOCK_LENGTH, sha256_init,
	                                 sha256_update, sha256_final},
	                       sha384 = {SHA384_DIGEST_LENGTH,
	                                 SHA384_BLOCK_LENGTH, sha384_init,
	                                 sha384_update, sha384_final},
	                       sha512 = {SHA512_DIGEST_LENGTH,
	                                 SHA512_BLOCK_LENGTH, sha512_init,
	                                 sha512_update, sha512_final};

	switch (alg) {
	case IC_HMAC_SHA1:
		return &sha1;
	case IC_HMAC_SHA256:
		return &sha256;
	case IC_HMAC_SHA384:
		return &sha384;
	case IC_HMAC_SHA512:
		return &sha512;
	}
	return NULL;
}

/* H((K ^ pad) || m) into @p out. */
static void padded_hash(const struct md *md, const unsigned char *k,
                        unsigned char pad, const void *m, size_t mlen,
                        unsigned char *out)
{
	unsigned char block[SHA512_BLOCK_LENGTH];
	union md_ctx c;

	for (size_t i = 0; i < md->block; i++)
		block[i] = k[i] ^ pad;
	md->init(&c);
	md->update(&c, block, md->block);
	md->update(&c, m, mlen);
	md->final(&c, out);
	explicit_bzero(block, sizeof(block));
	explicit_bzero(&c, sizeof(c));
}

enum ic_err ic_crypto_hmac(enum ic_crypto_hmac_alg alg, const void *key,
                           size_t keylen, const void *data, size_t len,
                           unsigned char *out, size_t *outlen, char *errbuf)
{
	const struct md *md = hmac_md(alg);
	unsigned char k[SHA512_BLOCK_LENGTH] = {0}, inner[SHA512_DIGEST_LENGTH];

	if (md == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL, "unknown HMAC alg %d",
		               (int)alg);
	if (md->size > *outlen)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "HMAC output buffer of %zu bytes too small",
		               *outlen);
	/* RFC 2104 §2: a key longer than a block is hashed first. */
	if (keylen > md->block) {
		union md_ctx c;

		md->init(&c);
		md->update(&c, key, keylen);
		md->final(&c, k);
		explicit_bzero(&c, sizeof(c));
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	padded_hash(md, k, 0x36, data ? data : empty, len, inner);
	padded_hash(md, k, 0x5c, inner, md->size, out);
	*outlen = md->size;
	explicit_bzero(k, sizeof(k));
	explicit_bzero(inner, sizeof(inner));
	return IC_OK;
}

/* --- WebSub signatures (WS-S-23, WS-S-24) ----------------------------- */

static const struct {
	const char *name;
	enum ic_crypto_hmac_alg alg;
} hub_methods[] = {
        {"sha1", IC_HMAC_SHA1},
        {"sha256", IC_HMAC_SHA256},
        {"sha384", IC_HMAC_SHA384},
        {"sha512", IC_HMAC_SHA512},
};

/* WS-S-23: the method token is matched case-insensitively ("SHA256=").
 * @return true and the alg, or false for any other method. */
static bool hub_method(const char *name, size_t len,
                       enum ic_crypto_hmac_alg *alg)
{
	for (size_t i = 0; i < sizeof(hub_methods) / sizeof(hub_methods[0]);
	     i++) {
		if (strlen(hub_methods[i].name) == len &&
		    strncasecmp(hub_methods[i].name, name, len) == 0) {
			*alg = hub_methods[i].alg;
			return true;
		}
	}
	return false;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Split "method=hex" (OWS trimmed) into its two parts.  The signature is
 * not secret, but it is attacker-chosen: messages quote only the method,
 * cut short. */
static enum ic_err hub_split(const char *header, const char **method,
                             size_t *mlen, const char **hex, size_t *hexlen,
                             char *errbuf)
{
	const char *end, *eq;

	while (is_ows(*header))
		header++;
	end = header + strlen(header);
	while (end > header && is_ows(end[-1]))
		end--;
	if (end == header)
		return ic_fail(errbuf, IC_ERR_FORBIDDEN,
		               "X-Hub-Signature missing (WS-S-24)");
	eq = memchr(header, '=', (size_t)(end - header));
	if (eq == NULL)
		return ic_fail(errbuf, IC_ERR_FORBIDDEN,
		               "X-Hub-Signature malformed: no method=");
	*method = header;
	*mlen = (size_t)(eq - header);
	*hex = eq + 1;
	*hexlen = (size_t)(end - *hex);
	return IC_OK;
}

enum ic_err ic_crypto_hub_signature_verify(const char *header,
                                           const void *secret, size_t secretlen,
                                           const void *body, size_t len,
                                           char *errbuf)
{
	const char *method = NULL, *hex = NULL;
	size_t mlen = 0, hexlen = 0, siglen = 0;
	size_t maclen = IC_CRYPTO_MAX_MAC_BYTES;
	unsigned char sig[IC_CRYPTO_MAX_MAC_BYTES],
	        mac[IC_CRYPTO_MAX_MAC_BYTES];
	enum ic_crypto_hmac_alg alg;
	enum ic_err rc;

	if (header == NULL)
		return ic_fail(errbuf, IC_ERR_FORBIDDEN,
		               "X-Hub-Signature missing (WS-S-24)");
	rc = hub_split(header, &method, &mlen, &hex, &hexlen, errbuf);
	if (rc != IC_OK)
		return rc;
	if (!hub_method(method, mlen, &alg))
		return ic_fail(errbuf, IC_ERR_FORBIDDEN,
		               "X-Hub-Signature method \"%.*s\" not supported",
		               (int)(mlen > 16 ? 16 : mlen), method);
	/* Decode before hashing the body: odd length or non-hex is cheap to
	 * refuse.  Then insist on the exact digest length: websub.rocks 301
	 * appends 4 digits to a valid signature. */
	rc = ic_crypto_hex_decode(hex, hexlen, sig, sizeof(sig), &siglen, NULL);
	if (rc == IC_ERR_BAD_INPUT)
		return ic_fail(
		        errbuf, IC_ERR_FORBIDDEN,
		        "X-Hub-Signature malformed: not even-length hex");
	rc = ic_crypto_hmac(alg, secret, secretlen, body, len, mac, &maclen,
	                    errbuf);
	if (rc == IC_ERR_INTERNAL)
		return rc;
	if (rc != IC_OK)
		return ic_fail(errbuf, IC_ERR_FORBIDDEN,
		               "X-Hub-Signature cannot be checked: secret of "
		               "%zu bytes",
		               secretlen);
	if (siglen != maclen)
		return ic_fail(errbuf, IC_ERR_FORBIDDEN,
		               "X-Hub-Signature malformed: %zu hex digits for "
		               "%.*s, expected %zu",
		               hexlen, (int)mlen, method, 2 * maclen);
	/* WS-S-23: HMAC over the raw body, constant-time compare. */
	if (!ic_crypto_equal(sig, mac, maclen))
		return ic_fail(errbuf, IC_ERR_FORBIDDEN,
		               "X-Hub-Signature does not match the body");
	return IC_OK;
}

enum ic_err ic_crypto_hub_signature(struct ic_arena *a, const void *secret,
                                    size_t secretlen, const void *body,
                                    size_t len, char **header_value,
                                    char *errbuf)
{
	unsigned char mac[IC_CRYPTO_MAX_MAC_BYTES];
	size_t maclen = sizeof(mac);
	char hex[2 * IC_CRYPTO_MAX_MAC_BYTES + 1];
	enum ic_err rc;

	*header_value = NULL;
	rc = ic_crypto_hmac(IC_HMAC_SHA256, secret, secretlen, body, len, mac,
	                    &maclen, errbuf);
	if (rc != IC_OK)
		return rc;
	ic_crypto_hex_encode(mac, maclen, hex);
	*header_value = ic_arena_printf(a, "sha256=%s", hex);
	if (*header_value == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "no memory for X-Hub-Signature");
	return IC_OK;
}

/* --- PKCE (IA-C-9) ---------------------------------------------------- */

/* RFC 7636 §4.1: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
static bool pkce_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

enum ic_err ic_crypto_pkce_s256(const char *verifier, char out[44],
                                char *errbuf)
{
	unsigned char md[IC_CRYPTO_SHA256_BYTES];
	size_t len;

	out[0] = '\0';
	if (verifier == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "code_verifier missing");
	len = strnlen(verifier, IC_CRYPTO_PKCE_MAX + 1);
	if (len < IC_CRYPTO_PKCE_MIN || len > IC_CRYPTO_PKCE_MAX)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "code_verifier must be %d-%d characters "
		               "(IA-C-9)",
		               IC_CRYPTO_PKCE_MIN, IC_CRYPTO_PKCE_MAX);
	for (size_t i = 0; i < len; i++)
		if (!pkce_char((unsigned char)verifier[i]))
			return ic_fail(errbuf, IC_ERR_BAD_INPUT,
			               "code_verifier has a character outside "
			               "[A-Za-z0-9-._~] at %zu (IA-C-9)",
			               i);
	ic_crypto_sha256(verifier, len, md);
	ic_crypto_b64url_encode(md, sizeof(md), out);
	return IC_OK;
}

/* --- Encodings -------------------------------------------------------- */

size_t ic_crypto_b64url_encode(const void *in, size_t len, char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = in;
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16 |
		                  (unsigned long)p[i + 1] << 8 | p[i + 2];

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < len) {
		unsigned long v = (unsigned long)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		if (i + 1 < len)
			out[o++] = alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

/* The value of a base64url character, or -1. */
static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

enum ic_err ic_crypto_b64url_decode(const char *in, size_t inlen,
                                    unsigned char *out, size_t outcap,
                                    size_t *outlen, char *errbuf)
{
	size_t need = inlen / 4 * 3 + (inlen % 4 ? inlen % 4 - 1 : 0);
	unsigned long acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	*outlen = 0;
	if (inlen % 4 == 1)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "base64url of %zu characters cannot be whole "
		               "bytes",
		               inlen);
	if (need > outcap)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "base64url decodes to %zu bytes, more than %zu",
		               need, outcap);
	for (size_t i = 0; i < inlen; i++) {
		int v = b64url_value((unsigned char)in[i]);

		if (v < 0)
			return ic_fail(errbuf, IC_ERR_BAD_INPUT,
			               "not base64url: character %zu", i + 1);
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	if (acc & ((1ul << bits) - 1))
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "not canonical base64url: the last character "
		               "has stray bits");
	*outlen = o;
	return IC_OK;
}

size_t ic_crypto_b32_encode(const void *in, size_t len, char *out)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	const unsigned char *p = in;
	unsigned int acc = 0, bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8 | p[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[acc >> bits & 31];
		}
	}
	if (bits > 0)
		out[o++] = alphabet[acc << (5 - bits) & 31];
	out[o] = '\0';
	return o;
}

void ic_crypto_hex_encode(const void *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

/* @return the value of one hex digit, or -1. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum ic_err ic_crypto_hex_decode(const char *hex, size_t hexlen,
                                 unsigned char *out, size_t outcap,
                                 size_t *outlen, char *errbuf)
{
	*outlen = 0;
	if (hexlen % 2 != 0)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "hex of odd length %zu", hexlen);
	for (size_t i = 0; i < hexlen; i++)
		if (hex_value(hex[i]) < 0)
			return ic_fail(errbuf, IC_ERR_BAD_INPUT,
			               "non-hex character at %zu", i);
	if (hexlen / 2 > outcap)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "hex of %zu bytes passes the cap of %zu",
		               hexlen / 2, outcap);
	for (size_t i = 0; i < hexlen / 2; i++)
		out[i] = (unsigned char)(hex_value(hex[2 * i]) << 4 |
		                         hex_value(hex[2 * i + 1]));
	*outlen = hexlen / 2;
	return IC_OK;
}
