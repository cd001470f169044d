/*
 * credential.h - keeping alive the token we hold for a correspondent's
 * feed (STANDARDS.md TR-6, TR-11, TE-6, TE-14).
 *
 * A token we hold (store_token.h "held_tokens") dies when it expires,
 * when its issuer revokes it, or when the issuer forgets it.  Then:
 *
 *   1. refresh: POST grant_type=refresh_token to the token endpoint that
 *      gave it (TE-6), with the refresh token it gave (Publ issues them,
 *      so do we), and hold what comes back;
 *   2. when there is no refresh token, or the refresh is refused with
 *      invalid_grant, ask for a ticket: POST action=ticket&subject=<us>
 *      to the same endpoint (TE-14, indieauth#87) and mark the
 *      conversation "waiting for a new ticket" until one is filed.
 *
 * Refreshes also happen ahead of time: every held token with a refresh
 * token and an expiry gets a "refresh" due job at
 * IC_HELD_REFRESH_AT_PERCENT of its lifetime (never sooner than
 * IC_HELD_REFRESH_FLOOR), run by lazy maintenance.
 *
 * Every request goes through net/peer (the guarded fetch: SSRF rules,
 * size and time limits).  Tokens are never logged.  Results live in the
 * request's arena.
 */
#ifndef IC_CREDENTIAL_H
#define IC_CREDENTIAL_H

#include <cjson/cJSON.h>

#include "cgi/cgi.h"
#include "core/err.h"
#include "store/store.h"
#include "store/store_token.h"

/* The due-job kind of the early refresh. */
#define IC_CREDENTIAL_REFRESH_JOB "refresh"

/* A token endpoint's answer, checked (TR-6, TR-7). */
struct ic_token_answer {
	const char *access_token;
	const char *refresh_token; /* NULL when none was given */
	const char *me;            /* NULL when none was given */
	const char *scope;         /* NULL when none was given */
	long long expires_in;      /* 0: no expiry given */
};

/**
 * Check a token endpoint's 200 answer @p ans (JSON, or form-encoded made
 * JSON by ic_peer_post_form): a non-empty access_token no longer than a
 * header holds, token_type Bearer when given (case-insensitive),
 * expires_in as a number or a numeric string (IndieAuth's example), a
 * refresh_token no longer than IC_TOKEN_MAX_SECRET_CHARS.  A `me` other
 * than ours is logged, not refused (TR-7: gRegorLove sends the issuer).
 * @return IC_OK; IC_ERR_PROTOCOL with a sentence naming @p endpoint.
 */
enum ic_err ic_credential_answer(struct ic_req *req, const char *endpoint,
                                 const cJSON *ans, struct ic_token_answer *out,
                                 char *errbuf);

/**
 * Schedule the early refresh of @p held (nothing when it has no refresh
 * token or no expiry), in the caller's write transaction.
 */
enum ic_err ic_credential_schedule_in_txn(struct ic_store_txn *t,
                                          struct ic_arena *a,
                                          const struct ic_held_token *held);

/**
 * The token we hold for conversation @p conv_id was refused: refresh it,
 * else ask for a ticket (see above).
 * @return IC_OK: a fresh token is held, fetch again;
 *         IC_ERR_UNAUTHENTICATED: no usable token; a ticket was asked for
 *         now or earlier (errbuf says "waiting for a new ticket from X");
 *         IC_ERR_NOT_FOUND: no token or conversation;
 *         IC_ERR_PROTOCOL and fetch errors: the endpoint could not be
 *         reached or answered nonsense (retry later).
 */
enum ic_err ic_credential_renew(struct ic_req *req, const char *conv_id,
                                char *errbuf);

/**
 * The IC_CREDENTIAL_REFRESH_JOB due job: refresh ahead of expiry.  A
 * refused refresh asks for a ticket as ic_credential_renew() does.
 * @return IC_OK (also when there is nothing to refresh); errors to retry.
 */
enum ic_err ic_credential_refresh_job(struct ic_req *req, const char *conv_id);

#endif /* IC_CREDENTIAL_H */
