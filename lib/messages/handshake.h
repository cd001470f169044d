/*
 * handshake.h - the owner's actions on conversations (DESIGN.md
 * "Handshake (invite -> accept)"): invite, accept, decline, block,
 * revoke.  Whether a conversation allows each, and the state it moves
 * to, is the table of store/conv_state.h; the refusals come from there.
 *
 * Each validates its input, commits its state change first, and only then
 * talks to the other site, so a crash or a slow peer never leaves a half
 * state: a ticket that could not be delivered is retried by lazy
 * maintenance ("ticket" due job, TS-4).
 */
#ifndef IC_HANDSHAKE_H
#define IC_HANDSHAKE_H

#include "cgi/cgi.h"
#include "core/err.h"

/**
 * Invite the site at @p url (any form a person types: IA-C-1): create the
 * conversation (state invited) and its topic, publish its empty feed, and
 * send a ticket (TS-1…TS-3).
 * @param[out] conv_id  the conversation (optional).
 * Inviting a correspondent whose access the owner revoked gives it back
 * (a new ticket goes out).
 * @return IC_OK; IC_ERR_BAD_INPUT (not a profile URL); IC_ERR_CONFLICT
 *         (already a conversation, or declined or blocked); IC_ERR_NOT_FOUND
 * (the site cannot receive tickets: the conversation is kept, a retry is
 * scheduled); other send errors (retry scheduled).
 */
enum ic_err ic_handshake_invite(struct ic_req *req, const char *url,
                                const char **conv_id);

/**
 * Accept the message request from @p url: the conversation becomes
 * active and they get a ticket for our feed (reciprocal).
 * @return IC_OK; IC_ERR_NOT_FOUND (no such request); IC_ERR_CONFLICT
 *         (not a request); ticket errors (retry scheduled).
 */
enum ic_err ic_handshake_accept(struct ic_req *req, const char *url);

/**
 * Decline (or, with @p block, block) @p url: unsubscribe from their feed,
 * forget their token, answer their deliveries with 410 from now on,
 * ignore their later tickets; block also revokes the tokens we issued
 * them (TS-5, TE-12).  Declining a blocked site leaves it blocked.
 * @return IC_OK; IC_ERR_NOT_FOUND (no conversation with @p url);
 *         IC_ERR_DATABASE.  Failed unsubscriptions are only logged.
 */
enum ic_err ic_handshake_decline(struct ic_req *req, const char *url,
                                 bool block);

/**
 * Revoke @p url's access to our feed (TE-12): the tokens we issued them
 * stop working at once (their next fetch is 401), their refresh tokens
 * are deleted, no renewal ticket goes out, and none will until the owner
 * invites them again.  The conversation keeps its state: we still read
 * theirs and may write in ours.  Repeating it is harmless.
 * @param[out] count  tokens revoked now (optional).
 * @return IC_OK; IC_ERR_BAD_INPUT (not a profile URL); IC_ERR_NOT_FOUND
 *         (no conversation with @p url); IC_ERR_DATABASE.
 */
enum ic_err ic_handshake_revoke(struct ic_req *req, const char *url,
                                int *count);

/** Canonical profile URL of what the owner typed, for lookups. */
enum ic_err ic_handshake_canonical(struct ic_req *req, const char *url,
                                   const char **out);

#endif /* IC_HANDSHAKE_H */
