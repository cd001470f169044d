/* test_sanitize.c - the allow-list HTML sanitizer (lib/mf2/sanitize.c; MC-3,
 * SEC-11, STANDARDS.md §0 item 12).  Each hostile case sits next to a
 * good one, so a sanitizer that drops everything fails as surely as one
 * that keeps too much. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "text/html.h"
#include "core/ic_limits.h"
#include "mf2/sanitize.h"
#include "tidy_check.h"

#define BASE "https://example.com/notes/1"
#define REL  "rel=\"nofollow noopener noreferrer\""
#define FFFD "\xef\xbf\xbd"

struct fx {
	struct ic_arena *a;
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

/* ic_sanitize_html(@p in) against BASE; must succeed. */
static const char *san(void **state, const char *in)
{
	struct fx *f = *state;
	size_t len = (size_t)-1;
	char *out = NULL;

	if (ic_sanitize_html(f->a, in, strlen(in), BASE, &out, &len,
	                     f->errbuf) != IC_OK)
		fail_msg("sanitize failed: %s", f->errbuf);
	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	return out;
}

static void assert_san(void **state, const char *in, const char *want)
{
	assert_string_equal(san(state, in), want);
}

/* sanitize(sanitize(x)) == sanitize(x). */
static void assert_idempotent(void **state, const char *in)
{
	const char *once = san(state, in);
	const char *twice = san(state, once);

	if (strcmp(once, twice) != 0)
		fail_msg("not idempotent for %s:\n once: %s\ntwice: %s", in,
		         once, twice);
}

static const char *text(void **state, const char *in)
{
	struct fx *f = *state;
	char *out = NULL;

	if (ic_sanitize_text(f->a, in, strlen(in), &out, f->errbuf) != IC_OK)
		fail_msg("sanitize text failed: %s", f->errbuf);
	assert_non_null(out);
	return out;
}

/* Count the occurrences of @p needle in @p hay. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* --- Allowed markup ------------------------------------------------------- */

static void test_sanitize_keeps_allowed_formatting_mc_3(void **state)
{
	static const char *const kept[] = {
	        "<p>Hello <b>bold</b> <em>em</em> <strong>s</strong> <i>i</i> "
	        "<u>u</u> <s>s</s> <del>d</del> <ins>n</ins> <sub>2</sub> "
	        "<sup>3</sup> <small>sm</small> <code>c</code> <kbd>k</kbd> "
	        "<samp>o</samp> <q>q</q> <cite>c</cite> <span>s</span></p>",
	        "<blockquote><p>quoted</p></blockquote>",
	        "<ul><li>one</li><li>two</li></ul><ol><li>x</li></ol>",
	        "<dl><dt>term</dt><dd>def</dd></dl>",
	        "<h3>a</h3><h4>b</h4><h5>c</h5><h6>d</h6>",
	        "<p>line<br>break</p><hr>",
	        "<pre>\n  code\n</pre>",
	};

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_san(state, kept[i], kept[i]);
}

static void test_sanitize_h1_h2_become_h3_others_kept(void **state)
{
	assert_san(state, "<h1>a</h1><h2>b</h2><h3>c</h3><h6>d</h6>",
	           "<h3>a</h3><h3>b</h3><h3>c</h3><h6>d</h6>");
}

static void test_sanitize_unknown_elements_dropped_text_kept(void **state)
{
	assert_san(state,
	           "<div class=\"x\"><section><custom-el>t</custom-el>"
	           "</section><table><tr><td>cell</td></tr></table></div>",
	           "tcell");
	assert_san(state, "<p><font color=red>red</font></p>", "<p>red</p>");
}

static void test_sanitize_allowed_attributes_only(void **state)
{
	assert_san(state,
	           "<abbr title=\"HyperText\" id=\"x\">HTML</abbr> "
	           "<time datetime=\"2024-05-01\" title=\"t\">May</time>",
	           "<abbr title=\"HyperText\">HTML</abbr> "
	           "<time datetime=\"2024-05-01\">May</time>");
	assert_san(state, "<ol start=\"3\" type=\"a\"><li>c</li></ol>",
	           "<ol start=\"3\"><li>c</li></ol>");
	/* ol[start]: digits only. */
	assert_san(state, "<ol start=\"3;x\"><li>c</li></ol>",
	           "<ol><li>c</li></ol>");
	assert_san(state, "<ol start=\"-1\"><li>c</li></ol>",
	           "<ol><li>c</li></ol>");
}

static void test_sanitize_cite_http_only_mc_3(void **state)
{
	assert_san(state, "<blockquote cite=\"/src\">x</blockquote>",
	           "<blockquote cite=\"https://example.com/src\">x"
	           "</blockquote>");
	assert_san(state, "<q cite=\"https://o.example/\">x</q>",
	           "<q cite=\"https://o.example/\">x</q>");
	assert_san(state, "<q cite=\"javascript:alert(1)\">x</q>", "<q>x</q>");
	assert_san(state, "<q cite=\"mailto:a@b.example\">x</q>", "<q>x</q>");
}

/* --- Links ---------------------------------------------------------------- */

static void test_sanitize_link_kept_with_forced_rel_mc_3(void **state)
{
	assert_san(state, "<a href=\"https://ok.example/p?q=1&amp;r=2\">ok</a>",
	           "<a href=\"https://ok.example/p?q=1&amp;r=2\" " REL
	           ">ok</a>");
	assert_san(state,
	           "<a href=\"https://ok.example/\" rel=\"opener\" "
	           "target=\"_blank\" onclick=\"x()\">ok</a>",
	           "<a href=\"https://ok.example/\" " REL ">ok</a>");
	assert_san(state, "<a href=\"mailto:me@example.com\">mail</a>",
	           "<a href=\"mailto:me@example.com\" " REL ">mail</a>");
}

static void test_sanitize_script_urls_become_text_mc_3(void **state)
{
	static const char *const hostile[] = {
	        "javascript:alert(1)",
	        "JaVaScRiPt:alert(1)",
	        "jav&#x09;ascript:alert(1)",
	        "jav&#10;ascript:alert(1)",
	        " javascript:alert(1)",
	        "&#x20;&#x01;javascript:alert(1)",
	        "&#106;&#97;vascript:alert(1)",
	        "javascript&colon;alert(1)",
	        "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
	        "DATA:text/html;base64,PHNjcmlwdD4=",
	        "vbscript:msgbox(1)",
	        "file:///etc/passwd",
	};
	char in[256];

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		snprintf(in, sizeof(in), "<p><a href=\"%s\">click</a></p>",
		         hostile[i]);
		assert_san(state, in, "<p>click</p>");
	}
	/* The good one beside them. */
	assert_san(state, "<p><a href=\"https://ok.example/\">click</a></p>",
	           "<p><a href=\"https://ok.example/\" " REL ">click</a></p>");
}

static void test_sanitize_link_without_href_becomes_text(void **state)
{
	assert_san(state, "<a name=\"x\">anchor</a>", "anchor");
	assert_san(state, "<a href=\"\">empty</a>",
	           "<a href=\"https://example.com/notes/1\" " REL ">empty</a>");
}

static void test_sanitize_relative_links_resolved_against_base(void **state)
{
	assert_san(state, "<a href=\"../x?y=1#f\">r</a>",
	           "<a href=\"https://example.com/x?y=1#f\" " REL ">r</a>");
	assert_san(state, "<a href=\"//other.example/p\">p</a>",
	           "<a href=\"https://other.example/p\" " REL ">p</a>");
	assert_san(state, "<a href=\"#frag\">f</a>",
	           "<a href=\"https://example.com/notes/1#frag\" " REL
	           ">f</a>");
	/* A <base> in the fragment does not move the base. */
	assert_san(state,
	           "<base href=\"https://evil.example/\"><a href=\"x\">x</a>",
	           "<a href=\"https://example.com/notes/x\" " REL ">x</a>");
}

static void test_sanitize_without_base_keeps_only_absolute_links(void **s)
{
	struct fx *f = *s;
	const char *in = "<a href=\"x\">rel</a> <a href=\"HTTPS://Ok.Example\">"
	                 "abs</a>";
	char *out;

	assert_int_equal(ic_sanitize_html(f->a, in, strlen(in), NULL, &out,
	                                  NULL, f->errbuf),
	                 IC_OK);
	assert_string_equal(out, "rel <a href=\"https://ok.example/\" " REL
	                         ">abs</a>");
}

static void test_sanitize_link_inside_link_is_not_nested(void **state)
{
	const char *in = "<a href=\"/1\">x<table><td><a href=\"/2\">y</a>"
	                 "</td></table></a>";

	assert_san(state, in,
	           "<a href=\"https://example.com/1\" " REL ">xy</a>");
	assert_idempotent(state, in);
}

static void test_sanitize_quotes_cannot_break_out_of_href(void **state)
{
	assert_san(
	        state,
	        "<a href='https://x.example/\"onmouseover=\"alert(1)'>q</a>",
	        "<a href=\"https://x.example/%22onmouseover=%22alert(1)\" " REL
	        ">q</a>");
}

/* --- Images (privacy: no remote load, sanitize.h) ------------------------- */

static void test_sanitize_img_onerror_becomes_link_mc_3(void **state)
{
	assert_san(state, "<img src=x onerror=alert(1)>",
	           "<a href=\"https://example.com/notes/x\" " REL
	           ">[image]</a>");
	assert_san(state,
	           "<img src=\"https://cdn.example/cat.png\" alt=\"A cat\""
	           " width=\"10\">",
	           "<a href=\"https://cdn.example/cat.png\" " REL
	           ">[image: A cat]</a>");
}

static void test_sanitize_img_with_script_src_is_text_only(void **state)
{
	assert_san(state, "<img src=\"javascript:alert(1)\" alt=\"x\">",
	           "[image: x]");
	assert_san(state, "<img src=\"data:image/png;base64,AAAA\">",
	           "[image]");
	/* Inside a link the image cannot be a second link. */
	assert_san(state, "<a href=\"/p\"><img src=\"/i.png\" alt=\"i\"></a>",
	           "<a href=\"https://example.com/p\" " REL ">[image: i]</a>");
}

/* --- Dropped with content ------------------------------------------------- */

static void test_sanitize_script_dropped_with_content_mc_3(void **state)
{
	assert_san(state, "<p>a<script>alert(1)</script>b</p>", "<p>ab</p>");
	assert_san(state, "<SCRIPT SRC=//evil.example/x.js></SCRIPT>ok", "ok");
	assert_san(state, "<p>plain</p>", "<p>plain</p>");
}

static void test_sanitize_svg_and_iframe_dropped_mc_3(void **state)
{
	assert_san(state, "<svg onload=alert(1)><circle r=\"1\"/></svg>ok",
	           "ok");
	assert_san(state, "<svg><a href=\"javascript:alert(1)\">x</a></svg>",
	           "");
	assert_san(state,
	           "<iframe src=\"https://evil.example/\">fallback</iframe>"
	           "<object data=\"x\">o</object><embed src=\"x\">ok",
	           "ok");
}

static void test_sanitize_style_element_and_attribute_dropped(void **state)
{
	assert_san(state,
	           "<style>p{background:url(javascript:alert(1))}</style>"
	           "<p style=\"color:red\" class=\"c\" id=\"i\">t</p>",
	           "<p>t</p>");
}

static void test_sanitize_form_and_inputs_dropped(void **state)
{
	assert_san(state,
	           "<form action=\"https://evil.example/\"><input name=\"a\" "
	           "value=\"b\"><button formaction=\"javascript:x\">Go</button>"
	           "<select><option>o</option></select><textarea>t</textarea>"
	           "</form>",
	           "Go");
}

static void test_sanitize_math_mxss_classics_mc_3(void **state)
{
	static const char *const hostile[] = {
	        "<math><mi><mglyph><style><img src=x onerror=alert(1)>",
	        "<math><mtext><table><mglyph><style><img src=x "
	        "onerror=alert(1)>",
	        "<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style>"
	        "<a title=\"</style><img src onerror=alert(1)>\"></style>",
	        "<svg></p><style><a id=\"</style><img src=1 "
	        "onerror=alert(1)>\">",
	        "<form><math><mtext></form><form><mglyph><style></math>"
	        "<img src onerror=alert(1)>",
	};

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const char *out = san(state, hostile[i]);

		if (strstr(out, "onerror") || strstr(out, "<img") ||
		    strstr(out, "<style"))
			fail_msg("%s\n-> %s", hostile[i], out);
		assert_idempotent(state, hostile[i]);
	}
}

static void test_sanitize_noscript_title_mxss_mc_3(void **state)
{
	assert_san(state,
	           "<noscript><p title=\"</noscript><img src=x "
	           "onerror=alert(1)>\">",
	           "");
	assert_san(state, "<p title=\"</p><img src=x onerror=alert(1)>\">t</p>",
	           "<p>t</p>");
}

static void test_sanitize_comments_and_metadata_dropped(void **state)
{
	assert_san(state,
	           "a<!-- <script>x</script> -->b<!--><img src=x>-->"
	           "<meta http-equiv=\"refresh\" content=\"0;url=x\">"
	           "<link rel=\"stylesheet\" href=\"x\"><title>t</title>c",
	           "ab<a href=\"https://example.com/notes/x\" " REL
	           ">[image]</a>--&gt;c");
}

/* --- Structure ------------------------------------------------------------ */

static void test_sanitize_unbalanced_tags_get_balanced(void **state)
{
	assert_san(state, "<p><b>bold<i>both</b>italic",
	           "<p><b>bold<i>both</i></b><i>italic</i></p>");
	assert_san(state, "<ul><li>a<li>b</ul></div></span>x",
	           "<ul><li>a</li><li>b</li></ul>x");
	assert_san(state, "</p>", "<p></p>");
}

static void test_sanitize_blocks_the_parser_would_not_nest(void **state)
{
	/* A <p> inside <button> inside <p>: without the button it would
	 * close the outer <p>, so it goes and its text stays. */
	assert_san(state, "<p>a<button><p>b</p></button>c</p>", "<p>abc</p>");
	assert_san(state, "<li>a<table><td><li>b</li></td></table></li>",
	           "<li>ab</li>");
	assert_san(state, "<h3>a<table><td><h4>b</h4></td></table></h3>",
	           "<h3>ab</h3>");
	/* Inside another element they do nest, and stay. */
	assert_san(state, "<li>a<ul><li>b</li></ul></li>",
	           "<li>a<ul><li>b</li></ul></li>");
	assert_san(state, "<h3>a<span><h4>b</h4></span></h3>",
	           "<h3>a<span><h4>b</h4></span></h3>");
}

/* Deeper than IC_MAX_HTML_DEPTH but cheap for gumbo (issue 11: 10,000
 * levels cost it more than its time budget, see the test below). */
static void test_sanitize_deep_nesting_is_bounded_and_flattened(void **state)
{
	struct ic_buf in = IC_BUF_INIT(1024 * 1024);
	const char *out;

	for (int i = 0; i < 1000; i++)
		assert_int_equal(ic_buf_adds(&in, "<b>"), IC_OK);
	assert_int_equal(ic_buf_adds(&in, "deep<script>x</script>"), IC_OK);
	out = san(state, in.buf);
	/* The fragment's top level is depth 1; deeper ones are text. */
	assert_int_equal(count(out, "<b>"), IC_MAX_HTML_DEPTH - 1);
	assert_int_equal(count(out, "</b>"), IC_MAX_HTML_DEPTH - 1);
	assert_non_null(strstr(out, "deep"));
	assert_null(strstr(out, "x</b>"));
	assert_idempotent(state, in.buf);
	ic_buf_release(&in);
}

/* Issue 11: 20,000 "<div/>" (each opens a div) in 120 KB, within the
 * input cap, cost gumbo seconds of stack walks: refused by the parse's
 * time budget, with its error. */
static void test_sanitize_costly_nesting_is_refused_for_time(void **state)
{
	struct fx *f = *state;
	struct ic_buf in = IC_BUF_INIT(1024 * 1024);
	char *out = NULL;
	size_t len = 0;

	for (int i = 0; i < 20000; i++)
		assert_int_equal(ic_buf_adds(&in, "<div/>"), IC_OK);
	assert_true(in.len <= IC_MAX_SANITIZE_INPUT_BYTES);
	assert_int_equal(ic_sanitize_html(f->a, in.buf, in.len, BASE, &out,
	                                  &len, f->errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "HTML too costly to parse: over "));
	assert_non_null(strstr(f->errbuf, " ms"));
	ic_buf_release(&in);
}

static void test_sanitize_script_past_flatten_depth_still_dropped(void **s)
{
	struct ic_buf in = IC_BUF_INIT(1024 * 1024);
	const char *out;

	for (int i = 0; i < 2000; i++)
		assert_int_equal(ic_buf_adds(&in, "<div>"), IC_OK);
	assert_int_equal(ic_buf_adds(&in, "<p>t<script>bad()</script>"
	                                  "<img src=x onerror=y alt=a>"),
	                 IC_OK);
	out = san(s, in.buf);
	assert_string_equal(out, "t[image: a]");
	ic_buf_release(&in);
}

static void test_sanitize_pre_leading_newline_survives(void **state)
{
	assert_san(state, "<pre>\n\nx</pre>", "<pre>\n\nx</pre>");
	assert_san(state, "<pre>x</pre>", "<pre>\nx</pre>");
	assert_idempotent(state, "<pre>\n\n\nx</pre>");
}

/* --- Text ----------------------------------------------------------------- */

static void test_sanitize_text_is_escaped_sec_11(void **state)
{
	assert_san(state, "<p>1 < 2 &amp; 3 > 2 \"q\" 'a'</p>",
	           "<p>1 &lt; 2 &amp; 3 &gt; 2 &quot;q&quot; &#39;a&#39;</p>");
	assert_san(state, "&lt;script&gt;alert(1)&lt;/script&gt;",
	           "&lt;script&gt;alert(1)&lt;/script&gt;");
}

static void test_sanitize_unicode_preserved(void **state)
{
	const char *in = "<p>Gr\xc3\xbc\xc3\x9f"
	                 "e \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 "
	                 "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7</p>";

	assert_san(state, in, in);
	assert_san(state, "&eacute;&#x1F600;", "\xc3\xa9\xf0\x9f\x98\x80");
}

static void test_sanitize_controls_and_bad_utf8_replaced(void **s)
{
	struct fx *f = *s;
	char *out;

	/* gumbo reads C0 controls (but whitespace), DEL and each bad byte as
	 * U+FFFD. */
	assert_san(s,
	           "a\x01"
	           "b\x1b[31m\x7f\xff"
	           "c",
	           "a" FFFD "b" FFFD "[31m" FFFD FFFD "c");
	assert_san(s, "ok", "ok");
	/* A NUL in text is dropped. */
	assert_int_equal(
	        ic_sanitize_html(f->a, "a\0b", 3, BASE, &out, NULL, f->errbuf),
	        IC_OK);
	assert_string_equal(out, "ab");
	/* A CR survives as a reference, since a raw one would read back as
	 * LF. */
	assert_san(s, "a&#13;b", "a&#13;b");
}

static void test_sanitize_is_idempotent(void **state)
{
	static const char *const inputs[] = {
	        "<p>Hello <b>bold <i>both</b> italic</i></p>",
	        "<p><a href=\"rel/x y\">link</a> &amp; <img src=i.png alt=i>",
	        "<table><tr><td><p>a<td><ul><li>b<li>c</table>",
	        "<p>a<ul><li>b</ul>c</p>",
	        "<dl><dt>a<dd>b<dt>c</dl><dd>x<dt>y",
	        "<b><b><b><b><b>five</b></b></b></b></b>",
	        "<a href=/1>1<a href=/2>2</a>3</a>",
	        "<h1><h2>x</h2></h1><h3>a<h4>b",
	        "<pre>\n\nx</pre><pre><b>\ny</b></pre>",
	        "a&#13;b<p title=\"x&#13;y\">",
	        "<q cite=\"../a b\">q</q><blockquote cite=x>b</blockquote>",
	        "<p>x<button><p>y<li>z</button></p>",
	        "<li><b><li>x</b></li><dd><span><dt>y",
	        "<a "
	        "href=\"https://\xc3\xa9.example/\xc3\xa9?\xc3\xa9#\xc3\xa9\">"
	        "i</a><a href=\"HTTP://EXAMPLE.COM:443/./a/../b\">n</a>",
	        "<a href=\"mailto:a b@c.example?subject=a&amp;b\">m</a>",
	        "<ol start=007><li>x</ol><time datetime=\"a&#13;b\">t</time>",
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		assert_idempotent(state, inputs[i]);
}

static void test_sanitize_output_passes_tidy(void **state)
{
	struct ic_buf page = IC_BUF_INIT(1024 * 1024);
	const char *out =
	        san(state, "<h1>T</h1><p>x<b>y<i>z</b></p><ul><li><a href=/a>a"
	                   "<li><img src=/i alt=i></ul><pre>p</pre><dl><dt>t"
	                   "<dd>d</dl><blockquote cite=/c><p>q</blockquote>"
	                   "<script>x</script><svg onload=x><form><input>");
	char report[2048];

	assert_int_equal(ic_html_page_start(&page, "t", NULL), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&page, "<div>"), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&page, out), IC_OK);
	assert_int_equal(ic_html_raw_trusted(&page, "</div>"), IC_OK);
	assert_int_equal(ic_html_page_end(&page), IC_OK);
	if (tidy_check_html(page.buf, page.len, report, sizeof(report)) != 0)
		fail_msg("tidy:\n%s\n%s", report, page.buf);
	ic_buf_release(&page);
}

/* --- Limits and errors ---------------------------------------------------- */

static void test_sanitize_input_past_cap_is_too_large(void **state)
{
	struct fx *f = *state;
	size_t len = IC_MAX_SANITIZE_INPUT_BYTES + 1;
	char *in = malloc(len), *out = (char *)1;

	assert_non_null(in);
	memset(in, 'a', len);
	assert_int_equal(
	        ic_sanitize_html(f->a, in, len, BASE, &out, NULL, f->errbuf),
	        IC_ERR_TOO_LARGE);
	assert_null(out);
	assert_non_null(strstr(f->errbuf, "longer than"));
	assert_int_equal(ic_sanitize_text(f->a, in, len, &out, f->errbuf),
	                 IC_ERR_TOO_LARGE);
	/* At the cap it is fine. */
	assert_int_equal(ic_sanitize_html(f->a, in, len - 1, BASE, &out, NULL,
	                                  f->errbuf),
	                 IC_OK);
	assert_int_equal(strlen(out), len - 1);
	free(in);
}

static void test_sanitize_output_past_cap_is_too_large(void **state)
{
	struct fx *f = *state;
	size_t len = IC_MAX_SANITIZE_INPUT_BYTES;
	char *in = malloc(len), *out = (char *)1;

	assert_non_null(in);
	memset(in, '"', len); /* each becomes &quot;, 6 bytes */
	assert_int_equal(
	        ic_sanitize_html(f->a, in, len, BASE, &out, NULL, f->errbuf),
	        IC_ERR_TOO_LARGE);
	assert_null(out);
	assert_non_null(strstr(f->errbuf, "sanitized HTML"));
	free(in);
}

/* Formatting elements reopened in every paragraph: the tree grows with
 * the square of the input, and the parse is stopped at its budget. */
static void test_sanitize_parser_memory_is_capped(void **state)
{
	struct fx *f = *state;
	struct ic_buf in = IC_BUF_INIT(IC_MAX_SANITIZE_INPUT_BYTES);
	char *out = (char *)1;

	for (int i = 0; i < 4000; i++)
		assert_int_equal(ic_buf_addf(&in, "<b id=%d><p>x", i), IC_OK);
	assert_int_equal(ic_sanitize_html(f->a, in.buf, in.len, BASE, &out,
	                                  NULL, f->errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_null(out);
	assert_non_null(strstr(f->errbuf, "to parse"));
	/* The same number of tags, properly closed, is fine. */
	ic_buf_reset(&in);
	for (int i = 0; i < 4000; i++)
		assert_int_equal(ic_buf_addf(&in, "<b id=%d></b><p>x</p>", i),
		                 IC_OK);
	assert_int_equal(ic_sanitize_html(f->a, in.buf, in.len, BASE, &out,
	                                  NULL, f->errbuf),
	                 IC_OK);
	ic_buf_release(&in);
}

static void test_sanitize_bad_arguments_are_refused(void **state)
{
	struct fx *f = *state;
	char *out = (char *)1;

	assert_int_equal(ic_sanitize_html(f->a, "<p>x", 4, "/relative", &out,
	                                  NULL, f->errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_null(out);
	assert_int_equal(ic_sanitize_html(f->a, "<p>x", 4, "javascript:x", &out,
	                                  NULL, f->errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(
	        ic_sanitize_html(f->a, NULL, 3, BASE, &out, NULL, f->errbuf),
	        IC_ERR_BAD_INPUT);
	assert_int_equal(ic_sanitize_text(f->a, NULL, 3, &out, f->errbuf),
	                 IC_ERR_BAD_INPUT);
	/* Nothing at all is an empty result. */
	assert_int_equal(
	        ic_sanitize_html(f->a, NULL, 0, BASE, &out, NULL, f->errbuf),
	        IC_OK);
	assert_string_equal(out, "");
	assert_int_equal(ic_sanitize_text(f->a, NULL, 0, &out, f->errbuf),
	                 IC_OK);
	assert_string_equal(out, "");
}

/* --- Plain text ----------------------------------------------------------- */

static void test_sanitize_text_drops_markup_and_script(void **state)
{
	assert_string_equal(text(state, "<p>Hello <b>world</b></p>"
	                                "<script>alert(1)</script>"
	                                "<style>p{}</style><p>again</p>"),
	                    "Hello world again");
	assert_string_equal(text(state, "&lt;b&gt; &amp; <i>x</i>"), "<b> & x");
}

static void test_sanitize_text_collapses_whitespace(void **state)
{
	assert_string_equal(text(state, "  a \n\t b<br>c<li>d</li>  "),
	                    "a b c d");
	assert_string_equal(text(state, "<b>no</b><i>space</i>"), "nospace");
	assert_string_equal(text(state, " \n "), "");
}

static void test_sanitize_text_images_read_as_alt(void **state)
{
	assert_string_equal(text(state, "see <img src=x alt=\" a  cat \">!"),
	                    "see [image: a cat]!");
	assert_string_equal(text(state, "<img src=x onerror=alert(1)>"),
	                    "[image]");
}

static void test_sanitize_text_has_no_terminal_escapes(void **state)
{
	/* ESC, BEL, DEL and C1 CSI (U+009B) would drive a terminal; they
	 * read as U+FFFD.  &#x9b; is not C1: HTML maps it to U+203A. */
	assert_string_equal(text(state, "a\x1b[2Jb\x07"
	                                "c\x7f"
	                                "d&#x9b;e\xc2\x9b"
	                                "f"),
	                    "a" FFFD "[2Jb" FFFD "c" FFFD "d\xe2\x80\xba"
	                    "e" FFFD "f");
	assert_string_equal(text(state, "\xe6\x97\xa5\xff"),
	                    "\xe6\x97\xa5" FFFD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	        T(test_sanitize_keeps_allowed_formatting_mc_3),
	        T(test_sanitize_h1_h2_become_h3_others_kept),
	        T(test_sanitize_unknown_elements_dropped_text_kept),
	        T(test_sanitize_allowed_attributes_only),
	        T(test_sanitize_cite_http_only_mc_3),
	        T(test_sanitize_link_kept_with_forced_rel_mc_3),
	        T(test_sanitize_script_urls_become_text_mc_3),
	        T(test_sanitize_link_without_href_becomes_text),
	        T(test_sanitize_relative_links_resolved_against_base),
	        T(test_sanitize_without_base_keeps_only_absolute_links),
	        T(test_sanitize_link_inside_link_is_not_nested),
	        T(test_sanitize_quotes_cannot_break_out_of_href),
	        T(test_sanitize_img_onerror_becomes_link_mc_3),
	        T(test_sanitize_img_with_script_src_is_text_only),
	        T(test_sanitize_script_dropped_with_content_mc_3),
	        T(test_sanitize_svg_and_iframe_dropped_mc_3),
	        T(test_sanitize_style_element_and_attribute_dropped),
	        T(test_sanitize_form_and_inputs_dropped),
	        T(test_sanitize_math_mxss_classics_mc_3),
	        T(test_sanitize_noscript_title_mxss_mc_3),
	        T(test_sanitize_comments_and_metadata_dropped),
	        T(test_sanitize_unbalanced_tags_get_balanced),
	        T(test_sanitize_blocks_the_parser_would_not_nest),
	        T(test_sanitize_deep_nesting_is_bounded_and_flattened),
	        T(test_sanitize_costly_nesting_is_refused_for_time),
	        T(test_sanitize_script_past_flatten_depth_still_dropped),
	        T(test_sanitize_pre_leading_newline_survives),
	        T(test_sanitize_text_is_escaped_sec_11),
	        T(test_sanitize_unicode_preserved),
	        T(test_sanitize_controls_and_bad_utf8_replaced),
	        T(test_sanitize_is_idempotent),
	        T(test_sanitize_output_passes_tidy),
	        T(test_sanitize_input_past_cap_is_too_large),
	        T(test_sanitize_output_past_cap_is_too_large),
	        T(test_sanitize_parser_memory_is_capped),
	        T(test_sanitize_bad_arguments_are_refused),
	        T(test_sanitize_text_drops_markup_and_script),
	        T(test_sanitize_text_collapses_whitespace),
	        T(test_sanitize_text_images_read_as_alt),
	        T(test_sanitize_text_has_no_terminal_escapes),
#undef T
	};

	return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
