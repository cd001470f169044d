/*
 * store_blobref.h - which messages name which attachment file (issue 15,
 * deletes): the reference index that lets a file go with the last
 * message that names it, and the sweep of files nothing names.
 *
 * blob_refs: "<64 hex id><message key>" -> "" (the message key is
 *            store_msg.c's "<conv>:<o|i>:<seq, 12 digits>"): one key per
 *            file a message names, unless the message is a tombstone;
 *            a received file from when it is announced, before its bytes
 *            are fetched.  A file is named while a key starts with its id.
 *
 * The keys are written by store_msg.c in the transaction that stores,
 * edits or tombstones the message, so after any crash the index says
 * what the records say.  Keys, not a count per file: a write done twice
 * (an overwrite, a build step run again) cannot make it drift, and LMDB's
 * one writer orders every change.
 *
 * Removing a file (never inside the transaction that drops a key: its
 * abort would leave a key naming a file that is gone):
 *  - the transaction that drops the last key of an id schedules the due
 *    job IC_BLOB_GC_JOB for it; the job's own write transaction
 *    (ic_store_blobref_collect_in_txn()) checks that nothing names the
 *    file and unlinks it;
 *  - a send writes its files before the transaction that stores its
 *    message (store_blob.h).  That transaction, for a file no other
 *    message names, checks that the file is still there, under the same
 *    one-writer lock as the unlink: a file unlinked between a send's write
 *    and its commit fails the send (IC_ERR_GONE), never stores a message
 *    without its file;
 *  - files no key names (a failed send's uploads, a crash between a
 *    commit and its unlink, temporary files a crash left) are removed by
 *    the sweep, IC_BLOB_SWEEP_JOB, once they are IC_BLOB_GRACE_SECONDS
 *    old, IC_BLOB_SWEEP_FILES per run.
 *
 * A store from before the index: store_msg.h's ic_store_msg_refs_build_in_txn()
 * builds it in steps (META "blob_refs" says how far); until it is complete
 * nothing is unlinked.  No schema change: an older program opens the store
 * as before.
 *
 * All *_in_txn functions run inside a transaction the caller owns.
 */
#ifndef IC_STORE_BLOBREF_H
#define IC_STORE_BLOBREF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

/* Due jobs (store/due.h): unlink one file whose last name went (id: the
 * file's 64 hex digits), and the daily sweep (id "all"). */
#define IC_BLOB_GC_JOB    "blob_gc"
#define IC_BLOB_SWEEP_JOB "blob_sweep"

/** Record that the message under @p msg_key names file @p id. */
enum ic_err ic_store_blobref_put_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *id,
                                        const char *msg_key);

/** Drop that record; IC_OK when it was not there. */
enum ic_err ic_store_blobref_del_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *id,
                                        const char *msg_key);

/** True when a message names file @p id (false also on a store error). */
bool ic_store_blobref_named_in_txn(struct ic_store_txn *t, const char *id);

/**
 * The key of a message whose key starts with @p msg_prefix (e.g.
 * "<conv>:o:") and that names @p id, from @p a.
 * @return IC_OK; IC_ERR_NOT_FOUND (none); store errors.
 */
enum ic_err ic_store_blobref_find_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *id,
                                         const char *msg_prefix,
                                         const char **msg_key);

/**
 * How far the build of the index over older messages is (META
 * "blob_refs").
 * @param[out] built  true once every message stored before it is in
 * @param[out] after  the last message key done, from @p a (NULL: none)
 */
enum ic_err ic_store_blobref_build_state_in_txn(struct ic_store_txn *t,
                                                struct ic_arena *a, bool *built,
                                                const char **after);

/** Record the build's progress: @p after done, or NULL: complete. */
enum ic_err ic_store_blobref_build_mark_in_txn(struct ic_store_txn *t,
                                               struct ic_arena *a,
                                               const char *after);

/**
 * The IC_BLOB_GC_JOB work: unlink data_dir/attachments/@p id when the
 * index is complete and no message names it.  The unlink runs inside the
 * write transaction on purpose (see the top): it holds the one-writer
 * lock a storing send checks its files under.
 * @param[out] removed  true when a file went
 * @return IC_OK (also when the file was already gone, or is kept);
 *         IC_ERR_BAD_INPUT (not a blob id); IC_ERR_IO (unlink failed).
 */
enum ic_err ic_store_blobref_collect_in_txn(struct ic_store_txn *t,
                                            struct ic_arena *a, const char *id,
                                            bool *removed);

/**
 * One run of the sweep: the next IC_BLOB_SWEEP_FILES names in
 * data_dir/attachments (in name order, after where the last run stopped,
 * META "blob_sweep"); each blob file no message names and each temporary
 * file, IC_BLOB_GRACE_SECONDS old by @p now, is removed.  Nothing is
 * removed before the index is complete.
 * @param[out] removed  files removed
 * @param[out] more     names are left after these (the next run goes on)
 * @return IC_OK; IC_ERR_IO (the directory cannot be read); store errors.
 */
enum ic_err ic_store_blobref_sweep_in_txn(struct ic_store_txn *t,
                                          struct ic_arena *a, long long now,
                                          size_t *removed, bool *more);

#endif /* IC_STORE_BLOBREF_H */
