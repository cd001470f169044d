/*
 * fuzz_config.c - ic_config_parse() on arbitrary bytes (NULs, invalid
 * UTF-8, huge lines).  Besides "never crash, never leak", a configuration
 * that parses must hold the invariants config.h promises; a broken one
 * aborts so libFuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/ic_limits.h"
#include "text/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_url(const char *u, bool dev)
{
	if (u == NULL || strlen(u) > 2048)
		abort();
	if (strncmp(u, "https://", 8) != 0 &&
	    !(dev && strncmp(u, "http://", 7) == 0))
		abort();
}

static void check(const struct ic_config *c)
{
	check_url(c->me, c->dev_mode);
	check_url(c->base_url, c->dev_mode);
	if (c->base_url[strlen(c->base_url) - 1] == '/')
		abort();
	if (c->hub == NULL)
		abort();
	if (c->hub[0] != '\0')
		check_url(c->hub, c->dev_mode);
	if (c->data_dir == NULL || c->data_dir[0] != '/')
		abort();
	if (c->passphrase_hash == NULL || c->sign_in == NULL || c->path == NULL)
		abort();
	if (c->feed_page_size < IC_CONFIG_FEED_PAGE_SIZE_MIN ||
	    c->feed_page_size > IC_CONFIG_FEED_PAGE_SIZE_MAX)
		abort();
	if (c->log_level < 0 || c->log_level > 3)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE];
	struct ic_config cfg;
	enum ic_err rc;

	if (a == NULL)
		return 0;
	rc = ic_config_parse(&cfg, a, (const char *)data, size, "fuzz.conf",
	                     errbuf);
	if (rc == IC_OK)
		check(&cfg);
	else if (rc != IC_ERR_CONFIG && rc != IC_ERR_NOMEM)
		abort();
	ic_arena_free(a);
	return 0;
}
