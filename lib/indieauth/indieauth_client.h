/*
 * indieauth_client.h - the owner signs in with their domain: IndieChat as
 * an IndieAuth client (STANDARDS.md §4, IA-C-1…IA-C-20; docs/web.md).
 *
 *   GET  B/auth/login      the sign-in page
 *   POST B/auth/login      discovery, state, PKCE; 302 to the server
 *   GET  B/auth/callback   state, iss, code redemption, me checks; session
 *   POST B/auth/logout     end the session (IC_NEED_OWNER_ACTION)
 *   GET  B/auth/client     our client_id: metadata JSON or an h-app page
 *   GET  B/auth/session    who is signed in, and the CSRF token (JSON;
 *                          IC_NEED_OWNER_API)
 *
 * The two owner routes rely on the router's check (route.h): their
 * handlers read req->owner and check nothing themselves.
 *
 * The flow, in the order the checks run:
 *  1. the typed URL is canonicalised and validated as a profile URL
 *     (IA-C-1, IA-C-2) and fetched through the guarded fetch, its redirect
 *     chain kept (IA-C-8, SEC-3);
 *  2. its `indieauth-metadata` (Link header first, then <head>) is read
 *     and its issuer validated (IA-C-5, IA-C-6); without one, the legacy
 *     rel=authorization_endpoint is used and no `iss` can be expected
 *     (IA-C-7);
 *  3. a random `state`, a PKCE verifier (IA-C-9) and a browser binding
 *     are made; the state's hash is stored with everything the callback
 *     needs, for 10 minutes, and the binding goes into a cookie (IA-C-11);
 *     no scope is asked for: sign-in only (IA-C-12);
 *  4. on the way back the state is consumed whatever happens next
 *     (IA-C-13), the cookie must match, `iss` must equal the issuer
 *     exactly (IA-C-14), then the code is redeemed at the authorization
 *     endpoint with the verifier (IA-C-15), the returned `me` validated
 *     (IA-C-16) and, when it is neither the entered URL nor on its
 *     redirect chain, confirmed by discovering the same authorization
 *     endpoint on it (IA-C-17); the profile is never used to decide
 *     anything (IA-C-18);
 *  5. only the configured `me` gets a session (IA-C-19): 403 for anyone
 *     else.  The session cookie is described in session.h (IA-C-20).
 *
 * No write transaction is held across a request to another site.
 */
#ifndef IC_INDIEAUTH_CLIENT_H
#define IC_INDIEAUTH_CLIENT_H

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

enum ic_err ic_signin_login_get(struct ic_req *req);
enum ic_err ic_signin_login_post(struct ic_req *req);
enum ic_err ic_signin_callback(struct ic_req *req);
enum ic_err ic_signin_logout(struct ic_req *req);
enum ic_err ic_signin_client(struct ic_req *req);
enum ic_err ic_signin_session(struct ic_req *req);

/**
 * The due job IC_AUTH_GC_JOB (`listener --maintain`): delete expired
 * sessions, sign-in states, codes and refresh tokens (SEC-14), and come
 * back when the next one expires.
 */
enum ic_err ic_signin_gc_job(struct ic_req *req, const char *id);

#endif /* IC_INDIEAUTH_CLIENT_H */
