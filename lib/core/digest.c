/*
 * digest.c - SHA-256 on libmd (see digest.h for why not libcrypto).
 */
#include "core/digest.h"

#include <stdint.h>
#include <sys/types.h>

#include <sha2.h>

void ic_digest_sha256_hex(const void *data, size_t len, char out[65])
{
	/* SHA256Data writes SHA256_DIGEST_STRING_LENGTH (65) bytes. */
	SHA256Data((const uint8_t *)data, len, out);
}
