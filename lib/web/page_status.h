/*
 * page_status.h - the owner's settings and status pages (`auth`;
 * docs/web.md "Pages"):
 *
 *   GET B/auth/settings   the configuration in effect (no secrets) and
 *                         how to change it
 *   GET B/auth/status     live checks of the installation, each a
 *                         li.check[data-check] with class ok, warn or fail:
 *     homepage-links        `me` advertises our indieauth-metadata and
 *                           ticket_endpoint in Link headers or <head>
 *     authorization-header  a bearer token sent to B/auth/ping reaches the
 *                           program (CGIPassAuth On, H-9)
 *     hub                   the built-in hub, or the external hub answers
 *     subscriptions         our subscriptions at correspondents' hubs and
 *                           their lease expiries (WS-S-17)
 *     deliveries            per conversation: when we last fetched theirs
 *                           and when they last fetched ours
 *     retries               work waiting in the due queue (notify, fetch,
 *                           ticket, renew) and when maintenance last ran
 * The checks fetch through the guarded fetch (SEC-3), so they see the
 * site as a peer would.  Both pages need the owner's session.
 */
#ifndef IC_PAGE_STATUS_H
#define IC_PAGE_STATUS_H

#include "cgi/cgi.h"
#include "core/err.h"

enum ic_err ic_page_settings(struct ic_req *req);
enum ic_err ic_page_status(struct ic_req *req);

#endif /* IC_PAGE_STATUS_H */
