/*
 * conv_state.h - the states of a conversation and the one table of what
 * may happen to it (DESIGN.md "Handshake (invite -> accept)" and
 * "Decline/block"; issue 10).
 *
 * A conversation's position has two parts, both stored with it
 * (store_conv.h): its state (invited, request, active, declined,
 * blocked) and whether the owner revoked the correspondent's access to
 * our feed (TE-12: no token, refresh or renewal ticket until the owner
 * invites them again).  Every event that may change either, or that is
 * refused in some positions, is an enum ic_conv_event; the table in
 * conv_state.c says, for each position and event, the new position or
 * the refusal with its reason.  Code that changes a conversation asks
 * ic_conv_step(); code that only needs to know asks a predicate below.
 * Nothing else compares states.
 *
 * Pure functions: no I/O, no allocation, no store access.
 */
#ifndef IC_CONV_STATE_H
#define IC_CONV_STATE_H

#include <stdbool.h>

#include "core/err.h"

enum ic_conv_state {
	IC_CONV_INVITED,  /* we sent a ticket, they have not answered */
	IC_CONV_REQUEST,  /* they sent us a ticket: a message request */
	IC_CONV_ACTIVE,   /* both sides hold a token */
	IC_CONV_DECLINED, /* we declined their request */
	IC_CONV_BLOCKED,  /* we blocked them: tickets ignored, 410s */
	/* Not a stored state: "no conversation with them yet", the
	 * position an invitation or a first ticket starts from. */
	IC_CONV_NONE,
	IC_CONV_NSTATES
};

enum ic_conv_event {
	IC_CONV_EV_INVITE,        /* the owner invites them (again) */
	IC_CONV_EV_TICKET_FILED,  /* their ticket was redeemed: a token of
	                             theirs is to be filed (TR-6..TR-10) */
	IC_CONV_EV_ACCEPT,        /* the owner accepts their request */
	IC_CONV_EV_DECLINE,       /* the owner declines them */
	IC_CONV_EV_BLOCK,         /* the owner blocks them (TS-5) */
	IC_CONV_EV_REVOKE,        /* the owner revokes their access (TE-12) */
	IC_CONV_EV_TICKET_ISSUE,  /* we issue them a ticket (TS-1) */
	IC_CONV_EV_TOKEN_REDEEM,  /* they redeem our ticket (TE-4) */
	IC_CONV_EV_TOKEN_REFRESH, /* they refresh their token (TE-6) */
	IC_CONV_EV_SEND,          /* the owner sends them a message */
	IC_CONV_EV_RECEIVE,       /* their messages are to be stored */
	IC_CONV_EV_TICKET_WANTED, /* they ask us for a ticket (TE-14) */
	IC_CONV_NEVENTS
};

/** "invited", "request", …, "none"; "unknown" out of range. */
const char *ic_conv_state_name(enum ic_conv_state s);

/**
 * The stored state called @p name (never IC_CONV_NONE).
 * @return IC_OK; IC_ERR_BAD_INPUT when @p name is not a stored state.
 */
enum ic_err ic_conv_state_parse(const char *name, enum ic_conv_state *out);

/** "invite", "ticket_filed", …; "unknown" out of range. */
const char *ic_conv_event_name(enum ic_conv_event ev);

/**
 * Apply @p ev to the position (*@p state, *@p revoked) of the
 * conversation with @p peer.
 * @param[in,out] state    moved on success, untouched on refusal.
 * @param[in,out] revoked  the access_revoked flag, likewise.
 * @param[in]     peer     named in the refusal (may be NULL).
 * @param[out]    errbuf   the refusal's sentence (may be NULL).
 * @return IC_OK (allowed, possibly without a change: repeating a
 *         decline is no error); the refusal's code, as the table gives
 *         it: IC_ERR_NOT_FOUND (no conversation yet), IC_ERR_CONFLICT
 *         (the owner asked for something this state does not allow),
 *         IC_ERR_GONE (the correspondent's side is cut off: ignore or
 *         refuse them without saying more); IC_ERR_INTERNAL for a state
 *         or event out of range.
 */
enum ic_err ic_conv_step(enum ic_conv_state *state, bool *revoked,
                         enum ic_conv_event ev, const char *peer, char *errbuf);

/** Whether the table allows @p ev in that position (no change made). */
bool ic_conv_allows(enum ic_conv_state state, bool revoked,
                    enum ic_conv_event ev);

/**
 * Declined or blocked: no messages either way, their tickets ignored;
 * the pages say "closed" and count no unread messages.
 */
bool ic_conv_closed(enum ic_conv_state state);

/** Whether we still read their feed: fetch, store, renew (WS-S-26). */
bool ic_conv_may_receive(enum ic_conv_state state);

/**
 * Whether the owner chose this correspondent: invited them, or accepted
 * (the rate limits give such a site more room, cgi/ratelimit.c).
 */
bool ic_conv_chosen(enum ic_conv_state state);

/** Whether the owner can still cut something off (revoke or block). */
bool ic_conv_may_block(enum ic_conv_state state);

#endif /* IC_CONV_STATE_H */
