/* test_route.c - the dispatcher (lib/cgi/route.c): 404, 405, 413, 415, HEAD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "cgi/route.h"

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
	r->in = fmemopen((void *)(body ? body : ""), body ? strlen(body) + 1 : 1,
			 "r");
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
	};

	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
