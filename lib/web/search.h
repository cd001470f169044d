/*
 * search.h - the owner's search (issue 15): `feed --search QUERY
 * [--conversation URL] [--json]` and the page B/feed/search?q=QUERY
 * [&conv=ID], both over store/store_search.h.
 *
 * Results are excerpts, newest first, at most IC_SEARCH_LIMIT, each with
 * the conversation page positioned on the message (link_of()): its
 * out_before/in_before bounds make it the newest message shown, and the
 * fragment #m-<o|i>-<seq> is its element's id.  Excerpts are escaped here,
 * at output (HTML, and control characters for the terminal).
 *
 * Reading changes nothing the owner sees: no conversation is marked read.
 * The first search of a store whose messages predate the index builds it
 * (store_search.h): derived data only, once.
 */
#ifndef IC_WEB_SEARCH_H
#define IC_WEB_SEARCH_H

#include <stdbool.h>

#include "cgi/cgi.h"
#include "core/err.h"

/**
 * The terminal face: results as lines (time, >> ours or << theirs, the
 * correspondent, the excerpt), or as JSON with @p json.
 * @param[in] url  a correspondent (typed loosely, as --conversation), or
 *                 NULL for every conversation.
 * @return IC_OK; IC_ERR_BAD_INPUT (the query); IC_ERR_NOT_FOUND (no
 *         conversation with @p url); a store error.
 */
enum ic_err ic_view_search(struct ic_req *req, const char *query,
                           const char *url, bool json);

/** GET B/feed/search: the search page (owner only; a route need). */
enum ic_err ic_page_search(struct ic_req *req);

#endif /* IC_WEB_SEARCH_H */
