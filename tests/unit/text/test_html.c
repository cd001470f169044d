/* test_html.c - escaped HTML output and templates (lib/text/html.c), and the
 * tidy checker the tests use (tests/unit/tidy_check.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "text/html.h"
#include "tidy_check.h"

#define CAP  (1024u * 1024)
#define FFFD "\xef\xbf\xbd"

/* ic_html_text() of @p s, as a string the test can compare. */
static void assert_text(const char *s, size_t len, const char *want)
{
	struct ic_buf b = IC_BUF_INIT(CAP);

	assert_int_equal(ic_html_textn(&b, s, len), IC_OK);
	assert_string_equal(b.buf, want);
	ic_buf_release(&b);
}

static void assert_url(const char *url, const char *want)
{
	struct ic_buf b = IC_BUF_INIT(CAP);

	assert_true(ic_html_url_ok(url));
	assert_int_equal(ic_html_url(&b, url), IC_OK);
	assert_string_equal(b.buf, want);
	ic_buf_release(&b);
}

static void assert_url_refused(const char *url)
{
	struct ic_buf b = IC_BUF_INIT(CAP);

	assert_false(ic_html_url_ok(url));
	assert_int_equal(ic_html_url(&b, url), IC_ERR_BAD_INPUT);
	assert_string_equal(b.buf, "#");
	ic_buf_release(&b);
}

/*
 * An independent UTF-8 check (decode, then range tests), so the tests do
 * not trust lib/text/html.c's table: no overlong forms, surrogates, code
 * points past U+10FFFF, C0/C1 controls but TAB LF CR, or noncharacters.
 */
static int valid_html_utf8(const unsigned char *s, size_t len)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n, k;

		if (s[i] < 0x80)
			n = 1, cp = s[i];
		else if ((s[i] & 0xe0) == 0xc0)
			n = 2, cp = s[i] & 0x1f;
		else if ((s[i] & 0xf0) == 0xe0)
			n = 3, cp = s[i] & 0x0f;
		else if ((s[i] & 0xf8) == 0xf0)
			n = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (i + n > len)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min[n] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    (cp >= 0x7f && cp <= 0x9f))
			return 0;
		if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
			return 0;
		i += n;
	}
	return 1;
}

/* --- Escaping --------------------------------------------------------- */

static void test_html_text_escapes_each_special_char_sec_11(void **state)
{
	(void)state;
	assert_text("&", 1, "&amp;");
	assert_text("<", 1, "&lt;");
	assert_text(">", 1, "&gt;");
	assert_text("\"", 1, "&quot;");
	assert_text("'", 1, "&#39;");
	assert_text("a<b>&c", 6, "a&lt;b&gt;&amp;c");
	assert_text("&amp;", 5, "&amp;amp;"); /* no double-decoding trust */
}

static void test_html_text_keeps_plain_text_utf8_and_line_breaks(void **state)
{
	const char *s = "Hallo w\xc3\xb6rld \xf0\x9f\x98\x80\tx\ny\rz";

	(void)state;
	assert_text(s, strlen(s), s);
	assert_text("", 0, "");
}

static void test_html_text_script_tag_becomes_text_mp_4(void **state)
{
	struct ic_buf b = IC_BUF_INIT(CAP);

	(void)state;
	assert_int_equal(ic_html_text(&b, "<script>alert(1)</script>"), IC_OK);
	assert_string_equal(b.buf, "&lt;script&gt;alert(1)&lt;/script&gt;");
	ic_buf_release(&b);
}

static void test_html_attr_injection_stays_inside_quotes_sec_11(void **state)
{
	struct ic_buf b = IC_BUF_INIT(CAP);

	(void)state;
	assert_int_equal(ic_html_raw_trusted(&b, "<p title=\""), IC_OK);
	assert_int_equal(ic_html_attr(&b, "\" onmouseover=\"x"), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&b, "\" class='"), IC_OK);
	assert_int_equal(ic_html_attr(&b, "' onclick='y"), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&b, "'>t</p>"), IC_OK);
	assert_string_equal(b.buf, "<p title=\"&quot; onmouseover=&quot;x\" "
	                           "class='&#39; onclick=&#39;y'>t</p>");
	ic_buf_release(&b);
}

static void test_html_text_replaces_invalid_utf8_with_fffd(void **state)
{
	(void)state;
	assert_text("a\xff"
	            "b",
	            3, "a" FFFD "b");
	assert_text("\x80", 1, FFFD);                   /* lone trail */
	assert_text("\xc0\xaf", 2, FFFD FFFD);          /* overlong '/' */
	assert_text("\xe0\x80\xaf", 3, FFFD FFFD FFFD); /* overlong */
	assert_text("\xed\xa0\x80", 3, FFFD FFFD FFFD); /* surrogate */
	assert_text("\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD); /* >10FFFF */
	assert_text("\xf5\x80", 2, FFFD FFFD);
	/* A truncated sequence is one maximal subpart: one U+FFFD. */
	assert_text("\xe2\x82"
	            "a",
	            3, FFFD "a");
	assert_text("\xf0\x9f\x98", 3, FFFD);
	assert_text("x\xe2\x82", 3, "x" FFFD);
	/* A lead byte followed by '<' must not swallow it. */
	assert_text("\xc3<", 2, FFFD "&lt;");
}

static void test_html_text_replaces_noncharacters(void **state)
{
	(void)state;
	assert_text("\xef\xbf\xbe", 3, FFFD);           /* U+FFFE */
	assert_text("\xef\xbf\xbf", 3, FFFD);           /* U+FFFF */
	assert_text("\xef\xb7\x90", 3, FFFD);           /* U+FDD0 */
	assert_text("\xf4\x8f\xbf\xbf", 4, FFFD);       /* U+10FFFF */
	assert_text("\xef\xb7\xb0", 3, "\xef\xb7\xb0"); /* U+FDF0 is fine */
}

static void test_html_text_drops_nul_and_control_chars(void **state)
{
	(void)state;
	assert_text("a\0b\x01"
	            "c\x1b"
	            "d\x7f"
	            "e\x0c"
	            "f",
	            11, "abcdef");
	assert_text("x\xc2\x85y\xc2\x9fz", 7, "xyz"); /* C1 controls */
	assert_text("\xc2\xa0", 2, "\xc2\xa0");       /* NBSP is text */
}

static void test_html_text_output_is_always_valid_utf8(void **state)
{
	unsigned char in[64];
	unsigned int seed = 12345;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct ic_buf b = IC_BUF_INIT(CAP);
		size_t len = (size_t)(rand_r(&seed) % sizeof(in));

		for (size_t i = 0; i < len; i++) {
			int r = rand_r(&seed);

			/* Mostly high bytes, some specials and controls. */
			in[i] = (unsigned char)((r & 3) ? 0x80 + (r >> 8) % 128
			                                : (r >> 8) % 128);
		}
		assert_int_equal(ic_html_textn(&b, (const char *)in, len),
		                 IC_OK);
		assert_int_equal(strlen(b.buf), b.len);
		assert_true(
		        valid_html_utf8((const unsigned char *)b.buf, b.len));
		assert_null(strpbrk(b.buf, "<>\"'"));
		ic_buf_release(&b);
	}
}

static void test_html_text_null_is_internal_error(void **state)
{
	struct ic_buf b = IC_BUF_INIT(CAP);

	(void)state;
	assert_int_equal(ic_html_text(&b, NULL), IC_ERR_INTERNAL);
	assert_int_equal(ic_html_attr(&b, NULL), IC_ERR_INTERNAL);
	assert_int_equal(ic_html_textn(&b, NULL, 3), IC_ERR_INTERNAL);
	assert_int_equal(ic_html_textn(&b, NULL, 0), IC_OK);
	assert_int_equal(b.len, 0);
	ic_buf_release(&b);
}

static void test_html_text_past_cap_fails_and_empties_buffer(void **state)
{
	struct ic_buf b = IC_BUF_INIT(8);

	(void)state;
	assert_int_equal(ic_html_text(&b, "abc"), IC_OK);
	/* Each '<' grows four times: "&lt;" does not fit. */
	assert_int_equal(ic_html_text(&b, "<<"), IC_ERR_TOO_LARGE);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	ic_buf_release(&b);
}

/* --- URLs ------------------------------------------------------------- */

static void test_html_url_allows_http_https_mailto_and_refs_sec_11(void **s)
{
	(void)s;
	assert_url("https://bob.example/", "https://bob.example/");
	assert_url("HTTP://Bob.Example/a?b=1&c=2",
	           "HTTP://Bob.Example/a?b=1&amp;c=2");
	assert_url("mailto:bob@bob.example", "mailto:bob@bob.example");
	assert_url("/indiechat/feed/abc", "/indiechat/feed/abc");
	assert_url("#msg-1", "#msg-1");
	assert_url("?page=2", "?page=2");
}

static void test_html_url_refuses_script_schemes_in_any_form_sec_11(void **s)
{
	(void)s;
	assert_url_refused("javascript:alert(1)");
	assert_url_refused("JaVaScRiPt:alert(1)");
	assert_url_refused("  javascript:alert(1)");
	assert_url_refused("\tjavascript:alert(1)");
	assert_url_refused("java\tscript:alert(1)");
	assert_url_refused("java\nscript:alert(1)");
	assert_url_refused("java&#x09;script:alert(1)");
	assert_url_refused("&#106;avascript:alert(1)");
	assert_url_refused("\xc2\xa0javascript:alert(1)");
	assert_url_refused("vbscript:msgbox(1)");
	assert_url_refused("data:text/html,<script>alert(1)</script>");
	assert_url_refused("file:///etc/passwd");
}

static void test_html_url_refuses_empty_relative_and_controls(void **state)
{
	(void)state;
	assert_url_refused("");
	assert_url_refused("foo/bar");
	assert_url_refused("../x");
	assert_url_refused("https://a.example/\x01x");
	assert_url_refused("https://a.example/\x7f");
	assert_url_refused("/ok\r\nSet-Cookie: x=1");
	assert_false(ic_html_url_ok(NULL));
}

static void test_html_url_protocol_relative_is_allowed_as_http_s(void **s)
{
	/* "//host" takes the page's scheme (http/https): it can point
	 * off-site, as any https URL can, but it cannot run script. */
	(void)s;
	assert_url("//evil.example/x", "//evil.example/x");
}

static void test_html_url_backslash_cannot_become_protocol_relative(void **s)
{
	/* Browsers read "/\evil" as "//evil"; encoded, it stays a path. */
	(void)s;
	assert_url("/\\evil.example/", "/%5Cevil.example/");
}

static void test_html_url_percent_encodes_what_urls_cannot_hold(void **s)
{
	(void)s;
	assert_url("https://a.example/x y\"<>^`{|}",
	           "https://a.example/x%20y%22%3C%3E%5E%60%7B%7C%7D");
	assert_url("https://a.example/w\xc3\xb6rld",
	           "https://a.example/w%C3%B6rld");
	assert_url("/a%41%zz%4", "/a%41%25zz%254");
	assert_url("/it's", "/it&#39;s");
}

static void test_html_url_brackets_kept_only_in_ipv6_host(void **s)
{
	(void)s;
	assert_url("https://[::1]:8080/a[b]?c[]=1#[x]",
	           "https://[::1]:8080/a%5Bb%5D?c%5B%5D=1#%5Bx%5D");
	assert_url("//[::1]/x[", "//[::1]/x%5B");
	assert_url("/x[1]", "/x%5B1%5D");
	assert_url("mailto:a[b]@c.example", "mailto:a%5Bb%5D@c.example");
}

static void test_html_url_refused_past_cap_reports_too_large(void **state)
{
	struct ic_buf b = IC_BUF_INIT(0);

	(void)state;
	assert_int_equal(ic_html_url(&b, "javascript:x"), IC_ERR_TOO_LARGE);
	assert_int_equal(ic_html_url(&b, "/x"), IC_ERR_TOO_LARGE);
	ic_buf_release(&b);
}

/* --- The raw writer --------------------------------------------------- */

static void test_html_raw_trusted_writes_verbatim(void **state)
{
	struct ic_buf b = IC_BUF_INIT(CAP);

	(void)state;
	assert_int_equal(ic_html_raw_trusted(&b, "<b class=\"x\">&amp;</b>"),
	                 IC_OK);
	assert_string_equal(b.buf, "<b class=\"x\">&amp;</b>");
	assert_int_equal(ic_html_raw_trusted(&b, NULL), IC_ERR_INTERNAL);
	ic_buf_release(&b);
}

/* --- Templates -------------------------------------------------------- */

static void test_html_render_fills_holes_by_kind(void **state)
{
	static const struct ic_html_var vars[] = {
	        {"name", "Bob <bob>", IC_HTML_TEXT},
	        {"url", "https://bob.example/?a=1&b=2", IC_HTML_URL},
	        {"body", "<p>sanitized</p>", IC_HTML_TRUSTED},
	        {"name", "shadowed", IC_HTML_TEXT},
	};
	struct ic_buf b = IC_BUF_INIT(CAP);
	char err[IC_ERRBUF_SIZE] = "";

	(void)state;
	assert_int_equal(ic_html_render(&b,
	                                "<a class=\"h-card\" href=\"{{url}}\" "
	                                "title='{{name}}'>{{name}}</a>"
	                                "{{body}}",
	                                vars, 4, err),
	                 IC_OK);
	assert_string_equal(b.buf, "<a class=\"h-card\" "
	                           "href=\"https://bob.example/?a=1&amp;b=2\" "
	                           "title='Bob &lt;bob&gt;'>Bob &lt;bob&gt;</a>"
	                           "<p>sanitized</p>");
	assert_string_equal(err, "");
	ic_buf_release(&b);
}

static void test_html_render_without_holes_copies_template(void **state)
{
	struct ic_buf b = IC_BUF_INIT(CAP);

	(void)state;
	assert_int_equal(ic_html_render(&b, "<p>{a} }} {</p>", NULL, 0, NULL),
	                 IC_OK);
	assert_string_equal(b.buf, "<p>{a} }} {</p>");
	ic_buf_release(&b);
}

static void test_html_render_escapes_hostile_text_sec_11(void **state)
{
	static const struct ic_html_var vars[] = {
	        {"v", "\" onmouseover=\"alert(1)", IC_HTML_TEXT},
	};
	struct ic_buf b = IC_BUF_INIT(CAP);

	(void)state;
	assert_int_equal(ic_html_render(&b, "<p title=\"{{v}}\">{{v}}</p>",
	                                vars, 1, NULL),
	                 IC_OK);
	assert_string_equal(b.buf,
	                    "<p title=\"&quot; onmouseover=&quot;alert(1)\">"
	                    "&quot; onmouseover=&quot;alert(1)</p>");
	ic_buf_release(&b);
}

/* Render @p tpl with one variable "a" and expect a template bug whose
 * message contains @p msg. */
static void assert_template_bug(const char *tpl, const char *msg)
{
	static const struct ic_html_var vars[] = {{"a", "x", IC_HTML_TEXT}};
	struct ic_buf b = IC_BUF_INIT(CAP);
	char err[IC_ERRBUF_SIZE] = "";

	assert_int_equal(ic_html_render(&b, tpl, vars, 1, err),
	                 IC_ERR_INTERNAL);
	if (strstr(err, msg) == NULL)
		fail_msg("template \"%s\": \"%s\" lacks \"%s\"", tpl, err, msg);
	ic_buf_release(&b);
}

static void test_html_render_unknown_hole_is_an_error_naming_it(void **s)
{
	(void)s;
	assert_template_bug("<p>{{nmae}}</p>", "{{nmae}} names no variable");
}

static void test_html_render_unclosed_hole_is_an_error(void **state)
{
	(void)state;
	assert_template_bug("<p>{{a</p>", "bad character");
	assert_template_bug("<p>{{a", "unclosed");
	assert_template_bug("<p>{{a}", "unclosed");
	assert_template_bug("<p>{{a}x}}", "unclosed");
	assert_template_bug("{{", "unclosed");
}

static void test_html_render_triple_brace_cannot_ask_for_raw(void **state)
{
	(void)state;
	assert_template_bug("<p>{{{a}}}</p>", "{{{");
}

static void test_html_render_empty_or_bad_hole_name_is_an_error(void **s)
{
	(void)s;
	assert_template_bug("<p>{{}}</p>", "empty hole");
	assert_template_bug("<p>{{ a }}</p>", "bad character");
	assert_template_bug("<p>{{a<b}}</p>", "bad character");
}

static void test_html_render_refuses_holes_escaping_cannot_guard(void **s)
{
	(void)s;
	assert_template_bug("<p class={{a}}>", "not in text");
	assert_template_bug("<p {{a}}>", "not in text");
	assert_template_bug("<script>var x = \"{{a}}\";</script>",
	                    "not in text");
	assert_template_bug("<SCRIPT type=\"module\">{{a}}</SCRIPT>",
	                    "not in text");
	assert_template_bug("<style>p{}{{a}}</style>", "not in text");
	assert_template_bug("<!-- {{a}} -->", "not in text");
}

static void test_html_render_tracks_context_past_tags_and_comments(void **s)
{
	static const struct ic_html_var vars[] = {{"a", "x", IC_HTML_TEXT}};
	struct ic_buf b = IC_BUF_INIT(CAP);

	(void)s;
	assert_int_equal(
	        ic_html_render(&b,
	                       "<script src=\"/a.js\"></script>"
	                       "<!-- it's \"quoted\" --><p title='{{a}}' "
	                       "data-x=\"{{a}}\">{{a}}</p><scripts>{{a}}",
	                       vars, 1, NULL),
	        IC_OK);
	assert_string_equal(b.buf, "<script src=\"/a.js\"></script>"
	                           "<!-- it's \"quoted\" --><p title='x' "
	                           "data-x=\"x\">x</p><scripts>x");
	ic_buf_release(&b);
}

static void test_html_render_refused_url_writes_hash_sec_11(void **state)
{
	static const struct ic_html_var vars[] = {
	        {"u", "javascript:alert(1)", IC_HTML_URL},
	};
	struct ic_buf b = IC_BUF_INIT(CAP);
	char err[IC_ERRBUF_SIZE] = "";

	(void)state;
	assert_int_equal(
	        ic_html_render(&b, "<a href=\"{{u}}\">x</a>", vars, 1, err),
	        IC_ERR_BAD_INPUT);
	assert_string_equal(b.buf, "<a href=\"#");
	assert_non_null(strstr(err, "variable u"));
	ic_buf_release(&b);
}

static void test_html_render_bad_variable_is_internal_error(void **state)
{
	static const struct ic_html_var null_value[] = {
	        {"a", NULL, IC_HTML_TEXT}};
	static const struct ic_html_var bad_kind[] = {
	        {"a", "x", (enum ic_html_kind)42}};
	struct ic_buf b = IC_BUF_INIT(CAP);
	char err[IC_ERRBUF_SIZE] = "";

	(void)state;
	assert_int_equal(ic_html_render(&b, "{{a}}", null_value, 1, err),
	                 IC_ERR_INTERNAL);
	assert_non_null(strstr(err, "variable a has no value"));
	assert_int_equal(ic_html_render(&b, "{{a}}", bad_kind, 1, err),
	                 IC_ERR_INTERNAL);
	assert_non_null(strstr(err, "unknown kind"));
	assert_int_equal(ic_html_render(&b, NULL, NULL, 0, err),
	                 IC_ERR_INTERNAL);
	assert_int_equal(ic_html_render(&b, "x", NULL, 1, err),
	                 IC_ERR_INTERNAL);
	ic_buf_release(&b);
}

/* --- Page skeleton and tidy ------------------------------------------- */

static void test_html_page_skeleton_passes_tidy_clean(void **state)
{
	struct ic_buf b = IC_BUF_INIT(CAP);
	char report[4096];

	(void)state;
	assert_int_equal(ic_html_page_start(&b, "Inbox", NULL), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&b, "<main><p>Hi</p></main>\n"),
	                 IC_OK);
	assert_int_equal(ic_html_page_end(&b), IC_OK);
	assert_int_equal(strncmp(b.buf, "<!DOCTYPE html>\n", 16), 0);
	assert_non_null(strstr(b.buf, "<title>Inbox</title>"));
	assert_non_null(strstr(b.buf, "<meta charset=\"utf-8\">"));
	assert_int_equal(tidy_check_html(b.buf, b.len, report, sizeof(report)),
	                 0);
	assert_string_equal(report, "");
	ic_buf_release(&b);
}

static void test_html_page_blank_title_is_refused(void **state)
{
	static const char *const blank[] = {"", " \t\n", "\x01\x02",
	                                    "\xc2\x85"};
	struct ic_buf b = IC_BUF_INIT(CAP);

	(void)state;
	for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) {
		ic_buf_reset(&b);
		assert_int_equal(ic_html_page_start(&b, blank[i], NULL),
		                 IC_ERR_INTERNAL);
	}
	assert_int_equal(ic_html_page_start(&b, NULL, NULL), IC_ERR_INTERNAL);
	ic_buf_release(&b);
}

/* Text that tries to break out of every context a hole can be in. */
static const char *const hostile[] = {
        "<script>alert(1)</script>",
        "\" onmouseover=\"alert(1)",
        "' onclick='alert(1)",
        "</title><script>alert(1)</script>",
        "</textarea><img src=x onerror=alert(1)>",
        "<!-- x --><![CDATA[ y ]]>",
        "&lt;script&gt; &#60;script&#62; &bogus;",
        "javascript:alert(1)",
        "bad \xff\xfe utf-8 \xed\xa0\x80 \xc0\xaf",
        "nul\0 and \x01\x02\x7f controls",
        "\xef\xbf\xbe noncharacter",
        "{{a}} {{{a}}}",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<a href=\"javascript:alert(1)\">x</a>",
};

static void append_hostile_entry(struct ic_buf *b, const char *h)
{
	char url[512];
	const struct ic_html_var vars[] = {
	        {"text", h, IC_HTML_TEXT},
	        {"url", url, IC_HTML_URL},
	};

	/* An allowed scheme carrying the hostile text: the URL kind must
	 * still keep it inside the href. */
	snprintf(url, sizeof(url), "https://a.example/?q=%s", h);
	assert_int_equal(
	        ic_html_render(
	                b,
	                "<article class=\"h-entry\" title=\"{{text}}\">\n"
	                "<h2 class=\"p-name\">{{text}}</h2>\n"
	                "<a class=\"u-url\" href=\"{{url}}\">{{text}}</a>\n"
	                "<form method=\"post\" action=\"/send\"><textarea "
	                "name=\"t\">{{text}}</textarea><input type=\"hidden\""
	                " name=\"v\" value='{{text}}'></form>\n"
	                "</article>\n",
	                vars, 2, NULL),
	        IC_OK);
}

static void test_html_page_with_hostile_text_passes_tidy_sec_11(void **s)
{
	struct ic_buf b = IC_BUF_INIT(CAP);
	char report[8192];
	size_t i;

	(void)s;
	assert_int_equal(
	        ic_html_page_start(&b, hostile[0],
	                           "<link rel=\"hub\" href=\"/hub\">\n"),
	        IC_OK);
	assert_int_equal(ic_html_raw_trusted(&b, "<main>\n"), IC_OK);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		append_hostile_entry(&b, hostile[i]);
	/* NUL inside the data, through the length-taking writer. */
	assert_int_equal(ic_html_raw_trusted(&b, "<p>"), IC_OK);
	assert_int_equal(ic_html_textn(&b, "a\0<script>", 10), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&b, "</p>\n</main>\n"), IC_OK);
	assert_int_equal(ic_html_page_end(&b), IC_OK);

	assert_int_equal(strlen(b.buf), b.len);
	assert_null(strcasestr(b.buf, "<script"));
	assert_null(strcasestr(b.buf, "href=\"javascript"));
	assert_null(strstr(b.buf, "\" onmouseover"));
	assert_null(strstr(b.buf, "' onclick"));
	assert_true(valid_html_utf8((const unsigned char *)b.buf, b.len));
	if (tidy_check_html(b.buf, b.len, report, sizeof(report)) != 0)
		fail_msg("tidy:\n%s", report);
	ic_buf_release(&b);
}

/* The same page with the data written raw is what tidy must catch:
 * proof that the clean result above is the escaping's doing. */
static void test_html_page_with_raw_hostile_text_fails_tidy(void **state)
{
	struct ic_buf b = IC_BUF_INIT(CAP);
	char report[8192];

	(void)state;
	assert_int_equal(ic_html_page_start(&b, "Raw", NULL), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&b, "<p title=\""), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&b, "x\" title=\"y"), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&b, "\">bad \xff</p>\n"), IC_OK);
	assert_int_equal(ic_html_page_end(&b), IC_OK);
	assert_true(tidy_check_html(b.buf, b.len, report, sizeof(report)) > 0);
	assert_non_null(strstr(report, "repeated attribute"));
	assert_non_null(strstr(report, "invalid UTF-8"));
	ic_buf_release(&b);
}

/* --- The tidy checker itself ------------------------------------------ */

#define HEAD                                                                   \
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "                  \
	"charset=\"utf-8\">\n<title>t</title>\n"

/* tidy_check_html() on HEAD + @p rest; the report goes to @p report. */
static int check(const char *rest, char *report, size_t len)
{
	char doc[4096];

	snprintf(doc, sizeof(doc), "%s%s", HEAD, rest);
	return tidy_check_html(doc, strlen(doc), report, len);
}

static void assert_reported(const char *rest, const char *msg)
{
	char report[4096];

	if (check(rest, report, sizeof(report)) <= 0)
		fail_msg("clean: %s", rest);
	if (strstr(report, msg) == NULL)
		fail_msg("report lacks \"%s\":\n%s", msg, report);
}

static void test_tidy_check_clean_documents_count_zero(void **state)
{
	char report[4096];

	(void)state;
	assert_int_equal(check("</head>\n<body>\n<p>x</p>\n</body>\n</html>\n",
	                       report, sizeof(report)),
	                 0);
	assert_string_equal(report, "");
	/* mf2 markup as our feeds write it, with HTML5 elements tidy 5.6
	 * must accept: <data>, <time>, empty properties, body-ok links. */
	assert_int_equal(
	        check("<link rel=\"hub\" href=\"/hub\">\n"
	              "<link rel=\"self\" href=\"/feed/x\">\n</head>\n<body>\n"
	              "<main class=\"h-feed\"><article class=\"h-entry\">"
	              "<data class=\"u-uid\" value=\"tag:a,2024:1\"></data>"
	              "<time class=\"dt-published\" "
	              "datetime=\"2024-01-01T00:00:00+00:00\">now</time>"
	              "<span class=\"p-name\"></span><p></p>"
	              "<div class=\"e-content\"><p>Hi &amp; bye</p></div>"
	              "</article></main>\n"
	              "<link rel=\"stylesheet\" href=\"/s.css\">\n"
	              "</body>\n</html>\n",
	              report, sizeof(report)),
	        0);
	assert_string_equal(report, "");
}

static void test_tidy_check_unclosed_tag_is_reported(void **state)
{
	(void)state;
	assert_reported("</head><body><div><p>x</p></body></html>",
	                "missing </div>");
}

static void test_tidy_check_link_in_body_is_reported_h_3(void **state)
{
	(void)state;
	assert_reported("</head><body><p>x</p><link rel=\"hub\" href=\"/h\">"
	                "</body></html>",
	                "<link> whose rel is not body-ok inside <body>");
	assert_reported("</head><body><p>x</p><link rel=\"stylesheet hub\" "
	                "href=\"/h\"></body></html>",
	                "<link>");
	assert_reported("</head><body><p>x</p><meta name=\"a\" content=\"b\">"
	                "</body></html>",
	                "<meta> without itemprop");
}

static void test_tidy_check_stray_end_tag_is_reported(void **state)
{
	(void)state;
	assert_reported("</head><body><p>x</p></div></body></html>",
	                "discarding unexpected </div>");
}

static void test_tidy_check_missing_or_empty_title_is_reported(void **s)
{
	const char *doc = "<!DOCTYPE html><html lang=\"en\"><head><meta "
	                  "charset=\"utf-8\"></head><body><p>x</p></body>"
	                  "</html>";
	char report[4096];

	(void)s;
	assert_int_equal(
	        tidy_check_html(doc, strlen(doc), report, sizeof(report)), 1);
	assert_non_null(strstr(report, "missing 'title'"));
	doc = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title> </title></head><body><p>x</p></body></html>";
	assert_int_equal(
	        tidy_check_html(doc, strlen(doc), report, sizeof(report)), 1);
	assert_non_null(strstr(report, "<title> has no text"));
}

static void test_tidy_check_duplicate_attribute_is_reported(void **state)
{
	(void)state;
	assert_reported("</head><body><p class=\"a\" class=\"b\">x</p>"
	                "</body></html>",
	                "repeated attribute");
}

static void test_tidy_check_invalid_utf8_and_nul_are_reported(void **state)
{
	const char doc[] = HEAD "</head><body><p>a\0b</p></body></html>";
	char report[4096];

	(void)state;
	assert_reported("</head><body><p>\xff</p></body></html>",
	                "invalid UTF-8");
	/* The whole length is checked, not just up to the NUL. */
	assert_int_equal(
	        tidy_check_html(doc, sizeof(doc) - 1, report, sizeof(report)),
	        1);
	assert_non_null(strstr(report, "line 6 column 18 - Warning: control "
	                               "character U+0000"));
	assert_reported("</head><body><p>a\x01 b\x7f c\xc2\x85</p></body>",
	                "U+0085");
	assert_int_equal(check("</head><body><p>a\tb\r\n\fc</p></body>"
	                       "</html>",
	                       report, sizeof(report)),
	                 0);
}

static void test_tidy_check_counts_every_problem(void **state)
{
	char report[8192], *p = report;
	int lines = 0;

	(void)state;
	/* More than tidy's default show-errors (6). */
	assert_int_equal(check("</head><body><p>x</p></div></div></div>"
	                       "</div></div></div></div></div></div></div>"
	                       "</body></html>",
	                       report, sizeof(report)),
	                 10);
	while ((p = strstr(p, "Warning: discarding")) != NULL) {
		lines++;
		p++;
	}
	assert_int_equal(lines, 10);
}

static void test_tidy_check_report_is_truncated_safely(void **state)
{
	char report[16];

	(void)state;
	memset(report, 'x', sizeof(report));
	assert_true(check("</head><body><div></body></html>", report,
	                  sizeof(report)) > 0);
	assert_int_equal(strlen(report), sizeof(report) - 1);
	assert_int_equal(check("</head><body><div></body></html>", NULL, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(
	                test_html_text_escapes_each_special_char_sec_11),
	        cmocka_unit_test(
	                test_html_text_keeps_plain_text_utf8_and_line_breaks),
	        cmocka_unit_test(test_html_text_script_tag_becomes_text_mp_4),
	        cmocka_unit_test(
	                test_html_attr_injection_stays_inside_quotes_sec_11),
	        cmocka_unit_test(
	                test_html_text_replaces_invalid_utf8_with_fffd),
	        cmocka_unit_test(test_html_text_replaces_noncharacters),
	        cmocka_unit_test(test_html_text_drops_nul_and_control_chars),
	        cmocka_unit_test(test_html_text_output_is_always_valid_utf8),
	        cmocka_unit_test(test_html_text_null_is_internal_error),
	        cmocka_unit_test(
	                test_html_text_past_cap_fails_and_empties_buffer),
	        cmocka_unit_test(
	                test_html_url_allows_http_https_mailto_and_refs_sec_11),
	        cmocka_unit_test(
	                test_html_url_refuses_script_schemes_in_any_form_sec_11),
	        cmocka_unit_test(
	                test_html_url_refuses_empty_relative_and_controls),
	        cmocka_unit_test(
	                test_html_url_protocol_relative_is_allowed_as_http_s),
	        cmocka_unit_test(
	                test_html_url_backslash_cannot_become_protocol_relative),
	        cmocka_unit_test(
	                test_html_url_percent_encodes_what_urls_cannot_hold),
	        cmocka_unit_test(test_html_url_brackets_kept_only_in_ipv6_host),
	        cmocka_unit_test(
	                test_html_url_refused_past_cap_reports_too_large),
	        cmocka_unit_test(test_html_raw_trusted_writes_verbatim),
	        cmocka_unit_test(test_html_render_fills_holes_by_kind),
	        cmocka_unit_test(
	                test_html_render_without_holes_copies_template),
	        cmocka_unit_test(test_html_render_escapes_hostile_text_sec_11),
	        cmocka_unit_test(
	                test_html_render_unknown_hole_is_an_error_naming_it),
	        cmocka_unit_test(test_html_render_unclosed_hole_is_an_error),
	        cmocka_unit_test(
	                test_html_render_triple_brace_cannot_ask_for_raw),
	        cmocka_unit_test(
	                test_html_render_empty_or_bad_hole_name_is_an_error),
	        cmocka_unit_test(
	                test_html_render_refuses_holes_escaping_cannot_guard),
	        cmocka_unit_test(
	                test_html_render_tracks_context_past_tags_and_comments),
	        cmocka_unit_test(
	                test_html_render_refused_url_writes_hash_sec_11),
	        cmocka_unit_test(
	                test_html_render_bad_variable_is_internal_error),
	        cmocka_unit_test(test_html_page_skeleton_passes_tidy_clean),
	        cmocka_unit_test(test_html_page_blank_title_is_refused),
	        cmocka_unit_test(
	                test_html_page_with_hostile_text_passes_tidy_sec_11),
	        cmocka_unit_test(
	                test_html_page_with_raw_hostile_text_fails_tidy),
	        cmocka_unit_test(test_tidy_check_clean_documents_count_zero),
	        cmocka_unit_test(test_tidy_check_unclosed_tag_is_reported),
	        cmocka_unit_test(test_tidy_check_link_in_body_is_reported_h_3),
	        cmocka_unit_test(test_tidy_check_stray_end_tag_is_reported),
	        cmocka_unit_test(
	                test_tidy_check_missing_or_empty_title_is_reported),
	        cmocka_unit_test(
	                test_tidy_check_duplicate_attribute_is_reported),
	        cmocka_unit_test(
	                test_tidy_check_invalid_utf8_and_nul_are_reported),
	        cmocka_unit_test(test_tidy_check_counts_every_problem),
	        cmocka_unit_test(test_tidy_check_report_is_truncated_safely),
	};

	return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
