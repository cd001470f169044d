/*
 * fuzz_link.c - the RFC 8288 Link header parser (H-1) on hostile input.
 *
 * The input is split at newlines into several header values, each parsed
 * into the same list, as ic_fetch() does with repeated `Link` headers.
 * Besides "never crash, never leak", the list invariants of link.h are
 * checked: only IC_OK and IC_ERR_TOO_LARGE come back, every kept link has
 * 1..IC_MAX_LINK_RELS non-empty lowercase rels and a target without
 * controls, spaces, quotes or angle brackets, and ic_link_find() returns
 * the first link carrying a rel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "text/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const struct ic_link_list *l)
{
	if (l->n > IC_MAX_LINKS)
		abort();
	for (size_t i = 0; i < l->n; i++) {
		const struct ic_link *k = &l->items[i];

		if (k->nrels == 0 || k->nrels > IC_MAX_LINK_RELS)
			abort();
		for (const char *t = k->target; *t; t++)
			if ((unsigned char)*t <= 0x20 || *t == 0x7f ||
			    strchr("<>\"", *t))
				abort();
		for (size_t j = 0; j < k->nrels; j++) {
			if (k->rels[j][0] == '\0')
				abort();
			for (const char *r = k->rels[j]; *r; r++)
				if (*r >= 'A' && *r <= 'Z')
					abort();
		}
		/* First wins: find() returns the earliest link with the rel. */
		for (size_t j = 0; j <= i; j++)
			if (ic_link_has_rel(&l->items[j], k->rels[0])) {
				if (ic_link_find(l, k->rels[0]) !=
				    l->items[j].target)
					abort();
				break;
			}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_link_list *l = calloc(1, sizeof(*l));
	struct ic_arena *a = ic_arena_new(0);
	const char *p = (const char *)data, *end = p + size;
	char errbuf[IC_ERRBUF_SIZE];

	if (a == NULL || l == NULL)
		goto out;
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		enum ic_err rc = ic_link_parse(l, a, p, len, errbuf);

		if (rc != IC_OK && rc != IC_ERR_TOO_LARGE)
			abort();
		if (rc != IC_OK || nl == NULL)
			break;
		p = nl + 1;
	}
	check_list(l);
out:
	ic_arena_free(a);
	free(l);
	return 0;
}
