/*
 * feed_serve.h - the private feed resource and its public stub
 * (STANDARDS.md §7.2, WS-P-1…WS-P-3, WS-P-7; DESIGN.md "Conversations,
 * topics, tokens").
 *
 * B/feed/<topic> is a conversation's resource and WebSub topic.  With a
 * valid bearer token for it (TE-10) it is the newest static mf2 page,
 * `Cache-Control: private, no-store`, `Vary: Authorization` (RS-4);
 * without credentials it is the public stub a hub may fetch (RS-3,
 * WS-P-7); with a bad token it is 401 and `WWW-Authenticate` (RS-2).
 * Every answer carries the hub, self, token endpoint and metadata links
 * (WS-P-2, TE-8, RS-5).  B/feed/<topic>/<n> is an older page (rel=prev),
 * token required.
 *
 * B/feed/<topic>/attachment/<sha256> is a file one of our messages of
 * that conversation carries (issue 15), token required, sent from
 * data_dir (never the document root) with its sniffed type,
 * Content-Disposition (inline for images, attachment otherwise),
 * nosniff and `Content-Security-Policy: default-src 'none'; sandbox`.
 *
 * This module is on the hot read path: store reads and one file, no
 * network code, so `feed` links neither libcurl nor gumbo nor tidy.
 */
#ifndef IC_FEED_SERVE_H
#define IC_FEED_SERVE_H

#include "cgi/cgi.h"
#include "core/err.h"

/** GET B/feed/{topic}: the newest page, or the stub. */
enum ic_err ic_feed_serve_topic(struct ic_req *req);

/** GET B/feed/{topic}/{page}: an older page (bearer token only). */
enum ic_err ic_feed_serve_page(struct ic_req *req);

/**
 * GET B/feed/{topic}/attachment/{id}: a file of one of our messages of
 * that conversation, to its token holder (401 without a token, 401/403
 * for a bad one, 404 for a file no message of ours there carries).
 */
enum ic_err ic_feed_serve_attachment(struct ic_req *req);

/**
 * Answer with file {id} (the route's parameter) when a message of
 * conversation @p conv in direction @p dir ('o', 'i', 0 for either)
 * carries it and its bytes are stored here; the caller has checked who
 * asks.  Shared with the owner's route (web/page_conversation.h).
 * @return IC_OK (the response is set up); IC_ERR_NOT_FOUND; store errors.
 */
enum ic_err ic_feed_serve_file(struct ic_req *req, const char *conv, char dir);

#endif /* IC_FEED_SERVE_H */
