/*
 * media.h - what an attachment's bytes are, and JPEG metadata removal
 * (issue 15, "Photos and files").
 *
 * The type of an attachment is decided here from its first bytes, never
 * from its name or from what a sender claims: JPEG, PNG, GIF and WebP
 * images (with their width and height read from the header, so a page
 * can reserve the space before the image loads), PDF, and everything
 * else as application/octet-stream, which is only ever offered as a
 * download.  An image whose header does not give a size is treated as
 * a plain file.
 * Video and audio (issue 15, u-video / u-audio) are told by their
 * container's signature: MP4 (an ISO BMFF 'ftyp' box; the M4A/M4B/M4P
 * brands are audio), WebM (an EBML header whose DocType is "webm"; an
 * audio-only WebM cannot be told without walking its tracks and is
 * video/webm, which a <video> element plays too), Ogg (the first
 * packet's codec header: Opus, Vorbis, FLAC, Speex are audio, Theora is
 * video), MP3 (an ID3v2 tag or an MPEG-1/2 Layer III frame header), WAV
 * (RIFF/WAVE) and FLAC ("fLaC").  Only the first bytes are looked at:
 * what the container holds beyond them is the browser's to decode.
 *
 * ic_media_jpeg_strip() copies a JPEG without its metadata segments
 * (APP1 EXIF/XMP with its GPS location, the other APPn, COM), keeping
 * what decoding needs: the tables, frames and scans, APP0 JFIF, APP2
 * ICC_PROFILE (colours) and APP14 Adobe (colour transform).
 *
 * Pure: no I/O, no allocation but the safe name's (from an arena); what
 * tests/fuzz calls.  Every read is bounds-checked against the length given.
 */
#ifndef IC_MEDIA_H
#define IC_MEDIA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

enum ic_media_kind {
	IC_MEDIA_FILE = 0, /* application/octet-stream: a download */
	IC_MEDIA_JPEG,
	IC_MEDIA_PNG,
	IC_MEDIA_GIF,
	IC_MEDIA_WEBP,
	IC_MEDIA_PDF,
	/* issue 15: shown with <video> / <audio>, published as u-video /
	 * u-audio.  Appended: the numbers above never change. */
	IC_MEDIA_MP4,       /* video/mp4 */
	IC_MEDIA_M4A,       /* audio/mp4 */
	IC_MEDIA_WEBM,      /* video/webm */
	IC_MEDIA_OGG_VIDEO, /* video/ogg (Theora) */
	IC_MEDIA_OGG_AUDIO, /* audio/ogg (Opus, Vorbis, FLAC, Speex) */
	IC_MEDIA_MP3,       /* audio/mpeg */
	IC_MEDIA_WAV,       /* audio/wav */
	IC_MEDIA_FLAC,      /* audio/flac */
};

struct ic_media {
	enum ic_media_kind kind;
	const char *type;       /* the Content-Type, a static string */
	unsigned width, height; /* images only; 0 otherwise */
};

/** True for the kinds shown inline as pictures. */
bool ic_media_is_image(enum ic_media_kind kind);

/** True for the kinds played with a <video> element (u-video). */
bool ic_media_is_video(enum ic_media_kind kind);

/** True for the kinds played with an <audio> element (u-audio). */
bool ic_media_is_audio(enum ic_media_kind kind);

/**
 * Sniff @p len bytes at @p data into @p out.  Never fails: what is not
 * recognised (or is an image without a readable size) is IC_MEDIA_FILE.
 */
void ic_media_sniff(const unsigned char *data, size_t len,
                    struct ic_media *out);

/**
 * The MIME type for @p kind, for a record read back from the store.
 * A type we do not publish ourselves gives application/octet-stream.
 */
const char *ic_media_type_of(enum ic_media_kind kind);

/**
 * The usual file name extension for @p kind, without the dot ("jpg",
 * "mp4", "ogg"...; "bin" for a plain file): for an archive whose files
 * a desktop must open by their names (web/export.h).  A static string.
 */
const char *ic_media_ext(enum ic_media_kind kind);

/** The kind whose MIME type is @p type (IC_MEDIA_FILE when none). */
enum ic_media_kind ic_media_kind_of(const char *type);

/**
 * Copy the JPEG at @p in without its metadata segments.
 * @param[out] out      at least @p len bytes (the copy is never longer)
 * @param[out] out_len  bytes written to @p out
 * @param[out] removed  bytes of metadata dropped (0: nothing to strip)
 * @param[out] errbuf   IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; IC_ERR_BAD_INPUT when the segments do not fit together
 *         (truncated, a length past the end): nothing is published then.
 */
enum ic_err ic_media_jpeg_strip(const unsigned char *in, size_t len,
                                unsigned char *out, size_t *out_len,
                                size_t *removed, char *errbuf);

/**
 * A file name safe to show and to put in Content-Disposition: the last
 * path component of @p path, ASCII letters, digits, '.', '-' and '_'
 * kept, other bytes as '_', no leading '.', at most
 * IC_MAX_ATTACH_NAME_BYTES; "file" when nothing is left.  From @p a.
 */
char *ic_media_safe_name(struct ic_arena *a, const char *path);

/** "1.2 MB", "340 KB", "12 bytes": a size as a person reads it. */
void ic_media_human_size(long long n, char out[32]);

#endif /* IC_MEDIA_H */
