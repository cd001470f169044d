/*
 * views.h - the owner's read views as text or JSON: the inbox and one
 * conversation (the terminal faces `feed --inbox` and
 * `feed --conversation URL`; the web pages of a later issue show the same
 * data).  Store reads only, so the hot-path `feed` program can carry them
 * without network code.
 */
#ifndef IC_VIEWS_H
#define IC_VIEWS_H

#include <stdbool.h>

#include "cgi/cgi.h"
#include "core/err.h"

/** Conversations newest first, message requests marked; to req->out. */
enum ic_err ic_view_inbox(struct ic_req *req, bool json);

/**
 * The conversation with @p url: both directions in time order, marks it
 * read.  @p url may be typed loosely ("bob.example"): it is matched
 * against known correspondents without network access.
 * @return IC_OK; IC_ERR_NOT_FOUND.
 */
enum ic_err ic_view_conversation(struct ic_req *req, const char *url,
                                 bool json);

/**
 * The stored conversation id for a loosely typed @p url, or NULL.
 */
const char *ic_view_find_peer(struct ic_req *req, const char *url);

#endif /* IC_VIEWS_H */
