/*
 * test_pages.c - the owner's pages and their live JSON (lib/page*.c;
 * docs/web.md "Pages"): inbox, contacts, conversation and settings
 * rendered in-process with a stored session, checked for the security
 * headers, escaping of hostile correspondent data (SEC-11), tidy
 * cleanliness (STYLE.md "Tests"), the sign-in redirect without a session
 * (IA-C-20), ETag/304 and the delivery state of our messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/file.h"
#include "fixture.h"
#include "web/page_conversation.h"
#include "web/page_inbox.h"
#include "web/page_status.h"
#include "store/store_conv.h"
#include "store/store_msg.h"
#include "tidy_check.h"

#define SID     "owner-session-0123456789abcdefghijklmnopqrs"
#define CONV_A  "abcdefghijklmnopqrstuvwxyz"
#define CONV_B  "bbbbbbbbbbbbbbbbbbbbbbbbbb"
#define BOB     "https://bob.example/"
#define CAROL   "https://carol.example/"
#define HOSTILE "<script>alert(1)</script>"
#define ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;"
#define SAFE    "<p>Hello <em>there</em></p>"

/* As in cgi-bin/feed.c and cgi-bin/auth.c (tests/unit/test_programs.c
 * checks the real tables carry these needs). */
static const struct ic_route feed_routes[] = {
        {"GET", "/", ic_page_inbox, IC_NEED_OWNER_PAGE, ""},
        {"GET", "/contacts", ic_page_contacts, IC_NEED_OWNER_PAGE, ""},
        {"GET", "/with/{conv}", ic_page_conversation, IC_NEED_OWNER_PAGE, ""},
        {"GET", "/api/inbox", ic_page_api_inbox, IC_NEED_OWNER_API, ""},
        {"GET", "/api/with/{conv}", ic_page_api_conversation, IC_NEED_OWNER_API,
         ""},
};
static const struct ic_route auth_routes[] = {
        {"GET", "/settings", ic_page_settings, IC_NEED_OWNER_PAGE, ""},
};

/* --- Seeding -----------------------------------------------------------------
 */

struct seed {
	struct ic_arena *a;
	const char *photo;
	bool messages;
};

static enum ic_err msg(struct ic_store_txn *t, struct ic_arena *a, char dir,
                       long long seq, long long order, const char *text,
                       const char *html)
{
	long long t0 = 1790000000;
	struct ic_msg m = {0};

	m.conv = CONV_A;
	m.dir = dir;
	m.seq = seq;
	m.uid = ic_arena_printf(a, "%s/%c/%lld", BOB, dir, seq);
	m.url = m.uid;
	m.published = t0 + order * 60;
	m.received = t0 + order * 60;
	m.order = order;
	m.text = text;
	m.html = html;
	m.author = dir == 'o' ? IC_FX_ME : BOB;
	return ic_store_msg_put_in_txn(t, a, &m);
}

static enum ic_err seed_in_txn(struct ic_store_txn *t, void *ctx)
{
	struct seed *s = ctx;
	struct ic_conv a = {0}, b = {0};
	enum ic_err rc;

	a.id = CONV_A;
	a.peer = BOB;
	a.state = IC_CONV_ACTIVE;
	a.created = 1789999000;
	a.updated = 1790000400;
	a.out_seq = 3;
	a.in_seq = 2;
	a.unread = 2;
	a.page_size = 50;
	a.peer_name = "Bob " HOSTILE;
	a.peer_photo = s->photo;
	a.notified_seq = 2;
	a.fetched_seq = 1;
	b.id = CONV_B;
	b.peer = CAROL;
	b.state = IC_CONV_REQUEST;
	b.created = 1790000100;
	b.updated = 1790000100;
	b.unread = 1;
	b.page_size = 50;
	rc = ic_store_conv_put_in_txn(t, s->a, &a);
	if (!rc)
		rc = ic_store_conv_put_in_txn(t, s->a, &b);
	if (rc || !s->messages)
		return rc;
	if (!rc)
		rc = msg(t, s->a, 'o', 1, 1, "first from us", NULL);
	if (!rc)
		rc = msg(t, s->a, 'i', 1, 2, "Hello there", SAFE);
	if (!rc)
		rc = msg(t, s->a, 'o', 2, 3, HOSTILE, NULL);
	if (!rc)
		rc = msg(t, s->a, 'i', 2, 4, "they say " HOSTILE, NULL);
	if (!rc)
		rc = msg(t, s->a, 'o', 3, 5, "third from us", NULL);
	return rc;
}

static void seed(struct ic_fx *fx, const char *photo, bool messages)
{
	struct seed s = {ic_arena_new(0), photo, messages};

	assert_int_equal(ic_fx_txn(fx, NULL, true, seed_in_txn, &s), IC_OK);
	ic_arena_free(s.a);
}

static int setup(void **state)
{
	struct ic_fx *fx;

	if (ic_fx_setup(state) != 0)
		return -1;
	fx = *state;
	ic_fx_session(fx, SID, IC_FX_ME, (long long)time(NULL) + 3600);
	seed(fx, "https://bob.example/photo.jpg", true);
	return 0;
}

/* --- Requests
 * ------------------------------------------------------------------ */

static void page(struct ic_fx *fx, struct ic_fx_run *r, const char *path,
                 bool signed_in)
{
	bool auth = strcmp(path, "/settings") == 0;
	struct ic_fx_call c = {.program = auth ? "auth" : "feed",
	                       .method = "GET",
	                       .path = path};

	c.cookie = signed_in ? ic_fx_cookie(fx, SID) : NULL;
	if (auth)
		ic_fx_run(fx, auth_routes, 1, &c, r);
	else
		ic_fx_run(fx, feed_routes, 5, &c, r);
}

static void api(struct ic_fx *fx, struct ic_fx_run *r, const char *path,
                const char *query, const char *inm)
{
	struct ic_fx_call c = {.program = "feed",
	                       .method = "GET",
	                       .path = path,
	                       .query = query,
	                       .if_none_match = inm};

	c.cookie = ic_fx_cookie(fx, SID);
	ic_fx_run(fx, feed_routes, 5, &c, r);
}

static void assert_tidy(const struct ic_fx_run *r)
{
	char report[4096] = "";
	int n = tidy_check_html(r->body, strlen(r->body), report,
	                        sizeof(report));

	if (n != 0)
		fail_msg("tidy: %d problem(s):\n%s", n, report);
}

/* 200 text/html with the frame's security headers, tidy-clean, and no
 * hostile markup anywhere. */
static void assert_owner_page(const struct ic_fx_run *r)
{
	assert_int_equal(r->rc, IC_OK);
	assert_int_equal(r->status, 200);
	assert_true(ic_fx_has_header(r, "Content-Type: text/html"));
	assert_true(ic_fx_has_header(r, "Content-Security-Policy: "));
	assert_true(ic_fx_has_header(r, "frame-ancestors 'none'"));
	assert_true(ic_fx_has_header(r, "X-Frame-Options: DENY\r\n"));
	assert_true(ic_fx_has_header(r, "Cache-Control: no-store\r\n"));
	assert_true(ic_fx_has_header(r, "X-Content-Type-Options: nosniff"));
	assert_null(strstr(r->body, HOSTILE));
	assert_null(strstr(r->body, "<script>alert"));
	assert_tidy(r);
}

/* --- Pages with a session ----------------------------------------------------
 */

static void
test_pages_inbox_renders_requests_and_conversations_sec_11(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	page(fx, &r, "/", true);
	assert_owner_page(&r);
	/* Unread of open conversations, requests included. */
	assert_non_null(strstr(r.body, "<title>(3) Inbox"));
	assert_non_null(strstr(r.body, "id=\"requests\""));
	assert_non_null(
	        strstr(r.body, "class=\"request\" data-peer=\"" CAROL "\""));
	assert_non_null(strstr(r.body, "form class=\"accept\""));
	assert_non_null(strstr(r.body, "form class=\"decline\""));
	assert_non_null(strstr(r.body, "form class=\"block\""));
	assert_non_null(strstr(r.body, "id=\"conversations\""));
	assert_non_null(strstr(r.body, "data-conv=\"" CONV_A "\""));
	assert_non_null(strstr(r.body, "Bob " ESCAPED));
	assert_non_null(strstr(r.body, "form id=\"invite\""));
	assert_non_null(strstr(r.body, "<label for=\"invite-url\">"));
	/* Every form carries the CSRF token. */
	assert_non_null(strstr(r.body, "name=\"csrf\""));
	ic_fx_done(&r);
}

static void test_pages_contacts_render_escaped_sec_11(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	page(fx, &r, "/contacts", true);
	assert_owner_page(&r);
	assert_non_null(
	        strstr(r.body, "class=\"contact\" data-peer=\"" BOB "\""));
	assert_non_null(
	        strstr(r.body, "class=\"contact\" data-peer=\"" CAROL "\""));
	assert_non_null(strstr(r.body, "form class=\"revoke\""));
	assert_non_null(strstr(r.body, ESCAPED));
	ic_fx_done(&r);
}

static void
test_pages_conversation_escapes_text_keeps_sanitized_html_sec_11(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	const char *in1, *out2;

	page(fx, &r, "/with/" CONV_A, true);
	assert_owner_page(&r);
	assert_non_null(strstr(r.body, "id=\"messages\""));
	/* Our hostile text and theirs come out as text. */
	assert_non_null(strstr(r.body, "<p class=\"text\">" ESCAPED "</p>"));
	assert_non_null(strstr(r.body, "they say " ESCAPED));
	/* Their sanitized HTML is kept as markup. */
	assert_non_null(strstr(r.body, "<div class=\"text\">" SAFE "</div>"));
	/* The title (their name) is escaped too. */
	assert_non_null(strstr(r.body, "<title>Bob " ESCAPED));
	assert_non_null(strstr(r.body,
	                       "img class=\"photo\" "
	                       "src=\"https://bob.example/photo.jpg\""));
	assert_non_null(strstr(r.body, "form id=\"compose\""));
	/* The site's attachment caps (the defaults here) for the script's
	 * check before an upload, and blob: for its previews. */
	assert_non_null(strstr(r.body, "data-max-file=\"10485760\" "
	                               "data-max-message=\"26214400\" "
	                               "data-max-files=\"10\">"));
	assert_true(ic_fx_has_header(&r, "img-src * data: blob:;"));
	assert_non_null(strstr(
	        r.body, "<label for=\"text\" class=\"vh\">Message</label>"));
	assert_non_null(strstr(r.body, "name=\"to\" value=\"" BOB "\""));
	/* In time order: out 1, in 1, out 2, in 2, out 3. */
	in1 = strstr(r.body, "id=\"m-i-1\"");
	out2 = strstr(r.body, "id=\"m-o-2\"");
	assert_non_null(in1);
	assert_non_null(out2);
	assert_true(strstr(r.body, "id=\"m-o-1\"") < in1);
	assert_true(in1 < out2);
	assert_true(out2 < strstr(r.body, "id=\"m-i-2\""));
	assert_true(strstr(r.body, "id=\"m-i-2\"") <
	            strstr(r.body, "id=\"m-o-3\""));
	ic_fx_done(&r);
}

/* The first .state after @p item says @p want: as its data-state (the
 * mark the style sheet draws) and as its text (the text alternative). */
static void assert_state(const char *item, const char *want)
{
	const char *st = strstr(item, "class=\"state\" data-state=\"");
	const char *vh;
	size_t n = strlen(want);

	assert_non_null(st);
	st += strlen("class=\"state\" data-state=\"");
	assert_memory_equal(st, want, n);
	assert_int_equal(st[n], '"');
	vh = strstr(st, "<span class=\"vh\">");
	assert_non_null(vh);
	vh += strlen("<span class=\"vh\">");
	assert_memory_equal(vh, want, n);
	assert_int_equal(vh[n], '<');
}

static void test_pages_conversation_delivery_states(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	const char *o1, *o2, *o3;

	page(fx, &r, "/with/" CONV_A, true);
	assert_int_equal(r.status, 200);
	o1 = strstr(r.body, "id=\"m-o-1\"");
	o2 = strstr(r.body, "id=\"m-o-2\"");
	o3 = strstr(r.body, "id=\"m-o-3\"");
	assert_non_null(o1);
	assert_non_null(o2);
	assert_non_null(o3);
	/* fetched_seq 1, notified_seq 2. */
	assert_state(o1, "fetched");
	assert_state(o2, "notified");
	assert_state(o3, "stored");
	ic_fx_done(&r);
}

static void test_pages_conversation_hostile_photo_not_shown_sec_11(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	seed(fx, "javascript:alert(1)", false);
	page(fx, &r, "/with/" CONV_A, true);
	assert_owner_page(&r);
	assert_null(strstr(r.body, "javascript:"));
	assert_null(strstr(r.body, "img class=\"photo\""));
	ic_fx_done(&r);
}

static void test_pages_conversation_unknown_is_404(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	page(fx, &r, "/with/zzzzzzzzzzzzzzzzzzzzzzzzzz", true);
	assert_int_equal(r.status, 404);
	ic_fx_done(&r);
	api(fx, &r, "/api/with/zzzzzzzzzzzzzzzzzzzzzzzzzz", NULL, NULL);
	assert_int_equal(r.status, 404);
	ic_fx_done(&r);
	/* Not a conversation id at all. */
	page(fx, &r, "/with/ABC", true);
	assert_int_equal(r.status, 404);
	ic_fx_done(&r);
}

static void test_pages_settings_render_without_secrets_sec_8(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;

	fx->cfg.passphrase_hash = "$y$j9T$secretsalt$secrethashvalue";
	page(fx, &r, "/settings", true);
	assert_owner_page(&r);
	assert_non_null(strstr(r.body, "id=\"settings\""));
	assert_non_null(strstr(r.body, IC_FX_ME));
	assert_null(strstr(r.body, "secrethash"));
	assert_null(strstr(r.body, "secretsalt"));
	/* Issue 16: Web Push off, a disabled switch and a sentence saying
	 * how it is turned on. */
	assert_non_null(strstr(r.body, "notify_webpush = yes"));
	assert_non_null(strstr(r.body, "id=\"webpush-off\""));
	assert_non_null(strstr(r.body, " disabled>"));
	assert_null(strstr(r.body, "id=\"webpush\""));
	assert_non_null(strstr(r.body, "rel=\"manifest\""));
	ic_fx_done(&r);
	/* On: the switch, in a form with the CSRF field for the script. */
	fx->cfg.notify_webpush = true;
	page(fx, &r, "/settings", true);
	assert_owner_page(&r);
	assert_non_null(strstr(r.body, "<form id=\"webpush\""));
	assert_non_null(strstr(r.body, "id=\"webpush-on\""));
	assert_non_null(strstr(r.body, "name=\"csrf\""));
	ic_fx_done(&r);
}

/* --- Without a session (IA-C-20) --------------------------------------------
 */

static void assert_to_login(struct ic_fx *fx, const char *path,
                            const char *next_q)
{
	struct ic_fx_run r;
	char loc[512], want[512];

	page(fx, &r, path, false);
	assert_int_equal(r.rc, IC_OK);
	assert_int_equal(r.status, 303);
	assert_true(ic_fx_header(&r, "Location", loc, sizeof(loc)));
	snprintf(want, sizeof(want), "%s/auth/login?next=%s", IC_FX_BASE,
	         next_q);
	assert_string_equal(loc, want);
	assert_null(strstr(r.body, "Bob"));
	ic_fx_done(&r);
}

static void test_pages_without_session_redirect_to_login_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;

	assert_to_login(fx, "/", "%2Findiechat%2Ffeed%2F");
	assert_to_login(fx, "/contacts", "%2Findiechat%2Ffeed%2Fcontacts");
	assert_to_login(fx, "/with/" CONV_A,
	                "%2Findiechat%2Ffeed%2Fwith%2F" CONV_A);
	assert_to_login(fx, "/settings", "%2Findiechat%2Fauth%2Fsettings");
}

static void test_pages_json_without_session_is_401_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.program = "feed", .method = "GET"};
	struct ic_fx_run r;

	c.path = "/api/inbox";
	ic_fx_run(fx, feed_routes, 5, &c, &r);
	assert_int_equal(r.status, 401);
	assert_null(strstr(r.body, "Bob"));
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
	ic_fx_done(&r);
	c.path = "/api/with/" CONV_A;
	ic_fx_run(fx, feed_routes, 5, &c, &r);
	assert_int_equal(r.status, 401);
	assert_null(strstr(r.body, "first from us"));
	ic_fx_done(&r);
	/* An unknown session is no session. */
	c.cookie = ic_fx_cookie(fx, "not-" SID);
	ic_fx_run(fx, feed_routes, 5, &c, &r);
	assert_int_equal(r.status, 401);
	ic_fx_done(&r);
}

/* --- Live JSON
 * ----------------------------------------------------------------- */

static void test_pages_api_inbox_lists_conversations(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	const cJSON *arr, *e, *found = NULL;

	api(fx, &r, "/api/inbox", NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_true(ic_fx_has_header(&r, "Content-Type: application/json"));
	assert_int_equal(cJSON_GetObjectItem(r.json, "unread")->valuedouble, 3);
	arr = cJSON_GetObjectItem(r.json, "conversations");
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *id = cJSON_GetObjectItem(e, "id");

		if (cJSON_IsString(id) && strcmp(id->valuestring, CONV_A) == 0)
			found = e;
	}
	assert_non_null(found);
	assert_string_equal(cJSON_GetObjectItem(found, "peer")->valuestring,
	                    BOB);
	/* JSON carries the raw name; the script must insert it as text. */
	assert_string_equal(cJSON_GetObjectItem(found, "name")->valuestring,
	                    "Bob " HOSTILE);
	assert_string_equal(cJSON_GetObjectItem(found, "state")->valuestring,
	                    "active");
	/* The script asks "closed?" here instead of naming states. */
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(found, "closed")));
	assert_int_equal(cJSON_GetObjectItem(found, "unread")->valuedouble, 2);
	ic_fx_done(&r);
}

static void assert_304_on_same_etag(struct ic_fx *fx, const char *path)
{
	struct ic_fx_run r;
	char etag[128];

	api(fx, &r, path, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_true(ic_fx_header(&r, "ETag", etag, sizeof(etag)));
	assert_true(ic_fx_has_header(&r, "Cache-Control: private, no-cache"));
	ic_fx_done(&r);
	api(fx, &r, path, NULL, etag);
	assert_int_equal(r.status, 304);
	assert_string_equal(r.body, "");
	assert_true(ic_fx_has_header(&r, "ETag: "));
	ic_fx_done(&r);
	/* Another tag gets the document. */
	api(fx, &r, path, NULL, "W/\"0000000000\"");
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
}

static void test_pages_api_inbox_304_on_same_etag(void **state)
{
	struct ic_fx *fx = *state;

	/* Open the conversation once, so that reading it does not change
	 * the inbox between the two requests. */
	struct ic_fx_run r;

	page(fx, &r, "/with/" CONV_A, true);
	ic_fx_done(&r);
	assert_304_on_same_etag(fx, "/api/inbox");
}

static void test_pages_api_conversation_304_on_same_etag(void **state)
{
	assert_304_on_same_etag(*state, "/api/with/" CONV_A);
}

static void test_pages_api_inbox_etag_changes_with_content(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	char etag[128];

	api(fx, &r, "/api/inbox", NULL, NULL);
	assert_true(ic_fx_header(&r, "ETag", etag, sizeof(etag)));
	ic_fx_done(&r);
	/* Opening the conversation marks it read: a new document. */
	page(fx, &r, "/with/" CONV_A, true);
	ic_fx_done(&r);
	api(fx, &r, "/api/inbox", NULL, etag);
	assert_int_equal(r.status, 200);
	assert_int_equal(cJSON_GetObjectItem(r.json, "unread")->valuedouble, 1);
	ic_fx_done(&r);
}

static void test_pages_api_conversation_after_out_seq(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	const cJSON *e;
	int outs = 0, ins = 0;

	api(fx, &r, "/api/with/" CONV_A, "out=1", NULL);
	assert_int_equal(r.status, 200);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(r.json, "messages"))
	{
		const char *dir = cJSON_GetObjectItem(e, "dir")->valuestring;
		double seq = cJSON_GetObjectItem(e, "seq")->valuedouble;

		if (strcmp(dir, "out") == 0) {
			assert_true(seq > 1);
			outs++;
		} else {
			ins++;
		}
	}
	assert_int_equal(outs, 2);
	assert_int_equal(ins, 2);
	ic_fx_done(&r);
	api(fx, &r, "/api/with/" CONV_A, "out=3&in=2", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(
	        cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "messages")), 0);
	ic_fx_done(&r);
	/* Nonsense is "from the start". */
	api(fx, &r, "/api/with/" CONV_A, "out=-4&in=x", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(
	        cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "messages")), 5);
	ic_fx_done(&r);
}

static void test_pages_api_conversation_delivery_states(void **state)
{
	static const char *const want[] = {"", "fetched", "notified", "stored"};
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	const cJSON *e;
	int seen = 0;

	api(fx, &r, "/api/with/" CONV_A, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(ic_fx_jstr(&r, "conv"), CONV_A);
	assert_string_equal(ic_fx_jstr(&r, "peer"), BOB);
	/* Each message says its state; the marks it comes from are not
	 * given, so the script cannot work it out again (issue 10). */
	assert_null(cJSON_GetObjectItem(r.json, "fetched_seq"));
	assert_null(cJSON_GetObjectItem(r.json, "notified_seq"));
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(r.json, "messages"))
	{
		const char *dir = cJSON_GetObjectItem(e, "dir")->valuestring;
		int seq = (int)cJSON_GetObjectItem(e, "seq")->valuedouble;
		const cJSON *st = cJSON_GetObjectItem(e, "state");

		if (strcmp(dir, "out") != 0) {
			assert_null(st);
			continue;
		}
		assert_true(seq >= 1 && seq <= 3);
		assert_string_equal(st->valuestring, want[seq]);
		seen++;
	}
	assert_int_equal(seen, 3);
	ic_fx_done(&r);
}

/* --- The messenger (issue 14) ------------------------------------------------
 */

static void test_pages_inbox_list_avatar_preview_time(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	const char *a, *c;

	page(fx, &r, "/", true);
	assert_owner_page(&r);
	a = strstr(r.body, "data-conv=\"" CONV_A "\"");
	assert_non_null(a);
	/* Bob's photo; the last message is ours: "You: ". */
	assert_non_null(strstr(a, "<img class=\"avatar photo\" "
	                          "src=\"https://bob.example/photo.jpg\""));
	assert_non_null(strstr(a, "<span class=\"preview\">You: third from "
	                          "us</span>"));
	assert_non_null(strstr(a, "<time class=\"when\" datetime=\""));
	assert_non_null(strstr(a, "<span class=\"unread\" data-count=\"2\">2"));
	/* Carol, a request without a name or photo: her initial on a colour
	 * class, in the requests' own section before the conversations. */
	c = strstr(r.body, "class=\"request\" data-peer=\"" CAROL "\"");
	assert_non_null(c);
	assert_true(c < a);
	assert_non_null(strstr(c, "<span class=\"avatar av"));
	assert_non_null(strstr(c, "aria-hidden=\"true\">C</span>"));
	assert_non_null(strstr(c, "No messages yet"));
	ic_fx_done(&r);
}

static void test_pages_conversation_bubbles_days_and_back(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	const char *day;

	page(fx, &r, "/with/" CONV_A, true);
	assert_owner_page(&r);
	/* The list beside it, this one marked current; a way back. */
	assert_non_null(strstr(r.body, "id=\"sidebar\""));
	assert_non_null(strstr(r.body, "aria-current=\"page\""));
	assert_non_null(strstr(r.body, "<a id=\"back\" class=\"back\""));
	/* One day separator before the first message (all on one day). */
	day = strstr(r.body, "<li class=\"day\" data-day=\"");
	assert_non_null(day);
	assert_null(strstr(day + 1, "<li class=\"day\""));
	assert_true(day < strstr(r.body, "id=\"m-o-1\""));
	assert_non_null(strstr(r.body, "<div class=\"bubble\">"));
	assert_non_null(strstr(r.body, "<span class=\"author vh\">You</span>"));
	/* All five fit: no "older messages". */
	assert_null(strstr(r.body, "id=\"older\""));
	ic_fx_done(&r);
}

static void test_pages_conversation_older_page(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct ic_fx_call c = {.program = "feed",
	                       .method = "GET",
	                       .path = "/with/" CONV_A,
	                       .query = "out_before=3&in_before=2"};

	c.cookie = ic_fx_cookie(fx, SID);
	ic_fx_run(fx, feed_routes, 5, &c, &r);
	assert_owner_page(&r);
	assert_non_null(strstr(r.body, "id=\"m-o-1\""));
	assert_non_null(strstr(r.body, "id=\"m-o-2\""));
	assert_non_null(strstr(r.body, "id=\"m-i-1\""));
	assert_null(strstr(r.body, "id=\"m-o-3\""));
	assert_null(strstr(r.body, "id=\"m-i-2\""));
	ic_fx_done(&r);
	api(fx, &r, "/api/with/" CONV_A, "out_before=3&in_before=2", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(
	        cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "messages")), 3);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "older")));
	assert_int_equal(cJSON_GetObjectItem(r.json, "out_before")->valuedouble,
	                 1);
	ic_fx_done(&r);
}

static void test_pages_api_inbox_preview_and_activity(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	const cJSON *first;

	api(fx, &r, "/api/inbox", NULL, NULL);
	assert_int_equal(r.status, 200);
	/* Newest activity first: Bob's last message (1790000300) is newer
	 * than Carol's request (1790000100). */
	first = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "conversations"),
	                           0);
	assert_string_equal(cJSON_GetObjectItem(first, "id")->valuestring,
	                    CONV_A);
	assert_string_equal(cJSON_GetObjectItem(first, "preview")->valuestring,
	                    "You: third from us");
	assert_int_equal(cJSON_GetObjectItem(first, "activity")->valuedouble,
	                 1790000400);
	ic_fx_done(&r);
}

/* --- Replies (issue 15) ------------------------------------------------------
 */

/* Two more of theirs: a reply to our hostile message 2 and one whose
 * target is not here. */
static enum ic_err replies_txn(struct ic_store_txn *t, void *ctx)
{
	struct ic_arena *a = ctx;
	struct ic_conv c;
	struct ic_msg r = {.conv = CONV_A,
	                   .dir = 'i',
	                   .seq = 3,
	                   .uid = BOB "i/3",
	                   .url = BOB "i/3",
	                   .published = 1790000400,
	                   .received = 1790000400,
	                   .order = 6,
	                   .text = "that one",
	                   .author = BOB,
	                   /* msg()'s uids: BOB "/" dir "/" seq */
	                   .in_reply_to = BOB "/o/2"};
	struct ic_msg lost = r;
	enum ic_err rc = ic_store_conv_get_in_txn(t, a, CONV_A, &c);

	lost.seq = 4;
	lost.uid = lost.url = BOB "i/4";
	lost.order = 7;
	lost.text = "and which?";
	lost.in_reply_to = NULL;
	lost.reply_unknown = true;
	if (!rc)
		rc = ic_store_msg_put_in_txn(t, a, &r);
	if (!rc)
		rc = ic_store_msg_put_in_txn(t, a, &lost);
	c.in_seq = 4;
	return rc ? rc : ic_store_conv_put_in_txn(t, a, &c);
}

/* Issue 15: a picture of ours (stripped), their PDF (stored), and their
 * photo still pending, with a hostile name. */
#define HEXA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEXB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
static enum ic_err atts_txn(struct ic_store_txn *t, void *ctx)
{
	struct ic_arena *a = ctx;
	static const struct ic_attach ours[] = {
	        {HEXA, "image/jpeg", "cat.jpg", 2048, 640, 480, true,
	         IC_ATTACH_STORED, NULL},
	};
	static const struct ic_attach theirs[] = {
	        {HEXB, "application/pdf", "plan.pdf", 3 << 20, 0, 0, false,
	         IC_ATTACH_STORED, "https://bob.example/x"},
	        {HEXA, "application/octet-stream", HOSTILE, 0, 0, 0, false,
	         IC_ATTACH_PENDING, "https://bob.example/y"},
	};
	struct ic_conv c;
	struct ic_msg o = {.conv = CONV_A,
	                   .dir = 'o',
	                   .seq = 3,
	                   .uid = BOB "o/3",
	                   .url = BOB "o/3",
	                   .published = 1790000400,
	                   .received = 1790000400,
	                   .order = 6,
	                   .text = "",
	                   .author = IC_FX_ME,
	                   .att = ours,
	                   .natt = 1};
	struct ic_msg i = o;
	enum ic_err rc = ic_store_conv_get_in_txn(t, a, CONV_A, &c);

	i.dir = 'i';
	i.uid = i.url = BOB "i/3";
	i.order = 7;
	i.text = "files";
	i.author = BOB;
	i.att = theirs;
	i.natt = 2;
	if (!rc)
		rc = ic_store_msg_put_in_txn(t, a, &o);
	if (!rc)
		rc = ic_store_msg_put_in_txn(t, a, &i);
	c.in_seq = c.out_seq = 3;
	return rc ? rc : ic_store_conv_put_in_txn(t, a, &c);
}

static void test_pages_conversation_attachments(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_fx_run r;
	const cJSON *e, *x;
	int seen = 0;

	/* Our file is on disk before its message is stored, as a send
	 * writes it (store_blob.h; the store checks it, store_blobref.h). */
	assert_int_equal(
	        ic_file_mkdirs(ic_arena_printf(a, "%s/attachments", fx->dir),
	                       0700, NULL),
	        IC_OK);
	assert_int_equal(ic_file_write_atomic(
	                         ic_arena_printf(a, "%s/attachments", fx->dir),
	                         HEXA, "cat", 3, NULL),
	                 IC_OK);
	assert_int_equal(ic_fx_txn(fx, NULL, true, atts_txn, a), IC_OK);
	page(fx, &r, "/with/" CONV_A, true);
	assert_owner_page(&r);
	assert_non_null(strstr(r.body,
	                       "<a class=\"att-photo\" href=\"/indiechat"
	                       "/feed/with/" CONV_A "/attachment/" HEXA
	                       "\" target=\"_blank\" rel=\"noopener\">"
	                       "<img src=\"/indiechat/feed/with/" CONV_A
	                       "/attachment/" HEXA "\" width=\"640\" "
	                       "height=\"480\" alt=\"cat.jpg\""));
	assert_non_null(strstr(r.body, "Location and camera data removed"));
	assert_non_null(strstr(r.body, "download=\"plan.pdf\"><span class=\""
	                               "att-name\">plan.pdf</span> <span class="
	                               "\"att-size\">3.0 MB</span></a>"));
	assert_non_null(strstr(r.body, "<span class=\"att-file att-pending\">"
	                               "<span class=\"att-name\">" ESCAPED
	                               "</span> <span class=\"att-size\">not "
	                               "fetched yet</span></span>"));
	ic_fx_done(&r);
	api(fx, &r, "/api/with/" CONV_A, NULL, NULL);
	assert_int_equal(r.status, 200);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(r.json, "messages"))
	{
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(e, "attachments"))
		{
			if (strcmp(cJSON_GetObjectItem(x, "name")->valuestring,
			           "cat.jpg") == 0) {
				assert_int_equal(cJSON_GetObjectItem(x, "width")
				                         ->valueint,
				                 640);
				assert_true(cJSON_IsTrue(
				        cJSON_GetObjectItem(x, "stripped")));
			}
			seen++;
		}
	}
	assert_int_equal(seen, 3);
	ic_fx_done(&r);
	ic_arena_free(a);
}

static void test_pages_conversation_replies_quote_and_missing(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_fx_run r;
	const cJSON *e, *q = NULL, *unknown = NULL;

	assert_int_equal(ic_fx_txn(fx, NULL, true, replies_txn, a), IC_OK);
	page(fx, &r, "/with/" CONV_A, true);
	assert_owner_page(&r);
	/* The quote names our message 2 (its text escaped) and links it. */
	assert_non_null(strstr(
	        r.body, "<a class=\"quote\" href=\"#m-o-2\" "
	                "data-target=\"m-o-2\"><span class=\"vh\">"
	                "In reply to </span><span class=\"quote-author"
	                "\">You</span><span class=\"quote-text\">" ESCAPED
	                "</span></a>"));
	assert_non_null(strstr(r.body, "<p class=\"quote missing\">"));
	assert_non_null(strstr(r.body, "Reply to a message not here"));
	/* Every message has its Reply; the bar waits hidden. */
	assert_non_null(strstr(r.body,
	                       "<a class=\"reply\" href=\"?reply_to="
	                       "https%3A%2F%2Fbob.example%2Fi%2F3#text\""));
	assert_non_null(strstr(r.body, "<div id=\"reply-bar\" "
	                               "class=\"reply-bar\" hidden>"));
	ic_fx_done(&r);
	/* ?reply_to= of a message here opens the bar on it; another uid
	 * leaves it hidden. */
	{
		struct ic_fx_call c = {.program = "feed",
		                       .method = "GET",
		                       .path = "/with/" CONV_A,
		                       .query = "reply_to=https%3A%2F%2Fbob."
		                                "example%2F%2Fi%2F1"};

		c.cookie = ic_fx_cookie(fx, SID);
		ic_fx_run(fx, feed_routes, 5, &c, &r);
		assert_owner_page(&r);
		assert_non_null(strstr(r.body, "name=\"reply_to\" value=\"" BOB
		                               "/i/1\""));
		assert_non_null(strstr(r.body, "<div id=\"reply-bar\" "
		                               "class=\"reply-bar\">"));
		ic_fx_done(&r);
		c.query = "reply_to=https%3A%2F%2Fcarol.example%2Fi%2F1";
		ic_fx_run(fx, feed_routes, 5, &c, &r);
		assert_non_null(strstr(r.body, "class=\"reply-bar\" hidden>"));
		ic_fx_done(&r);
	}
	api(fx, &r, "/api/with/" CONV_A, NULL, NULL);
	assert_int_equal(r.status, 200);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(r.json, "messages"))
	{
		const cJSON *text = cJSON_GetObjectItem(e, "text");

		if (strcmp(text->valuestring, "that one") == 0) {
			assert_string_equal(
			        cJSON_GetObjectItem(e, "in_reply_to")
			                ->valuestring,
			        BOB "/o/2");
			q = cJSON_GetObjectItem(e, "quote");
		} else if (strcmp(text->valuestring, "and which?") == 0) {
			unknown = cJSON_GetObjectItem(e, "reply_unknown");
			assert_null(cJSON_GetObjectItem(e, "quote"));
		} else {
			assert_null(cJSON_GetObjectItem(e, "in_reply_to"));
		}
	}
	assert_non_null(q);
	assert_string_equal(cJSON_GetObjectItem(q, "id")->valuestring, "m-o-2");
	assert_string_equal(cJSON_GetObjectItem(q, "author")->valuestring,
	                    "You");
	assert_string_equal(cJSON_GetObjectItem(q, "text")->valuestring,
	                    HOSTILE);
	assert_true(cJSON_IsTrue(unknown));
	ic_fx_done(&r);
	ic_arena_free(a);
}

/* --- Reactions, edits, deletes (issue 15) --------------------------------
 */

/* Their message 1 has both sides' 👍, our 1 is edited, their 2 deleted. */
static enum ic_err changes_txn(struct ic_store_txn *t, void *ctx)
{
	struct ic_arena *a = ctx;
	struct ic_msg m;
	enum ic_err rc =
	        ic_store_msg_by_uid_in_txn(t, a, CONV_A, BOB "/i/1", &m);

	m.my_reaction = m.their_reaction = "\xf0\x9f\x91\x8d";
	if (!rc)
		rc = ic_store_msg_update_in_txn(t, a, &m);
	if (!rc)
		rc = ic_store_msg_by_uid_in_txn(t, a, CONV_A, BOB "/o/1", &m);
	m.text = "first, edited";
	m.updated = 1790000900;
	if (!rc)
		rc = ic_store_msg_update_in_txn(t, a, &m);
	if (!rc)
		rc = ic_store_msg_by_uid_in_txn(t, a, CONV_A, BOB "/i/2", &m);
	m.text = "";
	m.html = NULL;
	m.deleted = true;
	m.updated = 1790000900;
	return rc ? rc : ic_store_msg_update_in_txn(t, a, &m);
}

static void test_pages_conversation_reactions_edits_deletes(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_fx_run r;
	const cJSON *e;
	int seen = 0;

	assert_int_equal(ic_fx_txn(fx, NULL, true, changes_txn, a), IC_OK);
	page(fx, &r, "/with/" CONV_A, true);
	assert_owner_page(&r); /* tidy-clean with chips and pickers */
	assert_non_null(strstr(r.body,
	                       "<ul class=\"reactions\"><li "
	                       "class=\"reaction mine\" title=\"You and "));
	assert_non_null(strstr(r.body, "<span class=\"count\">2</span>"));
	assert_non_null(strstr(r.body, "<details class=\"react\">"));
	assert_non_null(
	        strstr(r.body, "name=\"react\" value=\"\xf0\x9f\x91\x8d\""));
	assert_non_null(strstr(r.body, "<p class=\"text\">first, edited</p>"));
	assert_non_null(strstr(r.body, "<span class=\"edited\">edited</span>"));
	assert_non_null(strstr(
	        r.body, "<p class=\"text deleted\">Message deleted</p>"));
	assert_null(strstr(r.body, "they say "));
	/* Issue 15: our reaction removes itself; our messages' menu; the
	 * controls the script clones for a live message. */
	assert_non_null(strstr(r.body, "<button type=\"submit\" "
	                               "name=\"unreact\""));
	assert_non_null(strstr(r.body, "<details class=\"more\">"));
	assert_non_null(strstr(r.body, "Delete for everyone</button>"));
	assert_non_null(strstr(r.body, "<template id=\"tools-in\">"));
	assert_non_null(strstr(r.body, "<template id=\"tools-out\">"));
	assert_non_null(strstr(r.body, "<div id=\"edit-bar\" "
	                               "class=\"reply-bar edit-bar\" hidden>"));
	ic_fx_done(&r);
	api(fx, &r, "/api/with/" CONV_A, NULL, NULL);
	assert_int_equal(r.status, 200);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(r.json, "messages"))
	{
		const char *uid = cJSON_GetObjectItem(e, "uid")->valuestring;

		if (strcmp(uid, BOB "/i/1") == 0)
			seen += cJSON_GetObjectItem(e, "my_reaction") &&
			        cJSON_GetObjectItem(e, "their_reaction");
		else if (strcmp(uid, BOB "/o/1") == 0)
			seen += cJSON_IsTrue(cJSON_GetObjectItem(e, "edited"));
		else if (strcmp(uid, BOB "/i/2") == 0)
			seen += cJSON_IsTrue(cJSON_GetObjectItem(e, "deleted"));
	}
	assert_int_equal(seen, 3);
	assert_non_null(cJSON_GetObjectItem(r.json, "changes"));
	ic_fx_done(&r);
	ic_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, ic_fx_teardown)
	        T(test_pages_inbox_renders_requests_and_conversations_sec_11),
	        T(test_pages_contacts_render_escaped_sec_11),
	        T(test_pages_conversation_escapes_text_keeps_sanitized_html_sec_11),
	        T(test_pages_conversation_delivery_states),
	        T(test_pages_conversation_hostile_photo_not_shown_sec_11),
	        T(test_pages_conversation_unknown_is_404),
	        T(test_pages_settings_render_without_secrets_sec_8),
	        T(test_pages_without_session_redirect_to_login_ia_c_20),
	        T(test_pages_json_without_session_is_401_ia_c_20),
	        T(test_pages_api_inbox_lists_conversations),
	        T(test_pages_api_inbox_304_on_same_etag),
	        T(test_pages_api_conversation_304_on_same_etag),
	        T(test_pages_api_inbox_etag_changes_with_content),
	        T(test_pages_api_conversation_after_out_seq),
	        T(test_pages_api_conversation_delivery_states),
	        T(test_pages_inbox_list_avatar_preview_time),
	        T(test_pages_conversation_bubbles_days_and_back),
	        T(test_pages_conversation_older_page),
	        T(test_pages_api_inbox_preview_and_activity),
	        T(test_pages_conversation_replies_quote_and_missing),
	        T(test_pages_conversation_reactions_edits_deletes),
	        T(test_pages_conversation_attachments),
#undef T
	};

	return cmocka_run_group_tests_name("pages", tests, NULL, NULL);
}
