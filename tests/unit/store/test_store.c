/* test_store.c - the LMDB storage core (lib/store/store.c).  Each test runs in
 * a fresh mkdtemp directory under /tmp, removed at teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "core/arena.h"
#include "core/ic_limits.h"
#include "store/store.h"

/* The directory a test works in. */
struct fixture {
	char dir[64];
	struct ic_arena *a;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/ic-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	f->a = ic_arena_new(0);
	*state = f;
	return f->a ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *sb, int type,
                    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);

	ic_arena_free(f->a);
	free(f);
	return rc;
}

static struct ic_store *open_ok(const char *dir)
{
	struct ic_store *st = NULL;
	char errbuf[IC_ERRBUF_SIZE] = "";
	enum ic_err rc = ic_store_open(&st, dir, errbuf);

	if (rc != IC_OK)
		fail_msg("ic_store_open: %s", errbuf);
	assert_non_null(st);
	return st;
}

static void put_str(struct ic_store *st, enum ic_store_db db, const char *k,
                    const char *v)
{
	char errbuf[IC_ERRBUF_SIZE] = "";

	if (ic_store_put(st, db, k, strlen(k), v, strlen(v), 0, errbuf) !=
	    IC_OK)
		fail_msg("put %s: %s", k, errbuf);
}

/* --- Opening ------------------------------------------------------------ */

static void test_store_open_creates_dir_0700_and_every_database(void **state)
{
	struct fixture *f = *state;
	char site[128], file[160];
	struct ic_store *st;
	struct stat sb;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	snprintf(site, sizeof(site), "%s/site", f->dir);
	umask(022);
	st = open_ok(site);
	ic_store_close(st);
	/* The process umask is put back after creating. */
	assert_int_equal(umask(022), 022);
	assert_int_equal(stat(site, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(file, sizeof(file), "%s/data.mdb", site);
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	/* Every named database exists, under its fixed name. */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, IC_STORE_MAX_DBS), 0);
	assert_int_equal(mdb_env_open(env, site, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	for (int i = 0; i < IC_DB__COUNT; i++)
		assert_int_equal(
		        mdb_dbi_open(txn, ic_store_db_name(i), 0, &dbi), 0);
	assert_int_equal(mdb_dbi_open(txn, "nonesuch", 0, &dbi), MDB_NOTFOUND);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static void test_store_db_names_are_fixed(void **state)
{
	(void)state;
	assert_string_equal(ic_store_db_name(IC_DB_META), "meta");
	assert_string_equal(ic_store_db_name(IC_DB_MESSAGE_UIDS),
	                    "message_uids");
	assert_string_equal(ic_store_db_name(IC_DB_RATE), "rate");
	assert_string_equal(ic_store_db_name(IC_DB__COUNT), "?");
}

static void test_store_open_on_a_file_fails_with_io(void **state)
{
	struct fixture *f = *state;
	char path[128], errbuf[IC_ERRBUF_SIZE];
	struct ic_store *st = (struct ic_store *)1;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/plain", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(ic_store_open(&st, path, errbuf), IC_ERR_IO);
	assert_null(st);
	assert_non_null(strstr(errbuf, "not a directory"));
	snprintf(path, sizeof(path), "%s/no/such/parent", f->dir);
	assert_int_equal(ic_store_open(&st, path, errbuf), IC_ERR_IO);
	assert_non_null(strstr(errbuf, "mkdir"));
}

static void test_store_fresh_env_gets_schema_version(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	cJSON *rec = NULL;

	assert_int_equal(ic_store_get_json(st, f->a, IC_DB_META, "schema", 6,
	                                   &rec, NULL),
	                 IC_OK);
	assert_int_equal(
	        cJSON_GetObjectItemCaseSensitive(rec, "schema")->valueint,
	        IC_STORE_SCHEMA_VERSION);
	ic_store_close(st);
	/* Reopening (the read-only path) keeps it and succeeds. */
	st = open_ok(f->dir);
	ic_store_close(st);
}

static enum ic_err write_schema_2(struct ic_store_txn *t, void *ctx)
{
	cJSON *rec = cJSON_CreateObject();
	enum ic_err rc;

	(void)ctx;
	cJSON_AddNumberToObject(rec, "v", 1);
	cJSON_AddNumberToObject(rec, "schema", IC_STORE_SCHEMA_VERSION + 1);
	rc = ic_store_txn_put_json(t, IC_DB_META, "schema", 6, rec);
	cJSON_Delete(rec);
	return rc;
}

static void test_store_newer_schema_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	char errbuf[IC_ERRBUF_SIZE], want[IC_ERRBUF_SIZE];

	assert_int_equal(ic_store_update(st, write_schema_2, NULL, NULL),
	                 IC_OK);
	ic_store_close(st);
	st = (struct ic_store *)1;
	assert_int_equal(ic_store_open(&st, f->dir, errbuf), IC_ERR_DATABASE);
	assert_null(st);
	snprintf(want, sizeof(want),
	         "database schema %d is newer than this program (%d)",
	         IC_STORE_SCHEMA_VERSION + 1, IC_STORE_SCHEMA_VERSION);
	assert_string_equal(errbuf, want);
}

static void test_store_corrupt_schema_record_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	char errbuf[IC_ERRBUF_SIZE];

	put_str(st, IC_DB_META, "schema", "{\"v\":1,\"schema\":\"one\"}");
	ic_store_close(st);
	assert_int_equal(ic_store_open(&st, f->dir, errbuf), IC_ERR_DATABASE);
	assert_non_null(strstr(errbuf, "schema"));
}

/* --- One-call transactions ---------------------------------------------- */

static void test_store_put_get_del_round_trip(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	char errbuf[IC_ERRBUF_SIZE];
	void *val = NULL;
	size_t vlen = 0;

	assert_int_equal(
	        ic_store_put(st, IC_DB_CONTACTS, "k1", 2, "a\0b", 3, 0, errbuf),
	        IC_OK);
	assert_int_equal(ic_store_get(st, f->a, IC_DB_CONTACTS, "k1", 2, &val,
	                              &vlen, errbuf),
	                 IC_OK);
	assert_int_equal(vlen, 3);
	assert_memory_equal(val, "a\0b", 4); /* NUL appended */
	/* Databases are separate key spaces. */
	assert_int_equal(ic_store_get(st, f->a, IC_DB_MESSAGES, "k1", 2, &val,
	                              &vlen, errbuf),
	                 IC_ERR_NOT_FOUND);
	assert_null(val);
	/* Overwrite without the flag. */
	put_str(st, IC_DB_CONTACTS, "k1", "new");
	assert_int_equal(ic_store_get(st, f->a, IC_DB_CONTACTS, "k1", 2, &val,
	                              &vlen, errbuf),
	                 IC_OK);
	assert_string_equal(val, "new");
	assert_int_equal(ic_store_del(st, IC_DB_CONTACTS, "k1", 2, errbuf),
	                 IC_OK);
	assert_int_equal(ic_store_get(st, f->a, IC_DB_CONTACTS, "k1", 2, &val,
	                              &vlen, errbuf),
	                 IC_ERR_NOT_FOUND);
	assert_non_null(strstr(errbuf, "contacts"));
	assert_int_equal(ic_store_del(st, IC_DB_CONTACTS, "k1", 2, errbuf),
	                 IC_ERR_NOT_FOUND);
	ic_store_close(st);
}

static void test_store_values_survive_reopen(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	void *val;
	size_t vlen;

	put_str(st, IC_DB_TICKETS, "t", "kept");
	ic_store_close(st);
	st = open_ok(f->dir);
	assert_int_equal(ic_store_get(st, f->a, IC_DB_TICKETS, "t", 1, &val,
	                              &vlen, NULL),
	                 IC_OK);
	assert_string_equal(val, "kept");
	ic_store_close(st);
}

static void test_store_nooverwrite_answers_conflict(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	char errbuf[IC_ERRBUF_SIZE];
	void *val;
	size_t vlen;

	assert_int_equal(ic_store_put(st, IC_DB_MESSAGE_UIDS, "uid", 3, "1", 1,
	                              IC_STORE_NOOVERWRITE, errbuf),
	                 IC_OK);
	assert_int_equal(ic_store_put(st, IC_DB_MESSAGE_UIDS, "uid", 3, "2", 1,
	                              IC_STORE_NOOVERWRITE, errbuf),
	                 IC_ERR_CONFLICT);
	assert_non_null(strstr(errbuf, "already stored"));
	assert_int_equal(ic_store_get(st, f->a, IC_DB_MESSAGE_UIDS, "uid", 3,
	                              &val, &vlen, NULL),
	                 IC_OK);
	assert_string_equal(val, "1");
	ic_store_close(st);
}

static void test_store_bad_key_lengths_are_bad_input(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	char errbuf[IC_ERRBUF_SIZE], big[512];
	void *val;
	size_t vlen;

	memset(big, 'k', sizeof(big));
	assert_int_equal(ic_store_put(st, IC_DB_RATE, "", 0, "v", 1, 0, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_int_equal(ic_store_put(st, IC_DB_RATE, big, sizeof(big), "v", 1,
	                              0, errbuf),
	                 IC_ERR_BAD_INPUT);
	assert_non_null(strstr(errbuf, "512 bytes for rate"));
	/* 511 bytes is LMDB's default maximum and works. */
	assert_int_equal(
	        ic_store_put(st, IC_DB_RATE, big, 511, "v", 1, 0, errbuf),
	        IC_OK);
	assert_int_equal(ic_store_get(st, f->a, IC_DB_RATE, big, 511, &val,
	                              &vlen, errbuf),
	                 IC_OK);
	ic_store_close(st);
}

/* --- Transactions around a function ------------------------------------- */

static enum ic_err write_two_then_fail(struct ic_store_txn *t, void *ctx)
{
	enum ic_err rc;

	(void)ctx;
	rc = ic_store_txn_put(t, IC_DB_SESSIONS, "a", 1, "1", 1, 0);
	if (rc == IC_OK)
		rc = ic_store_txn_put(t, IC_DB_STATES, "b", 1, "2", 1, 0);
	if (rc != IC_OK)
		return rc;
	return ic_fail(ic_store_txn_errbuf(t), IC_ERR_FORBIDDEN,
	               "fn changed its mind");
}

static enum ic_err write_two(struct ic_store_txn *t, void *ctx)
{
	enum ic_err rc;
	const void *v;
	size_t vl;

	(void)ctx;
	rc = ic_store_txn_put(t, IC_DB_SESSIONS, "a", 1, "1", 1, 0);
	if (rc == IC_OK)
		rc = ic_store_txn_put(t, IC_DB_STATES, "b", 1, "2", 1, 0);
	/* A write is visible to later reads in the same transaction. */
	if (rc == IC_OK)
		rc = ic_store_txn_get(t, IC_DB_SESSIONS, "a", 1, &v, &vl);
	if (rc == IC_OK && (vl != 1 || memcmp(v, "1", 1) != 0))
		rc = IC_ERR_INTERNAL;
	return rc;
}

static void test_store_update_fn_error_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	char errbuf[IC_ERRBUF_SIZE];
	void *val;
	size_t vlen;

	assert_int_equal(ic_store_update(st, write_two_then_fail, NULL, errbuf),
	                 IC_ERR_FORBIDDEN);
	assert_string_equal(errbuf, "fn changed its mind");
	assert_int_equal(ic_store_get(st, f->a, IC_DB_SESSIONS, "a", 1, &val,
	                              &vlen, NULL),
	                 IC_ERR_NOT_FOUND);
	assert_int_equal(
	        ic_store_get(st, f->a, IC_DB_STATES, "b", 1, &val, &vlen, NULL),
	        IC_ERR_NOT_FOUND);
	/* The same writes commit together when fn succeeds. */
	assert_int_equal(ic_store_update(st, write_two, NULL, errbuf), IC_OK);
	assert_int_equal(ic_store_get(st, f->a, IC_DB_SESSIONS, "a", 1, &val,
	                              &vlen, NULL),
	                 IC_OK);
	assert_int_equal(
	        ic_store_get(st, f->a, IC_DB_STATES, "b", 1, &val, &vlen, NULL),
	        IC_OK);
	ic_store_close(st);
}

static enum ic_err conflict_then_go_on(struct ic_store_txn *t, void *ctx)
{
	enum ic_err rc;

	(void)ctx;
	rc = ic_store_txn_put(t, IC_DB_DUE, "d", 1, "x", 1,
	                      IC_STORE_NOOVERWRITE);
	if (rc != IC_ERR_CONFLICT)
		return IC_ERR_INTERNAL;
	rc = ic_store_txn_del(t, IC_DB_DUE, "absent", 6);
	if (rc != IC_ERR_NOT_FOUND)
		return IC_ERR_INTERNAL;
	return ic_store_txn_put(t, IC_DB_DUE, "e", 1, "y", 1, 0);
}

static void test_store_txn_conflict_and_not_found_leave_txn_usable(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	void *val;
	size_t vlen;

	put_str(st, IC_DB_DUE, "d", "old");
	assert_int_equal(ic_store_update(st, conflict_then_go_on, NULL, NULL),
	                 IC_OK);
	assert_int_equal(
	        ic_store_get(st, f->a, IC_DB_DUE, "e", 1, &val, &vlen, NULL),
	        IC_OK);
	assert_int_equal(
	        ic_store_get(st, f->a, IC_DB_DUE, "d", 1, &val, &vlen, NULL),
	        IC_OK);
	assert_string_equal(val, "old");
	ic_store_close(st);
}

static enum ic_err write_in_view(struct ic_store_txn *t, void *ctx)
{
	(void)ctx;
	return ic_store_txn_put(t, IC_DB_DUE, "d", 1, "x", 1, 0);
}

static void test_store_view_refuses_writes(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	char errbuf[IC_ERRBUF_SIZE];

	assert_int_equal(ic_store_view(st, write_in_view, NULL, errbuf),
	                 IC_ERR_INTERNAL);
	assert_non_null(strstr(errbuf, "read-only"));
	ic_store_close(st);
}

/* --- Scans -------------------------------------------------------------- */

struct seen {
	char keys[16][16];
	int n;
	int stop_after; /* 0: never */
	enum ic_err fail_with;
};

static enum ic_err collect(const void *k, size_t kl, const void *v, size_t vl,
                           void *ctx)
{
	struct seen *s = ctx;

	(void)v;
	(void)vl;
	if (s->n >= 16 || kl >= 16)
		return IC_ERR_INTERNAL;
	memcpy(s->keys[s->n], k, kl);
	s->keys[s->n][kl] = '\0';
	s->n++;
	if (s->fail_with != IC_OK)
		return s->fail_with;
	return s->n == s->stop_after ? IC_STORE_STOP : IC_OK;
}

static enum ic_err scan_a(struct ic_store_txn *t, void *ctx)
{
	return ic_store_txn_scan(t, IC_DB_MESSAGES, "a:", 2, collect, ctx);
}

static enum ic_err scan_all(struct ic_store_txn *t, void *ctx)
{
	return ic_store_txn_scan(t, IC_DB_MESSAGES, NULL, 0, collect, ctx);
}

static enum ic_err scan_none(struct ic_store_txn *t, void *ctx)
{
	return ic_store_txn_scan(t, IC_DB_MESSAGES, "zz", 2, collect, ctx);
}

static void fill_for_scan(struct ic_store *st)
{
	static const char *const keys[] = {"a:3",  "b:1", "a:1", "a",
	                                   "a:2x", "a:2", "0"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		put_str(st, IC_DB_MESSAGES, keys[i], "v");
}

static void test_store_scan_visits_prefix_in_key_order(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	struct seen s = {.n = 0};

	fill_for_scan(st);
	assert_int_equal(ic_store_view(st, scan_a, &s, NULL), IC_OK);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.keys[0], "a:1");
	assert_string_equal(s.keys[1], "a:2");
	assert_string_equal(s.keys[2], "a:2x");
	assert_string_equal(s.keys[3], "a:3");
	memset(&s, 0, sizeof(s));
	assert_int_equal(ic_store_view(st, scan_all, &s, NULL), IC_OK);
	assert_int_equal(s.n, 7);
	assert_string_equal(s.keys[0], "0");
	assert_string_equal(s.keys[1], "a");
	assert_string_equal(s.keys[6], "b:1");
	memset(&s, 0, sizeof(s));
	assert_int_equal(ic_store_view(st, scan_none, &s, NULL), IC_OK);
	assert_int_equal(s.n, 0);
	ic_store_close(st);
}

static void test_store_scan_stops_on_stop_and_on_error(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	struct seen s = {.stop_after = 2};

	fill_for_scan(st);
	assert_int_equal(ic_store_view(st, scan_a, &s, NULL), IC_OK);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof(s));
	s.fail_with = IC_ERR_GONE;
	assert_int_equal(ic_store_view(st, scan_a, &s, NULL), IC_ERR_GONE);
	assert_int_equal(s.n, 1);
	/* The same scan works inside a write transaction. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ic_store_update(st, scan_a, &s, NULL), IC_OK);
	assert_int_equal(s.n, 4);
	ic_store_close(st);
}

/* --- JSON records ------------------------------------------------------- */

static enum ic_err put_contact(struct ic_store_txn *t, void *ctx)
{
	return ic_store_txn_put_json(t, IC_DB_CONTACTS, "bob", 3, ctx);
}

static void test_store_json_record_round_trip(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	cJSON *rec = cJSON_CreateObject(), *back = NULL;
	void *raw;
	size_t rawlen;

	cJSON_AddNumberToObject(rec, "v", 1);
	cJSON_AddStringToObject(rec, "url", "https://bob.example/");
	cJSON_AddStringToObject(rec, "name", "Bob \"B\" \xc3\xa9");
	assert_int_equal(ic_store_update(st, put_contact, rec, NULL), IC_OK);
	cJSON_Delete(rec);
	assert_int_equal(ic_store_get_json(st, f->a, IC_DB_CONTACTS, "bob", 3,
	                                   &back, NULL),
	                 IC_OK);
	assert_string_equal(
	        cJSON_GetObjectItemCaseSensitive(back, "url")->valuestring,
	        "https://bob.example/");
	assert_string_equal(
	        cJSON_GetObjectItemCaseSensitive(back, "name")->valuestring,
	        "Bob \"B\" \xc3\xa9");
	/* Stored unformatted. */
	assert_int_equal(ic_store_get(st, f->a, IC_DB_CONTACTS, "bob", 3, &raw,
	                              &rawlen, NULL),
	                 IC_OK);
	assert_null(strchr(raw, '\n'));
	assert_memory_equal(raw, "{\"v\":1,", 7);
	ic_store_close(st);
}

static void test_store_json_record_without_version_refused(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	cJSON *rec = cJSON_CreateObject();
	char errbuf[IC_ERRBUF_SIZE];
	void *raw;
	size_t rawlen;

	cJSON_AddStringToObject(rec, "v", "1"); /* a string is no version */
	assert_int_equal(ic_store_update(st, put_contact, rec, errbuf),
	                 IC_ERR_INTERNAL);
	assert_non_null(strstr(errbuf, "\"v\""));
	cJSON_Delete(rec);
	rec = cJSON_CreateArray();
	assert_int_equal(ic_store_update(st, put_contact, rec, errbuf),
	                 IC_ERR_INTERNAL);
	cJSON_Delete(rec);
	assert_int_equal(ic_store_get(st, f->a, IC_DB_CONTACTS, "bob", 3, &raw,
	                              &rawlen, NULL),
	                 IC_ERR_NOT_FOUND);
	ic_store_close(st);
}

static void test_store_corrupt_json_is_a_database_error(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	static const char *const bad[] = {"{\"v\":1",  "[1]",
	                                  "{\"x\":1}", "{\"v\":1}x",
	                                  "",          "{\"v\":1}{\"v\":1}"};
	char errbuf[IC_ERRBUF_SIZE];
	cJSON *tree = (cJSON *)1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ic_store_put(st, IC_DB_CONVERSATIONS, "c", 1,
		                              bad[i], strlen(bad[i]), 0, NULL),
		                 IC_OK);
		errbuf[0] = '\0';
		assert_int_equal(ic_store_get_json(st, f->a,
		                                   IC_DB_CONVERSATIONS, "c", 1,
		                                   &tree, errbuf),
		                 IC_ERR_DATABASE);
		assert_null(tree);
		assert_non_null(strstr(errbuf, "conversations"));
	}
	/* Trailing whitespace is fine. */
	put_str(st, IC_DB_CONVERSATIONS, "c", "{\"v\":2} \n");
	assert_int_equal(ic_store_get_json(st, f->a, IC_DB_CONVERSATIONS, "c",
	                                   1, &tree, NULL),
	                 IC_OK);
	assert_int_equal(ic_store_get_json(st, f->a, IC_DB_CONVERSATIONS, "d",
	                                   1, &tree, NULL),
	                 IC_ERR_NOT_FOUND);
	ic_store_close(st);
}

/* --- Map growth --------------------------------------------------------- */

#define TINY_MAP (128u * 1024)

/* Writes ctx->count values of ctx->size bytes, keys "<tag>%06d". */
struct bulk {
	char tag;
	int first, count;
	size_t size;
	int runs;
};

static enum ic_err write_bulk(struct ic_store_txn *t, void *ctx)
{
	struct bulk *b = ctx;
	char key[16], val[4096];
	enum ic_err rc = IC_OK;

	b->runs++;
	for (int i = b->first; i < b->first + b->count && rc == IC_OK; i++) {
		snprintf(key, sizeof(key), "%c%06d", b->tag, i);
		memset(val, 'a' + i % 26, b->size);
		rc = ic_store_txn_put(t, IC_DB_MESSAGES, key, strlen(key), val,
		                      b->size, 0);
	}
	return rc;
}

static void check_bulk(struct ic_store *st, struct ic_arena *a, char tag,
                       int count, size_t size)
{
	char key[16];
	void *val;
	size_t vlen;

	for (int i = 0; i < count; i++) {
		snprintf(key, sizeof(key), "%c%06d", tag, i);
		assert_int_equal(ic_store_get(st, a, IC_DB_MESSAGES, key,
		                              strlen(key), &val, &vlen, NULL),
		                 IC_OK);
		assert_int_equal(vlen, size);
		assert_int_equal(((char *)val)[size - 1], 'a' + i % 26);
	}
}

static void
test_store_map_grows_when_full_and_data_survives_reopen(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = NULL;
	char errbuf[IC_ERRBUF_SIZE] = "";
	size_t grown;

	assert_int_equal(ic_store_open_with_map(&st, f->dir, TINY_MAP, errbuf),
	                 IC_OK);
	assert_int_equal(ic_store_map_size(st), TINY_MAP);
	/* 300 one-record transactions of 1 KiB: far past 128 KiB. */
	for (int i = 0; i < 300; i++) {
		struct bulk b = {'x', i, 1, 1024, 0};

		if (ic_store_update(st, write_bulk, &b, errbuf) != IC_OK)
			fail_msg("record %d: %s", i, errbuf);
	}
	grown = ic_store_map_size(st);
	assert_true(grown >= 4 * TINY_MAP);
	ic_store_close(st);
	/* Reopened with the tiny map: the grown size is kept. */
	assert_int_equal(ic_store_open_with_map(&st, f->dir, TINY_MAP, errbuf),
	                 IC_OK);
	assert_int_equal(ic_store_map_size(st), grown);
	check_bulk(st, f->a, 'x', 300, 1024);
	ic_store_close(st);
	/* The normal open raises it to the default initial size. */
	st = open_ok(f->dir);
	assert_int_equal(ic_store_map_size(st), IC_STORE_INITIAL_MAP_BYTES);
	check_bulk(st, f->a, 'x', 300, 1024);
	ic_store_close(st);
}

static void test_store_update_reruns_fn_once_after_growing(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = NULL;
	char errbuf[IC_ERRBUF_SIZE] = "";
	struct bulk fits = {'y', 0, 40, 4000, 0};     /* ~160 KiB */
	struct bulk too_big = {'z', 0, 200, 4000, 0}; /* ~800 KiB */
	void *val;
	size_t vlen;

	assert_int_equal(ic_store_open_with_map(&st, f->dir, TINY_MAP, errbuf),
	                 IC_OK);
	assert_int_equal(ic_store_update(st, write_bulk, &fits, errbuf), IC_OK);
	assert_int_equal(fits.runs, 2);
	check_bulk(st, f->a, 'y', 40, 4000);
	/* Doubling once is not enough: refused, nothing written. */
	assert_int_equal(ic_store_update(st, write_bulk, &too_big, errbuf),
	                 IC_ERR_DATABASE);
	assert_int_equal(too_big.runs, 2);
	assert_non_null(strstr(errbuf, "map full"));
	assert_int_equal(ic_store_get(st, f->a, IC_DB_MESSAGES, "z000000", 7,
	                              &val, &vlen, NULL),
	                 IC_ERR_NOT_FOUND);
	ic_store_close(st);
}

static void test_store_existing_larger_map_is_kept(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = NULL;

	assert_int_equal(
	        ic_store_open_with_map(&st, f->dir, 4 * TINY_MAP, NULL), IC_OK);
	ic_store_close(st);
	assert_int_equal(ic_store_open_with_map(&st, f->dir, TINY_MAP, NULL),
	                 IC_OK);
	assert_int_equal(ic_store_map_size(st), 4 * TINY_MAP);
	ic_store_close(st);
}

/* --- Readers ------------------------------------------------------------ */

static enum ic_err die_in_view(struct ic_store_txn *t, void *ctx)
{
	(void)t;
	(void)ctx;
	raise(SIGKILL);
	return IC_OK;
}

static void test_store_reader_check_clears_a_killed_readers_slot(void **state)
{
	struct fixture *f = *state;
	struct ic_store *st = open_ok(f->dir);
	int dead = -1, status;
	pid_t pid;

	assert_int_equal(ic_store_reader_check(st, &dead, NULL), IC_OK);
	assert_int_equal(dead, 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child opens its own environment (never the parent's)
		 * and dies inside a read transaction, as a killed CGI. */
		struct ic_store *mine;

		if (ic_store_open(&mine, f->dir, NULL) == IC_OK)
			ic_store_view(mine, die_in_view, NULL, NULL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(ic_store_reader_check(st, &dead, NULL), IC_OK);
	assert_int_equal(dead, 1);
	assert_int_equal(ic_store_reader_check(st, &dead, NULL), IC_OK);
	assert_int_equal(dead, 0);
	ic_store_close(st);
}

/* --- kill -9 survival (DESIGN.md "Storage") ------------------------------ */

#define KILL_ROUNDS 5

/* Record i: its number and a size that varies, some over a page, so that
 * the writer also allocates overflow pages. */
static size_t record_len(unsigned i)
{
	return i % 7 == 0 ? 5000 + i % 300 : 40 + i % 200;
}

static void record_fill(unsigned i, char *buf)
{
	size_t n = record_len(i);

	for (size_t j = 0; j < n; j++)
		buf[j] = (char)('A' + (i * 31 + j) % 26);
}

struct numbered {
	unsigned i;
};

/* One transaction: record i and counter = i, together. */
static enum ic_err write_numbered(struct ic_store_txn *t, void *ctx)
{
	struct numbered *n = ctx;
	char key[16], val[5400], counter[16];
	enum ic_err rc;

	snprintf(key, sizeof(key), "rec%010u", n->i);
	record_fill(n->i, val);
	rc = ic_store_txn_put(t, IC_DB_MESSAGES, key, strlen(key), val,
	                      record_len(n->i), 0);
	snprintf(counter, sizeof(counter), "%u", n->i);
	if (rc == IC_OK)
		rc = ic_store_txn_put(t, IC_DB_META, "counter", 7, counter,
		                      strlen(counter), 0);
	return rc;
}

/* The counter, or -1 when nothing was committed yet. */
static long read_counter(struct ic_store *st, struct ic_arena *a)
{
	void *val;
	size_t vlen;
	enum ic_err rc = ic_store_get(st, a, IC_DB_META, "counter", 7, &val,
	                              &vlen, NULL);

	if (rc == IC_ERR_NOT_FOUND)
		return -1;
	assert_int_equal(rc, IC_OK);
	return strtol(val, NULL, 10);
}

/* The child: commit numbered records until killed.  It tells the parent
 * (one byte on @p fd) after its first commit, so every kill lands while
 * it writes.  Never returns. */
static void writer_child(const char *dir, int fd)
{
	struct ic_arena *a = ic_arena_new(0);
	struct ic_store *st;
	struct numbered n;
	long counter;

	if (a == NULL || ic_store_open(&st, dir, NULL) != IC_OK)
		_exit(2);
	counter = read_counter(st, a);
	for (n.i = (unsigned)(counter + 1);; n.i++) {
		if (ic_store_update(st, write_numbered, &n, NULL) != IC_OK)
			_exit(3);
		if (n.i == (unsigned)(counter + 1) && write(fd, "x", 1) != 1)
			_exit(4);
	}
}

struct verify {
	unsigned next;
	bool intact;
};

static enum ic_err check_record(const void *k, size_t kl, const void *v,
                                size_t vl, void *ctx)
{
	struct verify *c = ctx;
	char key[16], want[5400];

	snprintf(key, sizeof(key), "rec%010u", c->next);
	record_fill(c->next, want);
	if (kl != strlen(key) || memcmp(k, key, kl) != 0 ||
	    vl != record_len(c->next) || memcmp(v, want, vl) != 0) {
		c->intact = false;
		return IC_STORE_STOP;
	}
	c->next++;
	return IC_OK;
}

static enum ic_err scan_records(struct ic_store_txn *t, void *ctx)
{
	return ic_store_txn_scan(t, IC_DB_MESSAGES, "rec", 3, check_record,
	                         ctx);
}

/* Kill a writer at a random moment, 50-200 ms into its writing. */
static void kill_writer_once(const char *dir)
{
	int fds[2], status;
	char byte;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		writer_child(dir, fds[1]);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &byte, 1), 1);
	close(fds[0]);
	usleep(50000 + (useconds_t)(rand() % 150000));
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Killed by us, not dead of its own error. */
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void test_store_survives_kill_9_mid_write(void **state)
{
	struct fixture *f = *state;
	long before = -1;

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int round = 0; round < KILL_ROUNDS; round++) {
		struct verify c = {0, true};
		struct ic_store *st;
		long counter;

		kill_writer_once(f->dir);
		st = open_ok(f->dir);
		counter = read_counter(st, f->a);
		/* The child committed at least once this round. */
		assert_true(counter > before);
		assert_int_equal(ic_store_view(st, scan_records, &c, NULL),
		                 IC_OK);
		assert_true(c.intact);
		/* Exactly records 0..counter, each whole. */
		assert_int_equal(c.next, (unsigned)counter + 1);
		before = counter;
		ic_store_close(st);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_store_open_creates_dir_0700_and_every_database,
	                setup, teardown),
	        cmocka_unit_test(test_store_db_names_are_fixed),
	        cmocka_unit_test_setup_teardown(
	                test_store_open_on_a_file_fails_with_io, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_fresh_env_gets_schema_version, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_newer_schema_is_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_corrupt_schema_record_is_refused, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_put_get_del_round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_values_survive_reopen, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_nooverwrite_answers_conflict, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_bad_key_lengths_are_bad_input, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_update_fn_error_writes_nothing, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_txn_conflict_and_not_found_leave_txn_usable,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(test_store_view_refuses_writes,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_scan_visits_prefix_in_key_order, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_scan_stops_on_stop_and_on_error, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_json_record_round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_json_record_without_version_refused, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_corrupt_json_is_a_database_error, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_map_grows_when_full_and_data_survives_reopen,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_update_reruns_fn_once_after_growing, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_existing_larger_map_is_kept, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_reader_check_clears_a_killed_readers_slot,
	                setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_store_survives_kill_9_mid_write, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
