/*
 * test_notify_mail.c - the owner's notification mail (issue 16,
 * lib/notify/notify_mail.c): the headers RFC 5322 and the issue ask for,
 * privacy by default, and a correspondent's hostile h-card name that can
 * neither add a header nor break a line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/ic_limits.h"
#include "notify/notify_mail.h"

static struct ic_notify_batch three = {0, 0, 3, 4, 6, 0, 0, 0, 0};

static struct ic_notify_mail base(const struct ic_notify_batch *what,
                                  const char *name)
{
	struct ic_notify_mail m = {
	        .host = "alice.example",
	        .to = "alice@mail.example",
	        .conv = "c0nv",
	        .batch = 7,
	        .peer_name = name,
	        .peer_url = "https://bob.example/",
	        .link = "https://alice.example/chat/feed/with/c0nv",
	        .unsubscribe = "https://alice.example/chat/auth/settings",
	        .date = 1700000000,
	        .what = what,
	};

	return m;
}

static char *build(struct ic_arena *a, const struct ic_notify_mail *m)
{
	char errbuf[IC_ERRBUF_SIZE], *out;
	size_t len;

	assert_int_equal(ic_notify_mail_build(a, m, &out, &len, errbuf), IC_OK);
	assert_int_equal(strlen(out), len);
	return out;
}

/* The header block: up to the first empty line. */
static char *headers(struct ic_arena *a, const char *mail)
{
	const char *end = strstr(mail, "\n\n");

	assert_non_null(end);
	return ic_arena_strndup(a, mail, (size_t)(end - mail) + 1);
}

static void has(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("missing \"%s\" in:\n%s", want, text);
}

static void headers_and_privacy(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_notify_mail m = base(&three, "Bob Example");
	char *mail = build(a, &m), *h = headers(a, mail);

	(void)state;
	has(h, "From: IndieChat <indiechat@alice.example>\n");
	has(h, "To: alice@mail.example\n");
	has(h, "Subject: 3 new messages from Bob Example\n");
	has(h, "Date: Tue, 14 Nov 2023 22:13:20 +0000\n");
	has(h, "Message-ID: <notify.c0nv.7@alice.example>\n");
	has(h, "Auto-Submitted: auto-generated\n");
	has(h, "List-Unsubscribe: <https://alice.example/chat/auth/"
	       "settings>\n");
	has(h, "MIME-Version: 1.0\n");
	has(h, "Content-Type: text/plain; charset=utf-8\n");
	has(h, "Content-Transfer-Encoding: 8bit\n");
	has(mail, "Bob Example (https://bob.example/) sent you 3 new "
	          "messages.");
	has(mail, "\nhttps://alice.example/chat/feed/with/c0nv\n");
	ic_arena_free(a);
}

static void one_message_and_request(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_notify_batch one = {0, 0, 1, 1, 1, 0, 0, 0, 0};
	struct ic_notify_batch req = {1, 0, 0, 0, 0, 0, 0, 0, 0};
	struct ic_notify_batch acc = {0, 1, 0, 0, 0, 0, 0, 0, 0};
	struct ic_notify_batch problem = {.problems = 1};
	struct ic_notify_mail m = base(&one, "Bob");

	(void)state;
	has(build(a, &m), "Subject: New message from Bob\n");
	m.what = &req;
	has(build(a, &m), "Subject: Message request from Bob\n");
	m.what = &acc;
	has(build(a, &m), "Subject: Bob accepted your invitation\n");
	m.what = &problem;
	has(build(a, &m),
	    "Subject: Messages from Bob cannot be read for now\n");
	has(build(a, &m), ic_notify_problem_text);
	ic_arena_free(a);
}

/* Their h-card's name cannot add a header or a line (CR, LF, NEL…). */
static void hostile_name(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_notify_mail m =
	        base(&three, "Bob\r\nBcc: victim@evil.example\r\n\r\nbody");
	char *mail = build(a, &m), *h = headers(a, mail);

	(void)state;
	assert_null(strstr(h, "\nBcc:"));
	assert_null(strchr(h, '\r'));
	has(h, "Subject: 3 new messages from Bob Bcc: victim@evil.example "
	       "body\n");
	m.peer_name = "\xc2\x85Zo\xc3\xab\xe2\x80\xa8";
	h = headers(a, build(a, &m));
	/* Encoded: no raw 8-bit byte in the headers. */
	for (const char *p = h; *p; p++)
		assert_true((unsigned char)*p < 0x80);
	has(h, "Subject: =?UTF-8?B?");
	ic_arena_free(a);
}

static void bad_and_long_names(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	char longname[300];

	(void)state;
	/* Not UTF-8: their host instead. */
	assert_string_equal(ic_notify_mail_name(a, "Bo\xff",
	                                        "https://bob."
	                                        "example/"),
	                    "bob.example");
	assert_string_equal(ic_notify_mail_name(a, " \t ",
	                                        "https://bob."
	                                        "example/"),
	                    "bob.example");
	assert_string_equal(ic_notify_mail_name(a, "=?UTF-8?B?QQ==?=", NULL),
	                    "=?UTF-8?B?QQ==?=");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(strlen(ic_notify_mail_name(a, longname, NULL)),
	                 IC_NOTIFY_NAME_MAX);
	/* Cut on a character boundary: 63 'x' and a 2-byte character. */
	memcpy(longname + 63, "\xc3\xab", 2);
	assert_int_equal(strlen(ic_notify_mail_name(a, longname, NULL)), 63);
	ic_arena_free(a);
}

/* A name that looks like an encoded word is encoded, not trusted. */
static void encoded_word_lookalike(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_notify_mail m = base(&three, "=?UTF-8?B?QQ==?=");
	char *h = headers(a, build(a, &m));

	(void)state;
	assert_null(strstr(h, "from =?UTF-8?B?QQ==?="));
	ic_arena_free(a);
}

static void texts_only_when_asked(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	static char big[2000];
	const char *texts[] = {"first\r\nline two", big};
	struct ic_notify_mail m = base(&three, "Bob");
	char *mail = build(a, &m);
	const char *p, *nl;

	(void)state;
	assert_null(strstr(mail, "first"));
	memset(big, 'y', sizeof(big) - 1);
	m.texts = texts;
	m.ntexts = 2;
	mail = build(a, &m);
	has(mail, "\nfirst\nline two\n");
	assert_null(strchr(mail, '\r'));
	for (p = mail; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		assert_true(nl - p <= IC_NOTIFY_LINE_MAX);
	ic_arena_free(a);
}

/* Our own values are checked too: a line break is refused as a bug. */
static void own_values_are_one_line(void **state)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_notify_mail m = base(&three, "Bob");
	char errbuf[IC_ERRBUF_SIZE], *out;
	size_t len;

	(void)state;
	m.to = "alice@mail.example\nBcc: x@y";
	assert_int_equal(ic_notify_mail_build(a, &m, &out, &len, errbuf),
	                 IC_ERR_INTERNAL);
	m = base(&three, "Bob");
	m.host = "127.0.0.1";
	has(build(a, &m), "From: IndieChat <indiechat@[127.0.0.1]>\n");
	ic_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(headers_and_privacy),
	        cmocka_unit_test(one_message_and_request),
	        cmocka_unit_test(hostile_name),
	        cmocka_unit_test(bad_and_long_names),
	        cmocka_unit_test(encoded_word_lookalike),
	        cmocka_unit_test(texts_only_when_asked),
	        cmocka_unit_test(own_values_are_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
