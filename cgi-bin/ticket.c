/*
 * ticket.c - TicketAuth: the ticket endpoint (receive, redeem, subscribe)
 * and the sending side (invite, accept, decline, block, revoke).
 *
 * The route table and the terminal commands; the work is in lib/.
 */
#include <stddef.h>

#include <stdio.h>

#include "messages/handshake.h"
#include "web/owner_actions.h"
#include "cgi/page_ping.h"
#include "cgi/program.h"
#include "cgi/ratelimit.h"
#include "programs.h"
#include "ticketauth/ticket_endpoint.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct ic_route routes[] = {
        /* method  PATH_INFO  handler            needs         summary */
        {"GET", "/ping", ic_page_ping, IC_NEED_NOTHING, "self-check (JSON)"},
        {"POST", "/ping", ic_page_ping_post, IC_NEED_FORM,
         "self-check of request bodies (JSON)"},
        {"POST", "", ic_ticket_endpoint_post, IC_NEED_RATE_TICKET,
         "the ticket endpoint: receive a ticket, redeem it (TR-1..TR-10); "
         "429 over a rate limit"},
        {"POST", "/invite", ic_owner_invite, IC_NEED_OWNER_ACTION,
         "invite url (owner session + CSRF)"},
        {"POST", "/accept", ic_owner_accept, IC_NEED_OWNER_ACTION,
         "accept url's message request (owner session + CSRF)"},
        {"POST", "/decline", ic_owner_decline, IC_NEED_OWNER_ACTION,
         "decline url (owner session + CSRF)"},
        {"POST", "/block", ic_owner_block, IC_NEED_OWNER_ACTION,
         "block url (owner session + CSRF)"},
        {"POST", "/revoke", ic_owner_revoke, IC_NEED_OWNER_ACTION,
         "revoke the tokens issued to url (owner session + CSRF)"},
        {"POST", "/mute", ic_owner_mute, IC_NEED_OWNER_ACTION,
         "stop notifying the owner of url's messages (owner session + "
         "CSRF)"},
        {"POST", "/unmute", ic_owner_unmute, IC_NEED_OWNER_ACTION,
         "notify the owner of url's messages again (owner session + "
         "CSRF)"},
};

/* argv[0] is the option; the URL follows it. */
static enum ic_err one_url(struct ic_req *req, int argc, char **argv)
{
	if (argc != 2)
		return ic_fail(req->errbuf, IC_ERR_BAD_INPUT,
		               "%s needs one URL", argv[0]);
	return IC_OK;
}

static enum ic_err cmd_invite(struct ic_req *req, int argc, char **argv)
{
	const char *conv;
	enum ic_err rc = one_url(req, argc, argv);

	if (rc == IC_OK)
		rc = ic_handshake_invite(req, argv[1], &conv);
	if (rc == IC_OK)
		printf("invited %s: they received a ticket for our feed\n",
		       argv[1]);
	return rc;
}

static enum ic_err cmd_accept(struct ic_req *req, int argc, char **argv)
{
	enum ic_err rc = one_url(req, argc, argv);

	if (rc == IC_OK)
		rc = ic_handshake_accept(req, argv[1]);
	if (rc == IC_OK)
		printf("accepted %s: they received a ticket for our feed\n",
		       argv[1]);
	return rc;
}

static enum ic_err decline(struct ic_req *req, int argc, char **argv,
                           bool block)
{
	enum ic_err rc = one_url(req, argc, argv);

	if (rc == IC_OK)
		rc = ic_handshake_decline(req, argv[1], block);
	if (rc == IC_OK)
		printf("%s %s\n", block ? "blocked" : "declined", argv[1]);
	return rc;
}

static enum ic_err cmd_decline(struct ic_req *req, int argc, char **argv)
{
	return decline(req, argc, argv, false);
}

static enum ic_err cmd_block(struct ic_req *req, int argc, char **argv)
{
	return decline(req, argc, argv, true);
}

static enum ic_err cmd_revoke(struct ic_req *req, int argc, char **argv)
{
	int count = 0;
	enum ic_err rc = one_url(req, argc, argv);

	if (rc == IC_OK)
		rc = ic_handshake_revoke(req, argv[1], &count);
	if (rc == IC_OK)
		printf("revoked %s's access: %d token(s) stopped working; "
		       "invite them again to give it back\n",
		       argv[1], count);
	return rc;
}

static const struct ic_cli_cmd cmds[] = {
        {"--invite", "URL", cmd_invite, true,
         "start a conversation: send the site at URL a ticket (TS-1..TS-3)"},
        {"--accept", "URL", cmd_accept, true,
         "accept URL's message request: send them our ticket back"},
        {"--decline", "URL", cmd_decline, true,
         "decline URL: unsubscribe, forget their token, ignore them"},
        {"--block", "URL", cmd_block, true,
         "block URL: decline, and revoke the tokens we issued them"},
        {"--revoke", "URL", cmd_revoke, true,
         "revoke URL's access to our feed (tokens, refresh, renewal); "
         "--invite gives it back"},
};

const struct ic_program ic_program_ticket = {
        .name = "ticket",
        .summary =
                "TicketAuth: the ticket endpoint (receive, redeem, subscribe) and the sending side (invite, accept, decline, block, revoke)",
        .routes = routes,
        .nroutes = ARRAY_SIZE(routes),
        .cmds = cmds,
        .ncmds = ARRAY_SIZE(cmds),
        .rate_limit = ic_ratelimit_route,
};

#ifndef IC_PROGRAM_NO_MAIN
int main(int argc, char **argv, char **envp)
{
	return ic_program_main(&ic_program_ticket, argc, argv, envp);
}
#endif
