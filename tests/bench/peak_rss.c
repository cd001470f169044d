/*
 * peak_rss.c - run a program and print its peak resident set in KiB.
 *
 *	peak_rss PROGRAM [ARGS...]
 *
 * ru_maxrss counts the memory of the process the child was forked from,
 * up to its exec: measured from a Python harness every program would show
 * Python's size.  This helper is small, so what it prints is the
 * program's own peak.  Output: "<KiB>" on stderr; the program's stdout and
 * exit status pass through.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid;

	if (argc < 2) {
		fputs("usage: peak_rss PROGRAM [ARGS...]\n", stderr);
		return 2;
	}
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		return 2;
	fprintf(stderr, "%ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
