/*
 * test_sendmail.c - the sendmail interface (issue 16,
 * lib/notify/sendmail.c) with stand-in programs: the mail arrives whole
 * on stdin with "-i -t" and a minimal environment; a non-zero exit, a
 * program that cannot run, and one that stops reading are failures to
 * retry, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/err.h"
#include "notify/sendmail.h"

struct dir {
	char path[64];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/ic-sendmail-XXXXXX");
	if (mkdtemp(d->path) == NULL)
		return -1;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

/* A stand-in sendmail: the shell script @p body, in the test's dir. */
static const char *script(struct dir *d, const char *body)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sendmail", d->path);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static char *slurp(struct dir *d, const char *name)
{
	static char buf[8192];
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void mail_arrives_whole(void **state)
{
	struct dir *d = *state;
	char errbuf[IC_ERRBUF_SIZE], body[256];
	const char *mail = "To: a@b.example\nSubject: x\n\n.\nline\n";

	snprintf(body, sizeof(body),
	         "d=$(dirname \"$0\"); echo \"$*\" >\"$d/argv\"; "
	         "env >\"$d/env\"; cat >\"$d/in\"");
	assert_int_equal(
	        ic_sendmail(script(d, body), mail, strlen(mail), errbuf),
	        IC_OK);
	assert_string_equal(slurp(d, "in"), mail);
	assert_string_equal(slurp(d, "argv"), "-i -t\n");
	/* No request data, no secrets: only what we set. */
	assert_null(strstr(slurp(d, "env"), "INDIECHAT"));
}

static void failures_are_errors(void **state)
{
	struct dir *d = *state;
	char errbuf[IC_ERRBUF_SIZE], path[128];
	static char big[1 << 17];

	assert_int_equal(ic_sendmail(script(d, "cat >/dev/null; exit 75"),
	                             "x\n", 2, errbuf),
	                 IC_ERR_IO);
	assert_non_null(strstr(errbuf, "status 75"));
	/* It stops reading at once: an EPIPE, not a SIGPIPE. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(
	        ic_sendmail(script(d, "exit 0"), big, sizeof(big), errbuf),
	        IC_ERR_IO);
	snprintf(path, sizeof(path), "%s/missing", d->path);
	assert_int_equal(ic_sendmail(path, "x\n", 2, errbuf), IC_ERR_IO);
	assert_non_null(strstr(errbuf, "127"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(mail_arrives_whole, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(failures_are_errors, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
