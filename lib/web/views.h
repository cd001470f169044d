/*
 * views.h - the owner's read views as text or JSON: the inbox and one
 * conversation (the terminal faces `feed --inbox` and
 * `feed --conversation URL`; the web pages show the same data).  Store
 * reads only, so the hot-path `feed` program can carry them without
 * network code.
 */
#ifndef IC_VIEWS_H
#define IC_VIEWS_H

#include <stdbool.h>

#include "cgi/cgi.h"
#include "core/err.h"

/** Conversations newest first, message requests marked; to req->out. */
enum ic_err ic_view_inbox(struct ic_req *req, bool json);

/** What `feed --conversation` shows (cgi-bin/feed.c parses it). */
struct ic_view_history {
	bool json;
	/* Every message, oldest first, streamed (memory flat in the
	 * history's length); else one page. */
	bool all;
	/* The page: the newest IC_PAGE_MESSAGES below these seqs of ours
	 * and theirs (0: the newest), as the conversation page's "Older
	 * messages" link pages (web/page_conversation.c). */
	long long out_before, in_before;
};

/**
 * The conversation with @p url, both directions in time order: one page
 * of it (with the bounds of the page before, in the JSON as "older",
 * "out_before" and "in_before", in the text as the command that shows
 * it), or with opt->all every message.  Marks it read.  @p url may be
 * typed loosely ("bob.example"): it is matched against known
 * correspondents without network access.
 * Memory: a page, or two chunks of the stream (store/store_history.h),
 * whatever the length of the history.
 * @return IC_OK; IC_ERR_NOT_FOUND; IC_ERR_DATABASE; IC_ERR_IO (stdout).
 *         A failure in the middle of a JSON stream still closes the
 *         object, so what was printed parses.
 */
enum ic_err ic_view_conversation(struct ic_req *req, const char *url,
                                 const struct ic_view_history *opt);

/**
 * The stored conversation id for a loosely typed @p url, or NULL.
 */
const char *ic_view_find_peer(struct ic_req *req, const char *url);

#endif /* IC_VIEWS_H */
