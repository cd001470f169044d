/*
 * store_blob.h - the bytes of attachments, as files under data_dir named
 * by their SHA-256 (issue 15, "Photos and files").
 *
 *   data_dir/attachments/<64 hex digits>
 *
 * Content-addressed: the same bytes are one file however many messages
 * (ours, or received copies) carry them, and a name can be checked
 * against its contents.  Files are written atomically (core/file.h:
 * temporary file, fsync, rename), mode 0600, and never changed after;
 * a file whose name exists is complete.  Writing the file comes before
 * the transaction that stores the message naming it, so a crash between
 * the two leaves a file no record names (reused by the next send of the
 * same bytes, else removed by the sweep of store_blobref.h once it is
 * IC_BLOB_GRACE_SECONDS old), never a record without its file.  A file
 * goes when the last message naming it does (store_blobref.h).
 *
 * Only `feed` reads them, after its token or session check; nothing here
 * is under the document root.  No LMDB, no network: linked by `feed`.
 */
#ifndef IC_STORE_BLOB_H
#define IC_STORE_BLOB_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/** True when @p id is 64 lowercase hex digits (a name we could have made). */
bool ic_store_blob_id_ok(const char *id);

/**
 * The path of blob @p id under @p data_dir, from arena @p a; NULL when
 * @p id is not a blob id or the arena is out of memory.
 */
char *ic_store_blob_path(struct ic_arena *a, const char *data_dir,
                         const char *id);

/**
 * Store @p len bytes under their SHA-256; when that file exists already
 * nothing is written (its modification time is made now: the sweep's
 * grace starts again).
 * @param[out] id      the 64 hex digits + NUL
 * @param[out] errbuf  IC_ERRBUF_SIZE bytes, or NULL
 * @return IC_OK; IC_ERR_IO (directory or file could not be written: no
 *         file of that name is left half-written).
 */
enum ic_err ic_store_blob_put(struct ic_arena *a, const char *data_dir,
                              const void *data, size_t len, char id[65],
                              char *errbuf);

#endif /* IC_STORE_BLOB_H */
