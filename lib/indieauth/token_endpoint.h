/*
 * token_endpoint.h - the site's IndieAuth server side of TicketAuth:
 * metadata, token endpoint (ticket, authorization_code and refresh_token
 * grants), revocation and introspection
 * (STANDARDS.md §5, TE-1..TE-12).  Route handlers for the `auth` program:
 *
 *   GET  B/auth/metadata    IndieAuth server metadata (TE-8)
 *   POST B/auth/token       grant_type=ticket (TE-1..TE-5, TE-7)
 *   POST B/auth/revoke      token=... -> 200 always (TE-12, RFC 7009)
 *   POST B/auth/introspect  token=..., Bearer required (TE-11, RFC 7662)
 *
 * Grants: `ticket` (both of its names, TE-8) for correspondents,
 * `authorization_code` for codes of the built-in authorization endpoint
 * that were issued with a scope (indieauth_server.h), and
 * `refresh_token` (TE-6): every access token comes with a refresh token,
 * which is rotated on use, keeps its scope (a refresh may narrow the
 * access token's), dies after IC_REFRESH_IDLE_SECONDS unused, and stops
 * working when its conversation is declined or blocked.  The metadata
 * names the authorization endpoint only with `sign_in = builtin`.
 *
 * Every answer of the token, revocation and introspection endpoints
 * carries `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749
 * §5.1, TE-3).  OAuth errors are 400 JSON `{error, error_description}`
 * (RFC 6749 §5.2, TE-5), built here, so the handlers return IC_OK for
 * them; a handler returns an error code only for failures of our own
 * (store, memory), which the router turns into a 500.
 *
 * A ticket is redeemed in ONE write transaction: looked up by its SHA-256
 * hash, checked unexpired and unused, marked used, and the new access
 * token's hash stored with its binding (TE-2, TE-7).  The token itself is
 * never stored and never logged.  No network I/O happens here.
 */
#ifndef IC_TOKEN_ENDPOINT_H
#define IC_TOKEN_ENDPOINT_H

#include "core/arena.h"
#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "text/config.h"
#include "core/err.h"

struct cJSON;

/* The grant_type of a refresh (TE-6). */
#define IC_GRANT_REFRESH "refresh_token"

/* The ticket grant's two names (TE-8: which one the wiki uses is
 * unverified, so both are accepted and advertised). */
#define IC_GRANT_TICKET     "ticket"
#define IC_GRANT_TICKET_URN "urn:indieweb.org:params:oauth:grant-type:ticket"

/* --- Route handlers ----------------------------------------------------- */

/**
 * GET B/auth/metadata: the IndieAuth server metadata document (TE-8,
 * RFC 8414 §2): issuer, token_endpoint, ticket_endpoint,
 * revocation_endpoint, introspection_endpoint, grant_types_supported,
 * scopes_supported, revocation_endpoint_auth_methods_supported.
 * `Cache-Control: public, max-age=300`: public data that changes only with
 * the configuration.
 * @param[in,out] req  needs req->cfg; the JSON goes into req->resp.
 * @return IC_OK; IC_ERR_NOMEM.
 */
enum ic_err ic_metadata_get(struct ic_req *req);

/**
 * GET B/auth/issuer: the page at our issuer URL B/ (the snippet maps B/
 * here), which names the metadata and token endpoint in Link headers and
 * <link> elements, for redeemers that start from a ticket's `iss` (TE-8).
 * The snippet also maps the RFC 8414 well-known address to
 * B/auth/metadata (TE-9).
 */
enum ic_err ic_issuer_get(struct ic_req *req);

/**
 * POST B/auth/token (IC_NEED_FORM): redeem a ticket (TE-1..TE-5, TE-7).
 *
 * Form: grant_type = "ticket" or IC_GRANT_TICKET_URN; ticket; optional
 * scope (may only narrow to "read"); client_id is ignored.
 * 200 JSON {access_token, token_type: "Bearer", scope: "read", me: the
 * ticket's subject (TE-4), expires_in: IC_TOKEN_LIFETIME_SECONDS}.
 * 400 JSON errors: invalid_request (missing or repeated parameter),
 * unsupported_grant_type, invalid_scope, invalid_grant (unknown, used or
 * expired ticket).
 * @note side effects: one LMDB write transaction (ticket marked used,
 *       token hash stored), only on success.
 * @return IC_OK (200 or a 400 OAuth error in req->resp);
 *         IC_ERR_INTERNAL (no randomness), IC_ERR_CONFIG, IC_ERR_DATABASE,
 *         IC_ERR_IO, IC_ERR_NOMEM: our failure, answered 500.
 */
enum ic_err ic_token_endpoint_token(struct ic_req *req);

/**
 * POST B/auth/revoke (IC_NEED_FORM): revoke the issued token `token`
 * (TE-12, RFC 7009 §2).  200 with an empty body whether or not the token
 * was known; 400 invalid_request when `token` is missing or repeated.
 * @note side effect: one LMDB write transaction when the token is known.
 * @return IC_OK; store errors and IC_ERR_NOMEM (500).
 */
enum ic_err ic_token_endpoint_revoke(struct ic_req *req);

/**
 * POST B/auth/introspect (IC_NEED_FORM): token introspection (TE-11,
 * IndieAuth §6, RFC 7662).  The caller must present a valid issued token
 * as `Authorization: Bearer`; otherwise 401 with `WWW-Authenticate:
 * Bearer realm="IndieChat"` (plus error="invalid_token" when a credential
 * was presented).  Answers {"active": true, "me", "scope", "exp", "iat"}
 * with JSON booleans and integers, or only {"active": false} for an
 * unknown, revoked or expired token; 400 invalid_request when `token` is
 * missing.
 * @return IC_OK; IC_ERR_UNAUTHENTICATED (401, resp.www_authenticate set);
 *         store errors and IC_ERR_NOMEM (500).
 */
enum ic_err ic_token_endpoint_introspect(struct ic_req *req);

/* --- Terminal face ------------------------------------------------------ */

/**
 * `auth --tokens`: print one line per issued token to req->out: the first
 * 12 hex digits of its hash (never the token, which is not stored),
 * state (active, revoked, expired), conversation, subject, resource,
 * scope, issued and expiry times (UTC, ISO 8601).
 * @return IC_OK; store errors.
 */
enum ic_err ic_token_endpoint_cli_list(struct ic_req *req, int argc,
                                       char **argv);

#endif /* IC_TOKEN_ENDPOINT_H */
