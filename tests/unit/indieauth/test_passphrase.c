/*
 * test_passphrase.c - the owner's passphrase for the built-in
 * authorization endpoint (lib/indieauth/passphrase.c): yescrypt hashes, the
 * check against the configuration or the database, the per-address slow-down of
 * wrong guesses (SEC-14) and `auth --set-passphrase`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <crypt.h>

#include "fixture.h"
#include "indieauth/passphrase.h"
#include "store/store_auth.h"

#define PASS  "correct horse battery staple"
#define OTHER "another long passphrase"
#define ADDR1 "192.0.2.1"
#define ADDR2 "192.0.2.2"

static bool verifies(const char *pass, const char *hash)
{
	struct crypt_data cd;
	const char *out;

	memset(&cd, 0, sizeof(cd));
	out = crypt_r(pass, hash, &cd);
	return out && strcmp(out, hash) == 0;
}

/* A hash of @p pass in arena @p a. */
static char *hash_of(struct ic_arena *a, const char *pass)
{
	char *h = NULL;

	assert_int_equal(ic_passphrase_hash(a, pass, &h, NULL), IC_OK);
	return h;
}

struct pass_ctx {
	struct ic_arena *a;
	const char *hash; /* in: to store; out: what is stored */
	enum ic_err rc;
	const char *rate_key;
	struct ic_rate rate;
};

static enum ic_err put_pass_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct pass_ctx *p = ctx;

	return ic_store_passphrase_put_in_txn(t, p->a, p->hash);
}

static enum ic_err get_pass_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct pass_ctx *p = ctx;

	p->rc = ic_store_passphrase_get_in_txn(t, p->a, &p->hash);
	return IC_OK;
}

static enum ic_err get_rate_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct pass_ctx *p = ctx;

	return ic_store_rate_get_in_txn(t, p->a, p->rate_key, &p->rate);
}

static enum ic_err put_rate_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct pass_ctx *p = ctx;

	return ic_store_rate_put_in_txn(t, p->a, p->rate_key, &p->rate);
}

static void store_hash(struct ic_fx *fx, const char *hash)
{
	struct pass_ctx p = {ic_arena_new(0), hash, IC_OK, NULL, {0}};

	assert_int_equal(ic_fx_txn(fx, NULL, true, put_pass_in_txn, &p), IC_OK);
	ic_arena_free(p.a);
}

/* One request from @p addr checking @p pass. */
static bool check(struct ic_fx *fx, const char *addr, const char *pass)
{
	struct ic_req req;
	bool ok = true;

	ic_fx_req_init(fx, &req, "auth", stdin, stdout);
	req.env.remote_addr = addr;
	assert_int_equal(ic_passphrase_check(&req, pass, &ok, NULL), IC_OK);
	ic_cgi_req_free(&req);
	return ok;
}

static long long wait_of(struct ic_fx *fx, const char *addr)
{
	struct ic_req req;
	long long w = -1;

	ic_fx_req_init(fx, &req, "auth", stdin, stdout);
	req.env.remote_addr = addr;
	assert_int_equal(ic_passphrase_wait(&req, &w), IC_OK);
	ic_cgi_req_free(&req);
	return w;
}

static struct ic_rate rate_of(struct ic_fx *fx, const char *addr)
{
	char key[64];
	struct pass_ctx p = {ic_arena_new(0), NULL, IC_OK, key, {0}};

	snprintf(key, sizeof(key), "pw %s", addr);
	assert_int_equal(ic_fx_txn(fx, NULL, false, get_rate_in_txn, &p),
	                 IC_OK);
	ic_arena_free(p.a);
	return p.rate;
}

/* --- Hashing ----------------------------------------------------------------
 */

static void test_passphrase_hash_is_yescrypt_and_verifies_sec_8(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char *h1 = hash_of(a, PASS), *h2 = hash_of(a, PASS);

	(void)state;
	assert_memory_equal(h1, "$y$", 3);
	assert_true(verifies(PASS, h1));
	assert_false(verifies(OTHER, h1));
	assert_false(verifies("correct horse battery stapl", h1));
	/* A fresh salt each time. */
	assert_string_not_equal(h1, h2);
	assert_true(verifies(PASS, h2));
	ic_arena_free(a);
}

static void test_passphrase_hash_refuses_short_and_long_sec_14(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE] = "";
	char *h = (char *)"x", *longer;

	(void)state;
	assert_int_equal(ic_passphrase_hash(a, "1234567", &h, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_null(h);
	assert_true(errbuf[0] != '\0');
	assert_int_equal(ic_passphrase_hash(a, "", &h, NULL), IC_ERR_BAD_INPUT);
	longer = calloc(1, IC_PASSPHRASE_MAX_CHARS + 2);
	memset(longer, 'a', IC_PASSPHRASE_MAX_CHARS + 1);
	assert_int_equal(ic_passphrase_hash(a, longer, &h, NULL),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_passphrase_hash(a, "12345678", &h, NULL), IC_OK);
	free(longer);
	ic_arena_free(a);
}

/* The longest passphrase the header promises can be hashed and checked. */
static void test_passphrase_longest_allowed_is_usable_sec_8(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	char *h = NULL, *longest = calloc(1, IC_PASSPHRASE_MAX_CHARS + 1);
	enum ic_err rc;

	memset(longest, 'a', IC_PASSPHRASE_MAX_CHARS);
	rc = ic_passphrase_hash(a, longest, &h, NULL);
	/* libxcrypt hashes at most CRYPT_MAX_PASSPHRASE_SIZE - 1 bytes. */
	assert_int_equal(rc, IC_OK);
	store_hash(fx, h);
	assert_true(check(fx, ADDR1, longest));
	free(longest);
	ic_arena_free(a);
}

/* --- Checking ----------------------------------------------------------------
 */

static void test_passphrase_check_against_stored_hash_ia_c_19(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);

	store_hash(fx, hash_of(a, PASS));
	assert_true(check(fx, ADDR1, PASS));
	assert_false(check(fx, ADDR1, OTHER));
	assert_false(check(fx, ADDR1, ""));
	assert_false(check(fx, ADDR1, PASS " "));
	ic_arena_free(a);
}

static void test_passphrase_config_hash_wins_over_stored_ia_c_19(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);

	store_hash(fx, hash_of(a, PASS));
	fx->cfg.passphrase_hash = hash_of(a, OTHER);
	assert_true(check(fx, ADDR1, OTHER));
	assert_false(check(fx, ADDR1, PASS));
	ic_arena_free(a);
}

static void test_passphrase_none_set_is_never_ok_ia_c_19(void **state)
{
	struct ic_fx *fx = *state;

	assert_false(check(fx, ADDR1, PASS));
	assert_false(check(fx, ADDR1, ""));
	/* Nor a guess at the dummy hash's passphrase-less form. */
	fx->cfg.passphrase_hash = "";
	assert_false(check(fx, ADDR1, "12345678"));
}

/* --- Slow-down per address (SEC-14) ----------------------------------------
 */

static void test_passphrase_failures_slow_down_one_address_sec_14(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_rate r;

	store_hash(fx, hash_of(a, PASS));
	for (int i = 1; i < IC_PASSPHRASE_FREE_TRIES; i++) {
		assert_false(check(fx, ADDR1, OTHER));
		assert_int_equal(wait_of(fx, ADDR1), 0);
	}
	assert_false(check(fx, ADDR1, OTHER));
	r = rate_of(fx, ADDR1);
	assert_int_equal(r.failures, IC_PASSPHRASE_FREE_TRIES);
	/* From the FREE_TRIES-th failure on: a wait (2^0 s here). */
	assert_true(r.until > r.last);
	/* One more (2 s): certainly still waiting when asked. */
	assert_false(check(fx, ADDR1, OTHER));
	assert_true(wait_of(fx, ADDR1) > 0);
	assert_true(wait_of(fx, ADDR1) <= IC_PASSPHRASE_MAX_WAIT);
	/* Another address is not slowed down. */
	assert_int_equal(wait_of(fx, ADDR2), 0);
	assert_int_equal(rate_of(fx, ADDR2).failures, 0);
	ic_arena_free(a);
}

static void test_passphrase_success_clears_the_count_sec_14(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);

	store_hash(fx, hash_of(a, PASS));
	assert_false(check(fx, ADDR1, OTHER));
	assert_false(check(fx, ADDR1, OTHER));
	assert_int_equal(rate_of(fx, ADDR1).failures, 2);
	assert_true(check(fx, ADDR1, PASS));
	assert_int_equal(rate_of(fx, ADDR1).failures, 0);
	assert_int_equal(wait_of(fx, ADDR1), 0);
	ic_arena_free(a);
}

static void test_passphrase_wait_is_capped_and_forgotten_sec_14(void **state)
{
	struct ic_fx *fx = *state;
	struct pass_ctx p = {ic_arena_new(0), NULL, IC_OK, "pw " ADDR1, {0}};
	long long t = (long long)time(NULL);

	/* A day-old streak is forgotten. */
	p.rate = (struct ic_rate){50, t + 600, t - 2 * 24 * 60 * 60};
	assert_int_equal(ic_fx_txn(fx, NULL, true, put_rate_in_txn, &p), IC_OK);
	assert_int_equal(wait_of(fx, ADDR1), 0);
	/* Many failures in a row: at most IC_PASSPHRASE_MAX_WAIT. */
	p.rate = (struct ic_rate){60, 0, t};
	assert_int_equal(ic_fx_txn(fx, NULL, true, put_rate_in_txn, &p), IC_OK);
	assert_false(check(fx, ADDR1, OTHER));
	assert_int_equal(rate_of(fx, ADDR1).failures, 61);
	assert_true(wait_of(fx, ADDR1) <= IC_PASSPHRASE_MAX_WAIT);
	assert_true(wait_of(fx, ADDR1) > IC_PASSPHRASE_MAX_WAIT - 5);
	ic_arena_free(p.a);
}

/* --- auth --set-passphrase --------------------------------------------------
 */

static enum ic_err cli_set(struct ic_fx *fx, const char *input, int argc,
                           char **out)
{
	char *argv[] = {(char *)"--set-passphrase", (char *)"extra", NULL};
	struct ic_req req;
	size_t outlen;
	FILE *in = fmemopen((void *)input, *input ? strlen(input) : 1, "r");
	FILE *o = open_memstream(out, &outlen);
	enum ic_err rc;

	assert_non_null(in);
	assert_non_null(o);
	ic_fx_req_init(fx, &req, "auth", in, o);
	rc = ic_passphrase_cli_set(&req, argc, argv);
	ic_cgi_req_free(&req);
	fclose(o);
	fclose(in);
	return rc;
}

static const char *stored_hash(struct ic_fx *fx, struct ic_arena *a,
                               enum ic_err *rc)
{
	struct pass_ctx p = {a, NULL, IC_OK, NULL, {0}};

	assert_int_equal(ic_fx_txn(fx, NULL, false, get_pass_in_txn, &p),
	                 IC_OK);
	*rc = p.rc;
	return p.hash;
}

static void test_passphrase_cli_set_stores_a_hash_from_stdin_sec_8(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	const char *h;
	char *out = NULL;
	enum ic_err rc;

	assert_int_equal(cli_set(fx, PASS "\n", 1, &out), IC_OK);
	assert_non_null(strstr(out, "passphrase set"));
	/* What was printed says nothing of the passphrase. */
	assert_null(strstr(out, PASS));
	free(out);
	h = stored_hash(fx, a, &rc);
	assert_int_equal(rc, IC_OK);
	assert_memory_equal(h, "$y$", 3);
	assert_true(verifies(PASS, h));
	/* The newline (and a CR) is not part of it. */
	assert_true(check(fx, ADDR1, PASS));
	assert_int_equal(cli_set(fx, OTHER "\r\n", 1, &out), IC_OK);
	free(out);
	assert_true(check(fx, ADDR1, OTHER));
	assert_false(check(fx, ADDR1, PASS));
	ic_arena_free(a);
}

static void test_passphrase_cli_set_refuses_bad_input_sec_8(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	char *out = NULL;
	enum ic_err rc;

	assert_int_equal(cli_set(fx, "short\n", 1, &out), IC_ERR_BAD_INPUT);
	free(out);
	assert_int_equal(cli_set(fx, "", 1, &out), IC_ERR_BAD_INPUT);
	free(out);
	assert_int_equal(cli_set(fx, PASS "\n", 2, &out), IC_ERR_BAD_INPUT);
	free(out);
	stored_hash(fx, a, &rc);
	assert_int_equal(rc, IC_ERR_NOT_FOUND);
	ic_arena_free(a);
}

static void
test_passphrase_cli_set_refuses_when_config_has_hash_sec_8(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	char *out = NULL;
	enum ic_err rc;

	fx->cfg.passphrase_hash = hash_of(a, OTHER);
	assert_int_equal(cli_set(fx, PASS "\n", 1, &out), IC_ERR_CONFIG);
	free(out);
	stored_hash(fx, a, &rc);
	assert_int_equal(rc, IC_ERR_NOT_FOUND);
	ic_arena_free(a);
}

/* One host usually holds a whole IPv6 /64: it is one client (SEC-14). */
static void test_passphrase_ipv6_counts_per_64_sec_14(void **state)
{
	struct ic_fx *fx = *state;

	for (int i = 0; i < IC_PASSPHRASE_FREE_TRIES; i++)
		assert_false(check(fx, "2001:db8:1:2::1", "wrong passphrase"));
	/* The count is kept for the /64, not the address.  Compared as
	 * counts, not as the wait: after the free tries the wait is 1 s,
	 * which a slow (loaded) machine spends on the yescrypt checks. */
	assert_int_equal(rate_of(fx, "2001:db8:1:2::/64").failures,
	                 IC_PASSPHRASE_FREE_TRIES);
	assert_int_equal(rate_of(fx, "2001:db8:1:2::1").failures, 0);
	assert_int_equal(rate_of(fx, "2001:db8:1:3::/64").failures, 0);
	assert_int_equal(wait_of(fx, "2001:db8:1:3::1"), 0);
	/* Locked: even the right passphrase is not checked now. */
	assert_false(check(fx, "2001:db8:1:2::7", "wrong passphrase"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_passphrase_hash_is_yescrypt_and_verifies_sec_8),
	        T(test_passphrase_ipv6_counts_per_64_sec_14),
	        T(test_passphrase_hash_refuses_short_and_long_sec_14),
	        T(test_passphrase_longest_allowed_is_usable_sec_8),
	        T(test_passphrase_check_against_stored_hash_ia_c_19),
	        T(test_passphrase_config_hash_wins_over_stored_ia_c_19),
	        T(test_passphrase_none_set_is_never_ok_ia_c_19),
	        T(test_passphrase_failures_slow_down_one_address_sec_14),
	        T(test_passphrase_success_clears_the_count_sec_14),
	        T(test_passphrase_wait_is_capped_and_forgotten_sec_14),
	        T(test_passphrase_cli_set_stores_a_hash_from_stdin_sec_8),
	        T(test_passphrase_cli_set_refuses_bad_input_sec_8),
	        T(test_passphrase_cli_set_refuses_when_config_has_hash_sec_8),
#undef T
	};

	return cmocka_run_group_tests_name("passphrase", tests, NULL, NULL);
}
