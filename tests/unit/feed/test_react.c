/*
 * test_react.c - reactions (issue 15): what one emoji is, and what the
 * receiver does with a reacji entry: stored on its target (newer
 * replaces, older ignored, the same uid once), never for a message not
 * here or a text that is not one emoji.  Edits: a delivered page whose
 * entry has a newer dt-updated replaces their text, never ours (a peer
 * claiming our uid), and the same or an older one changes nothing; a
 * tombstone (dt-deleted) drops their text for good, never ours.
 * Between two real sites: tests/integration/test_reactions.py and
 * test_edits.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "fixture.h"
#include "feed/receive.h"
#include "store/store_msg.h"
#include "store/store_token.h"
#include "text/emoji.h"

#define BOB   "https://bob.example/"
#define CAROL "https://carol.example/"
#define CONV  "abcdefghijklmnopqrstuvwxyz"
#define OTHER "zyxwvutsrqponmlkjihgfedcba"
#define T1    1700000000
/* ic_fx_put_pairs()'s uids: PEER, direction, seq. */
#define BOB_O1   BOB "o/1"
#define CAROL_I1 CAROL "i/1"

static void test_emoji_one(void **state)
{
	static const char *const good[] = {
	        "\xf0\x9f\x91\x8d",                 /* thumbs up */
	        "\xe2\x9d\xa4\xef\xb8\x8f",         /* heart + VS16 */
	        "\xe2\x9d\xa4",                     /* heart, no VS16 */
	        "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", /* thumbs up, tone */
	        /* man, ZWJ, woman, ZWJ, girl */
	        "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
	        "\xf0\x9f\x91\xa7",
	        "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", /* flag FR */
	        "1\xef\xb8\x8f\xe2\x83\xa3",        /* keycap 1 */
	        /* England: black flag + tags + cancel tag */
	        "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81"
	        "\xa5\xf3\xa0\x81\xae\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf",
	};
	static const char *const bad[] = {
	        "",
	        "a",
	        "1",
	        ":)",
	        "\xf0\x9f\x91\x8d ",                /* trailing space */
	        " \xf0\x9f\x91\x8d",                /* leading space */
	        "\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d", /* two graphemes */
	        "\xf0\x9f\x91\x8d\xe2\x80\x8d",     /* dangling ZWJ */
	        "\xf0\x9f\x87\xab",                 /* half a flag */
	        "\xf0\x9f\x8f\xbd",                 /* a tone alone */
	        "\xf0\x9f\x91",                     /* cut UTF-8 */
	        "\xc0\xaf",                         /* overlong */
	        "\xed\xa0\x80",                     /* surrogate */
	        "\xf0\x9f\x91\x8d<b>",              /* markup */
	        "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7", /* tag run, no cancel */
	        NULL,
	};
	char many[256] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ic_emoji_one(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ic_emoji_one(bad[i]));
	/* Nine ZWJ-joined thumbs: over the element bound and the bytes. */
	for (int i = 0; i < 9; i++)
		strcat(many,
		       i ? "\xe2\x80\x8d\xf0\x9f\x91\x8d" : "\xf0\x9f\x91\x8d");
	assert_false(ic_emoji_one(many));
}

/* Conversations CONV with bob and OTHER with carol, two pairs each. */
static enum ic_err two_convs_txn(struct ic_store_txn *t, void *p)
{
	const struct ic_fx_pairs bob = {CONV, BOB, T1, 1, 2, 2, 0};
	const struct ic_fx_pairs carol = {OTHER, CAROL, T1, 1, 2, 2, 0};
	enum ic_err rc = ic_fx_put_pairs(t, &bob);

	(void)p;
	return rc == IC_OK ? ic_fx_put_pairs(t, &carol) : rc;
}

struct recv {
	const char *uid, *text, *irt;
	long long published;
	bool taken;
	enum ic_err rc;
};

static enum ic_err recv_txn(struct ic_store_txn *t, void *p)
{
	struct recv *r = p;
	struct ic_arena *a = ic_arena_new(0);
	char json[512];
	cJSON *e;

	snprintf(json, sizeof(json),
	         "{\"type\":[\"h-entry\"],\"properties\":"
	         "{\"in-reply-to\":[\"%s\"]}}",
	         r->irt);
	e = cJSON_Parse(json);
	assert_non_null(e);
	r->taken = ic_receive_reaction_in_txn(t, a, CONV, r->uid, r->text,
	                                      r->published, e, &r->rc);
	cJSON_Delete(e);
	ic_arena_free(a);
	return r->rc;
}

static struct recv receive(struct ic_fx *fx, const char *uid, const char *text,
                           const char *irt, long long when)
{
	struct recv r = {uid, text, irt, when, false, IC_OK};

	(void)ic_fx_txn(fx, NULL, true, recv_txn, &r);
	return r;
}

struct look {
	struct ic_arena *a;
	const char *uid;
	struct ic_msg m;
	bool known;
};

static enum ic_err look_txn(struct ic_store_txn *t, void *p)
{
	struct look *l = p;

	l->known = ic_store_msg_uid_known_in_txn(t, CONV, l->uid);
	return ic_store_msg_by_uid_in_txn(t, l->a, CONV, BOB_O1, &l->m);
}

static enum ic_err look_any_txn(struct ic_store_txn *t, void *p)
{
	struct look *l = p;

	return ic_store_msg_by_uid_in_txn(t, l->a, CONV, l->uid, &l->m);
}

static struct ic_msg target(struct ic_fx *fx, struct ic_arena *a,
                            const char *alias, bool *known)
{
	struct look l = {a, alias, {0}, false};

	assert_int_equal(ic_fx_txn(fx, NULL, false, look_txn, &l), IC_OK);
	*known = l.known;
	return l.m;
}

static void test_react_receive(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	const char *up = "\xf0\x9f\x91\x8d", *heart = "\xe2\x9d\xa4";
	struct recv r;
	struct ic_msg m;
	bool known;

	assert_int_equal(ic_fx_txn(fx, NULL, true, two_convs_txn, NULL), IC_OK);
	/* Not one emoji, another conversation's uid, nothing here: these
	 * are messages (replies), not reactions. */
	assert_false(receive(fx, BOB "r/0", "ok!", BOB_O1, T1 + 10).taken);
	assert_false(receive(fx, BOB "r/0", up, CAROL_I1, T1 + 10).taken);
	assert_false(receive(fx, BOB "r/0", up, BOB "nope", T1 + 10).taken);
	m = target(fx, a, BOB "r/0", &known);
	assert_null(m.their_reaction);
	assert_false(known);
	/* A reaction: on the target, its uid known (de-duplicated). */
	r = receive(fx, BOB "r/1", up, BOB_O1, T1 + 10);
	assert_true(r.taken);
	assert_int_equal(r.rc, IC_OK);
	m = target(fx, a, BOB "r/1", &known);
	assert_string_equal(m.their_reaction, up);
	assert_int_equal(m.their_reaction_at, T1 + 10);
	assert_true(known);
	/* A newer one replaces it; an older one arriving late does not. */
	assert_true(receive(fx, BOB "r/2", heart, BOB_O1, T1 + 20).taken);
	assert_true(receive(fx, BOB "r/3", up, BOB_O1, T1 + 15).taken);
	m = target(fx, a, BOB "r/3", &known);
	assert_string_equal(m.their_reaction, heart);
	assert_true(known);
	/* The same uid twice: a conflict the receiver skips. */
	r = receive(fx, BOB "r/2", up, BOB_O1, T1 + 30);
	assert_int_equal(r.rc, IC_ERR_CONFLICT);
	m = target(fx, a, BOB "r/2", &known);
	assert_string_equal(m.their_reaction, heart);
	/* The message itself is untouched. */
	assert_non_null(m.text);
	assert_null(m.my_reaction);
	ic_arena_free(a);
}

static enum ic_err held_txn(struct ic_store_txn *t, void *p)
{
	const struct ic_held_token h = {.conv = CONV,
	                                .resource = BOB "indiechat/feed/x",
	                                .access_token = "token",
	                                .token_endpoint = BOB "token",
	                                .me = BOB,
	                                .obtained = T1};

	return ic_store_held_put_in_txn(t, p, &h);
}

/* One entry of bob's: @p uid, its text, dt-updated @p updated. */
static void deliver(struct ic_fx *fx, const char *uid, const char *text,
                    const char *updated)
{
	char body[2048];
	bool whole = false;
	int n = snprintf(body, sizeof(body),
	                 "<div class=\"h-feed\"><article class=\"h-entry\">"
	                 "<data class=\"u-uid\" value=\"%s\"></data>"
	                 "<time class=\"dt-published\" "
	                 "datetime=\"2023-11-14T22:13:21Z\"></time>"
	                 "<a class=\"p-author h-card\" href=\"%s\">Bob</a>"
	                 "<div class=\"e-content\">%s</div>"
	                 "<time class=\"dt-updated\" datetime=\"%s\"></time>"
	                 "</article></div>",
	                 uid, BOB, text, updated);

	assert_true(n > 0 && (size_t)n < sizeof(body));
	assert_int_equal(ic_receive_delivered(&fx->req, CONV, body, (size_t)n,
	                                      &whole, fx->req.errbuf),
	                 IC_OK);
	assert_true(whole);
}

/* A tombstone of bob's for @p uid: no content, a dt-deleted. */
static void deliver_tombstone(struct ic_fx *fx, const char *uid)
{
	char body[1024];
	bool whole = false;
	int n = snprintf(body, sizeof(body),
	                 "<div class=\"h-feed\"><article class=\"h-entry\">"
	                 "<data class=\"u-uid\" value=\"%s\"></data>"
	                 "<time class=\"dt-published\" "
	                 "datetime=\"2023-11-14T22:13:21Z\"></time>"
	                 "<a class=\"p-author h-card\" href=\"%s\">Bob</a>"
	                 "<p>Message deleted <time class=\"dt-deleted\" "
	                 "datetime=\"2023-11-16T00:00:00Z\"></time></p>"
	                 "</article></div>",
	                 uid, BOB);

	assert_true(n > 0 && (size_t)n < sizeof(body));
	assert_int_equal(ic_receive_delivered(&fx->req, CONV, body, (size_t)n,
	                                      &whole, fx->req.errbuf),
	                 IC_OK);
}

/* A reacji of bob's: @p uid, @p emoji, in reply to @p target. */
static void deliver_reaction(struct ic_fx *fx, const char *uid,
                             const char *emoji, const char *target)
{
	char body[1024];
	bool whole = false;
	int n = snprintf(body, sizeof(body),
	                 "<div class=\"h-feed\"><article class=\"h-entry\">"
	                 "<data class=\"u-uid\" value=\"%s\"></data>"
	                 "<time class=\"dt-published\" "
	                 "datetime=\"2023-11-15T22:13:21Z\"></time>"
	                 "<a class=\"p-author h-card\" href=\"%s\">Bob</a>"
	                 "<a class=\"u-in-reply-to\" href=\"%s\">re</a>"
	                 "<div class=\"e-content\">%s</div>"
	                 "</article></div>",
	                 uid, BOB, target, emoji);

	assert_true(n > 0 && (size_t)n < sizeof(body));
	assert_int_equal(ic_receive_delivered(&fx->req, CONV, body, (size_t)n,
	                                      &whole, fx->req.errbuf),
	                 IC_OK);
}

static struct ic_msg by_uid(struct ic_fx *fx, struct ic_arena *a,
                            const char *uid)
{
	struct look l = {a, uid, {0}, false};

	enum ic_err rc = ic_fx_txn(fx, NULL, false, look_any_txn, &l);

	assert_true(rc == IC_OK || rc == IC_ERR_NOT_FOUND);
	return l.m;
}

static void test_edit_receive(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);

	assert_int_equal(ic_fx_open_req(fx, "listener"), IC_OK);
	assert_int_equal(ic_fx_txn(fx, NULL, true, two_convs_txn, NULL), IC_OK);
	assert_int_equal(ic_fx_txn(fx, NULL, true, held_txn, a), IC_OK);
	/* Theirs, newer: replaced and marked. */
	deliver(fx, BOB "i/1", "fixed typo", "2023-11-15T00:00:00Z");
	assert_string_equal(by_uid(fx, a, BOB "i/1").text, "fixed typo");
	assert_int_equal(by_uid(fx, a, BOB "i/1").updated, T1 + 6400);
	/* The same or older dt-updated: nothing changes. */
	deliver(fx, BOB "i/1", "stale", "2023-11-15T00:00:00Z");
	deliver(fx, BOB "i/1", "older", "2023-11-14T23:00:00Z");
	assert_string_equal(by_uid(fx, a, BOB "i/1").text, "fixed typo");
	/* Ours, claimed by bob's feed: never edited. */
	deliver(fx, BOB "o/1", "forged", "2099-01-01T00:00:00Z");
	assert_string_equal(by_uid(fx, a, BOB "o/1").text,
	                    "a message of the history");
	assert_int_equal(by_uid(fx, a, BOB "o/1").updated, 0);
	/* Deletes: theirs drops the text for good (a later edit changes
	 * nothing); ours is ignored; one of a message never here stores
	 * nothing. */
	deliver_tombstone(fx, BOB "i/2");
	assert_true(by_uid(fx, a, BOB "i/2").deleted);
	assert_string_equal(by_uid(fx, a, BOB "i/2").text, "");
	deliver(fx, BOB "i/2", "back from the dead", "2099-01-01T00:00:00Z");
	assert_string_equal(by_uid(fx, a, BOB "i/2").text, "");
	deliver_tombstone(fx, BOB "o/2");
	assert_false(by_uid(fx, a, BOB "o/2").deleted);
	assert_string_equal(by_uid(fx, a, BOB "o/2").text,
	                    "a message of the history");
	deliver_tombstone(fx, BOB "never-here");
	assert_null(by_uid(fx, a, BOB "never-here").uid);
	/* A reaction's tombstone takes the reaction away. */
	deliver_reaction(fx, BOB "r/1", "\xf0\x9f\x91\x8d", BOB "o/1");
	assert_non_null(by_uid(fx, a, BOB "o/1").their_reaction);
	deliver_tombstone(fx, BOB "r/1");
	assert_null(by_uid(fx, a, BOB "o/1").their_reaction);
	assert_false(by_uid(fx, a, BOB "o/1").deleted);
	ic_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_emoji_one),
	        T(test_react_receive),
	        T(test_edit_receive),
#undef T
	};

	return cmocka_run_group_tests_name("react", tests, NULL, NULL);
}
