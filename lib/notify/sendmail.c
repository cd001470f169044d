/*
 * sendmail.c - one mail to the local MTA (see sendmail.h).
 */
#include "notify/sendmail.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ic_limits.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: the pipe as stdin, /dev/null for the rest, nothing else
 * of ours open, then the program itself. */
static void exec_child(const char *path, int in)
{
	char *argv[] = {"sendmail", "-i", "-t", NULL};
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
	int null = open("/dev/null", O_RDWR);

	if (in < 0 || null < 0 || dup2(in, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	execve(path, argv, envp);
	_exit(127);
}

/* Write all of @p mail before @p deadline (a reader that stops reading
 * must not hold us up: the pipe is non-blocking, waited on with poll). */
static int write_all(int fd, const char *mail, size_t len, long long deadline)
{
	size_t off = 0;

	while (off < len) {
		struct pollfd p = {fd, POLLOUT, 0};
		long long left = deadline - now_ms();
		int ready = left > 0 ? poll(&p, 1, (int)left) : 0;
		ssize_t n;

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return ready < 0 ? errno : ETIMEDOUT;
		n = write(fd, mail + off, len - off);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (n > 0)
			off += (size_t)n;
	}
	return 0;
}

/* Wait for @p pid until @p deadline, then kill it. */
static int wait_child(pid_t pid, long long deadline, int *status)
{
	pid_t r;

	while ((r = waitpid(pid, status, WNOHANG)) == 0 && now_ms() < deadline)
		usleep(10 * 1000);
	if (r == pid)
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return r < 0 ? errno : ETIMEDOUT;
}

/* Its exit status says most: an MTA that refused before reading all of
 * the mail (75, EX_TEMPFAIL) leaves us an EPIPE too. */
static enum ic_err judge(const char *path, int werr, int rc, int status,
                         char *errbuf)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	if (rc != 0)
		return ic_fail(errbuf, IC_ERR_IO, "sendmail %s: %s", path,
		               strerror(rc));
	if (code > 0)
		return ic_fail(errbuf, IC_ERR_IO,
		               "sendmail %s exited with status %d%s", path,
		               code,
		               code == 127  ? " (cannot run it)"
		               : code == 75 ? " (temporary failure)"
		                            : "");
	if (code < 0)
		return ic_fail(errbuf, IC_ERR_IO,
		               "sendmail %s was killed by signal %d", path,
		               WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (werr != 0)
		return ic_fail(errbuf, IC_ERR_IO,
		               "sendmail %s did not take the mail: %s", path,
		               strerror(werr));
	return IC_OK;
}

/* Start sendmail reading from a pipe; *in: the pipe's end we write. */
static enum ic_err spawn(const char *path, pid_t *pid, int *in, char *errbuf)
{
	int p[2], err;

	if (pipe2(p, O_CLOEXEC) != 0)
		return ic_fail(errbuf, IC_ERR_IO, "sendmail: pipe: %s",
		               strerror(errno));
	*pid = fork();
	if (*pid == 0)
		exec_child(path, p[0]);
	err = errno;
	close(p[0]);
	if (*pid < 0) {
		close(p[1]);
		return ic_fail(errbuf, IC_ERR_IO, "sendmail: fork: %s",
		               strerror(err));
	}
	*in = p[1];
	return IC_OK;
}

enum ic_err ic_sendmail(const char *path, const char *mail, size_t len,
                        char *errbuf)
{
	long long deadline = now_ms() + IC_NOTIFY_SENDMAIL_SECONDS * 1000LL;
	struct sigaction ign = {.sa_handler = SIG_IGN};
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	struct sigaction old_pipe, old_chld;
	int in = -1, werr, rc, status = 0;
	pid_t pid = -1;
	enum ic_err err;

	/* A sendmail that exits early must cost an EPIPE, not our life; and
	 * its exit status must be ours to read (an inherited SIGCHLD
	 * SIG_IGN would reap it: a sent mail taken for a failed one). */
	sigaction(SIGPIPE, &ign, &old_pipe);
	sigaction(SIGCHLD, &dfl, &old_chld);
	err = spawn(path, &pid, &in, errbuf);
	if (err == IC_OK) {
		fcntl(in, F_SETFL, O_NONBLOCK);
		werr = write_all(in, mail, len, deadline);
		close(in);
		rc = wait_child(pid, deadline, &status);
		err = judge(path, werr, rc, status, errbuf);
	}
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	return err;
}
