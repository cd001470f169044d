/* test_log.c - log lines and data_dir/indiechat.log (lib/core/log.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "core/log.h"

static char dir[64];
static int saved_stderr = -1;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ic-test-log-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	saved_stderr = dup(2);
	return saved_stderr < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static off_t size_of(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void write_bytes(const char *name, off_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, n), 0);
	close(fd);
}

static void log_one_line(void)
{
	ic_log_to_data_dir(dir);
	ic_log(IC_LOG_WARN, "a line from a peer\nwith a forged second line");
	fflush(stderr);
}

/* A log under the limit is appended to, one line per call. */
static void test_log_appends_below_the_limit(void **state)
{
	(void)state;
	write_bytes("indiechat.log", 100);
	log_one_line();
	assert_true(size_of("indiechat.log") > 100);
	assert_int_equal(size_of("indiechat.log.1"), -1);
}

/* A peer that makes us log cannot fill the disk: past IC_LOG_MAX_BYTES
 * the log moves to .1 and a new one starts; .1 is replaced next time. */
static void test_log_rotates_past_the_limit(void **state)
{
	(void)state;
	write_bytes("indiechat.log.1", 5);
	write_bytes("indiechat.log", IC_LOG_MAX_BYTES + 1);
	log_one_line();
	assert_int_equal(size_of("indiechat.log.1"), IC_LOG_MAX_BYTES + 1);
	assert_true(size_of("indiechat.log") > 0);
	assert_true(size_of("indiechat.log") < 200);
	/* Below the limit again: no second rotation. */
	log_one_line();
	assert_int_equal(size_of("indiechat.log.1"), IC_LOG_MAX_BYTES + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_log_appends_below_the_limit, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_log_rotates_past_the_limit,
	                                        setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
