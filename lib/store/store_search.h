/*
 * store_search.h - search the owner's messages (issue 15): both
 * directions, every conversation or one, through the index of
 * store_index.h.
 *
 * A query is words as store_index.h cuts them (at most
 * IC_SEARCH_QUERY_WORDS in IC_SEARCH_QUERY_MAX bytes; words shorter than
 * IC_SEARCH_WORD_MIN are left out).  A message matches when it holds
 * every word (AND) and the last one also as a prefix ("hel" finds
 * "hello": search as you type).  Results come newest first (by the time
 * this site stored them), at most the limit asked for.
 *
 * Bounded work: a search reads the at most IC_SEARCH_RECENT_MAX messages
 * not yet moved into the word index (store_index.h), visits at most
 * IC_SEARCH_SCAN_MAX index keys and looks up at most IC_SEARCH_READ_MAX
 * word lists to check a prefix; past either, or past the limit, it says
 * `more`.  Each group of one word in one conversation is newest first in
 * the index, so a common word costs at most (limit + 1) keys per
 * conversation, not its whole history.  Only the results' own messages
 * are read (for their excerpts).
 *
 * Excerpts are plain text (control characters made spaces): escaping is
 * the caller's, at output time.
 *
 * The index of messages stored before it existed (a store from an older
 * program, a restored backup) is built lazily: ic_store_search() builds
 * it on its first run, in write transactions of IC_SEARCH_BUILD_CHUNK
 * messages, and records "search_index" in META when done.  No schema
 * change: an older program opens the store as before (its new messages
 * are then missing from the index until META's mark is removed).
 */
#ifndef IC_STORE_SEARCH_H
#define IC_STORE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

/** One message found. */
struct ic_search_result {
	const char *conv; /* conversation id */
	char dir;         /* 'o' ours, 'i' theirs */
	long long seq, received, published;
	long long order; /* store_msg.h: arrival order in its conversation */
	/* Text around the first match, with "…" where it was cut, and the
	 * match's place in it (bytes). */
	const char *excerpt;
	size_t mark_at, mark_len;
};

struct ic_search {
	struct ic_search_result *r; /* newest first, from the arena */
	size_t n;
	bool more; /* more matches than shown, or the search was cut short */
};

/**
 * Search inside a read (or write) transaction the caller owns.
 * @param[in] conv   a conversation id, or NULL for all.
 * @param[in] limit  1..IC_SEARCH_LIMIT_MAX.
 * @return IC_OK (also with no result); IC_ERR_BAD_INPUT (query too long,
 *         too many words, no word, bad limit: nothing read);
 *         IC_ERR_DATABASE; IC_ERR_NOMEM.  Message in the txn's errbuf.
 */
enum ic_err ic_store_search_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                   const char *query, const char *conv,
                                   size_t limit, struct ic_search *out);

/**
 * Build the index if this store has not got it yet (see the top), then
 * search in one read transaction.
 * @return as ic_store_search_in_txn(); message in @p errbuf.
 */
enum ic_err ic_store_search(struct ic_store *st, struct ic_arena *a,
                            const char *query, const char *conv, size_t limit,
                            struct ic_search *out, char *errbuf);

/**
 * Index every stored message unless META says it was done; idempotent.
 * @return IC_OK; a store error.
 */
enum ic_err ic_store_search_build(struct ic_store *st, char *errbuf);

#endif /* IC_STORE_SEARCH_H */
