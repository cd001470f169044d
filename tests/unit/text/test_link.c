/* test_link.c - the RFC 8288 Link header parser (lib/text/link.c, H-1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "text/link.h"

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

/* Parse one header value into the fixture's list. */
static enum ic_err parse(struct fx *f, const char *value)
{
	return ic_link_parse(&f->l, f->a, value, strlen(value), f->errbuf);
}

static void test_link_h1_example_comma_inside_brackets_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://h/?a=1,2>; rel=\"hub\", "
	                          "<https://s/>; rel=self"),
	                 IC_OK);
	assert_int_equal(f->l.n, 2);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://h/?a=1,2");
	assert_string_equal(ic_link_find(&f->l, "self"), "https://s/");
	assert_null(ic_link_find(&f->l, "token_endpoint"));
}

static void test_link_repeated_headers_append_in_order_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://h/?a=1,2>; rel=\"hub\""), IC_OK);
	assert_int_equal(parse(f, "<https://s/>; rel=self"), IC_OK);
	assert_int_equal(parse(f, "<https://h2/>; rel=hub"), IC_OK);
	assert_int_equal(f->l.n, 3);
	assert_string_equal(f->l.items[0].target, "https://h/?a=1,2");
	assert_string_equal(f->l.items[1].target, "https://s/");
	/* First wins across headers too. */
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://h/?a=1,2");
}

static void test_link_several_rel_tokens_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://me.example/>; rel=\"me authn\""),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_int_equal(f->l.items[0].nrels, 2);
	assert_string_equal(f->l.items[0].rels[0], "me");
	assert_string_equal(f->l.items[0].rels[1], "authn");
	assert_string_equal(ic_link_find(&f->l, "authn"),
	                    "https://me.example/");
	assert_string_equal(ic_link_find(&f->l, "me"), "https://me.example/");
	assert_null(ic_link_find(&f->l, "me authn"));
}

static void test_link_rel_compared_case_insensitively_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://h/>; REL=Hub"), IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(f->l.items[0].rels[0], "hub"); /* stored lower */
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://h/");
	assert_string_equal(ic_link_find(&f->l, "HUB"), "https://h/");
}

static void test_link_unterminated_bracket_is_skipped_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://a/; rel=hub"), IC_OK);
	assert_int_equal(f->l.n, 0);
	/* A good link before it is kept. */
	assert_int_equal(parse(f, "<https://s/>; rel=self, <https://b/"),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(ic_link_find(&f->l, "self"), "https://s/");
}

static void test_link_unclosed_bracket_does_not_hide_next_link_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://a/; rel=hub, <https://b/>; "
	                          "rel=self"),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(ic_link_find(&f->l, "self"), "https://b/");
	assert_null(ic_link_find(&f->l, "hub"));
}

static void test_link_quoted_params_with_commas_and_semicolons_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(
	        parse(f, "<https://h/>; title=\"a, b; c=d\"; rel=\"hub\"; "
	                 "type=\"text/html\", "
	                 "<https://s/>; title=\"x\\\"; rel=evil, <y>\"; "
	                 "rel=self"),
	        IC_OK);
	assert_int_equal(f->l.n, 2);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://h/");
	assert_string_equal(ic_link_find(&f->l, "self"), "https://s/");
	assert_null(ic_link_find(&f->l, "evil"));
}

static void test_link_escaped_quote_in_rel_is_unescaped_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://h/>; rel=\"h\\ub\""), IC_OK);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://h/");
}

static void test_link_other_params_skipped_title_star_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://h/>; title*=UTF-8'de'n%c3%a4chstes;"
	                          " hreflang=de; rel=next; media"),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(ic_link_find(&f->l, "next"), "https://h/");
}

static void test_link_without_rel_is_ignored_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f,
	                       "<https://a/>; type=\"text/html\", "
	                       "<https://b/>; rel=\"\", <https://c/>; rel=x"),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(f->l.items[0].target, "https://c/");
}

static void test_link_only_first_rel_param_counts_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://a/>; rel=hub; rel=self"), IC_OK);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://a/");
	assert_null(ic_link_find(&f->l, "self"));
}

static void test_link_with_anchor_is_not_kept_h_1(void **state)
{
	struct fx *f = *state;

	/* RFC 8288 §3.2: an anchored link is about another resource. */
	assert_int_equal(parse(f, "<https://evil/>; rel=hub; "
	                          "anchor=\"https://other/\", "
	                          "<https://good/>; rel=hub"),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://good/");
}

static void test_link_empty_and_blank_values_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, ""), IC_OK);
	assert_int_equal(parse(f, "   "), IC_OK);
	assert_int_equal(parse(f, " , ,, "), IC_OK);
	assert_int_equal(ic_link_parse(&f->l, f->a, NULL, 0, f->errbuf), IC_OK);
	assert_int_equal(f->l.n, 0);
}

static void test_link_whitespace_variants_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f,
	                       "\t< https://a/ >\t;\trel = \"hub\"\t,"
	                       "<https://b/>;rel=self;,"
	                       "   <https://c/>  ;  rel  =  \"  x   y  \"  "),
	                 IC_OK);
	assert_int_equal(f->l.n, 3);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://a/");
	assert_string_equal(ic_link_find(&f->l, "self"), "https://b/");
	assert_string_equal(ic_link_find(&f->l, "y"), "https://c/");
	assert_int_equal(f->l.items[2].nrels, 2);
}

static void test_link_relative_target_kept_raw_h_2(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "</token>; rel=\"token_endpoint\""), IC_OK);
	assert_string_equal(ic_link_find(&f->l, "token_endpoint"), "/token");
}

static void test_link_garbage_skipped_good_links_kept_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "garbage, \"quoted, junk\"; rel=hub, "
	                          "<https://a/> rel=hub, "
	                          "<bad target>; rel=hub, "
	                          "<https://ok/>; rel=hub, ;;, <https://z/>"),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://ok/");
}

static void test_link_unterminated_quote_stops_quietly_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://a/>; rel=hub, <https://b/>; "
	                          "title=\"open, <https://c/>; rel=self"),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://a/");
	assert_null(ic_link_find(&f->l, "self"));
}

static void test_link_embedded_nul_is_not_a_target(void **state)
{
	struct fx *f = *state;
	static const char v[] = "<https://a\0b/>; rel=hub, <https://c/>; rel=x";

	assert_int_equal(
	        ic_link_parse(&f->l, f->a, v, sizeof(v) - 1, f->errbuf), IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_string_equal(f->l.items[0].target, "https://c/");
}

static void test_link_rel_token_with_control_bytes_dropped_h_1(void **state)
{
	struct fx *f = *state;
	static const char v[] = "<https://a/>; rel=\"\0\0self hub\", "
	                        "<https://b/>; rel=x\x01y";

	assert_int_equal(
	        ic_link_parse(&f->l, f->a, v, sizeof(v) - 1, f->errbuf), IC_OK);
	assert_int_equal(f->l.n, 1);
	assert_int_equal(f->l.items[0].nrels, 1);
	assert_string_equal(ic_link_find(&f->l, "hub"), "https://a/");
	assert_null(ic_link_find(&f->l, "self"));
}

static void test_link_duplicate_rel_tokens_stored_once(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://a/>; rel=\"hub HUB hub\""), IC_OK);
	assert_int_equal(f->l.items[0].nrels, 1);
}

static void test_link_too_many_links_is_too_large_h_1(void **state)
{
	struct fx *f = *state;
	enum ic_err rc = IC_OK;

	for (int i = 0; i < IC_MAX_LINKS; i++)
		assert_int_equal(parse(f, "<https://a/>; rel=x"), IC_OK);
	assert_int_equal(f->l.n, IC_MAX_LINKS);
	rc = parse(f, "<https://b/>; rel=hub");
	assert_int_equal(rc, IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "links"));
	assert_int_equal(f->l.n, IC_MAX_LINKS);
	assert_null(ic_link_find(&f->l, "hub"));
	/* A link without rel is not counted, so it is no error. */
	assert_int_equal(parse(f, "<https://b/>"), IC_OK);
}

static void test_link_too_many_rels_is_too_large_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, "<https://a/>; rel=\"a b c d e f g h\""),
	                 IC_OK);
	assert_int_equal(f->l.items[0].nrels, IC_MAX_LINK_RELS);
	assert_int_equal(parse(f, "<https://b/>; rel=\"a b c d e f g h i\""),
	                 IC_ERR_TOO_LARGE);
	assert_int_equal(f->l.n, 1);
}

static void test_link_find_handles_null(void **state)
{
	struct fx *f = *state;

	assert_null(ic_link_find(NULL, "hub"));
	assert_null(ic_link_find(&f->l, NULL));
	assert_false(ic_link_has_rel(NULL, "hub"));
}

static void test_link_append_splits_html_rel_whitespace_h_3(void **state)
{
	struct fx *f = *state;
	const char rels[] = "\tHub\n self\f";

	assert_int_equal(ic_link_append(&f->l, f->a, "https://x/", 10, rels,
	                                strlen(rels), f->errbuf),
	                 IC_OK);
	assert_int_equal(f->l.items[0].nrels, 2);
	assert_string_equal(f->l.items[0].rels[0], "hub");
	assert_string_equal(f->l.items[0].rels[1], "self");
	/* Only whitespace: nothing added, no error. */
	assert_int_equal(ic_link_append(&f->l, f->a, "https://y/", 10, "  ", 2,
	                                f->errbuf),
	                 IC_OK);
	assert_int_equal(f->l.n, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_link_h1_example_comma_inside_brackets_h_1),
	        T(test_link_repeated_headers_append_in_order_h_1),
	        T(test_link_several_rel_tokens_h_1),
	        T(test_link_rel_compared_case_insensitively_h_1),
	        T(test_link_unterminated_bracket_is_skipped_h_1),
	        T(test_link_unclosed_bracket_does_not_hide_next_link_h_1),
	        T(test_link_quoted_params_with_commas_and_semicolons_h_1),
	        T(test_link_escaped_quote_in_rel_is_unescaped_h_1),
	        T(test_link_other_params_skipped_title_star_h_1),
	        T(test_link_without_rel_is_ignored_h_1),
	        T(test_link_only_first_rel_param_counts_h_1),
	        T(test_link_with_anchor_is_not_kept_h_1),
	        T(test_link_empty_and_blank_values_h_1),
	        T(test_link_whitespace_variants_h_1),
	        T(test_link_relative_target_kept_raw_h_2),
	        T(test_link_garbage_skipped_good_links_kept_h_1),
	        T(test_link_unterminated_quote_stops_quietly_h_1),
	        T(test_link_embedded_nul_is_not_a_target),
	        T(test_link_rel_token_with_control_bytes_dropped_h_1),
	        T(test_link_duplicate_rel_tokens_stored_once),
	        T(test_link_too_many_links_is_too_large_h_1),
	        T(test_link_too_many_rels_is_too_large_h_1),
	        T(test_link_find_handles_null),
	        T(test_link_append_splits_html_rel_whitespace_h_3),
	};
#undef T

	return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
