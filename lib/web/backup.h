/*
 * backup.h - `feed --backup DIR`: a hot copy of the site's data_dir that
 * a fresh site can be restored from (issue 15; README "Back up and
 * restore").
 *
 * Everything a site knows is in its LMDB environment, data_dir/data.mdb:
 * conversations, messages, tokens (issued, as hashes, and held),
 * subscriptions, sessions, the due-work queue.  The rest of data_dir is
 * derived or transient: feeds/ holds the feed pages and stubs written
 * from LMDB (`send --republish` writes them all again), lock.mdb and
 * maintain.lock are made on open, indiechat.log is a log.  So a backup is
 * one file: a compacted copy of data.mdb taken inside one read
 * transaction (ic_store_copy()), consistent while sends, fetches and
 * maintenance go on, the files messages carry (data_dir/attachments/,
 * issue 15: not derivable, so copied, after data.mdb so that every file
 * the copy names is there), plus RESTORE.txt with the steps to restore
 * it.
 *
 * The backup is written to DIR.partial-PID beside DIR, synced and renamed
 * to DIR, so DIR either is a whole backup or does not exist.  DIR must
 * not exist: a backup never overwrites another.
 */
#ifndef IC_BACKUP_H
#define IC_BACKUP_H

#include "cgi/cgi.h"
#include "core/err.h"

/**
 * Back the site up into the new directory @p dir (mode 0700, data.mdb,
 * attachments/ and RESTORE.txt 0600) and say so on req->out.
 * @return IC_OK; IC_ERR_BAD_INPUT (@p dir empty, exists, or its parent
 *         is missing: nothing written); IC_ERR_IO (disk full, permission:
 *         the partial directory is removed); IC_ERR_DATABASE.
 */
enum ic_err ic_backup_make(struct ic_req *req, const char *dir);

#endif /* IC_BACKUP_H */
