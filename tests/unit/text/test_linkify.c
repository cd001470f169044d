/* test_linkify.c - message text with its addresses as links
 * (lib/text/linkify.c, issue 14): escaped first, only http, https and
 * mailto become links, trailing punctuation stays text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "text/linkify.h"

#define REL "\" rel=\"noopener noreferrer nofollow\">"

static void check(const char *in, const char *want)
{
	struct ic_buf b = IC_BUF_INIT(1 << 20);

	assert_int_equal(ic_html_linkify(&b, in), IC_OK);
	assert_string_equal(b.len ? b.buf : "", want);
	ic_buf_release(&b);
}

static void test_linkify_plain_text_is_escaped(void **state)
{
	(void)state;
	check("", "");
	check("a <b> & \"c\"", "a &lt;b&gt; &amp; &quot;c&quot;");
	check("line one\nline two", "line one\nline two");
}

static void test_linkify_http_https_mailto(void **state)
{
	(void)state;
	check("see https://example.com/x?a=1&b=2 now",
	      "see <a href=\"https://example.com/x?a=1&amp;b=2" REL
	      "https://example.com/x?a=1&amp;b=2</a> now");
	check("http://a.example",
	      "<a href=\"http://a.example" REL "http://a.example</a>");
	check("write to mailto:me@example.com.",
	      "write to <a href=\"mailto:me@example.com" REL
	      "mailto:me@example.com</a>.");
	check("HTTPS://EXAMPLE.COM",
	      "<a href=\"HTTPS://EXAMPLE.COM" REL "HTTPS://EXAMPLE.COM</a>");
}

static void test_linkify_trailing_punctuation_and_parens(void **state)
{
	(void)state;
	check("(https://example.com/a_(b))",
	      "(<a href=\"https://example.com/a_(b)" REL
	      "https://example.com/a_(b)</a>)");
	check("https://example.com/!?", "<a href=\"https://example.com/" REL
	                                "https://example.com/</a>!?");
}

static void test_linkify_refuses_other_schemes_and_glued(void **state)
{
	(void)state;
	check("javascript:alert(1)", "javascript:alert(1)");
	check("data:text/html,<b>", "data:text/html,&lt;b&gt;");
	check("xhttps://example.com", "xhttps://example.com");
	check("https://", "https://");
	check("mailto:nobody", "mailto:nobody");
	/* A quote or angle bracket ends the address: no attribute breakout. */
	check("https://e.example/\"onmouseover=\"x",
	      "<a href=\"https://e.example/" REL
	      "https://e.example/</a>&quot;onmouseover=&quot;x");
	check("https://e.example/<script>",
	      "<a href=\"https://e.example/" REL
	      "https://e.example/</a>&lt;script&gt;");
}

static void test_linkify_has_address(void **state)
{
	(void)state;
	assert_true(ic_linkify_has_address("see HTTPS://x.example"));
	assert_true(ic_linkify_has_address("mailto:a@b.example"));
	assert_false(ic_linkify_has_address("no links here"));
	assert_false(ic_linkify_has_address(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_linkify_plain_text_is_escaped),
	        cmocka_unit_test(test_linkify_http_https_mailto),
	        cmocka_unit_test(test_linkify_trailing_punctuation_and_parens),
	        cmocka_unit_test(test_linkify_refuses_other_schemes_and_glued),
	        cmocka_unit_test(test_linkify_has_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
