/*
 * test_route.c - the dispatcher (lib/cgi/route.c): 404, 405, 413, 415,
 * HEAD, and the owner needs (issue 10; IA-C-20, SEC-10; docs/web.md
 * "CSRF" and "Pages"): a route that says it is the owner's is refused
 * without a session before its handler runs, whatever the handler does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <time.h>

#include "fixture.h"
#include "core/ic_limits.h"
#include "cgi/route.h"
#include "cgi/session.h"
#include "store/store.h"
#include "text/form.h"

static int calls;

static enum ic_err h_ok(struct ic_req *req)
{
	calls++;
	return ic_resp_text(req, 200, "ok");
}

static enum ic_err h_topic(struct ic_req *req)
{
	calls++;
	return ic_resp_text(req, 200, ic_req_param(req, "topic"));
}

static enum ic_err h_form(struct ic_req *req)
{
	calls++;
	return ic_resp_text(req, 200, ic_form_get(&req->form, "text"));
}

static enum ic_err h_gone(struct ic_req *req)
{
	calls++;
	return ic_fail(req->errbuf, IC_ERR_GONE, "callback retired");
}

static const struct ic_route routes[] = {
        {"GET", "/", h_ok, IC_NEED_NOTHING, "home"},
        {"GET", "/ping", h_ok, IC_NEED_NOTHING, "ping"},
        {"POST", "/ping", h_form, IC_NEED_FORM, "ping post"},
        {"GET", "/{topic}", h_topic, IC_NEED_NOTHING, "a topic"},
        {"POST", "/cb/{id}", h_gone, IC_NEED_BODY, "a callback"},
};

struct run {
	struct ic_req req;
	char *out;
	size_t outlen;
	FILE *in;
	enum ic_err rc;
};

static void run(struct run *r, const char *method, const char *path,
                const char *ctype, const char *body)
{
	FILE *out;
	static char len[32];

	memset(r, 0, sizeof(*r));
	calls = 0;
	r->in = fmemopen((void *)(body ? body : ""),
	                 body ? strlen(body) + 1 : 1, "r");
	out = open_memstream(&r->out, &r->outlen);
	assert_int_equal(ic_cgi_req_init(&r->req, "test", r->in, out), IC_OK);
	r->req.env.method = method;
	r->req.env.path_info = path;
	r->req.env.content_type = ctype;
	if (body) {
		snprintf(len, sizeof(len), "%zu", strlen(body));
		r->req.env.content_length = len;
	}
	r->rc = ic_route_dispatch(&r->req, routes,
	                          sizeof(routes) / sizeof(routes[0]));
	ic_cgi_respond(&r->req);
	fflush(out);
}

static void done(struct run *r)
{
	fclose(r->req.out);
	fclose(r->in);
	ic_cgi_req_free(&r->req);
	free(r->out);
}

static void test_route_match_literal_and_params(void **state)
{
	(void)state;
	assert_true(ic_route_match("/ping", "/ping", NULL));
	assert_false(ic_route_match("/ping", "/ping/", NULL));
	assert_false(ic_route_match("/ping", "/pin", NULL));
	assert_false(ic_route_match("/", "", NULL));
	assert_true(ic_route_match("/{t}", "/abc-DEF_12", NULL));
	assert_false(ic_route_match("/{t}", "/", NULL));
	assert_false(ic_route_match("/{t}", "/a.b", NULL));
	assert_false(ic_route_match("/{t}", "/a/b", NULL));
	assert_true(ic_route_match("/cb/{id}", "/cb/x1", NULL));
	assert_false(ic_route_match("/cb/{id}", "/cb/", NULL));
}

static void test_route_unknown_path_is_404(void **state)
{
	struct run r;

	(void)state;
	run(&r, "GET", "/no/such/page", NULL, NULL);
	assert_int_equal(r.rc, IC_ERR_NOT_FOUND);
	assert_int_equal(calls, 0);
	assert_non_null(strstr(r.out, "Status: 404 Not Found"));
	done(&r);
	run(&r, "GET", "", NULL, NULL);
	assert_int_equal(r.rc, IC_ERR_NOT_FOUND);
	done(&r);
}

static void test_route_wrong_method_is_405_with_allow(void **state)
{
	struct run r;

	(void)state;
	run(&r, "DELETE", "/ping", NULL, NULL);
	assert_int_equal(r.rc, IC_ERR_METHOD);
	assert_int_equal(calls, 0);
	assert_non_null(strstr(r.out, "Status: 405 "));
	assert_non_null(strstr(r.out, "Allow: GET, POST, HEAD\r\n"));
	done(&r);
}

static void test_route_head_uses_get_without_body_h_9(void **state)
{
	struct run r;

	(void)state;
	run(&r, "HEAD", "/ping", NULL, NULL);
	assert_int_equal(r.rc, IC_OK);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(r.out, "Status: 200 OK"));
	assert_non_null(strstr(r.out, "Content-Length: 3\r\n"));
	assert_null(strstr(r.out, "\r\n\r\nok"));
	done(&r);
}

static void test_route_captures_path_parameter(void **state)
{
	struct run r;

	(void)state;
	run(&r, "GET", "/abcdef234", NULL, NULL);
	assert_int_equal(r.rc, IC_OK);
	assert_non_null(strstr(r.out, "\r\n\r\nabcdef234\n"));
	done(&r);
}

static void test_route_form_is_parsed_for_handler_h_6(void **state)
{
	struct run r;

	(void)state;
	run(&r, "POST", "/ping", "application/x-www-form-urlencoded",
	    "text=hello+there%21");
	assert_int_equal(r.rc, IC_OK);
	assert_non_null(strstr(r.out, "hello there!"));
	done(&r);
}

static void test_route_form_with_wrong_type_is_415(void **state)
{
	struct run r;

	(void)state;
	run(&r, "POST", "/ping", "text/plain", "text=x");
	assert_int_equal(r.rc, IC_ERR_MEDIA_TYPE);
	assert_int_equal(calls, 0);
	assert_non_null(strstr(r.out, "Status: 415 "));
	done(&r);
}

static void test_route_bad_form_is_400(void **state)
{
	struct run r;

	(void)state;
	run(&r, "POST", "/ping", "application/x-www-form-urlencoded",
	    "text=%zz");
	assert_int_equal(r.rc, IC_ERR_BAD_INPUT);
	assert_int_equal(calls, 0);
	assert_non_null(strstr(r.out, "Status: 400 "));
	done(&r);
}

static void test_route_body_over_cap_is_413(void **state)
{
	struct run r;
	size_t n = IC_MAX_BODY_BYTES + 10;
	char *big = malloc(n + 1);

	(void)state;
	memset(big, 'a', n);
	memcpy(big, "text=", 5);
	big[n] = '\0';
	run(&r, "POST", "/ping", "application/x-www-form-urlencoded", big);
	assert_int_equal(r.rc, IC_ERR_TOO_LARGE);
	assert_int_equal(calls, 0);
	assert_non_null(strstr(r.out, "Status: 413 "));
	done(&r);
	free(big);
}

static void test_route_handler_error_becomes_response(void **state)
{
	struct run r;

	(void)state;
	run(&r, "POST", "/cb/abc", "application/octet-stream", "x");
	assert_int_equal(r.rc, IC_ERR_GONE);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(r.out, "Status: 410 Gone"));
	assert_non_null(strstr(r.out, "callback retired"));
	done(&r);
}

/* --- Owner needs (issue 10) ------------------------------------------- */

#define SID "session-id-0123456789abcdefghijklmnopqrstu"

static char owner_seen[256]; /* req->owner->me as the handler saw it */

/* Checks nothing at all: only the route's need stands in the way. */
static enum ic_err h_unchecked(struct ic_req *req)
{
	calls++;
	snprintf(owner_seen, sizeof(owner_seen), "%s",
	         req->owner ? req->owner->me : "(none)");
	return ic_resp_text(req, 200, "the owner's secret");
}

static const struct ic_route owner_routes[] = {
        {"GET", "/contacts", h_unchecked, IC_NEED_OWNER_PAGE, "a page"},
        {"GET", "/with/{conv}", h_unchecked, IC_NEED_OWNER_PAGE, "a page"},
        {"GET", "/api/inbox", h_unchecked, IC_NEED_OWNER_API, "JSON"},
        {"POST", "/act", h_unchecked, IC_NEED_OWNER_ACTION, "an action"},
        {"GET", "/open", h_unchecked, IC_NEED_NOTHING, "anyone's"},
};
#define NOWNER (sizeof(owner_routes) / sizeof(owner_routes[0]))

static void owner_run(struct ic_fx *fx, struct ic_fx_call *c,
                      struct ic_fx_run *r)
{
	calls = 0;
	owner_seen[0] = '\0';
	ic_fx_run(fx, owner_routes, NOWNER, c, r);
}

static long long in_an_hour(void)
{
	return (long long)time(NULL) + 3600;
}

static void test_route_owner_page_without_session_is_303_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.path = "/contacts"};
	struct ic_fx_run r;
	struct ic_form q = {0};
	struct ic_arena *a = ic_arena_new(0);
	char loc[1024];
	const char *query;

	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 303);
	assert_int_equal(calls, 0);
	assert_null(strstr(r.body, "secret"));
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
	assert_true(ic_fx_header(&r, "Location", loc, sizeof(loc)));
	assert_memory_equal(loc, IC_FX_BASE "/auth/login?",
	                    strlen(IC_FX_BASE "/auth/login?"));
	query = loc + strlen(IC_FX_BASE "/auth/login?");
	assert_int_equal(ic_form_parse(&q, a, query, strlen(query), NULL),
	                 IC_OK);
	assert_string_equal(ic_form_get(&q, "next"),
	                    "/indiechat/feed/contacts");
	ic_fx_done(&r);
	/* A JSON Accept does not make a page an API. */
	c.accept = "application/json";
	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 303);
	assert_int_equal(calls, 0);
	ic_fx_done(&r);
	/* An expired session is no session. */
	ic_fx_session(fx, SID, IC_FX_ME, (long long)time(NULL) - 1);
	c.cookie = ic_fx_cookie(fx, SID);
	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 303);
	assert_int_equal(calls, 0);
	ic_fx_done(&r);
	ic_arena_free(a);
}

static void test_route_owner_page_next_uses_script_name_ia_c_20(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.path = "/with/abc",
	                       .script_name = "/indiechat/feed"};
	struct ic_fx_run r;
	char loc[1024];

	owner_run(fx, &c, &r);
	assert_true(ic_fx_header(&r, "Location", loc, sizeof(loc)));
	assert_non_null(strstr(loc, "next=%2Findiechat%2Ffeed%2Fwith%2Fabc"));
	ic_fx_done(&r);
	/* A SCRIPT_NAME outside B falls back to the inbox. */
	c.script_name = "//evil.example";
	owner_run(fx, &c, &r);
	assert_true(ic_fx_header(&r, "Location", loc, sizeof(loc)));
	assert_null(strstr(loc, "evil"));
	assert_non_null(strstr(loc, "next=%2Findiechat%2Ffeed%2F"));
	assert_int_equal(calls, 0);
	ic_fx_done(&r);
}

static void test_route_owner_api_without_session_is_401_json(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.path = "/api/inbox"};
	struct ic_fx_run r;

	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 401);
	assert_int_equal(calls, 0);
	assert_true(ic_fx_has_header(&r, "Content-Type: application/json"));
	assert_true(ic_fx_has_header(&r, "Cache-Control: no-store"));
	assert_string_equal(ic_fx_jstr(&r, "error"), "not signed in");
	ic_fx_done(&r);
	/* A browser's Accept does not turn it into a redirect. */
	c.accept = "text/html";
	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 401);
	assert_int_equal(calls, 0);
	ic_fx_done(&r);
}

static void test_route_owner_page_and_api_with_session_run(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.path = "/contacts"};
	struct ic_fx_run r;

	ic_fx_session(fx, SID, IC_FX_ME, in_an_hour());
	c.cookie = ic_fx_cookie(fx, SID);
	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(calls, 1);
	assert_string_equal(owner_seen, IC_FX_ME);
	ic_fx_done(&r);
	c.path = "/api/inbox";
	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(calls, 1);
	assert_string_equal(owner_seen, IC_FX_ME);
	ic_fx_done(&r);
	/* Routes without an owner need see no owner, even signed in. */
	c.path = "/open";
	owner_run(fx, &c, &r);
	assert_int_equal(calls, 1);
	assert_string_equal(owner_seen, "(none)");
	ic_fx_done(&r);
}

/* POST /act with @p form; 403 expected and the handler never called. */
static void assert_action_refused(struct ic_fx *fx, const char *cookie,
                                  const char *origin, const char *form)
{
	struct ic_fx_call c = {.method = "POST",
	                       .path = "/act",
	                       .cookie = cookie,
	                       .origin = origin,
	                       .body = form};
	struct ic_fx_run r;

	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 403);
	assert_int_equal(calls, 0);
	assert_null(strstr(r.body, "secret"));
	ic_fx_done(&r);
}

static void test_route_owner_action_refused_is_403_sec_10(void **state)
{
	struct ic_fx *fx = *state;
	char csrf[65], form[256], other[65], wrong[256];
	const char *cookie;

	ic_fx_session(fx, SID, IC_FX_ME, in_an_hour());
	cookie = ic_fx_cookie(fx, SID);
	ic_session_csrf(SID, csrf);
	ic_session_csrf("another-session", other);
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	snprintf(wrong, sizeof(wrong), "csrf=%s", other);
	assert_action_refused(fx, NULL, NULL, form);    /* no session */
	assert_action_refused(fx, cookie, NULL, "x=1"); /* no token */
	assert_action_refused(fx, cookie, NULL, wrong); /* wrong one */
	assert_action_refused(fx, cookie, "https://evil.example", form);
}

static void test_route_owner_action_refusal_page_or_plain(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.method = "POST",
	                       .path = "/act",
	                       .body = "next=%2Findiechat%2Ffeed%2Fcontacts"};
	struct ic_fx_run r;

	/* A browser: an HTML page that says why and links back. */
	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 403);
	assert_true(ic_fx_has_header(&r, "Content-Type: text/html"));
	assert_non_null(strstr(r.body, "Not done"));
	assert_non_null(strstr(r.body, "sign in first"));
	assert_non_null(strstr(r.body, IC_FX_BASE "/feed/contacts"));
	ic_fx_done(&r);
	/* The script and JSON callers: the plain error. */
	c.accept = "application/json";
	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 403);
	assert_true(ic_fx_has_header(&r, "Content-Type: text/plain"));
	assert_int_equal(calls, 0);
	ic_fx_done(&r);
}

static void test_route_owner_action_with_session_and_csrf_runs(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.method = "POST",
	                       .path = "/act",
	                       .origin = "https://alice.example"};
	struct ic_fx_run r;
	char csrf[65], form[128];

	ic_fx_session(fx, SID, IC_FX_ME, in_an_hour());
	c.cookie = ic_fx_cookie(fx, SID);
	ic_session_csrf(SID, csrf);
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	c.body = form;
	owner_run(fx, &c, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(calls, 1);
	assert_string_equal(owner_seen, IC_FX_ME);
	ic_fx_done(&r);
}

/* --- Safe methods (issue 11; RFC 9110 §9.2.1) ------------------------ */

/* A GET that writes, as the conversation page marks messages read. */
static enum ic_err put_mark(struct ic_store_txn *t, void *p)
{
	(void)p;
	return ic_store_txn_put(t, IC_DB_META, "mark", 4, "read", 4, 0);
}

static enum ic_err h_marks(struct ic_req *req)
{
	struct ic_store *st;
	enum ic_err rc;

	calls++;
	rc = ic_req_store(req, &st);
	if (rc == IC_OK)
		rc = ic_store_update(st, put_mark, NULL, req->errbuf);
	return rc == IC_OK ? ic_resp_text(req, 200, "marked") : rc;
}

static const struct ic_route safe_routes[] = {
        {"GET", "/marks", h_marks, IC_NEED_NOTHING, "marks on GET"},
        {"GET", "/acts", h_unchecked, IC_NEED_GET_ACTS, "acts elsewhere"},
};

static bool marked(struct ic_fx *fx)
{
	struct ic_store *st;
	struct ic_arena *a = ic_arena_new(0);
	char errbuf[IC_ERRBUF_SIZE];
	void *v;
	size_t n;
	enum ic_err rc;

	assert_non_null(a);
	assert_int_equal(ic_store_open(&st, fx->dir, errbuf), IC_OK);
	rc = ic_store_get(st, a, IC_DB_META, "mark", 4, &v, &n, errbuf);
	ic_store_close(st);
	ic_arena_free(a);
	return rc == IC_OK;
}

static void test_route_head_changes_nothing(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.method = "HEAD", .path = "/marks"};
	struct ic_fx_run r;

	calls = 0;
	ic_fx_run(fx, safe_routes, 2, &c, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(calls, 1); /* the same answer as GET ... */
	ic_fx_done(&r);
	assert_false(marked(fx)); /* ... and nothing kept */
	c.method = "GET";
	ic_fx_run(fx, safe_routes, 2, &c, &r);
	assert_int_equal(r.status, 200);
	ic_fx_done(&r);
	assert_true(marked(fx));
}

static void test_route_head_on_a_get_that_acts_is_405(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_fx_call c = {.method = "HEAD", .path = "/acts"};
	struct ic_fx_run r;
	char allow[64];

	calls = 0;
	ic_fx_run(fx, safe_routes, 2, &c, &r);
	assert_int_equal(r.status, 405);
	assert_int_equal(calls, 0);
	assert_true(ic_fx_header(&r, "Allow", allow, sizeof(allow)));
	assert_string_equal(allow, "GET");
	ic_fx_done(&r);
	c.method = "GET";
	ic_fx_run(fx, safe_routes, 2, &c, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(calls, 1);
	ic_fx_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_route_match_literal_and_params),
	        cmocka_unit_test(test_route_unknown_path_is_404),
	        cmocka_unit_test(test_route_wrong_method_is_405_with_allow),
	        cmocka_unit_test(test_route_head_uses_get_without_body_h_9),
	        cmocka_unit_test(test_route_captures_path_parameter),
	        cmocka_unit_test(test_route_form_is_parsed_for_handler_h_6),
	        cmocka_unit_test(test_route_form_with_wrong_type_is_415),
	        cmocka_unit_test(test_route_bad_form_is_400),
	        cmocka_unit_test(test_route_body_over_cap_is_413),
	        cmocka_unit_test(test_route_handler_error_becomes_response),
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	        T(test_route_head_changes_nothing),
	        T(test_route_head_on_a_get_that_acts_is_405),
	        T(test_route_owner_page_without_session_is_303_ia_c_20),
	        T(test_route_owner_page_next_uses_script_name_ia_c_20),
	        T(test_route_owner_api_without_session_is_401_json),
	        T(test_route_owner_page_and_api_with_session_run),
	        T(test_route_owner_action_refused_is_403_sec_10),
	        T(test_route_owner_action_refusal_page_or_plain),
	        T(test_route_owner_action_with_session_and_csrf_runs),
#undef T
	};

	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
