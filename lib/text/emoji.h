/*
 * emoji.h - is a string exactly one emoji grapheme?  (Issue 15: a
 * reaction is one.)  Pure: the pages may use it without the network.
 */
#ifndef IC_EMOJI_H
#define IC_EMOJI_H

#include <stdbool.h>

/* Bytes of the longest emoji we take: the longest ZWJ sequences
 * (families, tagged flags) are under 30; 64 leaves room, stays small. */
#define IC_EMOJI_MAX_BYTES 64

/**
 * True when @p s is exactly one emoji grapheme of at most
 * IC_EMOJI_MAX_BYTES of valid UTF-8: a pictograph with its optional
 * VS16, skin tone and tag sequence; such elements joined by ZWJ (at most
 * 8); a flag (two regional indicators); or a keycap.  Nothing else, not
 * even a space.
 */
bool ic_emoji_one(const char *s);

#endif /* IC_EMOJI_H */
