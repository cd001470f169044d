/*
 * mf2_bench.c - time ic_mf2_parse() in-process (DESIGN.md "Performance
 * targets": a 50-entry 59 KB feed; issue 13's goal is 3x faster than
 * microformats-parser, which scripts/bench times beside it).
 *
 *	mf2_bench [FILE [N [BASE_URL]]]
 *	mf2_bench --emit FILE
 *
 * Parses FILE (default: a built-in 50-entry feed page of about 59 KB, shaped
 * like the pages `send` writes) N times (default 500) after 20 warm-up
 * runs, each in a fresh arena, and prints one line:
 *	mf2_bench: <bytes> bytes, <items> items, <N> runs, <ms> ms/parse
 * plus, on a second line, the time gumbo's tree building alone takes
 * (malloc'd, then destroyed: the floor under ours).
 * --emit writes the built-in page to FILE and parses nothing, so that
 * another parser (tests/bench/mf2_bench.mjs, the anchor in scripts/bench)
 * can read the very same bytes.  Exit status 1 when the file cannot be
 * read or written or does not parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gumbo.h>

#include "core/arena.h"
#include "core/buf.h"
#include "mf2/mf2.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One entry of the built-in feed, about 1.2 KB like a real message. */
static enum ic_err add_entry(struct ic_buf *b, int i)
{
	return ic_buf_addf(
	        b,
	        "<article class=\"h-entry\" id=\"m%d\">\n<header>\n"
	        "<a class=\"p-author h-card\" href=\"https://alice.example/\">"
	        "<img class=\"u-photo\" src=\"/me.jpg\" alt=\"\">Alice "
	        "Example</a>\nto <a class=\"u-category h-card\" "
	        "href=\"https://bob.example/\">Bob</a>\n"
	        "<a class=\"u-url u-uid\" href=\"/indiechat/feed/abcdef#m%d\">"
	        "<time class=\"dt-published\" datetime=\"2024-05-%02dT12:%02d:"
	        "00+02:00\">May %d, 12:%02d</time></a>\n</header>\n"
	        "<div class=\"e-content\"><p>Hello Bob, this is message number "
	        "%d. I wanted to tell you about the <a "
	        "href=\"https://example.org/article/%d\">article</a> I read "
	        "today &mdash; it talks about <em>personal websites</em>, "
	        "IndieWeb building blocks, and how microformats make feeds "
	        "readable by both people and machines.</p>\n<p>Second "
	        "paragraph with a few more words so that the entry is about "
	        "the size of a real message: what do you think about meeting "
	        "next week? Let me know &amp; we will sort it out. Tell me "
	        "which day suits you best, and whether you would rather meet "
	        "in the morning or in the afternoon; I am free most days. "
	        "If the weather is good we could walk along the river and "
	        "have lunch at the little place near the bridge that you told "
	        "me about last time. Cheers, Alice.</p></div>\n</article>\n",
	        i, i, i % 28 + 1, i % 60, i % 28 + 1, i % 60, i, i);
}

static char *builtin_feed(size_t *len)
{
	struct ic_buf b = IC_BUF_INIT(1u << 20);
	enum ic_err rc = ic_buf_adds(
	        &b,
	        "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	        "<meta charset=\"utf-8\"><title>Alice and Bob</title>\n"
	        "<link rel=\"hub\" href=\"/indiechat/feed/hub\">\n"
	        "<link rel=\"self\" href=\"/indiechat/feed/abcdef\">\n"
	        "<link rel=\"token_endpoint\" "
	        "href=\"/indiechat/auth/token\">\n</head><body>\n"
	        "<main class=\"h-feed\">\n<h1 class=\"p-name\">Alice &amp; "
	        "Bob</h1>\n<a class=\"u-url\" href=\"/indiechat/feed/abcdef\">"
	        "permalink</a>\n<div class=\"p-author h-card\"><img "
	        "class=\"u-photo\" src=\"/me.jpg\" alt=\"Alice\"><a "
	        "class=\"p-name u-url\" href=\"https://alice.example/\">"
	        "Alice Example</a></div>\n<a rel=\"prev\" "
	        "href=\"/indiechat/feed/abcdef/page/1\">Older</a>\n");

	for (int i = 0; i < 50 && rc == IC_OK; i++)
		rc = add_entry(&b, i);
	if (rc == IC_OK)
		rc = ic_buf_adds(&b, "</main>\n</body></html>\n");
	return rc == IC_OK ? ic_buf_take(&b, len) : NULL;
}

static char *read_all(const char *path, size_t *len)
{
	struct ic_buf b = IC_BUF_INIT(64u << 20);
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ic_buf_add(&b, chunk, n) != IC_OK) {
			fclose(f);
			return NULL;
		}
	fclose(f);
	return ic_buf_take(&b, len);
}

/* One parse; its item count, or -1 on failure. */
static int parse_once(const char *html, size_t len, const char *base)
{
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE] = "";
	cJSON *doc = NULL;
	int items = -1;

	if (a && ic_mf2_parse(a, html, len, base, &doc, errbuf) == IC_OK)
		items = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "items"));
	else
		fprintf(stderr, "mf2_bench: %s\n", errbuf);
	ic_arena_free(a);
	return items;
}

static double gumbo_ms(const char *html, size_t len, int runs)
{
	GumboOptions opts = kGumboDefaultOptions;
	double t0;

	opts.max_errors = 0;
	t0 = now_ms();
	for (int i = 0; i < runs; i++)
		gumbo_destroy_output(
		        &opts, gumbo_parse_with_options(&opts, html, len));
	return (now_ms() - t0) / runs;
}

/* --emit: the built-in page, byte for byte, for the anchor to parse. */
static int emit(const char *path)
{
	size_t len = 0;
	char *html = builtin_feed(&len);
	FILE *f = fopen(path, "wb");
	int ok = html != NULL && f != NULL && fwrite(html, 1, len, f) == len;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	free(html);
	if (!ok)
		fprintf(stderr, "mf2_bench: cannot write %s\n", path);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *base = argc > 3 ? argv[3] : "https://alice.example/feed/";
	int runs = argc > 2 ? atoi(argv[2]) : 500, items = 0;
	size_t len = 0;
	char *html;
	double t0, ms;

	if (argc == 3 && strcmp(argv[1], "--emit") == 0)
		return emit(argv[2]);
	html = argc > 1 ? read_all(argv[1], &len) : builtin_feed(&len);
	if (html == NULL || runs <= 0) {
		fprintf(stderr, "usage: mf2_bench [FILE [N [BASE_URL]]]\n");
		return 1;
	}
	for (int i = 0; i < 20; i++)
		items = parse_once(html, len, base);
	t0 = now_ms();
	for (int i = 0; i < runs && items >= 0; i++)
		items = parse_once(html, len, base);
	ms = (now_ms() - t0) / runs;
	if (items < 0) {
		free(html);
		return 1;
	}
	printf("mf2_bench: %zu bytes, %d items, %d runs, %.3f ms/parse\n", len,
	       items, runs, ms);
	printf("mf2_bench: gumbo alone (malloc, destroy): %.3f ms/parse\n",
	       gumbo_ms(html, len, runs));
	free(html);
	return 0;
}
