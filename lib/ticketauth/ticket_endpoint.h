/*
 * ticket_endpoint.h - the receiving side of TicketAuth (STANDARDS.md §6):
 * our ticket endpoint B/ticket, and redeeming a ticket at the sender's
 * token endpoint.
 *
 * The endpoint answers 202 at once (TR-4, TR-8) and redeems after the
 * response, detached from the web server: the sender may hold the POST
 * open for only a few seconds, and redeeming means several requests.
 * Whatever the ticket's fate, the answer is the same 202, so a sender
 * learns nothing about our relationships (TE-14 spirit, §6 Security).
 */
#ifndef IC_TICKET_ENDPOINT_H
#define IC_TICKET_ENDPOINT_H

#include "cgi/cgi.h"
#include "core/err.h"

/**
 * POST B/ticket (route need IC_NEED_FORM): TR-2 (ticket, resource,
 * subject required; iss optional), TR-3 (subject must be our `me`, else
 * 400 invalid_request), then 202 and redemption after the response
 * (req->after).
 */
enum ic_err ic_ticket_endpoint_post(struct ic_req *req);

/**
 * Redeem @p ticket for @p resource: find the token endpoint (TR-5: via
 * @p iss's metadata when given and vouched for, else on the resource),
 * POST grant_type=ticket (TR-6), and file the token under the
 * conversation with the resource's site: a site we invited becomes an
 * active conversation, an unknown one a message request (TR-9), a
 * blocked or declined one is ignored.  Then subscribe to the resource's
 * hub and fetch it once (TR-10).
 * @param[out] conv_id  the conversation, or NULL when ignored.
 */
enum ic_err ic_ticket_redeem(struct ic_req *req, const char *ticket,
                             const char *resource, const char *iss,
                             const char **conv_id, char *errbuf);

#endif /* IC_TICKET_ENDPOINT_H */
