/*
 * store_sub.h - WebSub subscriptions on both sides.
 *
 * subscriptions: callback id -> our subscription to a correspondent's
 *                topic at their hub (WS-S-8…WS-S-29).  The callback id is
 *                the unguessable capability in B/listener/<id> (WS-S-9)
 *                and the only way a delivery is routed (WS-S-25);
 * hub_subs:      "<topic id> <callback URL>" -> a subscriber of the
 *                built-in hub to one of our topics.
 *
 * All functions run inside a transaction the caller owns.
 */
#ifndef IC_STORE_SUB_H
#define IC_STORE_SUB_H

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

enum ic_sub_state {
	IC_SUB_PENDING, /* requested, verification of intent awaited */
	IC_SUB_ACTIVE,  /* verified; deliveries accepted */
	IC_SUB_DENIED,  /* the hub said hub.mode=denied (WS-S-20) */
	IC_SUB_GONE,    /* unsubscribed or blocked: deliveries get 410 */
};

struct ic_sub {
	const char *id; /* callback id */
	const char *conv;
	const char *topic; /* hub.topic: their rel=self (WS-S-5) */
	const char *hub;
	const char *secret; /* hub.secret (WS-S-10), we must keep it */
	const char *mode;   /* pending "subscribe" or "unsubscribe" */
	enum ic_sub_state state;
	long long requested;     /* when the pending request was made */
	long long lease_expires; /* from the verification (WS-S-17) */
	/* Issue 13: made with our token at their own hub (same origin as
	 * their feed): a signed delivery's body is their private page. */
	bool private_feed;
};

struct ic_hub_sub {
	const char *topic;    /* our topic id */
	const char *callback; /* the subscriber's callback URL */
	const char *secret;   /* may be NULL: unsigned deliveries */
	const char *mode;     /* pending request: "subscribe"/"unsubscribe" */
	enum ic_sub_state state;
	long long requested, expires;
	/* The pending request's secret and lease: an active subscription
	 * keeps its own until the renewal is verified. */
	const char *pending_secret;
	long long lease;
	/* The topic's revision when the pending request was recorded: a
	 * publish before it is verified changes it (websub_hub.h). */
	long long topic_rev;
	/* Issue 13: the SHA-256 hex of the bearer token the request showed,
	 * good for the topic then: while that token still reads it, the
	 * subscriber is sent the private page (websub_hub.h).  NULL: none.
	 * Pending until verified, as the secret is. */
	const char *token, *pending_token;
};

enum ic_err ic_store_sub_put_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    const struct ic_sub *s);

/** @return IC_OK; IC_ERR_NOT_FOUND. */
enum ic_err ic_store_sub_get_in_txn(struct ic_store_txn *t, struct ic_arena *a,
                                    const char *id, struct ic_sub *out);

/**
 * Subscriptions of conversation @p conv (any state).
 * @param[out] out  arena array of *@p n records.
 */
enum ic_err ic_store_sub_by_conv_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *conv,
                                        struct ic_sub **out, size_t *n);

enum ic_err ic_store_hub_sub_put_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a,
                                        const struct ic_hub_sub *s);

/** @return IC_OK; IC_ERR_NOT_FOUND. */
enum ic_err ic_store_hub_sub_get_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *topic,
                                        const char *callback,
                                        struct ic_hub_sub *out);

enum ic_err ic_store_hub_sub_del_in_txn(struct ic_store_txn *t,
                                        struct ic_arena *a, const char *topic,
                                        const char *callback);

/** Active subscribers of our topic @p topic. */
enum ic_err ic_store_hub_sub_list_in_txn(struct ic_store_txn *t,
                                         struct ic_arena *a, const char *topic,
                                         struct ic_hub_sub **out, size_t *n);

#endif /* IC_STORE_SUB_H */
