/*
 * fuzz_linkify.c - message text made links (lib/text/linkify.c, issue 14)
 * on hostile input.
 *
 * Received messages whose HTML has no link are shown as their text run
 * through ic_html_linkify(), so a correspondent chooses its input.
 * Besides "never crash, never leak": the output is exactly what
 * ic_html_text() makes of the same input once our own link tags are taken
 * out (the text cannot gain or lose a character, and no markup but ours
 * can appear), each tag is `<a href="…" rel="noopener noreferrer
 * nofollow">` with an href ic_html_url_ok() accepts, and tags pair up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/html.h"
#include "text/linkify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPEN  "<a href=\""
#define REL   "\" rel=\"" IC_LINKIFY_REL "\">"
#define CLOSE "</a>"

/* @p out without our tags, checking each; NULL when one is malformed. */
static char *strip(const char *out, size_t len)
{
	char *plain = malloc(len + 1), *href;
	size_t o = 0;
	int open = 0;

	if (plain == NULL)
		abort();
	for (size_t i = 0; i < len;) {
		if (out[i] == '>' ||
		    (out[i] == '<' && strncmp(out + i, OPEN, 9) &&
		     strncmp(out + i, CLOSE, 4)))
			abort(); /* markup that is not ours */
		if (strncmp(out + i, OPEN, 9) == 0) {
			const char *end = strstr(out + i + 9, REL);
			size_t n;

			if (open || end == NULL)
				abort();
			n = (size_t)(end - (out + i + 9));
			href = malloc(n + 1);
			if (href == NULL)
				abort();
			memcpy(href, out + i + 9, n);
			href[n] = '\0';
			if (!ic_html_url_ok(href))
				abort();
			free(href);
			i += 9 + n + strlen(REL);
			open = 1;
		} else if (strncmp(out + i, CLOSE, 4) == 0) {
			if (!open)
				abort();
			open = 0;
			i += 4;
		} else {
			plain[o++] = out[i++];
		}
	}
	if (open)
		abort();
	plain[o] = '\0';
	return plain;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *plain;
	struct ic_buf linked = IC_BUF_INIT(1u << 22);
	struct ic_buf escaped = IC_BUF_INIT(1u << 22);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* the text up to a NUL, as stored */
	if (ic_html_linkify(&linked, text) == IC_OK &&
	    ic_html_text(&escaped, text) == IC_OK) {
		plain = strip(linked.len ? linked.buf : "", linked.len);
		if (strcmp(plain, escaped.len ? escaped.buf : "") != 0)
			abort();
		free(plain);
	}
	ic_buf_release(&linked);
	ic_buf_release(&escaped);
	free(text);
	return 0;
}
