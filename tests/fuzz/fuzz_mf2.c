/*
 * fuzz_mf2.c - the microformats2 parser (MC-1, MC-2) on hostile bytes:
 * gumbo on its byte and time budgets, the depth-capped walks, the
 * value-class pattern, serialisation and URL resolution.
 *
 * The whole input is the document, at a fixed URL.  Besides "never crash,
 * never leak" (the result is freed with its arena, the gumbo pool before
 * the call returns), it checks that only IC_OK and IC_ERR_TOO_LARGE come
 * back, that a success gives the three members of the mf2 document and
 * that the result prints as JSON.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "mf2/mf2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc_url[] = "https://fuzz.example/dir/page?q=1";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE];
	cJSON *doc = NULL;
	char *printed;
	enum ic_err rc;

	if (a == NULL)
		return 0;
	rc = ic_mf2_parse(a, (const char *)data, size, doc_url, &doc, errbuf);
	if (rc != IC_OK && rc != IC_ERR_TOO_LARGE)
		abort();
	if (rc == IC_OK) {
		if (!cJSON_IsArray(cJSON_GetObjectItem(doc, "items")) ||
		    !cJSON_IsObject(cJSON_GetObjectItem(doc, "rels")) ||
		    !cJSON_IsObject(cJSON_GetObjectItem(doc, "rel-urls")))
			abort();
		printed = cJSON_PrintUnformatted(doc);
		if (printed == NULL)
			abort();
		free(printed);
	}
	ic_arena_free(a);
	return 0;
}
