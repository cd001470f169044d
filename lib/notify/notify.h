/*
 * notify.h - tell the owner (issue 16) by email, by ntfy or Gotify, by a
 * signed webhook and by Web Push to their devices: the due job IC_NOTIFY_JOB
 * (store/store_notify.h) that lazy maintenance runs for a conversation, whose
 * events were recorded with what caused them.
 *
 * The job claims the conversation's batch (store_notify: the one in
 * flight, else the pending events), then tells it on every channel that
 * is on and has not told it yet: the mail (notify_mail.h) to sendmail
 * (sendmail.h), the pushes (notify_push.h) to push_post.h, Web Push to
 * each device (webpush_send.h: a channel that has told once every device
 * has, each device told once).  Each channel
 * that succeeds is marked at once (ic_store_notify_told_in_txn); one that
 * fails leaves the batch in flight and the runner retries the job with
 * ic_due_backoff(), when only the channels not yet marked are tried.  The
 * batch ends when all are.  Events meanwhile wait for the next batch.
 * Nothing here touches a message: a channel that is down never delays or
 * loses one.  At least once: see store_notify.h.
 *
 * Nothing is sent, and the record is dropped, when every channel is off,
 * the conversation is gone, muted, or declined or blocked by now.  New
 * messages the owner has read by the time the notification would go (no
 * unread left: the conversation is open in a tab, whose live view marks
 * them read) are not told.  The first notification of a quiet
 * conversation goes out right after the store, so an owner reading at
 * that very moment may still get it; the coalesced ones a minute later
 * are skipped.  The texts are loaded only when a channel still to tell
 * wants them, and each channel gets them only with its own *_text key.
 */
#ifndef IC_NOTIFY_H
#define IC_NOTIFY_H

#include "cgi/cgi.h"
#include "core/err.h"

/** The IC_NOTIFY_JOB handler for conversation @p conv (struct ic_maint_job). */
enum ic_err ic_notify_job(struct ic_req *req, const char *conv);

#endif /* IC_NOTIFY_H */
