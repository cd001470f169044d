/*
 * store_token.h - the credentials of TicketAuth (STANDARDS.md §5-§7).
 *
 * tickets:       SHA-256 hex of a ticket we issued -> what it grants
 *                (TS-2); single use, short-lived, checked and consumed in
 *                one write transaction (TE-2);
 * issued_tokens: SHA-256 hex of an access token we issued -> its binding
 *                to a conversation, subject, resource, scope and expiry
 *                (TE-7, TE-10);
 * held_tokens:   conversation id -> the token another site gave us for
 *                its feed (TR-6), kept as is because we must present it.
 *
 * Secrets we issue are never stored, only their hashes: a copy of the
 * database grants nothing.  All functions run inside a transaction.
 */
#ifndef IC_STORE_TOKEN_H
#define IC_STORE_TOKEN_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

struct ic_ticket {
	const char *conv;     /* the conversation it opens */
	const char *subject;  /* recipient's profile URL */
	const char *resource; /* our feed URL the token will read */
	long long expires;    /* unix seconds */
	bool used;
	/* What its redemption minted (hashes), so a replay of the ticket
	 * can revoke them (TE-2, RFC 6749 §4.1.2); NULL before. */
	const char *token_hash, *refresh_hash;
};

struct ic_issued_token {
	const char *conv;
	const char *subject;
	const char *resource;
	const char *scope;     /* "read" */
	const char *client_id; /* authorization_code tokens; NULL else */
	/* The ticket (SHA-256 hex) whose redemption began its line, through
	 * refreshes (TE-2); NULL for code grants. */
	const char *grant;
	long long issued, expires;
	bool revoked;
};

struct ic_held_token {
	const char *conv;
	const char *resource;      /* their feed */
	const char *access_token;  /* presented as Bearer */
	const char *refresh_token; /* TR-11: renews it; NULL when none */
	const char *token_endpoint;
	const char *me;
	const char *scope;
	long long expires; /* 0: no expiry given */
	long long obtained;
};

/**
 * The keys of every JSON record in @p db whose "conv" is @p conv (tokens
 * and refresh tokens of one conversation), collected first so the caller
 * may then write @p db (a scan must not).
 * @param[out] keys  arena array of *@p n NUL-terminated keys.
 */
enum ic_err ic_store_conv_keys_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, enum ic_store_db db,
                                      const char *conv, char ***keys,
                                      size_t *n);

/**
 * Delete every JSON record in @p db whose string @p field equals @p value
 * (TS-5: one token per correspondent, so a new ticket or refresh drops
 * the conversation's older tokens; TE-2: a replayed ticket drops its
 * line).  Nothing when @p value is NULL or empty.
 * @param[out] count  records deleted (optional).
 */
enum ic_err ic_store_del_where_in_txn(struct ic_store_txn *t,
                                      struct ic_arena *a, enum ic_store_db db,
                                      const char *field, const char *value,
                                      int *count);

/** SHA-256 hex of @p secret, from the arena: the key of hashed secrets. */
char *ic_secret_hash(struct ic_arena *a, const char *secret);

enum ic_err ic_store_ticket_put_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *hash,
                                       const struct ic_ticket *tk);

/**
 * TE-2: find the ticket with SHA-256 hex @p hash, check it is unexpired
 * at @p now and unused, and mark it used, in the caller's write txn.
 * The caller then records what it minted with ic_store_ticket_put_in_txn.
 * @return IC_OK (*@p out filled); IC_ERR_NOT_FOUND (unknown);
 *         IC_ERR_GONE (used or expired; *@p out filled, so a replay's
 *         token_hash can be revoked).
 */
enum ic_err ic_store_ticket_take_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *hash,
                                        long long now, struct ic_ticket *out);

enum ic_err ic_store_issued_put_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *hash,
                                       const struct ic_issued_token *tok);

/** @return IC_OK; IC_ERR_NOT_FOUND. */
enum ic_err ic_store_issued_get_in_txn(struct ic_store_txn *t,
                                       struct ic_arena *a, const char *hash,
                                       struct ic_issued_token *out);

/**
 * TE-12: revoke the issued token whose SHA-256 hex is @p hash, in the
 * caller's write transaction.  Revoking is idempotent: an unknown or
 * already revoked token changes nothing.
 * @param[out] revoked  optional: true when this call revoked a token that
 *                      was not revoked before.
 * @return IC_OK (also for an unknown hash); IC_ERR_DATABASE (a corrupt
 *         record, or LMDB); IC_ERR_NOMEM.
 */
enum ic_err ic_store_issued_revoke_in_txn(struct ic_store_txn *t,
                                          struct ic_arena *a, const char *hash,
                                          bool *revoked);

/** Revoke every token issued for conversation @p conv (block, TE-12). */
enum ic_err ic_store_issued_revoke_conv_in_txn(struct ic_store_txn *t,
                                               struct ic_arena *a,
                                               const char *conv, int *count);

enum ic_err ic_store_held_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const struct ic_held_token *h);

/** @return IC_OK; IC_ERR_NOT_FOUND. */
enum ic_err ic_store_held_get_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                     const char *conv,
                                     struct ic_held_token *out);

/** Forget the token held for @p conv (decline, block). */
enum ic_err ic_store_held_del_in_txn(struct ic_store_txn *t, const char *conv);

#endif /* IC_STORE_TOKEN_H */
