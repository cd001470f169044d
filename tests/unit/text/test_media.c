/*
 * test_media.c - attachments typed from their bytes, never their names,
 * image sizes read from headers, and JPEG metadata (EXIF with a GPS
 * block, XMP, comments) cut out while what decoding needs stays
 * (issue 15, "Photos and files").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "text/media.h"

/* A JPEG as a camera writes it: JFIF, EXIF with a GPS IFD, XMP, a
 * comment, ICC, Adobe, the tables, a 5 x 3 frame, one scan (with a
 * stuffed 0xFF00 and a restart marker), EOI, then trailing vendor bytes. */
static const unsigned char camera_jpeg[] = {
        0xFF, 0xD8,
        /* APP0 JFIF, 16 bytes */
        0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00,
        0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
        /* APP1 Exif with "GPS" and a position, 26 bytes */
        0xFF, 0xE1, 0x00, 0x1A, 'E', 'x', 'i', 'f', 0x00, 0x00, 'G', 'P', 'S',
        'L', 'a', 't', ' ', '5', '1', '.', '5', '0', '7', '3', 'N', 0x00, 0x00,
        0x00,
        /* APP1 XMP, 12 bytes */
        0xFF, 0xE1, 0x00, 0x0C, 'h', 't', 't', 'p', ':', '/', '/', 'n', 's',
        0x00,
        /* COM */
        0xFF, 0xFE, 0x00, 0x07, 'S', 'E', 'C', 'R', 'T',
        /* APP2 ICC_PROFILE, 16 bytes */
        0xFF, 0xE2, 0x00, 0x10, 'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I',
        'L', 'E', 0x00, 0x01, 0x01,
        /* APP14 Adobe */
        0xFF, 0xEE, 0x00, 0x07, 'A', 'd', 'o', 'b', 'e',
        /* DQT (truncated table, the walk only needs the length) */
        0xFF, 0xDB, 0x00, 0x05, 0x00, 0x01, 0x02,
        /* SOF0: 8 bits, height 3, width 5, one component */
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x03, 0x00, 0x05, 0x01, 0x01, 0x11,
        0x00,
        /* DHT */
        0xFF, 0xC4, 0x00, 0x04, 0x00, 0x00,
        /* SOS, then coded data with a stuffed byte and RST0 */
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0xFF,
        0x00, 0x34, 0xFF, 0xD0, 0x56,
        /* EOI, then a vendor trailer */
        0xFF, 0xD9, 'G', 'P', 'S', '!'};

static bool has(const unsigned char *p, size_t n, const char *s)
{
	size_t sl = strlen(s);

	for (size_t i = 0; i + sl <= n; i++)
		if (memcmp(p + i, s, sl) == 0)
			return true;
	return false;
}

static void
test_media_jpeg_strip_removes_exif_gps_xmp_and_comments(void **state)
{
	unsigned char out[sizeof(camera_jpeg)];
	size_t n, removed;
	struct ic_media m;

	(void)state;
	assert_int_equal(ic_media_jpeg_strip(camera_jpeg, sizeof(camera_jpeg),
	                                     out, &n, &removed, NULL),
	                 IC_OK);
	assert_true(has(camera_jpeg, sizeof(camera_jpeg), "GPS"));
	assert_false(has(out, n, "GPS"));
	assert_false(has(out, n, "Exif"));
	assert_false(has(out, n, "http://ns"));
	assert_false(has(out, n, "SECRT"));
	/* 28 + 14 + 9 bytes of segments, 4 after EOI. */
	assert_int_equal(removed, 28 + 14 + 9 + 4);
	assert_int_equal(n + removed, sizeof(camera_jpeg));
	/* Decoding still has what it needs, byte for byte. */
	assert_true(has(out, n, "JFIF"));
	assert_true(has(out, n, "ICC_PROFILE"));
	assert_true(has(out, n, "Adobe"));
	assert_memory_equal(out + n - 2, "\xFF\xD9", 2);
	assert_true(has(out, n, "\x12\xFF\x00\x34\xFF\xD0\x56"));
	ic_media_sniff(out, n, &m);
	assert_int_equal(m.kind, IC_MEDIA_JPEG);
	assert_int_equal(m.width, 5);
	assert_int_equal(m.height, 3);
}

static void test_media_jpeg_strip_of_a_clean_jpeg_removes_nothing(void **state)
{
	unsigned char once[sizeof(camera_jpeg)], twice[sizeof(camera_jpeg)];
	size_t n1, n2, removed;

	(void)state;
	assert_int_equal(ic_media_jpeg_strip(camera_jpeg, sizeof(camera_jpeg),
	                                     once, &n1, &removed, NULL),
	                 IC_OK);
	assert_int_equal(
	        ic_media_jpeg_strip(once, n1, twice, &n2, &removed, NULL),
	        IC_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(n2, n1);
	assert_memory_equal(once, twice, n1);
}

static void test_media_jpeg_strip_refuses_a_segment_past_the_end(void **state)
{
	unsigned char out[64];
	char errbuf[IC_ERRBUF_SIZE] = "";
	size_t n, removed;
	/* APP1 says 0x4000 bytes; 6 follow. */
	static const unsigned char cut[] = {0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00,
	                                    'E',  'x',  'i',  'f',  0,    0};

	(void)state;
	assert_int_equal(ic_media_jpeg_strip(cut, sizeof(cut), out, &n,
	                                     &removed, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "past its end"));
	assert_int_equal(ic_media_jpeg_strip((const unsigned char *)"%PDF-1.4",
	                                     8, out, &n, &removed, NULL),
	                 IC_ERR_BAD_INPUT);
}

static void test_media_sniff_png_gif_webp_sizes(void **state)
{
	static const unsigned char png[] = {
	        0x89, 'P', 'N',  'G',  '\r', '\n', 0x1a, '\n', 0,    0,
	        0,    13,  'I',  'H',  'D',  'R',  0,    0,    0x02, 0x80,
	        0,    0,   0x01, 0xE0, 8,    6,    0,    0,    0};
	static const unsigned char gif[] = {'G',  'I',  'F',  '8',  '9', 'a',
	                                    0x40, 0x01, 0xC8, 0x00, 0};
	/* VP8X canvas 1024 x 768 (stored minus one, 24-bit little-endian) */
	static const unsigned char webp[30] = {
	        'R', 'I', 'F', 'F', 22,   0,    0,  0,    'W',  'E',
	        'B', 'P', 'V', 'P', '8',  'X',  10, 0,    0,    0,
	        0,   0,   0,   0,   0xFF, 0x03, 0,  0xFF, 0x02, 0};
	struct ic_media m;

	(void)state;
	ic_media_sniff(png, sizeof(png), &m);
	assert_int_equal(m.kind, IC_MEDIA_PNG);
	assert_string_equal(m.type, "image/png");
	assert_int_equal(m.width, 640);
	assert_int_equal(m.height, 480);
	ic_media_sniff(gif, sizeof(gif), &m);
	assert_int_equal(m.kind, IC_MEDIA_GIF);
	assert_int_equal(m.width, 320);
	assert_int_equal(m.height, 200);
	ic_media_sniff(webp, sizeof(webp), &m);
	assert_int_equal(m.kind, IC_MEDIA_WEBP);
	assert_string_equal(m.type, "image/webp");
	assert_int_equal(m.width, 1024);
	assert_int_equal(m.height, 768);
}

/* The bytes decide: HTML, SVG and scripts are downloads whatever they are
 * called, a PDF is a PDF, a picture without a size is a file. */
static void test_media_sniff_types_from_bytes_not_names(void **state)
{
	static const char *const downloads[] = {
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"x()\"/>",
	        "<!DOCTYPE html><script>alert(1)</script>",
	        "GIF8",
	        "\x89PNG",
	        "RIFF\x10\0\0\0WEBPVP8 ",
	        "plain text"};
	struct ic_media m;

	(void)state;
	for (size_t i = 0; i < sizeof(downloads) / sizeof(downloads[0]); i++) {
		ic_media_sniff((const unsigned char *)downloads[i],
		               strlen(downloads[i]), &m);
		assert_int_equal(m.kind, IC_MEDIA_FILE);
		assert_string_equal(m.type, "application/octet-stream");
		assert_int_equal(m.width, 0);
	}
	ic_media_sniff((const unsigned char *)"%PDF-1.7\n%\xe2\xe3", 12, &m);
	assert_int_equal(m.kind, IC_MEDIA_PDF);
	assert_string_equal(m.type, "application/pdf");
	/* A PNG of 0 x 10 pixels, and one past IC_MEDIA_MAX_SIDE. */
	{
		unsigned char png[24] = {0x89, 'P',  'N', 'G', '\r', '\n',
		                         0x1a, '\n', 0,   0,   0,    13,
		                         'I',  'H',  'D', 'R', 0,    0,
		                         0,    0,    0,   0,   0,    10};

		ic_media_sniff(png, sizeof(png), &m);
		assert_int_equal(m.kind, IC_MEDIA_FILE);
		png[18] = 0x7F; /* width 0x7F0000 */
		ic_media_sniff(png, sizeof(png), &m);
		assert_int_equal(m.kind, IC_MEDIA_FILE);
	}
}

static void test_media_kind_and_type_round_trip(void **state)
{
	(void)state;
	for (int k = IC_MEDIA_FILE; k <= IC_MEDIA_FLAC; k++)
		assert_int_equal(ic_media_kind_of(ic_media_type_of(k)), k);
	assert_int_equal(ic_media_kind_of("image/svg+xml"), IC_MEDIA_FILE);
	assert_int_equal(ic_media_kind_of(NULL), IC_MEDIA_FILE);
	assert_string_equal(ic_media_ext(IC_MEDIA_MP4), "mp4");
	assert_string_equal(ic_media_ext(IC_MEDIA_OGG_AUDIO), "ogg");
	assert_string_equal(ic_media_ext(IC_MEDIA_FILE), "bin");
	for (int k = IC_MEDIA_FILE; k <= IC_MEDIA_FLAC; k++)
		assert_non_null(ic_media_ext(k));
	assert_true(ic_media_is_image(IC_MEDIA_WEBP));
	assert_false(ic_media_is_image(IC_MEDIA_PDF));
}

struct av_case {
	const char *what;
	const unsigned char *bytes;
	size_t len;
	enum ic_media_kind kind;
	const char *type;
};

#define AV(what, b, kind, type)                                                \
	{                                                                      \
		what, b, sizeof(b) - 1, kind, type                             \
	}

/* Issue 15: video and audio told by their container's first bytes. */
static void test_media_sniff_video_and_audio_containers(void **state)
{
	static const unsigned char mp4[] = "\0\0\0\x18"
	                                   "ftypisom\0\0\x02\0isomiso2";
	static const unsigned char m4a[] = "\0\0\0\x14"
	                                   "ftypM4A \0\0\0\0M4A ";
	static const unsigned char webm[] =
	        "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01"
	        "\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm";
	static const unsigned char opus[] =
	        "OggS\0\x02\0\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0"
	        "\0\0\0\0\x01\x13OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0";
	static const unsigned char theora[] =
	        "OggS\0\x02\0\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0"
	        "\0\0\0\0\x01\x2a\x80theora\x03\x02\x01";
	static const unsigned char id3[] = "ID3\x04\0\0\0\0\0\x0a";
	static const unsigned char frame[] = "\xff\xfb\x90\x44\0\0";
	static const unsigned char wav[] = "RIFF\x24\0\0\0WAVEfmt ";
	static const unsigned char flac[] = "fLaC\0\0\0\x22";
	const struct av_case cases[] = {
	        AV("mp4", mp4, IC_MEDIA_MP4, "video/mp4"),
	        AV("m4a", m4a, IC_MEDIA_M4A, "audio/mp4"),
	        AV("webm", webm, IC_MEDIA_WEBM, "video/webm"),
	        AV("opus", opus, IC_MEDIA_OGG_AUDIO, "audio/ogg"),
	        AV("theora", theora, IC_MEDIA_OGG_VIDEO, "video/ogg"),
	        AV("id3", id3, IC_MEDIA_MP3, "audio/mpeg"),
	        AV("frame", frame, IC_MEDIA_MP3, "audio/mpeg"),
	        AV("wav", wav, IC_MEDIA_WAV, "audio/wav"),
	        AV("flac", flac, IC_MEDIA_FLAC, "audio/flac"),
	};
	struct ic_media m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ic_media_sniff(cases[i].bytes, cases[i].len, &m);
		if (m.kind != cases[i].kind)
			fail_msg("%s sniffed as %s", cases[i].what, m.type);
		assert_string_equal(m.type, cases[i].type);
		assert_int_equal(m.width, 0);
		assert_int_equal(ic_media_is_video(m.kind),
		                 strncmp(m.type, "video/", 6) == 0);
		assert_int_equal(ic_media_is_audio(m.kind),
		                 strncmp(m.type, "audio/", 6) == 0);
		assert_false(ic_media_is_image(m.kind));
	}
}

/* Near misses and every prefix of a good header stay plain files: no
 * read past the length given (ASan would say). */
static void test_media_sniff_truncated_or_wrong_media_is_a_file(void **state)
{
	static const unsigned char short_box[] = "\0\0\0\x04"
	                                         "ftypisom";
	static const unsigned char mkv[] =
	        "\x1a\x45\xdf\xa3\x42\x82\x88matroska";
	static const unsigned char ogg[] =
	        "OggS\0\x02\0\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0"
	        "\0\0\0\0\x01\x08NotACodc";
	static const unsigned char id3[] = "ID3\x09\0\0\0\0\0\x0a";
	static const unsigned char adts[] = "\xff\xf1\x50\x80";
	static const unsigned char rate[] = "\xff\xfb\xf0\x44";
	static const unsigned char avi[] = "RIFF\x24\0\0\0AVI ";
	static const unsigned char opus[] =
	        "OggS\0\x02\0\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0"
	        "\0\0\0\0\x01\x13OpusHead";
	const struct av_case files[] = {
	        AV("box shorter than itself", short_box, IC_MEDIA_FILE, ""),
	        AV("matroska, not webm", mkv, IC_MEDIA_FILE, ""),
	        AV("ogg of no known codec", ogg, IC_MEDIA_FILE, ""),
	        AV("no such ID3 version", id3, IC_MEDIA_FILE, ""),
	        AV("ADTS AAC, layer 00", adts, IC_MEDIA_FILE, ""),
	        AV("bitrate index 15", rate, IC_MEDIA_FILE, ""),
	        AV("RIFF AVI", avi, IC_MEDIA_FILE, ""),
	};
	struct ic_media m;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ic_media_sniff(files[i].bytes, files[i].len, &m);
		if (m.kind != IC_MEDIA_FILE)
			fail_msg("%s sniffed as %s", files[i].what, m.type);
	}
	for (size_t n = 0; n + 1 < sizeof(opus) - 1; n++) {
		ic_media_sniff(opus, n, &m);
		assert_int_equal(m.kind, IC_MEDIA_FILE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(
	                test_media_jpeg_strip_removes_exif_gps_xmp_and_comments),
	        cmocka_unit_test(
	                test_media_jpeg_strip_of_a_clean_jpeg_removes_nothing),
	        cmocka_unit_test(
	                test_media_jpeg_strip_refuses_a_segment_past_the_end),
	        cmocka_unit_test(test_media_sniff_png_gif_webp_sizes),
	        cmocka_unit_test(test_media_sniff_types_from_bytes_not_names),
	        cmocka_unit_test(test_media_kind_and_type_round_trip),
	        cmocka_unit_test(test_media_sniff_video_and_audio_containers),
	        cmocka_unit_test(
	                test_media_sniff_truncated_or_wrong_media_is_a_file),
	};

	return cmocka_run_group_tests_name("media", tests, NULL, NULL);
}
