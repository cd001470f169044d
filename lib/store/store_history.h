/*
 * store_history.h - a conversation's messages, both directions in time
 * order, read so that memory does not grow with the history (issue 15):
 * one page of the newest, or every message as a stream.
 *
 * Messages are stored per direction in seq order (store_msg.h), so both
 * reads are range scans of the two directions merged by ic_msg_by_time():
 *
 *  - ic_store_history_page(): the newest IC_PAGE_MESSAGES of the merged
 *    history below a pair of bounds (out_before, in_before), exactly as
 *    the conversation page's "Older messages" link pages
 *    (web/page_conversation.c), with the bounds of the page before it.
 *    One short read transaction; at most 2 * IC_PAGE_MESSAGES records.
 *  - ic_store_history_each(): every message up to the newest seqs of the
 *    moment it starts, oldest first, in chunks of IC_HISTORY_CHUNK per
 *    direction.  Each chunk is read in its own short read transaction
 *    into its own arena, freed before the next one, so a 20,000-message
 *    dump holds two chunks at a time and never pins old pages of the map
 *    for the whole time its reader (a pipe, a slow disk) takes.
 *
 * Order: a direction is merged in its seq order (its arrival order at
 * this site), and the two directions by publish time; the same as a full
 * sort whenever each direction's messages were published in seq order,
 * which ours always are and theirs are unless their clock went back.
 *
 * Neither function writes: marking a conversation read is the caller's.
 */
#ifndef IC_STORE_HISTORY_H
#define IC_STORE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"
#include "store/store_conv.h"
#include "store/store_msg.h"

/** One page of a conversation (ic_store_history_page()). */
struct ic_history_page {
	struct ic_conv conv;        /* the conversation, as read */
	const struct ic_msg **msgs; /* oldest first, from the arena */
	size_t n;
	/* The bounds of the page before this one (pass them back to get
	 * it): the oldest seq of each direction shown, or, for a direction
	 * with nothing shown, the bound it came with (else its newest + 1). */
	long long out_before, in_before;
	bool older; /* anything is older than this page */
};

/**
 * The newest IC_PAGE_MESSAGES messages of conversation @p conv with
 * seq < @p out_before (ours) and seq < @p in_before (theirs); a bound of
 * 0 means "the newest".
 * @param[in]  a     the arena the records and the array come from.
 * @param[out] page  filled on IC_OK.
 * @return IC_OK; IC_ERR_NOT_FOUND (no such conversation);
 *         IC_ERR_DATABASE; IC_ERR_NOMEM.  Message in @p errbuf.
 */
enum ic_err ic_store_history_page(struct ic_store *st, struct ic_arena *a,
                                  const char *conv, long long out_before,
                                  long long in_before,
                                  struct ic_history_page *page, char *errbuf);

/**
 * Called by ic_store_history_each() for each message, oldest first.
 * @p m and its strings live until the callback returns (copy what must
 * outlive it).  Return IC_OK to go on, IC_STORE_STOP to stop with
 * success, any other code to stop with it.
 */
typedef enum ic_err (*ic_history_fn)(const struct ic_msg *m, void *ctx);

/**
 * Every message of conversation @p conv that was stored when the call
 * began, both directions, oldest first (see the top of this header).
 * @param[out] conv_out  optional: the conversation as read at the start
 *                       (its strings from @p a).
 * @return IC_OK; IC_ERR_NOT_FOUND (no such conversation); the callback's
 *         code; IC_ERR_DATABASE; IC_ERR_NOMEM.  Message in @p errbuf.
 * @note memory: two chunks of IC_HISTORY_CHUNK records at a time, freed
 *       as the stream goes on; nothing of the history stays in @p a.
 */
enum ic_err ic_store_history_each(struct ic_store *st, struct ic_arena *a,
                                  const char *conv, ic_history_fn fn, void *ctx,
                                  struct ic_conv *conv_out, char *errbuf);

#endif /* IC_STORE_HISTORY_H */
