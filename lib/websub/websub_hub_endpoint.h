/*
 * websub_hub_endpoint.h - the built-in WebSub hub's front door, B/feed/hub
 * (WebSub §5.1; STANDARDS.md §3), for this site's own topics only.
 *
 * A subscriber POSTs hub.mode=subscribe|unsubscribe, hub.topic,
 * hub.callback, hub.secret, hub.lease_seconds.  The request is checked,
 * recorded as pending in hub_subs and queued as a "hub_verify" due job;
 * the answer is 202.  The verification of intent -- a GET to the
 * callback -- is network work, so it happens after the response, in
 * `listener --maintain` (lib/websub/websub_hub.h): `feed` links no libcurl.
 *
 * A subscribe request may carry `Authorization: Bearer` with a token this
 * site issued for the topic (issue 13; checked as `feed` checks it,
 * TE-10): the subscription, once verified, is sent the private page
 * instead of the stub (websub_hub.h).  A bad token changes nothing else:
 * the request is answered as any other.
 *
 * Only this site publishes to its topics (send, lib/messages/outbox.h), so
 * hub.mode=publish from outside is refused.
 */
#ifndef IC_WEBSUB_HUB_ENDPOINT_H
#define IC_WEBSUB_HUB_ENDPOINT_H

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

/** POST B/feed/hub (IC_NEED_FORM). */
enum ic_err ic_websub_hub_endpoint_post(struct ic_req *req);

/**
 * The due-job id of a pending request ("<topic id> <callback>"), and
 * back; the callback is everything after the first space.
 */
char *ic_websub_hub_job_id(struct ic_arena *a, const char *topic,
                           const char *callback);
enum ic_err ic_websub_hub_job_parse(struct ic_arena *a, const char *id,
                                    const char **topic, const char **callback);

#endif /* IC_WEBSUB_HUB_ENDPOINT_H */
