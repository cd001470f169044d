/*
 * fuzz_discover.c - `<head>` link discovery (H-2, H-3) on hostile HTML:
 * gumbo's tree, our bounded walk, `<base href>` and URL resolution.
 *
 * The whole input is the document, at a fixed URL.  Besides "never crash,
 * never leak" (the gumbo tree is freed by its arena cleanup), it checks
 * that only IC_OK and IC_ERR_TOO_LARGE come back and that every target
 * kept is an absolute http(s) URL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "net/discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc_url[] = "https://fuzz.example/dir/page?q=1";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_link_list *l = calloc(1, sizeof(*l));
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE];
	enum ic_err rc;

	if (a == NULL || l == NULL)
		goto out;
	rc = ic_discover_html_links(l, a, (const char *)data, size, doc_url,
	                            errbuf);
	if (rc != IC_OK && rc != IC_ERR_TOO_LARGE)
		abort();
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->items[i].target, "http://", 7) != 0 &&
		    strncmp(l->items[i].target, "https://", 8) != 0)
			abort();
out:
	ic_arena_free(a);
	free(l);
	return 0;
}
