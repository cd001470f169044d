/*
 * store_auth.h - the records of sign-in (STANDARDS.md §4, §5, §10).
 *
 * sessions:        SHA-256 hex of an owner session id -> who and until
 *                  when (IA-C-20);
 * states:          SHA-256 hex of a sign-in `state` -> what the callback
 *                  needs: the browser binding's hash, the PKCE verifier,
 *                  the expected issuer, the endpoints, the entered `me`
 *                  and its redirect chain (IA-C-11);
 * codes:           SHA-256 hex of an authorization code our built-in
 *                  server issued -> its binding (client, redirect URI,
 *                  PKCE challenge, scope), single use, short-lived;
 * refresh_tokens:  SHA-256 hex of a refresh token -> what it renews
 *                  (TE-6), expiring when idle;
 * rate:            "pw <address>" -> wrong passphrases from one address;
 * meta:            "passphrase_hash" -> the crypt(3) hash set with
 *                  `auth --set-passphrase`.
 *
 * Every secret is stored only as its SHA-256 hash; single-use records are
 * checked and consumed in one write transaction (SEC-6, SEC-15).  All
 * functions run inside the caller's transaction; strings come from the
 * arena given.
 */
#ifndef IC_STORE_AUTH_H
#define IC_STORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ic_limits.h"
#include "store/store.h"

struct ic_session {
	const char *me;
	long long created, expires;
};

struct ic_signin_state {
	const char *binding_hash; /* SHA-256 hex of the browser cookie */
	const char *verifier;     /* PKCE code_verifier (IA-C-9) */
	const char *issuer;       /* metadata issuer, or "" (legacy) */
	const char *authorization_endpoint;
	const char *entered_me; /* canonical form of what was typed */
	const char *chain[IC_STATE_MAX_CHAIN]; /* profile redirect chain */
	size_t nchain;
	const char *next; /* where to go after signing in */
	long long expires;
};

struct ic_auth_code {
	const char *client_id;
	const char *redirect_uri;
	const char *challenge; /* S256 code_challenge */
	const char *scope;     /* "" when none was granted */
	const char *me;
	long long expires;
	bool used;
	/* What its redemption at the token endpoint minted (hashes), so a
	 * replay of the code can revoke them (RFC 6749 §4.1.2); NULL else. */
	const char *token_hash, *refresh_hash;
};

struct ic_refresh_token {
	const char *conv;     /* ticket-grant tokens: the conversation */
	const char *subject;  /* who the access tokens name (me) */
	const char *resource; /* what they read ("" for owner tokens) */
	const char *scope;
	const char *client_id; /* authorization_code tokens, else "" */
	/* The ticket (SHA-256 hex) whose redemption began this line of
	 * tokens, carried through every refresh, so a replay of that ticket
	 * revokes all of it (TE-2); NULL for code grants. */
	const char *grant;
	long long issued, idle_expires;
};

/* --- Sessions ---------------------------------------------------------- */

enum ic_err ic_store_session_put_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *hash,
                                        const struct ic_session *s);

/** @return IC_OK; IC_ERR_NOT_FOUND (unknown or expired at @p now). */
enum ic_err ic_store_session_get_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *hash,
                                        long long now, struct ic_session *out);

/** Delete the session; an unknown one is fine (IC_OK). */
enum ic_err ic_store_session_del_in_txn(struct ic_store_txn *t,
                                        const char *hash);

/* --- Sign-in states (IA-C-11, IA-C-13) --------------------------------- */

enum ic_err ic_store_state_put_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *hash,
                                      const struct ic_signin_state *s);

/**
 * How many sign-in states are pending (unexpired at @p now), counting up
 * to @p stop at most (a cheap bound check).
 */
enum ic_err ic_store_state_count_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, long long now,
                                        size_t stop, size_t *count);

/**
 * Find the state with hash @p hash and delete it (single use), in the
 * caller's write transaction.  An expired state is deleted as well.
 * @return IC_OK; IC_ERR_NOT_FOUND (unknown or already used);
 *         IC_ERR_GONE (expired at @p now).
 */
enum ic_err ic_store_state_take_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *hash,
                                       long long now,
                                       struct ic_signin_state *out);

/* --- Authorization codes ---------------------------------------------- */

enum ic_err ic_store_code_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *hash,
                                     const struct ic_auth_code *c);

/**
 * Check-and-consume: the code must exist, be unused and unexpired; it is
 * marked used (kept until it expires, so a replay is recognised).
 * @return IC_OK; IC_ERR_NOT_FOUND; IC_ERR_GONE (used or expired).
 */
enum ic_err ic_store_code_take_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, const char *hash,
                                      long long now, struct ic_auth_code *out);

/* --- Refresh tokens (TE-6) -------------------------------------------- */

enum ic_err ic_store_refresh_put_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *hash,
                                        const struct ic_refresh_token *r);

/**
 * Take a refresh token for rotation: it must exist and not be idle past
 * its expiry; it is deleted (the caller stores its successor).
 * @return IC_OK; IC_ERR_NOT_FOUND; IC_ERR_GONE (idle-expired: deleted).
 */
enum ic_err ic_store_refresh_take_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *hash,
                                         long long now,
                                         struct ic_refresh_token *out);

/**
 * Delete every refresh token that renews conversation @p conv's tokens
 * (revoke, block: TE-12).
 * @param[out] count  how many (optional).
 */
enum ic_err ic_store_refresh_del_conv_in_txn(struct ic_store_txn *t,
                                             struct ic_arena *a,
                                             const char *conv, int *count);

/* --- Wrong-passphrase counters ---------------------------------------- */

struct ic_rate {
	long long failures; /* wrong passphrases in a row */
	long long until;    /* no attempt is checked before this time */
	long long last;     /* time of the last failure */
};

/** @return IC_OK (a zeroed @p out when nothing is recorded). */
enum ic_err ic_store_rate_get_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *key, struct ic_rate *out);

/** Store @p r, or delete the record when r->failures is 0. */
enum ic_err ic_store_rate_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *key, const struct ic_rate *r);

/* --- The passphrase hash ---------------------------------------------- */

/** @return IC_OK (*@p out from @p a); IC_ERR_NOT_FOUND when none is set. */
enum ic_err ic_store_passphrase_get_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a,
                                           const char **out);

enum ic_err ic_store_passphrase_put_in_txn(struct ic_store_txn *t,
                                           struct ic_arena *a,
                                           const char *hash);

/* --- Clean-up (SEC-14) -------------------------------------------------- */

/* The due job that deletes expired sign-in records. */
#define IC_AUTH_GC_JOB "auth_gc"

/**
 * Delete expired sessions, states, codes, idle refresh tokens, tickets
 * IC_TICKET_REPLAY_MEMORY past their expiry and old wrong-passphrase
 * counts, at most IC_AUTH_GC_MAX.  Anything not yet
 * expired is kept (the sign-in caps its pending states, so those stay
 * few).
 * @param[out] removed  records deleted.
 * @param[out] next     the earliest expiry still stored (0: none), for
 *                      the next clean-up.
 */
enum ic_err ic_store_auth_gc_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    long long now, size_t *removed,
                                    long long *next);

/** Schedule the clean-up for @p when unless one is due sooner. */
enum ic_err ic_store_auth_gc_schedule_in_txn(struct ic_store_txn *t,
                                             struct ic_arena *a,
                                             long long when);

#endif /* IC_STORE_AUTH_H */
