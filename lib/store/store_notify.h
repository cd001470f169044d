/*
 * store_notify.h - what the owner is still to be told about (issue 16),
 * one record per conversation, written in the transaction that stores
 * the event, so an event is never lost and never told twice for want of
 * a record.
 *
 * notify: "<conv>" -> {"v":1,
 *     pending:   "requests", "accepted", "count", "from", "to", "first",
 *                "last",
 *     in flight: the same prefixed "f_", numbered "batch",
 *     "f_told": the channels that have told the batch in flight,
 *     "sent": when the last notification went out (0: never)}
 *   count: new messages received, from..to their seqs (dir 'i');
 *   requests: a message request arrived (0 or 1);
 *   accepted: they accepted our invitation (0 or 1).
 *
 * Coalescing: an event adds to the pending counts and schedules the due
 * job IC_NOTIFY_JOB for the conversation at max(now, sent +
 * IC_NOTIFY_COALESCE_SECONDS), keeping an earlier schedule: the first
 * event of a quiet conversation is due at once, a burst after it waits
 * for one mail a minute later with the count.  While a batch is in flight
 * (claimed, not yet sent: a channel failed and it is retried with
 * backoff) an event only adds to the pending counts and leaves the
 * schedule to the retry.
 *
 * Delivery is at least once: a claim moves the pending counts into the
 * batch in one transaction, the mail goes out after it, and only a later
 * transaction ends the batch.  A crash between the two sends the same
 * batch again, with the same Message-ID (built from conversation and
 * batch number), which mail systems de-duplicate; two maintenance runs
 * never hold the job together (due lease, maintain.lock).  All functions
 * run in the caller's write transaction.
 *
 * Channels (email, ntfy/Gotify, webhook, Web Push) share the batch: one claim,
 * one coalescing slot, one "read already" check, whatever the channels.  Each
 * channel that has told the batch is marked in "f_told" in its own
 * transaction (ic_store_notify_told_in_txn), and the job skips marked
 * channels on a retry, so a push service that is down never makes the
 * mail go twice.  (A job per channel would need a pending count, batch
 * and schedule per channel, and a read-or-muted check that could answer
 * differently for each: more state for the same result.)  The batch ends
 * when every channel that is on has told it.
 */
#ifndef IC_STORE_NOTIFY_H
#define IC_STORE_NOTIFY_H

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

/* The due job that tells the owner (id: the conversation). */
#define IC_NOTIFY_JOB "notify_owner"

/* What happened (DESIGN.md's states: a ticket filed from a new site is a
 * request, one answering our invitation an acceptance). */
enum ic_notify_kind {
	IC_NOTIFY_MESSAGES, /* new messages stored */
	IC_NOTIFY_REQUEST,  /* a new message request */
	IC_NOTIFY_ACCEPTED, /* they accepted our invitation */
};

/* The channels, as bits of ic_notify_batch.told. */
enum ic_notify_channel {
	IC_NOTIFY_CH_EMAIL = 1,
	IC_NOTIFY_CH_NTFY = 2,
	IC_NOTIFY_CH_WEBHOOK = 4,
	IC_NOTIFY_CH_WEBPUSH = 8, /* told once every device is */
	IC_NOTIFY_CH_LAST = IC_NOTIFY_CH_WEBPUSH,
};

/* Events for one conversation, pending or in one notification. */
struct ic_notify_batch {
	long long requests;    /* a message request arrived: 0 or 1 */
	long long accepted;    /* they accepted our invitation: 0 or 1 */
	long long count;       /* new messages */
	long long from, to;    /* their seqs (dir 'i'); 0 when count is 0 */
	long long first, last; /* when the first and last event came */
	long long told;        /* in flight: the channels that told it (bits) */
};

/**
 * Record an event of conversation @p conv: @p count new messages (seqs
 * @p from..@p to; IC_NOTIFY_MESSAGES), a request or an acceptance (the
 * numbers unused), and schedule the job (see above).
 */
enum ic_err ic_store_notify_event_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *conv,
                                         enum ic_notify_kind kind,
                                         long long count, long long from,
                                         long long to, long long now);

/**
 * The batch to send for @p conv: the one in flight, else the pending
 * events made the next batch.  @p batch: its number, for the Message-ID.
 * @return IC_OK; IC_ERR_NOT_FOUND (nothing to tell).
 */
enum ic_err ic_store_notify_claim_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *conv,
                                         struct ic_notify_batch *out,
                                         long long *batch);

/**
 * Batch @p batch of @p conv is done at @p now: mailed (@p mailed), or
 * found needless (the owner read the messages; "sent" then stays as it
 * was, so the next mail need not wait a minute for it).  End it, and
 * cancel the job, or schedule it for the next slot when events came
 * meanwhile (the runner leaves a job its handler cancelled or
 * rescheduled as it is).
 */
enum ic_err ic_store_notify_done_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *conv,
                                        long long batch, long long now,
                                        bool mailed);

/**
 * Channel @p channel (an enum ic_notify_channel) has told batch @p batch
 * of @p conv: a retry of the batch skips it.  Nothing when the batch is
 * no longer in flight.
 */
enum ic_err ic_store_notify_told_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *conv,
                                        long long batch, unsigned channel);

/** Forget what @p conv had to tell (notifications off). */
enum ic_err ic_store_notify_forget_in_txn(struct ic_store_txn *t,
                                          const char *conv);

#endif /* IC_STORE_NOTIFY_H */
