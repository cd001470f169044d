/*
 * store_blobref.c - the file reference index and the sweep (see
 * store_blobref.h).
 */
#include "store/store_blobref.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ic_limits.h"
#include "core/log.h"
#include "store/store_blob.h"
#include "text/json.h"

/* META keys: the build's progress, and where the sweep stopped. */
static const char build_key[] = "blob_refs";
static const char sweep_key[] = "blob_sweep";

/* The longest name of ours in data_dir/attachments: a temporary file
 * ".<64 hex>.XXXXXX" (core/file.h) is 72 bytes; longer ones are left. */
#define NAME_MAX_BYTES 80

static char *ref_key(struct ic_arena *a, const char *id, const char *msg_key)
{
	if (!ic_store_blob_id_ok(id))
		return NULL;
	return ic_arena_printf(a, "%s%s", id, msg_key);
}

enum ic_err ic_store_blobref_put_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *id,
                                        const char *msg_key)
{
	char *k = ref_key(a, id, msg_key);

	if (k == NULL)
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_BAD_INPUT,
		               "attachment id is not a SHA-256");
	return ic_store_txn_put(t, IC_DB_BLOB_REFS, k, strlen(k), "", 0, 0);
}

enum ic_err ic_store_blobref_del_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *id,
                                        const char *msg_key)
{
	char *k = ref_key(a, id, msg_key);
	enum ic_err rc;

	if (k == NULL)
		return IC_OK; /* never written */
	rc = ic_store_txn_del(t, IC_DB_BLOB_REFS, k, strlen(k));
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

struct first_ctx {
	struct ic_arena *a;
	const char *key; /* the message key after the id */
};

static enum ic_err first_cb(const void *k, size_t kl, const void *v, size_t vl,
                            void *p)
{
	struct first_ctx *c = p;
	char *key = ic_arena_alloc(c->a, kl - 64 + 1);

	(void)v;
	(void)vl;
	if (key == NULL)
		return IC_ERR_NOMEM;
	memcpy(key, (const char *)k + 64, kl - 64);
	key[kl - 64] = '\0';
	c->key = key;
	return IC_STORE_STOP;
}

enum ic_err ic_store_blobref_find_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *id,
                                         const char *msg_prefix,
                                         const char **msg_key)
{
	char *prefix = ref_key(a, id, msg_prefix ? msg_prefix : "");
	struct first_ctx c = {a, NULL};
	enum ic_err rc;

	*msg_key = NULL;
	if (prefix == NULL)
		return ic_store_blob_id_ok(id) ? IC_ERR_NOMEM
		                               : IC_ERR_NOT_FOUND;
	rc = ic_store_txn_scan(t, IC_DB_BLOB_REFS, prefix, strlen(prefix),
	                       first_cb, &c);
	if (rc == IC_OK && c.key == NULL)
		rc = IC_ERR_NOT_FOUND;
	*msg_key = c.key;
	return rc;
}

static enum ic_err any_cb(const void *k, size_t kl, const void *v, size_t vl,
                          void *p)
{
	(void)k;
	(void)kl;
	(void)v;
	(void)vl;
	*(bool *)p = true;
	return IC_STORE_STOP;
}

bool ic_store_blobref_named_in_txn(struct ic_store_txn *t, const char *id)
{
	bool found = false;

	if (!ic_store_blob_id_ok(id))
		return false;
	/* A store error reads as named: keeping a file is the safe side. */
	if (ic_store_txn_scan(t, IC_DB_BLOB_REFS, id, 64, any_cb, &found) !=
	    IC_OK)
		return true;
	return found;
}

/* --- The build's progress (META "blob_refs") --------------------------- */

enum ic_err ic_store_blobref_build_state_in_txn(struct ic_store_txn *t,
                                                struct ic_arena *a, bool *built,
                                                const char **after)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_META, build_key,
	                                       strlen(build_key), &j);

	*built = false;
	*after = NULL;
	if (rc == IC_ERR_NOT_FOUND)
		return IC_OK;
	if (rc != IC_OK)
		return rc;
	*built = ic_json_bool(j, "built", false);
	*after = ic_json_str(a, j, "after");
	return IC_OK;
}

enum ic_err ic_store_blobref_build_mark_in_txn(struct ic_store_txn *t,
                                               struct ic_arena *a,
                                               const char *after)
{
	cJSON *j = ic_json_record(a, 1);
	enum ic_err rc = j ? IC_OK : IC_ERR_NOMEM;

	if (rc == IC_OK)
		rc = ic_json_add_bool(j, "built", after == NULL);
	if (rc == IC_OK)
		rc = ic_json_add_str(j, "after", after);
	if (rc == IC_OK)
		rc = ic_store_txn_put_json(t, IC_DB_META, build_key,
		                           strlen(build_key), j);
	return rc;
}

static bool built(struct ic_store_txn *t, struct ic_arena *a)
{
	bool done;
	const char *after;

	return ic_store_blobref_build_state_in_txn(t, a, &done, &after) ==
	               IC_OK &&
	       done;
}

/* --- Removing files ------------------------------------------------------ */

/* data_dir/attachments/@p name, from @p a. */
static char *file_path(struct ic_store_txn *t, struct ic_arena *a,
                       const char *name)
{
	return ic_arena_printf(a, "%s/attachments/%s", ic_store_txn_data_dir(t),
	                       name);
}

static enum ic_err remove_file(struct ic_store_txn *t, const char *path,
                               bool *removed)
{
	*removed = false;
	if (unlink(path) == 0) {
		*removed = true;
		return IC_OK;
	}
	if (errno == ENOENT)
		return IC_OK; /* gone already: a job run twice */
	return ic_fail(ic_store_txn_errbuf(t), IC_ERR_IO,
	               "cannot remove %s: %s", path, strerror(errno));
}

enum ic_err ic_store_blobref_collect_in_txn(struct ic_store_txn *t,
                                            struct ic_arena *a, const char *id,
                                            bool *removed)
{
	char *path;

	*removed = false;
	if (!ic_store_blob_id_ok(id))
		return ic_fail(ic_store_txn_errbuf(t), IC_ERR_BAD_INPUT,
		               "%s is not an attachment id",
		               id ? id : "(null)");
	/* Before the index is complete a file may be named by a message it
	 * has not reached: the sweep collects it later. */
	if (!built(t, a) || ic_store_blobref_named_in_txn(t, id))
		return IC_OK;
	path = file_path(t, a, id);
	if (path == NULL)
		return IC_ERR_NOMEM;
	return remove_file(t, path, removed);
}

/* --- The sweep ----------------------------------------------------------- */

/* The smallest names after the cursor, sorted: a directory's order is
 * not stable between runs, so a run goes on by name, not by position. */
struct names {
	char (*v)[NAME_MAX_BYTES + 1];
	size_t n, cap;
};

/* A name the sweep may remove: a blob, or a temporary file of
 * ic_file_write_atomic() (".<id>.XXXXXX") a crash left behind. */
static bool sweepable(const char *name)
{
	if (name[0] == '.')
		return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
	return ic_store_blob_id_ok(name);
}

static void keep_name(struct names *s, const char *name)
{
	size_t len = strlen(name), at = s->n;

	if (len > NAME_MAX_BYTES)
		return;
	if (s->n == s->cap && strcmp(name, s->v[s->n - 1]) >= 0)
		return;
	while (at > 0 && strcmp(name, s->v[at - 1]) < 0)
		at--;
	if (s->n == s->cap)
		s->n--; /* the largest makes room */
	memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof(*s->v));
	memcpy(s->v[at], name, len + 1);
	s->n++;
}

static enum ic_err list_names(struct ic_store_txn *t, const char *dir,
                              const char *after, struct names *s)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return errno == ENOENT
		               ? IC_OK /* no file sent or received */
		               : ic_fail(ic_store_txn_errbuf(t), IC_ERR_IO,
		                         "cannot read %s: %s", dir,
		                         strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (sweepable(e->d_name) &&
		    (after == NULL || strcmp(e->d_name, after) > 0))
			keep_name(s, e->d_name);
	closedir(d);
	return IC_OK;
}

/* Remove @p name when it is old enough and nothing names it. */
static enum ic_err sweep_one(struct ic_store_txn *t, struct ic_arena *a,
                             const char *name, long long now, size_t *removed)
{
	char *path = file_path(t, a, name);
	struct stat sb;
	bool gone;
	enum ic_err rc;

	if (path == NULL)
		return IC_ERR_NOMEM;
	if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return IC_OK; /* gone meanwhile, or not ours to remove */
	/* Younger than the grace, or dated in the future (a clock step):
	 * perhaps a send's upload whose message is still being stored. */
	if ((long long)sb.st_mtime > now ||
	    now - (long long)sb.st_mtime < IC_BLOB_GRACE_SECONDS)
		return IC_OK;
	if (name[0] != '.' && ic_store_blobref_named_in_txn(t, name))
		return IC_OK;
	rc = remove_file(t, path, &gone);
	if (rc == IC_OK && gone)
		++*removed;
	return rc;
}

static enum ic_err sweep_cursor(struct ic_store_txn *t, struct ic_arena *a,
                                const char **after)
{
	cJSON *j;
	enum ic_err rc = ic_store_txn_get_json(t, a, IC_DB_META, sweep_key,
	                                       strlen(sweep_key), &j);

	*after = NULL;
	if (rc == IC_OK)
		*after = ic_json_str(a, j, "after");
	return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
}

/* Where the next run starts: after @p last, or from the first name. */
static enum ic_err save_cursor(struct ic_store_txn *t, struct ic_arena *a,
                               const char *last)
{
	cJSON *j;
	enum ic_err rc;

	if (last == NULL) {
		rc = ic_store_txn_del(t, IC_DB_META, sweep_key,
		                      strlen(sweep_key));
		return rc == IC_ERR_NOT_FOUND ? IC_OK : rc;
	}
	j = ic_json_record(a, 1);
	rc = j ? ic_json_add_str(j, "after", last) : IC_ERR_NOMEM;
	if (rc == IC_OK)
		rc = ic_store_txn_put_json(t, IC_DB_META, sweep_key,
		                           strlen(sweep_key), j);
	return rc;
}

enum ic_err ic_store_blobref_sweep_in_txn(struct ic_store_txn *t,
                                          struct ic_arena *a, long long now,
                                          size_t *removed, bool *more)
{
	struct names s = {NULL, 0, IC_BLOB_SWEEP_FILES};
	const char *after = NULL;
	char *dir =
	        ic_arena_printf(a, "%s/attachments", ic_store_txn_data_dir(t));
	enum ic_err rc;

	*removed = 0;
	*more = false;
	if (!built(t, a))
		return IC_OK;
	s.v = ic_arena_calloc(a, s.cap, sizeof(*s.v));
	if (dir == NULL || s.v == NULL)
		return IC_ERR_NOMEM;
	rc = sweep_cursor(t, a, &after);
	if (rc == IC_OK)
		rc = list_names(t, dir, after, &s);
	for (size_t i = 0; rc == IC_OK && i < s.n; i++)
		rc = sweep_one(t, a, s.v[i], now, removed);
	/* A full batch: names may be left after its last one. */
	*more = rc == IC_OK && s.n == s.cap;
	if (rc == IC_OK)
		rc = save_cursor(t, a, *more ? s.v[s.n - 1] : NULL);
	return rc;
}
