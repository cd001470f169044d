/*
 * store_index.h - the search index of the messages (issue 15): words of a
 * message's plain text, written in the transaction that stores it.
 *
 * Owns the sub-databases "search" and "search_words".  "search" has one
 * key format (conversation ids of at most 255 bytes):
 *
 *   word '\0' conv '\0' ~received(8, big-endian) dir(1) ~seq(8, big-endian)
 *   -> empty value
 *
 * so one word in one conversation is one contiguous range, newest first
 * (received is our own clock: a peer cannot move its messages to the
 * top); a word over every conversation is one range of such groups, and
 * a prefix one range of words.  Queries are store_search.h's.
 *
 * A message's postings would land on one leaf page per word, all over a
 * large tree, and each such page is copied and synced by the commit that
 * stores the message.  So the storing transaction writes one key, in
 * "search_words":
 *
 *   ~received(8) dir(1) ~seq(8) conv -> its distinct words, space-separated
 *
 * which is newest first, so a new key lands on the first page, beside
 * the mark (key "\0": the count of messages not yet in "search" and the
 * key of the newest one that is).  When IC_SEARCH_RECENT_MAX messages
 * wait, the storing transaction moves them into "search" at once
 * (ic_store_index_merge_in_txn()), where the words they share cost one
 * page each.  A search reads the waiting ones here, and checks a prefix
 * against any message's words here with one look-up.  A message older
 * than the newest moved (a clock step back, the build of an old store's
 * index) goes into "search" at once.
 *
 * Words (ic_index_next_word()): runs of ASCII letters and digits and of bytes
 * >= 0x80 (UTF-8 is taken as letters: no Unicode tables), ASCII
 * lowercased, at least IC_SEARCH_WORD_MIN bytes, cut to IC_SEARCH_WORD_MAX
 * at a UTF-8 boundary, at most IC_SEARCH_WORDS_PER_MSG distinct per text.
 * Only plain text is indexed: received HTML is never read, so markup is
 * not searchable.
 *
 * All functions run inside a transaction the caller owns.
 */
#ifndef IC_STORE_INDEX_H
#define IC_STORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ic_limits.h"
#include "store/store.h"

/* Bytes after the conversation id's '\0' in a key. */
#define IC_INDEX_TAIL 17

/** One word of a text: where it starts in the text, and its normal form. */
struct ic_index_word {
	size_t at, len;                    /* in the text, bytes */
	char norm[IC_SEARCH_WORD_MAX + 1]; /* lowercased, cut, NUL-ended */
	size_t nlen;
};

/**
 * The next word of @p text from *@p pos on (any length: callers skip
 * short ones); *@p pos moves past it.  False at the end.
 */
bool ic_index_next_word(const char *text, size_t *pos, struct ic_index_word *w);

/** The posting of one message, decoded from a key's tail. */
struct ic_index_hit {
	char dir;
	long long seq, received;
};

/** Write the IC_INDEX_TAIL bytes of a key for (@p received, @p dir, @p seq). */
void ic_index_tail(unsigned char out[IC_INDEX_TAIL], long long received,
                   char dir, long long seq);

/** Decode a tail; false when it is not one (a corrupt key). */
bool ic_index_untail(const unsigned char *tail, struct ic_index_hit *h);

/**
 * Add (@p add true) or remove the postings of message (@p conv, @p dir,
 * @p seq) received at @p received with plain text @p text.  Removing a
 * posting that is not there is not an error.
 * @return IC_OK; IC_ERR_NOMEM; a store error (IC_ERR_DATABASE, a full map
 *         that ic_store_update() grows).
 */
enum ic_err ic_store_index_msg_in_txn(struct ic_store_txn *t, const char *conv,
                                      char dir, long long seq,
                                      long long received, const char *text,
                                      bool add);

/**
 * True when the "search_words" key @p key is of a message not yet in
 * "search": newer than @p last, the key of the newest that is (empty:
 * none is).
 */
bool ic_index_pending(const void *key, size_t kl, const void *last,
                      size_t last_len);

/** The mark: what ic_index_pending() compares with, from "search_words". */
enum ic_err ic_index_last_moved(struct ic_store_txn *t, const void **last,
                                size_t *last_len);

/**
 * Move every waiting message of "search_words" into "search".
 * @return IC_OK; IC_ERR_NOMEM; a store error.
 */
enum ic_err ic_store_index_merge_in_txn(struct ic_store_txn *t);

/**
 * For the bench only (scripts/bench "search"): false stops every index
 * write of this process, so it can time storing without the index.
 */
void ic_store_index_enable(bool on);

#endif /* IC_STORE_INDEX_H */
