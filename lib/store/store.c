/*
 * store.c - the LMDB storage core (see store.h).
 *
 * Every transaction is begun and ended by run_txn(), within one screen:
 * the callers' functions only see a struct ic_store_txn.  MDB_* codes are
 * translated in store_error() and nowhere else.
 */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <lmdb.h>

#include "core/ic_limits.h"
#include "core/log.h"

/* Fixed forever: they name the sub-databases inside data.mdb. */
static const char *const db_names[IC_DB__COUNT] = {
        [IC_DB_META] = "meta",
        [IC_DB_CONTACTS] = "contacts",
        [IC_DB_CONVERSATIONS] = "conversations",
        [IC_DB_MESSAGES] = "messages",
        [IC_DB_MESSAGE_UIDS] = "message_uids",
        [IC_DB_SUBSCRIPTIONS] = "subscriptions",
        [IC_DB_ISSUED_TOKENS] = "issued_tokens",
        [IC_DB_HELD_TOKENS] = "held_tokens",
        [IC_DB_TICKETS] = "tickets",
        [IC_DB_SESSIONS] = "sessions",
        [IC_DB_STATES] = "states",
        [IC_DB_DUE] = "due",
        [IC_DB_RATE] = "rate",
        [IC_DB_HUB_SUBS] = "hub_subs",
        [IC_DB_CODES] = "codes",
        [IC_DB_REFRESH] = "refresh_tokens",
        [IC_DB_RATE_WINDOWS] = "rate_windows",
        [IC_DB_SEARCH] = "search",
        [IC_DB_SEARCH_WORDS] = "search_words",
        [IC_DB_NOTIFY] = "notify",
        [IC_DB_WEBPUSH] = "webpush",
        [IC_DB_ATTACHMENTS] = "attachments",
        [IC_DB_BLOB_REFS] = "blob_refs",
};

/* META key of the schema record {"v":1,"schema":N}. */
static const char schema_key[] = "schema";

struct ic_store {
	MDB_env *env;
	char *data_dir; /* as opened: store_blob.h files live under it */
	MDB_dbi dbi[IC_DB__COUNT];
	unsigned open_txns; /* running transactions: the map may change at 0 */
	bool dry_run;       /* ic_store_set_dry_run(): roll back every write */
	/* The span of the map that read transactions handed out since the
	 * store was opened (values of a read-only transaction always point
	 * into the map); NULL when none. */
	const char *touched_lo, *touched_hi;
};

struct ic_store_txn {
	struct ic_store *st;
	MDB_txn *txn;
	char *errbuf;
	bool readonly;
	bool map_full; /* a write hit MDB_MAP_FULL: grow and run fn again */
};

const char *ic_store_db_name(enum ic_store_db db)
{
	return (unsigned)db < IC_DB__COUNT ? db_names[db] : "?";
}

/* The one translation of LMDB's codes (STYLE.md "Errors"): the code says
 * what kind of failure it was, the message keeps mdb_strerror()'s text. */
static enum ic_err store_error(char *errbuf, int rc, const char *op,
                               const char *where)
{
	enum ic_err code;

	switch (rc) {
	case MDB_SUCCESS:
		return IC_OK;
	case MDB_NOTFOUND:
		return ic_fail(errbuf, IC_ERR_NOT_FOUND, "%s%s%s: no such key",
		               op, *where ? " " : "", where);
	case MDB_KEYEXIST:
		/* MDB_NOOVERWRITE: "already stored", often not a failure. */
		return ic_fail(errbuf, IC_ERR_CONFLICT,
		               "%s%s%s: already stored", op, *where ? " " : "",
		               where);
	case ENOMEM:
		code = IC_ERR_NOMEM;
		break;
	case EINVAL:
		code = IC_ERR_INTERNAL; /* we passed LMDB something wrong */
		break;
	default:
		/* LMDB's own codes are negative; positive ones are errno. */
		code = rc > 0 ? IC_ERR_IO : IC_ERR_DATABASE;
		break;
	}
	return ic_fail(errbuf, code, "%s%s%s: %s", op, *where ? " " : "", where,
	               mdb_strerror(rc));
}

/* --- Beginning and ending transactions --------------------------------- */

/* A new map size may move the map: the span reads handed out is then
 * somewhere else's memory, never for ic_store_drop_resident()'s madvise. */
static void forget_touched(struct ic_store *st)
{
	st->touched_lo = NULL;
	st->touched_hi = NULL;
}

/* mdb_txn_begin with the two retries STYLE.md asks for. */
static int begin(struct ic_store *st, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(st->env, NULL, flags, txn);
	int dead = 0;

	if (rc == MDB_MAP_RESIZED && st->open_txns == 0) {
		/* Another process grew the map: adopt its size. */
		forget_touched(st);
		rc = mdb_env_set_mapsize(st->env, 0);
		if (rc == 0)
			rc = mdb_txn_begin(st->env, NULL, flags, txn);
	} else if (rc == MDB_READERS_FULL) {
		/* Killed CGIs leave stale slots: clear them, try once more. */
		if (mdb_reader_check(st->env, &dead) == 0 && dead > 0)
			rc = mdb_txn_begin(st->env, NULL, flags, txn);
	}
	return rc;
}

/* Begin, run fn, commit if it returned IC_OK, else abort.  *map_full says
 * a write or the commit ran out of map, so the caller may grow and
 * retry.  A read-only transaction is committed too, which keeps database
 * handles opened inside it (ic_store_open needs that). */
static enum ic_err run_txn(struct ic_store *st, bool readonly,
                           enum ic_err (*fn)(struct ic_store_txn *, void *),
                           void *ctx, char *errbuf, bool *map_full)
{
	struct ic_store_txn t = {st, NULL, errbuf, readonly, false};
	enum ic_err r;
	int rc;

	*map_full = false;
	rc = begin(st, readonly ? MDB_RDONLY : 0, &t.txn);
	if (rc != 0)
		return store_error(errbuf, rc, "mdb_txn_begin", "");
	st->open_txns++;
	r = fn(&t, ctx);
	if (r != IC_OK || t.map_full) {
		mdb_txn_abort(t.txn);
		st->open_txns--;
		*map_full = t.map_full;
		/* A full map aborts even if fn ignored the failed write. */
		return r != IC_OK ? r : IC_ERR_DATABASE;
	}
	if (!readonly && st->dry_run) {
		/* A safe method computed its answer: keep nothing of it. */
		mdb_txn_abort(t.txn);
		st->open_txns--;
		return IC_OK;
	}
	rc = mdb_txn_commit(t.txn);
	st->open_txns--;
	*map_full = rc == MDB_MAP_FULL;
	return store_error(errbuf, rc, "mdb_txn_commit", "");
}

void ic_store_set_dry_run(struct ic_store *st, bool on)
{
	st->dry_run = on;
}

/* Double the map (STYLE.md: on MDB_MAP_FULL abort, grow, retry once). */
static enum ic_err grow(struct ic_store *st, char *errbuf)
{
	MDB_envinfo info;
	size_t size;
	int rc;

	if (st->open_txns > 0)
		return ic_fail(errbuf, IC_ERR_DATABASE,
		               "database map full; cannot grow it while "
		               "another transaction runs");
	rc = mdb_env_info(st->env, &info);
	if (rc != 0)
		return store_error(errbuf, rc, "mdb_env_info", "");
	if (info.me_mapsize >= IC_STORE_MAX_MAP_BYTES)
		return ic_fail(errbuf, IC_ERR_DATABASE,
		               "database map full at its cap of %zu bytes "
		               "(IC_STORE_MAX_MAP_BYTES)",
		               (size_t)IC_STORE_MAX_MAP_BYTES);
	size = info.me_mapsize > IC_STORE_MAX_MAP_BYTES / 2
	               ? IC_STORE_MAX_MAP_BYTES
	               : info.me_mapsize * 2;
	forget_touched(st);
	rc = mdb_env_set_mapsize(st->env, size);
	if (rc != 0)
		return store_error(errbuf, rc, "mdb_env_set_mapsize", "");
	ic_log(IC_LOG_INFO, "database map grown to %zu bytes", size);
	return IC_OK;
}

enum ic_err ic_store_update(struct ic_store *st,
                            enum ic_err (*fn)(struct ic_store_txn *t,
                                              void *ctx),
                            void *ctx, char *errbuf)
{
	bool map_full;
	enum ic_err r = run_txn(st, false, fn, ctx, errbuf, &map_full);

	if (!map_full)
		return r;
	r = grow(st, errbuf);
	if (r != IC_OK)
		return r;
	/* fn runs again from scratch: store.h says it must allow that. */
	r = run_txn(st, false, fn, ctx, errbuf, &map_full);
	if (map_full)
		return ic_fail(errbuf, IC_ERR_DATABASE,
		               "database map full at %zu bytes even after "
		               "growing it",
		               ic_store_map_size(st));
	return r;
}

enum ic_err ic_store_view(struct ic_store *st,
                          enum ic_err (*fn)(struct ic_store_txn *t, void *ctx),
                          void *ctx, char *errbuf)
{
	bool map_full;

	return run_txn(st, true, fn, ctx, errbuf, &map_full);
}

char *ic_store_txn_errbuf(struct ic_store_txn *t)
{
	return t->errbuf;
}

const char *ic_store_txn_data_dir(struct ic_store_txn *t)
{
	return t->st->data_dir;
}

/* --- Reads and writes inside a transaction ---------------------------- */

/* Refuse what LMDB would refuse, with a message that names the limit. */
static enum ic_err check_key(struct ic_store_txn *t, enum ic_store_db db,
                             size_t klen)
{
	int max = mdb_env_get_maxkeysize(t->st->env);

	if ((unsigned)db >= IC_DB__COUNT)
		return ic_fail(t->errbuf, IC_ERR_INTERNAL,
		               "no such database %d", (int)db);
	if (klen == 0 || klen > (size_t)max)
		return ic_fail(t->errbuf, IC_ERR_BAD_INPUT,
		               "key of %zu bytes for %s: must be 1-%d bytes",
		               klen, db_names[db], max);
	return IC_OK;
}

static enum ic_err check_write(struct ic_store_txn *t, enum ic_store_db db,
                               size_t klen)
{
	if (t->readonly)
		return ic_fail(t->errbuf, IC_ERR_INTERNAL,
		               "write to %s in a read-only transaction",
		               ic_store_db_name(db));
	return check_key(t, db, klen);
}

/* Remember where a read-only transaction looked into the map, for
 * ic_store_drop_resident() (a write transaction's values may be copies
 * outside it). */
static void touched(struct ic_store_txn *t, const MDB_val *v)
{
	const char *p = v->mv_data;
	struct ic_store *st = t->st;

	if (!t->readonly || p == NULL)
		return;
	if (st->touched_lo == NULL || p < st->touched_lo)
		st->touched_lo = p;
	if (st->touched_hi == NULL || p + v->mv_size > st->touched_hi)
		st->touched_hi = p + v->mv_size;
}

enum ic_err ic_store_txn_get(struct ic_store_txn *t, enum ic_store_db db,
                             const void *key, size_t klen, const void **val,
                             size_t *vlen)
{
	MDB_val k = {klen, (void *)key}, v;
	enum ic_err r = check_key(t, db, klen);
	int rc;

	*val = NULL;
	*vlen = 0;
	if (r != IC_OK)
		return r;
	rc = mdb_get(t->txn, t->st->dbi[db], &k, &v);
	if (rc != 0)
		return store_error(t->errbuf, rc, "mdb_get", db_names[db]);
	touched(t, &v);
	*val = v.mv_data;
	*vlen = v.mv_size;
	return IC_OK;
}

enum ic_err ic_store_txn_put(struct ic_store_txn *t, enum ic_store_db db,
                             const void *key, size_t klen, const void *val,
                             size_t vlen, unsigned flags)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	enum ic_err r = check_write(t, db, klen);
	int rc;

	if (r != IC_OK)
		return r;
	rc = mdb_put(t->txn, t->st->dbi[db], &k, &v,
	             flags & IC_STORE_NOOVERWRITE ? MDB_NOOVERWRITE : 0);
	if (rc == MDB_MAP_FULL)
		t->map_full = true;
	return store_error(t->errbuf, rc, "mdb_put", db_names[db]);
}

enum ic_err ic_store_txn_del(struct ic_store_txn *t, enum ic_store_db db,
                             const void *key, size_t klen)
{
	MDB_val k = {klen, (void *)key};
	enum ic_err r = check_write(t, db, klen);
	int rc;

	if (r != IC_OK)
		return r;
	rc = mdb_del(t->txn, t->st->dbi[db], &k, NULL);
	if (rc == MDB_MAP_FULL) /* deleting can split pages too */
		t->map_full = true;
	return store_error(t->errbuf, rc, "mdb_del", db_names[db]);
}

enum ic_err ic_store_txn_scan(struct ic_store_txn *t, enum ic_store_db db,
                              const void *prefix, size_t plen,
                              enum ic_err (*cb)(const void *k, size_t kl,
                                                const void *v, size_t vl,
                                                void *ctx),
                              void *ctx)
{
	return ic_store_txn_scan_from(t, db, prefix, plen, prefix, plen, cb,
	                              ctx);
}

enum ic_err ic_store_txn_scan_from(struct ic_store_txn *t, enum ic_store_db db,
                                   const void *start, size_t slen,
                                   const void *prefix, size_t plen,
                                   enum ic_err (*cb)(const void *k, size_t kl,
                                                     const void *v, size_t vl,
                                                     void *ctx),
                                   void *ctx)
{
	MDB_cursor *cur;
	MDB_val k = {slen, (void *)start}, v;
	enum ic_err r = slen ? check_key(t, db, slen) : IC_OK;
	int rc;

	if (r == IC_OK && (unsigned)db >= IC_DB__COUNT)
		r = ic_fail(t->errbuf, IC_ERR_INTERNAL, "no such database %d",
		            (int)db);
	if (r != IC_OK)
		return r;
	rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc != 0)
		return store_error(t->errbuf, rc, "mdb_cursor_open",
		                   db_names[db]);
	rc = mdb_cursor_get(cur, &k, &v, slen ? MDB_SET_RANGE : MDB_FIRST);
	while (rc == 0 && r == IC_OK) {
		if (plen > 0 &&
		    (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break; /* past the prefix: keys are sorted */
		touched(t, &v);
		r = cb(k.mv_data, k.mv_size, v.mv_data, v.mv_size, ctx);
		if (r == IC_OK)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (r == IC_STORE_STOP)
		return IC_OK;
	if (r != IC_OK || rc == MDB_NOTFOUND)
		return r;
	return store_error(t->errbuf, rc, "mdb_cursor_get", db_names[db]);
}

/* --- JSON records (DESIGN.md "Values are versioned records") ---------- */

static void json_delete(void *tree)
{
	cJSON_Delete(tree);
}

static bool is_record(const cJSON *rec)
{
	return cJSON_IsObject(rec) &&
	       cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rec, "v"));
}

/* Parse a stored value (not NUL-terminated: it is map memory) into a tree
 * owned by arena @p a.  Anything but one versioned object is corrupt. */
static enum ic_err parse_record(struct ic_arena *a, enum ic_store_db db,
                                const void *val, size_t vlen, cJSON **out,
                                char *errbuf)
{
	const char *end = NULL, *text = val;
	cJSON *tree = cJSON_ParseWithLengthOpts(text, vlen, &end, 0);

	*out = NULL;
	if (tree == NULL)
		return ic_fail(errbuf, IC_ERR_DATABASE,
		               "record in %s is not valid JSON", db_names[db]);
	if (ic_arena_on_free(a, json_delete, tree) != IC_OK)
		return ic_fail(errbuf, IC_ERR_NOMEM,
		               "no memory for a record from %s", db_names[db]);
	while (end < text + vlen &&
	       (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	if (end != text + vlen || !is_record(tree))
		return ic_fail(errbuf, IC_ERR_DATABASE,
		               "record in %s is not one JSON object with a "
		               "numeric \"v\"",
		               db_names[db]);
	*out = tree;
	return IC_OK;
}

enum ic_err ic_store_txn_put_json(struct ic_store_txn *t, enum ic_store_db db,
                                  const void *key, size_t klen,
                                  const cJSON *rec)
{
	char *text;
	enum ic_err r;

	if (!is_record(rec))
		return ic_fail(t->errbuf, IC_ERR_INTERNAL,
		               "record for %s is not an object with a numeric "
		               "\"v\"",
		               ic_store_db_name(db));
	text = cJSON_PrintUnformatted(rec);
	if (text == NULL)
		return ic_fail(t->errbuf, IC_ERR_NOMEM,
		               "no memory to print a record for %s",
		               ic_store_db_name(db));
	r = ic_store_txn_put(t, db, key, klen, text, strlen(text), 0);
	cJSON_free(text);
	return r;
}

enum ic_err ic_store_txn_get_json(struct ic_store_txn *t, struct ic_arena *a,
                                  enum ic_store_db db, const void *key,
                                  size_t klen, cJSON **out)
{
	const void *val;
	size_t vlen;
	enum ic_err r = ic_store_txn_get(t, db, key, klen, &val, &vlen);

	*out = NULL;
	if (r != IC_OK)
		return r;
	return parse_record(a, db, val, vlen, out, t->errbuf);
}

/* --- One-call transactions -------------------------------------------- */

/* The arguments and results of one one-call transaction. */
struct one_call {
	struct ic_arena *a;
	enum ic_store_db db;
	const void *key;
	size_t klen;
	const void *val;
	size_t vlen;
	unsigned flags;
	void **copy;  /* get: the arena copy */
	cJSON **tree; /* get_json: the parsed record */
};

static enum ic_err get_fn(struct ic_store_txn *t, void *ctx)
{
	struct one_call *c = ctx;
	const void *val;
	enum ic_err r =
	        ic_store_txn_get(t, c->db, c->key, c->klen, &val, &c->vlen);

	if (r != IC_OK)
		return r;
	*c->copy = ic_arena_memdup(c->a, val, c->vlen);
	if (*c->copy == NULL)
		return ic_fail(t->errbuf, IC_ERR_NOMEM,
		               "no memory for a value of %zu bytes from %s",
		               c->vlen, db_names[c->db]);
	return IC_OK;
}

static enum ic_err put_fn(struct ic_store_txn *t, void *ctx)
{
	struct one_call *c = ctx;

	return ic_store_txn_put(t, c->db, c->key, c->klen, c->val, c->vlen,
	                        c->flags);
}

static enum ic_err del_fn(struct ic_store_txn *t, void *ctx)
{
	struct one_call *c = ctx;

	return ic_store_txn_del(t, c->db, c->key, c->klen);
}

static enum ic_err get_json_fn(struct ic_store_txn *t, void *ctx)
{
	struct one_call *c = ctx;

	return ic_store_txn_get_json(t, c->a, c->db, c->key, c->klen, c->tree);
}

enum ic_err ic_store_get(struct ic_store *st, struct ic_arena *a,
                         enum ic_store_db db, const void *key, size_t klen,
                         void **val, size_t *vlen, char *errbuf)
{
	struct one_call c = {
	        .a = a, .db = db, .key = key, .klen = klen, .copy = val};
	enum ic_err r;

	*val = NULL;
	r = ic_store_view(st, get_fn, &c, errbuf);
	*vlen = r == IC_OK ? c.vlen : 0;
	if (r != IC_OK)
		*val = NULL;
	return r;
}

enum ic_err ic_store_put(struct ic_store *st, enum ic_store_db db,
                         const void *key, size_t klen, const void *val,
                         size_t vlen, unsigned flags, char *errbuf)
{
	struct one_call c = {.db = db,
	                     .key = key,
	                     .klen = klen,
	                     .val = val,
	                     .vlen = vlen,
	                     .flags = flags};

	return ic_store_update(st, put_fn, &c, errbuf);
}

enum ic_err ic_store_del(struct ic_store *st, enum ic_store_db db,
                         const void *key, size_t klen, char *errbuf)
{
	struct one_call c = {.db = db, .key = key, .klen = klen};

	return ic_store_update(st, del_fn, &c, errbuf);
}

enum ic_err ic_store_get_json(struct ic_store *st, struct ic_arena *a,
                              enum ic_store_db db, const void *key, size_t klen,
                              cJSON **out, char *errbuf)
{
	struct one_call c = {
	        .a = a, .db = db, .key = key, .klen = klen, .tree = out};

	*out = NULL;
	return ic_store_view(st, get_json_fn, &c, errbuf);
}

/* --- Schema version ---------------------------------------------------- */

/* Schema migrations: migrate_step(t, n) upgrades schema n to n + 1 inside
 * the write transaction of ic_store_open.  None yet: 1 is the first
 * schema.  Add "case n: return migrate_n(t);" when raising
 * IC_STORE_SCHEMA_VERSION. */
static enum ic_err migrate_step(struct ic_store_txn *t, long from)
{
	switch (from) {
	default:
		return ic_fail(t->errbuf, IC_ERR_DATABASE,
		               "database schema %ld has no migration to %ld",
		               from, from + 1);
	}
}

static enum ic_err write_schema(struct ic_store_txn *t)
{
	cJSON *rec = cJSON_CreateObject();
	enum ic_err r = IC_ERR_NOMEM;

	if (rec && cJSON_AddNumberToObject(rec, "v", 1) &&
	    cJSON_AddNumberToObject(rec, "schema", IC_STORE_SCHEMA_VERSION))
		r = ic_store_txn_put_json(t, IC_DB_META, schema_key,
		                          strlen(schema_key), rec);
	else
		ic_failf(t->errbuf, "no memory for the schema record");
	cJSON_Delete(rec);
	return r;
}

/* The schema version on disk: 0 when absent (a fresh environment). */
static enum ic_err read_schema(struct ic_store_txn *t, long *version)
{
	struct ic_arena *a = ic_arena_new(0);
	const cJSON *n;
	cJSON *rec;
	enum ic_err r;

	*version = 0;
	if (a == NULL)
		return ic_fail(t->errbuf, IC_ERR_NOMEM, "no memory for schema");
	r = ic_store_txn_get_json(t, a, IC_DB_META, schema_key,
	                          strlen(schema_key), &rec);
	if (r == IC_OK) {
		n = cJSON_GetObjectItemCaseSensitive(rec, "schema");
		if (cJSON_IsNumber(n) && n->valuedouble >= 1 &&
		    n->valuedouble <= 1e9 && n->valuedouble == n->valueint)
			*version = n->valueint;
		else
			r = ic_fail(t->errbuf, IC_ERR_DATABASE,
			            "meta record \"schema\" has no valid "
			            "version number");
	} else if (r == IC_ERR_NOT_FOUND) {
		r = IC_OK;
	}
	ic_arena_free(a);
	return r;
}

/* What ic_store_open does inside its transactions.  In the read-only pass
 * it only looks and sets need_write; the write pass creates and
 * upgrades. */
struct open_ctx {
	bool need_write;
};

static enum ic_err open_fn(struct ic_store_txn *t, void *ctx)
{
	struct open_ctx *o = ctx;
	long version;
	enum ic_err r;
	int rc;

	o->need_write = false;
	for (int i = 0; i < IC_DB__COUNT; i++) {
		rc = mdb_dbi_open(t->txn, db_names[i],
		                  t->readonly ? 0 : MDB_CREATE, &t->st->dbi[i]);
		if (rc == MDB_NOTFOUND && t->readonly) {
			o->need_write = true;
			return IC_OK;
		}
		if (rc != 0)
			return store_error(t->errbuf, rc, "mdb_dbi_open",
			                   db_names[i]);
	}
	r = read_schema(t, &version);
	if (r != IC_OK)
		return r;
	if (version > IC_STORE_SCHEMA_VERSION)
		return ic_fail(t->errbuf, IC_ERR_DATABASE,
		               "database schema %ld is newer than this "
		               "program (%d)",
		               version, IC_STORE_SCHEMA_VERSION);
	if (version == IC_STORE_SCHEMA_VERSION)
		return IC_OK;
	if (t->readonly) {
		o->need_write = true;
		return IC_OK;
	}
	for (long v = version; v > 0 && v < IC_STORE_SCHEMA_VERSION; v++)
		if ((r = migrate_step(t, v)) != IC_OK)
			return r;
	return write_schema(t);
}

/* Open every named database in one committed transaction: a read-only one
 * when all exist and the schema is current (an ordinary request never
 * waits for the writer), else a write transaction that creates them. */
static enum ic_err open_dbs(struct ic_store *st, char *errbuf)
{
	struct open_ctx o = {false};
	enum ic_err r = ic_store_view(st, open_fn, &o, errbuf);

	if (r != IC_OK || !o.need_write)
		return r;
	return ic_store_update(st, open_fn, &o, errbuf);
}

/* --- Life cycle -------------------------------------------------------- */

/* Create data_dir 0700 if missing (STYLE.md: umask 077 before creating
 * anything in data_dir); it must be a directory. */
static enum ic_err make_dir(const char *dir, char *errbuf)
{
	mode_t old = umask(077);
	int rc = mkdir(dir, 0700), err = errno;
	struct stat sb;

	umask(old);
	if (rc != 0 && err != EEXIST)
		return ic_fail(errbuf, IC_ERR_IO, "data_dir %s: mkdir: %s", dir,
		               strerror(err));
	if (stat(dir, &sb) != 0)
		return ic_fail(errbuf, IC_ERR_IO, "data_dir %s: %s", dir,
		               strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ic_fail(errbuf, IC_ERR_IO,
		               "data_dir %s is not a directory", dir);
	return IC_OK;
}

/* True when data_dir holds no environment yet.  LMDB records the map
 * size of the very first open in the file, so a fresh environment must be
 * given its size before mdb_env_open. */
static bool env_is_new(const char *dir)
{
	size_t n = strlen(dir) + sizeof("/data.mdb");
	char *path = malloc(n);
	struct stat sb;
	bool fresh;

	if (path == NULL)
		return false; /* then LMDB's default, grown later */
	snprintf(path, n, "%s/data.mdb", dir);
	fresh = stat(path, &sb) != 0 ? errno == ENOENT : sb.st_size == 0;
	free(path);
	return fresh;
}

/* Create and open the environment with our limits, files 0600.  A fresh
 * environment gets @p map_bytes; an existing one its recorded map. */
static enum ic_err env_open(struct ic_store *st, const char *dir,
                            size_t map_bytes, char *errbuf)
{
	mode_t old;
	int rc = mdb_env_create(&st->env);

	if (rc != 0) {
		st->env = NULL;
		return store_error(errbuf, rc, "mdb_env_create", dir);
	}
	rc = mdb_env_set_maxdbs(st->env, IC_STORE_MAX_DBS);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(st->env, IC_STORE_MAX_READERS);
	if (rc == 0 && env_is_new(dir))
		rc = mdb_env_set_mapsize(st->env, map_bytes);
	if (rc != 0)
		return store_error(errbuf, rc, "mdb_env_set_*", dir);
	old = umask(077);
	/* MDB_NOTLS: reader slots belong to transactions, see store.h. */
	rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600);
	umask(old);
	return store_error(errbuf, rc, "mdb_env_open", dir);
}

/* An existing environment keeps its recorded map when that is larger
 * (another process may have grown it), else gets @p want. */
static enum ic_err set_map(struct ic_store *st, size_t want, char *errbuf)
{
	MDB_envinfo info;
	int rc = mdb_env_info(st->env, &info);

	if (rc != 0)
		return store_error(errbuf, rc, "mdb_env_info", "");
	if (info.me_mapsize >= want)
		return IC_OK;
	rc = mdb_env_set_mapsize(st->env, want);
	return store_error(errbuf, rc, "mdb_env_set_mapsize", "");
}

enum ic_err ic_store_open_with_map(struct ic_store **out, const char *data_dir,
                                   size_t map_bytes, char *errbuf)
{
	struct ic_store *st;
	enum ic_err r;

	*out = NULL;
	r = make_dir(data_dir, errbuf);
	if (r != IC_OK)
		return r;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return ic_fail(errbuf, IC_ERR_NOMEM, "no memory for the store");
	st->data_dir = strdup(data_dir);
	r = st->data_dir
	            ? env_open(st, data_dir, map_bytes, errbuf)
	            : ic_fail(errbuf, IC_ERR_NOMEM, "no memory for the store");
	if (r == IC_OK)
		r = set_map(st, map_bytes, errbuf);
	if (r == IC_OK)
		r = open_dbs(st, errbuf);
	if (r != IC_OK) {
		ic_store_close(st);
		return r;
	}
	*out = st;
	return IC_OK;
}

enum ic_err ic_store_open(struct ic_store **out, const char *data_dir,
                          char *errbuf)
{
	return ic_store_open_with_map(out, data_dir, IC_STORE_INITIAL_MAP_BYTES,
	                              errbuf);
}

void ic_store_close(struct ic_store *st)
{
	if (st == NULL)
		return;
	if (st->env)
		mdb_env_close(st->env);
	free(st->data_dir);
	free(st);
}

/* --- Maintenance and inspection --------------------------------------- */

enum ic_err ic_store_reader_check(struct ic_store *st, int *dead, char *errbuf)
{
	int n = 0;
	int rc = mdb_reader_check(st->env, &n);

	if (dead)
		*dead = n;
	return store_error(errbuf, rc, "mdb_reader_check", "");
}

enum ic_err ic_store_copy(struct ic_store *st, const char *dir, char *errbuf)
{
	/* A read transaction's snapshot, walked and written compacted
	 * (free pages left out): writers go on meanwhile, and the copy is
	 * the store as one commit left it.  LMDB creates dir/data.mdb with
	 * O_EXCL, so an existing copy is never overwritten. */
	int rc = mdb_env_copy2(st->env, dir, MDB_CP_COMPACT);

	return store_error(errbuf, rc, "mdb_env_copy2", dir);
}

void ic_store_drop_resident(struct ic_store *st)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t lo, hi;

	/* Only between transactions: nothing points into the map then.
	 * LMDB does not tell where its map is (me_mapaddr is set for
	 * MDB_FIXEDMAP only), so this is the span reads handed out, inside
	 * the one mapping, kept since the store was opened: the kernel maps
	 * a page's neighbours on a fault (fault-around), and they lie in
	 * that span but rarely in the last read's.  MADV_DONTNEED on a shared
	 * file mapping unmaps this process's pages and loses no data: they stay
	 * in the page cache, clean, and the next read faults them back in.  A
	 * failure changes nothing. */
	if (st == NULL || st->open_txns > 0 || st->touched_lo == NULL ||
	    page <= 0)
		return;
	lo = (uintptr_t)st->touched_lo & ~((uintptr_t)page - 1);
	hi = (uintptr_t)st->touched_hi;
	(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

size_t ic_store_map_size(struct ic_store *st)
{
	MDB_envinfo info;

	if (mdb_env_info(st->env, &info) != 0)
		return 0;
	return info.me_mapsize;
}
