/*
 * indieauth_server.h - the site's own IndieAuth authorization endpoint,
 * for owners whose static site has no IndieAuth server (`sign_in =
 * builtin`; docs/web.md; IndieAuth LS §5.2-§5.3).
 *
 *   GET  B/auth/authorize   the request: a page naming the client and
 *                           asking for the owner's passphrase
 *   POST B/auth/authorize   the passphrase form -> 302 to redirect_uri with
 *                           code, state and iss; or, with
 *                           grant_type=authorization_code, the profile
 *                           redemption -> {"me": …}
 *
 * Rules:
 *  - client_id and redirect_uri must be absolute http(s) URLs without
 *    fragment or userinfo, on the same scheme, host and port (IndieAuth
 *    §10.1: other redirect URIs would need the client's metadata, which
 *    we do not fetch); a bad one is answered with a 400 page, never with
 *    a redirect to it;
 *  - PKCE is required, S256 only; `state` is required;
 *  - codes are 256-bit random, stored hashed with their binding (client,
 *    redirect URI, challenge, scope), single use, IC_CODE_LIFETIME
 *    seconds; redemption checks all of it and the verifier; a code used
 *    twice revokes the tokens its first use gave (RFC 6749 §4.1.2);
 *  - only the owner (`me` in the configuration) can be signed in here,
 *    and only with the passphrase (passphrase.h: slow-down per address,
 *    no timing oracle);
 *  - the page cannot be framed (page.h), so it cannot be clickjacked.
 * With `sign_in = external` both routes answer 404.
 */
#ifndef IC_INDIEAUTH_SERVER_H
#define IC_INDIEAUTH_SERVER_H

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store_auth.h"

/** True when this site runs the built-in authorization endpoint. */
bool ic_authz_builtin(const struct ic_config *cfg);

enum ic_err ic_authz_get(struct ic_req *req);
enum ic_err ic_authz_post(struct ic_req *req);

/**
 * Redeem the authorization code of the request's form (code, client_id,
 * redirect_uri, code_verifier), in one write transaction: it is consumed
 * whatever the outcome.
 * @param[out] out    the code's record, on success.
 * @param[out] error  NULL on success, else the OAuth error code
 *                    ("invalid_request", "invalid_grant") and @p desc why.
 * @return IC_OK (look at *@p error); store errors.
 */
enum ic_err ic_authz_take_code(struct ic_req *req, struct ic_auth_code *out,
                               const char **error, const char **desc);

#endif /* IC_INDIEAUTH_SERVER_H */
