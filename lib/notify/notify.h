/*
 * notify.h - tell the owner by email (issue 16, the first channel): the
 * due job IC_NOTIFY_JOB (store/store_notify.h) that lazy maintenance runs
 * for a conversation, whose events were recorded with what caused them.
 *
 * The job claims the conversation's batch (store_notify: the one in
 * flight, else the pending events), builds the mail (notify_mail.h) and
 * hands it to sendmail (sendmail.h); then it ends the batch.  A failing
 * sendmail leaves the batch in flight and the runner retries the job with
 * ic_due_backoff(); events meanwhile wait for the next batch.  Nothing
 * here touches a message: a channel that is down never delays or loses
 * one.  At least once: see store_notify.h.
 *
 * Nothing is sent, and the record is dropped, when notify_email is off,
 * the conversation is gone, or it is declined or blocked by now.  New
 * messages the owner has read by the time the mail would go (no unread
 * left: the conversation is open in a tab, whose live view marks them
 * read) are not told.  The first mail of a quiet conversation goes out
 * right after the store, so an owner reading at that very moment may
 * still get it; the coalesced ones a minute later are skipped.
 */
#ifndef IC_NOTIFY_H
#define IC_NOTIFY_H

#include "cgi/cgi.h"
#include "core/err.h"

/** The IC_NOTIFY_JOB handler for conversation @p conv (struct ic_maint_job). */
enum ic_err ic_notify_job(struct ic_req *req, const char *conv);

#endif /* IC_NOTIFY_H */
