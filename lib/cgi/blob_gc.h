/*
 * blob_gc.h - lazy maintenance's part in removing attachment files
 * (issue 15, deletes; store/store_blobref.h has the rules).
 *
 * Two due jobs: IC_BLOB_GC_JOB removes one file whose last message went
 * (scheduled by the transaction that dropped it), IC_BLOB_SWEEP_JOB
 * removes files no message names once they are IC_BLOB_GRACE_SECONDS old,
 * IC_BLOB_SWEEP_FILES per run, every IC_BLOB_SWEEP_INTERVAL; on a store
 * from before the reference index, the sweep job first builds it, one
 * write transaction of IC_BLOB_REFS_BUILD_CHUNK messages per run of the
 * job.  Files are removed only in write transactions (the one-writer lock
 * a send's files are checked under), never in the one that drops a
 * reference.
 */
#ifndef IC_BLOB_GC_H
#define IC_BLOB_GC_H

#include "cgi/cgi.h"
#include "core/err.h"

/** IC_BLOB_GC_JOB for file @p id (struct ic_maint_job). */
enum ic_err ic_blob_gc_job(struct ic_req *req, const char *id);

/**
 * IC_BLOB_SWEEP_JOB (struct ic_maint_job): a step of the build while the
 * index is not complete (the job then due again at once), else one sweep
 * (due again after the next maintenance interval when files are left,
 * after IC_BLOB_SWEEP_INTERVAL when it went round).
 */
enum ic_err ic_blob_sweep_job(struct ic_req *req, const char *id);

/**
 * Make sure the sweep is scheduled: due at @p when, or, when @p when is
 * 0, at once unless it is scheduled already (a store from before the
 * sweep; one write only then).
 * @return IC_OK or the store's error (in req->errbuf).
 */
enum ic_err ic_blob_sweep_schedule(struct ic_req *req, long long when);

#endif /* IC_BLOB_GC_H */
