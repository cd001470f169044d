/*
 * webpush.c - RFC 8291 encryption and RFC 8292 VAPID (see webpush.h).
 */
#include "notify/webpush.h"

#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/crypto.h"
#include "core/ossl_lazy.h"
#include "text/url.h"

#define SHA256_BYTES 32
#define CEK_BYTES    16
#define NONCE_BYTES  12
/* ES256: r and s, 32 bytes each (RFC 7518 §3.4). */
#define SIG_BYTES 64

/* Decode base64url field @p what into exactly @p n bytes. */
static enum ic_err decode_exact(const char *what, const char *in,
                                unsigned char *out, size_t n, char *errbuf)
{
	size_t got;
	enum ic_err rc;

	if (in == NULL)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "%s is missing", what);
	rc = ic_crypto_b64url_decode(in, strlen(in), out, n, &got, errbuf);
	if (rc == IC_ERR_BAD_INPUT)
		return ic_fail(errbuf, rc, "%s is not base64url", what);
	if (rc != IC_OK || got != n)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "%s must be %zu bytes of base64url", what, n);
	return IC_OK;
}

/* Whether @p pt is an uncompressed point on P-256 (the check libcrypto's
 * import also makes, done first so the error can say which key). */
static bool point_ok(const unsigned char pt[IC_WEBPUSH_KEY_BYTES])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	bool ok =
	        p && pt[0] == 0x04 &&
	        EC_POINT_oct2point(g, p, pt, IC_WEBPUSH_KEY_BYTES, NULL) == 1 &&
	        EC_POINT_is_on_curve(g, p, NULL) == 1;

	EC_POINT_free(p);
	EC_GROUP_free(g);
	return ok;
}

/* An EVP_PKEY of P-256 from its public point and, when @p d is not NULL,
 * its private scalar. */
static EVP_PKEY *pkey_from(const unsigned char pub[IC_WEBPUSH_KEY_BYTES],
                           const BIGNUM *d)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;

	if (bld == NULL || ctx == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	                                     "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
	                                      IC_WEBPUSH_KEY_BYTES) ||
	    (d && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		goto done;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key,
	                      d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
	                      params) != 1)
		key = NULL;
done:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* The key pair of private scalar @p priv, its public point in @p pub.
 * NULL when @p priv is 0 or not below the group order. */
static EVP_PKEY *pair_from(const unsigned char priv[IC_WEBPUSH_PRIV_BYTES],
                           unsigned char pub[IC_WEBPUSH_KEY_BYTES])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *d = BN_secure_new();
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	EVP_PKEY *key = NULL;

	if (p && d && BN_bin2bn(priv, IC_WEBPUSH_PRIV_BYTES, d) &&
	    !BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(g)) < 0 &&
	    EC_POINT_mul(g, p, d, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pub,
	                       IC_WEBPUSH_KEY_BYTES,
	                       NULL) == IC_WEBPUSH_KEY_BYTES)
		key = pkey_from(pub, d);
	EC_POINT_free(p);
	BN_clear_free(d);
	EC_GROUP_free(g);
	return key;
}

/* ECDH of our key @p mine with the device's public key @p peer. */
static bool ecdh(EVP_PKEY *mine, EVP_PKEY *peer,
                 unsigned char out[SHA256_BYTES])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(mine, NULL);
	size_t len = SHA256_BYTES;
	bool ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
	          EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	          EVP_PKEY_derive(ctx, out, &len) == 1 && len == SHA256_BYTES;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* HKDF-SHA-256 (RFC 5869) of at most one block: extract with @p salt,
 * expand with @p info (at most 128 bytes) to @p n <= 32 bytes.  Built on
 * our HMAC as RFC 8291 §3.4 writes it out. */
static enum ic_err hkdf(const unsigned char *salt, size_t saltlen,
                        const unsigned char *ikm, size_t ikmlen,
                        const void *info, size_t infolen, unsigned char *out,
                        size_t n, char *errbuf)
{
	unsigned char prk[IC_CRYPTO_MAX_MAC_BYTES], t[IC_CRYPTO_MAX_MAC_BYTES];
	unsigned char in[160];
	size_t len = sizeof(prk), tlen = sizeof(t);
	enum ic_err rc;

	if (infolen >= sizeof(in))
		return ic_fail(errbuf, IC_ERR_INTERNAL, "HKDF info too long");
	memcpy(in, info, infolen);
	in[infolen] = 0x01;
	rc = ic_crypto_hmac(IC_HMAC_SHA256, salt, saltlen, ikm, ikmlen, prk,
	                    &len, errbuf);
	if (rc == IC_OK)
		rc = ic_crypto_hmac(IC_HMAC_SHA256, prk, len, in, infolen + 1,
		                    t, &tlen, errbuf);
	if (rc == IC_OK)
		memcpy(out, t, n);
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

/* RFC 8291 §3.4: the IKM from the ECDH secret and the auth secret, then
 * (RFC 8188 §2.2-2.3) the content key and nonce from it and the salt. */
static enum ic_err derive(const unsigned char secret[SHA256_BYTES],
                          const unsigned char auth[IC_WEBPUSH_AUTH_BYTES],
                          const unsigned char ua[IC_WEBPUSH_KEY_BYTES],
                          const unsigned char as[IC_WEBPUSH_KEY_BYTES],
                          const unsigned char salt[IC_WEBPUSH_SALT_BYTES],
                          unsigned char cek[CEK_BYTES],
                          unsigned char nonce[NONCE_BYTES], char *errbuf)
{
	static const char label[] = "WebPush: info"; /* and its NUL */
	static const char cek_info[] = "Content-Encoding: aes128gcm";
	static const char nonce_info[] = "Content-Encoding: nonce";
	unsigned char info[sizeof(label) + 2 * IC_WEBPUSH_KEY_BYTES];
	unsigned char ikm[SHA256_BYTES];
	enum ic_err rc;

	memcpy(info, label, sizeof(label));
	memcpy(info + sizeof(label), ua, IC_WEBPUSH_KEY_BYTES);
	memcpy(info + sizeof(label) + IC_WEBPUSH_KEY_BYTES, as,
	       IC_WEBPUSH_KEY_BYTES);
	rc = hkdf(auth, IC_WEBPUSH_AUTH_BYTES, secret, SHA256_BYTES, info,
	          sizeof(info), ikm, sizeof(ikm), errbuf);
	if (rc == IC_OK)
		rc = hkdf(salt, IC_WEBPUSH_SALT_BYTES, ikm, sizeof(ikm),
		          cek_info, sizeof(cek_info), cek, CEK_BYTES, errbuf);
	if (rc == IC_OK)
		rc = hkdf(salt, IC_WEBPUSH_SALT_BYTES, ikm, sizeof(ikm),
		          nonce_info, sizeof(nonce_info), nonce, NONCE_BYTES,
		          errbuf);
	OPENSSL_cleanse(ikm, sizeof(ikm));
	return rc;
}

/* AES-128-GCM of @p plain and the last record's delimiter 0x02 (RFC 8188
 * §2: no padding) into @p out, the tag after the ciphertext. */
static bool seal(const unsigned char cek[CEK_BYTES],
                 const unsigned char nonce[NONCE_BYTES],
                 const unsigned char *plain, size_t len, unsigned char *out)
{
	static const unsigned char delimiter = 0x02;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0, n3 = 0;
	bool ok = ctx &&
	          EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, cek,
	                             nonce) == 1 &&
	          (len == 0 ||
	           EVP_EncryptUpdate(ctx, out, &n1, plain, (int)len) == 1) &&
	          EVP_EncryptUpdate(ctx, out + n1, &n2, &delimiter, 1) == 1 &&
	          EVP_EncryptFinal_ex(ctx, out + n1 + n2, &n3) == 1 &&
	          (size_t)(n1 + n2 + n3) == len + 1 &&
	          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
	                              IC_WEBPUSH_TAG_BYTES, out + len + 1) == 1;

	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* The device's keys, decoded and checked. */
static enum ic_err device_keys(const char *p256dh, const char *auth,
                               unsigned char ua[IC_WEBPUSH_KEY_BYTES],
                               unsigned char secret[IC_WEBPUSH_AUTH_BYTES],
                               char *errbuf)
{
	enum ic_err rc = decode_exact("the subscription's p256dh key", p256dh,
	                              ua, IC_WEBPUSH_KEY_BYTES, errbuf);

	if (rc == IC_OK && !point_ok(ua))
		rc = ic_fail(errbuf, IC_ERR_BAD_INPUT,
		             "the subscription's p256dh key is not a P-256 "
		             "point");
	if (rc == IC_OK)
		rc = decode_exact("the subscription's auth secret", auth,
		                  secret, IC_WEBPUSH_AUTH_BYTES, errbuf);
	return rc;
}

static enum ic_err check_keys(const char *p256dh, const char *auth,
                              char *errbuf)
{
	unsigned char ua[IC_WEBPUSH_KEY_BYTES], secret[IC_WEBPUSH_AUTH_BYTES];

	return device_keys(p256dh, auth, ua, secret, errbuf);
}

/* The body's header (RFC 8188 §2.1): salt, rs, idlen, keyid. */
static void put_header(unsigned char *out,
                       const unsigned char salt[IC_WEBPUSH_SALT_BYTES],
                       const unsigned char as[IC_WEBPUSH_KEY_BYTES])
{
	memcpy(out, salt, IC_WEBPUSH_SALT_BYTES);
	out += IC_WEBPUSH_SALT_BYTES;
	*out++ = (unsigned char)(IC_WEBPUSH_RS >> 24);
	*out++ = (unsigned char)(IC_WEBPUSH_RS >> 16 & 0xff);
	*out++ = (unsigned char)(IC_WEBPUSH_RS >> 8 & 0xff);
	*out++ = (unsigned char)(IC_WEBPUSH_RS & 0xff);
	*out++ = IC_WEBPUSH_KEY_BYTES;
	memcpy(out, as, IC_WEBPUSH_KEY_BYTES);
}

static enum ic_err
encrypt_with(struct ic_arena *a, const char *p256dh, const char *auth,
             const void *plain, size_t len,
             const unsigned char as_priv[IC_WEBPUSH_PRIV_BYTES],
             const unsigned char salt[IC_WEBPUSH_SALT_BYTES],
             unsigned char **out, size_t *outlen, char *errbuf)
{
	unsigned char ua[IC_WEBPUSH_KEY_BYTES], as[IC_WEBPUSH_KEY_BYTES];
	unsigned char secret[IC_WEBPUSH_AUTH_BYTES], shared[SHA256_BYTES];
	unsigned char cek[CEK_BYTES], nonce[NONCE_BYTES];
	EVP_PKEY *mine = NULL, *peer = NULL;
	size_t total = IC_WEBPUSH_HEADER_BYTES + len + 1 + IC_WEBPUSH_TAG_BYTES;
	enum ic_err rc;

	*out = NULL;
	*outlen = 0;
	if (len > IC_WEBPUSH_PLAIN_MAX)
		return ic_fail(errbuf, IC_ERR_TOO_LARGE,
		               "a push message of %zu bytes is over the %d a "
		               "push service must take",
		               len, IC_WEBPUSH_PLAIN_MAX);
	rc = device_keys(p256dh, auth, ua, secret, errbuf);
	if (rc != IC_OK)
		return rc;
	mine = pair_from(as_priv, as);
	peer = pkey_from(ua, NULL);
	if (mine == NULL || peer == NULL || !ecdh(mine, peer, shared))
		rc = ic_fail(errbuf, IC_ERR_INTERNAL,
		             "libcrypto failed the ECDH of a push message");
	if (rc == IC_OK)
		rc = derive(shared, secret, ua, as, salt, cek, nonce, errbuf);
	if (rc == IC_OK && (*out = ic_arena_alloc(a, total)) == NULL)
		rc = ic_fail(errbuf, IC_ERR_NOMEM,
		             "no memory for a push message");
	if (rc == IC_OK) {
		put_header(*out, salt, as);
		if (!seal(cek, nonce, plain, len,
		          *out + IC_WEBPUSH_HEADER_BYTES))
			rc = ic_fail(
			        errbuf, IC_ERR_INTERNAL,
			        "libcrypto failed to encrypt a push message");
	}
	if (rc == IC_OK)
		*outlen = total;
	else
		*out = NULL;
	EVP_PKEY_free(mine);
	EVP_PKEY_free(peer);
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(cek, sizeof(cek));
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return rc;
}

/* A random private scalar that is a valid key (0 < d < n: a random
 * 256-bit string is not once in 2^32 tries), its pair in @p key. */
static enum ic_err fresh_key(unsigned char d[IC_WEBPUSH_PRIV_BYTES],
                             unsigned char pub[IC_WEBPUSH_KEY_BYTES],
                             EVP_PKEY **key, char *errbuf)
{
	for (int i = 0; i < 8; i++) {
		enum ic_err rc =
		        ic_crypto_random(d, IC_WEBPUSH_PRIV_BYTES, errbuf);

		if (rc != IC_OK)
			return rc;
		if ((*key = pair_from(d, pub)) != NULL)
			return IC_OK;
	}
	return ic_fail(errbuf, IC_ERR_INTERNAL,
	               "libcrypto made no P-256 key from random bytes");
}

static enum ic_err encrypt_fresh(struct ic_arena *a, const char *p256dh,
                                 const char *auth, const void *plain,
                                 size_t len, unsigned char **out,
                                 size_t *outlen, char *errbuf)
{
	unsigned char d[IC_WEBPUSH_PRIV_BYTES], pub[IC_WEBPUSH_KEY_BYTES];
	unsigned char salt[IC_WEBPUSH_SALT_BYTES];
	EVP_PKEY *key = NULL;
	enum ic_err rc = fresh_key(d, pub, &key, errbuf);

	EVP_PKEY_free(key);
	if (rc == IC_OK)
		rc = ic_crypto_random(salt, sizeof(salt), errbuf);
	if (rc == IC_OK)
		rc = encrypt_with(a, p256dh, auth, plain, len, d, salt, out,
		                  outlen, errbuf);
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

/* base64url of @p n bytes, from @p a. */
static char *b64(struct ic_arena *a, const void *in, size_t n)
{
	char *s = ic_arena_alloc(a, IC_CRYPTO_B64URL_LEN(n) + 1);

	if (s)
		ic_crypto_b64url_encode(in, n, s);
	return s;
}

static enum ic_err vapid_keygen(struct ic_arena *a, char **priv, char **pub,
                                char *errbuf)
{
	unsigned char d[IC_WEBPUSH_PRIV_BYTES], p[IC_WEBPUSH_KEY_BYTES];
	EVP_PKEY *key = NULL;
	enum ic_err rc = fresh_key(d, p, &key, errbuf);

	EVP_PKEY_free(key);
	*priv = *pub = NULL;
	if (rc == IC_OK) {
		*priv = b64(a, d, sizeof(d));
		*pub = b64(a, p, sizeof(p));
		if (*priv == NULL || *pub == NULL)
			rc = ic_fail(errbuf, IC_ERR_NOMEM,
			             "no memory for a VAPID key");
	}
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

/* The key pair of VAPID private key @p priv (base64url). */
static enum ic_err vapid_key(const char *priv,
                             unsigned char pub[IC_WEBPUSH_KEY_BYTES],
                             EVP_PKEY **key, char *errbuf)
{
	unsigned char d[IC_WEBPUSH_PRIV_BYTES];
	enum ic_err rc = decode_exact("the VAPID private key", priv, d,
	                              sizeof(d), errbuf);

	*key = NULL;
	if (rc == IC_OK && (*key = pair_from(d, pub)) == NULL)
		rc = ic_fail(errbuf, IC_ERR_BAD_INPUT,
		             "the VAPID private key is not a P-256 key");
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

static enum ic_err vapid_public(struct ic_arena *a, const char *priv,
                                char **pub, char *errbuf)
{
	unsigned char p[IC_WEBPUSH_KEY_BYTES];
	EVP_PKEY *key;
	enum ic_err rc = vapid_key(priv, p, &key, errbuf);

	EVP_PKEY_free(key);
	*pub = NULL;
	if (rc == IC_OK && (*pub = b64(a, p, sizeof(p))) == NULL)
		rc = ic_fail(errbuf, IC_ERR_NOMEM, "no memory for a VAPID key");
	return rc;
}

/* The push service's origin, the JWT's aud (RFC 8292 §2). */
static enum ic_err origin_of(struct ic_arena *a, const char *endpoint,
                             char **out, char *errbuf)
{
	struct ic_url_parts u;
	enum ic_err rc = ic_url_parts(a, endpoint, &u, errbuf);
	bool v6 = rc == IC_OK && strchr(u.host, ':') != NULL;
	bool dflt = rc == IC_OK &&
	            u.port == (strcmp(u.scheme, "https") == 0 ? 443u : 80u);

	if (rc != IC_OK)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "the push endpoint is not an http(s) URL");
	*out = dflt ? ic_arena_printf(a, "%s://%s%s%s", u.scheme, v6 ? "[" : "",
	                              u.host, v6 ? "]" : "")
	            : ic_arena_printf(a, "%s://%s%s%s:%u", u.scheme,
	                              v6 ? "[" : "", u.host, v6 ? "]" : "",
	                              u.port);
	return *out ? IC_OK
	            : ic_fail(errbuf, IC_ERR_NOMEM, "no memory for a URL");
}

/* The JWT's signing input: base64url header "." base64url claims. */
static char *jwt_input(struct ic_arena *a, const char *aud, const char *sub,
                       long long exp)
{
	static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
	cJSON *claims = cJSON_CreateObject();
	char *json = NULL, *h, *c, *out = NULL;

	if (claims && cJSON_AddStringToObject(claims, "aud", aud) &&
	    cJSON_AddNumberToObject(claims, "exp", (double)exp) &&
	    (sub == NULL || cJSON_AddStringToObject(claims, "sub", sub)))
		json = cJSON_PrintUnformatted(claims);
	cJSON_Delete(claims);
	if (json == NULL)
		return NULL;
	h = b64(a, header, sizeof(header) - 1);
	c = b64(a, json, strlen(json));
	cJSON_free(json);
	if (h && c)
		out = ic_arena_printf(a, "%s.%s", h, c);
	return out;
}

/* ES256 of @p in: ECDSA P-256 over SHA-256, as r || s (RFC 7518 §3.4),
 * not the DER libcrypto gives. */
static bool es256(EVP_PKEY *key, const char *in, unsigned char out[SIG_BYTES])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t len = sizeof(der);
	ECDSA_SIG *sig = NULL;
	const BIGNUM *r, *s;
	bool ok = md &&
	          EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	          EVP_DigestSign(md, der, &len, (const unsigned char *)in,
	                         strlen(in)) == 1 &&
	          (sig = d2i_ECDSA_SIG(NULL, &p, (long)len)) != NULL;

	if (ok) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, out, 32) == 32 &&
		     BN_bn2binpad(s, out + 32, 32) == 32;
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok;
}

/* @p sub when RFC 8292 §2.1 allows it as the contact, else NULL. */
static const char *contact(const char *sub)
{
	if (sub && (strncmp(sub, "mailto:", 7) == 0 ||
	            strncmp(sub, "https://", 8) == 0))
		return sub;
	return NULL;
}

static enum ic_err vapid_auth(struct ic_arena *a, const char *priv,
                              const char *endpoint, const char *sub,
                              long long now, char **header, char *errbuf)
{
	unsigned char pub[IC_WEBPUSH_KEY_BYTES], sig[SIG_BYTES];
	EVP_PKEY *key = NULL;
	char *aud = NULL, *input = NULL, *s, *k;
	enum ic_err rc = origin_of(a, endpoint, &aud, errbuf);

	*header = NULL;
	if (rc == IC_OK)
		rc = vapid_key(priv, pub, &key, errbuf);
	if (rc == IC_OK &&
	    (input = jwt_input(a, aud, contact(sub),
	                       now + IC_WEBPUSH_VAPID_SECONDS)) == NULL)
		rc = ic_fail(errbuf, IC_ERR_NOMEM, "no memory for a VAPID JWT");
	if (rc == IC_OK && !es256(key, input, sig))
		rc = ic_fail(errbuf, IC_ERR_INTERNAL,
		             "libcrypto failed to sign a VAPID JWT");
	EVP_PKEY_free(key);
	if (rc != IC_OK)
		return rc;
	s = b64(a, sig, sizeof(sig));
	k = b64(a, pub, sizeof(pub));
	if (s && k)
		*header =
		        ic_arena_printf(a, "vapid t=%s.%s, k=%s", input, s, k);
	return *header ? IC_OK
	               : ic_fail(errbuf, IC_ERR_NOMEM,
	                         "no memory for a VAPID header");
}

/* --- The entries: libcrypto first (core/ossl_lazy.h) -------------------- */

enum ic_err ic_webpush_check_keys(const char *p256dh, const char *auth,
                                  char *errbuf)
{
	enum ic_err rc = ic_ossl_ready(errbuf);

	return rc == IC_OK ? check_keys(p256dh, auth, errbuf) : rc;
}

enum ic_err
ic_webpush_encrypt_with(struct ic_arena *a, const char *p256dh,
                        const char *auth, const void *plain, size_t len,
                        const unsigned char as_priv[IC_WEBPUSH_PRIV_BYTES],
                        const unsigned char salt[IC_WEBPUSH_SALT_BYTES],
                        unsigned char **out, size_t *outlen, char *errbuf)
{
	enum ic_err rc = ic_ossl_ready(errbuf);

	*out = NULL;
	*outlen = 0;
	return rc == IC_OK ? encrypt_with(a, p256dh, auth, plain, len, as_priv,
	                                  salt, out, outlen, errbuf)
	                   : rc;
}

enum ic_err ic_webpush_encrypt(struct ic_arena *a, const char *p256dh,
                               const char *auth, const void *plain, size_t len,
                               unsigned char **out, size_t *outlen,
                               char *errbuf)
{
	enum ic_err rc = ic_ossl_ready(errbuf);

	*out = NULL;
	*outlen = 0;
	return rc == IC_OK ? encrypt_fresh(a, p256dh, auth, plain, len, out,
	                                   outlen, errbuf)
	                   : rc;
}

enum ic_err ic_webpush_vapid_keygen(struct ic_arena *a, char **priv, char **pub,
                                    char *errbuf)
{
	enum ic_err rc = ic_ossl_ready(errbuf);

	*priv = *pub = NULL;
	return rc == IC_OK ? vapid_keygen(a, priv, pub, errbuf) : rc;
}

enum ic_err ic_webpush_vapid_public(struct ic_arena *a, const char *priv,
                                    char **pub, char *errbuf)
{
	enum ic_err rc = ic_ossl_ready(errbuf);

	*pub = NULL;
	return rc == IC_OK ? vapid_public(a, priv, pub, errbuf) : rc;
}

enum ic_err ic_webpush_vapid_auth(struct ic_arena *a, const char *priv,
                                  const char *endpoint, const char *sub,
                                  long long now, char **header, char *errbuf)
{
	enum ic_err rc = ic_ossl_ready(errbuf);

	*header = NULL;
	return rc == IC_OK
	               ? vapid_auth(a, priv, endpoint, sub, now, header, errbuf)
	               : rc;
}
