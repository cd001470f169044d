/*
 * ticket_sender.h - the sending side of TicketAuth (STANDARDS.md §7.1):
 * find a correspondent's ticket endpoint and grant them a ticket for our
 * feed of one conversation.
 */
#ifndef IC_TICKET_SENDER_H
#define IC_TICKET_SENDER_H

#include "core/ic_limits.h"
#include "cgi/cgi.h"
#include "core/err.h"

/**
 * TS-1: the ticket endpoint of the site whose profile is @p subject:
 * its IndieAuth metadata's `ticket_endpoint`, else its
 * rel="ticket_endpoint".  https only outside dev_mode.
 * @return IC_OK; IC_ERR_NOT_FOUND ("cannot receive tickets": a message
 *         for the owner); fetch errors.
 */
enum ic_err ic_ticket_discover(struct ic_req *req, const char *subject,
                               const char **endpoint, char *errbuf);

/**
 * TS-2, TS-3: issue a single-use ticket for conversation @p conv_id's
 * feed, COMMIT it (the receiver may redeem it inside our POST, TS-2), and
 * POST it to the correspondent's ticket endpoint.  Any 2xx is success
 * (TS-4) and is recorded in the conversation (ticket_sent).
 * @return IC_OK; IC_ERR_NOT_FOUND (no ticket endpoint); IC_ERR_PROTOCOL
 *         (the endpoint refused it; its reason in @p errbuf); store and
 *         fetch errors.  The caller schedules a retry (TS-4).
 */
enum ic_err ic_ticket_send(struct ic_req *req, const char *conv_id,
                           char *errbuf);

#endif /* IC_TICKET_SENDER_H */
