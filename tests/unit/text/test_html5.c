/* test_html5.c - gumbo on a byte and a time budget (lib/text/html5.c,
 * issues 10 and 11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/ic_limits.h"
#include "text/html5.h"

static const char page[] =
        "<!doctype html><html><head><title>A page</title></head>"
        "<body><main><article class=\"h-entry\"><p>Hello <b>there</b>, "
        "<a href=\"/x\">a link</a>.</p></article></main></body></html>";

/* The first element with tag t under n, depth first, or NULL. */
static const GumboNode *find(const GumboNode *n, GumboTag t)
{
	if (n->type != GUMBO_NODE_ELEMENT)
		return NULL;
	if (n->v.element.tag == t)
		return n;
	for (unsigned int i = 0; i < n->v.element.children.length; i++) {
		const GumboNode *r = find(n->v.element.children.data[i], t);

		if (r != NULL)
			return r;
	}
	return NULL;
}

/* Issue 11: "<p>", 200 distinct nested <b>s, then "<p>x</p>" to about
 * 34 KB.  Every <p> reopens all 200 formatting elements, so the tree is
 * the square of the input (about 300 MB before the budget).  With
 * `distinct` false the <b>s are alike and HTML5's Noah's Ark clause keeps
 * only three of them open: cheap. */
static char *hostile(int distinct, size_t *len)
{
	struct ic_buf b = IC_BUF_INIT(64 * 1024);

	assert_int_equal(ic_buf_adds(&b, "<p>"), IC_OK);
	for (int i = 0; i < 200; i++)
		assert_int_equal(distinct ? ic_buf_addf(&b, "<b class=c%d>", i)
		                          : ic_buf_adds(&b, "<b>"),
		                 IC_OK);
	while (b.len < 34 * 1024)
		assert_int_equal(ic_buf_adds(&b, "<p>x</p>"), IC_OK);
	*len = b.len;
	return b.buf;
}

static void test_html5_page_parses(void **state)
{
	struct ic_html5 h;
	char errbuf[IC_ERRBUF_SIZE];
	const GumboNode *title, *a;

	(void)state;
	assert_int_equal(ic_html5_parse(page, strlen(page), NULL, &h, errbuf),
	                 IC_OK);
	assert_non_null(h.g);
	title = find(h.g->root, GUMBO_TAG_TITLE);
	assert_non_null(title);
	assert_string_equal(
	        ((const GumboNode *)title->v.element.children.data[0])
	                ->v.text.text,
	        "A page");
	a = find(h.g->root, GUMBO_TAG_A);
	assert_non_null(a);
	assert_string_equal(
	        gumbo_get_attribute(&a->v.element.attributes, "href")->value,
	        "/x");
	/* html > body > main > article > p > b */
	assert_int_equal(ic_html5_depth(&h), 6);
	assert_int_equal(h.budget, ic_html5_budget(strlen(page)));
	assert_true(h.peak_bytes > 0 && h.peak_bytes <= h.budget);
	ic_html5_free(&h);
	assert_null(h.g);
	ic_html5_free(&h); /* twice is harmless */
}

static void test_html5_fragment_parses_in_a_div(void **state)
{
	const struct ic_html5_opts o = {.div_fragment = true};
	struct ic_html5 h;
	const GumboNode *root;

	(void)state;
	assert_int_equal(ic_html5_parse("<p>a</p><p>b", 12, &o, &h, NULL),
	                 IC_OK);
	root = h.g->root;
	assert_int_equal(root->v.element.tag, GUMBO_TAG_HTML);
	assert_int_equal(root->v.element.children.length, 2);
	ic_html5_free(&h);
}

/* The budget is the 32 MiB + 20x the input, saturating. */
static void test_html5_budget_from_input_size(void **state)
{
	(void)state;
	assert_int_equal(ic_html5_budget(0), IC_HTML5_BASE_BYTES);
	assert_int_equal(ic_html5_budget(1000),
	                 IC_HTML5_BASE_BYTES + 1000 * 20);
	assert_int_equal(ic_html5_budget(SIZE_MAX), SIZE_MAX);
}

/* Issue 11: refused with the budget error, having held no more than the
 * budget (about 32.7 MiB), not the hundreds of MB the tree would take.
 * By default the time budget stops it even sooner; a minute of CPU here
 * leaves the byte budget alone to be tested. */
static void test_html5_cloned_formatting_is_refused_within_budget(void **state)
{
	const struct ic_html5_opts o = {.max_ms = 60000};
	struct ic_html5 h;
	char errbuf[IC_ERRBUF_SIZE];
	size_t len;
	char *in = hostile(1, &len);

	(void)state;
	assert_int_equal(ic_html5_parse(in, len, &o, &h, errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_null(h.g);
	assert_non_null(strstr(errbuf, "HTML too costly to parse: over "));
	assert_non_null(strstr(errbuf, " bytes"));
	assert_int_equal(h.budget, ic_html5_budget(len));
	assert_true(h.budget < 33u * 1024 * 1024);
	assert_true(h.peak_bytes <= h.budget);
	/* It stopped near the budget, so the input really was that costly. */
	assert_true(h.peak_bytes > h.budget / 2);
	ic_html5_free(&h);
	free(in);
}

/* The same length with alike <b>s is cheap in memory (Noah's Ark) and
 * parses.  A memory test: the time budget is set aside, as a loaded
 * machine (this one, running CI beside other builds) once pushed the
 * parse's CPU time past the default and failed it. */
static void test_html5_alike_formatting_parses(void **state)
{
	const struct ic_html5_opts o = {.max_ms = 60000};
	struct ic_html5 h;
	size_t len;
	char *in = hostile(0, &len);

	(void)state;
	assert_int_equal(ic_html5_parse(in, len, &o, &h, NULL), IC_OK);
	assert_true(h.peak_bytes < 8u * 1024 * 1024);
	ic_html5_free(&h);
	free(in);
}

/* After a refusal (a jump out of gumbo) parsing works again; under ASan
 * (configure --enable-sanitizers) this also shows nothing leaks. */
static void test_html5_parses_again_after_refusal(void **state)
{
	struct ic_html5 h;
	size_t len;
	char *in = hostile(1, &len);
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ic_html5_parse(in, len, NULL, &h, errbuf),
		                 IC_ERR_TOO_LARGE);
		ic_html5_free(&h);
		assert_int_equal(
		        ic_html5_parse(page, strlen(page), NULL, &h, errbuf),
		        IC_OK);
		assert_non_null(find(h.g->root, GUMBO_TAG_ARTICLE));
		ic_html5_free(&h);
	}
	free(in);
}

/* An explicit budget is honoured and named in the error. */
static void test_html5_explicit_budget(void **state)
{
	const struct ic_html5_opts o = {.max_bytes = 1000};
	struct ic_html5 h;
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(ic_html5_parse(page, strlen(page), &o, &h, errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(errbuf, "over 1000 bytes"));
	assert_true(h.peak_bytes <= 1000);
}

/* Issue 11: `prefix`, then `unit` n times. */
static char *repeat(const char *prefix, const char *unit, size_t n, size_t *len)
{
	struct ic_buf b = IC_BUF_INIT(16u * 1024 * 1024);

	assert_int_equal(ic_buf_adds(&b, prefix), IC_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ic_buf_adds(&b, unit), IC_OK);
	*len = b.len;
	return b.buf;
}

/* The nestings a text prescan missed, each 50,000 deep: "<div/>" opens a
 * div in HTML5, <noscript> content is markup when scripting is off (as
 * in gumbo), and "<!-->" is a whole comment. */
static const struct {
	const char *prefix, *unit;
} deep[] = {
        {"<body>", "<div/>"},
        {"<body><noscript>", "<div>"},
        {"<body><!-->", "<div>"},
};

/* Each really nests: 1,000 levels parse (cheaply) into a tree 1,000
 * deeper, so the refusals below are for the depth gumbo builds. */
static void test_html5_missed_nestings_do_nest(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
		struct ic_html5 h;
		size_t len;
		char *in = repeat(deep[i].prefix, deep[i].unit, 1000, &len);

		assert_int_equal(ic_html5_parse(in, len, NULL, &h, NULL),
		                 IC_OK);
		assert_true(ic_html5_depth(&h) >= 1000 &&
		            ic_html5_depth(&h) <= 1003);
		ic_html5_free(&h);
		free(in);
	}
}

/* Issue 11: 50,000 levels cost gumbo about 1.25e9 steps of walking its
 * stack of open elements, seconds anywhere; the default time budget for
 * this size is about 0.1 s of CPU, so each is refused by the time budget
 * (not the byte budget: far fewer bytes were held). */
static void test_html5_deep_nesting_is_refused_for_time(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
		struct ic_html5 h;
		char errbuf[IC_ERRBUF_SIZE], want[64];
		size_t len;
		char *in = repeat(deep[i].prefix, deep[i].unit, 50000, &len);
		uint64_t ns = ic_html5_time_budget_ns(len);

		assert_int_equal(ic_html5_parse(in, len, NULL, &h, errbuf),
		                 IC_ERR_TOO_LARGE);
		assert_null(h.g);
		assert_int_equal(h.time_budget_ms, (ns + 999999) / 1000000);
		snprintf(want, sizeof(want),
		         "HTML too costly to parse: over %llu ms",
		         (unsigned long long)h.time_budget_ms);
		assert_string_equal(errbuf, want);
		assert_true(h.peak_bytes < h.budget / 2);
		ic_html5_free(&h);
		free(in);
	}
}

/* An explicit time budget is honoured: 1 ms cannot build 50,000 levels. */
static void test_html5_explicit_time_budget(void **state)
{
	const struct ic_html5_opts o = {.max_ms = 1};
	struct ic_html5 h;
	char errbuf[IC_ERRBUF_SIZE];
	size_t len;
	char *in = repeat("<body>", "<div/>", 50000, &len);

	(void)state;
	assert_int_equal(ic_html5_parse(in, len, &o, &h, errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_string_equal(errbuf, "HTML too costly to parse: over 1 ms");
	assert_int_equal(h.time_budget_ms, 1);
	free(in);
}

/* The time budget is the goal, 50 ms per 100 KB at most, with a
 * base for small documents; it saturates.  A sanitizer build has k times
 * the budget (IC_HTML5_SANITIZER_SLOWDOWN). */
static void test_html5_time_budget_from_input_size(void **state)
{
	uint64_t k =
	        ic_html5_time_budget_ns(0) / (IC_HTML5_BASE_MS * 1000000ull);

	(void)state;
	assert_true(k == 1 || k == IC_HTML5_SANITIZER_SLOWDOWN);
	assert_int_equal(ic_html5_time_budget_ns(0),
	                 k * IC_HTML5_BASE_MS * 1000000ull);
	assert_int_equal(ic_html5_time_budget_ns(1000),
	                 k * (IC_HTML5_BASE_MS * 1000000ull +
	                      1000ull * IC_HTML5_NS_PER_INPUT_BYTE));
	assert_true(ic_html5_time_budget_ns(100 * 1024) <= k * 50000000u);
	assert_true(ic_html5_time_budget_ns(IC_MAX_FETCH_FEED_BYTES) <=
	            k * 50ull * 1000000 *
	                    (IC_MAX_FETCH_FEED_BYTES / (100 * 1024)));
	assert_int_equal(ic_html5_time_budget_ns(SIZE_MAX), UINT64_MAX);
}

static void test_html5_bad_arguments(void **state)
{
	struct ic_html5 h;

	(void)state;
	assert_int_equal(ic_html5_parse(NULL, 3, NULL, &h, NULL),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_html5_parse("<p>", 3, NULL, NULL, NULL),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_html5_parse(NULL, 0, NULL, &h, NULL), IC_OK);
	assert_non_null(find(h.g->root, GUMBO_TAG_BODY));
	ic_html5_free(&h);
	ic_html5_free(NULL);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
	        T(test_html5_page_parses),
	        T(test_html5_fragment_parses_in_a_div),
	        T(test_html5_budget_from_input_size),
	        T(test_html5_cloned_formatting_is_refused_within_budget),
	        T(test_html5_alike_formatting_parses),
	        T(test_html5_parses_again_after_refusal),
	        T(test_html5_explicit_budget),
	        T(test_html5_bad_arguments),
	        T(test_html5_missed_nestings_do_nest),
	        T(test_html5_deep_nesting_is_refused_for_time),
	        T(test_html5_explicit_time_budget),
	        T(test_html5_time_budget_from_input_size),
	};
#undef T

	return cmocka_run_group_tests_name("html5", tests, NULL, NULL);
}
