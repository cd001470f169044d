/*
 * test_notify_push.c - the push channels' requests (issue 16,
 * lib/notify/notify_push.c): ntfy's headers and plain body, Gotify's
 * JSON, the webhook's JSON and its HMAC-SHA256 signature; privacy by
 * default (no text unless given), and a correspondent's hostile h-card
 * name (CR/LF, a long one) that can neither add a header nor grow past
 * IC_NOTIFY_NAME_MAX.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/ic_limits.h"
#include "notify/notify_push.h"
#include "notify/webpush.h"
#include "text/json.h"

#define SECRET "0123456789abcdef-secret"
#define LINK   "https://alice.example/chat/feed/with/c0nv"

static struct ic_notify_batch three = {0, 0, 3, 4, 6, 0, 0, 0};
static struct ic_notify_batch request = {1, 0, 0, 0, 0, 0, 0, 0};

static struct ic_notify_push base(const struct ic_notify_batch *what,
                                  const char *name)
{
	struct ic_notify_push p = {
	        .conv = "c0nv",
	        .batch = 7,
	        .peer_name = name,
	        .peer_url = "https://bob.example/",
	        .link = LINK,
	        .date = 1700000000,
	        .what = what,
	};

	return p;
}

static int setup(void **state)
{
	*state = ic_arena_new(0);
	return *state == NULL;
}

static int teardown(void **state)
{
	ic_arena_free(*state);
	return 0;
}

static const char *header(const struct ic_notify_post *p, const char *name)
{
	for (size_t i = 0; i < p->nheaders; i++)
		if (strcmp(p->headers[i].name, name) == 0)
			return p->headers[i].value;
	return NULL;
}

/* No header value a name could have split. */
static void one_line_headers(const struct ic_notify_post *p)
{
	for (size_t i = 0; i < p->nheaders; i++) {
		assert_non_null(p->headers[i].value);
		for (const char *c = p->headers[i].value; *c; c++)
			assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
	}
}

static void ntfy_headers_and_body(void **state)
{
	struct ic_notify_push p = base(&three, "Bob");
	struct ic_notify_post out;
	char errbuf[IC_ERRBUF_SIZE];

	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, errbuf), IC_OK);
	assert_string_equal(header(&out, "Title"), "3 new messages from Bob");
	assert_string_equal(header(&out, "Click"), LINK);
	assert_string_equal(header(&out, "Tags"), "speech_balloon,indiechat");
	assert_string_equal(header(&out, "Priority"), "3");
	assert_string_equal(out.content_type, "text/plain; charset=utf-8");
	assert_string_equal(
	        out.body,
	        "Bob (https://bob.example/) sent you 3 new messages.");
	assert_int_equal(out.len, strlen(out.body));
	one_line_headers(&out);
	/* A request is louder. */
	p = base(&request, "Bob");
	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, errbuf), IC_OK);
	assert_string_equal(header(&out, "Title"), "Message request from Bob");
	assert_string_equal(header(&out, "Priority"), "4");
	assert_string_equal(header(&out, "Tags"), "wave,indiechat");
}

static void ntfy_texts_only_when_given(void **state)
{
	const char *texts[] = {"secret words\r\nline two", "second\x01 one"};
	struct ic_notify_push p = base(&three, "Bob");
	struct ic_notify_post out;

	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, NULL), IC_OK);
	assert_null(strstr(out.body, "secret"));
	p.texts = texts;
	p.ntexts = 2;
	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, NULL), IC_OK);
	assert_non_null(strstr(out.body, "\n\nsecret words\nline two\n\n"
	                                 "second one"));
	assert_null(strchr(out.body, '\r'));
}

/* ntfy turns a long message into an attachment: the texts are cut. */
static void ntfy_long_text_is_cut(void **state)
{
	static char big[3 * IC_NOTIFY_PUSH_TEXT_MAX];
	const char *texts[] = {big};
	struct ic_notify_push p = base(&three, "Bob");
	struct ic_notify_post out;

	/* "é" is two bytes: a cut must not split one. */
	for (size_t i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	p.texts = texts;
	p.ntexts = 1;
	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, NULL), IC_OK);
	assert_true(out.len < IC_NOTIFY_PUSH_TEXT_MAX + 200);
	assert_non_null(strstr(out.body, "\xc3\xa9[...]"));
}

static void hostile_names(void **state)
{
	char errbuf[IC_ERRBUF_SIZE], longname[400];
	struct ic_notify_push p =
	        base(&three, "Bob\r\nX-Evil: 1\r\nPriority: 5");
	struct ic_notify_post out;
	const char *title;

	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, errbuf), IC_OK);
	one_line_headers(&out);
	assert_string_equal(header(&out, "Title"),
	                    "3 new messages from Bob X-Evil: 1 Priority: 5");
	assert_string_equal(header(&out, "Priority"), "3");
	assert_int_equal(out.nheaders, 4);
	/* Long: cut at IC_NOTIFY_NAME_MAX bytes. */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	p = base(&three, longname);
	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, errbuf), IC_OK);
	title = header(&out, "Title");
	assert_int_equal(strlen(title),
	                 strlen("3 new messages from ") + IC_NOTIFY_NAME_MAX);
	/* Not ASCII: RFC 2047 words, on one line. */
	p = base(&three, "Zoë\nÖ");
	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, errbuf), IC_OK);
	one_line_headers(&out);
	assert_string_equal(header(&out, "Title"),
	                    "=?UTF-8?B?MyBuZXcgbWVzc2FnZXMgZnJvbSBab8OrIMOW?=");
	/* No usable name: their host. */
	p = base(&three, "\r\n\t");
	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, errbuf), IC_OK);
	assert_string_equal(header(&out, "Title"),
	                    "3 new messages from bob.example");
}

static void gotify_json(void **state)
{
	const char *texts[] = {"hello \"there\""};
	struct ic_notify_push p = base(&three, "Bob\r\nEvil");
	struct ic_notify_post out;
	cJSON *j, *click;

	assert_int_equal(ic_notify_gotify_build(*state, &p, &out, NULL), IC_OK);
	assert_string_equal(out.content_type, "application/json");
	assert_int_equal(out.nheaders, 0);
	assert_int_equal(ic_json_parse(*state, out.body, out.len, &j), IC_OK);
	assert_string_equal(ic_json_str(*state, j, "title"),
	                    "3 new messages from Bob Evil");
	assert_string_equal(ic_json_str(*state, j, "message"),
	                    "Bob Evil (https://bob.example/) sent you 3 new "
	                    "messages.");
	assert_int_equal(ic_json_num(j, "priority", 0), 5);
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "v"));
	click = cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(
	                cJSON_GetObjectItemCaseSensitive(j, "extras"),
	                "client::notification"),
	        "click");
	assert_string_equal(ic_json_str(*state, click, "url"), LINK);
	p.texts = texts;
	p.ntexts = 1;
	assert_int_equal(ic_notify_gotify_build(*state, &p, &out, NULL), IC_OK);
	assert_int_equal(ic_json_parse(*state, out.body, out.len, &j), IC_OK);
	assert_non_null(strstr(ic_json_str(*state, j, "message"),
	                       "\n\nhello \"there\""));
}

static void webhook_json_and_signature(void **state)
{
	const char *texts[] = {"one", "two\r\nlines"};
	struct ic_notify_push p = base(&three, "Bob\r\nX-Evil: 1");
	struct ic_notify_post out;
	unsigned char mac[IC_CRYPTO_MAX_MAC_BYTES];
	size_t maclen = sizeof(mac);
	char hex[2 * IC_CRYPTO_MAX_MAC_BYTES + 1], want[160];
	cJSON *j, *texts_j;

	assert_int_equal(ic_notify_webhook_build(*state, &p, SECRET,
	                                         strlen(SECRET), &out, NULL),
	                 IC_OK);
	assert_string_equal(out.content_type, "application/json");
	assert_int_equal(out.nheaders, 1);
	assert_string_equal(out.headers[0].name, "X-IndieChat-Signature");
	/* sha256=<hex HMAC-SHA256 of the exact body>, computed here anew. */
	assert_int_equal(ic_crypto_hmac(IC_HMAC_SHA256, SECRET, strlen(SECRET),
	                                out.body, out.len, mac, &maclen, NULL),
	                 IC_OK);
	ic_crypto_hex_encode(mac, maclen, hex);
	snprintf(want, sizeof(want), "sha256=%s", hex);
	assert_string_equal(out.headers[0].value, want);
	assert_int_equal(ic_crypto_hub_signature_verify(
	                         out.headers[0].value, "wrong-secret-0000", 17,
	                         out.body, out.len, NULL),
	                 IC_ERR_FORBIDDEN);
	assert_int_equal(ic_json_parse(*state, out.body, out.len, &j), IC_OK);
	assert_int_equal(ic_json_num(j, "v", 0), 1);
	assert_string_equal(ic_json_str(*state, j, "event"), "notification");
	assert_string_equal(ic_json_str(*state, j, "id"), "c0nv.7");
	assert_int_equal(ic_json_num(j, "date", 0), 1700000000);
	assert_string_equal(ic_json_str(*state, j, "conversation"), "c0nv");
	assert_string_equal(ic_json_str(*state, j, "link"), LINK);
	assert_string_equal(
	        ic_json_str(*state, cJSON_GetObjectItem(j, "peer"), "name"),
	        "Bob X-Evil: 1");
	assert_string_equal(
	        ic_json_str(*state, cJSON_GetObjectItem(j, "peer"), "url"),
	        "https://bob.example/");
	assert_int_equal(
	        ic_json_num(cJSON_GetObjectItem(j, "counts"), "messages", -1),
	        3);
	assert_int_equal(
	        ic_json_num(cJSON_GetObjectItem(j, "counts"), "requests", -1),
	        0);
	assert_int_equal(
	        ic_json_num(cJSON_GetObjectItem(j, "counts"), "accepted", -1),
	        0);
	assert_string_equal(ic_json_str(*state, j, "summary"),
	                    "3 new messages from Bob X-Evil: 1");
	/* Privacy by default: no texts member at all. */
	assert_null(cJSON_GetObjectItem(j, "texts"));
	p.texts = texts;
	p.ntexts = 2;
	assert_int_equal(ic_notify_webhook_build(*state, &p, SECRET,
	                                         strlen(SECRET), &out, NULL),
	                 IC_OK);
	assert_int_equal(ic_json_parse(*state, out.body, out.len, &j), IC_OK);
	texts_j = cJSON_GetObjectItem(j, "texts");
	assert_int_equal(cJSON_GetArraySize(texts_j), 2);
	assert_string_equal(cJSON_GetArrayItem(texts_j, 1)->valuestring,
	                    "two\nlines");
}

static void long_names_everywhere(void **state)
{
	char longname[300];
	struct ic_notify_push p;
	struct ic_notify_post out;
	cJSON *j;
	const char *name;

	/* Multi-byte characters: cut on a boundary, at most the cap. */
	for (size_t i = 0; i + 3 < sizeof(longname); i += 2)
		memcpy(longname + i, "\xc3\xa9", 2);
	longname[sizeof(longname) - 2] = '\0';
	p = base(&three, longname);
	assert_int_equal(ic_notify_webhook_build(*state, &p, SECRET,
	                                         strlen(SECRET), &out, NULL),
	                 IC_OK);
	assert_int_equal(ic_json_parse(*state, out.body, out.len, &j), IC_OK);
	name = ic_json_str(*state, cJSON_GetObjectItem(j, "peer"), "name");
	assert_int_equal(strlen(name), IC_NOTIFY_NAME_MAX);
	assert_int_equal(ic_notify_gotify_build(*state, &p, &out, NULL), IC_OK);
	assert_true(out.len < 1024);
}

static void our_values_are_checked(void **state)
{
	struct ic_notify_push p = base(&three, "Bob");
	struct ic_notify_post out;

	p.link = "https://alice.example/\r\nX: y";
	assert_int_equal(ic_notify_ntfy_build(*state, &p, &out, NULL),
	                 IC_ERR_INTERNAL);
	p = base(&three, "Bob");
	assert_int_equal(
	        ic_notify_webhook_build(*state, &p, NULL, 0, &out, NULL),
	        IC_ERR_INTERNAL);
}

/* Web Push's payload: the name as title, "New message" unless the texts
 * are asked for, the page and the conversation as tag. */
static void webpush_payload(void **state)
{
	struct ic_notify_push p = base(&three, "Bob\r\nX: 1");
	const char *texts[] = {"hello\x01 there", "second"};
	char *json, errbuf[IC_ERRBUF_SIZE];
	size_t len;
	cJSON *j;

	assert_int_equal(
	        ic_notify_webpush_build(*state, &p, &json, &len, errbuf),
	        IC_OK);
	assert_int_equal(strlen(json), len);
	j = cJSON_Parse(json);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "title")->valuestring,
	                    "Bob X: 1");
	assert_string_equal(cJSON_GetObjectItem(j, "body")->valuestring,
	                    "3 new messages");
	assert_string_equal(cJSON_GetObjectItem(j, "url")->valuestring, LINK);
	assert_string_equal(cJSON_GetObjectItem(j, "tag")->valuestring, "c0nv");
	cJSON_Delete(j);
	p.texts = texts;
	p.ntexts = 2;
	assert_int_equal(
	        ic_notify_webpush_build(*state, &p, &json, &len, errbuf),
	        IC_OK);
	j = cJSON_Parse(json);
	assert_string_equal(cJSON_GetObjectItem(j, "body")->valuestring,
	                    "hello there\nsecond");
	cJSON_Delete(j);
	p = base(&request, NULL);
	assert_int_equal(
	        ic_notify_webpush_build(*state, &p, &json, &len, errbuf),
	        IC_OK);
	assert_non_null(strstr(json, "\"body\":\"Message request\""));
	assert_non_null(strstr(json, "\"title\":\"bob.example\""));
}

/* The longest texts still fit one push message. */
static void webpush_payload_fits(void **state)
{
	static char big[IC_NOTIFY_TEXT_MAX];
	const char *texts[] = {big};
	struct ic_notify_push p = base(&three, "Bob");
	char *json, errbuf[IC_ERRBUF_SIZE];
	size_t len;

	memset(big, '\n', sizeof(big) - 1);
	p.texts = texts;
	p.ntexts = 1;
	assert_int_equal(
	        ic_notify_webpush_build(*state, &p, &json, &len, errbuf),
	        IC_OK);
	assert_true(len <= IC_WEBPUSH_PLAIN_MAX);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(ntfy_headers_and_body), T(ntfy_texts_only_when_given),
	        T(ntfy_long_text_is_cut), T(hostile_names),
	        T(gotify_json),           T(webhook_json_and_signature),
	        T(long_names_everywhere), T(our_values_are_checked),
	        T(webpush_payload),       T(webpush_payload_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
