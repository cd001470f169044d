/*
 * websub_hub.h - the built-in WebSub hub's network work: verification of
 * intent for the requests B/feed/hub recorded
 * (lib/websub/websub_hub_endpoint.h) and the signed fan-out when a topic
 * changes (WebSub §5.3, §7; STANDARDS.md §3, WS-P-5).
 *
 * Linked by `send` and `listener` only (it uses libcurl through the
 * guarded fetch).  No LMDB transaction is open during any request.
 */
#ifndef IC_WEBSUB_HUB_H
#define IC_WEBSUB_HUB_H

#include <stddef.h>

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

/**
 * Due job "hub_verify" (id from ic_websub_hub_job_id()): GET the callback
 * with hub.mode, hub.topic, hub.challenge and (subscribe) hub.lease_seconds
 * added to its query; a 2xx whose body is exactly the challenge confirms
 * it: the subscription becomes active with expires = now + lease, or an
 * unsubscription removes it.  When the topic was published while a new
 * subscription waited (its revision changed since the request), the
 * subscriber is then sent the topic as it is now, signed like any
 * delivery: that publish reached no one, and the subscriber's first
 * fetch may have come before it.  Anything else refuses the request (a new
 * subscription is dropped, an active one stays as it was).
 * @return IC_OK when the request is settled either way; a fetch error
 *         while it may still be retried (lazy maintenance backs off).
 */
enum ic_err ic_websub_hub_verify_job(struct ic_req *req, const char *id);

/* Our topics are HTML: the stub and the feed pages alike. */
#define IC_HUB_CONTENT_TYPE "text/html; charset=utf-8"

struct ic_hub_counts {
	int delivered; /* answered 2xx */
	int privately; /* of those, sent the private page */
	int failed;    /* unreachable or not 2xx (410 is neither: dropped) */
	long long published; /* the conversation's published_seq when its
	                        page was read: what `privately` carried */
};

/**
 * Deliver topic @p topic_id as it is now to every active, unexpired
 * subscriber: POST with IC_HUB_CONTENT_TYPE, `Link` rel=hub and rel=self,
 * and `X-Hub-Signature: sha256=…` when the subscriber gave a secret.
 *
 * What the body is (issue 13): a subscriber whose request carried a
 * bearer token good for this topic (TE-10, checked by the endpoint) is
 * the correspondent, who may read the private feed; while that token
 * still reads it (ic_token_reads(): not revoked, expired or dropped by a
 * refresh) and the conversation lets them (not declined, blocked or
 * revoked), it is sent the newest private page, the bytes `feed` would answer
 * its token, so it needs no fetch.  Everyone else gets the public stub
 * (WS-P-7).  The channel is the subscriber's own secret-signed callback, which
 * only the correspondent gave us.
 *
 * A 2xx counts as delivered; 410 removes the subscription (WebSub §7);
 * anything else counts as failed.
 * @return IC_OK (even when some failed: see @p out); store errors; a
 *         missing stub (IC_ERR_NOT_FOUND): nothing was published.
 */
enum ic_err ic_websub_hub_publish(struct ic_req *req, const char *topic_id,
                                  struct ic_hub_counts *out, char *errbuf);

#endif /* IC_WEBSUB_HUB_H */
