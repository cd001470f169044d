/*
 * store.h - the LMDB storage core: one environment per site.
 *
 * The site's data lives in one LMDB environment in `data_dir` (outside the
 * document root; created 0700, files 0600).  Each record kind has its own
 * named sub-database (enum ic_store_db), opened once per process, in one
 * committed transaction, by ic_store_open().  Values are versioned JSON
 * records: one cJSON object with a numeric "v" member (DESIGN.md "Values
 * are versioned records"); META key "schema" holds the schema version.
 * The record modules (store_<record>.c) build on this API; nothing outside
 * store* ever sees an MDB_txn (STYLE.md "LMDB: short, explicit
 * transactions").
 *
 * Transactions are short and explicit:
 *  - ic_store_get / ic_store_put / ic_store_del are one-call transactions;
 *  - ic_store_update(fn) runs fn inside one write transaction and commits
 *    only if fn returns IC_OK, so several writes land together or not at
 *    all; ic_store_view(fn) does the same with a read-only transaction;
 *  - fn may run TWICE: when the map fills up (MDB_MAP_FULL), the
 *    transaction is aborted, the map doubled (up to IC_STORE_MAX_MAP_BYTES)
 *    and fn re-run once from scratch.  fn must therefore only read and
 *    write through its struct ic_store_txn and reset anything it
 *    accumulates in ctx at its start;
 *  - inside fn, ic_store_txn_get() returns pointers into the map: "look
 *    but don't touch" (never write through them) and copy what must
 *    outlive the transaction into an arena;
 *  - never do network I/O or wait inside fn: only one writer runs at a
 *    time across every CGI of the site;
 *  - do not nest ic_store_update/ic_store_view calls on one store.
 *
 * Processes: the environment is opened with MDB_NOTLS, so reader slots
 * belong to transactions, not threads.  Our programs are single-threaded;
 * NOTLS keeps a forked process from ever inheriting a reader slot through
 * thread-local storage.  LMDB forbids using an environment after fork():
 * a child opens its own with ic_store_open() and leaves the parent's handle
 * alone (not even ic_store_close(); it goes away at exec or exit).  Open
 * one data_dir at most once per process: closing a second handle would drop
 * the first one's file locks.  Apache kills CGIs and may leave stale reader
 * slots: ic_store_reader_check() (run by `listener --maintain`) clears them.
 *
 * Durability: every commit is synced; the environment survives kill -9 at
 * any point (LMDB's copy-on-write B-tree and its robust writer mutex), and
 * a write is either all there or not there.
 *
 * Errors: every MDB_* code is translated in one place, and the message in
 * errbuf keeps mdb_strerror()'s text and names the database.
 */
#ifndef IC_STORE_H
#define IC_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "core/err.h"

/* Current schema version, written into a fresh environment.  Raise it
 * together with a migration step in store.c. */
#define IC_STORE_SCHEMA_VERSION 1

/* ic_store_put() flag: insert only if the key is absent; an existing key
 * answers IC_ERR_CONFLICT ("already stored"), which often is not a
 * failure at all (a message u-uid seen before). */
#define IC_STORE_NOOVERWRITE 0x1u

/* A scan callback's "stop here, all is well": ic_store_txn_scan() then
 * returns IC_OK.  IC_ERR_LAST is never an error code (err.h). */
#define IC_STORE_STOP IC_ERR_LAST

/** The named sub-databases, one per record kind (DESIGN.md "Storage"). */
enum ic_store_db {
	IC_DB_META,          /* "meta": schema version, site-wide values */
	IC_DB_CONTACTS,      /* "contacts": correspondents by site URL */
	IC_DB_CONVERSATIONS, /* "conversations": by conversation/topic id */
	IC_DB_MESSAGES,      /* "messages": by conversation + time */
	IC_DB_MESSAGE_UIDS,  /* "message_uids": u-uid index (de-dup) */
	IC_DB_SUBSCRIPTIONS, /* "subscriptions": by callback id (WS-S-25) */
	IC_DB_ISSUED_TOKENS, /* "issued_tokens": by SHA-256 (TE-7) */
	IC_DB_HELD_TOKENS,   /* "held_tokens": tokens other sites gave us */
	IC_DB_TICKETS,       /* "tickets": by SHA-256 (TS-2) */
	IC_DB_SESSIONS,      /* "sessions": owner sessions by SHA-256 */
	IC_DB_STATES,        /* "states": sign-in states by SHA-256 */
	IC_DB_DUE,           /* "due": work queue by due time */
	IC_DB_RATE,          /* "rate": rate-limit counters */
	IC_DB_HUB_SUBS,      /* "hub_subs": the built-in hub's subscribers */
	IC_DB_CODES,         /* "codes": authorization codes by SHA-256 */
	IC_DB_REFRESH,       /* "refresh_tokens": by SHA-256 (TE-6) */
	IC_DB_RATE_WINDOWS,  /* "rate_windows": request counters (issue 12) */
	IC_DB_SEARCH,        /* "search": word index of messages (issue 15) */
	IC_DB_SEARCH_WORDS,  /* "search_words": each message's words */
	IC_DB_NOTIFY,        /* "notify": owner notifications due (issue 16) */
	IC_DB_WEBPUSH,       /* "webpush": VAPID keys, devices (issue 16) */
	IC_DB_ATTACHMENTS,   /* "attachments": which conversation carries
	                        which file, each way (issue 15) */
	IC_DB_BLOB_REFS,     /* "blob_refs": which messages name which
	                        file (store_blobref.h) */
	IC_DB__COUNT
};

struct ic_store;     /* an open environment; one per process */
struct ic_store_txn; /* a transaction, valid only inside an fn callback */

/* --- Life cycle ------------------------------------------------------- */

/**
 * Open (creating if needed) the site's environment in @p data_dir.
 *
 * Creates @p data_dir with mode 0700 when missing (under umask 077; the
 * parent must exist), opens the environment (MDB_NOTLS, files 0600,
 * IC_STORE_MAX_DBS databases, IC_STORE_MAX_READERS readers), sets the map
 * to IC_STORE_INITIAL_MAP_BYTES unless the environment already records a
 * larger one, and opens every named database in one committed transaction
 * (a read-only one when they all exist, so ordinary requests never wait
 * for the writer).  Writes the schema version into a fresh environment.
 *
 * @param[out] out       the store, to be closed with ic_store_close().
 * @param[in]  data_dir  directory for data.mdb and lock.mdb.
 * @param[out] errbuf    optional, IC_ERRBUF_SIZE bytes.
 * @return IC_OK;
 *         IC_ERR_IO: @p data_dir cannot be created or is not a directory,
 *         or a file cannot be opened (permissions, disk full);
 *         IC_ERR_DATABASE: an LMDB failure, or the schema on disk is newer
 *         than this program ("database schema N is newer than this program
 *         (M)": upgrade the program) or has no migration;
 *         IC_ERR_NOMEM.
 *         On error *@p out is NULL and nothing needs closing.
 */
enum ic_err ic_store_open(struct ic_store **out, const char *data_dir,
                          char *errbuf);

/**
 * ic_store_open() with a chosen initial map size, for tests (to make map
 * growth happen after a few kilobytes) and tools.
 * @param[in] map_bytes  initial map size for a fresh environment, and the
 *            minimum for an existing one (an existing environment keeps a
 *            larger recorded size).  Rounded up to whole pages by LMDB.
 * @return as ic_store_open().
 */
enum ic_err ic_store_open_with_map(struct ic_store **out, const char *data_dir,
                                   size_t map_bytes, char *errbuf);

/** Close the environment and free @p st.  NULL is fine.  No transaction
 * may be running. */
void ic_store_close(struct ic_store *st);

/**
 * While @p on, every ic_store_update() runs its function as usual and
 * then rolls the transaction back (returning what the function returned):
 * a request of a safe method (HEAD) computes the same answer as its GET
 * and changes nothing (RFC 9110 §9.2.1; issue 11).  Reads are unaffected.
 */
void ic_store_set_dry_run(struct ic_store *st, bool on);

/* --- One-call transactions -------------------------------------------- */

/**
 * Read one value in a short read-only transaction.
 * @param[in]  a     the arena the copy comes from.
 * @param[out] val   a copy of the value, from @p a, with a NUL appended
 *                   (not counted in *@p vlen) so text can be used directly.
 * @param[out] vlen  its length.
 * @return IC_OK; IC_ERR_NOT_FOUND (no such key: *@p val is NULL);
 *         IC_ERR_BAD_INPUT (empty key or longer than LMDB's 511 bytes);
 *         IC_ERR_NOMEM; IC_ERR_DATABASE.
 */
enum ic_err ic_store_get(struct ic_store *st, struct ic_arena *a,
                         enum ic_store_db db, const void *key, size_t klen,
                         void **val, size_t *vlen, char *errbuf);

/**
 * Store one value in its own write transaction (grown and retried once
 * on MDB_MAP_FULL).
 * @param[in] flags  0 or IC_STORE_NOOVERWRITE.
 * @return IC_OK; IC_ERR_CONFLICT: with IC_STORE_NOOVERWRITE, the key is
 *         already stored (nothing changed; often fine); IC_ERR_BAD_INPUT:
 *         bad key length; IC_ERR_DATABASE (map full even after growing);
 *         IC_ERR_IO.
 */
enum ic_err ic_store_put(struct ic_store *st, enum ic_store_db db,
                         const void *key, size_t klen, const void *val,
                         size_t vlen, unsigned flags, char *errbuf);

/**
 * Delete one key in its own write transaction.
 * @return IC_OK; IC_ERR_NOT_FOUND (it was absent; nothing changed);
 *         IC_ERR_BAD_INPUT; IC_ERR_DATABASE; IC_ERR_IO.
 */
enum ic_err ic_store_del(struct ic_store *st, enum ic_store_db db,
                         const void *key, size_t klen, char *errbuf);

/**
 * Read one JSON record and parse it.
 * @param[out] out  the tree; the arena deletes it (cJSON_Delete) when
 *                  freed, so the caller never does.
 * @return IC_OK; IC_ERR_NOT_FOUND; IC_ERR_DATABASE when the stored value
 *         is not a JSON object with a numeric "v" (corrupt record: the
 *         message names the database); IC_ERR_NOMEM.
 */
enum ic_err ic_store_get_json(struct ic_store *st, struct ic_arena *a,
                              enum ic_store_db db, const void *key, size_t klen,
                              cJSON **out, char *errbuf);

/* --- Transactions around a function ----------------------------------- */

/**
 * Run @p fn inside one write transaction; commit if it returns IC_OK.
 *
 * @note @p fn may be run a second time from scratch after the map was
 *       grown (MDB_MAP_FULL from a write or from the commit): it must be
 *       re-runnable.  Only one write transaction runs at a time in the
 *       whole site, so @p fn must not do I/O or wait.
 * @param[in]  fn      the work; it writes errors into
 *                     ic_store_txn_errbuf(t).
 * @param[in]  ctx     passed to @p fn.
 * @param[out] errbuf  receives fn's message or the store's.
 * @return IC_OK (committed); fn's own code (aborted, nothing written);
 *         IC_ERR_DATABASE (LMDB failed, or the map is full even after
 *         growing once: nothing written); IC_ERR_IO; IC_ERR_NOMEM.
 * @note side effect: may grow the map file's address space.
 */
enum ic_err ic_store_update(struct ic_store *st,
                            enum ic_err (*fn)(struct ic_store_txn *t,
                                              void *ctx),
                            void *ctx, char *errbuf);

/**
 * Run @p fn inside one read-only transaction: a consistent snapshot,
 * never blocked by the writer.  Writes through @p t fail with
 * IC_ERR_INTERNAL.
 * @return IC_OK; fn's code; IC_ERR_DATABASE (e.g. MDB_READERS_FULL even
 *         after clearing stale readers).
 */
enum ic_err ic_store_view(struct ic_store *st,
                          enum ic_err (*fn)(struct ic_store_txn *t, void *ctx),
                          void *ctx, char *errbuf);

/**
 * The error buffer of the ic_store_update()/ic_store_view() call that runs
 * @p t (possibly NULL), for fn's own messages.
 */
char *ic_store_txn_errbuf(struct ic_store_txn *t);

/**
 * The data_dir the store of @p t was opened on (owned by the store): for
 * the files that live beside it (store_blob.h).
 */
const char *ic_store_txn_data_dir(struct ic_store_txn *t);

/**
 * Look a key up inside a transaction, without copying.
 * @param[out] val   points into the map: "look but don't touch", valid
 *                   only until the transaction ends (or, in a write
 *                   transaction, until the next write).
 * @param[out] vlen  its length.
 * @return IC_OK; IC_ERR_NOT_FOUND (*@p val NULL); IC_ERR_BAD_INPUT (key
 *         length); IC_ERR_DATABASE.
 */
enum ic_err ic_store_txn_get(struct ic_store_txn *t, enum ic_store_db db,
                             const void *key, size_t klen, const void **val,
                             size_t *vlen);

/**
 * Store a value inside a write transaction.
 * @param[in] flags  0 or IC_STORE_NOOVERWRITE.
 * @return IC_OK; IC_ERR_CONFLICT (already stored, with NOOVERWRITE: the
 *         transaction is still usable); IC_ERR_BAD_INPUT (key length);
 *         IC_ERR_INTERNAL (read-only transaction); IC_ERR_DATABASE
 *         (including a full map: return it from fn and the update grows
 *         the map and runs fn again).
 */
enum ic_err ic_store_txn_put(struct ic_store_txn *t, enum ic_store_db db,
                             const void *key, size_t klen, const void *val,
                             size_t vlen, unsigned flags);

/**
 * Delete a key inside a write transaction.
 * @return IC_OK; IC_ERR_NOT_FOUND (absent; the transaction is still
 *         usable); IC_ERR_BAD_INPUT; IC_ERR_INTERNAL (read-only);
 *         IC_ERR_DATABASE.
 */
enum ic_err ic_store_txn_del(struct ic_store_txn *t, enum ic_store_db db,
                             const void *key, size_t klen);

/**
 * Call @p cb for every key that starts with @p prefix, in key order
 * (bytewise, shorter first).  A NULL prefix or @p plen 0 visits the whole
 * database.  @p cb gets key and value as "look but don't touch" memory,
 * valid until the transaction ends; it returns IC_OK to go on,
 * IC_STORE_STOP to stop with success, anything else to stop with that
 * code.
 * @note @p cb must not write to @p db while the scan runs: collect the
 *       keys and act on them after ic_store_txn_scan() returns.
 * @return IC_OK (the end was reached, or @p cb returned IC_STORE_STOP);
 *         the first other code @p cb returned; IC_ERR_DATABASE.
 */
enum ic_err ic_store_txn_scan(struct ic_store_txn *t, enum ic_store_db db,
                              const void *prefix, size_t plen,
                              enum ic_err (*cb)(const void *k, size_t kl,
                                                const void *v, size_t vl,
                                                void *ctx),
                              void *ctx);

/**
 * Like ic_store_txn_scan(), but start at the first key >= @p start
 * (MDB_SET_RANGE) and go on while keys begin with @p prefix: a range scan
 * whose cost does not grow with the keys before @p start (a feed page out
 * of 100,000 messages, the due queue up to now).
 */
enum ic_err ic_store_txn_scan_from(struct ic_store_txn *t, enum ic_store_db db,
                                   const void *start, size_t slen,
                                   const void *prefix, size_t plen,
                                   enum ic_err (*cb)(const void *k, size_t kl,
                                                     const void *v, size_t vl,
                                                     void *ctx),
                                   void *ctx);

/**
 * Store a JSON record inside a write transaction, printed unformatted.
 * @param[in] rec  a cJSON object with a numeric top-level "v" member
 *                 (the record's format version); not modified or freed.
 * @return as ic_store_txn_put(); IC_ERR_INTERNAL when @p rec is not a
 *         versioned object (a bug in the caller); IC_ERR_NOMEM.
 */
enum ic_err ic_store_txn_put_json(struct ic_store_txn *t, enum ic_store_db db,
                                  const void *key, size_t klen,
                                  const cJSON *rec);

/**
 * Read and parse a JSON record inside a transaction.
 * @param[out] out  the tree, deleted when arena @p a is freed.
 * @return as ic_store_get_json().
 */
enum ic_err ic_store_txn_get_json(struct ic_store_txn *t, struct ic_arena *a,
                                  enum ic_store_db db, const void *key,
                                  size_t klen, cJSON **out);

/* --- Maintenance and inspection --------------------------------------- */

/**
 * Clear reader slots left by dead processes (mdb_reader_check): Apache
 * kills CGIs, which can leave stale slots that pin old pages.
 * @param[out] dead  optional: how many slots were cleared.
 * @return IC_OK; IC_ERR_DATABASE.
 */
enum ic_err ic_store_reader_check(struct ic_store *st, int *dead, char *errbuf);

/**
 * A consistent hot copy of the environment into @p dir/data.mdb
 * (mdb_env_copy2 with MDB_CP_COMPACT): the snapshot of one read
 * transaction, so other processes may write while it runs.  @p dir must
 * exist and hold no data.mdb.  No lock.mdb is written: the copy opens as
 * a store of its own (web/backup.h says how it is restored).
 * @return IC_OK; IC_ERR_DATABASE or IC_ERR_IO with mdb_strerror()'s text
 *         (e.g. "File exists", "No space left on device").
 */
enum ic_err ic_store_copy(struct ic_store *st, const char *dir, char *errbuf);

/**
 * Let go of the pages of the map this process has touched (madvise
 * MADV_DONTNEED): a read of the whole history (a stream, an export)
 * touches every page of data.mdb once, and they would stay counted in the
 * process's resident size although the kernel can drop them at will.
 * Nothing is lost: they stay in the page cache and fault back in on the
 * next read.  Call it between transactions only (it does nothing while
 * one runs); no error: at worst the pages stay.
 */
void ic_store_drop_resident(struct ic_store *st);

/** The map size this process uses now, in bytes (status page, tests). */
size_t ic_store_map_size(struct ic_store *st);

/** The fixed name of @p db ("meta", "contacts", ...), or "?" if out of
 * range.  A static string. */
const char *ic_store_db_name(enum ic_store_db db);

#endif /* IC_STORE_H */
