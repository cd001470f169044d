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

#endif /* IC_FEED_SERVE_H */
