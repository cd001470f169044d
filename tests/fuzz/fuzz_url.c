/*
 * fuzz_url.c - URL parsing on arbitrary strings (H-2, H-10, IA-C-1,
 * IA-C-2).  Properties checked, abort on failure:
 *  - normalisation is idempotent: normalize(normalize(x)) == normalize(x),
 *    and x equals its normal form (ic_url_equal);
 *  - a canonical profile URL is its own canonical form, and normalising
 *    it changes nothing;
 *  - what ic_url_resolve() returns is a URL ic_url_normalize() accepts.
 * The input is cut at its first NUL (URLs are C strings here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "text/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] = "https://base.example/a/b;p?q=1#frag";

static void check_normalize(struct ic_arena *a, const char *s)
{
	char *once, *twice;

	if (ic_url_normalize(a, s, &once, NULL) != IC_OK)
		return;
	if (ic_url_normalize(a, once, &twice, NULL) != IC_OK ||
	    strcmp(once, twice) != 0)
		abort();
	if (!ic_url_equal(s, once))
		abort();
}

static void check_profile(struct ic_arena *a, const char *s, unsigned flags)
{
	char *once, *twice, *norm;

	if (ic_url_canonical_profile(a, s, flags, &once, NULL) != IC_OK)
		return;
	if (ic_url_canonical_profile(a, once, flags, &twice, NULL) != IC_OK ||
	    strcmp(once, twice) != 0)
		abort();
	if (ic_url_normalize(a, once, &norm, NULL) != IC_OK ||
	    strcmp(once, norm) != 0)
		abort();
}

static void check_resolve(struct ic_arena *a, const char *s)
{
	char *out, *norm;

	if (ic_url_resolve(a, base, s, &out, NULL) != IC_OK)
		return;
	if (ic_url_normalize(a, out, &norm, NULL) != IC_OK)
		abort();
}

static void check_parts(struct ic_arena *a, const char *s)
{
	struct ic_url_parts p;
	char *origin;

	if (ic_url_parts(a, s, &p, NULL) == IC_OK &&
	    (p.scheme == NULL || p.host == NULL || p.path == NULL ||
	     p.port == 0 || p.port > 65535))
		abort();
	if (ic_url_origin(a, s, &origin, NULL) == IC_OK &&
	    !ic_url_same_origin(s, origin))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_arena *a = ic_arena_new(0);
	char *s;

	if (a == NULL)
		return 0;
	s = ic_arena_strndup(a, (const char *)data, size);
	if (s != NULL) {
		check_normalize(a, s);
		check_profile(a, s, 0);
		check_profile(a, s, IC_URL_DEV);
		check_resolve(a, s);
		check_parts(a, s);
	}
	ic_arena_free(a);
	return 0;
}
