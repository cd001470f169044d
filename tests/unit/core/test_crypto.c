/* test_crypto.c - secrets, hashes, HMAC, hub signatures, PKCE
 * (lib/core/crypto.c).  Vectors from STANDARDS.md §11.6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/digest.h"
#include "core/ic_limits.h"

static const char jefe[] = "Jefe";
static const char jefe_msg[] = "what do ya want for nothing?";
static const char rfc4231_2_sha256[] =
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
static const char rfc2202_2_sha1[] = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
static const char rfc4231_2_sha384[] =
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
        "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649";
static const char rfc4231_2_sha512[] =
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";

/* HMAC of the RFC 4231 #2 input as lowercase hex. */
static void jefe_hmac_hex(enum ic_crypto_hmac_alg alg, char *hex,
                          size_t *maclen)
{
	unsigned char mac[IC_CRYPTO_MAX_MAC_BYTES];
	char errbuf[IC_ERRBUF_SIZE];

	*maclen = sizeof(mac);
	assert_int_equal(ic_crypto_hmac(alg, jefe, strlen(jefe), jefe_msg,
	                                strlen(jefe_msg), mac, maclen, errbuf),
	                 IC_OK);
	ic_crypto_hex_encode(mac, *maclen, hex);
}

/* --- HMAC vectors (WS-S-23) -------------------------------------------- */

static void test_crypto_hmac_sha256_rfc4231_case_2_ws_s_23(void **state)
{
	char hex[2 * IC_CRYPTO_MAX_MAC_BYTES + 1];
	size_t len;

	(void)state;
	jefe_hmac_hex(IC_HMAC_SHA256, hex, &len);
	assert_int_equal(len, 32);
	assert_string_equal(hex, rfc4231_2_sha256);
}

static void test_crypto_hmac_sha1_rfc2202_case_2_ws_s_23(void **state)
{
	char hex[2 * IC_CRYPTO_MAX_MAC_BYTES + 1];
	size_t len;

	(void)state;
	jefe_hmac_hex(IC_HMAC_SHA1, hex, &len);
	assert_int_equal(len, 20);
	assert_string_equal(hex, rfc2202_2_sha1);
}

static void test_crypto_hmac_sha384_rfc4231_case_2_ws_s_23(void **state)
{
	char hex[2 * IC_CRYPTO_MAX_MAC_BYTES + 1];
	size_t len;

	(void)state;
	jefe_hmac_hex(IC_HMAC_SHA384, hex, &len);
	assert_int_equal(len, 48);
	assert_string_equal(hex, rfc4231_2_sha384);
}

static void test_crypto_hmac_sha512_rfc4231_case_2_ws_s_23(void **state)
{
	char hex[2 * IC_CRYPTO_MAX_MAC_BYTES + 1];
	size_t len;

	(void)state;
	jefe_hmac_hex(IC_HMAC_SHA512, hex, &len);
	assert_int_equal(len, 64);
	assert_string_equal(hex, rfc4231_2_sha512);
}

/* RFC 4231 case 6 and RFC 2202 case 6: a key longer than the hash's
 * block is hashed first (RFC 2104 §2), for each block size. */
static void test_crypto_hmac_long_key_rfc4231_case_6(void **state)
{
	static const struct {
		enum ic_crypto_hmac_alg alg;
		size_t keylen;
		const char *hex;
	} v[] = {
	        {IC_HMAC_SHA1, 80, "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	        {IC_HMAC_SHA256, 131,
	         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0e"
	         "e37f54"},
	        {IC_HMAC_SHA384, 131,
	         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f0503"
	         "3ac4c60c2ef6ab4030fe8296248df163f44952"},
	        {IC_HMAC_SHA512, 131,
	         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783"
	         "f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b91"
	         "5a985d786598"},
	};
	static const char msg[] =
	        "Test Using Larger Than Block-Size Key - Hash Key First";
	unsigned char key[131], mac[IC_CRYPTO_MAX_MAC_BYTES];
	char hex[2 * IC_CRYPTO_MAX_MAC_BYTES + 1];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = sizeof(mac);

		assert_int_equal(ic_crypto_hmac(v[i].alg, key, v[i].keylen, msg,
		                                strlen(msg), mac, &len, NULL),
		                 IC_OK);
		ic_crypto_hex_encode(mac, len, hex);
		assert_string_equal(hex, v[i].hex);
	}
}

static void test_crypto_hmac_empty_key_and_data_match_python(void **state)
{
	unsigned char mac[32];
	size_t len = sizeof(mac);
	char hex[65];

	(void)state;
	/* python3: hmac.new(b"", b"", "sha256").hexdigest() */
	assert_int_equal(ic_crypto_hmac(IC_HMAC_SHA256, NULL, 0, NULL, 0, mac,
	                                &len, NULL),
	                 IC_OK);
	ic_crypto_hex_encode(mac, len, hex);
	assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5"
	                         "ff1697c493715653c6c712144292c5ad");
}

static void test_crypto_hmac_too_small_output_is_refused(void **state)
{
	unsigned char mac[32];
	size_t len = sizeof(mac);
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(ic_crypto_hmac(IC_HMAC_SHA512, "k", 1, "d", 1, mac,
	                                &len, errbuf),
	                 IC_ERR_INTERNAL);
	assert_non_null(strstr(errbuf, "too small"));
	assert_int_equal(len, sizeof(mac));
}

/* --- Hub signatures (WS-S-23, WS-S-24) --------------------------------- */

static enum ic_err verify_jefe(const char *header, char *errbuf)
{
	return ic_crypto_hub_signature_verify(
	        header, jefe, strlen(jefe), jefe_msg, strlen(jefe_msg), errbuf);
}

static void test_crypto_hub_sig_sha256_valid_accepted_ws_s_23(void **state)
{
	char header[128], errbuf[IC_ERRBUF_SIZE];

	(void)state;
	snprintf(header, sizeof(header), "sha256=%s", rfc4231_2_sha256);
	assert_int_equal(verify_jefe(header, errbuf), IC_OK);
}

static void test_crypto_hub_sig_all_four_methods_accepted_ws_s_23(void **state)
{
	char header[160];

	(void)state;
	snprintf(header, sizeof(header), "sha1=%s", rfc2202_2_sha1);
	assert_int_equal(verify_jefe(header, NULL), IC_OK);
	snprintf(header, sizeof(header), "sha384=%s", rfc4231_2_sha384);
	assert_int_equal(verify_jefe(header, NULL), IC_OK);
	snprintf(header, sizeof(header), "sha512=%s", rfc4231_2_sha512);
	assert_int_equal(verify_jefe(header, NULL), IC_OK);
}

static void test_crypto_hub_sig_uppercase_hex_accepted_ws_s_23(void **state)
{
	char header[128];

	(void)state;
	snprintf(header, sizeof(header), "sha256=%s", rfc4231_2_sha256);
	for (char *p = header + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(verify_jefe(header, NULL), IC_OK);
}

static void test_crypto_hub_sig_uppercase_method_accepted_ws_s_23(void **state)
{
	char header[128];

	(void)state;
	snprintf(header, sizeof(header), "SHA256=%s", rfc4231_2_sha256);
	assert_int_equal(verify_jefe(header, NULL), IC_OK);
	snprintf(header, sizeof(header), "Sha1=%s", rfc2202_2_sha1);
	assert_int_equal(verify_jefe(header, NULL), IC_OK);
}

static void test_crypto_hub_sig_surrounding_spaces_ignored_ws_s_23(void **state)
{
	char header[128];

	(void)state;
	snprintf(header, sizeof(header), " \tsha256=%s \t", rfc4231_2_sha256);
	assert_int_equal(verify_jefe(header, NULL), IC_OK);
}

/* websub.rocks 301: a valid signature followed by 4 random digits. */
static void
test_crypto_hub_sig_valid_hex_plus_4_digits_rejected_ws_s_23(void **state)
{
	char header[128], errbuf[IC_ERRBUF_SIZE];

	(void)state;
	snprintf(header, sizeof(header), "sha256=%s4821", rfc4231_2_sha256);
	assert_int_equal(strlen(header) - 7, 68);
	assert_int_equal(verify_jefe(header, errbuf), IC_ERR_FORBIDDEN);
	assert_non_null(strstr(errbuf, "68 hex digits"));
}

static void test_crypto_hub_sig_truncated_hex_rejected_ws_s_23(void **state)
{
	char header[128];

	(void)state;
	snprintf(header, sizeof(header), "sha256=%.62s", rfc4231_2_sha256);
	assert_int_equal(verify_jefe(header, NULL), IC_ERR_FORBIDDEN);
	/* A sha1-length signature under the sha256 method. */
	snprintf(header, sizeof(header), "sha256=%s", rfc2202_2_sha1);
	assert_int_equal(verify_jefe(header, NULL), IC_ERR_FORBIDDEN);
}

static void test_crypto_hub_sig_missing_header_forbidden_ws_s_24(void **state)
{
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(verify_jefe(NULL, errbuf), IC_ERR_FORBIDDEN);
	assert_non_null(strstr(errbuf, "missing"));
	errbuf[0] = '\0';
	assert_int_equal(verify_jefe("", errbuf), IC_ERR_FORBIDDEN);
	assert_non_null(strstr(errbuf, "missing"));
	assert_int_equal(verify_jefe("  ", NULL), IC_ERR_FORBIDDEN);
}

static void
test_crypto_hub_sig_unknown_method_md5_rejected_ws_s_23(void **state)
{
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(
	        verify_jefe("md5=750c783e6ab0b503eaa86e310a5db738", errbuf),
	        IC_ERR_FORBIDDEN);
	assert_non_null(strstr(errbuf, "\"md5\" not supported"));
	assert_null(strstr(errbuf, "missing"));
	/* A prefix of a known method is not that method. */
	assert_int_equal(verify_jefe("sha=00", NULL), IC_ERR_FORBIDDEN);
	assert_int_equal(verify_jefe("sha2560=00", NULL), IC_ERR_FORBIDDEN);
	assert_int_equal(verify_jefe("=00", NULL), IC_ERR_FORBIDDEN);
}

static void test_crypto_hub_sig_odd_length_hex_rejected_ws_s_23(void **state)
{
	char header[128], errbuf[IC_ERRBUF_SIZE];

	(void)state;
	snprintf(header, sizeof(header), "sha256=%s0", rfc4231_2_sha256);
	assert_int_equal(verify_jefe(header, errbuf), IC_ERR_FORBIDDEN);
	assert_non_null(strstr(errbuf, "malformed"));
}

static void
test_crypto_hub_sig_non_hex_and_no_equals_rejected_ws_s_23(void **state)
{
	char header[128], errbuf[IC_ERRBUF_SIZE];

	(void)state;
	snprintf(header, sizeof(header), "sha256=%s", rfc4231_2_sha256);
	header[20] = 'g';
	assert_int_equal(verify_jefe(header, errbuf), IC_ERR_FORBIDDEN);
	assert_non_null(strstr(errbuf, "malformed"));
	assert_int_equal(verify_jefe(rfc4231_2_sha256, errbuf),
	                 IC_ERR_FORBIDDEN);
	assert_non_null(strstr(errbuf, "no method="));
	assert_int_equal(verify_jefe("sha256=", NULL), IC_ERR_FORBIDDEN);
}

static void
test_crypto_hub_sig_one_bit_flipped_body_rejected_ws_s_23(void **state)
{
	char header[128], body[sizeof(jefe_msg)], errbuf[IC_ERRBUF_SIZE];

	(void)state;
	snprintf(header, sizeof(header), "sha256=%s", rfc4231_2_sha256);
	memcpy(body, jefe_msg, sizeof(body));
	body[7] ^= 0x01;
	assert_int_equal(ic_crypto_hub_signature_verify(header, jefe,
	                                                strlen(jefe), body,
	                                                strlen(body), errbuf),
	                 IC_ERR_FORBIDDEN);
	assert_non_null(strstr(errbuf, "does not match"));
}

static void test_crypto_hub_sig_wrong_secret_rejected_ws_s_23(void **state)
{
	char header[128];

	(void)state;
	snprintf(header, sizeof(header), "sha256=%s", rfc4231_2_sha256);
	assert_int_equal(ic_crypto_hub_signature_verify(header, "Jeff", 4,
	                                                jefe_msg,
	                                                strlen(jefe_msg), NULL),
	                 IC_ERR_FORBIDDEN);
}

static void test_crypto_hub_signature_signs_sha256_and_verifies(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char *value = NULL;

	(void)state;
	assert_int_equal(ic_crypto_hub_signature(a, jefe, strlen(jefe),
	                                         jefe_msg, strlen(jefe_msg),
	                                         &value, NULL),
	                 IC_OK);
	assert_non_null(value);
	assert_string_equal(value + 7, rfc4231_2_sha256);
	assert_memory_equal(value, "sha256=", 7);
	assert_int_equal(verify_jefe(value, NULL), IC_OK);
	/* An empty body is signed and verified too. */
	assert_int_equal(
	        ic_crypto_hub_signature(a, "s", 1, NULL, 0, &value, NULL),
	        IC_OK);
	assert_int_equal(
	        ic_crypto_hub_signature_verify(value, "s", 1, "", 0, NULL),
	        IC_OK);
	ic_arena_free(a);
}

/* --- PKCE (IA-C-9) ------------------------------------------------------ */

static void test_crypto_pkce_rfc7636_appendix_b_ia_c_9(void **state)
{
	char out[44];

	(void)state;
	assert_int_equal(ic_crypto_pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_"
	                                     "wW1gFWFOEjXk",
	                                     out, NULL),
	                 IC_OK);
	assert_string_equal(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void test_crypto_pkce_length_bounds_ia_c_9(void **state)
{
	char v[IC_CRYPTO_PKCE_MAX + 2], out[44], errbuf[IC_ERRBUF_SIZE];

	(void)state;
	memset(v, 'a', sizeof(v));
	v[42] = '\0';
	assert_int_equal(ic_crypto_pkce_s256(v, out, errbuf), IC_ERR_BAD_INPUT);
	assert_string_equal(out, "");
	v[42] = 'a';
	v[43] = '\0';
	assert_int_equal(ic_crypto_pkce_s256(v, out, NULL), IC_OK);
	assert_int_equal(strlen(out), 43);
	v[43] = 'a';
	v[128] = '\0';
	assert_int_equal(ic_crypto_pkce_s256(v, out, NULL), IC_OK);
	v[128] = 'a';
	v[129] = '\0';
	assert_int_equal(ic_crypto_pkce_s256(v, out, errbuf), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_crypto_pkce_s256(NULL, out, NULL),
	                 IC_ERR_BAD_INPUT);
}

static void test_crypto_pkce_character_outside_set_refused_ia_c_9(void **state)
{
	char v[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	char out[44], errbuf[IC_ERRBUF_SIZE];

	(void)state;
	v[10] = '+';
	assert_int_equal(ic_crypto_pkce_s256(v, out, errbuf), IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "at 10"));
	/* Every allowed punctuation character passes. */
	memcpy(v, "-._~", 4);
	v[10] = 'x';
	assert_int_equal(ic_crypto_pkce_s256(v, out, NULL), IC_OK);
}

/* --- Random secrets and ids (TE-7, TS-2) -------------------------------- */

static void test_crypto_token_is_43_chars_of_base64url_te_7(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char *t1 = NULL, *t2 = NULL;

	(void)state;
	assert_int_equal(ic_crypto_token(a, &t1, NULL), IC_OK);
	assert_int_equal(ic_crypto_token(a, &t2, NULL), IC_OK);
	assert_int_equal(strlen(t1), 43);
	assert_int_equal(strspn(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	                            "opqrstuvwxyz0123456789-_"),
	                 43);
	assert_string_not_equal(t1, t2);
	ic_arena_free(a);
}

static void test_crypto_random_id_is_lowercase_base32_te_7(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char *id1 = NULL, *id2 = NULL;

	(void)state;
	assert_int_equal(ic_crypto_random_id(a, 16, &id1, NULL), IC_OK);
	assert_int_equal(ic_crypto_random_id(a, 16, &id2, NULL), IC_OK);
	assert_int_equal(strlen(id1), 26);
	assert_int_equal(strspn(id1, "abcdefghijklmnopqrstuvwxyz234567"), 26);
	assert_string_not_equal(id1, id2);
	assert_int_equal(ic_crypto_random_id(a, 64, &id1, NULL), IC_OK);
	assert_int_equal(strlen(id1), 103);
	ic_arena_free(a);
}

static void test_crypto_random_id_under_128_bits_refused_te_7(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char *id = (char *)"x", errbuf[IC_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(ic_crypto_random_id(a, 15, &id, errbuf),
	                 IC_ERR_INTERNAL);
	assert_null(id);
	assert_int_equal(ic_crypto_random_id(a, 65, &id, errbuf),
	                 IC_ERR_INTERNAL);
	ic_arena_free(a);
}

static void test_crypto_random_fills_the_buffer(void **state)
{
	unsigned char buf[64], zero[64] = {0};

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(ic_crypto_random(buf, sizeof(buf), NULL), IC_OK);
	/* 2^-512 chance of a false failure. */
	assert_memory_not_equal(buf, zero, sizeof(buf));
	assert_int_equal(ic_crypto_random(buf, 0, NULL), IC_OK);
}

/* --- Hashes and comparison ---------------------------------------------- */

static void test_crypto_sha256_fips_180_vectors(void **state)
{
	char hex[65];

	(void)state;
	ic_crypto_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	                         "b00361a396177a9cb410ff61f20015ad");
	ic_crypto_sha256_hex(NULL, 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	                         "27ae41e4649b934ca495991b7852b855");
}

static void test_crypto_equal_compares_bytes(void **state)
{
	(void)state;
	assert_true(ic_crypto_equal("abcd", "abcd", 4));
	assert_false(ic_crypto_equal("abcd", "abce", 4));
	assert_false(ic_crypto_equal("\x80", "\x00", 1));
	assert_true(ic_crypto_equal("x", "y", 0));
}

/* --- Encodings ---------------------------------------------------------- */

static void test_crypto_b64url_rfc4648_vectors_unpadded(void **state)
{
	static const char *const in[] = {"",     "f",     "fo",    "foo",
	                                 "foob", "fooba", "foobar"};
	static const char *const want[] = {
	        "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	char out[16];

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		size_t n = ic_crypto_b64url_encode(in[i], strlen(in[i]), out);

		assert_string_equal(out, want[i]);
		assert_int_equal(n, IC_CRYPTO_B64URL_LEN(strlen(in[i])));
	}
	/* The URL alphabet: 62 and 63 are '-' and '_', not '+' and '/'. */
	ic_crypto_b64url_encode("\xfb\xff", 2, out);
	assert_string_equal(out, "-_8");
}

/* The decoder inverts the encoder, and refuses what has no one meaning:
 * padding, the other alphabet, a 4n+1 length, stray low bits, overflow. */
static void test_crypto_b64url_decode_strict(void **state)
{
	unsigned char out[8];
	size_t n;
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(ic_crypto_b64url_decode("Zm9vYmE", 7, out, sizeof(out),
	                                         &n, errbuf),
	                 IC_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(ic_crypto_b64url_decode("-_8", 3, out, 8, &n, errbuf),
	                 IC_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\xfb\xff", 2);
	assert_int_equal(ic_crypto_b64url_decode("", 0, out, 8, &n, errbuf),
	                 IC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ic_crypto_b64url_decode("Zm8=", 4, out, 8, &n, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_crypto_b64url_decode("+/8", 3, out, 8, &n, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(
	        ic_crypto_b64url_decode("Zm9vY", 5, out, 8, &n, errbuf),
	        IC_ERR_BAD_INPUT);
	assert_int_equal(ic_crypto_b64url_decode("Zm9", 3, out, 8, &n, errbuf),
	                 IC_ERR_BAD_INPUT); /* "Zm8" is the one form */
	assert_int_equal(
	        ic_crypto_b64url_decode("Zm9vYmFy", 8, out, 5, &n, errbuf),
	        IC_ERR_TOO_LARGE);
	assert_int_equal(n, 0);
}

static void test_crypto_b32_rfc4648_vectors_lowercase_unpadded(void **state)
{
	static const char *const in[] = {"",     "f",     "fo",    "foo",
	                                 "foob", "fooba", "foobar"};
	static const char *const want[] = {
	        "", "my", "mzxq", "mzxw6", "mzxw6yq", "mzxw6ytb", "mzxw6ytboi"};
	char out[16];

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		size_t n = ic_crypto_b32_encode(in[i], strlen(in[i]), out);

		assert_string_equal(out, want[i]);
		assert_int_equal(n, IC_CRYPTO_B32_LEN(strlen(in[i])));
	}
}

static void test_crypto_hex_decode_good_and_bad(void **state)
{
	unsigned char out[4];
	size_t n = 99;
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(
	        ic_crypto_hex_decode("00fFa5", 6, out, sizeof(out), &n, NULL),
	        IC_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "\x00\xff\xa5", 3);
	assert_int_equal(ic_crypto_hex_decode("abc", 3, out, 4, &n, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(n, 0);
	assert_int_equal(ic_crypto_hex_decode("0x", 2, out, 4, &n, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(
	        ic_crypto_hex_decode("0011223344", 10, out, 4, &n, errbuf),
	        IC_ERR_TOO_LARGE);
	assert_int_equal(ic_crypto_hex_decode("", 0, out, 4, &n, NULL), IC_OK);
	assert_int_equal(n, 0);
}

/* TE-7: the read path's libmd digest and libcrypto's give the same
 * hashes, so a token hashed by one is found by the other. */
static void test_digest_sha256_hex_matches_crypto_te_7(void **state)
{
	static const char *const inputs[] = {
	        "", "abc", "a token of 43 characters, base64url-ish__"};
	char a[65], b[65];

	(void)state;
	ic_digest_sha256_hex("abc", 3, a);
	assert_string_equal(a, "ba7816bf8f01cfea414140de5dae2223"
	                       "b00361a396177a9cb410ff61f20015ad");
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		ic_digest_sha256_hex(inputs[i], strlen(inputs[i]), a);
		ic_crypto_sha256_hex(inputs[i], strlen(inputs[i]), b);
		assert_string_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(
	                test_crypto_hmac_sha256_rfc4231_case_2_ws_s_23),
	        cmocka_unit_test(test_crypto_hmac_sha1_rfc2202_case_2_ws_s_23),
	        cmocka_unit_test(test_digest_sha256_hex_matches_crypto_te_7),
	        cmocka_unit_test(
	                test_crypto_hmac_sha384_rfc4231_case_2_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hmac_sha512_rfc4231_case_2_ws_s_23),
	        cmocka_unit_test(test_crypto_hmac_long_key_rfc4231_case_6),
	        cmocka_unit_test(
	                test_crypto_hmac_empty_key_and_data_match_python),
	        cmocka_unit_test(test_crypto_hmac_too_small_output_is_refused),
	        cmocka_unit_test(test_crypto_b64url_decode_strict),
	        cmocka_unit_test(
	                test_crypto_hub_sig_sha256_valid_accepted_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_all_four_methods_accepted_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_uppercase_hex_accepted_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_uppercase_method_accepted_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_surrounding_spaces_ignored_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_valid_hex_plus_4_digits_rejected_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_truncated_hex_rejected_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_missing_header_forbidden_ws_s_24),
	        cmocka_unit_test(
	                test_crypto_hub_sig_unknown_method_md5_rejected_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_odd_length_hex_rejected_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_non_hex_and_no_equals_rejected_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_one_bit_flipped_body_rejected_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_sig_wrong_secret_rejected_ws_s_23),
	        cmocka_unit_test(
	                test_crypto_hub_signature_signs_sha256_and_verifies),
	        cmocka_unit_test(test_crypto_pkce_rfc7636_appendix_b_ia_c_9),
	        cmocka_unit_test(test_crypto_pkce_length_bounds_ia_c_9),
	        cmocka_unit_test(
	                test_crypto_pkce_character_outside_set_refused_ia_c_9),
	        cmocka_unit_test(
	                test_crypto_token_is_43_chars_of_base64url_te_7),
	        cmocka_unit_test(
	                test_crypto_random_id_is_lowercase_base32_te_7),
	        cmocka_unit_test(
	                test_crypto_random_id_under_128_bits_refused_te_7),
	        cmocka_unit_test(test_crypto_random_fills_the_buffer),
	        cmocka_unit_test(test_crypto_sha256_fips_180_vectors),
	        cmocka_unit_test(test_crypto_equal_compares_bytes),
	        cmocka_unit_test(test_crypto_b64url_rfc4648_vectors_unpadded),
	        cmocka_unit_test(
	                test_crypto_b32_rfc4648_vectors_lowercase_unpadded),
	        cmocka_unit_test(test_crypto_hex_decode_good_and_bad),
	};

	return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
