/* test_mf2.c - the microformats2 parser (lib/mf2/mf2.c; MC-1, MC-2, MC-7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/ic_limits.h"
#include "mf2/mf2.h"

#define BASE "https://alice.example/feed/page"

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

/* Parse html at BASE, expecting success; the document. */
static cJSON *parse(struct fx *f, const char *html)
{
	cJSON *doc = NULL;

	assert_int_equal(
	        ic_mf2_parse(f->a, html, strlen(html), BASE, &doc, f->errbuf),
	        IC_OK);
	assert_non_null(doc);
	return doc;
}

static cJSON *item(cJSON *doc, int i)
{
	cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "items"), i);

	assert_non_null(it);
	return it;
}

/* properties[name][i] of an item. */
static cJSON *prop(cJSON *it, const char *name, int i)
{
	return cJSON_GetArrayItem(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(it, "properties"),
	                            name),
	        i);
}

static const char *prop_str(cJSON *it, const char *name, int i)
{
	cJSON *v = prop(it, name, i);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *member(cJSON *obj, const char *name)
{
	cJSON *v = cJSON_GetObjectItem(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A malloc'd document of `count` copies of `unit` between head and tail. */
static char *repeat(const char *head, const char *unit, size_t count,
                    const char *tail, size_t *len)
{
	struct ic_buf b = IC_BUF_INIT(64u << 20);

	assert_int_equal(ic_buf_adds(&b, head), IC_OK);
	for (size_t i = 0; i < count; i++)
		assert_int_equal(ic_buf_adds(&b, unit), IC_OK);
	assert_int_equal(ic_buf_adds(&b, tail), IC_OK);
	return ic_buf_take(&b, len);
}

/* --- MC-1: roots and properties -------------------------------------- */

static void test_mf2_h_entry_properties_parsed_mc_1(void **state)
{
	cJSON *doc =
	        parse(*state,
	              "<article class=\"h-entry\"><h1 class=\"p-name\">Hi"
	              "</h1><a class=\"u-url\" href=\"/m/1\">link</a>"
	              "<time class=\"dt-published\" datetime=\"2024-05-01"
	              "T12:00:00+02:00\">May 1</time><div class=\"e-content\">"
	              "<p>Hello</p></div></article>");
	cJSON *it = item(doc, 0);

	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(it, "type"), 0)
	                ->valuestring,
	        "h-entry");
	assert_string_equal(prop_str(it, "name", 0), "Hi");
	assert_string_equal(prop_str(it, "url", 0),
	                    "https://alice.example/m/1");
	assert_string_equal(prop_str(it, "published", 0),
	                    "2024-05-01T12:00:00+02:00");
	assert_string_equal(member(prop(it, "content", 0), "html"),
	                    "<p>Hello</p>");
	assert_string_equal(member(prop(it, "content", 0), "value"), "Hello");
}

static void test_mf2_root_names_lowercase_vendor_only_mc_1(void **state)
{
	cJSON *doc =
	        parse(*state, "<p class=\"h-Entry\">a</p>"
	                      "<p class=\"h-entry1\">b</p>"
	                      "<p class=\"h-x-chat h-entry h-entry\">c</p>");
	cJSON *items = cJSON_GetObjectItem(doc, "items");
	cJSON *type = cJSON_GetObjectItem(item(doc, 0), "type");

	assert_int_equal(cJSON_GetArraySize(items), 1);
	assert_int_equal(cJSON_GetArraySize(type), 2);
	assert_string_equal(cJSON_GetArrayItem(type, 0)->valuestring,
	                    "h-entry");
	assert_string_equal(cJSON_GetArrayItem(type, 1)->valuestring,
	                    "h-x-chat");
}

static void test_mf2_nested_author_hcard_has_value_mc_1(void **state)
{
	cJSON *doc = parse(
	        *state, "<div class=\"h-entry\"><a class=\"p-author h-card\" "
	                "href=\"https://alice.example/\">Alice</a>"
	                "<div class=\"h-cite\">quoted</div></div>");
	cJSON *author = prop(item(doc, 0), "author", 0);
	cJSON *children = cJSON_GetObjectItem(item(doc, 0), "children");

	assert_string_equal(member(author, "value"), "Alice");
	assert_string_equal(prop_str(author, "url", 0),
	                    "https://alice.example/");
	assert_int_equal(cJSON_GetArraySize(children), 1);
	/* A nested microformat means no implied name for the entry. */
	assert_null(prop(item(doc, 0), "name", 0));
}

static void test_mf2_no_implied_name_next_to_e_content_mp_3(void **state)
{
	cJSON *doc = parse(*state, "<div class=\"h-entry\"><div "
	                           "class=\"e-content\">text</div></div>"
	                           "<div class=\"h-entry\">just text</div>");

	assert_null(prop(item(doc, 0), "name", 0));
	assert_string_equal(prop_str(item(doc, 1), "name", 0), "just text");
}

static void test_mf2_relative_u_resolved_against_document_mc_1(void **state)
{
	cJSON *doc =
	        parse(*state, "<div class=\"h-card\"><a class=\"u-url\" "
	                      "href=\"../me?x=1\">Alice</a><img "
	                      "class=\"u-photo\" src=\"//cdn.example/a.png\">"
	                      "<a class=\"u-uid\" href=\"\">x</a></div>");
	cJSON *it = item(doc, 0);

	assert_string_equal(prop_str(it, "url", 0),
	                    "https://alice.example/me?x=1");
	assert_string_equal(prop_str(it, "photo", 0),
	                    "https://cdn.example/a.png");
	assert_string_equal(prop_str(it, "uid", 0), BASE);
}

static void test_mf2_base_href_honoured_mc_1(void **state)
{
	cJSON *doc = parse(*state, "<head><base href=\"/other/\"></head>"
	                           "<a class=\"h-card\" href=\"me\">Alice</a>");

	assert_string_equal(prop_str(item(doc, 0), "url", 0),
	                    "https://alice.example/other/me");
}

static void test_mf2_javascript_url_passed_through_mc_1(void **state)
{
	cJSON *doc =
	        parse(*state, "<div class=\"h-entry\"><a class=\"u-url\" "
	                      "href=\" javascript:alert(1)\">x</a>"
	                      "<a class=\"u-in-reply-to\" "
	                      "href=\"mailto:bob@bob.example\">y</a></div>");

	/* The parser does not judge schemes; consumers check (MC-5). */
	assert_string_equal(prop_str(item(doc, 0), "url", 0),
	                    "javascript:alert(1)");
	assert_string_equal(prop_str(item(doc, 0), "in-reply-to", 0),
	                    "mailto:bob@bob.example");
}

static void test_mf2_template_content_ignored_mc_1(void **state)
{
	cJSON *doc = parse(*state, "<template><div class=\"h-entry\">x</div>"
	                           "</template><div class=\"h-card\"><template "
	                           "class=\"p-name\">no</template>Bob</div>");
	cJSON *items = cJSON_GetObjectItem(doc, "items");

	assert_int_equal(cJSON_GetArraySize(items), 1);
	assert_string_equal(prop_str(item(doc, 0), "name", 0), "Bob");
}

static void test_mf2_id_kept_when_not_empty_mc_1(void **state)
{
	cJSON *doc = parse(*state, "<p class=\"h-entry\" id=\"m1\">a</p>"
	                           "<p class=\"h-entry\" id=\"\">b</p>");

	assert_string_equal(member(item(doc, 0), "id"), "m1");
	assert_null(cJSON_GetObjectItem(item(doc, 1), "id"));
}

/* --- MC-2: text and html ---------------------------------------------- */

static void test_mf2_e_content_html_keeps_script_mc_2(void **state)
{
	cJSON *doc = parse(
	        *state, "<div class=\"h-entry\"><div class=\"e-content\">text "
	                "<strong>bold</strong><script>x = 1</script>"
	                "<style>b {}</style></div></div>");
	cJSON *content = prop(item(doc, 0), "content", 0);

	/* Sanitising is a separate step (MC-3): html keeps <script>. */
	assert_string_equal(member(content, "html"),
	                    "text <strong>bold</strong><script>x = 1</script>"
	                    "<style>b {}</style>");
	assert_string_equal(member(content, "value"), "text bold");
}

static void test_mf2_p_text_drops_script_and_style_mc_2(void **state)
{
	cJSON *doc =
	        parse(*state, "<p class=\"h-entry\"><span class=\"p-name\">"
	                      "  A post<script>x()</script><style>p{}"
	                      "</style>\n</span></p>");

	assert_string_equal(prop_str(item(doc, 0), "name", 0), "A post");
}

static void test_mf2_e_html_relative_urls_absolutised_mc_2(void **state)
{
	cJSON *doc = parse(
	        *state, "<div class=\"h-entry\"><div class=\"e-content\"> <a "
	                "href=\"/x?a=1&amp;b=2\" title='say \"hi\"'>x</a> "
	                "<img src=\"p.png\" alt=\"\"> &lt;not a tag&gt; "
	                "</div></div>");

	assert_string_equal(
	        member(prop(item(doc, 0), "content", 0), "html"),
	        "<a href=\"https://alice.example/x?a=1&amp;b=2\" "
	        "title=\"say &quot;hi&quot;\">x</a> <img "
	        "src=\"https://alice.example/feed/p.png\" alt=\"\"> "
	        "&lt;not a tag&gt;");
}

static void test_mf2_img_alt_or_src_in_text_mc_2(void **state)
{
	cJSON *doc = parse(
	        *state, "<div class=\"h-entry\"><p class=\"p-summary\">a <img "
	                "alt=\"smile\"> b</p><div class=\"e-content\">c<img "
	                "src=\"i.png\"></div></div>");
	cJSON *it = item(doc, 0);

	assert_string_equal(prop_str(it, "summary", 0), "a smile b");
	assert_string_equal(member(prop(it, "content", 0), "value"),
	                    "c https://alice.example/feed/i.png");
}

static void test_mf2_rels_and_rel_urls_collected_mc_1(void **state)
{
	cJSON *doc = parse(*state,
	                   "<head><link rel=\"hub\" href=\"/hub\"></head>"
	                   "<a rel=\"prev  me\" href=\"/p/1\" title=\"Older\">"
	                   "older</a><a rel=\"prev\" href=\"/p/1\">again</a>");
	cJSON *rels = cJSON_GetObjectItem(doc, "rels");
	cJSON *entry = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "rel-urls"),
	                                   "https://alice.example/p/1");

	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(rels, "hub"), 0)
	                ->valuestring,
	        "https://alice.example/hub");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rels, "prev")),
	                 1);
	assert_non_null(cJSON_GetObjectItem(rels, "me"));
	assert_string_equal(member(entry, "text"), "older");
	assert_string_equal(member(entry, "title"), "Older");
	/* rel-urls "rels" sorted alphabetically; rels[rel] in document
	 * order. */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(entry, "rels")),
	                 2);
	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(entry, "rels"), 0)
	                ->valuestring,
	        "me");
	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(entry, "rels"), 1)
	                ->valuestring,
	        "prev");
}

static void test_mf2_rel_urls_rels_sorted_rels_in_order_mc_1(void **state)
{
	cJSON *doc = parse(*state, "<a rel=\"me home\" href=\"/z\">z</a>"
	                           "<a rel=\"me\" href=\"/a\">a</a>"
	                           "<a rel=\"alternate\" href=\"/z\">z</a>");
	cJSON *rels = cJSON_GetObjectItem(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "rel-urls"),
	                            "https://alice.example/z"),
	        "rels");
	cJSON *me = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "rels"), "me");

	assert_int_equal(cJSON_GetArraySize(rels), 3);
	assert_string_equal(cJSON_GetArrayItem(rels, 0)->valuestring,
	                    "alternate");
	assert_string_equal(cJSON_GetArrayItem(rels, 1)->valuestring, "home");
	assert_string_equal(cJSON_GetArrayItem(rels, 2)->valuestring, "me");
	assert_string_equal(cJSON_GetArrayItem(me, 0)->valuestring,
	                    "https://alice.example/z");
	assert_string_equal(cJSON_GetArrayItem(me, 1)->valuestring,
	                    "https://alice.example/a");
}

/* --- Backcompat (microformats1, issue 11) ------------------------------ */

/* An older WordPress theme: hAtom only.  What lib/feed/receive.c reads
 * (collect(), add_entry()) must be there: the h-feed's children are
 * h-entries with a url (rel=bookmark, the uid fallback), an author h-card
 * with a url (MC-5), a published date ic_mf2_datetime() accepts, and
 * content with html. */
static const char hatom_page[] =
        "<body class=\"home blog\"><div id=\"content\" class=\"hfeed\">"
        "<div class=\"post hentry p-name\">"
        "<h2 class=\"entry-title\"><a href=\"/2024/05/hello/\" "
        "rel=\"bookmark\">Hello world</a></h2>"
        "<span class=\"published\"><span class=\"value\">2024-05-01</span> "
        "at <span class=\"value\">10:30</span></span>"
        "<abbr class=\"updated\" title=\"2024-05-02T08:00:00+02:00\">"
        "May 2</abbr>"
        "<span class=\"author vcard\"><a class=\"url fn n\" "
        "href=\"/author/alice/\">Alice</a></span>"
        "<div class=\"entry-content\"><p>First <b>post</b>.</p></div>"
        "<a href=\"/tag/intro/\" rel=\"tag\">intro</a>"
        "<span class=\"u-url\">ignored</span>"
        "</div></div></body>";

static void test_mf2_hatom_page_gives_feed_and_entries_mc_4(void **state)
{
	cJSON *doc = parse(*state, hatom_page);
	cJSON *feed = item(doc, 0), *entry, *author, *content;
	long long when;

	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "items")),
	                 1);
	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(feed, "type"), 0)
	                ->valuestring,
	        "h-feed");
	/* No implied name on a classic root. */
	assert_null(prop(feed, "name", 0));
	entry = cJSON_GetArrayItem(cJSON_GetObjectItem(feed, "children"), 0);
	assert_non_null(entry);
	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(entry, "type"), 0)
	                ->valuestring,
	        "h-entry");
	assert_string_equal(prop_str(entry, "name", 0), "Hello world");
	/* rel=bookmark is u-url; the h-* u-url class is not read here. */
	assert_string_equal(prop_str(entry, "url", 0),
	                    "https://alice.example/2024/05/hello/");
	assert_null(prop(entry, "url", 1));
	assert_string_equal(prop_str(entry, "category", 0), "intro");
	assert_string_equal(prop_str(entry, "published", 0),
	                    "2024-05-01 10:30");
	assert_int_equal(
	        ic_mf2_datetime(prop_str(entry, "published", 0), &when, NULL),
	        IC_OK);
	assert_string_equal(prop_str(entry, "updated", 0),
	                    "2024-05-02T08:00:00+02:00");
	author = prop(entry, "author", 0);
	assert_string_equal(member(author, "value"), "Alice");
	assert_string_equal(prop_str(author, "url", 0),
	                    "https://alice.example/author/alice/");
	content = prop(entry, "content", 0);
	assert_string_equal(member(content, "html"),
	                    "<p>First <b>post</b>.</p>");
	assert_string_equal(member(content, "value"), "First post.");
}

/* The spec: classic roots only where there is no h-* root; inside an h-*
 * item classic property classes mean nothing; "item" is a root only
 * inside hreview. */
static void test_mf2_backcompat_roots_only_without_h_roots_mc_1(void **state)
{
	cJSON *doc = parse(
	        *state, "<div class=\"h-entry hentry\">"
	                "<span class=\"entry-title\">no</span>"
	                "<span class=\"p-name\">yes</span></div>"
	                "<div class=\"item\"><span class=\"fn\">x</span></div>"
	                "<div class=\"hreview\"><div class=\"item\">"
	                "<span class=\"fn\">Crepe</span></div></div>");
	cJSON *rev;

	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "items")),
	                 2);
	assert_string_equal(prop_str(item(doc, 0), "name", 0), "yes");
	assert_null(prop(item(doc, 0), "name", 1));
	rev = prop(item(doc, 1), "item", 0);
	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(rev, "type"), 0)
	                ->valuestring,
	        "h-item");
	assert_string_equal(prop_str(rev, "name", 0), "Crepe");
}

/* The include pattern: itemref adds the element's content; an include of
 * an ancestor, of itself or round a loop is skipped, not followed. */
static void test_mf2_backcompat_includes_bounded_mc_1(void **state)
{
	cJSON *doc =
	        parse(*state, "<div class=\"vcard\" itemref=\"org\">"
	                      "<span class=\"fn\">Ann</span></div>"
	                      "<p id=\"org\" class=\"org\">Acme</p>"
	                      "<div id=\"a\" class=\"vcard\" itemref=\"b a\">"
	                      "<span class=\"fn\">Loop</span></div>"
	                      "<div id=\"b\"><span class=\"include\">"
	                      "<a class=\"include\" href=\"#a\">a</a></span>"
	                      "<span class=\"note\">n</span></div>");
	cJSON *loop = item(doc, 1);

	assert_string_equal(prop_str(item(doc, 0), "org", 0), "Acme");
	assert_string_equal(prop_str(loop, "name", 0), "Loop");
	assert_string_equal(prop_str(loop, "note", 0), "n");
	assert_null(prop(loop, "note", 1));
}

static void test_mf2_empty_document_gives_empty_structure(void **state)
{
	struct fx *f = *state;
	cJSON *doc = NULL;

	assert_int_equal(ic_mf2_parse(f->a, NULL, 0, BASE, &doc, f->errbuf),
	                 IC_OK);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "items")),
	                 0);
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(doc, "rels")));
	assert_true(cJSON_IsObject(cJSON_GetObjectItem(doc, "rel-urls")));
}

static void test_mf2_bad_base_url_rejected(void **state)
{
	struct fx *f = *state;
	cJSON *doc = (cJSON *)f; /* must be reset to NULL */

	assert_int_equal(ic_mf2_parse(f->a, "<p>", 3, "ftp://x.example/", &doc,
	                              f->errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_null(doc);
	assert_int_equal(
	        ic_mf2_parse(f->a, "<p>", 3, "/relative", &doc, f->errbuf),
	        IC_ERR_BAD_INPUT);
	assert_int_equal(ic_mf2_parse(f->a, "<p>", 3, NULL, &doc, f->errbuf),
	                 IC_ERR_BAD_INPUT);
}

/* --- Value-class pattern and dates (MC-1, MC-7) ------------------------ */

static void test_mf2_vcp_date_time_tz_combined_mc_1(void **state)
{
	cJSON *doc = parse(
	        *state, "<div class=\"h-event\"><span class=\"p-name\">x</span>"
	                "<span class=\"dt-start\"><time class=\"value\" "
	                "datetime=\"2015-04-29\">29 April</time> at <span "
	                "class=\"value\">3:34pm</span><span class=\"value\">"
	                "+0130</span></span><span class=\"dt-end\"><span "
	                "class=\"value\">17:00</span></span></div>");
	cJSON *it = item(doc, 0);

	assert_string_equal(prop_str(it, "start", 0), "2015-04-29 15:34+01:30");
	/* The end's date is implied from the start's. */
	assert_string_equal(prop_str(it, "end", 0), "2015-04-29 17:00");
}

static void test_mf2_datetime_space_separator_accepted_mc_7(void **state)
{
	long long t = 0;

	(void)state;
	assert_int_equal(ic_mf2_datetime("2015-04-29 15:34", &t, NULL), IC_OK);
	assert_int_equal(t, 1430321640LL);
}

static void test_mf2_datetime_html5_forms_mc_7(void **state)
{
	static const char *const same[] = {
	        "2015-04-29T15:34",       "2015-04-29t15:34:00",
	        "2015-04-29T15:34:00Z",   "2015-04-29 15:34:00.123z",
	        "2015-04-29T17:34+02:00", "2015-04-29T17:34:00+0200",
	        "2015-04-29T14:34-01",    " 2015-04-29 15:34 "};
	long long t;

	(void)state;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		t = 0;
		assert_int_equal(ic_mf2_datetime(same[i], &t, NULL), IC_OK);
		assert_int_equal(t, 1430321640LL);
	}
	assert_int_equal(ic_mf2_datetime("2024-02-29", &t, NULL), IC_OK);
	assert_int_equal(t, 1709164800LL);
	assert_int_equal(ic_mf2_datetime("1969-12-31T23:00Z", &t, NULL), IC_OK);
	assert_int_equal(t, -3600LL);
}

static void test_mf2_datetime_bad_forms_rejected_mc_7(void **state)
{
	static const char *const bad[] = {"",
	                                  "yesterday",
	                                  "2015-04-29 15",
	                                  "2015-02-29",
	                                  "2015-13-01",
	                                  "2015-04-31",
	                                  "2015-04-29T24:00",
	                                  "2015-04-29T15:60",
	                                  "2015-04-29T15:34+2",
	                                  "2015-04-29X15:34",
	                                  "2015-4-29",
	                                  "2015-04-29T15:34:00."};
	long long t;
	char errbuf[IC_ERRBUF_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ic_mf2_datetime(bad[i], &t, errbuf),
		                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_mf2_datetime(NULL, &t, errbuf), IC_ERR_BAD_INPUT);
}

/* --- Limits (ic_limits.h, "mf2 parsing") -------------------------------- */

static void test_mf2_input_past_cap_too_large(void **state)
{
	struct fx *f = *state;
	cJSON *doc = NULL;

	/* The length alone is checked: no byte is read. */
	assert_int_equal(ic_mf2_parse(f->a, "", IC_MAX_MF2_INPUT_BYTES + 1,
	                              BASE, &doc, f->errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_null(doc);
	assert_non_null(strstr(f->errbuf, "larger than"));
}

/* 20,000 nested divs in 100 KB cost gumbo's tree building about 2e8
 * steps of walking its stack (quadratic in depth, 0.4 s here): refused by
 * the parse's time budget (about 50 ms for this size, text/html5.h), not
 * parsed and not estimated on the text. */
static void test_mf2_20000_nested_divs_refused_for_time(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *html =
	        repeat("<div class=\"h-entry\">", "<div>", 20000, "x", &len);
	cJSON *doc = NULL;

	assert_int_equal(ic_mf2_parse(f->a, html, len, BASE, &doc, f->errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_null(doc);
	assert_non_null(strstr(f->errbuf, "HTML too costly to parse: over "));
	assert_non_null(strstr(f->errbuf, " ms"));
	free(html);
}

/* Issue 11: 200 distinct nested <b>s, then "<p>x</p>" to about 34 KB.
 * Each <p> reopens every <b>, so gumbo would build a 300 MB tree; the
 * parse is refused at gumbo's budget (text/html5.h) and nothing is
 * returned.  The old code parsed it, taking seconds and 300 MB. */
static void test_mf2_cloned_formatting_refused_at_budget(void **state)
{
	struct fx *f = *state;
	struct ic_buf b = IC_BUF_INIT(64 * 1024);
	cJSON *doc = (cJSON *)1;

	assert_int_equal(ic_buf_adds(&b, "<p>"), IC_OK);
	for (int i = 0; i < 200; i++)
		assert_int_equal(ic_buf_addf(&b, "<b class=c%d>", i), IC_OK);
	while (b.len < 34 * 1024)
		assert_int_equal(ic_buf_adds(&b, "<p>x</p>"), IC_OK);
	assert_int_equal(
	        ic_mf2_parse(f->a, b.buf, b.len, BASE, &doc, f->errbuf),
	        IC_ERR_TOO_LARGE);
	assert_null(doc);
	assert_non_null(strstr(f->errbuf, "HTML too costly to parse"));
	ic_buf_release(&b);
}

static void test_mf2_deep_but_legal_nesting_parses(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *html = repeat("", "<div>", IC_MAX_MF2_DEPTH - 10,
	                    "<p class=\"h-card\">deep</p>", &len);
	cJSON *doc = NULL;

	assert_int_equal(ic_mf2_parse(f->a, html, len, BASE, &doc, f->errbuf),
	                 IC_OK);
	assert_string_equal(prop_str(item(doc, 0), "name", 0), "deep");
	free(html);
}

static void test_mf2_unclosed_paragraphs_do_not_count_as_nesting(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *html =
	        repeat("<div class=\"h-feed\">", "<p>x<li>y<br><img src=a>",
	               5 * IC_MAX_MF2_DEPTH, "</div>", &len);
	cJSON *doc = NULL;

	assert_int_equal(ic_mf2_parse(f->a, html, len, BASE, &doc, f->errbuf),
	                 IC_OK);
	free(html);
}

/* Issue 11, sloppy is not hostile: 300 unclosed <a>s in one paragraph.
 * HTML5 closes each <a> when the next one opens (the adoption agency),
 * so a browser's tree is 4 levels deep here; a text estimate of nesting
 * saw 300 and dropped the whole page.  The entry is parsed. */
static void test_mf2_unclosed_links_in_a_paragraph_keep_the_entry(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *html =
	        repeat("<article class=\"h-entry\"><p class=\"p-name\">",
	               "<a href=\"/x\">link ", 300, "</p></article>", &len);
	cJSON *doc = NULL;
	const char *name;

	assert_int_equal(ic_mf2_parse(f->a, html, len, BASE, &doc, f->errbuf),
	                 IC_OK);
	name = prop_str(item(doc, 0), "name", 0);
	assert_non_null(name);
	assert_int_equal(strlen(name), 300 * strlen("link ") - 1);
	free(html);
}

/* Issue 11: one entry nested 300 deep (past IC_MAX_MF2_DEPTH) beside a
 * normal one.  The page is not dropped: the normal entry comes through
 * whole, and the deep entry's part below the cap is ignored (its p-name
 * there is not seen). */
static void test_mf2_one_deep_entry_does_not_drop_the_page(void **state)
{
	struct fx *f = *state;
	struct ic_buf b = IC_BUF_INIT(64 * 1024);
	cJSON *doc = NULL, *kids, *deep;

	assert_int_equal(ic_buf_adds(&b,
	                             "<main class=\"h-feed\">"
	                             "<article class=\"h-entry\">"
	                             "<p class=\"p-name\">normal</p>"
	                             "</article><article class=\"h-entry\">"),
	                 IC_OK);
	for (int i = 0; i < 300; i++)
		assert_int_equal(ic_buf_adds(&b, "<div>"), IC_OK);
	assert_int_equal(ic_buf_adds(&b, "<p class=\"p-name\">deep</p>"),
	                 IC_OK);
	for (int i = 0; i < 300; i++)
		assert_int_equal(ic_buf_adds(&b, "</div>"), IC_OK);
	assert_int_equal(ic_buf_adds(&b, "</article></main>"), IC_OK);
	assert_int_equal(
	        ic_mf2_parse(f->a, b.buf, b.len, BASE, &doc, f->errbuf), IC_OK);
	kids = cJSON_GetObjectItem(item(doc, 0), "children");
	assert_int_equal(cJSON_GetArraySize(kids), 2);
	assert_string_equal(prop_str(cJSON_GetArrayItem(kids, 0), "name", 0),
	                    "normal");
	deep = cJSON_GetArrayItem(kids, 1);
	assert_true(prop_str(deep, "name", 0) == NULL ||
	            strstr(prop_str(deep, "name", 0), "deep") == NULL);
	ic_buf_release(&b);
}

static void test_mf2_100000_entries_refused(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *html = repeat("<main class=\"h-feed\">",
	                    "<div class=\"h-entry\">x</div>", 100000, "</main>",
	                    &len);
	cJSON *doc = NULL;

	assert_int_equal(ic_mf2_parse(f->a, html, len, BASE, &doc, f->errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "microformats"));
	assert_null(doc);
	free(html);
}

static void test_mf2_items_up_to_cap_parse(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *html = repeat("", "<p class=\"h-card\">x</p>", IC_MAX_MF2_ITEMS,
	                    "", &len);
	cJSON *doc = NULL;

	assert_int_equal(ic_mf2_parse(f->a, html, len, BASE, &doc, f->errbuf),
	                 IC_OK);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "items")),
	                 IC_MAX_MF2_ITEMS);
	free(html);
}

static void test_mf2_properties_past_cap_refused(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *html = repeat("<div class=\"h-entry\">", "<i class=\"p-a\">x</i>",
	                    IC_MAX_MF2_PROPERTIES + 1, "</div>", &len);
	cJSON *doc = NULL;

	assert_int_equal(ic_mf2_parse(f->a, html, len, BASE, &doc, f->errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "property values"));
	free(html);
}

static void test_mf2_nested_text_copies_past_cap_refused(void **state)
{
	struct fx *f = *state;
	size_t len, n = IC_MAX_MF2_INPUT_BYTES - 4096;
	char *big = malloc(n + 1), *html;
	cJSON *doc = NULL;

	/* 100 nested p-* elements would copy the same 5 MB text 100 times. */
	memset(big, 'a', n);
	big[n] = '\0';
	html = repeat("<div class=\"h-entry\">", "<div class=\"p-x\">", 100,
	              big, &len);
	assert_int_equal(ic_mf2_parse(f->a, html, len, BASE, &doc, f->errbuf),
	                 IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "bytes of text"));
	free(html);
	free(big);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_mf2_h_entry_properties_parsed_mc_1),
	        T(test_mf2_root_names_lowercase_vendor_only_mc_1),
	        T(test_mf2_nested_author_hcard_has_value_mc_1),
	        T(test_mf2_no_implied_name_next_to_e_content_mp_3),
	        T(test_mf2_relative_u_resolved_against_document_mc_1),
	        T(test_mf2_base_href_honoured_mc_1),
	        T(test_mf2_javascript_url_passed_through_mc_1),
	        T(test_mf2_template_content_ignored_mc_1),
	        T(test_mf2_id_kept_when_not_empty_mc_1),
	        T(test_mf2_e_content_html_keeps_script_mc_2),
	        T(test_mf2_p_text_drops_script_and_style_mc_2),
	        T(test_mf2_e_html_relative_urls_absolutised_mc_2),
	        T(test_mf2_img_alt_or_src_in_text_mc_2),
	        T(test_mf2_rels_and_rel_urls_collected_mc_1),
	        T(test_mf2_rel_urls_rels_sorted_rels_in_order_mc_1),
	        T(test_mf2_hatom_page_gives_feed_and_entries_mc_4),
	        T(test_mf2_backcompat_roots_only_without_h_roots_mc_1),
	        T(test_mf2_backcompat_includes_bounded_mc_1),
	        T(test_mf2_empty_document_gives_empty_structure),
	        T(test_mf2_bad_base_url_rejected),
	        T(test_mf2_vcp_date_time_tz_combined_mc_1),
	        T(test_mf2_datetime_space_separator_accepted_mc_7),
	        T(test_mf2_datetime_html5_forms_mc_7),
	        T(test_mf2_datetime_bad_forms_rejected_mc_7),
	        T(test_mf2_input_past_cap_too_large),
	        T(test_mf2_20000_nested_divs_refused_for_time),
	        T(test_mf2_deep_but_legal_nesting_parses),
	        T(test_mf2_unclosed_paragraphs_do_not_count_as_nesting),
	        T(test_mf2_unclosed_links_in_a_paragraph_keep_the_entry),
	        T(test_mf2_one_deep_entry_does_not_drop_the_page),
	        T(test_mf2_cloned_formatting_refused_at_budget),
	        T(test_mf2_100000_entries_refused),
	        T(test_mf2_items_up_to_cap_parse),
	        T(test_mf2_properties_past_cap_refused),
	        T(test_mf2_nested_text_copies_past_cap_refused),
	};

	return cmocka_run_group_tests_name("mf2", tests, NULL, NULL);
}
