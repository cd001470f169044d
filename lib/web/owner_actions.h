/*
 * owner_actions.h - what the signed-in owner does from a browser
 * (docs/web.md "Owner actions").  Their routes are IC_NEED_OWNER_ACTION:
 * the router checks session + CSRF token + Origin (IA-C-20, SEC-10)
 * before any handler here runs, so a cross-site request is a 403 that
 * changes nothing and these handlers check none of it again.
 *
 *   POST B/send             to, text      send a message
 *   POST B/send             to, edit, text   edit our message (issue 15)
 *   POST B/send             to, delete    delete our message for everyone
 *   POST B/send             to, unreact   remove our reaction on a message
 *   POST B/ticket/invite    url           invite (send a ticket)
 *   POST B/ticket/accept    url           accept a message request
 *   POST B/ticket/decline   url           decline
 *   POST B/ticket/block     url           block (decline + revoke)
 *   POST B/ticket/revoke    url           revoke the tokens we issued
 *
 * Each answers 303 to the form's `next` (a path under B, else B/feed/),
 * or 200 JSON {"ok": true, …} when the request prefers JSON (the live
 * page's script).  The terminal faces (`send --to`, `ticket --invite` …)
 * do the same work for the server's own user.
 */
#ifndef IC_OWNER_ACTIONS_H
#define IC_OWNER_ACTIONS_H

#include "cgi/cgi.h"
#include "core/err.h"

enum ic_err ic_owner_send(struct ic_req *req);
enum ic_err ic_owner_invite(struct ic_req *req);
enum ic_err ic_owner_accept(struct ic_req *req);
enum ic_err ic_owner_decline(struct ic_req *req);
enum ic_err ic_owner_block(struct ic_req *req);
enum ic_err ic_owner_revoke(struct ic_req *req);
/* Issue 16: stop or restart the owner's notifications of one conversation
 * (`url`), as `feed --mute/--unmute URL`. */
enum ic_err ic_owner_mute(struct ic_req *req);
enum ic_err ic_owner_unmute(struct ic_req *req);

#endif /* IC_OWNER_ACTIONS_H */
