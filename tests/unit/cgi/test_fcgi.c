/* test_fcgi.c - the FastCGI transport (lib/cgi/fcgi.c) and detaching from
 * a responder (lib/cgi/cgi.c), issue 13.
 *
 * A responder runs in a child with a listening unix socket on fd 0, as
 * mod_fcgid starts it; the test speaks the FastCGI protocol (FastCGI
 * specification 1.0, section 3 and 5) to it: two requests on one process,
 * each with its own parameters and body, each answered through the FILE *
 * bridge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgi/cgi.h"
#include "cgi/fcgi.h"

enum { BEGIN_REQUEST = 1, END_REQUEST = 3, PARAMS = 4, STDIN = 5, STDOUT = 6 };

/* Run @fn in a child whose fd 0 is @fd; return its exit status. */
static int with_fd0(int fd, int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, 0);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int is_responder(void)
{
	return ic_fcgi_is_responder() ? 1 : 0;
}

static int listening_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void test_responder_only_on_a_listening_socket(void **state)
{
	char path[] = "/tmp/ic-test-fcgi-XXXXXX";
	char sock[64];
	int fds[2], lfd;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/s", path);
	/* Plain CGI under mod_cgi: a pipe; under mod_cgid: a connected
	 * socket; the terminal: whatever, never a listening socket. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(with_fd0(fds[0], is_responder), 0);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(with_fd0(fds[0], is_responder), 0);
	close(fds[0]);
	close(fds[1]);
	lfd = listening_socket(sock);
	assert_int_equal(with_fd0(lfd, is_responder), 1);
	close(lfd);
	unlink(sock);
	rmdir(path);
}

/* The responder: echo one parameter and the body, twice, then stop. */
static int echo_two_requests(void)
{
	struct ic_fcgi *f;

	if (ic_fcgi_open(&f) != IC_OK)
		return 10;
	for (int i = 0; i < 2; i++) {
		FILE *in, *out;
		char **envp, body[64] = "";
		const char *who = "-";
		size_t n;

		if (ic_fcgi_accept(f, &in, &out, &envp) != IC_OK)
			return 11;
		for (char **e = envp; *e; e++)
			if (strncmp(*e, "WHO=", 4) == 0)
				who = *e + 4;
		n = fread(body, 1, sizeof(body) - 1, in);
		body[n] = '\0';
		fprintf(out, "Status: 200 OK\r\n\r\n%d %s %s", i, who, body);
		ic_fcgi_finish(f);
	}
	ic_fcgi_close(f);
	return 0;
}

static void put_record(int fd, int type, const void *data, size_t len)
{
	unsigned char h[8] = {1,
	                      (unsigned char)type,
	                      0,
	                      1,
	                      (unsigned char)(len >> 8),
	                      (unsigned char)len,
	                      0,
	                      0};

	assert_int_equal(write(fd, h, 8), 8);
	if (len)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
}

static void read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
}

/* One request over a fresh connection; the STDOUT records joined. */
static void request(const char *sock, const char *who, const char *body,
                    char *answer, size_t cap)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned char begin[8] = {0, 1 /* responder */, 0, 0, 0, 0, 0, 0};
	unsigned char params[64];
	size_t plen = 0, alen = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	put_record(fd, BEGIN_REQUEST, begin, sizeof(begin));
	params[plen++] = 3;
	params[plen++] = (unsigned char)strlen(who);
	memcpy(params + plen, "WHO", 3);
	plen += 3;
	memcpy(params + plen, who, strlen(who));
	plen += strlen(who);
	put_record(fd, PARAMS, params, plen);
	put_record(fd, PARAMS, NULL, 0);
	put_record(fd, STDIN, body, strlen(body));
	put_record(fd, STDIN, NULL, 0);
	for (;;) {
		unsigned char h[8], data[65536 + 256];
		size_t len;

		read_full(fd, h, 8);
		len = ((size_t)h[4] << 8 | h[5]) + h[6];
		read_full(fd, data, len);
		if (h[1] == END_REQUEST)
			break;
		if (h[1] == STDOUT) {
			size_t n = (size_t)h[4] << 8 | h[5];

			assert_true(alen + n < cap);
			memcpy(answer + alen, data, n);
			alen += n;
		}
	}
	answer[alen] = '\0';
	close(fd);
}

static void test_two_requests_one_process_each_its_own(void **state)
{
	char path[] = "/tmp/ic-test-fcgi-XXXXXX";
	char sock[64], answer[256];
	int lfd, status;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/s", path);
	lfd = listening_socket(sock);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(lfd, 0);
		close(lfd);
		_exit(echo_two_requests());
	}
	close(lfd);
	request(sock, "alice", "body one", answer, sizeof(answer));
	assert_string_equal(answer, "Status: 200 OK\r\n\r\n0 alice body one");
	request(sock, "bob", "two", answer, sizeof(answer));
	assert_string_equal(answer, "Status: 200 OK\r\n\r\n1 bob two");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	unlink(sock);
	rmdir(path);
}

/* Detaching from a responder keeps its fd 0 (there the listening socket;
 * a pipe here), where a CGI's detach points it at /dev/null. */
static void test_detach_keeps_a_responders_stdio(void **state)
{
	struct stat st;
	bool child;
	int fds[2], saved = dup(0);

	(void)state;
	assert_true(saved >= 0);
	assert_int_equal(pipe(fds), 0);
	dup2(fds[0], 0);
	assert_int_equal(ic_cgi_detach(NULL, true, &child), IC_OK);
	if (child)
		_exit(0);
	assert_int_equal(fstat(0, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	dup2(saved, 0);
	close(saved);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_responder_only_on_a_listening_socket),
	        cmocka_unit_test(test_two_requests_one_process_each_its_own),
	        cmocka_unit_test(test_detach_keeps_a_responders_stdio),
	};

	return cmocka_run_group_tests_name("fcgi", tests, NULL, NULL);
}
