/*
 * conv_state.c - the conversation states and their one transition table
 * (see conv_state.h).
 */
#include "store/conv_state.h"

#include <stddef.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const state_names[IC_CONV_NSTATES] = {
        [IC_CONV_INVITED] = "invited", [IC_CONV_REQUEST] = "request",
        [IC_CONV_ACTIVE] = "active",   [IC_CONV_DECLINED] = "declined",
        [IC_CONV_BLOCKED] = "blocked", [IC_CONV_NONE] = "none",
};

static const char *const event_names[IC_CONV_NEVENTS] = {
        [IC_CONV_EV_INVITE] = "invite",
        [IC_CONV_EV_TICKET_FILED] = "ticket_filed",
        [IC_CONV_EV_ACCEPT] = "accept",
        [IC_CONV_EV_DECLINE] = "decline",
        [IC_CONV_EV_BLOCK] = "block",
        [IC_CONV_EV_REVOKE] = "revoke",
        [IC_CONV_EV_TICKET_ISSUE] = "ticket_issue",
        [IC_CONV_EV_TOKEN_REDEEM] = "token_redeem",
        [IC_CONV_EV_TOKEN_REFRESH] = "token_refresh",
        [IC_CONV_EV_SEND] = "send",
        [IC_CONV_EV_RECEIVE] = "receive",
        [IC_CONV_EV_TICKET_WANTED] = "ticket_wanted",
};

const char *ic_conv_state_name(enum ic_conv_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s]
	                                             : "unknown";
}

enum ic_err ic_conv_state_parse(const char *name, enum ic_conv_state *out)
{
	/* IC_CONV_NONE is never stored: a record saying so is corrupt. */
	for (size_t i = 0; name && i < IC_CONV_NONE; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum ic_conv_state)i;
			return IC_OK;
		}
	return IC_ERR_BAD_INPUT;
}

const char *ic_conv_event_name(enum ic_conv_event ev)
{
	return (unsigned)ev < ARRAY_SIZE(event_names) ? event_names[ev]
	                                              : "unknown";
}

/* What an allowed event does to the access_revoked flag. */
enum access { KEEP, SET, CLEAR };

struct rule {
	enum ic_err code;      /* IC_OK: allowed */
	enum ic_conv_state to; /* IC_CONV_NSTATES: stays as it is */
	enum access access;
	const char *why; /* the refusal, a sentence's end */
};

#define STAY IC_CONV_NSTATES
#define GO(s)                                                                  \
	{                                                                      \
		IC_OK, (s), KEEP, NULL                                         \
	}
#define GO_ACCESS(s, acc)                                                      \
	{                                                                      \
		IC_OK, (s), (acc), NULL                                        \
	}
#define NO(code, why)                                                          \
	{                                                                      \
		IC_ERR_##code, STAY, KEEP, (why)                               \
	}
/* [revoked] = rule: the same rule whether their access was revoked or
 * not, or one rule for each.  (A row macro's parameters are written out
 * as {r, r}: passed on to ANY() their commas would split them.) */
#define ANY(r)                                                                 \
	{                                                                      \
		r, r                                                           \
	}
#define BY(open, revoked)                                                      \
	{                                                                      \
		open, revoked                                                  \
	}

#define NONE_YET      NO(NOT_FOUND, "none")
#define EXISTS        "it exists already"
#define ONLY_REQUESTS "only a message request can be accepted"
#define REOPEN        "a closed conversation cannot be reopened"
#define NO_TICKET     "a closed conversation gets no ticket"
#define REVOKED_TICKET                                                         \
	"the owner revoked their access: invite them again to send a new "     \
	"ticket"
#define ACCESS_ENDED   "their access ended when it was closed"
#define ACCESS_REVOKED "the owner revoked their access"
#define NO_SEND        "nothing more can be sent in it"
#define NO_READ        "nothing more of theirs is read"
#define IGNORED        "their tickets are ignored"
#define NOT_ACCEPTED   "only an accepted conversation gets a ticket on request"

/* An open conversation (invited, request, active) answers every event
 * the same way but for invitations, tickets filed, accepting and asking
 * us for a ticket (TE-14: only once both sides hold a token, never
 * after the owner revoked their access). */
#define OPEN_ROW(invite_open, filed, accept, wanted)                           \
	[IC_CONV_EV_INVITE] = {invite_open, GO_ACCESS(STAY, CLEAR)},           \
	[IC_CONV_EV_TICKET_FILED] = {filed, filed},                            \
	[IC_CONV_EV_ACCEPT] = {accept, accept},                                \
	[IC_CONV_EV_DECLINE] = ANY(GO(IC_CONV_DECLINED)),                      \
	[IC_CONV_EV_BLOCK] = ANY(GO_ACCESS(IC_CONV_BLOCKED, SET)),             \
	[IC_CONV_EV_REVOKE] = ANY(GO_ACCESS(STAY, SET)),                       \
	[IC_CONV_EV_TICKET_ISSUE] =                                            \
	        BY(GO(STAY), NO(CONFLICT, REVOKED_TICKET)),                    \
	[IC_CONV_EV_TOKEN_REDEEM] = BY(GO(STAY), NO(GONE, ACCESS_REVOKED)),    \
	[IC_CONV_EV_TOKEN_REFRESH] = BY(GO(STAY), NO(GONE, ACCESS_REVOKED)),   \
	[IC_CONV_EV_SEND] = ANY(GO(STAY)),                                     \
	[IC_CONV_EV_RECEIVE] = ANY(GO(STAY)),                                  \
	[IC_CONV_EV_TICKET_WANTED] = wanted

/* Declined and blocked: the owner's word stands.  Declining again, or
 * declining a blocked site, changes nothing (a block already declines);
 * revoking still kills what we issued before (TE-12). */
#define CLOSED_ROW                                                             \
	[IC_CONV_EV_INVITE] = ANY(NO(CONFLICT, REOPEN)),                       \
	[IC_CONV_EV_TICKET_FILED] = ANY(NO(GONE, IGNORED)),                    \
	[IC_CONV_EV_ACCEPT] = ANY(NO(CONFLICT, ONLY_REQUESTS)),                \
	[IC_CONV_EV_DECLINE] = ANY(GO(STAY)),                                  \
	[IC_CONV_EV_BLOCK] = ANY(GO_ACCESS(IC_CONV_BLOCKED, SET)),             \
	[IC_CONV_EV_REVOKE] = ANY(GO_ACCESS(STAY, SET)),                       \
	[IC_CONV_EV_TICKET_ISSUE] = ANY(NO(CONFLICT, NO_TICKET)),              \
	[IC_CONV_EV_TOKEN_REDEEM] = ANY(NO(GONE, ACCESS_ENDED)),               \
	[IC_CONV_EV_TOKEN_REFRESH] = ANY(NO(GONE, ACCESS_ENDED)),              \
	[IC_CONV_EV_SEND] = ANY(NO(CONFLICT, NO_SEND)),                        \
	[IC_CONV_EV_RECEIVE] = ANY(NO(GONE, NO_READ)),                         \
	[IC_CONV_EV_TICKET_WANTED] = ANY(NO(GONE, IGNORED))

/* table[state][event][revoked] */
static const struct rule table[IC_CONV_NSTATES][IC_CONV_NEVENTS][2] = {
        [IC_CONV_NONE] =
                {
                        [IC_CONV_EV_INVITE] =
                                ANY(GO_ACCESS(IC_CONV_INVITED, CLEAR)),
                        [IC_CONV_EV_TICKET_FILED] = ANY(GO(IC_CONV_REQUEST)),
                        [IC_CONV_EV_ACCEPT] = ANY(NONE_YET),
                        [IC_CONV_EV_DECLINE] = ANY(NONE_YET),
                        [IC_CONV_EV_BLOCK] = ANY(NONE_YET),
                        [IC_CONV_EV_REVOKE] = ANY(NONE_YET),
                        [IC_CONV_EV_TICKET_ISSUE] = ANY(NONE_YET),
                        /* A ticket of ours naming no conversation still
                         * redeems (nothing to check it against); a
                         * refresh token needs its conversation. */
                        [IC_CONV_EV_TOKEN_REDEEM] = ANY(GO(STAY)),
                        [IC_CONV_EV_TOKEN_REFRESH] = ANY(NONE_YET),
                        [IC_CONV_EV_SEND] = ANY(NONE_YET),
                        [IC_CONV_EV_RECEIVE] = ANY(NONE_YET),
                        [IC_CONV_EV_TICKET_WANTED] = ANY(NONE_YET),
                },
        /* They answered our invitation with a ticket: both hold one. */
        [IC_CONV_INVITED] = {OPEN_ROW(NO(CONFLICT, EXISTS), GO(IC_CONV_ACTIVE),
                                      NO(CONFLICT, ONLY_REQUESTS),
                                      ANY(NO(GONE, NOT_ACCEPTED)))},
        /* Accepting sends them our ticket: it gives back any access the
         * owner revoked, as an invitation does. */
        [IC_CONV_REQUEST] = {OPEN_ROW(NO(CONFLICT, EXISTS), GO(STAY),
                                      GO_ACCESS(IC_CONV_ACTIVE, CLEAR),
                                      ANY(NO(GONE, NOT_ACCEPTED)))},
        [IC_CONV_ACTIVE] = {OPEN_ROW(NO(CONFLICT, EXISTS), GO(STAY),
                                     NO(CONFLICT, ONLY_REQUESTS),
                                     BY(GO(STAY), NO(GONE, ACCESS_REVOKED)))},
        [IC_CONV_DECLINED] = {CLOSED_ROW},
        [IC_CONV_BLOCKED] = {CLOSED_ROW},
};

static const struct rule *rule_of(enum ic_conv_state s, bool revoked,
                                  enum ic_conv_event ev)
{
	if ((unsigned)s >= IC_CONV_NSTATES || (unsigned)ev >= IC_CONV_NEVENTS)
		return NULL;
	return &table[s][ev][revoked ? 1 : 0];
}

enum ic_err ic_conv_step(enum ic_conv_state *state, bool *revoked,
                         enum ic_conv_event ev, const char *peer, char *errbuf)
{
	const struct rule *r = rule_of(*state, *revoked, ev);

	if (peer == NULL)
		peer = "them";
	if (r == NULL)
		return ic_fail(errbuf, IC_ERR_INTERNAL,
		               "no conversation state %d or event %d",
		               (int)*state, (int)ev);
	if (r->code != IC_OK && *state == IC_CONV_NONE)
		return ic_fail(errbuf, r->code,
		               "there is no conversation with %s", peer);
	if (r->code != IC_OK)
		return ic_fail(errbuf, r->code,
		               "the conversation with %s is %s: %s", peer,
		               ic_conv_state_name(*state), r->why);
	if (r->to != STAY)
		*state = r->to;
	if (r->access != KEEP)
		*revoked = r->access == SET;
	return IC_OK;
}

bool ic_conv_allows(enum ic_conv_state state, bool revoked,
                    enum ic_conv_event ev)
{
	const struct rule *r = rule_of(state, revoked, ev);

	return r && r->code == IC_OK;
}

bool ic_conv_closed(enum ic_conv_state state)
{
	/* Closed is where the owner can no longer send (the table's word). */
	return state != IC_CONV_NONE &&
	       !ic_conv_allows(state, false, IC_CONV_EV_SEND);
}

bool ic_conv_may_receive(enum ic_conv_state state)
{
	return ic_conv_allows(state, false, IC_CONV_EV_RECEIVE);
}

bool ic_conv_chosen(enum ic_conv_state state)
{
	return state == IC_CONV_INVITED || state == IC_CONV_ACTIVE;
}

bool ic_conv_may_block(enum ic_conv_state state)
{
	const struct rule *r = rule_of(state, false, IC_CONV_EV_BLOCK);

	/* Blocking a blocked site is allowed but moves nothing. */
	return r && r->code == IC_OK && r->to != STAY && r->to != state;
}
