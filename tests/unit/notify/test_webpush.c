/*
 * test_webpush.c - Web Push's cryptography (issue 16,
 * lib/notify/webpush.c): the RFC 8291 Appendix A vector byte for byte
 * through the fixed-key seam; a fresh key and salt per message; the
 * payload limit; bad keys refused with a sentence; the VAPID header's
 * JWT (RFC 8292): its aud, exp and sub, and its ES256 signature checked
 * with libcrypto against the k= key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/ossl_lazy.h"
#include "notify/webpush.h"

/* RFC 8291 Appendix A. */
#define PLAIN      "When I grow up, I want to be a watermelon"
#define AS_PRIVATE "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
#define UA_PUBLIC                                                              \
	"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7V" \
	"d8pZGH6SRpkNtoIAiw4"
#define SALT "DGv6ra1nlYgDCS1FRnbzlw"
#define AUTH "BTBZMqHH6r4Tts7J_aSIgg"
#define BODY                                                                   \
	"DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"     \
	"mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"     \
	"pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
#define AS_PUBLIC                                                              \
	"BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6Tlz" \
	"AC8wEqKK6PBru3jl7A8"

static int setup(void **state)
{
	*state = ic_arena_new(0);
	return *state == NULL;
}

static int teardown(void **state)
{
	ic_arena_free(*state);
	return 0;
}

static void decode(const char *s, unsigned char *out, size_t n)
{
	size_t got;
	char errbuf[IC_ERRBUF_SIZE];

	assert_int_equal(
	        ic_crypto_b64url_decode(s, strlen(s), out, n, &got, errbuf),
	        IC_OK);
	assert_int_equal(got, n);
}

static void rfc8291_appendix_a(void **state)
{
	unsigned char priv[32], salt[16], *out;
	char text[512], errbuf[IC_ERRBUF_SIZE];
	size_t len;

	decode(AS_PRIVATE, priv, sizeof(priv));
	decode(SALT, salt, sizeof(salt));
	assert_int_equal(ic_webpush_encrypt_with(*state, UA_PUBLIC, AUTH, PLAIN,
	                                         strlen(PLAIN), priv, salt,
	                                         &out, &len, errbuf),
	                 IC_OK);
	assert_int_equal(len, IC_WEBPUSH_HEADER_BYTES + strlen(PLAIN) + 17);
	ic_crypto_b64url_encode(out, len, text);
	assert_string_equal(text, BODY);
}

/* Two messages to the same device share neither salt nor key. */
static void fresh_key_and_salt_each_time(void **state)
{
	unsigned char *a, *b;
	size_t alen, blen;
	char errbuf[IC_ERRBUF_SIZE];

	assert_int_equal(ic_webpush_encrypt(*state, UA_PUBLIC, AUTH, "hi", 2,
	                                    &a, &alen, errbuf),
	                 IC_OK);
	assert_int_equal(ic_webpush_encrypt(*state, UA_PUBLIC, AUTH, "hi", 2,
	                                    &b, &blen, errbuf),
	                 IC_OK);
	assert_int_equal(alen, IC_WEBPUSH_HEADER_BYTES + 2 + 17);
	assert_int_equal(alen, blen);
	assert_memory_equal(a + 16, "\0\0\x10\0\x41\x04", 6);
	assert_memory_not_equal(a, b, 16);
	assert_memory_not_equal(a + 21, b + 21, IC_WEBPUSH_KEY_BYTES);
}

/* 3993 bytes fill one 4096-byte record; one more is refused. */
static void payload_limit(void **state)
{
	static char big[IC_WEBPUSH_PLAIN_MAX + 1];
	unsigned char *out;
	size_t len;
	char errbuf[IC_ERRBUF_SIZE];

	assert_int_equal(IC_WEBPUSH_PLAIN_MAX, 3993);
	memset(big, 'x', sizeof(big));
	assert_int_equal(ic_webpush_encrypt(*state, UA_PUBLIC, AUTH, big,
	                                    IC_WEBPUSH_PLAIN_MAX, &out, &len,
	                                    errbuf),
	                 IC_OK);
	assert_int_equal(len, IC_WEBPUSH_RS);
	assert_int_equal(ic_webpush_encrypt(*state, UA_PUBLIC, AUTH, big,
	                                    sizeof(big), &out, &len, errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_null(out);
	assert_non_null(strstr(errbuf, "3993"));
}

static void refused(void **state, const char *p256dh, const char *auth,
                    const char *says)
{
	unsigned char *out = (unsigned char *)"x";
	size_t len = 1;
	char errbuf[IC_ERRBUF_SIZE] = "";

	assert_int_equal(ic_webpush_encrypt(*state, p256dh, auth, "hi", 2, &out,
	                                    &len, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_null(out);
	assert_int_equal(len, 0);
	if (strstr(errbuf, says) == NULL)
		fail_msg("%s: %s", says, errbuf);
}

static void bad_keys_refused(void **state)
{
	/* The point with a byte off: 65 bytes, not on the curve. */
	char off[] = UA_PUBLIC;

	off[40] = off[40] == 'A' ? 'B' : 'A';
	refused(state, UA_PUBLIC "AAA", AUTH, "p256dh key must be 65 bytes");
	refused(state, "BCVxsr7N", AUTH, "p256dh key must be 65 bytes");
	refused(state, "BCVx+r7N", AUTH, "p256dh key is not base64url");
	refused(state, NULL, AUTH, "p256dh key is missing");
	refused(state, off, AUTH, "not a P-256 point");
	refused(state, AS_PUBLIC, "BTBZMqHH6r4Tts7J_aSI",
	        "auth secret must be");
	refused(state, UA_PUBLIC,
	        "BTBZMqHH6r4Tts7J_aSIg=", "auth secret is not base64url");
	refused(state, UA_PUBLIC, "", "auth secret must be 16 bytes");
}

/* One dot-separated part of a JWT, decoded into @p out (NUL-ended). */
static size_t jwt_part(const char *jwt, int n, unsigned char *out, size_t cap)
{
	const char *p = jwt, *end;
	size_t got;
	char errbuf[IC_ERRBUF_SIZE];

	for (int i = 0; i < n; i++)
		p = strchr(p, '.') + 1;
	end = strchr(p, '.');
	if (end == NULL)
		end = p + strlen(p);
	assert_int_equal(ic_crypto_b64url_decode(p, (size_t)(end - p), out,
	                                         cap - 1, &got, errbuf),
	                 IC_OK);
	out[got] = '\0';
	return got;
}

/* Check ES256 signature @p sig (r || s) over @p input with point @p pub. */
static void es256_verifies(const char *input, const unsigned char *sig,
                           const unsigned char *pub)
{
	OSSL_PARAM params[] = {
	        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
	                               0),
	        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub,
	                                65),
	        OSSL_PARAM_END};
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *s = ECDSA_SIG_new();
	unsigned char *der = NULL;
	int derlen;

	assert_int_equal(EVP_PKEY_fromdata_init(pctx), 1);
	assert_int_equal(
	        EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
	assert_int_equal(ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL),
	                                BN_bin2bn(sig + 32, 32, NULL)),
	                 1);
	derlen = i2d_ECDSA_SIG(s, &der);
	assert_true(derlen > 0);
	assert_int_equal(
	        EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestVerify(md, der, (size_t)derlen,
	                                  (const unsigned char *)input,
	                                  strlen(input)),
	                 1);
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(pctx);
}

static void vapid_header_verifies(void **state)
{
	char *priv, *pub, *pub2, *h, errbuf[IC_ERRBUF_SIZE];
	unsigned char part[512], k[65];
	cJSON *claims;

	assert_int_equal(ic_webpush_vapid_keygen(*state, &priv, &pub, errbuf),
	                 IC_OK);
	assert_int_equal(strlen(priv), 43);
	assert_int_equal(strlen(pub), 87);
	assert_int_equal(ic_webpush_vapid_public(*state, priv, &pub2, errbuf),
	                 IC_OK);
	assert_string_equal(pub, pub2);
	assert_int_equal(
	        ic_webpush_vapid_auth(
	                *state, priv,
	                "https://push.example.net:8443/wpush/v2/abc?x=1",
	                "mailto:alice@example.org", 1700000000, &h, errbuf),
	        IC_OK);
	assert_true(strncmp(h, "vapid t=", 8) == 0);
	assert_string_equal(strstr(h, ", k=") + 4, pub);
	*strstr(h, ", k=") = '\0';
	h += 8;
	jwt_part(h, 0, part, sizeof(part));
	assert_string_equal((char *)part,
	                    "{\"typ\":\"JWT\",\"alg\":\"ES256\"}");
	jwt_part(h, 1, part, sizeof(part));
	claims = cJSON_Parse((char *)part);
	assert_non_null(claims);
	assert_string_equal(cJSON_GetObjectItem(claims, "aud")->valuestring,
	                    "https://push.example.net:8443");
	assert_int_equal(cJSON_GetObjectItem(claims, "exp")->valuedouble,
	                 1700000000 + IC_WEBPUSH_VAPID_SECONDS);
	assert_true(IC_WEBPUSH_VAPID_SECONDS <= 24 * 3600);
	assert_string_equal(cJSON_GetObjectItem(claims, "sub")->valuestring,
	                    "mailto:alice@example.org");
	cJSON_Delete(claims);
	assert_int_equal(jwt_part(h, 2, part, sizeof(part)), 64);
	decode(pub, k, sizeof(k));
	*strrchr(h, '.') = '\0';
	es256_verifies(h, part, k);
}

/* An http sub is no contact RFC 8292 allows: left out; a default port is
 * not in the aud. */
static void vapid_sub_and_aud(void **state)
{
	char *priv, *pub, *h, errbuf[IC_ERRBUF_SIZE];
	unsigned char part[512];

	assert_int_equal(ic_webpush_vapid_keygen(*state, &priv, &pub, errbuf),
	                 IC_OK);
	assert_int_equal(ic_webpush_vapid_auth(
	                         *state, priv, "https://Push.Example.net:443/x",
	                         "http://alice.example/", 10, &h, errbuf),
	                 IC_OK);
	jwt_part(h + 8, 1, part, sizeof(part));
	assert_string_equal(
	        (char *)part,
	        "{\"aud\":\"https://push.example.net\",\"exp\":43210}");
}

static void vapid_bad_input(void **state)
{
	char *priv, *pub, *h = "x", errbuf[IC_ERRBUF_SIZE];

	assert_int_equal(ic_webpush_vapid_keygen(*state, &priv, &pub, errbuf),
	                 IC_OK);
	assert_int_equal(ic_webpush_vapid_auth(*state, priv, "ftp://x/", NULL,
	                                       1, &h, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_null(h);
	assert_non_null(strstr(errbuf, "push endpoint"));
	assert_int_equal(ic_webpush_vapid_auth(*state, "short",
	                                       "https://push.example/", NULL, 1,
	                                       &h, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "VAPID private key"));
	/* Zero is no scalar; nor is the group order's neighbourhood above. */
	assert_int_equal(ic_webpush_vapid_public(
	                         *state,
	                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	                         &pub, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_webpush_vapid_public(
	                         *state,
	                         "__________________________________________8",
	                         &pub, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "not a P-256 key"));
}

/* Issue 13: libcrypto is loaded by the first Web Push call, not at exec
 * (core/ossl_lazy.h); the first test of this file, so nothing before it
 * has pushed.  (This test program links libcrypto itself, to verify.) */
static void libcrypto_at_first_use(void **state)
{
	char errbuf[IC_ERRBUF_SIZE], *priv, *pub;

	assert_false(ic_ossl_loaded());
	assert_int_equal(ic_webpush_vapid_keygen(*state, &priv, &pub, errbuf),
	                 IC_OK);
	assert_true(ic_ossl_loaded());
	assert_int_equal(ic_ossl_ready(errbuf), IC_OK); /* once, then kept */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(libcrypto_at_first_use, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(rfc8291_appendix_a, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(fresh_key_and_salt_each_time,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(payload_limit, setup, teardown),
	        cmocka_unit_test_setup_teardown(bad_keys_refused, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(vapid_header_verifies, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(vapid_sub_and_aud, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(vapid_bad_input, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
