/*
 * fuzz_multipart.c - the multipart/form-data parser on arbitrary bytes
 * (issue 15).  The first line of the input is the Content-Type, the rest
 * the body.  Every part must lie inside the body, and a parse that fails
 * leaves no parts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "text/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE], *ct;
	const uint8_t *body;
	size_t clen, blen;
	struct ic_multipart m;
	enum ic_err rc;

	if (a == NULL)
		return 0;
	clen = nl ? (size_t)(nl - data) : size;
	body = nl ? nl + 1 : data + size;
	blen = size - (size_t)(body - data);
	ct = malloc(clen + 1);
	if (ct == NULL) {
		ic_arena_free(a);
		return 0;
	}
	memcpy(ct, data, clen);
	ct[clen] = '\0';
	rc = ic_multipart_parse(&m, a, ct, body, blen, errbuf);
	if (rc != IC_OK && m.n != 0)
		abort();
	for (size_t i = 0; rc == IC_OK && i < m.n; i++) {
		const struct ic_multipart_part *p = &m.parts[i];

		if (p->name == NULL || p->data < body ||
		    p->data + p->len > body + blen)
			abort();
	}
	free(ct);
	ic_arena_free(a);
	return 0;
}
