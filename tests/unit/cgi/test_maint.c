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

#include <cjson/cJSON.h>

#include "cgi/maint.h"
#include "store/due.h"
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
	assert_int_equal(
	        ic_maint_read(store_of(f), f->req.arena, &ms, f->req.errbuf),
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
	assert_int_equal(
	        ic_maint_read(store_of(f), f->req.arena, &ms, f->req.errbuf),
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
		_exit(ic_maint_run(&g->req, NULL, 0, &ran, NULL) == IC_OK &&
		                      !ran
		              ? 0
		              : 1);
	}
	{
		int status;

		wait(&status);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	close(fd);
	assert_int_equal(
	        ic_maint_read(store_of(f), f->req.arena, &ms, f->req.errbuf),
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

/* Set the maintenance record as a run would have left it. */
struct rec_ctx {
	long long claimed, last_run, next_due;
};

static enum ic_err put_rec(struct ic_store_txn *t, void *p)
{
	struct rec_ctx *r = p;
	cJSON *j = cJSON_CreateObject();
	enum ic_err rc;

	cJSON_AddNumberToObject(j, "v", 1);
	cJSON_AddNumberToObject(j, "claimed", (double)r->claimed);
	cJSON_AddNumberToObject(j, "last_run", (double)r->last_run);
	cJSON_AddNumberToObject(j, "next_due", (double)r->next_due);
	rc = ic_store_txn_put_json(t, IC_DB_META, "maint", 5, j);
	cJSON_Delete(j);
	return rc;
}

static void set_rec(struct fx *f, long long claimed, long long last_run,
                    long long next_due)
{
	struct rec_ctx r = {claimed, last_run, next_due};

	assert_int_equal(
	        ic_store_update(store_of(f), put_rec, &r, f->req.errbuf),
	        IC_OK);
}

struct job_at {
	struct fx *f;
	long long when;
};

static enum ic_err put_job(struct ic_store_txn *t, void *p)
{
	struct job_at *j = p;

	return ic_due_schedule_in_txn(t, j->f->req.arena, "hub_verify", "x",
	                              j->when, 0, false);
}

static void queue_job(struct fx *f, long long when)
{
	struct job_at j = {f, when};

	assert_int_equal(
	        ic_store_update(store_of(f), put_job, &j, f->req.errbuf),
	        IC_OK);
}

/* Issue 11: a run that ended in second T, then a hub request in the same
 * second T queues a verification due at T.  The claim must be taken:
 * whole seconds compared with '>' used to leave the job until another
 * request came a minute later. */
static void test_maint_job_queued_in_the_second_a_run_ended(void **state)
{
	struct fx *f = *state;
	long long t = 1900000000;
	bool claimed;

	set_rec(f, 0, t, t + IC_MAINT_INTERVAL); /* the run's end, at t */
	queue_job(f, t);
	assert_int_equal(
	        ic_maint_claim(store_of(f), t, &claimed, f->req.errbuf), IC_OK);
	assert_true(claimed);
}

/* The same with the claim of the run that just ended still on record
 * (as the old code left it): claimed == t == the job's due time. */
static void test_maint_ended_run_releases_its_claim(void **state)
{
	struct fx *f = *state;
	struct ic_maint_state ms;
	bool claimed, ran;
	long long t;

	assert_int_equal(ic_maint_claim(store_of(f), time(NULL), &claimed,
	                                f->req.errbuf),
	                 IC_OK);
	assert_true(claimed);
	assert_int_equal(ic_maint_run(&f->req, NULL, 0, &ran, NULL), IC_OK);
	assert_true(ran);
	assert_int_equal(
	        ic_maint_read(store_of(f), f->req.arena, &ms, f->req.errbuf),
	        IC_OK);
	assert_int_equal(ms.claimed, 0);
	t = ms.last_run;
	queue_job(f, t);
	assert_int_equal(
	        ic_maint_claim(store_of(f), t, &claimed, f->req.errbuf), IC_OK);
	assert_true(claimed);
}

/* While a run holds the claim, a burst of requests spawns nothing more
 * (that run looks at the queue before it ends); a job queued meanwhile
 * is run by it, not left behind. */
static int seen;
static enum ic_err count_job(struct ic_req *req, const char *id)
{
	(void)req;
	(void)id;
	seen++;
	return IC_OK;
}

static void test_maint_job_queued_during_a_run_is_run(void **state)
{
	struct fx *f = *state;
	const struct ic_maint_job jobs[] = {{"hub_verify", count_job}};
	struct ic_maint_state ms;
	time_t now = time(NULL);
	bool claimed, ran;

	assert_int_equal(
	        ic_maint_claim(store_of(f), now, &claimed, f->req.errbuf),
	        IC_OK);
	assert_true(claimed);
	queue_job(f, now);
	assert_int_equal(
	        ic_maint_claim(store_of(f), now, &claimed, f->req.errbuf),
	        IC_OK);
	assert_false(claimed);
	seen = 0;
	assert_int_equal(ic_maint_run(&f->req, jobs, 1, &ran, NULL), IC_OK);
	assert_true(ran);
	assert_int_equal(seen, 1);
	assert_int_equal(
	        ic_maint_read(store_of(f), f->req.arena, &ms, f->req.errbuf),
	        IC_OK);
	assert_int_equal(ms.claimed, 0);
}

/* A clock stepped back: a claim dated in the future lapses at once, and a
 * next_due further away than one interval is due. */
static void test_maint_clock_step_back(void **state)
{
	struct fx *f = *state;
	long long t = 1900000000;
	bool claimed;

	set_rec(f, t + 3600, t + 3600, t + 3600 + IC_MAINT_INTERVAL);
	assert_int_equal(
	        ic_maint_claim(store_of(f), t, &claimed, f->req.errbuf), IC_OK);
	assert_true(claimed);
	set_rec(f, 0, t + 3600, t + 3600 + IC_MAINT_INTERVAL);
	assert_int_equal(
	        ic_maint_claim(store_of(f), t, &claimed, f->req.errbuf), IC_OK);
	assert_true(claimed);
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
	        cmocka_unit_test_setup_teardown(
	                test_maint_job_queued_in_the_second_a_run_ended, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_maint_ended_run_releases_its_claim, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_maint_job_queued_during_a_run_is_run, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(test_maint_clock_step_back,
	                                        setup, teardown),
	};

	return cmocka_run_group_tests_name("maint", tests, NULL, NULL);
}
