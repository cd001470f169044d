/*
 * feed_pages.h - writing our side of each conversation: its static mf2
 * pages and public stub, from LMDB (DESIGN.md "Storage"; WS-P-6, WS-P-7).
 *
 * A publish reads the conversation and one page of our messages in one
 * read transaction and writes the page, then the stub, each to a
 * temporary file renamed over the old one, under an exclusive lock of the
 * feed's directory: a reader (feed_serve.h, the hub) sees the whole old
 * file or the whole new one, and of two racing sends the last to write
 * also read last.  A send rewrites one page of page_size entries, so its
 * cost does not grow with the history.  A reply's entry carries
 * u-in-reply-to and the answered message's first words (mf2_publish.h).
 * Issue 15: the newest page also carries, after its own entries, the
 * current entry of each of our last IC_FEED_CARRY_MAX changed messages
 * (store_conv.h carry) that lives on an older page, so a receiver that
 * reads only the newest page sees edits, deletes and removed reactions.
 *
 * The pages are derived data: LMDB is the only durable truth.  So they
 * are written without fsync (core/file.h, ic_file_write_derived()): a
 * killed process loses nothing (the page cache outlives it), and a power
 * loss or a kernel crash, which may leave a page empty or old, ends the
 * boot.  data_dir/pages.boot (core/boot.h) names the boot in which every
 * page was last made whole; ic_feed_pages_ready() finds it stale after a
 * reboot and writes every page of every conversation again, durably, once,
 * under a site-wide lock, before anything reads or writes a page.  No
 * stamp (a new site, or one older than the stamp) counts as stale: the
 * first request writes what pages there are once.  Where the system tells
 * no boot id, every page is fsync'd.
 *
 * Links no libcurl, gumbo, tidy or libcrypto: `feed` calls
 * ic_feed_pages_ready() before every request (struct ic_program).
 */
#ifndef IC_FEED_PAGES_H
#define IC_FEED_PAGES_H

#include <stddef.h>

#include "cgi/cgi.h"
#include "core/err.h"

/**
 * (Re)write conversation @p conv_id's newest feed page and its stub from
 * LMDB, and every older page holding a message not yet published (two
 * sends racing over a page boundary, or a publish that failed); creates
 * the feed's directory for a new conversation.  Calls
 * ic_feed_pages_ready() first.
 * @return IC_OK; store and file errors (the next publish repairs).
 */
enum ic_err ic_feed_pages_publish(struct ic_req *req, const char *conv_id,
                                  char *errbuf);

/**
 * Write every page and stub of every conversation that has a feed again
 * from LMDB: after a restore (web/backup.h), where feeds/ is not part of
 * the backup because it is derived, or when feeds/ was lost.  Pages are
 * written one at a time (memory of one page).  `send --republish`.
 * @param[out] done  conversations written.
 * @return IC_OK; store and file errors (what was written stays; run it
 *         again).
 */
enum ic_err ic_feed_pages_republish_all(struct ic_req *req, size_t *done,
                                        char *errbuf);

/**
 * Make sure the pages on disk are whole before anything reads or writes
 * them (see above).  In the boot that stamped them: two small reads.
 * @return IC_OK; store and file errors in req->errbuf (the stamp is left
 *         stale: the next request tries again).
 */
enum ic_err ic_feed_pages_ready(struct ic_req *req);

#endif /* IC_FEED_PAGES_H */
