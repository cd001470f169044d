/*
 * fuzz_media.c - sniffing and JPEG metadata removal on arbitrary bytes
 * (issue 15).  The copy is never longer than the input, removed + kept
 * is the input's length, a second pass removes nothing, and a picture
 * always has a size within IC_MEDIA_MAX_SIDE.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ic_limits.h"
#include "text/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = malloc(size + 1), *again = malloc(size + 1);
	size_t n = 0, n2, removed = 0;
	struct ic_media m;

	if (out == NULL || again == NULL)
		abort();
	ic_media_sniff(data, size, &m);
	if (ic_media_is_image(m.kind) &&
	    (m.width == 0 || m.height == 0 || m.width > IC_MEDIA_MAX_SIDE ||
	     m.height > IC_MEDIA_MAX_SIDE))
		abort();
	if (ic_media_jpeg_strip(data, size, out, &n, &removed, NULL) == IC_OK) {
		if (n > size || n + removed != size)
			abort();
		if (ic_media_jpeg_strip(out, n, again, &n2, &removed, NULL) !=
		            IC_OK ||
		    n2 != n || removed != 0 || memcmp(out, again, n) != 0)
			abort();
	}
	free(out);
	free(again);
	return 0;
}
