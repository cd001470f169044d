/*
 * fuzz_hubsig.c - X-Hub-Signature checking (WS-S-23, WS-S-24) on hostile
 * input.  The input is split at its first newline into the header value
 * and the body; with no newline the whole input is the header and the body
 * is empty.  A first byte of 0xff means "no header at all".
 *
 * Besides "never crash", two properties are checked: only IC_OK and
 * IC_ERR_FORBIDDEN come back, and a signature we produce for the body
 * always verifies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"

static const char secret[] = "fuzz-secret";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hlen = nl ? (size_t)(nl - data) : size;
	const uint8_t *body = nl ? nl + 1 : data + size;
	size_t blen = size - (size_t)(body - data);
	char errbuf[IC_ERRBUF_SIZE], *header, *mine = NULL;
	struct ic_arena *a = ic_arena_new(0);
	enum ic_err rc;

	if (a == NULL)
		return 0;
	header = ic_arena_memdup(a, data, hlen);
	if (header == NULL)
		goto out;
	rc = ic_crypto_hub_signature_verify(
	        size > 0 && data[0] == 0xff ? NULL : header, secret,
	        strlen(secret), body, blen, errbuf);
	if (rc != IC_OK && rc != IC_ERR_FORBIDDEN)
		abort();
	if (ic_crypto_hub_signature(a, secret, strlen(secret), body, blen,
	                            &mine, errbuf) != IC_OK)
		abort();
	if (ic_crypto_hub_signature_verify(mine, secret, strlen(secret), body,
	                                   blen, errbuf) != IC_OK)
		abort();
out:
	ic_arena_free(a);
	return 0;
}
