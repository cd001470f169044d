/*
 * render_sample.c - render a sample conversation's feed pages and stub to
 * files, for the independent-parser cross-check (tests/feed_parsers_test.sh).
 *
 *	render_sample DIR
 *	render_sample --bench N
 *
 * With DIR: writes DIR/page.html (three entries with hostile, quoted,
 * multi-line and non-ASCII text, and a rel=prev), DIR/empty.html (no
 * entries), DIR/stub.html (the public stub), each with
 * ic_file_write_atomic(), and DIR/<name>.json next to each: what the page
 * should parse to (base URL, feed URL, author, recipient, and for each
 * entry uid, url, published and the original text; for the stub, the
 * "private" strings it must never show), built with cJSON.
 * tests/tools/mf2py_check.py and tests/js/mf2-check.mjs read those.
 *
 * With --bench N: renders a full page of the default size
 * (IC_CONFIG_FEED_PAGE_SIZE_DEFAULT entries of ~300 bytes, the page
 * DESIGN.md's figures are for) N times and prints the mean time per page;
 *measuring only, for scripts/bench and the engineer, never a pass/fail test.
 *
 * Exit 0 on success, 1 on a failure (message on stderr), 2 on bad usage.
 * A check program: built by `make check`, never installed.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/file.h"
#include "core/ic_limits.h"
#include "mf2/mf2_publish.h"

#define TOPIC "https://alice.example/indiechat/feed/k5v3xq7mzt4w2b6n"
#define BASE  "https://alice.example/indiechat"
/* 2024-02-29T23:59:58Z: a leap day, one second from the next month. */
#define T0 1709251198

static const struct ic_feed_entry sample_entries[] = {
        {"https://alice.example/indiechat/m/3", TOPIC "#m3", T0 + 3600,
         "<script>alert(1)</script> &amp; \"double\" 'single' <b>not bold</b>",
         /* Issue 15: a reply to a tag: uid (a <data> value), its quote
          * hostile too. */
         "tag:alice.example,2024:m1",
         "Gr\xc3\xbc\xc3\x9f"
         "e <i>aus</i> & K\xc3\xb6ln",
         0, false, NULL, 0},
        {"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", TOPIC "#m2", T0 + 60,
         "First line\nsecond line\n\nA new paragraph, after a blank line.\n"
         "See https://example.org/?a=1&b=2 (not a link).",
         /* A reply to an http(s) uid: an <a href>. */
         "https://bob.example/indiechat/feed/b0b#m4-00000000ff",
         "Bob asked: \"lunch?\"", 0, false, NULL, 0},
        {"tag:alice.example,2024:m1", TOPIC "#m1", T0,
         "Grüße aus Köln — 日本語のテキスト 🎉 ½ ≠ ≤", NULL, NULL, 0, false,
         NULL, 0},
};

static struct ic_feed_page sample_page(void)
{
	struct ic_feed_page p = {
	        .self_url = TOPIC,
	        .topic_url = TOPIC,
	        .hub_url = BASE "/feed/hub",
	        .token_endpoint = BASE "/auth/token",
	        .metadata_url = BASE "/auth/metadata",
	        .prev_url = TOPIC "/1",
	        .name = "Messages from Alice to Bob",
	        .owner = {"Alice O'Neil <alice>", "https://alice.example/",
	                  "https://alice.example/photo.jpg"},
	        .recipient = {"Bob & Co", "https://bob.example/", NULL},
	        .entries = sample_entries,
	        .nentries = 3,
	        .revision = 42,
	        .updated = T0 + 3600,
	};
	return p;
}

static int fail(const char *what, enum ic_err rc, const char *err)
{
	fprintf(stderr, "render_sample: %s: %s: %s\n", what, ic_strerror(rc),
	        err);
	return 1;
}

/* What a page's entries should parse to. */
static cJSON *expected_entries(const struct ic_feed_page *p)
{
	cJSON *list = cJSON_CreateArray();
	char stamp[32];
	struct tm tm;

	for (size_t i = 0; list != NULL && i < p->nentries; i++) {
		const struct ic_feed_entry *e = &p->entries[i];
		cJSON *je = cJSON_CreateObject();

		if (je == NULL || !cJSON_AddItemToArray(list, je) ||
		    gmtime_r(&e->published, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S+00:00",
		             &tm) == 0 ||
		    !cJSON_AddStringToObject(je, "uid", e->uid) ||
		    !cJSON_AddStringToObject(je, "url", e->url) ||
		    !cJSON_AddStringToObject(je, "published", stamp) ||
		    !cJSON_AddStringToObject(je, "text", e->text) ||
		    (e->in_reply_to &&
		     !cJSON_AddStringToObject(je, "in_reply_to",
		                              e->in_reply_to))) {
			cJSON_Delete(list);
			return NULL;
		}
	}
	return list;
}

/* What the stub must never show (WS-P-7): the page's name, the recipient,
 * and every entry's uid, url and the start of its text. */
static cJSON *private_strings(const struct ic_feed_page *p)
{
	cJSON *list = cJSON_CreateArray();
	bool ok = list != NULL;

	if (ok)
		ok = cJSON_AddItemToArray(list, cJSON_CreateString(p->name)) &&
		     cJSON_AddItemToArray(
		             list, cJSON_CreateString(p->recipient.name)) &&
		     cJSON_AddItemToArray(list,
		                          cJSON_CreateString(p->recipient.url));
	for (size_t i = 0; ok && i < p->nentries; i++) {
		const struct ic_feed_entry *e = &p->entries[i];
		char start[11];
		size_t n = strlen(e->text) < 10 ? strlen(e->text) : 10;

		/* Cut on a UTF-8 boundary: back over continuation bytes. */
		if (n < strlen(e->text))
			while (n > 0 &&
			       ((unsigned char)e->text[n] & 0xc0) == 0x80)
				n--;
		memcpy(start, e->text, n);
		start[n] = '\0';
		ok = cJSON_AddItemToArray(list, cJSON_CreateString(e->uid)) &&
		     cJSON_AddItemToArray(list, cJSON_CreateString(e->url)) &&
		     cJSON_AddItemToArray(list, cJSON_CreateString(start));
	}
	if (!ok) {
		cJSON_Delete(list);
		return NULL;
	}
	return list;
}

/* The expected parse of one file, as the checkers read it. */
static cJSON *expectation(const struct ic_feed_page *p, bool stub)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *entries = stub ? cJSON_CreateArray() : expected_entries(p);
	cJSON *private = stub ? private_strings(p) : cJSON_CreateArray();

	if (o == NULL || entries == NULL || private == NULL ||
	    !cJSON_AddItemToObject(o, "entries", entries)) {
		cJSON_Delete(entries);
		cJSON_Delete(private);
		cJSON_Delete(o);
		return NULL;
	}
	if (!cJSON_AddItemToObject(o, "private", private)) {
		cJSON_Delete(private);
		cJSON_Delete(o);
		return NULL;
	}
	if (!cJSON_AddStringToObject(o, "kind", stub ? "stub" : "page") ||
	    !cJSON_AddStringToObject(o, "base_url",
	                             stub ? p->topic_url : p->self_url) ||
	    !cJSON_AddStringToObject(o, "feed_url", p->topic_url) ||
	    !cJSON_AddStringToObject(o, "author_url", p->owner.url) ||
	    !cJSON_AddStringToObject(o, "recipient_url", p->recipient.url)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Write DIR/NAME.html from @p html and DIR/NAME.json from @p p. */
static int write_pair(const char *dir, const char *name, struct ic_buf *html,
                      const struct ic_feed_page *p, bool stub)
{
	char file[64], err[IC_ERRBUF_SIZE] = "";
	cJSON *want = expectation(p, stub);
	char *json = want != NULL ? cJSON_Print(want) : NULL;
	enum ic_err rc;

	cJSON_Delete(want);
	if (json == NULL)
		return fail(name, IC_ERR_NOMEM, "cJSON");
	snprintf(file, sizeof(file), "%s.html", name);
	rc = ic_file_write_atomic(dir, file, html->buf, html->len, err);
	if (rc == IC_OK) {
		snprintf(file, sizeof(file), "%s.json", name);
		rc = ic_file_write_atomic(dir, file, json, strlen(json), err);
	}
	free(json);
	return rc == IC_OK ? 0 : fail(file, rc, err);
}

static int render_to(const char *dir, const char *name,
                     const struct ic_feed_page *p, bool stub)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	char err[IC_ERRBUF_SIZE] = "";
	enum ic_err rc;
	int status;

	rc = stub ? ic_mf2_publish_stub(&b, p, err)
	          : ic_mf2_publish_page(&b, p, err);
	if (rc != IC_OK)
		return fail(name, rc, err);
	status = write_pair(dir, name, &b, p, stub);
	ic_buf_release(&b);
	return status;
}

static int render_samples(const char *dir)
{
	struct ic_feed_page p = sample_page(), empty = sample_page();
	char err[IC_ERRBUF_SIZE] = "";
	enum ic_err rc;

	if ((rc = ic_file_mkdirs(dir, 0700, err)) != IC_OK)
		return fail(dir, rc, err);
	empty.nentries = 0;
	empty.prev_url = NULL;
	if (render_to(dir, "page", &p, false) != 0 ||
	    render_to(dir, "empty", &empty, false) != 0 ||
	    render_to(dir, "stub", &p, true) != 0)
		return 1;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bench(long n)
{
	static const char text[] =
	        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed "
	        "do eiusmod tempor <incididunt> ut labore & dolore magna.\n"
	        "Ut enim ad minim veniam, quis nostrud exercitation ullamco "
	        "laboris nisi ut aliquip ex ea \"commodo\" consequat.\n\n"
	        "Duis aute irure dolor in reprehenderit in voluptate velit "
	        "esse cillum dolore eu fugiat nulla pariatur.";
	struct ic_feed_entry many[IC_CONFIG_FEED_PAGE_SIZE_DEFAULT];
	struct ic_feed_page p = sample_page();
	struct ic_buf b = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	char err[IC_ERRBUF_SIZE] = "";
	double t0, t1;

	for (size_t i = 0; i < IC_CONFIG_FEED_PAGE_SIZE_DEFAULT; i++)
		many[i] = (struct ic_feed_entry){sample_entries[0].uid,
		                                 sample_entries[0].url,
		                                 T0 + (time_t)i,
		                                 text,
		                                 NULL,
		                                 NULL,
		                                 0,
		                                 false,
		                                 NULL,
		                                 0};
	p.entries = many;
	p.nentries = IC_CONFIG_FEED_PAGE_SIZE_DEFAULT;
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		enum ic_err rc;

		ic_buf_reset(&b);
		if ((rc = ic_mf2_publish_page(&b, &p, err)) != IC_OK)
			return fail("bench", rc, err);
	}
	t1 = now_ns();
	printf("%d-entry page, %zu bytes: %.1f us per render (%ld renders)\n",
	       IC_CONFIG_FEED_PAGE_SIZE_DEFAULT, b.len,
	       (t1 - t0) / 1e3 / (double)n, n);
	ic_buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--bench") == 0) {
		char *end;
		long n = strtol(argv[2], &end, 10);

		if (*end == '\0' && n > 0)
			return bench(n);
	} else if (argc == 2 && argv[1][0] != '-') {
		return render_samples(argv[1]);
	}
	fprintf(stderr, "usage: render_sample DIR | --bench N\n");
	return 2;
}
