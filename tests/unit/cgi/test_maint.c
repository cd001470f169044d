/* test_maint.c - lazy maintenance: claim, run, lock (lib/cgi/maint.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgi/maint.h"
#include "store/store.h"

struct fx {
	char dir[64];
	struct ic_req req;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/ic-maint-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if (ic_cgi_req_init(&f->req, "test", stdin, stdout) != IC_OK)
		return -1;
	f->req.cfg.data_dir = f->dir;
	f->req.cfg_loaded = true;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	ic_cgi_req_free(&f->req);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct ic_store *store_of(struct fx *f)
{
	struct ic_store *st;

	assert_int_equal(ic_req_store(&f->req, &st), IC_OK);
	return st;
}

static void test_maint_fresh_site_is_due_and_claimed_once(void **state)
{
	struct fx *f = *state;
	struct ic_store *st = store_of(f);
	struct ic_maint_state ms;
	bool claimed;
	time_t now = 1000000;

	assert_int_equal(ic_maint_read(st, f->req.arena, &ms, f->req.errbuf),
			 IC_OK);
	assert_int_equal(ms.last_run, 0);
	assert_int_equal(ic_maint_claim(st, now, &claimed, f->req.errbuf),
			 IC_OK);
	assert_true(claimed);
	/* A burst of requests right after: nobody else spawns a run. */
	assert_int_equal(ic_maint_claim(st, now + 1, &claimed, f->req.errbuf),
			 IC_OK);
	assert_false(claimed);
	/* A claimed run that never finished is retried after the claim. */
	assert_int_equal(ic_maint_claim(st, now + IC_MAINT_CLAIM_SECONDS,
					&claimed, f->req.errbuf),
			 IC_OK);
	assert_true(claimed);
}

static void test_maint_run_records_and_schedules_next(void **state)
{
	struct fx *f = *state;
	struct ic_maint_state ms;
	bool ran, claimed;
	time_t before = time(NULL);

	assert_int_equal(ic_maint_run(&f->req, NULL, 0, &ran, NULL), IC_OK);
	assert_true(ran);
	assert_int_equal(ic_maint_read(store_of(f), f->req.arena, &ms,
				       f->req.errbuf),
			 IC_OK);
	assert_true(ms.last_run >= before);
	assert_int_equal(ms.next_due, ms.last_run + IC_MAINT_INTERVAL);
	assert_int_equal(ms.runs, 1);
	/* Not due again until the interval has passed. */
	assert_int_equal(ic_maint_claim(store_of(f), ms.last_run + 1, &claimed,
					f->req.errbuf),
			 IC_OK);
	assert_false(claimed);
	assert_int_equal(ic_maint_run(&f->req, NULL, 0, &ran, NULL), IC_OK);
	assert_int_equal(ic_maint_read(store_of(f), f->req.arena, &ms,
				       f->req.errbuf),
			 IC_OK);
	assert_int_equal(ms.runs, 2);
}

static void test_maint_run_skips_while_another_holds_the_lock(void **state)
{
	struct fx *f = *state;
	struct ic_maint_state ms;
	char path[128];
	bool ran = true;
	int fd;

	snprintf(path, sizeof(path), "%s/maintain.lock", f->dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	/* flock locks belong to the open file description: a child with its
	 * own open() is a different holder, like another CGI process. */
	if (fork() == 0) {
		struct fx *g = f;

		g->req.store = NULL; /* never touch the parent's env */
		_exit(ic_maint_run(&g->req, NULL, 0, &ran, NULL) == IC_OK && !ran ? 0 : 1);
	}
	{
		int status;

		wait(&status);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	close(fd);
	assert_int_equal(ic_maint_read(store_of(f), f->req.arena, &ms,
				       f->req.errbuf),
			 IC_OK);
	assert_int_equal(ms.runs, 0);
}

static void test_maint_run_without_data_dir_fails_clearly(void **state)
{
	struct fx *f = *state;
	bool ran;

	f->req.cfg.data_dir = "/proc/no-such/dir";
	assert_int_not_equal(ic_maint_run(&f->req, NULL, 0, &ran, NULL), IC_OK);
	assert_false(ran);
	assert_true(strlen(f->req.errbuf) > 0);
	f->req.cfg.data_dir = f->dir;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_maint_fresh_site_is_due_and_claimed_once, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_maint_run_records_and_schedules_next, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_maint_run_skips_while_another_holds_the_lock,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_maint_run_without_data_dir_fails_clearly, setup,
			teardown),
	};

	return cmocka_run_group_tests_name("maint", tests, NULL, NULL);
}
