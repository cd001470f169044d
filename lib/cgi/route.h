/*
 * route.h - the request dispatcher every program shares.
 *
 * A program's routes are one static table of (method, path, handler,
 * needs).  ic_route_dispatch() does what cgit's process_request() and
 * kcgi's main() do, in this order, so a handler never checks again what
 * its flags promise:
 *   1. no path matches                       -> 404
 *   2. a path matches but not the method     -> 405 with Allow
 *   3. body read against its cap              -> 413 (body drained first)
 *   4. IC_NEED_FORM: media type, then parse  -> 415 / 400
 *   5. IC_NEED_RATE_*: the rate limits         -> 429 with Retry-After
 *   6. IC_NEED_OWNER_*: the owner's session    -> 303 / 401 / 403
 *   7. the handler runs; an error it returns becomes the error response.
 * HEAD is answered by the GET route, without a body (H-9), and changes
 * nothing (RFC 9110 §9.2.1): its store rolls back every write
 * (req->safe), no work runs after it, and a GET that acts beyond this
 * site's store (IC_NEED_GET_ACTS) answers HEAD with 405.
 *
 * Owner access is a property of the route, as cgit checks its command
 * flags once before any handler: a handler of an owner route checks
 * nothing, finds the owner in req->owner, and cannot forget the check.
 *
 * Paths are PATH_INFO patterns: literal segments and "{name}" segments
 * that match one non-empty segment of [A-Za-z0-9_-] (our ids are base32 or
 * base64url), captured for ic_req_param().
 */
#ifndef IC_ROUTE_H
#define IC_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "cgi/cgi.h"
#include "core/err.h"

/* What a route needs before its handler runs (bit flags). */
enum ic_route_need {
	IC_NEED_NOTHING = 0,
	/* An application/x-www-form-urlencoded body (IC_MAX_BODY_BYTES),
	 * parsed into req->form. */
	IC_NEED_FORM = 1u << 0,
	/* A raw body of any type up to IC_MAX_BODY_BYTES in req->body. */
	IC_NEED_BODY = 1u << 1,
	/* A raw body up to IC_MAX_DELIVERY_BYTES (WebSub fat pings). */
	IC_NEED_BIG_BODY = 1u << 2,
	/* An owner page (GET): without a session, 303 to the sign-in page
	 * with next = this page (docs/web.md "Pages"). */
	IC_NEED_OWNER_PAGE = 1u << 3,
	/* An owner JSON API (GET): without a session, 401 JSON
	 * {"error": "not signed in"}, Cache-Control: no-store. */
	IC_NEED_OWNER_API = 1u << 4,
	/* An owner action (POST; implies IC_NEED_FORM): a session, the
	 * right CSRF token and a same-origin Origin (IA-C-20, SEC-10), else
	 * 403 and nothing changes: for a browser an HTML page that says why
	 * and links back to the form's `next`, for JSON callers the plain
	 * error (docs/web.md "Owner actions"). */
	IC_NEED_OWNER_ACTION = 1u << 5,
	/* A GET whose answer acts beyond this site's store (the sign-in
	 * callback redeems a code at an authorization endpoint): HEAD,
	 * which must change nothing anywhere, gets 405 with Allow: GET. */
	IC_NEED_GET_ACTS = 1u << 6,
	/* Rate limits (cgi/ratelimit.h; both imply IC_NEED_FORM), judged on
	 * the parsed form before the handler by the program's rate_limit
	 * (program.h, so `feed` links none of it; a program without one
	 * answers 500): over a limit, 429 with Retry-After and nothing else
	 * happens.  The ticket endpoint's ... */
	IC_NEED_RATE_TICKET = 1u << 7,
	/* ... and the token endpoint's, which also counts the requests its
	 * handler refused (4xx) against the client address. */
	IC_NEED_RATE_TOKEN = 1u << 8,
	/* With IC_NEED_OWNER_ACTION: the body may also be multipart/form-data
	 * with files (issue 15, the compose box's attach button), up to
	 * attach_max_message_bytes + IC_MAX_BODY_BYTES; its fields go to
	 * req->form as an urlencoded body's do (the CSRF check is the same),
	 * the whole parse to req->files (text/multipart.h). */
	IC_NEED_UPLOAD = 1u << 9,
};

/* Either rate limit: the program's rate_limit (program.h) judges them. */
#define IC_NEED_RATE (IC_NEED_RATE_TICKET | IC_NEED_RATE_TOKEN)

/* Any of the owner needs. */
#define IC_NEED_OWNER                                                          \
	(IC_NEED_OWNER_PAGE | IC_NEED_OWNER_API | IC_NEED_OWNER_ACTION)

struct ic_route {
	const char *method; /* "GET" also answers HEAD */
	const char *path;   /* "/ping", "/{topic}" */
	enum ic_err (*handler)(struct ic_req *req);
	unsigned needs;      /* enum ic_route_need bits */
	const char *summary; /* one line for --help */
};

/**
 * Route req->env.path_info and req->env.method through @p routes, run the
 * handler and leave the response in req->resp (not yet printed), or an
 * error response already printed.  An owner route refused for want of a
 * session leaves its refusal in req->resp (303, 401 JSON, the 403 page)
 * and returns IC_OK without running the handler; on an owner route that
 * passes, req->owner is the signed-in owner.
 * @return the handler's code, or the code of the check that failed
 *         (IC_ERR_NOT_FOUND, IC_ERR_METHOD, IC_ERR_TOO_LARGE, ...).
 */
enum ic_err ic_route_dispatch(struct ic_req *req, const struct ic_route *routes,
                              size_t nroutes);

/**
 * Match @p path against @p pattern; on success, when @p req is not NULL,
 * store the "{name}" captures in it (replacing earlier ones).
 */
bool ic_route_match(const char *pattern, const char *path, struct ic_req *req);

#endif /* IC_ROUTE_H */
