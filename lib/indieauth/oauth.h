/*
 * oauth.h - the answers every OAuth 2.0 endpoint of the site gives: the
 * token endpoint, the built-in authorization endpoint's code redemption
 * and the ticket endpoint (RFC 6749 §5.1, §5.2; TE-3, TE-5).
 *
 * Below token_endpoint.c and indieauth_server.c, which both answer with
 * it and one of which redeems the other's codes: keeping it here keeps
 * the two free of a cycle.
 */
#ifndef IC_OAUTH_H
#define IC_OAUTH_H

#include "cgi/cgi.h"
#include "core/err.h"

struct cJSON;

/**
 * `Cache-Control: no-store` and `Pragma: no-cache` on @p req's response:
 * nothing a token endpoint says may be cached (TE-3).
 */
enum ic_err ic_oauth_no_store(struct ic_req *req);

/**
 * Answer JSON @p j (deleted here; NULL means out of memory) with @p status
 * and the headers RFC 6749 §5.1 wants on every token answer
 * (ic_oauth_no_store()).
 */
enum ic_err ic_oauth_json(struct ic_req *req, int status, struct cJSON *j);

/**
 * TE-5, RFC 6749 §5.2: a 400 with {error, error_description}, logged.
 * The description never contains a ticket, code or token.
 */
enum ic_err ic_oauth_error(struct ic_req *req, const char *error,
                           const char *description);

#endif /* IC_OAUTH_H */
