/* test_mf2_publish.c - the static h-feed page and public stub
 * (lib/mf2/mf2_publish.c; STANDARDS.md §8 MP-1..MP-7, §3 WS-P-2/3/7, TE-8).
 * The two independent mf2 parsers check the same output in
 * tests/feed_parsers_test.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "mf2/mf2_publish.h"
#include "tidy_check.h"

#define TOPIC   "https://alice.example/indiechat/feed/t0p1c"
#define OLDER   TOPIC "/2"
#define HUB     "https://alice.example/indiechat/feed/hub"
#define TOKEN   "https://alice.example/indiechat/auth/token"
#define META    "https://alice.example/indiechat/auth/metadata"
#define ALICE   "https://alice.example/"
#define BOB     "https://bob.example/"
#define PHOTO   "https://alice.example/me.jpg"
#define HOSTILE "<script>alert(1)</script> &amp; \"q\" 'a'"
/* 2023-11-14T22:13:20Z */
#define T1 1700000000

static const struct ic_feed_entry entries[] = {
        {"https://alice.example/indiechat/m/3", TOPIC "#m3", T1 + 120, HOSTILE,
         NULL, NULL, 0, false, NULL, 0},
        {"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", TOPIC "#m2", T1 + 60,
         "first line\nsecond line\n\nnew paragraph", NULL, NULL, 0, false, NULL,
         0},
        {"tag:alice.example,2023:m1", TOPIC "#m1", T1, "Grüße, 日本 🎉", NULL,
         NULL, 0, false, NULL, 0},
};

static struct ic_feed_page sample(void)
{
	struct ic_feed_page p = {
	        .self_url = TOPIC,
	        .topic_url = TOPIC,
	        .hub_url = HUB,
	        .token_endpoint = TOKEN,
	        .metadata_url = META,
	        .prev_url = OLDER,
	        .name = "Alice to Bob",
	        .owner = {"Alice", ALICE, PHOTO},
	        .recipient = {"Bob", BOB, NULL},
	        .entries = entries,
	        .nentries = 3,
	        .revision = 7,
	        .updated = T1 + 120,
	};
	return p;
}

/* Render @p p as a page (or stub) and check the call succeeded. */
static char *render(const struct ic_feed_page *p, int stub)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	char err[IC_ERRBUF_SIZE] = "";
	enum ic_err rc;

	rc = stub ? ic_mf2_publish_stub(&b, p, err)
	          : ic_mf2_publish_page(&b, p, err);
	if (rc != IC_OK)
		print_error("render failed: %s\n", err);
	assert_int_equal(rc, IC_OK);
	return ic_buf_take(&b, NULL);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *s = strstr(hay, needle); s; s = strstr(s + 1, needle))
		n++;
	return n;
}

static void assert_tidy_clean(const char *html)
{
	char report[4096];
	int problems =
	        tidy_check_html(html, strlen(html), report, sizeof(report));

	if (problems != 0)
		print_error("%s\n", report);
	assert_int_equal(problems, 0);
}

/* The <head>, as a string the test frees. */
static char *head_of(const char *html)
{
	const char *end = strstr(html, "</head>");

	assert_non_null(end);
	return strndup(html, (size_t)(end - html));
}

/* Render @p p expecting @p want, with @p field named in the message. */
static void assert_refused(const struct ic_feed_page *p, enum ic_err want,
                           const char *field)
{
	struct ic_buf b = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	char err[IC_ERRBUF_SIZE] = "";

	assert_int_equal(ic_mf2_publish_page(&b, p, err), want);
	if (strstr(err, field) == NULL)
		print_error("errbuf \"%s\" does not name %s\n", err, field);
	assert_non_null(strstr(err, field));
	/* Input is checked before anything is written. */
	assert_int_equal(b.len, 0);
	ic_buf_release(&b);
}

/* --- Pages ------------------------------------------------------------ */

static void test_mf2_publish_page_is_tidy_clean_mp_7(void **state)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0);

	(void)state;
	assert_tidy_clean(html);
	free(html);
}

static void test_mf2_publish_empty_page_is_tidy_clean(void **state)
{
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	p.nentries = 0;
	p.prev_url = NULL;
	html = render(&p, 0);
	assert_tidy_clean(html);
	assert_int_equal(count(html, "h-entry"), 0);
	assert_non_null(strstr(html, "No messages yet."));
	free(html);
}

static void test_mf2_publish_full_page_is_tidy_clean(void **state)
{
	struct ic_feed_entry many[IC_FEED_PAGE_MAX];
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	for (size_t i = 0; i < IC_FEED_PAGE_MAX; i++)
		many[i] = entries[i % 3];
	p.entries = many;
	p.nentries = IC_FEED_PAGE_MAX;
	html = render(&p, 0);
	assert_tidy_clean(html);
	assert_int_equal(count(html, "class=\"h-entry\""), IC_FEED_PAGE_MAX);
	free(html);
}

/* Issue 10: the publisher once kept its own cap of 50, below the
 * configuration's maximum, so a conversation with feed_page_size = 100
 * stopped publishing at its 51st message.  Every page size the
 * configuration accepts must be publishable. */
static void
test_mf2_publish_largest_configurable_page_is_published(void **state)
{
	size_t n = IC_CONFIG_FEED_PAGE_SIZE_MAX;
	struct ic_feed_entry *many = calloc(n, sizeof(*many));
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	assert_non_null(many);
	for (size_t i = 0; i < n; i++)
		many[i] = entries[i % 3];
	p.entries = many;
	p.nentries = n;
	html = render(&p, 0);
	assert_int_equal(count(html, "class=\"h-entry\""), n);
	free(html);
	free(many);
}

static void
test_mf2_publish_head_has_one_self_hub_and_token_links_ws_p_2(void **state)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0), *head = head_of(html);

	(void)state;
	assert_int_equal(count(html, "rel=\"self\""), 1);
	assert_non_null(strstr(head, "<link rel=\"self\" href=\"" TOPIC "\">"));
	assert_non_null(strstr(head, "<link rel=\"hub\" href=\"" HUB "\">"));
	assert_non_null(strstr(
	        head, "<link rel=\"token_endpoint\" href=\"" TOKEN "\">"));
	assert_non_null(strstr(
	        head, "<link rel=\"indieauth-metadata\" href=\"" META "\">"));
	assert_non_null(strstr(head, "<meta charset=\"utf-8\">"));
	assert_non_null(
	        strstr(head, "<meta name=\"robots\" content=\"noindex\">"));
	assert_non_null(strstr(head, "<title>Alice to Bob (IndieChat)"));
	free(head);
	free(html);
}

static void test_mf2_publish_older_page_self_is_its_own_url_ws_p_3(void **state)
{
	struct ic_feed_page p = sample();
	char *html, *head;

	(void)state;
	p.self_url = OLDER;
	p.prev_url = TOPIC "/1";
	html = render(&p, 0);
	head = head_of(html);
	assert_int_equal(count(html, "rel=\"self\""), 1);
	assert_non_null(strstr(head, "rel=\"self\" href=\"" OLDER "\""));
	/* The h-feed's URL is still the topic (MP-1). */
	assert_non_null(strstr(html, "class=\"p-name u-url\" href=\"" TOPIC
	                             "\">Alice to Bob</a>"));
	free(head);
	free(html);
}

static void test_mf2_publish_prev_link_in_head_and_body_when_set(void **s)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0), *head = head_of(html);

	(void)s;
	assert_non_null(strstr(head, "<link rel=\"prev\" href=\"" OLDER "\">"));
	assert_non_null(strstr(html, "<a rel=\"prev\" href=\"" OLDER
	                             "\">Older messages</a>"));
	free(head);
	free(html);

	p.prev_url = NULL;
	html = render(&p, 0);
	assert_int_equal(count(html, "rel=\"prev\""), 0);
	assert_null(strstr(html, "Older messages"));
	free(html);
}

static void test_mf2_publish_feed_has_name_url_and_author_card_mp_1(void **s)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0);

	(void)s;
	assert_int_equal(count(html, "class=\"h-feed\""), 1);
	assert_non_null(strstr(html,
	                       "<h1><a class=\"p-name u-url\" href=\"" TOPIC
	                       "\">Alice to Bob</a></h1>"));
	assert_non_null(strstr(
	        html, "<span class=\"p-author h-card\"><img class=\"u-photo\" "
	              "src=\"" PHOTO "\" alt=\"\" width=\"48\" height=\"48\"> "
	              "<a class=\"p-name u-url\" href=\"" ALICE
	              "\">Alice</a></span>"));
	assert_non_null(strstr(html,
	                       "<time class=\"dt-updated\" "
	                       "datetime=\"2023-11-14T22:15:20+00:00\">"));
	free(html);
}

static void test_mf2_publish_photo_left_out_when_null(void **state)
{
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	p.owner.photo = NULL;
	html = render(&p, 0);
	assert_null(strstr(html, "u-photo"));
	assert_null(strstr(html, "<img"));
	assert_tidy_clean(html);
	free(html);
}

static void
test_mf2_publish_entry_has_uid_url_published_author_mp_2(void **state)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0);

	(void)state;
	assert_int_equal(count(html, "<article class=\"h-entry\">"), 3);
	assert_non_null(strstr(
	        html, "<a class=\"u-url\" href=\"" TOPIC "#m2\"><time "
	              "class=\"dt-published\" datetime=\"2023-11-14T22:14:20+"
	              "00:00\">2023-11-14 22:14 UTC</time></a><data "
	              "class=\"u-uid\" "
	              "value=\"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\">"
	              "</data>"));
	assert_non_null(strstr(html, "value=\"tag:alice.example,2023:m1\""));
	/* Every entry's author is the owner's h-card. */
	assert_int_equal(count(html, "<span class=\"p-author h-card\"><a "
	                             "class=\"p-name u-url\" href=\"" ALICE
	                             "\">Alice</a></span>"),
	                 3);
	free(html);
}

static void test_mf2_publish_entries_keep_caller_order_newest_first(void **s)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0);
	const char *m3 = strstr(html, "#m3\""), *m2 = strstr(html, "#m2\""),
	           *m1 = strstr(html, "#m1\"");

	(void)s;
	assert_non_null(m3);
	assert_non_null(m2);
	assert_non_null(m1);
	assert_true(m3 < m2 && m2 < m1);
	free(html);
}

static void test_mf2_publish_entries_have_no_p_name_mp_3(void **state)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0);

	(void)state;
	/* p-name appears only in h-cards (and the h-feed): one for the feed,
	 * one for its author, two cards per entry, each "p-name u-url". */
	assert_int_equal(count(html, "p-name"), 2 + 2 * 3);
	assert_int_equal(count(html, "class=\"p-name u-url\""), 2 + 2 * 3);
	assert_int_equal(count(html, "e-content"), 3);
	free(html);
}

static void test_mf2_publish_hostile_text_is_escaped_mp_4(void **state)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0);

	(void)state;
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(
	        html,
	        "<div class=\"e-content\"><p>&lt;script&gt;alert(1)&lt;/"
	        "script&gt; &amp;amp; &quot;q&quot; &#39;a&#39;</p></div>"));
	free(html);
}

static void test_mf2_publish_hostile_names_are_escaped_mp_4(void **state)
{
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	p.name = "<b>feed</b>";
	p.owner.name = "A\"lice<img src=x onerror=alert(1)>";
	p.recipient.name = "</span><script>x</script>";
	html = render(&p, 0);
	assert_null(strstr(html, "<b>"));
	assert_null(strstr(html, "<img src=x"));
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "&lt;b&gt;feed&lt;/b&gt;"));
	assert_tidy_clean(html);
	free(html);
}

static void test_mf2_publish_urls_in_text_are_not_linked_mp_4(void **state)
{
	struct ic_feed_entry e = {"u:1",
	                          TOPIC "#m",
	                          T1,
	                          "see https://evil.example/ and "
	                          "javascript:alert(1)",
	                          NULL,
	                          NULL,
	                          0,
	                          false,
	                          NULL,
	                          0};
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	p.entries = &e;
	p.nentries = 1;
	html = render(&p, 0);
	assert_null(strstr(html, "href=\"https://evil.example/"));
	assert_non_null(strstr(html, "<p>see https://evil.example/ and "
	                             "javascript:alert(1)</p>"));
	free(html);
}

/* The e-content markup of @p text, alone on a page. */
static void assert_content(const char *text, const char *want)
{
	struct ic_feed_entry e = {"u:1", TOPIC "#m", T1,    text, NULL,
	                          NULL,  0,          false, NULL, 0};
	struct ic_feed_page p = sample();
	char *html, *start, *end;

	p.entries = &e;
	p.nentries = 1;
	html = render(&p, 0);
	start = strstr(html, "<div class=\"e-content\">");
	assert_non_null(start);
	start += strlen("<div class=\"e-content\">");
	end = strstr(start, "</div>");
	assert_non_null(end);
	*end = '\0';
	assert_string_equal(start, want);
	free(html);
}

static void test_mf2_publish_blank_lines_make_paragraphs_newlines_br(void **s)
{
	(void)s;
	assert_content("one", "<p>one</p>");
	assert_content("a\nb", "<p>a<br>\nb</p>");
	assert_content("a\n\nb", "<p>a</p>\n<p>b</p>");
	assert_content("a\n \t\n\n\nb\nc", "<p>a</p>\n<p>b<br>\nc</p>");
	assert_content("\n\n  a\n\n", "<p>  a</p>");
	assert_content("a\r\nb\r\n\r\nc\rd",
	               "<p>a<br>\nb</p>\n<p>c<br>\nd</p>");
}

static void test_mf2_publish_blank_text_gives_empty_content(void **state)
{
	(void)state;
	assert_content("", "");
	assert_content(" \n\t\r\n", "");
}

static void test_mf2_publish_bad_utf8_and_controls_cleaned_mp_4(void **state)
{
	struct ic_feed_entry e = {"u:1",
	                          TOPIC "#m",
	                          T1,
	                          "a\xff"
	                          "b\x01"
	                          "c\x7f"
	                          "d\xc2\x85"
	                          "e",
	                          NULL,
	                          NULL,
	                          0,
	                          false,
	                          NULL,
	                          0};
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	p.entries = &e;
	p.nentries = 1;
	html = render(&p, 0);
	assert_non_null(strstr(html, "<p>a\xef\xbf\xbd"
	                             "bcde</p>"));
	assert_tidy_clean(html);
	free(html);
}

static void test_mf2_publish_recipient_is_category_h_card_mp_5(void **state)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 0);

	(void)state;
	assert_int_equal(count(html, " to <span class=\"u-category h-card\"><a "
	                             "class=\"p-name u-url\" href=\"" BOB
	                             "\">Bob</a></span>"),
	                 3);
	free(html);
}

static void test_mf2_publish_nameless_person_shows_url(void **state)
{
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	p.recipient.name = " ";
	html = render(&p, 0);
	assert_non_null(strstr(html, "href=\"" BOB "\">" BOB "</a>"));
	assert_tidy_clean(html);
	free(html);
}

static void test_mf2_publish_page_is_byte_deterministic(void **state)
{
	struct ic_feed_page p = sample();
	char *a = render(&p, 0), *b = render(&p, 0);

	(void)state;
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* --- The public stub (MP-6, WS-P-7) ------------------------------------ */

static void test_mf2_publish_stub_is_tidy_clean_mp_6(void **state)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 1);

	(void)state;
	assert_tidy_clean(html);
	free(html);
}

static void test_mf2_publish_stub_holds_nothing_private_ws_p_7(void **state)
{
	struct ic_feed_page p = sample();
	char *html = render(&p, 1);

	(void)state;
	assert_null(strstr(html, "h-entry"));
	assert_null(strstr(html, "e-content"));
	assert_null(strstr(html, "script"));
	assert_null(strstr(html, "second line"));
	assert_null(strstr(html, "Gr\xc3\xbc"));
	assert_null(strstr(html, "urn:uuid"));
	assert_null(strstr(html, "#m"));
	/* Neither the recipient nor the conversation's name. */
	assert_null(strstr(html, "bob"));
	assert_null(strstr(html, "Bob"));
	assert_null(strstr(html, "Alice to Bob"));
	assert_null(strstr(html, "rel=\"prev\""));
	free(html);
}

static void test_mf2_publish_stub_has_feed_author_and_links_mp_6(void **s)
{
	struct ic_feed_page p = sample();
	char *html, *head;

	(void)s;
	/* Whichever page p describes, the stub's self is the topic. */
	p.self_url = OLDER;
	html = render(&p, 1);
	head = head_of(html);
	assert_int_equal(count(html, "rel=\"self\""), 1);
	assert_non_null(strstr(head, "<link rel=\"self\" href=\"" TOPIC "\">"));
	assert_non_null(strstr(head, "<link rel=\"hub\" href=\"" HUB "\">"));
	assert_non_null(strstr(head, "rel=\"token_endpoint\""));
	assert_non_null(strstr(head, "rel=\"indieauth-metadata\""));
	assert_int_equal(count(html, "class=\"h-feed\""), 1);
	assert_non_null(strstr(html, "<a class=\"p-name u-url\" href=\"" TOPIC
	                             "\">Private feed</a>"));
	assert_non_null(strstr(html, "<span class=\"p-author h-card\">"));
	assert_non_null(strstr(html, "href=\"" ALICE "\">Alice</a>"));
	assert_non_null(strstr(html, "Revision 7, updated <time "
	                             "class=\"dt-updated\" datetime=\"2023-11-"
	                             "14T22:15:20+00:00\">"));
	free(head);
	free(html);
}

static void test_mf2_publish_stub_changes_with_every_send_ws_p_7(void **s)
{
	struct ic_feed_page p = sample();
	char *a = render(&p, 1), *same = render(&p, 1), *b, *c;

	(void)s;
	p.revision++;
	b = render(&p, 1);
	p.revision--;
	p.updated++;
	c = render(&p, 1);
	assert_string_equal(a, same);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	free(a);
	free(same);
	free(b);
	free(c);
}

static void test_mf2_publish_stub_ignores_entries_and_name(void **state)
{
	struct ic_feed_page p = sample();
	char *a = render(&p, 1), *b;

	(void)state;
	p.name = NULL;
	p.entries = NULL;
	p.nentries = 0;
	p.recipient.url = NULL;
	b = render(&p, 1);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* --- Bad input --------------------------------------------------------- */

static void test_mf2_publish_refuses_non_http_urls_mp_4(void **state)
{
	struct ic_feed_page p = sample();

	(void)state;
	p.owner.url = "javascript:alert(1)";
	assert_refused(&p, IC_ERR_BAD_INPUT, "owner.url");
	p = sample();
	p.hub_url = "/relative/hub";
	assert_refused(&p, IC_ERR_BAD_INPUT, "hub_url");
	p = sample();
	p.recipient.url = "mailto:bob@bob.example";
	assert_refused(&p, IC_ERR_BAD_INPUT, "recipient.url");
	p = sample();
	p.owner.photo = "data:image/png;base64,AAAA";
	assert_refused(&p, IC_ERR_BAD_INPUT, "owner.photo");
	p = sample();
	p.prev_url = "//alice.example/older";
	assert_refused(&p, IC_ERR_BAD_INPUT, "prev_url");
	p = sample();
	p.token_endpoint = "https://a.example/\ttoken";
	assert_refused(&p, IC_ERR_BAD_INPUT, "token_endpoint");
}

static void test_mf2_publish_accepts_uppercase_scheme(void **state)
{
	struct ic_feed_page p = sample();
	char *html;

	(void)state;
	p.metadata_url = "HTTPS://alice.example/meta";
	html = render(&p, 0);
	assert_non_null(strstr(html, "href=\"HTTPS://alice.example/meta\""));
	free(html);
}

static void test_mf2_publish_refuses_bad_entry_fields(void **state)
{
	struct ic_feed_entry e = {"u:1", TOPIC "#m", T1,    "x",  NULL,
	                          NULL,  0,          false, NULL, 0};
	struct ic_feed_page p = sample();

	(void)state;
	p.entries = &e;
	p.nentries = 1;
	e.uid = "has space";
	assert_refused(&p, IC_ERR_BAD_INPUT, "entries[0].uid");
	e.uid = "";
	assert_refused(&p, IC_ERR_BAD_INPUT, "entries[0].uid");
	e.uid = "u:\n1";
	assert_refused(&p, IC_ERR_BAD_INPUT, "entries[0].uid");
	e.uid = "u:1";
	e.url = "#m";
	assert_refused(&p, IC_ERR_BAD_INPUT, "entries[0].url");
	e.url = TOPIC "#m";
	e.published = -1;
	assert_refused(&p, IC_ERR_BAD_INPUT, "published");
	e.published = (time_t)253402300800LL; /* year 10000 */
	assert_refused(&p, IC_ERR_BAD_INPUT, "published");
	e.published = T1;
	e.text = NULL;
	assert_refused(&p, IC_ERR_INTERNAL, "entries[0].text");
}

static void test_mf2_publish_refuses_missing_fields_as_bugs(void **state)
{
	struct ic_feed_page p = sample();
	struct ic_buf b = IC_BUF_INIT(1024);

	(void)state;
	p.hub_url = NULL;
	assert_refused(&p, IC_ERR_INTERNAL, "hub_url");
	p = sample();
	p.name = " \n";
	assert_refused(&p, IC_ERR_INTERNAL, "name");
	p = sample();
	p.owner.name = NULL;
	assert_refused(&p, IC_ERR_INTERNAL, "owner.name");
	p = sample();
	p.entries = NULL;
	assert_refused(&p, IC_ERR_INTERNAL, "entries");
	assert_int_equal(ic_mf2_publish_page(&b, NULL, NULL), IC_ERR_INTERNAL);
	assert_int_equal(ic_mf2_publish_stub(NULL, &p, NULL), IC_ERR_INTERNAL);
}

static void test_mf2_publish_refuses_more_than_a_page_of_entries(void **s)
{
	struct ic_feed_entry many[IC_FEED_PAGE_MAX + 1];
	struct ic_feed_page p = sample();

	(void)s;
	for (size_t i = 0; i <= IC_FEED_PAGE_MAX; i++)
		many[i] = entries[0];
	p.entries = many;
	p.nentries = IC_FEED_PAGE_MAX + 1;
	assert_refused(&p, IC_ERR_TOO_LARGE, "IC_FEED_PAGE_MAX");
}

static void test_mf2_publish_stub_refuses_bad_owner_and_time(void **state)
{
	struct ic_feed_page p = sample();
	struct ic_buf b = IC_BUF_INIT(IC_MAX_RESPONSE_BYTES);
	char err[IC_ERRBUF_SIZE] = "";

	(void)state;
	p.owner.url = "ftp://alice.example/";
	assert_int_equal(ic_mf2_publish_stub(&b, &p, err), IC_ERR_BAD_INPUT);
	assert_non_null(strstr(err, "owner.url"));
	p = sample();
	p.updated = -5;
	assert_int_equal(ic_mf2_publish_stub(&b, &p, err), IC_ERR_BAD_INPUT);
	assert_non_null(strstr(err, "updated"));
	ic_buf_release(&b);
}

static void
test_mf2_publish_output_past_cap_fails_and_empties_buffer(void **state)
{
	struct ic_feed_page p = sample();
	struct ic_buf b = IC_BUF_INIT(1000);
	char err[IC_ERRBUF_SIZE] = "";

	(void)state;
	assert_int_equal(ic_mf2_publish_page(&b, &p, err), IC_ERR_TOO_LARGE);
	assert_int_equal(b.len, 0);
	assert_non_null(strstr(err, "page does not fit"));
	assert_int_equal(ic_mf2_publish_stub(&b, &p, NULL), IC_ERR_TOO_LARGE);
	assert_int_equal(b.len, 0);
	ic_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_mf2_publish_page_is_tidy_clean_mp_7),
	        cmocka_unit_test(test_mf2_publish_empty_page_is_tidy_clean),
	        cmocka_unit_test(test_mf2_publish_full_page_is_tidy_clean),
	        cmocka_unit_test(
	                test_mf2_publish_largest_configurable_page_is_published),
	        cmocka_unit_test(
	                test_mf2_publish_head_has_one_self_hub_and_token_links_ws_p_2),
	        cmocka_unit_test(
	                test_mf2_publish_older_page_self_is_its_own_url_ws_p_3),
	        cmocka_unit_test(
	                test_mf2_publish_prev_link_in_head_and_body_when_set),
	        cmocka_unit_test(
	                test_mf2_publish_feed_has_name_url_and_author_card_mp_1),
	        cmocka_unit_test(test_mf2_publish_photo_left_out_when_null),
	        cmocka_unit_test(
	                test_mf2_publish_entry_has_uid_url_published_author_mp_2),
	        cmocka_unit_test(
	                test_mf2_publish_entries_keep_caller_order_newest_first),
	        cmocka_unit_test(test_mf2_publish_entries_have_no_p_name_mp_3),
	        cmocka_unit_test(test_mf2_publish_hostile_text_is_escaped_mp_4),
	        cmocka_unit_test(
	                test_mf2_publish_hostile_names_are_escaped_mp_4),
	        cmocka_unit_test(
	                test_mf2_publish_urls_in_text_are_not_linked_mp_4),
	        cmocka_unit_test(
	                test_mf2_publish_blank_lines_make_paragraphs_newlines_br),
	        cmocka_unit_test(
	                test_mf2_publish_blank_text_gives_empty_content),
	        cmocka_unit_test(
	                test_mf2_publish_bad_utf8_and_controls_cleaned_mp_4),
	        cmocka_unit_test(
	                test_mf2_publish_recipient_is_category_h_card_mp_5),
	        cmocka_unit_test(test_mf2_publish_nameless_person_shows_url),
	        cmocka_unit_test(test_mf2_publish_page_is_byte_deterministic),
	        cmocka_unit_test(test_mf2_publish_stub_is_tidy_clean_mp_6),
	        cmocka_unit_test(
	                test_mf2_publish_stub_holds_nothing_private_ws_p_7),
	        cmocka_unit_test(
	                test_mf2_publish_stub_has_feed_author_and_links_mp_6),
	        cmocka_unit_test(
	                test_mf2_publish_stub_changes_with_every_send_ws_p_7),
	        cmocka_unit_test(
	                test_mf2_publish_stub_ignores_entries_and_name),
	        cmocka_unit_test(test_mf2_publish_refuses_non_http_urls_mp_4),
	        cmocka_unit_test(test_mf2_publish_accepts_uppercase_scheme),
	        cmocka_unit_test(test_mf2_publish_refuses_bad_entry_fields),
	        cmocka_unit_test(
	                test_mf2_publish_refuses_missing_fields_as_bugs),
	        cmocka_unit_test(
	                test_mf2_publish_refuses_more_than_a_page_of_entries),
	        cmocka_unit_test(
	                test_mf2_publish_stub_refuses_bad_owner_and_time),
	        cmocka_unit_test(
	                test_mf2_publish_output_past_cap_fails_and_empties_buffer),
	};

	return cmocka_run_group_tests_name("mf2_publish", tests, NULL, NULL);
}
