/*
 * fuzz_sanitize.c - the allow-list sanitizer (MC-3, SEC-11) on hostile
 * bytes: gumbo's fragment parse under its memory budget, the explicit
 * stack walk, URL checks of href/cite/src.
 *
 * Besides "never crash, never leak", it checks the sanitizer's promises
 * that a fuzzer can see: only IC_OK and IC_ERR_TOO_LARGE come back; no
 * <script> or <style>, no on* attribute and no href/cite outside http(s)
 * and mailto survives in the output;
 * and the output is a fixed point (sanitizing it again gives the same
 * bytes, sanitize.h), which holds only if it is balanced markup, for
 * every output short enough to be sanitized again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/ic_limits.h"
#include "mf2/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_url[] = "https://fuzz.example/dir/entry";

/*
 * Check every tag of the output: text '<' is always escaped, so each '<'
 * opens a tag the sanitizer wrote as name="value" pairs.  No attribute
 * name starts with "on", and every href or cite is http(s) or mailto.
 * Returns 0 when a tag breaks the promise.
 */
static int tags_are_safe(const char *p)
{
	while ((p = strchr(p, '<')) != NULL) {
		p++;
		if (strncasecmp(p, "script", 6) == 0 ||
		    strncasecmp(p, "style", 5) == 0)
			return 0;
		p += strcspn(p, " >");
		while (*p == ' ') {
			const char *name = ++p;
			size_t nlen = strcspn(p, "= >");
			const char *val;

			p += nlen;
			if (nlen >= 2 && strncasecmp(name, "on", 2) == 0)
				return 0;
			if (*p != '=')
				continue;
			if (p[1] != '"')
				return 0;
			val = p + 2;
			p = strchr(val, '"');
			if (p == NULL)
				return 0;
			p++;
			if (((nlen == 4 && strncasecmp(name, "href", 4) == 0) ||
			     (nlen == 4 &&
			      strncasecmp(name, "cite", 4) == 0)) &&
			    strncmp(val, "http://", 7) != 0 &&
			    strncmp(val, "https://", 8) != 0 &&
			    strncmp(val, "mailto:", 7) != 0)
				return 0;
		}
	}
	return 1;
}

/* Sanitizing @p out again gives the same bytes. */
static int is_fixed_point(struct ic_arena *a, const char *out, size_t outlen)
{
	char errbuf[IC_ERRBUF_SIZE], *again = NULL;
	size_t againlen = 0;

	return ic_sanitize_html(a, out, outlen, base_url, &again, &againlen,
	                        errbuf) == IC_OK &&
	       againlen == outlen && memcmp(again, out, outlen) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE];
	char *out = NULL, *text = NULL;
	size_t outlen = 0;
	enum ic_err rc;

	if (a == NULL)
		return 0;
	rc = ic_sanitize_html(a, (const char *)data, size, base_url, &out,
	                      &outlen, errbuf);
	if (rc != IC_OK && rc != IC_ERR_TOO_LARGE)
		abort();
	if (rc == IC_OK) {
		if (strlen(out) != outlen || !tags_are_safe(out))
			abort();
		/* Idempotent where the output is itself an input the
		 * sanitizer takes: formatting elements that HTML5 reopens
		 * in each paragraph can make 16 KiB into more than
		 * IC_MAX_SANITIZE_INPUT_BYTES, refused as too long (a
		 * sanitizer build's time budget lets gumbo get that far). */
		if (outlen <= IC_MAX_SANITIZE_INPUT_BYTES &&
		    !is_fixed_point(a, out, outlen))
			abort();
	}
	rc = ic_sanitize_text(a, (const char *)data, size, &text, errbuf);
	if (rc != IC_OK && rc != IC_ERR_TOO_LARGE)
		abort();
	ic_arena_free(a);
	return 0;
}
