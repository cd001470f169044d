/*
 * auth.c - IndieAuth client (owner sign-in) and the site's IndieAuth server: metadata, authorization and token endpoints.
 *
 * The route table and the terminal commands; the work is in lib/.
 */
#include <stddef.h>

#include "page_ping.h"
#include "program.h"
#include "token_endpoint.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct ic_route routes[] = {
	/* method  PATH_INFO  handler            needs         summary */
	{"GET", "/ping", ic_page_ping, IC_NEED_NOTHING, "self-check (JSON)"},
	{"POST", "/ping", ic_page_ping_post, IC_NEED_FORM,
	 "self-check of request bodies (JSON)"},
	{"GET", "/metadata", ic_metadata_get, IC_NEED_NOTHING,
	 "IndieAuth server metadata (JSON, TE-8)"},
	{"POST", "/token", ic_token_endpoint_token, IC_NEED_FORM,
	 "token endpoint: grant_type=ticket (TE-1..TE-5)"},
	{"POST", "/revoke", ic_token_endpoint_revoke, IC_NEED_FORM,
	 "revoke an issued token (TE-12)"},
	{"POST", "/introspect", ic_token_endpoint_introspect, IC_NEED_FORM,
	 "introspect a token; needs a Bearer token (TE-11)"},
};

static const struct ic_cli_cmd cmds[] = {
	{"--tokens", "", ic_token_endpoint_cli_list, true,
	 "list issued tokens (hash prefixes, never secrets)"},
};

static const struct ic_program program = {
	.name = "auth",
	.summary = "IndieAuth client (owner sign-in) and the site's IndieAuth server: metadata, authorization and token endpoints",
	.routes = routes,
	.nroutes = ARRAY_SIZE(routes),
	.cmds = cmds,
	.ncmds = ARRAY_SIZE(cmds),
};

int main(int argc, char **argv, char **envp)
{
	return ic_program_main(&program, argc, argv, envp);
}
