/* test_cgi.c - CGI input, output and detaching (lib/cgi/cgi.c), H-9. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgi/cgi.h"
#include "cgi/program.h"
#include "core/ic_limits.h"

struct fixture {
	struct ic_req req;
	char *outbuf;
	size_t outlen;
	FILE *in;
};

/* A request whose stdin holds @body and whose stdout is captured. */
static struct fixture *fixture_new(const char *body)
{
	struct fixture *f = calloc(1, sizeof(*f));
	FILE *out;

	assert_non_null(f);
	f->in = fmemopen((void *)(body ? body : ""),
	                 body ? strlen(body) + 1 : 1, "r");
	out = open_memstream(&f->outbuf, &f->outlen);
	assert_int_equal(ic_cgi_req_init(&f->req, "test", f->in, out), IC_OK);
	return f;
}

static const char *fixture_output(struct fixture *f)
{
	fflush(f->req.out);
	return f->outbuf;
}

static void fixture_free(struct fixture *f)
{
	fclose(f->req.out);
	fclose(f->in);
	ic_cgi_req_free(&f->req);
	free(f->outbuf);
	free(f);
}

static void test_cgi_content_length_is_parsed_strictly(void **state)
{
	size_t n;

	(void)state;
	assert_int_equal(ic_cgi_content_length(NULL, &n), IC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ic_cgi_content_length("", &n), IC_OK);
	assert_int_equal(ic_cgi_content_length("0", &n), IC_OK);
	assert_int_equal(ic_cgi_content_length("1234", &n), IC_OK);
	assert_int_equal(n, 1234);
	assert_int_equal(ic_cgi_content_length("-1", &n), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_cgi_content_length("+1", &n), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_cgi_content_length(" 1", &n), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_cgi_content_length("12a", &n), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_cgi_content_length("1e3", &n), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_cgi_content_length("9999999999999", &n),
	                 IC_ERR_BAD_INPUT);
}

static void test_cgi_env_is_read_once_with_defaults(void **state)
{
	struct fixture *f = fixture_new(NULL);
	char *envp[] = {"GATEWAY_INTERFACE=CGI/1.1",
	                "REQUEST_METHOD=GET",
	                "QUERY_STRING=a=1&b=x%20y",
	                "HTTP_COOKIE=s=1",
	                "INDIECHAT_CONFIG=/etc/x.conf",
	                "SCRIPT_FILENAME=/srv/www/indiechat/auth.cgi",
	                NULL};

	(void)state;
	assert_true(ic_cgi_is_cgi(envp));
	assert_int_equal(ic_cgi_read_env(&f->req, envp), IC_OK);
	assert_string_equal(f->req.env.method, "GET");
	assert_string_equal(f->req.env.path_info, "");
	assert_string_equal(f->req.env.config_path, "/etc/x.conf");
	assert_string_equal(f->req.env.script_filename,
	                    "/srv/www/indiechat/auth.cgi");
	assert_string_equal(ic_form_get(&f->req.query, "b"), "x y");
	assert_null(f->req.env.authorization);
	fixture_free(f);
}

/* Where the configuration beside the programs is looked for (issue 12):
 * the directory of the program Apache ran, never a relative one. */
static void test_program_dir_of(void **state)
{
	struct fixture *f = fixture_new(NULL);
	struct ic_arena *a = f->req.arena;

	(void)state;
	assert_string_equal(ic_program_dir_of(a, "/srv/www/ic/auth.cgi"),
	                    "/srv/www/ic");
	assert_string_equal(ic_program_dir_of(a, "/srv/www/ic/"),
	                    "/srv/www/ic");
	assert_string_equal(ic_program_dir_of(a, "/auth"), "/");
	assert_null(ic_program_dir_of(a, "auth.cgi"));
	assert_null(ic_program_dir_of(a, "ic/auth.cgi"));
	assert_null(ic_program_dir_of(a, ""));
	assert_null(ic_program_dir_of(a, NULL));
	fixture_free(f);
}

static void test_cgi_terminal_is_not_cgi(void **state)
{
	char *envp[] = {"PATH=/bin", "REQUEST_METHOD=GET", NULL};

	(void)state;
	assert_false(ic_cgi_is_cgi(envp));
}

static void test_cgi_env_rejects_bad_method_and_long_path(void **state)
{
	struct fixture *f = fixture_new(NULL);
	char *bad[] = {"REQUEST_METHOD=get", NULL};
	char *none[] = {"PATH_INFO=/x", NULL};
	char *longpath = malloc(IC_MAX_PATH_BYTES + 20);
	char *lp[] = {"REQUEST_METHOD=GET", longpath, NULL};

	(void)state;
	assert_int_equal(ic_cgi_read_env(&f->req, bad), IC_ERR_BAD_INPUT);
	assert_int_equal(ic_cgi_read_env(&f->req, none), IC_ERR_BAD_INPUT);
	strcpy(longpath, "PATH_INFO=/");
	memset(longpath + 11, 'a', IC_MAX_PATH_BYTES);
	longpath[11 + IC_MAX_PATH_BYTES] = '\0';
	assert_int_equal(ic_cgi_read_env(&f->req, lp), IC_ERR_TOO_LARGE);
	free(longpath);
	fixture_free(f);
}

static void test_cgi_body_is_read_exactly_h_9(void **state)
{
	struct fixture *f = fixture_new("a=1&b=2TRAILING");

	(void)state;
	f->req.env.content_length = "7";
	assert_int_equal(ic_cgi_read_body(&f->req, 100), IC_OK);
	assert_int_equal(f->req.body_len, 7);
	assert_string_equal(f->req.body, "a=1&b=2");
	fixture_free(f);
}

static void test_cgi_body_over_cap_is_refused_and_drained(void **state)
{
	struct fixture *f = fixture_new("0123456789");

	(void)state;
	f->req.env.content_length = "10";
	assert_int_equal(ic_cgi_read_body(&f->req, 5), IC_ERR_TOO_LARGE);
	assert_null(f->req.body);
	/* Drained: only the fmemopen terminator byte is left unread. */
	assert_int_equal(fgetc(f->in), 0);
	assert_int_equal(fgetc(f->in), EOF);
	assert_non_null(strstr(f->req.errbuf, "limit"));
	fixture_free(f);
}

static void test_cgi_short_body_is_bad_input(void **state)
{
	struct fixture *f = fixture_new("abc");

	(void)state;
	f->req.env.content_length = "50";
	assert_int_equal(ic_cgi_read_body(&f->req, 100), IC_ERR_BAD_INPUT);
	fixture_free(f);
}

static void test_cgi_bad_content_length_is_bad_input(void **state)
{
	struct fixture *f = fixture_new("abc");

	(void)state;
	f->req.env.content_length = "3x";
	assert_int_equal(ic_cgi_read_body(&f->req, 100), IC_ERR_BAD_INPUT);
	fixture_free(f);
}

static void test_cgi_bearer_token_rs_1(void **state)
{
	struct fixture *f = fixture_new(NULL);

	(void)state;
	f->req.env.authorization = "Bearer abc-._~+/123==";
	assert_string_equal(ic_cgi_bearer(&f->req), "abc-._~+/123==");
	f->req.env.authorization = "bearer xyz";
	assert_string_equal(ic_cgi_bearer(&f->req), "xyz");
	f->req.env.authorization = "Basic dXNlcjpwYXNz";
	assert_null(ic_cgi_bearer(&f->req));
	f->req.env.authorization = "Bearer ";
	assert_null(ic_cgi_bearer(&f->req));
	f->req.env.authorization = "Bearer a b";
	assert_null(ic_cgi_bearer(&f->req));
	f->req.env.authorization = "Bearer a=b";
	assert_null(ic_cgi_bearer(&f->req));
	f->req.env.authorization = "Bearerabc";
	assert_null(ic_cgi_bearer(&f->req));
	f->req.env.authorization = NULL;
	assert_null(ic_cgi_bearer(&f->req));
	fixture_free(f);
}

static void test_cgi_cookie_lookup_first_wins(void **state)
{
	struct fixture *f = fixture_new(NULL);

	(void)state;
	f->req.env.cookie = "ab=0; a=1; b=2; a=3";
	assert_string_equal(ic_cgi_cookie(&f->req, "a"), "1");
	assert_string_equal(ic_cgi_cookie(&f->req, "b"), "2");
	assert_string_equal(ic_cgi_cookie(&f->req, "ab"), "0");
	assert_null(ic_cgi_cookie(&f->req, "c"));
	f->req.env.cookie = NULL;
	assert_null(ic_cgi_cookie(&f->req, "a"));
	fixture_free(f);
}

static void test_cgi_media_type_drops_parameters(void **state)
{
	struct fixture *f = fixture_new(NULL);

	(void)state;
	f->req.env.content_type =
	        "Application/X-WWW-Form-URLEncoded ; charset=UTF-8";
	assert_string_equal(ic_cgi_media_type(&f->req),
	                    "application/x-www-form-urlencoded");
	f->req.env.content_type = NULL;
	assert_string_equal(ic_cgi_media_type(&f->req), "");
	fixture_free(f);
}

static void test_cgi_respond_prints_status_headers_body(void **state)
{
	struct fixture *f = fixture_new(NULL);
	const char *out;

	(void)state;
	f->req.env.method = "GET";
	assert_int_equal(ic_resp_text(&f->req, 202, "queued"), IC_OK);
	f->req.resp.cache_control = "no-store";
	assert_int_equal(ic_resp_add_header(&f->req.resp, "Link",
	                                    "<https://h/>; rel=\"hub\""),
	                 IC_OK);
	assert_int_equal(ic_cgi_respond(&f->req), IC_OK);
	assert_int_equal(ic_cgi_respond(&f->req), IC_OK); /* prints once */
	out = fixture_output(f);
	assert_string_equal(out, "Status: 202 Accepted\r\n"
	                         "Content-Type: text/plain; charset=utf-8\r\n"
	                         "Content-Length: 7\r\n"
	                         "Cache-Control: no-store\r\n"
	                         "X-Content-Type-Options: nosniff\r\n"
	                         "Link: <https://h/>; rel=\"hub\"\r\n"
	                         "\r\n"
	                         "queued\n");
	fixture_free(f);
}

static void test_cgi_head_has_headers_but_no_body_h_9(void **state)
{
	struct fixture *f = fixture_new(NULL);
	const char *out;

	(void)state;
	f->req.env.method = "HEAD";
	assert_int_equal(ic_resp_text(&f->req, 200, "hello"), IC_OK);
	assert_int_equal(ic_cgi_respond(&f->req), IC_OK);
	out = fixture_output(f);
	assert_non_null(strstr(out, "Content-Length: 6\r\n"));
	assert_null(strstr(out, "hello"));
	fixture_free(f);
}

/* Issue 15: a file answers one byte range (206), refuses one past its end
 * (416, no file), and sends the whole for what it does not parse. */
static void test_cgi_file_range_206_416_and_whole(void **state)
{
	static const struct {
		const char *range;
		const char *status, *content_range, *body;
	} cases[] = {
	        {"bytes=0-3", "206 Partial Content", "bytes 0-3/10", "0123"},
	        {"bytes=7-", "206 Partial Content", "bytes 7-9/10", "789"},
	        {"bytes=-2", "206 Partial Content", "bytes 8-9/10", "89"},
	        {"bytes=-20", "206 Partial Content", "bytes 0-9/10",
	         "0123456789"},
	        {"bytes=5-99", "206 Partial Content", "bytes 5-9/10", "56789"},
	        {"bytes=10-", "416 Range Not Satisfiable", "bytes */10", NULL},
	        {"bytes=-0", "416 Range Not Satisfiable", "bytes */10", NULL},
	        {"bytes=0-1,4-5", "200 OK", NULL, "0123456789"},
	        {"bytes=5-2", "200 OK", NULL, "0123456789"},
	        {"items=0-1", "200 OK", NULL, "0123456789"},
	        {"bytes=x-", "200 OK", NULL, "0123456789"},
	        {NULL, "200 OK", NULL, "0123456789"},
	};
	char path[] = "/tmp/ic-range-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture *f = fixture_new(NULL);
		char line[64];
		const char *out, *body;

		f->req.env.method = "GET";
		f->req.env.range = cases[i].range;
		assert_int_equal(ic_resp_file(&f->req, path, NULL), IC_OK);
		f->req.resp.content_type = "video/mp4";
		assert_int_equal(ic_resp_file_range(&f->req), IC_OK);
		assert_int_equal(ic_cgi_respond(&f->req), IC_OK);
		out = fixture_output(f);
		snprintf(line, sizeof(line), "Status: %s\r\n", cases[i].status);
		if (strncmp(out, line, strlen(line)) != 0)
			fail_msg("%s: %s",
			         cases[i].range ? cases[i].range : "-", out);
		assert_non_null(strstr(out, "Accept-Ranges: bytes\r\n"));
		if (cases[i].content_range) {
			snprintf(line, sizeof(line), "Content-Range: %s\r\n",
			         cases[i].content_range);
			assert_non_null(strstr(out, line));
		} else {
			assert_null(strstr(out, "Content-Range"));
		}
		body = strstr(out, "\r\n\r\n") + 4;
		if (cases[i].body)
			assert_string_equal(body, cases[i].body);
		else
			assert_null(strstr(body, "0123"));
		fixture_free(f);
	}
	unlink(path);
}

static void test_cgi_header_injection_is_refused(void **state)
{
	struct fixture *f = fixture_new(NULL);

	(void)state;
	assert_int_equal(
	        ic_resp_add_header(&f->req.resp, "X", "a\r\nSet-Cookie: x"),
	        IC_ERR_INTERNAL);
	assert_int_equal(ic_resp_add_header(&f->req.resp, "X:Y", "a"),
	                 IC_ERR_INTERNAL);
	assert_int_equal(f->req.resp.nheaders, 0);
	fixture_free(f);
}

static void test_cgi_error_response_is_plain_and_uncached(void **state)
{
	struct fixture *f = fixture_new(NULL);
	const char *out;

	(void)state;
	f->req.env.method = "GET";
	f->req.resp.allow = "GET, HEAD";
	assert_int_equal(ic_cgi_respond_error(&f->req, IC_ERR_METHOD,
	                                      "<b>PUT</b> is not allowed"),
	                 IC_OK);
	out = fixture_output(f);
	assert_non_null(strstr(out, "Status: 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(out, "Allow: GET, HEAD\r\n"));
	assert_non_null(strstr(out, "Content-Type: text/plain"));
	assert_non_null(strstr(out, "X-Content-Type-Options: nosniff"));
	assert_non_null(strstr(out, "Cache-Control: no-store"));
	fixture_free(f);
}

static void test_cgi_server_error_hides_details(void **state)
{
	struct fixture *f = fixture_new(NULL);
	const char *out;

	(void)state;
	f->req.env.method = "GET";
	assert_int_equal(ic_cgi_respond_error(&f->req, IC_ERR_DATABASE,
	                                      "/secret/path: MDB_CORRUPTED"),
	                 IC_OK);
	out = fixture_output(f);
	assert_non_null(strstr(out, "Status: 500 "));
	assert_null(strstr(out, "/secret/path"));
	fixture_free(f);
}

static void test_cgi_every_error_has_a_status(void **state)
{
	(void)state;
	assert_int_equal(ic_cgi_status(IC_OK), 200);
	assert_int_equal(ic_cgi_status(IC_ERR_BAD_INPUT), 400);
	assert_int_equal(ic_cgi_status(IC_ERR_UNAUTHENTICATED), 401);
	assert_int_equal(ic_cgi_status(IC_ERR_FORBIDDEN), 403);
	assert_int_equal(ic_cgi_status(IC_ERR_NOT_FOUND), 404);
	assert_int_equal(ic_cgi_status(IC_ERR_METHOD), 405);
	assert_int_equal(ic_cgi_status(IC_ERR_GONE), 410);
	assert_int_equal(ic_cgi_status(IC_ERR_TOO_LARGE), 413);
	assert_int_equal(ic_cgi_status(IC_ERR_MEDIA_TYPE), 415);
	assert_int_equal(ic_cgi_status(IC_ERR_NETWORK), 502);
	for (int c = 1; c < IC_ERR_LAST; c++)
		assert_true(ic_cgi_status((enum ic_err)c) >= 400);
	assert_int_equal(ic_cgi_status((enum ic_err)500), 500);
}

/*
 * Detach runs in a throwaway process, because it points the caller's
 * stdio at /dev/null.  The detached grandchild reports through a pipe it
 * was allowed to keep: its session, and whether its stdout is /dev/null.
 */
static void test_cgi_detach_leaves_session_and_stdio(void **state)
{
	int fds[2];
	pid_t helper;
	char line[128] = "";
	long child_sid = 0, helper_pid = 0;
	int devnull = 0, status;
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	helper = fork();
	assert_true(helper >= 0);
	if (helper == 0) {
		int keep[] = {fds[1], -1};
		bool child;
		struct stat a, b;

		close(fds[0]);
		if (ic_cgi_detach(keep, false, &child) != IC_OK)
			_exit(3);
		if (!child)
			_exit(0);
		fstat(1, &a);
		stat("/dev/null", &b);
		dprintf(fds[1], "%ld %d\n", (long)getsid(0),
		        a.st_rdev == b.st_rdev);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(waitpid(helper, &status, 0), helper);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	n = read(fds[0], line, sizeof(line) - 1);
	close(fds[0]);
	assert_true(n > 0);
	assert_int_equal(sscanf(line, "%ld %d", &child_sid, &devnull), 2);
	helper_pid = (long)helper;
	assert_true(child_sid != (long)getsid(0));
	assert_true(child_sid != helper_pid);
	assert_int_equal(devnull, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cgi_content_length_is_parsed_strictly),
	        cmocka_unit_test(test_cgi_file_range_206_416_and_whole),
	        cmocka_unit_test(test_cgi_env_is_read_once_with_defaults),
	        cmocka_unit_test(test_cgi_terminal_is_not_cgi),
	        cmocka_unit_test(test_program_dir_of),
	        cmocka_unit_test(test_cgi_env_rejects_bad_method_and_long_path),
	        cmocka_unit_test(test_cgi_body_is_read_exactly_h_9),
	        cmocka_unit_test(test_cgi_body_over_cap_is_refused_and_drained),
	        cmocka_unit_test(test_cgi_short_body_is_bad_input),
	        cmocka_unit_test(test_cgi_bad_content_length_is_bad_input),
	        cmocka_unit_test(test_cgi_bearer_token_rs_1),
	        cmocka_unit_test(test_cgi_cookie_lookup_first_wins),
	        cmocka_unit_test(test_cgi_media_type_drops_parameters),
	        cmocka_unit_test(test_cgi_respond_prints_status_headers_body),
	        cmocka_unit_test(test_cgi_head_has_headers_but_no_body_h_9),
	        cmocka_unit_test(test_cgi_header_injection_is_refused),
	        cmocka_unit_test(test_cgi_error_response_is_plain_and_uncached),
	        cmocka_unit_test(test_cgi_server_error_hides_details),
	        cmocka_unit_test(test_cgi_every_error_has_a_status),
	        cmocka_unit_test(test_cgi_detach_leaves_session_and_stdio),
	};

	return cmocka_run_group_tests_name("cgi", tests, NULL, NULL);
}
