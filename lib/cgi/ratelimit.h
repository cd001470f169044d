/*
 * ratelimit.h - rate limits on the ticket and token endpoints, and the
 * cap on pending message requests (issue 12, TR-9; the counters are
 * store/store_rate.h's, every number is in core/ic_limits.h).
 *
 * The router applies them to the routes that ask (route.h
 * IC_NEED_RATE_TICKET, IC_NEED_RATE_TOKEN) after reading the form and
 * before the handler, through the program's rate_limit (program.h: so
 * `feed`, which has no such route, links none of this); a refused request gets
 * 429 with Retry-After (the seconds until the fullest window frees) and changes
 * nothing at all: not even its counters are raised.
 *
 * Who is counted where:
 *  - every request under its client address (IPv4 address, IPv6 /64):
 *    tickets for a window and a day, token requests for a window with a
 *    stricter count of refused ones (ticket guessing).  Over these, 429:
 *    they are the same whatever site the request claims to come from;
 *  - then under the site it claims: a correspondent's (a site we have an
 *    invited or active conversation with) its own, generous limit; a
 *    stranger's (anyone else: unknown, requesting, declined, blocked, so
 *    a block is invisible) its site and all strangers together.  Over
 *    these the request is answered as any other and does nothing
 *    (req->rate_quiet): anyone can claim any site, and a different answer
 *    would tell who our correspondents are (TE-14, STANDARDS.md §6);
 *  - a token grant that presents a ticket or refresh token we issued
 *    only under that secret, as a correspondent.
 * The site is the origin of `resource` at the ticket endpoint and of
 * `subject` in a ticket request (`action=ticket`) at the token endpoint.
 *
 * Answers: the ticket endpoint's in text/plain; the token endpoint's as
 * an OAuth error, {"error": "temporarily_unavailable"} (RFC 6749 §4.1.2.1
 * names it for a server that cannot answer now; RFC 8628's slow_down is
 * the device flow's polling signal, a 400), with no-store (TE-3).
 */
#ifndef IC_RATELIMIT_H
#define IC_RATELIMIT_H

#include <stdbool.h>

#include "cgi/cgi.h"
#include "core/err.h"

struct ic_store_txn;

/**
 * The program's rate limiter (program.h rate_limit) for routes with
 * IC_NEED_RATE_TICKET or IC_NEED_RATE_TOKEN (route.h).
 *
 * Before the handler (@p after false): judge @p req (its form parsed)
 * and count it; over a limit the 429 is left in req->resp and
 * *@p refused is true, and the handler must not run.  After it (@p after
 * true): a token request the handler refused (4xx) is counted against
 * the client address's IC_RATE_TOKEN_FAILS; errors are logged only.
 * A safe request (req->safe) is never counted.
 * @return IC_OK; a store error (the router answers it).
 */
enum ic_err ic_ratelimit_route(struct ic_req *req, unsigned needs, bool after,
                               bool *refused);

/**
 * The counting key of the client address: "v4:192.0.2.1",
 * "v6:2001:db8:1:2::/64" (an IPv4-mapped address counts as IPv4), or
 * "none" without REMOTE_ADDR (the terminal).  From the arena.
 */
const char *ic_ratelimit_client(struct ic_req *req);

/**
 * Whether IC_MAX_MESSAGE_REQUESTS message requests are pending, so a new
 * stranger's ticket is not redeemed.
 */
enum ic_err ic_ratelimit_requests_full_in_txn(struct ic_store_txn *t,
                                              struct ic_arena *a, bool *full);

/** The due job IC_RATE_GC_JOB: delete ended counters, plan the next. */
enum ic_err ic_ratelimit_gc_job(struct ic_req *req, const char *id);

#endif /* IC_RATELIMIT_H */
