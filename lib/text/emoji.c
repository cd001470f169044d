/*
 * emoji.c - one emoji grapheme (see emoji.h).
 */
#include "text/emoji.h"

#include <string.h>

/* ZWJ-joined elements in one grapheme: the longest real ones have 4. */
#define MAX_ELEMENTS 8

/* The next code point of UTF-8 @p p, or -1 when the bytes are not one
 * (bad lead or continuation, overlong, surrogate, over U+10FFFF). */
static long next_cp(const unsigned char **p)
{
	const unsigned char *s = *p;
	size_t n = s[0] < 0x80   ? 1
	           : s[0] < 0xc2 ? 0
	           : s[0] < 0xe0 ? 2
	           : s[0] < 0xf0 ? 3
	           : s[0] < 0xf5 ? 4
	                         : 0;
	long cp = n == 1   ? s[0]
	          : n == 2 ? s[0] & 0x1f
	          : n == 3 ? s[0] & 0x0f
	                   : s[0] & 0x07;
	static const long least[] = {0, 0, 0x80, 0x800, 0x10000};

	if (n == 0)
		return -1;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < least[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	*p = s + n;
	return cp;
}

/* A code point that starts an emoji element (Unicode's pictographic
 * blocks, and the older symbols that have an emoji presentation). */
static bool pictograph(long cp)
{
	return (cp >= 0x1f000 && cp <= 0x1faff &&
	        !(cp >= 0x1f1e6 && cp <= 0x1f1ff) &&
	        !(cp >= 0x1f3fb && cp <= 0x1f3ff)) ||
	       (cp >= 0x2600 && cp <= 0x27bf) ||
	       (cp >= 0x2300 && cp <= 0x23ff) ||
	       (cp >= 0x2b00 && cp <= 0x2bff) ||
	       (cp >= 0x2190 && cp <= 0x21ff) ||
	       (cp >= 0x25a0 && cp <= 0x25ff) ||
	       (cp >= 0x2900 && cp <= 0x297f) || cp == 0xa9 || cp == 0xae ||
	       cp == 0x203c || cp == 0x2049 || cp == 0x2122 || cp == 0x2139 ||
	       cp == 0x24c2 || cp == 0x3030 || cp == 0x303d || cp == 0x3297 ||
	       cp == 0x3299;
}

static bool regional(long cp)
{
	return cp >= 0x1f1e6 && cp <= 0x1f1ff;
}

/* One element: a pictograph, then an optional VS16, skin tone and tag
 * sequence (a tag run must end with CANCEL TAG). */
static bool element(const unsigned char **p)
{
	const unsigned char *s = *p;
	long cp = next_cp(&s);

	if (!pictograph(cp))
		return false;
	*p = s;
	if ((cp = next_cp(&s)) == 0xfe0f)
		*p = s;
	s = *p;
	if ((cp = next_cp(&s)) >= 0x1f3fb && cp <= 0x1f3ff)
		*p = s;
	s = *p;
	cp = next_cp(&s);
	if (cp < 0xe0020 || cp > 0xe007e)
		return true;
	while (cp >= 0xe0020 && cp <= 0xe007e)
		cp = next_cp(&s);
	if (cp != 0xe007f)
		return false;
	*p = s;
	return true;
}

/* A flag or a keycap: the whole string or nothing. */
static bool flag_or_keycap(const unsigned char *s)
{
	long cp = next_cp(&s);

	if (regional(cp))
		return regional(next_cp(&s)) && *s == '\0';
	if (!(cp == '#' || cp == '*' || (cp >= '0' && cp <= '9')))
		return false;
	cp = next_cp(&s);
	if (cp == 0xfe0f)
		cp = next_cp(&s);
	return cp == 0x20e3 && *s == '\0';
}

bool ic_emoji_one(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	if (s == NULL || *s == '\0' || strlen(text) > IC_EMOJI_MAX_BYTES)
		return false;
	if (flag_or_keycap(s))
		return true;
	for (int n = 0; n < MAX_ELEMENTS; n++) {
		const unsigned char *z;

		if (!element(&s))
			return false;
		if (*s == '\0')
			return true;
		z = s;
		if (next_cp(&z) != 0x200d)
			return false;
		s = z;
	}
	return false;
}
