/*
 * passphrase.c - hashing, checking and rate-limiting the owner's
 * passphrase (see passphrase.h).
 */
#include "indieauth/passphrase.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cgi/owner_url.h"
#include "core/crypto.h"
#include "core/log.h"
#include "store/store.h"
#include "store/store_auth.h"

_Static_assert(IC_PASSPHRASE_MAX_CHARS < CRYPT_MAX_PASSPHRASE_SIZE,
               "libxcrypt hashes every passphrase we accept");

/* A valid yescrypt hash of a random passphrase nobody knows: checked
 * when no passphrase is set, so that case costs the same time. */
#define DUMMY_HASH                                                             \
	"$y$j9T$94FdeERLVvGp.THzuB/mB0$apqBEeFc6.QFt/TTxTWce/GWCd02FYNGMy9HcDBoO01"

enum ic_err ic_passphrase_hash(struct ic_arena *a, const char *pass, char **out,
                               char *errbuf)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	size_t n = strlen(pass);

	*out = NULL;
	if (n < IC_PASSPHRASE_MIN_CHARS || n > IC_PASSPHRASE_MAX_CHARS)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT,
		               "a passphrase has %d to %d characters",
		               IC_PASSPHRASE_MIN_CHARS,
		               IC_PASSPHRASE_MAX_CHARS);
	cd = ic_arena_calloc(a, 1, sizeof(*cd));
	if (cd == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "no memory");
	/* NULL random bytes: libcrypt reads the OS's CSPRNG itself. */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL ||
	    crypt_r(pass, salt, cd) == NULL || cd->output[0] != '$')
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "libcrypt cannot make a yescrypt hash");
	*out = ic_arena_strdup(a, cd->output);
	return *out ? IC_OK : ic_fail(errbuf, IC_ERR_NOMEM, "no memory");
}

/* One counter per client: an IPv4 address, or an IPv6 /64 (one host
 * usually has a whole /64 to pick addresses from). */
static const char *rate_key(struct ic_req *req)
{
	const char *addr = req->env.remote_addr ? req->env.remote_addr : "-";
	unsigned char in6[16];
	char text[INET6_ADDRSTRLEN];

	if (strchr(addr, ':') && inet_pton(AF_INET6, addr, in6) == 1) {
		memset(in6 + 8, 0, 8);
		if (inet_ntop(AF_INET6, in6, text, sizeof(text)) != NULL)
			return ic_arena_printf(req->arena, "pw %s/64", text);
	}
	return ic_arena_printf(req->arena, "pw %s", addr);
}

static long long wait_for(long long failures)
{
	long long n = failures - IC_PASSPHRASE_FREE_TRIES + 1;

	if (n <= 0)
		return 0;
	return n >= 10 ? IC_PASSPHRASE_MAX_WAIT
	       : (1LL << (n - 1)) > IC_PASSPHRASE_MAX_WAIT
	               ? IC_PASSPHRASE_MAX_WAIT
	               : (1LL << (n - 1));
}

struct rate_ctx {
	struct ic_arena *a;
	const char *key;
	long long now;
	enum { RATE_LOOK, RATE_RESERVE, RATE_CLEAR } what;
	struct ic_rate r;
	long long wait;   /* RATE_RESERVE: > 0 when refused */
	const char *hash; /* RATE_RESERVE: the stored passphrase hash */
};

static enum ic_err rate_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct rate_ctx *c = ctx;
	enum ic_err rc = ic_store_rate_get_in_txn(t, c->a, c->key, &c->r);

	c->wait = 0;
	c->hash = NULL;
	if (rc != IC_OK)
		return rc;
	if (c->r.last && c->now - c->r.last > IC_PASSPHRASE_FORGET_AFTER)
		memset(&c->r, 0, sizeof(c->r));
	switch (c->what) {
	case RATE_LOOK:
		return IC_OK;
	case RATE_CLEAR:
		memset(&c->r, 0, sizeof(c->r));
		return ic_store_rate_put_in_txn(t, c->a, c->key, &c->r);
	case RATE_RESERVE:
		break;
	}
	if (c->r.until > c->now) {
		c->wait = c->r.until - c->now;
		return IC_OK;
	}
	/* Count the attempt as a failure before it is checked, in the same
	 * transaction as the look: parallel guesses each take their own
	 * turn.  A right passphrase clears the count afterwards. */
	c->r.failures++;
	c->r.last = c->now;
	c->r.until = c->now + wait_for(c->r.failures);
	rc = ic_store_rate_put_in_txn(t, c->a, c->key, &c->r);
	if (rc == IC_OK)
		rc = ic_store_auth_gc_schedule_in_txn(
		        t, c->a, c->now + IC_PASSPHRASE_FORGET_AFTER + 1);
	if (rc == IC_OK) {
		rc = ic_store_passphrase_get_in_txn(t, c->a, &c->hash);
		if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
	}
	return rc;
}

static enum ic_err rate_run(struct ic_req *req, struct rate_ctx *c)
{
	struct ic_store *st;
	enum ic_err rc = ic_req_store(req, &st);

	c->a = req->arena;
	c->key = rate_key(req);
	c->now = (long long)time(NULL);
	if (c->key == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	if (rc != IC_OK)
		return rc;
	return c->what == RATE_LOOK
	               ? ic_store_view(st, rate_in_txn, c, req->errbuf)
	               : ic_store_update(st, rate_in_txn, c, req->errbuf);
}

enum ic_err ic_passphrase_wait(struct ic_req *req, long long *wait)
{
	struct rate_ctx c = {.what = RATE_LOOK};
	enum ic_err rc = rate_run(req, &c);

	*wait = rc == IC_OK && c.r.until > c.now ? c.r.until - c.now : 0;
	return rc;
}

enum ic_err ic_passphrase_check(struct ic_req *req, const char *pass, bool *ok,
                                long long *wait)
{
	struct rate_ctx c = {.what = RATE_RESERVE};
	struct crypt_data *cd;
	const char *hash, *want;
	enum ic_err rc;

	*ok = false;
	if (wait)
		*wait = 0;
	rc = rate_run(req, &c);
	if (rc != IC_OK)
		return rc;
	if (c.wait > 0) {
		if (wait)
			*wait = c.wait;
		return IC_OK; /* not even checked */
	}
	hash = req->cfg.passphrase_hash && *req->cfg.passphrase_hash
	               ? req->cfg.passphrase_hash
	               : c.hash;
	if (hash == NULL)
		ic_log(IC_LOG_WARN, "no passphrase is set: run "
		                    "`auth --set-passphrase`");
	want = hash ? hash : DUMMY_HASH;
	cd = ic_arena_calloc(req->arena, 1, sizeof(*cd));
	if (cd == NULL)
		return ic_fail(req->errbuf, IC_ERR_NOMEM, "no memory");
	if (strlen(pass) <= IC_PASSPHRASE_MAX_CHARS &&
	    crypt_r(pass, want, cd) != NULL && cd->output[0] == '$')
		*ok = hash != NULL && strlen(cd->output) == strlen(want) &&
		      ic_crypto_equal(cd->output, want, strlen(want));
	if (!*ok) {
		ic_log(IC_LOG_INFO, "wrong passphrase from %s (%lld in a row)",
		       c.key + 3, c.r.failures);
		return IC_OK;
	}
	c.what = RATE_CLEAR;
	return rate_run(req, &c);
}

/* --- auth --set-passphrase ----------------------------------------------- */

/* One line from stdin, without echo when it is a terminal. */
static enum ic_err read_line(struct ic_req *req, char *buf, size_t cap)
{
	FILE *in = req->in ? req->in : stdin;
	int fd = fileno(in);
	struct termios old, quiet;
	bool tty = fd >= 0 && isatty(fd) && tcgetattr(fd, &old) == 0;
	char *got;

	if (tty) {
		fprintf(stderr, "New passphrase: ");
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	got = fgets(buf, (int)cap, in);
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (got == NULL)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "no passphrase on standard input");
	if (strchr(buf, '\n') == NULL && strlen(buf) == cap - 1)
		return ic_fail(req->errbuf, IC_ERR_TOO_LARGE,
		               "passphrase longer than %d characters",
		               IC_PASSPHRASE_MAX_CHARS);
	buf[strcspn(buf, "\r\n")] = '\0';
	return IC_OK;
}

struct set_ctx {
	struct ic_arena *a;
	const char *hash;
};

static enum ic_err set_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct set_ctx *c = ctx;

	return ic_store_passphrase_put_in_txn(t, c->a, c->hash);
}

enum ic_err ic_passphrase_cli_set(struct ic_req *req, int argc, char **argv)
{
	char line[IC_PASSPHRASE_MAX_CHARS + 2];
	struct set_ctx c = {req->arena, NULL};
	struct ic_store *st;
	char *hash;
	enum ic_err rc;

	(void)argv;
	if (argc > 1)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "--set-passphrase takes no arguments; it reads "
		               "the passphrase from standard input");
	if (req->cfg.passphrase_hash && *req->cfg.passphrase_hash)
		return ic_fail(req->errbuf, IC_ERR_CONFIG,
		               "passphrase_hash is set in %s, which wins: "
		               "change or remove it there",
		               req->cfg.path ? req->cfg.path : "the config");
	rc = read_line(req, line, sizeof(line));
	if (rc == IC_OK)
		rc = ic_passphrase_hash(req->arena, line, &hash, req->errbuf);
	explicit_bzero(line, sizeof(line));
	if (rc != IC_OK)
		return rc;
	c.hash = hash;
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, set_in_txn, &c, req->errbuf);
	if (rc == IC_OK) {
		const char *signin = ic_url_signin(req->arena, &req->cfg, NULL);

		fprintf(req->out, "passphrase set; sign in at %s\n",
		        signin ? signin : req->cfg.base_url);
	}
	return rc;
}
