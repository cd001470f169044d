/*
 * media.c - sniffing and JPEG metadata removal (see media.h).
 */
#include "text/media.h"

#include <stdio.h>
#include <string.h>

#include "core/ic_limits.h"

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[1] << 8 | p[0];
}

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	       (unsigned long)p[2] << 8 | p[3];
}

static unsigned le24(const unsigned char *p)
{
	return (unsigned)p[2] << 16 | (unsigned)p[1] << 8 | p[0];
}

bool ic_media_is_image(enum ic_media_kind kind)
{
	return kind == IC_MEDIA_JPEG || kind == IC_MEDIA_PNG ||
	       kind == IC_MEDIA_GIF || kind == IC_MEDIA_WEBP;
}

bool ic_media_is_video(enum ic_media_kind kind)
{
	return kind == IC_MEDIA_MP4 || kind == IC_MEDIA_WEBM ||
	       kind == IC_MEDIA_OGG_VIDEO;
}

bool ic_media_is_audio(enum ic_media_kind kind)
{
	return kind == IC_MEDIA_M4A || kind == IC_MEDIA_OGG_AUDIO ||
	       kind == IC_MEDIA_MP3 || kind == IC_MEDIA_WAV ||
	       kind == IC_MEDIA_FLAC;
}

static const char *const types[] = {
        [IC_MEDIA_FILE] = "application/octet-stream",
        [IC_MEDIA_JPEG] = "image/jpeg",
        [IC_MEDIA_PNG] = "image/png",
        [IC_MEDIA_GIF] = "image/gif",
        [IC_MEDIA_WEBP] = "image/webp",
        [IC_MEDIA_PDF] = "application/pdf",
        [IC_MEDIA_MP4] = "video/mp4",
        [IC_MEDIA_M4A] = "audio/mp4",
        [IC_MEDIA_WEBM] = "video/webm",
        [IC_MEDIA_OGG_VIDEO] = "video/ogg",
        [IC_MEDIA_OGG_AUDIO] = "audio/ogg",
        [IC_MEDIA_MP3] = "audio/mpeg",
        [IC_MEDIA_WAV] = "audio/wav",
        [IC_MEDIA_FLAC] = "audio/flac",
};

const char *ic_media_type_of(enum ic_media_kind kind)
{
	if ((unsigned)kind >= sizeof(types) / sizeof(types[0]))
		return types[IC_MEDIA_FILE];
	return types[kind];
}

static const char *const exts[] = {
        [IC_MEDIA_FILE] = "bin",      [IC_MEDIA_JPEG] = "jpg",
        [IC_MEDIA_PNG] = "png",       [IC_MEDIA_GIF] = "gif",
        [IC_MEDIA_WEBP] = "webp",     [IC_MEDIA_PDF] = "pdf",
        [IC_MEDIA_MP4] = "mp4",       [IC_MEDIA_M4A] = "m4a",
        [IC_MEDIA_WEBM] = "webm",     [IC_MEDIA_OGG_VIDEO] = "ogv",
        [IC_MEDIA_OGG_AUDIO] = "ogg", [IC_MEDIA_MP3] = "mp3",
        [IC_MEDIA_WAV] = "wav",       [IC_MEDIA_FLAC] = "flac",
};

const char *ic_media_ext(enum ic_media_kind kind)
{
	if ((unsigned)kind >= sizeof(exts) / sizeof(exts[0]))
		return exts[IC_MEDIA_FILE];
	return exts[kind];
}

enum ic_media_kind ic_media_kind_of(const char *type)
{
	for (unsigned k = 0; type && k < sizeof(types) / sizeof(types[0]); k++)
		if (strcmp(type, types[k]) == 0)
			return (enum ic_media_kind)k;
	return IC_MEDIA_FILE;
}

/* SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC)
 * share the range but are not frames (ITU T.81 table B.1). */
static bool is_sof(unsigned m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* The first SOFn's size: segments are walked by their lengths until the
 * first scan; no frame before it means no size. */
static bool jpeg_size(const unsigned char *p, size_t n, unsigned *w,
                      unsigned *h)
{
	size_t i = 2;

	while (i + 4 <= n && p[i] == 0xFF) {
		unsigned m = p[i + 1], len = be16(p + i + 2);

		if (m == 0xFF) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0xDA || m == 0xD9 || len < 2)
			return false;
		if (is_sof(m)) {
			if (len < 7 || i + 2 + 7 > n)
				return false;
			*h = be16(p + i + 5);
			*w = be16(p + i + 7);
			return true;
		}
		i += 2 + (size_t)len;
	}
	return false;
}

/* WebP (RFC 9649): the first chunk says lossy, lossless or extended. */
static bool webp_size(const unsigned char *p, size_t n, unsigned *w,
                      unsigned *h)
{
	if (n >= 30 && memcmp(p + 12, "VP8 ", 4) == 0 &&
	    memcmp(p + 23, "\x9d\x01\x2a", 3) == 0) {
		*w = le16(p + 26) & 0x3FFF;
		*h = le16(p + 28) & 0x3FFF;
		return true;
	}
	if (n >= 25 && memcmp(p + 12, "VP8L", 4) == 0 && p[20] == 0x2F) {
		unsigned long b =
		        (unsigned long)p[21] | (unsigned long)p[22] << 8 |
		        (unsigned long)p[23] << 16 | (unsigned long)p[24] << 24;

		*w = (unsigned)(b & 0x3FFF) + 1;
		*h = (unsigned)((b >> 14) & 0x3FFF) + 1;
		return true;
	}
	if (n >= 30 && memcmp(p + 12, "VP8X", 4) == 0) {
		*w = le24(p + 24) + 1;
		*h = le24(p + 27) + 1;
		return true;
	}
	return false;
}

static enum ic_media_kind sniff_image(const unsigned char *p, size_t n,
                                      unsigned *w, unsigned *h)
{
	if (n >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return jpeg_size(p, n, w, h) ? IC_MEDIA_JPEG : IC_MEDIA_FILE;
	/* PNG: the signature, then IHDR first (PNG spec §5.2, §11.2.2). */
	if (n >= 24 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 &&
	    memcmp(p + 12, "IHDR", 4) == 0) {
		unsigned long pw = be32(p + 16), ph = be32(p + 20);

		if (pw > IC_MEDIA_MAX_SIDE || ph > IC_MEDIA_MAX_SIDE)
			return IC_MEDIA_FILE;
		*w = (unsigned)pw;
		*h = (unsigned)ph;
		return IC_MEDIA_PNG;
	}
	if (n >= 10 &&
	    (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) {
		*w = le16(p + 6);
		*h = le16(p + 8);
		return IC_MEDIA_GIF;
	}
	if (n >= 16 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return webp_size(p, n, w, h) ? IC_MEDIA_WEBP : IC_MEDIA_FILE;
	return IC_MEDIA_FILE;
}

/* --- Video and audio (issue 15) ------------------------------------------ */

/* ISO/IEC 14496-12 §4.3: the file starts with an 'ftyp' box whose
 * major brand names the profile; Apple's M4A/M4B/M4P are audio only. */
static enum ic_media_kind sniff_mp4(const unsigned char *p, size_t n)
{
	if (n < 12 || memcmp(p + 4, "ftyp", 4) != 0 || be32(p) < 12)
		return IC_MEDIA_FILE;
	if (memcmp(p + 8, "M4A ", 4) == 0 || memcmp(p + 8, "M4B ", 4) == 0 ||
	    memcmp(p + 8, "M4P ", 4) == 0)
		return IC_MEDIA_M4A;
	return IC_MEDIA_MP4;
}

/* RFC 8794 (EBML): the header element 1A45DFA3 holds DocType (4282), a
 * one-byte-length string.  Looked for in the header's first bytes only. */
static enum ic_media_kind sniff_webm(const unsigned char *p, size_t n)
{
	size_t end = n < 64 ? n : 64;

	if (n < 4 || memcmp(p, "\x1a\x45\xdf\xa3", 4) != 0)
		return IC_MEDIA_FILE;
	for (size_t i = 4; i + 3 <= end; i++) {
		size_t len = (size_t)(p[i + 2] & 0x7F);

		if (p[i] != 0x42 || p[i + 1] != 0x82 || !(p[i + 2] & 0x80))
			continue;
		return len == 4 && i + 3 + 4 <= n &&
		                       memcmp(p + i + 3, "webm", 4) == 0
		               ? IC_MEDIA_WEBM
		               : IC_MEDIA_FILE;
	}
	return IC_MEDIA_FILE;
}

/* RFC 3533: a page header of 27 bytes and its segment table; the first
 * packet is the codec's identification header (RFC 7845 §5.1 for Opus). */
static enum ic_media_kind sniff_ogg(const unsigned char *p, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
		enum ic_media_kind kind;
	} codecs[] = {
	        {"OpusHead", 8, IC_MEDIA_OGG_AUDIO},
	        {"\x01vorbis", 7, IC_MEDIA_OGG_AUDIO},
	        {"\x7f"
	         "FLAC",
	         5, IC_MEDIA_OGG_AUDIO},
	        {"Speex   ", 8, IC_MEDIA_OGG_AUDIO},
	        {"\x80theora", 7, IC_MEDIA_OGG_VIDEO},
	};
	size_t body;

	if (n < 27 || memcmp(p, "OggS", 4) != 0 || p[4] != 0)
		return IC_MEDIA_FILE;
	body = 27 + (size_t)p[26];
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (body + codecs[i].len <= n &&
		    memcmp(p + body, codecs[i].magic, codecs[i].len) == 0)
			return codecs[i].kind;
	return IC_MEDIA_FILE;
}

/* An ID3v2 tag (id3.org, v2.3/2.4 §3.1: version 2-4, syncsafe size), or
 * an MPEG audio frame header (ISO/IEC 11172-3 §2.4.2.3) of Layer III
 * with a valid bitrate and sample rate.  Layer III only: the 11-bit sync
 * alone is common in arbitrary bytes, and ADTS AAC has layer 00. */
static bool is_mp3(const unsigned char *p, size_t n)
{
	if (n >= 10 && memcmp(p, "ID3", 3) == 0)
		return p[3] >= 2 && p[3] <= 4 && p[4] != 0xFF &&
		       !((p[6] | p[7] | p[8] | p[9]) & 0x80);
	return n >= 4 && p[0] == 0xFF && (p[1] & 0xE0) == 0xE0 &&
	       ((p[1] >> 3) & 3) != 1 && ((p[1] >> 1) & 3) == 1 &&
	       (p[2] >> 4) != 0 && (p[2] >> 4) != 15 && ((p[2] >> 2) & 3) != 3;
}

static enum ic_media_kind sniff_av(const unsigned char *p, size_t n)
{
	enum ic_media_kind k = sniff_mp4(p, n);

	if (k == IC_MEDIA_FILE)
		k = sniff_webm(p, n);
	if (k == IC_MEDIA_FILE)
		k = sniff_ogg(p, n);
	if (k != IC_MEDIA_FILE)
		return k;
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WAVE", 4) == 0)
		return IC_MEDIA_WAV;
	if (n >= 4 && memcmp(p, "fLaC", 4) == 0)
		return IC_MEDIA_FLAC;
	return is_mp3(p, n) ? IC_MEDIA_MP3 : IC_MEDIA_FILE;
}

void ic_media_sniff(const unsigned char *data, size_t len, struct ic_media *out)
{
	unsigned w = 0, h = 0;
	enum ic_media_kind k = sniff_image(data, len, &w, &h);

	/* A picture without a size (or a silly one) cannot hold its place
	 * on the page: it is offered as a file instead. */
	if (ic_media_is_image(k) &&
	    (w == 0 || h == 0 || w > IC_MEDIA_MAX_SIDE ||
	     h > IC_MEDIA_MAX_SIDE))
		k = IC_MEDIA_FILE;
	if (k == IC_MEDIA_FILE && len >= 5 && memcmp(data, "%PDF-", 5) == 0)
		k = IC_MEDIA_PDF;
	if (k == IC_MEDIA_FILE)
		k = sniff_av(data, len);
	out->kind = k;
	out->type = ic_media_type_of(k);
	out->width = ic_media_is_image(k) ? w : 0;
	out->height = ic_media_is_image(k) ? h : 0;
}

/* --- JPEG metadata removal ------------------------------------------------ */

/* An APPn payload starting with @p id (NUL included). */
static bool app_is(const unsigned char *seg, size_t len, const char *id,
                   size_t idlen)
{
	return len >= 2 + idlen && memcmp(seg + 4, id, idlen) == 0;
}

/* Segments decoding needs stay; APP1 (EXIF, XMP: camera, time, GPS), the
 * other APPn and COM go.  APP0 stays only as JFIF/JFXX, APP2 only as an
 * ICC profile, APP14 (Adobe's colour transform flag) always. */
static bool keep_segment(unsigned m, const unsigned char *seg, size_t len)
{
	if (m == 0xE0)
		return app_is(seg, len, "JFIF", 5) ||
		       app_is(seg, len, "JFXX", 5);
	if (m == 0xE2)
		return app_is(seg, len, "ICC_PROFILE", 12);
	if (m == 0xEE)
		return true;
	return !(m >= 0xE1 && m <= 0xEF) && m != 0xFE;
}

/* The end of the entropy-coded data starting at @p i: the first 0xFF
 * followed by neither 0x00 (a stuffed byte) nor RSTn nor fill. */
static size_t scan_end(const unsigned char *p, size_t n, size_t i)
{
	while (i + 1 < n) {
		if (p[i] == 0xFF && p[i + 1] != 0x00 && p[i + 1] != 0xFF &&
		    !(p[i + 1] >= 0xD0 && p[i + 1] <= 0xD7))
			return i;
		i++;
	}
	return n;
}

enum ic_err ic_media_jpeg_strip(const unsigned char *in, size_t len,
                                unsigned char *out, size_t *out_len,
                                size_t *removed, char *errbuf)
{
	size_t i = 2, o = 2;

	*out_len = 0;
	*removed = 0;
	if (len < 2 || in[0] != 0xFF || in[1] != 0xD8)
		return ic_fail(errbuf, IC_ERR_BAD_INPUT, "not a JPEG");
	memcpy(out, in, 2);
	while (i < len) {
		unsigned m;
		size_t seg;

		if (in[i] != 0xFF || i + 1 >= len)
			return ic_fail(errbuf, IC_ERR_BAD_INPUT,
			               "the JPEG is malformed at byte %zu", i);
		m = in[i + 1];
		if (m == 0xFF) { /* fill byte before a marker: dropped */
			i++;
			++*removed;
			continue;
		}
		/* 0x00 and 0x02-0xBF are no markers (T.81 table B.1): a
		 * stuffed byte or reserved code here is a broken file. */
		if (m < 0xC0 && m != 0x01)
			return ic_fail(errbuf, IC_ERR_BAD_INPUT,
			               "the JPEG has no marker at byte %zu", i);
		if (m == 0xD9 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
			out[o++] = in[i];
			out[o++] = in[i + 1];
			i += 2;
			if (m == 0xD9)
				break;
			continue;
		}
		if (i + 4 > len || be16(in + i + 2) < 2 ||
		    i + 2 + be16(in + i + 2) > len)
			return ic_fail(
			        errbuf, IC_ERR_BAD_INPUT,
			        "the JPEG's segment at byte %zu runs past "
			        "its end",
			        i);
		seg = 2 + (size_t)be16(in + i + 2);
		/* A scan's header is followed by its coded data up to the
		 * next marker: both are kept, as one piece. */
		if (m == 0xDA)
			seg = scan_end(in, len, i + seg) - i;
		if (keep_segment(m, in + i, seg - 2)) {
			memcpy(out + o, in + i, seg);
			o += seg;
		} else {
			*removed += seg;
		}
		i += seg;
	}
	/* Anything after EOI (some cameras append a second image or
	 * vendor data) is dropped with the metadata. */
	*removed += len - i;
	*out_len = o;
	return IC_OK;
}

char *ic_media_safe_name(struct ic_arena *a, const char *path)
{
	const char *base = strrchr(path, '/');
	char *name;
	size_t n;

	base = base ? base + 1 : path;
	base += strspn(base, ".");
	n = strlen(base);
	if (n > IC_MAX_ATTACH_NAME_BYTES)
		n = IC_MAX_ATTACH_NAME_BYTES;
	if (n == 0)
		return ic_arena_strdup(a, "file");
	name = ic_arena_alloc(a, n + 1);
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = base[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		          c == '_';

		name[i] = ok ? c : '_';
	}
	name[n] = '\0';
	return name;
}

void ic_media_human_size(long long n, char out[32])
{
	if (n >= 1024 * 1024)
		snprintf(out, 32, "%.1f MB", (double)n / (1024.0 * 1024.0));
	else if (n >= 1024)
		snprintf(out, 32, "%lld KB", (n + 1023) / 1024);
	else
		snprintf(out, 32, "%lld bytes", n);
}
