/* test_fetch.c - the guarded outbound request (lib/net/fetch.c; H-1, H-4, H-5,
 * H-7, H-8, SEC-3, SEC-4), against tests/fixtures/http_fixture.py on
 * 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "net/discover.h"
#include "net/fetch.h"

#define UA "IndieChat/" PACKAGE_VERSION " (+https://indieweb.org/IndieChat)"

/* --- The fixture server ------------------------------------------------- */

static pid_t fixture_pid = -1;
static int fixture_stdin = -1;
static int fixture_stdout = -1;
static unsigned fixture_port;

/* Read the port the fixture prints as its first line (10 s at most). */
static int read_port(void)
{
	char line[32];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		struct pollfd p = {fixture_stdout, POLLIN, 0};
		ssize_t r;

		if (poll(&p, 1, 10000) != 1)
			return -1;
		r = read(fixture_stdout, line + n, 1);
		if (r != 1)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	fixture_port = (unsigned)strtoul(line, NULL, 10);
	return fixture_port > 0 && fixture_port < 65536 ? 0 : -1;
}

static void spawn_fixture(const char *script, int in[2], int out[2])
{
	if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
		_exit(126);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	execl("/usr/bin/python3", "python3", script, (char *)NULL);
	_exit(127);
}

static int group_setup(void **state)
{
	const char *top = getenv("IC_TOP_SRCDIR");
	char script[4096];
	int in[2], out[2];

	(void)state;
	snprintf(script, sizeof(script), "%s/tests/fixtures/http_fixture.py",
	         top ? top : ".");
	if (pipe(in) != 0)
		return -1;
	if (pipe(out) != 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	fixture_pid = fork();
	if (fixture_pid == 0)
		spawn_fixture(script, in, out);
	close(in[0]);
	close(out[1]);
	fixture_stdin = in[1];
	fixture_stdout = out[0];
	if (fixture_pid < 0 || read_port() != 0) {
		fprintf(stderr, "cannot start %s\n", script);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	/* Closing its stdin ends the fixture; SIGTERM in case it hangs. */
	if (fixture_stdin >= 0)
		close(fixture_stdin);
	if (fixture_pid > 0) {
		kill(fixture_pid, SIGTERM);
		waitpid(fixture_pid, NULL, 0);
	}
	if (fixture_stdout >= 0)
		close(fixture_stdout);
	return 0;
}

/* --- Per-test state ----------------------------------------------------- */

struct fx {
	struct ic_arena *a;
	struct ic_fetch_req req;
	struct ic_fetch_result res;
	char errbuf[IC_ERRBUF_SIZE];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->a = ic_arena_new(0)) == NULL) {
		free(f);
		return -1;
	}
	f->req.dev_mode = true; /* the fixture is on loopback */
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

/* http://<host>:<port><path>, from the arena. */
static const char *url_on(struct fx *f, const char *host, const char *path)
{
	return ic_arena_printf(f->a, "http://%s:%u%s", host, fixture_port,
	                       path);
}

static const char *url(struct fx *f, const char *path)
{
	return url_on(f, "127.0.0.1", path);
}

static enum ic_err fetch(struct fx *f, const char *path)
{
	f->req.url = url(f, path);
	return ic_fetch(f->a, &f->req, &f->res, f->errbuf);
}

/* The /echo answer, parsed; freed with the arena. */
static void free_json(void *p)
{
	cJSON_Delete(p);
}

static cJSON *echo_json(struct fx *f)
{
	cJSON *j = cJSON_ParseWithLength(f->res.body, f->res.body_len);

	assert_non_null(j);
	assert_int_equal(ic_arena_on_free(f->a, free_json, j), IC_OK);
	return j;
}

static const char *echo_field(cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *echo_header(cJSON *j, const char *name)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "headers");
	const cJSON *v = cJSON_GetObjectItem(h, name); /* case-insensitive */

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* --- The address classifier (SEC-3) ------------------------------------- */

static bool public4(const char *text)
{
	struct sockaddr_in in = {0};

	in.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, text, &in.sin_addr), 1);
	return ic_fetch_addr_public((struct sockaddr *)&in);
}

static bool public6(const char *text)
{
	struct sockaddr_in6 in6 = {0};

	in6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
	return ic_fetch_addr_public((struct sockaddr *)&in6);
}

static void test_fetch_addr_public_ipv4_table_sec_3(void **state)
{
	static const char *const refused[] = {
	        "10.0.0.1",        "10.255.255.255",  "172.16.0.1",
	        "172.31.255.255",  "192.168.1.1",     "127.0.0.1",
	        "127.255.0.9",     "169.254.169.254", "100.64.0.1",
	        "100.127.255.255", "0.0.0.0",         "0.1.2.3",
	        "224.0.0.1",       "239.255.255.250", "255.255.255.255",
	        "240.0.0.1",       "192.0.2.1",       "198.51.100.7",
	        "203.0.113.9",     "198.18.0.1",      "192.0.0.8",
	};
	static const char *const allowed[] = {
	        "8.8.8.8",         "1.1.1.1",        "172.15.255.255",
	        "172.32.0.1",      "100.63.255.255", "100.128.0.0",
	        "169.253.0.1",     "192.169.0.1",    "11.0.0.1",
	        "223.255.255.254",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (public4(refused[i]))
			fail_msg("%s must be refused", refused[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!public4(allowed[i]))
			fail_msg("%s must be allowed", allowed[i]);
}

static void test_fetch_addr_public_ipv6_table_sec_3(void **state)
{
	static const char *const refused[] = {
	        "::1",
	        "::",
	        "fe80::1",
	        "febf::1",
	        "fc00::1",
	        "fd12:3456::1",
	        "ff02::1",
	        "::ffff:127.0.0.1",
	        "::ffff:8.8.8.8",
	        "::127.0.0.1",
	        "2001:db8::1",
	        "2001::1",
	        "2002:7f00:1::1",
	        "64:ff9b::a00:1",
	        "100::1",
	};
	static const char *const allowed[] = {
	        "2606:4700::1",
	        "2a00:1450:4001::200e",
	        "2001:4860:4860::8888",
	        "64:ff9b::808:808",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (public6(refused[i]))
			fail_msg("%s must be refused", refused[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!public6(allowed[i]))
			fail_msg("%s must be allowed", allowed[i]);
}

static void test_fetch_addr_public_other_families_refused_sec_3(void **state)
{
	struct sockaddr sa = {0};

	(void)state;
	sa.sa_family = AF_UNIX;
	assert_false(ic_fetch_addr_public(&sa));
	assert_false(ic_fetch_addr_public(NULL));
}

/* --- Plain requests ----------------------------------------------------- */

static void test_fetch_plain_page_200(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/page"), IC_OK);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->res.body,
	                    "<!doctype html><title>p</title><p>hello");
	assert_int_equal(f->res.body_len, strlen(f->res.body));
	assert_string_equal(f->res.content_type, "text/html; charset=utf-8");
	assert_string_equal(f->res.final_url, url(f, "/page"));
	assert_int_equal(f->res.nredirects, 1);
	assert_string_equal(ic_fetch_header(&f->res, "content-length"), "39");
	assert_null(ic_fetch_header(&f->res, "Location"));
}

static void test_fetch_404_is_a_result_not_an_error(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/nope"), IC_OK);
	assert_int_equal(f->res.status, 404);
}

static void test_fetch_sends_user_agent_h_8(void **state)
{
	struct fx *f = *state;
	cJSON *j;

	f->req.accept = "application/json";
	assert_int_equal(fetch(f, "/echo"), IC_OK);
	j = echo_json(f);
	assert_string_equal(echo_field(j, "method"), "GET");
	assert_string_equal(echo_header(j, "User-Agent"), UA);
	assert_string_equal(echo_header(j, "Accept"), "application/json");
	assert_null(echo_header(j, "Authorization"));
}

static void test_fetch_post_sends_body_and_type(void **state)
{
	struct fx *f = *state;
	cJSON *j;

	f->req.body = "a=1&b=2";
	f->req.body_len = 7;
	assert_int_equal(fetch(f, "/echo"), IC_OK);
	j = echo_json(f);
	assert_string_equal(echo_field(j, "method"), "POST");
	assert_string_equal(echo_field(j, "body"), "a=1&b=2");
	assert_string_equal(echo_header(j, "Content-Type"),
	                    "application/x-www-form-urlencoded");
}

static void test_fetch_head_has_no_body(void **state)
{
	struct fx *f = *state;

	f->req.method = "HEAD";
	assert_int_equal(fetch(f, "/page"), IC_OK);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.body_len, 0);
	assert_string_equal(f->res.body, "");
}

static void test_fetch_header_injection_refused(void **state)
{
	struct fx *f = *state;

	f->req.accept = "text/html\r\nX-Evil: 1";
	assert_int_equal(fetch(f, "/echo"), IC_ERR_BAD_INPUT);
	f->req.accept = NULL;
	f->req.method = "GE T";
	assert_int_equal(fetch(f, "/echo"), IC_ERR_BAD_INPUT);
}

static void test_fetch_non_http_scheme_refused(void **state)
{
	struct fx *f = *state;

	f->req.url = "ftp://127.0.0.1/x";
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_BAD_INPUT);
	f->req.url = "file:///etc/passwd";
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_BAD_INPUT);
	f->req.url = NULL;
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_BAD_INPUT);
}

static void test_fetch_connection_refused_is_network(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in in = {0};
	socklen_t len = sizeof(in);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was free a moment ago: nothing listens there. */
	assert_true(s >= 0);
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&in, &len), 0);
	close(s);
	f->req.url = ic_arena_printf(f->a, "http://127.0.0.1:%u/",
	                             (unsigned)ntohs(in.sin_port));
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_NETWORK);
	assert_non_null(strstr(f->errbuf, "127.0.0.1"));
}

static void test_fetch_unknown_host_is_network(void **state)
{
	struct fx *f = *state;

	f->req.url = "http://no-such-host.invalid/";
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_NETWORK);
	assert_non_null(strstr(f->errbuf, "no-such-host.invalid"));
}

/* --- Link headers (H-1) ------------------------------------------------- */

static void test_fetch_collects_repeated_link_headers_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/links-repeated"), IC_OK);
	assert_int_equal(f->res.links.n, 2);
	assert_string_equal(ic_link_find(&f->res.links, "hub"),
	                    "https://h/?a=1,2");
	assert_string_equal(ic_link_find(&f->res.links, "self"), "https://s/");
}

static void test_fetch_collects_comma_joined_link_header_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/links-joined"), IC_OK);
	assert_int_equal(f->res.links.n, 2);
	assert_string_equal(ic_link_find(&f->res.links, "hub"),
	                    "https://h/?a=1,2");
	assert_string_equal(ic_link_find(&f->res.links, "self"), "https://s/");
}

/* --- Redirects (H-4, H-5) ----------------------------------------------- */

static void test_fetch_redirect_chain_recorded_h_4(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/chain"), IC_OK);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.nredirects, 3);
	assert_string_equal(f->res.redirects[0], url(f, "/chain"));
	assert_string_equal(f->res.redirects[1], url(f, "/chain2"));
	assert_string_equal(f->res.redirects[2], url(f, "/deep/chain3"));
	assert_string_equal(f->res.final_url, url(f, "/deep/chain3"));
	/* Headers and links are those of the final response only. */
	assert_null(ic_fetch_header(&f->res, "Location"));
	assert_string_equal(ic_link_find(&f->res.links, "token_endpoint"),
	                    "token");
}

static void test_fetch_discovery_resolves_against_final_url_h_2(void **state)
{
	struct fx *f = *state;
	struct ic_discovery d;

	assert_int_equal(fetch(f, "/chain"), IC_OK);
	assert_int_equal(ic_discover(&d, f->a, &f->res, f->errbuf), IC_OK);
	assert_string_equal(ic_discover_find(&d, "token_endpoint"),
	                    url(f, "/deep/token"));
	assert_string_equal(ic_discover_find(&d, "authorization_endpoint"),
	                    url(f, "/deep/auth"));
}

static void test_fetch_discovery_header_first_then_head_ws_s_3(void **state)
{
	struct fx *f = *state;
	struct ic_discovery d;

	assert_int_equal(fetch(f, "/discover-page"), IC_OK);
	assert_int_equal(ic_discover(&d, f->a, &f->res, f->errbuf), IC_OK);
	assert_string_equal(ic_discover_find(&d, "hub"), url(f, "/header-hub"));
	assert_string_equal(ic_discover_find(&d, "self"),
	                    url(f, "/base/self-from-html"));
	assert_null(ic_discover_find(&d, "token_endpoint")); /* in body */
}

static void test_fetch_redirect_loop_stops_at_limit_h_4(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/loop"), IC_ERR_PROTOCOL);
	assert_non_null(strstr(f->errbuf, "redirects"));
	assert_int_equal(f->res.nredirects, IC_MAX_REDIRECTS + 1);
	f->req.max_redirects = 2;
	assert_int_equal(fetch(f, "/loop"), IC_ERR_PROTOCOL);
	assert_int_equal(f->res.nredirects, 3);
}

static void test_fetch_negative_max_redirects_returns_the_3xx_h_4(void **state)
{
	struct fx *f = *state;

	f->req.max_redirects = -1;
	assert_int_equal(fetch(f, "/chain"), IC_OK);
	assert_int_equal(f->res.status, 301);
	assert_int_equal(f->res.nredirects, 1);
	assert_string_equal(ic_fetch_header(&f->res, "Location"), "/chain2");
}

static void test_fetch_3xx_without_location_is_final_h_4(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/no-location"), IC_OK);
	assert_int_equal(f->res.status, 302);
}

static void test_fetch_redirect_to_other_scheme_refused_h_4(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/redirect?to=ftp://127.0.0.1/x"),
	                 IC_ERR_PROTOCOL);
	assert_int_equal(fetch(f, "/redirect?to=file:///etc/passwd"),
	                 IC_ERR_PROTOCOL);
}

static void post_through(struct fx *f, const char *path, long code)
{
	cJSON *j;

	f->req.body = "hub.mode=subscribe&x=%26";
	f->req.body_len = strlen(f->req.body);
	assert_int_equal(fetch(f, path), IC_OK);
	assert_int_equal(f->res.status, 200);
	assert_int_equal(f->res.nredirects, 2);
	j = echo_json(f);
	assert_string_equal(echo_field(j, "method"), "POST");
	assert_string_equal(echo_field(j, "body"), "hub.mode=subscribe&x=%26");
	(void)code;
}

static void test_fetch_307_resends_post_and_body_h_5(void **state)
{
	post_through(*state, "/r307", 307);
}

static void test_fetch_308_resends_post_and_body_h_5(void **state)
{
	post_through(*state, "/r308", 308);
}

static void test_fetch_302_on_post_is_protocol_error_h_5(void **state)
{
	struct fx *f = *state;

	f->req.body = "x=1";
	f->req.body_len = 3;
	assert_int_equal(fetch(f, "/r302"), IC_ERR_PROTOCOL);
	assert_non_null(strstr(f->errbuf, "302"));
	assert_int_equal(fetch(f, "/r301"), IC_ERR_PROTOCOL);
	assert_non_null(strstr(f->errbuf, "301"));
}

static void test_fetch_303_turns_post_into_get_h_5(void **state)
{
	struct fx *f = *state;
	cJSON *j;

	f->req.body = "x=1";
	f->req.body_len = 3;
	assert_int_equal(fetch(f, "/r303"), IC_OK);
	j = echo_json(f);
	assert_string_equal(echo_field(j, "method"), "GET");
	assert_string_equal(echo_field(j, "body"), "");
	assert_null(echo_header(j, "Content-Type"));
}

static void test_fetch_302_on_get_is_followed_h_5(void **state)
{
	struct fx *f = *state;
	cJSON *j;

	assert_int_equal(fetch(f, "/r302"), IC_OK);
	j = echo_json(f);
	assert_string_equal(echo_field(j, "method"), "GET");
}

/* --- Bearer tokens (SEC-4) ---------------------------------------------- */

static void test_fetch_bearer_sent_to_same_origin_sec_4(void **state)
{
	struct fx *f = *state;
	cJSON *j;

	f->req.bearer = "tok123";
	assert_int_equal(fetch(f, "/redirect?to=/echo"), IC_OK);
	assert_int_equal(f->res.nredirects, 2);
	j = echo_json(f);
	assert_string_equal(echo_header(j, "Authorization"), "Bearer tok123");
}

static void test_fetch_bearer_dropped_cross_origin_sec_4(void **state)
{
	struct fx *f = *state;
	const char *path;
	cJSON *j;

	/* localhost and 127.0.0.1 are two origins on the same server. */
	path = ic_arena_printf(f->a, "/redirect?to=%s",
	                       url_on(f, "localhost", "/echo"));
	f->req.bearer = "tok123";
	assert_int_equal(fetch(f, path), IC_OK);
	assert_string_equal(f->res.final_url, url_on(f, "localhost", "/echo"));
	j = echo_json(f);
	assert_null(echo_header(j, "Authorization"));
	assert_string_equal(echo_header(j, "User-Agent"), UA);
}

static void test_fetch_bearer_over_http_refused_outside_dev_sec_4(void **state)
{
	struct fx *f = *state;

	f->req.dev_mode = false;
	f->req.bearer = "tok123";
	f->req.url = "http://example.com/feed";
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_BLOCKED);
	assert_non_null(strstr(f->errbuf, "bearer"));
	assert_null(strstr(f->errbuf, "tok123"));
}

/* --- Address policy (SEC-3) --------------------------------------------- */

static void test_fetch_loopback_blocked_without_dev_mode_sec_3(void **state)
{
	struct fx *f = *state;

	f->req.dev_mode = false;
	assert_int_equal(fetch(f, "/page"), IC_ERR_BLOCKED);
	assert_non_null(strstr(f->errbuf, "127.0.0.1"));
	f->req.url = url_on(f, "localhost", "/page");
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_BLOCKED);
	assert_non_null(strstr(f->errbuf, "localhost"));
	f->req.url = url_on(f, "[::1]", "/page");
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_BLOCKED);
	f->req.url = "http://169.254.169.254/latest/meta-data/";
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_BLOCKED);
}

/* RFC 6761 §6.3: *.localhost is loopback without asking DNS (the demo's
 * alice.localhost), and so it is refused like loopback outside dev_mode. */
static void test_fetch_dot_localhost_is_loopback_rfc_6761(void **state)
{
	struct fx *f = *state;

	f->req.url = url_on(f, "alice.localhost", "/page");
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf), IC_OK);
	assert_int_equal(f->res.status, 200);
	f->req.dev_mode = false;
	f->req.url = url_on(f, "Bob.LOCALHOST.", "/page");
	assert_int_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                 IC_ERR_BLOCKED);
	f->req.url = url_on(f, "notlocalhost", "/page");
	assert_int_not_equal(ic_fetch(f->a, &f->req, &f->res, f->errbuf),
	                     IC_OK);
}

/* Admit the fixture's own address, and nothing else that is private. */
static bool only_127_0_0_1(const struct sockaddr *sa)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

	return sa->sa_family == AF_INET &&
	       in->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
}

static void test_fetch_redirect_into_loopback_blocked_sec_3(void **state)
{
	static const char *const hops[] = {"127.0.0.2", "[::1]", "10.0.0.1"};
	struct fx *f = *state;

	f->req.dev_mode = false;
	f->req.addr_allowed = only_127_0_0_1;
	assert_int_equal(fetch(f, "/page"), IC_OK); /* the first hop passes */
	for (size_t i = 0; i < sizeof(hops) / sizeof(hops[0]); i++) {
		const char *path = ic_arena_printf(f->a, "/redirect?to=%s",
		                                   url_on(f, hops[i], "/page"));
		char host[16];

		/* Every hop meets the real policy again (SEC-3, H-4). */
		assert_int_equal(fetch(f, path), IC_ERR_BLOCKED);
		assert_int_equal(f->res.nredirects, 2);
		snprintf(host, sizeof(host), "%s",
		         hops[i] + (hops[i][0] == '['));
		host[strcspn(host, "]")] = '\0';
		if (strstr(f->errbuf, host) == NULL)
			fail_msg("'%s' does not name %s", f->errbuf, host);
	}
}

/* --- Caps (H-7) --------------------------------------------------------- */

static void test_fetch_endless_body_stops_at_cap_h_7(void **state)
{
	struct fx *f = *state;

	f->req.max_bytes = 200000;
	assert_int_equal(fetch(f, "/endless"), IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "127.0.0.1"));
}

static void test_fetch_huge_declared_body_refused_h_7(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/huge"), IC_ERR_TOO_LARGE);
	f->req.max_bytes = 11u * 1024 * 1024;
	assert_int_equal(fetch(f, "/huge"), IC_OK);
	assert_int_equal(f->res.body_len, 10u * 1024 * 1024);
}

static void test_fetch_body_exactly_at_cap_is_fine_h_7(void **state)
{
	struct fx *f = *state;

	f->req.max_bytes = 39; /* /page's length */
	assert_int_equal(fetch(f, "/page"), IC_OK);
	f->req.max_bytes = 38;
	assert_int_equal(fetch(f, "/page"), IC_ERR_TOO_LARGE);
}

static void test_fetch_slow_response_times_out_h_7(void **state)
{
	struct fx *f = *state;

	f->req.timeout_ms = 300;
	assert_int_equal(fetch(f, "/slow"), IC_ERR_NETWORK);
	assert_non_null(strstr(f->errbuf, "127.0.0.1"));
	assert_non_null(strstr(f->errbuf, "timed out"));
}

static void test_fetch_too_many_headers_refused_h_7(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/many-headers"), IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "header"));
}

static void test_fetch_too_many_header_bytes_refused_h_7(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/big-headers"), IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "header"));
}

static void test_fetch_too_many_link_values_refused_h_1(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fetch(f, "/many-links"), IC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->errbuf, "127.0.0.1"));
	assert_non_null(strstr(f->errbuf, "Link"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_fetch_addr_public_ipv4_table_sec_3),
	        T(test_fetch_addr_public_ipv6_table_sec_3),
	        T(test_fetch_addr_public_other_families_refused_sec_3),
	        T(test_fetch_plain_page_200),
	        T(test_fetch_404_is_a_result_not_an_error),
	        T(test_fetch_sends_user_agent_h_8),
	        T(test_fetch_post_sends_body_and_type),
	        T(test_fetch_head_has_no_body),
	        T(test_fetch_header_injection_refused),
	        T(test_fetch_non_http_scheme_refused),
	        T(test_fetch_connection_refused_is_network),
	        T(test_fetch_unknown_host_is_network),
	        T(test_fetch_collects_repeated_link_headers_h_1),
	        T(test_fetch_collects_comma_joined_link_header_h_1),
	        T(test_fetch_redirect_chain_recorded_h_4),
	        T(test_fetch_discovery_resolves_against_final_url_h_2),
	        T(test_fetch_discovery_header_first_then_head_ws_s_3),
	        T(test_fetch_redirect_loop_stops_at_limit_h_4),
	        T(test_fetch_negative_max_redirects_returns_the_3xx_h_4),
	        T(test_fetch_3xx_without_location_is_final_h_4),
	        T(test_fetch_redirect_to_other_scheme_refused_h_4),
	        T(test_fetch_307_resends_post_and_body_h_5),
	        T(test_fetch_308_resends_post_and_body_h_5),
	        T(test_fetch_302_on_post_is_protocol_error_h_5),
	        T(test_fetch_303_turns_post_into_get_h_5),
	        T(test_fetch_302_on_get_is_followed_h_5),
	        T(test_fetch_bearer_sent_to_same_origin_sec_4),
	        T(test_fetch_bearer_dropped_cross_origin_sec_4),
	        T(test_fetch_bearer_over_http_refused_outside_dev_sec_4),
	        T(test_fetch_loopback_blocked_without_dev_mode_sec_3),
	        T(test_fetch_dot_localhost_is_loopback_rfc_6761),
	        T(test_fetch_redirect_into_loopback_blocked_sec_3),
	        T(test_fetch_endless_body_stops_at_cap_h_7),
	        T(test_fetch_huge_declared_body_refused_h_7),
	        T(test_fetch_body_exactly_at_cap_is_fine_h_7),
	        T(test_fetch_slow_response_times_out_h_7),
	        T(test_fetch_too_many_headers_refused_h_7),
	        T(test_fetch_too_many_header_bytes_refused_h_7),
	        T(test_fetch_too_many_link_values_refused_h_1),
	};
#undef T

	return cmocka_run_group_tests_name("fetch", tests, group_setup,
	                                   group_teardown);
}
