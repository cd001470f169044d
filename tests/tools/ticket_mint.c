/*
 * ticket_mint.c - test tool: store a fresh ticket and print it.
 *
 * Usage: ticket_mint CONFIG SUBJECT RESOURCE [TTL_SECONDS]
 *
 * Stores only the ticket's SHA-256 hash (TS-2), bound to a new random
 * conversation id, SUBJECT and RESOURCE, expiring TTL seconds from now
 * (default 300; a negative TTL makes an expired ticket).  Prints the
 * ticket on stdout.  The integration tests use it to redeem tickets at
 * B/auth/token through Apache until `ticket` can send invites.  Run it as
 * the web server's user so the files it may create in data_dir stay
 * writable for the CGIs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "core/arena.h"
#include "text/config.h"
#include "core/crypto.h"
#include "core/ic_limits.h"
#include "cgi/site.h"
#include "store/store.h"
#include "store/store_token.h"

struct mint {
	struct ic_arena *a;
	const char *hash;
	struct ic_ticket tk;
};

static enum ic_err put(struct ic_store_txn *t, void *ctx)
{
	struct mint *m = ctx;

	return ic_store_ticket_put_in_txn(t, m->a, m->hash, &m->tk);
}

int main(int argc, char **argv)
{
	char errbuf[IC_ERRBUF_SIZE] = "";
	struct ic_arena *a = ic_arena_new(0);
	struct ic_config cfg;
	struct ic_store *st = NULL;
	struct mint m = {a, NULL, {0}};
	char *ticket = NULL, *conv = NULL;
	long long ttl = argc > 4 ? strtoll(argv[4], NULL, 10) : 300;
	enum ic_err rc;

	if (argc < 4 || argc > 5 || a == NULL) {
		fprintf(stderr, "usage: ticket_mint CONFIG SUBJECT RESOURCE "
		                "[TTL_SECONDS]\n");
		return 2;
	}
	umask(077);
	rc = ic_config_load(&cfg, a, argv[1], errbuf);
	if (rc == IC_OK)
		rc = ic_crypto_token(a, &ticket, errbuf);
	if (rc == IC_OK)
		rc = ic_crypto_random_id(a, IC_SITE_ID_BYTES, &conv, errbuf);
	if (rc == IC_OK)
		rc = ic_store_open(&st, cfg.data_dir, errbuf);
	if (rc == IC_OK) {
		m.hash = ic_secret_hash(a, ticket);
		m.tk = (struct ic_ticket){.conv = conv,
		                          .subject = argv[2],
		                          .resource = argv[3],
		                          .expires =
		                                  (long long)time(NULL) + ttl};
		rc = ic_store_update(st, put, &m, errbuf);
	}
	ic_store_close(st);
	if (rc == IC_OK)
		printf("%s\n", ticket);
	else
		fprintf(stderr, "ticket_mint: %s: %s\n", ic_strerror(rc),
		        errbuf);
	ic_arena_free(a);
	return rc == IC_OK ? 0 : 1;
}
