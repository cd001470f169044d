/*
 * test_store_blobref.c - which messages name which attachment file
 * (issue 15, deletes; lib/store/store_blobref.c and store_msg.c's part)
 * in a real LMDB and data_dir: a stored message names its files, an edit
 * keeps them, a tombstone drops them and schedules the file's removal,
 * a file two messages carry stays until both are gone, a send whose file
 * was removed meanwhile fails, the index is built over older messages
 * before anything is removed, and the sweep takes old unnamed files only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>
#include <cmocka.h>

#include "core/ic_limits.h"
#include "fixture.h"
#include "store/due.h"
#include "store/store_blob.h"
#include "store/store_blobref.h"
#include "store/store_msg.h"

#define CONV "c1"

/* One operation in one write transaction, and what it saw. */
enum op { PUT, UPDATE, BUILD, COLLECT, SWEEP, UNREF, OLD_TOMBSTONE, LOOK };

struct call {
	struct ic_arena *a;
	enum op op;
	struct ic_msg msg;
	const char *id;
	long long now;
	/* results */
	bool removed, done, more, named, served, gc_due;
	size_t swept, natt; /* natt: files message msg.seq's record lists */
};

static enum ic_err call_txn(struct ic_store_txn *t, void *p)
{
	struct call *c = p;
	const struct ic_attach *x;
	struct ic_msg *m = NULL;
	size_t n = 0;
	cJSON *j;
	long long when;
	char *key;
	enum ic_err rc = IC_OK;

	switch (c->op) {
	case PUT:
		rc = ic_store_msg_put_in_txn(t, c->a, &c->msg);
		break;
	case UPDATE:
		rc = ic_store_msg_update_in_txn(t, c->a, &c->msg);
		break;
	case BUILD:
		rc = ic_store_msg_refs_build_in_txn(t, c->a, 1, &c->done);
		break;
	case COLLECT:
		rc = ic_store_blobref_collect_in_txn(t, c->a, c->id,
		                                     &c->removed);
		break;
	case SWEEP:
		rc = ic_store_blobref_sweep_in_txn(t, c->a, c->now, &c->swept,
		                                   &c->more);
		break;
	case UNREF: /* as a store from before the index: no key, no mark */
		key = ic_arena_printf(c->a, "%s:%c:%012lld", c->msg.conv,
		                      c->msg.dir, c->msg.seq);
		rc = ic_store_blobref_del_in_txn(t, c->a, c->id, key);
		if (rc == IC_OK)
			rc = ic_store_txn_del(t, IC_DB_META, "blob_refs", 9);
		if (rc == IC_ERR_NOT_FOUND)
			rc = IC_OK;
		break;
	case OLD_TOMBSTONE: /* deleted by a program from before: files kept */
		key = ic_arena_printf(c->a, "%s:%c:%012lld", c->msg.conv,
		                      c->msg.dir, c->msg.seq);
		rc = ic_store_txn_get_json(t, c->a, IC_DB_MESSAGES, key,
		                           strlen(key), &j);
		if (rc == IC_OK && !cJSON_AddTrueToObject(j, "deleted"))
			rc = IC_ERR_NOMEM;
		if (rc == IC_OK)
			rc = ic_store_txn_put_json(t, IC_DB_MESSAGES, key,
			                           strlen(key), j);
		break;
	case LOOK:
		break;
	}
	if (rc != IC_OK)
		return rc;
	c->named = ic_store_blobref_named_in_txn(t, c->id);
	c->served = ic_store_msg_attachment_in_txn(t, c->a, CONV, 'o', c->id,
	                                           &x) == IC_OK;
	c->gc_due = ic_due_when_in_txn(t, c->a, IC_BLOB_GC_JOB, c->id, &when) ==
	            IC_OK;
	rc = ic_store_msg_range_in_txn(t, c->a, CONV, 'o', c->msg.seq,
	                               c->msg.seq, &m, &n);
	c->natt = rc == IC_OK && n == 1 ? m->natt : 0;
	return rc;
}

static enum ic_err run(struct ic_fx *fx, struct call *c)
{
	return ic_fx_txn(fx, NULL, true, call_txn, c);
}

/* A file under data_dir/attachments, as a send writes it. */
static const char *blob(struct ic_fx *fx, struct ic_arena *a, const char *data)
{
	char *id = ic_arena_alloc(a, 65);

	assert_non_null(id);
	assert_int_equal(
	        ic_store_blob_put(a, fx->dir, data, strlen(data), id, NULL),
	        IC_OK);
	return id;
}

static bool file_there(struct ic_fx *fx, struct ic_arena *a, const char *id)
{
	return access(ic_store_blob_path(a, fx->dir, id), F_OK) == 0;
}

/* Our message @p seq carrying files @p att[0..n). */
static struct ic_msg msg(long long seq, const struct ic_attach *att, size_t n)
{
	static char uids[8][32];
	struct ic_msg m = {0};

	snprintf(uids[seq % 8], sizeof(uids[0]), "u%lld", seq);
	m.conv = CONV;
	m.dir = 'o';
	m.seq = seq;
	m.uid = uids[seq % 8];
	m.text = "look";
	m.published = m.received = 1700000000;
	m.att = att;
	m.natt = n;
	return m;
}

static struct ic_attach photo(const char *id)
{
	struct ic_attach x = {0};

	x.id = id;
	x.type = "image/png";
	x.name = "p.png";
	x.size = 4;
	return x;
}

/* @p op on our message @p seq carrying file @p x, a tombstone when
 * @p deleted; c->id becomes the file's. */
static void on(struct ic_fx *fx, struct call *c, enum op op, long long seq,
               const struct ic_attach *x, bool deleted)
{
	c->op = op;
	c->id = x->id;
	c->msg = msg(seq, x, 1);
	c->msg.deleted = deleted;
	assert_int_equal(run(fx, c), IC_OK);
}

static void build(struct ic_fx *fx, struct call *c)
{
	c->op = BUILD;
	do
		assert_int_equal(run(fx, c), IC_OK);
	while (!c->done);
}

static void test_blobref_put_edit_tombstone(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_attach x = photo(blob(fx, a, "png1"));
	struct call c = {.a = a, .id = x.id};

	build(fx, &c); /* a fresh store: complete at once */
	c.op = PUT;
	c.msg = msg(1, &x, 1);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_true(c.named);
	assert_true(c.served);
	/* An edit keeps the files. */
	c.op = UPDATE;
	c.msg.text = "look again";
	c.msg.updated = 1700000100;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_true(c.named);
	assert_false(c.gc_due);
	/* Collecting a named file keeps it. */
	c.op = COLLECT;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(c.removed);
	assert_true(file_there(fx, a, x.id));
	/* The tombstone: no reference, not served, the removal due. */
	c.op = UPDATE;
	c.msg.text = "";
	c.msg.deleted = true;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(c.named);
	assert_false(c.served);
	assert_true(c.gc_due);
	assert_true(file_there(fx, a, x.id)); /* not inside that txn */
	c.op = COLLECT;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_true(c.removed);
	assert_false(file_there(fx, a, x.id));
	/* Run again (a job retried): nothing to do, no error. */
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(c.removed);
	ic_arena_free(a);
}

static void test_blobref_tombstone_keeps_no_file_names(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_attach x = photo(blob(fx, a, "png2"));
	struct call c = {.a = a, .id = x.id, .op = PUT};

	c.msg = msg(1, &x, 1);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_int_equal(c.natt, 1);
	c.op = UPDATE;
	c.msg.deleted = true;
	assert_int_equal(run(fx, &c), IC_OK);
	/* Neither the file nor its name and type stay in the record. */
	assert_int_equal(c.natt, 0);
	assert_false(c.named);
	assert_false(c.served);
	ic_arena_free(a);
}

static void test_blobref_shared_file_stays_until_both_are_gone(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_attach x = photo(blob(fx, a, "same bytes"));
	struct call c = {.a = a, .id = x.id};

	build(fx, &c);
	on(fx, &c, PUT, 1, &x, false);
	on(fx, &c, PUT, 2, &x, false);
	/* The first goes: the second still names and serves it. */
	on(fx, &c, UPDATE, 1, &x, true);
	assert_true(c.named);
	assert_true(c.served);
	assert_false(c.gc_due);
	on(fx, &c, COLLECT, 1, &x, false);
	assert_false(c.removed);
	assert_true(file_there(fx, a, x.id));
	/* The second goes: the file with it. */
	on(fx, &c, UPDATE, 2, &x, true);
	assert_false(c.named);
	assert_false(c.served);
	on(fx, &c, COLLECT, 2, &x, false);
	assert_true(c.removed);
	assert_false(file_there(fx, a, x.id));
	ic_arena_free(a);
}

static void test_blobref_send_of_a_removed_file_fails(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_attach x = photo(blob(fx, a, "gone"));
	struct call c = {.a = a, .id = x.id, .op = PUT};

	/* The job took the file between the send's write and its store. */
	assert_int_equal(unlink(ic_store_blob_path(a, fx->dir, x.id)), 0);
	c.msg = msg(1, &x, 1);
	assert_int_equal(run(fx, &c), IC_ERR_GONE);
	c.op = LOOK;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(c.named);
	assert_false(c.served);
	ic_arena_free(a);
}

static void test_blobref_build_before_any_removal(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	struct ic_attach x = photo(blob(fx, a, "old"));
	struct ic_attach y = photo(blob(fx, a, "older"));
	struct call c = {.a = a, .id = x.id, .op = PUT};

	on(fx, &c, PUT, 1, &x, false);
	on(fx, &c, PUT, 2, &y, false);
	on(fx, &c, PUT, 3, &x, false);
	/* As stored by a program from before the index. */
	on(fx, &c, UNREF, 1, &x, false);
	on(fx, &c, UNREF, 3, &x, false);
	on(fx, &c, UNREF, 2, &y, false);
	/* A fourth, deleted by that program: its record still lists y. */
	on(fx, &c, PUT, 4, &y, false);
	on(fx, &c, UNREF, 4, &y, false);
	on(fx, &c, OLD_TOMBSTONE, 4, &y, false);
	assert_int_equal(c.natt, 1);
	assert_false(c.named);
	/* Nothing is removed while the index is not complete. */
	c.op = COLLECT;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(c.removed);
	assert_true(file_there(fx, a, y.id));
	/* One message per step here: four steps and one that finds the
	 * end. */
	c.op = BUILD;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(c.done);
	build(fx, &c);
	/* The old tombstone lists no file now; message 2 still names y. */
	on(fx, &c, LOOK, 4, &y, false);
	assert_int_equal(c.natt, 0);
	assert_true(c.named);
	assert_true(c.served);
	c.id = x.id;
	c.op = LOOK;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_true(c.named);
	assert_true(c.served);
	c.op = COLLECT;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_false(c.removed);
	ic_arena_free(a);
}

static void age(struct ic_fx *fx, struct ic_arena *a, const char *name,
                long long when)
{
	char *path = ic_arena_printf(a, "%s/attachments/%s", fx->dir, name);
	struct utimbuf u = {(time_t)when, (time_t)when};

	assert_int_equal(utime(path, &u), 0);
}

static void test_blobref_sweep_takes_old_unnamed_files_only(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	long long now = (long long)time(NULL);
	struct ic_attach named = photo(blob(fx, a, "named"));
	const char *orphan = blob(fx, a, "orphan");
	const char *fresh = blob(fx, a, "fresh");
	char *tmp = ic_arena_printf(a, "%s/attachments/.%s.abcdef", fx->dir,
	                            orphan);
	FILE *f = fopen(tmp, "w");
	struct call c = {.a = a, .id = orphan};

	assert_non_null(f);
	fclose(f);
	build(fx, &c);
	c.op = PUT;
	c.msg = msg(1, &named, 1);
	assert_int_equal(run(fx, &c), IC_OK);
	age(fx, a, named.id, now - IC_BLOB_GRACE_SECONDS - 10);
	age(fx, a, orphan, now - IC_BLOB_GRACE_SECONDS - 10);
	age(fx, a, strrchr(tmp, '/') + 1, now - IC_BLOB_GRACE_SECONDS - 10);
	/* Within the grace by one second: kept. */
	age(fx, a, fresh, now - IC_BLOB_GRACE_SECONDS + 1);
	c.op = SWEEP;
	c.now = now;
	assert_int_equal(run(fx, &c), IC_OK);
	assert_int_equal(c.swept, 2);
	assert_false(c.more);
	assert_false(file_there(fx, a, orphan));
	assert_int_not_equal(access(tmp, F_OK), 0);
	assert_true(file_there(fx, a, fresh));
	assert_true(file_there(fx, a, named.id));
	/* A send of the same bytes makes the file young again. */
	age(fx, a, fresh, now - IC_BLOB_GRACE_SECONDS - 10);
	assert_string_equal(blob(fx, a, "fresh"), fresh);
	assert_int_equal(run(fx, &c), IC_OK);
	assert_int_equal(c.swept, 0);
	assert_true(file_there(fx, a, fresh));
	ic_arena_free(a);
}

static void test_blobref_sweep_goes_on_where_it_stopped(void **state)
{
	struct ic_fx *fx = *state;
	struct ic_arena *a = ic_arena_new(0);
	long long now = (long long)time(NULL);
	struct call c = {.a = a, .id = blob(fx, a, "first")};
	char data[32];
	size_t swept;

	build(fx, &c);
	/* One more than a run looks at, all old and unnamed. */
	for (int i = 0; i < IC_BLOB_SWEEP_FILES + 1; i++) {
		snprintf(data, sizeof(data), "orphan %d", i);
		age(fx, a, blob(fx, a, data), now - IC_BLOB_GRACE_SECONDS - 10);
	}
	c.op = SWEEP;
	c.now = now;
	assert_int_equal(run(fx, &c), IC_OK);
	/* IC_BLOB_SWEEP_FILES names, the young one perhaps among them. */
	assert_true(c.swept + 1 >= IC_BLOB_SWEEP_FILES);
	assert_true(c.more);
	swept = c.swept;
	/* The next run goes on after the last name: the rest. */
	assert_int_equal(run(fx, &c), IC_OK);
	assert_int_equal(swept + c.swept, IC_BLOB_SWEEP_FILES + 1);
	assert_false(c.more);
	assert_true(file_there(fx, a, c.id));
	ic_arena_free(a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ic_fx_setup, ic_fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_blobref_put_edit_tombstone),
	        T(test_blobref_tombstone_keeps_no_file_names),
	        T(test_blobref_shared_file_stays_until_both_are_gone),
	        T(test_blobref_send_of_a_removed_file_fails),
	        T(test_blobref_build_before_any_removal),
	        T(test_blobref_sweep_takes_old_unnamed_files_only),
	        T(test_blobref_sweep_goes_on_where_it_stopped),
	};
#undef T
	return cmocka_run_group_tests_name("store_blobref", tests, NULL, NULL);
}
