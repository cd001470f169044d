/* test_discover.c - <head> link discovery and header precedence
 * (lib/net/discover.c; H-2, H-3, WS-S-1, WS-S-3, IA-C-5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "net/discover.h"
#include "text/link.h"

#define DOC "https://example.com/a/b/page"

struct fx {
	struct ic_arena *a;
	struct ic_link_list l;
	char errbuf[IC_ERRBUF_SIZE];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->a = ic_arena_new(0)) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ic_arena_free(f->a);
	free(f);
	return 0;
}

static enum ic_err html(struct fx *f, const char *doc)
{
	return ic_discover_html_links(&f->l, f->a, doc, strlen(doc), DOC,
	                              f->errbuf);
}

/* A fetch result as ic_fetch() would leave it. */
static void fake_result(struct fx *f, struct ic_fetch_result *r,
                        const char *final_url, const char *ctype,
                        const char *link_header, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	r->final_url = final_url;
	r->content_type = ctype;
	r->body = (char *)body;
	r->body_len = body ? strlen(body) : 0;
	if (link_header)
		assert_int_equal(ic_link_parse(&r->links, f->a, link_header,
		                               strlen(link_header), f->errbuf),
		                 IC_OK);
}

static void test_discover_head_links_found_body_links_ignored_h_3(void **state)
{
	struct fx *f = *state;

	assert_int_equal(html(f, "<!doctype html><html><head>"
	                         "<link rel=hub href=https://hub.example/>"
	                         "</head><body><p>x</p>"
	                         "<link rel=token_endpoint href=/token>"
	                         "</body></html>"),
	                 IC_OK);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://hub.example/");
	assert_null(ic_link_find(&f->l, "token_endpoint"));
}

static void
test_discover_link_moved_into_body_by_parser_ignored_h_3(void **state)
{
	struct fx *f = *state;

	/* No explicit body: the <p> opens it, so the link lands there. */
	assert_int_equal(html(f, "<title>t</title><p>user text</p>"
	                         "<link rel=hub href=https://evil.example/>"),
	                 IC_OK);
	assert_null(ic_link_find(&f->l, "hub"));
	assert_int_equal(f->l.n, 0);
}

static void test_discover_implied_head_links_found_h_3(void **state)
{
	struct fx *f = *state;

	/* No <html>/<head> tags at all: the parser still builds a head. */
	assert_int_equal(html(f, "<link rel=\"Hub Self\" href=/h>"), IC_OK);
	assert_string_equal(ic_link_find(&f->l, "hub"),
	                    "https://example.com/h");
	assert_string_equal(ic_link_find(&f->l, "self"),
	                    "https://example.com/h");
}

static void test_discover_first_link_in_document_order_wins_h_3(void **state)
{
	struct fx *f = *state;

	assert_int_equal(html(f, "<head>"
	                         "<link rel=indieauth-metadata href=/first>"
	                         "<link rel=indieauth-metadata href=/second>"
	                         "</head>"),
	                 IC_OK);
	assert_string_equal(ic_link_find(&f->l, "indieauth-metadata"),
	                    "https://example.com/first");
}

static void test_discover_relative_href_resolved_against_doc_h_2(void **state)
{
	struct fx *f = *state;

	assert_int_equal(html(f, "<head><link rel=a href=../x>"
	                         "<link rel=b href=y?q=1>"
	                         "<link rel=c href=//other.example/z>"
	                         "<link rel=d href=\"  /spaced  \">"
	                         "<link rel=e href=https://abs.example/>"
	                         "</head>"),
	                 IC_OK);
	assert_string_equal(ic_link_find(&f->l, "a"),
	                    "https://example.com/a/x");
	assert_string_equal(ic_link_find(&f->l, "b"),
	                    "https://example.com/a/b/y?q=1");
	assert_string_equal(ic_link_find(&f->l, "c"),
	                    "https://other.example/z");
	assert_string_equal(ic_link_find(&f->l, "d"),
	                    "https://example.com/spaced");
	assert_string_equal(ic_link_find(&f->l, "e"), "https://abs.example/");
}

static void test_discover_base_href_honoured_h_2(void **state)
{
	struct fx *f = *state;

	assert_int_equal(html(f, "<head><link rel=hub href=hub>"
	                         "<base href=https://base.example/dir/>"
	                         "</head>"),
	                 IC_OK);
	/* The base applies to links before it as well (frozen base URL). */
	assert_string_equal(ic_link_find(&f->l, "hub"),
	                    "https://base.example/dir/hub");
}

static void
test_discover_relative_base_and_first_base_with_href_h_2(void **state)
{
	struct fx *f = *state;

	assert_int_equal(html(f, "<head><base target=_blank>"
	                         "<base href=/one/><base href=/two/>"
	                         "<link rel=hub href=h></head>"),
	                 IC_OK);
	assert_string_equal(ic_link_find(&f->l, "hub"),
	                    "https://example.com/one/h");
}

static void test_discover_unusable_base_falls_back_to_doc_h_2(void **state)
{
	struct fx *f = *state;

	assert_int_equal(html(f, "<head><base href=\"mailto:x@y\">"
	                         "<link rel=hub href=h></head>"),
	                 IC_OK);
	assert_string_equal(ic_link_find(&f->l, "hub"),
	                    "https://example.com/a/b/h");
}

static void test_discover_empty_and_non_http_hrefs_skipped_h_3(void **state)
{
	struct fx *f = *state;

	assert_int_equal(html(f, "<head><link rel=hub href=\"\">"
	                         "<link rel=hub href=\"   \">"
	                         "<link rel=hub href=\"javascript:alert(1)\">"
	                         "<link rel=hub>"
	                         "<link href=/no-rel>"
	                         "<link rel=hub href=/good></head>"),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(ic_link_find(&f->l, "hub"),
	                    "https://example.com/good");
}

static void test_discover_template_contents_are_inert_h_3(void **state)
{
	struct fx *f = *state;

	assert_int_equal(html(f, "<head><template>"
	                         "<link rel=hub href=/in-template></template>"
	                         "<link rel=hub href=/real></head>"),
	                 IC_OK);
	assert_string_equal(ic_link_find(&f->l, "hub"),
	                    "https://example.com/real");
}

static void test_discover_many_stylesheets_cost_one_slot_h_3(void **state)
{
	struct fx *f = *state;
	struct ic_buf b = IC_BUF_INIT(1u << 20);

	assert_int_equal(ic_buf_adds(&b, "<head>"), IC_OK);
	for (int i = 0; i < 500; i++)
		assert_int_equal(
		        ic_buf_addf(&b, "<link rel=stylesheet href=/%d.css>",
		                    i),
		        IC_OK);
	assert_int_equal(ic_buf_adds(&b, "<link rel=hub href=/hub></head>"),
	                 IC_OK);
	assert_int_equal(html(f, b.buf), IC_OK);
	assert_int_equal(f->l.n, 2);
	assert_string_equal(ic_link_find(&f->l, "stylesheet"),
	                    "https://example.com/0.css");
	assert_string_equal(ic_link_find(&f->l, "hub"),
	                    "https://example.com/hub");
	ic_buf_release(&b);
}

static void test_discover_too_many_distinct_rels_is_too_large(void **state)
{
	struct fx *f = *state;
	struct ic_buf b = IC_BUF_INIT(1u << 20);

	assert_int_equal(ic_buf_adds(&b, "<head>"), IC_OK);
	for (int i = 0; i < IC_MAX_LINKS + 1; i++)
		assert_int_equal(
		        ic_buf_addf(&b, "<link rel=r%d href=/%d>", i, i),
		        IC_OK);
	assert_int_equal(html(f, b.buf), IC_ERR_TOO_LARGE);
	assert_int_equal(f->l.n, IC_MAX_LINKS);
	assert_string_equal(ic_link_find(&f->l, "r0"), "https://example.com/0");
	ic_buf_release(&b);
}

/* 1,000 levels: deeper than the walk goes (IC_MAX_HTML_DEPTH), cheap for
 * gumbo (issue 11: far deeper nesting is refused for time). */
static void test_discover_1000_nested_divs_bounded(void **state)
{
	struct fx *f = *state;
	struct ic_buf b = IC_BUF_INIT(1u << 20);

	assert_int_equal(ic_buf_adds(&b,
	                             "<html><head>"
	                             "<link rel=hub href=/hub></head><body>"),
	                 IC_OK);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ic_buf_adds(&b, "<div>"), IC_OK);
	assert_int_equal(ic_buf_adds(&b, "<link rel=self href=/deep>"), IC_OK);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ic_buf_adds(&b, "</div>"), IC_OK);
	assert_int_equal(html(f, b.buf), IC_OK);
	assert_string_equal(ic_link_find(&f->l, "hub"),
	                    "https://example.com/hub");
	assert_null(ic_link_find(&f->l, "self"));
	ic_buf_release(&b);
}

static void test_discover_binary_garbage_is_harmless(void **state)
{
	struct fx *f = *state;
	static const char junk[] = "\0\xff\xfe<link rel=hub href=/x>\0<<<>>>";

	assert_int_equal(ic_discover_html_links(&f->l, f->a, junk,
	                                        sizeof(junk) - 1, DOC,
	                                        f->errbuf),
	                 IC_OK);
	assert_int_equal(
	        ic_discover_html_links(&f->l, f->a, NULL, 0, DOC, f->errbuf),
	        IC_OK);
}

static void test_discover_bad_doc_url_is_bad_input(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ic_discover_html_links(&f->l, f->a, "<p>", 3,
	                                        "ftp://x/", f->errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_discover_html_links(&f->l, f->a, "<p>", 3,
	                                        "relative/only", f->errbuf),
	                 IC_ERR_BAD_INPUT);
}

static void test_discover_oversized_document_is_too_large_h_7(void **state)
{
	struct fx *f = *state;
	size_t len = IC_MAX_FETCH_FEED_BYTES + 1;
	char *big = malloc(len);

	assert_non_null(big);
	memset(big, 'a', len);
	assert_int_equal(
	        ic_discover_html_links(&f->l, f->a, big, len, DOC, f->errbuf),
	        IC_ERR_TOO_LARGE);
	free(big);
}

static void test_discover_header_beats_html_per_rel_ws_s_3(void **state)
{
	struct fx *f = *state;
	struct ic_fetch_result r;
	struct ic_discovery d;

	fake_result(f, &r, "https://final.example/dir/topic",
	            "text/html; charset=utf-8", "<hub-from-header>; rel=hub",
	            "<head><link rel=hub href=https://wrong.example/hub>"
	            "<link rel=self href=/self-from-html></head>");
	assert_int_equal(ic_discover(&d, f->a, &r, f->errbuf), IC_OK);
	/* WS-S-3 (websub.rocks 104): the body's hub is never used... */
	assert_string_equal(ic_discover_find(&d, "hub"),
	                    "https://final.example/dir/hub-from-header");
	/* ...but the self the header lacks still comes from the HTML. */
	assert_string_equal(ic_discover_find(&d, "self"),
	                    "https://final.example/self-from-html");
	assert_null(ic_discover_find(&d, "token_endpoint"));
}

static void
test_discover_header_wins_for_indieauth_metadata_ia_c_5(void **state)
{
	struct fx *f = *state;
	struct ic_fetch_result r;
	const char *url;

	fake_result(f, &r, "https://me.example/", "text/html",
	            "</meta-header>; rel=\"indieauth-metadata\"",
	            "<link rel=indieauth-metadata href=/meta-html>");
	assert_int_equal(ic_discover_rel(f->a, &r, "indieauth-metadata", &url,
	                                 f->errbuf),
	                 IC_OK);
	assert_string_equal(url, "https://me.example/meta-header");
}

static void
test_discover_header_target_resolved_against_final_url_h_2(void **state)
{
	struct fx *f = *state;
	struct ic_fetch_result r;
	const char *url;

	/* indieauth.rocks identity `header.`: relative Link, http. */
	fake_result(f, &r, "http://header.x/", "text/plain",
	            "</token>; "
	            "rel=token_endpoint",
	            NULL);
	assert_int_equal(
	        ic_discover_rel(f->a, &r, "token_endpoint", &url, f->errbuf),
	        IC_OK);
	assert_string_equal(url, "http://header.x/token");
}

static void test_discover_html_ignored_when_not_html_ws_s_1(void **state)
{
	struct fx *f = *state;
	struct ic_fetch_result r;
	const char *url = "unchanged";

	fake_result(f, &r, "https://x.example/", "application/json", NULL,
	            "<link rel=hub href=/hub>");
	assert_int_equal(ic_discover_rel(f->a, &r, "hub", &url, f->errbuf),
	                 IC_ERR_NOT_FOUND);
	assert_null(url);
	assert_non_null(strstr(f->errbuf, "hub"));
}

static void test_discover_unresolvable_header_target_skipped_h_2(void **state)
{
	struct fx *f = *state;
	struct ic_fetch_result r;
	struct ic_discovery d;

	fake_result(f, &r, "https://x.example/", "text/html",
	            "<mailto:a@b>; rel=hub, <javascript:x>; rel=self",
	            "<link rel=hub href=/html-hub>");
	assert_int_equal(ic_discover(&d, f->a, &r, f->errbuf), IC_OK);
	assert_int_equal(d.header.n, 0);
	assert_string_equal(ic_discover_find(&d, "hub"),
	                    "https://x.example/html-hub");
}

static void test_discover_without_final_url_is_bad_input(void **state)
{
	struct fx *f = *state;
	struct ic_fetch_result r;
	struct ic_discovery d;

	fake_result(f, &r, NULL, "text/html", NULL, "");
	assert_int_equal(ic_discover(&d, f->a, &r, f->errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_discover(&d, f->a, NULL, f->errbuf),
	                 IC_ERR_BAD_INPUT);
}

static void test_discover_is_html_content_types(void **state)
{
	(void)state;
	assert_true(ic_discover_is_html("text/html"));
	assert_true(ic_discover_is_html("Text/HTML; charset=utf-8"));
	assert_true(ic_discover_is_html(" text/html;charset=x"));
	assert_true(ic_discover_is_html("application/xhtml+xml"));
	assert_false(ic_discover_is_html("text/htmlx"));
	assert_false(ic_discover_is_html("text/plain"));
	assert_false(ic_discover_is_html("application/atom+xml"));
	assert_false(ic_discover_is_html(""));
	assert_false(ic_discover_is_html(NULL));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_discover_head_links_found_body_links_ignored_h_3),
	        T(test_discover_link_moved_into_body_by_parser_ignored_h_3),
	        T(test_discover_implied_head_links_found_h_3),
	        T(test_discover_first_link_in_document_order_wins_h_3),
	        T(test_discover_relative_href_resolved_against_doc_h_2),
	        T(test_discover_base_href_honoured_h_2),
	        T(test_discover_relative_base_and_first_base_with_href_h_2),
	        T(test_discover_unusable_base_falls_back_to_doc_h_2),
	        T(test_discover_empty_and_non_http_hrefs_skipped_h_3),
	        T(test_discover_template_contents_are_inert_h_3),
	        T(test_discover_many_stylesheets_cost_one_slot_h_3),
	        T(test_discover_too_many_distinct_rels_is_too_large),
	        T(test_discover_1000_nested_divs_bounded),
	        T(test_discover_binary_garbage_is_harmless),
	        T(test_discover_bad_doc_url_is_bad_input),
	        T(test_discover_oversized_document_is_too_large_h_7),
	        T(test_discover_header_beats_html_per_rel_ws_s_3),
	        T(test_discover_header_wins_for_indieauth_metadata_ia_c_5),
	        T(test_discover_header_target_resolved_against_final_url_h_2),
	        T(test_discover_html_ignored_when_not_html_ws_s_1),
	        T(test_discover_unresolvable_header_target_skipped_h_2),
	        T(test_discover_without_final_url_is_bad_input),
	        T(test_discover_is_html_content_types),
	};
#undef T

	return cmocka_run_group_tests_name("discover", tests, NULL, NULL);
}
