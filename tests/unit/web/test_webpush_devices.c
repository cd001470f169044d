/*
 * test_webpush_devices.c - the owner's Web Push devices (issue 16,
 * lib/web/webpush_devices.c, lib/store/store_webpush.c): the VAPID key
 * made once and kept; a subscription added, replaced and removed with
 * session and CSRF; bad endpoints and keys refused with a sentence and
 * nothing stored; the device limit; no owner action without CSRF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cgi/route.h"
#include "cgi/session.h"
#include "core/ic_limits.h"
#include "fixture.h"
#include "store/store_webpush.h"
#include "web/webpush_devices.h"

#define SID "webpush-test-session-0123456789abcdef"
/* RFC 8291 Appendix A's device keys. */
#define P256DH                                                                 \
	"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7V" \
	"d8pZGH6SRpkNtoIAiw4"
#define AUTH "BTBZMqHH6r4Tts7J_aSIgg"

static const struct ic_route routes[] = {
        {"GET", "/webpush", ic_webpush_key_get, IC_NEED_OWNER_API, ""},
        {"POST", "/webpush/subscribe", ic_webpush_subscribe,
         IC_NEED_OWNER_ACTION, ""},
        {"POST", "/webpush/unsubscribe", ic_webpush_unsubscribe,
         IC_NEED_OWNER_ACTION, ""},
};

static int setup(void **state)
{
	struct ic_fx *fx;

	if (ic_fx_setup(state) != 0)
		return 1;
	fx = *state;
	ic_fx_session(fx, SID, IC_FX_ME, (long long)time(NULL) + 3600);
	return 0;
}

static void get_key(struct ic_fx *fx, struct ic_fx_run *r)
{
	struct ic_fx_call c = {.program = "auth",
	                       .method = "GET",
	                       .path = "/webpush",
	                       .accept = "application/json"};

	c.cookie = ic_fx_cookie(fx, SID);
	ic_fx_run(fx, routes, 3, &c, r);
}

/* POST @p path with @p form and the session's CSRF token, as the
 * settings page's script does. */
static void post(struct ic_fx *fx, const char *path, const char *form,
                 struct ic_fx_run *r)
{
	char csrf[65], body[2048];
	struct ic_fx_call c = {.program = "auth",
	                       .method = "POST",
	                       .path = path,
	                       .origin = "https://alice.example",
	                       .accept = "application/json",
	                       .body = body};

	ic_session_csrf(SID, csrf);
	snprintf(body, sizeof(body), "%s&csrf=%s", form, csrf);
	c.cookie = ic_fx_cookie(fx, SID);
	ic_fx_run(fx, routes, 3, &c, r);
}

static void subscribe(struct ic_fx *fx, const char *endpoint,
                      const char *p256dh, const char *auth, struct ic_fx_run *r)
{
	char form[1024];

	snprintf(form, sizeof(form), "endpoint=%s&p256dh=%s&auth=%s", endpoint,
	         p256dh, auth);
	post(fx, "/webpush/subscribe", form, r);
}

struct listed {
	struct ic_arena *a;
	struct ic_webpush_device *d;
	size_t n;
};

static enum ic_err list_txn(struct ic_store_txn *t, void *p)
{
	struct listed *l = p;

	return ic_store_webpush_list_in_txn(t, l->a, &l->d, &l->n);
}

static size_t devices(struct ic_fx *fx, struct listed *l)
{
	l->a = ic_arena_new(0);
	assert_int_equal(ic_fx_txn(fx, NULL, false, list_txn, l), IC_OK);
	return l->n;
}

static void key_made_once_and_kept(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	char first[128];

	get_key(fx, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(strlen(ic_fx_jstr(&r, "key")), 87);
	assert_true(ic_fx_jstr(&r, "key")[0] == 'B'); /* 0x04: uncompressed */
	snprintf(first, sizeof(first), "%s", ic_fx_jstr(&r, "key"));
	ic_fx_done(&r);
	get_key(fx, &r);
	assert_string_equal(ic_fx_jstr(&r, "key"), first);
	ic_fx_done(&r);
}

static void subscribe_replace_unsubscribe(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct listed l;

	subscribe(fx, "https://push.example.net/wpush/1", P256DH, AUTH, &r);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
	/* The same browser again: replaced, not added. */
	subscribe(fx, "https://push.example.net/wpush/1", P256DH, AUTH, &r);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
	subscribe(fx, "https://push.example.net/wpush/2", P256DH, AUTH, &r);
	ic_fx_done(&r);
	assert_int_equal(devices(fx, &l), 2);
	assert_string_equal(l.d[0].p256dh, P256DH);
	ic_arena_free(l.a);
	post(fx, "/webpush/unsubscribe",
	     "endpoint=https://push.example.net/wpush/1", &r);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
	/* Twice is no error: the device is off either way. */
	post(fx, "/webpush/unsubscribe",
	     "endpoint=https://push.example.net/wpush/1", &r);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
	assert_int_equal(devices(fx, &l), 1);
	assert_string_equal(l.d[0].endpoint,
	                    "https://push.example.net/wpush/2");
	ic_arena_free(l.a);
}

static void refused(struct ic_fx *fx, const char *endpoint, const char *p256dh,
                    const char *auth, const char *says)
{
	struct ic_fx_run r;
	struct listed l;

	subscribe(fx, endpoint, p256dh, auth, &r);
	assert_int_equal(r.status, 400);
	if (strstr(r.body, says) == NULL)
		fail_msg("wanted \"%s\" in: %s", says, r.body);
	ic_fx_done(&r);
	assert_int_equal(devices(fx, &l), 0);
	ic_arena_free(l.a);
}

static void bad_subscriptions_refused(void **state)
{
	struct ic_fx *fx = *state;

	refused(fx, "http://push.example.net/x", P256DH, AUTH, "https URL");
	refused(fx, "javascript:alert(1)", P256DH, AUTH, "https URL");
	refused(fx, "", P256DH, AUTH, "needs one endpoint");
	refused(fx, "https://push.example.net/x", "BCVx", AUTH, "p256dh");
	refused(fx, "https://push.example.net/x", P256DH, "AAAA",
	        "auth secret");
	refused(fx, "https://push.example.net/x", P256DH, "", "needs one auth");
}

static void device_limit(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	char url[64];

	for (int i = 0; i <= IC_WEBPUSH_DEVICES_MAX; i++) {
		snprintf(url, sizeof(url), "https://push.example.net/%d", i);
		subscribe(fx, url, P256DH, AUTH, &r);
		assert_int_equal(r.status,
		                 i < IC_WEBPUSH_DEVICES_MAX ? 200 : 413);
		ic_fx_done(&r);
	}
	/* One already there may still renew its keys. */
	subscribe(fx, "https://push.example.net/0", P256DH, AUTH, &r);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
}

static void no_csrf_no_change(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct listed l;
	struct ic_fx_call c = {.program = "auth",
	                       .method = "POST",
	                       .path = "/webpush/subscribe",
	                       .accept = "application/json",
	                       .body = "endpoint=https://push.example.net/x&"
	                               "p256dh=" P256DH "&auth=" AUTH};

	c.cookie = ic_fx_cookie(fx, SID);
	ic_fx_run(fx, routes, 3, &c, &r);
	assert_int_equal(r.status, 403);
	ic_fx_done(&r);
	assert_int_equal(devices(fx, &l), 0);
	ic_arena_free(l.a);
}

struct told {
	struct ic_arena *a;
	const char *id;
};

static enum ic_err told_txn(struct ic_store_txn *t, void *p)
{
	struct told *w = p;

	return ic_store_webpush_told_in_txn(
	        t, w->a, "https://push.example.net/1", w->id);
}

/* A device remembers the notifications it got, the last
 * IC_WEBPUSH_TOLD_KEEP of them, as whole ids. */
static void told_once_per_device(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_run r;
	struct listed l;
	struct told w = {ic_arena_new(0), NULL};
	char id[32];

	subscribe(fx, "https://push.example.net/1", P256DH, AUTH, &r);
	ic_fx_done(&r);
	for (int i = 0; i <= IC_WEBPUSH_TOLD_KEEP; i++) {
		snprintf(id, sizeof(id), "c0nv:%d", i);
		w.id = id;
		assert_int_equal(ic_fx_txn(fx, NULL, true, told_txn, &w),
		                 IC_OK);
	}
	devices(fx, &l);
	assert_false(ic_store_webpush_was_told(&l.d[0], "c0nv:0"));
	assert_true(ic_store_webpush_was_told(&l.d[0], "c0nv:1"));
	assert_true(ic_store_webpush_was_told(&l.d[0], id));
	assert_false(ic_store_webpush_was_told(&l.d[0], "c0nv:3"
	                                                "3"));
	assert_false(ic_store_webpush_was_told(&l.d[0], "0nv:1"));
	assert_false(ic_store_webpush_was_told(&l.d[0], "c0nv:"));
	ic_arena_free(l.a);
	ic_arena_free(w.a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, ic_fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(key_made_once_and_kept),    T(subscribe_replace_unsubscribe),
	        T(bad_subscriptions_refused), T(device_limit),
	        T(no_csrf_no_change),         T(told_once_per_device),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
