/*
 * session.h - the owner's browser session and its CSRF token (IA-C-20,
 * SEC-10; docs/web.md "Cookies" and "CSRF").
 *
 * A session is a random 256-bit id in an HttpOnly, SameSite=Lax cookie,
 * stored in LMDB only as its SHA-256 hash, with the owner's `me` and an
 * expiry.  Creating one needs random bytes and lives in the sign-in code
 * (indieauth_client.c); this module only reads and checks, and links no
 * more than libmd, LMDB and cJSON, so `feed` can check a session on its
 * owner pages without loading libcrypto or libcurl (DESIGN.md).
 *
 * Cookie names are per site: "ic_<k>_session", k the first 8 hex digits
 * of SHA-256(base_url), with the "__Host-" prefix (and Secure) when
 * base_url is https; only dev_mode over http goes without.  Two sites on
 * one host name therefore never overwrite each other's session.
 *
 * The CSRF token is SHA-256 hex of a fixed label and the session id:
 * unguessable without the cookie, needs no storage, changes with every
 * session.  Owner POSTs must carry it as the form field "csrf"; it is
 * compared in constant time.
 */
#ifndef IC_SESSION_H
#define IC_SESSION_H

#include <stdbool.h>

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

/* Form field and cookie suffixes. */
#define IC_CSRF_FIELD     "csrf"
#define IC_COOKIE_SESSION "session"
#define IC_COOKIE_SIGNIN  "signin"

/** A signed-in owner, strings from req->arena. */
struct ic_owner {
	const char *me;
	const char *csrf;         /* the token owner forms must carry */
	const char *session_hash; /* SHA-256 hex of the session id */
	long long expires;
};

/** "ic_<k>_<what>" or "__Host-ic_<k>_<what>", from req->arena. */
const char *ic_session_cookie_name(struct ic_req *req, const char *what);

/** True when the site's cookies must be Secure (base_url is https). */
bool ic_session_secure(const struct ic_config *cfg);

/**
 * A Set-Cookie value for cookie @p what = @p value (Path=/, HttpOnly,
 * SameSite=Lax, Max-Age=@p max_age, Secure when ic_session_secure());
 * @p max_age 0 with an empty value deletes the cookie.  From the arena.
 */
const char *ic_session_set_cookie(struct ic_req *req, const char *what,
                                  const char *value, long long max_age);

/** The CSRF token of session id @p session_id (64 hex digits + NUL). */
void ic_session_csrf(const char *session_id, char out[65]);

/** Constant-time equality of two NUL-terminated strings (SEC-2). */
bool ic_session_equal(const char *a, const char *b);

/**
 * The owner signed in on this request, from the session cookie.
 * @return IC_OK (*@p out filled); IC_ERR_UNAUTHENTICATED (no cookie, an
 *         unknown or expired session, or a session of another `me` than
 *         the configured one); store errors.
 */
enum ic_err ic_session_get(struct ic_req *req, struct ic_owner *out);

/**
 * True unless the request's Origin header names another origin than
 * base_url's (an absent Origin is fine: browsers omit it on some
 * same-origin requests).
 */
bool ic_session_origin_ok(const struct ic_req *req);

/**
 * Guard of every owner POST (the router's IC_NEED_OWNER_ACTION): a session, the
 * right CSRF token in the form and, when the browser sent one, an Origin equal
 * to base_url's.
 * @return IC_OK; IC_ERR_FORBIDDEN with the reason in req->errbuf (the
 *         router answers 403 and nothing has changed); store errors.
 */
enum ic_err ic_session_require_post(struct ic_req *req, struct ic_owner *out);

/**
 * Whether @p next is a safe place to send the browser after signing in:
 * a path on our own site under base_url's path ("/indiechat/feed/"), not
 * "//host" or a backslash trick, no dot segments, no percent escapes
 * (which could hide either), no control characters.
 */
bool ic_session_next_ok(const struct ic_config *cfg, const char *next);

/** The absolute URL of @p path (a path on our site), from the arena. */
char *ic_session_absolute(struct ic_req *req, const char *path);

/** base_url's path ("/indiechat"; "" when mounted at the root). */
const char *ic_session_base_path(const struct ic_config *cfg);

#endif /* IC_SESSION_H */
