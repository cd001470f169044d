/*
 * ossl_lazy.h - OpenSSL's libcrypto, loaded on first use (issue 13).
 *
 * Only Web Push (notify/webpush.c: P-256 ECDH, AES-128-GCM, ES256) needs
 * libcrypto; core/crypto.c hashes and signs with libmd.  Linked, its 4.5
 * MB cost every `listener` and `auth` run about 2 ms at exec (mapping and
 * binding; `listener --version` 4.9 ms against `send --version` 3.3 ms),
 * though nearly none of those runs sends a push: a hub's delivery, the
 * owner's pages.  Now the process that encrypts a push message or signs a
 * VAPID token loads it, once, with dlopen(3).
 *
 * Include this instead of the <openssl/...> headers (notify/webpush.c is
 * the only user), after which the functions keep their names, as macros
 * through a table filled by dlsym(3), as core/curl_lazy.h does for
 * libcurl.  A function not in IC_OSSL_FUNCS does not link (no program
 * links libcrypto): add it there and below.
 *
 * Unlike curl_lazy.h there are no stand-ins: every public entry of
 * webpush.c calls ic_ossl_ready() first and fails with its sentence when
 * libcrypto.so.3 cannot be loaded; the table is not to be called before.
 * Loaded once and never unloaded.  Only one thread calls ic_ossl_ready()
 * and the table (the early child's curl loader thread, core/curl_lazy.h,
 * may be inside libcrypto at the same time: glibc's dlopen and OpenSSL 3's
 * initialisation are thread-safe).  No <openssl/...> header may follow
 * this one: their names are macros from here on.
 */
#ifndef IC_OSSL_LAZY_H
#define IC_OSSL_LAZY_H

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <stdbool.h>

#include "core/err.h"

/* Every libcrypto function webpush.c calls. */
#define IC_OSSL_FUNCS(X)                                                       \
	X(BN_bin2bn)                                                           \
	X(BN_bn2binpad)                                                        \
	X(BN_clear_free)                                                       \
	X(BN_cmp)                                                              \
	X(BN_is_zero)                                                          \
	X(BN_secure_new)                                                       \
	X(ECDSA_SIG_free)                                                      \
	X(ECDSA_SIG_get0)                                                      \
	X(EC_GROUP_free)                                                       \
	X(EC_GROUP_get0_order)                                                 \
	X(EC_GROUP_new_by_curve_name)                                          \
	X(EC_POINT_free)                                                       \
	X(EC_POINT_is_on_curve)                                                \
	X(EC_POINT_mul)                                                        \
	X(EC_POINT_new)                                                        \
	X(EC_POINT_oct2point)                                                  \
	X(EC_POINT_point2oct)                                                  \
	X(EVP_CIPHER_CTX_ctrl)                                                 \
	X(EVP_CIPHER_CTX_free)                                                 \
	X(EVP_CIPHER_CTX_new)                                                  \
	X(EVP_DigestSign)                                                      \
	X(EVP_DigestSignInit)                                                  \
	X(EVP_EncryptFinal_ex)                                                 \
	X(EVP_EncryptInit_ex)                                                  \
	X(EVP_EncryptUpdate)                                                   \
	X(EVP_MD_CTX_free)                                                     \
	X(EVP_MD_CTX_new)                                                      \
	X(EVP_PKEY_CTX_free)                                                   \
	X(EVP_PKEY_CTX_new)                                                    \
	X(EVP_PKEY_CTX_new_from_name)                                          \
	X(EVP_PKEY_derive)                                                     \
	X(EVP_PKEY_derive_init)                                                \
	X(EVP_PKEY_derive_set_peer)                                            \
	X(EVP_PKEY_free)                                                       \
	X(EVP_PKEY_fromdata)                                                   \
	X(EVP_PKEY_fromdata_init)                                              \
	X(EVP_aes_128_gcm)                                                     \
	X(EVP_sha256)                                                          \
	X(OPENSSL_cleanse)                                                     \
	X(OSSL_PARAM_BLD_free)                                                 \
	X(OSSL_PARAM_BLD_new)                                                  \
	X(OSSL_PARAM_BLD_push_BN)                                              \
	X(OSSL_PARAM_BLD_push_octet_string)                                    \
	X(OSSL_PARAM_BLD_push_utf8_string)                                     \
	X(OSSL_PARAM_BLD_to_param)                                             \
	X(OSSL_PARAM_free)                                                     \
	X(d2i_ECDSA_SIG)

#define IC_OSSL_SLOT(f) __typeof__(f) *f;
struct ic_ossl_api {
	IC_OSSL_FUNCS(IC_OSSL_SLOT)
};
#undef IC_OSSL_SLOT

/** The table; zero until ic_ossl_ready() has loaded libcrypto. */
extern struct ic_ossl_api ic_ossl_fn;

/**
 * Load libcrypto.so.3 and fill the table, the first time.
 * @return IC_OK, or IC_ERR_IO with a sentence in @p errbuf (the
 *         library or one of its functions is missing; logged once).
 */
enum ic_err ic_ossl_ready(char *errbuf);

/** Whether libcrypto is loaded in this process (tests). */
bool ic_ossl_loaded(void);

#ifndef IC_OSSL_LAZY_TABLE /* ossl_lazy.c names the slots themselves */
#define BN_bin2bn                  (ic_ossl_fn.BN_bin2bn)
#define BN_bn2binpad               (ic_ossl_fn.BN_bn2binpad)
#define BN_clear_free              (ic_ossl_fn.BN_clear_free)
#define BN_cmp                     (ic_ossl_fn.BN_cmp)
#define BN_is_zero                 (ic_ossl_fn.BN_is_zero)
#define BN_secure_new              (ic_ossl_fn.BN_secure_new)
#define ECDSA_SIG_free             (ic_ossl_fn.ECDSA_SIG_free)
#define ECDSA_SIG_get0             (ic_ossl_fn.ECDSA_SIG_get0)
#define EC_GROUP_free              (ic_ossl_fn.EC_GROUP_free)
#define EC_GROUP_get0_order        (ic_ossl_fn.EC_GROUP_get0_order)
#define EC_GROUP_new_by_curve_name (ic_ossl_fn.EC_GROUP_new_by_curve_name)
#define EC_POINT_free              (ic_ossl_fn.EC_POINT_free)
#define EC_POINT_is_on_curve       (ic_ossl_fn.EC_POINT_is_on_curve)
#define EC_POINT_mul               (ic_ossl_fn.EC_POINT_mul)
#define EC_POINT_new               (ic_ossl_fn.EC_POINT_new)
#define EC_POINT_oct2point         (ic_ossl_fn.EC_POINT_oct2point)
#define EC_POINT_point2oct         (ic_ossl_fn.EC_POINT_point2oct)
#define EVP_CIPHER_CTX_ctrl        (ic_ossl_fn.EVP_CIPHER_CTX_ctrl)
#define EVP_CIPHER_CTX_free        (ic_ossl_fn.EVP_CIPHER_CTX_free)
#define EVP_CIPHER_CTX_new         (ic_ossl_fn.EVP_CIPHER_CTX_new)
#define EVP_DigestSign             (ic_ossl_fn.EVP_DigestSign)
#define EVP_DigestSignInit         (ic_ossl_fn.EVP_DigestSignInit)
#define EVP_EncryptFinal_ex        (ic_ossl_fn.EVP_EncryptFinal_ex)
#define EVP_EncryptInit_ex         (ic_ossl_fn.EVP_EncryptInit_ex)
#define EVP_EncryptUpdate          (ic_ossl_fn.EVP_EncryptUpdate)
#define EVP_MD_CTX_free            (ic_ossl_fn.EVP_MD_CTX_free)
#define EVP_MD_CTX_new             (ic_ossl_fn.EVP_MD_CTX_new)
#define EVP_PKEY_CTX_free          (ic_ossl_fn.EVP_PKEY_CTX_free)
#define EVP_PKEY_CTX_new           (ic_ossl_fn.EVP_PKEY_CTX_new)
#define EVP_PKEY_CTX_new_from_name (ic_ossl_fn.EVP_PKEY_CTX_new_from_name)
#define EVP_PKEY_derive            (ic_ossl_fn.EVP_PKEY_derive)
#define EVP_PKEY_derive_init       (ic_ossl_fn.EVP_PKEY_derive_init)
#define EVP_PKEY_derive_set_peer   (ic_ossl_fn.EVP_PKEY_derive_set_peer)
#define EVP_PKEY_free              (ic_ossl_fn.EVP_PKEY_free)
#define EVP_PKEY_fromdata          (ic_ossl_fn.EVP_PKEY_fromdata)
#define EVP_PKEY_fromdata_init     (ic_ossl_fn.EVP_PKEY_fromdata_init)
#define EVP_aes_128_gcm            (ic_ossl_fn.EVP_aes_128_gcm)
#define EVP_sha256                 (ic_ossl_fn.EVP_sha256)
#define OPENSSL_cleanse            (ic_ossl_fn.OPENSSL_cleanse)
#define OSSL_PARAM_BLD_free        (ic_ossl_fn.OSSL_PARAM_BLD_free)
#define OSSL_PARAM_BLD_new         (ic_ossl_fn.OSSL_PARAM_BLD_new)
#define OSSL_PARAM_BLD_push_BN     (ic_ossl_fn.OSSL_PARAM_BLD_push_BN)
#define OSSL_PARAM_BLD_push_octet_string                                       \
	(ic_ossl_fn.OSSL_PARAM_BLD_push_octet_string)
#define OSSL_PARAM_BLD_push_utf8_string                                        \
	(ic_ossl_fn.OSSL_PARAM_BLD_push_utf8_string)
#define OSSL_PARAM_BLD_to_param (ic_ossl_fn.OSSL_PARAM_BLD_to_param)
#define OSSL_PARAM_free         (ic_ossl_fn.OSSL_PARAM_free)
#define d2i_ECDSA_SIG           (ic_ossl_fn.d2i_ECDSA_SIG)
#endif

#endif /* IC_OSSL_LAZY_H */
