/*
 * websub_subscriber.h - our side of WebSub as a subscriber (STANDARDS.md
 * §2): subscribing to a correspondent's feed at the hub it advertises,
 * the callback B/listener/<id> (verification of intent, signed content
 * delivery), lease renewal; and, as a publisher with an external hub,
 * the publish ping (WS-P-5).
 *
 * Every subscription has its own unguessable callback id and secret
 * (WS-S-9, WS-S-10), committed as a pending record before the hub is
 * asked (WS-S-13), because hubs verify inside the subscribe POST.  A
 * delivery is routed by the callback id only (WS-S-25); it is only a
 * trigger: the feed is fetched with our token after the response
 * (WS-S-27), so a hub never needs to see message text.
 *
 * Issue 13: at a hub on the feed's own origin (the correspondent's own
 * built-in hub) we subscribe with our token, and such a hub's signed
 * delivery of their private page is read as the feed's newest page
 * (feed/receive.h), saving the fetch.  No other hub sees the token, and
 * no other hub's body is ever taken for their words.
 */
#ifndef IC_WEBSUB_SUBSCRIBER_H
#define IC_WEBSUB_SUBSCRIBER_H

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

/**
 * Subscribe conversation @p conv_id to @p resource: discover its hub and
 * rel=self (Link headers first, then <head>: WS-S-1, WS-S-3, WS-S-5),
 * commit a pending subscription with a fresh callback id and secret,
 * then POST hub.mode=subscribe (WS-S-8).  Any 2xx is accepted: the
 * verification GET makes it active (WS-S-12).
 * @return IC_OK; IC_ERR_NOT_FOUND (the resource names no hub);
 *         IC_ERR_PROTOCOL (the hub refused; its reason in @p errbuf);
 *         fetch and store errors.
 */
enum ic_err ic_websub_subscribe(struct ic_req *req, const char *conv_id,
                                const char *resource, char *errbuf);

/**
 * Unsubscribe subscription (callback id) @p sub_id: mark it gone
 * (deliveries get 410 from now on, WS-S-26) and ask its hub to drop it
 * (WS-S-14).  The hub's answer does not matter: the 410 ends it anyway.
 */
enum ic_err ic_websub_unsubscribe(struct ic_req *req, const char *sub_id,
                                  char *errbuf);

/**
 * External-hub mode: tell the configured hub that @p topic_url changed
 * (hub.mode=publish with hub.url and hub.topic, WS-P-5).
 * @return IC_OK on a 2xx; IC_ERR_PROTOCOL; fetch errors.
 */
enum ic_err ic_websub_publish_external(struct ic_req *req,
                                       const char *topic_url, char *errbuf);

/** GET B/listener/{id}: verification of intent (WS-S-15…WS-S-21). */
enum ic_err ic_websub_callback_get(struct ic_req *req);

/**
 * POST B/listener/{id} (IC_NEED_BIG_BODY): a content delivery
 * (WS-S-22…WS-S-29).  Checks the signature over the raw body, records a
 * "fetch" due job for the conversation, answers 202, and fetches the
 * feed after the response (req->after).
 */
enum ic_err ic_websub_callback_post(struct ic_req *req);

/**
 * Due job "renew" for conversation @p conv_id: subscribe again with a
 * new callback before the lease runs out (WS-S-18, WS-S-9).  The old
 * callback is retired once the new one is verified.
 */
enum ic_err ic_websub_renew_job(struct ic_req *req, const char *conv_id);

/** The due job that tells a hub of a retired callback (WS-S-14). */
#define IC_WEBSUB_UNSUBSCRIBE_JOB "unsubscribe"

/**
 * Due job IC_WEBSUB_UNSUBSCRIBE_JOB for subscription @p sub_id: ask its
 * hub to unsubscribe the callback a verified renewal replaced (WS-S-14).
 * A hub that refuses is left to drop it at its next 410.
 */
enum ic_err ic_websub_unsubscribe_job(struct ic_req *req, const char *sub_id);

/**
 * Seconds after a verified subscription of @p lease seconds at which it
 * is renewed: always before the lease ends (WS-S-18), a quarter of it
 * ahead (at least a minute when the lease is over two), at least 1.
 */
long long ic_websub_renew_in(long long lease);

/** Due job "fetch": read conversation @p conv_id's feed now. */
enum ic_err ic_websub_fetch_job(struct ic_req *req, const char *conv_id);

#endif /* IC_WEBSUB_SUBSCRIBER_H */
