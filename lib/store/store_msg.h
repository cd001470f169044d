/*
 * store_msg.h - messages of a conversation, both directions, and the
 * u-uid index that makes receiving idempotent (MC-4, WS-S-29).
 *
 * messages:     "<conv>:<o|i>:<seq, 12 digits>" -> {"v":1, uid, url, …}
 *               so one prefix scan yields one direction in order, and a
 *               feed page (a range of our own seqs) is one short scan;
 * message_uids: "<conv> <uid>" -> the message key.  Uids are scoped to the
 *               conversation: a hostile peer cannot shadow another
 *               conversation's messages by reusing their uids.
 *
 * A reply (issue 15) names the uid of the message it answers, ours or
 * theirs, in the same conversation ("in_reply_to"); records written
 * before replies existed have neither field and read as no reply.
 *
 * Attachments (issue 15) are kept in the message's record, so they are
 * stored in the transaction that stores the message: a message never
 * exists without the list of its files, nor a list without its message.
 * The bytes are files named by their SHA-256 (store_blob.h).
 * attachments: "<conv> <o|i> <id>" -> the message key, written with the
 *              message: `feed` serves a file to a conversation's token
 *              holder only when one of our messages to them carries it,
 *              and to the owner when any message of it does;
 *              "<conv> p <id> <message key>" while a received one is
 *              still to fetch (per message: two may carry one file).
 *
 * Issue 15, deletes: a tombstone keeps no attachments (its record lists
 * none), and which messages name which file is kept in the same
 * transaction in store_blobref.h's index; a file whose last message
 * went is removed after the commit (store_blobref.h), and the keys above
 * then name another message of the conversation carrying it, or go.
 *
 * All functions run inside a transaction the caller owns.
 */
#ifndef IC_STORE_MSG_H
#define IC_STORE_MSG_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"
#include "store/store_conv.h"

/* Delivery state of a message we sent (issue 6 shows it).  It is not
 * stored with the message: the conversation's notified_seq and
 * fetched_seq say it for all of them at once (ic_msg_delivery()). */
enum ic_msg_state {
	IC_MSG_STORED = 0,   /* stored and published in our feed */
	IC_MSG_NOTIFIED = 1, /* the hub accepted the notification */
	IC_MSG_FETCHED = 2,  /* their token read a page holding it */
};

/* What became of a received attachment's bytes (sent ones are always
 * IC_ATTACH_STORED: their file is written before the message). */
enum ic_attach_state {
	IC_ATTACH_STORED = 0,    /* the bytes are in store_blob under id */
	IC_ATTACH_PENDING = 1,   /* not fetched yet, or to be tried again */
	IC_ATTACH_TOO_LARGE = 2, /* over our limit: not fetched */
	IC_ATTACH_FAILED = 3,    /* gave up: gone, refused, not what it said */
};

/* One attached file of a message. */
struct ic_attach {
	const char *id;         /* 64 hex digits: SHA-256 of the bytes */
	const char *type;       /* MIME type, from the bytes (text/media.h) */
	const char *name;       /* a safe file name, for display and download */
	long long size;         /* bytes */
	unsigned width, height; /* images: pixels; 0 otherwise */
	/* Sent JPEGs: metadata (EXIF, GPS...) was removed before publishing. */
	bool stripped;
	enum ic_attach_state state;
	const char *url; /* received: where the sender serves it; else NULL */
};

struct ic_msg {
	const char *conv;    /* conversation (topic) id */
	char dir;            /* 'o' we sent it, 'i' we received it */
	long long seq;       /* per conversation and direction, from 1 */
	const char *uid;     /* u-uid, fixed at creation */
	const char *url;     /* u-url (http(s) only for received ones) */
	long long published; /* unix seconds */
	long long received;  /* unix seconds we stored it */
	/* Arrival order at this site, both directions together (the
	 * conversation's out_seq + in_seq once stored): breaks ties between
	 * messages published in the same second; 0 in old records. */
	long long order;
	const char *text;   /* plain text */
	const char *html;   /* sanitized HTML (received), or NULL */
	const char *author; /* author URL */
	/* Issue 15: the uid of the message of this conversation this one
	 * answers, or NULL.  Only a uid known here when the message was
	 * stored (sent: checked by the outbox; received: by receive.c). */
	const char *in_reply_to;
	/* Received: the entry said it answers something, but not a message
	 * of this conversation we know (or not a usable value). */
	bool reply_unknown;
	/* Issue 15 reactions (messages/react.h): each side's one emoji on
	 * this message, or NULL, and when that reaction was published (a
	 * newer one replaces it, an older one arriving late does not). */
	const char *my_reaction, *their_reaction;
	long long my_reaction_at, their_reaction_at;
	/* The uids of the entries that carried them (a removal is the
	 * tombstone of that entry), or NULL. */
	const char *my_reaction_uid, *their_reaction_uid;
	/* Ours: this message is a reaction (shown under its target). */
	bool reaction;
	/* Issue 15 edits: when the text was last replaced (dt-updated),
	 * unix seconds; 0: never edited. */
	long long updated;
	/* Issue 15 deletes: a tombstone; text "" and html NULL, updated is
	 * when it was deleted (dt-deleted). */
	bool deleted;
	/* Issue 15: the attached files, in the order given; none in old
	 * records. */
	const struct ic_attach *att;
	size_t natt;
};

/** "stored", "pending", "too_large", "failed". */
const char *ic_attach_state_name(enum ic_attach_state s);

/**
 * qsort() comparator for an array of `const struct ic_msg *`: by publish
 * time, then by arrival order at this site (same second), then ours
 * before theirs, then by seq.
 */
int ic_msg_by_time(const void *x, const void *y);

/**
 * Delivery state of our message @p seq in conversation @p c: fetched up
 * to c->fetched_seq (their token read a feed page holding it), notified
 * up to c->notified_seq (the hub took the ping), stored above.  The one
 * place this is worked out: the pages, the JSON and the script show
 * what it says.
 */
enum ic_msg_state ic_msg_delivery(const struct ic_conv *c, long long seq);

/** "stored", "notified", "fetched". */
const char *ic_msg_state_name(enum ic_msg_state s);

/**
 * The uid we give message @p seq of the conversation whose topic is
 * @p topic_url: its URL, "TOPIC#mSEQ-NONCE", with 40 random bits of
 * @p nonce.  The seq alone would repeat after a restore from an older
 * backup (docs/history.md), and a correspondent drops a uid it has
 * seen (MC-4): the nonce keeps the next sends new.
 */
char *ic_msg_uid(struct ic_arena *a, const char *topic_url, long long seq,
                 unsigned long long nonce);

/**
 * Store @p m and index its uid; IC_ERR_CONFLICT when the uid is already
 * stored in this conversation (nothing written: not a failure for a
 * receiver, the message is simply known).
 */
enum ic_err ic_store_msg_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    const struct ic_msg *m);

/** Overwrite an existing message. */
enum ic_err ic_store_msg_update_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a,
                                       const struct ic_msg *m);

/**
 * True when a message of conversation @p conv in direction @p dir ('o'
 * ours, 'i' theirs, 0 either) carries attachment @p id.
 */
bool ic_store_msg_has_attachment_in_txn(struct ic_store_txn *t,
                                        const char *conv, char dir,
                                        const char *id);

/**
 * The record of attachment @p id as a message of conversation @p conv in
 * direction @p dir ('o', 'i', 0: either, ours first) carries it.
 * @param[out] out  into that message's record, from @p a
 * @return IC_OK; IC_ERR_NOT_FOUND; IC_ERR_DATABASE.
 */
enum ic_err ic_store_msg_attachment_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a, const char *conv,
                                           char dir, const char *id,
                                           const struct ic_attach **out);

/**
 * Up to @p max received attachments of conversation @p conv still
 * IC_ATTACH_PENDING (a "<conv> p <id> <message key>" key is kept for each
 * message holding one in that state): their ids and the keys of their
 * messages (ic_store_msg_by_key_in_txn()), into arena arrays.
 */
enum ic_err ic_store_msg_pending_attachments_in_txn(
        struct ic_store_txn *t, struct ic_arena *a, const char *conv,
        size_t max, const char ***ids, const char ***keys, size_t *n);

/**
 * The message of conversation @p conv stored under @p key (as the
 * pending list gives it), strings in @p a.
 * @return IC_OK; IC_ERR_NOT_FOUND; IC_ERR_DATABASE (not such a key).
 */
enum ic_err ic_store_msg_by_key_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *conv,
                                       const char *key, struct ic_msg *out);

/**
 * The received message of conversation @p conv that carries attachment
 * @p id (strings in @p a).  @return IC_OK; IC_ERR_NOT_FOUND; store errors.
 */
enum ic_err ic_store_msg_by_attachment_in_txn(struct ic_store_txn *t,
                                              struct ic_arena *a,
                                              const char *conv, const char *id,
                                              struct ic_msg *out);

/** True when @p uid is known in conversation @p conv. */
bool ic_store_msg_uid_known_in_txn(struct ic_store_txn *t, const char *conv,
                                   const char *uid);

/**
 * The message of conversation @p conv whose uid is @p uid, into @p out
 * (strings in @p a).
 * @return IC_OK; IC_ERR_NOT_FOUND (no such uid here); IC_ERR_DATABASE.
 */
enum ic_err ic_store_msg_by_uid_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *conv,
                                       const char *uid, struct ic_msg *out);

/**
 * Record @p uid (a received reaction's u-uid) as known in conversation
 * @p conv, pointing at the message @p target reacts to: the entry is
 * de-duplicated like a message without being one.
 * @return IC_OK; IC_ERR_CONFLICT (@p uid already known); store errors.
 */
enum ic_err ic_store_msg_alias_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *uid,
                                      const struct ic_msg *target);

/**
 * The quote of a replied-to message: the first non-blank line of
 * @p text, runs of white space as one space, cut at a character boundary
 * to at most @p max bytes with "…" added when cut (so up to @p max + 3
 * bytes).  In @p a; NULL when out of memory.
 */
char *ic_msg_quote(struct ic_arena *a, const char *text, size_t max);

/**
 * Messages of one direction with from <= seq <= to, oldest first.
 * @param[out] out  arena array of *@p n messages.
 */
enum ic_err ic_store_msg_range_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *conv,
                                      char dir, long long from, long long to,
                                      struct ic_msg **out, size_t *n);

/**
 * One step of the build of the file references (store_blobref.h) for
 * messages stored before the index existed: up to @p max messages after
 * the last one done, in key order, and the progress recorded in the same
 * transaction.  Idempotent; messages stored meanwhile have their
 * references already; a tombstone written before the index lists its
 * files no more (written again as ic_store_msg_update_in_txn() does).
 * @param[out] done  true when every message is in (now or before)
 * @return IC_OK; IC_ERR_DATABASE (a record that is not one); IC_ERR_NOMEM.
 */
enum ic_err ic_store_msg_refs_build_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a, size_t max,
                                           bool *done);

#endif /* IC_STORE_MSG_H */
